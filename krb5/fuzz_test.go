package krb5

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// seeds adds every golden, framed and bare.
func seeds(f *testing.F) {
	for _, g := range goldens {
		b := readHex(f, g)
		f.Add(b)
		var tok GSSToken
		if tok.Decode(b) == nil {
			f.Add(tok.Message)
		}
	}
}

// roundTrip checks that a decoded value encodes to bytes that decode to
// the same value.
func roundTrip[T interface{ Append([]byte) ([]byte, error) }](t *testing.T, v T, decode func([]byte) (T, error)) {
	b, err := v.Append(nil)
	if err != nil {
		t.Fatalf("a decoded value does not encode: %v", err)
	}
	w, err := decode(b)
	if err != nil {
		t.Fatalf("re-decoding: %v", err)
	}
	// The encoding is deterministic: equal bytes settle it cheaply; cmp
	// runs (and shows what changed) only when they differ.
	if b2, err := w.Append(nil); err == nil && bytes.Equal(b, b2) {
		return
	}
	if diff := cmp.Diff(v, w, cmpOpts...); diff != "" {
		t.Fatalf("round trip (-decoded +re-decoded):\n%s", diff)
	}
}

func FuzzAPReq(f *testing.F) {
	seeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		var m APReq
		if m.Decode(b) == nil {
			roundTrip(t, m, func(b []byte) (APReq, error) { var x APReq; return x, x.Decode(b) })
		}
	})
}

func FuzzAPRep(f *testing.F) {
	seeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		var m APRep
		if m.Decode(b) == nil {
			roundTrip(t, m, func(b []byte) (APRep, error) { var x APRep; return x, x.Decode(b) })
		}
	})
}

func FuzzKRBError(f *testing.F) {
	seeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		var m KRBError
		if m.Decode(b) == nil {
			roundTrip(t, m, func(b []byte) (KRBError, error) { var x KRBError; return x, x.Decode(b) })
			_ = m.STime.Time()
			_ = m.String()
		}
	})
}

func FuzzGSSToken(f *testing.F) {
	seeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		var m GSSToken
		if m.Decode(b) == nil {
			if !bytes.Equal(must(m.Append(nil)), b) {
				t.Fatal("GSS token does not re-encode to itself")
			}
		}
	})
}
