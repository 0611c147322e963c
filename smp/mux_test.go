package smp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	"github.com/tdswire/tdswire/tds/tdstest"
)

// pair returns a client and a server Mux joined by net.Pipe, closed when
// the test ends.
func pair(t testing.TB, ccfg, scfg *Config) (client, server *Mux) {
	t.Helper()
	c, s := net.Pipe()
	client = NewClient(c, ccfg)
	server = NewServer(s, scfg)
	t.Cleanup(func() {
		client.Close()
		server.Close()
	})
	return client, server
}

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// openPair opens one session on client and accepts it on server.
func openPair(t testing.TB, client, server *Mux) (cs, ss *Session) {
	t.Helper()
	ctx := testCtx(t)
	type res struct {
		s   *Session
		err error
	}
	ch := make(chan res, 1)
	go func() {
		s, err := server.Accept(ctx)
		ch <- res{s, err}
	}()
	cs, err := client.Open(ctx)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	r := <-ch
	if r.err != nil {
		t.Fatalf("Accept: %v", r.err)
	}
	if cs.SID() != r.s.SID() {
		t.Fatalf("client SID %d, server SID %d", cs.SID(), r.s.SID())
	}
	return cs, r.s
}

func TestMuxEcho(t *testing.T) {
	client, server := pair(t, nil, nil)
	cs, ss := openPair(t, client, server)
	if cs.SID() != 0 {
		t.Errorf("first session SID %d, want 0 as in the seed trace", cs.SID())
	}
	done := make(chan error, 1)
	go func() {
		buf := make([]byte, 100)
		for {
			n, err := ss.Read(buf)
			if err == io.EOF {
				done <- ss.Close()
				return
			}
			if err != nil {
				done <- err
				return
			}
			if _, err := ss.Write(buf[:n]); err != nil {
				done <- err
				return
			}
		}
	}()
	buf := make([]byte, 100)
	for i := range 50 {
		msg := bytes.Repeat([]byte{byte(i)}, i+1)
		if _, err := cs.Write(msg); err != nil {
			t.Fatalf("Write %d: %v", i, err)
		}
		n, err := cs.Read(buf)
		if err != nil || !bytes.Equal(buf[:n], msg) {
			t.Fatalf("echo %d: got %q, %v; want %q", i, buf[:n], err, msg)
		}
	}
	if err := cs.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := <-done; err != nil {
		t.Fatalf("server: %v", err)
	}
}

// TestOpenSendsSeedSYN checks the first Open against the seed trace's SYN
// (frame 18024), byte for byte.
func TestOpenSendsSeedSYN(t *testing.T) {
	m, p := newRawServer(t, nil)
	want := tdstest.ReadHex(t, "testdata/syn.hex")
	opened := make(chan *Session, 1)
	go func() {
		s, err := m.Open(testCtx(t))
		if err != nil {
			t.Error(err)
		}
		opened <- s
	}()
	got, err := p.recvRaw(HeaderLen, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("SYN = % x, want % x", got, want)
	}
	if s := <-opened; s == nil || s.SID() != 0 {
		t.Fatalf("Open returned %v", s)
	}
}

// TestAcceptSpecDataPacket replays [MC-SMP] 4.3 into a server: a SYN for
// SID 5 and then the example's DATA packet, verbatim from testdata.
func TestAcceptSpecDataPacket(t *testing.T) {
	m, p := newRawClient(t, nil)
	pkt := tdstest.ReadHex(t, "testdata/data.hex")
	p.send(FlagSYN, 5, 0, 4, nil)
	p.sendRaw(pkt)
	s, err := m.Accept(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if s.SID() != 5 {
		t.Fatalf("SID %d, want 5", s.SID())
	}
	buf := make([]byte, 200)
	n, err := s.Read(buf)
	if err != nil || !bytes.Equal(buf[:n], pkt[HeaderLen:]) {
		t.Fatalf("Read = %d bytes, %v; want the 80-byte TDS packet", n, err)
	}
	// The server answers with DATA 1, piggybacking its window: 4 plus
	// the one packet consumed.
	go s.Write([]byte("reply"))
	p.expect(hdr(FlagDATA, 5, 1, 5, 5))
}

// TestWindowBlocksSender checks 3.1.4.3 and 3.1.5.2.1: with the initial
// window of 4 the client sends DATA 1 to 4, holds the fifth until an ACK
// opens the window, and never sends a SEQNUM above the peer's WNDW.
func TestWindowBlocksSender(t *testing.T) {
	m, p := newRawServer(t, nil)
	go m.Open(testCtx(t))
	p.expect(hdr(FlagSYN, 0, 0, 4, 0))
	s := sessionOf(m, 0)
	wrote := make(chan error, 1)
	go func() {
		for i := range 7 {
			if _, err := s.Write([]byte{byte(i)}); err != nil {
				wrote <- err
				return
			}
		}
		wrote <- nil
	}()
	for seq := uint32(1); seq <= 4; seq++ {
		if d := p.expect(hdr(FlagDATA, 0, seq, 4, 1)); d[0] != byte(seq-1) {
			t.Fatalf("DATA %d carries %d", seq, d[0])
		}
	}
	p.expectNothing(100 * time.Millisecond)
	// The peer's ACK: SEQNUM its own last DATA (none: 0), WNDW 6.
	p.send(FlagACK, 0, 0, 6, nil)
	p.expect(hdr(FlagDATA, 0, 5, 4, 1))
	p.expect(hdr(FlagDATA, 0, 6, 4, 1))
	p.expectNothing(100 * time.Millisecond)
	// A DATA packet from the peer also moves the window (3.1.5.1.1).
	p.send(FlagDATA, 0, 1, 7, []byte("x"))
	p.expect(hdr(FlagDATA, 0, 7, 4, 1))
	if err := <-wrote; err != nil {
		t.Fatal(err)
	}
}

// TestDelayedAck checks that the receiver acknowledges as the application
// reads: after every second packet with the default window (section 6
// note 3), with SEQNUM its own last DATA SEQNUM (stable, 2.2.1).
func TestDelayedAck(t *testing.T) {
	m, p := newRawClient(t, nil)
	p.send(FlagSYN, 3, 0, 4, nil)
	for seq := uint32(1); seq <= 4; seq++ {
		p.send(FlagDATA, 3, seq, 4, []byte{byte(seq)})
	}
	s, err := m.Accept(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	read := make(chan error, 1)
	go func() {
		buf := make([]byte, 10)
		for range 4 {
			if _, err := s.Read(buf); err != nil {
				read <- err
				return
			}
		}
		read <- nil
	}()
	p.expect(hdr(FlagACK, 3, 0, 6, 0))
	p.expect(hdr(FlagACK, 3, 0, 8, 0))
	if err := <-read; err != nil {
		t.Fatal(err)
	}
	// After the server sends DATA 1, its ACKs carry SEQNUM 1.
	go s.Write([]byte("r"))
	p.expect(hdr(FlagDATA, 3, 1, 8, 1))
	p.send(FlagDATA, 3, 5, 5, []byte("a"))
	p.send(FlagDATA, 3, 6, 5, []byte("b"))
	go func() {
		buf := make([]byte, 10)
		s.Read(buf)
		s.Read(buf)
	}()
	p.expect(hdr(FlagACK, 3, 1, 10, 0))
}

// TestLargeWindowAnnounced checks that a server configured with a window
// above the 4 a client assumes (3.1.3.1) says so in an ACK on Accept, and
// that a client advertises its window in the SYN.
func TestLargeWindowAnnounced(t *testing.T) {
	m, p := newRawClient(t, &Config{Window: 16})
	p.send(FlagSYN, 1, 0, 4, nil)
	go m.Accept(testCtx(t))
	p.expect(hdr(FlagACK, 1, 0, 16, 0))
	// The client may now use the whole window of 16.
	for seq := uint32(1); seq <= 16; seq++ {
		p.send(FlagDATA, 1, seq, 4, nil)
	}
	if err := m.Err(); err != nil {
		t.Fatal(err)
	}

	c, q := newRawServer(t, &Config{Window: 9})
	go c.Open(testCtx(t))
	q.expect(hdr(FlagSYN, 0, 0, 9, 0))
}

// TestSmallWindowRaised checks that a window below 4 is raised to 4.
func TestSmallWindowRaised(t *testing.T) {
	c, q := newRawServer(t, &Config{Window: 1})
	go c.Open(testCtx(t))
	q.expect(hdr(FlagSYN, 0, 0, MinWindow, 0))
}

// TestSequenceWrapSend checks sending across the 2^32 wrap of SEQNUM
// (2.2.1: after 0xffffffff comes 0): the window comparison must be modular.
func TestSequenceWrapSend(t *testing.T) {
	m, p := newRawServer(t, nil)
	go m.Open(testCtx(t))
	p.expect(hdr(FlagSYN, 0, 0, 4, 0))
	s := sessionOf(m, 0)
	s.mu.Lock()
	base := uint32(0xfffffffe)
	s.seqSend = base
	s.hwSend = base + 4 // 2, after the wrap
	s.mu.Unlock()
	go func() {
		for range 5 {
			if _, err := s.Write([]byte("w")); err != nil {
				return
			}
		}
	}()
	for _, seq := range []uint32{0xffffffff, 0, 1, 2} {
		p.expect(hdr(FlagDATA, 0, seq, 4, 1))
	}
	p.expectNothing(100 * time.Millisecond)
	p.send(FlagACK, 0, 0, 3, nil)
	p.expect(hdr(FlagDATA, 0, 3, 4, 1))
}

// TestSequenceWrapReceive checks receiving and acknowledging across the
// wrap, and that the window bound is still enforced after it.
func TestSequenceWrapReceive(t *testing.T) {
	m, p := newRawClient(t, nil)
	p.send(FlagSYN, 0, 0, 4, nil)
	s, err := m.Accept(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	base := uint32(0xfffffffe)
	s.seqRecv = base
	s.hwRecv = base + 4
	s.lastHwRecv = s.hwRecv
	s.askedHw = s.hwRecv
	s.mu.Unlock()
	for _, seq := range []uint32{0xffffffff, 0, 1, 2} {
		p.send(FlagDATA, 0, seq, 4, []byte{byte(seq)})
	}
	go func() {
		buf := make([]byte, 4)
		s.Read(buf)
		s.Read(buf)
	}()
	p.expect(hdr(FlagACK, 0, 0, 4, 0)) // 0xfffffffe + 4 + 2 = 4
	p.send(FlagDATA, 0, 3, 4, nil)
	p.send(FlagDATA, 0, 4, 4, nil)
	if err := m.Err(); err != nil {
		t.Fatalf("after wrap: %v", err)
	}
	p.send(FlagDATA, 0, 5, 4, nil)
	err = waitDone(t, m)
	if !errors.Is(err, ErrProtocol) {
		t.Fatalf("DATA 5 beyond WNDW 4: %v, want ErrProtocol", err)
	}
}

// sessionOf returns m's open session with the given SID.
func sessionOf(m *Mux, sid uint16) *Session {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.sessions[sid]
}

// TestOverLoopbackTCP runs sessions over a real TCP connection, where
// reads return arbitrary fragments of packets and Close must unblock the
// reader goroutine.
func TestOverLoopbackTCP(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			close(accepted)
			return
		}
		accepted <- c
	}()
	cc, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	sc := <-accepted
	if sc == nil {
		t.Fatal("accept failed")
	}
	client, server := NewClient(cc, &Config{Window: 8}), NewServer(sc, nil)
	defer client.Close()
	defer server.Close()
	go func() {
		for {
			s, err := server.Accept(context.Background())
			if err != nil {
				return
			}
			go io.Copy(s, s) // echo until the client's FIN
		}
	}()
	const sessions, msgs = 10, 50
	errs := make(chan error, sessions)
	for range sessions {
		s, err := client.Open(testCtx(t))
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			buf := make([]byte, 9000)
			for i := range msgs {
				msg := bytes.Repeat([]byte{byte(i), byte(s.SID())}, 1+i*80)
				if _, err := s.Write(msg); err != nil {
					errs <- err
					return
				}
				if _, err := io.ReadFull(s, buf[:len(msg)]); err != nil || !bytes.Equal(buf[:len(msg)], msg) {
					errs <- fmt.Errorf("SID %d message %d: %v", s.SID(), i, err)
					return
				}
			}
			errs <- s.Close()
		}()
	}
	for range sessions {
		select {
		case err := <-errs:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(20 * time.Second):
			t.Fatal("sessions over TCP did not finish")
		}
	}
	if err := errors.Join(client.Err(), server.Err()); err != nil {
		t.Fatal(err)
	}
}
