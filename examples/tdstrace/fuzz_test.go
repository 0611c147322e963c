package main

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// hexSeeds returns the messages of testdata/hex as bytes.
func hexSeeds(f *testing.F) [][]byte {
	files, err := filepath.Glob("testdata/hex/*.hex")
	if err != nil || len(files) == 0 {
		f.Fatalf("no seeds: %v", err)
	}
	var out [][]byte
	for _, name := range files {
		in, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		b, err := parseHex(bytes.NewReader(in))
		if err != nil {
			f.Fatalf("%s: %v", name, err)
		}
		out = append(out, b)
	}
	return out
}

// FuzzHex feeds arbitrary bytes to -hex's decoder (as the client's and as
// the server's) and arbitrary text to its hex reader. tdstrace only
// decodes, so instead of a round trip the target checks that decoding is
// deterministic: the same input explains the same way twice.
func FuzzHex(f *testing.F) {
	for _, b := range hexSeeds(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, fc := range []bool{true, false} {
			var o1, o2 bytes.Buffer
			w1, w2 := bufio.NewWriter(&o1), bufio.NewWriter(&o2)
			e1, e2 := decodeHex(w1, b, &fc), decodeHex(w2, b, &fc)
			w1.Flush()
			w2.Flush()
			if o1.String() != o2.String() || (e1 == nil) != (e2 == nil) {
				t.Fatalf("two decodings differ:\n%s\n%s", o1.String(), o2.String())
			}
		}
		parseHex(strings.NewReader(string(b)))
	})
}

// FuzzStream feeds arbitrary bytes as the two directions of one TCP
// connection on port 1433, cut into segments, and explains it in text and
// JSON: no panic, and every frame is described.
func FuzzStream(f *testing.F) {
	seeds := hexSeeds(f)
	for i, b := range seeds {
		f.Add(b, seeds[(i+1)%len(seeds)], uint8(7))
	}
	f.Add(append(append([]byte{}, synPrelogin...), synLogin7...), append(synPreloginResp, loginFailed()...), uint8(200))
	f.Fuzz(func(t *testing.T, client, server []byte, cut uint8) {
		tr := NewTracer(1433, false)
		var s segment
		s.src, s.dst = netipMust("10.0.0.1:40000"), netipMust("10.0.0.2:1433")
		seq := [2]uint32{1000, 5000}
		step := int(cut)%64 + 1
		for i := 0; i < len(client) || i < len(server); i += step {
			for dir, data := range [][]byte{client, server} {
				if i >= len(data) {
					continue
				}
				p := data[i:min(i+step, len(data))]
				s.src, s.dst = s.dst, s.src
				if dir == 0 {
					s.src, s.dst = netipMust("10.0.0.1:40000"), netipMust("10.0.0.2:1433")
				} else {
					s.src, s.dst = netipMust("10.0.0.2:1433"), netipMust("10.0.0.1:40000")
				}
				s.flags, s.seq, s.payload = tcpACK|tcpPSH, seq[dir], p
				seq[dir] += uint32(len(p))
				tr.frame(captureInfo{}, &s)
			}
		}
		w := bufio.NewWriter(io.Discard)
		tr.WriteText(w)
		if err := tr.WriteJSON(w); err != nil {
			t.Fatal(err)
		}
		for _, fr := range tr.Frames {
			if describeFrame(fr) == "" {
				t.Fatalf("frame %d has no description", fr.Number)
			}
		}
	})
}

// FuzzCapture reads arbitrary files as captures, seeded with the shipped
// ones.
func FuzzCapture(f *testing.F) {
	for _, name := range []string{"odbc-mars.pcap", "odbc-mars.pcapng", "tsql-ntlm-login-tls.pcap"} {
		b, err := os.ReadFile("../testdata/captures/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		tr := NewTracer(1433, false)
		if err := tr.Read(bytes.NewReader(b)); err != nil {
			return
		}
		tr.WriteText(bufio.NewWriter(io.Discard))
	})
}
