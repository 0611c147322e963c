package smp

import (
	"bytes"
	"errors"
	"io"
	"net"
	"runtime"
	"testing"
	"time"
)

// rawPeer speaks SMP by hand over one end of a net.Pipe, so tests can send
// exactly the packets they want (including invalid ones) to a Mux and see
// exactly what the Mux sends back.
type rawPeer struct {
	t    testing.TB
	conn net.Conn
}

// newRawServer returns a client-role Mux and a raw peer acting as server.
func newRawServer(t testing.TB, cfg *Config) (*Mux, *rawPeer) {
	t.Helper()
	a, b := net.Pipe()
	m := NewClient(a, cfg)
	p := &rawPeer{t: t, conn: b}
	t.Cleanup(func() { m.Close(); b.Close() })
	return m, p
}

// newRawClient returns a server-role Mux and a raw peer acting as client.
func newRawClient(t testing.TB, cfg *Config) (*Mux, *rawPeer) {
	t.Helper()
	a, b := net.Pipe()
	m := NewServer(a, cfg)
	p := &rawPeer{t: t, conn: b}
	t.Cleanup(func() { m.Close(); b.Close() })
	return m, p
}

// sendRaw writes b; it fails the test if the write does not complete.
func (p *rawPeer) sendRaw(b []byte) {
	p.t.Helper()
	p.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if _, err := p.conn.Write(b); err != nil {
		p.t.Fatalf("raw peer write: %v", err)
	}
}

// send writes one packet, computing LENGTH.
func (p *rawPeer) send(f Flags, sid uint16, seq, wndw uint32, data []byte) {
	p.t.Helper()
	b, err := Header{Flags: f, SID: sid, SeqNum: seq, Wndw: wndw}.AppendPacket(nil, data)
	if err != nil {
		p.t.Fatal(err)
	}
	p.sendRaw(b)
}

// recvRaw reads exactly n bytes within d.
func (p *rawPeer) recvRaw(n int, d time.Duration) ([]byte, error) {
	p.conn.SetReadDeadline(time.Now().Add(d))
	b := make([]byte, n)
	_, err := io.ReadFull(p.conn, b)
	return b, err
}

// recv reads one packet, failing the test if none arrives in 5 seconds.
func (p *rawPeer) recv() (Header, []byte) {
	p.t.Helper()
	hb, err := p.recvRaw(HeaderLen, 5*time.Second)
	if err != nil {
		p.t.Fatalf("raw peer: reading header: %v", err)
	}
	var h Header
	if err := h.Decode(hb); err != nil {
		p.t.Fatalf("raw peer: %v", err)
	}
	data, err := p.recvRaw(int(h.DataLen()), 5*time.Second)
	if err != nil {
		p.t.Fatalf("raw peer: reading DATA: %v", err)
	}
	return h, data
}

// expect reads one packet and checks its header (Length included).
func (p *rawPeer) expect(want Header) []byte {
	p.t.Helper()
	h, data := p.recv()
	if h != want {
		p.t.Fatalf("peer received %v, want %v", h, want)
	}
	return data
}

// expectNothing checks that no byte arrives within d.
func (p *rawPeer) expectNothing(d time.Duration) {
	p.t.Helper()
	b, err := p.recvRaw(1, d)
	if err == nil {
		p.t.Fatalf("peer received unexpected byte %#x", b[0])
	}
	if !isTimeout(err) {
		p.t.Fatalf("peer read: %v, want a timeout", err)
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// hdr builds a header with LENGTH for n data bytes.
func hdr(f Flags, sid uint16, seq, wndw uint32, n int) Header {
	return Header{Flags: f, SID: sid, Length: uint32(HeaderLen + n), SeqNum: seq, Wndw: wndw}
}

// waitDone fails the test unless m is torn down within 5 seconds.
func waitDone(t testing.TB, m *Mux) error {
	t.Helper()
	select {
	case <-m.Done():
		return m.Err()
	case <-time.After(5 * time.Second):
		t.Fatal("Mux not torn down within 5s")
		return nil
	}
}

// checkGoroutines fails the test if more goroutines run than before, after
// allowing exiting goroutines a moment to finish.
func checkGoroutines(t testing.TB, before int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		n := runtime.NumGoroutine()
		if n <= before {
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			buf = buf[:runtime.Stack(buf, true)]
			t.Fatalf("%d goroutines running, %d before:\n%s", n, before, bytes.TrimSpace(buf))
		}
		time.Sleep(10 * time.Millisecond)
	}
}
