package prelogin

import (
	"testing"

	"github.com/tdswire/tdswire/tds"
)

func BenchmarkDecode(b *testing.B) {
	for _, g := range []struct {
		name, file string
		typ        tds.PacketType
	}{
		{"spec-4.1", "spec-4.1-request.hex", tds.PacketPrelogin},
		{"tds74-all-options", "client-request-tds74.hex", tds.PacketPrelogin},
		{"server-response", "server-response-on.hex", tds.PacketResponse},
	} {
		msg := readPacket(b, g.file, g.typ)
		b.Run(g.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(msg)))
			var m Message
			for b.Loop() {
				if err := m.Decode(msg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkEntries(b *testing.B) {
	msg := readPacket(b, "client-request-tds74.hex", tds.PacketPrelogin)
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		for _, err := range Entries(msg) {
			if err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkAppend(b *testing.B) {
	msg := readPacket(b, "client-request-tds74.hex", tds.PacketPrelogin)
	var m Message
	if err := m.Decode(msg); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	dst := make([]byte, 0, 256)
	for b.Loop() {
		var err error
		if dst, err = m.Append(dst[:0]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNegotiate(b *testing.B) {
	b.ReportAllocs()
	var sink Outcome
	for b.Loop() {
		for c := Encryption(0); c < 4; c++ {
			resp, _ := ServerResponse(c|EncryptClientCert, EncryptOn)
			sink += Negotiate(c, resp)
		}
	}
	_ = sink
}
