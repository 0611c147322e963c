package tokens

import (
	"encoding/binary"
	"iter"

	"github.com/tdswire/tdswire/tds"
)

// reader walks a token's bytes with a sticky error: after the first
// failure every read returns zero values, and err says what was missing
// and where. Offsets are relative to b. Views it returns have their
// capacity clipped so that appending to them cannot overwrite the input.
type reader struct {
	b   []byte
	off int
	err error
}

func (r *reader) take(n int, field string) []byte { return r.takeAt(n, field, r.off) }

// takeAt is take for a field whose length was read at offset at: a
// failure is reported there, at the length that cannot be satisfied.
func (r *reader) takeAt(n int, field string, at int) []byte {
	if r.err != nil || n < 0 || n > len(r.b)-r.off {
		r.short(n, field, at)
		return nil
	}
	s := r.b[r.off : r.off+n : r.off+n]
	r.off += n
	return s
}

// short records that field, whose length was read at offset at, needs n
// bytes that are not there (unless an error is already recorded). It is
// kept out of takeAt so that takeAt stays small enough to inline.
func (r *reader) short(n int, field string, at int) {
	if r.err == nil {
		r.err = tds.Errorf(layer, at, tds.ErrTruncated, "%s needs %d bytes, %d remain", field, n, len(r.b)-r.off)
	}
}

func (r *reader) u8(field string) uint8 {
	s := r.take(1, field)
	if s == nil {
		return 0
	}
	return s[0]
}

func (r *reader) u16(field string) uint16 {
	s := r.take(2, field)
	if s == nil {
		return 0
	}
	return binary.LittleEndian.Uint16(s)
}

func (r *reader) u32(field string) uint32 {
	s := r.take(4, field)
	if s == nil {
		return 0
	}
	return binary.LittleEndian.Uint32(s)
}

func (r *reader) u64(field string) uint64 {
	s := r.take(8, field)
	if s == nil {
		return 0
	}
	return binary.LittleEndian.Uint64(s)
}

// bVarchar reads a B_VARCHAR ([MS-TDS] 2.2.5.2.2): a BYTELEN count of
// UTF-16 code units, then the characters.
func (r *reader) bVarchar(field string) tds.UCS2 {
	at := r.off
	n := int(r.u8(field))
	return tds.UCS2(r.takeAt(2*n, field, at))
}

// usVarchar reads a US_VARCHAR: a USHORT count of code units, then the
// characters.
func (r *reader) usVarchar(field string) tds.UCS2 {
	at := r.off
	n := int(r.u16(field))
	return tds.UCS2(r.takeAt(2*n, field, at))
}

// bVarbyte reads a B_VARBYTE: a BYTELEN count of bytes, then the bytes.
func (r *reader) bVarbyte(field string) []byte {
	at := r.off
	n := int(r.u8(field))
	return r.takeAt(n, field, at)
}

// usVarbyte reads a US_VARBYTE: a USHORT count of bytes, then the bytes.
func (r *reader) usVarbyte(field string) []byte {
	at := r.off
	n := int(r.u16(field))
	return r.takeAt(n, field, at)
}

// lVarbyte reads an L_VARBYTE: a 4-byte count of bytes, then the bytes.
func (r *reader) lVarbyte(field string) []byte {
	at := r.off
	n := r.u32(field)
	if r.err == nil && uint64(n) > uint64(len(r.b)-r.off) {
		r.err = tds.Errorf(layer, at, tds.ErrTruncated, "%s announces %d bytes, %d remain", field, n, len(r.b)-r.off)
		return nil
	}
	return r.take(int(n), field)
}

// tokenType reads the token type byte and checks it is one of want.
func (r *reader) tokenType(want ...TokenType) TokenType {
	t := TokenType(r.u8("TokenType"))
	if r.err != nil {
		return t
	}
	for _, w := range want {
		if t == w {
			return t
		}
	}
	r.err = tds.Errorf(layer, 0, tds.ErrUnexpected, "token %v where %v was expected", t, want[0])
	return t
}

// ushortBody reads a USHORT Length and returns a reader over exactly that many
// following bytes, with offsets still counted from the token start.
func (r *reader) ushortBody(field string) reader {
	at := r.off
	n := int(r.u16(field))
	start := r.off
	data := r.takeAt(n, field, at)
	if r.err != nil {
		return reader{err: r.err}
	}
	return reader{b: r.b[:start+len(data)], off: start}
}

// expectEnd checks that r consumed every byte of its body; Length fields that
// claim more bytes than the fields hold are malformed.
func (r *reader) expectEnd(what string) {
	if r.err == nil && r.off != len(r.b) {
		r.err = tds.Errorf(layer, r.off, tds.ErrMalformed, "%d unused bytes at the end of %s", len(r.b)-r.off, what)
	}
}

// rebase moves the offset of a *tds.Error by base, so that errors found
// while decoding one token report offsets in the scanner's buffer.
func rebase(err error, base int) error {
	if err == nil || base == 0 {
		return err
	}
	if e, ok := err.(*tds.Error); ok {
		e.Offset += int64(base)
	}
	return err
}

// Little-endian append helpers.

func appendU16(dst []byte, v uint16) []byte { return binary.LittleEndian.AppendUint16(dst, v) }
func appendU32(dst []byte, v uint32) []byte { return binary.LittleEndian.AppendUint32(dst, v) }
func appendU64(dst []byte, v uint64) []byte { return binary.LittleEndian.AppendUint64(dst, v) }

// appendBVarchar appends s as a B_VARCHAR. It writes at most 255 code units
// (the BYTELEN limit); a longer s is cut at 255 so that the length byte
// stays true to the bytes written.
func appendBVarchar(dst []byte, s tds.UCS2) []byte {
	n := min(len(s)/2, 0xFF)
	dst = append(dst, byte(n))
	return append(dst, s[:2*n]...)
}

// appendUSVarchar appends s as a US_VARCHAR, cut at 65535 code units.
func appendUSVarchar(dst []byte, s tds.UCS2) []byte {
	n := min(len(s)/2, 0xFFFF)
	dst = appendU16(dst, uint16(n))
	return append(dst, s[:2*n]...)
}

// appendBVarbyte appends b as a B_VARBYTE, cut at 255 bytes.
func appendBVarbyte(dst []byte, b []byte) []byte {
	n := min(len(b), 0xFF)
	dst = append(dst, byte(n))
	return append(dst, b[:n]...)
}

// appendUSVarbyte appends b as a US_VARBYTE, cut at 65535 bytes.
func appendUSVarbyte(dst []byte, b []byte) []byte {
	n := min(len(b), 0xFFFF)
	dst = appendU16(dst, uint16(n))
	return append(dst, b[:n]...)
}

// beginUSHORT reserves a USHORT length after the token byte t and returns
// the offset of the length for endUSHORT to back-patch.
func beginUSHORT(dst []byte, t TokenType) ([]byte, int) {
	dst = append(dst, byte(t), 0, 0)
	return dst, len(dst) - 2
}

// endUSHORT back-patches the USHORT length reserved at at with the number
// of bytes appended since. Bodies longer than 65535 bytes cannot be
// expressed; the encoders keep their fields within that limit.
func endUSHORT(dst []byte, at int) []byte {
	binary.LittleEndian.PutUint16(dst[at:], uint16(len(dst)-at-2))
	return dst
}

// seq returns an iterator over the entries of b, a list this package has
// already validated, decoding each with entry. A decoding error (not
// reached for a validated list) ends the iteration.
func seq[T any](b []byte, entry func(r *reader) T) iter.Seq[T] {
	return func(yield func(T) bool) {
		r := reader{b: b}
		for r.off < len(b) {
			x := entry(&r)
			if r.err != nil || !yield(x) {
				return
			}
		}
	}
}

// Checked field encoders: each appends one length-prefixed field, or
// returns dst unchanged and a *tds.Error (tds.ErrTooLarge for a value over
// its prefix, tds.ErrMalformed for UTF-16 of odd byte length) whose Offset
// is the field's offset from start, the first byte of the token.

// fieldBVarchar appends s as a B_VARCHAR of at most 255 code units.
func fieldBVarchar(dst []byte, start int, field string, s tds.UCS2) ([]byte, error) {
	if err := checkUCS2(dst, start, field, s, 0xFF); err != nil {
		return dst, err
	}
	return appendBVarchar(dst, s), nil
}

// fieldUSVarchar appends s as a US_VARCHAR of at most 65535 code units.
func fieldUSVarchar(dst []byte, start int, field string, s tds.UCS2) ([]byte, error) {
	if err := checkUCS2(dst, start, field, s, 0xFFFF); err != nil {
		return dst, err
	}
	return appendUSVarchar(dst, s), nil
}

// fieldBVarbyte appends b as a B_VARBYTE of at most 255 bytes.
func fieldBVarbyte(dst []byte, start int, field string, b []byte) ([]byte, error) {
	if len(b) > 0xFF {
		return dst, errTooLong(len(dst)-start, field, len(b), 0xFF, "bytes")
	}
	return appendBVarbyte(dst, b), nil
}

// fieldUSVarbyte appends b as a US_VARBYTE of at most 65535 bytes.
func fieldUSVarbyte(dst []byte, start int, field string, b []byte) ([]byte, error) {
	if len(b) > 0xFFFF {
		return dst, errTooLong(len(dst)-start, field, len(b), 0xFFFF, "bytes")
	}
	return appendUSVarbyte(dst, b), nil
}

func checkUCS2(dst []byte, start int, field string, s tds.UCS2, max int) error {
	if len(s)%2 != 0 {
		return tds.Errorf(layer, len(dst)-start, tds.ErrMalformed, "%s of odd byte length %d for UTF-16", field, len(s))
	}
	if len(s)/2 > max {
		return errTooLong(len(dst)-start, field, len(s)/2, max, "code units")
	}
	return nil
}

// errTooLong reports a value of n units where its length prefix allows
// max, at offset off of the token being encoded.
func errTooLong(off int, field string, n, max int, unit string) error {
	return tds.Errorf(layer, off, tds.ErrTooLarge, "%s of %d %s above the %d its length prefix allows", field, n, unit, max)
}

// endUSHORTChecked is endUSHORT for a body that may have grown past
// 65535 bytes: it then returns dst cut back to start (the token's type
// byte) and tds.ErrTooLarge at the Length.
func endUSHORTChecked(dst []byte, start, at int) ([]byte, error) {
	if n := len(dst) - at - 2; n > 0xFFFF {
		return dst[:start], tds.Errorf(layer, at-start, tds.ErrTooLarge, "%v body of %d bytes above the 65535 its USHORT Length allows", TokenType(dst[start]), n)
	}
	return endUSHORT(dst, at), nil
}
