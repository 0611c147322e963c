package tokens

import (
	"io"
	"iter"
	"testing"

	"github.com/tdswire/tdswire/tds"
)

// tokenSeq is Scanner.Next as the range-over-func iterator CONTRIBUTING.md's
// Iteration rule would ask for: each token's type, a scan error yielded
// once at the end. BenchmarkDoneStreamForms measures what it costs against
// Next, the documented exception.
func tokenSeq(s *Scanner) iter.Seq2[TokenType, error] {
	return func(yield func(TokenType, error) bool) {
		for {
			t, err := s.Next()
			if err == io.EOF {
				return
			}
			if err != nil {
				yield(0, err)
				return
			}
			if !yield(t, nil) {
				return
			}
		}
	}
}

// scanDoneIter is scanDone over tokenSeq.
func scanDoneIter(s *Scanner, b []byte) (uint64, error) {
	s.Reset(b, tds.Version74)
	var d Done
	var sum uint64
	for _, err := range tokenSeq(s) {
		if err != nil {
			return 0, err
		}
		if err := s.Done(&d); err != nil {
			return 0, err
		}
		sum += d.RowCount
	}
	return sum, nil
}

// TestDoneStreamForms checks that the two forms BenchmarkDoneStreamForms
// compares read the same stream alike: doneStream(n) gives DONE i the row
// count i, so the sum is n(n-1)/2; a truncated stream is an error in both.
func TestDoneStreamForms(t *testing.T) {
	data := doneStream(1000)
	var s Scanner
	for name, scan := range map[string]func(*Scanner, []byte) (uint64, error){"next": scanDone, "iter": scanDoneIter} {
		if sum, err := scan(&s, data); err != nil || sum != 999*1000/2 {
			t.Errorf("%s: sum %d, %v; want %d", name, sum, err, 999*1000/2)
		}
		if _, err := scan(&s, data[:len(data)-1]); err == nil {
			t.Errorf("%s: a truncated stream scans without error", name)
		}
	}
	if n := testing.AllocsPerRun(100, func() { _, _ = scanDoneIter(&s, data) }); n != 0 {
		t.Errorf("scanDoneIter allocates %v times", n)
	}
}

// BenchmarkDoneStreamForms scans 1,000 DONE tokens (13 KB) with Next
// ("op=next", the Scanner's form) and with the same loop over an
// iter.Seq2 wrapping Next ("op=iter"), in one run (benchstat -col /op).
func BenchmarkDoneStreamForms(b *testing.B) {
	data := doneStream(1000)
	for _, c := range []struct {
		name string
		scan func(*Scanner, []byte) (uint64, error)
	}{{"op=next", scanDone}, {"op=iter", scanDoneIter}} {
		b.Run(c.name, func(b *testing.B) {
			var s Scanner
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.scan(&s, data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
