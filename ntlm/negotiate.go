package ntlm

import "strings"

// Fixed-part lengths of the NEGOTIATE_MESSAGE ([MS-NLMP] 2.2.1.1).
const (
	negotiateMinLen    = 16 // Signature, MessageType, NegotiateFlags only
	negotiateNoVersion = 32 // with DomainNameFields and WorkstationFields
	negotiateFullLen   = 40 // with Version, as 2.2.1.1 draws it
)

// Negotiate is the NEGOTIATE_MESSAGE of [MS-NLMP] 2.2.1.1, sent by the
// client to open the exchange.
//
// DomainName and Workstation are OEM strings, read only when
// NTLMSSP_NEGOTIATE_OEM_DOMAIN_SUPPLIED or
// NTLMSSP_NEGOTIATE_OEM_WORKSTATION_SUPPLIED are set (the fields MUST be
// ignored otherwise) and written only under the same flags. After Decode
// they are views into the input, valid while the caller keeps it unchanged.
type Negotiate struct {
	NegotiateFlags NegotiateFlags
	DomainName     []byte // OEM; only with NegotiateOEMDomainSupplied
	Workstation    []byte // OEM; only with NegotiateOEMWorkstationSupplied
	Version        Version

	// HeaderLen is the length of the fixed part as sent: 0 for the
	// 40-byte form of 2.2.1.1, or 32 (no Version, as Windows NT and 2000
	// wrote it) or 16 (NegotiateFlags only, as some non-Windows clients
	// still write it). Decode infers it from the payload offsets; Append
	// writes the form it names, treating other values as 0.
	HeaderLen int
}

// Decode fills m from the NEGOTIATE_MESSAGE in b without allocating.
//
// Leniency: the short 16- and 32-byte forms some clients send are accepted;
// the fixed-part length is taken from the lowest payload offset, since the
// message has no length field of its own.
//
// Strict: every DomainNameFields or WorkstationFields with a non-zero Len,
// its flag set or not, must designate bytes inside the message (ErrTruncated
// at the field's triple otherwise) and after the fixed part
// (ErrMalformed). A field whose flag is clear is not exposed, as 2.2.1.1
// says, but its payload still bounds the fixed part.
func (m *Negotiate) Decode(b []byte) error {
	if err := checkPrefix(b, LayerNegotiate, NtLmNegotiate); err != nil {
		return err
	}
	if len(b) < negotiateMinLen {
		return errorf(LayerNegotiate, 12, ErrTruncated, "NegotiateFlags needs 4 bytes, %d left", len(b)-12)
	}
	*m = Negotiate{NegotiateFlags: NegotiateFlags(le32(b[12:]))}
	if len(b) < negotiateNoVersion {
		m.HeaderLen = negotiateMinLen
		return nil
	}
	lay := layout{min: -1}
	for _, f := range [...]struct {
		at   int
		name string
		flag NegotiateFlags
		dst  *[]byte
	}{
		{16, "DomainName", NegotiateOEMDomainSupplied, &m.DomainName},
		{24, "WorkstationName", NegotiateOEMWorkstationSupplied, &m.Workstation},
	} {
		// A field whose flag is clear MUST be ignored, but one that still
		// announces payload bytes must find them inside the message: its
		// payload tells where the fixed part ends, so ignoring a field
		// that points past the end would decode payload bytes as Version.
		v, off, err := payloadField(b, f.at, LayerNegotiate, f.name)
		if err != nil {
			*m = Negotiate{}
			return err
		}
		lay.see(off, v)
		if m.NegotiateFlags&f.flag != 0 {
			*f.dst = v
		}
	}
	h, ok := lay.headerLen(len(b), negotiateNoVersion, negotiateFullLen)
	if !ok {
		return errorf(LayerNegotiate, h, ErrMalformed, "payload at offset %d overlaps the fixed part", h)
	}
	if h == negotiateFullLen {
		m.Version = decodeVersion(b[32:])
	} else {
		m.HeaderLen = h
	}
	return nil
}

// Append appends the wire form of m to dst: the fixed part HeaderLen names,
// then DomainName and WorkstationName when their flags are set, with the
// lengths and offsets computed here. It fails with ErrTooLarge, returning
// dst unchanged, when a field written does not fit its 16-bit Len (the
// error's offset is that of the field's triple in the message).
func (m *Negotiate) Append(dst []byte) ([]byte, error) {
	var domain, ws []byte
	if m.HeaderLen != negotiateMinLen {
		if m.NegotiateFlags&NegotiateOEMDomainSupplied != 0 {
			domain = m.DomainName
		}
		if m.NegotiateFlags&NegotiateOEMWorkstationSupplied != 0 {
			ws = m.Workstation
		}
		if err := checkField(LayerNegotiate, 16, "DomainName", domain); err != nil {
			return dst, err
		}
		if err := checkField(LayerNegotiate, 24, "WorkstationName", ws); err != nil {
			return dst, err
		}
	}
	start := len(dst)
	dst = appendPrefix(dst, NtLmNegotiate)
	dst = appendLE32(dst, uint32(m.NegotiateFlags))
	if m.HeaderLen == negotiateMinLen {
		return dst, nil
	}
	dst = appendZeros(dst, 2*fieldsLen)
	if m.HeaderLen != negotiateNoVersion {
		dst = appendVersion(dst, m.Version)
	}
	w := fieldWriter{buf: dst, start: start}
	w.put(16, domain)
	w.put(24, ws)
	return w.buf, nil
}

// String describes m on one line, as a network analyser does:
// "NTLM NEGOTIATE MESSAGE", followed by the OEM domain and workstation when
// the client supplied them.
func (m Negotiate) String() string {
	var sb strings.Builder
	sb.WriteString("NTLM NEGOTIATE MESSAGE")
	sep := " "
	if len(m.DomainName) > 0 {
		sb.WriteString(sep + "Domain: " + describe(m.DomainName, false))
		sep = ", "
	}
	if len(m.Workstation) > 0 {
		sb.WriteString(sep + "Workstation: " + describe(m.Workstation, false))
	}
	return sb.String()
}
