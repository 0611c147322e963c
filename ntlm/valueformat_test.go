package ntlm

import (
	"fmt"
	"testing"
)

// TestValueFormats pins the printed forms of AVPair, AVPairs,
// SingleHostData and Version, written by hand: String for %v and %s, the
// detailed form for %+v.
func TestValueFormats(t *testing.T) {
	// MsvAvNbDomainName "D", MsvAvFlags 0x00000002, MsvAvTimestamp
	// 0x01d9000000000000 (little-endian), MsvAvEOL.
	list := AVPairs{
		0x02, 0x00, 0x02, 0x00, 'D', 0x00,
		0x06, 0x00, 0x04, 0x00, 0x02, 0x00, 0x00, 0x00,
		0x07, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xd9, 0x01,
		0x00, 0x00, 0x00, 0x00,
	}
	name := AVPair{ID: MsvAvNbDomainName, Value: []byte{'D', 0}}
	flags := AVPair{ID: MsvAvFlags, Value: []byte{0x02, 0, 0, 0}}
	cb := AVPair{ID: MsvAvChannelBindings, Value: []byte{0xde, 0xad, 0xbe, 0xef}}
	shd := SingleHostData{Size: 48, CustomData: [8]byte{0: 0x01}, MachineID: [32]byte{31: 0xff}}
	const shdHex = "CustomData=0100000000000000 MachineID=00000000000000000000000000000000000000000000000000000000000000ff"
	ver := Version{ProductMajorVersion: 10, ProductBuild: 19041, NTLMRevisionCurrent: 15}
	for _, c := range []struct {
		format string
		arg    any
		want   string
	}{
		{"%v", name, `MsvAvNbDomainName="D"`},
		{"%+v", name, `AVPair{ID=MsvAvNbDomainName Len=2 Value="D"}`},
		{"%v", flags, "MsvAvFlags=0x00000002"},
		{"%+v", flags, "AVPair{ID=MsvAvFlags Len=4 Value=0x00000002}"},
		{"%s", cb, "MsvAvChannelBindings=4 bytes"},
		{"%+v", cb, "AVPair{ID=MsvAvChannelBindings Len=4 Value=deadbeef}"},
		{"%#v", cb, "ntlm.AVPair{MsvAvChannelBindings=4 bytes}"},
		{"%v", list, `[MsvAvNbDomainName="D", MsvAvFlags=0x00000002, MsvAvTimestamp=8 bytes]`},
		{"%+v", list, `AVPairs[AVPair{ID=MsvAvNbDomainName Len=2 Value="D"}, AVPair{ID=MsvAvFlags Len=4 Value=0x00000002}, AVPair{ID=MsvAvTimestamp Len=8 Value=000000000000d901}]`},
		{"%+v", AVPairs{0x07, 0x00, 0x08, 0x00, 0x01}, "AVPairs[malformed: " + fmt.Sprint(firstErr(AVPairs{0x07, 0x00, 0x08, 0x00, 0x01})) + "]"},
		{"%v", shd, "Single_Host_Data Size=48 " + shdHex},
		{"%+v", shd, "SingleHostData{Size=48 " + shdHex + "}"},
		{"%v", ver, "10.0.19041 rev 15"},
		{"%+v", ver, "Version{ProductMajorVersion=10 ProductMinorVersion=0 ProductBuild=19041 NTLMRevisionCurrent=15}"},
		{"%#v", ver, "ntlm.Version{ProductMajorVersion:0xa, ProductMinorVersion:0x0, ProductBuild:0x4a61, NTLMRevisionCurrent:0xf}"},
	} {
		if got := fmt.Sprintf(c.format, c.arg); got != c.want {
			t.Errorf("Sprintf(%q, %T):\n got %s\nwant %s", c.format, c.arg, got, c.want)
		}
	}
}

// firstErr returns the error All yields for l.
func firstErr(l AVPairs) error {
	for _, err := range l.All() {
		if err != nil {
			return err
		}
	}
	return nil
}
