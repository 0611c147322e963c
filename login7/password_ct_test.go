package login7

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// TestPasswordEqualCases checks Equal's answer where a constant-time loop
// could go wrong: prefixes both ways, a difference in the last unit, an
// empty side, surrogate pairs and an odd byte count.
func TestPasswordEqualCases(t *testing.T) {
	for _, c := range []struct {
		stored, clear string
		want          bool
	}{
		{"secret", "secret", true},
		{"", "", true},
		{"secret", "secre", false},
		{"secre", "secret", false},
		{"secret", "secreT", false},
		{"secret", "Secret", false},
		{"", "x", false},
		{"x", "", false},
		{"p\U0001F600w", "p\U0001F600w", true},
		{"p\U0001F600w", "p\U0001F601w", false},
		// A NUL clear character must not match a missing one.
		{"ab", "ab\x00", false},
	} {
		if got := NewPassword(c.stored).Equal(c.clear); got != c.want {
			t.Errorf("NewPassword(%q).Equal(%q) = %v, want %v", c.stored, c.clear, got, c.want)
		}
	}
	odd := PasswordBytes(append(AppendPassword(nil, "ab"), obfuscate(0)))
	if odd.Equal("ab") || odd.Equal("ab\x00") {
		t.Error("a Password with an odd byte count equals a clear text")
	}
}

// TestPasswordEqualTiming checks that Equal takes as long for a password
// that differs in its first character as for one that differs only in its
// last, and for a wrong length, against a 128-character password (the
// LOGIN7 maximum). It compares medians of many rounds, interleaved so that
// machine load hits every case alike, and allows a loose factor so that a
// loaded 2-core machine does not fail it; the early-return loop it
// replaces measured about 50x between the first two cases.
func TestPasswordEqualTiming(t *testing.T) {
	if testing.Short() {
		t.Skip("timing measurement skipped in -short mode")
	}
	if raceEnabled {
		t.Skip("timing measurement skipped under the race detector (make test runs it)")
	}
	stored := strings.Repeat("k", 127) + "z"
	cases := []struct {
		name string
		p    Password
	}{
		{"first differs", NewPassword("a" + stored[1:])},
		{"last differs", NewPassword(stored[:127] + "y")},
		{"equal", NewPassword(stored)},
		{"one character", NewPassword("k")},
		{"longer", NewPassword(stored + "kkkk")},
	}
	const rounds, inner = 301, 200
	samples := make([][]time.Duration, len(cases))
	sink := false
	for r := 0; r < rounds; r++ {
		for i, c := range cases {
			start := time.Now()
			for k := 0; k < inner; k++ {
				sink = sink != c.p.Equal(stored)
			}
			samples[i] = append(samples[i], time.Since(start)/inner)
		}
	}
	_ = sink
	medians := make([]time.Duration, len(cases))
	for i := range cases {
		slices.Sort(samples[i])
		medians[i] = samples[i][rounds/2]
	}
	lo, hi := slices.Min(medians), slices.Max(medians)
	for i, c := range cases {
		t.Logf("Equal %-14s median %v", c.name, medians[i])
	}
	if lo <= 0 || float64(hi)/float64(lo) > 1.5 {
		t.Errorf("Equal medians range from %v to %v (ratio %.2f), want within 1.5x", lo, hi, float64(hi)/float64(lo))
	}
}
