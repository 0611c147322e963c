package sqltype

import (
	"encoding/binary"

	"github.com/tdswire/tdswire/tds"
)

// MaxLenMax is the USHORTMAXLEN of [MS-TDS] 2.2.5.6: a TYPE_VARLEN of
// 0xFFFF on BIGVARCHARTYPE, BIGVARBINARYTYPE or NVARCHARTYPE declares
// varchar(max), varbinary(max) or nvarchar(max), whose values are
// partially length-prefixed (2.2.5.4.4).
const MaxLenMax = 0xFFFF

// TypeInfo describes the type of one column or parameter: a TYPE_INFO,
// [MS-TDS] 2.2.5.6, with the table name that COLMETADATA adds for text,
// ntext and image columns (2.2.7.4).
//
// After DecodeTypeInfo, the UCS2 views in XML, UDT and TableName point into the
// decoded buffer and are valid while the caller keeps it unchanged.
type TypeInfo struct {
	// Type is the data type token, 2.2.5.4.
	Type TypeID
	// MaxLen is the declared maximum length in bytes: the TYPE_VARLEN of
	// a variable-length type (MaxLenMax for the (max) types), MAX_BYTE_SIZE
	// for a UDT in COLMETADATA (2.2.5.5.2). For types whose TYPE_INFO
	// carries no length, DecodeTypeInfo sets the length the type implies: the
	// fixed size of a FIXEDLENTYPE, the value size a date/time scale
	// gives, and MaxLenMax for XMLTYPE, JSONTYPE and a UDT in an RPC.
	MaxLen uint32
	// Precision and Scale are the PRECISION and SCALE of decimal and
	// numeric types; Scale alone is set for TIMENTYPE, DATETIME2NTYPE,
	// DATETIMEOFFSETNTYPE (2.2.5.6) and is the dimension type of
	// VECTORTYPE (2.2.5.5.7). 2.2.5.6 requires a SCALE for VECTORTYPE
	// without placing it in the TYPE_INFO rule; it is read after the
	// USHORTLEN TYPE_VARLEN, where decimal types carry theirs.
	Precision, Scale uint8
	// Collation is set for BIGCHARTYPE, BIGVARCHARTYPE, TEXTTYPE,
	// NTEXTTYPE, NCHARTYPE and NVARCHARTYPE, 2.2.5.6.
	Collation Collation
	// XML is the XML_INFO of an XMLTYPE, 2.2.5.5.3.
	XML XMLInfo
	// UDT is the UDT_INFO of a UDTTYPE, 2.2.5.5.2.
	UDT UDTInfo
	// TableName is the TableName COLMETADATA sends after the TYPE_INFO of
	// a text, ntext or image column, 2.2.7.4. DecodeTypeInfo does not read it;
	// DecodeTableName reads it.
	TableName TableName
}

// XMLInfo is the XML_INFO of [MS-TDS] 2.2.5.5.3. The names are set only
// when SchemaPresent is true.
type XMLInfo struct {
	SchemaPresent    bool     // SCHEMA_PRESENT is 0x01
	DBName           tds.UCS2 // DbName, B_VARCHAR
	OwningSchema     tds.UCS2 // OWNING_SCHEMA, B_VARCHAR
	SchemaCollection tds.UCS2 // XML_SCHEMA_COLLECTION, US_VARCHAR
}

// UDTInfo is the UDT_INFO of [MS-TDS] 2.2.5.5.2 (its MAX_BYTE_SIZE is
// TypeInfo.MaxLen). AssemblyQualifiedName is sent only in COLMETADATA
// (UDT_INFO_IN_COLMETADATA), not in an RPC (UDT_INFO_IN_RPC).
type UDTInfo struct {
	DBName                tds.UCS2 // DB_NAME, B_VARCHAR
	SchemaName            tds.UCS2 // SCHEMA_NAME, B_VARCHAR
	TypeName              tds.UCS2 // TYPE_NAME, B_VARCHAR
	AssemblyQualifiedName tds.UCS2 // ASSEMBLY_QUALIFIED_NAME, US_VARCHAR
}

// LenClass returns how lengths of this type are carried, [MS-TDS]
// 2.2.5.4: LenPLP for the (max) types, XML, UDT and JSON.
func (ti *TypeInfo) LenClass() LenClass {
	c := typeClass(ti.Type)
	if c == LenUShort && ti.MaxLen == MaxLenMax && plpCapable(ti.Type) {
		return LenPLP
	}
	return c
}

// IsPLP reports whether values of this type are partially
// length-prefixed, [MS-TDS] 2.2.5.2.3 and 2.2.5.4.4.
func (ti *TypeInfo) IsPLP() bool { return ti.LenClass() == LenPLP }

// HasTableName reports whether COLMETADATA carries a TableName after this
// TYPE_INFO (text, ntext and image columns), [MS-TDS] 2.2.7.4.
func (ti *TypeInfo) HasTableName() bool {
	return ti.Type == TypeText || ti.Type == TypeNText || ti.Type == TypeImage
}

func plpCapable(t TypeID) bool {
	return t == TypeBigVarChar || t == TypeBigVarBinary || t == TypeNVarChar
}

// DecodeTypeInfo parses one TYPE_INFO, [MS-TDS] 2.2.5.6, at the start of
// b, as a server sends it in COLMETADATA, ALTMETADATA and RETURNVALUE (a
// UDT has the UDT_INFO_IN_COLMETADATA form of 2.2.5.5.2), and returns it
// with the number of bytes consumed. It does not allocate; UCS2 fields are
// views into b.
//
// DecodeTypeInfo checks what 2.2.5.4 and 2.2.5.6 require: declared
// lengths of the fixed-size nullable types are among those listed,
// PRECISION is 1 to 38 and SCALE at most PRECISION, a time scale is at
// most 7, only the three PARTLENTYPE-capable types declare MaxLenMax,
// SCHEMA_PRESENT is 0 or 1.
// TVPTYPE (2.2.5.5.5) is not a plain TYPE_INFO and is reported as
// tds.ErrUnexpected.
func DecodeTypeInfo(b []byte) (TypeInfo, int, error) {
	var ti TypeInfo
	n, err := ti.decode(b, false)
	return ti, n, err
}

// DecodeParamTypeInfo is DecodeTypeInfo for the TYPE_INFO of an RPC
// parameter sent by a client, [MS-TDS] 2.2.6.6: the same except that a UDT
// has the UDT_INFO_IN_RPC form (no MAX_BYTE_SIZE, no assembly name),
// 2.2.5.5.2.
func DecodeParamTypeInfo(b []byte) (TypeInfo, int, error) {
	var ti TypeInfo
	n, err := ti.decode(b, true)
	return ti, n, err
}

func (ti *TypeInfo) decode(b []byte, param bool) (int, error) {
	*ti = TypeInfo{}
	if len(b) < 1 {
		return 0, errf(0, tds.ErrTruncated, "TYPE_INFO: missing type token")
	}
	t := TypeID(b[0])
	ti.Type = t
	off := 1
	switch typeClass(t) {
	case LenZero:
		return off, nil
	case LenFixed:
		ti.MaxLen = uint32(fixedSize(t))
		return off, nil
	case LenByte:
		if len(b) < off+1 {
			return 0, errf(off, tds.ErrTruncated, "%v: missing BYTELEN TYPE_VARLEN", t)
		}
		l := b[off]
		if !validByteLen(t, int(l)) {
			return 0, errf(off, tds.ErrMalformed, "%v: declared length %d is not valid for the type (2.2.5.4.3)", t, l)
		}
		ti.MaxLen = uint32(l)
		off++
		if isDecimal(t) {
			if len(b) < off+2 {
				return 0, errf(off, tds.ErrTruncated, "%v: missing PRECISION and SCALE", t)
			}
			p, s := b[off], b[off+1]
			if p < 1 || p > 38 {
				return 0, errf(off, tds.ErrMalformed, "%v: PRECISION %d outside 1..38 (2.2.5.6)", t, p)
			}
			if s > p {
				return 0, errf(off+1, tds.ErrMalformed, "%v: SCALE %d above PRECISION %d (2.2.5.6)", t, s, p)
			}
			ti.Precision, ti.Scale = p, s
			off += 2
		}
		return off, nil
	case LenScale:
		if t == TypeDateN {
			ti.MaxLen = 3
			return off, nil
		}
		if len(b) < off+1 {
			return 0, errf(off, tds.ErrTruncated, "%v: missing SCALE", t)
		}
		s := b[off]
		if s > 7 {
			return 0, errf(off, tds.ErrMalformed, "%v: SCALE %d above 7 (2.2.5.4.3)", t, s)
		}
		ti.Scale = s
		ti.MaxLen = uint32(timeValueLen(t, s))
		return off + 1, nil
	case LenUShort:
		if len(b) < off+2 {
			return 0, errf(off, tds.ErrTruncated, "%v: missing USHORTLEN TYPE_VARLEN", t)
		}
		l := binary.LittleEndian.Uint16(b[off:])
		if l == MaxLenMax && !plpCapable(t) {
			return 0, errf(off, tds.ErrMalformed, "%v: declared length 0xFFFF, but only BIGVARCHARTYPE, BIGVARBINARYTYPE and NVARCHARTYPE have a (max) form (2.2.5.4.4)", t)
		}
		ti.MaxLen = uint32(l)
		off += 2
		if t == TypeVector {
			if len(b) < off+1 {
				return 0, errf(off, tds.ErrTruncated, "%v: missing SCALE (dimension type)", t)
			}
			ti.Scale = b[off]
			off++
		}
	case LenLong:
		if len(b) < off+4 {
			return 0, errf(off, tds.ErrTruncated, "%v: missing LONGLEN TYPE_VARLEN", t)
		}
		ti.MaxLen = binary.LittleEndian.Uint32(b[off:])
		off += 4
	case LenPLP:
		ti.MaxLen = MaxLenMax
		var err error
		switch t {
		case TypeXML:
			off, err = ti.XML.decode(b, off)
		case TypeUDT:
			off, err = ti.decodeUDT(b, off, param)
		}
		if err != nil {
			return 0, err
		}
		return off, nil
	default:
		if t == TypeTVP {
			return 0, errf(0, tds.ErrUnexpected, "TVPTYPE: a table-valued parameter has TVP_TYPE_INFO (2.2.5.5.5), not a TYPE_INFO")
		}
		return 0, errf(0, tds.ErrMalformed, "unknown data type token 0x%02X (2.2.5.4)", uint8(t))
	}
	if hasCollation(t) {
		if len(b) < off+CollationLen {
			return 0, errf(off, tds.ErrTruncated, "%v: missing COLLATION", t)
		}
		copy(ti.Collation[:], b[off:])
		off += CollationLen
	}
	return off, nil
}

func (x *XMLInfo) decode(b []byte, off int) (int, error) {
	if len(b) < off+1 {
		return 0, errf(off, tds.ErrTruncated, "XMLTYPE: missing SCHEMA_PRESENT")
	}
	switch b[off] {
	case 0:
		return off + 1, nil
	case 1:
	default:
		return 0, errf(off, tds.ErrMalformed, "XMLTYPE: SCHEMA_PRESENT is 0x%02X, not 0 or 1 (2.2.5.5.3)", b[off])
	}
	x.SchemaPresent = true
	off++
	var err error
	if x.DBName, off, err = bVarchar(b, off, "XML DbName"); err != nil {
		return 0, err
	}
	if x.OwningSchema, off, err = bVarchar(b, off, "XML OWNING_SCHEMA"); err != nil {
		return 0, err
	}
	if x.SchemaCollection, off, err = usVarchar(b, off, "XML_SCHEMA_COLLECTION"); err != nil {
		return 0, err
	}
	return off, nil
}

func (ti *TypeInfo) decodeUDT(b []byte, off int, param bool) (int, error) {
	u := &ti.UDT
	if !param {
		if len(b) < off+2 {
			return 0, errf(off, tds.ErrTruncated, "UDTTYPE: missing MAX_BYTE_SIZE")
		}
		ti.MaxLen = uint32(binary.LittleEndian.Uint16(b[off:]))
		off += 2
	}
	var err error
	if u.DBName, off, err = bVarchar(b, off, "UDT DB_NAME"); err != nil {
		return 0, err
	}
	if u.SchemaName, off, err = bVarchar(b, off, "UDT SCHEMA_NAME"); err != nil {
		return 0, err
	}
	if u.TypeName, off, err = bVarchar(b, off, "UDT TYPE_NAME"); err != nil {
		return 0, err
	}
	if !param {
		if u.AssemblyQualifiedName, off, err = usVarchar(b, off, "UDT ASSEMBLY_QUALIFIED_NAME"); err != nil {
			return 0, err
		}
	}
	return off, nil
}

// bVarchar reads a B_VARCHAR (length in UTF-16 code units, one byte),
// [MS-TDS] 2.2.5.2.2, at b[off:].
func bVarchar(b []byte, off int, what string) (tds.UCS2, int, error) {
	if len(b) < off+1 {
		return nil, 0, errf(off, tds.ErrTruncated, "%s: missing B_VARCHAR length", what)
	}
	n := 2 * int(b[off])
	if len(b)-off-1 < n {
		return nil, 0, errf(off, tds.ErrTruncated, "%s: B_VARCHAR declares %d bytes, %d present", what, n, len(b)-off-1)
	}
	return tds.UCS2(b[off+1 : off+1+n : off+1+n]), off + 1 + n, nil
}

// usVarchar reads a US_VARCHAR (length in UTF-16 code units, two bytes),
// [MS-TDS] 2.2.5.2.2, at b[off:].
func usVarchar(b []byte, off int, what string) (tds.UCS2, int, error) {
	if len(b) < off+2 {
		return nil, 0, errf(off, tds.ErrTruncated, "%s: missing US_VARCHAR length", what)
	}
	n := 2 * int(binary.LittleEndian.Uint16(b[off:]))
	if len(b)-off-2 < n {
		return nil, 0, errf(off, tds.ErrTruncated, "%s: US_VARCHAR declares %d bytes, %d present", what, n, len(b)-off-2)
	}
	return tds.UCS2(b[off+2 : off+2+n : off+2+n]), off + 2 + n, nil
}

func isDecimal(t TypeID) bool {
	return t == TypeDecimal || t == TypeNumeric || t == TypeDecimalN || t == TypeNumericN
}

// timeValueLen is the size of a non-NULL value of a scaled date/time type,
// [MS-TDS] 2.2.5.4.3 and 2.2.5.5.1.8.
func timeValueLen(t TypeID, scale uint8) int {
	switch t {
	case TypeDateN:
		return 3
	case TypeTimeN:
		return scaleLen(scale)
	case TypeDateTime2N:
		return scaleLen(scale) + 3
	case TypeDateTimeOffsetN:
		return scaleLen(scale) + 5
	}
	return 0
}

// validByteLen reports whether l is a valid BYTELEN for t, both as a
// declared TYPE_VARLEN and as the length of a non-NULL value, [MS-TDS]
// 2.2.5.4.3 and 2.2.5.5.1.6. It is read on every BYTELEN value of a row,
// hence the table.
func validByteLen(t TypeID, l int) bool {
	m := byteLenSets[t]
	return m == 0 || uint(l) < 32 && m&(1<<uint(l)) != 0
}

// byteLenSets holds, for the types whose BYTELEN may take only some
// values, the set of those values (bit l set for length l); 0 for the
// others, whose BYTELEN may be any.
var byteLenSets = [256]uint32{
	TypeIntN:      1<<1 | 1<<2 | 1<<4 | 1<<8,
	TypeFloatN:    1<<4 | 1<<8,
	TypeMoneyN:    1<<4 | 1<<8,
	TypeDateTimeN: 1<<4 | 1<<8,
	TypeBitN:      1 << 1,
	TypeGUID:      1 << 16,
	TypeDecimal:   1<<5 | 1<<9 | 1<<13 | 1<<17,
	TypeNumeric:   1<<5 | 1<<9 | 1<<13 | 1<<17,
	TypeDecimalN:  1<<5 | 1<<9 | 1<<13 | 1<<17,
	TypeNumericN:  1<<5 | 1<<9 | 1<<13 | 1<<17,
}

// Append appends the TYPE_INFO ti describes, in the server form DecodeTypeInfo
// reads, to dst and returns the extended slice. It does not write
// TableName (see AppendTableName). Fields the type does not carry are not
// written; names longer than their length field allows are cut to fit.
func (ti *TypeInfo) Append(dst []byte) []byte { return ti.append(dst, false) }

// AppendParam is Append for the RPC parameter form DecodeParamTypeInfo reads.
func (ti *TypeInfo) AppendParam(dst []byte) []byte { return ti.append(dst, true) }

func (ti *TypeInfo) append(dst []byte, param bool) []byte {
	t := ti.Type
	dst = append(dst, byte(t))
	switch typeClass(t) {
	case LenByte:
		dst = append(dst, byte(ti.MaxLen))
		if isDecimal(t) {
			dst = append(dst, ti.Precision, ti.Scale)
		}
		return dst
	case LenScale:
		if t != TypeDateN {
			dst = append(dst, ti.Scale)
		}
		return dst
	case LenUShort:
		dst = binary.LittleEndian.AppendUint16(dst, uint16(ti.MaxLen))
		if t == TypeVector {
			dst = append(dst, ti.Scale)
		}
	case LenLong:
		dst = binary.LittleEndian.AppendUint32(dst, ti.MaxLen)
	case LenPLP:
		switch t {
		case TypeXML:
			if !ti.XML.SchemaPresent {
				return append(dst, 0)
			}
			dst = append(dst, 1)
			dst = appendBVarchar(dst, ti.XML.DBName)
			dst = appendBVarchar(dst, ti.XML.OwningSchema)
			dst = appendUSVarchar(dst, ti.XML.SchemaCollection)
		case TypeUDT:
			if !param {
				dst = binary.LittleEndian.AppendUint16(dst, uint16(ti.MaxLen))
			}
			dst = appendBVarchar(dst, ti.UDT.DBName)
			dst = appendBVarchar(dst, ti.UDT.SchemaName)
			dst = appendBVarchar(dst, ti.UDT.TypeName)
			if !param {
				dst = appendUSVarchar(dst, ti.UDT.AssemblyQualifiedName)
			}
		}
		return dst
	default:
		return dst
	}
	if hasCollation(t) {
		dst = append(dst, ti.Collation[:]...)
	}
	return dst
}

func appendBVarchar(dst []byte, s tds.UCS2) []byte {
	n := min(len(s)/2, 0xFF)
	dst = append(dst, byte(n))
	return append(dst, s[:2*n]...)
}

func appendUSVarchar(dst []byte, s tds.UCS2) []byte {
	n := min(len(s)/2, 0xFFFF)
	dst = binary.LittleEndian.AppendUint16(dst, uint16(n))
	return append(dst, s[:2*n]...)
}

// TableName is a view of the TableName of COLMETADATA, [MS-TDS] 2.2.7.4:
// NumParts (one byte) followed by that many US_VARCHAR parts, exactly as on
// the wire. The zero value means no table name.
type TableName []byte

// NumParts returns the number of name parts, 0 for an empty TableName.
func (tn TableName) NumParts() int {
	if len(tn) == 0 {
		return 0
	}
	return int(tn[0])
}

// Part returns the i-th name part (0-based) as a view, or nil when i is out
// of range. A TableName from DecodeTableName or AppendTableName is well
// formed; a malformed hand-built one yields nil parts.
func (tn TableName) Part(i int) tds.UCS2 {
	if i < 0 || i >= tn.NumParts() {
		return nil
	}
	off := 1
	for k := 0; ; k++ {
		s, next, err := usVarchar(tn, off, "")
		if err != nil {
			return nil
		}
		if k == i {
			return s
		}
		off = next
	}
}

// AppendTableName appends the TableName of [MS-TDS] 2.2.7.4 built from
// parts (at most 255, each at most 65535 UTF-16 code units; extra parts
// and characters are dropped) and returns the extended slice and the
// TableName viewing the appended bytes (the same shape as
// tokens.AppendTableName).
func AppendTableName(dst []byte, parts ...string) ([]byte, TableName) {
	start := len(dst)
	dst = appendTableNameParts(dst, parts)
	return dst, TableName(dst[start:len(dst):len(dst)])
}

func appendTableNameParts(dst []byte, parts []string) []byte {
	parts = parts[:min(len(parts), 0xFF)]
	dst = append(dst, byte(len(parts)))
	for _, p := range parts {
		n := tds.UCS2Len(p)
		if n > 0xFFFF {
			dst = binary.LittleEndian.AppendUint16(dst, 0xFFFF)
			start := len(dst)
			dst = tds.AppendUCS2(dst, p)
			dst = dst[:start+2*0xFFFF]
			continue
		}
		dst = binary.LittleEndian.AppendUint16(dst, uint16(n))
		dst = tds.AppendUCS2(dst, p)
	}
	return dst
}

// DecodeTableName reads the TableName that COLMETADATA places after the
// TYPE_INFO of a text, ntext or image column ([MS-TDS] 2.2.7.4, see
// HasTableName; it goes in TypeInfo.TableName) at the start of b, and
// returns it (a view into b) with the bytes consumed. The rule is NumParts 1*PartName, the form
// since TDS 7.2 (before it, TableName was a single US_VARCHAR without
// NumParts; callers speaking older versions read that themselves). A
// NumParts of 0 is accepted (leniency: nothing is lost by it).
func DecodeTableName(b []byte) (TableName, int, error) {
	if len(b) < 1 {
		return nil, 0, errf(0, tds.ErrTruncated, "TableName: missing NumParts")
	}
	off := 1
	for i := 0; i < int(b[0]); i++ {
		var err error
		if _, off, err = usVarchar(b, off, "TableName PartName"); err != nil {
			return nil, 0, err
		}
	}
	return TableName(b[:off:off]), off, nil
}

// AppendTableName appends ti.TableName as COLMETADATA carries it; an empty
// TableName is written as NumParts 0.
func (ti *TypeInfo) AppendTableName(dst []byte) []byte {
	if len(ti.TableName) == 0 {
		return append(dst, 0)
	}
	return append(dst, ti.TableName...)
}
