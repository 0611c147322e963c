package main

import (
	"math"
	"strconv"
)

// appendSeconds appends x with seven decimals, exactly as
// strconv.AppendFloat(b, x, 'f', 7, 64) does, without its general
// algorithm for the values a trace prints (non-negative, under about ten
// days): x·10⁷ is rounded to an integer and printed with integer
// arithmetic. That rounding is the correctly rounded decimal whenever
// the float product is farther from a half than its own error, which the
// check below demands with a wide margin; any other value (a tie or near
// one, negative zero, a negative, large or non-finite value) goes to
// strconv.
func appendSeconds(b []byte, x float64) []byte {
	const scale = 1e7
	y := x * scale
	if !(y >= 0 && y < 1<<43) || math.Signbit(x) {
		return strconv.AppendFloat(b, x, 'f', 7, 64)
	}
	fl := math.Floor(y)
	frac := y - fl
	if frac > 0.499 && frac < 0.501 {
		return strconv.AppendFloat(b, x, 'f', 7, 64)
	}
	n := uint64(fl)
	if frac > 0.5 {
		n++
	}
	b = strconv.AppendUint(b, n/scale, 10)
	b = append(b, '.')
	f := n % scale
	var d [7]byte
	for i := 6; i >= 0; i-- {
		d[i] = byte('0' + f%10)
		f /= 10
	}
	return append(b, d[:]...)
}
