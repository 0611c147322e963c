package prelogin

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/tdswire/tdswire/tds"
)

// TestParserSpecExample walks the option table of [MS-TDS] 4.1 entry by
// entry.
func TestParserSpecExample(t *testing.T) {
	msg := readPacket(t, "spec-4.1-request.hex", tds.PacketPrelogin)
	// The table is 26 bytes (five entries and TERMINATOR): data from 0x1A.
	want := []Entry{
		{0, OptionVersion, 0x1A, []byte{0x09, 0, 0, 0, 0, 0}},
		{5, OptionEncryption, 0x20, []byte{0x01}},
		{10, OptionInstOpt, 0x21, []byte{0x00}},
		{15, OptionThreadID, 0x22, []byte{0xB8, 0x0D, 0, 0}},
		{20, OptionMARS, 0x26, []byte{0x01}},
	}
	var got []Entry
	for e, err := range Entries(msg) {
		if err != nil {
			t.Fatalf("Entries: %v", err)
		}
		got = append(got, e)
	}
	if len(got) != len(want) {
		t.Fatalf("%d entries, want %d: %v", len(got), len(want), got)
	}
	for i, w := range want {
		if g := got[i]; g.At != w.At || g.Token != w.Token || g.Offset != w.Offset || !bytes.Equal(g.Data, w.Data) {
			t.Errorf("entry %d = %v % x, want %v % x", i, g, g.Data, w, w.Data)
		}
	}
	if s := got[0].String(); s != "VERSION@0 -> 26+6" {
		t.Errorf("String = %q", s)
	}
}

func TestEntriesAllocs(t *testing.T) {
	msg := readPacket(t, "client-request-tds74.hex", tds.PacketPrelogin)
	n := testing.AllocsPerRun(100, func() {
		for _, err := range Entries(msg) {
			if err != nil {
				t.Fatal(err)
			}
		}
	})
	if n != 0 {
		t.Errorf("Entries allocates %v times per message, want 0", n)
	}
}

// entry is one hand-described table entry for the error cases.
type entry struct {
	tok      byte
	off, len int
}

// build lays out a PRELOGIN message from table entries and data written
// by the test: the entries as given, a TERMINATOR, then data. It is test
// scaffolding for malformed layouts the encoder refuses to produce.
func build(entries []entry, data ...byte) []byte {
	var b []byte
	for _, e := range entries {
		b = append(b, e.tok, byte(e.off>>8), byte(e.off), byte(e.len>>8), byte(e.len))
	}
	b = append(b, 0xFF)
	return append(b, data...)
}

// v6 is a six-byte VERSION's data, 9.0.0.0.
var v6 = []byte{9, 0, 0, 0, 0, 0}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// TestDecodeErrors feeds malformed messages to Decode and checks the error
// class, the offset of the offending entry (or data byte) and the message.
func TestDecodeErrors(t *testing.T) {
	cases := []struct {
		name string
		in   []byte
		err  error
		off  int64
		msg  string
	}{
		{"empty input", nil, tds.ErrTruncated, 0, "without a TERMINATOR"},
		{"table runs out without terminator", []byte{0, 0, 6, 0, 6}, tds.ErrTruncated, 5, "without a TERMINATOR"},
		{"partial entry", []byte{0, 0, 6}, tds.ErrTruncated, 0, "needs 5 bytes, have 3"},
		{"partial second entry", []byte{0, 0, 11, 0, 6, 1, 0}, tds.ErrTruncated, 5, "needs 5 bytes, have 2"},
		{"empty table", []byte{0xFF}, tds.ErrMalformed, 0, "option table is empty"},
		{"version not first", build([]entry{{1, 11, 1}, {0, 12, 6}}, cat([]byte{0}, v6)...), tds.ErrMalformed, 0, "first option is ENCRYPTION"},
		{"data past end", build([]entry{{0, 6, 6}}, 9, 0, 0), tds.ErrTruncated, 0, "6 bytes of data at PL_OFFSET 6 run past the end of the 9-byte message"},
		{"offset far past end", build([]entry{{0, 0xFFFF, 6}}, v6...), tds.ErrTruncated, 0, "run past the end"},
		{"data inside table", build([]entry{{0, 11, 6}, {1, 2, 1}}, cat(v6, []byte{0})...), tds.ErrMalformed, 5, "lies inside the option table, which ends at 11"},
		{"data overlaps previous", build([]entry{{0, 11, 6}, {1, 16, 1}}, cat(v6, []byte{0})...), tds.ErrMalformed, 5, "overlaps or precedes the previous option's data, which ends at 17"},
		{"data out of table order", build([]entry{{0, 12, 6}, {1, 11, 1}}, cat([]byte{0}, v6)...), tds.ErrMalformed, 5, "overlaps or precedes"},
		{"empty option offset past end", build([]entry{{0, 11, 6}, {3, 200, 0}}, v6...), tds.ErrMalformed, 5, "PL_OFFSET 200 is past the end of the 17-byte message"},
		{"duplicate defined option", build([]entry{{0, 16, 6}, {1, 22, 1}, {0, 23, 6}}, cat(v6, []byte{0}, v6)...), tds.ErrMalformed, 10, "option VERSION appears twice"},
		{"duplicate unknown option", build([]entry{{0, 16, 6}, {0x42, 22, 1}, {0x42, 23, 1}}, cat(v6, []byte{1, 2})...), tds.ErrMalformed, 10, "option Option(0x42) appears twice"},
		{"version too short", build([]entry{{0, 6, 5}}, 9, 0, 0, 0, 0), tds.ErrMalformed, 0, "VERSION has PL_OPTION_LENGTH 5, want 6"},
		{"version too long", build([]entry{{0, 6, 7}}, cat(v6, []byte{0})...), tds.ErrMalformed, 0, "want 6"},
		{"encryption two bytes", build([]entry{{0, 11, 6}, {1, 17, 2}}, cat(v6, []byte{0, 0})...), tds.ErrMalformed, 5, "ENCRYPTION has PL_OPTION_LENGTH 2, want 1"},
		{"encryption empty", build([]entry{{0, 11, 6}, {1, 17, 0}}, v6...), tds.ErrMalformed, 5, "ENCRYPTION has PL_OPTION_LENGTH 0"},
		{"instopt empty", build([]entry{{0, 11, 6}, {2, 17, 0}}, v6...), tds.ErrMalformed, 5, "INSTOPT is empty"},
		{"threadid three bytes", build([]entry{{0, 11, 6}, {3, 17, 3}}, cat(v6, []byte{1, 2, 3})...), tds.ErrMalformed, 5, "THREADID has PL_OPTION_LENGTH 3, want 4"},
		{"mars empty", build([]entry{{0, 11, 6}, {4, 17, 0}}, v6...), tds.ErrMalformed, 5, "MARS has PL_OPTION_LENGTH 0, want 1"},
		{"mars value 2", build([]entry{{0, 11, 6}, {4, 17, 1}}, cat(v6, []byte{2})...), tds.ErrMalformed, 17, "B_MARS is 0x02"},
		{"traceid 35 bytes", build([]entry{{0, 11, 6}, {5, 17, 35}}, cat(v6, make([]byte, 35))...), tds.ErrMalformed, 5, "TRACEID has PL_OPTION_LENGTH 35, want 36"},
		{"fedauthrequired value 0x10", build([]entry{{0, 11, 6}, {6, 17, 1}}, cat(v6, []byte{0x10})...), tds.ErrMalformed, 17, "B_FEDAUTHREQUIRED is 0x10"},
		{"nonce 31 bytes", build([]entry{{0, 11, 6}, {7, 17, 31}}, cat(v6, make([]byte, 31))...), tds.ErrMalformed, 5, "NONCEOPT has PL_OPTION_LENGTH 31, want 32"},
		{"nonce 33 bytes", build([]entry{{0, 11, 6}, {7, 17, 33}}, cat(v6, make([]byte, 33))...), tds.ErrMalformed, 5, "want 32"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var m Message
			err := m.Decode(c.in)
			var te *tds.Error
			if !errors.As(err, &te) {
				t.Fatalf("Decode(% x) = %v, want a *tds.Error", c.in, err)
			}
			if !errors.Is(err, c.err) || te.Layer != tds.LayerPrelogin || te.Offset != c.off {
				t.Errorf("Decode: %v (layer %q, offset %d); want class %v at offset %d", err, te.Layer, te.Offset, c.err, c.off)
			}
			if !strings.Contains(te.Msg, c.msg) {
				t.Errorf("message %q does not say %q", te.Msg, c.msg)
			}
		})
	}
}

// TestDecodeLeniencies checks the inputs Decode accepts on purpose.
func TestDecodeLeniencies(t *testing.T) {
	cases := []struct {
		name  string
		in    []byte
		check func(t *testing.T, m *Message)
	}{
		{
			"gap between option data",
			build([]entry{{0, 13, 6}, {1, 21, 1}}, cat([]byte{0xEE, 0xEE}, v6, []byte{0xEE, 0xEE, 1})...),
			func(t *testing.T, m *Message) {
				if m.Version.Major != 9 || m.Encryption != EncryptOn {
					t.Errorf("got %+v", m)
				}
			},
		},
		{
			"trailing bytes after the data",
			build([]entry{{0, 6, 6}}, cat(v6, []byte{1, 2, 3})...),
			func(t *testing.T, m *Message) {
				if m.Present != HasVersion {
					t.Errorf("Present = %v", m.Present)
				}
			},
		},
		{
			"empty option anywhere before the data",
			build([]entry{{0, 11, 6}, {3, 0, 0}}, v6...),
			func(t *testing.T, m *Message) {
				if !m.ThreadIDEmpty || !m.Present.Has(OptionThreadID) {
					t.Errorf("THREADID not recorded as empty: %+v", m)
				}
			},
		},
		{
			"undefined encryption bits",
			build([]entry{{0, 11, 6}, {1, 17, 1}}, cat(v6, []byte{0x47})...),
			func(t *testing.T, m *Message) {
				if m.Encryption != 0x47 || m.Encryption.Valid() {
					t.Errorf("Encryption = %v", m.Encryption)
				}
			},
		},
		{
			"instance name without terminator",
			build([]entry{{0, 11, 6}, {2, 17, 2}}, cat(v6, []byte("AB"))...),
			func(t *testing.T, m *Message) {
				if string(m.Instance) != "AB" {
					t.Errorf("Instance = %q", m.Instance)
				}
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var m Message
			if err := m.Decode(c.in); err != nil {
				t.Fatalf("Decode: %v", err)
			}
			c.check(t, &m)
		})
	}
}
