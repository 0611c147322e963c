package prelogin

import (
	"fmt"
	"testing"
)

// TestValueFormats pins the printed forms of the value types, written by
// hand: String for %v and %s, the named fields for %+v.
func TestValueFormats(t *testing.T) {
	tid := TraceID{ConnectionID: [16]byte{0: 0x01, 15: 0x0f}, ActivityID: [16]byte{0: 0xaa}, ActivitySequence: 7}
	for _, c := range []struct {
		format string
		arg    any
		want   string
	}{
		{"%v", Version{Major: 15, Build: 2000}, "15.0.2000.0"},
		{"%s", Version{Major: 15, Build: 2000, SubBuild: 3}, "15.0.2000.3"},
		{"%+v", Version{Major: 15, Minor: 1, Build: 2000, SubBuild: 3}, "Version{Major=15 Minor=1 Build=2000 SubBuild=3}"},
		{"%#v", Version{Major: 16}, "prelogin.Version{16.0.0.0}"},
		{"%q", Version{Major: 16}, `"16.0.0.0"`},
		{"%v", RawOption{Token: 0x09, Data: []byte{1, 2}}, "Option(0x09)=2 bytes"},
		{"%+v", RawOption{Token: 0x09, Data: []byte{1, 2}}, "RawOption{Token=Option(0x09) Data=0102}"},
		{"%+v", RawOption{Token: 0x0a}, "RawOption{Token=Option(0x0a) Data=nil}"},
		{"%#v", RawOption{Token: 0x09, Data: []byte{1, 2}}, "prelogin.RawOption{Option(0x09)=2 bytes}"},
		// VERSION entry at 0 pointing at 26, data 15.0.2000.0 (0F 00 07 D0 00 00).
		{"%v", Entry{At: 0, Token: OptionVersion, Offset: 26, Data: []byte{0x0f, 0x00, 0x07, 0xd0, 0x00, 0x00}}, "VERSION@0 -> 26+6"},
		{"%+v", Entry{At: 0, Token: OptionVersion, Offset: 26, Data: []byte{0x0f, 0x00, 0x07, 0xd0, 0x00, 0x00}}, "Entry{At=0 Token=VERSION Offset=26 Data=0f0007d00000}"},
		{"%+v", Entry{At: 5, Token: OptionEncryption, Offset: 32, Data: []byte{0x02}}, "Entry{At=5 Token=ENCRYPTION Offset=32 Data=02}"},
		{"%v", tid, "{ConnectionID=0100000000000000000000000000000f ActivityID=aa000000000000000000000000000000 ActivitySequence=7}"},
		{"%+v", tid, "TraceID{ConnectionID=0100000000000000000000000000000f ActivityID=aa000000000000000000000000000000 ActivitySequence=7}"},
		{"%#v", tid, "prelogin.TraceID{ConnectionID=0100000000000000000000000000000f ActivityID=aa000000000000000000000000000000 ActivitySequence=7}"},
	} {
		if got := fmt.Sprintf(c.format, c.arg); got != c.want {
			t.Errorf("Sprintf(%q, %T):\n got %s\nwant %s", c.format, c.arg, got, c.want)
		}
	}
}
