package krb5

import (
	"bytes"
	"testing"
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

// roundTrip checks that a decoded value encodes to bytes that decode to a
// value encoding to the same bytes (the encoders write DER, so the first
// encoding is canonical).
func roundTrip[T interface{ Append([]byte) []byte }](t *testing.T, v T, decode func([]byte) (T, error)) {
	enc := v.Append(nil)
	w, err := decode(enc)
	if err != nil {
		t.Fatalf("re-decoding: %v", err)
	}
	if !bytes.Equal(w.Append(nil), enc) {
		t.Fatalf("round trip changed the value")
	}
}

func FuzzAPReq(f *testing.F) {
	seeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		var m APReq
		if m.Decode(b) == nil {
			roundTrip(t, m, func(b []byte) (APReq, error) { var x APReq; return x, x.Decode(b) })
			if !bytes.Equal(m.Append(nil), b) && len(b) < 4 {
				t.Fatal("short AP-REQ")
			}
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
			if !bytes.Equal(m.Append(nil), b) {
				t.Fatal("GSS token does not re-encode to itself")
			}
		}
	})
}
