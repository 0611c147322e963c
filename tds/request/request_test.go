package request_test

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tds/request"
	"github.com/tdswire/tdswire/tds/sqltype"
	"github.com/tdswire/tdswire/tds/tdstest"
	"github.com/tdswire/tdswire/tds/tdstest/tdscmp"
)

// golden reads testdata/name.
func golden(t testing.TB, name string) []byte {
	t.Helper()
	return tdstest.ReadHex(t, "testdata/"+name)
}

// packetPayload reads a golden file that holds one whole packet (a spec
// dump), checks its header against the file and returns the payload.
func packetPayload(t testing.TB, name string, typ tds.PacketType) []byte {
	t.Helper()
	b := golden(t, name)
	var h tds.Header
	if err := h.Decode(b); err != nil {
		t.Fatalf("%s: header: %v", name, err)
	}
	if h.Type != typ || h.Status != tds.StatusEOM || int(h.Length) != len(b) {
		t.Fatalf("%s: header %v, file has %d bytes; want type %v, EOM", name, h, len(b), typ)
	}
	return b[tds.HeaderLen:]
}

// rpcItem is one decoded RPCReqBatch with its parameters (tests only:
// collecting them allocates).
type rpcItem struct {
	RPC    request.RPC
	Params []request.Param
	Sep    request.Separator
}

// walkRPC decodes a whole RPC Request into items.
func walkRPC(b []byte, v tds.Version) (request.AllHeaders, []rpcItem, error) {
	var r request.RPCReader
	if err := r.Reset(b, v); err != nil {
		return request.AllHeaders{}, nil, err
	}
	var items []rpcItem
	for rpc, err := range r.RPCs() {
		if err != nil {
			return r.Headers, items, err
		}
		it := rpcItem{RPC: rpc}
		for p, err := range r.Params() {
			if err != nil {
				return r.Headers, items, err
			}
			it.Params = append(it.Params, *p)
		}
		it.Sep = r.Separator()
		items = append(items, it)
	}
	return r.Headers, items, nil
}

// encodeRPC encodes what walkRPC decoded.
func encodeRPC(h *request.AllHeaders, items []rpcItem, v tds.Version) ([]byte, error) {
	out, err := h.Append(nil, v)
	if err != nil {
		return nil, err
	}
	for i := range items {
		if out, err = items[i].RPC.Append(out); err != nil {
			return nil, err
		}
		for j := range items[i].Params {
			if out, err = items[i].Params[j].Append(out); err != nil {
				return nil, err
			}
		}
		if out, err = request.AppendSeparator(out, v, items[i].Sep); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func ucs2(s string) tds.UCS2 { return tds.UCS2(tds.AppendUCS2(nil, s)) }

func wantErr(t *testing.T, err error, off int64, class error) {
	t.Helper()
	var te *tds.Error
	if !errors.As(err, &te) {
		t.Fatalf("error %v (%T), want *tds.Error", err, err)
	}
	if te.Layer != tds.LayerRequest || te.Offset != off || !errors.Is(err, class) {
		t.Fatalf("error %q: want layer request, offset %d, class %v", err, off, class)
	}
}

func TestSQLBatchSpec46(t *testing.T) {
	payload := packetPayload(t, "sqlbatch-spec-4.6.hex", tds.PacketSQLBatch)
	var m request.SQLBatch
	if err := m.Decode(payload, tds.Version72); err != nil {
		t.Fatal(err)
	}
	// Erratum: the dump's Transaction Descriptor bytes, read as the
	// little-endian ULONGLONG and DWORD of 2.2.5.3.2, are descriptor
	// 0x0100000000000000 and OutstandingRequestCount 0; the annotation
	// prints the same bytes, but an autocommit request MUST carry
	// descriptor 0 and count 1. The decoder follows the normative byte
	// order and does not judge the values (it cannot know the
	// transaction state).
	want := request.TransactionDescriptor{Descriptor: 0x0100000000000000, OutstandingRequestCount: 0}
	if m.Headers.TransactionDescriptor != want || m.Headers.HasQueryNotifications || m.Headers.HasTraceActivity {
		t.Errorf("headers %+v, want only %+v", m.Headers, want)
	}
	if !m.SQLText.Equal("\nselect 'foo' as 'bar'\n        ") {
		t.Errorf("SQLText %q", m.SQLText.String())
	}
	out, err := m.Append(nil, tds.Version72)
	if err != nil || !bytes.Equal(out, payload) {
		t.Errorf("re-encoded %x, %v; want %x", out, err, payload)
	}
	out, err = appendSQL(nil, tds.Version72, &m.Headers, "\nselect 'foo' as 'bar'\n        ")
	if err != nil || !bytes.Equal(out, payload) {
		t.Errorf("headers and text %x, %v; want %x", out, err, payload)
	}
}

// appendSQL appends a SQL Batch payload for a Go string, as the SQLBatch
// doc says: the headers, then the text.
func appendSQL(dst []byte, v tds.Version, h *request.AllHeaders, sql string) ([]byte, error) {
	dst, err := h.Append(dst, v)
	if err != nil {
		return dst, err
	}
	return tds.AppendUCS2(dst, sql), nil
}

func allHeaders74() request.AllHeaders {
	var h request.AllHeaders
	h.HasQueryNotifications = true
	h.QueryNotifications = request.QueryNotifications{NotifyID: ucs2("n1"), SSBDeployment: ucs2("s"), NotifyTimeout: 60000, HasTimeout: true}
	h.TransactionDescriptor = request.TransactionDescriptor{Descriptor: 0x12345678, OutstandingRequestCount: 2}
	h.HasTraceActivity = true
	h.TraceActivity = request.TraceActivity{ActivityID: [16]byte{0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff}, Sequence: 1}
	return h
}

func TestSQLBatchAllHeaders(t *testing.T) {
	payload := golden(t, "sqlbatch-headers-74.hex")
	var m request.SQLBatch
	if err := m.Decode(payload, tds.Version74); err != nil {
		t.Fatal(err)
	}
	want := allHeaders74()
	if diff := cmp.Diff(want, m.Headers, tdscmp.Exact()); diff != "" {
		t.Errorf("ALL_HEADERS mismatch (-want +got):\n%s", diff)
	}
	if !m.SQLText.Equal("select 1") {
		t.Errorf("SQLText %q", m.SQLText.String())
	}
	out, err := (&request.SQLBatch{Headers: want, SQLText: ucs2("select 1")}).Append(nil, tds.Version74)
	if err != nil || !bytes.Equal(out, payload) {
		t.Errorf("SQLBatch.Append %x, %v\nwant %x", out, err, payload)
	}
	// The Trace Activity header exists from TDS 7.4: at 7.3 the decoder
	// refuses it (at its HeaderType) and the encoder will not write it.
	err = m.Decode(payload, tds.Version73B)
	wantErr(t, err, 4+20+18+4, tds.ErrUnexpected)
	if _, err := appendSQL(nil, tds.Version73B, &want, "x"); !errors.Is(err, tds.ErrUnexpected) {
		t.Errorf("encoding Trace Activity at 7.3: %v", err)
	}
	// Without the optional headers the stream is the 22-byte form of 4.6.
	var auto request.AllHeaders
	auto.TransactionDescriptor = request.AutoCommit()
	out, err = auto.Append(nil, tds.Version74)
	wantAuto := []byte{0x16, 0, 0, 0, 0x12, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0}
	if err != nil || !bytes.Equal(out, wantAuto) {
		t.Errorf("autocommit ALL_HEADERS %x, %v", out, err)
	}
}

func TestSQLBatchBefore72(t *testing.T) {
	// Before TDS 7.2 there is no ALL_HEADERS: the payload is the text.
	h := allHeaders74()
	out, err := (&request.SQLBatch{Headers: h, SQLText: ucs2("go")}).Append(nil, tds.Version71)
	if err != nil || !bytes.Equal(out, []byte{'g', 0, 'o', 0}) {
		t.Fatalf("SQLBatch.Append at 7.1: %x, %v", out, err)
	}
	var m request.SQLBatch
	if err := m.Decode(out, tds.Version71); err != nil || !m.SQLText.Equal("go") {
		t.Fatalf("decode at 7.1: %q, %v", m.SQLText.String(), err)
	}
	if b, err := h.Append(nil, tds.Version71); err != nil || len(b) != 0 {
		t.Errorf("AllHeaders.Append at 7.1: % x, %v; want nothing", b, err)
	}
	if got, n, err := request.DecodeAllHeaders(out, tds.Version71); err != nil || n != 0 || !cmp.Equal(got, request.AllHeaders{}, tdscmp.Exact()) {
		t.Errorf("DecodeAllHeaders at 7.1: %+v, %d, %v; want none", got, n, err)
	}
}

func TestRPCSpec48(t *testing.T) {
	payload := packetPayload(t, "rpc-spec-4.8.hex", tds.PacketRPC)
	h, items, err := walkRPC(payload, tds.Version72)
	if err != nil {
		t.Fatal(err)
	}
	if h.TransactionDescriptor.Descriptor != 0x0100000000000000 {
		t.Errorf("descriptor %#x (the dump's bytes, as in 4.6)", h.TransactionDescriptor.Descriptor)
	}
	if len(items) != 1 || len(items[0].Params) != 1 {
		t.Fatalf("decoded %d RPCs %+v", len(items), items)
	}
	rpc := items[0].RPC
	if !rpc.ProcName.Equal("foo3") || rpc.ProcID != 0 || rpc.Options != 0 || items[0].Sep != request.NoSeparator {
		t.Errorf("RPC %+v, separator %v", rpc, items[0].Sep)
	}
	p := items[0].Params[0]
	if len(p.Name) != 0 || p.Status != request.StatusDefaultValue || p.Type.Type != sqltype.TypeIntN || p.Type.MaxLen != 2 || !p.Value.IsNull() {
		t.Errorf("param %+v", p)
	}
	out, err := encodeRPC(&h, items, tds.Version72)
	if err != nil || !bytes.Equal(out, payload) {
		t.Errorf("re-encoded %x, %v\nwant %x", out, err, payload)
	}
}

func TestRPCSpExecuteSQL(t *testing.T) {
	payload := golden(t, "rpc-sp-executesql.hex")
	h, items, err := walkRPC(payload, tds.Version74)
	if err != nil {
		t.Fatal(err)
	}
	if h.TransactionDescriptor != request.AutoCommit() {
		t.Errorf("headers %+v", h)
	}
	if len(items) != 1 || items[0].RPC.ProcID != request.ProcExecuteSQL || len(items[0].Params) != 3 {
		t.Fatalf("items %+v", items)
	}
	ps := items[0].Params
	for i, want := range []string{"select @a", "@a int"} {
		s, err := ps[i].Value.UCS2()
		if err != nil || !s.Equal(want) || ps[i].Type.Type != sqltype.TypeNVarChar || ps[i].Type.MaxLen != 8000 {
			t.Errorf("param %d: %q, %v, type %+v", i, s.String(), err, ps[i].Type)
		}
	}
	if x, err := ps[2].Value.Int64(); !ps[2].Name.Equal("@a") || x != 42 || err != nil {
		t.Errorf("param @a: %q = %d, %v", ps[2].Name.String(), x, err)
	}
	if got := request.ProcExecuteSQL.String(); got != "Sp_ExecuteSql" {
		t.Errorf("ProcID 10 String %q", got)
	}

	// Build the same message from scratch with the encoders.
	coll := sqltype.NewCollation(0x0409, sqltype.CollIgnoreCase|sqltype.CollIgnoreKana|sqltype.CollIgnoreWidth, 0, 52)
	nv := sqltype.TypeInfo{Type: sqltype.TypeNVarChar, MaxLen: 8000, Collation: coll}
	in := sqltype.TypeInfo{Type: sqltype.TypeIntN, MaxLen: 4}
	hh := request.AllHeaders{TransactionDescriptor: request.AutoCommit()}
	out, err := hh.Append(nil, tds.Version74)
	must(t, err)
	out, err = request.RPC{ProcID: request.ProcExecuteSQL}.Append(out)
	must(t, err)
	out, err = request.AppendParam(out, tds.Version74, "", 0, &nv)
	must(t, err)
	out, err = nv.AppendString(out, "select @a")
	must(t, err)
	out, err = request.AppendParam(out, tds.Version74, "", 0, &nv)
	must(t, err)
	out, err = nv.AppendString(out, "@a int")
	must(t, err)
	out, err = request.AppendParam(out, tds.Version74, "@a", 0, &in)
	must(t, err)
	out, err = in.AppendInt(out, 42)
	must(t, err)
	if !bytes.Equal(out, payload) {
		t.Errorf("built  %x\nwant %x", out, payload)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestRPCBatch(t *testing.T) {
	payload := golden(t, "rpc-batch.hex")
	h, items, err := walkRPC(payload, tds.Version74)
	if err != nil {
		t.Fatal(err)
	}
	if h.TransactionDescriptor.Descriptor != 0x12345678 || len(items) != 3 {
		t.Fatalf("headers %+v, %d RPCs", h, len(items))
	}
	r1, r2, r3 := items[0], items[1], items[2]
	if !r1.RPC.ProcName.Equal("dbo.p") || r1.RPC.Options != request.OptionWithRecomp || r1.Sep != request.BatchFlag || len(r1.Params) != 2 {
		t.Errorf("RPC 1 %+v", r1)
	}
	if p := r1.Params[0]; !p.Name.Equal("@x") || p.Status != request.StatusByRefValue || !p.Value.IsNull() {
		t.Errorf("RPC 1 @x %+v", p)
	}
	if p := r1.Params[1]; !p.Type.IsPLP() || !p.Value.IsPLP() || !tds.UCS2(p.Value.AppendBytes(nil)).Equal("hi") {
		t.Errorf("RPC 1 nvarchar(max) %+v", p)
	}
	if r2.RPC.ProcID != request.ProcUnprepare || r2.RPC.Options != request.OptionNoMetaData || r2.Sep != request.NoExecFlag || len(r2.Params) != 1 {
		t.Errorf("RPC 2 %+v", r2)
	}
	if x, _ := r2.Params[0].Value.Int64(); x != 1 {
		t.Errorf("RPC 2 handle %d", x)
	}
	if r3.RPC.ProcID != request.ProcExecute || len(r3.Params) != 0 || r3.Sep != request.BatchFlag {
		t.Errorf("RPC 3 %+v", r3)
	}
	out, err := encodeRPC(&h, items, tds.Version74)
	if err != nil || !bytes.Equal(out, payload) {
		t.Errorf("re-encoded %x, %v\nwant %x", out, err, payload)
	}
	// At 7.1 0xFF is not a separator: it is read as a parameter name
	// length, and the name runs past the end of the message.
	if _, _, err := walkRPC(payload[22:], tds.Version71); !errors.Is(err, tds.ErrTruncated) {
		t.Errorf("TDS 7.2 separators at 7.1: %v", err)
	}
}

func TestRPCTDS71(t *testing.T) {
	payload := golden(t, "rpc-tds71.hex")
	h, items, err := walkRPC(payload, tds.Version71)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 2 || items[0].Sep != request.BatchFlagTDS7 || !items[0].RPC.ProcName.Equal("p") || items[1].RPC.ProcID != request.ProcExecuteSQL {
		t.Fatalf("items %+v", items)
	}
	out, err := encodeRPC(&h, items, tds.Version71)
	if err != nil || !bytes.Equal(out, payload) {
		t.Errorf("re-encoded %x, %v\nwant %x", out, err, payload)
	}
	if b, err := request.AppendSeparator(nil, tds.Version71, request.BatchFlagTDS7); err != nil || !bytes.Equal(b, []byte{0x80}) {
		t.Errorf("BatchFlag at 7.1 %x, %v", b, err)
	}
	if b, err := request.AppendSeparator(nil, tds.Version72, request.BatchFlag); err != nil || !bytes.Equal(b, []byte{0xff}) {
		t.Errorf("BatchFlag at 7.2 %x, %v", b, err)
	}
	if b, err := request.AppendSeparator(nil, tds.Version72, request.NoExecFlag); err != nil || !bytes.Equal(b, []byte{0xfe}) {
		t.Errorf("NoExecFlag at 7.2 %x, %v", b, err)
	}
	if b, err := request.AppendSeparator([]byte{1}, tds.Version71, request.NoExecFlag); !errors.Is(err, tds.ErrUnexpected) || !bytes.Equal(b, []byte{1}) {
		t.Errorf("NoExecFlag at 7.1: %x, %v", b, err)
	}
	if _, err := request.AppendSeparator(nil, tds.Version71, request.BatchFlag); !errors.Is(err, tds.ErrUnexpected) {
		t.Errorf("0xFF separator at 7.1: %v", err)
	}
	if b, err := request.AppendSeparator([]byte{1}, tds.Version74, request.NoSeparator); err != nil || !bytes.Equal(b, []byte{1}) {
		t.Errorf("NoSeparator: %x, %v", b, err)
	}
	if _, err := request.AppendSeparator(nil, tds.Version74, request.BatchFlagTDS7); !errors.Is(err, tds.ErrUnexpected) {
		t.Errorf("0x80 separator at 7.4: %v", err)
	}
	// A 128-character name would start with 0x80 and read as a BatchFlag
	// before 7.2, so the encoder refuses it there.
	long := string(bytes.Repeat([]byte{'a'}, 128))
	if _, err := request.AppendParamName(nil, tds.Version71, long, 0); !errors.Is(err, tds.ErrTooLarge) {
		t.Errorf("128-character name at 7.1: %v", err)
	}
	if _, err := request.AppendParamName(nil, tds.Version72, long, 0); err != nil {
		t.Errorf("128-character name at 7.2: %v", err)
	}
	// From 7.2 a 128-character name (length byte 0x80) is a name: it
	// decodes, and Param.Append writes it back byte for byte.
	in := []byte{
		0x16, 0x00, 0x00, 0x00, // ALL_HEADERS TotalLength 22
		0x12, 0x00, 0x00, 0x00, 0x02, 0x00, // Transaction Descriptor header
		0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x00, 0x00, 0x00,
		0xff, 0xff, 0x0a, 0x00, 0x00, 0x00, // ProcID 10 (sp_executesql), OptionFlags 0
		0x80, // name of 128 characters
	}
	in = append(in, tds.AppendUCS2(nil, long)...)
	in = append(in, 0x00, 0x26, 0x04, 0x00) // status 0, INTNTYPE(4), NULL
	var r request.RPCReader
	if err := r.Reset(in, tds.Version72); err != nil {
		t.Fatal(err)
	}
	var p request.Param
	n := 0
	for _, err := range r.RPCs() {
		if err != nil {
			t.Fatalf("128-character name at 7.2: %v", err)
		}
		for q, err := range r.Params() {
			if err != nil {
				t.Fatalf("128-character name at 7.2: %v", err)
			}
			p = *q
			n++
		}
	}
	if n != 1 {
		t.Fatalf("128-character name at 7.2: %d parameters", n)
	}
	if !p.Name.Equal(long) {
		t.Errorf("name %q", p.Name.String())
	}
	if b, err := p.Append(nil); err != nil || !bytes.Equal(b, in[28:]) {
		t.Errorf("Param.Append: % x, %v; want % x", b, err, in[28:])
	}
}

func TestTVPSpec414(t *testing.T) {
	payload := packetPayload(t, "tvp-spec-4.14.hex", tds.PacketRPC)
	h, items, err := walkRPC(payload, tds.Version73A)
	if err != nil {
		t.Fatal(err)
	}
	// Erratum: the annotation prints OutstandingRequestCount "00 00 00
	// 01"; the DWORD is little-endian, so the bytes say 0x01000000.
	if h.TransactionDescriptor != (request.TransactionDescriptor{Descriptor: 0, OutstandingRequestCount: 0x01000000}) {
		t.Errorf("headers %+v", h)
	}
	if len(items) != 1 || !items[0].RPC.ProcName.Equal("foo") || len(items[0].Params) != 1 {
		t.Fatalf("items %+v", items)
	}
	p := items[0].Params[0]
	if !p.IsTVP() || len(p.TVP.DBName) != 0 || !p.TVP.OwningSchema.Equal("dbo") || !p.TVP.TypeName.Equal("tvptype") || p.TVP.NumColumns() != 1 || p.TVP.NumRows() != 1 {
		t.Fatalf("TVP %+v", p.TVP)
	}
	cols := p.TVP.AppendColumns(nil)
	if cols[0].Type.Type != sqltype.TypeIntN || cols[0].Type.MaxLen != 1 || cols[0].Flags != 0 || cols[0].UserType != 0 {
		t.Errorf("column %+v", cols[0])
	}
	var rows [][]sqltype.Value
	for r := range p.TVP.Rows(cols, make([]sqltype.Value, 1)) {
		rows = append(rows, slices.Clone(r))
	}
	if len(rows) != 1 {
		t.Fatalf("%d rows, want 1", len(rows))
	}
	if x, err := rows[0][0].Int64(); x != 2 || err != nil {
		t.Errorf("row value %d, %v", x, err)
	}
	if raw := p.TVP.Raw(); !bytes.Equal(raw, payload[34:]) {
		t.Errorf("Raw %x, want the rest of the message from TVPTYPE", raw)
	}
	if _, ok := p.TVP.OrderUnique(); ok {
		t.Error("TVP_ORDER_UNIQUE reported present")
	}
	if _, ok := p.TVP.ColumnOrdering(); ok {
		t.Error("TVP_COLUMN_ORDERING reported present")
	}
	out, err := encodeRPC(&h, items, tds.Version73A)
	if err != nil || !bytes.Equal(out, payload) {
		t.Errorf("re-encoded %x, %v\nwant %x", out, err, payload)
	}
	// TVPs exist from TDS 7.3; the TVPTYPE byte is at offset 34.
	_, _, err = walkRPC(payload, tds.Version72)
	wantErr(t, err, 34, tds.ErrUnexpected)

	// Built from scratch.
	out, err = h.Append(nil, tds.Version73A)
	must(t, err)
	out, err = request.RPC{ProcName: tds.UCS2(tds.AppendUCS2(nil, "foo"))}.Append(out)
	must(t, err)
	out, err = request.AppendParamName(out, tds.Version73A, "", 0)
	must(t, err)
	out, err = request.AppendTVPTypeInfo(out, "dbo", "tvptype", cols)
	must(t, err)
	out = request.AppendTVPEnd(out)
	out = request.AppendTVPRow(out)
	out, err = cols[0].Type.AppendInt(out, 2)
	must(t, err)
	out = request.AppendTVPEnd(out)
	if !bytes.Equal(out, payload) {
		t.Errorf("built %x\nwant  %x", out, payload)
	}
}

func TestTVPOrdered(t *testing.T) {
	payload := golden(t, "rpc-tvp-ordered.hex")
	h, items, err := walkRPC(payload, tds.Version74)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 1 || len(items[0].Params) != 2 {
		t.Fatalf("items %+v", items)
	}
	tvp := items[0].Params[0].TVP
	if !items[0].Params[0].Name.Equal("@t") || !tvp.TypeName.Equal("tt") || tvp.NumColumns() != 3 || tvp.NumRows() != 2 {
		t.Fatalf("TVP %+v", tvp)
	}
	cols := tvp.AppendColumns(nil)
	if cols[0].Type.Type != sqltype.TypeIntN || cols[1].Type.Type != sqltype.TypeNVarChar || cols[1].Type.MaxLen != 40 ||
		cols[2].Type.Type != sqltype.TypeBitN || cols[2].Flags != request.TVPDefault || cols[0].Flags != request.TVPNullable {
		t.Errorf("columns %+v", cols)
	}
	ou, ok := tvp.OrderUnique()
	if col, f := ou.At(1); col != 0 || f != 0 {
		t.Errorf("TVP_ORDER_UNIQUE At(1) = %d, %v past the end", col, f)
	}
	if col, f := ou.At(0); !ok || ou.Len() != 1 || col != 1 || f != request.OrderAsc|request.OrderUnique {
		t.Errorf("TVP_ORDER_UNIQUE %v %x", ok, []byte(ou))
	}
	co, ok := tvp.ColumnOrdering()
	if !ok || co.Len() != 3 || co.At(0) != 2 || co.At(1) != 1 || co.At(2) != 3 || co.At(3) != 0 {
		t.Errorf("TVP_COLUMN_ORDERING %v %x", ok, []byte(co))
	}
	var rows [][]sqltype.Value
	for r := range tvp.Rows(cols, make([]sqltype.Value, 3)) {
		rows = append(rows, slices.Clone(r))
	}
	if len(rows) != 2 {
		t.Fatalf("%d rows, want 2", len(rows))
	}
	x, _ := rows[0][0].Int64()
	s, _ := rows[0][1].UCS2()
	if x != 7 || !s.Equal("ab") || !cmp.Equal(rows[0][2], sqltype.Value{}, tdscmp.Exact()) {
		t.Errorf("row 1: %d %q %+v", x, s.String(), rows[0][2])
	}
	if !rows[1][0].IsNull() || !rows[1][1].IsNull() {
		t.Errorf("row 2: %+v", rows[1])
	}
	for range tvp.Rows(cols[:2], make([]sqltype.Value, 3)) {
		t.Error("Rows with the wrong number of columns yielded a row")
	}
	if n := items[0].Params[1]; !n.Name.Equal("@n") {
		t.Errorf("parameter after the TVP %+v", n)
	} else if x, _ := n.Value.Int64(); x != 9 {
		t.Errorf("@n = %d", x)
	}
	out, err := encodeRPC(&h, items, tds.Version74)
	if err != nil || !bytes.Equal(out, payload) {
		t.Errorf("re-encoded %x, %v\nwant %x", out, err, payload)
	}
}

func TestRPCEncrypted(t *testing.T) {
	payload := golden(t, "rpc-encrypted.hex")
	h, items, err := walkRPC(payload, tds.Version74)
	if err != nil {
		t.Fatal(err)
	}
	ps := items[0].Params
	if len(ps) != 2 {
		t.Fatalf("params %+v", ps)
	}
	c := ps[0].Cipher
	if ps[0].Status != request.StatusEncrypted || c.Type.Type != sqltype.TypeIntN || c.EncryptionAlgo != 1 || len(c.AlgoName) != 0 ||
		c.EncryptionType != 1 || c.DatabaseID != 5 || c.CekID != 7 || c.CekVersion != 1 || c.CekMDVersion != 0x40302010 || c.NormVersion != 1 {
		t.Errorf("@c cipher info %+v", c)
	}
	if b, _ := ps[0].Value.Bytes(); !bytes.Equal(b, []byte{1, 2, 3, 4}) {
		t.Errorf("@c cipher text %x", b)
	}
	if c := ps[1].Cipher; c.EncryptionAlgo != 0 || !c.AlgoName.Equal("x") || c.EncryptionType != 2 {
		t.Errorf("@d cipher info %+v", c)
	}
	out, err := encodeRPC(&h, items, tds.Version74)
	if err != nil || !bytes.Equal(out, payload) {
		t.Errorf("re-encoded %x, %v\nwant %x", out, err, payload)
	}
	// fEncrypted exists from TDS 7.4 (StatusFlags of @c at offset 33).
	_, _, err = walkRPC(payload, tds.Version73B)
	wantErr(t, err, 33, tds.ErrUnexpected)
}

func TestTransMgrReq(t *testing.T) {
	tx := func(d uint64) request.AllHeaders {
		return request.AllHeaders{TransactionDescriptor: request.TransactionDescriptor{Descriptor: d, OutstandingRequestCount: 1}}
	}
	utf16 := func(s string) []byte { return tds.AppendUCS2(nil, s) }
	for _, tc := range []struct {
		file string
		want request.TransMgrReq
	}{
		{"tm-promote.hex", request.TransMgrReq{Headers: request.AllHeaders{TransactionDescriptor: request.TransactionDescriptor{Descriptor: 0x0100000000000000}}, Type: request.TMPromoteXact}},
		{"tm-begin.hex", request.TransMgrReq{Headers: tx(0), Type: request.TMBeginXact, Isolation: request.IsolationReadCommitted, Name: utf16("t1")}},
		{"tm-commit-begin.hex", request.TransMgrReq{Headers: tx(0x100), Type: request.TMCommitXact, Name: []byte{}, Flags: request.XactBegin, HasBegin: true, Isolation: request.IsolationSnapshot, BeginName: []byte{}}},
		{"tm-rollback.hex", request.TransMgrReq{Headers: tx(0x100), Type: request.TMRollbackXact, Name: []byte{}}},
		{"tm-save.hex", request.TransMgrReq{Headers: tx(0x100), Type: request.TMSaveXact, Name: utf16("s1")}},
		{"tm-propagate.hex", request.TransMgrReq{Headers: tx(0), Type: request.TMPropagateXact, Data: []byte{0xde, 0xad, 0xbe, 0xef}}},
		{"tm-get-dtc.hex", request.TransMgrReq{Headers: tx(0), Type: request.TMGetDTCAddress, Data: []byte{}}},
	} {
		payload := golden(t, tc.file)
		var m request.TransMgrReq
		if err := m.Decode(payload, tds.Version74); err != nil {
			t.Errorf("%s: %v", tc.file, err)
			continue
		}
		if diff := cmp.Diff(tc.want, m, tdscmp.Exact()); diff != "" {
			t.Errorf("%s: Decode mismatch (-want +got):\n%s", tc.file, diff)
		}
		out, err := tc.want.Append(nil, tds.Version74)
		if err != nil || !bytes.Equal(out, payload) {
			t.Errorf("%s: encoded %x, %v\nwant %x", tc.file, out, err, payload)
		}
	}
}

func TestTransMgrReqSpec413(t *testing.T) {
	// Erratum: [MS-TDS] 4.13 annotates its RequestType as TM_PROMOTE_XACT,
	// but the bytes are 16 00, RequestType 22, which 2.2.6.9 does not
	// define (TM_PROMOTE_XACT is 6; an unknown type SHOULD make the
	// receiver disconnect). Following the normative text the decoder
	// refuses it; tm-promote.hex holds the corrected message.
	payload := packetPayload(t, "tm-spec-4.13.hex", tds.PacketTransactionManager)
	var m request.TransMgrReq
	wantErr(t, m.Decode(payload, tds.Version72), 22, tds.ErrMalformed)
	fixed := golden(t, "tm-promote.hex")
	if !bytes.Equal(fixed[:22], payload[:22]) || !bytes.Equal(fixed[22:], []byte{6, 0}) {
		t.Fatalf("tm-promote.hex is not 4.13 with RequestType 6")
	}
}

func TestAttentionWriter(t *testing.T) {
	// Attention has no payload: tds.Writer sends it as a header-only
	// packet, byte for byte the dump of [MS-TDS] 4.10.
	var buf bytes.Buffer
	w, err := tds.NewWriter(&buf, tds.DefaultPacketSize)
	must(t, err)
	must(t, w.WriteAttention())
	want := golden(t, "attention-spec-4.10.hex")
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("attention %x, want %x", buf.Bytes(), want)
	}

	// The receiving side: the reader gives the header-only message, whose
	// empty payload Attention.Decode accepts; a payload is malformed.
	h, payload, err := tds.NewReader(bytes.NewReader(want)).ReadMessage()
	must(t, err)
	if h.Type != tds.PacketAttention {
		t.Fatalf("type %v, want Attention", h.Type)
	}
	var attn request.Attention
	if err := attn.Decode(payload); err != nil {
		t.Errorf("Attention.Decode(4.10) = %v", err)
	}
	if b := attn.Append([]byte{1}); !bytes.Equal(b, []byte{1}) {
		t.Errorf("Attention.Append appended %x", b[1:])
	}
	err = attn.Decode([]byte{0})
	var te *tds.Error
	if !errors.Is(err, tds.ErrMalformed) || !errors.As(err, &te) || te.Offset != 0 {
		t.Errorf("Attention.Decode(1 byte) = %v, want ErrMalformed at offset 0", err)
	}
	for _, tc := range []struct{ verb, want string }{
		{"%v", "Attention"}, {"%s", "Attention"}, {"%x", "Attention"}, {"%q", `"Attention"`},
		{"%+v", "Attention{}"}, {"%#v", "request.Attention{}"},
	} {
		if got := fmt.Sprintf(tc.verb, attn); got != tc.want {
			t.Errorf("%s of Attention = %s, want %s", tc.verb, got, tc.want)
		}
	}

	// Attention cannot interleave with a message being written.
	must(t, w.BeginMessage(tds.PacketSQLBatch, 0))
	if err := w.WriteAttention(); !errors.Is(err, tds.ErrUnexpected) {
		t.Errorf("WriteAttention inside a message = %v, want ErrUnexpected", err)
	}
}

func TestNames(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{request.ProcID(1).String(), "Sp_Cursor"},
		{request.ProcUnprepare.String(), "Sp_Unprepare"},
		{request.ProcID(16).String(), "ProcID(16)"},
		{request.HeaderTraceActivity.String(), "TraceActivity"},
		{request.HeaderType(9).String(), "HeaderType(0x0009)"},
		{request.TMGetDTCAddress.String(), "TM_GET_DTC_ADDRESS"},
		{request.TMPropagateXact.String(), "TM_PROPAGATE_XACT"},
		{request.TMBeginXact.String(), "TM_BEGIN_XACT"},
		{request.TMPromoteXact.String(), "TM_PROMOTE_XACT"},
		{request.TMCommitXact.String(), "TM_COMMIT_XACT"},
		{request.TMRollbackXact.String(), "TM_ROLLBACK_XACT"},
		{request.TMSaveXact.String(), "TM_SAVE_XACT"},
		{request.TMRequestType(22).String(), "TMRequestType(22)"},
		{request.NoExecFlag.String(), "NoExecFlag"},
		{request.BatchFlagTDS7.String(), "BatchFlag"},
		{request.NoSeparator.String(), "none"},
		{request.Separator(3).String(), "Separator(0x03)"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
	if request.ProcID(0).Known() || request.ProcID(16).Known() || !request.ProcPrepExecRPC.Known() {
		t.Error("ProcID.Known")
	}
}
