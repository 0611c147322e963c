package tds_test

import (
	"bytes"
	"crypto/tls"
	"io"
	"testing"

	"github.com/tdswire/tdswire/tds"
)

// Sinks keep the compiler from discarding the baselines' work. The
// header benchmarks loop over b.N rather than b.Loop, which keeps a call
// in its body from being inlined: the codec and the hand-inlined baseline
// are then compiled as a caller would compile them.
var (
	sinkHeader tds.Header
	sinkBytes  []byte
)

// BenchmarkHeaderDecode times Header.Decode beside a hand-inlined load of
// the same 8 bytes into a Header (the fields read with no checks), in one
// run: the ratio of the two (benchstat -col /impl) is the cost of the
// codec.
func BenchmarkHeaderDecode(b *testing.B) {
	in := []byte{0x04, 0x01, 0x00, 0xc4, 0x00, 0x37, 0x01, 0x00}
	b.Run("impl=codec", func(b *testing.B) {
		var h tds.Header
		b.ReportAllocs()
		b.SetBytes(tds.HeaderLen)
		for range b.N {
			if err := h.Decode(in); err != nil {
				b.Fatal(err)
			}
		}
		sinkHeader = h
	})
	b.Run("impl=inline", func(b *testing.B) {
		var h tds.Header
		b.ReportAllocs()
		b.SetBytes(tds.HeaderLen)
		for range b.N {
			p := in[:8]
			h = tds.Header{
				Type:     tds.PacketType(p[0]),
				Status:   tds.Status(p[1]),
				Length:   uint16(p[2])<<8 | uint16(p[3]),
				SPID:     uint16(p[4])<<8 | uint16(p[5]),
				PacketID: p[6],
				Window:   p[7],
			}
		}
		sinkHeader = h
	})
}

// BenchmarkHeaderAppend times Header.Append beside a hand-inlined store of
// the same 8 bytes into a reused buffer, in one run.
func BenchmarkHeaderAppend(b *testing.B) {
	h := tds.Header{Type: tds.PacketResponse, Status: tds.StatusEOM, Length: 196, SPID: 55, PacketID: 1}
	b.Run("impl=codec", func(b *testing.B) {
		buf := make([]byte, 0, tds.HeaderLen)
		b.ReportAllocs()
		b.SetBytes(tds.HeaderLen)
		for range b.N {
			buf = h.Append(buf[:0])
		}
		sinkBytes = buf
	})
	b.Run("impl=inline", func(b *testing.B) {
		buf := make([]byte, tds.HeaderLen)
		b.ReportAllocs()
		b.SetBytes(tds.HeaderLen)
		for range b.N {
			p := buf[:8]
			p[0], p[1] = byte(h.Type), byte(h.Status)
			p[2], p[3] = byte(h.Length>>8), byte(h.Length)
			p[4], p[5] = byte(h.SPID>>8), byte(h.SPID)
			p[6], p[7] = h.PacketID, h.Window
		}
		sinkBytes = buf
	})
}

func benchWriter(b *testing.B, size, n int, stream bool) {
	w, err := tds.NewWriter(io.Discard, size)
	if err != nil {
		b.Fatal(err)
	}
	payload := seqBytes(n)
	b.ReportAllocs()
	b.SetBytes(int64(n))
	for b.Loop() {
		if !stream {
			if err := w.WriteMessage(tds.PacketSQLBatch, 0, payload); err != nil {
				b.Fatal(err)
			}
			continue
		}
		_ = w.BeginMessage(tds.PacketBulkLoad, 0)
		for p := payload; len(p) > 0; {
			k := min(1000, len(p))
			_, _ = w.Write(p[:k])
			p = p[k:]
		}
		if err := w.EndMessage(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWriterMessage64KiB(b *testing.B)       { benchWriter(b, 4096, 64<<10, false) }
func BenchmarkWriterMessage64KiBPkt32K(b *testing.B) { benchWriter(b, 32767, 64<<10, false) }
func BenchmarkWriterStream64KiB(b *testing.B)        { benchWriter(b, 4096, 64<<10, true) }
func BenchmarkWriterSmallMessage(b *testing.B)       { benchWriter(b, 4096, 100, false) }

func benchReader(b *testing.B, size, n int) {
	var buf bytes.Buffer
	w, _ := tds.NewWriter(&buf, size)
	if err := w.WriteMessage(tds.PacketResponse, 0, seqBytes(n)); err != nil {
		b.Fatal(err)
	}
	stream := buf.Bytes()
	br := bytes.NewReader(stream)
	r := tds.NewReader(br)
	if _, _, err := r.ReadMessage(); err != nil { // grow the buffer once
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(n))
	for b.Loop() {
		br.Reset(stream)
		if _, _, err := r.ReadMessage(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReaderMessage64KiB(b *testing.B)       { benchReader(b, 4096, 64<<10) }
func BenchmarkReaderMessage64KiBPkt32K(b *testing.B) { benchReader(b, 32767, 64<<10) }
func BenchmarkReaderSmallMessage(b *testing.B)       { benchReader(b, 4096, 100) }

func BenchmarkReaderPacket(b *testing.B) {
	var buf bytes.Buffer
	w, _ := tds.NewWriter(&buf, 4096)
	_ = w.WriteMessage(tds.PacketResponse, 0, seqBytes(4088))
	stream := buf.Bytes()
	br := bytes.NewReader(stream)
	r := tds.NewReader(br)
	b.ReportAllocs()
	b.SetBytes(4088)
	for b.Loop() {
		br.Reset(stream)
		if _, _, err := r.ReadPacket(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTLSFullEncryption measures a 64 KiB request and its echo
// through TLS after a PRELOGIN-wrapped handshake, over loopback TCP.
func BenchmarkTLSFullEncryption(b *testing.B) {
	ctx := testContext(b)
	ccfg, scfg := tlsConfigs(b, tls.VersionTLS13)
	c, s := tcpPair(b)
	errc := make(chan error, 1)
	go func() { errc <- echoServer(ctx, s, scfg, 1) }()
	tc, err := tds.ClientHandshake(ctx, c, ccfg)
	if err != nil {
		b.Fatal(err)
	}
	w, _ := tds.NewWriter(tc, tds.DefaultPacketSize)
	r := tds.NewReader(tc)
	payload := seqBytes(64 << 10)
	b.ReportAllocs()
	b.SetBytes(2 * int64(len(payload)))
	for b.Loop() {
		if err := w.WriteMessage(tds.PacketSQLBatch, 0, payload); err != nil {
			b.Fatal(err)
		}
		if _, _, err := r.ReadMessage(); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	tc.Close()
	if err := <-errc; err != nil {
		b.Fatal(err)
	}
}

func BenchmarkUCS2Equal(b *testing.B) {
	s := "Changed database context to 'AdventureWorks'."
	u := tds.UCS2(tds.AppendUCS2(nil, s))
	b.ReportAllocs()
	b.SetBytes(int64(len(u)))
	for b.Loop() {
		if !u.Equal(s) {
			b.Fatal("not equal")
		}
	}
}

// BenchmarkUCS2String converts a UCS2 view to a Go string: "ascii" is
// the common case of names and messages, "bmp" text with accents and a
// symbol outside Latin-1.
func BenchmarkUCS2String(b *testing.B) {
	for _, c := range []struct{ name, s string }{
		{"ascii", "Changed database context to 'AdventureWorks'."},
		{"bmp", "Bjørn Ünïcode € — Changed database context"},
	} {
		u := tds.UCS2(tds.AppendUCS2(nil, c.s))
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(u)))
			for b.Loop() {
				if s := u.String(); len(s) == 0 {
					b.Fatal("empty")
				}
			}
		})
	}
}
