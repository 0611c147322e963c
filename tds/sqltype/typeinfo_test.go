package sqltype

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tds/tdstest"
	"github.com/tdswire/tdswire/tds/tdstest/tdscmp"
)

// coll47 is the COLLATION of the 4.7 example: 09 04 D0 00 34.
var coll47 = NewCollation(0x409, CollIgnoreCase|CollIgnoreKana|CollIgnoreWidth, 0, 52)

type golden struct {
	file   string
	want   TypeInfo // views compared with ucs2 strings below
	tiLen  int      // TYPE_INFO bytes
	tnLen  int      // TableName bytes, text/ntext/image only
	names  []string // XML or UDT names, in order
	isNull bool
}

func goldens() []golden {
	return []golden{
		{file: "varchar_batch.hex", want: TypeInfo{Type: TypeBigVarChar, MaxLen: 3, Collation: coll47}, tiLen: 8},
		{file: "intn_sparse.hex", want: TypeInfo{Type: TypeIntN, MaxLen: 4}, tiLen: 2},
		{file: "xml_sparse.hex", want: TypeInfo{Type: TypeXML, MaxLen: MaxLenMax}, tiLen: 2},
		{file: "bit_bulkload.hex", want: TypeInfo{Type: TypeBit, MaxLen: 1}, tiLen: 1},
		{file: "intn_tvp.hex", want: TypeInfo{Type: TypeIntN, MaxLen: 1}, tiLen: 2},
		{file: "intn_rpc_null.hex", want: TypeInfo{Type: TypeIntN, MaxLen: 2}, tiLen: 2, isNull: true},
		{file: "nvarcharmax.hex", want: TypeInfo{Type: TypeNVarChar, MaxLen: MaxLenMax, Collation: coll47}, tiLen: 8},
		{file: "decimal.hex", want: TypeInfo{Type: TypeDecimalN, MaxLen: 9, Precision: 10, Scale: 2}, tiLen: 4},
		{file: "datetime2.hex", want: TypeInfo{Type: TypeDateTime2N, MaxLen: 8, Scale: 7}, tiLen: 2},
		{file: "datetime.hex", want: TypeInfo{Type: TypeDateTimeN, MaxLen: 8}, tiLen: 2},
		{file: "money.hex", want: TypeInfo{Type: TypeMoney, MaxLen: 8}, tiLen: 1},
		{file: "guid.hex", want: TypeInfo{Type: TypeGUID, MaxLen: 16}, tiLen: 2},
		{file: "variant_int.hex", want: TypeInfo{Type: TypeVariant, MaxLen: 8009}, tiLen: 5},
		{file: "variant_nvarchar.hex", want: TypeInfo{Type: TypeVariant, MaxLen: 8009}, tiLen: 5},
		{file: "text_row.hex", want: TypeInfo{Type: TypeText, MaxLen: 0x7FFFFFFF, Collation: coll47}, tiLen: 10, tnLen: 13},
		{file: "udt.hex", want: TypeInfo{Type: TypeUDT, MaxLen: 0xFFFF}, tiLen: 22, names: []string{"d", "dbo", "p", "A,"}},
		{file: "xml_schema.hex", want: TypeInfo{Type: TypeXML, MaxLen: MaxLenMax, XML: XMLInfo{SchemaPresent: true}}, tiLen: 18, names: []string{"d", "dbo", "sc"}, isNull: true},
		{file: "dto.hex", want: TypeInfo{Type: TypeDateTimeOffsetN, MaxLen: 8}, tiLen: 2},
		{file: "vector.hex", want: TypeInfo{Type: TypeVector, MaxLen: 16}, tiLen: 4},
	}
}

type tiScalars struct {
	Type             TypeID
	MaxLen           uint32
	Precision, Scale uint8
	Collation        Collation
	SchemaPresent    bool
}

// scalars returns the fields of ti that are not views, for comparison.
func scalars(ti TypeInfo) tiScalars {
	return tiScalars{ti.Type, ti.MaxLen, ti.Precision, ti.Scale, ti.Collation, ti.XML.SchemaPresent}
}

func viewNames(ti *TypeInfo) []tds.UCS2 {
	switch ti.Type {
	case TypeXML:
		if ti.XML.SchemaPresent {
			return []tds.UCS2{ti.XML.DBName, ti.XML.OwningSchema, ti.XML.SchemaCollection}
		}
	case TypeUDT:
		return []tds.UCS2{ti.UDT.DBName, ti.UDT.SchemaName, ti.UDT.TypeName, ti.UDT.AssemblyQualifiedName}
	}
	return nil
}

func TestCollation47(t *testing.T) {
	c := Collation{0x09, 0x04, 0xD0, 0x00, 0x34}
	if c != coll47 {
		t.Fatalf("NewCollation = % x, want % x", coll47[:], c[:])
	}
	if c.LCID() != 0x409 || c.SortID() != 52 || c.Version() != 0 {
		t.Errorf("LCID %#x SortID %d Version %d", c.LCID(), c.SortID(), c.Version())
	}
	if !c.IgnoreCase() || c.IgnoreAccent() || !c.IgnoreKana() || !c.IgnoreWidth() || c.Binary() || c.Binary2() || c.UTF8() || c.IsRaw() {
		t.Errorf("flags %#x", c.Flags())
	}
	if got, want := c.String(), "LCID 0x409 flags 0x0D version 0 SortId 52"; got != want {
		t.Errorf("String = %q, want %q", got, want)
	}
	if !(Collation{}).IsRaw() {
		t.Error("zero collation is not raw")
	}
	u := NewCollation(0xFFFFF, CollUTF8|CollBinary2, 0xF, 0)
	if u.LCID() != 0xFFFFF || !u.UTF8() || !u.Binary2() || u.Binary() || u.Version() != 0xF {
		t.Errorf("round trip of fields: % x", u[:])
	}
}

func TestTypeInfoGolden(t *testing.T) {
	for _, g := range goldens() {
		t.Run(g.file, func(t *testing.T) {
			b := tdstest.ReadHex(t, "testdata/"+g.file)
			ti, n, err := DecodeTypeInfo(b)
			require.NoError(t, err, "DecodeTypeInfo")
			require.Equal(t, g.tiLen, n, "DecodeTypeInfo consumed")
			// The whole value: the scalars of g.want and the XML or UDT
			// names of g.names.
			want := g.want
			u := func(i int) tds.UCS2 { return tds.UCS2(tds.AppendUCS2(nil, g.names[i])) }
			switch {
			case want.Type == TypeXML && len(g.names) == 3:
				want.XML.DBName, want.XML.OwningSchema, want.XML.SchemaCollection = u(0), u(1), u(2)
			case want.Type == TypeUDT && len(g.names) == 4:
				want.UDT = UDTInfo{DBName: u(0), SchemaName: u(1), TypeName: u(2), AssemblyQualifiedName: u(3)}
			}
			if diff := cmp.Diff(want, ti, tdscmp.Options()); diff != "" {
				t.Errorf("DecodeTypeInfo (-want +got):\n%s", diff)
			}
			if got, want := scalars(ti), scalars(g.want); got != want {
				t.Errorf("Decode = %+v\nwant %+v", got, want)
			}
			names := viewNames(&ti)
			if len(names) != len(g.names) {
				t.Fatalf("names %q, want %q", names, g.names)
			}
			if enc := ti.Append(nil); !bytes.Equal(enc, b[:n]) {
				t.Errorf("Append = % x, want % x", enc, b[:n])
			}
			if ti.HasTableName() != (g.tnLen > 0) {
				t.Fatalf("HasTableName = %v", ti.HasTableName())
			}
			if g.tnLen > 0 {
				m, err := ti.decodeTableNameForTest(b[n:])
				if err != nil || m != g.tnLen {
					t.Fatalf("DecodeTableName = %d, %v; want %d", m, err, g.tnLen)
				}
				if enc := ti.AppendTableName(nil); !bytes.Equal(enc, b[n:n+m]) {
					t.Errorf("AppendTableName = % x", enc)
				}
				n += m
			}
			vl, err := ti.ValueLen(b[n:])
			if err != nil {
				t.Fatalf("ValueLen: %v", err)
			}
			if vl != len(b)-n {
				t.Errorf("ValueLen = %d, want %d", vl, len(b)-n)
			}
			v, vn, err := ti.DecodeValue(b[n:])
			if err != nil || vn != vl {
				t.Fatalf("DecodeValue n=%d err=%v", vn, err)
			}
			if v.IsNull() != g.isNull {
				t.Errorf("IsNull = %v", v.IsNull())
			}
			enc, err := ti.AppendValue(nil, v)
			if err != nil || !bytes.Equal(enc, b[n:]) {
				t.Errorf("AppendValue = % x, %v; want % x", enc, err, b[n:])
			}
		})
	}
}

func TestTableNameParts(t *testing.T) {
	_, tn := AppendTableName(nil, "master", "dbo", "t")
	if tn.NumParts() != 3 || !tn.Part(0).Equal("master") || !tn.Part(1).Equal("dbo") || !tn.Part(2).Equal("t") || tn.Part(3) != nil || tn.Part(-1) != nil {
		t.Errorf("parts of % x", []byte(tn))
	}
	var ti TypeInfo
	if n, err := ti.decodeTableNameForTest(tn); err != nil || n != len(tn) || !bytes.Equal(ti.TableName, tn) {
		t.Errorf("DecodeTableName = %d, %v", n, err)
	}
}

func TestTypeIDString(t *testing.T) {
	for id, want := range map[TypeID]string{TypeNVarChar: "NVARCHARTYPE", TypeIntN: "INTNTYPE", TypeDateTime4: "DATETIM4TYPE", 0x01: "TypeID(0x01)"} {
		if got := id.String(); got != want {
			t.Errorf("%#x: %q, want %q", uint8(id), got, want)
		}
	}
	if LenPLP.String() != "plp" || LenClass(99).String() != "LenClass(99)" {
		t.Error("LenClass.String")
	}
}

func TestLenClass(t *testing.T) {
	cases := []struct {
		ti   TypeInfo
		want LenClass
	}{
		{TypeInfo{Type: TypeNull}, LenZero},
		{TypeInfo{Type: TypeInt4}, LenFixed},
		{TypeInfo{Type: TypeIntN, MaxLen: 4}, LenByte},
		{TypeInfo{Type: TypeDateN}, LenScale},
		{TypeInfo{Type: TypeNVarChar, MaxLen: 100}, LenUShort},
		{TypeInfo{Type: TypeNVarChar, MaxLen: MaxLenMax}, LenPLP},
		{TypeInfo{Type: TypeBigChar, MaxLen: MaxLenMax}, LenUShort},
		{TypeInfo{Type: TypeNText}, LenLong},
		{TypeInfo{Type: TypeJSON}, LenPLP},
		{TypeInfo{Type: TypeTVP}, LenInvalid},
	}
	for _, c := range cases {
		if got := c.ti.LenClass(); got != c.want {
			t.Errorf("%v maxlen %d: %v, want %v", c.ti.Type, c.ti.MaxLen, got, c.want)
		}
	}
}

func TestDecodeParamUDT(t *testing.T) {
	// UDT_INFO_IN_RPC, 2.2.5.5.2: no MAX_BYTE_SIZE and no assembly name.
	b := []byte{0xF0, 0x01, 'd', 0, 0x00, 0x01, 'p', 0}
	var ti TypeInfo
	n, err := ti.decode(b, true)
	if err != nil || n != len(b) {
		t.Fatalf("DecodeParam = %d, %v", n, err)
	}
	if !ti.UDT.DBName.Equal("d") || len(ti.UDT.SchemaName) != 0 || !ti.UDT.TypeName.Equal("p") || ti.MaxLen != MaxLenMax {
		t.Errorf("UDT %+v", ti.UDT)
	}
	if enc := ti.AppendParam(nil); !bytes.Equal(enc, b) {
		t.Errorf("AppendParam = % x", enc)
	}
	if _, err := ti.decode(b, false); err == nil {
		t.Error("COLMETADATA form accepted the RPC form")
	}
}

func TestTypeInfoErrors(t *testing.T) {
	cases := []struct {
		name string
		b    []byte
		off  int64
		want error
	}{
		{"empty", nil, 0, tds.ErrTruncated},
		{"unknown type", []byte{0x01}, 0, tds.ErrMalformed},
		{"tvp", []byte{0xF3}, 0, tds.ErrUnexpected},
		{"intn no len", []byte{0x26}, 1, tds.ErrTruncated},
		{"intn len 3", []byte{0x26, 3}, 1, tds.ErrMalformed},
		{"guid len 8", []byte{0x24, 8}, 1, tds.ErrMalformed},
		{"decimal len 6", []byte{0x6A, 6, 10, 2}, 1, tds.ErrMalformed},
		{"decimal no precision", []byte{0x6A, 9}, 2, tds.ErrTruncated},
		{"precision 39", []byte{0x6A, 17, 39, 2}, 2, tds.ErrMalformed},
		{"precision 0", []byte{0x6C, 5, 0, 0}, 2, tds.ErrMalformed},
		{"scale > precision", []byte{0x6A, 9, 10, 11}, 3, tds.ErrMalformed},
		{"time scale 8", []byte{0x29, 8}, 1, tds.ErrMalformed},
		{"time no scale", []byte{0x2A}, 1, tds.ErrTruncated},
		{"nvarchar short len", []byte{0xE7, 0x10}, 1, tds.ErrTruncated},
		{"nvarchar no collation", []byte{0xE7, 0x10, 0, 9, 4}, 3, tds.ErrTruncated},
		{"nchar max", []byte{0xEF, 0xFF, 0xFF, 9, 4, 0xD0, 0, 0x34}, 1, tds.ErrMalformed},
		{"text short len", []byte{0x23, 0xFF, 0xFF}, 1, tds.ErrTruncated},
		{"xml no schema byte", []byte{0xF1}, 1, tds.ErrTruncated},
		{"xml schema 2", []byte{0xF1, 2}, 1, tds.ErrMalformed},
		{"xml dbname long", []byte{0xF1, 1, 5, 'a', 0}, 2, tds.ErrTruncated},
		{"xml collection long", []byte{0xF1, 1, 0, 0, 9, 0}, 4, tds.ErrTruncated},
		{"udt no max", []byte{0xF0, 0xFF}, 1, tds.ErrTruncated},
		{"udt no asm", []byte{0xF0, 0xFF, 0xFF, 0, 0, 0}, 6, tds.ErrTruncated},
		{"vector no scale", []byte{0xF5, 0x10, 0}, 3, tds.ErrTruncated},
	}
	for _, c := range cases {
		var ti TypeInfo
		n, err := ti.decode(c.b, false)
		var te *tds.Error
		if !errors.As(err, &te) || !errors.Is(err, c.want) || n != 0 {
			t.Errorf("%s: n=%d err=%v, want %v", c.name, n, err, c.want)
			continue
		}
		if te.Layer != tds.LayerSQLType || te.Offset != c.off {
			t.Errorf("%s: layer %q offset %d, want offset %d (%v)", c.name, te.Layer, te.Offset, c.off, err)
		}
	}
	var ti TypeInfo
	if _, err := ti.decodeTableNameForTest([]byte{2, 1, 0, 'a', 0}); !errors.Is(err, tds.ErrTruncated) {
		t.Errorf("DecodeTableName short: %v", err)
	}
	if _, err := ti.decodeTableNameForTest(nil); !errors.Is(err, tds.ErrTruncated) {
		t.Errorf("DecodeTableName empty: %v", err)
	}
}

func TestTypeInfoDecodeAllocs(t *testing.T) {
	b := tdstest.ReadHex(t, "testdata/udt.hex")
	var ti TypeInfo
	if a := testing.AllocsPerRun(100, func() {
		if _, err := ti.decode(b, false); err != nil {
			t.Fatal(err)
		}
	}); a != 0 {
		t.Errorf("Decode allocates %v times", a)
	}
	x := tdstest.ReadHex(t, "testdata/xml_sparse.hex")
	if _, err := ti.decode(x, false); err != nil {
		t.Fatal(err)
	}
	if a := testing.AllocsPerRun(100, func() {
		if _, err := ti.ValueLen(x[2:]); err != nil {
			t.Fatal(err)
		}
	}); a != 0 {
		t.Errorf("ValueLen allocates %v times", a)
	}
}

// TestValidByteLenTable checks the table behind validByteLen against the
// lengths [MS-TDS] 2.2.5.4.3 and 2.2.5.5.1.6 list, for every type token
// and every length a BYTELEN (and more) can hold.
func TestValidByteLenTable(t *testing.T) {
	listed := map[TypeID][]int{
		TypeIntN: {1, 2, 4, 8}, TypeFloatN: {4, 8}, TypeMoneyN: {4, 8}, TypeDateTimeN: {4, 8},
		TypeBitN: {1}, TypeGUID: {16},
		TypeDecimal: {5, 9, 13, 17}, TypeNumeric: {5, 9, 13, 17},
		TypeDecimalN: {5, 9, 13, 17}, TypeNumericN: {5, 9, 13, 17},
	}
	for ti := range 256 {
		typ := TypeID(ti)
		for l := 0; l < 300; l++ {
			want := true
			if ls, ok := listed[typ]; ok {
				want = slices.Contains(ls, l)
			}
			if got := validByteLen(typ, l); got != want {
				t.Errorf("validByteLen(%v, %d) = %v, want %v", typ, l, got, want)
			}
		}
	}
}
