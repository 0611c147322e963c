package pcap

import (
	"io"
	"testing"
)

func BenchmarkWrite(b *testing.B) {
	segs := []Segment{
		{FromClient: true, Payload: make([]byte, 88)},
		{FromClient: false, Payload: make([]byte, 38)},
		{FromClient: true, Payload: make([]byte, 250)},
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := Write(io.Discard, conv, segs); err != nil {
			b.Fatal(err)
		}
	}
}
