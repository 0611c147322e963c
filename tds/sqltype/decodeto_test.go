package sqltype

import (
	"bytes"
	"errors"
	"fmt"
	"math/big"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tds/tdstest"
)

// TestDecodeValueTo checks that DecodeValueTo fills the caller's Value
// exactly as DecodeValue returns it, overwriting whatever it held, for
// every golden value in the row form, and that it leaves the zero Value
// behind on error.
func TestDecodeValueTo(t *testing.T) {
	for _, file := range []string{
		"datetime.hex", "datetime2.hex", "decimal.hex", "dto.hex", "guid.hex",
		"intn_sparse.hex", "money.hex", "nvarcharmax.hex", "text_row.hex",
		"udt.hex", "varchar_batch.hex", "variant_int.hex", "variant_nvarchar.hex",
		"vector.hex", "xml_schema.hex", "xml_sparse.hex",
	} {
		b := tdstest.ReadHex(t, "testdata/"+file)
		ti := new(TypeInfo)
		n, err := ti.decode(b, false)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if ti.HasTableName() {
			m, err := ti.decodeTableNameForTest(b[n:])
			if err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			n += m
		}
		in := b[n:]
		want, wn, werr := ti.DecodeValue(in)
		if werr != nil {
			t.Fatalf("%s: DecodeValue: %v", file, werr)
		}
		// A Value left over from another column must not leak through.
		got := Value{typ: TypeVariant, null: true, plp: true, textPtr: []byte{1}, plpLen: 7}
		gn, err := ti.DecodeValueTo(&got, in)
		if err != nil || gn != wn || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: DecodeValueTo = %d, %v, %+v; want %d, %+v", file, gn, err, got, wn, want)
		}
		// Every strict prefix of the value is truncated.
		for cut := 0; cut < wn; cut++ {
			if want.Type() == TypeNull {
				break
			}
			v := want
			if _, err := ti.DecodeValueTo(&v, in[:cut]); err == nil {
				continue // a shorter prefix can be a complete value (NULL, a PLP terminator)
			} else if !errors.Is(err, tds.ErrTruncated) && !errors.Is(err, tds.ErrMalformed) {
				t.Errorf("%s: cut at %d: %v is neither truncated nor malformed", file, cut, err)
			}
			if !reflect.DeepEqual(v, Value{}) {
				t.Errorf("%s: cut at %d: DecodeValueTo left %+v after an error, want the zero Value", file, cut, v)
			}
		}
	}
}

func TestDecodeValueToAllocs(t *testing.T) {
	b := tdstest.ReadHex(t, "testdata/datetime2.hex")
	ti := new(TypeInfo)
	n, err := ti.decode(b, false)
	if err != nil {
		t.Fatal(err)
	}
	var v Value
	if a := testing.AllocsPerRun(100, func() {
		if _, err := ti.DecodeValueTo(&v, b[n:]); err != nil {
			t.Fatal(err)
		}
	}); a != 0 {
		t.Errorf("DecodeValueTo allocates %v times, want 0", a)
	}
}

// TestAccessorTypeErrors checks the errors an accessor returns for a
// NULL and for a value of another type: their class, their text (the
// same as the fmt-built text they replaced) and their cost, at most two
// allocations, since callers probe values with one accessor after
// another.
func TestAccessorTypeErrors(t *testing.T) {
	b := tdstest.ReadHex(t, "testdata/datetime2.hex")
	ti := new(TypeInfo)
	n, err := ti.decode(b, false)
	if err != nil {
		t.Fatal(err)
	}
	v, _, err := ti.DecodeValue(b[n:])
	if err != nil {
		t.Fatal(err)
	}
	_, err = v.Int64()
	var te *tds.Error
	if !errors.As(err, &te) || !errors.Is(err, tds.ErrUnexpected) || te.Msg != fmt.Sprintf("%s of a %v value", "Int64", v.Type()) || te.Layer != tds.LayerSQLType {
		t.Errorf("Int64 of a %v: %v", v.Type(), err)
	}
	null := Value{typ: TypeIntN, null: true}
	_, err = null.Int64()
	if !errors.As(err, &te) || !errors.Is(err, ErrNull) || te.Msg != fmt.Sprintf("%s of a NULL %v value", "Int64", TypeIntN) {
		t.Errorf("Int64 of a NULL: %v", err)
	}
	if a := testing.AllocsPerRun(100, func() { _, _ = v.Int64() }); a > 2 {
		t.Errorf("a wrong-type accessor allocates %v times, want at most 2", a)
	}
}

// TestDecimalTextAgainstBig checks AppendText against math/big for
// magnitudes across the whole 128-bit range (both division loops and the
// switch between them), every scale up to 38, both signs.
func TestDecimalTextAgainstBig(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for k := 0; k < 5000; k++ {
		var d Decimal
		switch k % 4 {
		case 0:
			d.Lo = rng.Uint64() >> rng.UintN(64)
		case 1:
			d.Hi, d.Lo = rng.Uint64()>>rng.UintN(64), rng.Uint64()
		case 2:
			d.Hi, d.Lo = 0, uint64(k)
		case 3:
			d.Hi, d.Lo = rng.Uint64(), rng.Uint64()
		}
		d.Negative = rng.IntN(2) == 0
		d.Scale = uint8(rng.IntN(39))
		m := new(big.Int).Lsh(new(big.Int).SetUint64(d.Hi), 64)
		m.Or(m, new(big.Int).SetUint64(d.Lo))
		digits := m.String()
		if m.Sign() == 0 {
			digits = ""
		}
		want := ""
		if digits != "" && d.Negative {
			want = "-"
		}
		s := int(d.Scale)
		switch {
		case len(digits) <= s:
			want += "0"
			if s > 0 {
				want += "." + strings.Repeat("0", s-len(digits)) + digits
			}
		case s == 0:
			want += digits
		default:
			want += digits[:len(digits)-s] + "." + digits[len(digits)-s:]
		}
		if got := string(d.AppendText(nil)); got != want {
			t.Fatalf("%+v: AppendText = %q, want %q", d, got, want)
		}
	}
}

// TestDecodeValueNullOrEmpty pins the NULL forms against the empty
// values of the classes decodeValueTo takes in its fast path: a zero
// BYTELEN is NULL, a zero USHORTCHARBINLEN is an empty value and
// 0xFFFF is CHARBIN_NULL ([MS-TDS] 2.2.5.2.3).
func TestDecodeValueNullOrEmpty(t *testing.T) {
	cases := []struct {
		ti   TypeInfo
		in   []byte
		n    int
		null bool
		raw  []byte
	}{
		{TypeInfo{Type: TypeNVarChar, MaxLen: 100}, []byte{0x00, 0x00, 0x41}, 2, false, []byte{}},
		{TypeInfo{Type: TypeNVarChar, MaxLen: 100}, []byte{0xFF, 0xFF, 0x41}, 2, true, nil},
		{TypeInfo{Type: TypeBigVarBinary, MaxLen: 8}, []byte{0x02, 0x00, 0x01, 0x02}, 4, false, []byte{1, 2}},
		{TypeInfo{Type: TypeIntN, MaxLen: 4}, []byte{0x00, 0x04}, 1, true, nil},
		{TypeInfo{Type: TypeIntN, MaxLen: 4}, []byte{0x02, 0x07, 0x00}, 3, false, []byte{7, 0}},
		{TypeInfo{Type: TypeVarChar, MaxLen: 10}, []byte{0x00}, 1, true, nil},
		{TypeInfo{Type: TypeDateN}, []byte{0x00}, 1, true, nil},
		{TypeInfo{Type: TypeDateN}, []byte{0x03, 1, 2, 3}, 4, false, []byte{1, 2, 3}},
		{TypeInfo{Type: TypeInt2}, []byte{0x05, 0x00}, 2, false, []byte{5, 0}},
	}
	for _, c := range cases {
		var v Value
		n, err := c.ti.DecodeValueTo(&v, c.in)
		if err != nil || n != c.n || v.IsNull() != c.null || !bytes.Equal(v.Raw(), c.raw) || (v.Raw() == nil) != (c.raw == nil) {
			t.Errorf("%v % X: n=%d null=%v raw=%v, %v; want n=%d null=%v raw=%v", c.ti.Type, c.in, n, v.IsNull(), v.Raw(), err, c.n, c.null, c.raw)
		}
	}
}
