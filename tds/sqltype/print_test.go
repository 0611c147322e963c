package sqltype

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
)

// TestGoldenPrint checks the SQL type names, the natural Go values and the
// trace forms of the golden values (expected values from the comments of
// each testdata file).
func TestGoldenPrint(t *testing.T) {
	cases := []struct {
		file     string
		typeName string
		any      any
		str      string
	}{
		{"bit_bulkload.hex", "bit", false, "0"},
		{"datetime.hex", "datetime", time.Date(2024, 1, 2, 3, 4, 5, 123333333, time.UTC), "2024-01-02T03:04:05.123333333Z"},
		{"datetime2.hex", "datetime2(7)", time.Date(2024, 1, 2, 3, 4, 5, 123456700, time.UTC), "2024-01-02T03:04:05.1234567Z"},
		{"decimal.hex", "decimal(10,2)", Decimal{Lo: 12345, Scale: 2}, "123.45"},
		{"dto.hex", "datetimeoffset(0)", time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC), "2024-01-02T04:04:05+01:00"},
		{"intn_rpc_null.hex", "smallint", nil, "NULL"},
		{"intn_sparse.hex", "int", int64(1), "1"},
		{"intn_tvp.hex", "tinyint", int64(2), "2"},
		{"money.hex", "money", Decimal{Lo: 123456, Scale: 4}, "12.3456"},
		{"nvarcharmax.hex", "nvarchar(max)", "héllo", `"héllo"`},
		{"text_row.hex", "text", "abc", `"abc"`},
		{"udt.hex", "p", []byte{1, 2, 3}, "0x010203"},
		{"varchar_batch.hex", "varchar(3)", "foo", `"foo"`},
		{"variant_int.hex", "sql_variant", int64(42), "42"},
		{"variant_nvarchar.hex", "sql_variant", "hi", `"hi"`},
		{"xml_schema.hex", "xml", nil, "NULL"},
		{"xml_sparse.hex", "xml", "<sparseProp1>1000</sparseProp1><sparseProp2>foo</sparseProp2>", `"<sparseProp1>1000</sparseProp1><sparseProp2>foo</sparseProp2>"`},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			ti, v := goldenValue(t, c.file)
			if got := ti.String(); got != c.typeName {
				t.Errorf("TypeInfo.String() = %q, want %q", got, c.typeName)
			}
			if got := fmt.Sprint(*ti); got != c.typeName {
				t.Errorf("Sprint(TypeInfo) = %q, want %q", got, c.typeName)
			}
			x, err := v.Any()
			require.NoError(t, err)
			if diff := cmp.Diff(c.any, x); diff != "" {
				t.Errorf("Any() (-want +got):\n%s", diff)
			}
			if got := v.String(); got != c.str {
				t.Errorf("String() = %q, want %q", got, c.str)
			}
			if got := fmt.Sprintf("%v", v); got != c.str {
				t.Errorf("%%v = %q, want %q", got, c.str)
			}
		})
	}
}

func TestTypeInfoString(t *testing.T) {
	cases := []struct {
		ti   TypeInfo
		want string
	}{
		{TypeInfo{Type: TypeNVarChar, MaxLen: 100}, "nvarchar(50)"},
		{TypeInfo{Type: TypeNVarChar, MaxLen: MaxLenMax}, "nvarchar(max)"},
		{TypeInfo{Type: TypeBigVarBinary, MaxLen: MaxLenMax}, "varbinary(max)"},
		{TypeInfo{Type: TypeBigVarBinary, MaxLen: 16}, "varbinary(16)"},
		{TypeInfo{Type: TypeBigBinary, MaxLen: 8}, "binary(8)"},
		{TypeInfo{Type: TypeNChar, MaxLen: 20}, "nchar(10)"},
		{TypeInfo{Type: TypeBigChar, MaxLen: 5}, "char(5)"},
		{TypeInfo{Type: TypeNumericN, MaxLen: 17, Precision: 38, Scale: 0}, "numeric(38,0)"},
		{TypeInfo{Type: TypeTimeN, Scale: 3}, "time(3)"},
		{TypeInfo{Type: TypeDateN}, "date"},
		{TypeInfo{Type: TypeIntN, MaxLen: 8}, "bigint"},
		{TypeInfo{Type: TypeIntN, MaxLen: 2}, "smallint"},
		{TypeInfo{Type: TypeFloatN, MaxLen: 4}, "real"},
		{TypeInfo{Type: TypeFloatN, MaxLen: 8}, "float"},
		{TypeInfo{Type: TypeMoneyN, MaxLen: 4}, "smallmoney"},
		{TypeInfo{Type: TypeDateTimeN, MaxLen: 4}, "smalldatetime"},
		{TypeInfo{Type: TypeInt8}, "bigint"},
		{TypeInfo{Type: TypeGUID, MaxLen: 16}, "uniqueidentifier"},
		{TypeInfo{Type: TypeNText}, "ntext"},
		{TypeInfo{Type: TypeImage}, "image"},
		{TypeInfo{Type: TypeID(0x01)}, "TypeID(0x01)"},
	}
	for _, c := range cases {
		if got := c.ti.String(); got != c.want {
			t.Errorf("%v MaxLen %d: String() = %q, want %q", c.ti.Type, c.ti.MaxLen, got, c.want)
		}
	}
	ti := TypeInfo{Type: TypeNVarChar, MaxLen: 100, Collation: NewCollation(0x409, 0x0D, 0, 52)}
	if got, want := fmt.Sprintf("%+v", ti), "nvarchar(50) {NVARCHARTYPE MaxLen=100 Collation=LCID 0x409 flags 0x0D version 0 SortId 52}"; got != want {
		t.Errorf("%%+v = %q, want %q", got, want)
	}
}

func TestValueStringCut(t *testing.T) {
	ti := TypeInfo{Type: TypeBigVarBinary, MaxLen: 200}
	data := make([]byte, 100)
	b, err := ti.AppendBytes(nil, data)
	require.NoError(t, err)
	v, _, err := ti.DecodeValue(b)
	require.NoError(t, err)
	want := "0x" + fmt.Sprintf("%0128X", 0) + "...(100 bytes)"
	if got := v.String(); got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if got := fmt.Sprintf("%+v", v); got != "BIGVARBINARYTYPE len=100 "+want {
		t.Errorf("%%+v = %q", got)
	}
}

func TestSmallStrings(t *testing.T) {
	if got, want := coll47.Flags().String(), "IgnoreCase|IgnoreKana|IgnoreWidth"; got != want {
		t.Errorf("CollationFlags = %q, want %q", got, want)
	}
	if got := CollationFlags(0).String(); got != "0" {
		t.Errorf("zero CollationFlags = %q", got)
	}
	if got := (CollUTF8 | 0x80).String(); got != "UTF8|0x80" {
		t.Errorf("CollationFlags = %q", got)
	}
	_, tn := AppendTableName(nil, "master", "dbo", "t")
	if got := tn.String(); got != "master.dbo.t" {
		t.Errorf("TableName = %q", got)
	}
	if got := (TableName{}).String(); got != "" {
		t.Errorf("empty TableName = %q", got)
	}
	ti, _ := goldenValue(t, "udt.hex")
	if got, want := ti.UDT.String(), "d.dbo.p (A,)"; got != want {
		t.Errorf("UDTInfo = %q, want %q", got, want)
	}
	ti, _ = goldenValue(t, "xml_schema.hex")
	if got, want := ti.XML.String(), "d.dbo.sc"; got != want {
		t.Errorf("XMLInfo = %q, want %q", got, want)
	}
	if got := (XMLInfo{}).String(); got != "untyped" {
		t.Errorf("untyped XMLInfo = %q", got)
	}
}
