package request_test

import (
	"testing"

	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tds/request"
	"github.com/tdswire/tdswire/tds/sqltype"
)

func BenchmarkAllHeadersDecode(b *testing.B) {
	payload := golden(b, "sqlbatch-headers-74.hex")
	b.ReportAllocs()
	b.SetBytes(68)
	for b.Loop() {
		if _, _, err := request.DecodeAllHeaders(payload, tds.Version74); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAllHeadersAppend(b *testing.B) {
	h := allHeaders74()
	buf := make([]byte, 0, 128)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = h.Append(buf[:0], tds.Version74); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSQLBatchDecode(b *testing.B) {
	payload := golden(b, "sqlbatch-spec-4.6.hex")[tds.HeaderLen:]
	var m request.SQLBatch
	b.ReportAllocs()
	b.SetBytes(int64(len(payload)))
	for b.Loop() {
		if err := m.Decode(payload, tds.Version72); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSQLBatchAppend(b *testing.B) {
	h := request.AllHeaders{TransactionDescriptor: request.AutoCommit()}
	const sql = "select name, object_id from sys.objects where type = 'U'"
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = appendSQL(buf[:0], tds.Version74, &h, sql); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(buf)))
}

func benchRPC(b *testing.B, file string) {
	payload := golden(b, file)
	var r request.RPCReader
	b.ReportAllocs()
	b.SetBytes(int64(len(payload)))
	for b.Loop() {
		if err := r.Reset(payload, tds.Version74); err != nil {
			b.Fatal(err)
		}
		for _, err := range r.RPCs() {
			if err != nil {
				b.Fatal(err)
			}
			for _, err := range r.Params() {
				if err != nil {
					b.Fatal(err)
				}
			}
		}
	}
}

func BenchmarkRPCDecodeSpExecuteSQL(b *testing.B) { benchRPC(b, "rpc-sp-executesql.hex") }
func BenchmarkRPCDecodeBatch(b *testing.B)        { benchRPC(b, "rpc-batch.hex") }
func BenchmarkRPCDecodeTVP(b *testing.B)          { benchRPC(b, "rpc-tvp-ordered.hex") }

func BenchmarkRPCAppendSpExecuteSQL(b *testing.B) {
	h := request.AllHeaders{TransactionDescriptor: request.AutoCommit()}
	coll := sqltype.NewCollation(0x0409, sqltype.CollIgnoreCase|sqltype.CollIgnoreKana|sqltype.CollIgnoreWidth, 0, 52)
	nv := sqltype.TypeInfo{Type: sqltype.TypeNVarChar, MaxLen: 8000, Collation: coll}
	in := sqltype.TypeInfo{Type: sqltype.TypeIntN, MaxLen: 4}
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		out, err := h.Append(buf[:0], tds.Version74)
		if err == nil {
			out, err = request.RPC{ProcID: request.ProcExecuteSQL}.Append(out)
		}
		if err == nil {
			out, err = request.AppendParam(out, tds.Version74, "", 0, &nv)
		}
		if err == nil {
			out, err = nv.AppendString(out, "select @a")
		}
		if err == nil {
			out, err = request.AppendParam(out, tds.Version74, "", 0, &nv)
		}
		if err == nil {
			out, err = nv.AppendString(out, "@a int")
		}
		if err == nil {
			out, err = request.AppendParam(out, tds.Version74, "@a", 0, &in)
		}
		if err == nil {
			out, err = in.AppendInt(out, 42)
		}
		if err != nil {
			b.Fatal(err)
		}
		buf = out
	}
	b.SetBytes(int64(len(buf)))
}

func BenchmarkTransMgrReqDecode(b *testing.B) {
	payload := golden(b, "tm-commit-begin.hex")
	var m request.TransMgrReq
	b.ReportAllocs()
	for b.Loop() {
		if err := m.Decode(payload, tds.Version74); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTransMgrReqAppend(b *testing.B) {
	m := request.TransMgrReq{
		Headers: request.AllHeaders{TransactionDescriptor: request.AutoCommit()},
		Type:    request.TMBeginXact, Isolation: request.IsolationReadCommitted,
	}
	buf := make([]byte, 0, 64)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = m.Append(buf[:0], tds.Version74); err != nil {
			b.Fatal(err)
		}
	}
}
