package login7

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tds/tdstest"
)

// TestOffsetTableSpec42 reads the OffsetLength table of the [MS-TDS] 4.2
// example; the values are those the golden file's comments give for each
// entry.
func TestOffsetTableSpec42(t *testing.T) {
	msg := packet(t, "login7-spec-4.2.hex", tds.PacketLogin7)
	var ot OffsetTable
	if err := ot.Decode(msg); err != nil {
		t.Fatal(err)
	}
	want := []TableEntry{
		{"HostName", 36, 0x5E, 8, 16}, {"UserName", 40, 0x6E, 2, 4}, {"Password", 44, 0x72, 0, 0},
		{"AppName", 48, 0x72, 7, 14}, {"ServerName", 52, 0x80, 0, 0}, {"Extension", 56, 0x80, 0, 0},
		{"CltIntName", 60, 0x80, 4, 8}, {"Language", 64, 0x88, 0, 0}, {"Database", 68, 0x88, 0, 0},
		{"SSPI", 78, 0x88, 0, 0}, {"AtchDBFile", 82, 0x88, 0, 0}, {"ChangePassword", 86, 0x88, 0, 0},
	}
	var got []TableEntry
	for e := range ot.All() {
		got = append(got, e)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) || ot.FixedLen != FixedLen || !ot.HasSSPILong || ot.SSPILong != 0 || ot.HasFeatureExtLong {
		t.Errorf("table %v FixedLen %d SSPILong %v/%d FeatureExtLong %v\nwant  %v", got, ot.FixedLen, ot.HasSSPILong, ot.SSPILong, ot.HasFeatureExtLong, want)
	}
	if e, ok := ot.Entry("AppName"); !ok || e.Offset != 0x72 {
		t.Errorf("Entry(AppName) = %v, %v", e, ok)
	}
	if _, ok := ot.Entry("Nothing"); ok {
		t.Error("Entry(Nothing) found")
	}
	if s := ot.String(); !strings.HasPrefix(s, "LOGIN7 OffsetLength FixedLen=94 HostName@36 -> 94+16 UserName@40 -> 110+4") || !strings.HasSuffix(s, "cbSSPILong=0") {
		t.Errorf("String %q", s)
	}
	if s := fmt.Sprintf("%+v", ot); !strings.Contains(s, "Entries=[HostName@36 -> 94+16") {
		t.Errorf("%%+v %q", s)
	}
	if n := testing.AllocsPerRun(100, func() {
		_ = ot.Decode(msg)
		for range ot.All() {
		}
	}); n != 0 {
		t.Errorf("OffsetTable: %v allocations, want 0", n)
	}
}

// TestOffsetTableFedAuth reads ibExtension and ibFeatureExtLong from the
// [MS-TDS] 4.3 example (ibExtension 0xB8, ibFeatureExtLong 0xC4).
func TestOffsetTableFedAuth(t *testing.T) {
	msg := packet(t, "login7-spec-4.3-fedauth.hex", tds.PacketLogin7)
	var ot OffsetTable
	if err := ot.Decode(msg); err != nil {
		t.Fatal(err)
	}
	e, _ := ot.Entry("Extension")
	if e.Offset != 0xB8 || e.Count != 4 || !ot.HasFeatureExtLong || ot.FeatureExtLong != 0xC4 {
		t.Errorf("Extension %v, ibFeatureExtLong %v %d", e, ot.HasFeatureExtLong, ot.FeatureExtLong)
	}
}

func TestOffsetTableShort(t *testing.T) {
	msg := tdstest.ReadHex(t, "testdata/login7-tds71-short.hex")
	var ot OffsetTable
	if err := ot.Decode(msg); err != nil {
		t.Fatal(err)
	}
	n := 0
	for range ot.All() {
		n++
	}
	if ot.FixedLen != FixedLen71 || n != 11 || ot.HasSSPILong {
		t.Errorf("7.1 table: FixedLen %d, %d entries, cbSSPILong %v", ot.FixedLen, n, ot.HasSSPILong)
	}
	if err := ot.Decode(msg[:40]); err == nil {
		t.Error("40 bytes decoded")
	}
}
