package spnego

import (
	"fmt"
	"io"
)

// format writes the one-line form for %v and %s, the detailed form for %+v
// (every field), and the one-line form for any other verb: tokens are
// printed by length only under all of them.
func format(f fmt.State, verb rune, short func() string, detail func() string) {
	if verb == 'v' && f.Flag('+') {
		io.WriteString(f, detail())
		return
	}
	io.WriteString(f, short())
}

// Format prints String for %v and %s; %+v prints every field:
// "NegTokenInit{mechTypes: [1.2.840.48018.1.2.2 MS Kerberos, ...], reqFlags: absent, ...}".
func (t NegTokenInit) Format(f fmt.State, verb rune) { format(f, verb, t.String, t.detail) }

func (t NegTokenInit) detail() string {
	var mechs []string
	for o := range t.MechTypes.All() {
		mechs = append(mechs, o.String()+" "+o.Mech().String())
	}
	flags, hints := "absent", "absent"
	if t.hasReqFlags {
		flags = t.reqFlags.String()
	}
	if t.hasNegHints {
		hints = fmt.Sprintf("{hintName: %q, hintAddress: %d bytes}", t.negHints.HintName, len(t.negHints.HintAddress))
	}
	return fmt.Sprintf("NegTokenInit{init2: %v, mechTypes: %q, reqFlags: %s, mechToken: %s (%s), negHints: %s, mechListMIC: %s}",
		t.Init2, mechs, flags, optional(t.MechToken), sniff(t.MechToken, MechUnknown), hints, optional(t.MechListMIC))
}

// Format prints String for %v and %s; %+v prints every field.
func (t NegTokenResp) Format(f fmt.State, verb rune) { format(f, verb, t.String, t.detail) }

func (t NegTokenResp) detail() string {
	state, mech := "absent", "absent"
	if t.hasNegState {
		state = t.negState.String()
	}
	if t.SupportedMech != nil {
		mech = t.SupportedMech.String() + " " + t.SupportedMech.Mech().String()
	}
	return fmt.Sprintf("NegTokenResp{negState: %s, supportedMech: %s, responseToken: %s (%s), mechListMIC: %s}",
		state, mech, optional(t.ResponseToken), sniff(t.ResponseToken, MechUnknown), optional(t.MechListMIC))
}

// Format prints String for %v and %s; %+v prints every field.
func (c Blob) Format(f fmt.State, verb rune) { format(f, verb, c.String, c.detail) }

func (c Blob) detail() string {
	s := fmt.Sprintf("Blob{kind: %s, mech: %s, token: %s, tokenID: 0x%04x, thisMech: %s", c.Kind, c.Mech, optional(c.Token), c.TokenID, c.ThisMech)
	switch c.Kind {
	case KindSPNEGOInit:
		s += ", init: " + c.Init.detail()
	case KindSPNEGOResp:
		s += ", resp: " + c.Resp.detail()
	}
	return s + "}"
}

func optional(o Opaque) string {
	if o == nil {
		return "absent"
	}
	return o.String()
}

// String returns "InitialContextToken 1.2.840.113554.1.2.2 Kerberos (<1234
// bytes>)": the mechanism and the length of the inner token, never its
// bytes (an AP-REQ with its ticket, an NTLM AUTHENTICATE_MESSAGE).
func (t InitialContextToken) String() string {
	return "InitialContextToken " + t.ThisMech.String() + " " + t.ThisMech.Mech().String() + " (" + t.Inner.String() + ")"
}

// Format prints String for %v and %s; %+v prints every field:
// "InitialContextToken{thisMech: 1.3.6.1.5.5.2 SPNEGO, innerContextToken:
// <90 bytes>}". No verb prints the inner token.
func (t InitialContextToken) Format(f fmt.State, verb rune) { format(f, verb, t.String, t.detail) }

func (t InitialContextToken) detail() string {
	return "InitialContextToken{thisMech: " + t.ThisMech.String() + " " + t.ThisMech.Mech().String() + ", innerContextToken: " + t.Inner.String() + "}"
}

// String returns "NegHints{hintName: \"not_defined_in_RFC4178@please_ignore\",
// hintAddress: <0 bytes>}" (each as absent when nil).
func (h NegHints) String() string {
	name := "absent"
	if h.HintName != nil {
		name = fmt.Sprintf("%q", h.HintName)
	}
	addr := "absent"
	if h.HintAddress != nil {
		addr = Opaque(h.HintAddress).String()
	}
	return "NegHints{hintName: " + name + ", hintAddress: " + addr + "}"
}
