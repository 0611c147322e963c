package login7

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tdswire/tdswire/tds"
)

// TestSessionRecoveryPrintsNoState pins that no verb prints the session
// state values of SESSIONRECOVERY (only their length), as package tokens
// does for SESSIONSTATE, and the printed forms, written by hand.
func TestSessionRecoveryPrintsNoState(t *testing.T) {
	d := SessionRecoveryData{
		Database:  tds.UCS2{'d', 0, 'b', 0},
		Collation: []byte{0x09, 0x04, 0xD0, 0x00, 0x34},
		Language:  tds.UCS2{'u', 0, 's', 0},
		// StateId 9, StateLen 4, StateValue DE AD BE EF.
		StateData: []byte{0x09, 0x04, 0xDE, 0xAD, 0xBE, 0xEF},
	}
	s := SessionRecovery{Reconnect: true, Init: d, ToBe: SessionRecoveryData{StateData: d.StateData}}
	const line = `Database="db" Language="us" Collation=5 bytes StateData=6 bytes`
	for _, tc := range []struct {
		format string
		arg    any
		want   string
	}{
		{"%v", d, line},
		{"%s", &d, line},
		{"%+v", d, `{Database="db" Collation=0904d00034 Language="us" StateData=6 bytes}`},
		{"%v", s, `SESSIONRECOVERY Reconnect=true Init={` + line + `} ToBe={Database="" Language="" Collation=0 bytes StateData=6 bytes}`},
		{"%+v", s, `SESSIONRECOVERY{Reconnect=true Init={Database="db" Collation=0904d00034 Language="us" StateData=6 bytes} ToBe={Database="" Collation= Language="" StateData=6 bytes}}`},
	} {
		if got := fmt.Sprintf(tc.format, tc.arg); got != tc.want {
			t.Errorf("Sprintf(%q, %T):\n got %s\nwant %s", tc.format, tc.arg, got, tc.want)
		}
	}
	for _, verb := range []string{"%v", "%+v", "%s", "%q", "%x", "%X", "%d", "%#v"} {
		for _, arg := range []any{d, &d, s, &s} {
			got := strings.ToLower(fmt.Sprintf(verb, arg))
			if strings.Contains(got, "deadbeef") || strings.Contains(got, "de ad be ef") || strings.Contains(got, "222 173 190 239") || strings.Contains(got, "\xde\xad") {
				t.Errorf("%s of %T prints the state value: %s", verb, arg, got)
			}
		}
	}
}
