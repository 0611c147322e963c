package sqltype

import "strconv"

// TypeID is the one-byte data type token that starts a TYPE_INFO,
// [MS-TDS] 2.2.5.4 (FIXEDLENTYPE, VARLENTYPE, PARTLENTYPE, NULLTYPE).
type TypeID uint8

// The zero-length type, [MS-TDS] 2.2.5.4.1.
const (
	TypeNull TypeID = 0x1F // NULLTYPE
)

// The fixed-length types, [MS-TDS] 2.2.5.4.2. Their values carry no length
// prefix and cannot be NULL.
const (
	TypeInt1      TypeID = 0x30 // INT1TYPE, tinyint
	TypeBit       TypeID = 0x32 // BITTYPE, bit
	TypeInt2      TypeID = 0x34 // INT2TYPE, smallint
	TypeInt4      TypeID = 0x38 // INT4TYPE, int
	TypeDateTime4 TypeID = 0x3A // DATETIM4TYPE, smalldatetime
	TypeFloat4    TypeID = 0x3B // FLT4TYPE, real
	TypeMoney     TypeID = 0x3C // MONEYTYPE, money
	TypeDateTime  TypeID = 0x3D // DATETIMETYPE, datetime
	TypeFloat8    TypeID = 0x3E // FLT8TYPE, float
	TypeMoney4    TypeID = 0x7A // MONEY4TYPE, smallmoney
	TypeInt8      TypeID = 0x7F // INT8TYPE, bigint
)

// The variable-length types, [MS-TDS] 2.2.5.4.3, and the partially
// length-prefixed ones, 2.2.5.4.4.
const (
	TypeDecimal         TypeID = 0x37 // DECIMALTYPE, decimal (legacy)
	TypeNumeric         TypeID = 0x3F // NUMERICTYPE, numeric (legacy)
	TypeGUID            TypeID = 0x24 // GUIDTYPE, uniqueidentifier
	TypeIntN            TypeID = 0x26 // INTNTYPE, nullable tinyint/smallint/int/bigint
	TypeBitN            TypeID = 0x68 // BITNTYPE, nullable bit
	TypeDecimalN        TypeID = 0x6A // DECIMALNTYPE, decimal
	TypeNumericN        TypeID = 0x6C // NUMERICNTYPE, numeric
	TypeFloatN          TypeID = 0x6D // FLTNTYPE, nullable real/float
	TypeMoneyN          TypeID = 0x6E // MONEYNTYPE, nullable smallmoney/money
	TypeDateTimeN       TypeID = 0x6F // DATETIMNTYPE, nullable smalldatetime/datetime
	TypeDateN           TypeID = 0x28 // DATENTYPE, date (TDS 7.3)
	TypeTimeN           TypeID = 0x29 // TIMENTYPE, time(n) (TDS 7.3)
	TypeDateTime2N      TypeID = 0x2A // DATETIME2NTYPE, datetime2(n) (TDS 7.3)
	TypeDateTimeOffsetN TypeID = 0x2B // DATETIMEOFFSETNTYPE, datetimeoffset(n) (TDS 7.3)
	TypeChar            TypeID = 0x2F // CHARTYPE, char (legacy)
	TypeVarChar         TypeID = 0x27 // VARCHARTYPE, varchar (legacy)
	TypeBinary          TypeID = 0x2D // BINARYTYPE, binary (legacy)
	TypeVarBinary       TypeID = 0x25 // VARBINARYTYPE, varbinary (legacy)
	TypeBigVarBinary    TypeID = 0xA5 // BIGVARBINARYTYPE, varbinary(n|max)
	TypeBigVarChar      TypeID = 0xA7 // BIGVARCHARTYPE, varchar(n|max)
	TypeBigBinary       TypeID = 0xAD // BIGBINARYTYPE, binary(n)
	TypeBigChar         TypeID = 0xAF // BIGCHARTYPE, char(n)
	TypeNVarChar        TypeID = 0xE7 // NVARCHARTYPE, nvarchar(n|max)
	TypeNChar           TypeID = 0xEF // NCHARTYPE, nchar(n)
	TypeXML             TypeID = 0xF1 // XMLTYPE, xml (TDS 7.2)
	TypeUDT             TypeID = 0xF0 // UDTTYPE, CLR user-defined type (TDS 7.2)
	TypeText            TypeID = 0x23 // TEXTTYPE, text
	TypeImage           TypeID = 0x22 // IMAGETYPE, image
	TypeNText           TypeID = 0x63 // NTEXTTYPE, ntext
	TypeVariant         TypeID = 0x62 // SSVARIANTTYPE, sql_variant (TDS 7.2)
	TypeJSON            TypeID = 0xF4 // JSONTYPE, json
	TypeVector          TypeID = 0xF5 // VECTORTYPE, vector
	TypeTVP             TypeID = 0xF3 // TVPTYPE, table-valued parameter, 2.2.5.5.5 (named only; see DecodeTypeInfo)
)

var typeNames = [256]string{
	TypeNull:            "NULLTYPE",
	TypeInt1:            "INT1TYPE",
	TypeBit:             "BITTYPE",
	TypeInt2:            "INT2TYPE",
	TypeInt4:            "INT4TYPE",
	TypeDateTime4:       "DATETIM4TYPE",
	TypeFloat4:          "FLT4TYPE",
	TypeMoney:           "MONEYTYPE",
	TypeDateTime:        "DATETIMETYPE",
	TypeFloat8:          "FLT8TYPE",
	TypeMoney4:          "MONEY4TYPE",
	TypeInt8:            "INT8TYPE",
	TypeDecimal:         "DECIMALTYPE",
	TypeNumeric:         "NUMERICTYPE",
	TypeGUID:            "GUIDTYPE",
	TypeIntN:            "INTNTYPE",
	TypeBitN:            "BITNTYPE",
	TypeDecimalN:        "DECIMALNTYPE",
	TypeNumericN:        "NUMERICNTYPE",
	TypeFloatN:          "FLTNTYPE",
	TypeMoneyN:          "MONEYNTYPE",
	TypeDateTimeN:       "DATETIMNTYPE",
	TypeDateN:           "DATENTYPE",
	TypeTimeN:           "TIMENTYPE",
	TypeDateTime2N:      "DATETIME2NTYPE",
	TypeDateTimeOffsetN: "DATETIMEOFFSETNTYPE",
	TypeChar:            "CHARTYPE",
	TypeVarChar:         "VARCHARTYPE",
	TypeBinary:          "BINARYTYPE",
	TypeVarBinary:       "VARBINARYTYPE",
	TypeBigVarBinary:    "BIGVARBINARYTYPE",
	TypeBigVarChar:      "BIGVARCHARTYPE",
	TypeBigBinary:       "BIGBINARYTYPE",
	TypeBigChar:         "BIGCHARTYPE",
	TypeNVarChar:        "NVARCHARTYPE",
	TypeNChar:           "NCHARTYPE",
	TypeXML:             "XMLTYPE",
	TypeUDT:             "UDTTYPE",
	TypeText:            "TEXTTYPE",
	TypeImage:           "IMAGETYPE",
	TypeNText:           "NTEXTTYPE",
	TypeVariant:         "SSVARIANTTYPE",
	TypeJSON:            "JSONTYPE",
	TypeVector:          "VECTORTYPE",
	TypeTVP:             "TVPTYPE",
}

// String returns the specification's token name ("NVARCHARTYPE"), or
// "TypeID(0x01)" for a byte [MS-TDS] 2.2.5.4 does not define.
func (t TypeID) String() string {
	if s := typeNames[t]; s != "" {
		return s
	}
	return "TypeID(0x" + hex2(uint8(t)) + ")"
}

func hex2(b uint8) string {
	const digits = "0123456789ABCDEF"
	return string([]byte{digits[b>>4], digits[b&0xF]})
}

// LenClass says how a type's length is carried, [MS-TDS] 2.2.5.2 and
// 2.2.5.4: the width of TYPE_VARLEN in TYPE_INFO and of the length prefix
// of each value.
type LenClass uint8

// The length classes of [MS-TDS] 2.2.5.4.
const (
	// LenInvalid is the class of a byte 2.2.5.4 does not define (and of
	// TVPTYPE, which this package does not decode).
	LenInvalid LenClass = iota
	// LenZero: NULLTYPE, no length and no data (2.2.5.4.1).
	LenZero
	// LenFixed: FIXEDLENTYPE, the type implies the size (2.2.5.4.2).
	// Values carry no length prefix, as 2.2.5.2.3 says and the bulk load
	// example of section 4.12 shows; the prose of 2.2.5.4.2, which speaks
	// of a BYTELEN in TYPE_VARBYTE, disagrees, and is not followed.
	LenFixed
	// LenByte: BYTELEN_TYPE, one-byte lengths (2.2.5.4.3).
	LenByte
	// LenScale: DATENTYPE, TIMENTYPE, DATETIME2NTYPE and
	// DATETIMEOFFSETNTYPE: no TYPE_VARLEN in TYPE_INFO (the scale implies
	// it), but a one-byte length before each value (2.2.5.4.3, 2.2.5.6).
	LenScale
	// LenUShort: USHORTLEN_TYPE, two-byte lengths (2.2.5.4.3).
	LenUShort
	// LenLong: LONGLEN_TYPE, four-byte lengths (2.2.5.4.3).
	LenLong
	// LenPLP: PARTLENTYPE values, partially length-prefixed (2.2.5.2.3,
	// 2.2.5.4.4).
	LenPLP
)

var lenClassNames = [...]string{"invalid", "zero", "fixed", "byte", "scale", "ushort", "long", "plp"}

// String returns a short lower-case name of c ("ushort").
func (c LenClass) String() string {
	if int(c) < len(lenClassNames) {
		return lenClassNames[c]
	}
	return "LenClass(" + strconv.Itoa(int(c)) + ")"
}

// fixedSize gives the size of the fixed-length types of 2.2.5.4.2 and
// 0 for every other type.
func fixedSize(t TypeID) int { return int(fixedSizes[t]) }

// fixedSizes is fixedSize as a table, read on every value of a row.
var fixedSizes = [256]uint8{
	TypeInt1: 1, TypeBit: 1,
	TypeInt2: 2,
	TypeInt4: 4, TypeDateTime4: 4, TypeFloat4: 4, TypeMoney4: 4,
	TypeMoney: 8, TypeDateTime: 8, TypeFloat8: 8, TypeInt8: 8,
}

// typeClass is the class of the TYPE_INFO length, before the PLP forms of
// BIGVARCHARTYPE, BIGVARBINARYTYPE and NVARCHARTYPE are told apart by
// their maximum length. Types not in the table are LenInvalid (0).
func typeClass(t TypeID) LenClass { return typeClasses[t] }

// typeClasses is typeClass as a table, read on every value of a row.
var typeClasses = [256]LenClass{
	TypeNull: LenZero,

	TypeInt1: LenFixed, TypeBit: LenFixed, TypeInt2: LenFixed, TypeInt4: LenFixed,
	TypeDateTime4: LenFixed, TypeFloat4: LenFixed, TypeMoney: LenFixed,
	TypeDateTime: LenFixed, TypeFloat8: LenFixed, TypeMoney4: LenFixed, TypeInt8: LenFixed,

	TypeGUID: LenByte, TypeIntN: LenByte, TypeDecimal: LenByte, TypeNumeric: LenByte,
	TypeBitN: LenByte, TypeDecimalN: LenByte, TypeNumericN: LenByte, TypeFloatN: LenByte,
	TypeMoneyN: LenByte, TypeDateTimeN: LenByte, TypeChar: LenByte,
	TypeVarChar: LenByte, TypeBinary: LenByte, TypeVarBinary: LenByte,

	TypeDateN: LenScale, TypeTimeN: LenScale, TypeDateTime2N: LenScale, TypeDateTimeOffsetN: LenScale,

	TypeBigVarBinary: LenUShort, TypeBigVarChar: LenUShort, TypeBigBinary: LenUShort,
	TypeBigChar: LenUShort, TypeNVarChar: LenUShort, TypeNChar: LenUShort, TypeVector: LenUShort,

	TypeImage: LenLong, TypeNText: LenLong, TypeVariant: LenLong, TypeText: LenLong,

	TypeXML: LenPLP, TypeUDT: LenPLP, TypeJSON: LenPLP,
}

// hasCollation reports whether TYPE_INFO carries a COLLATION for t,
// [MS-TDS] 2.2.5.6.
func hasCollation(t TypeID) bool {
	switch t {
	case TypeBigChar, TypeBigVarChar, TypeText, TypeNText, TypeNChar, TypeNVarChar:
		return true
	}
	return false
}

// scaleLen is the size of a time(n) value for scale n ([MS-TDS] 2.2.5.4.3
// and 2.2.5.5.1.8), or 0 when n is above 7.
func scaleLen(n uint8) int {
	switch {
	case n <= 2:
		return 3
	case n <= 4:
		return 4
	case n <= 7:
		return 5
	}
	return 0
}
