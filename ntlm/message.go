package ntlm

import "strconv"

// Signature is the 8-byte value every NTLM message starts with
// ([MS-NLMP] 2.2): "NTLMSSP" followed by a zero byte.
const Signature = "NTLMSSP\x00"

// MessageType is the MessageType field of [MS-NLMP] 2.2.
type MessageType uint32

// The message types of [MS-NLMP] 2.2.
const (
	NtLmNegotiate    MessageType = 0x00000001
	NtLmChallenge    MessageType = 0x00000002
	NtLmAuthenticate MessageType = 0x00000003
)

// String returns the spec's name for t.
func (t MessageType) String() string {
	switch t {
	case NtLmNegotiate:
		return "NtLmNegotiate"
	case NtLmChallenge:
		return "NtLmChallenge"
	case NtLmAuthenticate:
		return "NtLmAuthenticate"
	}
	return "MessageType(" + strconv.FormatUint(uint64(t), 10) + ")"
}

// PeekMessageType returns the MessageType of the NTLM message in b after
// checking its Signature, so that a caller holding an opaque SSPI token can
// dispatch it.
func PeekMessageType(b []byte) (MessageType, error) {
	if err := checkPrefix(b, LayerMessage, 0); err != nil {
		return 0, err
	}
	return MessageType(le32(b[8:])), nil
}

// prefixLen is the size of Signature plus MessageType.
const prefixLen = 12

// checkPrefix verifies the Signature and, when want is non-zero, the
// MessageType of b.
func checkPrefix(b []byte, layer Layer, want MessageType) error {
	if len(b) < prefixLen {
		return errorf(layer, len(b), ErrTruncated, "message of %d bytes is shorter than Signature and MessageType", len(b))
	}
	if string(b[:8]) != Signature {
		return errorf(layer, 0, ErrMalformed, "Signature is %q, want \"NTLMSSP\\x00\"", b[:8])
	}
	if got := MessageType(le32(b[8:])); want != 0 && got != want {
		return errorf(layer, 8, ErrUnexpected, "MessageType is %v, want %v", got, want)
	}
	return nil
}

// fieldsLen is the size of a Len/MaxLen/BufferOffset triple.
const fieldsLen = 8

// payloadField reads the Len/MaxLen/BufferOffset triple at b[at:] (the
// caller has checked that it is present) and returns the view of the
// payload it designates, and its offset. MaxLen is ignored, as every
// section of 2.2.1 requires. An empty field yields a nil view.
func payloadField(b []byte, at int, layer Layer, name string) ([]byte, int, error) {
	n := int(le16(b[at:]))
	off := uint64(le32(b[at+4:]))
	if n == 0 {
		return nil, 0, nil
	}
	if off > uint64(len(b)) || uint64(n) > uint64(len(b))-off {
		return nil, 0, errorf(layer, at, ErrTruncated, "%s of %d bytes at offset %d runs past the end of the %d-byte message", name, n, off, len(b))
	}
	o := int(off)
	return b[o : o+n : o+n], o, nil
}

// layout tracks the lowest payload offset seen while decoding, from which
// a decoder tells which optional fixed fields (Version, MIC) the sender
// wrote: payload starts where the fixed part ends.
type layout struct {
	min int // lowest offset of a non-empty payload field, or -1
}

func (l *layout) see(off int, view []byte) {
	if len(view) > 0 && (l.min < 0 || off < l.min) {
		l.min = off
	}
}

// headerLen chooses the fixed-part length among the candidates (ascending)
// given the payload offsets seen and the message length: the longest
// candidate that ends at or before the first payload byte and within the
// message. It reports the offending offset when a payload field overlaps
// the shortest fixed part.
func (l *layout) headerLen(msgLen int, candidates ...int) (int, bool) {
	limit := msgLen
	if l.min >= 0 {
		if l.min < candidates[0] {
			return l.min, false
		}
		limit = l.min
	}
	h := candidates[0]
	for _, c := range candidates[1:] {
		if c <= limit {
			h = c
		}
	}
	return h, true
}

// fieldWriter lays out payload fields: reserve the fixed part, append the
// payload, back-patch each Len/MaxLen/BufferOffset triple. The caller
// checks every field with checkField first.
type fieldWriter struct {
	buf   []byte
	start int // where the message starts in buf
}

// put appends v to the payload and patches the triple at fixed-part offset
// at. v is at most maxValue bytes (checkField).
func (w *fieldWriter) put(at int, v []byte) {
	off := len(w.buf) - w.start
	f := w.buf[w.start+at:]
	putLE16(f, uint16(len(v)))
	putLE16(f[2:], uint16(len(v)))
	putLE32(f[4:], uint32(off))
	w.buf = append(w.buf, v...)
}

// checkField reports ErrTooLarge, at the offset of the field's
// Len/MaxLen/BufferOffset triple, when v does not fit the 16-bit Len and
// MaxLen of [MS-NLMP] 2.2.1.
func checkField(layer Layer, at int, name string, v []byte) error {
	if len(v) > maxValue {
		return errorf(layer, at, ErrTooLarge, "%s of %d bytes does not fit the 16-bit Len field (at most %d)", name, len(v), maxValue)
	}
	return nil
}

// appendPrefix appends Signature and MessageType.
func appendPrefix(dst []byte, t MessageType) []byte {
	dst = append(dst, Signature...)
	return appendLE32(dst, uint32(t))
}
