package ntlm

import (
	"unicode/utf16"
	"unicode/utf8"
)

// Strings in the CHALLENGE_MESSAGE and AUTHENTICATE_MESSAGE, and textual
// AV_PAIR values, are UTF-16 in little-endian order without a byte order
// mark or terminator once NTLMSSP_NEGOTIATE_UNICODE is negotiated
// ([MS-NLMP] 2.2, UNICODE() of section 6). These helpers convert between
// that form and Go strings.

// decodeUTF16 returns the Go string for the UTF-16LE bytes b. Unpaired
// surrogates become U+FFFD; an odd final byte is ignored.
func decodeUTF16(b []byte) string {
	n := len(b) / 2
	out := make([]byte, 0, n+n/2)
	for i := 0; i < n; i++ {
		r := rune(uint16(b[2*i]) | uint16(b[2*i+1])<<8)
		if utf16.IsSurrogate(r) {
			if r < 0xDC00 && i+1 < n {
				r2 := rune(uint16(b[2*i+2]) | uint16(b[2*i+3])<<8)
				if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
					out = utf8.AppendRune(out, d)
					i++
					continue
				}
			}
			r = utf8.RuneError
		}
		out = utf8.AppendRune(out, r)
	}
	return string(out)
}

// appendUTF16 appends UNICODE(s): the UTF-16LE encoding of s.
func appendUTF16(dst []byte, s string) []byte {
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

// utf16ByteLen returns the number of bytes appendUTF16 writes for s.
func utf16ByteLen(s string) int {
	n := 0
	for _, r := range s {
		n += 2
		if r >= 0x10000 {
			n += 2
		}
	}
	return n
}

// describe converts a string field for a one-line description: UTF-16LE
// when unicode is set, otherwise the OEM bytes as they are (printed as
// Latin-1, which is exact for ASCII names).
func describe(b []byte, unicode bool) string {
	if unicode {
		return decodeUTF16(b)
	}
	out := make([]rune, len(b))
	for i, c := range b {
		out[i] = rune(c)
	}
	return string(out)
}

// Little-endian helpers. Callers check bounds first.

func le16(b []byte) uint16 { return uint16(b[0]) | uint16(b[1])<<8 }

func le32(b []byte) uint32 {
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

func le64(b []byte) uint64 { return uint64(le32(b)) | uint64(le32(b[4:]))<<32 }

func appendLE16(dst []byte, v uint16) []byte { return append(dst, byte(v), byte(v>>8)) }

func appendLE32(dst []byte, v uint32) []byte {
	return append(dst, byte(v), byte(v>>8), byte(v>>16), byte(v>>24))
}

func appendLE64(dst []byte, v uint64) []byte {
	return appendLE32(appendLE32(dst, uint32(v)), uint32(v>>32))
}

func putLE16(b []byte, v uint16) { b[0], b[1] = byte(v), byte(v>>8) }

func putLE32(b []byte, v uint32) {
	b[0], b[1], b[2], b[3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
}
