package sqltype_test

import (
	"fmt"
	"time"

	"github.com/tdswire/tdswire/tds/sqltype"
)

// Decoding the column of the [MS-TDS] 4.7 example (varchar(3)) and its
// ROW value, as a token reader does after the COLMETADATA header and
// before the ColName.
func ExampleDecodeTypeInfo() {
	typeInfo := []byte{0xA7, 0x03, 0x00, 0x09, 0x04, 0xD0, 0x00, 0x34}
	row := []byte{0x03, 0x00, 'f', 'o', 'o'}

	ti, n, err := sqltype.DecodeTypeInfo(typeInfo)
	if err != nil {
		panic(err)
	}
	fmt.Println(n, ti.Type, ti.MaxLen, ti.Collation.LCID() == 0x409, ti.Collation.SortID())

	v, m, err := ti.DecodeValue(row)
	if err != nil {
		panic(err)
	}
	s, _ := v.Chars()
	fmt.Printf("%d %q\n", m, s)
	// Output:
	// 8 BIGVARCHARTYPE 3 true 52
	// 5 "foo"
}

// Skipping the values of a row without decoding them.
func ExampleTypeInfo_ValueLen() {
	cols := []sqltype.TypeInfo{
		{Type: sqltype.TypeIntN, MaxLen: 4},
		{Type: sqltype.TypeNVarChar, MaxLen: sqltype.MaxLenMax},
	}
	row := []byte{
		0x04, 0x2A, 0x00, 0x00, 0x00, // int 42
		0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, // UNKNOWN_PLP_LEN
		0x02, 0x00, 0x00, 0x00, 'h', 0x00, // one chunk
		0x00, 0x00, 0x00, 0x00, // PLP_TERMINATOR
	}
	off := 0
	for i := range cols {
		n, err := cols[i].ValueLen(row[off:])
		if err != nil {
			panic(err)
		}
		fmt.Println(cols[i].Type, n)
		off += n
	}
	// Output:
	// INTNTYPE 5
	// NVARCHARTYPE 18
}

// Encoding the TYPE_INFO and values of RPC parameters.
func ExampleTypeInfo_AppendTime() {
	ti := sqltype.TypeInfo{Type: sqltype.TypeDateTime2N, Scale: 7}
	b := ti.AppendParam(nil)
	b, err := ti.AppendTime(b, time.Date(2024, 1, 2, 3, 4, 5, 123456700, time.UTC))
	if err != nil {
		panic(err)
	}
	fmt.Printf("% x\n", b)

	dec := sqltype.TypeInfo{Type: sqltype.TypeDecimalN, MaxLen: 17, Precision: 10, Scale: 2}
	d, _ := sqltype.ParseDecimal("123.45")
	b, _ = dec.AppendDecimal(dec.AppendParam(nil), d)
	fmt.Printf("% x\n", b)
	// Output:
	// 2a 07 08 07 17 68 b7 19 46 46 0b
	// 6a 11 0a 02 09 01 39 30 00 00 00 00 00 00
}

// Reading a sql_variant: the value takes the type of its base type.
func ExampleValue_IsVariant() {
	ti := sqltype.TypeInfo{Type: sqltype.TypeVariant, MaxLen: 8009}
	v, _, err := ti.DecodeValue([]byte{0x06, 0, 0, 0, 0x38, 0x00, 0x2A, 0, 0, 0})
	if err != nil {
		panic(err)
	}
	x, _ := v.Int64()
	fmt.Println(v.IsVariant(), v.Type(), x)
	// Output: true INT4TYPE 42
}

// The NBCROW null bitmap of a three-column row whose second column is
// NULL.
func ExampleIsNullInBitmap() {
	bitmap := make([]byte, sqltype.NullBitmapLen(3))
	sqltype.SetNullInBitmap(bitmap, 1)
	for i := 0; i < 3; i++ {
		fmt.Print(sqltype.IsNullInBitmap(bitmap, i), " ")
	}
	fmt.Printf("% x\n", bitmap)
	// Output: false true false 02
}

func ExampleGUID_String() {
	g := sqltype.GUID{0xFF, 0x19, 0x96, 0x6F, 0x86, 0x8B, 0x11, 0xD0, 0xB4, 0x2D, 0x00, 0xC0, 0x4F, 0xC9, 0x64, 0xFF}
	fmt.Println(g)
	// Output: 6f9619ff-8b86-d011-b42d-00c04fc964ff
}

// Reading a value without knowing its type: Any gives the natural Go
// value, String a trace form, and TypeInfo.String the SQL type name.
func ExampleValue_Any() {
	ti := sqltype.TypeInfo{Type: sqltype.TypeDecimalN, MaxLen: 9, Precision: 10, Scale: 2}
	// DECIMALN value ([MS-TDS] 2.2.5.5.1.6): BYTELEN 9 (precision 10 takes
	// an 8-byte integer), sign 1 (positive), 12345 little-endian.
	row := []byte{0x09, 0x01, 0x39, 0x30, 0, 0, 0, 0, 0, 0}
	v, _, err := ti.DecodeValue(row)
	if err != nil {
		panic(err)
	}
	x, err := v.Any()
	if err != nil {
		panic(err)
	}
	fmt.Printf("%v %T %v\n", ti, x, v)
	// Output:
	// decimal(10,2) sqltype.Decimal 123.45
}
