package tdstest_test

import (
	"fmt"
	"io"
	"testing"

	"github.com/tdswire/tdswire/tds/tdstest"
	"github.com/tdswire/tdswire/tokens"
)

// parseResponse stands for the code under test: a driver's reader of
// response token streams.
func parseResponse(b []byte) error {
	s := tokens.NewScanner(b, 0x74000004)
	for {
		if _, err := s.Next(); err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
	}
}

// FuzzParseResponse is a driver author's fuzz target: AddSeeds gives it
// every response token stream of tdswire's golden vectors.
func FuzzParseResponse(f *testing.F) {
	tdstest.AddSeeds(f, tdstest.KindTokens)
	f.Fuzz(func(t *testing.T, b []byte) { _ = parseResponse(b) })
}

// recorder stands for the *testing.F of a fuzz target in this example.
type recorder struct{ seeds [][]byte }

func (r *recorder) Add(args ...any) { r.seeds = append(r.seeds, args[0].([]byte)) }

// A fuzz target seeds itself in three lines (see FuzzParseResponse in this
// file, where f is the *testing.F):
//
//	func FuzzParseResponse(f *testing.F) {
//		tdstest.AddSeeds(f, tdstest.KindTokens)
//		f.Fuzz(func(t *testing.T, b []byte) { parseResponse(b) })
//	}
func Example_fuzzHarness() {
	var f recorder
	tdstest.AddSeeds(&f, tdstest.KindTokens)
	ok := 0
	for _, b := range f.seeds {
		if parseResponse(b) == nil {
			ok++
		}
	}
	// Some seeds need their context (an older TDS version, column
	// encryption) to decode without error: Seeds gives it.
	fmt.Println(len(f.seeds), "seeds,", ok, "decode as TDS 7.4 without context")
	// Output:
	// 22 seeds, 17 decode as TDS 7.4 without context
}

// Seeds carry the context they decode in.
func ExampleSeeds() {
	for _, s := range tdstest.Seeds(tdstest.KindTokens) {
		if s.ColumnEncryption || s.DataClassificationVersion != 0 {
			fmt.Println(s)
		}
	}
	// Output:
	// tokens/encrypted (tokens, TDS 7.4 (0x74000004), column encryption, 143 bytes)
	// tokens/dataclassification_v1 (tokens, TDS 7.4 (0x74000004), data classification v1, 92 bytes)
	// tokens/dataclassification_v2 (tokens, TDS 7.4 (0x74000004), data classification v2, 108 bytes)
}
