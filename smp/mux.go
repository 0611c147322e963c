package smp

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"sync"
)

// Defaults and limits of Config.
const (
	// DefaultWindow is the receive window a Mux advertises unless
	// configured otherwise: 4 DATA packets, the initial HighWaterForRecv
	// of [MC-SMP] 3.1.3.1 and the WNDW of the seed trace's SYN.
	DefaultWindow = 4
	// MinWindow is the smallest receive window a Mux accepts. A peer
	// assumes a window of 4 until it hears otherwise ([MC-SMP] 3.1.3.1)
	// and a window MUST NOT move backwards (3.1.5.1), so a smaller value
	// could not be honoured.
	MinWindow = 4
	// MaxWindow is the largest receive window a Mux accepts; it keeps
	// sequence-number comparisons unambiguous across wrap-around and
	// bounds the memory one session can pin. It also bounds the window a
	// peer may grant: a received WNDW more than MaxWindow packets beyond
	// the last DATA SEQNUM sent tears the Mux down with ErrProtocol
	// ([MC-SMP] 3.1.5.1, 3.1.5.2).
	MaxWindow = 1 << 16
	// DefaultMaxDataLength is the default limit on the DATA field of one
	// packet, in both directions: the largest TDS packet size,
	// [MS-TDS] 2.2.3.1.3 (32767 bytes), since one DATA packet carries one
	// TDS packet.
	DefaultMaxDataLength = 32767
	// DefaultMaxSessions is the default limit on sessions open at once
	// on one Mux. MARS clients open a handful of sessions per connection
	// (one per concurrently active statement); 64 leaves ample room while
	// bounding what one peer can make a connection hold (see Config).
	DefaultMaxSessions = 64
	// readBufSize is the reader goroutine's read-ahead buffer.
	readBufSize = 64 << 10
	// maxSIDs is the number of distinct 16-bit session identifiers.
	maxSIDs = 1 << 16
)

// Config tunes a Mux. The zero value (or a nil *Config) selects the
// defaults.
//
// Memory: the peer decides how much received data a Mux holds, up to
// MaxSessions × Window DATA buffers (received, not yet read), each
// MaxDataLength rounded up to a power of two (32 KiB by default). Until a
// session is accepted its window is the 4 packets the peer assumes
// ([MC-SMP] 3.1.3.1), so a peer that opens sessions the application does
// not Accept can make a server hold MaxSessions × 4 buffers: 64 × 4 ×
// 32 KiB = 8 MiB per connection with the defaults (it was 128 MiB when the
// default was 1024 sessions). Accepted sessions hold up to Window buffers
// each. Besides, each Mux keeps spare buffers for reuse, per size class
// (512 bytes to the MaxDataLength class) at most 64 (under 4 MiB by
// default) or Window per open session when that is more, as many as
// those sessions could hold unread at once; a 64 KiB read-ahead buffer;
// and, writing to a transport other than a TCP or Unix socket, a write
// buffer of up to about 96 KiB (the packets of one batch). Raise
// MaxSessions, Window or MaxDataLength together with this product in
// mind.
type Config struct {
	// Window is the receive window of each session, in DATA packets: the
	// number of packets the peer may send beyond those the application
	// has read ([MC-SMP] 3.1.5.2.2). 0 means DefaultWindow; values below
	// MinWindow are raised to it and values above MaxWindow lowered.
	Window uint32
	// MaxDataLength limits the DATA field of one packet. Received DATA
	// packets above it tear the Mux down with ErrTooLarge; Session.Write
	// splits larger writes into packets of at most this size. It is also
	// the most a single received packet can make the Mux allocate.
	// 0 means DefaultMaxDataLength.
	MaxDataLength int
	// MaxSessions limits the sessions open at once (from SYN until both
	// FINs). A server whose peer opens more tears the Mux down with
	// ErrTooLarge; a client's Open waits for a session to be recycled.
	// 0 means DefaultMaxSessions (64); at most 65536.
	MaxSessions int
}

func (c *Config) resolve() Config {
	var r Config
	if c != nil {
		r = *c
	}
	switch {
	case r.Window == 0:
		r.Window = DefaultWindow
	case r.Window < MinWindow:
		r.Window = MinWindow
	case r.Window > MaxWindow:
		r.Window = MaxWindow
	}
	if r.MaxDataLength <= 0 {
		r.MaxDataLength = DefaultMaxDataLength
	}
	if r.MaxSessions <= 0 {
		r.MaxSessions = DefaultMaxSessions
	}
	if r.MaxSessions > maxSIDs {
		r.MaxSessions = maxSIDs
	}
	return r
}

// A Mux multiplexes SMP sessions over one transport, [MC-SMP] section 3.
// A client-role Mux (NewClient) opens sessions with Open; a server-role Mux
// (NewServer) accepts the sessions its peer opens with Accept.
//
// A Mux runs two goroutines. The reader reads packets from the transport
// and routes them to their sessions; it never blocks on the application.
// The writer writes the packets the calls ask for (Session.Write's DATA,
// the ACKs of Session.Read and Accept, Session.Close's FIN, Open's SYN),
// in the order they were asked for, each whole: the packets queued at a
// moment go out together in one transport Write (one writev over a TCP or
// Unix socket, the DATA fields written from the callers' buffers in
// place).
// No call waits for the transport beyond its own deadline or context:
// ACKs and FINs are not waited for at all, a DATA packet or a SYN still
// queued when its caller gives up is withdrawn unsent, and one whose write
// has begun tears the Mux down when its caller gives up (a packet cannot
// be left half written). So a peer that stops reading its socket blocks
// each call only until the deadline that call set, and a call without a
// deadline until Close.
//
// Any protocol violation by the peer, any transport error, and Close tear
// the whole Mux down: the transport is closed, every blocked or later
// call on the Mux and its sessions returns an error (Err gives the cause),
// and the reader goroutine has exited by the time Close returns. [MC-SMP]
// 3.1.2 and 3.1.7: SMP has no timers, and a bad packet or a lost transport
// ends all sessions. One exception keeps received data from being lost:
// unless the Mux was torn down by Close, Session.Read first returns the
// DATA that had arrived before the failure, and after the peer's FIN it
// ends with io.EOF rather than the error (see Session.Read).
type Mux struct {
	conn   io.ReadWriteCloser
	client bool
	cfg    Config
	pool   *bufPool

	// The writer goroutine's queue (see writer.go). wqmu is taken before
	// Session.mu and never while holding mu.
	wqmu sync.Mutex
	wq   []*wreq       // queued write requests; nil entries were withdrawn
	wqh  int           // index of the first live entry of wq
	wsig chan struct{} // capacity 1: a request was queued
	// Owned by writeLoop, reused from batch to batch (see writeLoop).
	vectored bool        // the transport writes net.Buffers as one writev
	wbuf     []byte      // the batch's packets, or (vectored) its headers
	wvec     net.Buffers // vectored: the batch's headers and DATA fields
	wcur     net.Buffers // vectored: what is left of wvec to write
	wpkts    int         // packets in the batch
	wbytes   int         // bytes of the batch's packets
	batch    []batched   // the requests of the batch being written

	mu        sync.Mutex // guards the fields below; taken before Session.mu
	sessions  map[uint16]*Session
	nextSID   uint16
	acceptQ   []*Session
	acceptSig chan struct{} // capacity 1: a session was queued for Accept
	slotSig   chan struct{} // closed and replaced when a session is recycled
	err       error         // why the Mux was torn down; set once

	done       chan struct{} // closed when the Mux is torn down
	readerDone chan struct{} // closed when the reader goroutine returns
	writerDone chan struct{} // closed when the writer goroutine returns
}

// NewClient starts a client-role Mux over conn and returns it; open
// sessions with Open. conn is typically the TDS connection after login,
// TLS-wrapped if encryption was negotiated. The Mux owns conn from now on:
// closing it must unblock a pending Read and Write (as it does for net.Conn and
// net.Pipe), and nothing else may read from or write to it.
func NewClient(conn io.ReadWriteCloser, cfg *Config) *Mux {
	return newMux(conn, true, cfg)
}

// NewServer starts a server-role Mux over conn and returns it; accept the
// peer's sessions with Accept. The ownership rules of NewClient apply.
func NewServer(conn io.ReadWriteCloser, cfg *Config) *Mux {
	return newMux(conn, false, cfg)
}

func newMux(conn io.ReadWriteCloser, client bool, cfg *Config) *Mux {
	return newMuxMode(conn, client, cfg, vectoredTransport(conn))
}

// vectoredTransport reports whether conn writes a net.Buffers with one
// writev system call (net's stream sockets do; net.Buffers.WriteTo
// writes each buffer separately to any other io.Writer).
func vectoredTransport(conn io.ReadWriteCloser) bool {
	switch conn.(type) {
	case *net.TCPConn, *net.UnixConn:
		return true
	}
	return false
}

// newMuxMode is newMux with the write mode chosen by the caller: the
// tests run the vectored mode over net.Pipe too.
func newMuxMode(conn io.ReadWriteCloser, client bool, cfg *Config, vectored bool) *Mux {
	c := cfg.resolve()
	m := &Mux{
		conn:       conn,
		vectored:   vectored,
		client:     client,
		cfg:        c,
		pool:       newBufPool(c.MaxDataLength),
		sessions:   make(map[uint16]*Session),
		acceptSig:  make(chan struct{}, 1),
		slotSig:    make(chan struct{}),
		wsig:       make(chan struct{}, 1),
		done:       make(chan struct{}),
		readerDone: make(chan struct{}),
		writerDone: make(chan struct{}),
	}
	go m.readLoop()
	go m.writeLoop()
	return m
}

// Open starts a new session, [MC-SMP] 3.3.2.2: it chooses a SID not in use
// (0 for the first session, as in the seed trace), sends a SYN advertising
// the configured window, and returns the session in the SESSION
// ESTABLISHED state. When MaxSessions sessions are open it waits until one
// is recycled or ctx is done. ctx bounds the whole call, the SYN's
// transport write included: if ctx is done while the SYN is still queued
// behind other packets, the SYN is withdrawn and the SID released; if its
// write has begun (the transport takes no more bytes), the Mux is torn
// down, since a packet cannot be left half written. Either way Open
// returns an error. Open is for client-role Muxes; on a server it fails
// with ErrRole.
func (m *Mux) Open(ctx context.Context) (*Session, error) {
	if !m.client {
		return nil, errorf("smp mux", -1, ErrRole, "Open on a server-role Mux; servers Accept")
	}
	var s *Session
	for s == nil {
		m.mu.Lock()
		if m.err != nil {
			err := m.err
			m.mu.Unlock()
			return nil, err
		}
		if len(m.sessions) < m.cfg.MaxSessions {
			sid := m.nextSID
			for m.sessions[sid] != nil {
				sid++
			}
			m.nextSID = sid + 1
			s = newSession(m, sid, DefaultWindow, m.cfg.Window)
			m.sessions[sid] = s
			m.poolDepthLocked()
			m.mu.Unlock()
			break
		}
		slot := m.slotSig
		m.mu.Unlock()
		select {
		case <-slot:
		case <-m.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	r := &wreq{s: s, flags: FlagSYN, done: make(chan error, 1)}
	err := m.submit(r)
	if err == nil {
		err = m.await(r, ctx.Done(), ctx.Err)
	}
	if err != nil {
		m.recycle(s)
		return nil, err
	}
	return s, nil
}

// Accept waits for the peer to open a session ([MC-SMP] 3.2.4.1, a SYN for
// a SID not in use) and returns it, or returns when ctx is done or the Mux
// is torn down. Sessions are queued from the moment their SYN arrives, so
// data the peer sends before Accept is kept (within the window). If the
// configured window is larger than the 4 packets the peer assumes
// ([MC-SMP] 3.1.3.1), Accept queues an ACK announcing it, without waiting
// for the transport to take it. Accept returns an error once ctx is done
// and after Mux.Close (a session left queued is then never handed
// out); after a failure on the peer's side, sessions whose SYN arrived
// before it are still returned, with their data). Accept is for
// server-role Muxes; on a client it fails with ErrRole.
func (m *Mux) Accept(ctx context.Context) (*Session, error) {
	if m.client {
		return nil, errorf("smp mux", -1, ErrRole, "Accept on a client-role Mux; clients Open")
	}
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		m.mu.Lock()
		// After the local Close no session is handed out; after a
		// failure on the peer's side, sessions queued before it still
		// are, so that their data can be read (see Session.Read).
		if m.err != nil && (len(m.acceptQ) == 0 || errors.Is(m.err, ErrClosed)) {
			err := m.err
			m.mu.Unlock()
			return nil, err
		}
		if len(m.acceptQ) > 0 {
			s := m.acceptQ[0]
			m.acceptQ[0] = nil
			m.acceptQ = m.acceptQ[1:]
			if len(m.acceptQ) > 0 {
				signal(m.acceptSig)
			}
			m.mu.Unlock()
			s.mu.Lock()
			adv := s.state == stateEstablished && s.hwRecv != s.lastHwRecv
			wndw := s.hwRecv
			if adv {
				s.askedHw = wndw
			}
			s.mu.Unlock()
			if adv {
				m.askAck(&s.ackReq, wndw) // fails only once the Mux is down
			}
			return s, nil
		}
		m.mu.Unlock()
		select {
		case <-m.acceptSig:
		case <-m.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// Close tears the Mux down: it closes the transport, fails every session
// with ErrClosed, and waits for the reader goroutine to exit. It sends no
// FIN packets ([MC-SMP] 3.1.4.5: the peer learns of the shutdown when the
// transport closes), and packets still queued are dropped. Close waits for
// both the reader and the writer goroutine to exit, which requires that
// closing the transport unblock a pending Read and Write. It returns the
// transport's Close error, if any. Calling Close again returns nil.
func (m *Mux) Close() error {
	err := m.teardown(&Error{Layer: "smp mux", Offset: -1, Msg: "Mux closed by the local higher layer", Err: ErrClosed, Cause: net.ErrClosed})
	<-m.readerDone
	<-m.writerDone
	return err
}

// Done returns a channel that is closed when the Mux has been torn down,
// by Close, a transport failure or a protocol violation.
func (m *Mux) Done() <-chan struct{} { return m.done }

// Err returns why the Mux was torn down, or nil while it is running. The
// error is an *Error whose class (ErrClosed, ErrTransport, ErrTruncated,
// ErrMalformed, ErrTooLarge, ErrProtocol) errors.Is reports.
func (m *Mux) Err() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.err
}

// teardown records err as the cause (the first cause wins), wakes every
// waiter and closes the transport. Only the call that records the cause
// closes the transport and returns its Close error.
func (m *Mux) teardown(err error) error {
	m.mu.Lock()
	if m.err != nil {
		m.mu.Unlock()
		return nil
	}
	m.err = err
	close(m.done)
	m.mu.Unlock()
	cerr := m.conn.Close()
	// Queued requests are dropped; their waiters see done.
	m.wqmu.Lock()
	for i := m.wqh; i < len(m.wq); i++ {
		if r := m.wq[i]; r != nil {
			r.state = wreqIdle
		}
	}
	clear(m.wq)
	m.wq, m.wqh = m.wq[:0], 0
	m.wqmu.Unlock()
	return cerr
}

// downState reports whether the Mux has been torn down and, if so,
// whether by the local Close (rather than by the transport or the peer).
func (m *Mux) downState() (down, local bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.err != nil, m.err != nil && errors.Is(m.err, ErrClosed)
}

// failure returns the teardown cause; it is called once done is closed.
func (m *Mux) failure() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.err
}

// recycle releases s's SID, [MC-SMP] 3.1.4.4 and 3.1.5.1.3.
func (m *Mux) recycle(s *Session) {
	m.mu.Lock()
	if m.sessions[s.sid] == s {
		delete(m.sessions, s.sid)
		m.poolDepthLocked()
		close(m.slotSig)
		m.slotSig = make(chan struct{})
	}
	m.mu.Unlock()
}

// poolDepthLocked lets the buffer pool keep a window's worth of spare
// buffers per open session. The caller holds mu.
func (m *Mux) poolDepthLocked() {
	m.pool.setDepth(int(m.cfg.Window) * len(m.sessions))
}

// signal does a non-blocking send on a capacity-1 channel.
func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// readLoop is the Mux's reader goroutine. It reads one packet at a time,
// checks it and hands it to its session; it returns when the Mux is torn
// down. off counts the transport bytes read, for error offsets.
func (m *Mux) readLoop() {
	defer close(m.readerDone)
	r := bufio.NewReaderSize(m.conn, readBufSize)
	var hb [HeaderLen]byte
	var off int64
	for {
		if n, err := io.ReadFull(r, hb[:]); err != nil {
			m.teardown(readError(off, n, "header", err))
			return
		}
		var h Header
		if err := h.Decode(hb[:]); err != nil {
			var e *Error
			errors.As(err, &e)
			m.teardown(&Error{Layer: "smp mux", Offset: off + e.Offset, Msg: e.Msg, Err: e.Err})
			return
		}
		var data []byte
		if dl := h.DataLen(); dl > 0 {
			// Bounded in LENGTH's unsigned width before it becomes an
			// int: on 32-bit, int(dl) of 0x80000000 or more is negative
			// and would pass a signed check.
			if uint64(dl) > uint64(m.cfg.MaxDataLength) {
				m.teardown(errorf("smp mux", off+4, ErrTooLarge, "DATA packet for SID %d has LENGTH %d, above the %d-byte data limit", h.SID, h.Length, m.cfg.MaxDataLength))
				return
			}
			data = m.pool.get(int(dl))
			if k, err := io.ReadFull(r, data); err != nil {
				m.teardown(readError(off+HeaderLen, k, "DATA field", err))
				return
			}
		}
		if err := m.dispatch(&h, data, off); err != nil {
			m.teardown(err)
			return
		}
		off += int64(h.Length)
	}
}

// readError reports a transport read that failed n bytes into a field
// starting at offset off.
func readError(off int64, n int, field string, err error) error {
	if errors.Is(err, io.EOF) && n == 0 && field == "header" {
		return &Error{Layer: "smp mux", Offset: off, Msg: "transport closed", Err: ErrTransport, Cause: io.EOF}
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return &Error{Layer: "smp mux", Offset: off + int64(n), Msg: "transport ended inside a packet " + field, Err: ErrTruncated, Cause: io.ErrUnexpectedEOF}
	}
	return &Error{Layer: "smp mux", Offset: off + int64(n), Msg: "reading packet " + field + " from the transport", Err: ErrTransport, Cause: err}
}

// dispatch routes one received packet, [MC-SMP] 3.1.5.1. SYN packets for a
// new SID create sessions (server only, 3.2.4.1 and 3.3.3.1); all others go
// to their session's state machine.
func (m *Mux) dispatch(h *Header, data []byte, off int64) error {
	m.mu.Lock()
	s := m.sessions[h.SID]
	if s == nil {
		if h.Flags != FlagSYN {
			m.mu.Unlock()
			return errorf("smp mux", off+2, ErrProtocol, "%v packet for SID %d, which has no open session", h.Flags, h.SID)
		}
		if m.client {
			m.mu.Unlock()
			return errorf("smp mux", off+1, ErrProtocol, "SYN for SID %d received by the client; only clients open sessions (3.3.3.1)", h.SID)
		}
		if len(m.sessions) >= m.cfg.MaxSessions {
			m.mu.Unlock()
			return errorf("smp mux", off+2, ErrTooLarge, "SYN for SID %d would exceed the limit of %d open sessions", h.SID, m.cfg.MaxSessions)
		}
		// Leniency: SEQNUM of a SYN SHOULD be 0 and a mismatch MAY be
		// raised (2.2.2, 3.2.4.1); it is not checked. The SYN's WNDW is
		// the client's initial window (3.1.5.2.1), at most MaxWindow
		// packets beyond the SeqNumForSend of 0.
		if err := checkWndw(h, 0, off); err != nil {
			m.mu.Unlock()
			return err
		}
		s = newSession(m, h.SID, h.Wndw, m.cfg.Window)
		s.lastHwRecv = DefaultWindow // what the client assumes, 3.1.3.1
		s.askedHw = DefaultWindow
		m.sessions[h.SID] = s
		m.poolDepthLocked()
		m.acceptQ = append(m.acceptQ, s)
		signal(m.acceptSig)
		m.mu.Unlock()
		return nil
	}
	m.mu.Unlock()
	if h.Flags == FlagSYN {
		return errorf("smp mux", off+1, ErrProtocol, "SYN for SID %d, which is already open (3.2.4.1)", h.SID)
	}
	return s.receive(h, data, off)
}
