package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"testing"

	"github.com/tdswire/tdswire/tds"
)

// manySessions is a hand-made capture of n TDS connections, each with a
// TCP handshake, PRELOGIN exchange, LOGIN7 ([MS-TDS] 4.2), a failed-login
// response and a four-way close.
func manySessions(tb testing.TB, n int) []byte {
	var buf bytes.Buffer
	s := newSynth(tb, &buf)
	fail := loginFailed()
	for i := 0; i < n; i++ {
		c := s.conn(fmt.Sprintf("10.0.%d.%d:%d", i/250, i%250+1, 40000+i%20000), "10.10.10.120:1433")
		c.handshake()
		c.prelogin()
		c.send(true, fPSH|fACK, synLogin7)
		c.send(false, fPSH|fACK, fail)
		c.send(true, fFIN|fACK, nil)
		c.send(false, fFIN|fACK, nil)
		c.send(true, fACK, nil)
	}
	return buf.Bytes()
}

func benchTrace(b *testing.B, file []byte, text bool) {
	b.SetBytes(int64(len(file)))
	b.ReportAllocs()
	for b.Loop() {
		tr := NewTracer(1433, false)
		if err := tr.Read(bytes.NewReader(file)); err != nil {
			b.Fatal(err)
		}
		w := bufio.NewWriter(io.Discard)
		if text {
			tr.WriteText(w)
		} else if err := tr.WriteJSON(w); err != nil {
			b.Fatal(err)
		}
		w.Flush()
	}
}

// BenchmarkTraceShipped explains the shipped tsql capture (20 frames).
func BenchmarkTraceShipped(b *testing.B) {
	file, err := os.ReadFile("../testdata/captures/tsql-ntlm-login-tls.pcap")
	if err != nil {
		b.Fatal(err)
	}
	benchTrace(b, file, true)
}

// BenchmarkTraceManySessions explains 200 connections (2400 frames).
func BenchmarkTraceManySessions(b *testing.B) {
	benchTrace(b, manySessions(b, 200), true)
}

// BenchmarkTraceManySessionsJSON is the same with -json.
func BenchmarkTraceManySessionsJSON(b *testing.B) {
	benchTrace(b, manySessions(b, 200), false)
}

// BenchmarkDecodeLoginResponse decodes the token stream of [MS-TDS] 4.4.
func BenchmarkDecodeLoginResponse(b *testing.B) {
	in, err := os.ReadFile("testdata/hex/login-response.hex")
	if err != nil {
		b.Fatal(err)
	}
	msg, err := parseHex(bytes.NewReader(in))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if m := decodeMessage(tds.PacketResponse, false, msg[tds.HeaderLen:], tds.Version74); m.Error != "" {
			b.Fatal(m.Error)
		}
	}
}

// BenchmarkTraceStream explains 200 connections the way the command does
// (NewStreamTracer, text: messages decoded briefly, frames written while
// reading); BenchmarkTrace in examples/bench times the whole process.
func BenchmarkTraceStream(b *testing.B) {
	file := manySessions(b, 200)
	b.SetBytes(int64(len(file)))
	b.ReportAllocs()
	for b.Loop() {
		w := bufio.NewWriter(io.Discard)
		tr := NewStreamTracer(1433, false, w, false)
		if err := tr.Read(bytes.NewReader(file)); err != nil {
			b.Fatal(err)
		}
		if err := tr.Finish(); err != nil {
			b.Fatal(err)
		}
		w.Flush()
	}
}

// BenchmarkDecodeFrame decodes one Ethernet/IPv4/TCP frame with the layer
// parsers (0 allocations: TestDecodeFrameAllocs pins it).
func BenchmarkDecodeFrame(b *testing.B) {
	f := testFrames(&testing.T{})["ethernet ipv4 options"]
	d := newFrameDecoder()
	var s segment
	b.SetBytes(int64(len(f.data)))
	b.ReportAllocs()
	for b.Loop() {
		if !d.decode(f.lt, f.data, &s) {
			b.Fatal("not TCP")
		}
	}
}
