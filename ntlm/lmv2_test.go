package ntlm

import (
	"errors"
	"strings"
	"testing"
)

// TestServerAcceptsLMv2Match follows the algorithm of [MS-NLMP] 3.2.5.1.2:
// when NtChallengeResponse does not match, a matching LmChallengeResponse
// still authenticates. The message is the spec's 4.2.4.3 AUTHENTICATE (its
// LMv2 response is correct) rewritten the way tedious sends it: an
// NtChallengeResponseLen of 16, the NTProofStr alone, and one that does not
// verify.
func TestServerAcceptsLMv2Match(t *testing.T) {
	challenge := readHex(t, "challenge-4.2.4.3.hex")
	var a Authenticate
	if err := a.Decode(readHex(t, "authenticate-4.2.4.3.hex")); err != nil {
		t.Fatal(err)
	}
	badProof := append([]byte(nil), a.NtChallengeResponse[:16]...)
	badProof[0] ^= 0xFF
	a.NtChallengeResponse = badProof
	a.NegotiateFlags &^= NegotiateKeyExch // no encrypted key to check here
	a.EncryptedRandomSessionKey = nil

	if got := a.String(); !strings.Contains(got, "Version:NTLM v2,") {
		t.Errorf("String() = %q, want Version:NTLM v2 for a 16-byte NTProofStr", got)
	}
	res, err := specServer().Verify(nil, challenge, noErr(t)(a.Append(nil)))
	if err != nil {
		t.Fatalf("Verify with a correct LMv2 response: %v", err)
	}
	if !res.LMv2 {
		t.Error("Result.LMv2 = false, want true: only the LMv2 response verified")
	}

	for _, tc := range []struct {
		name string
		lm   func([]byte) []byte
	}{
		{"LMv2 response tampered", func(lm []byte) []byte {
			lm = append([]byte(nil), lm...)
			lm[3] ^= 1
			return lm
		}},
		{"LMv2 response all zero", func([]byte) []byte { return make([]byte, 24) }},
		{"LMv2 response absent", func([]byte) []byte { return nil }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := a
			b.LmChallengeResponse = tc.lm(a.LmChallengeResponse)
			_, err := specServer().Verify(nil, challenge, noErr(t)(b.Append(nil)))
			if !errors.Is(err, ErrWrongPassword) {
				t.Fatalf("Verify = %v, want ErrWrongPassword", err)
			}
		})
	}
}

// TestServerRefusesNTLMv1Shape keeps NTLM v1 (a 24-byte NT response) out of
// the LMv2 path.
func TestServerRefusesNTLMv1Shape(t *testing.T) {
	var a Authenticate
	if err := a.Decode(readHex(t, "authenticate-4.2.4.3.hex")); err != nil {
		t.Fatal(err)
	}
	a.NtChallengeResponse = make([]byte, 24)
	if got := a.String(); !strings.Contains(got, "Version:NTLM v1,") {
		t.Errorf("String() = %q, want Version:NTLM v1 for a 24-byte NT response", got)
	}
	_, err := specServer().Verify(nil, readHex(t, "challenge-4.2.4.3.hex"), noErr(t)(a.Append(nil)))
	if !errors.Is(err, ErrUnsupported) {
		t.Fatalf("Verify = %v, want ErrUnsupported", err)
	}
}

// TestServerRefusesLMv2RescueOfFullResponse: review finding. A full
// NTLMv2_RESPONSE whose NTProofStr fails must not be accepted through a
// matching LMv2 response, or a relay could swap the unverified blob (its
// channel bindings and MsvAvFlags) and still log in as "channel bound".
func TestServerRefusesLMv2RescueOfFullResponse(t *testing.T) {
	var a Authenticate
	if err := a.Decode(readHex(t, "authenticate-4.2.4.3.hex")); err != nil {
		t.Fatal(err)
	}
	if !a.IsNTLMv2() {
		t.Fatal("the 4.2.4.3 AUTHENTICATE should carry a full NTLMv2 response")
	}
	nt := append([]byte(nil), a.NtChallengeResponse...)
	nt[0] ^= 0xFF // NTProofStr no longer verifies; LMv2 still does
	a.NtChallengeResponse = nt
	a.NegotiateFlags &^= NegotiateKeyExch
	a.EncryptedRandomSessionKey = nil
	_, err := specServer().Verify(nil, readHex(t, "challenge-4.2.4.3.hex"), noErr(t)(a.Append(nil)))
	if !errors.Is(err, ErrWrongPassword) {
		t.Fatalf("Verify = %v, want ErrWrongPassword", err)
	}
}
