package request_test

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tds/request"
	"github.com/tdswire/tdswire/tds/sqltype"
	"github.com/tdswire/tdswire/tds/tdstest/tdscmp"
)

// fuzzVersions are the versions a fuzz input's selector byte picks from.
var fuzzVersions = [...]tds.Version{tds.Version71, tds.Version72, tds.Version73A, tds.Version74}

func fuzzVersion(sel uint8) tds.Version { return fuzzVersions[int(sel)%len(fuzzVersions)] }

// Selector values for the seeds: indexes into fuzzVersions.
const (
	sel71 uint8 = 0
	sel72 uint8 = 1
	sel73 uint8 = 2
	sel74 uint8 = 3
)

// seed adds a golden vector (a whole packet when strip is set) to f.
func seed(f *testing.F, name string, strip bool, sel uint8) {
	b := golden(f, name)
	if strip {
		b = b[tds.HeaderLen:]
	}
	f.Add(b, sel)
}

func FuzzAllHeaders(f *testing.F) {
	seed(f, "sqlbatch-spec-4.6.hex", true, sel72)
	seed(f, "sqlbatch-headers-74.hex", false, sel74)
	seed(f, "rpc-batch.hex", false, sel74)
	seed(f, "tm-commit-begin.hex", false, sel73)
	f.Fuzz(func(t *testing.T, b []byte, sel uint8) {
		v := fuzzVersion(sel)
		h, n, err := request.DecodeAllHeaders(b, v)
		if err != nil {
			return
		}
		if !v.AtLeast(tds.Version72) {
			if n != 0 || !cmp.Equal(h, request.AllHeaders{}, tdscmp.Exact()) {
				t.Fatalf("before TDS 7.2: %+v, %d bytes; want none", h, n)
			}
			return
		}
		if n < 22 || n > len(b) {
			t.Fatalf("consumed %d of %d bytes", n, len(b))
		}
		out, err := h.Append(nil, v)
		if err != nil {
			t.Fatalf("re-encoding %+v: %v", h, err)
		}
		h2, n2, err := request.DecodeAllHeaders(out, v)
		if err != nil || n2 != len(out) || n2 != n {
			t.Fatalf("round trip: %+v (%d bytes)\n-> %x\n-> %+v (%d), %v", h, n, out, h2, n2, err)
		}
		if diff := cmp.Diff(h, h2, tdscmp.Exact()); diff != "" {
			t.Fatalf("round trip of %x (-decoded +re-decoded):\n%s", b, diff)
		}
	})
}

func FuzzSQLBatch(f *testing.F) {
	seed(f, "sqlbatch-spec-4.6.hex", true, sel72)
	seed(f, "sqlbatch-headers-74.hex", false, sel74)
	f.Add([]byte("s\x00e\x00l\x00"), sel71)
	f.Fuzz(func(t *testing.T, b []byte, sel uint8) {
		v := fuzzVersion(sel)
		var m request.SQLBatch
		if err := m.Decode(b, v); err != nil {
			return
		}
		out, err := m.Append(nil, v)
		if err != nil {
			t.Fatalf("re-encoding: %v", err)
		}
		if len(out) != len(b) {
			t.Fatalf("re-encoded %d bytes from %d", len(out), len(b))
		}
		var m2 request.SQLBatch
		if err := m2.Decode(out, v); err != nil || !cmp.Equal(m, m2, tdscmp.Exact()) {
			t.Fatalf("round trip: %+v -> %x -> %+v, %v", m, out, m2, err)
		}
	})
}

func FuzzRPC(f *testing.F) {
	seed(f, "rpc-spec-4.8.hex", true, sel72)
	seed(f, "tvp-spec-4.14.hex", true, sel73)
	seed(f, "rpc-sp-executesql.hex", false, sel74)
	seed(f, "rpc-batch.hex", false, sel74)
	seed(f, "rpc-tds71.hex", false, sel71)
	seed(f, "rpc-tvp-ordered.hex", false, sel74)
	seed(f, "rpc-encrypted.hex", false, sel74)
	f.Fuzz(func(t *testing.T, b []byte, sel uint8) {
		v := fuzzVersion(sel)
		h, items, err := walkRPC(b, v)
		if err != nil {
			return
		}
		// TVP columns and rows were checked while decoding: reading
		// them must give every row.
		for _, it := range items {
			for _, p := range it.Params {
				if !p.IsTVP() {
					continue
				}
				cols := p.TVP.AppendColumns(nil)
				if len(cols) != p.TVP.NumColumns() {
					t.Fatalf("%d columns of %d", len(cols), p.TVP.NumColumns())
				}
				n := 0
				for range p.TVP.Rows(cols, make([]sqltype.Value, len(cols))) {
					n++
				}
				if n != p.TVP.NumRows() {
					t.Fatalf("%d rows of %d", n, p.TVP.NumRows())
				}
			}
		}
		out, err := encodeRPC(&h, items, v)
		if err != nil {
			t.Fatalf("re-encoding: %v", err)
		}
		h2, items2, err := walkRPC(out, v)
		if err != nil {
			t.Fatalf("round trip of %x\n-> %x: %v", b, out, err)
		}
		if diff := cmp.Diff(h, h2, tdscmp.Exact()) + cmp.Diff(items, items2, tdscmp.Exact()); diff != "" {
			t.Fatalf("round trip of %x (-decoded +re-decoded):\n%s", b, diff)
		}
		if out2, err := encodeRPC(&h2, items2, v); err != nil || !bytes.Equal(out, out2) {
			t.Fatalf("second encoding differs: %x, %v", out2, err)
		}
	})
}

func FuzzTransMgrReq(f *testing.F) {
	for _, name := range []string{"tm-promote.hex", "tm-begin.hex", "tm-commit-begin.hex", "tm-rollback.hex", "tm-save.hex", "tm-propagate.hex", "tm-get-dtc.hex"} {
		seed(f, name, false, sel74)
	}
	seed(f, "tm-spec-4.13.hex", true, sel72)
	f.Fuzz(func(t *testing.T, b []byte, sel uint8) {
		v := fuzzVersion(sel)
		var m request.TransMgrReq
		if err := m.Decode(b, v); err != nil {
			return
		}
		out, err := m.Append(nil, v)
		if err != nil {
			t.Fatalf("re-encoding %+v: %v", m, err)
		}
		var m2 request.TransMgrReq
		if err := m2.Decode(out, v); err != nil || !cmp.Equal(m, m2, tdscmp.Exact()) {
			t.Fatalf("round trip: %+v -> %x -> %+v, %v", m, out, m2, err)
		}
	})
}
