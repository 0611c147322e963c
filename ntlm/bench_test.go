package ntlm

import (
	"testing"
	"time"
)

func BenchmarkDecodeNegotiate(b *testing.B) {
	msg := readHex(b, "negotiate-version.hex")
	var m Negotiate
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		if err := m.Decode(msg); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeChallenge(b *testing.B) {
	msg := readHex(b, "challenge-4.2.4.3.hex")
	var c Challenge
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		if err := c.Decode(msg); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeAuthenticate(b *testing.B) {
	msg := readHex(b, "authenticate-seed.hex")
	var a Authenticate
	var r NTLMv2Response
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		if err := a.Decode(msg); err != nil {
			b.Fatal(err)
		}
		if err := r.Decode(a.NtChallengeResponse); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendAuthenticate(b *testing.B) {
	var a Authenticate
	if err := a.Decode(readHex(b, "authenticate-4.2.4.3.hex")); err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	for b.Loop() {
		buf = noErr(b)(a.Append(buf[:0]))
	}
}

func BenchmarkAVIterate(b *testing.B) {
	info := AVPairs(readHex(b, "server-challenge.hex")[0x46:])
	b.ReportAllocs()
	for b.Loop() {
		for _, err := range info.All() {
			if err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkClientAuthenticate builds an AUTHENTICATE_MESSAGE with NTLMv2
// responses, key exchange and MIC.
func BenchmarkClientAuthenticate(b *testing.B) {
	c, s := testPair()
	s.Rand = zeroReader{}
	c.Rand = zeroReader{}
	negotiate := c.Negotiate(nil)
	challenge, err := s.Challenge(nil, negotiate)
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	for b.Loop() {
		if buf, _, err = c.Authenticate(buf[:0], negotiate, challenge); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkServerVerify verifies an AUTHENTICATE_MESSAGE: NTProofStr, key
// exchange and MIC.
func BenchmarkServerVerify(b *testing.B) {
	c, s := testPair()
	c.Rand, s.Rand = zeroReader{}, zeroReader{}
	negotiate := c.Negotiate(nil)
	challenge, err := s.Challenge(nil, negotiate)
	if err != nil {
		b.Fatal(err)
	}
	auth, _, err := c.Authenticate(nil, negotiate, challenge)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Verify(negotiate, challenge, auth); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkServerChallenge(b *testing.B) {
	_, s := testPair()
	s.Rand = zeroReader{}
	s.Now = func() time.Time { return newYear }
	negotiate := readHex(b, "negotiate-version.hex")
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = s.Challenge(buf[:0], negotiate); err != nil {
			b.Fatal(err)
		}
	}
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
