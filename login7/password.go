package login7

import (
	"crypto/subtle"
	"fmt"
	"io"
	"unicode/utf16"
	"unsafe"

	"github.com/tdswire/tdswire/tds"
)

// Password is a LOGIN7 password field (Password or ChangePassword) as it
// travels: UCS-2 text obfuscated byte by byte, [MS-TDS] 2.2.6.4 ("Login
// Data Validation Rules"). The client swaps the two nibbles of each byte
// and then XORs it with 0xA5; the server XORs with 0xA5 and then swaps
// the nibbles back. The scrambling is trivially reversible, so the
// obfuscated bytes are as secret as the clear password.
//
// A decoded Password is a view into the LOGIN7 message (Bytes returns
// it). Clear, AppendClear and Equal recover or compare the clear text;
// only Clear allocates.
//
// A Password never prints its bytes. String, GoString and Format (every
// verb) write a redaction marker. Beyond that, the view is held as a
// pointer to its first byte and a length rather than as a []byte, because
// fmt prints a struct field by reflection whenever it cannot call the
// field's methods (a Login7 inside an unexported field, or %p applied to a
// Login7 value), and reflection shows a nested pointer only as an
// address. The zero Password is empty.
type Password struct {
	first *byte // first obfuscated byte; nil when n == 0
	n     int   // length in bytes
}

// PasswordBytes returns a Password viewing b, which must already be
// obfuscated (the wire form). b is not copied.
func PasswordBytes(b []byte) Password {
	if len(b) == 0 {
		return Password{}
	}
	return Password{first: &b[0], n: len(b)}
}

// Bytes returns the obfuscated bytes, a view that shares memory with p.
func (p Password) Bytes() []byte {
	if p.n == 0 {
		return nil
	}
	return unsafe.Slice(p.first, p.n)
}

// redacted is what a Password prints as.
const redacted = "[REDACTED]"

// obfuscate scrambles one byte the way the client does.
func obfuscate(b byte) byte { return (b<<4 | b>>4) ^ 0xA5 }

// deobfuscate reverses obfuscate, as the server does.
func deobfuscate(b byte) byte {
	b ^= 0xA5
	return b<<4 | b>>4
}

// AppendPassword appends the obfuscated UCS-2 encoding of the clear
// password to dst and returns the extended slice. Wrap the appended bytes
// with PasswordBytes to fill Login7.Password or Login7.ChangePassword
// without another allocation.
func AppendPassword(dst []byte, clear string) []byte {
	start := len(dst)
	dst = tds.AppendUCS2(dst, clear)
	for i := start; i < len(dst); i++ {
		dst[i] = obfuscate(dst[i])
	}
	return dst
}

// NewPassword returns the obfuscated form of the clear password, ready to
// put in a Login7. It allocates the bytes.
func NewPassword(clear string) Password {
	return PasswordBytes(AppendPassword(make([]byte, 0, 2*tds.UCS2Len(clear)), clear))
}

// Len returns the number of UCS-2 code units in p (LOGIN7's cchPassword).
func (p Password) Len() int { return p.n / 2 }

// AppendClear appends the clear UCS-2 bytes of p to dst and returns the
// extended slice, as every Append does (the appended bytes are UTF-16LE:
// tds.UCS2(b[len(dst):]) views them). It allocates only if dst lacks
// capacity; callers that want to wipe the clear text afterwards own the
// buffer.
func (p Password) AppendClear(dst []byte) []byte {
	for _, b := range p.Bytes() {
		dst = append(dst, deobfuscate(b))
	}
	return dst
}

// Clear returns the clear password as a Go string. It is the only
// Password method that allocates, and it exists for servers and tests that
// must check credentials; prefer Equal when comparing.
func (p Password) Clear() string {
	return tds.UCS2(p.AppendClear(make([]byte, 0, p.n))).String()
}

// Equal reports whether p is the obfuscated form of the clear password,
// without allocating and without building the clear text.
//
// It runs in constant time with respect to p: every code unit of clear is
// compared (with crypto/subtle's primitives) whatever the earlier ones
// gave, a p shorter or longer than clear costs the same as one of the
// right length, and the result is folded without an early return. Its
// time depends only on the length of clear, the server's own secret, so a
// client that varies the Password it sends learns nothing from it.
func (p Password) Equal(clear string) bool {
	b := p.Bytes()
	var diff uint16
	var pad [2]byte
	i := 0
	for _, r := range clear {
		var units [2]uint16
		n := 1
		units[0] = uint16(r)
		if r >= 0x10000 {
			r1, r2 := utf16.EncodeRune(r)
			units[0], units[1], n = uint16(r1), uint16(r2), 2
		}
		for k := 0; k < n; k++ {
			// Past the end of p, compare against padding instead of
			// stopping; the length check below fails the result.
			src := pad[:]
			if i+2 <= len(b) {
				src = b[i : i+2]
			}
			u := uint16(deobfuscate(src[0])) | uint16(deobfuscate(src[1]))<<8
			diff |= u ^ units[k]
			i += 2
		}
	}
	x := uint64(i ^ len(b))
	sameLen := subtle.ConstantTimeEq(int32(uint32(x|x>>32)), 0)
	return subtle.ConstantTimeEq(int32(diff), 0)&sameLen == 1
}

// String returns "[REDACTED]", never the password.
func (p Password) String() string { return redacted }

// GoString returns a redacted Go expression, never the password, so that
// %#v is safe.
func (p Password) GoString() string { return `login7.Password("` + redacted + `")` }

// Format implements fmt.Formatter so that no verb (%v, %s, %q, %x, %d,
// ...) prints the password bytes: %#v writes GoString, %q the quoted
// marker, every other verb the marker.
func (p Password) Format(f fmt.State, verb rune) {
	switch {
	case verb == 'v' && f.Flag('#'):
		io.WriteString(f, p.GoString())
	case verb == 'q':
		io.WriteString(f, `"`+redacted+`"`)
	default:
		io.WriteString(f, redacted)
	}
}
