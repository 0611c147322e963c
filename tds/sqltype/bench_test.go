package sqltype

import (
	"testing"
	"time"

	"github.com/tdswire/tdswire/tds/tdstest"
)

func BenchmarkTypeInfoDecode(b *testing.B) {
	for _, file := range []string{"varchar_batch.hex", "udt.hex"} {
		in := tdstest.ReadHex(b, "testdata/"+file)
		b.Run(file, func(b *testing.B) {
			b.ReportAllocs()
			var ti TypeInfo
			for b.Loop() {
				if _, err := ti.decode(in, false); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkTypeInfoAppend(b *testing.B) {
	in := tdstest.ReadHex(b, "testdata/varchar_batch.hex")
	var ti TypeInfo
	if _, err := ti.decode(in, false); err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 0, 64)
	b.ReportAllocs()
	for b.Loop() {
		buf = ti.Append(buf[:0])
	}
}

// benchValue decodes the TYPE_INFO of a golden file and returns it with
// the value bytes.
func benchValue(b *testing.B, file string) (*TypeInfo, []byte) {
	in := tdstest.ReadHex(b, "testdata/"+file)
	ti := new(TypeInfo)
	n, err := ti.decode(in, false)
	if err != nil {
		b.Fatal(err)
	}
	return ti, in[n:]
}

func BenchmarkValueLen(b *testing.B) {
	for _, file := range []string{"intn_sparse.hex", "varchar_batch.hex", "xml_sparse.hex", "variant_nvarchar.hex"} {
		ti, in := benchValue(b, file)
		b.Run(file, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ti.ValueLen(in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkDecodeValue(b *testing.B) {
	b.Run("int", func(b *testing.B) {
		ti, in := benchValue(b, "intn_sparse.hex")
		b.ReportAllocs()
		for b.Loop() {
			v, _, err := ti.DecodeValue(in)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := v.Int64(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("datetime2", func(b *testing.B) {
		ti, in := benchValue(b, "datetime2.hex")
		b.ReportAllocs()
		for b.Loop() {
			v, _, _ := ti.DecodeValue(in)
			if _, err := v.Time(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decimal", func(b *testing.B) {
		ti, in := benchValue(b, "decimal.hex")
		b.ReportAllocs()
		for b.Loop() {
			v, _, _ := ti.DecodeValue(in)
			if _, err := v.Decimal(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("nvarchar(max)", func(b *testing.B) {
		ti, in := benchValue(b, "nvarcharmax.hex")
		buf := make([]byte, 0, 64)
		b.ReportAllocs()
		for b.Loop() {
			v, _, _ := ti.DecodeValue(in)
			buf = v.AppendBytes(buf[:0])
		}
	})
}

func BenchmarkAppendValue(b *testing.B) {
	buf := make([]byte, 0, 256)
	b.Run("int", func(b *testing.B) {
		ti := TypeInfo{Type: TypeIntN, MaxLen: 4}
		b.ReportAllocs()
		for b.Loop() {
			buf, _ = ti.AppendInt(buf[:0], 123456)
		}
	})
	b.Run("nvarchar", func(b *testing.B) {
		ti := TypeInfo{Type: TypeNVarChar, MaxLen: 200}
		b.ReportAllocs()
		for b.Loop() {
			buf, _ = ti.AppendString(buf[:0], "hello, world")
		}
	})
	b.Run("decimal", func(b *testing.B) {
		ti := TypeInfo{Type: TypeDecimalN, MaxLen: 17, Precision: 38, Scale: 4}
		d := Decimal{Lo: 123456789, Scale: 4}
		b.ReportAllocs()
		for b.Loop() {
			buf, _ = ti.AppendDecimal(buf[:0], d)
		}
	})
	b.Run("datetime2", func(b *testing.B) {
		ti := TypeInfo{Type: TypeDateTime2N, MaxLen: 8, Scale: 7}
		tm := time.Date(2024, 1, 2, 3, 4, 5, 123456700, time.UTC)
		b.ReportAllocs()
		for b.Loop() {
			buf, _ = ti.AppendTime(buf[:0], tm)
		}
	})
}

// BenchmarkDecimalText formats a decimal(38,10) whose magnitude needs
// both 64-bit words, and a decimal(10,2) that fits in one.
func BenchmarkDecimalText(b *testing.B) {
	for _, c := range []struct{ name, text string }{
		{"p=38", "-1234567890123456789012345678.9012345678"},
		{"p=10", "12345678.91"},
	} {
		d, err := ParseDecimal(c.text)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(c.name, func(b *testing.B) {
			buf := make([]byte, 0, 64)
			b.ReportAllocs()
			for b.Loop() {
				buf = d.AppendText(buf[:0])
			}
			if string(buf) != c.text {
				b.Fatalf("AppendText = %q, want %q", buf, c.text)
			}
		})
	}
}

// BenchmarkAccessorMismatch times an accessor asked for the wrong type,
// as a caller probing a value's type with one accessor after another
// does.
func BenchmarkAccessorMismatch(b *testing.B) {
	ti, in := benchValue(b, "datetime2.hex")
	v, _, err := ti.DecodeValue(in)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Int64(); err == nil {
			b.Fatal("Int64 of a datetime2 succeeded")
		}
	}
}
