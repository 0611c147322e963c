package smp

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// newRawServerMode is newRawServer with the writer's mode chosen.
func newRawServerMode(t testing.TB, cfg *Config, vectored bool) (*Mux, *rawPeer) {
	t.Helper()
	a, b := net.Pipe()
	m := newMuxMode(a, true, cfg, vectored)
	p := &rawPeer{t: t, conn: b}
	t.Cleanup(func() { m.Close(); b.Close() })
	return m, p
}

// TestWriteWindowInOneRequest checks, in both writer modes, that one
// Write longer than the window admits sends DATA packets up to the
// peer's WNDW, holds the rest until an ACK opens the window, and
// returns the whole count ([MC-SMP] 3.1.5.2.1).
func TestWriteWindowInOneRequest(t *testing.T) {
	for _, vectored := range []bool{false, true} {
		t.Run(fmt.Sprintf("vectored=%v", vectored), func(t *testing.T) {
			m, p := newRawServerMode(t, &Config{MaxDataLength: 3}, vectored)
			go m.Open(testCtx(t))
			p.expect(hdr(FlagSYN, 0, 0, 4, 0))
			s := sessionOf(m, 0)
			done := make(chan error, 1)
			msg := "abcdefghijklmnopqrstu" // 7 packets of 3 bytes
			go func() {
				n, err := s.Write([]byte(msg))
				if err == nil && n != len(msg) {
					err = fmt.Errorf("Write = %d, want %d", n, len(msg))
				}
				done <- err
			}()
			for seq := uint32(1); seq <= 4; seq++ {
				if d := p.expect(hdr(FlagDATA, 0, seq, 4, 3)); string(d) != msg[3*seq-3:3*seq] {
					t.Fatalf("DATA %d carries %q", seq, d)
				}
			}
			p.expectNothing(100 * time.Millisecond)
			p.send(FlagACK, 0, 0, 10, nil)
			for seq := uint32(5); seq <= 7; seq++ {
				if d := p.expect(hdr(FlagDATA, 0, seq, 4, 3)); string(d) != msg[3*seq-3:3*seq] {
					t.Fatalf("DATA %d carries %q", seq, d)
				}
			}
			if err := <-done; err != nil {
				t.Fatal(err)
			}
		})
	}
}

// slowConn is a transport that takes the bytes of each Write one at a
// time, reading the caller's buffer as it goes, until it is closed; its
// Read blocks until then. Writing through it with a short deadline
// leaves a packet half written.
type slowConn struct {
	once   sync.Once
	closed chan struct{}
	busy   atomic.Bool // inside Write
	taken  int
}

func newSlowConn() *slowConn { return &slowConn{closed: make(chan struct{})} }

func (c *slowConn) Write(b []byte) (int, error) {
	c.busy.Store(true)
	defer c.busy.Store(false)
	for i := range b {
		select {
		case <-c.closed:
			return i, net.ErrClosed
		case <-time.After(time.Millisecond):
		}
		c.taken += int(b[i]) // reads the caller's buffer, as a copy would
	}
	return len(b), nil
}

func (c *slowConn) Read([]byte) (int, error) {
	<-c.closed
	return 0, io.EOF
}

func (c *slowConn) Close() error {
	c.once.Do(func() { close(c.closed) })
	return nil
}

// TestWriteHoldsBufferUntilWritten checks that Session.Write does not
// return while the writer may still read the caller's buffer: in the
// vectored mode a DATA field is written from it in place. A Write whose
// packet is half written at its deadline tears the Mux down and returns
// only once the transport has given the buffer back: the transport is
// no longer in Write, and the test's overwriting the buffer is no race. The same holds when the Mux is closed under the
// Write.
func TestWriteHoldsBufferUntilWritten(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	for _, vectored := range []bool{false, true} {
		for _, how := range []string{"deadline", "close"} {
			t.Run(fmt.Sprintf("vectored=%v/%s", vectored, how), func(t *testing.T) {
				c := newSlowConn()
				m := newMuxMode(c, false, nil, vectored)
				// A session as a peer's SYN would make it.
				m.mu.Lock()
				s := newSession(m, 0, DefaultWindow, m.cfg.Window)
				m.sessions[0] = s
				m.mu.Unlock()
				buf := make([]byte, 4096)
				var err error
				switch how {
				case "deadline":
					s.SetWriteDeadline(time.Now().Add(100 * time.Millisecond))
					_, err = s.Write(buf)
					if !errors.Is(err, os.ErrDeadlineExceeded) || !errors.Is(err, ErrTransport) {
						t.Errorf("Write = %v, want ErrTransport and os.ErrDeadlineExceeded", err)
					}
				case "close":
					time.AfterFunc(100*time.Millisecond, func() { m.Close() })
					if _, err = s.Write(buf); !errors.Is(err, ErrClosed) {
						t.Errorf("Write = %v, want ErrClosed", err)
					}
				}
				if c.busy.Load() {
					t.Error("Write returned while the transport was still taking its buffer")
				}
				for i := range buf {
					buf[i] = 1
				}
				m.Close()
			})
		}
	}
}
