package ntlm

import (
	"encoding/hex"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// printVerbs are the fmt verbs (with flags) applied to every value holding
// a secret: all must leave the secret out. %p is applied to pointers only:
// fmt handles %p of a non-pointer as a bad verb, printing the operand by
// reflection without calling any of its methods, which no method can
// prevent (see the NTHash doc comment).
var printVerbs = []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "% x", "%d", "%20v", "%-8s"}

// secretForms returns the ways fmt could spell the bytes of secret: hex
// in both cases, the raw bytes, and the decimal list of %v on an array.
func secretForms(secret []byte) []string {
	dec := strings.Trim(fmt.Sprint([]byte(secret)), "[]")
	return []string{
		hex.EncodeToString(secret), strings.ToUpper(hex.EncodeToString(secret)),
		fmt.Sprintf("% x", secret), string(secret), dec,
		fmt.Sprintf("%#v", []byte(secret))[len("[]byte{"):][:20],
	}
}

// checkNoLeak formats v with every verb and fails if any form of any
// secret appears.
func checkNoLeak(t *testing.T, name string, v any, secrets ...[]byte) {
	t.Helper()
	verbs := printVerbs
	if reflect.ValueOf(v).Kind() == reflect.Pointer {
		verbs = append(verbs[:len(verbs):len(verbs)], "%p")
	}
	for _, verb := range verbs {
		out := fmt.Sprintf(verb, v)
		for _, s := range secrets {
			for _, form := range secretForms(s) {
				if strings.Contains(out, form) {
					t.Errorf("%s printed with %s leaks %q: %s", name, verb, form, out)
				}
			}
		}
	}
}

func TestSecretsDoNotPrint(t *testing.T) {
	const password = "S3cret!pw"
	h := HashPassword(password)
	key := [16]byte{0xDE, 0xAD, 0xBE, 0xEF, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x80, 0x90, 0xA0, 0xB0, 0xC0}
	acct := Account{Domain: "CONTOSO", User: "joe", Hash: h}
	c := Client{Domain: "CONTOSO", User: "joe", Password: password, Hash: h, Workstation: "WS1"}
	res := Result{User: "joe", Domain: "CONTOSO", Workstation: "WS1", SessionKey: key, MIC: true}
	type holder struct {
		H NTHash
		C Client
		R Result
		A AccountList
	}
	hd := holder{h, c, res, AccountList{acct}}
	for _, c := range []struct {
		name string
		v    any
	}{
		{"NTHash", h}, {"*NTHash", &h}, {"[]NTHash", []NTHash{h}}, {"map", map[string]NTHash{"joe": h}},
		{"Account", acct}, {"*Account", &acct}, {"AccountList", AccountList{acct}},
		{"Client", c}, {"*Client", &c},
		{"Result", res}, {"*Result", &res},
		{"holder", hd}, {"*holder", &hd},
	} {
		checkNoLeak(t, c.name, c.v, h[:], key[:], []byte(password))
	}
}

// TestSecretsPrintForms pins what the redacted values do print, so that
// the redaction cannot silently turn into printing nothing useful.
func TestSecretsPrintForms(t *testing.T) {
	h := HashPassword("pw")
	for _, c := range []struct {
		format string
		v      any
		want   string
	}{
		{"%v", h, "ntlm.NTHash(redacted)"},
		{"%x", h, "ntlm.NTHash(redacted)"},
		{"%q", h, `"ntlm.NTHash(redacted)"`},
		{"%#v", h, "ntlm.NTHash{ /* redacted */ }"},
		{"%+v", Account{User: "joe", Hash: h}, "{Domain: User:joe Hash:ntlm.NTHash(redacted)}"},
		{"%#v", Account{User: "joe", Hash: h}, `ntlm.Account{Domain:"", User:"joe", Hash:ntlm.NTHash{ /* redacted */ }}`},
		{"%+v", Client{User: "joe", Password: "pw"}, "{Domain: User:joe Password:[REDACTED] Hash:ntlm.NTHash(redacted) Workstation: ChannelBindings:<nil> TargetName: Flags:0 Version:Version{ProductMajorVersion=0 ProductMinorVersion=0 ProductBuild=0 NTLMRevisionCurrent=0} Rand:<nil> Now:<nil>}"},
		{"%+v", Client{User: "joe"}, "{Domain: User:joe Password: Hash:ntlm.NTHash(redacted) Workstation: ChannelBindings:<nil> TargetName: Flags:0 Version:Version{ProductMajorVersion=0 ProductMinorVersion=0 ProductBuild=0 NTLMRevisionCurrent=0} Rand:<nil> Now:<nil>}"},
		{"%#v", Client{User: "joe", Password: "pw"}, `ntlm.Client{Domain:"", User:"joe", Password:"[REDACTED]", Hash:ntlm.NTHash{ /* redacted */ }, Workstation:"", ChannelBindings:(*ntlm.ChannelBindings)(nil), TargetName:"", Flags:0x0, Version:ntlm.Version{ProductMajorVersion:0x0, ProductMinorVersion:0x0, ProductBuild:0x0, NTLMRevisionCurrent:0x0}, Rand:io.Reader(nil), Now:(func() time.Time)(nil)}`},
		{"%v", Result{User: "joe", Domain: "D", Workstation: "W", LMv2: true}, `D\joe from W (LMv2)`},
		{"%+v", Result{User: "joe", Domain: "D", Workstation: "W", ChannelBound: true}, `D\joe from W (channel bound)`},
		{"%q", Result{User: "joe", Domain: "D", Workstation: "W"}, `"D\\joe from W"`},
		{"%#v", Result{User: "joe", Domain: "D", Workstation: "W", NegotiateFlags: 0x201, MIC: true}, `ntlm.Result{User:"joe", Domain:"D", Workstation:"W", SessionKey:[16]uint8{ /* redacted */ }, NegotiateFlags:0x201, MIC:true, ChannelBound:false, LMv2:false}`},
	} {
		if got := fmt.Sprintf(c.format, c.v); got != c.want {
			t.Errorf("Sprintf(%q, %T) =\n%s\nwant\n%s", c.format, c.v, got, c.want)
		}
	}
	// fmt.Print of a Result value (not a pointer) uses String.
	r := Result{User: "u", Domain: "d", Workstation: "w", SessionKey: [16]byte{1}}
	if got := fmt.Sprint(r); got != `d\u from w` {
		t.Errorf("Sprint(Result) = %q", got)
	}
}
