package ntlm

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tdswire/tdswire/tds/tdstest/tdscmp"
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

// key16 reads a 16-byte golden value.
func key16(t testing.TB, name string) [16]byte {
	t.Helper()
	b := readHex(t, name)
	if len(b) != 16 {
		t.Fatalf("%s: %d bytes, want 16", name, len(b))
	}
	var k [16]byte
	copy(k[:], b)
	return k
}

// common421 holds the [MS-NLMP] 4.2.1 values read from testdata.
type common421 struct {
	user, domain, passwd, server, workstation []byte // UTF-16LE
	randomSessionKey                          [16]byte
	time                                      uint64
	clientChallenge, serverChallenge          [8]byte
}

func readCommon(t testing.TB) common421 {
	t.Helper()
	b := readHex(t, "common-4.2.1.hex")
	if len(b) != 8+12+16+12+16+16+8+8+8 {
		t.Fatalf("common-4.2.1.hex: %d bytes", len(b))
	}
	var c common421
	next := func(n int) []byte { v := b[:n]; b = b[n:]; return v }
	c.user, c.domain, c.passwd, c.server, c.workstation = next(8), next(12), next(16), next(12), next(16)
	copy(c.randomSessionKey[:], next(16))
	c.time = le64(next(8))
	copy(c.clientChallenge[:], next(8))
	copy(c.serverChallenge[:], next(8))
	return c
}

// fixedReader returns the concatenation of its chunks, then io.EOF.
type fixedReader struct{ b []byte }

func (r *fixedReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}

func newFixedReader(chunks ...[]byte) *fixedReader {
	return &fixedReader{b: bytes.Join(chunks, nil)}
}

// diffMsg compares two decoded NTLM messages whole with cmp (views by
// content, responses and keys shown as digests) and returns its report
// (-a +b), or "".
func diffMsg(a, b any) string { return cmp.Diff(a, b, tdscmp.Options()) }

func fmtSprint(v any) string { return fmt.Sprint(v) }

// noErr returns a function that passes an encoder's result through and fails
// the test on its error: noErr(t)(m.Append(nil)).
func noErr(t testing.TB) func([]byte, error) []byte {
	return func(b []byte, err error) []byte {
		t.Helper()
		if err != nil {
			t.Fatalf("encoding: %v", err)
		}
		return b
	}
}
