package smp

import (
	"io"
	"net"
	"os"
	"strconv"
	"sync"
	"time"
)

// sessionState is a session's state, [MC-SMP] 3.1.1.2.
type sessionState uint8

const (
	stateEstablished sessionState = iota // SESSION ESTABLISHED
	stateFinReceived                     // FIN RECEIVED: peer is done, local side open
	stateFinSent                         // FIN SENT: local side closed, waiting for the peer's FIN
	stateClosed                          // CLOSED: both FINs exchanged, SID recycled
)

// A Session is one SMP session of a Mux: a bidirectional stream carrying a
// TDS packet stream, [MC-SMP] 3.1. It implements net.Conn, so a TDS
// message reader and writer can run over it unchanged.
//
// Packet boundaries: one Write of up to MaxDataLength bytes is sent as one
// DATA packet ([MC-SMP] 2.2.5), so writing one TDS packet per Write maps
// each TDS packet to one DATA packet, as in the example of [MC-SMP] 4.3;
// longer writes are split into several packets. A Read never returns bytes of two DATA
// packets, so a Read into a buffer at least as large as the packet
// returns exactly one packet's DATA; a smaller buffer gets the packet in
// pieces.
//
// Flow control ([MC-SMP] 3.1.5.2): Write blocks while the peer's window is
// exhausted and never sends a SEQNUM above the WNDW the peer advertised.
// A received packet counts as consumed once Read has returned all its
// bytes; that advances the receive window, and an ACK is sent once the
// window has advanced by half the configured window since it was last
// advertised (every other packet with the default window of 4, the delayed
// acknowledgement of [MC-SMP] section 6 note 3). Every DATA, ACK and FIN
// sent carries the current window.
//
// Read, Write and Close may be called from different goroutines.
// Concurrent Reads are serialized, as are concurrent Writes (a Write sends
// its packets contiguously in SEQNUM order); a call waiting behind another
// of its kind does not observe the deadline until its turn. Deadlines
// follow net.Conn: a Read or Write blocked past its deadline returns
// os.ErrDeadlineExceeded, and a deadline can be extended.
//
// The deadline bounds the whole call, transport writes included (see
// Mux). Read never waits for the transport: the ACK it causes is queued
// for the Mux's writer. Write hands the writer as many DATA packets as
// the peer's window admits at a time and waits for them to be written,
// until the write deadline: packets still queued behind others (a peer
// that stopped reading its socket) are withdrawn unsent and Write returns
// os.ErrDeadlineExceeded with the session intact (and the count of bytes
// sent before); packets whose transport write has begun and cannot finish in time tears the Mux
// down, and Write returns the Mux's error (ErrTransport, which
// errors.Is also matches with os.ErrDeadlineExceeded). Close queues its
// FIN and returns at once.
type Session struct {
	m   *Mux
	sid uint16

	rlock    sync.Mutex // serializes Reads
	wlock    sync.Mutex // serializes Writes
	rdl, wdl *deadline
	readable chan struct{} // capacity 1: data, FIN or close arrived
	writable chan struct{} // capacity 1: window opened, FIN or close arrived
	ackEvery uint32

	// The session's write requests, reused (see wreq); their state is
	// guarded by Mux.wqmu.
	dataReq, ackReq, finReq wreq

	mu    sync.Mutex // guards the fields below
	state sessionState
	// The variables of [MC-SMP] 3.1.1.1, compared modulo 2^32.
	seqSend    uint32 // SeqNumForSend: SEQNUM of the last DATA sent
	hwSend     uint32 // HighWaterForSend: the peer's WNDW
	seqRecv    uint32 // SeqNumForRecv: SEQNUM of the last DATA received
	hwRecv     uint32 // HighWaterForRecv: our receive high-water mark
	lastHwRecv uint32 // LastHighWaterForRecv: WNDW of the last packet sent
	askedHw    uint32 // WNDW of the last ACK asked of the writer
	q          [][]byte
	qh         int // index of the first unread packet in q
	roff       int // bytes of q[qh] already returned by Read
}

var _ net.Conn = (*Session)(nil)

func newSession(m *Mux, sid uint16, hwSend, window uint32) *Session {
	s := &Session{
		m:          m,
		sid:        sid,
		rdl:        newDeadline(),
		wdl:        newDeadline(),
		readable:   make(chan struct{}, 1),
		writable:   make(chan struct{}, 1),
		ackEvery:   window / 2,
		hwSend:     hwSend,
		hwRecv:     window,
		lastHwRecv: window,
		askedHw:    window,
	}
	s.dataReq = wreq{s: s, flags: FlagDATA, done: make(chan error, 1)}
	s.ackReq = wreq{s: s, flags: FlagACK}
	s.finReq = wreq{s: s, flags: FlagFIN}
	return s
}

// SID returns the session identifier, [MC-SMP] 2.2.1.
func (s *Session) SID() uint16 { return s.sid }

// seqAfter reports whether sequence number a comes after b modulo 2^32
// ([MC-SMP] 3.1.5.2: "The sequence number ... is allowed to wrap").
func seqAfter(a, b uint32) bool { return int32(a-b) > 0 }

// checkWndw rejects a received WNDW that no peer can have sent: one more
// than MaxWindow packets beyond seqSend, the SeqNumForSend of [MC-SMP]
// 3.1.1.1 (0 for a SYN, before any DATA). Sequence numbers are compared
// modulo 2^32 (3.1.5.2), where only distances below 2^31 have an order: a
// WNDW 2^31 or more ahead would read as a window already closed, and
// every later, smaller WNDW as an increase, defeating the rule of 3.1.5.1
// that windows never shrink. A peer's WNDW is its HighWaterForRecv, which
// runs at most its receive window ahead of the last DATA SEQNUM it
// received and so of seqSend (3.1.5.2.2); MaxWindow, the largest receive
// window a Mux grants, is far above the 4 packets of [MC-SMP]'s own
// implementation (3.1.5.2.1) and of the seed traces. A WNDW behind
// seqSend is, modulo 2^32, more than MaxWindow ahead of it, so the same
// test rejects it.
func checkWndw(h *Header, seqSend uint32, off int64) error {
	ahead := h.Wndw - seqSend
	if ahead <= MaxWindow {
		return nil
	}
	if int32(ahead) < 0 {
		return errorf("smp mux", off+12, ErrProtocol, "%v WNDW %d for SID %d is 2^31 or more packets from SEQNUM %d, the last DATA sent: modulo 2^32 it lies behind it, and only MaxWindow (%d) ahead is accepted (3.1.5.2)", h.Flags, h.Wndw, h.SID, seqSend, MaxWindow)
	}
	return errorf("smp mux", off+12, ErrProtocol, "%v WNDW %d for SID %d is %d packets beyond SEQNUM %d, the last DATA sent; more than the largest window (%d) a peer can grant", h.Flags, h.Wndw, h.SID, ahead, seqSend, MaxWindow)
}

// receive runs the session state machine for one packet from the peer,
// [MC-SMP] 3.1.5.1 to 3.1.5.1.3. It is called by the reader goroutine only;
// off is the packet's offset in the transport stream. A non-nil error
// tears the Mux down.
func (s *Session) receive(h *Header, data []byte, off int64) error {
	s.mu.Lock()
	recycle, err := s.receiveLocked(h, data, off)
	s.mu.Unlock()
	if recycle {
		s.m.recycle(s)
	}
	return err
}

func (s *Session) receiveLocked(h *Header, data []byte, off int64) (recycle bool, err error) {
	switch s.state {
	case stateClosed:
		return false, errorf("smp mux", off+2, ErrProtocol, "%v packet for SID %d after both FINs", h.Flags, s.sid)
	case stateFinReceived:
		// 3.1.5.1.1-3: DATA, ACK or FIN after the peer's FIN SHOULD
		// close the connection; real peers honour it.
		return false, errorf("smp mux", off+1, ErrProtocol, "%v packet for SID %d after the peer's FIN", h.Flags, s.sid)
	}
	if err := checkWndw(h, s.seqSend, off); err != nil {
		return false, err
	}
	if seqAfter(s.hwSend, h.Wndw) {
		return false, errorf("smp mux", off+12, ErrProtocol, "WNDW %d for SID %d is below %d, a window already granted; windows never shrink (3.1.5.1)", h.Wndw, s.sid, s.hwSend)
	}
	switch h.Flags {
	case FlagDATA:
		if want := s.seqRecv + 1; h.SeqNum != want {
			return false, errorf("smp mux", off+8, ErrProtocol, "DATA SEQNUM %d for SID %d out of sequence, want %d (3.1.5.1.1)", h.SeqNum, s.sid, want)
		}
		// The window is checked against the highest WNDW this side has
		// sent, which is all the peer can know; it never exceeds
		// HighWaterForRecv, the bound of 3.1.5.1.
		if seqAfter(h.SeqNum, s.lastHwRecv) {
			return false, errorf("smp mux", off+8, ErrProtocol, "DATA SEQNUM %d for SID %d is beyond the advertised window (WNDW %d)", h.SeqNum, s.sid, s.lastHwRecv)
		}
		s.seqRecv = h.SeqNum
		s.hwSend = h.Wndw
		signal(s.writable)
		if s.state == stateFinSent {
			s.m.pool.put(data) // 3.1.5.1.1: ignored in FIN SENT
			return false, nil
		}
		s.push(data)
		signal(s.readable)
	case FlagACK:
		if h.SeqNum != s.seqRecv {
			return false, errorf("smp mux", off+8, ErrProtocol, "ACK SEQNUM %d for SID %d, want %d, the last DATA SEQNUM received (3.1.5.1.2)", h.SeqNum, s.sid, s.seqRecv)
		}
		s.hwSend = h.Wndw
		signal(s.writable)
	case FlagFIN:
		// Leniency: a FIN's SEQNUM SHOULD stay at the last DATA SEQNUM
		// and a mismatch MAY be raised (2.2.1, 3.1.5.1.3); only the
		// bound of 3.1.5.1 is enforced.
		if seqAfter(h.SeqNum, s.hwRecv) {
			return false, errorf("smp mux", off+8, ErrProtocol, "FIN SEQNUM %d for SID %d is beyond the receive window (%d)", h.SeqNum, s.sid, s.hwRecv)
		}
		s.hwSend = h.Wndw
		if s.state == stateEstablished {
			s.state = stateFinReceived
			signal(s.readable)
			signal(s.writable)
			return false, nil
		}
		s.state = stateClosed // FIN SENT + FIN received: recycle, 3.1.5.1.3
		return true, nil
	}
	return false, nil
}

// push queues a received DATA field. The queue holds at most a window's
// worth of packets, so compacting it when full keeps it bounded.
func (s *Session) push(data []byte) {
	if len(s.q) == cap(s.q) && s.qh > 0 {
		n := copy(s.q, s.q[s.qh:])
		clear(s.q[n:])
		s.q = s.q[:n]
		s.qh = 0
	}
	s.q = append(s.q, data)
}

// pop removes the first queued packet.
func (s *Session) pop() {
	s.q[s.qh] = nil
	s.qh++
	s.roff = 0
	if s.qh == len(s.q) {
		s.q = s.q[:0]
		s.qh = 0
	}
}

// dropQueueLocked discards unread packets, returning their buffers.
func (s *Session) dropQueueLocked() {
	for s.qh < len(s.q) {
		s.m.pool.put(s.q[s.qh])
		s.pop()
	}
}

// Read reads the DATA of received packets, [MC-SMP] 3.1.4.2. It returns
// bytes of at most one DATA packet per call. Consuming a packet may send
// an ACK (see Session). A Read with an empty p returns 0, nil at once
// unless it would fail.
//
// Data that has arrived is never lost to a later failure. After the
// peer's FIN, Read returns the queued data and then io.EOF, even if the
// transport has closed meanwhile (a server commonly sends its last
// response, its FIN and then closes the connection). When the Mux is torn
// down by the peer's side (a transport failure or a protocol violation,
// see Mux.Err) before the peer's FIN, Read still returns every DATA packet
// that arrived whole and passed the checks of [MC-SMP] 3.1.5.1 before the
// failure, and then the Mux's error; a packet cut short by the failure
// was never queued, so the higher layer sees the error where its stream
// ends. After Close, or after Mux.Close, Read fails with ErrClosed at
// once and unread data is discarded.
func (s *Session) Read(p []byte) (int, error) {
	s.rlock.Lock()
	defer s.rlock.Unlock()
	for {
		select {
		case <-s.rdl.wait():
			return 0, os.ErrDeadlineExceeded
		default:
		}
		// teardown sets m.err and closes m.done under m.mu, so the lock
		// shared by every session is taken only once the Mux is down.
		var down, local bool
		select {
		case <-s.m.done:
			down, local = s.m.downState()
		default:
		}
		if local {
			return 0, s.m.failure()
		}
		s.mu.Lock()
		if s.state == stateFinSent || s.state == stateClosed {
			s.mu.Unlock()
			return 0, s.closedErr("Read")
		}
		if s.qh == len(s.q) {
			// Nothing queued: the end of the stream, a failure, or wait.
			fin := s.state == stateFinReceived
			s.mu.Unlock()
			switch {
			case fin && len(p) == 0:
				return 0, nil
			case fin:
				return 0, io.EOF
			case down:
				return 0, s.m.failure()
			case len(p) == 0:
				return 0, nil
			}
			select {
			case <-s.readable:
			case <-s.m.done:
			case <-s.rdl.wait():
			}
			continue
		}
		if len(p) == 0 {
			s.mu.Unlock()
			return 0, nil
		}
		pkt := s.q[s.qh]
		n := copy(p, pkt[s.roff:])
		s.roff += n
		ack := false
		if s.roff == len(pkt) {
			s.pop()
			s.m.pool.put(pkt)
			s.hwRecv++ // 3.1.4.2, 3.1.5.2.2
			// The window last advertised or asked for: an ACK asked for
			// is written later by the Mux's writer.
			base := s.askedHw
			if seqAfter(s.lastHwRecv, base) {
				base = s.lastHwRecv
			}
			ack = !down && s.state == stateEstablished && s.hwRecv-base >= s.ackEvery
			if ack {
				s.askedHw = s.hwRecv
			}
		}
		wndw := s.hwRecv
		s.mu.Unlock()
		if ack {
			// Queued, not waited for; an error means the Mux is down,
			// which the next call reports.
			s.m.askAck(&s.ackReq, wndw)
		}
		if n == 0 {
			continue // an empty DATA packet: consumed, nothing to return
		}
		return n, nil
	}
}

// Write sends p as DATA packets of at most Config.MaxDataLength bytes
// each, [MC-SMP] 3.1.4.3 and 3.1.5.2.1, blocking while the peer's window
// is closed. It returns the number of bytes sent in whole packets. A
// zero-length Write sends nothing. Write fails with ErrClosed after Close
// or after the peer's FIN ([MC-SMP] 2.2.4: the peer no longer receives),
// and with the Mux's error once the Mux is torn down.
func (s *Session) Write(p []byte) (int, error) {
	s.wlock.Lock()
	defer s.wlock.Unlock()
	m := s.m
	if len(p) == 0 {
		s.mu.Lock()
		defer s.mu.Unlock()
		return 0, s.sendErrLocked()
	}
	n := 0
	for n < len(p) {
		if err := s.waitWindow(); err != nil {
			return n, err
		}
		// One request for as many packets as the window admits; the
		// writer says how many bytes they carried.
		r := &s.dataReq
		r.data, r.sent = p[n:], 0
		err := m.submit(r)
		if err == nil {
			err = m.await(r, s.wdl.wait(), deadlineErr)
		}
		n += r.sent
		r.data = nil
		if err == errWindowShut {
			continue
		}
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// waitWindow blocks until the peer's window admits one more DATA packet
// (SeqNumForSend below HighWaterForSend, [MC-SMP] 3.1.5.2.1).
func (s *Session) waitWindow() error {
	for {
		select {
		case <-s.m.done:
			return s.m.failure()
		case <-s.wdl.wait():
			return os.ErrDeadlineExceeded
		default:
		}
		s.mu.Lock()
		if err := s.sendErrLocked(); err != nil {
			s.mu.Unlock()
			return err
		}
		open := seqAfter(s.hwSend, s.seqSend)
		s.mu.Unlock()
		if open {
			return nil
		}
		select {
		case <-s.writable:
		case <-s.m.done:
		case <-s.wdl.wait():
		}
	}
}

// sendErrLocked says why the session cannot send, or nil.
func (s *Session) sendErrLocked() error {
	switch s.state {
	case stateFinReceived:
		return errorf("smp session", -1, ErrClosed, "SID %d: Write after the peer's FIN", s.sid)
	case stateFinSent, stateClosed:
		return s.closedErr("Write")
	}
	return nil
}

// closedErr reports use of a locally closed session; it also matches
// net.ErrClosed, as net.Conn users expect.
func (s *Session) closedErr(op string) error {
	e := errorf("smp session", -1, ErrClosed, "SID %d: %s after Close", s.sid, op)
	e.Cause = net.ErrClosed
	return e
}

// Close closes the session, [MC-SMP] 3.1.4.4: it sends a FIN (SEQNUM the
// last DATA SEQNUM sent, WNDW the current window) and discards unread
// data. If the peer's FIN has already arrived the SID is recycled at once;
// otherwise it is recycled when the peer's FIN arrives, and DATA the peer
// sends meanwhile is ignored (3.1.5.1.1). Close does not wait for the
// peer, nor for the transport: the FIN is queued for the Mux's writer,
// after the packets queued before it (a Write's DATA packet not yet
// written is withdrawn and that Write returns ErrClosed), and a failure to
// write it tears the Mux down. Blocked Reads and Writes return ErrClosed.
// A second Close fails with ErrClosed; Close after the Mux was torn down
// sends nothing and returns nil.
func (s *Session) Close() error {
	m := s.m
	s.mu.Lock()
	recycle := false
	switch s.state {
	case stateEstablished:
		s.state = stateFinSent
	case stateFinReceived:
		s.state = stateClosed
		recycle = true
	default:
		s.mu.Unlock()
		return s.closedErr("Close")
	}
	s.dropQueueLocked()
	s.mu.Unlock()
	// A Write waiting for its DATA packet behind others gets ErrClosed;
	// the packet is not sent.
	if m.withdraw(&s.dataReq) == wreqQueued {
		finish(&s.dataReq, s.closedErr("Write"))
	}
	signal(s.readable)
	signal(s.writable)
	s.rdl.stop()
	s.wdl.stop()
	if recycle {
		// Before the FIN is written: once the peer has it, it may reuse
		// the SID in a new SYN.
		m.recycle(s)
	}
	m.submit(&s.finReq) // fails only once the Mux is down: nothing to send
	return nil
}

// SetDeadline sets the read and write deadlines, as net.Conn does.
func (s *Session) SetDeadline(t time.Time) error {
	s.rdl.set(t)
	s.wdl.set(t)
	return nil
}

// SetReadDeadline sets the deadline for Read calls, as net.Conn does.
func (s *Session) SetReadDeadline(t time.Time) error {
	s.rdl.set(t)
	return nil
}

// SetWriteDeadline sets the deadline for Write calls, as net.Conn does.
func (s *Session) SetWriteDeadline(t time.Time) error {
	s.wdl.set(t)
	return nil
}

// LocalAddr returns the transport's local address (when the transport is
// a net.Conn) qualified with the SID, network "smp".
func (s *Session) LocalAddr() net.Addr {
	var base net.Addr
	if c, ok := s.m.conn.(interface{ LocalAddr() net.Addr }); ok {
		base = c.LocalAddr()
	}
	return Addr{Transport: base, SID: s.sid}
}

// RemoteAddr returns the transport's remote address (when the transport
// is a net.Conn) qualified with the SID, network "smp".
func (s *Session) RemoteAddr() net.Addr {
	var base net.Addr
	if c, ok := s.m.conn.(interface{ RemoteAddr() net.Addr }); ok {
		base = c.RemoteAddr()
	}
	return Addr{Transport: base, SID: s.sid}
}

// Addr is the net.Addr of a Session: the transport's address, if known,
// and the session identifier of [MC-SMP] 2.2.1.
type Addr struct {
	Transport net.Addr // nil when the transport is not a net.Conn
	SID       uint16
}

// Network returns "smp".
func (a Addr) Network() string { return "smp" }

// String returns "10.10.10.22:1433#sid=0", or "sid=0" without a transport
// address.
func (a Addr) String() string {
	s := "sid=" + strconv.Itoa(int(a.SID))
	if a.Transport != nil {
		return a.Transport.String() + "#" + s
	}
	return s
}
