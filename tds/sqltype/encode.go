package sqltype

import (
	"encoding/binary"
	"math"

	"github.com/tdswire/tdswire/tds"
)

// This file holds the value encoders. Each appends one TYPE_VARBYTE
// ([MS-TDS] 2.2.5.2.3) for the type ti describes and returns the extended
// slice, or dst unchanged and a *tds.Error when the value does not fit the
// type. For text, ntext and image the encoders write the LONGLEN form of a
// parameter; in a ROW, call AppendTextPointer first.

func typeErr(t TypeID, what string) error {
	return errf(0, tds.ErrUnexpected, "cannot encode %s as %v", what, t)
}

// appendData writes data with the length prefix of ti's class.
func (ti *TypeInfo) appendData(dst, data []byte) ([]byte, error) {
	t := ti.Type
	switch ti.LenClass() {
	case LenFixed:
		if len(data) != fixedSize(t) {
			return dst, errf(0, tds.ErrMalformed, "%v value must be %d bytes, not %d", t, fixedSize(t), len(data))
		}
		return append(dst, data...), nil
	case LenByte, LenScale:
		if len(data) == 0 || len(data) > 0xFF || !validValueLen(ti, len(data)) {
			return dst, errf(0, tds.ErrMalformed, "%v value of %d bytes is not valid (2.2.5.4.3)", t, len(data))
		}
		dst = append(dst, byte(len(data)))
		return append(dst, data...), nil
	case LenUShort:
		if len(data) >= 0xFFFF {
			return dst, errf(0, tds.ErrTooLarge, "%v value of %d bytes exceeds USHORTCHARBINLEN", t, len(data))
		}
		dst = binary.LittleEndian.AppendUint16(dst, uint16(len(data)))
		return append(dst, data...), nil
	case LenLong:
		if t == TypeVariant {
			return dst, typeErr(t, "plain bytes (use AppendVariant)")
		}
		if uint64(len(data)) > 0x7FFFFFFF {
			return dst, errf(0, tds.ErrTooLarge, "%v value of %d bytes exceeds 2 GB", t, len(data))
		}
		dst = binary.LittleEndian.AppendUint32(dst, uint32(len(data)))
		return append(dst, data...), nil
	case LenPLP:
		return AppendPLP(dst, data, 0), nil
	}
	return dst, typeErr(t, "a value")
}

// AppendNull appends the NULL of this type as ROW, NBCROW and RETURNVALUE
// carry it, [MS-TDS] 2.2.5.2.3: GEN_NULL (0x00) for BYTELEN types and for
// text/ntext/image (an empty TextPointer, 2.2.7.20), CHARBIN_NULL (0xFFFF)
// for USHORTLEN types, PLP_NULL for PLP types, a zero LONGLEN for
// sql_variant, nothing for NULLTYPE. Fixed-length types have no NULL.
func (ti *TypeInfo) AppendNull(dst []byte) ([]byte, error) { return ti.appendNull(dst, false) }

// AppendParamNull is AppendNull for RPC parameters and TVP rows: the
// same, except that text, ntext and image use the 4-byte CHARBIN_NULL.
func (ti *TypeInfo) AppendParamNull(dst []byte) ([]byte, error) { return ti.appendNull(dst, true) }

func (ti *TypeInfo) appendNull(dst []byte, param bool) ([]byte, error) {
	switch ti.LenClass() {
	case LenZero:
		return dst, nil
	case LenByte, LenScale:
		return append(dst, 0), nil
	case LenUShort:
		return append(dst, 0xFF, 0xFF), nil
	case LenLong:
		if ti.Type == TypeVariant {
			return append(dst, 0, 0, 0, 0), nil
		}
		if param {
			return append(dst, 0xFF, 0xFF, 0xFF, 0xFF), nil
		}
		return append(dst, 0), nil
	case LenPLP:
		return binary.LittleEndian.AppendUint64(dst, PLPNull), nil
	}
	return dst, typeErr(ti.Type, "NULL")
}

// AppendTextPointer appends the TextPointer (B_VARBYTE, at most 255 bytes,
// non-empty) and 8-byte Timestamp that precede a non-NULL text, ntext or
// image value in ROW and NBCROW, [MS-TDS] 2.2.7.20.
func AppendTextPointer(dst, textPtr []byte, timestamp [8]byte) ([]byte, error) {
	if len(textPtr) == 0 || len(textPtr) > 0xFF {
		return dst, errf(0, tds.ErrMalformed, "TextPointer of %d bytes: must be 1 to 255", len(textPtr))
	}
	dst = append(dst, byte(len(textPtr)))
	dst = append(dst, textPtr...)
	return append(dst, timestamp[:]...), nil
}

// AppendPLP appends data as a PLP_BODY with a known length, [MS-TDS]
// 2.2.5.2.3: ULONGLONGLEN, chunks of at most chunkSize bytes (one chunk
// when chunkSize is 0 or negative, or the data is shorter), PLP_TERMINATOR.
// Empty data is written as a zero length and the terminator.
func AppendPLP(dst, data []byte, chunkSize int) []byte {
	dst = binary.LittleEndian.AppendUint64(dst, uint64(len(data)))
	for len(data) > 0 {
		n := len(data)
		if chunkSize > 0 && chunkSize < n {
			n = chunkSize
		}
		// AppendPLPChunk splits what exceeds a chunk's 4-byte length.
		dst = AppendPLPChunk(dst, data[:n])
		data = data[n:]
	}
	return AppendPLPTerminator(dst)
}

// AppendPLPUnknownLen appends UNKNOWN_PLP_LEN, the start of a PLP_BODY
// whose length is not known in advance, [MS-TDS] 2.2.5.2.3. Follow it with
// AppendPLPChunk calls and AppendPLPTerminator.
func AppendPLPUnknownLen(dst []byte) []byte {
	return binary.LittleEndian.AppendUint64(dst, PLPUnknownLen)
}

// AppendPLPChunk appends one PLP_CHUNK, [MS-TDS] 2.2.5.2.3. An empty chunk
// would read as PLP_TERMINATOR, so nothing is appended for empty data;
// data longer than 4 GB-1 is split into several chunks.
func AppendPLPChunk(dst, chunk []byte) []byte {
	for len(chunk) > 0 {
		// uint64, not int: math.MaxUint32 does not fit an int on 32-bit.
		n := min(uint64(len(chunk)), math.MaxUint32)
		dst = binary.LittleEndian.AppendUint32(dst, uint32(n))
		dst = append(dst, chunk[:n]...)
		chunk = chunk[n:]
	}
	return dst
}

// AppendPLPTerminator appends PLP_TERMINATOR, [MS-TDS] 2.2.5.2.3.
func AppendPLPTerminator(dst []byte) []byte { return append(dst, 0, 0, 0, 0) }

// AppendInt appends an integer value of type INT1TYPE, INT2TYPE,
// INT4TYPE, INT8TYPE or INTNTYPE (of the size MaxLen declares), [MS-TDS]
// 2.2.5.5.1.1, checking that x fits (tinyint is unsigned, 0 to 255).
func (ti *TypeInfo) AppendInt(dst []byte, x int64) ([]byte, error) {
	size := 0
	switch ti.Type {
	case TypeInt1, TypeInt2, TypeInt4, TypeInt8:
		size = fixedSize(ti.Type)
	case TypeIntN:
		size = int(ti.MaxLen)
	default:
		return dst, typeErr(ti.Type, "an integer")
	}
	var ok bool
	switch size {
	case 1:
		ok = x >= 0 && x <= math.MaxUint8
	case 2:
		ok = x >= math.MinInt16 && x <= math.MaxInt16
	case 4:
		ok = x >= math.MinInt32 && x <= math.MaxInt32
	case 8:
		ok = true
	}
	if !ok {
		return dst, errf(0, tds.ErrTooLarge, "%d does not fit a %d-byte %v", x, size, ti.Type)
	}
	var buf [8]byte
	binary.LittleEndian.PutUint64(buf[:], uint64(x))
	return ti.appendData(dst, buf[:size])
}

// AppendBool appends a bit value (BITTYPE or BITNTYPE), [MS-TDS]
// 2.2.5.5.1.1.
func (ti *TypeInfo) AppendBool(dst []byte, x bool) ([]byte, error) {
	if ti.Type != TypeBit && ti.Type != TypeBitN {
		return dst, typeErr(ti.Type, "a bit")
	}
	var buf [1]byte
	if x {
		buf[0] = 1
	}
	return ti.appendData(dst, buf[:])
}

// AppendFloat appends a floating-point value (FLT4TYPE, FLT8TYPE, or
// FLTNTYPE of MaxLen 4 or 8), [MS-TDS] 2.2.5.5.1.5. A 4-byte type stores
// float32(x).
func (ti *TypeInfo) AppendFloat(dst []byte, x float64) ([]byte, error) {
	size := 0
	switch ti.Type {
	case TypeFloat4, TypeFloat8:
		size = fixedSize(ti.Type)
	case TypeFloatN:
		size = int(ti.MaxLen)
	default:
		return dst, typeErr(ti.Type, "a float")
	}
	var buf [8]byte
	if size == 4 {
		binary.LittleEndian.PutUint32(buf[:], math.Float32bits(float32(x)))
	} else {
		binary.LittleEndian.PutUint64(buf[:], math.Float64bits(x))
	}
	return ti.appendData(dst, buf[:size])
}

// AppendMoney appends a money value given in ten-thousandths of a unit
// (MONEYTYPE, MONEY4TYPE, or MONEYNTYPE of MaxLen 4 or 8), [MS-TDS]
// 2.2.5.5.1.4: smallmoney is a 4-byte integer, money two 4-byte halves,
// the more significant first.
func (ti *TypeInfo) AppendMoney(dst []byte, tenThousandths int64) ([]byte, error) {
	size := 0
	switch ti.Type {
	case TypeMoney, TypeMoney4:
		size = fixedSize(ti.Type)
	case TypeMoneyN:
		size = int(ti.MaxLen)
	default:
		return dst, typeErr(ti.Type, "money")
	}
	var buf [8]byte
	if size == 4 {
		if tenThousandths < math.MinInt32 || tenThousandths > math.MaxInt32 {
			return dst, errf(0, tds.ErrTooLarge, "%d ten-thousandths does not fit smallmoney", tenThousandths)
		}
		binary.LittleEndian.PutUint32(buf[:], uint32(tenThousandths))
	} else {
		binary.LittleEndian.PutUint32(buf[:], uint32(uint64(tenThousandths)>>32))
		binary.LittleEndian.PutUint32(buf[4:], uint32(tenThousandths))
	}
	return ti.appendData(dst, buf[:size])
}

// AppendGUID appends a uniqueidentifier (GUIDTYPE), [MS-TDS] 2.2.5.5.1.7,
// in the byte order g holds (the SQL Server layout, see GUID).
func (ti *TypeInfo) AppendGUID(dst []byte, g GUID) ([]byte, error) {
	if ti.Type != TypeGUID {
		return dst, typeErr(ti.Type, "a GUID")
	}
	return ti.appendData(dst, g[:])
}

// AppendString appends s as a character value: UTF-16LE for NCHARTYPE,
// NVARCHARTYPE (PLP when declared (max)) and NTEXTTYPE; the bytes of s
// unchanged for the single-byte types (BIGCHARTYPE, BIGVARCHARTYPE,
// TEXTTYPE, CHARTYPE, VARCHARTYPE, and JSONTYPE), which the caller must
// already have in the column's code page (or UTF-8 for a UTF-8 collation).
// Values are not padded to a char(n) length.
func (ti *TypeInfo) AppendString(dst []byte, s string) ([]byte, error) {
	switch ti.Type {
	case TypeNChar, TypeNVarChar, TypeNText:
	case TypeBigChar, TypeBigVarChar, TypeText, TypeChar, TypeVarChar, TypeJSON:
		return ti.appendData(dst, []byte(s))
	default:
		return dst, typeErr(ti.Type, "a string")
	}
	n := 2 * tds.UCS2Len(s)
	switch ti.LenClass() {
	case LenPLP:
		dst = binary.LittleEndian.AppendUint64(dst, uint64(n))
		if n > 0 {
			dst = binary.LittleEndian.AppendUint32(dst, uint32(n))
			dst = tds.AppendUCS2(dst, s)
		}
		return AppendPLPTerminator(dst), nil
	case LenUShort:
		if n >= 0xFFFF {
			return dst, errf(0, tds.ErrTooLarge, "%v value of %d bytes exceeds USHORTCHARBINLEN", ti.Type, n)
		}
		dst = binary.LittleEndian.AppendUint16(dst, uint16(n))
	default:
		if n > 0x7FFFFFFF {
			return dst, errf(0, tds.ErrTooLarge, "%v value of %d bytes exceeds 2 GB", ti.Type, n)
		}
		dst = binary.LittleEndian.AppendUint32(dst, uint32(n))
	}
	return tds.AppendUCS2(dst, s), nil
}

// AppendBytes appends b as the data of a binary or otherwise opaque value
// with the length prefix of the type (PLP for the (max) types, XML, UDT
// and JSON): BIGBINARYTYPE, BIGVARBINARYTYPE, IMAGETYPE, BINARYTYPE,
// VARBINARYTYPE, VECTORTYPE, and the character types for callers that
// hold encoded text.
func (ti *TypeInfo) AppendBytes(dst, b []byte) ([]byte, error) {
	switch ti.Type {
	case TypeBigBinary, TypeBigVarBinary, TypeImage, TypeBinary, TypeVarBinary,
		TypeVector, TypeXML, TypeUDT, TypeJSON,
		TypeBigChar, TypeBigVarChar, TypeText, TypeChar, TypeVarChar,
		TypeNChar, TypeNVarChar, TypeNText:
		return ti.appendData(dst, b)
	}
	return dst, typeErr(ti.Type, "bytes")
}

// AppendValue appends v, as DecodeValue returned it, in the ROW form of
// this type: a copy of the value's bytes (PLP chunking and text pointers
// kept). A sql_variant value is written whole.
func (ti *TypeInfo) AppendValue(dst []byte, v Value) ([]byte, error) {
	return ti.appendValue(dst, v, false)
}

// AppendParamValue is AppendValue for the RPC parameter form.
func (ti *TypeInfo) AppendParamValue(dst []byte, v Value) ([]byte, error) {
	return ti.appendValue(dst, v, true)
}

func (ti *TypeInfo) appendValue(dst []byte, v Value, param bool) ([]byte, error) {
	if v.null {
		return ti.appendNull(dst, param)
	}
	switch {
	case ti.Type == TypeVariant:
		return appendVariant(dst, v.typ, v.precision, v.scale, v.coll, v.varMax, v.data)
	case v.plp:
		if !ti.IsPLP() {
			return dst, typeErr(ti.Type, "a PLP value")
		}
		dst = binary.LittleEndian.AppendUint64(dst, v.plpLen)
		return append(dst, v.data...), nil
	case ti.LenClass() == LenLong && !param:
		var ts [8]byte
		copy(ts[:], v.timestamp)
		var err error
		if dst, err = AppendTextPointer(dst, v.textPtr, ts); err != nil {
			return dst, err
		}
	}
	return ti.appendData(dst, v.data)
}

// AppendVariant appends a sql_variant value, [MS-TDS] 2.2.5.5.4, holding
// data (the VARIANT_DATAVAL, e.g. 4 little-endian bytes for an INT4TYPE,
// UTF-16LE for NVARCHARTYPE) of the base type base describes: its Type
// (one of the base types of 2.2.5.5.4), and the Scale, Precision,
// Collation and MaxLen that become VARIANT_PROPERTIES.
//
// AppendVariant refuses, with an error wrapping tds.ErrMalformed, what the
// decoder would refuse: a type that is not a base type, a time scale above
// 7, a decimal precision outside 1..38 or a scale above the precision, a
// MaxLen above 65535 where it is written (a USHORT), and data whose length
// does not fit the base type (4 bytes for INT4TYPE, 3 to 5 for TIMENTYPE
// by scale, 5, 9, 13 or 17 for a decimal, ...). A value of more than
// 8009 bytes wraps tds.ErrTooLarge.
func AppendVariant(dst []byte, base *TypeInfo, data []byte) ([]byte, error) {
	switch base.Type {
	case TypeBigVarBinary, TypeBigBinary, TypeBigVarChar, TypeBigChar, TypeNVarChar, TypeNChar:
		if base.MaxLen > 0xFFFF {
			return dst, errf(0, tds.ErrMalformed, "sql_variant %v MaxLen %d does not fit its USHORT (2.2.5.5.4)", base.Type, base.MaxLen)
		}
	}
	return appendVariant(dst, base.Type, base.Precision, base.Scale, base.Collation, uint16(base.MaxLen), data)
}

func appendVariant(dst []byte, t TypeID, prec, scale uint8, coll Collation, maxLen uint16, data []byte) ([]byte, error) {
	pb := variantPropBytes(t)
	if pb < 0 {
		return dst, errf(0, tds.ErrMalformed, "%v is not a sql_variant base type (2.2.5.5.4)", t)
	}
	if !variantPropsOK(t, prec, scale) {
		return dst, errf(0, tds.ErrMalformed, "sql_variant %v precision %d scale %d out of range (2.2.5.5.4)", t, prec, scale)
	}
	if 2+pb+len(data) > variantMaxLen {
		return dst, errf(0, tds.ErrTooLarge, "sql_variant of %d bytes above the maximum %d", 2+pb+len(data), variantMaxLen)
	}
	if !variantDataOK(t, scale, len(data)) {
		return dst, errf(0, tds.ErrMalformed, "sql_variant: %d data bytes do not fit %v (2.2.5.5.4)", len(data), t)
	}
	dst = binary.LittleEndian.AppendUint32(dst, uint32(2+pb+len(data)))
	dst = append(dst, byte(t), byte(pb))
	switch t {
	case TypeTimeN, TypeDateTime2N, TypeDateTimeOffsetN:
		dst = append(dst, scale)
	case TypeBigVarBinary, TypeBigBinary:
		dst = binary.LittleEndian.AppendUint16(dst, maxLen)
	case TypeNumericN, TypeDecimalN:
		dst = append(dst, prec, scale)
	case TypeBigVarChar, TypeBigChar, TypeNVarChar, TypeNChar:
		dst = append(dst, coll[:]...)
		dst = binary.LittleEndian.AppendUint16(dst, maxLen)
	}
	return append(dst, data...), nil
}
