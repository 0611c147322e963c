package ntlm

import (
	"fmt"
	"testing"
)

// TestChallengeNegotiateFormat pins that a Challenge and a Negotiate value
// (not only a pointer) print their one-line form under %v and %s, their
// fields under %+v, and that AVPairs lists its pairs. The expected strings
// are written by hand from the values below.
func TestChallengeNegotiateFormat(t *testing.T) {
	ch := Challenge{
		TargetName:      []byte{'S', 0, 'r', 0, 'v', 0}, // "Srv" in UTF-16LE
		NegotiateFlags:  NegotiateUnicode,
		ServerChallenge: [8]byte{1, 2, 3, 4, 5, 6, 7, 8},
		// MsvAvNbDomainName (2), length 2, "D"; MsvAvTimestamp (7),
		// length 8; MsvAvEOL.
		TargetInfo: AVPairs{0x02, 0x00, 0x02, 0x00, 'D', 0x00,
			0x07, 0x00, 0x08, 0x00, 1, 2, 3, 4, 5, 6, 7, 8,
			0x00, 0x00, 0x00, 0x00},
		Version: Version{ProductMajorVersion: 6, ProductMinorVersion: 1, ProductBuild: 7601, NTLMRevisionCurrent: 15},
	}
	neg := Negotiate{NegotiateFlags: NegotiateOEM, Workstation: []byte("WS1"), HeaderLen: 32}
	for _, tc := range []struct {
		format string
		arg    any
		want   string
	}{
		{"%v", ch, "NTLM CHALLENGE MESSAGE Target: Srv"},
		{"%s", &ch, "NTLM CHALLENGE MESSAGE Target: Srv"},
		{"%q", ch, `"NTLM CHALLENGE MESSAGE Target: Srv"`},
		{"%+v", ch, `NTLM CHALLENGE MESSAGE{TargetName="Srv" NegotiateFlags=NTLMSSP_NEGOTIATE_UNICODE ServerChallenge=0102030405060708 TargetInfo=[MsvAvNbDomainName="D", MsvAvTimestamp=8 bytes] Version=6.1.7601 rev 15 HeaderLen=0}`},
		{"%v", neg, "NTLM NEGOTIATE MESSAGE Workstation: WS1"},
		{"%+v", &neg, `NTLM NEGOTIATE MESSAGE{NegotiateFlags=NTLM_NEGOTIATE_OEM DomainName="" Workstation="WS1" Version=0.0.0 rev 0 HeaderLen=32}`},
		{"%v", ch.TargetInfo, `[MsvAvNbDomainName="D", MsvAvTimestamp=8 bytes]`},
		{"%v", AVPairs{0x02, 0x00, 0x09, 0x00}, "[malformed: ntlm av_pair: at offset 2: MsvAvNbDomainName AvLen 9 exceeds the 0 bytes left: truncated]"},
		{"%v", AVPairs(nil), "[]"},
	} {
		if got := fmt.Sprintf(tc.format, tc.arg); got != tc.want {
			t.Errorf("Sprintf(%q, %T):\n got %s\nwant %s", tc.format, tc.arg, got, tc.want)
		}
	}
}
