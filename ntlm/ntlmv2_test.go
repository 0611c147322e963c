package ntlm

import (
	"bytes"
	"crypto/md5"
	"errors"
	"testing"
	"time"
)

// The [MS-NLMP] 4.2.4 NTLMv2 vectors, computed from the 4.2.1 common values
// and compared with the bytes written by hand from the spec.

func TestCommonValues(t *testing.T) {
	c := readCommon(t)
	for _, tc := range []struct {
		name string
		got  []byte
		s    string
	}{
		{"User", c.user, "User"},
		{"UserDom", c.domain, "Domain"},
		{"Passwd", c.passwd, "Password"},
		{"Server Name", c.server, "Server"},
		{"Workstation Name", c.workstation, "COMPUTER"},
	} {
		if want := appendUTF16(nil, tc.s); !bytes.Equal(tc.got, want) {
			t.Errorf("%s: UNICODE(%q) = % x, spec has % x", tc.name, tc.s, want, tc.got)
		}
	}
	if c.time != 0 {
		t.Errorf("Time = %#x, spec has zero", c.time)
	}
}

func TestNTOWFv2Vector(t *testing.T) {
	want := key16(t, "ntowfv2-4.2.4.1.1.hex")
	if got := NTOWFv2("Password", "User", "Domain"); got != want {
		t.Errorf("NTOWFv2 = % x, want % x", got, want)
	}
	if got := LMOWFv2("Password", "User", "Domain"); got != want {
		t.Errorf("LMOWFv2 = % x, want % x", got, want)
	}
	// User is upper-cased, so any case of the user name gives the key.
	if got := NTOWFv2Hash(HashPassword("Password"), "uSeR", "Domain"); got != want {
		t.Errorf("NTOWFv2Hash with user %q = % x, want % x", "uSeR", got, want)
	}
	// UserDom is not upper-cased.
	if got := NTOWFv2("Password", "User", "DOMAIN"); got == want {
		t.Error("NTOWFv2 ignored the case of UserDom")
	}
}

func TestLMv2ResponseVector(t *testing.T) {
	c := readCommon(t)
	key := key16(t, "ntowfv2-4.2.4.1.1.hex")
	got := AppendLMv2Response([]byte{0xff}, key, c.serverChallenge, c.clientChallenge)
	if want := readHex(t, "lmv2-4.2.4.2.1.hex"); !bytes.Equal(got[1:], want) || got[0] != 0xff {
		t.Errorf("LMv2 response = % x, want % x", got[1:], want)
	}
}

// serverNamePairs builds the ServerName AV pairs of 4.2.4 from the common
// values: MsvAvNbDomainName, MsvAvNbComputerName, MsvAvEOL, in the order
// of the 4.2.4.3 dumps.
func serverNamePairs(c common421) AVPairs {
	// The names of 4.2.1 are a few bytes long: AppendAVPair cannot fail.
	p, _ := AppendAVPair(nil, MsvAvNbDomainName, c.domain)
	p, _ = AppendAVPair(p, MsvAvNbComputerName, c.server)
	return AppendAVEOL(p)
}

func TestNTLMv2ResponseVector(t *testing.T) {
	c := readCommon(t)
	key := key16(t, "ntowfv2-4.2.4.1.1.hex")
	got, sessionBaseKey := AppendNTLMv2Response(nil, key, c.serverChallenge, c.clientChallenge, c.time, serverNamePairs(c))
	// 4.2.4.2.2 is titled "NTLMv2 Response" but its dump holds only the 16
	// bytes of NTProofStr; the full NtChallengeResponse is NTProofStr
	// followed by temp (4.2.4.1.3), as the AUTHENTICATE dump of 4.2.4.3
	// shows at offset 0x84.
	proof, temp := readHex(t, "ntproofstr-4.2.4.2.2.hex"), readHex(t, "temp-4.2.4.1.3.hex")
	if !bytes.Equal(got[:16], proof) {
		t.Errorf("NTProofStr = % x, want % x", got[:16], proof)
	}
	if !bytes.Equal(got[16:], temp) {
		t.Errorf("temp = % x, want % x", got[16:], temp)
	}
	if want := key16(t, "sessionbasekey-4.2.4.1.2.hex"); sessionBaseKey != want {
		t.Errorf("SessionBaseKey = % x, want % x", sessionBaseKey, want)
	}

	var r NTLMv2Response
	if err := r.Decode(got); err != nil {
		t.Fatal(err)
	}
	if r.TimeStamp != 0 || r.ChallengeFromClient != c.clientChallenge || !bytes.Equal(r.AvPairs, serverNamePairs(c)) {
		t.Errorf("decoded response %+v", r)
	}
	if again := r.Append(nil); !bytes.Equal(again, got) {
		t.Errorf("re-encoded response = % x, want % x", again, got)
	}
}

func TestEncryptedSessionKeyVector(t *testing.T) {
	c := readCommon(t)
	kxkey := KeyExchangeKey(key16(t, "sessionbasekey-4.2.4.1.2.hex"))
	if kxkey != key16(t, "sessionbasekey-4.2.4.1.2.hex") {
		t.Errorf("KXKEY for NTLM v2 is not the SessionBaseKey")
	}
	want := key16(t, "encryptedkey-4.2.4.2.3.hex")
	if got := EncryptSessionKey(kxkey, c.randomSessionKey); got != want {
		t.Errorf("RC4K(KeyExchangeKey, RandomSessionKey) = % x, want % x", got, want)
	}
	if got := EncryptSessionKey(kxkey, want); got != c.randomSessionKey {
		t.Errorf("decrypting gives % x, want % x", got, c.randomSessionKey)
	}
}

func TestNTLMv2ResponseDecodeErrors(t *testing.T) {
	good := readHex(t, "temp-4.2.4.1.3.hex")
	good = append(make([]byte, 16), good...)
	for _, tc := range []struct {
		name string
		b    []byte
		want error
		off  int64
	}{
		{"short", good[:43], ErrTruncated, 43},
		{"no AvPairs", good[:44], ErrTruncated, 44},
		{"resptype", func() []byte { b := bytes.Clone(good); b[16] = 2; return b }(), ErrMalformed, 16},
		{"no EOL", good[:len(good)-8], ErrTruncated, 44 + 32},
		{"pair overruns", good[:50], ErrTruncated, 46},
	} {
		var r NTLMv2Response
		err := r.Decode(tc.b)
		var e *Error
		if !errors.Is(err, tc.want) || !errors.As(err, &e) || e.Offset != tc.off {
			t.Errorf("%s: err = %v, want %v at offset %d", tc.name, err, tc.want, tc.off)
		}
	}
}

func TestFileTime(t *testing.T) {
	epoch := time.Date(1601, 1, 1, 0, 0, 0, 0, time.UTC)
	if got := FileTime(epoch); got != 0 {
		t.Errorf("FileTime(1601-01-01) = %d, want 0", got)
	}
	// 1970-01-01 is 11644473600 s after 1601-01-01 ([MS-DTYP] FILETIME).
	unix := time.Unix(0, 0)
	if got := FileTime(unix); got != 116444736000000000 {
		t.Errorf("FileTime(1970-01-01) = %d", got)
	}
	ts := time.Date(2024, 5, 6, 7, 8, 9, 123456700, time.UTC)
	if got := TimeFromFileTime(FileTime(ts)); !got.Equal(ts) {
		t.Errorf("round trip %v -> %v", ts, got)
	}
	if got := FileTime(epoch.Add(-time.Hour)); got != 0 {
		t.Errorf("FileTime before 1601 = %d, want 0", got)
	}
	// One tick is 100 ns.
	if got := FileTime(epoch.Add(1500 * time.Nanosecond)); got != 15 {
		t.Errorf("FileTime(+1.5µs) = %d, want 15", got)
	}
}

func TestChannelBindingsHash(t *testing.T) {
	// The flattened gss_channel_bindings_struct for application data
	// "tls-server-end-point:" + 32 bytes of 0xab, written out by hand:
	// 16 zero bytes (two address types and lengths), the 4-byte
	// little-endian length 53, then the data.
	app := append([]byte("tls-server-end-point:"), bytes.Repeat([]byte{0xab}, 32)...)
	flat := append(make([]byte, 16), 53, 0, 0, 0)
	flat = append(flat, app...)
	want := md5.Sum(flat)
	cb := ChannelBindings{ApplicationData: app}
	if got := cb.Hash(); got != want {
		t.Errorf("Hash = % x, want % x", got, want)
	}
	cb2 := ChannelBindings{InitiatorAddrType: 2, InitiatorAddress: []byte{10, 0, 0, 1}, ApplicationData: app}
	flat2 := []byte{2, 0, 0, 0, 4, 0, 0, 0, 10, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 53, 0, 0, 0}
	if got, want := cb2.Hash(), md5.Sum(append(flat2, app...)); got != want {
		t.Errorf("Hash with initiator address = % x, want % x", got, want)
	}
}

func TestNTHashRedacted(t *testing.T) {
	h := HashPassword("Password")
	for _, s := range []string{h.String(), fmtSprint(h)} {
		if s != "ntlm.NTHash(redacted)" {
			t.Errorf("NTHash prints as %q", s)
		}
	}
}
