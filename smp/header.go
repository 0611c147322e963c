package smp

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"

	"github.com/tdswire/tdswire/internal/textfmt"
)

// SMID is the value of the first byte of every SMP packet, [MC-SMP] 2.2.1.
const SMID = 0x53

// HeaderLen is the size of the SMP header, [MC-SMP] 2.2.1. LENGTH counts it.
const HeaderLen = 16

// Flags is the FLAGS byte of the header, [MC-SMP] 2.2.1.1. A valid packet
// carries exactly one of the four flags.
type Flags uint8

// The control flags of [MC-SMP] 2.2.1.1.
const (
	FlagSYN  Flags = 0x01 // open a session, 2.2.2
	FlagACK  Flags = 0x02 // advance the peer's send window, 2.2.3
	FlagFIN  Flags = 0x04 // the sender is done with the session, 2.2.4
	FlagDATA Flags = 0x08 // user data follows the header, 2.2.5
)

// Valid reports whether f is exactly one of SYN, ACK, FIN and DATA.
// [MC-SMP] 2.2.1.1: a sender MUST NOT combine flags (0x06 is invalid).
func (f Flags) Valid() bool {
	return f == FlagSYN || f == FlagACK || f == FlagFIN || f == FlagDATA
}

// String returns "SYN", "ACK", "FIN" or "DATA" as trace tools print them,
// and "0x06" (two hex digits) for any other value.
func (f Flags) String() string {
	switch f {
	case FlagSYN:
		return "SYN"
	case FlagACK:
		return "ACK"
	case FlagFIN:
		return "FIN"
	case FlagDATA:
		return "DATA"
	}
	const digits = "0123456789abcdef"
	return string([]byte{'0', 'x', digits[f>>4], digits[f&15]})
}

// Header is the 16-byte header of every SMP packet, [MC-SMP] 2.2.1. All
// fields are little-endian on the wire; SMID is always 0x53 and is not
// stored.
type Header struct {
	Flags  Flags  // FLAGS, 2.2.1.1: the packet type
	SID    uint16 // SID: the session identifier chosen by the client's SYN
	Length uint32 // LENGTH: bytes in the packet, header included
	SeqNum uint32 // SEQNUM: DATA sequence number of the sender
	Wndw   uint32 // WNDW: highest SEQNUM the sender of this header will accept
}

// DataLen returns the number of DATA bytes that follow the header,
// LENGTH minus the 16-byte header ([MC-SMP] 2.2.5), or 0 when LENGTH is
// below 16. It is a uint32, LENGTH's own width: on a 32-bit platform an
// int cannot hold every value (LENGTH 0x80000010 and above would turn
// negative), so a caller bounds it before converting it.
func (h Header) DataLen() uint32 {
	if h.Length < HeaderLen {
		return 0
	}
	return h.Length - HeaderLen
}

// Decode reads a header from the first 16 bytes of b into h and checks it
// against [MC-SMP] 2.2: SMID MUST be 0x53 (2.2.1); FLAGS MUST be exactly one
// of SYN, ACK, FIN, DATA (2.2.1.1); LENGTH counts the header, so it cannot be
// below 16 (2.2.1, 2.2.5); SYN, ACK and FIN packets have no payload and
// their LENGTH MUST be 16 (2.2.2, 2.2.3, 2.2.4). Bytes after the header are
// not examined: a stream reader has only the header in hand when it decodes
// it. Use DecodePacket to check LENGTH against a whole packet.
//
// On error h is left unchanged. Decode does not allocate on success.
func (h *Header) Decode(b []byte) error {
	return decodeHeader(h, b, (*Header).decodeValid, headerBytes.error)
}

// decodeHeader is the body of Decode: valid decodes a header that passes
// every check and reports whether it did; anything it refuses goes to
// slow, which says why. valid is always (*Header).decodeValid and slow
// always headerBytes.error.
//
// They are parameters, not direct calls, only for the inliner. Go's inliner
// charges a call through a function parameter 17 instead of 57
// (cmd/compile/internal/inline, inlineParamCallCost) and a method
// expression nothing, so that Decode costs well under the budget of 80;
// where Decode is inlined its arguments are constants, the calls become
// direct, and decodeValid, which is under the budget by itself, is
// inlined in turn, while headerError stays out of line. Decode, checks
// and stores included, thus takes no call at all (the two halves would
// not fit the budget as one function). Check with
// go build -gcflags=-m=2 ./smp/ 2>&1 | grep -E 'inline \(\*Header\)\.(Decode|decodeValid)'.
func decodeHeader(h *Header, b []byte, valid func(*Header, []byte) bool, slow func(headerBytes) error) error {
	if valid(h, b) {
		return nil
	}
	return slow(b)
}

// decodeValid decodes b into h and reports true when b holds a header
// Decode accepts; otherwise it leaves h unchanged and reports false. The
// first 8 bytes (SMID FLAGS SID LENGTH) and the last 8 (SEQNUM WNDW) are
// each one little-endian load. headerLimit, indexed by FLAGS, bounds
// LENGTH-16: below 1 for SYN, ACK and FIN (LENGTH exactly 16), below
// 2^32-16 for DATA (any LENGTH from 16; a LENGTH below 16 wraps around),
// below 0 for every other FLAGS value.
func (h *Header) decodeValid(b []byte) bool {
	if len(b) < HeaderLen {
		return false
	}
	w := binary.LittleEndian.Uint64(b)
	f, n := uint8(w>>8), uint32(w>>32)
	if uint8(w) != SMID || uint64(n-HeaderLen) >= headerLimit[f] {
		return false
	}
	v := binary.LittleEndian.Uint64(b[8:])
	h.Flags, h.SID, h.Length, h.SeqNum, h.Wndw = Flags(f), uint16(w>>16), n, uint32(v), uint32(v>>32)
	return true
}

// headerLimit bounds LENGTH-16 for each FLAGS value, as decodeValid
// explains.
var headerLimit = [256]uint64{FlagSYN: 1, FlagACK: 1, FlagFIN: 1, FlagDATA: 1<<32 - HeaderLen}

// headerBytes is the input of a header Decode refused; its error method
// is headerError, named as a method expression so that Decode's passing
// it costs the inliner nothing.
type headerBytes []byte

func (b headerBytes) error() error { return headerError(b) }

// headerError says why Decode refused b, checking in the order of
// [MC-SMP] 2.2.
func headerError(b []byte) error {
	if len(b) < HeaderLen {
		return errorf("smp header", int64(len(b)), ErrTruncated, "need %d header bytes, have %d", HeaderLen, len(b))
	}
	if b[0] != SMID {
		return errorf("smp header", 0, ErrMalformed, "SMID is 0x%02x, want 0x53", b[0])
	}
	f := Flags(b[1])
	if !f.Valid() {
		return errorf("smp header", 1, ErrMalformed, "FLAGS 0x%02x is not exactly one of SYN, ACK, FIN, DATA", b[1])
	}
	n := binary.LittleEndian.Uint32(b[4:8])
	if n < HeaderLen {
		return errorf("smp header", 4, ErrMalformed, "LENGTH %d is shorter than the %d-byte header", n, HeaderLen)
	}
	return errorf("smp header", 4, ErrMalformed, "%v packet has LENGTH %d; control packets carry no data and MUST have LENGTH 16", f, n)
}

// DecodePacket decodes the whole SMP packet b: the header into h, as Decode
// does, and checks that LENGTH equals len(b) exactly. It returns the DATA
// field as a view into b (empty for SYN, ACK and FIN), valid while the
// caller keeps b unchanged. A b shorter than LENGTH is ErrTruncated, a
// longer one ErrMalformed. On error h is left unchanged. DecodePacket does
// not allocate on success.
func (h *Header) DecodePacket(b []byte) ([]byte, error) {
	var x Header
	if err := x.Decode(b); err != nil {
		return nil, err
	}
	if int64(x.Length) > int64(len(b)) {
		return nil, errorf("smp header", int64(len(b)), ErrTruncated, "LENGTH %d announces %d bytes of DATA, only %d present", x.Length, x.DataLen(), len(b)-HeaderLen)
	}
	if int64(x.Length) < int64(len(b)) {
		return nil, errorf("smp header", int64(x.Length), ErrMalformed, "LENGTH %d does not match the %d-byte packet", x.Length, len(b))
	}
	// Field by field: x's fields were just stored one by one, and a
	// 16-byte copy of x would have to wait for all five stores.
	h.Flags, h.SID, h.Length, h.SeqNum, h.Wndw = x.Flags, x.SID, x.Length, x.SeqNum, x.Wndw
	return b[HeaderLen:], nil
}

// Append appends the 16-byte wire form of h to dst and returns the
// extended slice. It writes the fields as they are, LENGTH included, so
// that a decoded header re-encodes byte for byte; AppendPacket computes
// LENGTH for a packet with data.
func (h Header) Append(dst []byte) []byte {
	// Two little-endian 8-byte words, SMID FLAGS SID LENGTH and SEQNUM
	// WNDW: two stores instead of sixteen.
	dst = binary.LittleEndian.AppendUint64(dst, SMID|uint64(h.Flags)<<8|uint64(h.SID)<<16|uint64(h.Length)<<32)
	return binary.LittleEndian.AppendUint64(dst, uint64(h.SeqNum)|uint64(h.Wndw)<<32)
}

// AppendPacket appends a whole SMP packet to dst: h with LENGTH set to 16
// plus len(data), followed by data. The caller's Length is ignored. It
// fails with ErrTooLarge, returning dst unchanged, if the packet would not
// fit the 32-bit LENGTH field ([MC-SMP] 2.2.1). It does not allocate when
// dst has room.
func (h Header) AppendPacket(dst, data []byte) ([]byte, error) {
	if uint64(len(data)) > math.MaxUint32-HeaderLen {
		return dst, errorf("smp header", 4, ErrTooLarge, "%d bytes of DATA do not fit the 32-bit LENGTH", len(data))
	}
	h.Length = HeaderLen + uint32(len(data))
	dst = h.Append(dst)
	return append(dst, data...), nil
}

// String formats h as network trace tools print an SMP packet, for example
// "SMP:SYN, Sid = 0, Length = 16, SeqNum = 0, Wndw = 4".
func (h Header) String() string {
	b := make([]byte, 0, 80)
	b = append(b, "SMP:"...)
	b = append(b, h.Flags.String()...)
	b = append(b, ", Sid = "...)
	b = strconv.AppendUint(b, uint64(h.SID), 10)
	b = append(b, ", Length = "...)
	b = strconv.AppendUint(b, uint64(h.Length), 10)
	b = append(b, ", SeqNum = "...)
	b = strconv.AppendUint(b, uint64(h.SeqNum), 10)
	b = append(b, ", Wndw = "...)
	b = strconv.AppendUint(b, uint64(h.Wndw), 10)
	return string(b)
}

// Format implements fmt.Formatter: %v and %s print String, %+v names the
// fields ("Header{Flags=SYN SID=0 Length=16 SeqNum=0 Wndw=4}"), %q the
// quoted String.
func (h Header) Format(f fmt.State, verb rune) {
	textfmt.Format(f, verb, "smp.Header", h.String(), func() string { return textfmt.Fields("Header", h) })
}
