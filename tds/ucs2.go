package tds

import (
	"encoding/binary"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// UCS2 is a view of a string as TDS carries it: UTF-16 code units,
// little-endian, with no terminator ([MS-TDS] 2.2.5.1.2, "US_VARCHAR" and
// the B_VARCHAR family). Decoders return UCS2 views into their input so that
// no string is allocated until the caller asks for one with String.
//
// A UCS2 view of odd length is never produced by tdswire's decoders; if one
// is built by hand, the final byte is ignored.
type UCS2 []byte

// String decodes s into a Go string (UTF-8). Unpaired surrogates become
// U+FFFD. It allocates the result, once: the UTF-8 size is counted first,
// and the text is encoded through a small stack buffer into a
// strings.Builder of exactly that size.
func (s UCS2) String() string {
	n := len(s) / 2
	size := 0
	for i := 0; i < n; i++ {
		switch u := uint16(s[2*i]) | uint16(s[2*i+1])<<8; {
		case u < 0x80:
			size++
		case u < 0x800:
			size += 2
		default:
			size += 3 // a surrogate pair (two units) takes 4 bytes, U+FFFD 3
		}
	}
	var b strings.Builder
	b.Grow(size)
	var chunk [256]byte
	c := chunk[:0]
	for i := 0; i < n; i++ {
		if len(c) > len(chunk)-utf8.UTFMax {
			b.Write(c)
			c = c[:0]
		}
		r := rune(uint16(s[2*i]) | uint16(s[2*i+1])<<8)
		if r < utf8.RuneSelf {
			c = append(c, byte(r))
			continue
		}
		if utf16.IsSurrogate(r) {
			if r < 0xDC00 && i+1 < n {
				r2 := rune(uint16(s[2*i+2]) | uint16(s[2*i+3])<<8)
				if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
					c = utf8.AppendRune(c, d)
					i++
					continue
				}
			}
			r = utf8.RuneError
		}
		c = utf8.AppendRune(c, r)
	}
	b.Write(c)
	return b.String()
}

// AppendUTF8 appends s decoded to UTF-8 to dst, as String decodes it
// (unpaired surrogates become U+FFFD), and returns the extended slice. It
// allocates only when dst must grow, so that a caller can gather several
// values into one buffer and make one string of them. Runs of ASCII are
// copied four code units at a time.
func (s UCS2) AppendUTF8(dst []byte) []byte {
	n := len(s) &^ 1
	for i := 0; i < n; {
		if i+8 <= n {
			if w := binary.LittleEndian.Uint64(s[i:]); w&0xFF80FF80FF80FF80 == 0 {
				dst = append(dst, byte(w), byte(w>>16), byte(w>>32), byte(w>>48))
				i += 8
				continue
			}
		}
		r := rune(uint16(s[i]) | uint16(s[i+1])<<8)
		i += 2
		if r < utf8.RuneSelf {
			dst = append(dst, byte(r))
			continue
		}
		if utf16.IsSurrogate(r) {
			if r < 0xDC00 && i+2 <= n {
				if d := utf16.DecodeRune(r, rune(uint16(s[i])|uint16(s[i+1])<<8)); d != utf8.RuneError {
					dst = utf8.AppendRune(dst, d)
					i += 2
					continue
				}
			}
			r = utf8.RuneError
		}
		dst = utf8.AppendRune(dst, r)
	}
	return dst
}

// Len returns the number of UTF-16 code units in s, the unit in which TDS
// counts string lengths.
func (s UCS2) Len() int { return len(s) / 2 }

// Equal reports whether s holds the same text as the Go string t, without
// allocating.
func (s UCS2) Equal(t string) bool {
	i := 0
	for _, r := range t {
		var units [2]uint16
		n := 1
		units[0] = uint16(r)
		if r >= 0x10000 {
			r1, r2 := utf16.EncodeRune(r)
			units[0], units[1], n = uint16(r1), uint16(r2), 2
		}
		for k := 0; k < n; k++ {
			if i+2 > len(s) || uint16(s[i])|uint16(s[i+1])<<8 != units[k] {
				return false
			}
			i += 2
		}
	}
	return i == len(s)&^1
}

// AppendUCS2 appends the UTF-16LE encoding of s to dst, as TDS carries
// strings, and returns the extended slice. Invalid UTF-8 bytes are encoded
// as U+FFFD.
func AppendUCS2(dst []byte, s string) []byte {
	for _, r := range s {
		if r >= 0x10000 {
			r1, r2 := utf16.EncodeRune(r)
			dst = append(dst, byte(r1), byte(r1>>8), byte(r2), byte(r2>>8))
			continue
		}
		dst = append(dst, byte(r), byte(r>>8))
	}
	return dst
}

// UCS2Len returns the number of UTF-16 code units AppendUCS2 writes for s:
// half the number of bytes. Encoders use it to compute length fields before
// appending.
func UCS2Len(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r >= 0x10000 {
			n++
		}
	}
	return n
}
