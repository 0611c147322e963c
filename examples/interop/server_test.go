package interop

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/tdswire/tdswire/tds"
)

// capture is what the fake server saw from one real client's first
// connection: the PRELOGIN and LOGIN7 messages, reassembled, with the
// header of every packet that carried them (real clients differ in
// packet numbering and status bits, and the tests record how).
type capture struct {
	Prelogin        []byte       // PRELOGIN message payload, headers removed
	PreloginHeaders []tds.Header // one per packet
	Login           []byte       // LOGIN7 message payload, headers removed
	LoginHeaders    []tds.Header // one per packet
	Raw             []byte       // every byte the client sent, as sent
	Conns           int          // connections accepted (clients may retry)
}

// fakeServer accepts connections on 127.0.0.1, answers the first
// connection's PRELOGIN with a PRELOGIN response saying ENCRYPT_NOT_SUP,
// reads its LOGIN7 message, and closes. Later connections (clients retry)
// are counted and closed at once.
type fakeServer struct {
	ln   net.Listener
	done chan struct{}

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
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	s := &fakeServer{ln: ln, done: make(chan struct{}), wait: make(chan struct{})}
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
			cp, err := handle(c)
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

// recorder keeps a copy of every byte read from the connection.
type recorder struct {
	r   io.Reader
	raw []byte
}

func (r *recorder) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	r.raw = append(r.raw, p[:n]...)
	return n, err
}

func handle(c net.Conn) (capture, error) {
	var cp capture
	rec := &recorder{r: c}
	var err error
	cp.Prelogin, cp.PreloginHeaders, err = readMessage(rec)
	cp.Raw = rec.raw
	if err != nil {
		return cp, fmt.Errorf("reading PRELOGIN: %w", err)
	}
	if _, err := c.Write(preloginResponse()); err != nil {
		return cp, fmt.Errorf("writing PRELOGIN response: %w", err)
	}
	cp.Login, cp.LoginHeaders, err = readMessage(rec)
	cp.Raw = rec.raw
	if err != nil {
		return cp, fmt.Errorf("reading LOGIN7: %w", err)
	}
	return cp, nil
}

// readMessage reads packets up to and including the one with EOM set.
func readMessage(r io.Reader) ([]byte, []tds.Header, error) {
	var msg []byte
	var hs []tds.Header
	var hb [tds.HeaderLen]byte
	for {
		if _, err := io.ReadFull(r, hb[:]); err != nil {
			return msg, hs, err
		}
		var h tds.Header
		if err := h.Decode(hb[:]); err != nil {
			return msg, hs, err
		}
		hs = append(hs, h)
		body := make([]byte, int(h.Length)-tds.HeaderLen)
		if _, err := io.ReadFull(r, body); err != nil {
			return msg, hs, err
		}
		msg = append(msg, body...)
		if h.Status&tds.StatusEOM != 0 {
			return msg, hs, nil
		}
		if len(hs) > 64 {
			return msg, hs, errors.New("more than 64 packets without EOM")
		}
	}
}

// preloginResponse is the server's answer: VERSION 16.0.4000.0,
// ENCRYPTION = ENCRYPT_NOT_SUP (0x02), INSTOPT = 0x00, MARS = 0x00,
// [MS-TDS] 2.2.6.5, in one EOM packet of type 0x04 (tabular result).
func preloginResponse() []byte {
	body := []byte{
		0x00, 0x00, 21, 0x00, 6, // VERSION at 21, 6 bytes
		0x01, 0x00, 27, 0x00, 1, // ENCRYPTION at 27
		0x02, 0x00, 28, 0x00, 1, // INSTOPT at 28
		0x04, 0x00, 29, 0x00, 1, // MARS at 29
		0xFF,
		0x10, 0x00, 0x0F, 0xA0, 0x00, 0x00, // 16.0, build 4000, sub-build 0
		0x02, // ENCRYPT_NOT_SUP
		0x00, // INSTOPT: no instance name
		0x00, // MARS off
	}
	h := tds.Header{Type: tds.PacketResponse, Status: tds.StatusEOM, Length: uint16(tds.HeaderLen + len(body)), PacketID: 1}
	return append(h.Append(nil), body...)
}

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
	for suffix, b := range map[string][]byte{".raw": cp.Raw, ".prelogin": cp.Prelogin, ".login7": cp.Login} {
		if err := os.WriteFile(filepath.Join(dir, name+suffix), b, 0o644); err != nil {
			t.Logf("saving capture: %v", err)
		}
	}
}
