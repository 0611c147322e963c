package krb5

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/tdswire/tdswire/spnego"
)

func components(p PrincipalName) []string {
	var s []string
	for c := range p.Components() {
		s = append(s, string(c))
	}
	return s
}

// The AP-REQ FreeTDS tsql sent in LOGIN7, every field.
func TestAPReqFreeTDSCapture(t *testing.T) {
	b := readHex(t, "apreq-freetds.hex")
	var tok GSSToken
	require.NoError(t, tok.Decode(b))
	if tok.Mech.Mech() != spnego.MechKerberos || tok.ID != TokAPReq || len(tok.Message) != 702 || tok.ID.String() != "AP-REQ" {
		t.Fatalf("token: mech %v id %v message %d bytes", tok.Mech, tok.ID, len(tok.Message))
	}
	if mt, ok := PeekMsgType(tok.Message); !ok || mt != MsgAPReq {
		t.Errorf("PeekMsgType = %v, %v", mt, ok)
	}
	for _, b := range [][]byte{nil, {0x30, 0x00}, {0x7f, 0x81}} {
		if mt, ok := PeekMsgType(b); ok {
			t.Errorf("PeekMsgType(% x) = %v, true; want not ok", b, mt)
		}
	}
	var req APReq
	require.NoError(t, req.Decode(tok.Message))
	m := tok.Message
	want := APReq{
		PVNO: 5, MsgType: MsgAPReq, Options: APOptionMutualRequired,
		Ticket: Ticket{
			TktVNO: 5, Realm: []byte("TDSWIRE.TEST"),
			SName:   NewPrincipalName(NTPrincipal, "MSSQLSvc", "localhost:14331"),
			EncPart: EncryptedData{EType: AES256CTSHMACSHA196, Cipher: m[126 : 126+368]},
		},
		Authenticator: EncryptedData{EType: AES256CTSHMACSHA196, Cipher: m[702-191:]},
	}
	want.Ticket.EncPart.SetKVNO(2)
	if diff := cmp.Diff(want, req, cmpOpts...); diff != "" {
		t.Errorf("Decode mismatch (-want +got):\n%s", diff)
	}
	if req.PVNO != 5 || req.MsgType != MsgAPReq || req.Options != APOptionMutualRequired || !req.Options.MutualRequired() {
		t.Errorf("pvno %d msg-type %v ap-options %v", req.PVNO, req.MsgType, req.Options)
	}
	tk := req.Ticket
	if tk.TktVNO != 5 || string(tk.Realm) != "TDSWIRE.TEST" || tk.SName.Type != NTPrincipal ||
		!slices.Equal(components(tk.SName), []string{"MSSQLSvc", "localhost:14331"}) || tk.SName.Len() != 2 {
		t.Errorf("ticket: tkt-vno %d realm %q sname %v %q", tk.TktVNO, tk.Realm, tk.SName.Type, components(tk.SName))
	}
	if tk.SPN() != "MSSQLSvc/localhost:14331@TDSWIRE.TEST" {
		t.Errorf("SPN %q", tk.SPN())
	}
	if kvno, ok := tk.EncPart.KVNO(); !ok || kvno != 2 || tk.EncPart.Cipher[0] != 0x17 {
		t.Errorf("ticket enc-part %v", tk.EncPart)
	}
	if _, ok := req.Authenticator.KVNO(); ok {
		t.Errorf("authenticator has a kvno: %v", req.Authenticator)
	}
	if got := must(req.Append(nil)); !bytes.Equal(got, tok.Message) {
		t.Error("AP-REQ does not re-encode to the captured bytes")
	}
	if got := must(tok.Append(nil)); !bytes.Equal(got, b) {
		t.Error("GSS token does not re-encode to the captured bytes")
	}
	wantStr := "AP-REQ ap-options=mutual-required ticket: sname=MSSQLSvc/localhost:14331 realm=TDSWIRE.TEST " +
		"etype=aes256-cts-hmac-sha1-96 kvno=2 cipher=<368 bytes> authenticator: etype=aes256-cts-hmac-sha1-96 cipher=<191 bytes>"
	if req.String() != wantStr {
		t.Errorf("String:\n got %s\nwant %s", req.String(), wantStr)
	}
	c, err := spnego.Classify(b)
	if err != nil || c.Kind != spnego.KindKerberos || c.TokenID != spnego.TokIDAPReq {
		t.Errorf("Classify: %v %v", c, err)
	}
}

func TestKRBErrorGolden(t *testing.T) {
	b := readHex(t, "krberror-skew.hex")
	var tok GSSToken
	require.NoError(t, tok.Decode(b))
	if tok.ID != TokKRBError {
		t.Fatalf("TOK_ID %v", tok.ID)
	}
	var e KRBError
	require.NoError(t, e.Decode(tok.Message))
	want := KRBError{PVNO: 5, MsgType: MsgKRBError, STime: KerberosTime("20261207024500Z"), SUSec: 123456,
		ErrorCode: KRBAPErrSkew, Realm: []byte("TDSWIRE.TEST"), SName: NewPrincipalName(NTSrvInst, "MSSQLSvc", "localhost:14331"),
		EText: []byte("clock skew")}
	if diff := cmp.Diff(want, e, cmpOpts...); diff != "" {
		t.Errorf("Decode mismatch (-want +got):\n%s", diff)
	}
	if _, ok := e.CUSec(); ok {
		t.Error("cusec present")
	}
	if _, ok := e.CName(); ok {
		t.Error("cname present")
	}
	if e.STime.String() != "20261207024500Z" || !e.STime.Time().Equal(time.Date(2026, 12, 7, 2, 45, 0, 0, time.UTC)) || e.SUSec != 123456 {
		t.Errorf("stime %v susec %d", e.STime, e.SUSec)
	}
	if e.ErrorCode != KRBAPErrSkew || e.ErrorCode.String() != "KRB_AP_ERR_SKEW" || e.ErrorCode.Meaning() != "Clock skew too great" {
		t.Errorf("error-code %d %v %q", e.ErrorCode, e.ErrorCode, e.ErrorCode.Meaning())
	}
	if string(e.Realm) != "TDSWIRE.TEST" || e.SName.Type != NTSrvInst || e.SName.String() != "MSSQLSvc/localhost:14331" || string(e.EText) != "clock skew" {
		t.Errorf("realm %q sname %v %v e-text %q", e.Realm, e.SName.Type, e.SName, e.EText)
	}
	if got := must(e.Append(nil)); !bytes.Equal(got, tok.Message) {
		t.Errorf("Append:\n got % x\nwant % x", got, tok.Message)
	}
	built := KRBError{PVNO: 5, MsgType: MsgKRBError, STime: NewKerberosTime(time.Date(2026, 12, 7, 2, 45, 0, 0, time.UTC)),
		SUSec: 123456, ErrorCode: KRBAPErrSkew, Realm: []byte("TDSWIRE.TEST"),
		SName: NewPrincipalName(NTSrvInst, "MSSQLSvc", "localhost:14331"), EText: []byte("clock skew")}
	if got := must((GSSToken{Mech: spnego.MechKerberos.OID(), ID: TokKRBError, Message: must(built.Append(nil))}).Append(nil)); !bytes.Equal(got, b) {
		t.Errorf("building the golden:\n got % x\nwant % x", got, b)
	}
	if !built.SName.Equal(e.SName) {
		t.Error("PrincipalName.Equal")
	}
	wantStr := `KRB-ERROR KRB_AP_ERR_SKEW (Clock skew too great) stime=20261207024500Z realm=TDSWIRE.TEST sname=MSSQLSvc/localhost:14331 e-text="clock skew"`
	if e.String() != wantStr {
		t.Errorf("String:\n got %s\nwant %s", e.String(), wantStr)
	}
}

func TestAPRepGolden(t *testing.T) {
	b := readHex(t, "aprep.hex")
	var r APRep
	require.NoError(t, r.Decode(b))
	want := APRep{PVNO: 5, MsgType: MsgAPRep, EncPart: EncryptedData{EType: AES256CTSHMACSHA196, Cipher: b[27:]}}
	if diff := cmp.Diff(want, r, cmpOpts...); diff != "" {
		t.Errorf("Decode mismatch (-want +got):\n%s", diff)
	}
	if got := must(r.Append(nil)); !bytes.Equal(got, b) {
		t.Errorf("Append % x", got)
	}
	if r.String() != "AP-REP enc-part: etype=aes256-cts-hmac-sha1-96 cipher=<16 bytes>" {
		t.Errorf("String %q", r.String())
	}
}

func TestDecodeErrors(t *testing.T) {
	apreq := readHex(t, "apreq-freetds.hex")[17:] // the AP-REQ message
	krberr := readHex(t, "krberror-skew.hex")[16:]
	aprep := readHex(t, "aprep.hex")
	mod := func(b []byte, i int, v byte) []byte { c := bytes.Clone(b); c[i] = v; return c }
	tests := []struct {
		name  string
		dec   func([]byte) error
		b     []byte
		class error
		off   int64
	}{
		{"AP-REP decoded as AP-REQ", (&APReq{}).Decode, aprep, ErrUnexpected, 0},
		{"KRB-ERROR decoded as AP-REP", (&APRep{}).Decode, krberr, ErrUnexpected, 0},
		{"AP-REQ truncated", (&APReq{}).Decode, apreq[:300], ErrTruncated, 0},
		{"AP-REQ pvno 4", (&APReq{}).Decode, mod(apreq, 12, 4), ErrMalformed, 10},
		{"AP-REQ msg-type 15", (&APReq{}).Decode, mod(apreq, 17, 15), ErrMalformed, 15},
		{"ticket tkt-vno 6", (&APReq{}).Decode, mod(apreq, 43, 6), ErrMalformed, 41},
		{"ticket realm not GeneralString", (&APReq{}).Decode, mod(apreq, 46, 0x0c), ErrMalformed, 46},
		{"AP-REQ trailing byte", (&APReq{}).Decode, append(bytes.Clone(apreq), 0), ErrMalformed, 702},
		{"KRB-ERROR stime month 13", (&KRBError{}).Decode, mod(mod(krberr, 22, '1'), 23, '3'), ErrMalformed, 16},
		{"KRB-ERROR susec 10^6", (&KRBError{}).Decode, mod(mod(mod(krberr, 37, 0x0f), 38, 0x42), 39, 0x40), ErrMalformed, 35},
		{"GSS token of SPNEGO", (&GSSToken{}).Decode, must(spnego.InitialContextToken{ThisMech: spnego.MechSPNEGO.OID(), Inner: []byte{1, 0}}.Append(nil)), ErrUnexpected, 2},
		{"GSS token without TOK_ID", (&GSSToken{}).Decode, must(spnego.InitialContextToken{ThisMech: spnego.MechKerberos.OID(), Inner: []byte{1}}.Append(nil)), ErrTruncated, 13},
		{"ap-options bad unused bits", (&APReq{}).Decode, mod(apreq, 22, 8), ErrMalformed, 20},
	}
	for _, tt := range tests {
		err := tt.dec(tt.b)
		var e *Error
		if !errors.Is(err, tt.class) || !errors.As(err, &e) {
			t.Errorf("%s: error %v, want class %v", tt.name, err, tt.class)
			continue
		}
		if e.Offset != tt.off {
			t.Errorf("%s: offset %d, want %d (%v)", tt.name, e.Offset, tt.off, err)
		}
	}
	// Every strict prefix fails, none panics.
	for _, m := range [][]byte{apreq, krberr, aprep} {
		for n := range len(m) {
			var a APReq
			var p APRep
			var k KRBError
			if a.Decode(m[:n]) == nil || p.Decode(m[:n]) == nil || k.Decode(m[:n]) == nil {
				t.Fatalf("prefix of %d bytes decoded", n)
			}
		}
	}
}

func TestNames(t *testing.T) {
	for e, want := range map[EType]string{1: "des-cbc-crc", 3: "des-cbc-md5", 16: "des3-cbc-sha1-kd", 17: "aes128-cts-hmac-sha1-96",
		18: "aes256-cts-hmac-sha1-96", 19: "aes128-cts-hmac-sha256-128", 20: "aes256-cts-hmac-sha384-192", 23: "rc4-hmac", 24: "rc4-hmac-exp", 99: "etype(99)"} {
		if e.String() != want {
			t.Errorf("etype %d: %s, want %s", int32(e), e, want)
		}
	}
	if !RC4HMAC.Weak() || AES256CTSHMACSHA196.Weak() {
		t.Error("Weak")
	}
	for c, want := range map[ErrorCode]string{0: "KDC_ERR_NONE", 7: "KDC_ERR_S_PRINCIPAL_UNKNOWN", 31: "KRB_AP_ERR_BAD_INTEGRITY",
		32: "KRB_AP_ERR_TKT_EXPIRED", 37: "KRB_AP_ERR_SKEW", 41: "KRB_AP_ERR_MODIFIED", 44: "KRB_AP_ERR_BADKEYVER", 60: "KRB_ERR_GENERIC", 43: "error-code(43)"} {
		if c.String() != want {
			t.Errorf("error-code %d: %s, want %s", int32(c), c, want)
		}
	}
	if KRBAPErrModified.Meaning() != "Message stream modified" || ErrorCode(43).Meaning() != "" {
		t.Error("Meaning")
	}
	if NTSrvInst.String() != "NT-SRV-INST" || NameType(99).String() != "name-type(99)" || MsgAPRep.String() != "AP-REP" {
		t.Error("names")
	}
	if (APOptionMutualRequired|APOptionUseSessionKey).String() != "mutual-required|use-session-key" || APOptions(0).String() != "0" {
		t.Error("APOptions.String")
	}
}

func TestCipherNeverPrints(t *testing.T) {
	b := readHex(t, "apreq-freetds.hex")[17:]
	var req APReq
	require.NoError(t, req.Decode(b))
	secret := fmt.Sprintf("%x", []byte(req.Ticket.EncPart.Cipher[:8]))
	for _, v := range []any{req, &req, req.Ticket, req.Authenticator, req.Ticket.EncPart.Cipher} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%X", "%q"} {
			out := fmt.Sprintf(verb, v)
			if strings.Contains(strings.ToLower(out), secret) || strings.Contains(out, string(req.Ticket.EncPart.Cipher[:8])) {
				t.Errorf("%s of %T printed cipher bytes: %.200s", verb, v, out)
			}
		}
	}
}

func TestDecodeAllocs(t *testing.T) {
	b := readHex(t, "apreq-freetds.hex")
	e := readHex(t, "krberror-skew.hex")
	var tok, etok GSSToken
	var req APReq
	var ke KRBError
	allocs := testing.AllocsPerRun(100, func() {
		if tok.Decode(b) != nil || req.Decode(tok.Message) != nil || etok.Decode(e) != nil || ke.Decode(etok.Message) != nil {
			t.Fatal("decode failed")
		}
		if req.Ticket.SName.Len() != 2 {
			t.Fatal("components")
		}
	})
	if allocs != 0 {
		t.Errorf("decoding allocates %.0f times, want 0", allocs)
	}
}

func TestDetailedFormat(t *testing.T) {
	b := readHex(t, "apreq-freetds.hex")
	var tok GSSToken
	require.NoError(t, tok.Decode(b))
	var req APReq
	require.NoError(t, req.Decode(tok.Message))
	got := fmt.Sprintf("%+v", req)
	want := `AP-REQ{pvno: 5, msg-type: 14 AP-REQ, ap-options: 0x20000000 mutual-required, ticket: Ticket{tkt-vno: 5, realm: "TDSWIRE.TEST", ` +
		`sname: NT-PRINCIPAL "MSSQLSvc/localhost:14331", enc-part: EncryptedData{etype: 18 aes256-cts-hmac-sha1-96, kvno: 2, cipher: <368 bytes>}}, ` +
		`authenticator: EncryptedData{etype: 18 aes256-cts-hmac-sha1-96, kvno: absent, cipher: <191 bytes>}}`
	if got != want {
		t.Errorf("%%+v:\n got %s\nwant %s", got, want)
	}
	if s := fmt.Sprintf("%v|%+v", tok, tok); s != "Kerberos AP-REQ (702 bytes)|GSSToken{mech: 1.2.840.113554.1.2.2 Kerberos, tok-id: 0x0100 AP-REQ, message: 702 bytes AP-REQ}" {
		t.Errorf("GSSToken: %s", s)
	}
	var e KRBError
	require.NoError(t, tok.Decode(readHex(t, "krberror-skew.hex")))
	require.NoError(t, e.Decode(tok.Message))
	if s := fmt.Sprintf("%+v", e); !strings.Contains(s, "error-code: 37 KRB_AP_ERR_SKEW (Clock skew too great)") || !strings.Contains(s, "cusec: absent") {
		t.Errorf("KRBError %%+v: %s", s)
	}
}

func TestAppendErrors(t *testing.T) {
	dst := []byte{0xff}
	check := func(name string, got []byte, err error) {
		t.Helper()
		if !errors.Is(err, ErrMalformed) || len(got) != 1 {
			t.Errorf("%s: %v, %d bytes; want ErrMalformed and dst unchanged", name, err, len(got))
		}
	}
	good := KRBError{PVNO: 5, MsgType: MsgKRBError, STime: KerberosTime("20261207024500Z"), Realm: []byte("R"), SName: NewPrincipalName(NTSrvInst, "s")}
	if _, err := good.Append(nil); err != nil {
		t.Fatal(err)
	}
	bad := good
	bad.STime = KerberosTime("2026-12-07")
	got, err := bad.Append(dst)
	check("KRB-ERROR bad stime", got, err)
	bad = good
	bad.SUSec = 1000000
	got, err = bad.Append(dst)
	check("KRB-ERROR susec", got, err)
	bad = good
	bad.PVNO = 4
	got, err = bad.Append(dst)
	check("KRB-ERROR pvno", got, err)
	got, err = APReq{PVNO: 5, MsgType: MsgAPRep}.Append(dst)
	check("AP-REQ msg-type", got, err)
	got, err = APRep{PVNO: 5, MsgType: MsgAPReq}.Append(dst)
	check("AP-REP msg-type", got, err)
	got, err = GSSToken{Mech: spnego.MechNTLM.OID()}.Append(dst)
	check("GSS token of NTLM", got, err)
}
