package tds

import "io"

// FirstPacketID is the PacketID Writer gives the first packet of every
// message. [MS-TDS] 2.2.3.1.5 leaves the starting value to the
// implementation (footnote <7>: some providers start at 0, the .NET
// provider at 1); the seed traces show 1 on almost every message and 0 on a
// few (a SQL Server Native Client PRELOGIN, a server SSPI response). Writer
// follows the .NET provider; SetFirstPacketID changes it.
const FirstPacketID = 1

// Writer splits TDS messages into packets and writes them to an
// io.Writer, [MS-TDS] 2.2.3 and 2.2.3.1.
//
// Every packet but the last of a message is exactly the packet size
// (header included) and has Status 0 in its EOM bit; the last packet has
// EOM set and may be shorter (2.2.3, "Packets", and 2.2.3.1.3). PacketID
// starts at FirstPacketID for every message and is incremented by one,
// modulo 256, for each packet (2.2.3.1.5). SPID is 0 unless SetSPID is
// called (servers send their session's SPID, clients 0, 2.2.3.1.4).
// Window is always 0 (2.2.3.1.6).
//
// A whole message is written with WriteMessage. A message too large to
// hold in memory is streamed: BeginMessage, any number of Write calls,
// then EndMessage (or AbortMessage to cancel it). Both forms reuse one
// packet-sized buffer, so a Writer does not allocate once created (unless
// SetPacketSize grows the buffer), and each packet reaches the underlying
// writer in a single Write call.
//
// A Writer is not safe for concurrent use.
type Writer struct {
	w       io.Writer
	next    io.Writer // if non-nil, becomes w after the next packet
	buf     []byte    // one packet: header + data, len(buf) == packet size
	n       int       // bytes used in buf, header included
	size    int
	spid    uint16
	firstID uint8
	id      uint8
	typ     PacketType
	status  Status // bits for the current packet besides EOM
	inMsg   bool
	sent    bool  // a packet of the current message has been written
	off     int64 // bytes written to the stream so far
}

const writerLayer = LayerWriter

// NewWriter returns a Writer that writes packets of packetSize bytes
// (header included) to w. packetSize must be between MinPacketSize and
// MaxPacketSize ([MS-TDS] 2.2.3.1.3); DefaultPacketSize is the size to use
// until LOGIN7 negotiates another. A size out of range returns an *Error
// with ErrTooLarge (or ErrMalformed below the minimum).
func NewWriter(w io.Writer, packetSize int) (*Writer, error) {
	if err := checkPacketSize(writerLayer, packetSize); err != nil {
		return nil, err
	}
	return &Writer{
		w:       w,
		buf:     make([]byte, packetSize),
		size:    packetSize,
		firstID: FirstPacketID,
	}, nil
}

func checkPacketSize(layer Layer, n int) error {
	if n < MinPacketSize {
		return Errorf(layer, 0, ErrMalformed, "packet size %d is below the minimum %d", n, MinPacketSize)
	}
	if n > MaxPacketSize {
		return Errorf(layer, 0, ErrTooLarge, "packet size %d is above the maximum %d", n, MaxPacketSize)
	}
	return nil
}

// PacketSize returns the size of the packets the Writer writes.
func (w *Writer) PacketSize() int { return w.size }

// SetPacketSize changes the packet size, for example after the server
// confirms a size requested in LOGIN7 with an ENVCHANGE token
// ([MS-TDS] 2.2.6.4, 2.2.7.9). It must be called between messages; the
// bounds are those of NewWriter.
func (w *Writer) SetPacketSize(n int) error {
	if w.inMsg {
		return Errorf(writerLayer, 0, ErrUnexpected, "packet size changed in the middle of a message")
	}
	if err := checkPacketSize(writerLayer, n); err != nil {
		return err
	}
	if n > cap(w.buf) {
		w.buf = make([]byte, n)
	}
	w.buf = w.buf[:n]
	w.size = n
	return nil
}

// SetSPID sets the SPID written in every packet header ([MS-TDS]
// 2.2.3.1.4). A server sets it to the session's process ID; a client
// leaves it 0.
func (w *Writer) SetSPID(spid uint16) { w.spid = spid }

// SetFirstPacketID sets the PacketID of the first packet of each message
// (FirstPacketID, 1, by default). It takes effect from the next message.
func (w *Writer) SetFirstPacketID(id uint8) { w.firstID = id }

// Reset makes w write to dst from now on, keeping the packet size, SPID
// and first PacketID. It must be called between messages. Login-only
// encryption uses it to stop writing through TLS after LOGIN7
// ([MS-TDS] 3.2.5.3; see NewTLSHandshakeConn).
func (w *Writer) Reset(dst io.Writer) error {
	if w.inMsg {
		return errorAt(writerLayer, w.off, ErrUnexpected, "destination changed in the middle of a message")
	}
	w.w, w.next = dst, nil
	return nil
}

// ResetAfterFirstPacket makes w write the first packet of the next message
// to its current destination and every packet after that to dst. It
// implements the letter of [MS-TDS] 3.2.5.3 for login-only encryption:
// "the first TDS packet of the Login message MUST be encrypted", all other
// packets in plaintext. When LOGIN7 fits in one packet it is the same as
// calling Reset(dst) after the message.
func (w *Writer) ResetAfterFirstPacket(dst io.Writer) error {
	if w.inMsg {
		return errorAt(writerLayer, w.off, ErrUnexpected, "destination changed in the middle of a message")
	}
	w.next = dst
	return nil
}

// BeginMessage starts a message of type t. status holds the bits to set in
// the first packet only, such as StatusResetConnection or
// StatusResetConnectionSkipTran ([MS-TDS] 2.2.3.1.2: the reset bits are
// honoured only on the first packet); later packets carry no bits but
// EOM. Writer sets EOM itself on the last packet, so an EOM bit in status
// is dropped. StatusIgnore is refused: a message is cancelled with
// AbortMessage.
func (w *Writer) BeginMessage(t PacketType, status Status) error {
	if w.inMsg {
		return errorAt(writerLayer, w.off, ErrUnexpected, "BeginMessage while a %v message is open", w.typ)
	}
	if status&StatusIgnore != 0 {
		return errorAt(writerLayer, w.off, ErrMalformed, "status %v: IGNORE is set by AbortMessage, not by the caller", status)
	}
	w.typ = t
	w.status = status &^ StatusEOM
	w.id = w.firstID
	w.n = HeaderLen
	w.inMsg = true
	w.sent = false
	return nil
}

// Write appends p to the open message, sending a full packet each time the
// buffer holds a packet's worth of data and more follows. It returns an
// error if no message is open. It implements io.Writer so that encoders
// can stream into a message.
func (w *Writer) Write(p []byte) (int, error) {
	if !w.inMsg {
		return 0, errorAt(writerLayer, w.off, ErrUnexpected, "Write outside a message (call BeginMessage first)")
	}
	written := 0
	for len(p) > 0 {
		if w.n == w.size {
			// The buffer is full and more data follows, so this
			// packet is not the last one.
			if err := w.flush(0); err != nil {
				return written, err
			}
		}
		k := copy(w.buf[w.n:w.size], p)
		w.n += k
		written += k
		p = p[k:]
	}
	return written, nil
}

// EndMessage sends the last packet of the open message with EOM set. A
// message with no data is sent as one header-only packet (Attention,
// [MS-TDS] 2.2.1.7).
func (w *Writer) EndMessage() error {
	if !w.inMsg {
		return errorAt(writerLayer, w.off, ErrUnexpected, "EndMessage outside a message")
	}
	err := w.flush(StatusEOM)
	w.inMsg = false
	return err
}

// AbortMessage cancels the open message, [MS-TDS] 2.2.1.7: if packets of
// it have already been sent, the client "MUST send the next packet with
// both the ignore bit (0x02) and EOM bit (0x01) set", which AbortMessage
// does, carrying no data; the server answers with a DONE token with
// DONE_ERROR. If nothing has been sent yet, the buffered data is dropped
// and nothing is written (the server has not seen the message).
func (w *Writer) AbortMessage() error {
	if !w.inMsg {
		return errorAt(writerLayer, w.off, ErrUnexpected, "AbortMessage outside a message")
	}
	w.inMsg = false
	if !w.sent {
		return nil
	}
	w.n = HeaderLen
	return w.flush(StatusEOM | StatusIgnore)
}

// WriteAttention sends the attention signal of [MS-TDS] 2.2.1.7: one
// packet of type PacketAttention with no data and EOM set (the dump of
// 4.10 is 06 01 00 08 00 00 01 00). A client sends it to cancel the
// request the server is answering, then reads the response until a DONE
// token with DONE_ATTN (2.2.7.6). It cannot be sent between BeginMessage
// and EndMessage: a message still being written is cancelled with
// AbortMessage instead.
func (w *Writer) WriteAttention() error { return w.WriteMessage(PacketAttention, 0, nil) }

// WriteMessage writes payload as a whole message of type t, with status
// bits for the first packet as for BeginMessage.
func (w *Writer) WriteMessage(t PacketType, status Status, payload []byte) error {
	if err := w.BeginMessage(t, status); err != nil {
		return err
	}
	if _, err := w.Write(payload); err != nil {
		return err
	}
	return w.EndMessage()
}

// flush writes the buffered packet with the given end bits and starts the
// next one. On a write error the message is abandoned.
func (w *Writer) flush(end Status) error {
	h := Header{
		Type:     w.typ,
		Status:   w.status | end,
		Length:   uint16(w.n),
		SPID:     w.spid,
		PacketID: w.id,
	}
	h.Append(w.buf[:0])
	if _, err := w.w.Write(w.buf[:w.n]); err != nil {
		w.inMsg = false
		return errorAt(writerLayer, w.off, err, "writing %v packet %d", w.typ, w.id)
	}
	w.off += int64(w.n)
	w.sent = true
	w.id++
	w.status = 0 // reset bits belong to the first packet only
	w.n = HeaderLen
	if w.next != nil {
		w.w, w.next = w.next, nil
	}
	return nil
}
