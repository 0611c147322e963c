package smp

import (
	"errors"
	"os"
	"strconv"
)

// The Mux writes every packet from one goroutine (writeLoop), which takes
// requests from a FIFO queue. A call that needs a packet written queues a
// request and waits for it only as long as its own deadline or context
// allows, so a transport that stops taking bytes (a peer that no longer
// reads its socket) blocks no call beyond the deadline it set:
//
//   - ACKs (from Session.Read and Mux.Accept) and FINs (Session.Close) are
//     queued and not waited for;
//   - a DATA packet (Session.Write) is waited for until the session's
//     write deadline, a SYN (Mux.Open) until its context is done;
//   - a request still queued when its caller gives up is withdrawn, with
//     nothing sent (no SEQNUM is used: SEQNUM and WNDW are filled in when
//     the packet is taken from the queue);
//   - a request whose transport write has begun cannot be withdrawn
//     without cutting a packet in half, so its caller giving up tears the
//     Mux down (ErrTransport with the deadline or context error as the
//     cause): the transport is closed, which ends the stalled write.

// wreqState is where a write request is, guarded by Mux.wqmu.
type wreqState uint8

const (
	wreqIdle    wreqState = iota // not queued (new, done or withdrawn)
	wreqQueued                   // in Mux.wq
	wreqWriting                  // taken by writeLoop; the packet is being written
)

// wreq asks writeLoop for one packet of kind flags for session s. Each
// session owns one request per kind, reused: at most one DATA (Writes are
// serialized), one ACK (queued ACKs coalesce: the one written carries the
// window of that moment) and one FIN.
type wreq struct {
	s     *Session
	flags Flags
	data  []byte     // DATA only; copied by writeLoop before the write
	done  chan error // capacity 1, for waited requests (DATA, SYN); else nil
	state wreqState
	// An ACK carries wndw, the window it was asked for with; a further
	// ask while it is queued or being written sets again, and a second
	// ACK with next, the window of the latest ask, follows. So ACKs keep
	// the schedule of Session.Read, each advertising what it was asked
	// for.
	wndw, next uint32
	again      bool
}

// askAck asks for an ACK advertising wndw for r's session.
func (m *Mux) askAck(r *wreq, wndw uint32) error {
	m.wqmu.Lock()
	select {
	case <-m.done:
		m.wqmu.Unlock()
		return m.failure()
	default:
	}
	if r.state == wreqIdle {
		r.wndw = wndw
		m.enqueueLocked(r)
	} else {
		r.next, r.again = wndw, true
	}
	m.wqmu.Unlock()
	signal(m.wsig)
	return nil
}

// errWindowShut is what writeLoop answers to a DATA request when the
// peer's window admits no packet; Write waits for the window again.
var errWindowShut = errors.New("smp: window shut")

// submit queues r (a DATA, SYN or FIN request, not already queued). It
// fails with the Mux's error once the Mux is down.
func (m *Mux) submit(r *wreq) error {
	m.wqmu.Lock()
	select {
	case <-m.done:
		m.wqmu.Unlock()
		return m.failure()
	default:
	}
	if r.state == wreqIdle {
		m.enqueueLocked(r)
	}
	m.wqmu.Unlock()
	signal(m.wsig)
	return nil
}

// enqueueLocked appends r to the queue; the caller holds wqmu.
func (m *Mux) enqueueLocked(r *wreq) {
	if len(m.wq) == cap(m.wq) && m.wqh > 0 {
		n := copy(m.wq, m.wq[m.wqh:])
		clear(m.wq[n:])
		m.wq = m.wq[:n]
		m.wqh = 0
	}
	m.wq = append(m.wq, r)
	r.state = wreqQueued
}

// withdraw removes r from the queue if it is still there and reports the
// state it found.
func (m *Mux) withdraw(r *wreq) wreqState {
	m.wqmu.Lock()
	defer m.wqmu.Unlock()
	st := r.state
	if st == wreqQueued {
		for i := m.wqh; i < len(m.wq); i++ {
			if m.wq[i] == r {
				m.wq[i] = nil
				break
			}
		}
		r.state = wreqIdle
	}
	return st
}

// await waits for the waited request r until expiry is closed (nil: no
// limit). On expiry it withdraws r and returns expired(); if r's write had
// begun it tears the Mux down and returns that error.
func (m *Mux) await(r *wreq, expiry <-chan struct{}, expired func() error) error {
	select {
	case err := <-r.done:
		return err
	case <-m.done:
		// A packet already written stands even if the Mux fails just
		// after (the peer read it and closed): select picks at random
		// when both are ready, so look at r.done once more.
		// A write under way ends soon (teardown closed the transport)
		// and is reported; one finished has already been (the writer
		// reports under wqmu, before withdraw can see it idle).
		if m.withdraw(r) == wreqWriting {
			return <-r.done
		}
		select {
		case err := <-r.done:
			return err
		default:
		}
		return m.failure()
	case <-expiry:
	}
	switch m.withdraw(r) {
	case wreqQueued:
		return expired()
	case wreqWriting:
		m.teardown(&Error{Layer: "smp mux", Offset: -1, Msg: "transport write of a " + r.flags.String() + " packet for SID " + strconv.Itoa(int(r.s.sid)) + " did not finish in time; the Mux cannot resume after a partial packet", Err: ErrTransport, Cause: expired()})
		return m.failure()
	}
	return <-r.done // finished just as the caller gave up: its answer stands
}

// writeLoop is the Mux's writer goroutine; it returns when the Mux is torn
// down.
func (m *Mux) writeLoop() {
	defer close(m.writerDone)
	for {
		m.wqmu.Lock()
		for m.wqh < len(m.wq) && m.wq[m.wqh] == nil {
			m.wqh++
		}
		if m.wqh == len(m.wq) {
			m.wq = m.wq[:0]
			m.wqh = 0
			m.wqmu.Unlock()
			select {
			case <-m.wsig:
			case <-m.done:
				return
			}
			continue
		}
		r := m.wq[m.wqh]
		m.wq[m.wqh] = nil
		m.wqh++
		select {
		case <-m.done:
			r.state = wreqIdle
			m.wqmu.Unlock()
			return
		default:
		}
		send, err := m.buildLocked(r)
		if !send {
			r.state = wreqIdle
			m.againLocked(r, true)
			m.wqmu.Unlock()
			finish(r, err)
			continue
		}
		r.state = wreqWriting
		m.wqmu.Unlock()
		_, werr := m.conn.Write(m.wbuf)
		m.wqmu.Lock()
		r.state = wreqIdle
		m.againLocked(r, werr == nil)
		if werr == nil {
			finish(r, nil)
		}
		m.wqmu.Unlock()
		if werr != nil {
			m.teardown(&Error{Layer: "smp mux", Offset: -1, Msg: "writing " + r.flags.String() + " packet to the transport", Err: ErrTransport, Cause: werr})
			finish(r, m.failure())
			return
		}
	}
}

// againLocked queues the follow-up ACK asked for while r was queued or
// written, if any and if requeue. The caller holds wqmu.
func (m *Mux) againLocked(r *wreq, requeue bool) {
	if r.again {
		r.again = false
		if requeue {
			r.wndw = r.next
			m.enqueueLocked(r)
		}
	}
}

// finish reports the outcome of a waited request.
func finish(r *wreq, err error) {
	if r.done != nil {
		select {
		case r.done <- err:
		default:
		}
	}
}

// buildLocked encodes r's packet into m.wbuf, filling SEQNUM and WNDW from
// the session's state now, and reports whether it is to be sent (an ACK
// with nothing to advertise is not; a DATA packet of a session closed
// meanwhile or with its window shut is refused with the error for the
// caller). The caller holds wqmu; buildLocked takes s.mu.
func (m *Mux) buildLocked(r *wreq) (bool, error) {
	s := r.s
	s.mu.Lock()
	defer s.mu.Unlock()
	h := Header{Flags: r.flags, SID: s.sid}
	switch r.flags {
	case FlagSYN:
		h.Wndw = s.hwRecv
	case FlagACK:
		w := r.wndw
		// Not sent when a packet since (a DATA packet, or an ACK) has
		// advertised as much.
		if s.state != stateEstablished || !seqAfter(w, s.lastHwRecv) {
			return false, nil
		}
		h.SeqNum, h.Wndw = s.seqSend, w
		s.lastHwRecv = w
		m.wbuf, _ = h.AppendPacket(m.wbuf[:0], nil)
		return true, nil
	case FlagFIN:
		h.SeqNum, h.Wndw = s.seqSend, s.hwRecv
	case FlagDATA:
		if s.state != stateEstablished {
			return false, s.sendErrLocked()
		}
		if !seqAfter(s.hwSend, s.seqSend) {
			return false, errWindowShut
		}
		s.seqSend++
		h.SeqNum, h.Wndw = s.seqSend, s.hwRecv
	}
	s.lastHwRecv = s.hwRecv
	m.wbuf, _ = h.AppendPacket(m.wbuf[:0], r.data) // data is at most MaxDataLength
	r.data = nil
	return true, nil
}

// deadlineErr is what a call that ran out of time returns.
func deadlineErr() error { return os.ErrDeadlineExceeded }
