package tds_test

import (
	"fmt"
	"testing"

	"github.com/tdswire/tdswire/tds"
)

// TestHeaderFormat pins the printed forms of Header, written by hand:
// String for %v and %s, the named fields for %+v.
func TestHeaderFormat(t *testing.T) {
	h := tds.Header{Type: tds.PacketType(0x12), Status: tds.Status(0x01), Length: 58, PacketID: 1}
	for _, c := range []struct{ format, want string }{
		{"%v", "Prelogin, SPID = 0, PacketID = 1, Status = EOM, Length = 58"},
		{"%s", "Prelogin, SPID = 0, PacketID = 1, Status = EOM, Length = 58"},
		{"%+v", "Header{Type=Prelogin Status=EOM Length=58 SPID=0 PacketID=1 Window=0}"},
		{"%#v", "tds.Header{Prelogin, SPID = 0, PacketID = 1, Status = EOM, Length = 58}"},
	} {
		if got := fmt.Sprintf(c.format, h); got != c.want {
			t.Errorf("Sprintf(%q):\n got %s\nwant %s", c.format, got, c.want)
		}
	}
	h = tds.Header{Type: tds.PacketType(0x04), Status: tds.Status(0x09), Length: 4096, SPID: 53, PacketID: 2, Window: 1}
	if got, want := fmt.Sprintf("%+v", h), "Header{Type=Response Status=EOM|RESETCONNECTION Length=4096 SPID=53 PacketID=2 Window=1}"; got != want {
		t.Errorf("%%+v:\n got %s\nwant %s", got, want)
	}
}
