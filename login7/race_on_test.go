//go:build race

package login7

// raceEnabled: the race detector instruments every memory access, which
// distorts the timing comparisons of password_ct_test.go.
const raceEnabled = true
