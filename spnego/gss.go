package spnego

import (
	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"

	"github.com/tdswire/tdswire/internal/der"
)

// tagGSS is the identifier of InitialContextToken, [APPLICATION 0]
// IMPLICIT SEQUENCE ([RFC 2743] 3.1): 0x60.
const tagGSS = asn1.Tag(0x60)

// InitialContextToken is the mechanism-independent framing of a GSS-API
// initial context token ([RFC 2743] 3.1):
//
//	InitialContextToken ::= [APPLICATION 0] IMPLICIT SEQUENCE {
//	        thisMech MechType,
//	        innerContextToken ANY DEFINED BY thisMech }
//
// SPNEGO frames its NegTokenInit this way ([RFC 4178] 4.2), and Kerberos
// frames all its context tokens (AP-REQ, AP-REP, KRB-ERROR) this way,
// followed by a two-byte TOK_ID ([RFC 4121] 4.1).
//
// Both fields are views into the decoded input.
type InitialContextToken struct {
	ThisMech OID    // the mechanism
	Inner    Opaque // innerContextToken, the mechanism's bytes (not necessarily DER); prints as its length
}

// Decode reads the token that is the whole of b. Bytes after it are an
// error (ErrMalformed): TDS gives each token its own length.
func (t *InitialContextToken) Decode(b []byte) error {
	r := der.NewReader(b, 0, layerGSS)
	body, err := r.Element(tagGSS, "InitialContextToken")
	if err != nil {
		return err
	}
	if err := r.Done("the GSS-API token"); err != nil {
		return err
	}
	off := body.Off()
	m, err := body.Element(asn1.OBJECT_IDENTIFIER, "thisMech")
	if err != nil {
		return err
	}
	oid := OID(m.Bytes())
	if !oid.valid() {
		return der.Errorf(layerGSS, off, ErrMalformed, "thisMech is not a valid OBJECT IDENTIFIER")
	}
	t.ThisMech = oid
	t.Inner = body.Bytes()
	return nil
}

// Append appends t as an InitialContextToken to dst. A ThisMech that is
// not a valid OBJECT IDENTIFIER encoding is an error (ErrMalformed), and dst
// is returned unchanged.
func (t InitialContextToken) Append(dst []byte) ([]byte, error) {
	if !t.ThisMech.valid() {
		return dst, der.Errorf(layerGSS, 0, ErrMalformed, "encoding: thisMech is not a valid OBJECT IDENTIFIER")
	}
	b := cryptobyte.NewBuilder(dst)
	b.AddASN1(tagGSS, func(b *cryptobyte.Builder) {
		b.AddASN1(asn1.OBJECT_IDENTIFIER, func(b *cryptobyte.Builder) { b.AddBytes(t.ThisMech) })
		b.AddBytes(t.Inner)
	})
	return der.Finish(b), nil
}
