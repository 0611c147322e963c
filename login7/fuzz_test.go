package login7

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tds/tdstest"
)

// loginSeeds returns the golden LOGIN7 messages.
func loginSeeds(f *testing.F) [][]byte {
	var out [][]byte
	for _, name := range []string{"login7-spec-4.2.hex", "login7-spec-4.3-fedauth.hex", "login7-spec-4.16-sessionrecovery.hex", "login7-spec-4.20-azuresqlsupport.hex"} {
		out = append(out, tdstest.ReadHex(f, "testdata/"+name)[tds.HeaderLen:])
	}
	for _, name := range []string{"login7-tds71-short.hex", "login7-lenient-layout.hex", "login7-utf8-nodata.hex"} {
		out = append(out, tdstest.ReadHex(f, "testdata/"+name))
	}
	return out
}

// FuzzDecode checks that Decode never panics and that whatever it accepts
// re-encodes into a message that decodes to the same values, and that the
// re-encoded (canonical) form is a fixed point of encoding. Decoded values
// are printed too, which must not panic.
func FuzzDecode(f *testing.F) {
	for _, s := range loginSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var ot OffsetTable
		oterr := ot.Decode(b)
		_ = fmt.Sprintf("%v %+v", ot, ot)
		var l Login7
		if err := l.Decode(b); err != nil {
			return
		}
		if oterr != nil {
			t.Fatalf("Login7.Decode accepts what OffsetTable.Decode refuses: %v", oterr)
		}
		for e := range ot.All() {
			if e.Length != 0 && e.Name != "Extension" && (e.Offset < ot.FixedLen || e.Offset+e.Length > len(b)) {
				t.Fatalf("decoded message has entry %v outside its %d bytes", e, len(b))
			}
		}
		_ = fmt.Sprintf("%v %+v %#v %q", l, l, l, l)
		enc, err := l.Append(nil)
		if err != nil {
			// Decode accepts two kinds of value that Append refuses:
			//   - TDS 7.0/7.1 versions carried by a 7.2-sized table with
			//     ChangePassword or a long SSPI;
			//   - messages over 64 KiB where one long field ends past
			//     offset 0xFFFF while a field that came before it sits
			//     after it in table order: laid out canonically, that
			//     field would start beyond a USHORT offset (ErrTooLarge).
			//     Decode refuses overlapping fields, so only a message
			//     longer than 0xFFFF bytes can hold such a field.
			switch {
			case !l.TDSVersion.AtLeast(tds.Version72):
			case errors.Is(err, tds.ErrTooLarge) && len(b) > 0xFFFF:
			default:
				t.Fatalf("Append of a decoded %d-byte %v: %v", len(b), l.TDSVersion, err)
			}
			return
		}
		var back Login7
		if err := back.Decode(enc); err != nil {
			t.Fatalf("re-encoded message does not decode: %v", err)
		}
		if d := diffLogin7(&l, &back); d != "" {
			t.Fatalf("round trip changed %s", d)
		}
		again, err := back.Append(nil)
		if err != nil || !bytes.Equal(again, enc) {
			t.Fatalf("canonical encoding is not stable: %v", err)
		}
	})
}

// FuzzFeatureExt checks DecodeFeatureExt and the iterator on raw blocks:
// no panic, the iterator agrees with the validator, and a decoded block
// rebuilds byte for byte with Add.
func FuzzFeatureExt(f *testing.F) {
	for _, s := range loginSeeds(f) {
		var l Login7
		if l.Decode(s) == nil && len(l.FeatureExt) != 0 {
			f.Add(append(bytes.Clone(l.FeatureExt), 0xFF))
		}
	}
	f.Add([]byte{0xFF})
	f.Fuzz(func(t *testing.T, b []byte) {
		fe, n, err := DecodeFeatureExt(b)
		for range FeatureExt(b).All() {
		}
		if err != nil {
			return
		}
		if n != len(fe)+1 || b[len(fe)] != 0xFF {
			t.Fatalf("n %d for %d option bytes", n, len(fe))
		}
		var rebuilt FeatureExt
		for f, err := range fe.All() {
			if err != nil {
				t.Fatalf("iterating a decoded FeatureExt % x: %v", fe, err)
			}
			rebuilt = rebuilt.Add(f.ID, f.Data)
		}
		if !bytes.Equal(rebuilt, fe) {
			t.Fatalf("rebuilt % x from % x", rebuilt, fe)
		}
	})
}

// FuzzFeatureData runs every typed feature decoder on the same bytes and
// round-trips whatever decodes.
func FuzzFeatureData(f *testing.F) {
	for _, s := range loginSeeds(f) {
		var l Login7
		if l.Decode(s) != nil {
			continue
		}
		for ft, err := range l.FeatureExt.All() {
			if err != nil {
				f.Fatal(err)
			}
			f.Add(ft.Data)
		}
	}
	f.Add([]byte{0x05, 0x01})
	f.Add(append([]byte{0x03, 1, 0, 0, 0, 1}, make([]byte, 32)...))
	f.Fuzz(func(t *testing.T, b []byte) {
		var fa FedAuth
		if fa.Decode(b) == nil {
			enc, err := fa.Append(nil)
			if err != nil || !bytes.Equal(enc, b) {
				t.Fatalf("FedAuth re-encodes as % x (%v)", enc, err)
			}
		}
		var sr SessionRecovery
		if sr.Decode(b) == nil {
			enc, err := sr.Append(nil)
			if err != nil || !bytes.Equal(enc, b) {
				t.Fatalf("SessionRecovery re-encodes as % x (%v)", enc, err)
			}
		}
		var dc DataClassification
		if dc.Decode(b) == nil && !bytes.Equal(dc.Append(nil), b) {
			t.Fatal("DataClassification does not re-encode")
		}
		var ce ColumnEncryption
		if ce.Decode(b) == nil && !bytes.Equal(ce.Append(nil), b) {
			t.Fatal("ColumnEncryption does not re-encode")
		}
		var az AzureSQLSupport
		if az.Decode(b) == nil && !bytes.Equal(az.Append(nil), b) {
			t.Fatal("AzureSQLSupport does not re-encode")
		}
		var u8 UTF8Support
		if u8.Decode(b) == nil && !bytes.Equal(u8.Append(nil), b) {
			t.Fatal("UTF8Support does not re-encode")
		}
	})
}

// FuzzSSPIMessage checks that the SSPI message codec is the identity on
// any non-empty body.
func FuzzSSPIMessage(f *testing.F) {
	f.Add(tdstest.ReadHex(f, "testdata/sspi-spec-4.11.hex")[tds.HeaderLen:])
	f.Fuzz(func(t *testing.T, b []byte) {
		var m SSPIMessage
		if err := m.Decode(b); err != nil {
			if len(b) != 0 {
				t.Fatalf("non-empty body rejected: %v", err)
			}
			return
		}
		if !bytes.Equal(m.Append(nil), b) {
			t.Fatal("SSPI body changed")
		}
	})
}
