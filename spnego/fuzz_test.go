package spnego

import (
	"bytes"
	"reflect"
	"testing"
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
		if !equalInit(n, m) {
			t.Fatalf("round trip:\n%+v\n%+v", n, m)
		}
	})
}

func equalInit(a, b NegTokenInit) bool {
	return bytes.Equal(a.MechTypes.der, b.MechTypes.der) && a.ReqFlags == b.ReqFlags && a.HasReqFlags == b.HasReqFlags &&
		bytes.Equal(a.MechToken, b.MechToken) && (a.MechToken == nil) == (b.MechToken == nil) &&
		reflect.DeepEqual(a.NegHints, b.NegHints) && a.HasNegHints == b.HasNegHints &&
		bytes.Equal(a.MechListMIC, b.MechListMIC) && (a.MechListMIC == nil) == (b.MechListMIC == nil) && a.Init2 == b.Init2
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
		if err := s.Decode(r.Append(nil)); err != nil {
			t.Fatalf("re-decoding: %v", err)
		}
		if !reflect.DeepEqual(normResp(r), normResp(s)) {
			t.Fatalf("round trip:\n%+v\n%+v", r, s)
		}
	})
}

func normResp(r NegTokenResp) [5]string {
	str := func(b []byte) string {
		if b == nil {
			return "nil"
		}
		return "=" + string(b)
	}
	st := "absent"
	if r.HasNegState {
		st = r.NegState.String()
	}
	return [5]string{st, str(r.SupportedMech), str(r.ResponseToken), str(r.MechListMIC)}
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
		if !bytes.Equal(g.Append(nil), b) {
			t.Fatalf("InitialContextToken does not re-encode to itself")
		}
	})
}
