package sqltype

import (
	"encoding/binary"
	"math/big"
	"math/bits"

	"github.com/tdswire/tdswire/tds"
)

// Decimal is a decimal or numeric value, [MS-TDS] 2.2.5.5.1.6: a sign and
// a magnitude of up to 128 bits holding the value times 10^Scale.
type Decimal struct {
	Negative bool   // the sign byte was 0
	Hi, Lo   uint64 // magnitude = Hi*2^64 + Lo
	Scale    uint8  // digits after the decimal point
}

// maxDecimalDigits is the largest precision, [MS-TDS] 2.2.5.6.
const maxDecimalDigits = 38

// decimalIntLen is the size of the integer part for precision p,
// [MS-TDS] 2.2.5.5.1.6.
func decimalIntLen(p uint8) int {
	switch {
	case p <= 9:
		return 4
	case p <= 19:
		return 8
	case p <= 28:
		return 12
	}
	return 16
}

// Decimal returns a decimal or numeric value (DECIMALTYPE, NUMERICTYPE,
// DECIMALNTYPE, NUMERICNTYPE), [MS-TDS] 2.2.5.5.1.6, with the scale of
// its TYPE_INFO (or sql_variant properties). A sign byte other than 0 or 1
// is reported as tds.ErrMalformed.
func (v Value) Decimal() (Decimal, error) {
	if err := v.want("Decimal", isDecimal(v.typ)); err != nil {
		return Decimal{}, err
	}
	d := v.data
	if !validByteLen(v.typ, len(d)) {
		return Decimal{}, errf(0, tds.ErrMalformed, "%v value of %d bytes", v.typ, len(d))
	}
	if d[0] > 1 {
		return Decimal{}, errf(0, tds.ErrMalformed, "%v sign byte 0x%02X is not 0 or 1", v.typ, d[0])
	}
	var buf [16]byte
	copy(buf[:], d[1:])
	return Decimal{
		Negative: d[0] == 0,
		Lo:       binary.LittleEndian.Uint64(buf[:8]),
		Hi:       binary.LittleEndian.Uint64(buf[8:]),
		Scale:    v.scale,
	}, nil
}

// div10 divides the 128-bit hi:lo by 10.
func div10(hi, lo uint64) (qhi, qlo, r uint64) {
	qhi, r = bits.Div64(0, hi, 10)
	qlo, r = bits.Div64(r, lo, 10)
	return qhi, qlo, r
}

// mul10 multiplies the 128-bit hi:lo by 10, reporting overflow.
func mul10(hi, lo uint64) (uint64, uint64, bool) {
	h, l := bits.Mul64(lo, 10)
	h2, l2 := bits.Mul64(hi, 10)
	sum, carry := bits.Add64(h, l2, 0)
	return sum, l, h2 != 0 || carry != 0
}

// digits returns the number of decimal digits of the magnitude (0 for 0).
func (d Decimal) digits() int {
	n := 0
	for hi, lo := d.Hi, d.Lo; hi != 0 || lo != 0; n++ {
		hi, lo, _ = div10(hi, lo)
	}
	return n
}

// AppendText appends d in plain decimal notation ("-123.45", "0.05",
// "7") to dst. A negative zero is written without its sign.
func (d Decimal) AppendText(dst []byte) []byte {
	var buf [40]byte // 2^128 has 39 digits
	i := len(buf)
	hi, lo := d.Hi, d.Lo
	for hi != 0 { // 128-bit division while the high word is in use
		var r uint64
		hi, lo, r = div10(hi, lo)
		i--
		buf[i] = byte('0' + r)
	}
	for lo != 0 { // then 64-bit, which the compiler divides by a multiply
		i--
		buf[i] = byte('0' + lo%10)
		lo /= 10
	}
	ds := buf[i:]
	if len(ds) > 0 && d.Negative {
		dst = append(dst, '-')
	}
	s := int(d.Scale)
	if len(ds) <= s {
		dst = append(dst, '0')
		if s > 0 {
			dst = append(dst, '.')
			for k := len(ds); k < s; k++ {
				dst = append(dst, '0')
			}
		}
		return append(dst, ds...)
	}
	dst = append(dst, ds[:len(ds)-s]...)
	if s > 0 {
		dst = append(dst, '.')
		dst = append(dst, ds[len(ds)-s:]...)
	}
	return dst
}

// String returns d in plain decimal notation (see AppendText).
func (d Decimal) String() string { return string(d.AppendText(nil)) }

// Big returns the unscaled value (the signed magnitude): d is
// Big() / 10^Scale. It allocates.
func (d Decimal) Big() *big.Int {
	x := new(big.Int).SetUint64(d.Hi)
	x.Lsh(x, 64)
	x.Or(x, new(big.Int).SetUint64(d.Lo))
	if d.Negative {
		x.Neg(x)
	}
	return x
}

// ParseDecimal parses plain decimal notation ("-123.45", "+7", ".5") of up
// to 38 significant digits; the scale is the number of digits after the
// point.
func ParseDecimal(s string) (Decimal, error) {
	var d Decimal
	i := 0
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		d.Negative = s[i] == '-'
		i++
	}
	seenDigit, seenPoint, digits := false, false, 0
	for ; i < len(s); i++ {
		c := s[i]
		if c == '.' && !seenPoint {
			seenPoint = true
			continue
		}
		if c < '0' || c > '9' {
			return Decimal{}, errf(i, tds.ErrMalformed, "decimal text: unexpected %q", c)
		}
		seenDigit = true
		if seenPoint {
			d.Scale++
		}
		if digits > 0 || c != '0' {
			digits++
		}
		if digits > maxDecimalDigits || d.Scale > maxDecimalDigits {
			return Decimal{}, errf(i, tds.ErrTooLarge, "decimal text: more than 38 digits")
		}
		var of bool
		d.Hi, d.Lo, of = mul10(d.Hi, d.Lo)
		var carry uint64
		d.Lo, carry = bits.Add64(d.Lo, uint64(c-'0'), 0)
		d.Hi += carry
		if of {
			return Decimal{}, errf(i, tds.ErrTooLarge, "decimal text: overflow")
		}
	}
	if !seenDigit {
		return Decimal{}, errf(0, tds.ErrMalformed, "decimal text: no digits")
	}
	return d, nil
}

// AppendDecimal appends a decimal or numeric value of this type
// (DECIMALNTYPE, NUMERICNTYPE, DECIMALTYPE, NUMERICTYPE), [MS-TDS]
// 2.2.5.5.1.6, with the integer size its PRECISION implies. A d of smaller
// scale is scaled up to ti.Scale; a larger scale, or a magnitude with more
// digits than PRECISION allows, is an error.
func (ti *TypeInfo) AppendDecimal(dst []byte, d Decimal) ([]byte, error) {
	if !isDecimal(ti.Type) {
		return dst, typeErr(ti.Type, "a decimal")
	}
	if d.Scale > ti.Scale {
		return dst, errf(0, tds.ErrTooLarge, "decimal of scale %d does not fit scale %d", d.Scale, ti.Scale)
	}
	for ; d.Scale < ti.Scale; d.Scale++ {
		var of bool
		if d.Hi, d.Lo, of = mul10(d.Hi, d.Lo); of {
			return dst, errf(0, tds.ErrTooLarge, "decimal overflows when scaled to %d", ti.Scale)
		}
	}
	p := ti.Precision
	if p < 1 || p > maxDecimalDigits {
		return dst, errf(0, tds.ErrMalformed, "PRECISION %d outside 1..38", p)
	}
	if d.digits() > int(p) {
		return dst, errf(0, tds.ErrTooLarge, "decimal %s has more than %d digits", d, p)
	}
	var buf [17]byte
	if !d.Negative {
		buf[0] = 1
	}
	binary.LittleEndian.PutUint64(buf[1:], d.Lo)
	binary.LittleEndian.PutUint64(buf[9:], d.Hi)
	return ti.appendData(dst, buf[:1+decimalIntLen(p)])
}
