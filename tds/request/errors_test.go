package request_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tds/request"
	"github.com/tdswire/tdswire/tds/sqltype"
	"github.com/tdswire/tdswire/tds/tdstest"
)

// hx parses inline hex for the error table (hand-written, like testdata).
func hx(t *testing.T, s string) []byte {
	t.Helper()
	b, err := tdstest.ParseHex(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// txHdr is the 22-byte ALL_HEADERS with an autocommit Transaction
// Descriptor; offsets in the table below count it.
const txHdr = "16 00 00 00 12 00 00 00 02 00 00 00 00 00 00 00 00 00 01 00 00 00 "

// rpcHead is txHdr and an Sp_ExecuteSql head: parameters start at 28.
const rpcHead = txHdr + "ff ff 0a 00 00 00 "

// tvpHead is rpcHead and a parameter "" by value that is a TVP named
// "" "" "": TVP_COLMETADATA starts at 34.
const tvpHead = rpcHead + "00 00 f3 00 00 00 "

// col1 is one TVP column: INTNTYPE 4, flags 0, empty name.
const col1 = "00 00 00 00 00 00 26 04 00 "

func TestDecodeErrors(t *testing.T) {
	type kind int
	const (
		batch kind = iota
		rpc
		tm
	)
	for _, tc := range []struct {
		name  string
		k     kind
		v     tds.Version
		in    string
		off   int64
		class error
	}{
		// ALL_HEADERS, 2.2.5.3
		{"empty", batch, tds.Version74, "", 0, tds.ErrTruncated},
		{"short TotalLength", batch, tds.Version74, "16 00 00", 0, tds.ErrTruncated},
		{"TotalLength below one header", batch, tds.Version74, "09 00 00 00 00 00 00 00 00", 0, tds.ErrMalformed},
		{"TotalLength past input", batch, tds.Version74, "16 00 00 00 12 00 00 00 02 00", 0, tds.ErrTruncated},
		{"HeaderLength below 6", batch, tds.Version74, "16 00 00 00 05 00 00 00 02 00 00 00 00 00 00 00 00 00 01 00 00 00", 4, tds.ErrMalformed},
		{"HeaderLength past TotalLength", batch, tds.Version74, "16 00 00 00 13 00 00 00 02 00 00 00 00 00 00 00 00 00 01 00 00 00 00", 4, tds.ErrMalformed},
		{"HeaderLength huge", batch, tds.Version74, "16 00 00 00 ff ff ff ff 02 00 00 00 00 00 00 00 00 00 01 00 00 00", 4, tds.ErrMalformed},
		{"unknown HeaderType", batch, tds.Version74, "16 00 00 00 12 00 00 00 04 00 00 00 00 00 00 00 00 00 01 00 00 00", 8, tds.ErrMalformed},
		{"Transaction Descriptor too short", batch, tds.Version74, "15 00 00 00 11 00 00 00 02 00 00 00 00 00 00 00 00 00 01 00 00", 4, tds.ErrMalformed},
		{"second Transaction Descriptor", batch, tds.Version74, "28 00 00 00" + strings.Repeat(" 12 00 00 00 02 00 00 00 00 00 00 00 00 00 01 00 00 00", 2), 26, tds.ErrMalformed},
		{"bytes left below a header", batch, tds.Version74, "1a 00 00 00 12 00 00 00 02 00 00 00 00 00 00 00 00 00 01 00 00 00 00 00 00 00", 22, tds.ErrMalformed},
		{"no Transaction Descriptor", batch, tds.Version74, "1e 00 00 00 1a 00 00 00 03 00" + strings.Repeat(" 00", 20), 0, tds.ErrMalformed},
		{"Trace Activity wrong length", batch, tds.Version74, "2f 00 00 00 12 00 00 00 02 00 00 00 00 00 00 00 00 00 01 00 00 00 19 00 00 00 03 00" + strings.Repeat(" 00", 19), 22, tds.ErrMalformed},
		{"second Trace Activity", batch, tds.Version74, "4a 00 00 00 12 00 00 00 02 00 00 00 00 00 00 00 00 00 01 00 00 00" + strings.Repeat(" 1a 00 00 00 03 00"+strings.Repeat(" 00", 20), 2), 52, tds.ErrMalformed},
		{"Query Notifications odd NotifyId", batch, tds.Version74, "20 00 00 00 0a 00 00 00 01 00 01 00 00 00 " + txHdr[12:], 10, tds.ErrMalformed},
		{"Query Notifications NotifyId past header", batch, tds.Version74, "20 00 00 00 0a 00 00 00 01 00 08 00 00 00 " + txHdr[12:], 10, tds.ErrMalformed},
		{"Query Notifications no SSBDeployment", batch, tds.Version74, "1e 00 00 00 08 00 00 00 01 00 00 00 " + txHdr[12:], 12, tds.ErrMalformed},
		{"Query Notifications 2 stray bytes", batch, tds.Version74, "22 00 00 00 0c 00 00 00 01 00 00 00 00 00 00 00 " + txHdr[12:], 14, tds.ErrMalformed},
		{"second Query Notifications", batch, tds.Version74, "2a 00 00 00 0a 00 00 00 01 00 00 00 00 00 0a 00 00 00 01 00 00 00 00 00 " + txHdr[12:], 18, tds.ErrMalformed},
		// SQLBatch, 2.2.6.7
		{"odd SQLText", batch, tds.Version74, txHdr + "61 00 62", 24, tds.ErrMalformed},
		{"odd SQLText at 7.1", batch, tds.Version71, "61", 0, tds.ErrMalformed},
		// RPC Request, 2.2.6.6
		{"no RPCReqBatch", rpc, tds.Version74, txHdr, 22, tds.ErrTruncated},
		{"no RPCReqBatch at 7.1", rpc, tds.Version71, "", 0, tds.ErrTruncated},
		{"short NameLenProcID", rpc, tds.Version74, txHdr + "ff", 22, tds.ErrTruncated},
		{"short ProcID", rpc, tds.Version74, txHdr + "ff ff 0a", 24, tds.ErrTruncated},
		{"ProcID 0", rpc, tds.Version74, txHdr + "ff ff 00 00 00 00", 24, tds.ErrMalformed},
		{"ProcName above 1046 bytes", rpc, tds.Version74, txHdr + "0c 02", 22, tds.ErrTooLarge},
		{"ProcName truncated", rpc, tds.Version74, txHdr + "04 00 66 00", 22, tds.ErrTruncated},
		{"no OptionFlags", rpc, tds.Version74, txHdr + "ff ff 0a 00 00", 26, tds.ErrTruncated},
		{"parameter name truncated", rpc, tds.Version74, rpcHead + "03 40 00", 28, tds.ErrTruncated},
		{"parameter name of 129 characters", rpc, tds.Version74, rpcHead + "81" + strings.Repeat(" 61 00", 129) + " 00 26 04 00", 28, tds.ErrTooLarge},
		{"parameter name of 253 characters", rpc, tds.Version74, rpcHead + "fd" + strings.Repeat(" 61 00", 253) + " 00 26 04 00", 28, tds.ErrTooLarge},
		{"parameter name of 255 characters at 7.1", rpc, tds.Version71, "ff ff 0a 00 00 00 ff" + strings.Repeat(" 61 00", 255) + " 00 26 04 00", 6, tds.ErrTooLarge},
		{"no StatusFlags", rpc, tds.Version74, rpcHead + "00", 29, tds.ErrTruncated},
		{"no TYPE_INFO", rpc, tds.Version74, rpcHead + "00 00", 30, tds.ErrTruncated},
		{"bad TYPE_INFO", rpc, tds.Version74, rpcHead + "00 00 26 03 00", 31, tds.ErrMalformed},
		{"value truncated", rpc, tds.Version74, rpcHead + "00 00 26 04 04 01", 32, tds.ErrTruncated},
		{"error in second RPC", rpc, tds.Version74, rpcHead + "ff ff ff", 31, tds.ErrTruncated},
		{"fEncrypted at 7.3", rpc, tds.Version73B, rpcHead + "00 08 26 04 00", 29, tds.ErrUnexpected},
		{"ParamCipherInfo missing", rpc, tds.Version74, rpcHead + "00 08 26 04 00", 33, tds.ErrTruncated},
		{"ParamCipherInfo no EncryptionAlgo", rpc, tds.Version74, rpcHead + "00 08 26 04 00 26 04", 35, tds.ErrTruncated},
		{"ParamCipherInfo AlgoName truncated", rpc, tds.Version74, rpcHead + "00 08 26 04 00 26 04 00 02 78", 36, tds.ErrTruncated},
		{"ParamCipherInfo short tail", rpc, tds.Version74, rpcHead + "00 08 26 04 00 26 04 01 01 05 00 00 00", 36, tds.ErrTruncated},
		// Table-valued parameters, 2.2.5.5.5
		{"TVP fByRefValue", rpc, tds.Version74, rpcHead + "00 01 f3", 29, tds.ErrMalformed},
		{"TVP fDefaultValue", rpc, tds.Version74, rpcHead + "00 02 f3", 29, tds.ErrMalformed},
		{"TVP DbName not empty", rpc, tds.Version74, rpcHead + "00 00 f3 01 78 00 00 00", 31, tds.ErrMalformed},
		{"TVP TypeName above 128", rpc, tds.Version74, rpcHead + "00 00 f3 00 00 81" + strings.Repeat(" 78 00", 129), 33, tds.ErrTooLarge},
		{"TVP TypeName truncated", rpc, tds.Version74, rpcHead + "00 00 f3 00 00 05 78 00", 33, tds.ErrTruncated},
		{"TVP no Count", rpc, tds.Version74, tvpHead + "01", 34, tds.ErrTruncated},
		{"TVP Count 0", rpc, tds.Version74, tvpHead + "00 00", 34, tds.ErrMalformed},
		{"TVP Count 1025", rpc, tds.Version74, tvpHead + "01 04", 34, tds.ErrTooLarge},
		{"TVP column truncated", rpc, tds.Version74, tvpHead + "02 00 " + col1 + "00 00", 45, tds.ErrTruncated},
		{"TVP column legacy int", rpc, tds.Version74, tvpHead + "01 00 00 00 00 00 00 00 38 00", 42, tds.ErrMalformed},
		{"TVP column NULLTYPE", rpc, tds.Version74, tvpHead + "01 00 00 00 00 00 00 00 1f 00", 42, tds.ErrMalformed},
		{"TVP column nested TVP", rpc, tds.Version74, tvpHead + "01 00 00 00 00 00 00 00 f3 00", 42, tds.ErrMalformed},
		{"TVP column bad TYPE_INFO", rpc, tds.Version74, tvpHead + "01 00 00 00 00 00 00 00 26 03 00", 43, tds.ErrMalformed},
		{"TVP ColName not empty", rpc, tds.Version74, tvpHead + "01 00 00 00 00 00 00 00 26 04 01 78 00", 44, tds.ErrMalformed},
		{"TVP no end of metadata", rpc, tds.Version74, tvpHead + "01 00 " + col1, 45, tds.ErrTruncated},
		{"TVP unknown metadata token", rpc, tds.Version74, tvpHead + "01 00 " + col1 + "12", 45, tds.ErrMalformed},
		{"TVP second ORDER_UNIQUE", rpc, tds.Version74, tvpHead + "01 00 " + col1 + "10 00 00 10 00 00 00 00", 48, tds.ErrMalformed},
		{"TVP ORDER_UNIQUE no Count", rpc, tds.Version74, tvpHead + "01 00 " + col1 + "10 00", 46, tds.ErrTruncated},
		{"TVP ORDER_UNIQUE truncated", rpc, tds.Version74, tvpHead + "01 00 " + col1 + "10 02 00 01 00 01", 46, tds.ErrTruncated},
		{"TVP ORDER_UNIQUE ColNum 2", rpc, tds.Version74, tvpHead + "01 00 " + col1 + "10 01 00 02 00 01 00", 48, tds.ErrMalformed},
		{"TVP ORDER_UNIQUE asc and desc", rpc, tds.Version74, tvpHead + "01 00 " + col1 + "10 01 00 01 00 03 00", 50, tds.ErrMalformed},
		{"TVP ORDER_UNIQUE no flag", rpc, tds.Version74, tvpHead + "01 00 " + col1 + "10 01 00 01 00 00 00", 50, tds.ErrMalformed},
		{"TVP COLUMN_ORDERING count", rpc, tds.Version74, tvpHead + "01 00 " + col1 + "11 02 00 01 00 01 00 00", 46, tds.ErrMalformed},
		{"TVP COLUMN_ORDERING no Count", rpc, tds.Version74, tvpHead + "01 00 " + col1 + "11 01", 46, tds.ErrTruncated},
		{"TVP COLUMN_ORDERING truncated", rpc, tds.Version74, tvpHead + "02 00 " + col1 + col1 + "11 02 00 01 00", 55, tds.ErrTruncated},
		{"TVP COLUMN_ORDERING duplicate", rpc, tds.Version74, tvpHead + "02 00 " + col1 + col1 + "11 02 00 01 00 01 00 00", 59, tds.ErrMalformed},
		{"TVP COLUMN_ORDERING ColNum 0", rpc, tds.Version74, tvpHead + "01 00 " + col1 + "11 01 00 00 00 00", 48, tds.ErrMalformed},
		{"TVP second COLUMN_ORDERING", rpc, tds.Version74, tvpHead + "01 00 " + col1 + "11 01 00 01 00 11 01 00 01 00 00", 50, tds.ErrMalformed},
		{"TVP bad row token", rpc, tds.Version74, tvpHead + "01 00 " + col1 + "00 02", 46, tds.ErrMalformed},
		{"TVP row value truncated", rpc, tds.Version74, tvpHead + "01 00 " + col1 + "00 01 04 01", 47, tds.ErrTruncated},
		{"TVP no end of rows", rpc, tds.Version74, tvpHead + "01 00 " + col1 + "00 01 00", 48, tds.ErrTruncated},
		{"TVP null metadata, no end", rpc, tds.Version74, tvpHead + "ff ff", 36, tds.ErrTruncated},
		// Transaction Manager Request, 2.2.6.9
		{"TM Query Notifications", tm, tds.Version74, "20 00 00 00 0a 00 00 00 01 00 00 00 00 00 " + txHdr[12:] + "06 00", 0, tds.ErrMalformed},
		{"TM no RequestType", tm, tds.Version74, txHdr + "06", 22, tds.ErrTruncated},
		{"TM unknown RequestType", tm, tds.Version74, txHdr + "02 00", 22, tds.ErrMalformed},
		{"TM_BEGIN_XACT at 7.1", tm, tds.Version71, "05 00 00 00", 0, tds.ErrUnexpected},
		{"TM no ISOLATION_LEVEL", tm, tds.Version74, txHdr + "05 00", 24, tds.ErrTruncated},
		{"TM ISOLATION_LEVEL 6", tm, tds.Version74, txHdr + "05 00 06 00", 24, tds.ErrMalformed},
		{"TM BEGIN_XACT_NAME missing", tm, tds.Version74, txHdr + "05 00 00", 25, tds.ErrTruncated},
		{"TM BEGIN_XACT_NAME truncated", tm, tds.Version74, txHdr + "05 00 00 02 00", 25, tds.ErrTruncated},
		{"TM no XACT_FLAGS", tm, tds.Version74, txHdr + "07 00 00", 25, tds.ErrTruncated},
		{"TM commit bad isolation", tm, tds.Version74, txHdr + "07 00 00 01 09 00", 26, tds.ErrMalformed},
		{"TM commit BEGIN_XACT_NAME missing", tm, tds.Version74, txHdr + "08 00 00 01 01", 27, tds.ErrTruncated},
		{"TM save empty name", tm, tds.Version74, txHdr + "09 00 00", 24, tds.ErrMalformed},
		{"TM propagate truncated", tm, tds.Version74, txHdr + "01 00 04 00 01", 24, tds.ErrTruncated},
		{"TM propagate no payload", tm, tds.Version74, txHdr + "01 00", 24, tds.ErrTruncated},
		{"TM trailing bytes", tm, tds.Version74, txHdr + "06 00 00", 24, tds.ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := hx(t, tc.in)
			var err error
			switch tc.k {
			case batch:
				var m request.SQLBatch
				err = m.Decode(in, tc.v)
			case rpc:
				_, _, err = walkRPC(in, tc.v)
			case tm:
				var m request.TransMgrReq
				err = m.Decode(in, tc.v)
			}
			wantErr(t, err, tc.off, tc.class)
		})
	}
}

// TestTVPVisitBound pins the bound on TVP row work: a TVP_ROW of only
// fDefault columns is one byte (2.2.5.5.5.1), so a TVP of 64 default
// columns may have at most 32 column visits per byte of the whole TVP
// (metadata and rows). Its metadata is 9 bytes a column, so a few hundred
// rows pass, and 2,000 (which a fixed allowance of a million visits let
// through) or 100,000 are refused at the first TVP_ROW with ErrTooLarge,
// whatever the allowance another TVP in the message used.
func TestTVPVisitBound(t *testing.T) {
	const ncols = 64
	head := tvpHead + "40 00" + strings.Repeat(" 00 00 00 00 00 02 26 04 00", ncols) + " 00"
	rowStart := int64(34 + 2 + 9*ncols + 1)
	for _, tc := range []struct {
		rows int
		ok   bool
	}{{1, true}, {256, true}, {2000, false}, {100000, false}} {
		in := hx(t, head)
		in = append(in, bytes.Repeat([]byte{0x01}, tc.rows)...)
		in = append(in, 0x00) // TVP_END_TOKEN
		_, items, err := walkRPC(in, tds.Version74)
		if !tc.ok {
			wantErr(t, err, rowStart, tds.ErrTooLarge)
			continue
		}
		if err != nil {
			t.Fatalf("%d rows: %v", tc.rows, err)
		}
		tvp := &items[0].Params[0].TVP
		if tvp.NumRows() != tc.rows || tvp.NumColumns() != ncols {
			t.Fatalf("%d rows × %d columns", tvp.NumRows(), tvp.NumColumns())
		}
		cols := tvp.AppendColumns(nil)
		n := 0
		for range tvp.Rows(cols, make([]sqltype.Value, ncols)) {
			n++
		}
		if n != tc.rows {
			t.Errorf("Rows gave %d rows, want %d", n, tc.rows)
		}
	}
	// Up to 32 columns every TVP passes: one byte per row pays for 32
	// visits.
	in := hx(t, tvpHead+"20 00"+strings.Repeat(" 00 00 00 00 00 02 26 04 00", 32)+" 00")
	in = append(in, bytes.Repeat([]byte{0x01}, 100000)...)
	in = append(in, 0x00)
	if _, _, err := walkRPC(in, tds.Version74); err != nil {
		t.Errorf("32 default columns, 100000 rows: %v", err)
	}
}

func TestEncodeErrors(t *testing.T) {
	long := strings.Repeat("x", 524) // 1048 bytes of UTF-16
	if b, err := (request.RPC{ProcName: tds.UCS2(tds.AppendUCS2(nil, long))}).Append([]byte{1}); !errors.Is(err, tds.ErrTooLarge) || len(b) != 1 {
		t.Errorf("RPC.Append ProcName of 524 characters: %d bytes, %v", len(b), err)
	}
	if b, err := (request.RPC{ProcName: tds.UCS2(tds.AppendUCS2(nil, long[:523]))}).Append(nil); err != nil || len(b) != 2+1046+2 {
		t.Errorf("RPC.Append ProcName of 523 characters: %d bytes, %v", len(b), err)
	}
	rpc := request.RPC{ProcName: make(tds.UCS2, 1048)}
	if _, err := rpc.Append(nil); !errors.Is(err, tds.ErrTooLarge) {
		t.Errorf("RPC.Append long name: %v", err)
	}
	rpc.ProcName = tds.UCS2{'a'}
	if _, err := rpc.Append(nil); !errors.Is(err, tds.ErrMalformed) {
		t.Errorf("RPC.Append odd name: %v", err)
	}
	if _, err := request.AppendParamName(nil, tds.Version74, strings.Repeat("a", 254), 0); !errors.Is(err, tds.ErrTooLarge) {
		t.Errorf("254-character parameter name: %v", err)
	}
	if _, err := request.AppendParamName(nil, tds.Version74, strings.Repeat("a", 129), 0); !errors.Is(err, tds.ErrTooLarge) {
		t.Errorf("129-character parameter name: %v", err)
	}
	// Param.Append does not know the version: it refuses every name above
	// SQL Server's 128, which covers the lengths 0xFE and 0xFF that read
	// as NoExecFlag and BatchFlag from TDS 7.2.
	for _, n := range []int{129, 254, 255} {
		p := request.Param{Name: ucs2(strings.Repeat("a", n)), Type: sqltype.TypeInfo{Type: sqltype.TypeIntN, MaxLen: 4}}
		p.Value, _, _ = p.Type.DecodeParamValue([]byte{0})
		if b, err := p.Append([]byte{7}); !errors.Is(err, tds.ErrTooLarge) || len(b) != 1 {
			t.Errorf("Param.Append name of %d characters: %x, %v", n, b, err)
		}
	}
	p := request.Param{Type: sqltype.TypeInfo{Type: sqltype.TypeTVP}}
	if _, err := p.Append(nil); !errors.Is(err, tds.ErrMalformed) {
		t.Errorf("Param.Append of a TVP not decoded: %v", err)
	}
	p = request.Param{Name: tds.UCS2{'a'}}
	if _, err := p.Append(nil); !errors.Is(err, tds.ErrMalformed) {
		t.Errorf("Param.Append odd name: %v", err)
	}
	p = request.Param{Type: sqltype.TypeInfo{Type: sqltype.TypeInt4}}
	if b, err := p.Append([]byte{9}); !errors.Is(err, tds.ErrMalformed) || len(b) != 1 {
		t.Errorf("Param.Append of an int without a value: %x, %v", b, err)
	}
	p = request.Param{Status: request.StatusEncrypted, Type: sqltype.TypeInfo{Type: sqltype.TypeIntN, MaxLen: 4}, Cipher: request.CipherInfo{AlgoName: tds.UCS2{'a'}}}
	p.Value, _, _ = p.Type.DecodeParamValue([]byte{0})
	if b, err := p.Append(nil); !errors.Is(err, tds.ErrMalformed) || len(b) != 0 {
		t.Errorf("Param.Append odd AlgoName: %x, %v", b, err)
	}
	cols := []request.TVPColumn{{Type: sqltype.TypeInfo{Type: sqltype.TypeInt4}}}
	if _, err := request.AppendTVPTypeInfo(nil, "", "", cols); !errors.Is(err, tds.ErrMalformed) {
		t.Errorf("TVP with a legacy int column: %v", err)
	}
	if _, err := request.AppendTVPTypeInfo(nil, "", "", make([]request.TVPColumn, 1025)); !errors.Is(err, tds.ErrTooLarge) {
		t.Errorf("TVP with 1025 columns: %v", err)
	}
	if _, err := request.AppendTVPTypeInfo(nil, strings.Repeat("s", 129), "", nil); !errors.Is(err, tds.ErrTooLarge) {
		t.Errorf("TVP schema of 129 characters: %v", err)
	}
	if b, err := request.AppendTVPTypeInfo(nil, "", "", nil); err != nil || string(b) != "\xf3\x00\x00\x00\xff\xff" {
		t.Errorf("TVP without columns: %x, %v", b, err)
	}
	var h request.AllHeaders
	h.HasQueryNotifications = true
	h.QueryNotifications.NotifyID = make(tds.UCS2, 0x10000)
	if b, err := h.Append([]byte{7}, tds.Version74); !errors.Is(err, tds.ErrTooLarge) || len(b) != 1 {
		t.Errorf("Query Notifications NotifyId of 65536 bytes: %x, %v", b, err)
	}
	for _, tc := range []struct {
		name string
		m    request.TransMgrReq
		v    tds.Version
	}{
		{"TM_PROMOTE_XACT before 7.2", request.TransMgrReq{Type: request.TMPromoteXact}, tds.Version71},
		{"Query Notifications", request.TransMgrReq{Type: request.TMPromoteXact, Headers: request.AllHeaders{HasQueryNotifications: true}}, tds.Version74},
		{"unknown type", request.TransMgrReq{Type: 4}, tds.Version74},
		{"isolation 6", request.TransMgrReq{Type: request.TMBeginXact, Isolation: 6}, tds.Version74},
		{"empty savepoint", request.TransMgrReq{Type: request.TMSaveXact}, tds.Version74},
		{"long name", request.TransMgrReq{Type: request.TMBeginXact, Name: make([]byte, 256)}, tds.Version74},
		{"Trace Activity at 7.3", request.TransMgrReq{Type: request.TMPromoteXact, Headers: request.AllHeaders{HasTraceActivity: true}}, tds.Version73B},
	} {
		if b, err := tc.m.Append([]byte{1}, tc.v); err == nil || len(b) != 1 {
			t.Errorf("TransMgrReq.Append %s: %x, %v", tc.name, b, err)
		}
	}
}

func TestTransMgrReqBefore72(t *testing.T) {
	// Before TDS 7.2 there is no ALL_HEADERS, and only types 0 and 1.
	m := request.TransMgrReq{Type: request.TMPropagateXact, Data: []byte{1, 2}}
	out, err := m.Append(nil, tds.Version71)
	if err != nil || string(out) != "\x01\x00\x02\x00\x01\x02" {
		t.Fatalf("TM_PROPAGATE_XACT at 7.1: %x, %v", out, err)
	}
	var back request.TransMgrReq
	if err := back.Decode(out, tds.Version71); err != nil || back.Type != request.TMPropagateXact || string(back.Data) != "\x01\x02" {
		t.Errorf("decoded %+v, %v", back, err)
	}
}
