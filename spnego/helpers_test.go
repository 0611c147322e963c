package spnego

import (
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// readHex reads a hand-written golden vector from testdata: hex byte pairs
// separated by white space, '#' starting a comment to the end of the line.
func readHex(t testing.TB, name string) []byte {
	t.Helper()
	text, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("reading golden vector: %v", err)
	}
	var clean strings.Builder
	for _, line := range strings.Split(string(text), "\n") {
		if k := strings.IndexByte(line, '#'); k >= 0 {
			line = line[:k]
		}
		for _, f := range strings.Fields(line) {
			clean.WriteString(f)
		}
	}
	b, err := hex.DecodeString(clean.String())
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return b
}

// goldens lists every vector in testdata, for the fuzz seeds.
var goldens = []string{
	"negtokeninit-ntlm.hex",
	"negtokeninit2-hints.hex",
	"negtokenresp-completed.hex",
	"negtokenresp-reject.hex",
}
