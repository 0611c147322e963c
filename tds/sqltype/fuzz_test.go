package sqltype

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"

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
			n, err = ti.DecodeParam(b)
		} else {
			n, err = ti.Decode(b)
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
			_, err = ti2.DecodeParam(enc)
		} else {
			_, err = ti2.Decode(enc)
		}
		if err != nil || !sameTypeInfo(&ti, &ti2) {
			t.Fatalf("re-decode: %v\n%+v\n%+v", err, ti, ti2)
		}
		if m, err := ti.DecodeTableName(b[n:]); err == nil {
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
		n, err := ti.Decode(b)
		if err != nil {
			return
		}
		if ti.HasTableName() {
			m, err := ti.DecodeTableName(b[n:])
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
		v.Offset()
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
