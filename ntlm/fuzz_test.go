package ntlm

import (
	"bytes"
	"testing"
	"time"
)

// Each target checks that decoding never panics and that a value which
// decodes re-encodes to bytes that decode to an equal value.

func FuzzNegotiate(f *testing.F) {
	f.Add(readHex(f, "negotiate-version.hex"))
	f.Add(readHex(f, "negotiate-oem.hex"))
	f.Add(readHex(f, "negotiate-oem.hex")[:16])
	f.Fuzz(func(t *testing.T, b []byte) {
		var m, m2 Negotiate
		if err := m.Decode(b); err != nil {
			return
		}
		out := noErr(t)(m.Append(nil))
		if err := m2.Decode(out); err != nil {
			t.Fatalf("re-decoding % x: %v", out, err)
		}
		if diff := diffMsg(m, m2); diff != "" {
			t.Fatalf("round trip changed the value (-decoded +re-decoded):\n%s", diff)
		}
		_ = m.String()
	})
}

func FuzzChallenge(f *testing.F) {
	f.Add(readHex(f, "challenge-4.2.4.3.hex"))
	f.Add(readHex(f, "server-challenge.hex"))
	f.Fuzz(func(t *testing.T, b []byte) {
		var c, c2 Challenge
		if err := c.Decode(b); err != nil {
			return
		}
		out := noErr(t)(c.Append(nil))
		if err := c2.Decode(out); err != nil {
			t.Fatalf("re-decoding % x: %v", out, err)
		}
		if diff := diffMsg(c, c2); diff != "" {
			t.Fatalf("round trip changed the value (-decoded +re-decoded):\n%s", diff)
		}
		for _, err := range c.TargetInfo.All() {
			if err != nil {
				t.Fatalf("decoded TargetInfo does not iterate: %v", err)
			}
		}
		_ = c.String()
	})
}

func FuzzAuthenticate(f *testing.F) {
	f.Add(readHex(f, "authenticate-4.2.4.3.hex"))
	f.Add(readHex(f, "authenticate-seed.hex"))
	f.Fuzz(func(t *testing.T, b []byte) {
		var a, a2 Authenticate
		if err := a.Decode(b); err != nil {
			return
		}
		out := noErr(t)(a.Append(nil))
		if err := a2.Decode(out); err != nil {
			t.Fatalf("re-decoding % x: %v", out, err)
		}
		if diff := diffMsg(a, a2); diff != "" {
			t.Fatalf("round trip changed the value (-decoded +re-decoded):\n%s", diff)
		}
		_ = a.String()
		var r, r2 NTLMv2Response
		if r.Decode(a.NtChallengeResponse) == nil {
			err := r2.Decode(r.Append(nil))
			if err != nil || r.Response != r2.Response || r.RespType != r2.RespType || r.HiRespType != r2.HiRespType ||
				r.TimeStamp != r2.TimeStamp || r.ChallengeFromClient != r2.ChallengeFromClient || !bytes.Equal(r.AvPairs, r2.AvPairs) {
				t.Fatalf("NTLMv2_RESPONSE round trip: %v\n%+v\n%+v", err, r, r2)
			}
		}
	})
}

func FuzzAVPairs(f *testing.F) {
	f.Add(readHex(f, "challenge-4.2.4.3.hex")[0x44:])
	f.Add(readHex(f, "server-challenge.hex")[0x46:])
	f.Fuzz(func(t *testing.T, b []byte) {
		n, err := AVPairs(b).Validate()
		if err != nil || n == 0 { // n == 0: the empty list, no pairs and no MsvAvEOL
			return
		}
		// Re-append the pairs: the list must come out byte for byte.
		var out []byte
		for p, err := range AVPairs(b).All() {
			if err != nil {
				t.Fatalf("Validate accepted % x but All fails: %v", b, err)
			}
			out = noErr(t)(AppendAVPair(out, p.ID, p.Value))
		}
		out = AppendAVEOL(out)
		if !bytes.Equal(out, b[:n]) {
			t.Fatalf("re-appended % x, want % x", out, b[:n])
		}
	})
}

// FuzzVerify feeds arbitrary AUTHENTICATE bytes to a server: it must fail
// cleanly, never panic.
func FuzzVerify(f *testing.F) {
	challenge := readHex(f, "challenge-4.2.4.3.hex")
	f.Add(readHex(f, "authenticate-4.2.4.3.hex"))
	f.Add(readHex(f, "authenticate-seed.hex"))
	s := &Server{
		Lookup:          AccountList{{User: "user", Hash: HashPassword("Password")}, {User: "joe33", Hash: HashPassword("x")}}.Lookup,
		Now:             func() time.Time { return epoch1601 },
		ChannelBindings: nil,
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		res, err := s.Verify(nil, challenge, b)
		if err == nil && res == nil {
			t.Fatal("nil result without error")
		}
	})
}
