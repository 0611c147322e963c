package main

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// The captures in ../testdata/captures were taken by TestClientCaptures
// (TDSWIRE_CAPTURE_DIR) on the loopback interface: FreeTDS tsql logging in
// with NTLM under login-only TLS, and the FreeTDS ODBC driver (isql) with
// MARS, both against examples/server. odbc-mars.pcapng is the same
// capture converted by Wireshark's editcap. The .txt files are tdstrace's
// output on them, checked line by line against tshark's dissection of the
// same files (checkTShark) and the seed articles' reading of such a login
// when they were written; the test keeps the output from drifting.
func TestGoldenCaptures(t *testing.T) {
	for _, name := range []string{"tsql-ntlm-login-tls", "odbc-mars"} {
		t.Run(name, func(t *testing.T) {
			want, err := os.ReadFile("../testdata/captures/" + name + ".txt")
			if err != nil {
				t.Fatal(err)
			}
			got := trace(t, "../testdata/captures/"+name+".pcap")
			if got != string(want) {
				t.Errorf("tdstrace output differs from %s.txt:\n%s", name, lineDiff(string(want), got))
			}
		})
	}
	if got, want := trace(t, "../testdata/captures/odbc-mars.pcapng"), trace(t, "../testdata/captures/odbc-mars.pcap"); got != want {
		t.Errorf("pcapng and pcap of the same capture explain differently:\n%s", lineDiff(want, got))
	}
}

func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			b.WriteString("- " + wl + "\n+ " + gl + "\n")
		}
	}
	return b.String()
}

// TestGoldenJSON checks the -json records of the shipped captures: one
// object per line, a frame record per frame of the text output, then the
// conversation record with what the text says.
func TestGoldenJSON(t *testing.T) {
	out := trace(t, "-json", "../testdata/captures/tsql-ntlm-login-tls.pcap")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	frames := 0
	var conv *Summary
	for i, l := range lines {
		var rec struct {
			Record string `json:"record"`
		}
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatalf("line %d: %v: %s", i+1, err, l)
		}
		switch rec.Record {
		case "frame":
			var f FrameRecord
			if err := json.Unmarshal([]byte(l), &f); err != nil {
				t.Fatal(err)
			}
			if conv != nil {
				t.Errorf("frame record %d after the conversation record", f.Frame)
			}
			frames++
			if f.Frame == 14 && (len(f.PDUs) != 1 || f.PDUs[0].Message == nil || f.PDUs[0].Message.NTLM == nil ||
				f.PDUs[0].Message.NTLM.User != "joe" || f.PDUs[0].Message.NTLM.Domain != "CONTOSO" || f.Direction != "client") {
				t.Errorf("frame 14 (NTLM AUTHENTICATE) record: %s", l)
			}
		case "conversation":
			conv = new(Summary)
			if err := json.Unmarshal([]byte(l), conv); err != nil {
				t.Fatal(err)
			}
		default:
			t.Errorf("line %d: record %q", i+1, rec.Record)
		}
	}
	if frames != 20 {
		t.Errorf("%d frame records, want 20", frames)
	}
	if conv == nil || conv.Authentication != "NTLM" || conv.Encryption != "login only" || conv.TDSVersion != "7.4 (0x74000004)" ||
		conv.Login != "succeeded" || conv.Ending != "client FIN" || conv.Abnormal || len(conv.Steps) != 8 {
		t.Errorf("conversation record %+v", conv)
	}
	if !bytes.Contains([]byte(out), []byte(`"record":"conversation"`)) {
		t.Error("no conversation record")
	}
}

// TestREADMEOutput checks that the example output in ../README.md is what
// tdstrace prints for the shipped capture.
func TestREADMEOutput(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var want strings.Builder
	for _, l := range strings.Split(strings.TrimRight(trace(t, "../testdata/captures/tsql-ntlm-login-tls.pcap"), "\n"), "\n") {
		if l != "" {
			want.WriteString("    " + l)
		}
		want.WriteString("\n")
	}
	if !strings.Contains(string(readme), want.String()) {
		t.Errorf("README.md does not show tdstrace's output on tsql-ntlm-login-tls.pcap; it should read:\n%s", want.String())
	}
}
