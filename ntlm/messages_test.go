package ntlm

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/tdswire/tdswire/tds/tdstest/tdscmp"
)

func TestChallengeGolden(t *testing.T) {
	b := readHex(t, "challenge-4.2.4.3.hex")
	c := readCommon(t)
	var ch Challenge
	require.NoError(t, ch.Decode(b))
	// [MS-NLMP] 4.2.4.3, field by field as the golden file's comments give it.
	want := Challenge{
		TargetName:      c.server,
		NegotiateFlags:  0xe28a8233,
		ServerChallenge: c.serverChallenge,
		TargetInfo:      serverNamePairs(c),
		Version:         Version{6, 0, 6000, NTLMSSPRevisionW2K3},
	}
	if diff := cmp.Diff(want, ch, tdscmp.Options()); diff != "" {
		t.Errorf("Decode mismatch (-want +got):\n%s", diff)
	}
	// The 13 flags 4.2.4 lists by name.
	listed := NegotiateKeyExch | Negotiate56 | Negotiate128 | NegotiateVersion | NegotiateTargetInfo |
		NegotiateExtendedSessionSecurity | TargetTypeServer | NegotiateAlwaysSign | NegotiateNTLM |
		NegotiateSeal | NegotiateSign | NegotiateOEM | NegotiateUnicode
	// 4.2.4's heading names the pairs "AV Pair 1 - NetBIOS Server name",
	// "AV Pair 2 - NetBIOS Domain name" (their AvIds), but the dumps carry
	// MsvAvNbDomainName first; serverNamePairs follows the dumps.
	if ch.NegotiateFlags != listed {
		t.Errorf("NegotiateFlags %v, 4.2.4 lists %v", ch.NegotiateFlags, listed)
	}
	// Spec inconsistency: 0xe28a8233 lacks NTLMSSP_REQUEST_TARGET (0x4),
	// under which 2.2.1.2 says the TargetName fields MUST be ignored, yet
	// the example fills them with "Server" (and 4.2.4.3's AUTHENTICATE then
	// sets 0x4). Challenge.Decode reads a TargetName that lies inside the
	// message whatever the flag says, so the example decodes as intended.
	if ch.NegotiateFlags&RequestTarget != 0 {
		t.Errorf("the example's flags unexpectedly include NTLMSSP_REQUEST_TARGET")
	}
	if got := ch.String(); got != "NTLM CHALLENGE MESSAGE Target: Server" {
		t.Errorf("String = %q", got)
	}
	got := noErr(t)(ch.Append([]byte("x")))
	if diff := cmp.Diff(b, got[1:]); diff != "" {
		t.Errorf("Append mismatch (-want +got):\n%s", diff)
	}
}

func TestAuthenticateGolden(t *testing.T) {
	b := readHex(t, "authenticate-4.2.4.3.hex")
	c := readCommon(t)
	var a Authenticate
	require.NoError(t, a.Decode(b))
	// [MS-NLMP] 4.2.4.3: the example has no MIC field (HeaderLen 72).
	want := Authenticate{
		LmChallengeResponse:       readHex(t, "lmv2-4.2.4.2.1.hex"),
		NtChallengeResponse:       append(readHex(t, "ntproofstr-4.2.4.2.2.hex"), readHex(t, "temp-4.2.4.1.3.hex")...),
		DomainName:                c.domain,
		UserName:                  c.user,
		Workstation:               c.workstation,
		EncryptedRandomSessionKey: readHex(t, "encryptedkey-4.2.4.2.3.hex"),
		NegotiateFlags:            0xe2888235,
		Version:                   Version{5, 1, 2600, 15},
		HeaderLen:                 authenticateNoMIC,
	}
	if diff := cmp.Diff(want, a, tdscmp.Options()); diff != "" {
		t.Errorf("Decode mismatch (-want +got):\n%s", diff)
	}
	if got := a.String(); got != "NTLM AUTHENTICATE MESSAGE Version:NTLM v2, Domain: Domain, User: User, Workstation: COMPUTER" {
		t.Errorf("String = %q", got)
	}
	if diff := cmp.Diff(b, noErr(t)(a.Append(nil))); diff != "" {
		t.Errorf("Append mismatch (-want +got):\n%s", diff)
	}
}

func TestAuthenticateSeed(t *testing.T) {
	b := readHex(t, "authenticate-seed.hex")
	var a Authenticate
	if err := a.Decode(b); err != nil {
		t.Fatal(err)
	}
	const want = "NTLM AUTHENTICATE MESSAGE Version:NTLM v2, Domain: CONTOSO, User: joe33, Workstation: 10.10.10.120"
	if got := a.String(); got != want {
		t.Errorf("String =\n%q\nwant\n%q", got, want)
	}
	if a.HeaderLen != 0 || a.MIC != [16]byte{0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11} {
		t.Errorf("HeaderLen %d MIC % x", a.HeaderLen, a.MIC)
	}
	if a.User() != "joe33" || a.Domain() != "CONTOSO" || a.WorkstationName() != "10.10.10.120" {
		t.Errorf("names %q %q %q", a.User(), a.Domain(), a.WorkstationName())
	}
	var r NTLMv2Response
	if err := r.Decode(a.NtChallengeResponse); err != nil {
		t.Fatal(err)
	}
	if r.TimeStamp != 0x01d9a1b2c3d4e5f6 || r.AvPairs.Flags() != AvFlagMICPresent {
		t.Errorf("TimeStamp %#x flags %#x", r.TimeStamp, r.AvPairs.Flags())
	}
	if ts, ok := r.AvPairs.Timestamp(); !ok || ts != r.TimeStamp {
		t.Errorf("MsvAvTimestamp %#x %v", ts, ok)
	}
	if got := noErr(t)(a.Append(nil)); !bytes.Equal(got, b) {
		t.Errorf("Append =\n% x\nwant\n% x", got, b)
	}
	// An NT response of 24 bytes is NTLM v1.
	a.NtChallengeResponse = a.NtChallengeResponse[:24]
	if got := a.String(); !strings.Contains(got, "Version:NTLM v1,") {
		t.Errorf("v1 String = %q", got)
	}
}

func TestNegotiateGolden(t *testing.T) {
	b := readHex(t, "negotiate-version.hex")
	var n Negotiate
	if err := n.Decode(b); err != nil {
		t.Fatal(err)
	}
	if n.NegotiateFlags != 0xe2088297 || n.Version != (Version{10, 0, 19041, 15}) || n.HeaderLen != 0 {
		t.Errorf("%#x %v %d", uint32(n.NegotiateFlags), n.Version, n.HeaderLen)
	}
	if n.DomainName != nil || n.Workstation != nil {
		t.Errorf("names % x % x", n.DomainName, n.Workstation)
	}
	if got := n.String(); got != "NTLM NEGOTIATE MESSAGE" {
		t.Errorf("String = %q", got)
	}
	if got := noErr(t)(n.Append(nil)); !bytes.Equal(got, b) {
		t.Errorf("Append =\n% x\nwant\n% x", got, b)
	}

	b = readHex(t, "negotiate-oem.hex")
	if err := n.Decode(b); err != nil {
		t.Fatal(err)
	}
	if n.HeaderLen != negotiateNoVersion || string(n.DomainName) != "CONTOSO" || string(n.Workstation) != "WS1" || !n.Version.IsZero() {
		t.Errorf("%+v", n)
	}
	if got := n.String(); got != "NTLM NEGOTIATE MESSAGE Domain: CONTOSO, Workstation: WS1" {
		t.Errorf("String = %q", got)
	}
	if got := noErr(t)(n.Append(nil)); !bytes.Equal(got, b) {
		t.Errorf("Append =\n% x\nwant\n% x", got, b)
	}

	// The 16-byte form: flags only.
	short := b[:16]
	if err := n.Decode(short); err != nil || n.HeaderLen != 16 || n.NegotiateFlags != 0xb207 || n.DomainName != nil {
		t.Errorf("16-byte form: %v %+v", err, n)
	}
	if got := noErr(t)(n.Append(nil)); !bytes.Equal(got, short) {
		t.Errorf("16-byte Append = % x", got)
	}
}

func TestNegotiateFlagsString(t *testing.T) {
	f := NegotiateFlags(0xe28a8233)
	want := "NTLMSSP_NEGOTIATE_UNICODE|NTLM_NEGOTIATE_OEM|NTLMSSP_NEGOTIATE_SIGN|NTLMSSP_NEGOTIATE_SEAL|" +
		"NTLMSSP_NEGOTIATE_NTLM|NTLMSSP_NEGOTIATE_ALWAYS_SIGN|NTLMSSP_TARGET_TYPE_SERVER|" +
		"NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY|NTLMSSP_NEGOTIATE_TARGET_INFO|NTLMSSP_NEGOTIATE_VERSION|" +
		"NTLMSSP_NEGOTIATE_128|NTLMSSP_NEGOTIATE_KEY_EXCH|NTLMSSP_NEGOTIATE_56"
	if got := f.String(); got != want {
		t.Errorf("String =\n%s\nwant\n%s", got, want)
	}
	if got := NegotiateFlags(0).String(); got != "0" {
		t.Errorf("zero: %q", got)
	}
	// r10 (0x8) and r1 (0x10000000) are unused bits.
	if got := (NegotiateUnicode | 0x8 | 0x10000000).String(); got != "NTLMSSP_NEGOTIATE_UNICODE|0x10000008" {
		t.Errorf("unused bits: %q", got)
	}
	if !f.Has(NegotiateSign|NegotiateSeal) || f.Has(NegotiateLMKey) {
		t.Error("Has")
	}
}

func TestVersionString(t *testing.T) {
	if got := (Version{6, 0, 6000, 15}).String(); got != "6.0.6000 rev 15" {
		t.Errorf("%q", got)
	}
}

func TestMessageType(t *testing.T) {
	for _, tc := range []struct {
		file string
		want MessageType
	}{
		{"negotiate-version.hex", NtLmNegotiate},
		{"challenge-4.2.4.3.hex", NtLmChallenge},
		{"authenticate-4.2.4.3.hex", NtLmAuthenticate},
	} {
		got, err := PeekMessageType(readHex(t, tc.file))
		if err != nil || got != tc.want {
			t.Errorf("%s: %v %v", tc.file, got, err)
		}
	}
	if s := MessageType(9).String(); s != "MessageType(9)" {
		t.Errorf("%q", s)
	}
}

// errCase is a decoding failure: the class and the offset it reports.
type errCase struct {
	name string
	b    []byte
	want error
	off  int64
}

func checkErr(t *testing.T, tc errCase, err error) {
	t.Helper()
	var e *Error
	if !errors.Is(err, tc.want) || !errors.As(err, &e) || e.Offset != tc.off {
		t.Errorf("%s: err = %v, want class %v at offset %d", tc.name, err, tc.want, tc.off)
		return
	}
	if !strings.Contains(err.Error(), "offset") {
		t.Errorf("%s: message %q does not give the offset", tc.name, err)
	}
}

func patch(b []byte, at int, v ...byte) []byte {
	b = bytes.Clone(b)
	copy(b[at:], v)
	return b
}

func TestDecodeErrors(t *testing.T) {
	ch := readHex(t, "challenge-4.2.4.3.hex")
	au := readHex(t, "authenticate-4.2.4.3.hex")
	ng := readHex(t, "negotiate-oem.hex")
	for _, tc := range []errCase{
		{"challenge: empty", nil, ErrTruncated, 0},
		{"challenge: bad signature", patch(ch, 3, 'X'), ErrMalformed, 0},
		{"challenge: wrong type", au, ErrUnexpected, 8},
		{"challenge: short fixed part", ch[:40], ErrTruncated, 40},
		{"challenge: TargetInfo past end (TargetName ignored)", ch[:60], ErrTruncated, 40},
		{"challenge: TargetName past end", patch(ch[:60], 20, 0x37), ErrTruncated, 12},
		{"challenge: TargetInfo past end", ch[:len(ch)-1], ErrTruncated, 40},
		{"challenge: TargetInfo overlaps header", patch(ch, 44, 0x10), ErrMalformed, 0x10},
		{"challenge: AV pair overruns", patch(ch, 0x46, 0x21), ErrTruncated, 0x46},
		{"challenge: EOL with length", patch(ch, 0x44+32+2, 1), ErrTruncated, 0x44 + 34},
		{"challenge: huge offset", patch(ch, 44, 0xff, 0xff, 0xff, 0xff), ErrTruncated, 40},
	} {
		var c Challenge
		checkErr(t, tc, c.Decode(tc.b))
	}
	for _, tc := range []errCase{
		{"authenticate: short", au[:63], ErrTruncated, 63},
		{"authenticate: wrong type", ch, ErrUnexpected, 8},
		{"authenticate: NT past end", au[:0xd0], ErrTruncated, 20},
		{"authenticate: key past end", au[:len(au)-1], ErrTruncated, 52},
		{"authenticate: overlap", patch(au, 32, 0x20), ErrMalformed, 0x20},
	} {
		var a Authenticate
		checkErr(t, tc, a.Decode(tc.b))
	}
	for _, tc := range []errCase{
		{"negotiate: short", ng[:14], ErrTruncated, 12},
		{"negotiate: wrong type", ch, ErrUnexpected, 8},
		{"negotiate: domain past end", ng[:0x25], ErrTruncated, 16},
		{"negotiate: workstation past end", ng[:0x29], ErrTruncated, 24},
		{"negotiate: overlap", patch(ng, 20, 0x10), ErrMalformed, 0x10},
		// Fields whose flag is clear are ignored, but not when they
		// announce payload outside the message.
		{"negotiate: unflagged domain past end", negotiateNoOEM(4, 0x1000, 0, 0), ErrTruncated, 16},
		{"negotiate: unflagged workstation past end", negotiateNoOEM(0, 0, 2, 0xFFFFFFF0), ErrTruncated, 24},
		{"negotiate: unflagged domain in fixed part", negotiateNoOEM(4, 8, 0, 0), ErrMalformed, 8},
	} {
		var n Negotiate
		checkErr(t, tc, n.Decode(tc.b))
	}
	// An unflagged field inside the message is not exposed, but its
	// payload at offset 32 says there is no Version.
	var n Negotiate
	b := append(negotiateNoOEM(8, 32, 0, 0)[:32], "CONTOSO!"...)
	if err := n.Decode(b); err != nil || n.DomainName != nil || n.HeaderLen != 32 || n.Version != (Version{}) {
		t.Errorf("unflagged domain at 32: %v, %+v", err, n)
	}
}

// negotiateNoOEM writes a 40-byte NEGOTIATE_MESSAGE by hand ([MS-NLMP]
// 2.2.1.1): NegotiateFlags NTLMSSP_NEGOTIATE_UNICODE|NTLMSSP_NEGOTIATE_NTLM
// (0x00000201, neither OEM flag), the two Len/MaxLen/BufferOffset triples
// given, and a zero Version.
func negotiateNoOEM(domLen uint16, domOff uint32, wsLen uint16, wsOff uint32) []byte {
	b := []byte("NTLMSSP\x00")
	b = append(b, 1, 0, 0, 0, 0x01, 0x02, 0, 0)
	b = append(b, byte(domLen), byte(domLen>>8), byte(domLen), byte(domLen>>8), byte(domOff), byte(domOff>>8), byte(domOff>>16), byte(domOff>>24))
	b = append(b, byte(wsLen), byte(wsLen>>8), byte(wsLen), byte(wsLen>>8), byte(wsOff), byte(wsOff>>8), byte(wsOff>>16), byte(wsOff>>24))
	return append(b, 0, 0, 0, 0, 0, 0, 0, 0)
}

func TestAuthenticateKeyWithoutKeyExch(t *testing.T) {
	au := readHex(t, "authenticate-4.2.4.3.hex")
	// Clear NTLMSSP_NEGOTIATE_KEY_EXCH (0x40000000): the key fields MUST
	// then be ignored; the key in the payload is not exposed.
	b := patch(au, 63, 0xa2)
	var a Authenticate
	if err := a.Decode(b); err != nil {
		t.Fatal(err)
	}
	if a.EncryptedRandomSessionKey != nil {
		t.Errorf("EncryptedRandomSessionKey = % x", a.EncryptedRandomSessionKey)
	}
	// Fields that announce payload past the end are an error even so, as
	// in Negotiate: their payload bounds the fixed part.
	checkErr(t, errCase{"authenticate: unflagged key past end", patch(b, 56, 0xff, 0xff), ErrTruncated, 52}, a.Decode(patch(b, 56, 0xff, 0xff)))
}

func TestChallengeTargetInfoWithoutFlag(t *testing.T) {
	ch := readHex(t, "challenge-4.2.4.3.hex")
	// Clear NTLMSSP_NEGOTIATE_TARGET_INFO (0x00800000, byte 22 of the
	// flags 33 82 8a e2): TargetInfo MUST then be ignored.
	b := patch(ch, 22, 0x0a)
	var c Challenge
	if err := c.Decode(b); err != nil {
		t.Fatal(err)
	}
	if c.TargetInfo != nil || c.Version == (Version{}) {
		t.Errorf("TargetInfo = % x, Version %v", c.TargetInfo, c.Version)
	}
	// TargetInfoFields pointing past the end, or into the fixed part,
	// are an error even so.
	checkErr(t, errCase{"challenge: unflagged TargetInfo past end", patch(b, 44, 0xff, 0xff), ErrTruncated, 40}, c.Decode(patch(b, 44, 0xff, 0xff)))
	checkErr(t, errCase{"challenge: unflagged TargetInfo in fixed part", patch(b, 44, 0x20), ErrMalformed, 0x20}, c.Decode(patch(b, 44, 0x20)))
	// Unflagged TargetInfo payload at offset 48 says there is no Version
	// (the 48-byte fixed part): the bytes there are not decoded as one.
	if err := c.Decode(patch(b, 44, 0x30)); err != nil || c.TargetInfo != nil || c.HeaderLen != 48 || c.Version != (Version{}) {
		t.Errorf("unflagged TargetInfo at 48: %v, %+v", err, c)
	}
}

func TestAuthenticateDeclaredLengthOnly(t *testing.T) {
	// A client whose NtChallengeResponseLen is shorter than the bytes that
	// follow in the payload: the response is read by its declared length.
	b := readHex(t, "authenticate-seed.hex")
	b = append(b, 0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 0) // trailing payload bytes
	var a Authenticate
	if err := a.Decode(b); err != nil {
		t.Fatal(err)
	}
	if len(a.NtChallengeResponse) != 0x48 {
		t.Errorf("NtChallengeResponse is %d bytes, want the declared 72", len(a.NtChallengeResponse))
	}
}

func TestAppendLayouts(t *testing.T) {
	// Each fixed-part form survives an encode/decode round trip.
	for _, h := range []int{0, authenticateNoMIC, authenticateNoVersion} {
		in := Authenticate{UserName: []byte("u\x00"), NegotiateFlags: NegotiateUnicode, HeaderLen: h, Version: Version{1, 2, 3, 4}}
		if h == authenticateNoVersion {
			in.Version = Version{}
		}
		if h == 0 {
			in.MIC[0] = 7
		}
		var out Authenticate
		if err := out.Decode(noErr(t)(in.Append(nil))); err != nil || diffMsg(in, out) != "" {
			t.Errorf("HeaderLen %d: %v\n%+v\n%+v", h, err, in, out)
		}
		// With no payload at all the message length decides.
		in.UserName = nil
		if err := out.Decode(noErr(t)(in.Append(nil))); err != nil || diffMsg(in, out) != "" {
			t.Errorf("HeaderLen %d, empty payload: %v\n%+v\n%+v", h, err, in, out)
		}
	}
	for _, h := range []int{0, challengeNoVersion} {
		in := Challenge{NegotiateFlags: RequestTarget, TargetName: []byte("S\x00"), HeaderLen: h}
		var out Challenge
		if err := out.Decode(noErr(t)(in.Append(nil))); err != nil || diffMsg(in, out) != "" {
			t.Errorf("challenge HeaderLen %d: %v %+v", h, err, out)
		}
	}
}

func TestDecodeAllocs(t *testing.T) {
	ng, ch, au := readHex(t, "negotiate-version.hex"), readHex(t, "challenge-4.2.4.3.hex"), readHex(t, "authenticate-seed.hex")
	var n Negotiate
	var c Challenge
	var a Authenticate
	var r NTLMv2Response
	for _, tc := range []struct {
		name string
		f    func()
	}{
		{"Negotiate", func() { _ = n.Decode(ng) }},
		{"Challenge", func() { _ = c.Decode(ch) }},
		{"Authenticate", func() { _ = a.Decode(au) }},
		{"NTLMv2Response", func() { _ = r.Decode(a.NtChallengeResponse) }},
		{"AVPairs.All", func() {
			for range c.TargetInfo.All() {
			}
		}},
		{"AVPairs.Lookup", func() { _, _ = r.AvPairs.Timestamp() }},
	} {
		name, f := tc.name, tc.f
		f()
		if allocs := testing.AllocsPerRun(100, f); allocs != 0 {
			t.Errorf("%s: %v allocations per run, want 0", name, allocs)
		}
	}
}

func TestUTF16(t *testing.T) {
	for _, tc := range []struct {
		b    []byte
		want string
	}{
		{[]byte{0x3d, 0xd8, 0x00, 0xde}, "\U0001F600"}, // surrogate pair
		{[]byte{0x3d, 0xd8, 0x41, 0x00}, "\uFFFDA"},    // high surrogate, then not a low one
		{[]byte{0x00, 0xde}, "\uFFFD"},                 // lone low surrogate
		{[]byte{0x41, 0x00, 0x42}, "A"},                // odd final byte ignored
		{[]byte{0xe9, 0x00, 0x4a, 0x00}, "\u00e9J"},    // é
	} {
		if got := decodeUTF16(tc.b); got != tc.want {
			t.Errorf("decodeUTF16(% x) = %q, want %q", tc.b, got, tc.want)
		}
	}
	if got := describe([]byte{'W', 0xe9}, false); got != "W\u00e9" {
		t.Errorf("OEM describe = %q", got)
	}
}

func TestPeekMessageTypeErrors(t *testing.T) {
	if _, err := PeekMessageType([]byte("NTLMSSP")); !errors.Is(err, ErrTruncated) {
		t.Errorf("short: %v", err)
	}
	if _, err := PeekMessageType([]byte("NTLMSSX\x00\x01\x00\x00\x00")); !errors.Is(err, ErrMalformed) {
		t.Errorf("signature: %v", err)
	}
}
