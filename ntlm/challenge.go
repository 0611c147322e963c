package ntlm

import "strings"

// Fixed-part lengths of the CHALLENGE_MESSAGE ([MS-NLMP] 2.2.1.2).
const (
	challengeNoVersion = 48
	challengeFullLen   = 56
)

// Challenge is the CHALLENGE_MESSAGE of [MS-NLMP] 2.2.1.2, sent by the
// server with its 8-byte nonce and, in TargetInfo, the AV pairs that name
// it.
//
// TargetInfo is read only when NTLMSSP_NEGOTIATE_TARGET_INFO is set (the
// fields MUST be ignored otherwise) and Append writes it under the same
// flag. TargetName is read whenever its fields designate bytes inside the
// message, and written whenever it is non-empty: the spec's own example
// (4.2.4.3) sends a TargetName without NTLMSSP_REQUEST_TARGET. Without the
// flag, TargetName fields that point outside the message are ignored, as
// 2.2.1.2 requires. After Decode both are views into the input, valid while
// the caller keeps it unchanged.
type Challenge struct {
	TargetName      []byte // in the negotiated character set (UTF-16LE when Unicode)
	NegotiateFlags  NegotiateFlags
	ServerChallenge [8]byte
	TargetInfo      AVPairs // ends with MsvAvEOL
	Version         Version

	// HeaderLen is the length of the fixed part as sent: 0 for the
	// 56-byte form with Version, or 48 for the form without it that
	// Windows NT and 2000 wrote. Decode infers it from the payload
	// offsets; Append treats values other than 48 as 0.
	HeaderLen int
}

// Decode fills c from the CHALLENGE_MESSAGE in b without allocating. The
// Reserved field is ignored, as 2.2.1.2 requires. TargetInfo must be a
// well-formed AV_PAIR list ending with MsvAvEOL; bytes that the
// TargetInfoLen covers after MsvAvEOL are not part of the view.
//
// Strict: TargetInfoFields with a non-zero Len, NTLMSSP_NEGOTIATE_TARGET_INFO
// set or not, must designate bytes inside the message (ErrTruncated at the
// field's triple otherwise) and after the fixed part (ErrMalformed); without
// the flag TargetInfo is not exposed, but its payload still bounds the fixed
// part. (TargetName keeps the leniency of the type's comment.)
func (c *Challenge) Decode(b []byte) error {
	if err := checkPrefix(b, LayerChallenge, NtLmChallenge); err != nil {
		return err
	}
	if len(b) < challengeNoVersion {
		return errorf(LayerChallenge, len(b), ErrTruncated, "fixed part needs %d bytes, message has %d", challengeNoVersion, len(b))
	}
	*c = Challenge{NegotiateFlags: NegotiateFlags(le32(b[20:]))}
	copy(c.ServerChallenge[:], b[24:32])
	lay := layout{min: -1}
	name, off, err := payloadField(b, 12, LayerChallenge, "TargetName")
	switch {
	case c.NegotiateFlags&RequestTarget != 0 && err != nil:
		return err
	case err == nil:
		c.TargetName = name
		lay.see(off, name)
	}
	// TargetInfoFields whose flag is clear MUST be ignored, but fields that
	// still announce payload bytes must find them inside the message:
	// their payload tells where the fixed part ends, so ignoring fields
	// that point past the end would decode payload bytes as Version (as
	// Negotiate.Decode does for its fields).
	info, infoOff, err := payloadField(b, 40, LayerChallenge, "TargetInfo")
	if err != nil {
		return err
	}
	lay.see(infoOff, info)
	if c.NegotiateFlags&NegotiateTargetInfo == 0 {
		info = nil
	}
	h, ok := lay.headerLen(len(b), challengeNoVersion, challengeFullLen)
	if !ok {
		return errorf(LayerChallenge, h, ErrMalformed, "payload at offset %d overlaps the fixed part", h)
	}
	if len(info) > 0 {
		n, err := AVPairs(info).Validate()
		if err != nil {
			return rebase(err, LayerChallenge, infoOff)
		}
		c.TargetInfo = info[:n:n]
	}
	if h == challengeFullLen {
		c.Version = decodeVersion(b[48:])
	} else {
		c.HeaderLen = h
	}
	return nil
}

// rebase moves an AV_PAIR error found in a sub-slice at base to the
// coordinates of the enclosing message.
func rebase(err error, layer Layer, base int) error {
	if e, ok := err.(*Error); ok {
		return &Error{Layer: layer, Offset: e.Offset + int64(base), Msg: "TargetInfo: " + e.Msg, Err: e.Err}
	}
	return err
}

// Append appends the wire form of c to dst, payload in the order
// TargetName, TargetInfo, with lengths and offsets computed here. Reserved
// is written as zero. It fails with ErrTooLarge, returning dst unchanged,
// when TargetName or TargetInfo does not fit its 16-bit Len (the error's
// offset is that of the field's triple in the message).
func (c *Challenge) Append(dst []byte) ([]byte, error) {
	var info []byte
	if c.NegotiateFlags&NegotiateTargetInfo != 0 {
		info = c.TargetInfo
	}
	if err := checkField(LayerChallenge, 12, "TargetName", c.TargetName); err != nil {
		return dst, err
	}
	if err := checkField(LayerChallenge, 40, "TargetInfo", info); err != nil {
		return dst, err
	}
	start := len(dst)
	dst = appendPrefix(dst, NtLmChallenge)
	dst = appendZeros(dst, fieldsLen)
	dst = appendLE32(dst, uint32(c.NegotiateFlags))
	dst = append(dst, c.ServerChallenge[:]...)
	dst = appendZeros(dst, 8+fieldsLen)
	if c.HeaderLen != challengeNoVersion {
		dst = appendVersion(dst, c.Version)
	}
	w := fieldWriter{buf: dst, start: start}
	w.put(12, c.TargetName)
	w.put(40, info)
	return w.buf, nil
}

// String describes c on one line: "NTLM CHALLENGE MESSAGE", followed by
// the target name when there is one. The server challenge is not printed.
func (c Challenge) String() string {
	var sb strings.Builder
	sb.WriteString("NTLM CHALLENGE MESSAGE")
	if len(c.TargetName) > 0 {
		sb.WriteString(" Target: " + describe(c.TargetName, c.NegotiateFlags&NegotiateUnicode != 0))
	}
	return sb.String()
}
