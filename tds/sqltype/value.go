package sqltype

import (
	"encoding/binary"
	"errors"
	"iter"

	"github.com/tdswire/tdswire/tds"
)

// PLP length markers, [MS-TDS] 2.2.5.2.3.
const (
	// PLPNull is PLP_NULL: the value is NULL.
	PLPNull uint64 = 0xFFFFFFFFFFFFFFFF
	// PLPUnknownLen is UNKNOWN_PLP_LEN: the total length is not sent; the
	// chunks up to PLP_TERMINATOR carry the value.
	PLPUnknownLen uint64 = 0xFFFFFFFFFFFFFFFE
)

// ErrNull is the class of the error a typed accessor returns for a NULL
// value (test with errors.Is). The error itself is a *tds.Error.
var ErrNull = errors.New("NULL value")

// timestampLen is the size of the Timestamp after a TextPointer, 2.2.7.20.
const timestampLen = 8

// Value is a view of one TYPE_VARBYTE, [MS-TDS] 2.2.5.2.3, as decoded by
// TypeInfo.DecodeValue: NULL or not, the data bytes (a sub-slice of the
// input, valid while the caller keeps it unchanged), and what the typed
// accessors need of the type (token, precision, scale, collation). A
// sql_variant value is unwrapped: Type returns its VARIANT_BASETYPE and
// the accessors read its VARIANT_DATAVAL (2.2.5.5.4).
//
// Value is small and copyable; none of its methods that return views
// allocate.
type Value struct {
	typ       TypeID
	precision uint8
	scale     uint8
	coll      Collation
	null      bool
	plp       bool
	variant   bool
	varMax    uint16 // max length property of a string/binary sql_variant
	data      []byte // non-PLP: the data; PLP: chunk stream through PLP_TERMINATOR
	plpLen    uint64 // PLP: ULONGLONGLEN or PLPUnknownLen
	textPtr   []byte // text/ntext/image in a row
	timestamp []byte
}

// Type returns the data type of the value: the column type, or for a
// sql_variant the VARIANT_BASETYPE (2.2.5.5.4); TypeVariant for a NULL
// sql_variant.
func (v Value) Type() TypeID { return v.typ }

// IsNull reports whether the value is NULL (GEN_NULL, CHARBIN_NULL,
// PLP_NULL, a NULL sql_variant, or an absent text pointer).
func (v Value) IsNull() bool { return v.null }

// IsPLP reports whether the value was partially length-prefixed; read it
// with Chunks or AppendBytes (Raw returns nil).
func (v Value) IsPLP() bool { return v.plp }

// IsVariant reports whether the value came wrapped in a sql_variant.
func (v Value) IsVariant() bool { return v.variant }

// Raw returns the data bytes of a non-PLP value without its length prefix
// (a view), or nil for a NULL or PLP value.
func (v Value) Raw() []byte {
	if v.null || v.plp {
		return nil
	}
	return v.data
}

// Precision returns the PRECISION of a decimal/numeric value.
func (v Value) Precision() uint8 { return v.precision }

// Scale returns the SCALE of a decimal/numeric or date/time value.
func (v Value) Scale() uint8 { return v.scale }

// Collation returns the collation of a character value (from TYPE_INFO,
// or from the sql_variant properties).
func (v Value) Collation() Collation { return v.coll }

// TextPointer returns the TextPointer and Timestamp that precede a
// non-NULL text, ntext or image value in ROW and NBCROW, [MS-TDS] 2.2.7.20
// (views; nil otherwise).
func (v Value) TextPointer() (textPtr, timestamp []byte) { return v.textPtr, v.timestamp }

// PLPLen returns the total length a PLP value announced and whether it
// was announced (false for UNKNOWN_PLP_LEN), [MS-TDS] 2.2.5.2.3.
func (v Value) PLPLen() (n uint64, known bool) {
	if !v.plp || v.null {
		return 0, false
	}
	return v.plpLen, v.plpLen != PLPUnknownLen
}

// Len returns the length of the data in bytes: len(Raw()) for a non-PLP
// value, the sum of the chunk lengths for a PLP value, 0 for NULL.
func (v Value) Len() int {
	if v.null {
		return 0
	}
	if !v.plp {
		return len(v.data)
	}
	n := 0
	for rest := v.data; ; {
		ch, next, ok := nextChunk(rest)
		if !ok {
			return n
		}
		n += len(ch)
		rest = next
	}
}

// Chunks returns an iterator over the PLP_CHUNKs of a PLP value (views),
// [MS-TDS] 2.2.5.2.3; for a non-PLP, non-NULL value it yields Raw as a
// single chunk, and nothing for NULL. DecodeValue has checked the chunk
// stream, so the iteration cannot fail.
func (v Value) Chunks() iter.Seq[[]byte] {
	return func(yield func([]byte) bool) {
		if v.null {
			return
		}
		if !v.plp {
			yield(v.data)
			return
		}
		for rest := v.data; ; {
			ch, next, ok := nextChunk(rest)
			if !ok || !yield(ch) {
				return
			}
			rest = next
		}
	}
}

// AppendBytes appends the data of the value to dst (the chunks of a PLP
// value concatenated) and returns the extended slice; NULL appends nothing.
func (v Value) AppendBytes(dst []byte) []byte {
	if v.null {
		return dst
	}
	if !v.plp {
		return append(dst, v.data...)
	}
	for rest := v.data; ; {
		ch, next, ok := nextChunk(rest)
		if !ok {
			return dst
		}
		dst = append(dst, ch...)
		rest = next
	}
}

// nextChunk splits the first PLP_CHUNK (a view) off a checked chunk
// stream, and reports false at PLP_TERMINATOR or the end.
func nextChunk(rest []byte) (chunk, next []byte, ok bool) {
	if len(rest) < 4 {
		return nil, nil, false
	}
	n := binary.LittleEndian.Uint32(rest)
	if n == 0 || uint64(len(rest)-4) < uint64(n) {
		return nil, nil, false
	}
	return rest[4 : 4+n : 4+n], rest[4+n:], true
}

// ValueLen returns the size of the TYPE_VARBYTE of this type at the start
// of b, [MS-TDS] 2.2.5.2.3, as it appears in ROW, NBCROW and RETURNVALUE:
// the length prefix and data, the PLP length, chunks and terminator, the
// TextPointer and Timestamp of a text/ntext/image value, or a whole
// sql_variant. It checks the same things as DecodeValue and does not
// allocate.
func (ti *TypeInfo) ValueLen(b []byte) (n int, err error) {
	// The fixed-length, BYTELEN and USHORTLEN classes are measured here
	// without building a Value when they are well formed; anything else,
	// and any value decodeValue would refuse, goes to decodeValue, which
	// gives the error.
	t := ti.Type
	switch typeClass(t) {
	case LenFixed:
		if n := fixedSize(t); len(b) >= n {
			return n, nil
		}
	case LenByte, LenScale:
		if len(b) > 0 {
			l := int(b[0])
			if l == 0 {
				return 1, nil
			}
			if len(b)-1 >= l && validValueLen(ti, l) {
				return 1 + l, nil
			}
		}
	case LenUShort:
		if len(b) >= 2 && (ti.MaxLen != MaxLenMax || !plpCapable(t)) {
			l := int(binary.LittleEndian.Uint16(b))
			if l == 0xFFFF {
				return 2, nil
			}
			if len(b)-2 >= l {
				return 2 + l, nil
			}
		}
	}
	var v Value
	n, err = ti.decodeValueTo(&v, b, false)
	return n, err
}

// ParamValueLen is ValueLen for the value of an RPC parameter or a TVP row
// ([MS-TDS] 2.2.6.6, 2.2.7.24): text, ntext and image carry no
// TextPointer there; a LONGLEN of 0xFFFFFFFF (CHARBIN_NULL) is NULL.
func (ti *TypeInfo) ParamValueLen(b []byte) (n int, err error) {
	var v Value
	n, err = ti.decodeValueTo(&v, b, true)
	return n, err
}

// DecodeValue decodes the TYPE_VARBYTE of this type at the start of b, in
// the ROW/NBCROW/RETURNVALUE form (see ValueLen), and returns a view of it
// and the bytes consumed. It does not allocate.
//
// Checked: every length against the bytes present; the lengths 2.2.5.4.3
// allows for the fixed-size nullable types and the length the scale gives
// for date/time types; PLP chunks up to PLP_TERMINATOR, and their sum
// against a known total (the SHOULD of 2.2.5.2.3); the sql_variant
// property count for its base type (2.2.5.5.4).
//
// A NULLTYPE value is NULL and occupies no bytes.
//
// Leniencies: a value longer than the TYPE_INFO's declared maximum length
// is accepted; a text pointer followed by a data length of 0xFFFFFFFF is
// read as NULL.
func (ti *TypeInfo) DecodeValue(b []byte) (v Value, n int, err error) {
	n, err = ti.decodeValueTo(&v, b, false)
	return v, n, err
}

// DecodeValueTo is DecodeValue writing the value into v, which the caller
// owns, instead of returning it: a reader of many rows passes the
// elements of a reused slice and saves copying each Value. On error *v is
// the zero Value.
func (ti *TypeInfo) DecodeValueTo(v *Value, b []byte) (n int, err error) {
	return ti.decodeValueTo(v, b, false)
}

// DecodeParamValue is DecodeValue for the RPC parameter and TVP row form
// (see ParamValueLen).
func (ti *TypeInfo) DecodeParamValue(b []byte) (v Value, n int, err error) {
	n, err = ti.decodeValueTo(&v, b, true)
	return v, n, err
}

// decodeValueTo decodes into *v. The well-formed values of the classes
// rows are mostly made of (fixed-length, BYTELEN, USHORTLEN) are taken
// here, with nothing but the checks and the stores of v's fields;
// everything else, errors included, goes to decodeValueSlow.
func (ti *TypeInfo) decodeValueTo(v *Value, b []byte, param bool) (int, error) {
	t := ti.Type
	var p, n int // the data is b[p:n], and the value b[:n]
	null := false
	switch typeClass(t) {
	case LenFixed:
		n = fixedSize(t)
		if len(b) < n {
			return ti.decodeValueSlow(v, b, param)
		}
	case LenByte:
		if len(b) < 1 {
			return ti.decodeValueSlow(v, b, param)
		}
		p, n = 1, 1+int(b[0])
		if null = n == 1; !null && (len(b) < n || !validByteLen(t, n-1)) {
			return ti.decodeValueSlow(v, b, param)
		}
	case LenScale:
		if len(b) < 1 {
			return ti.decodeValueSlow(v, b, param)
		}
		p, n = 1, 1+int(b[0])
		if null = n == 1; !null && (len(b) < n || n-1 != timeValueLen(t, ti.Scale)) {
			return ti.decodeValueSlow(v, b, param)
		}
	case LenUShort:
		if len(b) < 2 || ti.MaxLen == MaxLenMax && plpCapable(t) {
			return ti.decodeValueSlow(v, b, param)
		}
		l := int(binary.LittleEndian.Uint16(b))
		p, n = 2, 2+l
		if null = l == 0xFFFF; !null && len(b) < n {
			return ti.decodeValueSlow(v, b, param)
		}
	default:
		return ti.decodeValueSlow(v, b, param)
	}
	// Field by field rather than *v = Value{...}: the composite literal
	// is built on the stack and copied, and the copy's wide loads stall
	// on the narrow stores that built it (a third of a row's decoding).
	// Likewise one statement per field that needs a load (a tuple
	// assignment would bounce them through the stack).
	v.typ = t
	v.precision = ti.Precision
	v.scale = ti.Scale
	v.coll = ti.Collation
	v.plp, v.variant, v.varMax, v.plpLen = false, false, 0, 0
	v.textPtr, v.timestamp = nil, nil
	if null { // a zero BYTELEN or CHARBIN_NULL: the prefix alone
		v.null, v.data = true, nil
		return p, nil
	}
	v.null = false
	v.data = b[p:n:n]
	return n, nil
}

// decodeValueSlow is decodeValueTo for every class, and the error of
// every value decodeValueTo does not take.
func (ti *TypeInfo) decodeValueSlow(v *Value, b []byte, param bool) (int, error) {
	t := ti.Type
	v.typ, v.precision, v.scale, v.coll = t, ti.Precision, ti.Scale, ti.Collation
	v.null, v.plp, v.variant, v.varMax, v.plpLen = false, false, false, 0, 0
	v.data, v.textPtr, v.timestamp = nil, nil, nil
	switch ti.LenClass() {
	case LenZero:
		v.null = true
		return 0, nil
	case LenFixed:
		size := fixedSize(t)
		if len(b) < size {
			*v = Value{}
			return 0, errf(0, tds.ErrTruncated, "%v value: need %d bytes, have %d", t, size, len(b))
		}
		v.data = b[:size:size]
		return size, nil
	case LenByte, LenScale:
		if len(b) < 1 {
			*v = Value{}
			return 0, errf(0, tds.ErrTruncated, "%v value: missing BYTELEN", t)
		}
		l := int(b[0])
		if l == 0 {
			v.null = true
			return 1, nil
		}
		if !validValueLen(ti, l) {
			*v = Value{}
			return 0, errf(0, tds.ErrMalformed, "%v value: length %d is not valid for the type (2.2.5.4.3)", t, l)
		}
		if len(b)-1 < l {
			*v = Value{}
			return 0, errf(0, tds.ErrTruncated, "%v value: length %d, %d bytes present", t, l, len(b)-1)
		}
		v.data = b[1 : 1+l : 1+l]
		return 1 + l, nil
	case LenUShort:
		if len(b) < 2 {
			*v = Value{}
			return 0, errf(0, tds.ErrTruncated, "%v value: missing USHORTCHARBINLEN", t)
		}
		l := int(binary.LittleEndian.Uint16(b))
		if l == 0xFFFF {
			v.null = true
			return 2, nil
		}
		if len(b)-2 < l {
			*v = Value{}
			return 0, errf(0, tds.ErrTruncated, "%v value: length %d, %d bytes present", t, l, len(b)-2)
		}
		v.data = b[2 : 2+l : 2+l]
		return 2 + l, nil
	case LenLong:
		var n int
		var err error
		if t == TypeVariant {
			*v, n, err = decodeVariant(b)
		} else {
			*v, n, err = decodeText(*v, b, param)
		}
		return n, err
	case LenPLP:
		var n int
		var err error
		*v, n, err = decodePLP(*v, b)
		return n, err
	}
	*v = Value{}
	return 0, errf(0, tds.ErrMalformed, "%v: no TYPE_VARBYTE form for this type", t)
}

func validValueLen(ti *TypeInfo, l int) bool {
	if typeClass(ti.Type) == LenScale {
		return l == timeValueLen(ti.Type, ti.Scale)
	}
	return validByteLen(ti.Type, l)
}

// decodeText reads a text/ntext/image value: in a row, TextPointer
// (B_VARBYTE), Timestamp (8 bytes) and a LONGLEN data; as a parameter, a
// LONGLEN data with 0xFFFFFFFF for NULL ([MS-TDS] 2.2.5.2.3, 2.2.7.20).
func decodeText(v Value, b []byte, param bool) (Value, int, error) {
	off := 0
	if !param {
		if len(b) < 1 {
			return Value{}, 0, errf(0, tds.ErrTruncated, "%v value: missing TextPointer length", v.typ)
		}
		tp := int(b[0])
		if tp == 0 {
			v.null = true
			return v, 1, nil
		}
		if len(b)-1 < tp+timestampLen {
			return Value{}, 0, errf(0, tds.ErrTruncated, "%v value: TextPointer of %d bytes and Timestamp need %d bytes, %d present", v.typ, tp, tp+timestampLen, len(b)-1)
		}
		v.textPtr = b[1 : 1+tp : 1+tp]
		v.timestamp = b[1+tp : 1+tp+timestampLen : 1+tp+timestampLen]
		off = 1 + tp + timestampLen
	}
	if len(b)-off < 4 {
		return Value{}, 0, errf(off, tds.ErrTruncated, "%v value: missing LONGLEN", v.typ)
	}
	l := binary.LittleEndian.Uint32(b[off:])
	if l == 0xFFFFFFFF {
		v.null, v.textPtr, v.timestamp = true, nil, nil
		return v, off + 4, nil
	}
	if uint64(len(b)-off-4) < uint64(l) {
		return Value{}, 0, errf(off, tds.ErrTruncated, "%v value: length %d, %d bytes present", v.typ, l, len(b)-off-4)
	}
	end := off + 4 + int(l)
	v.data = b[off+4 : end : end]
	return v, end, nil
}

// decodePLP reads a PLP_BODY, [MS-TDS] 2.2.5.2.3.
func decodePLP(v Value, b []byte) (Value, int, error) {
	if len(b) < 8 {
		return Value{}, 0, errf(0, tds.ErrTruncated, "%v value: missing PLP length", v.typ)
	}
	v.plp = true
	total := binary.LittleEndian.Uint64(b)
	if total == PLPNull {
		v.null = true
		return v, 8, nil
	}
	v.plpLen = total
	off := 8
	var sum uint64
	for {
		if len(b)-off < 4 {
			return Value{}, 0, errf(off, tds.ErrTruncated, "%v value: PLP chunk length or PLP_TERMINATOR missing", v.typ)
		}
		l := binary.LittleEndian.Uint32(b[off:])
		if l == 0 {
			off += 4
			break
		}
		if uint64(len(b)-off-4) < uint64(l) {
			return Value{}, 0, errf(off, tds.ErrTruncated, "%v value: PLP chunk of %d bytes, %d present", v.typ, l, len(b)-off-4)
		}
		off += 4 + int(l)
		sum += uint64(l)
	}
	if total != PLPUnknownLen && sum != total {
		return Value{}, 0, errf(0, tds.ErrMalformed, "%v value: PLP length %d, but chunks hold %d bytes", v.typ, total, sum)
	}
	v.data = b[8:off:off]
	return v, off, nil
}

// variantMaxLen is the largest SSVARIANT_INSTANCE, [MS-TDS] 2.2.5.4.3:
// "MaxLength for an SSVARIANTTYPE is 8009".
const variantMaxLen = 8009

// decodeVariant reads a sql_variant value, [MS-TDS] 2.2.5.5.4: a LONGLEN
// (0 for NULL) and an SSVARIANT_INSTANCE.
func decodeVariant(b []byte) (Value, int, error) {
	v := Value{typ: TypeVariant}
	if len(b) < 4 {
		return Value{}, 0, errf(0, tds.ErrTruncated, "sql_variant value: missing LONGLEN")
	}
	l := binary.LittleEndian.Uint32(b)
	if l == 0 {
		v.null = true
		return v, 4, nil
	}
	if l > variantMaxLen {
		return Value{}, 0, errf(0, tds.ErrTooLarge, "sql_variant value: length %d above the maximum %d (2.2.5.4.3)", l, variantMaxLen)
	}
	if uint64(len(b)-4) < uint64(l) {
		return Value{}, 0, errf(0, tds.ErrTruncated, "sql_variant value: length %d, %d bytes present", l, len(b)-4)
	}
	end := 4 + int(l)
	if l < 2 {
		return Value{}, 0, errf(4, tds.ErrMalformed, "sql_variant value: length %d leaves no room for VARIANT_BASETYPE and VARIANT_PROPBYTES", l)
	}
	base, pb := TypeID(b[4]), int(b[5])
	v.typ = base
	v.variant = true
	off := 6
	if end-off < pb {
		return Value{}, 0, errf(5, tds.ErrMalformed, "sql_variant value: VARIANT_PROPBYTES %d exceeds the value", pb)
	}
	want := variantPropBytes(base)
	if want < 0 {
		return Value{}, 0, errf(4, tds.ErrMalformed, "sql_variant value: %v is not a base type (2.2.5.5.4)", base)
	}
	if pb != want {
		return Value{}, 0, errf(5, tds.ErrMalformed, "sql_variant value: VARIANT_PROPBYTES %d, %v has %d (2.2.5.5.4)", pb, base, want)
	}
	p := b[off : off+pb]
	switch base {
	case TypeTimeN, TypeDateTime2N, TypeDateTimeOffsetN:
		if !variantPropsOK(base, 0, p[0]) {
			return Value{}, 0, errf(off, tds.ErrMalformed, "sql_variant value: %v scale %d above 7", base, p[0])
		}
		v.scale = p[0]
	case TypeBigVarBinary, TypeBigBinary:
		v.varMax = binary.LittleEndian.Uint16(p)
	case TypeNumericN, TypeDecimalN:
		if !variantPropsOK(base, p[0], p[1]) {
			return Value{}, 0, errf(off, tds.ErrMalformed, "sql_variant value: %v precision %d scale %d", base, p[0], p[1])
		}
		v.precision, v.scale = p[0], p[1]
	case TypeBigVarChar, TypeBigChar, TypeNVarChar, TypeNChar:
		copy(v.coll[:], p)
		v.varMax = binary.LittleEndian.Uint16(p[5:])
	}
	off += pb
	v.data = b[off:end:end]
	dl := end - off
	if !variantDataOK(base, v.scale, dl) {
		return Value{}, 0, errf(off, tds.ErrMalformed, "sql_variant value: %d data bytes do not fit %v", dl, base)
	}
	return v, end, nil
}

// variantPropsOK reports whether the VARIANT_PROPERTIES of base are in
// range, [MS-TDS] 2.2.5.5.4: a scale of at most 7 for the time types; a
// precision of 1 to 38 and a scale no larger than it for NUMERICNTYPE and
// DECIMALNTYPE. The other base types have no property with a range.
// decodeVariant and appendVariant share it so that the encoder writes
// only what the decoder reads.
func variantPropsOK(base TypeID, prec, scale uint8) bool {
	switch base {
	case TypeTimeN, TypeDateTime2N, TypeDateTimeOffsetN:
		return scale <= 7
	case TypeNumericN, TypeDecimalN:
		return prec >= 1 && prec <= 38 && scale <= prec
	}
	return true
}

// variantDataOK reports whether dl bytes of VARIANT_DATAVAL fit base (with
// the given scale for the time types), [MS-TDS] 2.2.5.5.4: the fixed size
// of a fixed-length type, 16 for a GUID, 3 for a date, the length the
// scale implies for the other time types, and 5, 9, 13 or 17 for a
// decimal. The string and binary base types take any length.
func variantDataOK(base TypeID, scale uint8, dl int) bool {
	switch base {
	case TypeGUID:
		return dl == 16
	case TypeDateN:
		return dl == 3
	case TypeTimeN, TypeDateTime2N, TypeDateTimeOffsetN:
		return dl == timeValueLen(base, scale)
	case TypeNumericN, TypeDecimalN:
		return validByteLen(base, dl)
	}
	if s := fixedSize(base); s != 0 {
		return dl == s
	}
	return true
}

// variantPropBytes is the VARIANT_PROPBYTES of a sql_variant base type,
// [MS-TDS] 2.2.5.5.4, or -1 if t is not a base type.
func variantPropBytes(t TypeID) int {
	switch t {
	case TypeGUID, TypeBit, TypeInt1, TypeInt2, TypeInt4, TypeInt8, TypeDateTime,
		TypeDateTime4, TypeFloat4, TypeFloat8, TypeMoney, TypeMoney4, TypeDateN:
		return 0
	case TypeTimeN, TypeDateTime2N, TypeDateTimeOffsetN:
		return 1
	case TypeBigVarBinary, TypeBigBinary, TypeNumericN, TypeDecimalN:
		return 2
	case TypeBigVarChar, TypeBigChar, TypeNVarChar, TypeNChar:
		return 7
	}
	return -1
}
