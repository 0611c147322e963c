package main

import (
	"bufio"
	"bytes"
	"os"
	"testing"
)

// TestBriefMatchesFull checks that the command's text trace, which decodes
// messages briefly (decodeMessageAs with brief set) and writes frames while
// it reads, prints exactly what a Tracer that decodes every field and
// writes after reading prints, on the shipped captures (NTLM over TLS,
// MARS in pcap and pcapng) and on many synthetic sessions with failed
// logins.
func TestBriefMatchesFull(t *testing.T) {
	files := map[string][]byte{"many sessions": manySessions(t, 50)}
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
