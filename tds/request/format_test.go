package request_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tds/request"
	"github.com/tdswire/tdswire/tds/sqltype"
)

func TestPrinting(t *testing.T) {
	payload := golden(t, "sqlbatch-headers-74.hex")
	var m request.SQLBatch
	if err := m.Decode(payload, tds.Version74); err != nil {
		t.Fatal(err)
	}
	_, items, err := walkRPC(golden(t, "rpc-tvp-ordered.hex"), tds.Version74)
	if err != nil {
		t.Fatal(err)
	}
	var tm request.TransMgrReq
	if err := tm.Decode(golden(t, "tm-commit-begin.hex"), tds.Version74); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name      string
		v         any
		line, det string // want String, and a part of %+v
	}{
		{"SQLBatch", m, `SQLBatch Text="select 1"`, `SQLText="select 1"`},
		{"AllHeaders", m.Headers, `ALL_HEADERS TransactionDescriptor=0x12345678 OutstandingRequestCount=2 NotifyId="n1" SSBDeployment="s" NotifyTimeout=60000 ActivityID=00112233445566778899aabbccddeeff ActivitySequence=1`, `TraceActivity={ActivityID=00112233445566778899aabbccddeeff Sequence=1}`},
		{"RPC", items[0].RPC, `RPC "p" Options=0`, `RPC{ProcName="p" ProcID=ProcID(0) Options=0}`},
		{"Param", items[0].Params[0], `PARAM "@t" Status=0 Type=TVPTYPE TVP="dbo"."tt" columns=3 rows=2`, `TVP=`},
		{"TVP", items[0].Params[0].TVP, `"dbo"."tt" columns=3 rows=2`, `NumColumns=3 NumRows=2}`},
		{"TransMgrReq", tm, `TransMgrReq TM_COMMIT_XACT`, `TransMgrReq{`},
	} {
		if got := fmt.Sprint(c.v); !strings.HasPrefix(got, c.line) {
			t.Errorf("%s: String %q, want prefix %q", c.name, got, c.line)
		}
		if got := fmt.Sprintf("%+v", c.v); !strings.Contains(got, c.det) {
			t.Errorf("%s: %%+v %q lacks %q", c.name, got, c.det)
		}
	}
	if got := (request.StatusByRefValue | request.StatusEncrypted | 0x40).String(); got != "fByRefValue|fEncrypted|0x40" {
		t.Errorf("StatusFlags %q", got)
	}
}

// TestFlagAndLevelNames pins the String forms of the small request types,
// written by hand from [MS-TDS] 2.2.6.9 and 2.2.5.5.5.
func TestFlagAndLevelNames(t *testing.T) {
	for _, c := range []struct {
		got  fmt.Stringer
		want string
	}{
		{request.IsolationUnchanged, "Unchanged"},
		{request.IsolationReadCommitted, "ReadCommitted"},
		{request.IsolationSnapshot, "Snapshot"},
		{request.IsolationLevel(6), "IsolationLevel(6)"},
		{request.XactFlags(0), "0"},
		{request.XactBegin, "fBeginXact"},
		{request.XactBegin | 0x80, "fBeginXact|0x80"},
		{request.OrderAsc | request.OrderUnique, "fOrderAsc|fUnique"},
		{request.OrderDesc, "fOrderDesc"},
		{request.TVPColumnFlags(0), "0"},
		{request.TVPNullable | request.TVPDefault, "fNullable|fDefault"},
		{request.TVPColumnFlags(0x0008), "usUpdateable=2"},
		{request.TVPNullable | 0x0004 | 0x8000, "fNullable|0x8000|usUpdateable=1"},
		{request.TVPColumn{Flags: request.TVPNullable, Type: sqltype.TypeInfo{Type: sqltype.TypeIntN, MaxLen: 4}}, "int Flags=fNullable"},
		{request.TVPColumn{UserType: 80, Type: sqltype.TypeInfo{Type: sqltype.TypeInt4, MaxLen: 4}, Name: tds.UCS2{'c', 0}}, `int Flags=0 UserType=80 Name="c"`},
		{request.TraceActivity{ActivityID: [16]byte{0x00, 0x11, 15: 0xFF}, Sequence: 1}, "{ActivityID=001100000000000000000000000000ff Sequence=1}"},
		// TVP_ORDER_UNIQUE entries: ColNum 1 (01 00) fOrderAsc, ColNum 3
		// (03 00) fOrderDesc|fUnique (0x06).
		{request.TVPOrderUnique{0x01, 0x00, 0x01, 0x03, 0x00, 0x06}, "[1 fOrderAsc, 3 fOrderDesc|fUnique]"},
		{request.TVPOrderUnique(nil), "[]"},
		// TVP_COLUMN_ORDERING ColNums 2, 1, 3.
		{request.TVPColumnOrdering{0x02, 0x00, 0x01, 0x00, 0x03, 0x00}, "[2 1 3]"},
	} {
		if s := c.got.String(); s != c.want {
			t.Errorf("%T: String %q, want %q", c.got, s, c.want)
		}
		if s := fmt.Sprint(c.got); s != c.want {
			t.Errorf("%T: Sprint %q, want %q", c.got, s, c.want)
		}
	}
}
