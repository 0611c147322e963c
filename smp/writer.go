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
//   - DATA packets (Session.Write) are waited for until the session's
//     write deadline, a SYN (Mux.Open) until its context is done;
//   - a request still queued when its caller gives up is withdrawn, with
//     nothing sent (no SEQNUM is used: SEQNUM and WNDW are filled in when
//     the packet is taken from the queue);
//   - a request whose transport write has begun cannot be withdrawn
//     without cutting a packet in half, so its caller giving up tears the
//     Mux down (ErrTransport with the deadline or context error as the
//     cause): the transport is closed, which ends the stalled write. The
//     caller returns once the writer has the write back, since the
//     vectored writer reads a DATA field from the caller's buffer.
//
// A DATA request (one Session.Write, or what is left of it) becomes as
// many packets as the peer's window admits when the writer takes it.

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
	data  []byte     // DATA only: the bytes to send, until writeLoop takes them
	sent  int        // DATA only: how many of them the last write sent
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
// begun it tears the Mux down and returns that error. A DATA request's
// data is the caller's buffer, which a vectored write reads in place, so
// await never returns while r is being written: once the Mux is down it
// waits for writeLoop's answer, which comes as soon as the closed
// transport gives the write back (the transport contract of NewClient).
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
		<-r.done
		return m.failure()
	}
	return <-r.done // finished just as the caller gave up: its answer stands
}

// Limits of one batch: writeLoop takes up to maxBatch queued requests,
// or fewer once their packets reach maxBatchPackets or maxBatchBytes
// (maxCopyBatchBytes in the copy mode, where the bytes are copied into
// wbuf, which keeps its size), and writes them with one transport Write
// (or one writev). Every request of a batch is being written until the
// batch is, so a larger batch would make more callers whose deadline
// passes tear the Mux down rather than withdraw their packets; a few
// windows' worth of packets is enough to share the system call among the
// sessions.
const (
	maxBatch          = 64
	maxBatchBytes     = 256 << 10
	maxCopyBatchBytes = 64 << 10
	maxBatchPackets   = 2 * maxBatch // bounds the vectored header arena
)

// batchFull reports whether the batch has reached its limits.
func (m *Mux) batchFull() bool {
	limit := maxBatchBytes
	if !m.vectored {
		limit = maxCopyBatchBytes
	}
	return m.wbytes >= limit || m.wpkts >= maxBatchPackets
}

// batched is one request of the batch being written and, for DATA, how
// many of its bytes the batch carries (in one or more packets).
type batched struct {
	r    *wreq
	take int
}

// writeLoop is the Mux's writer goroutine; it returns when the Mux is torn
// down. It takes the requests queued at that moment (up to the batch
// limits), encodes their packets and writes them with one transport
// Write: the headers and DATA fields copied into wbuf, or, over a
// vectored transport, the headers from wbuf and each DATA field from the
// caller's buffer in place, with one writev. Packets go out in queue
// order, each whole.
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
		select {
		case <-m.done:
			m.wqmu.Unlock()
			return
		default:
		}
		if m.vectored && m.wbuf == nil {
			// Headers stay where they are while the batch is built: the
			// arena never grows, so wvec can point into it.
			m.wbuf = make([]byte, 0, maxBatchPackets*HeaderLen)
		}
		m.wbuf, m.wvec, m.wpkts, m.wbytes = m.wbuf[:0], m.wvec[:0], 0, 0
		batch := m.batch[:0]
		for m.wqh < len(m.wq) && len(batch) < maxBatch && !m.batchFull() {
			r := m.wq[m.wqh]
			m.wq[m.wqh] = nil
			m.wqh++
			if r == nil {
				continue
			}
			take, err := m.buildLocked(r)
			if take < 0 {
				r.state = wreqIdle
				m.againLocked(r, true)
				finish(r, err)
				continue
			}
			r.state = wreqWriting
			batch = append(batch, batched{r, take})
		}
		m.batch = batch
		m.wqmu.Unlock()
		if len(batch) == 0 {
			continue
		}
		werr := m.writeBatch()
		m.wqmu.Lock()
		for _, b := range batch {
			b.r.state = wreqIdle
			m.againLocked(b.r, werr == nil)
			if werr == nil {
				b.r.sent = b.take
				finish(b.r, nil)
			}
		}
		m.wqmu.Unlock()
		if werr != nil {
			m.teardown(&Error{Layer: "smp mux", Offset: -1, Msg: "writing " + strconv.Itoa(m.wpkts) + " packets (the first " + batch[0].r.flags.String() + " for SID " + strconv.Itoa(int(batch[0].r.s.sid)) + ") to the transport", Err: ErrTransport, Cause: werr})
			err := m.failure()
			for _, b := range batch {
				finish(b.r, err)
			}
			clear(batch)
			return
		}
		clear(batch)
	}
}

// writeBatch writes the encoded batch to the transport.
func (m *Mux) writeBatch() error {
	if !m.vectored {
		_, err := m.conn.Write(m.wbuf)
		return err
	}
	m.wcur = m.wvec // WriteTo consumes m.wcur; a field, so it does not escape
	_, err := m.wcur.WriteTo(m.conn)
	clear(m.wvec) // release the callers' buffers
	m.wcur = nil
	return err
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

// buildLocked appends r's packets to the batch, filling SEQNUM and WNDW
// from the session's state now. It returns how many bytes of a DATA
// request's data the batch carries (0 for other kinds), or -1 when
// nothing is to be sent, with the error for the caller: an ACK with
// nothing to advertise is not sent, a DATA request of a session closed
// meanwhile or with its window shut is refused. A DATA request becomes
// as many packets of at most MaxDataLength bytes as the peer's window and
// the batch limits admit, at least one. The caller holds wqmu;
// buildLocked takes s.mu.
func (m *Mux) buildLocked(r *wreq) (int, error) {
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
			return -1, nil
		}
		h.SeqNum, h.Wndw = s.seqSend, w
		s.lastHwRecv = w
		m.appendPacket(h, nil)
		return 0, nil
	case FlagFIN:
		h.SeqNum, h.Wndw = s.seqSend, s.hwRecv
	case FlagDATA:
		if s.state != stateEstablished {
			return -1, s.sendErrLocked()
		}
		if !seqAfter(s.hwSend, s.seqSend) {
			return -1, errWindowShut
		}
		data, take := r.data, 0
		r.data = nil
		h.Wndw = s.hwRecv
		for {
			chunk := data[take:]
			if len(chunk) > m.cfg.MaxDataLength {
				chunk = chunk[:m.cfg.MaxDataLength]
			}
			s.seqSend++
			h.SeqNum = s.seqSend
			m.appendPacket(h, chunk)
			take += len(chunk)
			if take == len(data) || !seqAfter(s.hwSend, s.seqSend) || m.batchFull() {
				break
			}
		}
		s.lastHwRecv = s.hwRecv
		return take, nil
	}
	s.lastHwRecv = s.hwRecv
	m.appendPacket(h, nil)
	return 0, nil
}

// appendPacket adds one packet to the batch: header and data copied into
// wbuf, or, vectored, the header into wbuf and both to wvec, data in
// place. data is at most MaxDataLength bytes.
func (m *Mux) appendPacket(h Header, data []byte) {
	h.Length = HeaderLen + uint32(len(data))
	m.wpkts++
	m.wbytes += int(h.Length)
	if !m.vectored {
		m.wbuf = append(h.Append(m.wbuf), data...)
		return
	}
	i := len(m.wbuf)
	m.wbuf = h.Append(m.wbuf)
	m.wvec = append(m.wvec, m.wbuf[i:i+HeaderLen:i+HeaderLen])
	if len(data) > 0 {
		m.wvec = append(m.wvec, data)
	}
}

// deadlineErr is what a call that ran out of time returns.
func deadlineErr() error { return os.ErrDeadlineExceeded }
