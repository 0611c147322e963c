package sqltype

import (
	"github.com/tdswire/tdswire/tds"
)

// GUID is a uniqueidentifier as SQL Server sends it, [MS-TDS] 2.2.5.5.1.7:
// 16 bytes that the specification leaves uninterpreted. SQL Server stores
// the first three fields of the canonical form (4, 2 and 2 bytes)
// little-endian and the last 8 bytes in order; String and ParseGUID convert
// between this layout and the canonical text.
type GUID [16]byte

// guidOrder maps the canonical (RFC 4122) byte order to the wire layout:
// canonical byte i is wire byte guidOrder[i].
const guidOrder = "\x03\x02\x01\x00\x05\x04\x07\x06\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f"

// RFC4122 returns the bytes of g in canonical (big-endian, RFC 4122)
// order.
func (g GUID) RFC4122() [16]byte {
	var u [16]byte
	for i := range u {
		u[i] = g[guidOrder[i]]
	}
	return u
}

// GUIDFromRFC4122 converts canonical-order bytes to the wire layout.
func GUIDFromRFC4122(u [16]byte) GUID {
	var g GUID
	for i := range u {
		g[guidOrder[i]] = u[i]
	}
	return g
}

// AppendText appends the canonical lower-case form of g,
// "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", to dst.
func (g GUID) AppendText(dst []byte) []byte {
	const digits = "0123456789abcdef"
	u := g.RFC4122()
	for i, c := range u {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			dst = append(dst, '-')
		}
		dst = append(dst, digits[c>>4], digits[c&0xF])
	}
	return dst
}

// String returns the canonical form of g (see AppendText).
func (g GUID) String() string {
	var buf [36]byte
	return string(g.AppendText(buf[:0]))
}

// ParseGUID parses the canonical form "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"
// (either case) into the wire layout.
func ParseGUID(s string) (GUID, error) {
	if len(s) != 36 {
		return GUID{}, errf(0, tds.ErrMalformed, "GUID text has %d characters, not 36", len(s))
	}
	var u [16]byte
	k := 0
	for i := 0; i < 36; {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if s[i] != '-' {
				return GUID{}, errf(i, tds.ErrMalformed, "GUID text: expected '-'")
			}
			i++
			continue
		}
		hi, ok1 := unhex(s[i])
		lo, ok2 := unhex(s[i+1])
		if !ok1 || !ok2 {
			return GUID{}, errf(i, tds.ErrMalformed, "GUID text: not a hex digit")
		}
		u[k] = hi<<4 | lo
		k++
		i += 2
	}
	return GUIDFromRFC4122(u), nil
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
