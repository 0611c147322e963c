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

// le writes code units as UTF-16LE bytes by hand (no tdswire encoder).
func le(units ...uint16) []byte {
	b := make([]byte, 0, 2*len(units))
	for _, u := range units {
		b = append(b, byte(u), byte(u>>8))
	}
	return b
}

// TestUCS2Golden checks String and AppendUTF8 on hand-written inputs and
// expectations around the ASCII fast paths (runs of 0 to 40 units, so
// every split into 8-unit, 4-unit and single steps, with one non-ASCII
// unit at every position), surrogate pairs and unpaired surrogates at
// the edges of a word, and odd byte counts.
func TestUCS2Golden(t *testing.T) {
	const text = "0123456789abcdefghijKLMNOPQRSTuvwxyz!?#~" // 40 ASCII
	type tc struct {
		name string
		in   []byte
		want string
	}
	var cases []tc
	for n := 0; n <= len(text); n++ {
		units := make([]uint16, n)
		for k := range units {
			units[k] = uint16(text[k])
		}
		cases = append(cases, tc{"ascii", le(units...), text[:n]})
		for k := 0; k < n; k++ {
			u := append([]uint16(nil), units...)
			u[k] = 0x00E9 // é
			cases = append(cases, tc{"e-acute", le(u...), text[:k] + "\xc3\xa9" + text[k+1:n]})
			u[k] = 0x20AC // €
			cases = append(cases, tc{"euro", le(u...), text[:k] + "\xe2\x82\xac" + text[k+1:n]})
			u[k] = 0x0080 // the first unit off the fast path
			cases = append(cases, tc{"u+0080", le(u...), text[:k] + "\xc2\x80" + text[k+1:n]})
		}
		// An odd final byte is ignored.
		cases = append(cases, tc{"odd", append(le(units...), 'Z'), text[:n]})
	}
	grin := "\xf0\x9f\x98\x80" // U+1F600, D83D DE00
	bad := "\xef\xbf\xbd"      // U+FFFD
	cases = append(cases,
		tc{"pair", le(0xD83D, 0xDE00), grin},
		tc{"pair after 7", le('a', 'b', 'c', 'd', 'e', 'f', 'g', 0xD83D, 0xDE00), "abcdefg" + grin},
		tc{"pair across 8", le('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 0xD83D, 0xDE00, 'i'), "abcdefgh" + grin + "i"},
		tc{"high at end", le('a', 'b', 'c', 0xD83D), "abc" + bad},
		tc{"high then odd byte", append(le('a', 0xD83D), 0x00), "a" + bad},
		tc{"high then ascii", le(0xD83D, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'), bad + "abcdefgh"},
		tc{"low alone", le('x', 0xDE00, 'y'), "x" + bad + "y"},
		tc{"high high low", le(0xD83D, 0xD83D, 0xDE00), bad + grin},
		tc{"low high", le(0xDE00, 0xD83D), bad + bad},
		tc{"max bmp", le(0xFFFF, 0x07FF, 0x0800), "\xef\xbf\xbf\xdf\xbf\xe0\xa0\x80"},
		tc{"nul", le(0, 0, 0, 0, 0, 0, 0, 0, 0), "\x00\x00\x00\x00\x00\x00\x00\x00\x00"},
		tc{"one byte", []byte{'A'}, ""},
	)
	for _, c := range cases {
		if got := tds.UCS2(c.in).String(); got != c.want {
			t.Errorf("%s % x: String = %q, want %q", c.name, c.in, got, c.want)
		}
		if got := string(tds.UCS2(c.in).AppendUTF8([]byte("<"))); got != "<"+c.want {
			t.Errorf("%s % x: AppendUTF8 = %q, want %q", c.name, c.in, got, "<"+c.want)
		}
	}
}

// TestUCS2StringLongAllocs pins String at one allocation for a text
// longer than its stack buffer, with a surrogate pair across the
// boundary of its pieces.
func TestUCS2StringLongAllocs(t *testing.T) {
	units := make([]uint16, 0, 600)
	for len(units) < 127 {
		units = append(units, 'a')
	}
	units = append(units, 0xD83D, 0xDE00) // units 127 and 128
	for len(units) < 600 {
		units = append(units, 0x00E9)
	}
	u := tds.UCS2(le(units...))
	want := string(utf16.Decode(units))
	if n := testing.AllocsPerRun(50, func() {
		if u.String() != want {
			t.Fatal("long text")
		}
	}); n != 1 {
		t.Errorf("String allocates %v times, want 1", n)
	}
}
