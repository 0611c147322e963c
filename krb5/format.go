package krb5

import (
	"fmt"
	"io"
)

// format writes the one-line form for %v and %s, the detailed form for %+v
// (every field), and the one-line form for any other verb: cipher texts
// are printed by length only under all of them.
func format(f fmt.State, verb rune, short func() string, detail func() string) {
	if verb == 'v' && f.Flag('+') {
		io.WriteString(f, detail())
		return
	}
	io.WriteString(f, short())
}

// Format prints String for %v and %s; %+v prints every field.
func (m APReq) Format(f fmt.State, verb rune) { format(f, verb, m.String, m.detail) }

func (m APReq) detail() string {
	return fmt.Sprintf("AP-REQ{pvno: %d, msg-type: %d %s, ap-options: 0x%08x %s, ticket: %s, authenticator: %s}",
		m.PVNO, int32(m.MsgType), m.MsgType, uint32(m.Options), m.Options, m.Ticket.detail(), m.Authenticator.detail())
}

// Format prints "sname@realm" for %v and %s; %+v prints every field.
func (t Ticket) Format(f fmt.State, verb rune) { format(f, verb, t.SPN, t.detail) }

func (t Ticket) detail() string {
	return fmt.Sprintf("Ticket{tkt-vno: %d, realm: %q, sname: %s %q, enc-part: %s}",
		t.TktVNO, t.Realm, t.SName.Type, t.SName.String(), t.EncPart.detail())
}

// Format prints String for %v and %s; %+v prints every field.
func (e EncryptedData) Format(f fmt.State, verb rune) { format(f, verb, e.String, e.detail) }

func (e EncryptedData) detail() string {
	kvno := "absent"
	if e.hasKVNO {
		kvno = fmt.Sprint(e.kvno)
	}
	return fmt.Sprintf("EncryptedData{etype: %d %s, kvno: %s, cipher: %s}", int32(e.EType), e.EType, kvno, e.Cipher)
}

// Format prints String for %v and %s; %+v prints every field.
func (m APRep) Format(f fmt.State, verb rune) { format(f, verb, m.String, m.detail) }

func (m APRep) detail() string {
	return fmt.Sprintf("AP-REP{pvno: %d, msg-type: %d %s, enc-part: %s}", m.PVNO, int32(m.MsgType), m.MsgType, m.EncPart.detail())
}

// Format prints String for %v and %s; %+v prints every field.
func (m KRBError) Format(f fmt.State, verb rune) { format(f, verb, m.String, m.detail) }

func (m KRBError) detail() string {
	opt := func(b []byte) string {
		if b == nil {
			return "absent"
		}
		return fmt.Sprintf("%q", b)
	}
	cusec, cname := "absent", "absent"
	if m.hasCUSec {
		cusec = fmt.Sprint(m.cusec)
	}
	if m.hasCName {
		cname = fmt.Sprintf("%s %q", m.cname.Type, m.cname.String())
	}
	edata := "absent"
	if m.EData != nil {
		edata = fmt.Sprintf("%d bytes", len(m.EData))
	}
	return fmt.Sprintf("KRB-ERROR{pvno: %d, msg-type: %d %s, ctime: %s, cusec: %s, stime: %s, susec: %d, error-code: %d %s (%s), "+
		"crealm: %s, cname: %s, realm: %q, sname: %s %q, e-text: %s, e-data: %s}",
		m.PVNO, int32(m.MsgType), m.MsgType, opt(m.CTime), cusec, m.STime, m.SUSec, int32(m.ErrorCode), m.ErrorCode, m.ErrorCode.Meaning(),
		opt(m.CRealm), cname, m.Realm, m.SName.Type, m.SName.String(), opt(m.EText), edata)
}

// String describes the token: "Kerberos AP-REQ (702 bytes)".
func (t GSSToken) String() string {
	return fmt.Sprintf("%s %s (%d bytes)", t.Mech.Mech(), t.ID, len(t.Message))
}

// Format prints String for every verb (the message is not printed).
func (t GSSToken) Format(f fmt.State, verb rune) {
	format(f, verb, t.String, func() string {
		kind := "(not a Kerberos message)"
		if mt, ok := PeekMsgType(t.Message); ok {
			kind = mt.String()
		}
		return fmt.Sprintf("GSSToken{mech: %s %s, tok-id: 0x%04x %s, message: %d bytes %s}", t.Mech, t.Mech.Mech(), uint16(t.ID), t.ID, len(t.Message), kind)
	})
}
