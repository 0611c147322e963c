package tds_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tds/tdstest"
)

// goldenHeaders are the hand-written header vectors of testdata/, each with
// the header the trace line (or the [MS-TDS] section 4 dump) describes and
// the string a trace tool would print for it.
var goldenHeaders = []struct {
	file string
	want tds.Header
	str  string
}{
	{"header-prelogin-client-id1.hex",
		tds.Header{Type: tds.PacketPrelogin, Status: tds.StatusEOM, Length: 47, SPID: 0, PacketID: 1},
		"Prelogin, SPID = 0, PacketID = 1, Status = EOM, Length = 47"},
	{"header-prelogin-client-id0.hex",
		tds.Header{Type: tds.PacketPrelogin, Status: tds.StatusEOM, Length: 47, SPID: 0, PacketID: 0},
		"Prelogin, SPID = 0, PacketID = 0, Status = EOM, Length = 47"},
	{"header-response-spid0.hex",
		tds.Header{Type: tds.PacketResponse, Status: tds.StatusEOM, Length: 51, SPID: 0, PacketID: 1},
		"Response, SPID = 0, PacketID = 1, Status = EOM, Length = 51"},
	{"header-response-spid96.hex",
		tds.Header{Type: tds.PacketResponse, Status: tds.StatusEOM, Length: 353, SPID: 96, PacketID: 1},
		"Response, SPID = 96, PacketID = 1, Status = EOM, Length = 353"},
	{"header-response-spid57.hex",
		tds.Header{Type: tds.PacketResponse, Status: tds.StatusEOM, Length: 353, SPID: 57, PacketID: 1},
		"Response, SPID = 57, PacketID = 1, Status = EOM, Length = 353"},
	{"header-response-spid315.hex",
		tds.Header{Type: tds.PacketResponse, Status: tds.StatusEOM, Length: 353, SPID: 315, PacketID: 1},
		"Response, SPID = 315, PacketID = 1, Status = EOM, Length = 353"},
	{"header-response-spid255.hex",
		tds.Header{Type: tds.PacketResponse, Status: tds.StatusEOM, Length: 51, SPID: 255, PacketID: 1},
		"Response, SPID = 255, PacketID = 1, Status = EOM, Length = 51"},
	{"header-response-sspi-frame238.hex",
		tds.Header{Type: tds.PacketResponse, Status: tds.StatusEOM, Length: 196, SPID: 0, PacketID: 0},
		"Response, SPID = 0, PacketID = 0, Status = EOM, Length = 196"},
	{"header-sqlbatch.hex",
		tds.Header{Type: tds.PacketSQLBatch, Status: tds.StatusEOM, Length: 92, SPID: 0, PacketID: 1},
		"SQLBatch, SPID = 0, PacketID = 1, Status = EOM, Length = 92"},
	{"header-attention.hex",
		tds.Header{Type: tds.PacketAttention, Status: tds.StatusEOM, Length: 8, SPID: 0, PacketID: 1},
		"Attention, SPID = 0, PacketID = 1, Status = EOM, Length = 8"},
}

func TestHeaderGolden(t *testing.T) {
	for _, g := range goldenHeaders {
		t.Run(g.file, func(t *testing.T) {
			b := tdstest.ReadHex(t, "testdata/"+g.file)
			require.Len(t, b, tds.HeaderLen, "golden vector")
			var h tds.Header
			require.NoError(t, h.Decode(b))
			if diff := cmp.Diff(g.want, h); diff != "" {
				t.Errorf("Decode mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(b, g.want.Append(nil)); diff != "" {
				t.Errorf("Append mismatch (-want +got):\n%s", diff)
			}
			assert.Equal(t, g.str, h.String())
		})
	}
}

func TestHeaderAppendExtends(t *testing.T) {
	prefix := []byte{0xde, 0xad}
	h := tds.Header{Type: tds.PacketRPC, Status: tds.StatusEOM | tds.StatusResetConnection, Length: 0x1234, SPID: 0xabcd, PacketID: 7, Window: 9}
	got := h.Append(prefix)
	want := []byte{0xde, 0xad, 0x03, 0x09, 0x12, 0x34, 0xab, 0xcd, 0x07, 0x09}
	if !bytes.Equal(got, want) {
		t.Fatalf("Append = % x, want % x", got, want)
	}
}

func TestHeaderDecodeErrors(t *testing.T) {
	var h tds.Header
	for n := 0; n < tds.HeaderLen; n++ {
		err := h.Decode(make([]byte, n))
		var te *tds.Error
		if !errors.As(err, &te) || !errors.Is(err, tds.ErrTruncated) {
			t.Fatalf("Decode(%d bytes) = %v, want *tds.Error ErrTruncated", n, err)
		}
	}
	for _, l := range []uint16{0, 1, 7} {
		b := []byte{0x01, 0x01, byte(l >> 8), byte(l), 0, 0, 1, 0}
		err := h.Decode(b)
		var te *tds.Error
		if !errors.As(err, &te) || !errors.Is(err, tds.ErrMalformed) || te.Offset != 2 {
			t.Fatalf("Decode(Length %d) = %v, want ErrMalformed at offset 2", l, err)
		}
	}
	// Length 8 (a packet with no data, as Attention) is valid.
	if err := h.Decode([]byte{0x06, 0x01, 0, 8, 0, 0, 1, 0}); err != nil {
		t.Fatalf("Decode(Length 8) = %v", err)
	}
}

func TestHeaderAllocs(t *testing.T) {
	b := []byte{0x04, 0x01, 0x00, 0xc4, 0x00, 0x00, 0x00, 0x00}
	var h tds.Header
	if n := testing.AllocsPerRun(100, func() { _ = h.Decode(b) }); n != 0 {
		t.Errorf("Header.Decode allocates %v times, want 0", n)
	}
	buf := make([]byte, 0, 64)
	if n := testing.AllocsPerRun(100, func() { buf = h.Append(buf[:0]) }); n != 0 {
		t.Errorf("Header.Append allocates %v times, want 0", n)
	}
}

func TestPacketTypeString(t *testing.T) {
	cases := []struct {
		t     tds.PacketType
		s     string
		known bool
	}{
		{tds.PacketSQLBatch, "SQLBatch", true},
		{tds.PacketPreTDS7Login, "Login", true},
		{tds.PacketRPC, "RPCRequest", true},
		{tds.PacketResponse, "Response", true},
		{tds.PacketAttention, "Attention", true},
		{tds.PacketBulkLoad, "BulkLoad", true},
		{tds.PacketFedAuthToken, "FedAuthToken", true},
		{tds.PacketTransactionManager, "TransactionManager", true},
		{tds.PacketLogin7, "Login7", true},
		{tds.PacketSSPI, "SSPI", true},
		{tds.PacketPrelogin, "Prelogin", true},
		{0x00, "PacketType(0x00)", false},
		{0x05, "PacketType(0x05)", false},
		{0x0f, "PacketType(0x0f)", false},
		{0x13, "PacketType(0x13)", false},
		{0x17, "PacketType(0x17)", false},
		{0xff, "PacketType(0xff)", false},
	}
	for _, c := range cases {
		if s := c.t.String(); s != c.s {
			t.Errorf("PacketType(%#x).String() = %q, want %q", uint8(c.t), s, c.s)
		}
		if k := c.t.Known(); k != c.known {
			t.Errorf("PacketType(%#x).Known() = %v, want %v", uint8(c.t), k, c.known)
		}
	}
}

func TestStatusString(t *testing.T) {
	cases := []struct {
		s    tds.Status
		want string
	}{
		{0, "Normal"},
		{tds.StatusEOM, "EOM"},
		{tds.StatusEOM | tds.StatusIgnore, "EOM|IGNORE"},
		{tds.StatusResetConnection, "RESETCONNECTION"},
		{tds.StatusEOM | tds.StatusResetConnectionSkipTran, "EOM|RESETCONNECTIONSKIPTRAN"},
		{tds.StatusEOM | 0x40, "EOM|0x40"},
		{0x04 | 0x20 | 0x80, "0xa4"},
		{0xff, "EOM|IGNORE|RESETCONNECTION|RESETCONNECTIONSKIPTRAN|0xe4"},
	}
	for _, c := range cases {
		if got := c.s.String(); got != c.want {
			t.Errorf("Status(%#x).String() = %q, want %q", uint8(c.s), got, c.want)
		}
	}
}

// TestVersionTraceForm checks the versions of the seed traces print exactly
// as the traces show them ("Version = 7.1 (0x71000001)").
func TestVersionTraceForm(t *testing.T) {
	cases := []struct {
		v    tds.Version
		want string
	}{
		{tds.Version71Rev1, "7.1 (0x71000001)"}, // trace-authentication-en.txt frame 6130
		{tds.Version73A, "7.3 (0x730a0003)"},    // frame 76081
		{tds.Version74, "7.4 (0x74000004)"},     // frame 219, trace-mars-en.txt 6777
		{tds.Version70, "7.0 (0x70000000)"},
		{tds.Version71, "7.1 (0x71000000)"},
		{tds.Version72, "7.2 (0x72090002)"},
		{tds.Version73B, "7.3 (0x730b0003)"},
		{tds.Version80, "8.0 (0x08000000)"},
		{0x12345678, "0x12345678"},
		{0x1, "0x00000001"},
	}
	for _, c := range cases {
		if got := c.v.String(); got != c.want {
			t.Errorf("Version(%#x).String() = %q, want %q", uint32(c.v), got, c.want)
		}
		if c.v.Known() != (c.want[0] != '0') {
			t.Errorf("Version(%#x).Known() = %v", uint32(c.v), c.v.Known())
		}
	}
}

func TestVersionAtLeast(t *testing.T) {
	// Oldest to newest; TDS 8.0 is numerically smallest but newest.
	order := []tds.Version{
		tds.Version70, tds.Version71, tds.Version71Rev1, tds.Version72,
		tds.Version73A, tds.Version73B, tds.Version74, tds.Version80,
	}
	for i, v := range order {
		for j, w := range order {
			if got, want := v.AtLeast(w), i >= j; got != want {
				t.Errorf("%v.AtLeast(%v) = %v, want %v", v, w, got, want)
			}
		}
	}
}

func TestUCS2(t *testing.T) {
	cases := []struct {
		name string
		b    []byte
		want string
	}{
		{"empty", nil, ""},
		{"ascii", []byte{'s', 0, 'a', 0}, "sa"},
		{"bmp", []byte{0xe9, 0x00, 0x2d, 0x4e}, "é中"},
		// U+1F600 is the surrogate pair D83D DE00.
		{"surrogate pair", []byte{0x3d, 0xd8, 0x00, 0xde, 'x', 0}, "\U0001F600x"},
		{"lone high surrogate at end", []byte{'a', 0, 0x3d, 0xd8}, "a\uFFFD"},
		{"lone high surrogate then bmp", []byte{0x3d, 0xd8, 'b', 0}, "\uFFFDb"},
		{"lone low surrogate", []byte{0x00, 0xde, 'c', 0}, "\uFFFDc"},
		{"odd length ignores final byte", []byte{'h', 0, 'i', 0, 'j'}, "hi"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			u := tds.UCS2(c.b)
			if got := u.String(); got != c.want {
				t.Errorf("String = %q, want %q", got, c.want)
			}
			if u.Len() != len(c.b)/2 {
				t.Errorf("Len = %d, want %d", u.Len(), len(c.b)/2)
			}
			if !u.Equal(c.want) && !bytes.Contains([]byte(c.want), []byte("\uFFFD")) {
				t.Errorf("Equal(%q) = false", c.want)
			}
		})
	}
}

func TestUCS2EqualAndAppend(t *testing.T) {
	for _, s := range []string{"", "master", "AdventureWorks", "é中\U0001F600", "\U0010FFFF"} {
		b := tds.AppendUCS2(nil, s)
		if len(b) != 2*tds.UCS2Len(s) {
			t.Errorf("AppendUCS2(%q) wrote %d bytes, UCS2Len says %d units", s, len(b), tds.UCS2Len(s))
		}
		u := tds.UCS2(b)
		if !u.Equal(s) {
			t.Errorf("UCS2(%q).Equal = false", s)
		}
		if u.String() != s {
			t.Errorf("round trip %q = %q", s, u.String())
		}
		if s != "" && (u.Equal(s+"x") || u.Equal(s[:len(s)-1])) {
			t.Errorf("Equal matched a different string for %q", s)
		}
	}
	// The surrogate pair bytes, by hand: U+1F600 = D83D DE00.
	if got := tds.AppendUCS2([]byte{1}, "\U0001F600"); !bytes.Equal(got, []byte{1, 0x3d, 0xd8, 0x00, 0xde}) {
		t.Errorf("AppendUCS2 surrogate = % x", got)
	}
	if tds.UCS2([]byte{'a', 0, 'b'}).Equal("ab") {
		t.Error("odd-length view {a, b-half} equals \"ab\"")
	}
	if !tds.UCS2([]byte{'a', 0, 'b'}).Equal("a") {
		t.Error("odd-length view does not equal \"a\" (final byte must be ignored)")
	}
}

func TestUCS2EqualAllocs(t *testing.T) {
	u := tds.UCS2(tds.AppendUCS2(nil, "Changed database context to 'AdventureWorks' \U0001F600"))
	s := "Changed database context to 'AdventureWorks' \U0001F600"
	if n := testing.AllocsPerRun(100, func() {
		if !u.Equal(s) {
			t.Fatal("not equal")
		}
	}); n != 0 {
		t.Errorf("UCS2.Equal allocates %v times, want 0", n)
	}
}
