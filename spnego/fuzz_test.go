package spnego

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzNegTokenInit checks that decoding never panics and that a decoded
// token encodes to bytes that decode to the same value.
func FuzzNegTokenInit(f *testing.F) {
	for _, g := range goldens {
		f.Add(readHex(f, g))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var n NegTokenInit
		if n.Decode(b) != nil {
			return
		}
		var m NegTokenInit
		if err := m.Decode(n.Append(nil)); err != nil {
			t.Fatalf("re-decoding: %v", err)
		}
		if diff := cmp.Diff(n, m, cmpOpts...); diff != "" {
			t.Fatalf("round trip (-decoded +re-decoded):\n%s", diff)
		}
	})
}

// FuzzNegTokenResp is FuzzNegTokenInit for NegTokenResp.
func FuzzNegTokenResp(f *testing.F) {
	for _, g := range goldens {
		f.Add(readHex(f, g))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var r NegTokenResp
		if r.Decode(b) != nil {
			return
		}
		var s NegTokenResp
		if err := s.Decode(must(r.Append(nil))); err != nil {
			t.Fatalf("re-decoding: %v", err)
		}
		if diff := cmp.Diff(r, s, cmpOpts...); diff != "" {
			t.Fatalf("round trip (-decoded +re-decoded):\n%s", diff)
		}
	})
}

// FuzzClassify checks that Classify never panics, and that a GSS-API
// framed blob re-encodes to itself.
func FuzzClassify(f *testing.F) {
	for _, g := range goldens {
		f.Add(readHex(f, g))
	}
	f.Add([]byte("NTLMSSP\x00\x01\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := Classify(b)
		if err != nil || c.ThisMech == nil {
			return
		}
		var g InitialContextToken
		if err := g.Decode(b); err != nil {
			t.Fatalf("classified as %v but InitialContextToken fails: %v", c.Kind, err)
		}
		if !bytes.Equal(must(g.Append(nil)), b) {
			t.Fatalf("InitialContextToken does not re-encode to itself")
		}
	})
}
