package ntlm

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestAVPairsGolden(t *testing.T) {
	// TargetInfo of the 4.2.4.3 CHALLENGE_MESSAGE, bytes 0x44..0x68.
	info := AVPairs(readHex(t, "challenge-4.2.4.3.hex")[0x44:])
	var got []AVPair
	for p, err := range info.All() {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, p)
	}
	if n, err := info.Validate(); err != nil || n != 36 {
		t.Fatalf("Validate: %d, %v", n, err)
	}
	if len(got) != 2 || got[0].ID != MsvAvNbDomainName || got[0].Text() != "Domain" ||
		got[1].ID != MsvAvNbComputerName || got[1].Text() != "Server" {
		t.Errorf("pairs %+v", got)
	}
	// The appenders write the same bytes.
	b := noErr(t)(AppendAVPairString(nil, MsvAvNbDomainName, "Domain"))
	b = noErr(t)(AppendAVPairString(b, MsvAvNbComputerName, "Server"))
	b = AppendAVEOL(b)
	if !bytes.Equal(b, info) {
		t.Errorf("appended % x, want % x", b, info)
	}
	if v, ok := info.Lookup(MsvAvNbComputerName); !ok || decodeUTF16(v) != "Server" {
		t.Errorf("Lookup: %q %v", v, ok)
	}
	if _, ok := info.Lookup(MsvAvTimestamp); ok {
		t.Error("Lookup found a timestamp")
	}
	if _, ok := info.Timestamp(); ok || info.Flags() != 0 {
		t.Error("Timestamp or Flags on a list without them")
	}
	if n, err := info.Validate(); n != 36 || err != nil {
		t.Errorf("Validate = %d, %v", n, err)
	}
}

func TestAVPairAppenders(t *testing.T) {
	b := AppendAVPairUint32(nil, MsvAvFlags, AvFlagMICPresent|AvFlagUntrustedSPN)
	b = AppendAVPairFileTime(b, MsvAvTimestamp, 0x01d9a1b2c3d4e5f6)
	b = noErr(t)(AppendAVPair(b, MsvAvChannelBindings, make([]byte, 16)))
	b = AppendAVEOL(b)
	want := []byte{
		0x06, 0x00, 0x04, 0x00, 0x06, 0x00, 0x00, 0x00, // MsvAvFlags 0x6
		0x07, 0x00, 0x08, 0x00, 0xf6, 0xe5, 0xd4, 0xc3, 0xb2, 0xa1, 0xd9, 0x01, // MsvAvTimestamp
		0x0a, 0x00, 0x10, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // MsvAvChannelBindings Z(16)
		0x00, 0x00, 0x00, 0x00, // MsvAvEOL
	}
	if !bytes.Equal(b, want) {
		t.Fatalf("% x\nwant\n% x", b, want)
	}
	l := AVPairs(b)
	if l.Flags() != 6 {
		t.Errorf("Flags = %#x", l.Flags())
	}
	if ts, ok := l.Timestamp(); !ok || ts != 0x01d9a1b2c3d4e5f6 {
		t.Errorf("Timestamp = %#x %v", ts, ok)
	}
	if _, ok := (AVPair{Value: []byte{1}}).Uint32(); ok {
		t.Error("Uint32 of 1 byte")
	}
	if _, ok := (AVPair{Value: []byte{1}}).FileTime(); ok {
		t.Error("FileTime of 1 byte")
	}
	// Over-long values are refused, dst unchanged, at the offset where the
	// pair would have gone; the longest value AvLen can carry is accepted.
	prefix := []byte{1, 2, 3}
	if got, err := AppendAVPair(prefix, MsvAvTargetName, make([]byte, 0x10000)); !errors.Is(err, ErrTooLarge) || !bytes.Equal(got, prefix) {
		t.Errorf("65536-byte value: % x, %v", got[:min(len(got), 8)], err)
	} else if e := err.(*Error); e.Offset != 3 {
		t.Errorf("65536-byte value: offset %d, want 3", e.Offset)
	}
	if got, err := AppendAVPair(nil, MsvAvTargetName, make([]byte, 0xffff)); err != nil || len(got) != 4+0xffff || le16(got[2:]) != 0xffff {
		t.Errorf("65535-byte value: %d bytes, %v", len(got), err)
	}
	// 32768 ASCII characters are 65536 UTF-16 bytes; 32767 fit, with an
	// odd count of code units no longer cut in half.
	if got, err := AppendAVPairString(prefix, MsvAvTargetName, strings.Repeat("a", 0x8000)); !errors.Is(err, ErrTooLarge) || !bytes.Equal(got, prefix) {
		t.Errorf("32768-character name: %d bytes, %v", len(got), err)
	} else if e := err.(*Error); e.Offset != 3 {
		t.Errorf("32768-character name: offset %d, want 3", e.Offset)
	}
	if got, err := AppendAVPairString(nil, MsvAvTargetName, strings.Repeat("a", 0x7fff)); err != nil || le16(got[2:]) != 0xfffe {
		t.Errorf("32767-character name: %d bytes, %v", len(got), err)
	}
	// 16384 characters outside the BMP are 65536 bytes of surrogate pairs.
	if _, err := AppendAVPairString(nil, MsvAvTargetName, strings.Repeat("\U0001F600", 0x4000)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("16384 supplementary characters: %v", err)
	}
	// A name outside the BMP takes a surrogate pair.
	if got := noErr(t)(AppendAVPairString(nil, MsvAvTargetName, "\U0001F600")); !bytes.Equal(got, []byte{9, 0, 4, 0, 0x3d, 0xd8, 0x00, 0xde}) {
		t.Errorf("surrogates: % x", got)
	}
}

func TestAVPairsErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		b    []byte
		want error
		off  int64
	}{
		{"no EOL", []byte{1, 0, 2, 0, 'A', 0}, ErrTruncated, 6},
		{"short header", []byte{1, 0, 0}, ErrTruncated, 0},
		{"overrun", []byte{1, 0, 9, 0, 'A', 0}, ErrTruncated, 2},
		{"EOL with value", []byte{0, 0, 1, 0, 0}, ErrMalformed, 2},
	} {
		_, err := AVPairs(tc.b).Validate()
		var e *Error
		if !errors.Is(err, tc.want) || !errors.As(err, &e) || e.Offset != tc.off {
			t.Errorf("%s: %v, want %v at %d", tc.name, err, tc.want, tc.off)
		}
	}
	if n, err := AVPairs(nil).Validate(); n != 0 || err != nil {
		t.Errorf("empty list: %d %v", n, err)
	}
	// Iteration stops for good after an error.
	n := 0
	for p, err := range (AVPairs{1, 0, 9, 0}).All() {
		n++
		if err == nil {
			t.Errorf("All yielded %v on overrun", p)
		}
	}
	if n != 1 {
		t.Errorf("All yielded %d times on overrun, want once (the error)", n)
	}
}

func TestAVIDString(t *testing.T) {
	if MsvAvChannelBindings.String() != "MsvAvChannelBindings" || MsvAvEOL.String() != "MsvAvEOL" {
		t.Error(MsvAvChannelBindings.String(), MsvAvEOL.String())
	}
	if got := AVID(0x1234).String(); got != "AvId(0x1234)" {
		t.Error(got)
	}
}

func TestSingleHostData(t *testing.T) {
	// Single_Host_Data of [MS-NLMP] 2.2.2.2, written by hand: Size 48,
	// Z4, CustomData 01..08, MachineID 0x20..0x3f, then 4 bytes that MUST
	// be ignored.
	b := []byte{0x30, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8}
	for i := 0x20; i < 0x40; i++ {
		b = append(b, byte(i))
	}
	var d SingleHostData
	if err := d.Decode(append(b, 9, 9, 9, 9)); err != nil {
		t.Fatal(err)
	}
	if d.Size != 48 || d.CustomData != [8]byte{1, 2, 3, 4, 5, 6, 7, 8} || d.MachineID[0] != 0x20 || d.MachineID[31] != 0x3f {
		t.Errorf("%+v", d)
	}
	if got := d.Append(nil); !bytes.Equal(got, b) {
		t.Errorf("Append = % x", got)
	}
	if err := d.Decode(b[:47]); !errors.Is(err, ErrTruncated) {
		t.Errorf("short: %v", err)
	}
}

func TestAVPairString(t *testing.T) {
	name := noErr(t)(AppendAVPairString(nil, MsvAvNbDomainName, "CONTOSO"))
	for _, c := range []struct {
		p    AVPair
		want string
	}{
		{AVPair{ID: MsvAvNbDomainName, Value: name[4:]}, `MsvAvNbDomainName="CONTOSO"`},
		{AVPair{ID: MsvAvFlags, Value: []byte{2, 0, 0, 0}}, "MsvAvFlags=0x00000002"},
		{AVPair{ID: MsvAvTimestamp, Value: make([]byte, 8)}, "MsvAvTimestamp=8 bytes"},
	} {
		if got := c.p.String(); got != c.want {
			t.Errorf("String %q, want %q", got, c.want)
		}
	}
}
