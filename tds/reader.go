package tds

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// DefaultMaxMessageSize is the largest reassembled message payload a
// Reader accepts unless SetMaxMessageSize says otherwise: 4 MiB. It bounds
// the memory a peer can make ReadMessage use; a larger legitimate message
// (a big result set is one Response message) needs a larger limit or
// packet-by-packet reading with ReadPacket.
const DefaultMaxMessageSize = 4 << 20

// errStreamEnded is the class of a stream that stops inside a packet: both
// ErrTruncated and io.ErrUnexpectedEOF match it with errors.Is.
var errStreamEnded = fmt.Errorf("%w: %w", ErrTruncated, io.ErrUnexpectedEOF)

const readerLayer = LayerReader

// Reader reads TDS packets from an io.Reader and reassembles them into
// messages, [MS-TDS] 2.2.3 and 2.2.3.1.
//
// Reader reads exactly the bytes of the packets it returns and never reads
// ahead, so the caller may switch the underlying stream at a packet
// boundary (Reset, ResetAfterFirstPacket); login-only encryption relies on
// it.
//
// Limits: a packet whose Length exceeds the packet size (MaxPacketSize by
// default, see SetPacketSize) and a message whose payload would exceed the
// maximum message size (DefaultMaxMessageSize, see SetMaxMessageSize) are
// refused with ErrTooLarge before any memory is set aside for them, so
// hostile lengths or endless non-EOM packets cannot make a Reader grow
// without bound.
//
// Leniency: Reader does not enforce the TDS 7.3 rule that every packet but
// the last has exactly the negotiated size (2.2.3: the server "SHOULD
// disconnect"), nor does it check PacketID sequence (2.2.3.1.5: "This
// value is ignored"), nor the Window byte.
//
// A Reader is not safe for concurrent use.
type Reader struct {
	r           io.Reader
	next        io.Reader // if non-nil, becomes r after the next packet
	hdr         [HeaderLen]byte
	buf         []byte
	maxMsg      int
	maxPacket   int
	skipIgnored bool
	off         int64
}

// NewReader returns a Reader reading from r with a packet size limit of
// MaxPacketSize and a message size limit of DefaultMaxMessageSize.
func NewReader(r io.Reader) *Reader {
	return &Reader{r: r, maxMsg: DefaultMaxMessageSize, maxPacket: MaxPacketSize}
}

// SetMaxMessageSize sets the largest message payload (all packets' data,
// headers excluded) ReadMessage will reassemble. n <= 0 restores
// DefaultMaxMessageSize.
func (r *Reader) SetMaxMessageSize(n int) {
	if n <= 0 {
		n = DefaultMaxMessageSize
	}
	r.maxMsg = n
}

// SetPacketSize sets the largest packet Length the Reader accepts, to be
// called with the negotiated packet size ([MS-TDS] 2.2.3.1.3: "The
// negotiated packet size is the maximum value that can be specified in
// the Length packet header field"). The bounds are those of NewWriter.
//
// The default is MaxPacketSize rather than DefaultPacketSize because the
// Reader does not see the negotiation: the server's login response, which
// carries the packet size ENVCHANGE, may already use the new size.
func (r *Reader) SetPacketSize(n int) error {
	if err := checkPacketSize(readerLayer, n); err != nil {
		return err
	}
	r.maxPacket = n
	return nil
}

// SetSkipIgnored chooses what ReadMessage does with a message whose last
// packet has the IGNORE bit (see ReadMessage). With skip set it discards
// such a message and goes on to the next one, which suits trace tools;
// by default it reports the message, because a server must answer it.
func (r *Reader) SetSkipIgnored(skip bool) { r.skipIgnored = skip }

// Reset makes r read from src from now on, keeping its limits and its
// stream offset. Call it between messages.
func (r *Reader) Reset(src io.Reader) { r.r, r.next = src, nil }

// ResetAfterFirstPacket makes r read the first packet of the next message
// (or the next ReadPacket) from its current source and everything after
// from src: the server side of login-only encryption, where only the
// first packet of LOGIN7 travels inside TLS ([MS-TDS] 3.2.5.3).
func (r *Reader) ResetAfterFirstPacket(src io.Reader) { r.next = src }

// Offset returns the number of bytes the Reader has consumed from the
// stream. Error offsets are counted on the same scale.
func (r *Reader) Offset() int64 { return r.off }

// ReadPacket reads one packet. It returns the packet's header and its
// data; the data is a view of the Reader's buffer, valid only until the
// next call to ReadPacket or ReadMessage (it is overwritten in place).
// It returns io.EOF, unwrapped, when the stream ends cleanly before a
// packet. ReadPacket does not interpret Status.
func (r *Reader) ReadPacket() (Header, []byte, error) {
	h, err := r.readHeader(true)
	if err != nil {
		return Header{}, nil, err
	}
	n := int(h.Length) - HeaderLen
	if cap(r.buf) < n {
		r.buf = make([]byte, n, max(n, 2*cap(r.buf)))
	}
	r.buf = r.buf[:n]
	if err := r.readFull(r.buf, h); err != nil {
		return Header{}, nil, err
	}
	return h, r.buf, nil
}

// ReadMessage reads the packets of one message and returns the header of
// its first packet and the concatenated packet data (the message payload).
//
// The payload is a view of the Reader's buffer: it is valid only until the
// next call to ReadMessage or ReadPacket, which overwrite it. Callers that
// keep any part of it (views returned by decoders included) must copy it
// first. The buffer is reused, so reading messages does not allocate once
// it has grown to the largest message seen.
//
// The returned header is the first packet's, except that its Status also
// carries the EOM and IGNORE bits of the last packet; Length is the first
// packet's Length. All packets of a message must have the first one's
// Type; a packet of another type in the middle of a message is an error
// with ErrUnexpected ([MS-TDS] 2.2.3: "Each new message starts in a new
// packet").
//
// IGNORE ([MS-TDS] 2.2.1.7, 2.2.3.1.2): a client cancels a request it has
// not finished sending with a packet carrying IGNORE and EOM. The payload
// of such a message is discarded. By default ReadMessage returns it with
// StatusIgnore set and an empty payload, because the server must reply
// with a DONE token with DONE_ERROR (and the client waits for that reply,
// so silently reading on would deadlock a server); with SetSkipIgnored it
// reads on to the next message instead. IGNORE on a packet without EOM
// violates the specification's "0x01 MUST also be set" and is an error
// with ErrMalformed. Attention (type 0x06) is a message like any other: it
// is only sent between complete requests, so it never interrupts a message.
//
// ReadMessage returns io.EOF, unwrapped, only when the stream ends cleanly
// before a message; a stream that ends inside a message gives an *Error
// matching both ErrTruncated and io.ErrUnexpectedEOF. Errors carry the
// stream offset of the offending byte.
func (r *Reader) ReadMessage() (Header, []byte, error) {
	for {
		h, p, err := r.readMessage()
		if err != nil || h.Status&StatusIgnore == 0 || !r.skipIgnored {
			return h, p, err
		}
	}
}

func (r *Reader) readMessage() (Header, []byte, error) {
	first, err := r.readHeader(true)
	if err != nil {
		return Header{}, nil, err
	}
	r.buf = r.buf[:0]
	h := first
	for {
		n := int(h.Length) - HeaderLen
		if n > r.maxMsg-len(r.buf) {
			return Header{}, nil, errorAt(readerLayer, r.off-HeaderLen+2, ErrTooLarge,
				"%v message payload would exceed the maximum message size %d", first.Type, r.maxMsg)
		}
		old := len(r.buf)
		if cap(r.buf)-old < n {
			nb := make([]byte, old, max(old+n, min(2*cap(r.buf), r.maxMsg)))
			copy(nb, r.buf)
			r.buf = nb
		}
		r.buf = r.buf[:old+n]
		if err := r.readFull(r.buf[old:], h); err != nil {
			return Header{}, nil, err
		}
		if h.Status&StatusEOM != 0 {
			first.Status |= h.Status & (StatusEOM | StatusIgnore)
			if h.Status&StatusIgnore != 0 {
				r.buf = r.buf[:0]
			}
			return first, r.buf, nil
		}
		if h.Status&StatusIgnore != 0 {
			return Header{}, nil, errorAt(readerLayer, r.off-int64(h.Length)+1, ErrMalformed,
				"Status %v: IGNORE without EOM", h.Status)
		}
		h, err = r.readHeader(false)
		if err != nil {
			return Header{}, nil, err
		}
		if h.Type != first.Type {
			return Header{}, nil, errorAt(readerLayer, r.off-HeaderLen, ErrUnexpected,
				"%v packet inside a %v message", h.Type, first.Type)
		}
	}
}

// readHeader reads and checks one packet header. At a message boundary a
// clean end of stream is returned as io.EOF itself.
func (r *Reader) readHeader(boundary bool) (Header, error) {
	start := r.off
	n, err := io.ReadFull(r.r, r.hdr[:])
	r.off += int64(n)
	if err != nil {
		switch {
		case errors.Is(err, io.EOF) && n == 0 && boundary:
			return Header{}, io.EOF
		case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
			return Header{}, errorAt(readerLayer, r.off, errStreamEnded,
				"stream ended %d bytes into a packet header", n)
		}
		return Header{}, errorAt(readerLayer, r.off, err, "reading packet header")
	}
	var h Header
	if err := h.Decode(r.hdr[:]); err != nil {
		return Header{}, errorAt(readerLayer, start+2, ErrMalformed,
			"packet Length %d is shorter than the %d-byte header", binary.BigEndian.Uint16(r.hdr[2:4]), HeaderLen)
	}
	if int(h.Length) > r.maxPacket {
		return Header{}, errorAt(readerLayer, start+2, ErrTooLarge,
			"packet Length %d exceeds the packet size %d", h.Length, r.maxPacket)
	}
	return h, nil
}

// readFull reads the data of the packet whose header h was just read, and
// then moves to the next source if one is pending.
func (r *Reader) readFull(p []byte, h Header) error {
	n, err := io.ReadFull(r.r, p)
	r.off += int64(n)
	if err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return errorAt(readerLayer, r.off, errStreamEnded,
				"stream ended %d bytes into the %d data bytes of a %v packet", n, len(p), h.Type)
		}
		return errorAt(readerLayer, r.off, err, "reading %v packet data", h.Type)
	}
	if r.next != nil {
		r.r, r.next = r.next, nil
	}
	return nil
}
