package login7_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/tdswire/tdswire/login7"
	"github.com/tdswire/tdswire/ntlm"
	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tokens"
)

// This file holds the library-wide sweep of values that carry a secret
// (it sits in login7's external test package because that can import
// every package that has such a type): each value, as a value, as a
// pointer and nested in structs, slices, maps and interfaces, is printed
// with every verb, and no rendering of any secret byte may appear.

// sweepVerbs are the verbs (with flags and widths) applied to every value;
// %p is added for pointers (see the Password doc comment for why a %p of
// a non-pointer value cannot be made safe).
var sweepVerbs = []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "% x", "% X", "%#x", "%+q", "%#q", "%20v", "%-8s", "%o", "%c", "%U", "%t"}

// secretOf returns n distinctive bytes for label (printable ASCII when
// text is set, as a bearer token is).
func secretOf(label string, n int, text bool) []byte {
	var b []byte
	for i := 0; len(b) < n; i++ {
		s := sha256.Sum256([]byte(label + strconv.Itoa(i)))
		if text {
			b = append(b, hex.EncodeToString(s[:])...)
		} else {
			b = append(b, s[:]...)
		}
	}
	return b[:n]
}

// leakForms returns the renderings fmt could give of any 6-byte window of
// secret: raw, hex in both cases with and without spaces or 0x prefixes,
// Go-quoted, decimal and octal lists.
func leakForms(secret []byte) []string {
	const w = 6
	var forms []string
	for i := 0; i+w <= len(secret); i++ {
		b := secret[i : i+w]
		var dec, oct, goHex []string
		for _, c := range b {
			dec = append(dec, strconv.Itoa(int(c)))
			oct = append(oct, strconv.FormatInt(int64(c), 8))
			goHex = append(goHex, fmt.Sprintf("0x%x", c))
		}
		q := strconv.Quote(string(b))
		forms = append(forms,
			string(b), hex.EncodeToString(b), strings.ToUpper(hex.EncodeToString(b)),
			fmt.Sprintf("% x", b), fmt.Sprintf("% X", b), q[1:len(q)-1],
			strings.Join(dec, " "), strings.Join(dec, ", "), strings.Join(oct, " "),
			strings.Join(goHex, ", "),
		)
	}
	return forms
}

// secretValue is one type that holds secrets, with a sample value.
type secretValue struct {
	name    string
	v       any
	ptr     any
	secrets [][]byte
}

func sweepValues(t *testing.T) []secretValue {
	t.Helper()
	// login7
	const clear = "S3cret!Passw0rd#"
	pw := login7.NewPassword(clear)
	newPw := login7.NewPassword("N3w!Secret$Pw")
	token := secretOf("fedauth token", 96, true)
	sig := [32]byte(secretOf("fedauth signature", 32, false))
	fa := login7.FedAuth{Library: login7.FedAuthLiveIDCompactToken, Echo: true, Token: token,
		HasNonce: true, Nonce: [32]byte{1}, Signature: sig}
	faData, err := fa.Append(nil)
	if err != nil {
		t.Fatal(err)
	}
	fe := login7.FeatureExt(nil).Add(login7.FeatureFedAuth, faData)
	feat := login7.Feature{ID: login7.FeatureFedAuth, Data: faData}
	sspiBlob := secretOf("NTLM AUTHENTICATE blob", 120, false)
	sm := login7.SSPIMessage{Data: sspiBlob}
	l := login7.Login7{TDSVersion: tds.Version74, UserName: tds.UCS2(tds.AppendUCS2(nil, "sa")),
		Password: pw, ChangePassword: newPw, SSPI: sspiBlob, FeatureExt: fe}
	pwSecrets := [][]byte{[]byte(clear), tds.AppendUCS2(nil, clear), pw.Bytes()}

	// ntlm
	h := ntlm.HashPassword(clear)
	key := [16]byte(secretOf("session key", 16, false))
	ntProof := secretOf("NTProofStr", 16, false)
	ntResp := append(append([]byte{}, ntProof...), secretOf("NTLMv2 blob", 60, false)...)
	lmResp := secretOf("LMv2 response", 24, false)
	encKey := secretOf("encrypted session key", 16, false)
	mic := [16]byte(secretOf("MIC", 16, false))
	auth := ntlm.Authenticate{LmChallengeResponse: lmResp, NtChallengeResponse: ntResp,
		DomainName: []byte("CONTOSO"), UserName: []byte("joe"), Workstation: []byte("WS1"),
		EncryptedRandomSessionKey: encKey, NegotiateFlags: ntlm.NegotiateKeyExch, MIC: mic}
	v2 := ntlm.NTLMv2Response{Response: [16]byte(ntProof), RespType: 1, HiRespType: 1}
	acct := ntlm.Account{Domain: "CONTOSO", User: "joe", Hash: h}
	client := ntlm.Client{Domain: "CONTOSO", User: "joe", Password: clear, Hash: h}
	res := ntlm.Result{User: "joe", Domain: "CONTOSO", SessionKey: key}

	// tokens
	sspiTok := tokens.SSPI{Buffer: secretOf("server SSPI reply", 80, false)}

	return []secretValue{
		{"login7.Password", pw, &pw, pwSecrets},
		{"login7.Login7", l, &l, append([][]byte{token, sig[:], sspiBlob, tds.AppendUCS2(nil, "N3w!Secret$Pw"), newPw.Bytes()}, pwSecrets...)},
		{"login7.FedAuth", fa, &fa, [][]byte{token, sig[:]}},
		{"login7.Feature", feat, &feat, [][]byte{token, sig[:]}},
		{"login7.FeatureExt", fe, &fe, [][]byte{token, sig[:]}},
		{"login7.SSPIMessage", sm, &sm, [][]byte{sspiBlob}},
		{"ntlm.NTHash", h, &h, [][]byte{h[:], []byte(clear)}},
		{"ntlm.Account", acct, &acct, [][]byte{h[:]}},
		{"ntlm.AccountList", ntlm.AccountList{acct}, &ntlm.AccountList{acct}, [][]byte{h[:]}},
		{"ntlm.Client", client, &client, [][]byte{h[:], []byte(clear)}},
		{"ntlm.Result", res, &res, [][]byte{key[:]}},
		{"ntlm.Authenticate", auth, &auth, [][]byte{ntResp, lmResp, encKey, mic[:]}},
		{"ntlm.NTLMv2Response", v2, &v2, [][]byte{ntProof}},
		{"tokens.SSPI", sspiTok, &sspiTok, [][]byte{sspiTok.Buffer}},
	}
}

// TestSecretsSweep prints every secret-holding type of the library with
// every verb, as value, pointer and nested, and fails on any leak.
func TestSecretsSweep(t *testing.T) {
	values := sweepValues(t)
	type pair struct {
		V any
		P any
	}
	printed := 0
	for _, sv := range values {
		var forms []string
		for _, s := range sv.secrets {
			forms = append(forms, leakForms(s)...)
		}
		// The forms must catch a secret that is printed: raw bytes
		// and arrays in a struct, with every verb, are found.
		for _, s := range sv.secrets {
			for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "% x", "%o"} {
				for _, raw := range []any{s, struct{ B []byte }{s}, struct{ A [6]byte }{[6]byte(s)}} {
					out := fmt.Sprintf(verb, raw)
					found := false
					for _, f := range forms {
						found = found || strings.Contains(out, f)
					}
					if !found {
						t.Fatalf("%s: the leak forms miss %s of a raw secret: %s", sv.name, verb, out)
					}
				}
			}
		}
		// Nested forms: exported struct fields (by value, by pointer,
		// through an interface), slices, maps, and a struct two deep.
		vt := reflect.TypeOf(sv.v)
		field := reflect.StructOf([]reflect.StructField{{Name: "Secret", Type: vt}, {Name: "Ptr", Type: reflect.PointerTo(vt)}})
		nested := reflect.New(field).Elem()
		nested.Field(0).Set(reflect.ValueOf(sv.v))
		nested.Field(1).Set(reflect.ValueOf(sv.ptr))
		slice := reflect.MakeSlice(reflect.SliceOf(vt), 0, 1)
		slice = reflect.Append(slice, reflect.ValueOf(sv.v))
		m := reflect.MakeMap(reflect.MapOf(reflect.TypeOf(""), vt))
		m.SetMapIndex(reflect.ValueOf("k"), reflect.ValueOf(sv.v))
		deep := struct{ Outer any }{nested.Interface()}
		cases := []struct {
			shape string
			v     any
		}{
			{"value", sv.v}, {"pointer", sv.ptr},
			{"struct field", nested.Interface()}, {"pointer to struct", nested.Addr().Interface()},
			{"interface field", pair{sv.v, sv.ptr}}, {"slice", slice.Interface()}, {"map", m.Interface()},
			{"two deep", deep}, {"[]any", []any{sv.v, sv.ptr}},
		}
		for _, c := range cases {
			verbs := sweepVerbs
			if reflect.ValueOf(c.v).Kind() == reflect.Pointer {
				verbs = append(verbs[:len(verbs):len(verbs)], "%p")
			}
			for _, verb := range verbs {
				out := fmt.Sprintf(verb, c.v)
				printed++
				for _, f := range forms {
					if strings.Contains(out, f) {
						t.Errorf("%s (%s) printed with %s leaks %q:\n%s", sv.name, c.shape, verb, f, out)
						break
					}
				}
			}
			// Print, Println and Sprint take no verb.
			for _, out := range []string{fmt.Sprint(c.v), fmt.Sprintln(c.v)} {
				printed++
				for _, f := range forms {
					if strings.Contains(out, f) {
						t.Errorf("%s (%s) printed with Sprint leaks %q:\n%s", sv.name, c.shape, f, out)
						break
					}
				}
			}
		}
	}
	t.Logf("%d types × 9 shapes × %d verbs (+%%p for pointers, Sprint, Sprintln): %d renderings, no secret", len(values), len(sweepVerbs), printed)
}

// TestSecretsPrintSummaries pins what the redacted values print, so that
// redaction cannot quietly turn into printing nothing useful.
func TestSecretsPrintSummaries(t *testing.T) {
	fa := login7.FedAuth{Library: login7.FedAuthSecurityToken, Echo: true, Token: []byte("tok"), HasNonce: true}
	data, err := fa.Append(nil)
	if err != nil {
		t.Fatal(err)
	}
	fe := login7.FeatureExt(nil).Add(login7.FeatureFedAuth, data)
	auth := ntlm.Authenticate{NtChallengeResponse: make([]byte, 40), UserName: []byte("joe"), DomainName: []byte("D"), Workstation: []byte("W")}
	for _, c := range []struct {
		format string
		v      any
		want   string
	}{
		{"%v", fa, "FEDAUTH SecurityToken echo Token=[REDACTED] (3 bytes) Nonce"},
		{"%s", &fa, "FEDAUTH SecurityToken echo Token=[REDACTED] (3 bytes) Nonce"},
		{"%#v", fa, "login7.FedAuth{Library:SecurityToken, Echo:true, Token:[REDACTED] (3 bytes), HasNonce:true, ChannelBinding:0 bytes, Signature:none, Workflow:FedAuthWorkflow(0x00)}"},
		{"%v", login7.FedAuth{Library: login7.FedAuthADAL, Workflow: login7.FedAuthWorkflowPassword}, "FEDAUTH ADAL Workflow=UserPassword"},
		{"%v", fe, "[FEDAUTH (40 bytes)]"},
		{"%#v", fe, "login7.FeatureExt([FEDAUTH (40 bytes)])"},
		{"%v", login7.Feature{ID: login7.FeatureFedAuth, Data: data}, "FEDAUTH (40 bytes)"},
		{"%#v", login7.Feature{ID: login7.FeatureFedAuth, Data: data}, "login7.Feature{ID:FEDAUTH, Data:[REDACTED] (40 bytes)}"},
		{"%q", login7.SSPIMessage{Data: make([]byte, 7)}, `"SSPI message (7 bytes)"`},
		{"%#v", login7.SSPIMessage{}, "login7.SSPIMessage{Data:none}"},
		{"%v", auth, "NTLM AUTHENTICATE MESSAGE Version:NTLM v2, Domain: D, User: joe, Workstation: W"},
		{"%v", &auth, "NTLM AUTHENTICATE MESSAGE Version:NTLM v2, Domain: D, User: joe, Workstation: W"},
		{"%v", ntlm.NTLMv2Response{TimeStamp: 5}, "NTLMv2_RESPONSE NTProofStr=[REDACTED] TimeStamp=5 AvPairs=0 bytes"},
		{"%v", tokens.SSPI{Buffer: make([]byte, 9)}, "SSPI (9 bytes)"},
		{"%#v", tokens.SSPI{Buffer: make([]byte, 9)}, "tokens.SSPI{Buffer:[REDACTED] (9 bytes)}"},
	} {
		if got := fmt.Sprintf(c.format, c.v); got != c.want {
			t.Errorf("Sprintf(%q, %T) =\n%s\nwant\n%s", c.format, c.v, got, c.want)
		}
	}
}
