package spnego

import (
	"fmt"
	"strings"
	"testing"
)

// TestInitialContextTokenPrintsNoToken pins the printed forms of an
// InitialContextToken and NegHints (written by hand) and that no verb
// prints the inner token's bytes.
func TestInitialContextTokenPrintsNoToken(t *testing.T) {
	tok := InitialContextToken{
		ThisMech: MechKerberos.OID(),
		Inner:    Opaque{0x01, 0x00, 0x6E, 0x82, 0xCA, 0xFE, 0xBA, 0xBE}, // TOK_ID 01 00, then an AP-REQ's first bytes
	}
	for _, tc := range []struct {
		format string
		arg    any
		want   string
	}{
		{"%v", tok, "InitialContextToken 1.2.840.113554.1.2.2 Kerberos (<8 bytes>)"},
		{"%s", &tok, "InitialContextToken 1.2.840.113554.1.2.2 Kerberos (<8 bytes>)"},
		{"%+v", tok, "InitialContextToken{thisMech: 1.2.840.113554.1.2.2 Kerberos, innerContextToken: <8 bytes>}"},
		{"%v", NegHints{HintName: []byte("not_defined_in_RFC4178@please_ignore")}, `NegHints{hintName: "not_defined_in_RFC4178@please_ignore", hintAddress: absent}`},
		{"%v", NegHints{HintAddress: []byte{10, 0, 0, 1}}, "NegHints{hintName: absent, hintAddress: <4 bytes>}"},
	} {
		if got := fmt.Sprintf(tc.format, tc.arg); got != tc.want {
			t.Errorf("Sprintf(%q, %T):\n got %s\nwant %s", tc.format, tc.arg, got, tc.want)
		}
	}
	for _, verb := range []string{"%v", "%+v", "%s", "%q", "%x", "%X", "%d", "%#v"} {
		for _, arg := range []any{tok, &tok, struct{ T InitialContextToken }{tok}} {
			got := strings.ToLower(fmt.Sprintf(verb, arg))
			if strings.Contains(got, "cafebabe") || strings.Contains(got, "ca fe ba be") || strings.Contains(got, "202 254 186 190") {
				t.Errorf("%s of %T prints the inner token: %s", verb, arg, got)
			}
		}
	}
}
