package login7

import (
	"fmt"
	"testing"
)

// TestValueFormats pins the printed forms of the feature data types and
// TableEntry, written by hand: String for %v and %s, the named fields for
// %+v.
func TestValueFormats(t *testing.T) {
	e := TableEntry{Name: "Password", At: 44, Offset: 106, Count: 8, Length: 16}
	for _, c := range []struct {
		format string
		arg    any
		want   string
	}{
		{"%v", ColumnEncryption{Version: 2}, "COLUMNENCRYPTION Version=2"},
		{"%+v", ColumnEncryption{Version: 2}, "COLUMNENCRYPTION{Version=2}"},
		{"%#v", ColumnEncryption{Version: 2}, "login7.ColumnEncryption{COLUMNENCRYPTION Version=2}"},
		{"%v", AzureSQLSupport{Flags: 0x01}, "AZURESQLSUPPORT Flags=0x01"},
		{"%+v", AzureSQLSupport{Flags: 0x01}, "AZURESQLSUPPORT{Flags=0x01 FailoverPartnerReadOnly=true}"},
		{"%+v", AzureSQLSupport{Flags: 0x80}, "AZURESQLSUPPORT{Flags=0x80 FailoverPartnerReadOnly=false}"},
		{"%s", UTF8Support{Flags: 0x01}, "UTF8_SUPPORT Supported=true Flags=0x01"},
		{"%+v", UTF8Support{Flags: 0x01}, "UTF8_SUPPORT{Flags=0x01 NoData=false Supported=true}"},
		{"%+v", UTF8Support{NoData: true}, "UTF8_SUPPORT{Flags=0x00 NoData=true Supported=true}"},
		{"%v", DataClassification{Version: 2}, "DATACLASSIFICATION Version=2 VersionSpecific=0 bytes"},
		{"%+v", DataClassification{Version: 2}, "DATACLASSIFICATION{Version=2 VersionSpecific=nil}"},
		{"%+v", DataClassification{Version: 3, VersionSpecific: []byte{0x01, 0x02}}, "DATACLASSIFICATION{Version=3 VersionSpecific=0102}"},
		{"%v", e, "Password@44 -> 106+16"},
		{"%+v", e, `TableEntry{Name="Password" At=44 Offset=106 Count=8 Length=16}`},
		{"%#v", e, "login7.TableEntry{Password@44 -> 106+16}"},
	} {
		if got := fmt.Sprintf(c.format, c.arg); got != c.want {
			t.Errorf("Sprintf(%q, %T):\n got %s\nwant %s", c.format, c.arg, got, c.want)
		}
	}
}
