package main

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/tdswire/tdswire/krb5"
	"github.com/tdswire/tdswire/login7"
	"github.com/tdswire/tdswire/spnego"
	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tokens"
)

// The Kerberos captures in ../testdata/captures were taken by
// examples/interop's TestKerberosLogins (TDSWIRE_CAPTURE_DIR): FreeTDS tsql
// (raw Kerberos with mutual authentication), go-mssqldb (SPNEGO), and tsql
// refused for another service's keytab and for a stale key version. The
// interop package checks every SSPI field of them against tshark's
// kerberos.* fields; the .txt files are tdstrace's explanation, read
// against that dissection when written, and kept from drifting here.
func TestKerberosGoldenCaptures(t *testing.T) {
	for _, name := range []string{"kerberos-tsql", "kerberos-go-mssqldb", "kerberos-tsql-other-spn", "kerberos-tsql-wrong-kvno"} {
		t.Run(name, func(t *testing.T) {
			want, err := os.ReadFile("../testdata/captures/" + name + ".txt")
			if err != nil {
				t.Fatal(err)
			}
			if got := trace(t, "../testdata/captures/"+name+".pcap"); got != string(want) {
				t.Errorf("tdstrace output differs from %s.txt:\n%s", name, lineDiff(string(want), got))
			}
		})
	}
}

func TestKerberosSummaries(t *testing.T) {
	one := func(t *testing.T, name string) (*Summary, []*FrameRecord) {
		ss, frs := summaries(t, "../testdata/captures/"+name+".pcap", "43669")
		if len(ss) != 1 {
			t.Fatalf("%d conversations", len(ss))
		}
		return ss[0], frs
	}
	t.Run("tsql", func(t *testing.T) {
		s, _ := one(t, "kerberos-tsql")
		k := s.Kerberos
		if s.Authentication != "Kerberos" || s.AuthScheme != "KERBEROS" || s.Login != "succeeded" || k == nil || s.SPNEGO != nil || len(s.Diagnoses) != 0 {
			t.Fatalf("summary %+v", s)
		}
		if k.SPN != "MSSQLSvc/localhost:43669" || k.Realm != "TDSWIRE.TEST" || k.TicketEType != "aes256-cts-hmac-sha1-96" || k.KVNO == nil || *k.KVNO != 2 ||
			k.AuthenticatorEType != "aes256-cts-hmac-sha1-96" || !k.MutualRequired || k.Reply != "AP-REP" || k.ReplyEType != "aes256-cts-hmac-sha1-96" {
			t.Errorf("kerberos %+v", k)
		}
	})
	t.Run("go-mssqldb", func(t *testing.T) {
		s, _ := one(t, "kerberos-go-mssqldb")
		k, sp := s.Kerberos, s.SPNEGO
		if s.Authentication != "Kerberos (SPNEGO)" || s.AuthScheme != "KERBEROS" || k == nil || sp == nil {
			t.Fatalf("summary %+v", s)
		}
		if k.SPN != "MSSQLSvc/localhos:43669" || k.MutualRequired || k.Reply != "none" {
			t.Errorf("kerberos %+v", k)
		}
		if strings.Join(sp.Offered, ",") != "Kerberos" || sp.TokenMech != "Kerberos" || sp.Chosen != "Kerberos" || sp.NegState != "accept-completed" {
			t.Errorf("spnego %+v", sp)
		}
		if len(s.Diagnoses) != 1 || !strings.Contains(s.Diagnoses[0], "one character short") {
			t.Errorf("diagnoses %q", s.Diagnoses)
		}
	})
	t.Run("wrong-kvno", func(t *testing.T) {
		s, _ := one(t, "kerberos-tsql-wrong-kvno")
		if s.Login != "failed" || s.ErrorNumber != 18452 || s.Kerberos == nil || *s.Kerberos.KVNO != 3 || len(s.Diagnoses) != 1 ||
			!strings.Contains(s.Diagnoses[0], "without a KRB-ERROR") || !strings.Contains(s.Diagnoses[0], "key version 3") {
			t.Errorf("summary %+v, diagnoses %q", s, s.Diagnoses)
		}
	})
}

// TestKerberosJSON checks the -json records: the LOGIN7 frame's sspi
// object and the conversation's kerberos object.
func TestKerberosJSON(t *testing.T) {
	out := trace(t, "-json", "../testdata/captures/kerberos-tsql.pcap")
	var login, conv map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatalf("%v: %s", err, l)
		}
		if rec["record"] == "conversation" {
			conv = rec
		}
		if strings.Contains(l, `"login7"`) {
			login = rec
		}
	}
	if login == nil || conv == nil {
		t.Fatalf("no LOGIN7 frame or no conversation record:\n%s", out)
	}
	for _, want := range []string{`"kind":"Kerberos"`, `"message":"AP-REQ"`, `"spn":"MSSQLSvc/localhost:43669"`, `"realm":"TDSWIRE.TEST"`,
		`"ticket_etype":"aes256-cts-hmac-sha1-96"`, `"kvno":2`, `"mutual_required":true`} {
		if b, _ := json.Marshal(login); !strings.Contains(string(b), want) {
			t.Errorf("LOGIN7 frame record lacks %s: %s", want, b)
		}
	}
	for _, want := range []string{`"auth_scheme":"KERBEROS"`, `"reply":"AP-REP"`, `"reply_etype":"aes256-cts-hmac-sha1-96"`} {
		if b, _ := json.Marshal(conv); !strings.Contains(string(b), want) {
			t.Errorf("conversation record lacks %s: %s", want, b)
		}
	}
}

// kerberosLogin7 is a TDS LOGIN7 message with integrated security and sspi.
func kerberosLogin7(t *testing.T, sspi []byte) []byte {
	t.Helper()
	var l login7.Login7
	l.TDSVersion = tds.Version74
	l.PacketSize = 4096
	l.OptionFlags2 = login7.FIntSecurity
	l.SetNames(login7.Names{HostName: "WS1", AppName: "app", ServerName: "sql1.contoso.com"})
	l.SSPI = sspi
	body, err := l.Append(nil)
	if err != nil {
		t.Fatal(err)
	}
	return packet(tds.PacketLogin7, body)
}

// sspiThenError is the server's refusal: an SSPI token with blob, then
// ERROR 18452 and DONE.
func sspiThenError(blob []byte) []byte {
	body := fixed(tokens.SSPI{Buffer: blob}.Append(nil))
	body = fixed(tokens.Message{Type: tokens.TokenError, Number: 18452, State: 1, Class: 14,
		MsgText: tds.UCS2(tds.AppendUCS2(nil, "Login failed. The login is from an untrusted domain and cannot be used with Integrated authentication."))}.Append(body, tds.Version74))
	body = tokens.Done{Status: 0x0002}.Append(body, tds.Version74)
	return packet(tds.PacketResponse, body)
}

// TestKerberosSynthetic explains hand-made logins: a server answering the
// AP-REQ with KRB-ERROR KRB_AP_ERR_SKEW, and a client that offers Kerberos
// in SPNEGO but sends NTLM.
func TestKerberosSynthetic(t *testing.T) {
	apreq := readHexFile(t, "testdata/hex/kerberos-apreq.hex")
	krbErr := readHexFile(t, "testdata/hex/kerberos-krberror-skew.hex")
	ss := traceSynth(t, func(s *synth) {
		c := s.conn("10.10.10.10:50000", "10.10.10.20:1433")
		c.handshake()
		c.prelogin()
		c.send(true, fPSH|fACK, kerberosLogin7(t, apreq))
		c.send(false, fPSH|fACK, sspiThenError(krbErr))
		c.send(false, fFIN|fACK, nil)
	})
	if len(ss) != 1 {
		t.Fatalf("%d conversations", len(ss))
	}
	s := ss[0]
	if k := s.Kerberos; k == nil || k.Reply != "KRB-ERROR" || k.ErrorName != "KRB_AP_ERR_SKEW" || k.ErrorMeaning != "Clock skew too great" || *k.ErrorCode != 37 {
		t.Fatalf("kerberos %+v", s.Kerberos)
	}
	if len(s.Diagnoses) != 1 || !strings.Contains(s.Diagnoses[0], "KRB_AP_ERR_SKEW (Clock skew too great): the client's and the server's clocks differ") {
		t.Errorf("diagnoses %q", s.Diagnoses)
	}

	// MODIFIED and TKT_EXPIRED are explained the same way.
	for code, want := range map[krb5.ErrorCode]string{
		krb5.KRBAPErrModified:   "the ticket was encrypted with a key the service does not have: the SPN is registered to another account, or duplicated",
		krb5.KRBAPErrTktExpired: "the service ticket has expired",
	} {
		if got := krbErrorAdvice(code); !strings.HasPrefix(got, want) {
			t.Errorf("%v: %q", code, got)
		}
	}

	ntlmInit := readHexFile(t, "testdata/hex/spnego-negtokeninit-ntlm.hex")
	ss = traceSynth(t, func(s *synth) {
		c := s.conn("10.10.10.10:50001", "10.10.10.20:1433")
		c.handshake()
		c.prelogin()
		c.send(true, fPSH|fACK, kerberosLogin7(t, ntlmInit))
		c.send(false, fPSH|fACK, sspiThenError(mustBytes(spnego.NegTokenResp{}.Append(nil))))
		c.send(false, fFIN|fACK, nil)
	})
	s = ss[0]
	if s.AuthScheme != "NTLM" || s.SPNEGO == nil || s.SPNEGO.TokenMech != "NTLM" {
		t.Fatalf("summary %+v", s)
	}
	if len(s.Diagnoses) != 1 || s.Diagnoses[0] != "Kerberos not used: the client offered Kerberos but sent NTLM (an SPN for this server is probably missing)" {
		t.Errorf("diagnoses %q", s.Diagnoses)
	}
}

func readHexFile(t *testing.T, name string) []byte {
	t.Helper()
	text, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	b, err := parseHex(bytes.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestKerberosHex decodes bare SSPI blobs with -hex.
func TestKerberosHex(t *testing.T) {
	for file, want := range map[string][]string{
		"kerberos-apreq":           {"SSPI blob (719 bytes): Kerberos", `message: "AP-REQ"`, `spn: "MSSQLSvc/localhost:14331"`, `realm: "TDSWIRE.TEST"`, "kvno: 2", "mutual_required: true", `authenticator_etype: "aes256-cts-hmac-sha1-96"`},
		"kerberos-krberror-skew":   {`message: "KRB-ERROR"`, "error_code: 37", `error_name: "KRB_AP_ERR_SKEW"`, `error_meaning: "Clock skew too great"`, `e_text: "clock skew"`, `stime: "20261207024500Z"`},
		"spnego-negtokeninit-ntlm": {"SSPI blob (100 bytes): NTLM (SPNEGO)", "mechs_offered: MS Kerberos, Kerberos, NegoEx, NTLM", `type: "NEGOTIATE"`},
	} {
		in, err := os.ReadFile("testdata/hex/" + file + ".hex")
		if err != nil {
			t.Fatal(err)
		}
		var out, errb bytes.Buffer
		if code := run([]string{"-hex"}, bytes.NewReader(in), &out, &errb); code != 0 {
			t.Fatalf("%s: exit %d: %s", file, code, errb.String())
		}
		for _, w := range want {
			if !strings.Contains(out.String(), w) {
				t.Errorf("%s: output lacks %q:\n%s", file, w, out.String())
			}
		}
	}
}

// TestREADMEKerberos checks that the README shows tdstrace's explanation of
// the shipped Kerberos captures as tdstrace writes it.
func TestREADMEKerberos(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"kerberos-go-mssqldb", "kerberos-tsql-wrong-kvno"} {
		out := trace(t, "../testdata/captures/"+name+".pcap")
		i := strings.Index(out, "Conversation 1")
		if i < 0 {
			t.Fatalf("%s: no conversation", name)
		}
		var want strings.Builder
		for _, l := range strings.Split(strings.TrimRight(out[i:], "\n"), "\n") {
			if l != "" {
				want.WriteString("    " + l)
			}
			want.WriteString("\n")
		}
		if !strings.Contains(string(readme), want.String()) {
			t.Errorf("README.md does not show tdstrace's explanation of %s; it should read:\n%s", name, want.String())
		}
	}
}

func mustBytes(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}
