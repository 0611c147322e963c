package sqltype

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tds/tdstest"
)

// seeds returns the golden vectors of testdata/.
func seeds(f *testing.F) [][]byte {
	f.Helper()
	files, err := filepath.Glob("testdata/*.hex")
	if err != nil || len(files) == 0 {
		f.Fatalf("no golden vectors: %v", err)
	}
	var out [][]byte
	for _, name := range files {
		text, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		b, err := tdstest.ParseHex(string(text))
		if err != nil {
			f.Fatalf("%s: %v", name, err)
		}
		out = append(out, b)
	}
	return out
}

func sameTypeInfo(a, b *TypeInfo) bool {
	return scalars(*a) == scalars(*b) &&
		bytes.Equal(a.XML.DBName, b.XML.DBName) &&
		bytes.Equal(a.XML.OwningSchema, b.XML.OwningSchema) &&
		bytes.Equal(a.XML.SchemaCollection, b.XML.SchemaCollection) &&
		bytes.Equal(a.UDT.DBName, b.UDT.DBName) &&
		bytes.Equal(a.UDT.SchemaName, b.UDT.SchemaName) &&
		bytes.Equal(a.UDT.TypeName, b.UDT.TypeName) &&
		bytes.Equal(a.UDT.AssemblyQualifiedName, b.UDT.AssemblyQualifiedName) &&
		bytes.Equal(a.TableName, b.TableName)
}

func sameValue(a, b Value) bool {
	return a.typ == b.typ && a.precision == b.precision && a.scale == b.scale &&
		a.coll == b.coll && a.null == b.null && a.plp == b.plp &&
		a.variant == b.variant && a.varMax == b.varMax && a.plpLen == b.plpLen &&
		bytes.Equal(a.data, b.data) && bytes.Equal(a.textPtr, b.textPtr) &&
		bytes.Equal(a.timestamp, b.timestamp)
}

func FuzzTypeInfo(f *testing.F) {
	for _, s := range seeds(f) {
		f.Add(false, s)
		f.Add(true, s)
	}
	f.Fuzz(func(t *testing.T, param bool, b []byte) {
		var ti TypeInfo
		var n int
		var err error
		if param {
			ti, n, err = DecodeParamTypeInfo(b)
		} else {
			ti, n, err = DecodeTypeInfo(b)
		}
		if err != nil {
			if n != 0 {
				t.Fatalf("error with n=%d", n)
			}
			return
		}
		if n < 1 || n > len(b) {
			t.Fatalf("n=%d of %d", n, len(b))
		}
		ti.LenClass()
		var enc []byte
		if param {
			enc = ti.AppendParam(nil)
		} else {
			enc = ti.Append(nil)
		}
		if !bytes.Equal(enc, b[:n]) {
			t.Fatalf("Append = % x, decoded from % x", enc, b[:n])
		}
		var ti2 TypeInfo
		if param {
			ti2, _, err = DecodeParamTypeInfo(enc)
		} else {
			ti2, _, err = DecodeTypeInfo(enc)
		}
		if err != nil || !sameTypeInfo(&ti, &ti2) {
			t.Fatalf("re-decode: %v\n%+v\n%+v", err, ti, ti2)
		}
		if m, err := ti.decodeTableNameForTest(b[n:]); err == nil {
			if !bytes.Equal(ti.AppendTableName(nil), b[n:n+m]) {
				t.Fatalf("TableName does not round-trip")
			}
			for i := 0; i <= ti.TableName.NumParts(); i++ {
				ti.TableName.Part(i)
			}
		}
	})
}

func FuzzValue(f *testing.F) {
	for _, s := range seeds(f) {
		f.Add(false, s)
		f.Add(true, s)
	}
	f.Fuzz(func(t *testing.T, param bool, b []byte) {
		var ti TypeInfo
		n, err := ti.decode(b, false)
		if err != nil {
			return
		}
		if ti.HasTableName() {
			m, err := ti.decodeTableNameForTest(b[n:])
			if err != nil {
				return
			}
			n += m
		}
		b = b[n:]
		var v Value
		if param {
			v, n, err = ti.DecodeParamValue(b)
		} else {
			v, n, err = ti.DecodeValue(b)
		}
		var m int
		var lerr error
		if param {
			m, lerr = ti.ParamValueLen(b)
		} else {
			m, lerr = ti.ValueLen(b)
		}
		if (err == nil) != (lerr == nil) || m != n {
			t.Fatalf("ValueLen = %d, %v; DecodeValue = %d, %v", m, lerr, n, err)
		}
		if !param {
			w := Value{typ: TypeInt4, data: []byte{1}}
			m, lerr = ti.DecodeValueTo(&w, b)
			if (err == nil) != (lerr == nil) || m != n || !reflect.DeepEqual(w, v) {
				t.Fatalf("DecodeValueTo = %d, %v, %+v; DecodeValue = %d, %v, %+v", m, lerr, w, n, err, v)
			}
			checkDecodeRowTo(t, &ti, b, v, n, err)
		}
		// decodeValueTo's fast path must give what decodeValueSlow, which
		// takes every class, gives: value, length and error.
		w := Value{typ: TypeInt4, data: []byte{1}}
		m, lerr = ti.decodeValueSlow(&w, b, param)
		if m != n || (lerr == nil) != (err == nil) || err != nil && lerr.Error() != err.Error() || !reflect.DeepEqual(w, v) {
			t.Fatalf("decodeValueSlow = %d, %v, %+v; decodeValueTo = %d, %v, %+v", m, lerr, w, n, err, v)
		}
		if err != nil {
			return
		}
		if n > len(b) {
			t.Fatalf("n=%d of %d", n, len(b))
		}
		// Every accessor must answer without panicking.
		v.Int64()
		v.Bool()
		v.Float64()
		v.Money()
		if d, err := v.Decimal(); err == nil {
			_ = d.String()
		}
		v.Time()
		v.TimeOfDay()
		v.ZoneOffset()
		if g, err := v.GUID(); err == nil {
			if p, err := ParseGUID(g.String()); err != nil || p != g {
				t.Fatalf("GUID text round trip: %v", err)
			}
		}
		v.UCS2()
		v.Chars()
		v.Bytes()
		if got := len(v.AppendBytes(nil)); got != v.Len() {
			t.Fatalf("AppendBytes gave %d bytes, Len %d", got, v.Len())
		}
		var enc []byte
		if param {
			enc, err = ti.AppendParamValue(nil, v)
		} else {
			enc, err = ti.AppendValue(nil, v)
		}
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		var v2 Value
		if param {
			v2, n, err = ti.DecodeParamValue(enc)
		} else {
			v2, n, err = ti.DecodeValue(enc)
		}
		if err != nil || n != len(enc) || !sameValue(v, v2) {
			t.Fatalf("re-decode: %v, n=%d of %d\n%+v\n%+v", err, n, len(enc), v, v2)
		}
	})
}

// Encoder kinds FuzzEncoders picks from (its kind argument modulo
// encKinds).
const (
	encInt = iota
	encBool
	encFloat
	encMoney
	encGUID
	encString
	encBytes
	encDecimal
	encTime
	encVariant
	encPLP
	encNull
	encKinds
)

// FuzzEncoders drives the typed encoders with a type and a value derived
// from the input. The TYPE_INFO is built from typ, maxLen, prec and scale
// and kept only if it survives Append and Decode (so it is one a peer
// could send); the value comes from a, b and s. Whenever an encoder
// accepts, the bytes must measure (ValueLen) and decode (DecodeValue) to
// exactly their length, the decoded value must be the one encoded, and
// AppendValue of it must give the same bytes back.
func FuzzEncoders(f *testing.F) {
	seed := []struct {
		kind, typ, prec, scale uint8
		maxLen                 uint32
		a, b                   int64
		s                      []byte
	}{
		{encInt, uint8(TypeIntN), 0, 0, 4, -5, 0, nil},
		{encInt, uint8(TypeInt1), 0, 0, 0, 255, 0, nil},
		{encBool, uint8(TypeBitN), 0, 0, 1, 1, 0, nil},
		{encFloat, uint8(TypeFloatN), 0, 0, 4, int64(math.Float64bits(1.5)), 0, nil},
		{encFloat, uint8(TypeFloat8), 0, 0, 0, int64(math.Float64bits(-2.25)), 0, nil},
		{encMoney, uint8(TypeMoneyN), 0, 0, 8, 123456789, 0, nil},
		{encMoney, uint8(TypeMoney4), 0, 0, 0, -1, 0, nil},
		{encGUID, uint8(TypeGUID), 0, 0, 16, 0, 0, []byte("0123456789abcdef")},
		{encString, uint8(TypeNVarChar), 0, 0, 100, 0, 0, []byte("héllo")},
		{encString, uint8(TypeNVarChar), 0, 0, MaxLenMax, 0, 0, []byte("max")},
		{encString, uint8(TypeBigVarChar), 0, 0, 10, 0, 0, []byte("abc")},
		{encString, uint8(TypeNText), 0, 0, 0x7FFFFFFF, 0, 0, []byte("text")},
		{encBytes, uint8(TypeBigVarBinary), 0, 0, 8000, 0, 0, []byte{1, 2, 3}},
		{encBytes, uint8(TypeImage), 0, 0, 0x7FFFFFFF, 0, 0, []byte{4}},
		{encDecimal, uint8(TypeDecimalN), 5, 2, 5, -1234, 2, nil},
		{encDecimal, uint8(TypeNumericN), 38, 10, 17, 1, 10, []byte{1, 2, 3, 4, 5, 6, 7, 0}},
		{encTime, uint8(TypeDateTime4), 0, 0, 4, 65588918340, 0, nil},          // 2079-06-06 23:59,
		{encTime, uint8(TypeDateTimeN), 0, 0, 8, 55287792000, 999, nil},        // 1753-01-01,
		{encTime, uint8(TypeDateTime2N), 0, 7, 8, 63835596800, 123456789, nil}, // 2023-11-14,
		{encTime, uint8(TypeDateTimeOffsetN), 0, 3, 8, 63835596800, -330<<32 | 5, nil},
		{encTime, uint8(TypeTimeN), 0, 4, 4, 86399, 999999999, nil},
		{encTime, uint8(TypeDateN), 0, 0, 3, 315537811200, 0, nil}, // 9999-12-31,
		{encVariant, uint8(TypeInt4), 0, 0, 0, 0, 0, []byte{1, 2, 3, 4}},
		{encVariant, uint8(TypeDecimalN), 5, 1, 0, 0, 0, []byte{1, 2, 3, 4, 5}},
		{encVariant, uint8(TypeNVarChar), 0, 0, 20, 0, 0x0409d00034, []byte{'a', 0}},
		{encVariant, uint8(TypeTimeN), 0, 7, 0, 0, 0, []byte{1, 2, 3, 4, 5}},
		{encPLP, uint8(TypeBigVarBinary), 0, 0, MaxLenMax, 0, 2, []byte("chunked")},
		{encNull, uint8(TypeNText), 0, 0, 0x7FFFFFFF, 0, 0, nil},
		{encNull, uint8(TypeIntN), 0, 0, 4, 0, 0, nil},
	}
	for _, c := range seed {
		f.Add(c.kind, c.typ, c.prec, c.scale, c.maxLen, c.a, c.b, c.s)
	}
	f.Fuzz(func(t *testing.T, kind, typ, prec, scale uint8, maxLen uint32, a, b int64, s []byte) {
		var coll Collation
		binary.LittleEndian.PutUint32(coll[:], uint32(b))
		coll[4] = byte(b >> 32)
		built := TypeInfo{Type: TypeID(typ), MaxLen: maxLen, Precision: prec, Scale: scale, Collation: coll}
		kind %= encKinds
		// The type the value is encoded as; for sql_variant, built is the
		// base type and the column is sql_variant.
		var ti TypeInfo
		if kind == encVariant {
			ti = TypeInfo{Type: TypeVariant, MaxLen: variantMaxLen}
		} else {
			tb := built.Append(nil)
			if n, err := ti.decode(tb, false); err != nil || n != len(tb) {
				return
			}
		}
		// text, ntext and image: the encoders write the parameter form.
		param := ti.LenClass() == LenLong && ti.Type != TypeVariant
		var enc []byte
		var err error
		var check func(v Value) error
		fail := func(format string, args ...any) error { return fmt.Errorf(format, args...) }
		switch kind {
		case encInt:
			enc, err = ti.AppendInt(nil, a)
			check = func(v Value) error {
				if got, err := v.Int64(); err != nil || got != a {
					return fail("Int64 = %d, %v; want %d", got, err, a)
				}
				return nil
			}
		case encBool:
			enc, err = ti.AppendBool(nil, a&1 == 1)
			check = func(v Value) error {
				if got, err := v.Bool(); err != nil || got != (a&1 == 1) {
					return fail("Bool = %v, %v", got, err)
				}
				return nil
			}
		case encFloat:
			x := math.Float64frombits(uint64(a))
			enc, err = ti.AppendFloat(nil, x)
			check = func(v Value) error {
				got, err := v.Float64()
				same := math.Float64bits(got) == math.Float64bits(x)
				if len(v.Raw()) == 4 {
					same = math.Float32bits(float32(got)) == math.Float32bits(float32(x))
				}
				if err != nil || !same {
					return fail("Float64 = %v, %v; want %v", got, err, x)
				}
				return nil
			}
		case encMoney:
			enc, err = ti.AppendMoney(nil, a)
			check = func(v Value) error {
				if got, err := v.Money(); err != nil || got != a {
					return fail("Money = %d, %v; want %d", got, err, a)
				}
				return nil
			}
		case encGUID:
			var g GUID
			copy(g[:], s)
			enc, err = ti.AppendGUID(nil, g)
			check = func(v Value) error {
				if got, err := v.GUID(); err != nil || got != g {
					return fail("GUID = %v, %v; want %v", got, err, g)
				}
				return nil
			}
		case encString:
			enc, err = ti.AppendString(nil, string(s))
			want := s
			switch ti.Type {
			case TypeNChar, TypeNVarChar, TypeNText:
				want = tds.AppendUCS2(nil, string(s))
			}
			check = func(v Value) error {
				if got := v.AppendBytes(nil); !bytes.Equal(got, want) {
					return fail("data % x, want % x", got, want)
				}
				return nil
			}
		case encBytes:
			enc, err = ti.AppendBytes(nil, s)
			check = func(v Value) error {
				if got := v.AppendBytes(nil); !bytes.Equal(got, s) {
					return fail("data % x, want % x", got, s)
				}
				return nil
			}
		case encDecimal:
			var hi [8]byte
			copy(hi[:], s)
			d := Decimal{Negative: a < 0, Lo: uint64(a), Hi: binary.LittleEndian.Uint64(hi[:]), Scale: uint8(b) % 40}
			if a < 0 {
				d.Lo = -uint64(a)
			}
			enc, err = ti.AppendDecimal(nil, d)
			check = func(v Value) error {
				got, err := v.Decimal()
				if err != nil {
					return fail("Decimal: %v", err)
				}
				// The encoder scales d up to the column's scale; compare
				// the values, scaled back down exactly.
				for got.Scale > d.Scale {
					var r uint64
					got.Hi, got.Lo, r = div10(got.Hi, got.Lo)
					if r != 0 {
						return fail("Decimal = %v, want %v", got, d)
					}
					got.Scale--
				}
				if got != d {
					return fail("Decimal = %v, want %v", got, d)
				}
				return nil
			}
		case encTime:
			// a: seconds since 0001-01-01 (folded into a range a little
			// wider than 0001..9999); b: nanoseconds, and in its high half
			// the zone offset in minutes.
			const span = 10001 * 366 * secondsPerDay
			sec := a % span
			if sec < 0 {
				sec += span
			}
			ns := uint32(b) % nanosPerSecond
			zone := int(int32(b>>32)) % (24 * 60)
			in := time.Unix(sec-daysYear1To1970*secondsPerDay, int64(ns)).In(time.FixedZone("", zone*60))
			enc, err = ti.AppendTime(nil, in)
			check = func(v Value) error {
				got, err := v.Time()
				if err != nil {
					return fail("Time: %v", err)
				}
				if ti.Type == TypeDateTimeOffsetN {
					off, err := v.ZoneOffset()
					if err != nil || off != zone {
						return fail("Offset = %d, %v; want %d", off, err, zone)
					}
					got = got.In(time.FixedZone("", off*60))
				}
				// The value is rounded or truncated to the type; encoding
				// the decoded time again must give the same bytes.
				again, err := ti.AppendTime(nil, got)
				if err != nil || !bytes.Equal(again, enc) {
					return fail("re-encoding %v: % x, %v; want % x", got, again, err, enc)
				}
				return nil
			}
		case encVariant:
			enc, err = AppendVariant(nil, &built, s)
			check = func(v Value) error {
				if v.Type() != built.Type || !v.IsVariant() || !bytes.Equal(v.Raw(), s) {
					return fail("variant %v % x, want %v % x", v.Type(), v.Raw(), built.Type, s)
				}
				switch variantPropBytes(built.Type) {
				case 1:
					if v.Scale() != built.Scale {
						return fail("variant scale %d, want %d", v.Scale(), built.Scale)
					}
				case 7:
					if v.Collation() != built.Collation {
						return fail("variant collation %v, want %v", v.Collation(), built.Collation)
					}
				}
				if isDecimal(built.Type) && (v.Precision() != built.Precision || v.Scale() != built.Scale) {
					return fail("variant precision %d scale %d, want %d %d", v.Precision(), v.Scale(), built.Precision, built.Scale)
				}
				return nil
			}
		case encPLP:
			if !ti.IsPLP() {
				return
			}
			enc = AppendPLP(nil, s, int(b%64))
			check = func(v Value) error {
				if n, known := v.PLPLen(); !known || n != uint64(len(s)) {
					return fail("PLPLen %d, %v; want %d", n, known, len(s))
				}
				if got := v.AppendBytes(nil); !bytes.Equal(got, s) {
					return fail("data % x, want % x", got, s)
				}
				return nil
			}
		case encNull:
			if param {
				enc, err = ti.AppendParamNull(nil)
			} else {
				enc, err = ti.AppendNull(nil)
			}
			check = func(v Value) error {
				if !v.IsNull() {
					return fail("not NULL")
				}
				return nil
			}
		}
		if err != nil {
			if enc != nil {
				t.Fatalf("error %v with %d bytes appended", err, len(enc))
			}
			return
		}
		var v Value
		var n, m int
		var lerr error
		if param {
			m, lerr = ti.ParamValueLen(enc)
			v, n, err = ti.DecodeParamValue(enc)
		} else {
			m, lerr = ti.ValueLen(enc)
			v, n, err = ti.DecodeValue(enc)
		}
		if lerr != nil || m != len(enc) {
			t.Fatalf("%+v: ValueLen(% x) = %d, %v", ti, enc, m, lerr)
		}
		if err != nil || n != len(enc) {
			t.Fatalf("%+v: DecodeValue(% x) = %d, %v", ti, enc, n, err)
		}
		if err := check(v); err != nil {
			t.Fatalf("%+v: % x: %v", ti, enc, err)
		}
		var again []byte
		if param {
			again, err = ti.AppendParamValue(nil, v)
		} else {
			again, err = ti.AppendValue(nil, v)
		}
		if err != nil || !bytes.Equal(again, enc) {
			t.Fatalf("%+v: AppendValue = % x, %v; want % x", ti, again, err, enc)
		}
	})
}

// checkDecodeRowTo checks DecodeRowTo against DecodeValue's v, n, err for
// ti at b: as a row of one column, of two (the value twice), and of one
// column a null bitmap marks NULL.
func checkDecodeRowTo(t *testing.T, ti *TypeInfo, b []byte, v Value, n int, err error) {
	t.Helper()
	dst := []ColumnValue{{Value: Value{typ: TypeInt4, textPtr: []byte{1}}, Wire: []byte{2}}, {}}
	m, rerr := DecodeRowTo(dst, []*TypeInfo{ti}, nil, b)
	if err != nil {
		if rerr == nil || m != 0 || rerr.Error() != err.Error() || !reflect.DeepEqual(dst[0], ColumnValue{}) {
			t.Fatalf("DecodeRowTo = %d, %v, %+v; DecodeValue error %v", m, rerr, dst[0], err)
		}
	} else if rerr != nil || m != n || !reflect.DeepEqual(dst[0].Value, v) || !bytes.Equal(dst[0].Wire, b[:n]) || len(dst[0].Wire) != n {
		t.Fatalf("DecodeRowTo = %d, %v, %+v; DecodeValue = %d, %+v", m, rerr, dst[0], n, v)
	}
	if err == nil {
		two := append(append([]byte(nil), b[:n]...), b[:n]...)
		m, rerr = DecodeRowTo(dst, []*TypeInfo{ti, ti}, nil, two)
		if rerr != nil || m != 2*n || !reflect.DeepEqual(dst[1].Value, v) || !bytes.Equal(dst[1].Wire, b[:n]) {
			t.Fatalf("DecodeRowTo, two columns = %d, %v, %+v; DecodeValue = %d, %+v", m, rerr, dst[1], n, v)
		}
		// The second copy cut short: the error is the second column's,
		// its offset counted from the row.
		if n > 0 {
			_, _, cerr := ti.DecodeValue(b[:n-1])
			m, rerr = DecodeRowTo(dst, []*TypeInfo{ti, ti}, nil, two[:2*n-1])
			if cerr == nil {
				if rerr != nil {
					t.Fatalf("DecodeRowTo, second value cut = %v; DecodeValue of the cut value succeeds", rerr)
				}
			} else {
				var re, ce *tds.Error
				if rerr == nil || m != 1 || !errors.As(rerr, &re) || !errors.As(cerr, &ce) || re.Offset != ce.Offset+int64(n) || re.Msg != ce.Msg {
					t.Fatalf("DecodeRowTo, second value cut = %d, %v; DecodeValue of the cut value: %v (offset %d later)", m, rerr, cerr, n)
				}
			}
		}
	}
	m, rerr = DecodeRowTo(dst, []*TypeInfo{ti}, []byte{1}, b)
	if c := ti.LenClass(); c == LenFixed || c == LenInvalid {
		if rerr == nil || m != 0 || !errors.Is(rerr, tds.ErrMalformed) {
			t.Fatalf("DecodeRowTo, NULL of %v (class %v) = %d, %v; want a malformed error", ti.Type, c, m, rerr)
		}
	} else if rerr != nil || m != 0 || !dst[0].IsNull() || dst[0].Wire != nil {
		t.Fatalf("DecodeRowTo, NULL of %v = %d, %v, %+v; want a NULL", ti.Type, m, rerr, dst[0])
	}
}
