package sqltype

import (
	"encoding/binary"

	"github.com/tdswire/tdswire/tds"
)

// ColumnValue is one column of a ROW or NBCROW token, [MS-TDS] 2.2.7.20
// and 2.2.7.15: the decoded value, whose typed accessors come from Value
// (IsNull, Raw, Chunks, ...), and Wire, the TYPE_VARBYTE as it travels
// (length prefix, text pointer, PLP chunks included; a view). Wire is nil
// for a column an NBCROW null bitmap marks NULL; its Value is then a NULL
// of the column's type. tokens.ColumnValue is this type.
type ColumnValue struct {
	Value
	Wire []byte
}

// DecodeRowTo decodes the values of one ROW or NBCROW, [MS-TDS] 2.2.7.20
// and 2.2.7.15: the TYPE_VARBYTEs (in the form of DecodeValue) at the
// start of b, one for each of types, into dst[i] for types[i], in one
// walk; it is DecodeValueTo for a whole row, for readers of many rows.
// nulls is an NBCROW's null bitmap (one bit per column, least significant
// first), or nil for a ROW: a column whose bit is set has no bytes in b,
// and dst[i] becomes a NULL of its type with a nil Wire.
//
// dst must have at least len(types) elements and nulls, when not nil, at
// least (len(types)+7)/8 bytes; otherwise DecodeRowTo returns an error
// wrapping tds.ErrUnexpected and decodes nothing.
//
// On success n is the number of bytes consumed. On error n is the index
// of the column in error (dst[:n] are decoded, dst[n] is the zero
// ColumnValue) and the error's Offset is relative to b; a column whose
// null bit is set but whose type has no NULL form (a fixed-length type)
// is an error wrapping tds.ErrMalformed. It does not allocate.
func DecodeRowTo(dst []ColumnValue, types []*TypeInfo, nulls, b []byte) (n int, err error) {
	if len(dst) < len(types) || nulls != nil && len(nulls) < (len(types)+7)/8 {
		return 0, errf(0, tds.ErrUnexpected, "DecodeRowTo: %d values and %d null bitmap bytes for %d columns", len(dst), len(nulls), len(types))
	}
	dst = dst[:len(types)]
	off := 0
	for i, ti := range types {
		cv := &dst[i]
		if nulls != nil && nulls[uint(i)/8]&(1<<(uint(i)%8)) != 0 {
			if err := cv.Value.decodeNull(ti); err != nil {
				cv.Wire = nil
				return i, err
			}
			cv.Wire = nil
			continue
		}
		// decodeValueTo's fast path, written out, each class storing
		// and moving on by itself: a call per column costs a row more
		// than the checks.
		rest := b[off:]
		t := ti.Type
		switch typeClasses[t] {
		case LenFixed:
			if m := int(fixedSizes[t]); len(rest) >= m {
				w := rest[:m:m]
				cv.Value.setView(ti, w)
				cv.Wire = w
				off += m
				continue
			}
		case LenByte:
			if len(rest) >= 1 {
				if m := 1 + int(rest[0]); m == 1 {
					cv.Value.setNull(ti)
					cv.Wire = rest[:1:1]
					off++
					continue
				} else if len(rest) >= m && validByteLen(t, m-1) {
					cv.Value.setView(ti, rest[1:m:m])
					cv.Wire = rest[:m:m]
					off += m
					continue
				}
			}
		case LenScale:
			if len(rest) >= 1 {
				if m := 1 + int(rest[0]); m == 1 {
					cv.Value.setNull(ti)
					cv.Wire = rest[:1:1]
					off++
					continue
				} else if len(rest) >= m && m-1 == timeValueLen(t, ti.Scale) {
					cv.Value.setView(ti, rest[1:m:m])
					cv.Wire = rest[:m:m]
					off += m
					continue
				}
			}
		case LenUShort:
			if len(rest) >= 2 && (ti.MaxLen != MaxLenMax || !plpCapable(t)) {
				if l := int(binary.LittleEndian.Uint16(rest)); l == 0xFFFF {
					cv.Value.setNull(ti)
					cv.Wire = rest[:2:2]
					off += 2
					continue
				} else if m := 2 + l; len(rest) >= m {
					cv.Value.setView(ti, rest[2:m:m])
					cv.Wire = rest[:m:m]
					off += m
					continue
				}
			}
		}
		k, err := ti.decodeValueSlow(&cv.Value, rest, false)
		if err != nil {
			cv.Wire = nil
			return i, rebaseErr(err, off)
		}
		cv.Wire = rest[:k:k]
		off += k
	}
	return off, nil
}

// setView makes v the non-NULL value data of type ti, in the fields
// decodeValueTo stores. The fields only PLP, sql_variant and text values
// set are cleared only when set: a reused dst mostly holds the previous
// row's values of the same types, and a load and a branch cost less than
// the stores.
func (v *Value) setView(ti *TypeInfo, data []byte) {
	v.typ = ti.Type
	v.precision = ti.Precision
	v.scale = ti.Scale
	v.coll = ti.Collation
	v.clearRare()
	v.null = false
	v.data = data
}

// setNull is setView for a NULL (a zero BYTELEN or CHARBIN_NULL).
func (v *Value) setNull(ti *TypeInfo) {
	v.typ = ti.Type
	v.precision = ti.Precision
	v.scale = ti.Scale
	v.coll = ti.Collation
	v.clearRare()
	v.null = true
	v.data = nil
}

// clearRare clears the fields of PLP, sql_variant and text values when
// they are set.
func (v *Value) clearRare() {
	if v.plp || v.variant || v.varMax != 0 || v.plpLen != 0 {
		v.plp, v.variant, v.varMax, v.plpLen = false, false, 0, 0
	}
	if v.textPtr != nil || v.timestamp != nil {
		v.textPtr, v.timestamp = nil, nil
	}
}

// decodeNull makes v a NULL of ti's type, the value of a column an NBCROW
// null bitmap marks NULL: what DecodeValueTo gives for the type's NULL
// form in a row ([MS-TDS] 2.2.5.2.3: GEN_NULL, CHARBIN_NULL, PLP_NULL, an
// absent text pointer, a sql_variant of length 0).
func (v *Value) decodeNull(ti *TypeInfo) error {
	c := ti.LenClass()
	switch c {
	case LenZero, LenByte, LenScale, LenUShort, LenLong, LenPLP:
	default:
		*v = Value{}
		if c == LenFixed {
			return errf(0, tds.ErrMalformed, "%v value marked NULL, but the type cannot be NULL", ti.Type)
		}
		return errf(0, tds.ErrMalformed, "%v: no TYPE_VARBYTE form for this type", ti.Type)
	}
	if ti.Type == TypeVariant {
		// decodeVariant's NULL: the base type is unknown.
		*v = Value{typ: TypeVariant, null: true}
		return nil
	}
	// Field by field, as in decodeValueTo.
	v.typ = ti.Type
	v.precision = ti.Precision
	v.scale = ti.Scale
	v.coll = ti.Collation
	v.null, v.plp, v.variant, v.varMax, v.plpLen = true, c == LenPLP, false, 0, 0
	v.data, v.textPtr, v.timestamp = nil, nil, nil
	return nil
}

// rebaseErr adds base to the Offset of err when it is a *tds.Error.
func rebaseErr(err error, base int) error {
	if e, ok := err.(*tds.Error); ok && base != 0 {
		e.Offset += int64(base)
	}
	return err
}
