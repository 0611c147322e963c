package smp

import (
	"bytes"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tdswire/tdswire/tds/tdstest"
)

// goldenHeaders lists the hand-written vectors in testdata/ with the values
// their sources (the seed trace and [MC-SMP] section 4) give.
var goldenHeaders = []struct {
	file   string
	want   Header
	trace  string
	dataLn int
}{
	{"testdata/syn.hex", Header{Flags: FlagSYN, SID: 0, Length: 16, SeqNum: 0, Wndw: 4},
		"SMP:SYN, Sid = 0, Length = 16, SeqNum = 0, Wndw = 4", 0},
	{"testdata/ack.hex", Header{Flags: FlagACK, SID: 0, Length: 16, SeqNum: 34, Wndw: 40},
		"SMP:ACK, Sid = 0, Length = 16, SeqNum = 34, Wndw = 40", 0},
	{"testdata/ack-spec.hex", Header{Flags: FlagACK, SID: 5, Length: 16, SeqNum: 0x10, Wndw: 0x12},
		"SMP:ACK, Sid = 5, Length = 16, SeqNum = 16, Wndw = 18", 0},
	{"testdata/data.hex", Header{Flags: FlagDATA, SID: 5, Length: 96, SeqNum: 1, Wndw: 4},
		"SMP:DATA, Sid = 5, Length = 96, SeqNum = 1, Wndw = 4", 80},
	{"testdata/fin.hex", Header{Flags: FlagFIN, SID: 5, Length: 16, SeqNum: 0x23, Wndw: 0x13},
		"SMP:FIN, Sid = 5, Length = 16, SeqNum = 35, Wndw = 19", 0},
}

func TestHeaderGolden(t *testing.T) {
	for _, g := range goldenHeaders {
		t.Run(g.file, func(t *testing.T) {
			b := tdstest.ReadHex(t, g.file)
			var h Header
			require.NoError(t, h.Decode(b))
			if diff := cmp.Diff(g.want, h); diff != "" {
				t.Errorf("Decode mismatch (-want +got):\n%s", diff)
			}
			assert.Equal(t, g.trace, h.String())
			if diff := cmp.Diff(b[:HeaderLen], h.Append(nil)); diff != "" {
				t.Errorf("Append mismatch (-want +got):\n%s", diff)
			}
			var p Header
			data, err := p.DecodePacket(b)
			require.NoError(t, err, "DecodePacket")
			if diff := cmp.Diff(g.want, p); diff != "" {
				t.Errorf("DecodePacket mismatch (-want +got):\n%s", diff)
			}
			assert.Len(t, data, g.dataLn, "DecodePacket data")
			pkt, err := g.want.AppendPacket([]byte{0xee}, data)
			if err != nil {
				t.Fatalf("AppendPacket: %v", err)
			}
			if pkt[0] != 0xee || !bytes.Equal(pkt[1:], b) {
				t.Errorf("AppendPacket = % x, want ee % x", pkt, b)
			}
		})
	}
}

// TestDataPayload checks the DATA view of the [MC-SMP] 4.3 packet: it is
// the TDS SQLBatch packet whose own header says 80 bytes.
func TestDataPayload(t *testing.T) {
	b := tdstest.ReadHex(t, "testdata/data.hex")
	var h Header
	data, err := h.DecodePacket(b)
	if err != nil {
		t.Fatal(err)
	}
	if h.DataLen() != 80 || len(data) != 80 {
		t.Fatalf("DataLen %d, len(data) %d, want 80", h.DataLen(), len(data))
	}
	if data[0] != 0x01 || data[3] != 0x50 {
		t.Errorf("DATA starts % x, want a TDS SQLBatch header of length 0x50", data[:8])
	}
	if &data[0] != &b[HeaderLen] {
		t.Error("DecodePacket copied the DATA field instead of returning a view")
	}
}

func TestHeaderErrors(t *testing.T) {
	syn := []byte{0x53, 0x01, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0}
	mod := func(i int, v byte) []byte {
		b := append([]byte(nil), syn...)
		b[i] = v
		return b
	}
	tests := []struct {
		name   string
		in     []byte
		class  error
		offset int64
	}{
		{"empty", nil, ErrTruncated, 0},
		{"short header", syn[:15], ErrTruncated, 15},
		{"wrong SMID", mod(0, 0x54), ErrMalformed, 0},
		{"TDS packet instead of SMP", mod(0, 0x12), ErrMalformed, 0},
		{"no flag", mod(1, 0x00), ErrMalformed, 1},
		{"ACK plus FIN", mod(1, 0x06), ErrMalformed, 1},
		{"SYN plus DATA", mod(1, 0x09), ErrMalformed, 1},
		{"undefined flag", mod(1, 0x10), ErrMalformed, 1},
		{"LENGTH below 16", mod(4, 15), ErrMalformed, 4},
		{"LENGTH zero", mod(4, 0), ErrMalformed, 4},
		{"SYN carrying data", mod(4, 17), ErrMalformed, 4},
		{"ACK carrying data", func() []byte { b := mod(1, 0x02); b[5] = 1; return b }(), ErrMalformed, 4},
		{"FIN carrying data", func() []byte { b := mod(1, 0x04); b[7] = 1; return b }(), ErrMalformed, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := Header{SID: 77}
			err := h.Decode(tt.in)
			if !errors.Is(err, tt.class) {
				t.Fatalf("Decode err = %v, want class %v", err, tt.class)
			}
			var e *Error
			if !errors.As(err, &e) || e.Offset != tt.offset {
				t.Fatalf("Decode err = %#v, want *Error at offset %d", err, tt.offset)
			}
			if h != (Header{SID: 77}) {
				t.Errorf("failed Decode changed h to %+v", h)
			}
		})
	}
}

func TestDecodePacketLength(t *testing.T) {
	b := tdstest.ReadHex(t, "testdata/data.hex")
	var h Header
	if _, err := h.DecodePacket(b[:len(b)-1]); !errors.Is(err, ErrTruncated) {
		t.Errorf("packet one byte short: err = %v, want ErrTruncated", err)
	}
	long := append(append([]byte(nil), b...), 0)
	_, err := h.DecodePacket(long)
	var e *Error
	if !errors.Is(err, ErrMalformed) || !errors.As(err, &e) || e.Offset != 96 {
		t.Errorf("packet one byte long: err = %v, want ErrMalformed at offset 96", err)
	}
	syn := tdstest.ReadHex(t, "testdata/syn.hex")
	if _, err := h.DecodePacket(append(syn, 0)); !errors.Is(err, ErrMalformed) {
		t.Errorf("SYN followed by a byte: err = %v, want ErrMalformed", err)
	}
}

func TestFlagsString(t *testing.T) {
	for f, want := range map[Flags]string{FlagSYN: "SYN", FlagACK: "ACK", FlagFIN: "FIN", FlagDATA: "DATA", 0x06: "0x06", 0xff: "0xff", 0: "0x00"} {
		if got := f.String(); got != want {
			t.Errorf("Flags(%#x).String() = %q, want %q", uint8(f), got, want)
		}
		if got := f.Valid(); got != (want[0] != '0') {
			t.Errorf("Flags(%#x).Valid() = %v", uint8(f), got)
		}
	}
}

func TestHeaderWrapAroundFields(t *testing.T) {
	h := Header{Flags: FlagDATA, SID: 0xffff, SeqNum: 0xffffffff, Wndw: 0x80000001}
	pkt, err := h.AppendPacket(nil, []byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	want := []byte{0x53, 0x08, 0xff, 0xff, 17, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x01, 0, 0, 0x80, 'x'}
	if !bytes.Equal(pkt, want) {
		t.Fatalf("AppendPacket = % x, want % x", pkt, want)
	}
	var g Header
	data, err := g.DecodePacket(pkt)
	h.Length = 17
	if err != nil || g != h || string(data) != "x" {
		t.Fatalf("DecodePacket = %+v %q %v, want %+v", g, data, err, h)
	}
}

func TestHeaderAllocs(t *testing.T) {
	b := tdstest.ReadHex(t, "testdata/data.hex")
	buf := make([]byte, 0, 256)
	var h Header
	n := testing.AllocsPerRun(100, func() {
		if err := h.Decode(b); err != nil {
			t.Fatal(err)
		}
		if _, err := h.DecodePacket(b); err != nil {
			t.Fatal(err)
		}
		buf = h.Append(buf[:0])
		buf, _ = h.AppendPacket(buf[:0], b[HeaderLen:])
	})
	if n != 0 {
		t.Errorf("header decode/encode allocates %v times per run, want 0", n)
	}
}
