package prelogin

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tds/tdstest"
	"github.com/tdswire/tdswire/tds/tdstest/tdscmp"
)

// FuzzDecode checks that Decode never panics and that every message it
// accepts re-encodes to bytes that decode to an Equal message, and that
// re-encoding is then stable byte for byte. It also walks each input with
// a bare Parser, which must agree with Decode on structural failures.
// Seeds: the golden vectors (without packet header) and a few malformed
// layouts.
func FuzzDecode(f *testing.F) {
	files, err := filepath.Glob("testdata/*.hex")
	if err != nil || len(files) == 0 {
		f.Fatalf("no golden vectors: %v", err)
	}
	for _, name := range files {
		text, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		b, err := tdstest.ParseHex(string(text))
		if err != nil {
			f.Fatalf("%s: %v", name, err)
		}
		f.Add(b[tds.HeaderLen:])
	}
	f.Add([]byte{})
	f.Add([]byte{0xFF})
	f.Add(build([]entry{{0, 11, 6}, {3, 0, 0}}, v6...))
	f.Add(build([]entry{{0, 16, 6}, {1, 22, 1}, {0, 23, 6}}, cat(v6, []byte{0}, v6)...))
	f.Add(build([]entry{{0, 0xFFFF, 6}}, v6...))

	f.Fuzz(func(t *testing.T, in []byte) {
		var perr error
		for e, err := range Entries(in) {
			if err != nil {
				perr = err
				break
			}
			if len(e.Data) != cap(e.Data) {
				t.Fatalf("option %v: view has spare capacity", e.Token)
			}
		}

		var m Message
		err := m.Decode(in)
		if err != nil {
			var te *tds.Error
			if !errors.As(err, &te) || te.Layer != tds.LayerPrelogin || te.Offset < 0 || te.Offset > int64(len(in)) {
				t.Fatalf("Decode error %v is not a prelogin *tds.Error with an offset inside the input", err)
			}
			return
		}
		if perr != nil {
			t.Fatalf("Decode accepted what Entries rejects: %v", perr)
		}
		out, err := m.Append(nil)
		if err != nil {
			// Re-laying the data in token order can push an offset past
			// 16 bits only for inputs of 64 KiB and more.
			if errors.Is(err, tds.ErrTooLarge) && len(in) > maxField {
				return
			}
			t.Fatalf("Append of a decoded message: %v", err)
		}
		var m2 Message
		if err := m2.Decode(out); err != nil {
			t.Fatalf("Decode(Append(Decode(in))): %v\n% x", err, out)
		}
		if diff := cmp.Diff(m, m2, tdscmp.Options()); diff != "" {
			t.Fatalf("round trip differs (-decoded +re-decoded):\n%s", diff)
		}
		if !m2.Equal(&m) {
			t.Fatalf("Equal disagrees with cmp on a round trip:\n got %+v\nwant %+v", m2, m)
		}
		out2, err := m2.Append(nil)
		if err != nil || string(out2) != string(out) {
			t.Fatalf("second encoding differs (%v):\n% x\n% x", err, out2, out)
		}
	})
}
