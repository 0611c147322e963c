package request_test

import (
	"testing"

	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tds/request"
	"github.com/tdswire/tdswire/tds/sqltype"
)

func TestSQLBatchDecodeAllocs(t *testing.T) {
	payload := golden(t, "sqlbatch-headers-74.hex")
	var m request.SQLBatch
	if a := testing.AllocsPerRun(100, func() {
		if err := m.Decode(payload, tds.Version74); err != nil {
			t.Fatal(err)
		}
	}); a != 0 {
		t.Errorf("SQLBatch.Decode: %v allocations, want 0", a)
	}
}

func TestSQLBatchAppendAllocs(t *testing.T) {
	h := allHeaders74()
	buf := make([]byte, 0, 256)
	if a := testing.AllocsPerRun(100, func() {
		if _, err := appendSQL(buf[:0], tds.Version74, &h, "select 1"); err != nil {
			t.Fatal(err)
		}
	}); a != 0 {
		t.Errorf("headers and text: %v allocations, want 0", a)
	}
}

// iterate reads every RPC and parameter of payload and touches each value.
func iterate(t *testing.T, r *request.RPCReader, payload []byte, v tds.Version) int {
	if err := r.Reset(payload, v); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, err := range r.RPCs() {
		if err != nil {
			t.Fatal(err)
		}
		for p, err := range r.Params() {
			if err != nil {
				t.Fatal(err)
			}
			n += p.Value.Len()
			if p.IsTVP() {
				n += p.TVP.NumRows()
			}
		}
	}
	return n
}

func TestRPCIterationAllocs(t *testing.T) {
	for _, file := range []string{"rpc-sp-executesql.hex", "rpc-batch.hex", "rpc-encrypted.hex", "rpc-tvp-ordered.hex"} {
		payload := golden(t, file)
		var r request.RPCReader
		iterate(t, &r, payload, tds.Version74) // warms the TVP scratch
		if a := testing.AllocsPerRun(100, func() { iterate(t, &r, payload, tds.Version74) }); a != 0 {
			t.Errorf("%s: %v allocations per message, want 0", file, a)
		}
	}
}

func TestTVPRowsAllocs(t *testing.T) {
	payload := golden(t, "rpc-tvp-ordered.hex")
	_, items, err := walkRPC(payload, tds.Version74)
	if err != nil {
		t.Fatal(err)
	}
	tvp := items[0].Params[0].TVP
	cols := tvp.AppendColumns(make([]request.TVPColumn, 0, 3))
	vals := make([]sqltype.Value, 3)
	if a := testing.AllocsPerRun(100, func() {
		for range tvp.Rows(cols, vals) {
		}
		cols = tvp.AppendColumns(cols[:0])
	}); a != 0 {
		t.Errorf("TVP rows and columns: %v allocations, want 0", a)
	}
}

func TestTransMgrReqAllocs(t *testing.T) {
	payload := golden(t, "tm-commit-begin.hex")
	var m request.TransMgrReq
	buf := make([]byte, 0, 64)
	if a := testing.AllocsPerRun(100, func() {
		if err := m.Decode(payload, tds.Version74); err != nil {
			t.Fatal(err)
		}
		if _, err := m.Append(buf[:0], tds.Version74); err != nil {
			t.Fatal(err)
		}
	}); a != 0 {
		t.Errorf("TransMgrReq Decode and Append: %v allocations, want 0", a)
	}
}

func TestRPCSkipParams(t *testing.T) {
	// RPCs skips (and checks) the parameters the caller did not read.
	payload := golden(t, "rpc-batch.hex")
	var r request.RPCReader
	count := func() (int, error) {
		if err := r.Reset(payload, tds.Version74); err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, err := range r.RPCs() {
			if err != nil {
				return n, err
			}
			n++
		}
		return n, nil
	}
	if err := r.Reset(payload, tds.Version74); err != nil || r.Offset() != 22 {
		t.Fatalf("Reset: offset %d, %v; want 22 (after ALL_HEADERS)", r.Offset(), err)
	}
	if n, err := count(); n != 3 || err != nil || r.Offset() != len(payload) {
		t.Fatalf("%d RPCs, %v", n, err)
	}
	if a := testing.AllocsPerRun(100, func() { count() }); a != 0 {
		t.Errorf("skipping parameters: %v allocations, want 0", a)
	}
	bad := hx(t, rpcHead+"00 00 26 04 04 01")
	if err := r.Reset(bad, tds.Version74); err != nil {
		t.Fatal(err)
	}
	var got error
	for _, err := range r.RPCs() {
		if got != nil {
			t.Error("RPCs went on after yielding an error")
		}
		got = err
	}
	wantErr(t, got, 32, tds.ErrTruncated)
	for range r.RPCs() {
		t.Error("RPCs yields again after an error")
	}
	for range r.Params() {
		t.Error("Params yields after an error")
	}
	var zero request.RPCReader
	for range zero.RPCs() {
		t.Error("a zero RPCReader iterates")
	}
	for range zero.Params() {
		t.Error("a zero RPCReader iterates parameters")
	}
}
