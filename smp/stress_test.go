package smp

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"runtime"
	"sync"
	"testing"
	"time"
)

// windowTap wraps the client's end of the transport and parses the SMP
// packets in both directions independently of the Mux. It checks that
// neither side ever sends a DATA SEQNUM above the last WNDW the other side
// had sent for that session (starting from the SYN's WNDW and the initial
// 4 of [MC-SMP] 3.1.3.1), and that DATA SEQNUMs follow each other by one.
// Outgoing packets are recorded before they reach the wire and incoming
// ones as soon as they are read, so every WNDW is recorded before the
// peer can act on it: the check is sound for both directions.
type windowTap struct {
	net.Conn
	mu       sync.Mutex
	out, in  tapParser
	sessions map[uint16]*tapSession
	err      error
	full     [2]int // DATA packets that used the last slot of the window, per direction
}

type tapSession struct {
	wndw [2]uint32 // last WNDW sent by client (0) / server (1)
	seq  [2]uint32 // last DATA SEQNUM sent by client (0) / server (1)
}

type tapParser struct{ buf []byte }

func newWindowTap(c net.Conn) *windowTap {
	return &windowTap{Conn: c, sessions: make(map[uint16]*tapSession)}
}

func (w *windowTap) Write(b []byte) (int, error) {
	w.mu.Lock()
	w.feed(&w.out, 0, b)
	w.mu.Unlock()
	return w.Conn.Write(b)
}

func (w *windowTap) Read(b []byte) (int, error) {
	n, err := w.Conn.Read(b)
	w.mu.Lock()
	w.feed(&w.in, 1, b[:n])
	w.mu.Unlock()
	return n, err
}

// feed parses the bytes b sent by side dir (0 client, 1 server).
func (w *windowTap) feed(p *tapParser, dir int, b []byte) {
	p.buf = append(p.buf, b...)
	for w.err == nil && len(p.buf) >= HeaderLen {
		var h Header
		if err := h.Decode(p.buf); err != nil {
			w.err = err
			return
		}
		if len(p.buf) < int(h.Length) {
			return
		}
		p.buf = p.buf[h.Length:]
		s := w.sessions[h.SID]
		if h.Flags == FlagSYN {
			s = &tapSession{wndw: [2]uint32{h.Wndw, DefaultWindow}}
			w.sessions[h.SID] = s
			continue
		}
		if s == nil {
			w.err = fmt.Errorf("tap: %v for unknown SID", h)
			return
		}
		if seqAfter(s.wndw[dir], h.Wndw) {
			w.err = fmt.Errorf("tap: window moved backwards: %v after WNDW %d", h, s.wndw[dir])
			return
		}
		s.wndw[dir] = h.Wndw
		if h.Flags == FlagDATA {
			if h.SeqNum != s.seq[dir]+1 {
				w.err = fmt.Errorf("tap: %v after SEQNUM %d", h, s.seq[dir])
				return
			}
			s.seq[dir] = h.SeqNum
			limit := s.wndw[1-dir]
			if seqAfter(h.SeqNum, limit) {
				w.err = fmt.Errorf("tap: window exceeded: %v but the peer's WNDW is %d", h, limit)
				return
			}
			if h.SeqNum == limit {
				w.full[dir]++
			}
		}
	}
}

// stressMsg builds message i of a stream: an 8-byte header (index, total
// length) and pseudo-random bytes seeded by the stream and index.
func stressMsg(dst []byte, stream uint64, i, size int) []byte {
	dst = binary.LittleEndian.AppendUint32(dst[:0], uint32(i))
	dst = binary.LittleEndian.AppendUint32(dst, uint32(size))
	r := rand.New(rand.NewPCG(stream, uint64(i)))
	for len(dst) < size {
		dst = append(dst, byte(r.Uint32()))
	}
	return dst
}

// checkMsg verifies message i of stream.
func checkMsg(got []byte, stream uint64, i int, scratch []byte) error {
	if len(got) < 8 {
		return fmt.Errorf("stream %d: message %d has %d bytes", stream, i, len(got))
	}
	if idx := binary.LittleEndian.Uint32(got); idx != uint32(i) {
		return fmt.Errorf("stream %d: got message %d, want %d (lost, duplicated or reordered)", stream, idx, i)
	}
	want := stressMsg(scratch, stream, i, int(binary.LittleEndian.Uint32(got[4:])))
	if string(got) != string(want) {
		return fmt.Errorf("stream %d: message %d corrupted", stream, i)
	}
	return nil
}

// TestStress runs many sessions over one net.Pipe, each sending messages
// of random sizes in both directions at once, and checks that every
// message arrives once, intact and in order, that the window is never
// exceeded (windowTap), and that everything shuts down cleanly. It runs
// with the writer in both modes: packets copied into one buffer, and
// (vectored) headers and DATA fields written in place as net.Buffers.
func TestStress(t *testing.T) {
	for _, vectored := range []bool{false, true} {
		t.Run(fmt.Sprintf("vectored=%v", vectored), func(t *testing.T) { stress(t, vectored) })
	}
}

func stress(t *testing.T, vectored bool) {
	sessions, msgs := 120, 40
	if testing.Short() {
		sessions, msgs = 100, 10
	}
	const maxSize = 3000
	before := runtime.NumGoroutine()
	a, b := net.Pipe()
	tap := newWindowTap(a)
	cfg := &Config{MaxSessions: sessions} // more than DefaultMaxSessions
	client := newMuxMode(tap, true, cfg, vectored)
	server := newMuxMode(b, false, cfg, vectored)
	defer client.Close()
	defer server.Close()
	ctx := testCtx(t)

	errs := make(chan error, 4*sessions+1)
	var wg sync.WaitGroup
	// sizes of stream k's message i are drawn from a generator seeded by k.
	sizes := func(stream uint64) func() int {
		r := rand.New(rand.NewPCG(stream, 99))
		return func() int { return 8 + r.IntN(maxSize-8) }
	}
	send := func(s *Session, stream uint64) {
		next := sizes(stream)
		buf := make([]byte, 0, maxSize)
		for i := range msgs {
			buf = stressMsg(buf, stream, i, next())
			if _, err := s.Write(buf); err != nil {
				errs <- fmt.Errorf("stream %d: Write %d: %w", stream, i, err)
				return
			}
			if i%7 == 0 {
				runtime.Gosched()
			}
		}
	}
	// recvWhole reads with a buffer large enough for any message: each
	// Read must return exactly one message (one DATA packet).
	recvWhole := func(s *Session, stream uint64) {
		buf := make([]byte, maxSize)
		scratch := make([]byte, 0, maxSize)
		for i := range msgs {
			n, err := s.Read(buf)
			if err != nil {
				errs <- fmt.Errorf("stream %d: Read %d: %w", stream, i, err)
				return
			}
			if err := checkMsg(buf[:n], stream, i, scratch); err != nil {
				errs <- err
				return
			}
		}
		if n, err := s.Read(buf); err != io.EOF {
			errs <- fmt.Errorf("stream %d: after the last message: %d bytes, %v; want io.EOF", stream, n, err)
		}
	}
	// recvPieces reads with small buffers of random sizes and reassembles.
	recvPieces := func(s *Session, stream uint64) {
		r := rand.New(rand.NewPCG(stream, 7))
		msg := make([]byte, maxSize)
		scratch := make([]byte, 0, maxSize)
		for i := range msgs {
			if _, err := io.ReadFull(s, msg[:8]); err != nil {
				errs <- fmt.Errorf("stream %d: Read %d: %w", stream, i, err)
				return
			}
			size := int(binary.LittleEndian.Uint32(msg[4:]))
			if size > maxSize || size < 8 {
				errs <- fmt.Errorf("stream %d: message %d claims %d bytes", stream, i, size)
				return
			}
			for got := 8; got < size; {
				end := min(size, got+1+r.IntN(700))
				n, err := s.Read(msg[got:end])
				if err != nil {
					errs <- fmt.Errorf("stream %d: Read %d: %w", stream, i, err)
					return
				}
				got += n
			}
			if err := checkMsg(msg[:size], stream, i, scratch); err != nil {
				errs <- err
				return
			}
		}
	}

	// both runs a session's sender and receiver at once, then, on the
	// server, closes the session: the client's receiver sees the FIN as
	// io.EOF after the last message.
	//
	// With hold set, the receiver starts only once the tap has seen the
	// peer's DATA fill this side's window (dir: the peer's direction), or
	// after 5 seconds: one session of each side holds back, so that flow
	// control is exercised whatever the scheduling.
	both := func(s *Session, out, in uint64, recv func(*Session, uint64), close, hold bool, dir int) {
		defer wg.Done()
		var sw sync.WaitGroup
		sw.Add(2)
		go func() { defer sw.Done(); send(s, out) }()
		go func() {
			defer sw.Done()
			for end := time.Now().Add(5 * time.Second); hold && time.Now().Before(end); {
				tap.mu.Lock()
				full := tap.full[dir]
				tap.mu.Unlock()
				if full > 0 {
					break
				}
				time.Sleep(time.Millisecond)
			}
			recv(s, in)
		}()
		sw.Wait()
		if close {
			if err := s.Close(); err != nil {
				errs <- fmt.Errorf("server Close SID %d: %w", s.SID(), err)
			}
		}
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range sessions {
			s, err := server.Accept(ctx)
			if err != nil {
				errs <- fmt.Errorf("Accept: %w", err)
				return
			}
			sid := uint64(s.SID())
			wg.Add(1)
			go both(s, sid<<1|1, sid<<1, recvPieces, true, i == 0, 0)
		}
	}()
	var clientSessions []*Session
	for i := range sessions {
		s, err := client.Open(ctx)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		clientSessions = append(clientSessions, s)
		sid := uint64(s.SID())
		wg.Add(1)
		go both(s, sid<<1, sid<<1|1, recvWhole, false, i == 0, 1)
	}
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	select {
	case <-finished:
	case err := <-errs:
		t.Fatal(err)
	case <-time.After(25 * time.Second):
		t.Fatal("stress test did not finish in 25s")
	}
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for _, s := range clientSessions {
		if err := s.Close(); err != nil {
			t.Errorf("client Close SID %d: %v", s.SID(), err)
		}
	}
	// The last FINs reach the server; both sides recycle every SID.
	deadline := time.Now().Add(5 * time.Second)
	for {
		server.mu.Lock()
		left := len(server.sessions)
		server.mu.Unlock()
		if left == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d server sessions not recycled", left)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := errors.Join(client.Err(), server.Err()); err != nil {
		t.Fatalf("Mux failed: %v", err)
	}
	tap.mu.Lock()
	tapErr, full := tap.err, tap.full
	tap.mu.Unlock()
	if tapErr != nil {
		t.Fatal(tapErr)
	}
	t.Logf("%d sessions, %d messages each way; DATA packets filling the window: client %d, server %d", sessions, msgs, full[0], full[1])
	if full[0] == 0 || full[1] == 0 {
		t.Errorf("the window was never filled (client %d, server %d times): flow control not exercised", full[0], full[1])
	}
	client.Close()
	server.Close()
	checkGoroutines(t, before)
}

// TestWindowTapDetects checks that the stress test's instrument can fail:
// a fifth DATA packet without a window update, and a shrinking WNDW.
func TestWindowTapDetects(t *testing.T) {
	pkt := func(f Flags, seq, wndw uint32) []byte {
		b, _ := Header{Flags: f, SeqNum: seq, Wndw: wndw}.AppendPacket(nil, nil)
		return b
	}
	w := newWindowTap(nil)
	w.feed(&w.out, 0, pkt(FlagSYN, 0, 4))
	for seq := uint32(1); seq <= 4; seq++ {
		w.feed(&w.out, 0, pkt(FlagDATA, seq, 4))
	}
	if w.err != nil || w.full[0] != 1 {
		t.Fatalf("within the window: err %v, full %d", w.err, w.full[0])
	}
	w.feed(&w.out, 0, pkt(FlagDATA, 5, 4))
	if w.err == nil {
		t.Fatal("fifth DATA packet in a window of 4 not detected")
	}
	w = newWindowTap(nil)
	w.feed(&w.out, 0, pkt(FlagSYN, 0, 4))
	w.feed(&w.in, 1, pkt(FlagACK, 0, 8))
	w.feed(&w.in, 1, pkt(FlagACK, 0, 7))
	if w.err == nil {
		t.Fatal("shrinking window not detected")
	}
}
