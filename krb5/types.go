package krb5

import (
	"fmt"
	"iter"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"

	"github.com/tdswire/tdswire/internal/der"
)

// Int32 and UInt32 bounds ([RFC 4120] 5.2.4).
const (
	minInt32  = -1 << 31
	maxInt32  = 1<<31 - 1
	maxUInt32 = 1<<32 - 1
)

// NameType is a PrincipalName's name-type ([RFC 4120] 6.2).
type NameType int32

// The name types of [RFC 4120] 6.2 (and NT-ENTERPRISE of [RFC 6806] 5).
const (
	NTUnknown       NameType = 0  // NT-UNKNOWN: name type not known
	NTPrincipal     NameType = 1  // NT-PRINCIPAL: just the name of the principal, as in DCE, or for users
	NTSrvInst       NameType = 2  // NT-SRV-INST: service and other unique instance (krbtgt)
	NTSrvHst        NameType = 3  // NT-SRV-HST: service with host name as instance (telnet, rcommands)
	NTSrvXhst       NameType = 4  // NT-SRV-XHST: service with host as remaining components
	NTUID           NameType = 5  // NT-UID: unique ID
	NTX500Principal NameType = 6  // NT-X500-PRINCIPAL: encoded X.509 Distinguished name
	NTSMTPName      NameType = 7  // NT-SMTP-NAME: name in form of SMTP email name
	NTEnterprise    NameType = 10 // NT-ENTERPRISE: enterprise name, may be mapped to principal name
)

// String returns the RFC's name ("NT-SRV-INST"), or "name-type(N)".
func (t NameType) String() string {
	switch t {
	case NTUnknown:
		return "NT-UNKNOWN"
	case NTPrincipal:
		return "NT-PRINCIPAL"
	case NTSrvInst:
		return "NT-SRV-INST"
	case NTSrvHst:
		return "NT-SRV-HST"
	case NTSrvXhst:
		return "NT-SRV-XHST"
	case NTUID:
		return "NT-UID"
	case NTX500Principal:
		return "NT-X500-PRINCIPAL"
	case NTSMTPName:
		return "NT-SMTP-NAME"
	case NTEnterprise:
		return "NT-ENTERPRISE"
	}
	return "name-type(" + strconv.Itoa(int(t)) + ")"
}

// PrincipalName names a client or a service ([RFC 4120] 5.2.2):
//
//	PrincipalName ::= SEQUENCE {
//	        name-type       [0] Int32,
//	        name-string     [1] SEQUENCE OF KerberosString }
//
// A SQL Server's service principal is NT-SRV-INST "MSSQLSvc" "host:port".
// The components are views into the decoded input.
type PrincipalName struct {
	Type NameType
	seq  []byte // DER contents of name-string: GeneralString elements
}

// NewPrincipalName returns the name with the components, for encoding.
func NewPrincipalName(t NameType, components ...string) PrincipalName {
	b := cryptobyte.NewBuilder(nil)
	for _, c := range components {
		b.AddASN1(der.GeneralString, func(b *cryptobyte.Builder) { b.AddBytes([]byte(c)) })
	}
	return PrincipalName{Type: t, seq: der.Finish(b)}
}

// Components yields the name-string components, first first.
func (p PrincipalName) Components() iter.Seq[[]byte] {
	return func(yield func([]byte) bool) {
		s := cryptobyte.String(p.seq)
		for !s.Empty() {
			var c cryptobyte.String
			if !s.ReadASN1(&c, der.GeneralString) || !yield(c) {
				return
			}
		}
	}
}

// Len returns the number of components.
func (p PrincipalName) Len() int {
	n := 0
	for range p.Components() {
		n++
	}
	return n
}

// String joins the components with "/": "MSSQLSvc/sql1.contoso.com:1433".
// (A "/" or "@" inside a component is written as is.)
func (p PrincipalName) String() string {
	var sb strings.Builder
	for c := range p.Components() {
		if sb.Len() > 0 {
			sb.WriteByte('/')
		}
		sb.Write(c)
	}
	return sb.String()
}

// Equal reports whether p and q have the same type and components.
func (p PrincipalName) Equal(q PrincipalName) bool {
	return p.Type == q.Type && string(p.seq) == string(q.seq)
}

func decodePrincipalName(r *der.Reader, n uint8, what string) (PrincipalName, error) {
	f, err := r.Element(der.Context(n), what)
	if err != nil {
		return PrincipalName{}, err
	}
	s, err := f.Element(asn1.SEQUENCE, what)
	if err != nil {
		return PrincipalName{}, err
	}
	if err := f.Done(what); err != nil {
		return PrincipalName{}, err
	}
	t, err := s.ExplicitInt(0, "name-type", minInt32, maxInt32)
	if err != nil {
		return PrincipalName{}, err
	}
	ns, err := s.Element(der.Context(1), "name-string")
	if err != nil {
		return PrincipalName{}, err
	}
	seq, err := ns.Element(asn1.SEQUENCE, "name-string")
	if err != nil {
		return PrincipalName{}, err
	}
	if err := ns.Done("name-string"); err != nil {
		return PrincipalName{}, err
	}
	if err := s.Done(what); err != nil {
		return PrincipalName{}, err
	}
	p := PrincipalName{Type: NameType(t), seq: seq.Rest()}
	for !seq.Empty() {
		if _, err := seq.Element(der.GeneralString, "name-string component"); err != nil {
			return PrincipalName{}, err
		}
	}
	return p, nil
}

func addPrincipalName(b *cryptobyte.Builder, n uint8, p PrincipalName) {
	b.AddASN1(der.Context(n), func(b *cryptobyte.Builder) {
		b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
			der.AddExplicitInt(b, 0, int64(p.Type))
			b.AddASN1(der.Context(1), func(b *cryptobyte.Builder) {
				b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddBytes(p.seq) })
			})
		})
	})
}

// decodeString reads [n] KerberosString (or Realm): a GeneralString that
// RFC 4120 5.2.1 restricts to IA5 in practice; the bytes are returned as
// they are.
func decodeString(r *der.Reader, n uint8, what string) ([]byte, error) {
	f, err := r.Element(der.Context(n), what)
	if err != nil {
		return nil, err
	}
	s, err := f.Element(der.GeneralString, what)
	if err != nil {
		return nil, err
	}
	return s.Bytes(), f.Done(what)
}

// KerberosTime is a time in Kerberos' restricted GeneralizedTime
// ([RFC 4120] 5.2.3): "YYYYMMDDHHMMSSZ", UTC, no fractional seconds. It is
// a view into the decoded input, checked for that shape when decoded.
type KerberosTime []byte

// Time returns t as a time.Time in UTC (the zero Time for an absent field).
func (t KerberosTime) Time() time.Time {
	if len(t) != 15 {
		return time.Time{}
	}
	n := func(i, j int) int {
		v := 0
		for _, c := range t[i:j] {
			v = v*10 + int(c-'0')
		}
		return v
	}
	return time.Date(n(0, 4), time.Month(n(4, 6)), n(6, 8), n(8, 10), n(10, 12), n(12, 14), 0, time.UTC)
}

// String returns the time as written, "20261207023400Z", or "" if absent.
func (t KerberosTime) String() string { return string(t) }

// NewKerberosTime returns tm in Kerberos' form, for encoding.
func NewKerberosTime(tm time.Time) KerberosTime {
	return KerberosTime(tm.UTC().Format("20060102150405Z"))
}

func decodeTime(r *der.Reader, n uint8, what string) (KerberosTime, error) {
	f, err := r.Element(der.Context(n), what)
	if err != nil {
		return nil, err
	}
	off := f.Off()
	g, err := f.Element(asn1.GeneralizedTime, what)
	if err != nil {
		return nil, err
	}
	if err := f.Done(what); err != nil {
		return nil, err
	}
	t := g.Bytes()
	if !validTimeFast(t) {
		return nil, der.Errorf(r.Layer, off, ErrMalformed, "%s: %q is not a KerberosTime (YYYYMMDDHHMMSSZ)", what, t)
	}
	return KerberosTime(t), nil
}

// validTimeFast checks the shape and the field ranges without allocating.
func validTimeFast(t []byte) bool {
	if len(t) != 15 || t[14] != 'Z' {
		return false
	}
	for _, c := range t[:14] {
		if c < '0' || c > '9' {
			return false
		}
	}
	n := func(i, j int) int {
		v := 0
		for _, c := range t[i:j] {
			v = v*10 + int(c-'0')
		}
		return v
	}
	mo, d, h, mi, s := n(4, 6), n(6, 8), n(8, 10), n(10, 12), n(12, 14)
	if mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 60 {
		return false
	}
	// Days in the month (time.Date with day 0 of the next month).
	days := time.Date(n(0, 4), time.Month(mo)+1, 0, 0, 0, 0, 0, time.UTC).Day()
	return d <= days
}

func addTime(b *cryptobyte.Builder, n uint8, t KerberosTime) {
	b.AddASN1(der.Context(n), func(b *cryptobyte.Builder) {
		b.AddASN1(asn1.GeneralizedTime, func(b *cryptobyte.Builder) { b.AddBytes(t) })
	})
}

// EncryptedData is an encrypted part ([RFC 4120] 5.2.9):
//
//	EncryptedData ::= SEQUENCE {
//	        etype   [0] Int32 -- EncryptionType --,
//	        kvno    [1] UInt32 OPTIONAL,
//	        cipher  [2] OCTET STRING -- ciphertext }
//
// The cipher text is a view into the decoded input and prints as its length.
type EncryptedData struct {
	EType  EType
	Cipher Cipher

	kvno    uint32
	hasKVNO bool
}

// KVNO returns the key version number; ok is false when kvno is absent
// (an authenticator's or an AP-REP's part, in the session key, has none).
func (e EncryptedData) KVNO() (kvno uint32, ok bool) { return e.kvno, e.hasKVNO }

// SetKVNO sets kvno (present from now on).
func (e *EncryptedData) SetKVNO(kvno uint32) { e.kvno, e.hasKVNO = kvno, true }

// String describes the part: "etype=aes256-cts-hmac-sha1-96 kvno=3 cipher=<274 bytes>".
func (e EncryptedData) String() string {
	if e.hasKVNO {
		return fmt.Sprintf("etype=%s kvno=%d cipher=%s", e.EType, e.kvno, e.Cipher)
	}
	return fmt.Sprintf("etype=%s cipher=%s", e.EType, e.Cipher)
}

func decodeEncryptedData(r *der.Reader, n uint8, what string) (EncryptedData, error) {
	f, err := r.Element(der.Context(n), what)
	if err != nil {
		return EncryptedData{}, err
	}
	s, err := f.Element(asn1.SEQUENCE, what)
	if err != nil {
		return EncryptedData{}, err
	}
	if err := f.Done(what); err != nil {
		return EncryptedData{}, err
	}
	var e EncryptedData
	et, err := s.ExplicitInt(0, "etype", minInt32, maxInt32)
	if err != nil {
		return EncryptedData{}, err
	}
	e.EType = EType(et)
	if t, ok := s.Peek(); ok && t == der.Context(1) {
		v, err := s.ExplicitInt(1, "kvno", 0, maxUInt32)
		if err != nil {
			return EncryptedData{}, err
		}
		e.kvno, e.hasKVNO = uint32(v), true
	}
	c, err := s.Element(der.Context(2), "cipher")
	if err != nil {
		return EncryptedData{}, err
	}
	o, err := c.Element(asn1.OCTET_STRING, "cipher")
	if err != nil {
		return EncryptedData{}, err
	}
	if err := c.Done("cipher"); err != nil {
		return EncryptedData{}, err
	}
	e.Cipher = o.Bytes()
	return e, s.Done(what)
}

func addEncryptedData(b *cryptobyte.Builder, n uint8, e EncryptedData) {
	b.AddASN1(der.Context(n), func(b *cryptobyte.Builder) {
		b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
			der.AddExplicitInt(b, 0, int64(e.EType))
			if e.hasKVNO {
				der.AddExplicitInt(b, 1, int64(e.kvno))
			}
			der.AddExplicitOctets(b, 2, e.Cipher)
		})
	})
}
