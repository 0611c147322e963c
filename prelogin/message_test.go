package prelogin

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tds/tdstest"
	"github.com/tdswire/tdswire/tds/tdstest/tdscmp"
)

// readPacket reads a golden PRELOGIN packet from testdata, checks its
// packet header (type and Length against the bytes actually there) and
// returns the message after the header.
func readPacket(t testing.TB, name string, typ tds.PacketType) []byte {
	t.Helper()
	b := tdstest.ReadHex(t, "testdata/"+name)
	var h tds.Header
	if err := h.Decode(b); err != nil {
		t.Fatalf("%s: header: %v", name, err)
	}
	if h.Type != typ {
		t.Fatalf("%s: packet type %v, want %v", name, h.Type, typ)
	}
	if int(h.Length) != len(b) {
		t.Fatalf("%s: header Length %d, but the file holds %d bytes", name, h.Length, len(b))
	}
	if h.Status != tds.StatusEOM {
		t.Fatalf("%s: status %v, want EOM", name, h.Status)
	}
	return b[tds.HeaderLen:]
}

// seq returns n bytes counting up from first, as the golden files spell
// out TRACEID and NONCEOPT.
func seq(first byte, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = first + byte(i)
	}
	return b
}

func goldenMessages(t testing.TB) []struct {
	file string
	typ  tds.PacketType
	want Message
} {
	var trace TraceID
	copy(trace.ConnectionID[:], seq(0xA0, 16))
	copy(trace.ActivityID[:], seq(0xB0, 16))
	trace.ActivitySequence = 7
	var nonce [NonceLen]byte
	copy(nonce[:], seq(0xC0, 32))
	serverSet := HasVersion | HasEncryption | HasInstOpt | HasThreadID | HasMARS
	return []struct {
		file string
		typ  tds.PacketType
		want Message
	}{
		{
			// [MS-TDS] 4.1. The annotation agrees with the bytes: each
			// PL_OFFSET/PL_OPTION_LENGTH it lists lands inside the 13
			// data bytes, the table is 26 = 0x1A bytes, and the header's
			// Length 0x2F = 47 = 8 + 26 + 13. The annotation does not
			// split PL_OPTION_DATA into fields; the split here follows
			// the table's offsets.
			file: "spec-4.1-request.hex",
			typ:  tds.PacketPrelogin,
			want: Message{
				Present:    serverSet,
				Version:    Version{Major: 9},
				Encryption: EncryptOn,
				Instance:   []byte{0},
				ThreadID:   3512,
				MARS:       true,
			},
		},
		{
			file: "client-request-tds74.hex",
			typ:  tds.PacketPrelogin,
			want: Message{
				Present:         serverSet | HasTraceID | HasFedAuthRequired | HasNonce,
				Version:         Version{Major: 17, Minor: 2, Build: 4660, SubBuild: 258},
				Encryption:      EncryptClientCert | EncryptOn,
				Instance:        []byte("MSSQLServer\x00"),
				ThreadID:        8000,
				MARS:            true,
				TraceID:         trace,
				FedAuthRequired: true,
				Nonce:           nonce,
			},
		},
		{
			file: "server-response-notsup.hex",
			typ:  tds.PacketResponse,
			want: Message{
				Present:       serverSet,
				Version:       Version{Major: 10, Minor: 50, Build: 1600},
				Encryption:    EncryptNotSup,
				Instance:      []byte{InstanceMatch},
				ThreadIDEmpty: true,
				MARS:          true,
			},
		},
		{
			file: "server-response-on.hex",
			typ:  tds.PacketResponse,
			want: Message{
				Present:       serverSet,
				Version:       Version{Major: 15, Build: 2000},
				Encryption:    EncryptOn,
				Instance:      []byte{InstanceMatch},
				ThreadIDEmpty: true,
			},
		},
		{
			file: "server-response-req.hex",
			typ:  tds.PacketResponse,
			want: Message{
				Present:       serverSet,
				Version:       Version{Major: 16, Build: 1000},
				Encryption:    EncryptReq,
				Instance:      []byte{InstanceMismatch},
				ThreadIDEmpty: true,
			},
		},
		{
			file: "unknown-options.hex",
			typ:  tds.PacketPrelogin,
			want: Message{
				Present:    HasVersion | HasEncryption,
				Version:    Version{Major: 14},
				Encryption: EncryptOff,
				Unknown: []RawOption{
					{Token: 0x09, Data: []byte{0xAA, 0xBB, 0xCC}},
					{Token: 0x08, Data: []byte{}},
				},
			},
		},
	}
}

// TestGolden decodes each hand-written vector, compares every field with
// the values its comments spell out, and re-encodes it byte for byte.
func TestGolden(t *testing.T) {
	for _, g := range goldenMessages(t) {
		t.Run(g.file, func(t *testing.T) {
			msg := readPacket(t, g.file, g.typ)
			var m Message
			require.NoError(t, m.Decode(msg))
			if diff := cmp.Diff(g.want, m, tdscmp.Options()); diff != "" {
				t.Errorf("Decode mismatch (-want +got):\n%s", diff)
			}
			if !m.Equal(&g.want) {
				t.Errorf("Equal reports a difference cmp does not see:\n got %+v\nwant %+v", m, g.want)
			}
			// Fields of absent options stay zero, and ThreadID is 0
			// when THREADID is empty: Equal ignores both, so check.
			if m.ThreadIDEmpty && m.ThreadID != 0 {
				t.Errorf("ThreadID = %d with an empty THREADID", m.ThreadID)
			}
			if !m.Present.Has(OptionNonce) && m.Nonce != ([NonceLen]byte{}) {
				t.Errorf("Nonce set without NONCEOPT")
			}
			out, err := m.Append(nil)
			require.NoError(t, err)
			if diff := cmp.Diff(msg, out); diff != "" {
				t.Errorf("Append mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeViewsAndReuse(t *testing.T) {
	msg := readPacket(t, "unknown-options.hex", tds.PacketPrelogin)
	m := Message{Unknown: make([]RawOption, 0, 4)}
	if err := m.Decode(msg); err != nil {
		t.Fatal(err)
	}
	// Unknown data is a view into msg, capacity-limited to the option.
	if &m.Unknown[0].Data[0] != &msg[0x1C] {
		t.Errorf("Unknown[0].Data is not a view of the input")
	}
	if cap(m.Unknown[0].Data) != 3 {
		t.Errorf("cap(Unknown[0].Data) = %d, want 3", cap(m.Unknown[0].Data))
	}
	// Decoding a message without unknown options into the same Message
	// clears Unknown and every field of the previous message.
	spec := readPacket(t, "spec-4.1-request.hex", tds.PacketPrelogin)
	if err := m.Decode(spec); err != nil {
		t.Fatal(err)
	}
	if len(m.Unknown) != 0 || cap(m.Unknown) != 4 {
		t.Errorf("Unknown len %d cap %d after reuse, want 0 and 4", len(m.Unknown), cap(m.Unknown))
	}
	if &m.Instance[0] != &spec[0x21] {
		t.Errorf("Instance is not a view of the input")
	}
}

func TestDecodeAllocs(t *testing.T) {
	for _, g := range goldenMessages(t) {
		msg := readPacket(t, g.file, g.typ)
		var m Message
		if err := m.Decode(msg); err != nil { // first decode sizes m.Unknown
			t.Fatal(err)
		}
		n := testing.AllocsPerRun(100, func() {
			if err := m.Decode(msg); err != nil {
				t.Fatal(err)
			}
		})
		if n != 0 {
			t.Errorf("%s: Decode allocates %v times per run, want 0", g.file, n)
		}
	}
}

func TestAppendAllocs(t *testing.T) {
	for _, g := range goldenMessages(t) {
		dst := make([]byte, 0, 512)
		n := testing.AllocsPerRun(100, func() {
			out, err := g.want.Append(dst[:0])
			if err != nil || len(out) == 0 {
				t.Fatal(err)
			}
		})
		if n != 0 {
			t.Errorf("%s: Append allocates %v times per run, want 0", g.file, n)
		}
	}
}

// TestAppendPrefix checks that Append appends after existing bytes and
// counts offsets from the start of the message, not of dst.
func TestAppendPrefix(t *testing.T) {
	msg := readPacket(t, "spec-4.1-request.hex", tds.PacketPrelogin)
	var m Message
	if err := m.Decode(msg); err != nil {
		t.Fatal(err)
	}
	prefix := []byte{0x12, 0x01, 0x00, 0x2F, 0x00, 0x00, 0x01, 0x00}
	out, err := m.Append(prefix)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out[:8], prefix) || !bytes.Equal(out[8:], msg) {
		t.Fatalf("Append after a header:\n got % x\nwant % x % x", out, prefix, msg)
	}
}

func TestRoundTrip(t *testing.T) {
	big := bytes.Repeat([]byte{'x'}, 3000)
	cases := map[string]Message{
		"version only": {Present: HasVersion, Version: Version{Major: 255, Minor: 255, Build: 65535, SubBuild: 65535}},
		"client cert off": {
			Present: HasVersion | HasEncryption, Encryption: EncryptClientCert | EncryptOff,
		},
		"ext bit and thread id": {
			Present: HasVersion | HasEncryption | HasThreadID, Encryption: EncryptExt | EncryptReq, ThreadID: 0xDEADBEEF,
		},
		"long instance": {Present: HasVersion | HasInstOpt, Instance: append(big, 0)},
		"server fedauth 0 and nonce": {
			Present: HasVersion | HasFedAuthRequired | HasNonce, Nonce: [NonceLen]byte{1, 2, 3, 31: 0xFF},
		},
		"trace id": {
			Present: HasVersion | HasTraceID,
			TraceID: TraceID{ConnectionID: [16]byte{1, 15: 2}, ActivityID: [16]byte{3, 15: 4}, ActivitySequence: 0x01020304},
		},
		"unknown only after version": {
			Present: HasVersion,
			Unknown: []RawOption{{Token: 0xFE, Data: []byte("abc")}, {Token: 0x08, Data: nil}, {Token: 0x80, Data: big}},
		},
		"empty thread id": {Present: HasVersion | HasThreadID, ThreadIDEmpty: true, ThreadID: 99},
	}
	for name, m := range cases {
		t.Run(name, func(t *testing.T) {
			b, err := m.Append(nil)
			if err != nil {
				t.Fatalf("Append: %v", err)
			}
			var got Message
			if err := got.Decode(b); err != nil {
				t.Fatalf("Decode(Append(m)): %v", err)
			}
			if !got.Equal(&m) {
				t.Fatalf("round trip:\n got %+v\nwant %+v", got, m)
			}
		})
	}
}

func TestAppendErrors(t *testing.T) {
	huge := make([]byte, 0x10000)
	cases := []struct {
		name string
		m    Message
		err  error
		msg  string
	}{
		{"no version", Message{Present: HasEncryption}, tds.ErrMalformed, "VERSION is required"},
		{"empty instance", Message{Present: HasVersion | HasInstOpt}, tds.ErrMalformed, "INSTOPT is present but empty"},
		{"unknown with defined token", Message{Present: HasVersion, Unknown: []RawOption{{Token: OptionMARS}}}, tds.ErrMalformed, "which is defined"},
		{"unknown terminator", Message{Present: HasVersion, Unknown: []RawOption{{Token: OptionTerminator}}}, tds.ErrMalformed, "which is defined"},
		{"unknown twice", Message{Present: HasVersion, Unknown: []RawOption{{Token: 9}, {Token: 10}, {Token: 9}}}, tds.ErrMalformed, "repeats token Option(0x09)"},
		{"length over 16 bits", Message{Present: HasVersion | HasInstOpt, Instance: huge}, tds.ErrTooLarge, "option INSTOPT"},
		{"offset over 16 bits", Message{Present: HasVersion | HasInstOpt, Instance: huge[:0xFFF0], Unknown: []RawOption{{Token: 8, Data: huge[:100]}}}, tds.ErrTooLarge, "option Option(0x08): offset 65542"},
		{"more unknown options than undefined tokens", Message{Present: HasVersion, Unknown: manyUnknown(300)}, tds.ErrMalformed, "repeats token"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dst := []byte{1, 2, 3}
			out, err := c.m.Append(dst)
			var te *tds.Error
			if !errors.As(err, &te) || !errors.Is(err, c.err) || te.Layer != tds.LayerPrelogin {
				t.Fatalf("Append: err = %v, want a prelogin *tds.Error of class %v", err, c.err)
			}
			if !strings.Contains(err.Error(), c.msg) {
				t.Errorf("error %q does not say %q", err, c.msg)
			}
			if len(out) != 3 || !bytes.Equal(out, []byte{1, 2, 3}) {
				t.Errorf("Append changed dst on error: % x", out)
			}
		})
	}
}

// manyUnknown returns n unknown options; more than 247 must repeat a
// token, since only 0x08-0xFE are undefined.
func manyUnknown(n int) []RawOption {
	u := make([]RawOption, n)
	for i := range u {
		u[i].Token = Option(8 + i%247)
	}
	return u
}

func TestEqual(t *testing.T) {
	base := Message{Present: HasVersion | HasInstOpt | HasThreadID, Instance: []byte{0}, ThreadID: 5}
	same := base
	same.Nonce[0] = 1 // NONCEOPT absent: ignored
	same.MARS = true  // MARS absent: ignored
	if !base.Equal(&same) {
		t.Errorf("fields of absent options should not matter")
	}
	diffs := []func(m *Message){
		func(m *Message) { m.Present |= HasMARS },
		func(m *Message) { m.Version.SubBuild = 1 },
		func(m *Message) { m.Instance = []byte{1} },
		func(m *Message) { m.ThreadID = 6 },
		func(m *Message) { m.ThreadIDEmpty = true },
		func(m *Message) { m.Unknown = []RawOption{{Token: 8}} },
	}
	for i, f := range diffs {
		o := base
		f(&o)
		if base.Equal(&o) || o.Equal(&base) {
			t.Errorf("change %d not detected", i)
		}
	}
	a := Message{Present: HasVersion, Unknown: []RawOption{{Token: 8, Data: []byte{1}}}}
	b := Message{Present: HasVersion, Unknown: []RawOption{{Token: 8, Data: []byte{2}}}}
	c := Message{Present: HasVersion, Unknown: []RawOption{{Token: 9, Data: []byte{1}}}}
	if a.Equal(&b) || a.Equal(&c) {
		t.Errorf("Unknown differences not detected")
	}
	e1 := Message{Present: HasVersion | HasThreadID, ThreadIDEmpty: true, ThreadID: 1}
	e2 := Message{Present: HasVersion | HasThreadID, ThreadIDEmpty: true, ThreadID: 2}
	if !e1.Equal(&e2) {
		t.Errorf("ThreadID should not matter when THREADID is empty")
	}
}

func TestInstanceName(t *testing.T) {
	var m Message
	if _, ok := m.InstanceName(); ok {
		t.Errorf("InstanceName ok without INSTOPT")
	}
	m.SetInstanceName("SQLEXPRESS")
	if !m.Present.Has(OptionInstOpt) || string(m.Instance) != "SQLEXPRESS\x00" {
		t.Fatalf("SetInstanceName: Present %v, Instance %q", m.Present, m.Instance)
	}
	name, ok := m.InstanceName()
	if !ok || string(name) != "SQLEXPRESS" {
		t.Errorf("InstanceName = %q, %v", name, ok)
	}
	// SetInstanceName never writes into the slice held before.
	in := []byte("ABCDEFGH\x00")
	m.Instance = in[:9:9]
	m.SetInstanceName("XY")
	if string(in) != "ABCDEFGH\x00" {
		t.Errorf("SetInstanceName wrote into the previous Instance: %q", in)
	}
	m.SetInstanceName("")
	if name, ok := m.InstanceName(); !ok || len(name) != 0 || !bytes.Equal(m.Instance, []byte{0}) {
		t.Errorf("empty name: Instance % x, InstanceName %q %v", m.Instance, name, ok)
	}
	// A server's verdict byte 0x01 holds no terminator.
	m.Instance = []byte{InstanceMismatch}
	if _, ok := m.InstanceName(); ok {
		t.Errorf("InstanceName ok for a server's 0x01")
	}
}

func TestStrings(t *testing.T) {
	cases := []struct{ got, want string }{
		{Version{Major: 15, Build: 2000, SubBuild: 5}.String(), "15.0.2000.5"},
		{OptionVersion.String(), "VERSION"},
		{OptionEncryption.String(), "ENCRYPTION"},
		{OptionInstOpt.String(), "INSTOPT"},
		{OptionThreadID.String(), "THREADID"},
		{OptionMARS.String(), "MARS"},
		{OptionTraceID.String(), "TRACEID"},
		{OptionFedAuthRequired.String(), "FEDAUTHREQUIRED"},
		{OptionNonce.String(), "NONCEOPT"},
		{OptionTerminator.String(), "TERMINATOR"},
		{Option(0x08).String(), "Option(0x08)"},
		{Option(0xAB).String(), "Option(0xab)"},
		{OptionSet(0).String(), "none"},
		{(HasVersion | HasEncryption | HasMARS).String(), "VERSION|ENCRYPTION|MARS"},
		{OptionSet(0xFF).String(), "VERSION|ENCRYPTION|INSTOPT|THREADID|MARS|TRACEID|FEDAUTHREQUIRED|NONCEOPT"},
		{TraceID{ConnectionID: [16]byte{0x01, 15: 0xFF}, ActivityID: [16]byte{0xAB}, ActivitySequence: 7}.String(),
			"{ConnectionID=010000000000000000000000000000ff ActivityID=ab000000000000000000000000000000 ActivitySequence=7}"},
		{fmt.Sprint(TraceID{}), "{ConnectionID=00000000000000000000000000000000 ActivityID=00000000000000000000000000000000 ActivitySequence=0}"},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
	for o := 0; o < 256; o++ {
		known := o < 8 || o == 0xFF
		if Option(o).Known() != known {
			t.Errorf("Option(0x%02x).Known() = %v", o, !known)
		}
		if OptionSet(0xFF).Has(Option(o)) != (o < 8) {
			t.Errorf("OptionSet(0xFF).Has(0x%02x) wrong", o)
		}
	}
}
