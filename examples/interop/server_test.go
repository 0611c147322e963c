package interop

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tdswire/tdswire/examples/loginserver"
	"github.com/tdswire/tdswire/ntlm"
)

// capture is what the fake server saw from one real client's first
// connection (see loginserver.Capture), and how many connections the
// client made in all (clients may retry).
type capture struct {
	loginserver.Capture
	Conns int
}

// fakeServer accepts connections on 127.0.0.1, answers the first
// connection's PRELOGIN with a PRELOGIN response saying ENCRYPT_NOT_SUP,
// reads its LOGIN7 message, and closes. Later connections (clients retry)
// are counted and closed at once.
type fakeServer struct {
	ln   net.Listener
	done chan struct{}
	ntlm *ntlm.Server // if set, integrated logins get a CHALLENGE

	mu   sync.Mutex
	cap  capture
	err  error
	got  bool
	wait chan struct{} // closed when the first connection is finished
}

// startServer starts a fakeServer that stops when the test ends. Every
// read and write on a connection is bounded by a ten-second deadline.
func startServer(t *testing.T) *fakeServer {
	t.Helper()
	return startNTLMServer(t, nil)
}

// startNTLMServer starts a fakeServer that, when srv is not nil, carries
// an integrated (NTLM) login one step further: it answers the NEGOTIATE in
// LOGIN7 with srv's CHALLENGE_MESSAGE in an SSPI token ([MS-TDS] 2.2.7.22),
// reads the client's SSPI message (2.2.6.8) and verifies the
// AUTHENTICATE_MESSAGE in it with srv, then closes. The login never
// completes: no LOGINACK is sent.
func startNTLMServer(t *testing.T, srv *ntlm.Server) *fakeServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	s := &fakeServer{ln: ln, done: make(chan struct{}), wait: make(chan struct{}), ntlm: srv}
	go s.serve()
	t.Cleanup(func() {
		ln.Close()
		<-s.done
	})
	return s
}

// Port returns the TCP port the server listens on.
func (s *fakeServer) Port() int { return s.ln.Addr().(*net.TCPAddr).Port }

// Addr returns "127.0.0.1:port".
func (s *fakeServer) Addr() string { return s.ln.Addr().String() }

func (s *fakeServer) serve() {
	defer close(s.done)
	var wg sync.WaitGroup
	defer wg.Wait()
	first := true
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		if !first {
			s.mu.Lock()
			s.cap.Conns++
			s.mu.Unlock()
			c.Close()
			continue
		}
		first = false
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(s.wait)
			c.SetDeadline(time.Now().Add(10 * time.Second))
			lc, err := loginserver.Handle(c, s.ntlm)
			cp := capture{Capture: lc}
			c.Close()
			s.mu.Lock()
			cp.Conns += s.cap.Conns + 1
			s.cap, s.err, s.got = cp, err, true
			s.mu.Unlock()
		}()
	}
}

// Capture waits at most d for the first connection to finish and returns
// what it captured.
func (s *fakeServer) Capture(t *testing.T, d time.Duration) capture {
	t.Helper()
	select {
	case <-s.wait:
	case <-time.After(d):
		t.Fatalf("no client connection finished within %v", d)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		t.Fatalf("fake server: %v (captured %d raw bytes: % x)", s.err, len(s.cap.Raw), s.cap.Raw)
	}
	return s.cap
}

// preloginResponse is the fake server's PRELOGIN response packet.
func preloginResponse() []byte { return loginserver.PreloginResponse() }

// save writes the raw bytes of a capture to $TDSWIRE_CAPTURE_DIR/name.bin
// when that variable is set, so a developer can look at real-client bytes.
func save(t *testing.T, name string, cp capture) {
	dir := os.Getenv("TDSWIRE_CAPTURE_DIR")
	if dir == "" {
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Logf("capture dir: %v", err)
		return
	}
	name = strings.ReplaceAll(name, "/", "_")
	for suffix, b := range map[string][]byte{".raw": cp.Raw, ".prelogin": cp.Prelogin, ".login7": cp.Login} {
		if err := os.WriteFile(filepath.Join(dir, name+suffix), b, 0o644); err != nil {
			t.Logf("saving capture: %v", err)
		}
	}
}
