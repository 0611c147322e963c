package ntlm

import "strings"

// Fixed-part lengths of the AUTHENTICATE_MESSAGE ([MS-NLMP] 2.2.1.3) and
// the offset of its MIC.
const (
	authenticateNoVersion = 64 // Windows NT and 2000: no Version, no MIC
	authenticateNoMIC     = 72 // Windows XP and 2003: Version, no MIC (<12>)
	authenticateFullLen   = 88 // Version and MIC, as 2.2.1.3 draws it
	micOffset             = 72
	micLen                = 16
)

// Authenticate is the AUTHENTICATE_MESSAGE of [MS-NLMP] 2.2.1.3, the
// client's answer to the CHALLENGE_MESSAGE.
//
// After Decode every byte-slice field is a view into the input, valid while
// the caller keeps it unchanged. The names are in the negotiated character
// set: UTF-16LE when NTLMSSP_NEGOTIATE_UNICODE is set. EncryptedRandomSessionKey
// is read only when NTLMSSP_NEGOTIATE_KEY_EXCH is set (the field MUST be
// ignored otherwise) and written under the same flag.
type Authenticate struct {
	LmChallengeResponse       []byte // LM_RESPONSE or LMv2_RESPONSE (2.2.2.3, 2.2.2.4)
	NtChallengeResponse       []byte // NTLM_RESPONSE or NTLMv2_RESPONSE (2.2.2.6, 2.2.2.8)
	DomainName                []byte
	UserName                  []byte
	Workstation               []byte
	EncryptedRandomSessionKey []byte // only with NegotiateKeyExch
	NegotiateFlags            NegotiateFlags
	Version                   Version
	MIC                       [16]byte

	// HeaderLen is the length of the fixed part as sent: 0 for the
	// 88-byte form with Version and MIC, 72 for the form with Version but
	// no MIC (Windows XP and Server 2003, and the example of [MS-NLMP]
	// 4.2.4.3), or 64 for the form with neither (Windows NT and 2000).
	// Decode infers it from the payload offsets; Append treats values
	// other than 64 and 72 as 0.
	HeaderLen int
}

// Decode fills a from the AUTHENTICATE_MESSAGE in b without allocating.
//
// Leniencies: the fixed-part length is taken from the lowest payload
// offset, so the older forms without MIC or Version decode; each field is
// read by its declared length only, so a response followed by more payload
// bytes than NtChallengeResponseLen announces (as some clients send) decodes
// to exactly the declared bytes.
//
// Strict: every payload field with a non-zero Len, the
// EncryptedRandomSessionKeyFields included when NTLMSSP_NEGOTIATE_KEY_EXCH is
// clear, must designate bytes inside the message (ErrTruncated at the
// field's triple otherwise) and after the fixed part (ErrMalformed); without
// the flag the key is not exposed, but its payload still bounds the fixed
// part.
func (a *Authenticate) Decode(b []byte) error {
	if err := checkPrefix(b, LayerAuthenticate, NtLmAuthenticate); err != nil {
		return err
	}
	if len(b) < authenticateNoVersion {
		return errorf(LayerAuthenticate, len(b), ErrTruncated, "fixed part needs %d bytes, message has %d", authenticateNoVersion, len(b))
	}
	*a = Authenticate{NegotiateFlags: NegotiateFlags(le32(b[60:]))}
	lay := layout{min: -1}
	fields := [...]struct {
		at   int
		name string
		dst  *[]byte
	}{
		{12, "LmChallengeResponse", &a.LmChallengeResponse},
		{20, "NtChallengeResponse", &a.NtChallengeResponse},
		{28, "DomainName", &a.DomainName},
		{36, "UserName", &a.UserName},
		{44, "Workstation", &a.Workstation},
		{52, "EncryptedRandomSessionKey", &a.EncryptedRandomSessionKey},
	}
	for i := range fields {
		f := &fields[i]
		// EncryptedRandomSessionKeyFields MUST be ignored without
		// NTLMSSP_NEGOTIATE_KEY_EXCH, but fields that still announce
		// payload bytes must find them inside the message, and that
		// payload still bounds the fixed part (as in Negotiate.Decode).
		v, off, err := payloadField(b, f.at, LayerAuthenticate, f.name)
		if err != nil {
			return err
		}
		lay.see(off, v)
		if f.at == 52 && a.NegotiateFlags&NegotiateKeyExch == 0 {
			continue
		}
		*f.dst = v
	}
	h, ok := lay.headerLen(len(b), authenticateNoVersion, authenticateNoMIC, authenticateFullLen)
	if !ok {
		return errorf(LayerAuthenticate, h, ErrMalformed, "payload at offset %d overlaps the fixed part", h)
	}
	if h >= authenticateNoMIC {
		a.Version = decodeVersion(b[64:])
	}
	if h == authenticateFullLen {
		copy(a.MIC[:], b[micOffset:micOffset+micLen])
	} else {
		a.HeaderLen = h
	}
	return nil
}

// Append appends the wire form of a to dst, payload in the order
// DomainName, UserName, Workstation, LmChallengeResponse,
// NtChallengeResponse, EncryptedRandomSessionKey (the order of the
// [MS-NLMP] 4.2.4.3 example), with lengths and offsets computed here.
// It fails with ErrTooLarge, returning dst unchanged, when a field does
// not fit its 16-bit Len (the error's offset is that of the field's triple
// in the message).
func (a *Authenticate) Append(dst []byte) ([]byte, error) {
	var key []byte
	if a.NegotiateFlags&NegotiateKeyExch != 0 {
		key = a.EncryptedRandomSessionKey
	}
	for _, f := range [...]struct {
		at   int
		name string
		v    []byte
	}{
		{28, "DomainName", a.DomainName},
		{36, "UserName", a.UserName},
		{44, "Workstation", a.Workstation},
		{12, "LmChallengeResponse", a.LmChallengeResponse},
		{20, "NtChallengeResponse", a.NtChallengeResponse},
		{52, "EncryptedRandomSessionKey", key},
	} {
		if err := checkField(LayerAuthenticate, f.at, f.name, f.v); err != nil {
			return dst, err
		}
	}
	start := len(dst)
	dst = appendPrefix(dst, NtLmAuthenticate)
	dst = appendZeros(dst, 6*fieldsLen)
	dst = appendLE32(dst, uint32(a.NegotiateFlags))
	switch a.HeaderLen {
	case authenticateNoVersion:
	case authenticateNoMIC:
		dst = appendVersion(dst, a.Version)
	default:
		dst = appendVersion(dst, a.Version)
		dst = append(dst, a.MIC[:]...)
	}
	w := fieldWriter{buf: dst, start: start}
	w.put(28, a.DomainName)
	w.put(36, a.UserName)
	w.put(44, a.Workstation)
	w.put(12, a.LmChallengeResponse)
	w.put(20, a.NtChallengeResponse)
	w.put(52, key)
	return w.buf, nil
}

// IsNTLMv2 reports whether the NT response is an NTLMv2_RESPONSE: longer
// than the 24 bytes of an NTLM v1 response ([MS-NLMP] 3.2.5.1.2).
func (a *Authenticate) IsNTLMv2() bool { return len(a.NtChallengeResponse) > 24 }

// String describes a on one line the way network analysers do, for
// example
//
//	NTLM AUTHENTICATE MESSAGE Version:NTLM v2, Domain: CONTOSO, User: joe33, Workstation: 10.10.10.120
//
// The version is "NTLM v1" for the 24-byte NT response of [MS-NLMP] 3.3.1,
// "NTLM v2" for any NT response of 16 bytes or more otherwise (an
// NTLMv2_RESPONSE, or its NTProofStr alone, which tedious declares with
// the client blob left uncounted), and "none" when there is no NT
// response. It prints no response, key or MIC.
func (a Authenticate) String() string {
	u := a.NegotiateFlags&NegotiateUnicode != 0
	var sb strings.Builder
	sb.WriteString("NTLM AUTHENTICATE MESSAGE Version:")
	switch n := len(a.NtChallengeResponse); {
	case n == 24:
		sb.WriteString("NTLM v1")
	case n >= 16:
		sb.WriteString("NTLM v2")
	default:
		sb.WriteString("none")
	}
	sb.WriteString(", Domain: " + describe(a.DomainName, u))
	sb.WriteString(", User: " + describe(a.UserName, u))
	sb.WriteString(", Workstation: " + describe(a.Workstation, u))
	return sb.String()
}

// Domain returns DomainName as a Go string, decoded per the Unicode flag.
func (a *Authenticate) Domain() string {
	return describe(a.DomainName, a.NegotiateFlags&NegotiateUnicode != 0)
}

// User returns UserName as a Go string, decoded per the Unicode flag.
func (a *Authenticate) User() string {
	return describe(a.UserName, a.NegotiateFlags&NegotiateUnicode != 0)
}

// WorkstationName returns Workstation as a Go string, decoded per the
// Unicode flag.
func (a *Authenticate) WorkstationName() string {
	return describe(a.Workstation, a.NegotiateFlags&NegotiateUnicode != 0)
}
