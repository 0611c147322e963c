package tds_test

import (
	"math/rand/v2"
	"testing"
	"unicode/utf16"

	"github.com/tdswire/tdswire/tds"
)

// TestUCS2StringAgainstUTF16 checks String against unicode/utf16 (which
// also turns unpaired surrogates into U+FFFD) on pseudo-random code unit
// sequences of every length up to 600 units, longer than String's
// internal chunk, mixing ASCII, two- and three-byte BMP characters,
// surrogate pairs and lone surrogates.
func TestUCS2StringAgainstUTF16(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pick := []func() uint16{
		func() uint16 { return uint16(rng.IntN(0x80)) },
		func() uint16 { return 0x80 + uint16(rng.IntN(0x800-0x80)) },
		func() uint16 { return 0x800 + uint16(rng.IntN(0xD800-0x800)) },
		func() uint16 { return 0xD800 + uint16(rng.IntN(0x800)) }, // any surrogate
		func() uint16 { return 0xE000 + uint16(rng.IntN(0x2000)) },
	}
	for n := 0; n <= 1200; n++ {
		// Above 600 units, mostly ASCII: runs for AppendUTF8's four-unit
		// path, broken at every alignment.
		ascii := n > 600
		if ascii {
			n -= 600
		}
		units := make([]uint16, 0, n+1)
		for len(units) < n {
			if rng.IntN(8) == 0 && len(units)+2 <= n { // a valid pair
				units = append(units, 0xD800+uint16(rng.IntN(0x400)), 0xDC00+uint16(rng.IntN(0x400)))
				continue
			}
			if ascii && rng.IntN(8) != 0 {
				units = append(units, pick[0]())
				continue
			}
			units = append(units, pick[rng.IntN(len(pick))]())
		}
		b := make([]byte, 0, 2*n)
		for _, u := range units {
			b = append(b, byte(u), byte(u>>8))
		}
		want := string(utf16.Decode(units))
		if got := tds.UCS2(b).String(); got != want {
			t.Fatalf("%d units: String = %q, want %q", n, got, want)
		}
		if got := string(tds.UCS2(b).AppendUTF8([]byte("<"))); got != "<"+want {
			t.Fatalf("%d units: AppendUTF8 = %q, want %q", n, got, "<"+want)
		}
		if ascii {
			n += 600
		}
	}
}

// FuzzUCS2 checks String and AppendUTF8 against unicode/utf16 on any
// bytes (a final odd byte ignored).
func FuzzUCS2(f *testing.F) {
	f.Add(tds.AppendUCS2(nil, "Changed database context to 'AdventureWorks'."))
	f.Add(tds.AppendUCS2(nil, "Bjørn Ünïcode € \U0001F600"))
	f.Add([]byte{0x00, 0xD8, 0x41, 0x00, 0x00, 0xDC})
	f.Fuzz(func(t *testing.T, b []byte) {
		units := make([]uint16, len(b)/2)
		for i := range units {
			units[i] = uint16(b[2*i]) | uint16(b[2*i+1])<<8
		}
		want := string(utf16.Decode(units))
		if got := tds.UCS2(b).String(); got != want {
			t.Fatalf("String = %q, want %q", got, want)
		}
		if got := string(tds.UCS2(b).AppendUTF8(nil)); got != want {
			t.Fatalf("AppendUTF8 = %q, want %q", got, want)
		}
	})
}

// TestUCS2StringAllocs pins String at one allocation, the string itself.
func TestUCS2StringAllocs(t *testing.T) {
	for _, s := range []string{"Changed database context to 'AdventureWorks'.", "Bjørn Ünïcode € \U0001F600"} {
		u := tds.UCS2(tds.AppendUCS2(nil, s))
		if n := testing.AllocsPerRun(100, func() {
			if u.String() != s {
				t.Fatal("round trip")
			}
		}); n != 1 {
			t.Errorf("String(%q) allocates %v times, want 1", s, n)
		}
	}
}
