package tokens

import (
	"bytes"
	"errors"
	"io"
	"iter"
	"testing"

	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tds/tdstest"
	"github.com/tdswire/tdswire/tds/tdstest/tdscmp"
)

// golden reads testdata/name.hex.
func golden(t testing.TB, name string) []byte {
	t.Helper()
	return tdstest.ReadHex(t, "testdata/"+name+".hex")
}

// scanTypes scans b to the end and returns the token types, failing the
// test on any error.
func scanTypes(t testing.TB, b []byte, v tds.Version) []TokenType {
	t.Helper()
	s := NewScanner(b, v)
	var types []TokenType
	for {
		tt, err := s.Next()
		if err == io.EOF {
			return types
		}
		if err != nil {
			t.Fatalf("after %v: %v", types, err)
		}
		types = append(types, tt)
	}
}

func sameTypes(t testing.TB, got []TokenType, want ...TokenType) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("tokens = %v, want %v", got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("tokens = %v, want %v", got, want)
		}
	}
}

// mustNext advances s and checks the token type.
func mustNext(t testing.TB, s *Scanner, want TokenType) {
	t.Helper()
	got, err := s.Next()
	if err != nil {
		t.Fatalf("Next at offset %d (want %v): %v", start(s), want, err)
	}
	if got != want {
		t.Fatalf("Next at offset %d = %v, want %v", start(s), got, want)
	}
}

func mustEOF(t testing.TB, s *Scanner) {
	t.Helper()
	if tt, err := s.Next(); err != io.EOF {
		t.Fatalf("Next = %v, %v; want io.EOF", tt, err)
	}
}

// wantUCS2 checks a UCS2 view against a Go string.
func wantUCS2(t testing.TB, field string, got tds.UCS2, want string) {
	t.Helper()
	if !got.Equal(want) {
		t.Errorf("%s = %q, want %q", field, got.String(), want)
	}
}

// wantTDSError checks that err is a *tds.Error of class class at offset.
func wantTDSError(t testing.TB, err error, class error, offset int) {
	t.Helper()
	var e *tds.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *tds.Error", err, err)
	}
	if !errors.Is(err, class) {
		t.Errorf("error %v: class is not %v", err, class)
	}
	if offset >= 0 && e.Offset != int64(offset) {
		t.Errorf("error %v: offset %d, want %d", err, e.Offset, offset)
	}
}

// reencode checks that enc produces exactly the current token's bytes.
func reencode(t testing.TB, s *Scanner, enc []byte) {
	t.Helper()
	if !bytes.Equal(enc, s.Bytes()) {
		t.Errorf("%v at %d re-encodes as\n% X\nwant\n% X", s.Type(), start(s), enc, s.Bytes())
	}
}

func ucs2(s string) tds.UCS2 { return tds.UCS2(tds.AppendUCS2(nil, s)) }

// cmpViews compares decoded values as CONTRIBUTING.md says: views by
// content (a nil and an empty view are equal), unexported fields of
// tdswire's types included, secrets as digests (tdscmp.Options).
var cmpViews = tdscmp.Options()

// cmpAll is cmpViews; the name says a whole value, unexported views
// included, is compared.
var cmpAll = cmpViews

// collect2 gathers the elements of a fallible iterator, stopping at its
// error.
func collect2[T any](seq iter.Seq2[T, error]) ([]T, error) {
	var out []T
	for x, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, x)
	}
	return out, nil
}

// tableNames lists the names of a TABNAME as dotted strings.
func tableNames(t TabName) []string {
	var out []string
	for n := range t.Names() {
		out = append(out, n.String())
	}
	return out
}

// start returns the offset of the current token of s.
func start(s *Scanner) int {
	at, _ := s.Span()
	return at
}

// encoded returns a function that passes on the bytes of an Append that
// must succeed, failing the test on its error: encoded(t)(x.Append(nil)).
func encoded(t testing.TB) func([]byte, error) []byte {
	return func(b []byte, err error) []byte {
		t.Helper()
		if err != nil {
			t.Fatalf("Append: %v", err)
		}
		return b
	}
}
