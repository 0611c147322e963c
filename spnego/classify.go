package spnego

import (
	"bytes"
	"fmt"

	"github.com/tdswire/tdswire/internal/der"
)

// Kind says what an SSPI blob is.
type Kind uint8

// The kinds of SSPI blob Classify tells apart.
const (
	KindUnknown    Kind = iota // none of the below
	KindNTLM                   // a raw NTLMSSP message ([MS-NLMP] 2.2.1, signature "NTLMSSP\0")
	KindKerberos               // a raw Kerberos V5 GSS-API token ([RFC 4121] 4.1): InitialContextToken with a Kerberos OID
	KindSPNEGOInit             // an SPNEGO NegTokenInit or NegTokenInit2 ([RFC 4178] 4.2.1, [MS-SPNG] 2.2.1)
	KindSPNEGOResp             // an SPNEGO NegTokenResp ([RFC 4178] 4.2.2)
	KindNegoEx                 // a raw NegoEx message ([MS-NEGOEX] 2.2.6, signature "NEGOEXTS")
	KindGSS                    // a GSS-API initial context token of another mechanism ([RFC 2743] 3.1)
)

// String returns the kind's name: "NTLM", "Kerberos", "SPNEGO NegTokenInit", ...
func (k Kind) String() string {
	switch k {
	case KindNTLM:
		return "NTLM"
	case KindKerberos:
		return "Kerberos"
	case KindSPNEGOInit:
		return "SPNEGO NegTokenInit"
	case KindSPNEGOResp:
		return "SPNEGO NegTokenResp"
	case KindNegoEx:
		return "NegoEx"
	case KindGSS:
		return "GSS-API token"
	}
	return "unknown"
}

// Kerberos token identifiers (TOK_ID, [RFC 4121] 4.1): the two bytes after
// the Kerberos OID in a context token.
const (
	TokIDAPReq    uint16 = 0x0100 // KRB_AP_REQ
	TokIDAPRep    uint16 = 0x0200 // KRB_AP_REP
	TokIDKRBError uint16 = 0x0300 // KRB_ERROR
)

// Blob is what Classify found in an SSPI blob. Byte fields are views into
// the classified input.
type Blob struct {
	Kind Kind
	// Mech is the mechanism of Token: for raw blobs the blob's own; inside
	// SPNEGO the one the inner token's bytes show (an optimistic Kerberos
	// token, or the NTLM message a client sends when it has no ticket),
	// else the first offered (NegTokenInit) or the supportedMech
	// (NegTokenResp); MechUnknown when there is no inner token.
	Mech Mech
	// Token is the mechanism's token: the NTLMSSP message, the whole
	// GSS-API-framed Kerberos token, or SPNEGO's mechToken or responseToken
	// (nil when the SPNEGO token carries none).
	Token Opaque
	// TokenID is the Kerberos TOK_ID of Token (TokIDAPReq, ...) when Token
	// is a Kerberos GSS-API token, else 0.
	TokenID uint16
	// ThisMech is the OID of a GSS-API framed blob (Kerberos, SPNEGO, other).
	ThisMech OID
	// Init is the decoded NegTokenInit when Kind is KindSPNEGOInit.
	Init NegTokenInit
	// Resp is the decoded NegTokenResp when Kind is KindSPNEGOResp.
	Resp NegTokenResp
}

const (
	ntlmSignature   = "NTLMSSP\x00"
	negoExSignature = "NEGOEXTS"
)

// Classify tells what an SSPI blob is (raw NTLMSSP, raw Kerberos, SPNEGO,
// NegoEx) and finds the mechanism token inside it. It allocates nothing.
//
// A blob that looks like SPNEGO or Kerberos but does not decode is an
// error; a blob that is none of the kinds is KindUnknown with a nil error.
func Classify(b []byte) (Blob, error) {
	var c Blob
	switch {
	case bytes.HasPrefix(b, []byte(ntlmSignature)):
		c.Kind, c.Mech, c.Token = KindNTLM, MechNTLM, b
		return c, nil
	case bytes.HasPrefix(b, []byte(negoExSignature)):
		c.Kind, c.Mech, c.Token = KindNegoEx, MechNegoEx, b
		return c, nil
	case len(b) > 0 && b[0] == byte(tagGSS):
		var g InitialContextToken
		if err := g.Decode(b); err != nil {
			return c, err
		}
		c.ThisMech = g.ThisMech
		switch m := g.ThisMech.Mech(); {
		case m == MechSPNEGO:
			c.Kind = KindSPNEGOInit
			if err := c.Init.decodeChoice(der.NewReader(g.Inner, len(b)-len(g.Inner), layerInit)); err != nil {
				return c, err
			}
			c.Token = c.Init.MechToken
			c.Mech = sniff(c.Token, c.Init.MechTypes.First().Mech())
		case m.IsKerberos():
			c.Kind, c.Mech, c.Token = KindKerberos, m, b
		default:
			c.Kind, c.Mech, c.Token = KindGSS, m, b
		}
	case len(b) > 0 && b[0] == 0xa1:
		c.Kind = KindSPNEGOResp
		if err := c.Resp.Decode(b); err != nil {
			return c, err
		}
		c.Token = c.Resp.ResponseToken
		c.Mech = sniff(c.Token, c.Resp.SupportedMech.Mech())
	default:
		return c, nil
	}
	if c.Mech.IsKerberos() {
		c.TokenID = kerberosTokID(c.Token)
	}
	return c, nil
}

// sniff returns the mechanism tok's bytes show, else def; MechUnknown for
// no token.
func sniff(tok []byte, def Mech) Mech {
	switch {
	case len(tok) == 0:
		return MechUnknown
	case bytes.HasPrefix(tok, []byte(ntlmSignature)):
		return MechNTLM
	case bytes.HasPrefix(tok, []byte(negoExSignature)):
		return MechNegoEx
	case tok[0] == byte(tagGSS):
		var g InitialContextToken
		if g.Decode(tok) == nil {
			if m := g.ThisMech.Mech(); m != MechUnknown {
				return m
			}
		}
	}
	return def
}

// kerberosTokID returns the TOK_ID of a Kerberos GSS-API token, 0 if tok is
// not one.
func kerberosTokID(tok []byte) uint16 {
	var g InitialContextToken
	if g.Decode(tok) != nil || !g.ThisMech.Mech().IsKerberos() || len(g.Inner) < 2 {
		return 0
	}
	return uint16(g.Inner[0])<<8 | uint16(g.Inner[1])
}

// String describes the blob in one line: "SPNEGO NegTokenInit
// mechTypes=[...] mechToken=<N bytes> (Kerberos AP-REQ)", "NTLM", ...
func (c Blob) String() string {
	var s string
	switch c.Kind {
	case KindSPNEGOInit:
		s = c.Init.String()
	case KindSPNEGOResp:
		s = c.Resp.String()
	case KindGSS:
		s = fmt.Sprintf("GSS-API token of mechanism %s", c.ThisMech)
	default:
		s = c.Kind.String()
	}
	if c.Kind == KindSPNEGOInit || c.Kind == KindSPNEGOResp {
		if c.Mech != MechUnknown {
			s += " (" + c.Mech.String()
			if c.TokenID != 0 {
				s += " " + TokIDName(c.TokenID)
			}
			s += ")"
		}
	} else if c.TokenID != 0 {
		s += " " + TokIDName(c.TokenID)
	}
	return s
}

// TokIDName names a Kerberos TOK_ID ([RFC 4121] 4.1): "AP-REQ", "AP-REP",
// "KRB-ERROR", or "TOK_ID 0x....".
func TokIDName(id uint16) string {
	switch id {
	case TokIDAPReq:
		return "AP-REQ"
	case TokIDAPRep:
		return "AP-REP"
	case TokIDKRBError:
		return "KRB-ERROR"
	}
	return fmt.Sprintf("TOK_ID 0x%04x", id)
}
