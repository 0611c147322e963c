package smp

import (
	"fmt"
	"testing"
)

// TestHeaderFormat pins the printed forms of Header, written by hand:
// String for %v and %s, the named fields for %+v.
func TestHeaderFormat(t *testing.T) {
	for _, c := range []struct {
		format string
		h      Header
		want   string
	}{
		{"%v", Header{Flags: FlagSYN, Length: 16, Wndw: 4}, "SMP:SYN, Sid = 0, Length = 16, SeqNum = 0, Wndw = 4"},
		{"%s", Header{Flags: FlagDATA, SID: 1, Length: 24, SeqNum: 3, Wndw: 6}, "SMP:DATA, Sid = 1, Length = 24, SeqNum = 3, Wndw = 6"},
		{"%+v", Header{Flags: FlagSYN, Length: 16, Wndw: 4}, "Header{Flags=SYN SID=0 Length=16 SeqNum=0 Wndw=4}"},
		{"%+v", Header{Flags: 0x06, SID: 2, Length: 16}, "Header{Flags=0x06 SID=2 Length=16 SeqNum=0 Wndw=0}"},
		{"%#v", Header{Flags: FlagFIN, Length: 16}, "smp.Header{SMP:FIN, Sid = 0, Length = 16, SeqNum = 0, Wndw = 0}"},
	} {
		if got := fmt.Sprintf(c.format, c.h); got != c.want {
			t.Errorf("Sprintf(%q):\n got %s\nwant %s", c.format, got, c.want)
		}
	}
}
