package smp

import (
	"errors"
	"io"
	"net"
	"testing"
	"time"
)

// readAll reads s until an error and returns the packets read (one Read
// returns one packet here: the buffer is larger than any of them) and the
// error that ended the stream.
func readAll(t *testing.T, s *Session) ([]string, error) {
	t.Helper()
	var got []string
	buf := make([]byte, 100)
	for {
		n, err := s.Read(buf)
		if err != nil {
			if n != 0 {
				t.Fatalf("Read returned %d bytes with %v", n, err)
			}
			return got, err
		}
		got = append(got, string(buf[:n]))
	}
}

// acceptAfterTeardown has a raw client open SID 0, send the packets in
// wire (SYN first), close the transport and wait until the server-role
// Mux is torn down; only then does the application Accept the session. This
// is the order in which a server's last response, its FIN and the close of
// the connection reach a client that is slow to read.
func acceptAfterTeardown(t *testing.T, wire []byte) (*Mux, *Session, error) {
	t.Helper()
	m, p := newRawClient(t, nil)
	go io.Copy(io.Discard, p.conn)
	p.sendRaw(wire)
	p.conn.Close()
	err := waitDone(t, m)
	s, aerr := m.Accept(testCtx(t)) // the SYN was queued before the failure
	if aerr != nil {
		t.Fatalf("Accept after teardown: %v", aerr)
	}
	return m, s, err
}

func pkt(t *testing.T, f Flags, seq, wndw uint32, data string) []byte {
	t.Helper()
	b, err := Header{Flags: f, SeqNum: seq, Wndw: wndw}.AppendPacket(nil, []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func cat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

// TestDataThenFinThenTransportClose checks the promise of Session.Read:
// after the peer's FIN and the last queued byte it returns io.EOF, even
// when the transport closed right after the FIN ([MC-SMP] 3.1.4.2,
// 3.1.5.1.3). The Mux itself records the transport's end.
func TestDataThenFinThenTransportClose(t *testing.T) {
	m, s, muxErr := acceptAfterTeardown(t, cat(
		pkt(t, FlagSYN, 0, 4, ""),
		pkt(t, FlagDATA, 1, 4, "first"),
		pkt(t, FlagDATA, 2, 4, "last response"),
		pkt(t, FlagFIN, 2, 4, ""),
	))
	if !errors.Is(muxErr, ErrTransport) || !errors.Is(muxErr, io.EOF) {
		t.Fatalf("Mux error %v, want ErrTransport wrapping io.EOF", muxErr)
	}
	if n, err := s.Read(nil); n != 0 || err != nil {
		t.Fatalf("empty Read with data queued = %d, %v, want 0, nil", n, err)
	}
	got, err := readAll(t, s)
	if err != io.EOF {
		t.Fatalf("stream ended with %v, want io.EOF", err)
	}
	if len(got) != 2 || got[0] != "first" || got[1] != "last response" {
		t.Fatalf("read %q, want [first last response]", got)
	}
	if _, err := s.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("Read after EOF = %v, want io.EOF again", err)
	}
	if n, err := s.Read(nil); n != 0 || err != nil {
		t.Fatalf("empty Read after FIN = %d, %v, want 0, nil", n, err)
	}
	if _, err := s.Write([]byte("x")); err == nil {
		t.Fatal("Write on a torn-down Mux succeeded")
	}
	if err := m.Err(); err != muxErr {
		t.Fatalf("Mux error changed to %v", err)
	}
}

// TestDataWithoutFinThenFailure checks what Read returns when the Mux
// fails before the peer's FIN: every DATA packet that arrived whole and
// in order, then the Mux's error, never io.EOF (the stream did not end
// cleanly). A packet cut short by the failure is not delivered in part.
func TestDataWithoutFinThenFailure(t *testing.T) {
	cut := pkt(t, FlagDATA, 3, 4, "never delivered")
	for _, tt := range []struct {
		name  string
		tail  []byte // after SYN and DATA 1, 2
		class error
	}{
		{"transport closed between packets", nil, ErrTransport},
		{"transport closed inside a packet", cut[:20], ErrTruncated},
		{"protocol violation", pkt(t, FlagDATA, 9, 4, "out of sequence"), ErrProtocol},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, s, muxErr := acceptAfterTeardown(t, cat(
				pkt(t, FlagSYN, 0, 4, ""),
				pkt(t, FlagDATA, 1, 4, "one"),
				pkt(t, FlagDATA, 2, 4, "two"),
				tt.tail,
			))
			if !errors.Is(muxErr, tt.class) {
				t.Fatalf("Mux error %v, want class %v", muxErr, tt.class)
			}
			got, err := readAll(t, s)
			if err != muxErr {
				t.Fatalf("stream ended with %v, want the Mux error %v", err, muxErr)
			}
			if len(got) != 2 || got[0] != "one" || got[1] != "two" {
				t.Fatalf("read %q, want [one two]", got)
			}
			if n, err := s.Read(nil); n != 0 || err != muxErr {
				t.Fatalf("empty Read after the failure = %d, %v, want 0 and the Mux error", n, err)
			}
		})
	}
}

// TestDataInPiecesThenFailure checks that a packet partly returned by Read
// before the failure is finished before the error.
func TestDataInPiecesThenFailure(t *testing.T) {
	_, s, muxErr := acceptAfterTeardown(t, cat(
		pkt(t, FlagSYN, 0, 4, ""),
		pkt(t, FlagDATA, 1, 4, "abcdef"),
	))
	buf := make([]byte, 4)
	if n, err := s.Read(buf); err != nil || string(buf[:n]) != "abcd" {
		t.Fatalf("Read = %q, %v, want abcd", buf[:n], err)
	}
	if n, err := s.Read(buf); err != nil || string(buf[:n]) != "ef" {
		t.Fatalf("Read = %q, %v, want ef", buf[:n], err)
	}
	if _, err := s.Read(buf); err != muxErr {
		t.Fatalf("Read = %v, want the Mux error %v", err, muxErr)
	}
}

// TestLocalCloseDiscardsQueued checks the other side of the rule: after
// the local Mux.Close (or Session.Close) Read fails with ErrClosed at once,
// whatever is queued, as net.Conn users expect of a closed connection.
func TestLocalCloseDiscardsQueued(t *testing.T) {
	m, p := newRawClient(t, nil)
	go io.Copy(io.Discard, p.conn)
	p.sendRaw(cat(
		pkt(t, FlagSYN, 0, 4, ""),
		Header{Flags: FlagSYN, SID: 1, Length: 16, Wndw: 4}.Append(nil),
		pkt(t, FlagDATA, 1, 4, "unread"),
		pkt(t, FlagFIN, 1, 4, ""),
	))
	p.sendRaw(cat(
		Header{Flags: FlagDATA, SID: 1, Length: 22, SeqNum: 1, Wndw: 4}.Append(nil), []byte("unread"),
		Header{Flags: FlagFIN, SID: 1, Length: 16, SeqNum: 1, Wndw: 4}.Append(nil),
	))
	s0, err := m.Accept(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	s1, err := m.Accept(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	// Session.Close: its own data is discarded.
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s1.Read(make([]byte, 10)); !errors.Is(err, ErrClosed) || !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Read after Session.Close = %v, want ErrClosed", err)
	}
	// Mux.Close: SID 0 has "unread" and its FIN queued (the second
	// sendRaw returned, so the reader had dispatched the first batch).
	s0.mu.Lock()
	queued, state := len(s0.q)-s0.qh, s0.state
	s0.mu.Unlock()
	if queued != 1 || state != stateFinReceived {
		t.Fatalf("SID 0: %d packets queued, state %d; want 1 and FIN RECEIVED", queued, state)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s0.Read(make([]byte, 10)); !errors.Is(err, ErrClosed) || !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Read after Mux.Close = %v, want ErrClosed", err)
	}
}

// TestWriteDeliveredThenTeardown: a DATA packet that reached the peer is
// a successful Write even when the peer closes the transport right after
// reading it, before the writer goroutine has reported back (the Mux is
// then torn down while Write waits). Found by tdsconn's fault harness,
// where a server's last result packet failed with "transport closed"
// though the client had read it. net.Pipe makes the peer's read and the
// writer's transport write finish together, so the race is reached often
// in 200 rounds.
func TestWriteDeliveredThenTeardown(t *testing.T) {
	for i := range 200 {
		m, p := newRawClient(t, nil)
		accepted := make(chan *Session, 1)
		go func() {
			s, err := m.Accept(testCtx(t))
			if err != nil {
				t.Error(err)
			}
			accepted <- s
		}()
		p.send(FlagSYN, 0, 0, 4, nil)
		s := <-accepted
		if s == nil {
			return
		}
		peerDone := make(chan error, 1)
		go func() {
			p.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
			b := make([]byte, HeaderLen+5)
			_, err := io.ReadFull(p.conn, b)
			p.conn.Close()
			peerDone <- err
		}()
		n, err := s.Write([]byte("hello"))
		if perr := <-peerDone; perr != nil {
			t.Fatalf("round %d: peer read: %v", i, perr)
		}
		if n != 5 || err != nil {
			t.Fatalf("round %d: Write of a packet the peer read = %d, %v; want 5, nil", i, n, err)
		}
		m.Close()
	}
}
