package krb5

import (
	"github.com/tdswire/tdswire/internal/der"
	"github.com/tdswire/tdswire/spnego"
)

// TokenID is the two-byte TOK_ID that follows the mechanism OID in a
// Kerberos GSS-API context token ([RFC 4121] 4.1).
type TokenID uint16

// The context token identifiers of [RFC 4121] 4.1.
const (
	TokAPReq    TokenID = TokenID(spnego.TokIDAPReq)    // 01 00: KRB_AP_REQ
	TokAPRep    TokenID = TokenID(spnego.TokIDAPRep)    // 02 00: KRB_AP_REP
	TokKRBError TokenID = TokenID(spnego.TokIDKRBError) // 03 00: KRB_ERROR
)

// String returns "AP-REQ", "AP-REP", "KRB-ERROR", or "TOK_ID 0x....".
func (id TokenID) String() string { return spnego.TokIDName(uint16(id)) }

// GSSToken is a Kerberos V5 GSS-API context token ([RFC 4121] 4.1): an
// InitialContextToken ([RFC 2743] 3.1) whose thisMech is Kerberos (or
// Microsoft's Kerberos OID) and whose innerContextToken is a TOK_ID
// followed by a Kerberos message. Mech and Message are views into the
// decoded input.
type GSSToken struct {
	Mech    spnego.OID
	ID      TokenID
	Message []byte // the AP-REQ, AP-REP or KRB-ERROR, in DER
}

// Decode reads a Kerberos GSS-API token, the whole of b. A token of
// another mechanism is ErrUnexpected.
func (t *GSSToken) Decode(b []byte) error {
	var g spnego.InitialContextToken
	if err := g.Decode(b); err != nil {
		if e, ok := err.(*Error); ok {
			e.Layer = layerToken
		}
		return err
	}
	if !g.ThisMech.Mech().IsKerberos() {
		return der.Errorf(layerToken, 2, ErrUnexpected, "GSS-API token of mechanism %s, not Kerberos", g.ThisMech)
	}
	off := len(b) - len(g.Inner)
	if len(g.Inner) < 2 {
		return der.Errorf(layerToken, off, ErrTruncated, "innerContextToken of %d bytes has no TOK_ID", len(g.Inner))
	}
	t.Mech = g.ThisMech
	t.ID = TokenID(g.Inner[0])<<8 | TokenID(g.Inner[1])
	t.Message = g.Inner[2:]
	return nil
}

// Append appends t to dst as a GSS-API token. A Mech that is not one of
// the Kerberos OIDs is an error (ErrMalformed), and dst is returned
// unchanged.
func (t GSSToken) Append(dst []byte) ([]byte, error) {
	if !t.Mech.Mech().IsKerberos() {
		return dst, der.Errorf(layerToken, 0, ErrMalformed, "encoding: mechanism %s is not Kerberos", t.Mech)
	}
	inner := make([]byte, 0, 2+len(t.Message))
	inner = append(inner, byte(t.ID>>8), byte(t.ID))
	inner = append(inner, t.Message...)
	return spnego.InitialContextToken{ThisMech: t.Mech, Inner: inner}.Append(dst)
}
