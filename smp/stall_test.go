package smp

import (
	"context"
	"errors"
	"net"
	"os"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// The tests of this file run a Mux against a peer that stops reading its
// socket (over net.Pipe a write then blocks until the Mux is closed; over
// loopback TCP once the small socket buffers are full) and check that
// every call returns by its own deadline or context, that the other
// sessions are not held beyond theirs, and that no goroutine is left.
// Each logs how long the stalled call took to fail.

// stallDeadline is the deadline the stalled calls set; slack is what a
// loaded 2-core machine may add before the call returns.
const (
	stallDeadline = 300 * time.Millisecond
	stallSlack    = 2 * time.Second
)

// timed runs f and checks that it returned after about d (not before
// d-50ms, as a call that ignores the transport would; not much after,
// as a call stuck behind it would).
func timed(t *testing.T, what string, d time.Duration, f func()) {
	t.Helper()
	start := time.Now()
	f()
	took := time.Since(start)
	t.Logf("%s: failed after %v (deadline %v)", what, took.Round(time.Millisecond), d)
	if took < d-50*time.Millisecond || took > d+stallSlack {
		t.Errorf("%s took %v, want about %v", what, took, d)
	}
}

// stalledServer returns a server-role Mux whose raw client peer has opened
// sessions sid 0..n-1 (window wndw each) and sent each `data` DATA
// packets, and never reads.
func stalledServer(t *testing.T, cfg *Config, n int, wndw uint32, data int) (*Mux, *rawPeer, []*Session) {
	t.Helper()
	m, p := newRawClient(t, cfg)
	var ss []*Session
	for sid := range uint16(n) {
		p.send(FlagSYN, sid, 0, wndw, nil)
		for seq := range uint32(data) {
			p.send(FlagDATA, sid, seq+1, wndw, []byte{byte(seq)})
		}
		s, err := m.Accept(testCtx(t))
		if err != nil {
			t.Fatal(err)
		}
		ss = append(ss, s)
	}
	return m, p, ss
}

func TestStallRead(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	m, _, ss := stalledServer(t, nil, 2, 4, 4)
	buf := make([]byte, 8)
	// Reading the queued packets causes ACKs the peer never takes: each
	// Read returns its data at once all the same.
	for _, s := range ss {
		for i := range 4 {
			start := time.Now()
			if n, err := s.Read(buf); err != nil || n != 1 || buf[0] != byte(i) {
				t.Fatalf("SID %d Read %d = %d, %v", s.SID(), i, n, err)
			}
			if took := time.Since(start); took > stallSlack {
				t.Errorf("SID %d Read %d of queued data took %v", s.SID(), i, took)
			}
		}
	}
	// A Read with nothing queued ends at its deadline, on every session.
	for _, s := range ss {
		s.SetReadDeadline(time.Now().Add(stallDeadline))
		timed(t, "Session.Read with nothing queued, ACK unsent", stallDeadline, func() {
			if _, err := s.Read(buf); !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Errorf("Read = %v, want os.ErrDeadlineExceeded", err)
			}
		})
	}
	if err := m.Err(); err != nil {
		t.Errorf("Mux torn down by a Read deadline: %v", err)
	}
	timed(t, "Mux.Close with an ACK write stalled", 0, func() { m.Close() })
}

func TestStallWriteBegun(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	m, _, ss := stalledServer(t, nil, 2, 4, 0)
	s := ss[0]
	s.SetWriteDeadline(time.Now().Add(stallDeadline))
	var err error
	timed(t, "Session.Write whose DATA write has begun", stallDeadline, func() {
		_, err = s.Write([]byte("hello"))
	})
	if !errors.Is(err, os.ErrDeadlineExceeded) || !errors.Is(err, ErrTransport) {
		t.Errorf("Write = %v, want ErrTransport and os.ErrDeadlineExceeded", err)
	}
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("Write error %v is not a net.Error timeout", err)
	}
	// The Mux is down (a packet was cut): the other session fails at
	// once, and nothing is left running.
	if m.Err() == nil {
		t.Error("Mux still up after a half-written packet")
	}
	timed(t, "other session's Write after the teardown", 0, func() {
		if _, err := ss[1].Write([]byte("x")); err == nil {
			t.Error("Write on a torn-down Mux succeeded")
		}
	})
	m.Close()
}

func TestStallWriteQueued(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	m, _, ss := stalledServer(t, nil, 3, 4, 0)
	// SID 0 writes without a deadline: its packet stalls in the
	// transport and holds the writer until Close.
	stuck := make(chan error, 1)
	go func() { _, err := ss[0].Write([]byte("stuck")); stuck <- err }()
	time.Sleep(50 * time.Millisecond)
	// SID 1's packet queues behind it and is withdrawn at its deadline;
	// the session and the Mux stay up.
	ss[1].SetWriteDeadline(time.Now().Add(stallDeadline))
	timed(t, "Session.Write queued behind a stalled packet", stallDeadline, func() {
		if n, err := ss[1].Write([]byte("queued")); n != 0 || !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("Write = %d, %v; want 0, os.ErrDeadlineExceeded", n, err)
		}
	})
	if err := m.Err(); err != nil {
		t.Fatalf("Mux torn down by a withdrawn packet: %v", err)
	}
	// SID 2 (another session) is not held either: Close returns at
	// once, Read and Write by their deadlines.
	timed(t, "Session.Close with the writer stalled", 0, func() {
		if err := ss[2].Close(); err != nil {
			t.Errorf("Close = %v", err)
		}
	})
	ss[1].SetDeadline(time.Now().Add(stallDeadline))
	timed(t, "second session's Read behind the stall", stallDeadline, func() {
		if _, err := ss[1].Read(make([]byte, 4)); !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("Read = %v", err)
		}
	})
	// A Write blocked behind the stall is released by its session's
	// Close with ErrClosed, its packet unsent.
	blocked := make(chan error, 1)
	ss[1].SetWriteDeadline(time.Time{})
	go func() { _, err := ss[1].Write([]byte("late")); blocked <- err }()
	time.Sleep(50 * time.Millisecond)
	ss[1].Close()
	select {
	case err := <-blocked:
		if !errors.Is(err, ErrClosed) {
			t.Errorf("Write released by Close = %v, want ErrClosed", err)
		}
	case <-time.After(stallSlack):
		t.Error("Write behind the stall not released by Close")
	}
	timed(t, "Mux.Close with a DATA write stalled", 0, func() { m.Close() })
	if err := <-stuck; !errors.Is(err, ErrClosed) {
		t.Errorf("stalled Write after Mux.Close = %v, want ErrClosed", err)
	}
}

func TestStallAccept(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	// A window above the peer's assumed 4 makes Accept ask for an ACK,
	// which the stalled peer never takes: Accept returns at once.
	m, p := newRawClient(t, &Config{Window: 16})
	p.send(FlagSYN, 0, 0, 4, nil)
	p.send(FlagSYN, 1, 0, 4, nil)
	p.send(FlagSYN, 2, 0, 4, nil)
	timed(t, "Mux.Accept asking a window ACK", 0, func() {
		if _, err := m.Accept(testCtx(t)); err != nil {
			t.Errorf("Accept = %v", err)
		}
	})
	timed(t, "Mux.Accept behind the stalled ACK", 0, func() {
		if _, err := m.Accept(testCtx(t)); err != nil {
			t.Errorf("Accept = %v", err)
		}
	})
	// A done context fails Accept even with a session queued; that
	// session is still handed out later.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if s, err := m.Accept(ctx); s != nil || !errors.Is(err, context.Canceled) {
		t.Errorf("Accept(done ctx) = %v, %v; want context.Canceled", s, err)
	}
	ctx, cancel = context.WithTimeout(context.Background(), stallDeadline)
	defer cancel()
	if _, err := m.Accept(ctx); err != nil {
		t.Errorf("Accept of the third session = %v", err)
	}
	timed(t, "Mux.Accept(ctx) with nothing queued", stallDeadline, func() {
		if _, err := m.Accept(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Accept = %v", err)
		}
	})
	// After Mux.Close a session whose SYN arrived is not handed out.
	p.send(FlagSYN, 3, 0, 4, nil)
	time.Sleep(20 * time.Millisecond)
	m.Close()
	if s, err := m.Accept(testCtx(t)); s != nil || !errors.Is(err, ErrClosed) {
		t.Errorf("Accept after Close = %v, %v; want ErrClosed", s, err)
	}
}

func TestStallOpen(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	// The stalled peer is the server: the first SYN's write begins and
	// cannot finish; Open fails at its context's deadline and the Mux
	// is torn down.
	m, _ := newRawServer(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), stallDeadline)
	defer cancel()
	timed(t, "Mux.Open whose SYN write has begun", stallDeadline, func() {
		if s, err := m.Open(ctx); s != nil || !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, ErrTransport) {
			t.Errorf("Open = %v, %v; want ErrTransport and context.DeadlineExceeded", s, err)
		}
	})
	if m.Err() == nil {
		t.Error("Mux still up after a half-written SYN")
	}
	m.Close()

	// A SYN queued behind a stalled packet is withdrawn: the Mux stays
	// up and the SID is free again.
	m, p := newRawServer(t, nil)
	go m.Open(testCtx(t))
	p.expect(hdr(FlagSYN, 0, 0, 4, 0))
	s0 := sessionOf(m, 0)
	go s0.Write([]byte("stuck")) // never read
	time.Sleep(50 * time.Millisecond)
	ctx2, cancel2 := context.WithTimeout(context.Background(), stallDeadline)
	defer cancel2()
	timed(t, "Mux.Open whose SYN is queued behind a stall", stallDeadline, func() {
		if s, err := m.Open(ctx2); s != nil || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Open = %v, %v; want context.DeadlineExceeded", s, err)
		}
	})
	if err := m.Err(); err != nil {
		t.Errorf("Mux torn down by a withdrawn SYN: %v", err)
	}
	if s := sessionOf(m, 1); s != nil {
		t.Error("the withdrawn SYN's session is still registered")
	}
	m.Close()
}

// TestStallLoopbackTCP stalls a real TCP connection with small socket
// buffers: the peer grants a large window and stops reading, the Mux's
// writes fill the buffers, and a Write with a deadline fails by it.
func TestStallLoopbackTCP(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	peerc := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			peerc <- nil
			return
		}
		c.(*net.TCPConn).SetReadBuffer(4096)
		peerc <- c
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c.(*net.TCPConn).SetWriteBuffer(4096)
	peer := <-peerc
	if peer == nil {
		t.Fatal("accept failed")
	}
	defer peer.Close()
	m := NewServer(c, &Config{Window: 64})
	defer m.Close()
	syn := Header{Flags: FlagSYN, Length: HeaderLen, Wndw: MaxWindow}.Append(nil)
	if _, err := peer.Write(syn); err != nil {
		t.Fatal(err)
	}
	s, err := m.Accept(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	big := make([]byte, 64<<20) // far beyond the socket buffers
	s.SetWriteDeadline(time.Now().Add(stallDeadline))
	var n int
	timed(t, "Session.Write over stalled loopback TCP", stallDeadline, func() {
		n, err = s.Write(big)
	})
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("Write = %d, %v; want os.ErrDeadlineExceeded", n, err)
	}
	t.Logf("%d bytes written before the stall", n)
	timed(t, "Mux.Close over stalled TCP", 0, func() { m.Close() })
}
