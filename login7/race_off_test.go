//go:build !race

package login7

// raceEnabled: see race_on_test.go.
const raceEnabled = false
