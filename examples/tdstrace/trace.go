package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"net/netip"
	"time"

	"github.com/tdswire/tdswire/smp"
	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tdsconn"
)

// maxMessage bounds the bytes the observer of a conversation reassembles
// for one TDS message (and, twice over, for all the partial messages of
// one direction's MARS sessions); beyond it the direction is given up
// (tds.DefaultMaxMessageSize is the library's own guard).
const maxMessage = tds.DefaultMaxMessageSize

// Frame is one frame of the capture that belongs to a TDS conversation.
type Frame struct {
	Number     int
	Time       time.Duration // since the first frame of the capture
	Src, Dst   netip.AddrPort
	Conv       *Conv
	Side       int // which end of Conv sent it (index into Conv.Addr)
	Flags      uint8
	Seq, Ack   uint32
	Win        uint16
	PayloadLen int
	PDUs       []PDU // the units whose last byte this frame carried
	Note       string
	pdu0       [1]PDU // PDUs' first backing array: most frames carry one unit
}

// FromClient reports whether the client sent f.
func (f *Frame) FromClient() bool { return f.Side == f.Conv.Client }

// PDU is one unit decoded from a stream: a TDS packet (possibly inside an
// SMP DATA packet), an SMP control packet, or TLS records.
type PDU struct {
	HasTDS  bool
	TDS     tds.Header
	First   bool // first packet of its message
	HasSMP  bool
	SMP     smp.Header
	TLS     []string // TLS records, when the unit is TLS (raw on TCP, or inside a TDS packet)
	Message *Message // set on the last packet of a message
}

// half is one direction of a TCP connection, put back in order before
// its bytes go to the conversation's tdsconn.Observer.
type half struct {
	started bool
	next    uint32
	pending []pendingSeg
	dead    bool
}

type pendingSeg struct {
	seq  uint32
	data []byte
}

// Tracer reads captures and explains them. A Tracer made by NewTracer
// keeps every frame (Frames) for WriteText or WriteJSON after Read; one
// made by NewStreamTracer writes each frame as soon as its conversation has
// settled the TDS version its lines show (the login answered, or the
// connection closed), then reuses it, so that memory follows the open
// conversations rather than the size of the capture.
type Tracer struct {
	Port    int  // the server's TCP port
	PortSet bool // Port was given explicitly: only its conversations are decoded

	Frames []*Frame // every frame of a TDS conversation (NewTracer only)
	Convs  []*Conv

	byKey  map[[2]netip.AddrPort]*Conv
	start  time.Time
	frameN int
	slab   []Frame

	stream  bool
	out     *bufio.Writer
	json    bool
	enc     *json.Encoder
	line    []byte
	brief   bool     // messages keep only what the text trace shows (streaming text)
	pending []*Frame // frames waiting for their conversation to settle
	free    []*Frame // written frames, for reuse
	err     error    // the first write error
	sum     Summary  // writeConvs' summary, reused
	spool   spool    // explanations of retired conversations (streaming)
	dec     msgDecoder
	marks   []mark // a block that new marks are taken from
	// observers are the Observers of closed conversations, Reset for
	// reuse (nothing decoded keeps a view of their buffers).
	observers []*tdsconn.Observer
	// versions holds the text of the TDS versions seen (Version.String
	// builds it anew each time).
	versions map[tds.Version]string
}

// versionString is v.String(), made once per version.
func (t *Tracer) versionString(v tds.Version) string {
	s, ok := t.versions[v]
	if !ok {
		if t.versions == nil {
			t.versions = map[tds.Version]string{}
		}
		s = v.String()
		t.versions[v] = s
	}
	return s
}

// NewTracer returns a Tracer for a server on port that keeps every frame;
// explicit says the port was chosen by the user rather than defaulted.
func NewTracer(port int, explicit bool) *Tracer {
	return &Tracer{Port: port, PortSet: explicit, byKey: map[[2]netip.AddrPort]*Conv{}}
}

// NewStreamTracer returns a Tracer that writes the frame list to w while
// it reads, as text or, with jsonOut, as JSON records; Finish writes the
// conversations.
func NewStreamTracer(port int, explicit bool, w *bufio.Writer, jsonOut bool) *Tracer {
	t := NewTracer(port, explicit)
	t.stream, t.out, t.json = true, w, jsonOut
	t.brief = !jsonOut
	return t
}

// Read decodes a whole capture.
func (t *Tracer) Read(r io.Reader) error {
	if t.stream {
		t.writeHeader()
	}
	err := readCapture(r, t.frame)
	if t.stream {
		t.flush(true)
	}
	if err == nil {
		err = t.err
	}
	return err
}

// Finish writes the conversations of a stream Tracer after Read.
func (t *Tracer) Finish() error {
	t.writeConvs()
	t.closeSpool()
	return t.err
}

// flush writes the pending frames whose conversations have settled, in
// capture order, or all of them.
func (t *Tracer) flush(all bool) {
	n := 0
	for _, f := range t.pending {
		if !all && !f.Conv.settled() {
			break
		}
		t.emit(f)
		t.free = append(t.free, f)
		n++
		c := f.Conv
		c.unwritten--
		if t.stream && c.unwritten == 0 && c.over(f) {
			t.retire(c)
		}
	}
	if n > 0 {
		t.pending = append(t.pending[:0], t.pending[n:]...)
	}
}

// settled reports whether the frames of c can be written: the TDS version
// their lines show cannot change any more.
func (c *Conv) settled() bool {
	return c.loginDone || c.closed() || c.tlsDirect || (c.pdus == 0 && (c.half[0].dead || c.half[1].dead))
}

func (t *Tracer) newFrame() *Frame {
	if n := len(t.free); n > 0 {
		f := t.free[n-1]
		t.free = t.free[:n-1]
		// The frame's messages can go too: what a conversation keeps of
		// a message (its PRELOGIN, LOGIN7 or tokens) is held apart from
		// the Message itself.
		for i := range f.PDUs {
			if m := f.PDUs[i].Message; m != nil {
				t.dec.free = append(t.dec.free, m)
			}
		}
		return f
	}
	// Frames are allocated in blocks, not one by one.
	if len(t.slab) == 0 {
		t.slab = make([]Frame, 256)
	}
	f := &t.slab[0]
	t.slab = t.slab[1:]
	return f
}

func (t *Tracer) frame(ci captureInfo, s *segment) {
	t.frameN++
	if t.frameN == 1 {
		t.start = ci.Timestamp
	}
	if s == nil {
		return
	}
	c := t.conv(s)
	if c == nil {
		return
	}
	side := 0
	if s.src != c.Addr[0] {
		side = 1
	}
	f := t.newFrame()
	*f = Frame{
		Number: t.frameN, Time: ci.Timestamp.Sub(t.start), Src: s.src, Dst: s.dst, Conv: c, Side: side,
		Flags: s.flags, Seq: s.seq, Ack: s.ack, Win: s.win, PayloadLen: len(s.payload),
	}
	f.PDUs = f.pdu0[:0]
	if c.first == nil {
		c.first, c.last = f.mark(), new(mark)
	}
	*c.last = mark{Number: f.Number, Time: f.Time, Side: f.Side}
	c.segment(f, s)
	if !t.stream {
		t.Frames = append(t.Frames, f)
		return
	}
	c.unwritten++
	t.pending = append(t.pending, f)
	t.flush(false)
}

// conv finds or starts the conversation of s; nil when s is not on the
// chosen port.
func (t *Tracer) conv(s *segment) *Conv {
	key := [2]netip.AddrPort{s.src, s.dst}
	if s.dst.Compare(s.src) < 0 {
		key = [2]netip.AddrPort{s.dst, s.src}
	}
	if c := t.byKey[key]; c != nil {
		if !c.closed() || s.flags&(tcpSYN|tcpACK) != tcpSYN {
			return c
		}
		// A new SYN on a finished conversation's ports starts another.
	}
	if t.PortSet && int(s.src.Port()) != t.Port && int(s.dst.Port()) != t.Port {
		return nil
	}
	c := &Conv{ID: len(t.Convs) + 1, Addr: [2]netip.AddrPort{s.src, s.dst}, Client: -1, tracer: t}
	switch {
	case int(s.dst.Port()) == t.Port:
		c.Client, c.clientBy = 0, "port"
	case int(s.src.Port()) == t.Port:
		c.Client, c.clientBy = 1, "port"
	}
	c.half[0], c.half[1] = &half{}, &half{}
	t.byKey[key] = c
	t.Convs = append(t.Convs, c)
	return c
}

// segment feeds one TCP segment of f to the conversation.
func (c *Conv) segment(f *Frame, s *segment) {
	h := c.half[f.Side]
	if s.flags&tcpSYN != 0 {
		h.started, h.next = true, s.seq+1
		if s.flags&tcpACK == 0 && c.Client < 0 {
			c.Client, c.clientBy = f.Side, "SYN"
		}
	}
	// A FIN past the bytes seen, or segments still waiting for a gap to
	// fill when the connection closes, mean the capture lost packets.
	if s.flags&tcpFIN != 0 && h.started && int32(s.seq-h.next) > 0 || len(h.pending) > 0 && s.flags&(tcpFIN|tcpRST) != 0 {
		c.lost = true
	}
	c.tcpEvents(f)
	if len(s.payload) == 0 || h.dead {
		return
	}
	if !h.started {
		h.started, h.next = true, s.seq
	}
	if c.Client < 0 || c.clientBy == "SYN" {
		// With no port to go by, the side that sends PRELOGIN (or, in
		// TDS 8.0, a TLS ClientHello) first is the client.
		if p := s.payload; p[0] == byte(tds.PacketPrelogin) || (len(p) > 5 && p[0] == tdsconn.TLSHandshake && p[5] == 1) {
			if !c.anyData {
				c.Client, c.clientBy = f.Side, "PRELOGIN"
			}
		} else if c.Client < 0 {
			c.Client, c.clientBy = f.Side, "first data"
		}
	}
	c.anyData = true
	c.reassemble(h, f, s.seq, s.payload)
}

// reassemble hands the in-order part of a segment to the observer, keeps
// segments that arrive ahead of a gap (and hands them on once the gap is
// filled), and drops what was seen before.
func (c *Conv) reassemble(h *half, f *Frame, seq uint32, p []byte) {
	diff := int32(seq - h.next)
	switch {
	case diff > 0:
		if len(h.pending) >= 64 {
			f.Note = "TCP data missing from the capture; the rest of this direction is not decoded"
			h.dead = true
			return
		}
		h.pending = append(h.pending, pendingSeg{seq, append([]byte(nil), p...)})
		return
	case diff < 0:
		back := -int64(diff) // in int64: -diff overflows int32 when diff is -2^31
		if back >= int64(len(p)) {
			return // a retransmission of bytes already seen
		}
		p = p[back:]
	}
	h.next += uint32(len(p))
	c.observe(h, f, p)
	for progress := true; progress && len(h.pending) > 0 && !h.dead; {
		progress = false
		for i := 0; i < len(h.pending); i++ {
			ps := h.pending[i]
			d := int32(ps.seq - h.next)
			if d > 0 {
				continue
			}
			h.pending = append(h.pending[:i], h.pending[i+1:]...)
			if back := -int64(d); back < int64(len(ps.data)) {
				h.next += uint32(int64(len(ps.data)) - back)
				c.observe(h, f, ps.data[back:])
			}
			progress = true
			i--
		}
	}
}

// observe feeds in-order bytes of one direction to the conversation's
// observer and notes what it says of them.
func (c *Conv) observe(h *half, f *Frame, p []byte) {
	if h.dead {
		return
	}
	if c.obs == nil {
		c.obs = c.tracer.observer()
	}
	dir := tdsconn.ServerToClient
	if f.FromClient() {
		dir = tdsconn.ClientToServer
	}
	for ev, err := range c.obs.Events(dir, p) {
		if err != nil {
			c.giveUp(h, f, err)
			return
		}
		c.event(f, ev)
	}
}

// observer returns an Observer for a new conversation: one a closed
// conversation gave back, or a new one.
func (t *Tracer) observer() *tdsconn.Observer {
	if n := len(t.observers); n > 0 {
		o := t.observers[n-1]
		t.observers = t.observers[:n-1]
		return o
	}
	o := new(tdsconn.Observer)
	o.SetMaxMessageSize(maxMessage)
	return o
}

// giveUp stops decoding a direction the observer cannot follow.
func (c *Conv) giveUp(h *half, f *Frame, err error) {
	h.dead = true
	why := err.Error()
	var oe *tdsconn.ObserverError
	if errors.As(err, &oe) {
		why = oe.Msg
	}
	if c.pdus > 0 || f.Note == "" {
		f.Note = why + "; the rest of this direction is not decoded"
	}
}

// event turns one unit the observer explained into the frame's PDU and
// notes it in the conversation.
func (c *Conv) event(f *Frame, ev *tdsconn.Event) {
	switch ev.Unit {
	case tdsconn.UnitSMP:
		f.PDUs = append(f.PDUs, PDU{HasSMP: true, SMP: ev.SMP})
		if ev.Err != nil {
			f.Note = "SMP DATA that does not hold a TDS packet"
			return
		}
		c.smpEvent(ev.SMP)
		c.pdus++
		return
	case tdsconn.UnitTLS:
		f.PDUs = append(f.PDUs, PDU{TLS: describeRecords(ev.TLS)})
		// TLS alone makes a TDS conversation only on the server's
		// port (TDS 8.0 starts with TLS; so does HTTPS).
		if c.clientBy == "port" || c.pdus > 0 {
			c.pdus++
		}
		c.tlsEvent(f, ev)
		return
	}
	p := PDU{HasTDS: true, TDS: ev.Header, First: ev.First}
	if ev.InSMP {
		p.HasSMP, p.SMP = true, ev.SMP
	}
	c.pdus++
	if ev.Kind == tdsconn.KindTLSHandshake {
		// The TLS handshake of TDS 7.x, in PRELOGIN packets.
		if len(ev.TLS) > 0 {
			p.TLS = describeRecords(ev.TLS)
			c.tlsEvent(f, ev)
		} else {
			p.TLS = []string{"TLS continuation"}
		}
		f.PDUs = append(f.PDUs, p)
		return
	}
	first := c.firstMark(f, ev)
	if ev.Kind != tdsconn.KindNone {
		m := decodeMessageAs(ev.Header.Type, f.FromClient(), ev.Payload, ev.Version, c.tracer.brief, &c.tracer.dec)
		p.Message = m
		c.message(f, first, ev, m)
	}
	f.PDUs = append(f.PDUs, p)
}

// firstMark returns the mark of the frame that carried the first packet
// of the message ev belongs to, keeping it while the message arrives.
func (c *Conv) firstMark(f *Frame, ev *tdsconn.Event) *mark {
	if ev.First && ev.Kind != tdsconn.KindNone {
		return f.mark() // a message of one packet
	}
	key := uint32(f.Side) << 17
	if ev.InSMP {
		key |= 1<<16 | uint32(ev.SMP.SID)
	}
	if ev.First {
		if c.firsts == nil {
			c.firsts = map[uint32]*mark{}
		}
		c.firsts[key] = f.mark()
		return nil
	}
	m := c.firsts[key]
	if ev.Kind != tdsconn.KindNone {
		delete(c.firsts, key)
	}
	if m == nil {
		m = f.mark() // the capture began inside the message
	}
	return m
}
