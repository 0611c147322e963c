package tds

import (
	"encoding/binary"
	"slices"
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
// U+FFFD. It allocates the result, once, of exactly its size: a short
// text is decoded into a stack buffer and copied out; a longer one has its
// UTF-8 size counted first and is decoded in pieces into a
// strings.Builder of that size.
func (s UCS2) String() string {
	if len(s) <= 2*stackUnits {
		var buf [3 * stackUnits]byte
		return string(s.AppendUTF8(buf[:0]))
	}
	var b strings.Builder
	b.Grow(s.utf8Len())
	var chunk [3 * stackUnits]byte
	for rest := s[:len(s)&^1]; len(rest) > 0; {
		p := rest
		if len(p) > 2*stackUnits {
			p = p[:2*stackUnits]
			// Keep a surrogate pair in one piece: a high surrogate that
			// ends the piece moves to the next one.
			if u := p[len(p)-1]; u >= 0xD8 && u < 0xDC {
				p = p[:len(p)-2]
			}
		}
		b.Write(p.AppendUTF8(chunk[:0]))
		rest = rest[len(p):]
	}
	return b.String()
}

// stackUnits is the number of code units String decodes through a stack
// buffer (at most 3 bytes of UTF-8 each).
const stackUnits = 128

// asciiMask selects the bits that are zero in four code units below
// U+0080.
const asciiMask = 0xFF80FF80FF80FF80

// utf8Len returns the size in bytes of s decoded to UTF-8, as AppendUTF8
// decodes it.
func (s UCS2) utf8Len() int {
	n := len(s) &^ 1
	size := 0
	i := 0
	for i < n {
		if i+8 <= n && binary.LittleEndian.Uint64(s[i:])&asciiMask == 0 {
			size += 4
			i += 8
			continue
		}
		switch u := uint16(s[i]) | uint16(s[i+1])<<8; {
		case u < 0x80:
			size++
		case u < 0x800:
			size += 2
		case u >= 0xD800 && u < 0xDC00 && i+4 <= n:
			if v := uint16(s[i+2]) | uint16(s[i+3])<<8; v >= 0xDC00 && v < 0xE000 {
				size += 4 // a surrogate pair
				i += 2
			} else {
				size += 3 // U+FFFD
			}
		default:
			size += 3 // U+0800 and above, or U+FFFD for an unpaired surrogate
		}
		i += 2
	}
	return size
}

// pack4 returns the four code units of w, each below U+0080, as four
// bytes in the low 32 bits.
func pack4(w uint64) uint64 {
	w = (w | w>>8) & 0x0000FFFF0000FFFF
	return (w | w>>16) & 0xFFFFFFFF
}

// AppendUTF8 appends s decoded to UTF-8 to dst, as String decodes it
// (unpaired surrogates become U+FFFD), and returns the extended slice. It
// allocates only when dst must grow, so that a caller can gather several
// values into one buffer and make one string of them. Runs of ASCII are
// converted eight code units (two word loads, one 8-byte store) at a time,
// then four.
func (s UCS2) AppendUTF8(dst []byte) []byte {
	n := len(s) &^ 1
	if cap(dst)-len(dst) < n/2 {
		dst = slices.Grow(dst, n/2) // the size when s is all ASCII
	}
	i := 0
	for i < n {
		if i+16 <= n {
			w0 := binary.LittleEndian.Uint64(s[i:])
			w1 := binary.LittleEndian.Uint64(s[i+8:])
			if (w0|w1)&asciiMask == 0 {
				dst = binary.LittleEndian.AppendUint64(dst, pack4(w0)|pack4(w1)<<32)
				i += 16
				continue
			}
		}
		if i+8 <= n {
			if w := binary.LittleEndian.Uint64(s[i:]); w&asciiMask == 0 {
				dst = binary.LittleEndian.AppendUint32(dst, uint32(pack4(w)))
				i += 8
				continue
			}
		}
		r := rune(uint16(s[i]) | uint16(s[i+1])<<8)
		i += 2
		switch {
		case r < utf8.RuneSelf:
			dst = append(dst, byte(r))
			continue
		case r < 0x800:
			dst = append(dst, byte(0xC0|r>>6), byte(0x80|r&0x3F))
			continue
		case utf16.IsSurrogate(r):
			if r < 0xDC00 && i+2 <= n {
				if d := utf16.DecodeRune(r, rune(uint16(s[i])|uint16(s[i+1])<<8)); d != utf8.RuneError {
					dst = utf8.AppendRune(dst, d)
					i += 2
					continue
				}
			}
			r = utf8.RuneError
		}
		dst = append(dst, byte(0xE0|r>>12), byte(0x80|r>>6&0x3F), byte(0x80|r&0x3F))
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
