package spnego

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
)

func mechsOf(l MechTypeList) []Mech {
	var ms []Mech
	for o := range l.All() {
		ms = append(ms, o.Mech())
	}
	return ms
}

func TestNegTokenInitGolden(t *testing.T) {
	b := readHex(t, "negtokeninit-ntlm.hex")
	var n NegTokenInit
	require.NoError(t, n.Decode(b))
	want := NegTokenInit{
		MechTypes:    MechTypeList{der: b[18:64]},
		MechToken:    Opaque(b[68:100]),
		hasMechTypes: true,
	}
	if diff := cmp.Diff(want, n, cmpOpts...); diff != "" {
		t.Errorf("Decode mismatch (-want +got):\n%s", diff)
	}
	if got, want := mechsOf(n.MechTypes), []Mech{MechMSKerberos, MechKerberos, MechNegoEx, MechNTLM}; !slices.Equal(got, want) {
		t.Errorf("mechTypes = %v, want %v", got, want)
	}
	if n.MechTypes.Len() != 4 || n.MechTypes.First().String() != "1.2.840.48018.1.2.2" {
		t.Errorf("Len %d First %v", n.MechTypes.Len(), n.MechTypes.First())
	}
	if _, ok := n.ReqFlags(); ok {
		t.Error("reqFlags present")
	}
	if _, ok := n.NegHints(); ok {
		t.Error("negHints present")
	}
	if len(n.MechToken) != 32 || !bytes.HasPrefix(n.MechToken, []byte("NTLMSSP\x00\x01")) {
		t.Errorf("mechToken % x", []byte(n.MechToken))
	}
	if &n.MechToken[0] != &b[68] {
		t.Error("mechToken is not a view of the input at offset 68")
	}
	if got := n.Append(nil); !bytes.Equal(got, b) {
		t.Errorf("Append:\n got % x\nwant % x", got, b)
	}
	wantStr := "NegTokenInit mechTypes=[MS Kerberos, Kerberos, NegoEx, NTLM] mechToken=<32 bytes>"
	if n.String() != wantStr {
		t.Errorf("String = %q, want %q", n.String(), wantStr)
	}
	// The encoder builds the same bytes from a value made by hand.
	n2 := NegTokenInit{
		MechTypes: NewMechTypeList(MechMSKerberos, MechKerberos, MechNegoEx, MechNTLM),
		MechToken: Opaque(b[68:100]),
	}
	if got := n2.Append(nil); !bytes.Equal(got, b) {
		t.Errorf("Append from a new value:\n got % x\nwant % x", got, b)
	}
}

func TestNegTokenInit2Golden(t *testing.T) {
	b := readHex(t, "negtokeninit2-hints.hex")
	var n NegTokenInit
	require.NoError(t, n.Decode(b))
	var want NegTokenInit
	want.MechTypes = MechTypeList{der: b[18:52]}
	want.hasMechTypes = true
	want.SetNegHints(NegHints{HintName: []byte("not_defined_in_RFC4178@please_ignore")})
	if diff := cmp.Diff(want, n, cmpOpts...); diff != "" {
		t.Errorf("Decode mismatch (-want +got):\n%s", diff)
	}
	if got, want := mechsOf(n.MechTypes), []Mech{MechMSKerberos, MechKerberos, MechNTLM}; !slices.Equal(got, want) {
		t.Errorf("mechTypes = %v, want %v", got, want)
	}
	if n.MechToken != nil || n.MechListMIC != nil {
		t.Error("mechToken or mechListMIC present")
	}
	if got := n.Append(nil); !bytes.Equal(got, b) {
		t.Errorf("Append:\n got % x\nwant % x", got, b)
	}
	if s := n.String(); !strings.HasPrefix(s, "NegTokenInit2 mechTypes=[MS Kerberos, Kerberos, NTLM]") || !strings.Contains(s, "please_ignore") {
		t.Errorf("String = %q", s)
	}
}

func TestNegTokenInitForms(t *testing.T) {
	// mechListMIC at [3] (RFC 4178) and at [4] (NegTokenInit2), reqFlags.
	for _, init2 := range []bool{false, true} {
		n := NegTokenInit{
			MechTypes:   NewMechTypeList(MechKerberos),
			MechToken:   Opaque("tok"),
			MechListMIC: Opaque("mic"),
			Init2:       init2,
		}
		n.SetReqFlags(MutualFlag | IntegFlag)
		b := n.Append(nil)
		var d NegTokenInit
		require.NoError(t, d.Decode(b))
		n.hasMechTypes = true
		if diff := cmp.Diff(n, d, cmpOpts...); diff != "" {
			t.Errorf("init2=%v: round trip (-want +got):\n%s", init2, diff)
		}
		if f, _ := d.ReqFlags(); f.String() != "mutual|integ" {
			t.Errorf("flags %q", f)
		}
		// The BIT STRING has its trailing zero bits removed (X.690 11.2.2):
		// bits 1 and 6 set is 0x42 with 1 unused bit.
		if !bytes.Contains(b, []byte{0xa1, 0x04, 0x03, 0x02, 0x01, 0x42}) {
			t.Errorf("reqFlags encoding not found in % x", b)
		}
	}
}

func TestNegTokenRespGolden(t *testing.T) {
	b := readHex(t, "negtokenresp-completed.hex")
	var r NegTokenResp
	require.NoError(t, r.Decode(b))
	want := NegTokenResp{SupportedMech: OID(b[13:22]), ResponseToken: Opaque(b[26:84])}
	want.SetNegState(AcceptCompleted)
	if diff := cmp.Diff(want, r, cmpOpts...); diff != "" {
		t.Errorf("Decode mismatch (-want +got):\n%s", diff)
	}
	if r.SupportedMech.Mech() != MechKerberos {
		t.Errorf("supportedMech %v", r.SupportedMech)
	}
	if len(r.ResponseToken) != 58 || r.ResponseToken[0] != 0x60 {
		t.Errorf("responseToken % x", []byte(r.ResponseToken))
	}
	if got := must(r.Append(nil)); !bytes.Equal(got, b) {
		t.Errorf("Append:\n got % x\nwant % x", got, b)
	}
	if s := r.String(); s != "NegTokenResp negState=accept-completed supportedMech=Kerberos responseToken=<58 bytes>" {
		t.Errorf("String = %q", s)
	}
	built := NegTokenResp{SupportedMech: MechKerberos.OID(), ResponseToken: r.ResponseToken}
	built.SetNegState(AcceptCompleted)
	if got := must(built.Append(nil)); !bytes.Equal(got, b) {
		t.Errorf("Append from a new value:\n got % x\nwant % x", got, b)
	}

	rej := readHex(t, "negtokenresp-reject.hex")
	require.NoError(t, r.Decode(rej))
	var wantRej NegTokenResp
	wantRej.SetNegState(Reject)
	if diff := cmp.Diff(wantRej, r, cmpOpts...); diff != "" {
		t.Errorf("reject Decode mismatch (-want +got):\n%s", diff)
	}
	if got := must(wantRej.Append(nil)); !bytes.Equal(got, rej) {
		t.Errorf("reject Append % x, want % x", got, rej)
	}
}

func TestClassify(t *testing.T) {
	ntlmNeg := readHex(t, "negtokeninit-ntlm.hex")[68:]
	krbAPRep := readHex(t, "negtokenresp-completed.hex")[26:]
	tests := []struct {
		name   string
		b      []byte
		kind   Kind
		mech   Mech
		tokLen int
		tokID  uint16
		str    string
	}{
		{"raw NTLM", ntlmNeg, KindNTLM, MechNTLM, 32, 0, "NTLM"},
		{"raw Kerberos AP-REP", krbAPRep, KindKerberos, MechKerberos, 58, TokIDAPRep, "Kerberos AP-REP"},
		{"SPNEGO with NTLM inside", readHex(t, "negtokeninit-ntlm.hex"), KindSPNEGOInit, MechNTLM, 32, 0,
			"NegTokenInit mechTypes=[MS Kerberos, Kerberos, NegoEx, NTLM] mechToken=<32 bytes> (NTLM)"},
		{"SPNEGO init2 without token", readHex(t, "negtokeninit2-hints.hex"), KindSPNEGOInit, MechUnknown, 0, 0, ""},
		{"SPNEGO resp with AP-REP", readHex(t, "negtokenresp-completed.hex"), KindSPNEGOResp, MechKerberos, 58, TokIDAPRep,
			"NegTokenResp negState=accept-completed supportedMech=Kerberos responseToken=<58 bytes> (Kerberos AP-REP)"},
		{"NegoEx", []byte("NEGOEXTS\x00\x00"), KindNegoEx, MechNegoEx, 10, 0, "NegoEx"},
		{"unknown", []byte{0x01, 0x02}, KindUnknown, MechUnknown, 0, 0, "unknown"},
		{"empty", nil, KindUnknown, MechUnknown, 0, 0, "unknown"},
		{"other GSS mechanism", must(InitialContextToken{ThisMech: OID{0x2b, 0x06, 0x01, 0x05, 0x05, 0x0e}, Inner: []byte{1}}.Append(nil)),
			KindGSS, MechUnknown, 11, 0, "GSS-API token of mechanism 1.3.6.1.5.5.14"},
	}
	for _, tt := range tests {
		c, err := Classify(tt.b)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if c.Kind != tt.kind || c.Mech != tt.mech || len(c.Token) != tt.tokLen || c.TokenID != tt.tokID {
			t.Errorf("%s: kind %v mech %v token %d tokID %#x, want %v %v %d %#x", tt.name, c.Kind, c.Mech, len(c.Token), c.TokenID, tt.kind, tt.mech, tt.tokLen, tt.tokID)
		}
		if tt.str != "" && c.String() != tt.str {
			t.Errorf("%s: String = %q, want %q", tt.name, c.String(), tt.str)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	init := readHex(t, "negtokeninit-ntlm.hex")
	resp := readHex(t, "negtokenresp-completed.hex")
	mod := func(b []byte, i int, v byte) []byte { c := bytes.Clone(b); c[i] = v; return c }
	tests := []struct {
		name  string
		dec   func([]byte) error
		b     []byte
		class error
		off   int64
	}{
		{"init truncated", (&NegTokenInit{}).Decode, init[:50], ErrTruncated, 0},
		{"init trailing byte", (&NegTokenInit{}).Decode, append(bytes.Clone(init), 0), ErrMalformed, 100},
		{"init of another mechanism", (&NegTokenInit{}).Decode, mod(init, 9, 0x03), ErrUnexpected, 2},
		{"init mechTypes not OIDs", (&NegTokenInit{}).Decode, mod(init, 16, 0x04), ErrMalformed, 16},
		{"init inner length beyond the token", (&NegTokenInit{}).Decode, mod(init, 11, 0x5b), ErrTruncated, 10},
		{"resp wrong choice", (&NegTokenResp{}).Decode, mod(resp, 0, 0xa0), ErrMalformed, 0},
		{"resp negState 9", (&NegTokenResp{}).Decode, mod(resp, 8, 0x09), ErrMalformed, 6},
		{"resp bad OID", (&NegTokenResp{}).Decode, mod(resp, 21, 0x82), ErrMalformed, 11},
		{"gss non-minimal length", (&InitialContextToken{}).Decode, []byte{0x60, 0x81, 0x02, 0x06, 0x00}, ErrMalformed, 0},
		{"gss indefinite length", (&InitialContextToken{}).Decode, []byte{0x60, 0x80, 0x06, 0x00, 0x00, 0x00}, ErrMalformed, 0},
		{"gss empty OID", (&InitialContextToken{}).Decode, []byte{0x60, 0x02, 0x06, 0x00}, ErrMalformed, 2},
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
	// Every prefix of every golden fails cleanly.
	for _, name := range goldens {
		b := readHex(t, name)
		for n := range len(b) {
			if _, err := Classify(b[:n]); n > 0 && err == nil && b[0] != 'N' {
				c, _ := Classify(b[:n])
				if c.Kind != KindUnknown {
					t.Errorf("%s[:%d]: classified %v without error", name, n, c.Kind)
				}
			}
		}
	}
}

func TestOIDString(t *testing.T) {
	for m, want := range map[Mech]string{
		MechKerberos: "1.2.840.113554.1.2.2", MechMSKerberos: "1.2.840.48018.1.2.2", MechNTLM: "1.3.6.1.4.1.311.2.2.10",
		MechSPNEGO: "1.3.6.1.5.5.2", MechNegoEx: "1.3.6.1.4.1.311.2.2.30",
	} {
		if got := m.OID().String(); got != want {
			t.Errorf("%v: %s, want %s", m, got, want)
		}
		if m.OID().Mech() != m {
			t.Errorf("%v does not map back", m)
		}
	}
	for _, bad := range []OID{nil, {0x80, 0x01}, {0x2a, 0x86}} {
		if bad.String() != "invalid OID" || bad.valid() {
			t.Errorf("% x: %q", []byte(bad), bad.String())
		}
	}
	if MechUnknown.OID() != nil || MechUnknown.AppendOID(nil) != nil {
		t.Error("MechUnknown has an OID")
	}
	if (OID{0x88, 0x37, 0x03}).String() != "2.999.3" {
		t.Errorf("2.999.3: %s", OID{0x88, 0x37, 0x03})
	}
}

func TestOpaqueNeverPrints(t *testing.T) {
	secret := Opaque("NTLMSSP\x00secret-response")
	n := NegTokenInit{MechTypes: NewMechTypeList(MechNTLM), MechToken: secret, MechListMIC: Opaque("mic-bytes")}
	r := NegTokenResp{ResponseToken: secret}
	for _, v := range []any{secret, n, r, &n, &r, Blob{Kind: KindSPNEGOInit, Init: n, Token: secret}} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%X", "%q"} {
			out := fmt.Sprintf(verb, v)
			if strings.Contains(out, "secret") || strings.Contains(out, "736563726574") || strings.Contains(out, "mic-bytes") {
				t.Errorf("%s of %T printed the bytes: %s", verb, v, out)
			}
		}
	}
}

func TestDecodeAllocs(t *testing.T) {
	init := readHex(t, "negtokeninit-ntlm.hex")
	resp := readHex(t, "negtokenresp-completed.hex")
	var n NegTokenInit
	var r NegTokenResp
	allocs := testing.AllocsPerRun(100, func() {
		if n.Decode(init) != nil || r.Decode(resp) != nil {
			t.Fatal("decode failed")
		}
		if c, err := Classify(init); err != nil || c.Mech != MechNTLM {
			t.Fatal("classify failed")
		}
		if !n.MechTypes.Contains(MechKerberos) || n.MechTypes.Len() != 4 {
			t.Fatal("mech list")
		}
	})
	if allocs != 0 {
		t.Errorf("decoding allocates %.0f times, want 0", allocs)
	}
}

func TestDetailedFormat(t *testing.T) {
	c, err := Classify(readHex(t, "negtokeninit-ntlm.hex"))
	require.NoError(t, err)
	got := fmt.Sprintf("%+v", c.Init)
	want := `NegTokenInit{init2: false, mechTypes: ["1.2.840.48018.1.2.2 MS Kerberos" "1.2.840.113554.1.2.2 Kerberos" ` +
		`"1.3.6.1.4.1.311.2.2.30 NegoEx" "1.3.6.1.4.1.311.2.2.10 NTLM"], reqFlags: absent, mechToken: <32 bytes> (NTLM), negHints: absent, mechListMIC: absent}`
	if got != want {
		t.Errorf("%%+v:\n got %s\nwant %s", got, want)
	}
	if s := fmt.Sprintf("%v", c.Init); s != c.Init.String() {
		t.Errorf("%%v = %s", s)
	}
	if s := fmt.Sprintf("%+v", c); !strings.HasPrefix(s, "Blob{kind: SPNEGO NegTokenInit, mech: NTLM, token: <32 bytes>") {
		t.Errorf("Blob %%+v: %s", s)
	}
}

func TestAppendErrors(t *testing.T) {
	dst := []byte{0xff}
	var r NegTokenResp
	r.SetNegState(9)
	if got, err := r.Append(dst); !errors.Is(err, ErrMalformed) || len(got) != 1 {
		t.Errorf("negState 9: %v, %d bytes", err, len(got))
	}
	if got, err := (NegTokenResp{SupportedMech: OID{0x80}}).Append(dst); !errors.Is(err, ErrMalformed) || len(got) != 1 {
		t.Errorf("bad supportedMech: %v, %d bytes", err, len(got))
	}
	if got, err := (InitialContextToken{}).Append(dst); !errors.Is(err, ErrMalformed) || len(got) != 1 {
		t.Errorf("empty thisMech: %v, %d bytes", err, len(got))
	}
}
