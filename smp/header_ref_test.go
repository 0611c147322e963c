package smp

import (
	"encoding/binary"
	"errors"
	"testing"
)

// refDecode is Header.Decode's rules of [MC-SMP] 2.2 written as a plain
// sequence of checks (the form Decode had before its checks were merged
// into one fast path): the reference TestDecodeMatchesReference holds the
// fast path to.
func refDecode(b []byte) (Header, error, int64) {
	if len(b) < HeaderLen {
		return Header{}, ErrTruncated, int64(len(b))
	}
	if b[0] != SMID {
		return Header{}, ErrMalformed, 0
	}
	f := Flags(b[1])
	if !f.Valid() {
		return Header{}, ErrMalformed, 1
	}
	n := binary.LittleEndian.Uint32(b[4:8])
	if n < HeaderLen {
		return Header{}, ErrMalformed, 4
	}
	if f != FlagDATA && n != HeaderLen {
		return Header{}, ErrMalformed, 4
	}
	return Header{
		Flags:  f,
		SID:    binary.LittleEndian.Uint16(b[2:4]),
		Length: n,
		SeqNum: binary.LittleEndian.Uint32(b[8:12]),
		Wndw:   binary.LittleEndian.Uint32(b[12:16]),
	}, nil, 0
}

// TestDecodeMatchesReference runs Decode and refDecode over every FLAGS
// byte, both SMID outcomes, LENGTH values around the limits and short
// inputs, and requires the same header, error class and offset, with h
// unchanged on error.
func TestDecodeMatchesReference(t *testing.T) {
	lengths := []uint32{0, 1, 15, 16, 17, 100, 0x7FFFFFFF, 0xFFFFFFFF}
	for _, smid := range []byte{SMID, 0x52} {
		for f := 0; f < 256; f++ {
			for _, n := range lengths {
				b := []byte{smid, byte(f), 0x34, 0x12, 0, 0, 0, 0, 9, 0, 0, 0, 4, 0, 0, 1}
				binary.LittleEndian.PutUint32(b[4:], n)
				for _, in := range [][]byte{b, b[:HeaderLen-1], b[:1]} {
					want, wantErr, wantOff := refDecode(in)
					h := Header{Flags: FlagFIN, SID: 77}
					err := h.Decode(in)
					if wantErr == nil {
						if err != nil || h != want {
							t.Fatalf("Decode(% x) = %+v, %v; want %+v", in, h, err, want)
						}
						continue
					}
					var e *Error
					if !errors.As(err, &e) || !errors.Is(err, wantErr) || e.Offset != wantOff {
						t.Fatalf("Decode(% x) = %v; want %v at offset %d", in, err, wantErr, wantOff)
					}
					if h != (Header{Flags: FlagFIN, SID: 77}) {
						t.Fatalf("Decode(% x) changed h to %+v on error", in, h)
					}
				}
			}
		}
	}
}
