package sqltype

import (
	"bytes"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tds/tdstest"
)

// decodeTableNameForTest reads a TableName into ti.TableName with
// DecodeTableName.
func (ti *TypeInfo) decodeTableNameForTest(b []byte) (int, error) {
	tn, n, err := DecodeTableName(b)
	if err == nil {
		ti.TableName = tn
	}
	return n, err
}

// goldenValue decodes the TYPE_INFO (and TableName) and the value of a
// golden file.
func goldenValue(t *testing.T, file string) (*TypeInfo, Value) {
	t.Helper()
	b := tdstest.ReadHex(t, "testdata/"+file)
	ti := new(TypeInfo)
	n, err := ti.decode(b, false)
	if err != nil {
		t.Fatal(err)
	}
	if ti.HasTableName() {
		m, err := ti.decodeTableNameForTest(b[n:])
		if err != nil {
			t.Fatal(err)
		}
		n += m
	}
	v, _, err := ti.DecodeValue(b[n:])
	if err != nil {
		t.Fatal(err)
	}
	return ti, v
}

func TestGoldenAccessors(t *testing.T) {
	t.Run("varchar", func(t *testing.T) {
		_, v := goldenValue(t, "varchar_batch.hex")
		if s, err := v.Chars(); err != nil || string(s) != "foo" || v.Collation() != coll47 {
			t.Errorf("Chars = %q, %v", s, err)
		}
	})
	t.Run("int", func(t *testing.T) {
		for file, want := range map[string]int64{"intn_sparse.hex": 1, "intn_tvp.hex": 2} {
			if _, v := goldenValue(t, file); true {
				if x, err := v.Int64(); err != nil || x != want {
					t.Errorf("%s: Int64 = %d, %v", file, x, err)
				}
			}
		}
		_, v := goldenValue(t, "intn_rpc_null.hex")
		if _, err := v.Int64(); !errors.Is(err, ErrNull) {
			t.Errorf("NULL Int64: %v", err)
		}
	})
	t.Run("xml", func(t *testing.T) {
		_, v := goldenValue(t, "xml_sparse.hex")
		const want = "<sparseProp1>1000</sparseProp1><sparseProp2>foo</sparseProp2>"
		b, err := v.Bytes()
		if err != nil || !tds.UCS2(b).Equal(want) {
			t.Errorf("Bytes = %q, %v", tds.UCS2(b).String(), err)
		}
		if n, known := v.PLPLen(); known || n != PLPUnknownLen {
			t.Errorf("PLPLen = %#x, %v", n, known)
		}
		if v.Len() != 122 || !v.IsPLP() || v.Raw() != nil {
			t.Errorf("Len %d IsPLP %v", v.Len(), v.IsPLP())
		}
	})
	t.Run("bit", func(t *testing.T) {
		_, v := goldenValue(t, "bit_bulkload.hex")
		if x, err := v.Bool(); err != nil || x {
			t.Errorf("Bool = %v, %v", x, err)
		}
	})
	t.Run("nvarchar(max) in two chunks", func(t *testing.T) {
		_, v := goldenValue(t, "nvarcharmax.hex")
		if _, err := v.UCS2(); !errors.Is(err, tds.ErrUnexpected) {
			t.Errorf("UCS2 of two chunks: %v", err)
		}
		if s := tds.UCS2(v.AppendBytes(nil)); !s.Equal("héllo") {
			t.Errorf("AppendBytes = %q", s.String())
		}
		if n, known := v.PLPLen(); !known || n != 10 {
			t.Errorf("PLPLen = %d, %v", n, known)
		}
		var lens []int
		for ch := range v.Chunks() {
			lens = append(lens, len(ch))
		}
		if len(lens) != 2 || lens[0] != 4 || lens[1] != 6 {
			t.Errorf("chunks %v", lens)
		}
	})
	t.Run("decimal", func(t *testing.T) {
		_, v := goldenValue(t, "decimal.hex")
		d, err := v.Decimal()
		if err != nil || d != (Decimal{Lo: 12345, Scale: 2}) || d.String() != "123.45" {
			t.Errorf("Decimal = %+v %q, %v", d, d, err)
		}
		if v.Precision() != 10 || v.Scale() != 2 {
			t.Errorf("precision %d scale %d", v.Precision(), v.Scale())
		}
	})
	t.Run("datetime2", func(t *testing.T) {
		_, v := goldenValue(t, "datetime2.hex")
		want := time.Date(2024, 1, 2, 3, 4, 5, 123456700, time.UTC)
		if tm, err := v.Time(); err != nil || !tm.Equal(want) || tm.Location() != time.UTC {
			t.Errorf("Time = %v, %v", tm, err)
		}
		if d, err := v.TimeOfDay(); err != nil || d != 3*time.Hour+4*time.Minute+5*time.Second+123456700 {
			t.Errorf("TimeOfDay = %v, %v", d, err)
		}
	})
	t.Run("datetime", func(t *testing.T) {
		_, v := goldenValue(t, "datetime.hex")
		// 37/300 s = 0.12333... s, rounded to 123333333 ns.
		want := time.Date(2024, 1, 2, 3, 4, 5, 123333333, time.UTC)
		if tm, err := v.Time(); err != nil || !tm.Equal(want) {
			t.Errorf("Time = %v, %v", tm, err)
		}
	})
	t.Run("money", func(t *testing.T) {
		_, v := goldenValue(t, "money.hex")
		if m, err := v.Money(); err != nil || m != 123456 {
			t.Errorf("Money = %d, %v", m, err)
		}
	})
	t.Run("guid", func(t *testing.T) {
		_, v := goldenValue(t, "guid.hex")
		g, err := v.GUID()
		if err != nil || g.String() != "6f9619ff-8b86-d011-b42d-00c04fc964ff" {
			t.Errorf("GUID = %v, %v", g, err)
		}
		p, err := ParseGUID("6F9619FF-8B86-D011-B42D-00C04FC964FF")
		if err != nil || p != g {
			t.Errorf("ParseGUID = % x, %v", p[:], err)
		}
		u := g.RFC4122()
		if u[0] != 0x6F || u[3] != 0xFF || u[4] != 0x8B || u[6] != 0xD0 || GUIDFromRFC4122(u) != g {
			t.Errorf("RFC4122 = % x", u[:])
		}
	})
	t.Run("variant int", func(t *testing.T) {
		_, v := goldenValue(t, "variant_int.hex")
		if x, err := v.Int64(); err != nil || x != 42 || !v.IsVariant() || v.Type() != TypeInt4 {
			t.Errorf("Int64 = %d, %v (type %v)", x, err, v.Type())
		}
	})
	t.Run("variant nvarchar", func(t *testing.T) {
		_, v := goldenValue(t, "variant_nvarchar.hex")
		if s, err := v.UCS2(); err != nil || !s.Equal("hi") || v.Collation() != coll47 {
			t.Errorf("UCS2 = %q, %v", s.String(), err)
		}
	})
	t.Run("text", func(t *testing.T) {
		ti, v := goldenValue(t, "text_row.hex")
		if s, err := v.Chars(); err != nil || string(s) != "abc" {
			t.Errorf("Chars = %q, %v", s, err)
		}
		tp, ts := v.TextPointer()
		if len(tp) != 16 || tp[0] != 1 || len(ts) != 8 || ts[0] != 0x11 {
			t.Errorf("TextPointer % x / % x", tp, ts)
		}
		if ti.TableName.NumParts() != 2 || !ti.TableName.Part(0).Equal("dbo") || !ti.TableName.Part(1).Equal("t") {
			t.Errorf("TableName % x", []byte(ti.TableName))
		}
	})
	t.Run("udt", func(t *testing.T) {
		_, v := goldenValue(t, "udt.hex")
		if b, err := v.Bytes(); err != nil || !bytes.Equal(b, []byte{1, 2, 3}) {
			t.Errorf("Bytes = % x, %v", b, err)
		}
	})
	t.Run("vector", func(t *testing.T) {
		_, v := goldenValue(t, "vector.hex")
		if b, err := v.Bytes(); err != nil || len(b) != 16 || b[0] != 0xA9 || b[15] != 0x40 {
			t.Errorf("Bytes = % x, %v", b, err)
		}
	})
	t.Run("datetimeoffset", func(t *testing.T) {
		_, v := goldenValue(t, "dto.hex")
		tm, err := v.Time()
		off, err2 := v.ZoneOffset()
		if err != nil || err2 != nil || !tm.Equal(time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)) || off != 60 {
			t.Errorf("Time = %v, %v; Offset = %d, %v", tm, err, off, err2)
		}
	})
}

// rt encodes with enc, checks ValueLen and DecodeValue against the
// encoding, re-encodes the decoded value and returns it.
func rt(t *testing.T, ti *TypeInfo, param bool, enc func([]byte) ([]byte, error)) Value {
	t.Helper()
	// The TYPE_INFO itself round-trips.
	var ti2 TypeInfo
	tb := ti.Append(nil)
	if param {
		tb = ti.AppendParam(nil)
		if _, err := ti2.decode(tb, true); err != nil {
			t.Fatalf("%v: DecodeParam(Append): %v", ti.Type, err)
		}
	} else if _, err := ti2.decode(tb, false); err != nil {
		t.Fatalf("%v: Decode(Append): %v", ti.Type, err)
	}
	if !bytes.Equal(ti2.Append(nil), ti.Append(nil)) {
		t.Fatalf("%v: TYPE_INFO does not round-trip", ti.Type)
	}
	b, err := enc([]byte{0xAA}) // a prefix the encoder must keep
	if err != nil {
		t.Fatalf("%v: encode: %v", ti.Type, err)
	}
	if b[0] != 0xAA {
		t.Fatalf("encoder clobbered dst")
	}
	b = b[1:]
	var v Value
	var n int
	if param {
		v, n, err = ti2.DecodeParamValue(b)
	} else {
		v, n, err = ti2.DecodeValue(b)
	}
	if err != nil || n != len(b) {
		t.Fatalf("%v: DecodeValue(% x) = %d, %v", ti.Type, b, n, err)
	}
	var m int
	if param {
		m, err = ti2.ParamValueLen(b)
	} else {
		m, err = ti2.ValueLen(b)
	}
	if err != nil || m != len(b) {
		t.Fatalf("%v: ValueLen = %d, %v", ti.Type, m, err)
	}
	var again []byte
	if param {
		again, err = ti2.AppendParamValue(nil, v)
	} else {
		again, err = ti2.AppendValue(nil, v)
	}
	if err != nil || !bytes.Equal(again, b) {
		t.Fatalf("%v: AppendValue = % x, %v; want % x", ti.Type, again, err, b)
	}
	return v
}

func TestRoundTripInts(t *testing.T) {
	cases := []struct {
		ti TypeInfo
		x  int64
	}{
		{TypeInfo{Type: TypeInt1}, 255},
		{TypeInfo{Type: TypeInt2}, math.MinInt16},
		{TypeInfo{Type: TypeInt4}, -1},
		{TypeInfo{Type: TypeInt8}, math.MinInt64},
		{TypeInfo{Type: TypeIntN, MaxLen: 1}, 7},
		{TypeInfo{Type: TypeIntN, MaxLen: 2}, 32767},
		{TypeInfo{Type: TypeIntN, MaxLen: 4}, math.MinInt32},
		{TypeInfo{Type: TypeIntN, MaxLen: 8}, math.MaxInt64},
	}
	for _, c := range cases {
		c.ti.MaxLen = max(c.ti.MaxLen, uint32(fixedSize(c.ti.Type)))
		v := rt(t, &c.ti, false, func(d []byte) ([]byte, error) { return c.ti.AppendInt(d, c.x) })
		if x, err := v.Int64(); err != nil || x != c.x {
			t.Errorf("%v: %d, %v; want %d", c.ti.Type, x, err, c.x)
		}
	}
	for _, c := range []struct {
		ti TypeInfo
		x  int64
	}{{TypeInfo{Type: TypeInt1}, -1}, {TypeInfo{Type: TypeInt1}, 256}, {TypeInfo{Type: TypeIntN, MaxLen: 2}, 40000}, {TypeInfo{Type: TypeInt4}, 1 << 31}, {TypeInfo{Type: TypeFloat8}, 1}} {
		if b, err := c.ti.AppendInt([]byte{1}, c.x); err == nil || len(b) != 1 {
			t.Errorf("%v %d: accepted (% x)", c.ti.Type, c.x, b)
		}
	}
}

func TestRoundTripScalars(t *testing.T) {
	for _, ti := range []TypeInfo{{Type: TypeBit, MaxLen: 1}, {Type: TypeBitN, MaxLen: 1}} {
		for _, x := range []bool{true, false} {
			v := rt(t, &ti, false, func(d []byte) ([]byte, error) { return ti.AppendBool(d, x) })
			if got, err := v.Bool(); err != nil || got != x {
				t.Errorf("%v: %v, %v", ti.Type, got, err)
			}
		}
	}
	for _, c := range []struct {
		ti TypeInfo
		x  float64
	}{
		{TypeInfo{Type: TypeFloat4, MaxLen: 4}, 1.5},
		{TypeInfo{Type: TypeFloat8, MaxLen: 8}, math.Pi},
		{TypeInfo{Type: TypeFloatN, MaxLen: 4}, -0.25},
		{TypeInfo{Type: TypeFloatN, MaxLen: 8}, math.Inf(-1)},
	} {
		v := rt(t, &c.ti, false, func(d []byte) ([]byte, error) { return c.ti.AppendFloat(d, c.x) })
		if got, err := v.Float64(); err != nil || got != c.x {
			t.Errorf("%v: %v, %v", c.ti.Type, got, err)
		}
	}
	for _, c := range []struct {
		ti TypeInfo
		x  int64
	}{
		{TypeInfo{Type: TypeMoney, MaxLen: 8}, -123456},
		{TypeInfo{Type: TypeMoney, MaxLen: 8}, math.MinInt64},
		{TypeInfo{Type: TypeMoney4, MaxLen: 4}, math.MaxInt32},
		{TypeInfo{Type: TypeMoneyN, MaxLen: 4}, -5},
		{TypeInfo{Type: TypeMoneyN, MaxLen: 8}, 922337203685477580},
	} {
		v := rt(t, &c.ti, false, func(d []byte) ([]byte, error) { return c.ti.AppendMoney(d, c.x) })
		if got, err := v.Money(); err != nil || got != c.x {
			t.Errorf("%v: %d, %v; want %d", c.ti.Type, got, err, c.x)
		}
	}
	if _, err := (&TypeInfo{Type: TypeMoney4, MaxLen: 4}).AppendMoney(nil, 1<<31); !errors.Is(err, tds.ErrTooLarge) {
		t.Errorf("smallmoney overflow: %v", err)
	}
	g, _ := ParseGUID("6f9619ff-8b86-d011-b42d-00c04fc964ff")
	ti := TypeInfo{Type: TypeGUID, MaxLen: 16}
	v := rt(t, &ti, false, func(d []byte) ([]byte, error) { return ti.AppendGUID(d, g) })
	if got, err := v.GUID(); err != nil || got != g {
		t.Errorf("GUID %v, %v", got, err)
	}
}

func TestRoundTripDecimal(t *testing.T) {
	cases := []struct {
		ti   TypeInfo
		in   string
		want string
		size int // value bytes after the length prefix
	}{
		{TypeInfo{Type: TypeDecimalN, MaxLen: 17, Precision: 38, Scale: 10}, "-1234567890123456789012345678.9012345678", "-1234567890123456789012345678.9012345678", 17},
		{TypeInfo{Type: TypeNumericN, MaxLen: 5, Precision: 5, Scale: 2}, "1.5", "1.50", 5},
		{TypeInfo{Type: TypeDecimal, MaxLen: 9, Precision: 19, Scale: 0}, "9999999999999999999", "9999999999999999999", 9},
		{TypeInfo{Type: TypeNumeric, MaxLen: 13, Precision: 28, Scale: 28}, "0.0000000000000000000000000001", "0.0000000000000000000000000001", 13},
		{TypeInfo{Type: TypeDecimalN, MaxLen: 17, Precision: 1, Scale: 1}, "-.5", "-0.5", 5},
		{TypeInfo{Type: TypeDecimalN, MaxLen: 9, Precision: 18, Scale: 3}, "0", "0.000", 9},
	}
	for _, c := range cases {
		d, err := ParseDecimal(c.in)
		if err != nil {
			t.Fatalf("ParseDecimal(%q): %v", c.in, err)
		}
		v := rt(t, &c.ti, false, func(dst []byte) ([]byte, error) { return c.ti.AppendDecimal(dst, d) })
		got, err := v.Decimal()
		if err != nil || got.String() != c.want || len(v.Raw()) != c.size {
			t.Errorf("%s: %q (%d bytes), %v; want %q", c.in, got, len(v.Raw()), err, c.want)
		}
		if b := got.Big(); b.Sign() < 0 != (got.Negative && (got.Lo|got.Hi) != 0) {
			t.Errorf("%s: Big = %v", c.in, b)
		}
	}
	ti := TypeInfo{Type: TypeDecimalN, MaxLen: 9, Precision: 4, Scale: 2}
	for _, in := range []string{"123.45", "100.00", "1.234"} {
		d, _ := ParseDecimal(in)
		if _, err := ti.AppendDecimal(nil, d); !errors.Is(err, tds.ErrTooLarge) {
			t.Errorf("decimal(4,2) accepted %s: %v", in, err)
		}
	}
	for _, in := range []string{"", "-", "1.2.3", "1e5", "123456789012345678901234567890123456789"} {
		if _, err := ParseDecimal(in); err == nil {
			t.Errorf("ParseDecimal(%q) accepted", in)
		}
	}
	big := Decimal{Hi: math.MaxUint64, Lo: math.MaxUint64}
	if s := big.String(); s != "340282366920938463463374607431768211455" {
		t.Errorf("2^128-1 = %s", s)
	}
}

func TestRoundTripTimes(t *testing.T) {
	loc := time.FixedZone("", -(5*3600 + 30*60))
	base := time.Date(2024, 1, 2, 3, 4, 5, 123456789, time.UTC)
	cases := []struct {
		ti   TypeInfo
		in   time.Time
		want time.Time
	}{
		{TypeInfo{Type: TypeDateTime, MaxLen: 8}, base, time.Date(2024, 1, 2, 3, 4, 5, 123333333, time.UTC)},
		{TypeInfo{Type: TypeDateTimeN, MaxLen: 8}, time.Date(1753, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(1753, 1, 1, 0, 0, 0, 0, time.UTC)},
		{TypeInfo{Type: TypeDateTimeN, MaxLen: 8}, time.Date(2000, 1, 1, 23, 59, 59, 999_000_000, time.UTC), time.Date(2000, 1, 2, 0, 0, 0, 0, time.UTC)},
		{TypeInfo{Type: TypeDateTime4, MaxLen: 4}, base, time.Date(2024, 1, 2, 3, 4, 0, 0, time.UTC)},
		{TypeInfo{Type: TypeDateTimeN, MaxLen: 4}, time.Date(2079, 6, 6, 0, 0, 0, 0, time.UTC), time.Date(2079, 6, 6, 0, 0, 0, 0, time.UTC)},
		{TypeInfo{Type: TypeDateTimeN, MaxLen: 4}, time.Date(2000, 1, 1, 23, 59, 30, 0, time.UTC), time.Date(2000, 1, 2, 0, 0, 0, 0, time.UTC)},
		{TypeInfo{Type: TypeDateN, MaxLen: 3}, base, time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)},
		{TypeInfo{Type: TypeDateN, MaxLen: 3}, time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)},
		{TypeInfo{Type: TypeDateN, MaxLen: 3}, time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC), time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)},
		{TypeInfo{Type: TypeTimeN, MaxLen: 3, Scale: 0}, base, time.Date(1, 1, 1, 3, 4, 5, 0, time.UTC)},
		{TypeInfo{Type: TypeTimeN, MaxLen: 4, Scale: 3}, base, time.Date(1, 1, 1, 3, 4, 5, 123000000, time.UTC)},
		{TypeInfo{Type: TypeTimeN, MaxLen: 5, Scale: 7}, base, time.Date(1, 1, 1, 3, 4, 5, 123456700, time.UTC)},
		{TypeInfo{Type: TypeDateTime2N, MaxLen: 6, Scale: 1}, base, time.Date(2024, 1, 2, 3, 4, 5, 100000000, time.UTC)},
		{TypeInfo{Type: TypeDateTime2N, MaxLen: 8, Scale: 6}, base.In(loc), time.Date(2024, 1, 1, 21, 34, 5, 123456000, time.UTC)},
		{TypeInfo{Type: TypeDateTimeOffsetN, MaxLen: 10, Scale: 7}, base.In(loc), time.Date(2024, 1, 2, 3, 4, 5, 123456700, time.UTC)},
		{TypeInfo{Type: TypeDateTimeOffsetN, MaxLen: 9, Scale: 4}, base, time.Date(2024, 1, 2, 3, 4, 5, 123400000, time.UTC)},
	}
	for _, c := range cases {
		v := rt(t, &c.ti, false, func(d []byte) ([]byte, error) { return c.ti.AppendTime(d, c.in) })
		if got, err := v.Time(); err != nil || !got.Equal(c.want) {
			t.Errorf("%v(%d) %v: %v, %v; want %v", c.ti.Type, c.ti.Scale, c.in, got, err, c.want)
		}
		// Decoding then encoding the decoded time is exact.
		got, _ := v.Time()
		if c.ti.Type == TypeDateTimeOffsetN {
			off, _ := v.ZoneOffset()
			got = got.In(time.FixedZone("", off*60))
		}
		again, err := c.ti.AppendTime(nil, got)
		if raw, _ := c.ti.AppendValue(nil, v); err != nil || !bytes.Equal(again, raw) {
			t.Errorf("%v: re-encoding %v gives % x, want % x", c.ti.Type, got, again, raw)
		}
	}
	ti := TypeInfo{Type: TypeDateTimeOffsetN, MaxLen: 10, Scale: 7}
	v := rt(t, &ti, false, func(d []byte) ([]byte, error) { return ti.AppendTime(d, base.In(loc)) })
	if off, err := v.ZoneOffset(); err != nil || off != -330 {
		t.Errorf("Offset = %d, %v", off, err)
	}
	bad := []struct {
		ti TypeInfo
		in time.Time
	}{
		{TypeInfo{Type: TypeDateTime, MaxLen: 8}, time.Date(1752, 12, 31, 0, 0, 0, 0, time.UTC)},
		{TypeInfo{Type: TypeDateTime4, MaxLen: 4}, time.Date(1899, 12, 31, 0, 0, 0, 0, time.UTC)},
		{TypeInfo{Type: TypeDateTime4, MaxLen: 4}, time.Date(2079, 6, 6, 23, 59, 30, 0, time.UTC)},
		{TypeInfo{Type: TypeDateTime4, MaxLen: 4}, time.Date(2079, 6, 7, 0, 0, 0, 0, time.UTC)},
		{TypeInfo{Type: TypeDateTimeN, MaxLen: 4}, time.Date(2079, 6, 7, 0, 0, 0, 0, time.UTC)},
		{TypeInfo{Type: TypeDateN, MaxLen: 3}, time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)},
		{TypeInfo{Type: TypeDateTimeOffsetN, MaxLen: 10, Scale: 7}, base.In(time.FixedZone("", 30))},
		{TypeInfo{Type: TypeDateTimeOffsetN, MaxLen: 10, Scale: 7}, base.In(time.FixedZone("", 15*3600))},
		{TypeInfo{Type: TypeInt4}, base},
	}
	for _, c := range bad {
		if b, err := c.ti.AppendTime([]byte{9}, c.in); err == nil || len(b) != 1 {
			t.Errorf("%v accepted %v", c.ti.Type, c.in)
		}
	}
}

func TestRoundTripStrings(t *testing.T) {
	const s = "grüße, 世界 😀"
	for _, ti := range []TypeInfo{
		{Type: TypeNVarChar, MaxLen: 200, Collation: coll47},
		{Type: TypeNVarChar, MaxLen: MaxLenMax, Collation: coll47},
		{Type: TypeNChar, MaxLen: 200, Collation: coll47},
	} {
		v := rt(t, &ti, false, func(d []byte) ([]byte, error) { return ti.AppendString(d, s) })
		if u, err := v.UCS2(); err != nil || !u.Equal(s) || v.Collation() != coll47 {
			t.Errorf("%v max %d: %q, %v", ti.Type, ti.MaxLen, u.String(), err)
		}
	}
	nt := TypeInfo{Type: TypeNText, MaxLen: 0x7FFFFFFE, Collation: coll47}
	v := rt(t, &nt, true, func(d []byte) ([]byte, error) { return nt.AppendString(d, s) })
	if u, err := v.UCS2(); err != nil || !u.Equal(s) {
		t.Errorf("ntext param: %q, %v", u.String(), err)
	}
	// In a row: TextPointer and Timestamp first.
	v = rt(t, &nt, false, func(d []byte) ([]byte, error) {
		d, err := AppendTextPointer(d, []byte{1, 2, 3}, [8]byte{9})
		if err != nil {
			return d, err
		}
		return nt.AppendString(d, s)
	})
	if tp, ts := v.TextPointer(); len(tp) != 3 || ts[0] != 9 {
		t.Errorf("TextPointer % x % x", tp, ts)
	}
	for _, ti := range []TypeInfo{
		{Type: TypeBigVarChar, MaxLen: 50, Collation: coll47},
		{Type: TypeBigVarChar, MaxLen: MaxLenMax, Collation: coll47},
		{Type: TypeBigChar, MaxLen: 5, Collation: coll47},
		{Type: TypeVarChar, MaxLen: 50},
		{Type: TypeChar, MaxLen: 50},
		{Type: TypeJSON, MaxLen: MaxLenMax},
	} {
		v := rt(t, &ti, false, func(d []byte) ([]byte, error) { return ti.AppendString(d, "abc") })
		if b, err := v.Chars(); err != nil || string(b) != "abc" {
			t.Errorf("%v: %q, %v", ti.Type, b, err)
		}
	}
	tx := TypeInfo{Type: TypeText, MaxLen: 0x7FFFFFFF, Collation: coll47}
	v = rt(t, &tx, true, func(d []byte) ([]byte, error) { return tx.AppendString(d, "") })
	if b, err := v.Chars(); err != nil || len(b) != 0 || v.IsNull() {
		t.Errorf("empty text: %q, %v", b, err)
	}
	// An empty nvarchar(max) is a zero length and the terminator only.
	mx := TypeInfo{Type: TypeNVarChar, MaxLen: MaxLenMax}
	b, _ := mx.AppendString(nil, "")
	if !bytes.Equal(b, []byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}) {
		t.Errorf("empty nvarchar(max) = % x", b)
	}
	if _, err := (&TypeInfo{Type: TypeNVarChar, MaxLen: 100}).AppendString(nil, string(make([]byte, 40000))); !errors.Is(err, tds.ErrTooLarge) {
		t.Errorf("long nvarchar: %v", err)
	}
	if _, err := (&TypeInfo{Type: TypeInt4}).AppendString(nil, "x"); !errors.Is(err, tds.ErrUnexpected) {
		t.Errorf("string as int: %v", err)
	}
}

func TestRoundTripBytes(t *testing.T) {
	data := []byte{0, 1, 2, 0xFF}
	for _, ti := range []TypeInfo{
		{Type: TypeBigVarBinary, MaxLen: 10},
		{Type: TypeBigVarBinary, MaxLen: MaxLenMax},
		{Type: TypeBigBinary, MaxLen: 4},
		{Type: TypeBinary, MaxLen: 4},
		{Type: TypeVarBinary, MaxLen: 4},
		{Type: TypeVector, MaxLen: 4, Scale: 0},
		{Type: TypeXML, MaxLen: MaxLenMax},
		{Type: TypeUDT, MaxLen: 20},
	} {
		v := rt(t, &ti, false, func(d []byte) ([]byte, error) { return ti.AppendBytes(d, data) })
		if b, err := v.Bytes(); err != nil || !bytes.Equal(b, data) {
			t.Errorf("%v: % x, %v", ti.Type, b, err)
		}
	}
	im := TypeInfo{Type: TypeImage, MaxLen: 0x7FFFFFFF}
	v := rt(t, &im, true, func(d []byte) ([]byte, error) { return im.AppendBytes(d, data) })
	if b, err := v.Bytes(); err != nil || !bytes.Equal(b, data) {
		t.Errorf("image: % x, %v", b, err)
	}
	// PLP with chunking and with an unknown length.
	mx := TypeInfo{Type: TypeBigVarBinary, MaxLen: MaxLenMax}
	long := bytes.Repeat([]byte("0123456789"), 10)
	v = rt(t, &mx, false, func(d []byte) ([]byte, error) { return AppendPLP(d, long, 7), nil })
	if got := v.AppendBytes(nil); !bytes.Equal(got, long) || v.Len() != 100 {
		t.Errorf("chunked: %q", got)
	}
	if _, err := v.Bytes(); !errors.Is(err, tds.ErrUnexpected) {
		t.Errorf("Bytes of 15 chunks: %v", err)
	}
	v = rt(t, &mx, false, func(d []byte) ([]byte, error) {
		d = AppendPLPUnknownLen(d)
		d = AppendPLPChunk(d, long[:60])
		d = AppendPLPChunk(d, nil)
		d = AppendPLPChunk(d, long[60:])
		return AppendPLPTerminator(d), nil
	})
	if got := v.AppendBytes(nil); !bytes.Equal(got, long) {
		t.Errorf("unknown length: %q", got)
	}
	if _, err := (&TypeInfo{Type: TypeBigVarBinary, MaxLen: 10}).AppendBytes(nil, make([]byte, 0xFFFF)); !errors.Is(err, tds.ErrTooLarge) {
		t.Errorf("0xFFFF bytes: %v", err)
	}
}

func TestRoundTripVariant(t *testing.T) {
	vt := TypeInfo{Type: TypeVariant, MaxLen: 8009}
	dec, _ := ParseDecimal("-12.5")
	d5 := TypeInfo{Type: TypeDecimalN, MaxLen: 5, Precision: 5, Scale: 1}
	decData, _ := d5.AppendDecimal(nil, dec)
	dt2 := TypeInfo{Type: TypeDateTime2N, MaxLen: 8, Scale: 7}
	dtData, _ := dt2.AppendTime(nil, time.Date(2024, 1, 2, 3, 4, 5, 123456700, time.UTC))
	cases := []struct {
		base TypeInfo
		data []byte
	}{
		{TypeInfo{Type: TypeInt8}, []byte{1, 0, 0, 0, 0, 0, 0, 0}},
		{TypeInfo{Type: TypeDecimalN, Precision: 5, Scale: 1}, decData[1:]},
		{TypeInfo{Type: TypeDateTime2N, Scale: 7}, dtData[1:]},
		{TypeInfo{Type: TypeBigVarBinary, MaxLen: 8000}, []byte{1, 2}},
		{TypeInfo{Type: TypeBigChar, MaxLen: 10, Collation: coll47}, []byte("x")},
		{TypeInfo{Type: TypeDateN}, []byte{0x46, 0x46, 0x0B}},
	}
	for _, c := range cases {
		v := rt(t, &vt, false, func(d []byte) ([]byte, error) { return AppendVariant(d, &c.base, c.data) })
		if v.Type() != c.base.Type || !bytes.Equal(v.Raw(), c.data) || !v.IsVariant() {
			t.Errorf("%v: type %v raw % x", c.base.Type, v.Type(), v.Raw())
		}
	}
	v := rt(t, &vt, false, func(d []byte) ([]byte, error) {
		return AppendVariant(d, &TypeInfo{Type: TypeDecimalN, Precision: 5, Scale: 1}, decData[1:])
	})
	if got, err := v.Decimal(); err != nil || got.String() != "-12.5" {
		t.Errorf("variant decimal %v, %v", got, err)
	}
	v = rt(t, &vt, false, func(d []byte) ([]byte, error) {
		return AppendVariant(d, &TypeInfo{Type: TypeDateTime2N, Scale: 7}, dtData[1:])
	})
	if got, err := v.Time(); err != nil || got.Nanosecond() != 123456700 {
		t.Errorf("variant datetime2 %v, %v", got, err)
	}
	if _, err := AppendVariant(nil, &TypeInfo{Type: TypeIntN}, []byte{1}); !errors.Is(err, tds.ErrMalformed) {
		t.Errorf("INTNTYPE base: %v", err)
	}
	if _, err := vt.AppendBytes(nil, []byte{1}); err == nil {
		t.Error("AppendBytes on sql_variant accepted")
	}
}

// TestAppendVariantErrors pins that AppendVariant refuses every value its
// decoder would refuse (2.2.5.5.4), so decode(encode(x)) == x holds for
// everything it accepts; each refused case is also checked against the
// decoder by writing the same bytes by hand.
func TestAppendVariantErrors(t *testing.T) {
	vt := TypeInfo{Type: TypeVariant, MaxLen: 8009}
	cases := []struct {
		name  string
		base  TypeInfo
		data  []byte
		class error
		// props is the VARIANT_PROPERTIES the refused value would have had;
		// nil where the refusal is not the decoder's business (MaxLen).
		props []byte
	}{
		{"INT4 with 3 bytes", TypeInfo{Type: TypeInt4}, []byte{1, 2, 3}, tds.ErrMalformed, []byte{}},
		{"INT1 with 2 bytes", TypeInfo{Type: TypeInt1}, []byte{1, 2}, tds.ErrMalformed, []byte{}},
		{"FLT8 with 4 bytes", TypeInfo{Type: TypeFloat8}, []byte{1, 2, 3, 4}, tds.ErrMalformed, []byte{}},
		{"GUID with 15 bytes", TypeInfo{Type: TypeGUID}, make([]byte, 15), tds.ErrMalformed, []byte{}},
		{"DATE with 4 bytes", TypeInfo{Type: TypeDateN}, []byte{1, 2, 3, 4}, tds.ErrMalformed, []byte{}},
		{"TIME scale 9", TypeInfo{Type: TypeTimeN, Scale: 9}, []byte{1, 2, 3}, tds.ErrMalformed, []byte{9}},
		{"TIME scale 7 with 3 bytes", TypeInfo{Type: TypeTimeN, Scale: 7}, []byte{1, 2, 3}, tds.ErrMalformed, []byte{7}},
		{"DATETIME2 scale 0 with 8 bytes", TypeInfo{Type: TypeDateTime2N}, make([]byte, 8), tds.ErrMalformed, []byte{0}},
		{"DATETIMEOFFSET scale 8", TypeInfo{Type: TypeDateTimeOffsetN, Scale: 8}, make([]byte, 10), tds.ErrMalformed, []byte{8}},
		{"DECIMAL precision 0", TypeInfo{Type: TypeDecimalN}, []byte{1, 0, 0, 0, 0}, tds.ErrMalformed, []byte{0, 0}},
		{"NUMERIC precision 39", TypeInfo{Type: TypeNumericN, Precision: 39}, make([]byte, 17), tds.ErrMalformed, []byte{39, 0}},
		{"DECIMAL scale above precision", TypeInfo{Type: TypeDecimalN, Precision: 5, Scale: 6}, []byte{1, 0, 0, 0, 0}, tds.ErrMalformed, []byte{5, 6}},
		{"DECIMAL with 6 bytes", TypeInfo{Type: TypeDecimalN, Precision: 5}, make([]byte, 6), tds.ErrMalformed, []byte{5, 0}},
		{"INTN is not a base type", TypeInfo{Type: TypeIntN}, []byte{1}, tds.ErrMalformed, nil},
		{"VARBINARY MaxLen 65536", TypeInfo{Type: TypeBigVarBinary, MaxLen: 0x10000}, []byte{1}, tds.ErrMalformed, nil},
		{"NVARCHAR MaxLen 0xFFFFFFFF", TypeInfo{Type: TypeNVarChar, MaxLen: 0xFFFFFFFF}, []byte{'a', 0}, tds.ErrMalformed, nil},
		{"VARBINARY of 8006 bytes", TypeInfo{Type: TypeBigVarBinary, MaxLen: 8000}, make([]byte, 8006), tds.ErrTooLarge, nil},
	}
	for _, c := range cases {
		if _, err := AppendVariant(nil, &c.base, c.data); !errors.Is(err, c.class) {
			t.Errorf("%s: AppendVariant error %v, want %v", c.name, err, c.class)
		}
		if c.props == nil {
			continue
		}
		// The same value written by hand: LONGLEN, BASETYPE, PROPBYTES,
		// PROPERTIES, DATAVAL. The decoder must refuse it too.
		l := 2 + len(c.props) + len(c.data)
		b := []byte{byte(l), byte(l >> 8), 0, 0, byte(c.base.Type), byte(len(c.props))}
		b = append(append(b, c.props...), c.data...)
		if _, _, err := vt.DecodeValue(b); !errors.Is(err, tds.ErrMalformed) {
			t.Errorf("%s: decoder accepted % x (%v)", c.name, b, err)
		}
	}
	// The edges just inside the ranges are accepted and round-trip.
	ok := []struct {
		base TypeInfo
		data []byte
	}{
		{TypeInfo{Type: TypeTimeN, Scale: 7}, []byte{1, 2, 3, 4, 5}},
		{TypeInfo{Type: TypeDecimalN, Precision: 1}, []byte{1, 9, 0, 0, 0}},
		{TypeInfo{Type: TypeNumericN, Precision: 38, Scale: 38}, make([]byte, 17)},
		{TypeInfo{Type: TypeBigBinary, MaxLen: 0xFFFF}, []byte{1}},
		{TypeInfo{Type: TypeBigVarBinary, MaxLen: 8000}, make([]byte, 8005)},
	}
	for _, c := range ok {
		v := rt(t, &vt, false, func(d []byte) ([]byte, error) { return AppendVariant(d, &c.base, c.data) })
		if v.Type() != c.base.Type || !bytes.Equal(v.Raw(), c.data) {
			t.Errorf("%v: type %v raw % x", c.base.Type, v.Type(), v.Raw())
		}
	}
}

// TestSmallDateTimeMax pins the top of the smalldatetime range both ways:
// 2079-06-06 23:59:00 is day 65535 (0xFFFF) since 1900-01-01 and minute
// 1439 (0x059F), the bytes ff ff 9f 05 written here by hand, and both the
// encoder and the decoder take it; one minute later is refused.
func TestSmallDateTimeMax(t *testing.T) {
	max := []byte{0xff, 0xff, 0x9f, 0x05}
	want := time.Date(2079, 6, 6, 23, 59, 0, 0, time.UTC)
	for _, ti := range []TypeInfo{{Type: TypeDateTime4, MaxLen: 4}, {Type: TypeDateTimeN, MaxLen: 4}} {
		wire := max
		if ti.Type == TypeDateTimeN {
			wire = append([]byte{4}, max...)
		}
		for _, in := range []time.Time{want, want.Add(29 * time.Second), time.Date(2079, 6, 6, 0, 1, 0, 0, time.UTC)} {
			b, err := ti.AppendTime(nil, in)
			if err != nil {
				t.Errorf("%v: %v refused: %v", ti.Type, in, err)
				continue
			}
			if in.Hour() == 23 && !bytes.Equal(b, wire) {
				t.Errorf("%v: %v encodes as % x, want % x", ti.Type, in, b, wire)
			}
		}
		v := rt(t, &ti, false, func(d []byte) ([]byte, error) { return ti.AppendTime(d, want) })
		if got, err := v.Time(); err != nil || !got.Equal(want) {
			t.Errorf("%v: round trip %v, %v", ti.Type, got, err)
		}
		v, n, err := ti.DecodeValue(wire)
		if err != nil || n != len(wire) {
			t.Fatalf("%v: decoding % x: %v", ti.Type, wire, err)
		}
		if got, err := v.Time(); err != nil || !got.Equal(want) {
			t.Errorf("%v: % x decodes as %v, %v", ti.Type, wire, got, err)
		}
		for _, in := range []time.Time{want.Add(time.Minute), want.Add(30 * time.Second)} {
			if _, err := ti.AppendTime(nil, in); !errors.Is(err, tds.ErrTooLarge) {
				t.Errorf("%v: %v: %v, want ErrTooLarge", ti.Type, in, err)
			}
		}
	}
}

func TestNulls(t *testing.T) {
	cases := []struct {
		ti    TypeInfo
		row   []byte
		param []byte
	}{
		{TypeInfo{Type: TypeNull}, []byte{}, []byte{}},
		{TypeInfo{Type: TypeIntN, MaxLen: 4}, []byte{0}, []byte{0}},
		{TypeInfo{Type: TypeDateN, MaxLen: 3}, []byte{0}, []byte{0}},
		{TypeInfo{Type: TypeNVarChar, MaxLen: 20}, []byte{0xFF, 0xFF}, []byte{0xFF, 0xFF}},
		{TypeInfo{Type: TypeNVarChar, MaxLen: MaxLenMax}, bytes.Repeat([]byte{0xFF}, 8), bytes.Repeat([]byte{0xFF}, 8)},
		{TypeInfo{Type: TypeText, MaxLen: 10}, []byte{0}, []byte{0xFF, 0xFF, 0xFF, 0xFF}},
		{TypeInfo{Type: TypeVariant, MaxLen: 8009}, []byte{0, 0, 0, 0}, []byte{0, 0, 0, 0}},
	}
	for _, c := range cases {
		row, err := c.ti.AppendNull(nil)
		param, err2 := c.ti.AppendParamNull(nil)
		if err != nil || err2 != nil || !bytes.Equal(row, c.row) || !bytes.Equal(param, c.param) {
			t.Errorf("%v: % x / % x, %v %v", c.ti.Type, row, param, err, err2)
		}
		v, n, err := c.ti.DecodeValue(row)
		if err != nil || n != len(row) || !v.IsNull() || v.Raw() != nil || v.Len() != 0 || len(v.AppendBytes(nil)) != 0 {
			t.Errorf("%v: decode NULL: %d, %v", c.ti.Type, n, err)
		}
		v, n, err = c.ti.DecodeParamValue(param)
		if err != nil || n != len(param) || !v.IsNull() {
			t.Errorf("%v: decode param NULL: %d, %v", c.ti.Type, n, err)
		}
		if _, known := v.PLPLen(); known {
			t.Errorf("%v: PLPLen known on NULL", c.ti.Type)
		}
	}
	// A text pointer followed by a LONGLEN of 0xFFFFFFFF reads as NULL.
	tx := TypeInfo{Type: TypeText}
	b := append([]byte{1, 7}, make([]byte, 8)...)
	b = append(b, 0xFF, 0xFF, 0xFF, 0xFF)
	if v, n, err := tx.DecodeValue(b); err != nil || n != len(b) || !v.IsNull() {
		t.Errorf("text NULL after pointer: %d, %v", n, err)
	}
	if _, err := (&TypeInfo{Type: TypeInt4}).AppendNull(nil); !errors.Is(err, tds.ErrUnexpected) {
		t.Errorf("NULL int4: %v", err)
	}
}

func TestValueErrors(t *testing.T) {
	plp := TypeInfo{Type: TypeNVarChar, MaxLen: MaxLenMax}
	vt := TypeInfo{Type: TypeVariant, MaxLen: 8009}
	cases := []struct {
		name  string
		ti    TypeInfo
		b     []byte
		off   int64
		want  error
		param bool
	}{
		{"int4 short", TypeInfo{Type: TypeInt4}, []byte{1, 2, 3}, 0, tds.ErrTruncated, false},
		{"intn empty", TypeInfo{Type: TypeIntN, MaxLen: 4}, nil, 0, tds.ErrTruncated, false},
		{"intn len 3", TypeInfo{Type: TypeIntN, MaxLen: 4}, []byte{3, 1, 2, 3}, 0, tds.ErrMalformed, false},
		{"intn short data", TypeInfo{Type: TypeIntN, MaxLen: 4}, []byte{4, 1, 2}, 0, tds.ErrTruncated, false},
		{"datetime2 wrong len", TypeInfo{Type: TypeDateTime2N, Scale: 7}, []byte{6, 0, 0, 0, 0, 0, 0}, 0, tds.ErrMalformed, false},
		{"date len 4", TypeInfo{Type: TypeDateN}, []byte{4, 0, 0, 0, 0}, 0, tds.ErrMalformed, false},
		{"nvarchar no len", TypeInfo{Type: TypeNVarChar, MaxLen: 10}, []byte{1}, 0, tds.ErrTruncated, false},
		{"nvarchar short", TypeInfo{Type: TypeNVarChar, MaxLen: 10}, []byte{4, 0, 'a', 0}, 0, tds.ErrTruncated, false},
		{"plp no len", plp, []byte{1, 0, 0}, 0, tds.ErrTruncated, false},
		{"plp no terminator", plp, []byte{2, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 'a', 0}, 14, tds.ErrTruncated, false},
		{"plp huge chunk", plp, []byte{0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 'a'}, 8, tds.ErrTruncated, false},
		{"plp length mismatch", plp, []byte{4, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 'a', 0, 0, 0, 0, 0}, 0, tds.ErrMalformed, false},
		{"plp huge total", plp, []byte{0xFD, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0}, 0, tds.ErrMalformed, false},
		{"text no pointer", TypeInfo{Type: TypeText}, nil, 0, tds.ErrTruncated, false},
		{"text short pointer", TypeInfo{Type: TypeText}, []byte{16, 1, 2}, 0, tds.ErrTruncated, false},
		{"text no length", TypeInfo{Type: TypeText}, []byte{1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 5}, 10, tds.ErrTruncated, false},
		{"text huge", TypeInfo{Type: TypeImage}, []byte{0xFE, 0xFF, 0xFF, 0x7F, 1}, 0, tds.ErrTruncated, true},
		{"variant no len", vt, []byte{1}, 0, tds.ErrTruncated, false},
		{"variant short", vt, []byte{9, 0, 0, 0, 0x38, 0}, 0, tds.ErrTruncated, false},
		{"variant len 1", vt, []byte{1, 0, 0, 0, 0x38}, 4, tds.ErrMalformed, false},
		{"variant base intn", vt, []byte{3, 0, 0, 0, 0x26, 0, 1}, 4, tds.ErrMalformed, false},
		{"variant propbytes", vt, []byte{6, 0, 0, 0, 0x38, 1, 0, 0, 0, 0}, 5, tds.ErrMalformed, false},
		{"variant props overflow", vt, []byte{3, 0, 0, 0, 0xE7, 7, 0}, 5, tds.ErrMalformed, false},
		{"variant int4 of 3", vt, []byte{5, 0, 0, 0, 0x38, 0, 1, 2, 3}, 6, tds.ErrMalformed, false},
		{"variant time scale 9", vt, []byte{6, 0, 0, 0, 0x29, 1, 9, 0, 0, 0}, 6, tds.ErrMalformed, false},
		{"variant decimal p 0", vt, []byte{9, 0, 0, 0, 0x6A, 2, 0, 0, 1, 0, 0, 0, 0}, 6, tds.ErrMalformed, false},
		{"tvp", TypeInfo{Type: TypeTVP}, []byte{0}, 0, tds.ErrMalformed, false},
	}
	for _, c := range cases {
		var n int
		var err error
		if c.param {
			n, err = c.ti.ParamValueLen(c.b)
		} else {
			n, err = c.ti.ValueLen(c.b)
		}
		var te *tds.Error
		if !errors.As(err, &te) || !errors.Is(err, c.want) || n != 0 {
			t.Errorf("%s: n=%d err=%v, want %v", c.name, n, err, c.want)
			continue
		}
		if te.Layer != tds.LayerSQLType || te.Offset != c.off {
			t.Errorf("%s: offset %d, want %d (%v)", c.name, te.Offset, c.off, err)
		}
	}
}

func TestAccessorErrors(t *testing.T) {
	nv := TypeInfo{Type: TypeNVarChar, MaxLen: 10}
	v, _, _ := nv.DecodeValue([]byte{2, 0, 'a', 0})
	checks := []struct {
		name string
		err  error
	}{}
	add := func(name string, err error) {
		checks = append(checks, struct {
			name string
			err  error
		}{name, err})
	}
	_, err := v.Int64()
	add("Int64", err)
	_, err = v.Bool()
	add("Bool", err)
	_, err = v.Float64()
	add("Float64", err)
	_, err = v.Money()
	add("Money", err)
	_, err = v.Decimal()
	add("Decimal", err)
	_, err = v.Time()
	add("Time", err)
	_, err = v.TimeOfDay()
	add("TimeOfDay", err)
	_, err = v.ZoneOffset()
	add("ZoneOffset", err)
	_, err = v.GUID()
	add("GUID", err)
	_, err = v.Chars()
	add("Chars", err)
	_, err = v.Bytes()
	add("Bytes", err)
	for _, c := range checks {
		if !errors.Is(c.err, tds.ErrUnexpected) {
			t.Errorf("%s on nvarchar: %v", c.name, c.err)
		}
	}
	i4 := TypeInfo{Type: TypeInt4}
	v, _, _ = i4.DecodeValue([]byte{1, 0, 0, 0})
	if _, err := v.UCS2(); !errors.Is(err, tds.ErrUnexpected) {
		t.Errorf("UCS2 on int: %v", err)
	}
	null, _, _ := nv.DecodeValue([]byte{0xFF, 0xFF})
	if _, err := null.UCS2(); !errors.Is(err, ErrNull) {
		t.Errorf("UCS2 on NULL: %v", err)
	}
	if _, err := null.Bytes(); !errors.Is(err, ErrNull) && !errors.Is(err, tds.ErrUnexpected) {
		t.Errorf("Bytes on NULL: %v", err)
	}
	// Values that pass the length checks but hold impossible contents.
	bad := []struct {
		ti TypeInfo
		b  []byte
		f  func(Value) error
	}{
		{TypeInfo{Type: TypeDecimalN, MaxLen: 5, Precision: 5}, []byte{5, 2, 0, 0, 0, 0}, func(v Value) error { _, err := v.Decimal(); return err }},
		{TypeInfo{Type: TypeDateTime4}, []byte{0, 0, 0xA0, 0x05}, func(v Value) error { _, err := v.Time(); return err }},
		{TypeInfo{Type: TypeDateTime}, []byte{0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF}, func(v Value) error { _, err := v.Time(); return err }},
		{TypeInfo{Type: TypeTimeN, Scale: 0}, []byte{3, 0xFF, 0xFF, 0xFF}, func(v Value) error { _, err := v.Time(); return err }},
		{TypeInfo{Type: TypeDateTimeOffsetN, Scale: 0}, []byte{8, 0, 0, 0, 0, 0, 0, 0x85, 0x03}, func(v Value) error { _, err := v.ZoneOffset(); return err }},
	}
	for _, c := range bad {
		v, _, err := c.ti.DecodeValue(c.b)
		if err != nil {
			t.Fatalf("%v: %v", c.ti.Type, err)
		}
		if err := c.f(v); !errors.Is(err, tds.ErrMalformed) {
			t.Errorf("%v % x: %v", c.ti.Type, c.b, err)
		}
	}
	for _, s := range []string{"", "6f9619ff-8b86-d011-b42d-00c04fc964f", "6f9619ff+8b86-d011-b42d-00c04fc964ff", "6f9619ff-8b86-d011-b42d-00c04fc964fg"} {
		if _, err := ParseGUID(s); !errors.Is(err, tds.ErrMalformed) {
			t.Errorf("ParseGUID(%q): %v", s, err)
		}
	}
}

func TestNullBitmap(t *testing.T) {
	for cols, want := range map[int]int{0: 0, 1: 1, 8: 1, 9: 2, 65535: 8192, -1: 0} {
		if got := NullBitmapLen(cols); got != want {
			t.Errorf("NullBitmapLen(%d) = %d, want %d", cols, got, want)
		}
	}
	// 4.15: NBCROW D2 02 04 ... — two columns, bitmap 0x02: column 1
	// (the xml column) is NULL, column 0 is present.
	bm := []byte{0x02}
	if IsNullInBitmap(bm, 0) || !IsNullInBitmap(bm, 1) || IsNullInBitmap(bm, 8) || IsNullInBitmap(bm, -1) {
		t.Error("IsNullInBitmap on 0x02")
	}
	b := make([]byte, NullBitmapLen(10))
	SetNullInBitmap(b, 9)
	SetNullInBitmap(b, 0)
	SetNullInBitmap(b, 10*8)
	if !bytes.Equal(b, []byte{0x01, 0x02}) {
		t.Errorf("SetNullInBitmap: % x", b)
	}
}

func TestValueAllocs(t *testing.T) {
	ti, _ := goldenValue(t, "datetime2.hex")
	b := tdstest.ReadHex(t, "testdata/datetime2.hex")[2:]
	nv, _ := goldenValue(t, "variant_nvarchar.hex")
	nb := tdstest.ReadHex(t, "testdata/variant_nvarchar.hex")[5:]
	xi, _ := goldenValue(t, "xml_sparse.hex")
	xb := tdstest.ReadHex(t, "testdata/xml_sparse.hex")[2:]
	dec, _ := goldenValue(t, "decimal.hex")
	db := tdstest.ReadHex(t, "testdata/decimal.hex")[4:]
	var sink int
	a := testing.AllocsPerRun(100, func() {
		v, _, err := ti.DecodeValue(b)
		if err != nil {
			t.Fatal(err)
		}
		tm, _ := v.Time()
		sink += tm.Nanosecond()
		v, _, _ = nv.DecodeValue(nb)
		s, _ := v.UCS2()
		sink += len(s)
		v, _, _ = xi.DecodeValue(xb)
		x, _ := v.Bytes()
		sink += len(x) + v.Len()
		for ch := range v.Chunks() {
			sink += len(ch)
		}
		v, _, _ = dec.DecodeValue(db)
		d, _ := v.Decimal()
		sink += int(d.Lo)
		n, _ := dec.ValueLen(db)
		sink += n
	})
	if a != 0 {
		t.Errorf("DecodeValue and view accessors allocate %v times", a)
	}
	var buf [64]byte
	a = testing.AllocsPerRun(100, func() {
		d := Decimal{Lo: 12345, Scale: 2}
		out := d.AppendText(buf[:0])
		out, _ = dec.AppendDecimal(out, d)
		out, _ = ti.AppendTime(out, time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC))
		sink += len(out)
	})
	if a != 0 {
		t.Errorf("encoders into a large enough buffer allocate %v times", a)
	}
	_ = sink
}
