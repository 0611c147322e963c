package tdstest

import (
	"encoding/hex"
	"fmt"
	"os"
	"strings"
)

// ParseHex decodes the text of a golden vector: hex byte pairs separated by
// any white space, with '#' starting a comment that runs to the end of the
// line. Comments say where each byte comes from (a spec section, a seed
// trace line); they are the reason the files are written by hand.
func ParseHex(text string) ([]byte, error) {
	var clean strings.Builder
	for i, line := range strings.Split(text, "\n") {
		if k := strings.IndexByte(line, '#'); k >= 0 {
			line = line[:k]
		}
		for _, f := range strings.Fields(line) {
			if len(f)%2 != 0 {
				return nil, fmt.Errorf("line %d: odd number of hex digits in %q", i+1, f)
			}
			clean.WriteString(f)
		}
	}
	return hex.DecodeString(clean.String())
}

// TB is the part of testing.TB that ReadHex uses.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
}

// ReadHex reads and decodes the golden vector in the file at path, failing
// the test on any error.
func ReadHex(t TB, path string) []byte {
	t.Helper()
	text, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading golden vector: %v", err)
	}
	b, err := ParseHex(string(text))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return b
}
