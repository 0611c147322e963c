package krb5

import (
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"

	"github.com/tdswire/tdswire/internal/der"
)

// MsgType is a Kerberos message type ([RFC 4120] 7.5.7), which is also the
// number of the message's APPLICATION tag.
type MsgType int32

// The message types of [RFC 4120] 7.5.7 that travel between a SQL Server
// client and the server (the KDC exchanges are listed for completeness).
const (
	MsgASReq    MsgType = 10 // KRB_AS_REQ: request for initial authentication
	MsgASRep    MsgType = 11 // KRB_AS_REP: response to KRB_AS_REQ request
	MsgTGSReq   MsgType = 12 // KRB_TGS_REQ: request for authentication based on TGT
	MsgTGSRep   MsgType = 13 // KRB_TGS_REP: response to KRB_TGS_REQ request
	MsgAPReq    MsgType = 14 // KRB_AP_REQ: application request to server
	MsgAPRep    MsgType = 15 // KRB_AP_REP: response to KRB_AP_REQ_MUTUAL
	MsgKRBError MsgType = 30 // KRB_ERROR: error response
)

// String returns "AP-REQ", "AP-REP", "KRB-ERROR", ... or "msg-type(N)".
func (t MsgType) String() string {
	switch t {
	case MsgASReq:
		return "AS-REQ"
	case MsgASRep:
		return "AS-REP"
	case MsgTGSReq:
		return "TGS-REQ"
	case MsgTGSRep:
		return "TGS-REP"
	case MsgAPReq:
		return "AP-REQ"
	case MsgAPRep:
		return "AP-REP"
	case MsgKRBError:
		return "KRB-ERROR"
	}
	return "msg-type(" + strconv.Itoa(int(t)) + ")"
}

// PeekMsgType returns the message type of a Kerberos message from its
// APPLICATION tag (RFC 4120 5.4-5.9 give each message the tag of its
// number); ok is false if b does not start with a low-number
// application tag (it reads one byte and checks nothing else).
func PeekMsgType(b []byte) (t MsgType, ok bool) {
	if len(b) == 0 || b[0]&0xe0 != 0x60 || b[0]&0x1f == 0x1f {
		return 0, false
	}
	return MsgType(b[0] & 0x1f), true
}

// APOptions are the options of an AP-REQ ([RFC 4120] 5.5.1), a
// KerberosFlags BIT STRING (5.2.8) of which the first 32 bits are kept:
// bit n of the BIT STRING is 1<<(31-n).
type APOptions uint32

// The AP options of [RFC 4120] 5.5.1.
const (
	APOptionReserved       APOptions = 1 << 31 // reserved(0)
	APOptionUseSessionKey  APOptions = 1 << 30 // use-session-key(1): the ticket is encrypted in a session key (user-to-user)
	APOptionMutualRequired APOptions = 1 << 29 // mutual-required(2): the client asks for an AP-REP
)

// MutualRequired reports whether the client asked for mutual
// authentication (an AP-REP).
func (o APOptions) MutualRequired() bool { return o&APOptionMutualRequired != 0 }

// String names the options set ("mutual-required|use-session-key"), "0" for none.
func (o APOptions) String() string {
	var parts []string
	if o&APOptionMutualRequired != 0 {
		parts = append(parts, "mutual-required")
	}
	if o&APOptionUseSessionKey != 0 {
		parts = append(parts, "use-session-key")
	}
	if o&APOptionReserved != 0 {
		parts = append(parts, "reserved")
	}
	if rest := o &^ (APOptionMutualRequired | APOptionUseSessionKey | APOptionReserved); rest != 0 {
		parts = append(parts, fmt.Sprintf("0x%08x", uint32(rest)))
	}
	if len(parts) == 0 {
		return "0"
	}
	return strings.Join(parts, "|")
}

func decodeAPOptions(r *der.Reader, n uint8, what string) (APOptions, error) {
	f, err := r.Element(der.Context(n), what)
	if err != nil {
		return 0, err
	}
	off := f.Off()
	bs, err := f.Element(asn1.BIT_STRING, what)
	if err != nil {
		return 0, err
	}
	if err := f.Done(what); err != nil {
		return 0, err
	}
	b := bs.Bytes()
	if len(b) == 0 || b[0] > 7 || len(b) == 1 && b[0] != 0 {
		return 0, der.Errorf(r.Layer, off, ErrMalformed, "%s: BIT STRING with a bad unused-bits octet", what)
	}
	var v uint32
	for i := range 4 {
		v <<= 8
		if 1+i < len(b) {
			v |= uint32(b[1+i])
		}
	}
	return APOptions(v), nil
}

// addAPOptions writes the 32-bit KerberosFlags form RFC 4120 5.2.8 asks
// senders to use.
func addAPOptions(b *cryptobyte.Builder, n uint8, o APOptions) {
	b.AddASN1(der.Context(n), func(b *cryptobyte.Builder) {
		b.AddASN1(asn1.BIT_STRING, func(b *cryptobyte.Builder) {
			b.AddUint8(0)
			b.AddUint32(uint32(o))
		})
	})
}

// Ticket is a Kerberos ticket ([RFC 4120] 5.3), as it travels in an AP-REQ:
//
//	Ticket ::= [APPLICATION 1] SEQUENCE {
//	        tkt-vno         [0] INTEGER (5),
//	        realm           [1] Realm,
//	        sname           [2] PrincipalName,
//	        enc-part        [3] EncryptedData -- EncTicketPart }
//
// Realm and SName are the service's: the SPN the client asked the KDC for.
// The enc-part is encrypted in the service's key of version EncPart.KVNO.
type Ticket struct {
	TktVNO  int64
	Realm   []byte // view
	SName   PrincipalName
	EncPart EncryptedData
}

// SPN returns the service principal name with its realm:
// "MSSQLSvc/sql1.contoso.com:1433@CONTOSO.COM".
func (t Ticket) SPN() string { return t.SName.String() + "@" + string(t.Realm) }

func decodeTicket(r *der.Reader, n uint8) (Ticket, error) {
	f, err := r.Element(der.Context(n), "ticket")
	if err != nil {
		return Ticket{}, err
	}
	a, err := f.Element(der.Application(1), "Ticket")
	if err != nil {
		return Ticket{}, err
	}
	if err := f.Done("ticket"); err != nil {
		return Ticket{}, err
	}
	s, err := a.Element(asn1.SEQUENCE, "Ticket")
	if err != nil {
		return Ticket{}, err
	}
	if err := a.Done("Ticket"); err != nil {
		return Ticket{}, err
	}
	var t Ticket
	if t.TktVNO, err = s.ExplicitInt(0, "tkt-vno", 5, 5); err != nil {
		return Ticket{}, err
	}
	if t.Realm, err = decodeString(&s, 1, "ticket realm"); err != nil {
		return Ticket{}, err
	}
	if t.SName, err = decodePrincipalName(&s, 2, "ticket sname"); err != nil {
		return Ticket{}, err
	}
	if t.EncPart, err = decodeEncryptedData(&s, 3, "ticket enc-part"); err != nil {
		return Ticket{}, err
	}
	return t, s.Done("Ticket")
}

func addTicket(b *cryptobyte.Builder, n uint8, t Ticket) {
	b.AddASN1(der.Context(n), func(b *cryptobyte.Builder) {
		b.AddASN1(der.Application(1), func(b *cryptobyte.Builder) {
			b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
				der.AddExplicitInt(b, 0, t.TktVNO)
				der.AddExplicitString(b, 1, t.Realm)
				addPrincipalName(b, 2, t.SName)
				addEncryptedData(b, 3, t.EncPart)
			})
		})
	})
}

// APReq is KRB_AP_REQ ([RFC 4120] 5.5.1), what a client sends a service
// to authenticate:
//
//	AP-REQ ::= [APPLICATION 14] SEQUENCE {
//	        pvno            [0] INTEGER (5),
//	        msg-type        [1] INTEGER (14),
//	        ap-options      [2] APOptions,
//	        ticket          [3] Ticket,
//	        authenticator   [4] EncryptedData -- Authenticator }
//
// The authenticator is encrypted in the ticket's session key.
type APReq struct {
	PVNO          int64
	MsgType       MsgType
	Options       APOptions
	Ticket        Ticket
	Authenticator EncryptedData
}

// Decode reads an AP-REQ, the whole of b (the message after a GSS-API
// token's TOK_ID, or a raw one).
func (m *APReq) Decode(b []byte) error {
	r := der.NewReader(b, 0, layerAPReq)
	s, err := openMessage(&r, MsgAPReq, "AP-REQ")
	if err != nil {
		return err
	}
	var v APReq
	if v.PVNO, err = s.ExplicitInt(0, "pvno", 5, 5); err != nil {
		return err
	}
	mt, err := s.ExplicitInt(1, "msg-type", 14, 14)
	if err != nil {
		return err
	}
	v.MsgType = MsgType(mt)
	if v.Options, err = decodeAPOptions(&s, 2, "ap-options"); err != nil {
		return err
	}
	if v.Ticket, err = decodeTicket(&s, 3); err != nil {
		return err
	}
	if v.Authenticator, err = decodeEncryptedData(&s, 4, "authenticator"); err != nil {
		return err
	}
	if err := s.Done("AP-REQ"); err != nil {
		return err
	}
	*m = v
	return nil
}

// Append appends m as DER to dst. Values Decode would refuse (pvno or
// tkt-vno other than 5, msg-type other than 14) are an error
// (ErrMalformed), and dst is returned unchanged.
func (m APReq) Append(dst []byte) ([]byte, error) {
	if m.PVNO != 5 || m.MsgType != MsgAPReq || m.Ticket.TktVNO != 5 {
		return dst, der.Errorf(layerAPReq, 0, ErrMalformed, "encoding: pvno %d, msg-type %d, tkt-vno %d; RFC 4120 5.5.1 wants 5, 14, 5", m.PVNO, m.MsgType, m.Ticket.TktVNO)
	}
	b := cryptobyte.NewBuilder(dst)
	b.AddASN1(der.Application(uint8(MsgAPReq)), func(b *cryptobyte.Builder) {
		b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
			der.AddExplicitInt(b, 0, m.PVNO)
			der.AddExplicitInt(b, 1, int64(m.MsgType))
			addAPOptions(b, 2, m.Options)
			addTicket(b, 3, m.Ticket)
			addEncryptedData(b, 4, m.Authenticator)
		})
	})
	return der.Finish(b), nil
}

// String describes the request in one line, cipher texts by length:
// "AP-REQ ap-options=mutual-required ticket: sname=MSSQLSvc/host:1433
// realm=EXAMPLE.COM etype=aes256-cts-hmac-sha1-96 kvno=2 cipher=<N bytes>
// authenticator: etype=aes256-cts-hmac-sha1-96 cipher=<N bytes>".
func (m APReq) String() string {
	return fmt.Sprintf("AP-REQ ap-options=%s ticket: sname=%s realm=%s %s authenticator: %s",
		m.Options, m.Ticket.SName, m.Ticket.Realm, m.Ticket.EncPart, m.Authenticator)
}

// APRep is KRB_AP_REP ([RFC 4120] 5.5.2), the service's answer to an
// AP-REQ that asked for mutual authentication:
//
//	AP-REP ::= [APPLICATION 15] SEQUENCE {
//	        pvno            [0] INTEGER (5),
//	        msg-type        [1] INTEGER (15),
//	        enc-part        [2] EncryptedData -- EncAPRepPart }
//
// The enc-part is encrypted in the ticket's session key.
type APRep struct {
	PVNO    int64
	MsgType MsgType
	EncPart EncryptedData
}

// Decode reads an AP-REP, the whole of b.
func (m *APRep) Decode(b []byte) error {
	r := der.NewReader(b, 0, layerAPRep)
	s, err := openMessage(&r, MsgAPRep, "AP-REP")
	if err != nil {
		return err
	}
	var v APRep
	if v.PVNO, err = s.ExplicitInt(0, "pvno", 5, 5); err != nil {
		return err
	}
	mt, err := s.ExplicitInt(1, "msg-type", 15, 15)
	if err != nil {
		return err
	}
	v.MsgType = MsgType(mt)
	if v.EncPart, err = decodeEncryptedData(&s, 2, "enc-part"); err != nil {
		return err
	}
	if err := s.Done("AP-REP"); err != nil {
		return err
	}
	*m = v
	return nil
}

// Append appends m as DER to dst. A pvno other than 5 or a msg-type other
// than 15 is an error (ErrMalformed), and dst is returned unchanged.
func (m APRep) Append(dst []byte) ([]byte, error) {
	if m.PVNO != 5 || m.MsgType != MsgAPRep {
		return dst, der.Errorf(layerAPRep, 0, ErrMalformed, "encoding: pvno %d, msg-type %d; RFC 4120 5.5.2 wants 5, 15", m.PVNO, m.MsgType)
	}
	b := cryptobyte.NewBuilder(dst)
	b.AddASN1(der.Application(uint8(MsgAPRep)), func(b *cryptobyte.Builder) {
		b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
			der.AddExplicitInt(b, 0, m.PVNO)
			der.AddExplicitInt(b, 1, int64(m.MsgType))
			addEncryptedData(b, 2, m.EncPart)
		})
	})
	return der.Finish(b), nil
}

// String describes the reply: "AP-REP enc-part: etype=aes256-cts-hmac-sha1-96 cipher=<N bytes>".
func (m APRep) String() string { return "AP-REP enc-part: " + m.EncPart.String() }

// KRBError is KRB_ERROR ([RFC 4120] 5.9.1), a KDC's or a service's
// refusal:
//
//	KRB-ERROR ::= [APPLICATION 30] SEQUENCE {
//	        pvno            [0] INTEGER (5),
//	        msg-type        [1] INTEGER (30),
//	        ctime           [2] KerberosTime OPTIONAL,
//	        cusec           [3] Microseconds OPTIONAL,
//	        stime           [4] KerberosTime,
//	        susec           [5] Microseconds,
//	        error-code      [6] Int32,
//	        crealm          [7] Realm OPTIONAL,
//	        cname           [8] PrincipalName OPTIONAL,
//	        realm           [9] Realm -- service realm --,
//	        sname           [10] PrincipalName -- service name --,
//	        e-text          [11] KerberosString OPTIONAL,
//	        e-data          [12] OCTET STRING OPTIONAL }
//
// Optional fields are nil (or HasCUSec false) when absent; byte fields are
// views into the decoded input.
type KRBError struct {
	PVNO      int64
	MsgType   MsgType
	CTime     KerberosTime // nil if absent
	STime     KerberosTime
	SUSec     int32
	ErrorCode ErrorCode
	CRealm    []byte // nil if absent
	Realm     []byte
	SName     PrincipalName
	EText     []byte // nil if absent
	EData     []byte // nil if absent

	cusec    int32
	hasCUSec bool
	cname    PrincipalName
	hasCName bool
}

// CUSec returns cusec; ok is false when it is absent.
func (m KRBError) CUSec() (us int32, ok bool) { return m.cusec, m.hasCUSec }

// SetCUSec sets cusec (present from now on).
func (m *KRBError) SetCUSec(us int32) { m.cusec, m.hasCUSec = us, true }

// CName returns cname, the client's name; ok is false when it is absent.
func (m KRBError) CName() (p PrincipalName, ok bool) { return m.cname, m.hasCName }

// SetCName sets cname (present from now on).
func (m *KRBError) SetCName(p PrincipalName) { m.cname, m.hasCName = p, true }

// Decode reads a KRB-ERROR, the whole of b.
func (m *KRBError) Decode(b []byte) error {
	r := der.NewReader(b, 0, layerError)
	s, err := openMessage(&r, MsgKRBError, "KRB-ERROR")
	if err != nil {
		return err
	}
	var v KRBError
	if v.PVNO, err = s.ExplicitInt(0, "pvno", 5, 5); err != nil {
		return err
	}
	mt, err := s.ExplicitInt(1, "msg-type", 30, 30)
	if err != nil {
		return err
	}
	v.MsgType = MsgType(mt)
	if next(&s, 2) {
		if v.CTime, err = decodeTime(&s, 2, "ctime"); err != nil {
			return err
		}
	}
	if next(&s, 3) {
		us, err := s.ExplicitInt(3, "cusec", 0, 999999)
		if err != nil {
			return err
		}
		v.cusec, v.hasCUSec = int32(us), true
	}
	if v.STime, err = decodeTime(&s, 4, "stime"); err != nil {
		return err
	}
	us, err := s.ExplicitInt(5, "susec", 0, 999999)
	if err != nil {
		return err
	}
	v.SUSec = int32(us)
	ec, err := s.ExplicitInt(6, "error-code", minInt32, maxInt32)
	if err != nil {
		return err
	}
	v.ErrorCode = ErrorCode(ec)
	if next(&s, 7) {
		if v.CRealm, err = decodeString(&s, 7, "crealm"); err != nil {
			return err
		}
	}
	if next(&s, 8) {
		if v.cname, err = decodePrincipalName(&s, 8, "cname"); err != nil {
			return err
		}
		v.hasCName = true
	}
	if v.Realm, err = decodeString(&s, 9, "realm"); err != nil {
		return err
	}
	if v.SName, err = decodePrincipalName(&s, 10, "sname"); err != nil {
		return err
	}
	if next(&s, 11) {
		if v.EText, err = decodeString(&s, 11, "e-text"); err != nil {
			return err
		}
	}
	if next(&s, 12) {
		f, err := s.Element(der.Context(12), "e-data")
		if err != nil {
			return err
		}
		o, err := f.Element(asn1.OCTET_STRING, "e-data")
		if err != nil {
			return err
		}
		if err := f.Done("e-data"); err != nil {
			return err
		}
		v.EData = o.Bytes()
	}
	if err := s.Done("KRB-ERROR"); err != nil {
		return err
	}
	*m = v
	return nil
}

// Append appends m as DER to dst. Values Decode would refuse (pvno other
// than 5, msg-type other than 30, a time that is not a KerberosTime,
// microseconds out of 0..999999) are an error (ErrMalformed), and dst is
// returned unchanged.
func (m KRBError) Append(dst []byte) ([]byte, error) {
	switch {
	case m.PVNO != 5 || m.MsgType != MsgKRBError:
		return dst, der.Errorf(layerError, 0, ErrMalformed, "encoding: pvno %d, msg-type %d; RFC 4120 5.9.1 wants 5, 30", m.PVNO, m.MsgType)
	case !validTimeFast(m.STime) || m.CTime != nil && !validTimeFast(m.CTime):
		return dst, der.Errorf(layerError, 0, ErrMalformed, "encoding: stime or ctime is not a KerberosTime (YYYYMMDDHHMMSSZ)")
	case m.SUSec < 0 || m.SUSec > 999999 || m.hasCUSec && (m.cusec < 0 || m.cusec > 999999):
		return dst, der.Errorf(layerError, 0, ErrMalformed, "encoding: susec or cusec out of range [0, 999999]")
	}
	b := cryptobyte.NewBuilder(dst)
	b.AddASN1(der.Application(uint8(MsgKRBError)), func(b *cryptobyte.Builder) {
		b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
			der.AddExplicitInt(b, 0, m.PVNO)
			der.AddExplicitInt(b, 1, int64(m.MsgType))
			if m.CTime != nil {
				addTime(b, 2, m.CTime)
			}
			if m.hasCUSec {
				der.AddExplicitInt(b, 3, int64(m.cusec))
			}
			addTime(b, 4, m.STime)
			der.AddExplicitInt(b, 5, int64(m.SUSec))
			der.AddExplicitInt(b, 6, int64(m.ErrorCode))
			if m.CRealm != nil {
				der.AddExplicitString(b, 7, m.CRealm)
			}
			if m.hasCName {
				addPrincipalName(b, 8, m.cname)
			}
			der.AddExplicitString(b, 9, m.Realm)
			addPrincipalName(b, 10, m.SName)
			if m.EText != nil {
				der.AddExplicitString(b, 11, m.EText)
			}
			if m.EData != nil {
				der.AddExplicitOctets(b, 12, m.EData)
			}
		})
	})
	return der.Finish(b), nil
}

// String describes the error in one line: "KRB-ERROR KRB_AP_ERR_SKEW (Clock
// skew too great) stime=20261207023400Z realm=EXAMPLE.COM
// sname=MSSQLSvc/host:1433 e-text=..." (e-data by length).
func (m KRBError) String() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "KRB-ERROR %s", m.ErrorCode)
	if mean := m.ErrorCode.Meaning(); mean != "" {
		fmt.Fprintf(&sb, " (%s)", mean)
	}
	fmt.Fprintf(&sb, " stime=%s realm=%s sname=%s", m.STime, m.Realm, m.SName)
	if m.EText != nil {
		fmt.Fprintf(&sb, " e-text=%q", m.EText)
	}
	if m.EData != nil {
		fmt.Fprintf(&sb, " e-data=<%d bytes>", len(m.EData))
	}
	return sb.String()
}

// openMessage reads [APPLICATION t] SEQUENCE, the whole of r, and returns a
// Reader over the SEQUENCE's contents. A message of another type is
// ErrUnexpected.
func openMessage(r *der.Reader, t MsgType, what string) (der.Reader, error) {
	if got, ok := PeekMsgType(r.Rest()); ok && got != t {
		return der.Reader{}, der.Errorf(r.Layer, 0, ErrUnexpected, "%s where an %s was expected", got, what)
	}
	a, err := r.Element(der.Application(uint8(t)), what)
	if err != nil {
		return der.Reader{}, err
	}
	if err := r.Done(what); err != nil {
		return der.Reader{}, err
	}
	s, err := a.Element(asn1.SEQUENCE, what)
	if err != nil {
		return der.Reader{}, err
	}
	return s, a.Done(what)
}

// next reports whether the next element is [n].
func next(r *der.Reader, n uint8) bool {
	t, ok := r.Peek()
	return ok && t == der.Context(n)
}
