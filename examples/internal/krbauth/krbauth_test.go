package krbauth

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jcmturner/gokrb5/v8/client"
	"github.com/jcmturner/gokrb5/v8/config"
	"github.com/jcmturner/gokrb5/v8/crypto"
	"github.com/jcmturner/gokrb5/v8/gssapi"
	"github.com/jcmturner/gokrb5/v8/iana/flags"
	"github.com/jcmturner/gokrb5/v8/iana/keyusage"
	"github.com/jcmturner/gokrb5/v8/keytab"
	"github.com/jcmturner/gokrb5/v8/messages"
	gokrbspnego "github.com/jcmturner/gokrb5/v8/spnego"
	"github.com/jcmturner/gokrb5/v8/types"

	"github.com/tdswire/tdswire/examples/internal/kdc"
	"github.com/tdswire/tdswire/krb5"
	"github.com/tdswire/tdswire/ntlm"
	"github.com/tdswire/tdswire/spnego"
)

const spn = "MSSQLSvc/localhost:1433"

// realm starts a KDC with the SPN and returns it with a gokrb5 client
// logged in as the realm's user.
func realm(t *testing.T, services ...string) (*kdc.Realm, *client.Client) {
	t.Helper()
	r := kdc.Start(t, kdc.Config{Services: append([]string{spn}, services...)})
	cfg, err := config.Load(r.Config)
	if err != nil {
		t.Fatal(err)
	}
	cl := client.NewWithPassword("joe", r.Name, r.Password, cfg, client.DisablePAFXFAST(true))
	if err := cl.Login(); err != nil {
		t.Fatalf("gokrb5 login: %v", err)
	}
	t.Cleanup(cl.Destroy)
	return r, cl
}

// apReq returns a GSS-API Kerberos token with an AP-REQ for service,
// asking for mutual authentication, and the session key.
func apReq(t *testing.T, cl *client.Client, service string) ([]byte, types.EncryptionKey) {
	t.Helper()
	tkt, key, err := cl.GetServiceTicket(service)
	if err != nil {
		t.Fatalf("service ticket for %s: %v", service, err)
	}
	tok, err := gokrbspnego.NewKRB5TokenAPREQ(cl, tkt, key, []int{gssapi.ContextFlagMutual, gssapi.ContextFlagInteg}, []int{flags.APOptionMutualRequired})
	if err != nil {
		t.Fatal(err)
	}
	b, err := tok.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b, key
}

func loadKeytab(t *testing.T, path string) *keytab.Keytab {
	t.Helper()
	kt, err := LoadKeytab(path)
	if err != nil {
		t.Fatal(err)
	}
	return kt
}

// checkAPRep decrypts the AP-REP of a GSS-API token with the session key.
func checkAPRep(t *testing.T, tok []byte, key types.EncryptionKey) {
	t.Helper()
	var g krb5.GSSToken
	if err := g.Decode(tok); err != nil || g.ID != krb5.TokAPRep {
		t.Fatalf("AP-REP token: %v %v", g.ID, err)
	}
	var rep messages.APRep
	if err := rep.Unmarshal(g.Message); err != nil {
		t.Fatalf("gokrb5 cannot read our AP-REP: %v", err)
	}
	plain, err := crypto.DecryptEncPart(rep.EncPart, key, keyusage.AP_REP_ENCPART)
	if err != nil {
		t.Fatalf("our AP-REP does not decrypt with the session key: %v", err)
	}
	var part messages.EncAPRepPart
	if err := part.Unmarshal(plain); err != nil {
		t.Fatalf("EncAPRepPart: %v", err)
	}
	if d := time.Since(part.CTime); d < -time.Minute || d > time.Minute {
		t.Errorf("ctime %v", part.CTime)
	}
}

func TestKerberosRaw(t *testing.T) {
	r, cl := realm(t)
	tok, key := apReq(t, cl, spn)
	s := New(&Config{Keytab: loadKeytab(t, r.Keytab)})
	out, done, err := s.Step(context.Background(), tok)
	if err != nil || !done {
		t.Fatalf("Step: done %v err %v", done, err)
	}
	if s.User() != "joe@TDSWIRE.TEST" || s.AuthScheme() != "KERBEROS" {
		t.Errorf("user %q scheme %q", s.User(), s.AuthScheme())
	}
	checkAPRep(t, out, key)
	if _, _, err := s.Step(context.Background(), tok); !errors.Is(err, ErrProtocol) {
		t.Errorf("a step after done: %v", err)
	}
}

func TestKerberosSPNEGO(t *testing.T) {
	r, cl := realm(t)
	tok, key := apReq(t, cl, spn)
	init := spnego.NegTokenInit{MechTypes: spnego.NewMechTypeList(spnego.MechMSKerberos, spnego.MechKerberos, spnego.MechNTLM), MechToken: tok}
	s := New(&Config{Keytab: loadKeytab(t, r.Keytab)})
	out, done, err := s.Step(context.Background(), init.Append(nil))
	if err != nil || !done {
		t.Fatalf("Step: done %v err %v", done, err)
	}
	var resp spnego.NegTokenResp
	if err := resp.Decode(out); err != nil {
		t.Fatal(err)
	}
	if st, ok := resp.NegState(); !ok || st != spnego.AcceptCompleted || resp.SupportedMech.Mech() != spnego.MechMSKerberos {
		t.Errorf("NegTokenResp %v", resp)
	}
	checkAPRep(t, resp.ResponseToken, key)
}

func TestKerberosFailures(t *testing.T) {
	r, cl := realm(t, "MSSQLSvc/otherhost:1433")
	ctx := context.Background()

	// Only the other service's key in this keytab: our ticket is not for it.
	r.Admin("ktadd -k " + r.Dir + "/other.keytab MSSQLSvc/otherhost:1433")
	tok, _ := apReq(t, cl, spn)
	_, _, err := New(&Config{Keytab: loadKeytab(t, r.Dir+"/other.keytab")}).Step(ctx, tok)
	wantCode(t, "ticket for another SPN", err, krb5.KRBAPErrNotUs)

	// The right principal and key version, but another key: the ticket
	// does not decrypt (an SPN registered to two accounts).
	fake := keytab.New()
	if err := fake.AddEntry(spn, r.Name, "not-the-service-key", time.Now(), 2, 18); err != nil {
		t.Fatal(err)
	}
	if err := fake.AddEntry(spn, r.Name, "not-the-service-key", time.Now(), 2, 17); err != nil {
		t.Fatal(err)
	}
	_, _, err = New(&Config{Keytab: fake}).Step(ctx, tok)
	wantCode(t, "another key", err, krb5.KRBAPErrModified)

	// The authenticator's clock an hour behind.
	tkt, key, err := cl.GetServiceTicket(spn)
	if err != nil {
		t.Fatal(err)
	}
	auth, err := types.NewAuthenticator(cl.Credentials.Domain(), cl.Credentials.CName())
	if err != nil {
		t.Fatal(err)
	}
	auth.CTime = auth.CTime.Add(-time.Hour)
	req, err := messages.NewAPReq(tkt, key, auth)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := req.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	skewed := must(krb5.GSSToken{Mech: spnego.MechKerberos.OID(), ID: krb5.TokAPReq, Message: raw}.Append(nil))
	_, _, err = New(&Config{Keytab: loadKeytab(t, r.Keytab)}).Step(ctx, skewed)
	wantCode(t, "clock skew", err, krb5.KRBAPErrSkew)

	// The service's key changes (kvno 3) but the keytab keeps kvno 2.
	r.Rekey(spn)
	cl2 := client.NewWithPassword("joe", r.Name, r.Password, cl.Config, client.DisablePAFXFAST(true))
	if err := cl2.Login(); err != nil {
		t.Fatal(err)
	}
	tok3, _ := apReq(t, cl2, spn)
	_, _, err = New(&Config{Keytab: loadKeytab(t, r.Keytab)}).Step(ctx, tok3)
	wantCode(t, "wrong kvno", err, krb5.KRBAPErrBadkeyver)
	if !strings.Contains(err.Error(), "key version 3") {
		t.Errorf("wrong kvno message: %v", err)
	}

	// No keytab at all, raw Kerberos.
	if _, _, err := New(&Config{}).Step(ctx, tok); !errors.Is(err, ErrProtocol) {
		t.Errorf("no keytab: %v", err)
	}
}

func wantCode(t *testing.T, what string, err error, code krb5.ErrorCode) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) || e.Code != code {
		t.Errorf("%s: error %v, want code %v", what, err, code)
		return
	}
	if e.SPN == "" || !strings.Contains(err.Error(), code.String()) {
		t.Errorf("%s: error %q lacks the SPN or the code name", what, err)
	}
}

func TestNTLMInSPNEGO(t *testing.T) {
	accounts := ntlm.AccountList{{Domain: "CONTOSO", User: "joe", Hash: ntlm.HashPassword("Secret1!")}}
	srv := &ntlm.Server{NbComputerName: "SQL1", NbDomainName: "CONTOSO", Lookup: accounts.Lookup}
	c := &ntlm.Client{Domain: "CONTOSO", User: "joe", Password: "Secret1!", Workstation: "WS1"}
	ctx := context.Background()
	for _, optimistic := range []bool{true, false} {
		s := New(&Config{NTLM: srv})
		negotiate := c.Negotiate(nil)
		init := spnego.NegTokenInit{MechTypes: spnego.NewMechTypeList(spnego.MechKerberos, spnego.MechNTLM)}
		if optimistic {
			init.MechToken = negotiate
		} else {
			// A Kerberos token this server (no keytab) cannot take.
			init.MechToken = must(spnego.InitialContextToken{ThisMech: spnego.MechKerberos.OID(), Inner: []byte{1, 0, 0x6e, 0}}.Append(nil))
		}
		out, done, err := s.Step(ctx, init.Append(nil))
		if err != nil || done {
			t.Fatalf("optimistic=%v: first step: %v %v", optimistic, done, err)
		}
		var resp spnego.NegTokenResp
		if err := resp.Decode(out); err != nil {
			t.Fatal(err)
		}
		if st, _ := resp.NegState(); st != spnego.AcceptIncomplete || resp.SupportedMech.Mech() != spnego.MechNTLM {
			t.Fatalf("optimistic=%v: %v", optimistic, resp)
		}
		if !optimistic {
			if resp.ResponseToken != nil {
				t.Fatalf("asked for NTLM with a token: %v", resp)
			}
			out, done, err = s.Step(ctx, must(spnego.NegTokenResp{ResponseToken: negotiate}.Append(nil)))
			if err != nil || done {
				t.Fatalf("NEGOTIATE step: %v %v", done, err)
			}
			if err := resp.Decode(out); err != nil {
				t.Fatal(err)
			}
		}
		auth, _, err := c.Authenticate(nil, negotiate, resp.ResponseToken)
		if err != nil {
			t.Fatal(err)
		}
		out, done, err = s.Step(ctx, must(spnego.NegTokenResp{ResponseToken: auth}.Append(nil)))
		if err != nil || !done {
			t.Fatalf("AUTHENTICATE step: %v %v", done, err)
		}
		if err := resp.Decode(out); err != nil {
			t.Fatal(err)
		}
		if st, _ := resp.NegState(); st != spnego.AcceptCompleted || s.User() != `CONTOSO\joe` || s.AuthScheme() != "NTLM" {
			t.Errorf("final: %v user %q", resp, s.User())
		}
	}
	// A wrong password fails the last step.
	s := New(&Config{NTLM: srv})
	bad := &ntlm.Client{Domain: "CONTOSO", User: "joe", Password: "wrong", Workstation: "WS1"}
	negotiate := bad.Negotiate(nil)
	out, _, err := s.Step(ctx, spnego.NegTokenInit{MechTypes: spnego.NewMechTypeList(spnego.MechNTLM), MechToken: negotiate}.Append(nil))
	if err != nil {
		t.Fatal(err)
	}
	var resp spnego.NegTokenResp
	if err := resp.Decode(out); err != nil {
		t.Fatal(err)
	}
	auth, _, err := bad.Authenticate(nil, negotiate, resp.ResponseToken)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Step(ctx, must(spnego.NegTokenResp{ResponseToken: auth}.Append(nil))); err == nil {
		t.Error("wrong NTLM password accepted")
	}
}

// must returns b, failing the test run on an encoding error.
func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}
