package bench

import (
	"testing"
	"time"
)

// FuzzDecodeRows feeds arbitrary bytes, as a captured response, to the
// tokens row reader: it must not panic, and when both of its walks
// succeed they must agree on the number of rows. Seeds: a response of
// the example server (3 rows, and the first rows' packets cut short).
func FuzzDecodeRows(f *testing.F) {
	s := startServer(f, 3)
	msgs, _, err := CaptureResponse(testContext(f), s, nil)
	if err != nil {
		f.Fatal(err)
	}
	resp := msgs[len(msgs)-1]
	f.Add(resp)
	f.Add(resp[:len(resp)/2])
	f.Add(msgs[1]) // the login response: no rows
	d := NewDecoder()
	f.Fuzz(func(t *testing.T, b []byte) {
		sum, err := d.DecodeRows(b, func(r *Row) {
			_ = r.Created.Format(time.RFC3339)
		})
		n, cerr := d.CountRows(b)
		if err == nil && cerr == nil && n != sum.Rows {
			t.Fatalf("DecodeRows read %d rows, CountRows %d", sum.Rows, n)
		}
	})
}
