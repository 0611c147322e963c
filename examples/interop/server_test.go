package interop

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tdswire/tdswire/login7"
	"github.com/tdswire/tdswire/ntlm"
	"github.com/tdswire/tdswire/prelogin"
	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tokens"
)

// capture is what the fake server saw from one real client's first
// connection: the PRELOGIN and LOGIN7 messages, reassembled, with the
// header of every packet that carried them (real clients differ in
// packet numbering and status bits, and the tests record how).
type capture struct {
	Prelogin        []byte           // PRELOGIN message payload, headers removed
	PreloginMsg     prelogin.Message // Prelogin decoded (views into Prelogin)
	PreloginHeaders []tds.Header     // one per packet
	Login           []byte           // LOGIN7 message payload, headers removed
	LoginHeaders    []tds.Header     // one per packet
	Raw             []byte           // every byte the client sent, as sent
	Conns           int              // connections accepted (clients may retry)

	// With an NTLM server configured (startNTLMServer) and an integrated
	// login: the CHALLENGE_MESSAGE sent in an SSPI token, the client's
	// SSPI message carrying its AUTHENTICATE_MESSAGE with the headers of
	// its packets, and the outcome of ntlm.Server.Verify.
	Challenge    []byte
	Authenticate []byte
	SSPIHeaders  []tds.Header
	NTLMResult   *ntlm.Result
	NTLMErr      error
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
			cp, err := handle(c, s.ntlm)
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

// handle plays the server's part of one connection up to LOGIN7, reading
// with tds.Reader and writing with tds.Writer.
func handle(c net.Conn, srv *ntlm.Server) (cp capture, err error) {
	rec := &recorder{r: c}
	defer func() {
		cp.Raw = rec.raw
		cp.PreloginHeaders, cp.LoginHeaders, cp.SSPIHeaders = splitHeaders(rec.raw)
	}()
	r := tds.NewReader(rec)

	h, msg, err := r.ReadMessage()
	if err != nil {
		return cp, fmt.Errorf("reading PRELOGIN: %w", err)
	}
	if h.Type != tds.PacketPrelogin {
		return cp, fmt.Errorf("first message is %v, want %v", h.Type, tds.PacketPrelogin)
	}
	cp.Prelogin = bytes.Clone(msg) // msg is the Reader's buffer
	if err := cp.PreloginMsg.Decode(cp.Prelogin); err != nil {
		return cp, fmt.Errorf("decoding the client's PRELOGIN: %w", err)
	}
	resp, terminate := prelogin.ServerResponse(cp.PreloginMsg.Encryption, prelogin.EncryptNotSup)
	if terminate || resp != prelogin.EncryptNotSup {
		return cp, fmt.Errorf("client ENCRYPTION %v: a server without encryption must answer %v and terminate=%v; want ENCRYPT_NOT_SUP and go on",
			cp.PreloginMsg.Encryption, resp, terminate)
	}
	w, err := tds.NewWriter(c, tds.DefaultPacketSize)
	if err != nil {
		return cp, err
	}
	if err := w.WriteMessage(tds.PacketResponse, 0, preloginResponse()[tds.HeaderLen:]); err != nil {
		return cp, fmt.Errorf("writing PRELOGIN response: %w", err)
	}

	h, msg, err = r.ReadMessage()
	if err != nil {
		return cp, fmt.Errorf("reading LOGIN7: %w", err)
	}
	if h.Type != tds.PacketLogin7 {
		return cp, fmt.Errorf("second message is %v, want %v", h.Type, tds.PacketLogin7)
	}
	cp.Login = bytes.Clone(msg)
	if srv == nil {
		return cp, nil
	}
	return cp, ntlmStep(r, w, srv, &cp)
}

// ntlmStep answers an integrated login's NEGOTIATE and verifies the
// client's AUTHENTICATE. Its failures to authenticate are recorded in
// cp.NTLMErr, not returned: a test may expect them.
func ntlmStep(r *tds.Reader, w *tds.Writer, srv *ntlm.Server, cp *capture) error {
	var l login7.Login7
	if err := l.Decode(cp.Login); err != nil {
		return fmt.Errorf("decoding LOGIN7: %w", err)
	}
	if !l.OptionFlags2.IntegratedSecurity() {
		return nil
	}
	challenge, err := srv.Challenge(nil, l.SSPI)
	if err != nil {
		return fmt.Errorf("NTLM CHALLENGE for the client's NEGOTIATE: %w", err)
	}
	cp.Challenge = challenge
	if err := w.WriteMessage(tds.PacketResponse, 0, tokens.SSPI{Buffer: challenge}.Append(nil)); err != nil {
		return fmt.Errorf("writing the SSPI token: %w", err)
	}
	h, msg, err := r.ReadMessage()
	if err != nil {
		return fmt.Errorf("reading the SSPI message: %w", err)
	}
	if h.Type != tds.PacketSSPI {
		return fmt.Errorf("message after the CHALLENGE is %v, want %v", h.Type, tds.PacketSSPI)
	}
	var m login7.SSPIMessage
	if err := m.Decode(msg); err != nil {
		return fmt.Errorf("decoding the SSPI message: %w", err)
	}
	cp.Authenticate = bytes.Clone(m.Data)
	cp.NTLMResult, cp.NTLMErr = srv.Verify(l.SSPI, challenge, cp.Authenticate)
	return nil
}

// splitHeaders walks the packet headers of a client's raw bytes: the
// packets up to the first EOM are PRELOGIN's, the next ones up to EOM
// LOGIN7's, the next ones (after an NTLM CHALLENGE) the SSPI message's.
// It stops at anything it cannot walk; handle has already reported such a
// stream.
func splitHeaders(raw []byte) (pre, login, sspi []tds.Header) {
	msgs := [3]*[]tds.Header{&pre, &login, &sspi}
	i := 0
	for off := 0; off < len(raw) && i < len(msgs); {
		var h tds.Header
		if h.Decode(raw[off:]) != nil {
			break
		}
		*msgs[i] = append(*msgs[i], h)
		off += int(h.Length)
		if h.Status&tds.StatusEOM != 0 {
			i++
		}
	}
	return pre, login, sspi
}

// preloginResponse is the server's answer as one packet: VERSION
// 16.0.4000.0, ENCRYPTION = ENCRYPT_NOT_SUP, INSTOPT = 0x00 (the
// instance matches), MARS off, [MS-TDS] 2.2.6.5, built with the prelogin
// package and framed by tds.Writer in a packet of type 0x04 (tabular
// result) with PacketID 1.
func preloginResponse() []byte {
	m := prelogin.Message{
		Present:    prelogin.HasVersion | prelogin.HasEncryption | prelogin.HasInstOpt | prelogin.HasMARS,
		Version:    prelogin.Version{Major: 16, Minor: 0, Build: 4000},
		Encryption: prelogin.EncryptNotSup,
		Instance:   []byte{prelogin.InstanceMatch},
	}
	payload, err := m.Append(nil)
	if err != nil {
		panic("prelogin response: " + err.Error()) // a fixed, valid message
	}
	var buf bytes.Buffer
	w, err := tds.NewWriter(&buf, tds.DefaultPacketSize)
	if err != nil {
		panic(err)
	}
	if err := w.WriteMessage(tds.PacketResponse, 0, payload); err != nil {
		panic(err)
	}
	return buf.Bytes()
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
	name = strings.ReplaceAll(name, "/", "_")
	for suffix, b := range map[string][]byte{".raw": cp.Raw, ".prelogin": cp.Prelogin, ".login7": cp.Login} {
		if err := os.WriteFile(filepath.Join(dir, name+suffix), b, 0o644); err != nil {
			t.Logf("saving capture: %v", err)
		}
	}
}
