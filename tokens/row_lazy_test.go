package tokens

import (
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"testing"

	"github.com/tdswire/tdswire/tds"
)

// rowTrace is what a scan of a token stream shows through the API: each
// token Next returned (type, start, end), the values of each row, and the
// error that ended the scan.
type rowTrace struct {
	steps []rowStep
	err   string // "" when the scan reached io.EOF
	off   int64  // the *tds.Error's offset
}

type rowStep struct {
	typ      TokenType
	start    int
	end      int           // -1 when the mode does not ask
	vals     []ColumnValue // rows, when the mode decodes them
	valsErr  string        // RowValues' error
	measured bool          // the end was measured before RowValues
	bad      bool          // measuring the row failed (span mode)
}

// Row scanning modes: "next" calls Next only (each row is measured by the
// following Next); "values" calls RowValues on every row Next returns,
// which measures it in the same walk; "span" asks for each token's end
// first (Span measures the row as Next did before rows were left open),
// then decodes rows with RowValues.
var rowModes = []string{"next", "values", "span"}

func traceRows(t *testing.T, b []byte, v tds.Version, enc bool, dcv uint8, mode string) rowTrace {
	t.Helper()
	s := NewScanner(b, v)
	s.SetColumnEncryption(enc)
	s.SetDataClassificationVersion(dcv)
	var tr rowTrace
	for {
		typ, err := s.Next()
		if err != nil {
			if err != io.EOF {
				var e *tds.Error
				if !errors.As(err, &e) {
					t.Fatalf("%s: error %v is %T, not *tds.Error", mode, err, err)
				}
				tr.err, tr.off = err.Error(), e.Offset
			}
			return tr
		}
		step := rowStep{typ: typ, start: s.cur, end: -1}
		row := typ == TokenRow || typ == TokenNBCRow
		if mode == "span" {
			_, step.end = s.Span()
			step.measured = true
			if s.err != nil {
				// The row did not measure: Next's error of old.
				step.bad = true
				tr.steps = append(tr.steps, step)
				continue
			}
		}
		if row && mode != "next" {
			vals, err := s.RowValues(nil)
			step.vals = slices.Clone(vals)
			if err != nil {
				step.valsErr = err.Error()
				if !step.measured {
					// The error is the row's measuring error: Next
					// returns it from now on.
					if _, nerr := s.Next(); nerr != err {
						t.Fatalf("%s: Next after RowValues' %v returns %v", mode, err, nerr)
					}
				}
			} else {
				_, step.end = s.Span()
			}
		}
		tr.steps = append(tr.steps, step)
	}
}

// checkRowModes scans b in every mode and fails unless they agree: the
// same tokens at the same offsets, the ends RowValues sets equal to the
// ends Span measures, the same values and the same final error (type,
// offset and text) whichever call measured a bad row.
func checkRowModes(t *testing.T, b []byte, v tds.Version, enc bool, dcv uint8) {
	t.Helper()
	var tr [3]rowTrace
	for i, m := range rowModes {
		tr[i] = traceRows(t, b, v, enc, dcv, m)
	}
	next, values, span := tr[0], tr[1], tr[2]
	// Span's trace ends with the failing row, if one failed: Span
	// measured it where Next used to. Next and RowValues list it too
	// (Next returned it), and then stop with the same error.
	if len(next.steps) != len(span.steps) || len(values.steps) != len(span.steps) {
		t.Fatalf("token counts: next %d, values %d, span %d", len(next.steps), len(values.steps), len(span.steps))
	}
	for _, o := range []rowTrace{next, values} {
		if o.err != span.err || o.off != span.off {
			t.Fatalf("final error %q at %d, want %q at %d", o.err, o.off, span.err, span.off)
		}
	}
	for i, sp := range span.steps {
		n, vs := next.steps[i], values.steps[i]
		if n.typ != sp.typ || n.start != sp.start || vs.typ != sp.typ || vs.start != sp.start {
			t.Fatalf("token %d: next %v at %d, values %v at %d, span %v at %d", i, n.typ, n.start, vs.typ, vs.start, sp.typ, sp.start)
		}
		if sp.typ != TokenRow && sp.typ != TokenNBCRow {
			continue
		}
		if sp.bad {
			// The row Span could not measure: RowValues must give the
			// same error.
			if vs.valsErr != span.err {
				t.Fatalf("row %d at %d: RowValues error %q, Span's %q", i, sp.start, vs.valsErr, span.err)
			}
			continue
		}
		if vs.valsErr != sp.valsErr || vs.end != sp.end {
			t.Fatalf("row %d at %d: RowValues ends it at %d (%q), Span at %d (%q)", i, sp.start, vs.end, vs.valsErr, sp.end, sp.valsErr)
		}
		if !reflect.DeepEqual(vs.vals, sp.vals) {
			t.Fatalf("row %d at %d: values differ between an open and a measured row:\n%v\n%v", i, sp.start, vs.vals, sp.vals)
		}
	}
}

// TestRowsOneWalk checks that leaving rows open changes nothing a caller
// sees, on the golden streams, on every truncation of them, and with each
// byte of their rows replaced: RowValues must end a row where measuring
// it ends it, and report its errors as measuring would.
func TestRowsOneWalk(t *testing.T) {
	files := []struct {
		name string
		b    []byte
		v    tds.Version
	}{{"rowStream", rowStream(8), tds.Version74}}
	for _, g := range goldenFiles {
		files = append(files, struct {
			name string
			b    []byte
			v    tds.Version
		}{g.file, golden(t, g.file), g.ver})
	}
	rows := 0
	for _, f := range files {
		t.Run(f.name, func(t *testing.T) {
			enc, dcv := encryptedFiles[f.name], classificationVersion[f.name]
			checkRowModes(t, f.b, f.v, enc, dcv)
			for n := range len(f.b) {
				t.Run(fmt.Sprint("truncated/", n), func(t *testing.T) {
					checkRowModes(t, f.b[:n:n], f.v, enc, dcv)
				})
			}
			for _, st := range traceRows(t, f.b, f.v, enc, dcv, "span").steps {
				if st.typ != TokenRow && st.typ != TokenNBCRow {
					continue
				}
				rows++
				for i := st.start + 1; i < st.end; i++ {
					for _, x := range []byte{0x00, 0xFF, f.b[i] + 1} {
						m := slices.Clone(f.b)
						m[i] = x
						t.Run(fmt.Sprintf("byte %d=%#x", i, x), func(t *testing.T) {
							checkRowModes(t, m, f.v, enc, dcv)
						})
					}
				}
			}
		})
	}
	if rows < 20 {
		t.Errorf("only %d rows in the streams", rows)
	}
}
