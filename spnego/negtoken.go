package spnego

import (
	"fmt"
	"iter"
	"strings"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"

	"github.com/tdswire/tdswire/internal/der"
)

// MechTypeList is the list of mechanisms an initiator offers, in order of
// preference ([RFC 4178] 4.1): MechTypeList ::= SEQUENCE OF MechType. It is
// a view of the DER contents of the SEQUENCE, checked when decoded.
type MechTypeList struct {
	der []byte // concatenated OBJECT IDENTIFIER elements
}

// NewMechTypeList returns the list of mechs, for encoding.
func NewMechTypeList(mechs ...Mech) MechTypeList {
	var b []byte
	for _, m := range mechs {
		b = m.AppendOID(b)
	}
	return MechTypeList{der: b}
}

// All yields each mechanism OID, first preferred first.
func (l MechTypeList) All() iter.Seq[OID] {
	return func(yield func(OID) bool) {
		s := cryptobyte.String(l.der)
		for !s.Empty() {
			var o cryptobyte.String
			if !s.ReadASN1(&o, asn1.OBJECT_IDENTIFIER) || !yield(OID(o)) {
				return
			}
		}
	}
}

// Len returns the number of mechanisms.
func (l MechTypeList) Len() int {
	n := 0
	for range l.All() {
		n++
	}
	return n
}

// First returns the first (preferred) mechanism OID, nil for an empty list.
func (l MechTypeList) First() OID {
	for o := range l.All() {
		return o
	}
	return nil
}

// Contains reports whether the list offers m.
func (l MechTypeList) Contains(m Mech) bool {
	for o := range l.All() {
		if o.Mech() == m {
			return true
		}
	}
	return false
}

// String lists the mechanisms by name, unknown ones by OID:
// "[MS Kerberos, Kerberos, NegoEx, NTLM]".
func (l MechTypeList) String() string {
	var sb strings.Builder
	sb.WriteByte('[')
	for o := range l.All() {
		if sb.Len() > 1 {
			sb.WriteString(", ")
		}
		if m := o.Mech(); m != MechUnknown {
			sb.WriteString(m.String())
		} else {
			sb.WriteString(o.String())
		}
	}
	sb.WriteByte(']')
	return sb.String()
}

func decodeMechTypeList(r der.Reader) (MechTypeList, error) {
	start := r.Rest()
	for !r.Empty() {
		off := r.Off()
		o, err := r.Element(asn1.OBJECT_IDENTIFIER, "MechType")
		if err != nil {
			return MechTypeList{}, err
		}
		if !OID(o.Bytes()).valid() {
			return MechTypeList{}, der.Errorf(r.Layer, off, ErrMalformed, "MechType is not a valid OBJECT IDENTIFIER")
		}
	}
	return MechTypeList{der: start}, nil
}

// ContextFlags are the context flags an initiator asks for ([RFC 4178]
// 4.2.1, ContextFlags ::= BIT STRING): bit n of the BIT STRING is 1<<n.
type ContextFlags uint8

// The context flags of [RFC 4178] 4.2.1.
const (
	DelegFlag    ContextFlags = 1 << 0 // delegFlag (0)
	MutualFlag   ContextFlags = 1 << 1 // mutualFlag (1)
	ReplayFlag   ContextFlags = 1 << 2 // replayFlag (2)
	SequenceFlag ContextFlags = 1 << 3 // sequenceFlag (3)
	AnonFlag     ContextFlags = 1 << 4 // anonFlag (4)
	ConfFlag     ContextFlags = 1 << 5 // confFlag (5)
	IntegFlag    ContextFlags = 1 << 6 // integFlag (6)
)

// String names the flags set, "deleg|mutual|...", or "0".
func (f ContextFlags) String() string {
	names := [...]string{"deleg", "mutual", "replay", "sequence", "anon", "conf", "integ", "bit7"}
	var sb strings.Builder
	for i, n := range names {
		if f&(1<<i) != 0 {
			if sb.Len() > 0 {
				sb.WriteByte('|')
			}
			sb.WriteString(n)
		}
	}
	if sb.Len() == 0 {
		return "0"
	}
	return sb.String()
}

// decodeContextFlags reads the contents of a BIT STRING of at most 8 named
// bits; later bits (no flag is defined for them) are ignored.
func decodeContextFlags(r der.Reader) (ContextFlags, error) {
	off := r.Off()
	b := r.Bytes()
	if len(b) == 0 || b[0] > 7 || len(b) == 1 && b[0] != 0 {
		return 0, der.Errorf(r.Layer, off, ErrMalformed, "reqFlags: BIT STRING with a bad unused-bits octet")
	}
	if len(b) == 1 {
		return 0, nil
	}
	var f ContextFlags
	for i := range 8 {
		if b[1]&(0x80>>i) != 0 {
			f |= 1 << i
		}
	}
	return f, nil
}

// appendContextFlags adds f as a DER BIT STRING with its trailing zero bits
// removed (X.690 11.2.2).
func addContextFlags(b *cryptobyte.Builder, f ContextFlags) {
	b.AddASN1(asn1.BIT_STRING, func(b *cryptobyte.Builder) {
		if f == 0 {
			b.AddUint8(0)
			return
		}
		var v byte
		last := 0
		for i := range 8 {
			if f&(1<<i) != 0 {
				v |= 0x80 >> i
				last = i
			}
		}
		b.AddUint8(byte(7 - last))
		b.AddUint8(v)
	})
}

// NegHints are the hints a Windows server adds to its NegTokenInit2
// ([MS-SPNG] 2.2.1): hintName, which Windows sets to
// "not_defined_in_RFC4178@please_ignore", and hintAddress, which it never
// sends.
type NegHints struct {
	HintName    []byte // [0] GeneralString OPTIONAL (a view), nil if absent
	HintAddress []byte // [1] OCTET STRING OPTIONAL (a view), nil if absent
}

// NegTokenInit is SPNEGO's first token ([RFC 4178] 4.2.1), sent by the
// initiator (a TDS client, in LOGIN7's SSPI field), or by a Windows server
// in the NegTokenInit2 form that carries negHints ([MS-SPNG] 2.2.1):
//
//	NegTokenInit ::= SEQUENCE {
//	    mechTypes   [0] MechTypeList,
//	    reqFlags    [1] ContextFlags  OPTIONAL,
//	    mechToken   [2] OCTET STRING  OPTIONAL,
//	    mechListMIC [3] OCTET STRING  OPTIONAL, ... }
//	NegTokenInit2 ::= SEQUENCE {
//	    mechTypes   [0] MechTypeList  OPTIONAL,
//	    reqFlags    [1] ContextFlags  OPTIONAL,
//	    mechToken   [2] OCTET STRING  OPTIONAL,
//	    negHints    [3] NegHints      OPTIONAL,
//	    mechListMIC [4] OCTET STRING  OPTIONAL, ... }
//
// On the wire it is framed as an InitialContextToken with the SPNEGO OID
// and the CHOICE tag [0] of NegotiationToken ([RFC 4178] 4.2). The two
// forms share tag [3]: a SEQUENCE under it is negHints, an OCTET STRING is
// mechListMIC. Decode accepts an absent mechTypes in both forms (as
// NegTokenInit2 allows). Byte fields are views into the decoded input.
type NegTokenInit struct {
	MechTypes   MechTypeList
	MechToken   Opaque // the optimistic token for MechTypes' first mechanism, nil if absent
	MechListMIC Opaque // nil if absent
	Init2       bool   // the NegTokenInit2 form: negHints present or mechListMIC at [4]

	reqFlags     ContextFlags
	hasReqFlags  bool
	negHints     NegHints
	hasNegHints  bool
	hasMechTypes bool
}

// ReqFlags returns reqFlags; ok is false when the field is absent.
func (t NegTokenInit) ReqFlags() (f ContextFlags, ok bool) { return t.reqFlags, t.hasReqFlags }

// SetReqFlags sets reqFlags (present from now on).
func (t *NegTokenInit) SetReqFlags(f ContextFlags) { t.reqFlags, t.hasReqFlags = f, true }

// NegHints returns negHints ([MS-SPNG] 2.2.1); ok is false when absent.
func (t NegTokenInit) NegHints() (h NegHints, ok bool) { return t.negHints, t.hasNegHints }

// SetNegHints sets negHints (present from now on), which makes t a
// NegTokenInit2.
func (t *NegTokenInit) SetNegHints(h NegHints) { t.negHints, t.hasNegHints, t.Init2 = h, true, true }

// Decode reads a NegTokenInit framed as a GSS-API initial context token:
// 0x60 ... 06 06 2b 06 01 05 05 02 a0 ... (the whole of b).
func (t *NegTokenInit) Decode(b []byte) error {
	var g InitialContextToken
	if err := g.Decode(b); err != nil {
		return err
	}
	if g.ThisMech.Mech() != MechSPNEGO {
		return der.Errorf(layerInit, 2, ErrUnexpected, "GSS-API token of mechanism %s, not SPNEGO", g.ThisMech)
	}
	return t.decodeChoice(der.NewReader(g.Inner, len(b)-len(g.Inner), layerInit))
}

// decodeChoice reads the NegotiationToken choice [0] NegTokenInit.
func (t *NegTokenInit) decodeChoice(r der.Reader) error {
	*t = NegTokenInit{}
	c, err := r.Element(der.Context(0), "negTokenInit")
	if err != nil {
		return err
	}
	if err := r.Done("negTokenInit"); err != nil {
		return err
	}
	s, err := c.Element(asn1.SEQUENCE, "NegTokenInit")
	if err != nil {
		return err
	}
	if err := c.Done("negTokenInit"); err != nil {
		return err
	}
	if f, ok, err := s.Optional(der.Context(0), "mechTypes"); err != nil {
		return err
	} else if ok {
		l, err := f.Element(asn1.SEQUENCE, "mechTypes")
		if err != nil {
			return err
		}
		if err := f.Done("mechTypes"); err != nil {
			return err
		}
		if t.MechTypes, err = decodeMechTypeList(l); err != nil {
			return err
		}
		t.hasMechTypes = true
	}
	if f, ok, err := s.Optional(der.Context(1), "reqFlags"); err != nil {
		return err
	} else if ok {
		bs, err := f.Element(asn1.BIT_STRING, "reqFlags")
		if err != nil {
			return err
		}
		if err := f.Done("reqFlags"); err != nil {
			return err
		}
		if t.reqFlags, err = decodeContextFlags(bs); err != nil {
			return err
		}
		t.hasReqFlags = true
	}
	if f, ok, err := s.Optional(der.Context(2), "mechToken"); err != nil {
		return err
	} else if ok {
		if t.MechToken, err = octets(f, "mechToken"); err != nil {
			return err
		}
	}
	if f, ok, err := s.Optional(der.Context(3), "negHints or mechListMIC"); err != nil {
		return err
	} else if ok {
		switch tag, _ := f.Peek(); tag {
		case asn1.SEQUENCE:
			if err := t.decodeNegHints(f); err != nil {
				return err
			}
			t.Init2 = true
		default:
			if t.MechListMIC, err = octets(f, "mechListMIC"); err != nil {
				return err
			}
		}
	}
	if t.MechListMIC == nil {
		if f, ok, err := s.Optional(der.Context(4), "mechListMIC"); err != nil {
			return err
		} else if ok {
			if t.MechListMIC, err = octets(f, "mechListMIC"); err != nil {
				return err
			}
			t.Init2 = true
		}
	}
	// "..." in the ASN.1: later extensions are skipped.
	for !s.Empty() {
		if _, _, _, err := s.Next("extension"); err != nil {
			return err
		}
	}
	if !t.hasMechTypes && !t.Init2 {
		return der.Errorf(layerInit, s.Off(), ErrMalformed, "NegTokenInit without mechTypes")
	}
	return nil
}

func (t *NegTokenInit) decodeNegHints(f der.Reader) error {
	h, err := f.Element(asn1.SEQUENCE, "negHints")
	if err != nil {
		return err
	}
	if err := f.Done("negHints"); err != nil {
		return err
	}
	t.hasNegHints = true
	if n, ok, err := h.Optional(der.Context(0), "hintName"); err != nil {
		return err
	} else if ok {
		s, err := n.Element(der.GeneralString, "hintName")
		if err != nil {
			return err
		}
		if err := n.Done("hintName"); err != nil {
			return err
		}
		t.negHints.HintName = s.Bytes()
	}
	if a, ok, err := h.Optional(der.Context(1), "hintAddress"); err != nil {
		return err
	} else if ok {
		if t.negHints.HintAddress, err = octets(a, "hintAddress"); err != nil {
			return err
		}
	}
	return h.Done("negHints")
}

// octets reads the OCTET STRING that is the whole of r.
func octets(r der.Reader, what string) ([]byte, error) {
	o, err := r.Element(asn1.OCTET_STRING, what)
	if err != nil {
		return nil, err
	}
	if err := r.Done(what); err != nil {
		return nil, err
	}
	return o.Bytes(), nil
}

// Append appends t framed as a GSS-API initial context token with the
// SPNEGO OID to dst. MechTypes is written when it is not empty or when t
// is not a NegTokenInit2; mechListMIC goes at [4] when t.Init2 (or negHints
// are present), at [3] otherwise.
func (t NegTokenInit) Append(dst []byte) []byte {
	b := cryptobyte.NewBuilder(dst)
	b.AddASN1(tagGSS, func(b *cryptobyte.Builder) {
		b.AddASN1(asn1.OBJECT_IDENTIFIER, func(b *cryptobyte.Builder) { b.AddBytes([]byte(oidSPNEGO)) })
		t.addChoice(b)
	})
	return der.Finish(b)
}

func (t NegTokenInit) addChoice(b *cryptobyte.Builder) {
	init2 := t.Init2 || t.hasNegHints
	b.AddASN1(der.Context(0), func(b *cryptobyte.Builder) {
		b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
			if len(t.MechTypes.der) > 0 || !init2 || t.hasMechTypes {
				b.AddASN1(der.Context(0), func(b *cryptobyte.Builder) {
					b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddBytes(t.MechTypes.der) })
				})
			}
			if t.hasReqFlags {
				b.AddASN1(der.Context(1), func(b *cryptobyte.Builder) { addContextFlags(b, t.reqFlags) })
			}
			if t.MechToken != nil {
				der.AddExplicitOctets(b, 2, t.MechToken)
			}
			if t.hasNegHints {
				b.AddASN1(der.Context(3), func(b *cryptobyte.Builder) {
					b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
						if t.negHints.HintName != nil {
							der.AddExplicitString(b, 0, t.negHints.HintName)
						}
						if t.negHints.HintAddress != nil {
							der.AddExplicitOctets(b, 1, t.negHints.HintAddress)
						}
					})
				})
			}
			if t.MechListMIC != nil {
				n := uint8(3)
				if init2 {
					n = 4
				}
				der.AddExplicitOctets(b, n, t.MechListMIC)
			}
		})
	})
}

// String describes the token in one line, tokens by length only:
// "NegTokenInit mechTypes=[MS Kerberos, Kerberos, NTLM] mechToken=<1410 bytes>".
func (t NegTokenInit) String() string {
	var sb strings.Builder
	if t.Init2 {
		sb.WriteString("NegTokenInit2")
	} else {
		sb.WriteString("NegTokenInit")
	}
	fmt.Fprintf(&sb, " mechTypes=%s", t.MechTypes)
	if t.hasReqFlags {
		fmt.Fprintf(&sb, " reqFlags=%s", t.reqFlags)
	}
	if t.MechToken != nil {
		fmt.Fprintf(&sb, " mechToken=%s", t.MechToken)
	}
	if t.hasNegHints {
		fmt.Fprintf(&sb, " negHints.hintName=%q", t.negHints.HintName)
	}
	if t.MechListMIC != nil {
		fmt.Fprintf(&sb, " mechListMIC=%s", t.MechListMIC)
	}
	return sb.String()
}

// NegState is the state of the negotiation a NegTokenResp reports
// ([RFC 4178] 4.2.2).
type NegState uint8

// The negState values of [RFC 4178] 4.2.2.
const (
	AcceptCompleted  NegState = 0 // accept-completed: the context is established
	AcceptIncomplete NegState = 1 // accept-incomplete: more tokens follow
	Reject           NegState = 2 // reject: no mechanism in common, or authentication failed
	RequestMIC       NegState = 3 // request-mic: the acceptor asks the initiator for a mechListMIC
)

// String returns the state's ASN.1 name ("accept-completed", ...).
func (s NegState) String() string {
	switch s {
	case AcceptCompleted:
		return "accept-completed"
	case AcceptIncomplete:
		return "accept-incomplete"
	case Reject:
		return "reject"
	case RequestMIC:
		return "request-mic"
	}
	return fmt.Sprintf("negState(%d)", uint8(s))
}

// NegTokenResp is every SPNEGO token after the first ([RFC 4178] 4.2.2):
//
//	NegTokenResp ::= SEQUENCE {
//	    negState      [0] ENUMERATED { accept-completed (0), accept-incomplete (1),
//	                                   reject (2), request-mic (3) } OPTIONAL,
//	    supportedMech [1] MechType     OPTIONAL,
//	    responseToken [2] OCTET STRING OPTIONAL,
//	    mechListMIC   [3] OCTET STRING OPTIONAL, ... }
//
// On the wire it is the CHOICE tag [1] of NegotiationToken (0xa1), with no
// GSS-API framing. Byte fields are views into the decoded input.
type NegTokenResp struct {
	SupportedMech OID    // the mechanism the acceptor chose (its first token only), nil if absent
	ResponseToken Opaque // the mechanism's token, nil if absent
	MechListMIC   Opaque // nil if absent

	negState    NegState
	hasNegState bool
}

// NegState returns negState; ok is false when it is absent (as in the
// initiator's tokens after its first).
func (t NegTokenResp) NegState() (s NegState, ok bool) { return t.negState, t.hasNegState }

// SetNegState sets negState (present from now on).
func (t *NegTokenResp) SetNegState(s NegState) { t.negState, t.hasNegState = s, true }

// Decode reads a NegTokenResp, the whole of b: a1 ... 30 ....
func (t *NegTokenResp) Decode(b []byte) error {
	*t = NegTokenResp{}
	r := der.NewReader(b, 0, layerResp)
	c, err := r.Element(der.Context(1), "negTokenResp")
	if err != nil {
		return err
	}
	if err := r.Done("negTokenResp"); err != nil {
		return err
	}
	s, err := c.Element(asn1.SEQUENCE, "NegTokenResp")
	if err != nil {
		return err
	}
	if err := c.Done("negTokenResp"); err != nil {
		return err
	}
	if f, ok, err := s.Optional(der.Context(0), "negState"); err != nil {
		return err
	} else if ok {
		off := f.Off()
		v, err := f.Enumerated("negState")
		if err != nil {
			return err
		}
		if v < 0 || v > 3 {
			return der.Errorf(layerResp, off, ErrMalformed, "negState %d is not one of RFC 4178's", v)
		}
		if err := f.Done("negState"); err != nil {
			return err
		}
		t.negState, t.hasNegState = NegState(v), true
	}
	if f, ok, err := s.Optional(der.Context(1), "supportedMech"); err != nil {
		return err
	} else if ok {
		off := f.Off()
		o, err := f.Element(asn1.OBJECT_IDENTIFIER, "supportedMech")
		if err != nil {
			return err
		}
		if err := f.Done("supportedMech"); err != nil {
			return err
		}
		t.SupportedMech = OID(o.Bytes())
		if !t.SupportedMech.valid() {
			return der.Errorf(layerResp, off, ErrMalformed, "supportedMech is not a valid OBJECT IDENTIFIER")
		}
	}
	if f, ok, err := s.Optional(der.Context(2), "responseToken"); err != nil {
		return err
	} else if ok {
		if t.ResponseToken, err = octets(f, "responseToken"); err != nil {
			return err
		}
	}
	if f, ok, err := s.Optional(der.Context(3), "mechListMIC"); err != nil {
		return err
	} else if ok {
		if t.MechListMIC, err = octets(f, "mechListMIC"); err != nil {
			return err
		}
	}
	for !s.Empty() {
		if _, _, _, err := s.Next("extension"); err != nil {
			return err
		}
	}
	return nil
}

// Append appends t (a1 ... 30 ...) to dst. A negState that is not one of
// RFC 4178's, or a SupportedMech that is not a valid OBJECT IDENTIFIER, is
// an error (ErrMalformed), and dst is returned unchanged.
func (t NegTokenResp) Append(dst []byte) ([]byte, error) {
	if t.hasNegState && t.negState > RequestMIC {
		return dst, der.Errorf(layerResp, 0, ErrMalformed, "encoding: negState %d is not one of RFC 4178's", t.negState)
	}
	if t.SupportedMech != nil && !t.SupportedMech.valid() {
		return dst, der.Errorf(layerResp, 0, ErrMalformed, "encoding: supportedMech is not a valid OBJECT IDENTIFIER")
	}
	b := cryptobyte.NewBuilder(dst)
	b.AddASN1(der.Context(1), func(b *cryptobyte.Builder) {
		b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
			if t.hasNegState {
				b.AddASN1(der.Context(0), func(b *cryptobyte.Builder) { b.AddASN1Enum(int64(t.negState)) })
			}
			if t.SupportedMech != nil {
				b.AddASN1(der.Context(1), func(b *cryptobyte.Builder) {
					b.AddASN1(asn1.OBJECT_IDENTIFIER, func(b *cryptobyte.Builder) { b.AddBytes(t.SupportedMech) })
				})
			}
			if t.ResponseToken != nil {
				der.AddExplicitOctets(b, 2, t.ResponseToken)
			}
			if t.MechListMIC != nil {
				der.AddExplicitOctets(b, 3, t.MechListMIC)
			}
		})
	})
	return der.Finish(b), nil
}

// String describes the token in one line, tokens by length only:
// "NegTokenResp negState=accept-completed supportedMech=Kerberos responseToken=<156 bytes>".
func (t NegTokenResp) String() string {
	var sb strings.Builder
	sb.WriteString("NegTokenResp")
	if t.hasNegState {
		fmt.Fprintf(&sb, " negState=%s", t.negState)
	}
	if t.SupportedMech != nil {
		if m := t.SupportedMech.Mech(); m != MechUnknown {
			fmt.Fprintf(&sb, " supportedMech=%s", m)
		} else {
			fmt.Fprintf(&sb, " supportedMech=%s", t.SupportedMech)
		}
	}
	if t.ResponseToken != nil {
		fmt.Fprintf(&sb, " responseToken=%s", t.ResponseToken)
	}
	if t.MechListMIC != nil {
		fmt.Fprintf(&sb, " mechListMIC=%s", t.MechListMIC)
	}
	return sb.String()
}
