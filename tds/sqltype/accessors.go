package sqltype

import (
	"encoding/binary"
	"math"

	"github.com/tdswire/tdswire/tds"
)

// want checks that v is non-NULL and of one of the types ok accepts.
// Callers probe values with one accessor after another, so its errors
// are built by concatenation, without fmt: one allocation for the
// message and one for the *tds.Error.
func (v Value) want(what string, ok bool) error {
	if v.null {
		return &tds.Error{Layer: layer, Msg: what + " of a NULL " + v.typ.String() + " value", Err: ErrNull}
	}
	if !ok {
		return &tds.Error{Layer: layer, Msg: what + " of a " + v.typ.String() + " value", Err: tds.ErrUnexpected}
	}
	return nil
}

// Int64 returns an integer value: INT1TYPE (unsigned), INT2TYPE,
// INT4TYPE, INT8TYPE or INTNTYPE, [MS-TDS] 2.2.5.5.1.1.
func (v Value) Int64() (int64, error) {
	t := v.typ
	if err := v.want("Int64", t == TypeInt1 || t == TypeInt2 || t == TypeInt4 || t == TypeInt8 || t == TypeIntN); err != nil {
		return 0, err
	}
	d := v.data
	switch len(d) {
	case 1:
		return int64(d[0]), nil
	case 2:
		return int64(int16(binary.LittleEndian.Uint16(d))), nil
	case 4:
		return int64(int32(binary.LittleEndian.Uint32(d))), nil
	case 8:
		return int64(binary.LittleEndian.Uint64(d)), nil
	}
	return 0, errf(0, tds.ErrMalformed, "%v value of %d bytes", t, len(d))
}

// Bool returns a bit value (BITTYPE or BITNTYPE), [MS-TDS] 2.2.5.5.1.1:
// any non-zero byte is true.
func (v Value) Bool() (bool, error) {
	if err := v.want("Bool", v.typ == TypeBit || v.typ == TypeBitN); err != nil {
		return false, err
	}
	if len(v.data) != 1 {
		return false, errf(0, tds.ErrMalformed, "%v value of %d bytes", v.typ, len(v.data))
	}
	return v.data[0] != 0, nil
}

// Float64 returns a floating-point value (FLT4TYPE, FLT8TYPE, FLTNTYPE),
// [MS-TDS] 2.2.5.5.1.5; a 4-byte real is widened exactly.
func (v Value) Float64() (float64, error) {
	t := v.typ
	if err := v.want("Float64", t == TypeFloat4 || t == TypeFloat8 || t == TypeFloatN); err != nil {
		return 0, err
	}
	switch len(v.data) {
	case 4:
		return float64(math.Float32frombits(binary.LittleEndian.Uint32(v.data))), nil
	case 8:
		return math.Float64frombits(binary.LittleEndian.Uint64(v.data)), nil
	}
	return 0, errf(0, tds.ErrMalformed, "%v value of %d bytes", t, len(v.data))
}

// Money returns a money or smallmoney value (MONEYTYPE, MONEY4TYPE,
// MONEYNTYPE) in ten-thousandths of a unit, [MS-TDS] 2.2.5.5.1.4.
func (v Value) Money() (int64, error) {
	t := v.typ
	if err := v.want("Money", t == TypeMoney || t == TypeMoney4 || t == TypeMoneyN); err != nil {
		return 0, err
	}
	d := v.data
	switch len(d) {
	case 4:
		return int64(int32(binary.LittleEndian.Uint32(d))), nil
	case 8:
		hi := int64(int32(binary.LittleEndian.Uint32(d)))
		lo := int64(binary.LittleEndian.Uint32(d[4:]))
		return hi<<32 | lo, nil
	}
	return 0, errf(0, tds.ErrMalformed, "%v value of %d bytes", t, len(d))
}

// GUID returns a uniqueidentifier value (GUIDTYPE), [MS-TDS]
// 2.2.5.5.1.7, in the wire layout (see GUID).
func (v Value) GUID() (GUID, error) {
	if err := v.want("GUID", v.typ == TypeGUID); err != nil {
		return GUID{}, err
	}
	if len(v.data) != 16 {
		return GUID{}, errf(0, tds.ErrMalformed, "GUIDTYPE value of %d bytes", len(v.data))
	}
	return GUID(v.data), nil
}

// contiguous returns the data of v as one view: Raw for a non-PLP value,
// the single chunk of a PLP value (or empty when it has none).
func (v Value) contiguous(what string) ([]byte, error) {
	if !v.plp {
		return v.data, nil
	}
	first, rest, ok := nextChunk(v.data)
	if !ok {
		return v.data[:0], nil
	}
	if _, _, more := nextChunk(rest); more {
		return nil, errf(0, tds.ErrUnexpected, "%s: the %v value spans several PLP chunks; use AppendBytes", what, v.typ)
	}
	return first, nil
}

// UCS2 returns a Unicode character value (NCHARTYPE, NVARCHARTYPE,
// NTEXTTYPE) as a view. A PLP value is returned as a view only when it
// arrived in at most one chunk; otherwise the error says so and
// AppendBytes gives the text (as UTF-16LE) in a caller buffer.
func (v Value) UCS2() (tds.UCS2, error) {
	t := v.typ
	if err := v.want("UCS2", t == TypeNChar || t == TypeNVarChar || t == TypeNText); err != nil {
		return nil, err
	}
	d, err := v.contiguous("UCS2")
	return tds.UCS2(d), err
}

// Chars returns a single-byte character value (BIGCHARTYPE,
// BIGVARCHARTYPE, TEXTTYPE, CHARTYPE, VARCHARTYPE, JSONTYPE) as a view of
// its bytes, in the code page of Collation (UTF-8 when Collation().UTF8()).
// PLP values behave as in UCS2.
func (v Value) Chars() ([]byte, error) {
	t := v.typ
	if err := v.want("Chars", t == TypeBigChar || t == TypeBigVarChar || t == TypeText || t == TypeChar || t == TypeVarChar || t == TypeJSON); err != nil {
		return nil, err
	}
	return v.contiguous("Chars")
}

// Bytes returns a binary value (BIGBINARYTYPE, BIGVARBINARYTYPE,
// IMAGETYPE, BINARYTYPE, VARBINARYTYPE, UDTTYPE, XMLTYPE, VECTORTYPE) as a
// view. PLP values behave as in UCS2.
func (v Value) Bytes() ([]byte, error) {
	t := v.typ
	switch t {
	case TypeBigBinary, TypeBigVarBinary, TypeImage, TypeBinary, TypeVarBinary, TypeUDT, TypeXML, TypeVector:
	default:
		return nil, v.want("Bytes", false)
	}
	if err := v.want("Bytes", true); err != nil {
		return nil, err
	}
	return v.contiguous("Bytes")
}
