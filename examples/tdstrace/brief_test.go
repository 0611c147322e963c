package main

import (
	"bufio"
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/tdswire/tdswire/tds"
)

// TestBriefMatchesFull checks that the command's text trace, which decodes
// messages briefly (decodeMessageAs with brief set) and writes frames while
// it reads, prints exactly what a Tracer that decodes every field and
// writes after reading prints, on the shipped captures (NTLM over TLS,
// MARS in pcap and pcapng) and on many synthetic sessions with failed
// logins.
func TestBriefMatchesFull(t *testing.T) {
	files := map[string][]byte{"many sessions": manySessions(t, 50), "broken tokens": brokenTokens(t)}
	for _, name := range []string{"tsql-ntlm-login-tls.pcap", "odbc-mars.pcap", "odbc-mars.pcapng"} {
		b, err := os.ReadFile("../testdata/captures/" + name)
		if err != nil {
			t.Fatal(err)
		}
		files[name] = b
	}
	for name, file := range files {
		full := NewTracer(1433, false)
		if err := full.Read(bytes.NewReader(file)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var want, got bytes.Buffer
		w := bufio.NewWriter(&want)
		full.WriteText(w)
		w.Flush()
		w = bufio.NewWriter(&got)
		st := NewStreamTracer(1433, false, w, false)
		if !st.brief {
			t.Fatalf("%s: the text stream tracer does not decode briefly", name)
		}
		if err := st.Read(bytes.NewReader(file)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := st.Finish(); err != nil {
			t.Fatal(err)
		}
		w.Flush()
		if got.String() != want.String() {
			t.Errorf("%s: brief decoding changes the trace:\n%s", name, lineDiff(want.String(), got.String()))
		}
		if bytes.Count(want.Bytes(), []byte("\n")) < 10 {
			t.Errorf("%s: trace too short to compare:\n%s", name, want.String())
		}
	}
}

// brokenTokens is a capture of two logins whose responses hold a token
// that Next can measure but not decode: an ERROR token ([MS-TDS]
// 2.2.7.10) whose 4-byte body ends inside its Number, State and Class,
// then an INFO token the same way after a whole DONE; and a third whose
// first byte is no token type.
func brokenTokens(tb testing.TB) []byte {
	var buf bytes.Buffer
	s := newSynth(tb, &buf)
	for i, body := range [][]byte{
		{0xaa, 0x04, 0x00, 0x18, 0x48, 0x00, 0x00, 0xfd, 0x00, 0x00, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0},
		{0xfd, 0x00, 0x00, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0xab, 0x04, 0x00, 0x18, 0x48, 0x00, 0x00},
		{0x02, 0x00, 0x00, 0x00}, // not a token type: no token at all
	} {
		c := s.conn("10.0.0.9:"+itoa(50000+i), "10.10.10.120:1433")
		c.handshake()
		c.prelogin()
		c.send(true, fPSH|fACK, synLogin7)
		c.send(false, fPSH|fACK, packet(tds.PacketResponse, body))
		c.send(true, fFIN|fACK, nil)
	}
	return buf.Bytes()
}

// TestBrokenErrorToken checks that an ERROR token that does not decode
// is shown as such, with the decoder's error, rather than stopping the
// trace.
func TestBrokenErrorToken(t *testing.T) {
	var out bytes.Buffer
	w := bufio.NewWriter(&out)
	st := NewStreamTracer(1433, false, w, false)
	if err := st.Read(bytes.NewReader(brokenTokens(t))); err != nil {
		t.Fatal(err)
	}
	if err := st.Finish(); err != nil {
		t.Fatal(err)
	}
	w.Flush()
	got := out.String()
	for _, want := range []string{"[ERROR (", "[DONE INFO (", "login failed with error 0"} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q in the trace:\n%s", want, got)
		}
	}
}
