package smp

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"runtime"
	"testing"
	"time"
)

// TestPeerViolations feeds a server-role Mux packet sequences that break
// [MC-SMP] and checks that it tears the connection down with the right
// class, at the offset of the offending field, and that a session blocked
// in Read and a pending Accept both fail promptly.
func TestPeerViolations(t *testing.T) {
	data := func(seq uint32, n int) []byte {
		b, _ := Header{Flags: FlagDATA, SeqNum: seq, Wndw: 4}.AppendPacket(nil, make([]byte, n))
		return b
	}
	pk := func(f Flags, sid uint16, seq, wndw uint32) []byte {
		return Header{Flags: f, SID: sid, Length: 16, SeqNum: seq, Wndw: wndw}.Append(nil)
	}
	syn := pk(FlagSYN, 0, 0, 4)
	cat := func(parts ...[]byte) []byte {
		var b []byte
		for _, p := range parts {
			b = append(b, p...)
		}
		return b
	}
	tests := []struct {
		name   string
		in     []byte // sent after the SYN for SID 0
		class  error
		offset int64
		// readLate starts the application's Read only after the
		// teardown: a Read meanwhile would advance the window (an
		// ACK after two packets) and could legitimise the packet
		// meant to exceed it. The Read then gets the queued packets
		// and the Mux error.
		readLate bool
	}{
		{"peer exceeds window", cat(data(1, 3), data(2, 3), data(3, 3), data(4, 3), data(5, 3)), ErrProtocol, 16 + 4*19 + 8, true},
		{"DATA out of sequence", data(2, 1), ErrProtocol, 16 + 8, false},
		{"DATA repeats SEQNUM", cat(data(1, 1), data(1, 1)), ErrProtocol, 16 + 17 + 8, false},
		{"unknown SID", pk(FlagDATA, 9, 1, 4), ErrProtocol, 16 + 2, false},
		{"ACK for unknown SID", pk(FlagACK, 1, 0, 4), ErrProtocol, 16 + 2, false},
		{"DATA after FIN", cat(pk(FlagFIN, 0, 0, 4), data(1, 1)), ErrProtocol, 16 + 16 + 1, false},
		{"ACK after FIN", cat(pk(FlagFIN, 0, 0, 4), pk(FlagACK, 0, 0, 4)), ErrProtocol, 16 + 16 + 1, false},
		{"second FIN", cat(pk(FlagFIN, 0, 0, 4), pk(FlagFIN, 0, 0, 4)), ErrProtocol, 16 + 16 + 1, false},
		{"duplicate SYN", syn, ErrProtocol, 16 + 1, false},
		{"SYN after FIN", cat(pk(FlagFIN, 0, 0, 4), syn), ErrProtocol, 16 + 16 + 1, false},
		{"window shrinks", pk(FlagACK, 0, 0, 3), ErrProtocol, 16 + 12, false},
		// A WNDW 2^31 or more ahead of SeqNumForSend reads as behind it
		// modulo 2^32 (3.1.5.2), a closed window. 0x80000003 is less
		// than 2^31 beyond HighWaterForSend (4), so the never-shrink
		// test alone lets it through; it must be refused where it
		// arrives, before a later, smaller WNDW is compared with it.
		{"ACK WNDW 2^31 ahead", pk(FlagACK, 0, 0, 0x80000003), ErrProtocol, 16 + 12, false},
		{"ACK WNDW 2^31 ahead then smaller", cat(pk(FlagACK, 0, 0, 0x80000003), pk(FlagACK, 0, 0, 5)), ErrProtocol, 16 + 12, false},
		{"ACK WNDW MaxWindow+1 ahead", pk(FlagACK, 0, 0, MaxWindow+1), ErrProtocol, 16 + 12, false},
		{"ACK WNDW behind SEQNUM", pk(FlagACK, 0, 0, 0xffffffff), ErrProtocol, 16 + 12, false},
		{"DATA WNDW 2^31 ahead", Header{Flags: FlagDATA, Length: 17, SeqNum: 1, Wndw: 0x80000003}.Append(make([]byte, 0, 17))[:17], ErrProtocol, 16 + 12, false},
		{"FIN WNDW 2^31 ahead", pk(FlagFIN, 0, 0, 0x80000003), ErrProtocol, 16 + 12, false},
		{"SYN WNDW 2^31 ahead", pk(FlagSYN, 1, 0, 0x80000005), ErrProtocol, 16 + 12, false},
		{"SYN WNDW MaxWindow+1", pk(FlagSYN, 1, 0, MaxWindow+1), ErrProtocol, 16 + 12, false},
		{"ACK SEQNUM not last DATA", pk(FlagACK, 0, 1, 4), ErrProtocol, 16 + 8, false},
		{"FIN SEQNUM beyond window", pk(FlagFIN, 0, 5, 4), ErrProtocol, 16 + 8, false},
		{"wrong SMID", cat([]byte{0x12}, pk(FlagDATA, 0, 1, 4)[1:]), ErrMalformed, 16, false},
		{"flags ACK plus FIN", pk(FlagACK|FlagFIN, 0, 0, 4), ErrMalformed, 16 + 1, false},
		{"LENGTH below header", cat(data(1, 0)[:4], []byte{15, 0, 0, 0}, data(1, 0)[8:]), ErrMalformed, 16 + 4, false},
		{"ACK carrying data", cat([]byte{0x53, 0x02, 0, 0, 17, 0, 0, 0}, make([]byte, 9)), ErrMalformed, 16 + 4, false},
		{"DATA above MaxDataLength", data(1, 101), ErrTooLarge, 16 + 4, false},
		{"too many sessions", cat(pk(FlagSYN, 1, 0, 4), pk(FlagSYN, 2, 0, 4)), ErrTooLarge, 16 + 16 + 2, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := runtime.NumGoroutine()
			m, p := newRawClient(t, &Config{MaxDataLength: 100, MaxSessions: 2})
			p.sendRaw(syn)
			s, err := m.Accept(testCtx(t))
			if err != nil {
				t.Fatal(err)
			}
			readErr := make(chan error, 1)
			reader := func() {
				// Drain whatever the peer sent legitimately; the
				// violation must end this loop with an error.
				buf := make([]byte, 200)
				for {
					if _, err := s.Read(buf); err != nil {
						readErr <- err
						return
					}
				}
			}
			if !tt.readLate {
				go reader()
			}
			acceptErr := make(chan error, 1)
			go func() {
				var err error
				for err == nil {
					_, err = m.Accept(testCtx(t))
				}
				acceptErr <- err
			}()
			// Reads send ACKs: consume them so the Mux never blocks.
			go io.Copy(io.Discard, p.conn)
			p.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
			p.conn.Write(tt.in) // may fail once the Mux closes the pipe
			err = waitDone(t, m)
			if tt.readLate {
				go reader()
			}
			if !errors.Is(err, tt.class) {
				t.Fatalf("Mux error %v, want class %v", err, tt.class)
			}
			var e *Error
			if !errors.As(err, &e) || e.Offset != tt.offset {
				t.Fatalf("Mux error %v, want offset %d", err, tt.offset)
			}
			for _, ch := range []chan error{readErr, acceptErr} {
				select {
				case got := <-ch:
					if got != err && !(errors.Is(got, io.EOF) && tt.class == ErrProtocol) {
						t.Errorf("blocked call returned %v, want the Mux error", got)
					}
				case <-time.After(5 * time.Second):
					t.Fatal("blocked call not released by teardown")
				}
			}
			if _, err := s.Write([]byte("x")); err == nil {
				t.Error("Write on a torn-down Mux succeeded")
			}
			m.Close()
			p.conn.Close()
			checkGoroutines(t, before)
		})
	}
}

// TestClientRejectsSYN checks 3.3.3.1: a SYN sent to a client SHOULD
// close the connection.
func TestClientRejectsSYN(t *testing.T) {
	m, p := newRawServer(t, nil)
	p.send(FlagSYN, 0, 0, 4, nil)
	err := waitDone(t, m)
	var e *Error
	if !errors.Is(err, ErrProtocol) || !errors.As(err, &e) || e.Offset != 1 {
		t.Fatalf("err = %v, want ErrProtocol at offset 1", err)
	}
}

// TestTransportClosedMidMessage cuts the transport inside a header and
// inside a DATA field: the Mux fails with ErrTruncated at the byte where
// the stream ended, and sessions fail promptly.
func TestTransportClosedMidMessage(t *testing.T) {
	for _, tt := range []struct {
		name   string
		cut    int // bytes of the DATA packet sent before closing
		offset int64
	}{
		{"inside header", 10, 16 + 10},
		{"inside DATA", 20, 16 + 20},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := runtime.NumGoroutine()
			m, p := newRawClient(t, nil)
			p.send(FlagSYN, 0, 0, 4, nil)
			s, err := m.Accept(testCtx(t))
			if err != nil {
				t.Fatal(err)
			}
			readErr := make(chan error, 1)
			go func() {
				_, err := s.Read(make([]byte, 10))
				readErr <- err
			}()
			pkt, _ := Header{Flags: FlagDATA, SeqNum: 1, Wndw: 4}.AppendPacket(nil, make([]byte, 30))
			p.sendRaw(pkt[:tt.cut])
			p.conn.Close()
			err = waitDone(t, m)
			var e *Error
			if !errors.Is(err, ErrTruncated) || !errors.Is(err, io.ErrUnexpectedEOF) || !errors.As(err, &e) || e.Offset != tt.offset {
				t.Fatalf("err = %v, want ErrTruncated (io.ErrUnexpectedEOF) at offset %d", err, tt.offset)
			}
			select {
			case got := <-readErr:
				if got != err {
					t.Fatalf("Read: %v, want %v", got, err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("Read not released")
			}
			m.Close()
			checkGoroutines(t, before)
		})
	}
}

// TestTransportClosedCleanly closes the transport between packets.
func TestTransportClosedCleanly(t *testing.T) {
	m, p := newRawClient(t, nil)
	p.send(FlagSYN, 0, 0, 4, nil)
	p.conn.Close()
	err := waitDone(t, m)
	if !errors.Is(err, ErrTransport) || !errors.Is(err, io.EOF) {
		t.Fatalf("err = %v, want ErrTransport wrapping io.EOF", err)
	}
}

// TestMuxCloseReleasesEverything checks that Close fails blocked Read,
// Write, Accept and Open calls promptly with ErrClosed and that no
// goroutine outlives it.
func TestMuxCloseReleasesEverything(t *testing.T) {
	before := runtime.NumGoroutine()
	client, server := pair(t, &Config{MaxSessions: 2}, nil)
	cs, ss := openPair(t, client, server)
	filler, _ := openPair(t, client, server)
	errs := make(chan error, 5)
	go func() { _, err := ss.Read(make([]byte, 1)); errs <- err }()
	go func() { _, err := server.Accept(context.Background()); errs <- err }()
	go func() { _, err := client.Open(context.Background()); errs <- err }() // waits: MaxSessions 2
	go func() { _, err := cs.Read(make([]byte, 1)); errs <- err }()
	go func() {
		// Fill the server's window of 4; the fifth Write blocks.
		var err error
		for err == nil {
			_, err = filler.Write([]byte("fill"))
		}
		errs <- err
	}()
	time.Sleep(50 * time.Millisecond)
	start := time.Now()
	if err := client.Close(); err != nil {
		t.Fatalf("client Close: %v", err)
	}
	if err := server.Close(); err != nil {
		t.Fatalf("server Close: %v", err)
	}
	for range 5 {
		select {
		case err := <-errs:
			if !errors.Is(err, ErrClosed) && !errors.Is(err, ErrTransport) {
				t.Errorf("released call returned %v, want ErrClosed or ErrTransport", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("blocked call not released by Close")
		}
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("release took %v", d)
	}
	if !errors.Is(client.Err(), ErrClosed) {
		t.Errorf("client.Err() = %v, want ErrClosed", client.Err())
	}
	if err := client.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	checkGoroutines(t, before)
}

// TestFinExchange checks 3.1.4.4 and 3.1.5.1.3 between two Muxes: the
// side receiving FIN reads the remaining data and then io.EOF, cannot
// write, and its Close completes the exchange; both sides recycle the SID,
// so a client limited to one session can open another.
func TestFinExchange(t *testing.T) {
	client, server := pair(t, &Config{MaxSessions: 1}, nil)
	cs, ss := openPair(t, client, server)
	if _, err := cs.Write([]byte("last words")); err != nil {
		t.Fatal(err)
	}
	if err := cs.Close(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 20)
	n, err := ss.Read(buf)
	if err != nil || string(buf[:n]) != "last words" {
		t.Fatalf("Read = %q, %v", buf[:n], err)
	}
	if _, err := ss.Read(buf); err != io.EOF {
		t.Fatalf("Read after FIN = %v, want io.EOF", err)
	}
	if _, err := ss.Write([]byte("x")); !errors.Is(err, ErrClosed) {
		t.Fatalf("Write after peer FIN = %v, want ErrClosed", err)
	}
	if _, err := cs.Read(buf); !errors.Is(err, ErrClosed) || !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Read after Close = %v, want ErrClosed and net.ErrClosed", err)
	}
	if err := cs.Close(); !errors.Is(err, ErrClosed) {
		t.Fatalf("second Close = %v, want ErrClosed", err)
	}
	if err := ss.Close(); err != nil {
		t.Fatal(err)
	}
	cs2, ss2 := openPair(t, client, server) // waits until the client got the FIN
	if cs2.SID() != 1 {
		t.Errorf("second session SID %d, want 1", cs2.SID())
	}

	// Server closes first this time.
	if err := ss2.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := cs2.Read(buf); err != io.EOF {
		t.Fatalf("client Read after server FIN = %v, want io.EOF", err)
	}
	if err := cs2.Close(); err != nil {
		t.Fatal(err)
	}
	openPair(t, client, server)
	if client.Err() != nil || server.Err() != nil {
		t.Fatalf("Mux errors: %v, %v", client.Err(), server.Err())
	}
}

// TestDataIgnoredInFinSent checks 3.1.5.1.1: DATA that crosses our FIN is
// ignored, and the peer's FIN then recycles the SID.
func TestDataIgnoredInFinSent(t *testing.T) {
	m, p := newRawClient(t, nil)
	p.send(FlagSYN, 2, 0, 4, nil)
	s, err := m.Accept(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	go s.Close()
	p.expect(hdr(FlagFIN, 2, 0, 4, 0))
	p.send(FlagDATA, 2, 1, 4, []byte("crossing"))
	p.send(FlagFIN, 2, 1, 4, nil)
	p.send(FlagSYN, 2, 0, 4, nil) // the SID is free again
	s2, err := m.Accept(testCtx(t))
	if err != nil || s2.SID() != 2 {
		t.Fatalf("Accept after recycle: %v, %v", s2, err)
	}
}

// TestOpenWaitsForSlot checks that Open honours ctx while MaxSessions
// sessions are open.
func TestOpenWaitsForSlot(t *testing.T) {
	client, server := pair(t, &Config{MaxSessions: 1}, nil)
	openPair(t, client, server)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := client.Open(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Open = %v, want context.DeadlineExceeded", err)
	}
	ctx2, cancel2 := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel2()
	if _, err := server.Accept(ctx2); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Accept = %v, want context.DeadlineExceeded", err)
	}
}

func TestWrongRole(t *testing.T) {
	client, server := pair(t, nil, nil)
	if _, err := client.Accept(context.Background()); !errors.Is(err, ErrRole) {
		t.Errorf("client Accept = %v, want ErrRole", err)
	}
	if _, err := server.Open(context.Background()); !errors.Is(err, ErrRole) {
		t.Errorf("server Open = %v, want ErrRole", err)
	}
}

// TestDeadlines checks net.Conn deadline behaviour on Read and on a Write
// blocked by a closed window, and that a deadline can be lifted.
func TestDeadlines(t *testing.T) {
	client, server := pair(t, nil, nil)
	cs, ss := openPair(t, client, server)
	cs.SetReadDeadline(time.Now().Add(30 * time.Millisecond))
	if _, err := cs.Read(make([]byte, 1)); !errors.Is(err, os.ErrDeadlineExceeded) || !isTimeout(err) {
		t.Fatalf("Read = %v, want os.ErrDeadlineExceeded", err)
	}
	cs.SetReadDeadline(time.Time{})
	for range 4 {
		if _, err := cs.Write([]byte("w")); err != nil {
			t.Fatal(err)
		}
	}
	cs.SetWriteDeadline(time.Now().Add(30 * time.Millisecond))
	if _, err := cs.Write([]byte("w")); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Write with closed window = %v, want os.ErrDeadlineExceeded", err)
	}
	cs.SetDeadline(time.Now().Add(5 * time.Second))
	go func() {
		buf := make([]byte, 1)
		for range 5 {
			ss.Read(buf)
		}
		ss.Write([]byte("done"))
	}()
	if _, err := cs.Write([]byte("w")); err != nil {
		t.Fatalf("Write after the deadline was extended: %v", err)
	}
	buf := make([]byte, 10)
	if n, err := cs.Read(buf); err != nil || string(buf[:n]) != "done" {
		t.Fatalf("Read = %q, %v", buf[:n], err)
	}
	if client.Err() != nil {
		t.Fatal(client.Err())
	}
}

// TestReadPieces checks that a small buffer gets a packet in pieces and
// that a Read never spans two packets.
func TestReadPieces(t *testing.T) {
	client, server := pair(t, nil, nil)
	cs, ss := openPair(t, client, server)
	cs.Write([]byte("abcde"))
	cs.Write([]byte("fg"))
	cs.Write(nil) // sends nothing
	var got []string
	buf := make([]byte, 3)
	for range 3 {
		n, err := ss.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, string(buf[:n]))
	}
	if want := []string{"abc", "de", "fg"}; len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Fatalf("reads %q, want %q", got, want)
	}
	if n, err := ss.Read(nil); n != 0 || err != nil {
		t.Fatalf("empty Read = %d, %v", n, err)
	}
}

// TestWriteSplits checks that a Write above MaxDataLength becomes several
// DATA packets of at most that size.
func TestWriteSplits(t *testing.T) {
	m, p := newRawServer(t, &Config{MaxDataLength: 10})
	go m.Open(testCtx(t))
	p.expect(hdr(FlagSYN, 0, 0, 4, 0))
	s := sessionOf(m, 0)
	done := make(chan int, 1)
	go func() { n, _ := s.Write([]byte("0123456789abcdefghijXY")); done <- n }()
	p.expect(hdr(FlagDATA, 0, 1, 4, 10))
	p.expect(hdr(FlagDATA, 0, 2, 4, 10))
	if d := p.expect(hdr(FlagDATA, 0, 3, 4, 2)); string(d) != "XY" {
		t.Fatalf("last piece %q", d)
	}
	if n := <-done; n != 22 {
		t.Fatalf("Write = %d, want 22", n)
	}
}

// TestEmptyDataPacket checks that a DATA packet with no data (LENGTH 16,
// allowed by 2.2.5) is consumed without ending a Read early.
func TestEmptyDataPacket(t *testing.T) {
	m, p := newRawClient(t, nil)
	p.send(FlagSYN, 0, 0, 4, nil)
	p.send(FlagDATA, 0, 1, 4, nil)
	p.send(FlagDATA, 0, 2, 4, []byte("z"))
	s, err := m.Accept(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	go io.Copy(io.Discard, p.conn) // the ACK after two packets
	buf := make([]byte, 4)
	if n, err := s.Read(buf); err != nil || string(buf[:n]) != "z" {
		t.Fatalf("Read = %q, %v", buf[:n], err)
	}
}

func TestAddr(t *testing.T) {
	client, server := pair(t, nil, nil)
	cs, _ := openPair(t, client, server)
	if a := cs.LocalAddr(); a.Network() != "smp" || a.String() != "pipe#sid=0" {
		t.Errorf("LocalAddr = %s %q", a.Network(), a.String())
	}
	if a := (Addr{SID: 7}); a.String() != "sid=7" {
		t.Errorf("Addr.String = %q", a.String())
	}
	_ = cs.RemoteAddr()
}

// TestPeerWindowBound checks the bound on a received WNDW ([MC-SMP]
// 3.1.5.1, 3.1.5.2): a window exactly MaxWindow packets beyond the last
// DATA SEQNUM sent is honoured, and the bound moves with SeqNumForSend;
// one packet more tears the Mux down at the WNDW field and releases a
// blocked Write instead of leaving it waiting on a window that reads as
// closed.
func TestPeerWindowBound(t *testing.T) {
	m, p := newRawClient(t, nil)
	p.send(FlagSYN, 0, 0, 4, nil)
	s, err := m.Accept(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	wrote := make(chan error, 1)
	for i := uint32(1); i <= 4; i++ {
		// net.Pipe is synchronous: the peer reads while Write writes.
		go func() { _, err := s.Write([]byte("x")); wrote <- err }()
		p.expect(hdr(FlagDATA, 0, i, 4, 1))
		if err := <-wrote; err != nil {
			t.Fatal(err)
		}
	}
	// The window is closed (SeqNumForSend 4 = HighWaterForSend 4).
	go func() { _, err := s.Write([]byte("y")); wrote <- err }()
	p.expectNothing(50 * time.Millisecond)
	p.send(FlagACK, 0, 0, 4+MaxWindow, nil) // exactly MaxWindow ahead
	p.expect(hdr(FlagDATA, 0, 5, 4, 1))
	if err := <-wrote; err != nil {
		t.Fatalf("Write after a MaxWindow grant: %v", err)
	}
	if err := m.Err(); err != nil {
		t.Fatalf("Mux failed on a window of MaxWindow: %v", err)
	}
	// SeqNumForSend is 5: 5+MaxWindow is within the bound, one more is not.
	p.send(FlagACK, 0, 0, 5+MaxWindow, nil)
	p.send(FlagACK, 0, 0, 5+MaxWindow+1, nil)
	err = waitDone(t, m)
	var e *Error
	if !errors.Is(err, ErrProtocol) || !errors.As(err, &e) || e.Offset != 3*16+12 {
		t.Fatalf("Mux error %v, want ErrProtocol at offset %d", err, 3*16+12)
	}
	if _, werr := s.Write([]byte("z")); werr != err {
		t.Fatalf("Write after the violation: %v, want the Mux error", werr)
	}
}

// TestSynWindowBound is the case of a SYN whose WNDW is 2^31 or more
// ahead: the session is refused at the SYN (offset 12), so no Write can
// wait forever on it, and Accept reports the violation.
func TestSynWindowBound(t *testing.T) {
	m, p := newRawClient(t, nil)
	p.send(FlagSYN, 0, 0, 0x80000005, nil)
	err := waitDone(t, m)
	var e *Error
	if !errors.Is(err, ErrProtocol) || !errors.As(err, &e) || e.Offset != 12 {
		t.Fatalf("Mux error %v, want ErrProtocol at offset 12", err)
	}
	if _, aerr := m.Accept(testCtx(t)); aerr != err {
		t.Fatalf("Accept = %v, want the Mux error", aerr)
	}
}

// TestDefaultMaxSessions checks the default session limit, which bounds
// the data a peer can make a connection hold before the application
// Accepts (Config): DefaultMaxSessions SYNs are queued, one more tears
// the Mux down with ErrTooLarge at that SYN's SID field.
func TestDefaultMaxSessions(t *testing.T) {
	if DefaultMaxSessions != 64 {
		t.Fatalf("DefaultMaxSessions = %d, want 64", DefaultMaxSessions)
	}
	m, p := newRawClient(t, nil)
	var wire []byte
	for sid := range DefaultMaxSessions + 1 {
		wire = Header{Flags: FlagSYN, SID: uint16(sid), Length: 16, Wndw: 4}.Append(wire)
	}
	p.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	p.conn.Write(wire) // may fail once the Mux closes the pipe
	err := waitDone(t, m)
	var e *Error
	if off := int64(DefaultMaxSessions*16 + 2); !errors.Is(err, ErrTooLarge) || !errors.As(err, &e) || e.Offset != off {
		t.Fatalf("Mux error %v, want ErrTooLarge at offset %d", err, off)
	}
	for range DefaultMaxSessions {
		if _, err := m.Accept(testCtx(t)); err != nil {
			t.Fatalf("Accept of a session queued before the failure: %v", err)
		}
	}
	if _, aerr := m.Accept(testCtx(t)); aerr != err {
		t.Fatalf("Accept beyond the limit = %v, want the Mux error", aerr)
	}
}
