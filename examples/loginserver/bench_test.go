package loginserver

import (
	"bytes"
	"io"
	"testing"
)

func BenchmarkHandle(b *testing.B) {
	in := clientStream(b)
	r := bytes.NewReader(in)
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		r.Reset(in)
		if _, err := Handle(readWriter{r, io.Discard}, nil); err != nil {
			b.Fatal(err)
		}
	}
}
