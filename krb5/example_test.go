package krb5_test

import (
	"fmt"
	"time"

	"github.com/tdswire/tdswire/krb5"
	"github.com/tdswire/tdswire/spnego"
)

// A service that cannot accept an AP-REQ answers with a KRB-ERROR; its
// code says why.
func ExampleKRBError_Decode() {
	e := krb5.KRBError{
		PVNO: 5, MsgType: krb5.MsgKRBError,
		STime:     krb5.NewKerberosTime(time.Date(2026, 12, 7, 2, 45, 0, 0, time.UTC)),
		ErrorCode: krb5.KRBAPErrModified,
		Realm:     []byte("CONTOSO.COM"),
		SName:     krb5.NewPrincipalName(krb5.NTSrvInst, "MSSQLSvc", "sql1.contoso.com:1433"),
	}
	msg, err := e.Append(nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	tok, err := krb5.GSSToken{Mech: spnego.MechKerberos.OID(), ID: krb5.TokKRBError, Message: msg}.Append(nil)
	if err != nil {
		fmt.Println(err)
		return
	}

	var g krb5.GSSToken
	var back krb5.KRBError
	if err := g.Decode(tok); err != nil || g.ID != krb5.TokKRBError {
		fmt.Println(err)
		return
	}
	if err := back.Decode(g.Message); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(back.ErrorCode, "-", back.ErrorCode.Meaning())
	fmt.Println(back.SName, back.STime.Time())
	// Output:
	// KRB_AP_ERR_MODIFIED - Message stream modified
	// MSSQLSvc/sql1.contoso.com:1433 2026-12-07 02:45:00 +0000 UTC
}

// The SPN, realm, etypes and key version a client's AP-REQ shows.
func ExampleAPReq_Decode() {
	req := krb5.APReq{
		PVNO: 5, MsgType: krb5.MsgAPReq, Options: krb5.APOptionMutualRequired,
		Ticket: krb5.Ticket{TktVNO: 5, Realm: []byte("CONTOSO.COM"),
			SName:   krb5.NewPrincipalName(krb5.NTSrvInst, "MSSQLSvc", "sql1.contoso.com:1433"),
			EncPart: krb5.EncryptedData{EType: krb5.AES256CTSHMACSHA196, Cipher: make([]byte, 300)}},
		Authenticator: krb5.EncryptedData{EType: krb5.AES256CTSHMACSHA196, Cipher: make([]byte, 180)},
	}
	req.Ticket.EncPart.SetKVNO(3)
	var m krb5.APReq
	b, err := req.Append(nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := m.Decode(b); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m.Ticket.SPN())
	fmt.Println(m.Ticket.EncPart)
	fmt.Println("mutual:", m.Options.MutualRequired())
	// Output:
	// MSSQLSvc/sql1.contoso.com:1433@CONTOSO.COM
	// etype=aes256-cts-hmac-sha1-96 kvno=3 cipher=<300 bytes>
	// mutual: true
}
