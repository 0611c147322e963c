package main

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"
)

// TestAppendSeconds compares appendSeconds with strconv.AppendFloat on
// the values a trace prints (frame offsets and step times of whole
// nanoseconds, microseconds and milliseconds, their differences) and on
// the cases it hands to strconv.
func TestAppendSeconds(t *testing.T) {
	check := func(x float64) {
		t.Helper()
		want := strconv.FormatFloat(x, 'f', 7, 64)
		if got := string(appendSeconds(nil, x)); got != want {
			t.Fatalf("appendSeconds(%v) = %s, strconv gives %s", x, got, want)
		}
	}
	for _, x := range []float64{0, math.Copysign(0, -1), -1.5, 1e-8, 5e-8, 1.5e-7, 2.5e-7, 0.00000005, 0.12345675,
		1, 999.0000001, 1e6, 1 << 40, 1e300, math.Inf(1), math.Inf(-1), math.NaN(), math.MaxFloat64, math.SmallestNonzeroFloat64} {
		check(x)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 300000; i++ {
		var d time.Duration
		switch i % 4 {
		case 0:
			d = time.Duration(r.Int64N(int64(1000 * time.Second)))
		case 1:
			d = time.Duration(r.Int64N(1e9)) * time.Microsecond / 1000 * 1000
		case 2:
			d = time.Duration(r.Int64N(int64(240*time.Hour)/1000)) * 1000
		case 3:
			d = time.Duration(r.Int64N(1e6))*time.Millisecond + time.Duration(r.Int64N(2))*50
		}
		check(d.Seconds())
		a, b := time.Duration(r.Int64N(int64(1000*time.Second))), time.Duration(r.Int64N(int64(1000*time.Second)))
		if a < b {
			a, b = b, a
		}
		check(a.Seconds() - b.Seconds())
	}
}

// FuzzAppendSeconds compares appendSeconds with strconv.AppendFloat.
func FuzzAppendSeconds(f *testing.F) {
	for _, x := range []float64{0, 0.1234567, 0.00000015, 998.0030000, 1e6} {
		f.Add(x)
	}
	f.Fuzz(func(t *testing.T, x float64) {
		want := strconv.FormatFloat(x, 'f', 7, 64)
		if got := string(appendSeconds(nil, x)); got != want {
			t.Fatalf("appendSeconds(%v) = %s, strconv gives %s", x, got, want)
		}
	})
}

func BenchmarkAppendSeconds(b *testing.B) {
	b.ReportAllocs()
	buf := make([]byte, 0, 32)
	for b.Loop() {
		buf = appendSeconds(buf[:0], 998.003)
	}
}

func BenchmarkAppendFloat(b *testing.B) {
	b.ReportAllocs()
	buf := make([]byte, 0, 32)
	for b.Loop() {
		buf = strconv.AppendFloat(buf[:0], 998.003, 'f', 7, 64)
	}
}
