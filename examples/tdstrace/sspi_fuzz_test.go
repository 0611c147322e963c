package main

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"
)

// FuzzDecodeSSPI checks that describing any SSPI blob never panics and
// always yields a JSON-encodable record with a one-line form.
func FuzzDecodeSSPI(f *testing.F) {
	for _, name := range []string{"kerberos-apreq", "kerberos-krberror-skew", "spnego-negtokeninit-ntlm"} {
		text, err := os.ReadFile("testdata/hex/" + name + ".hex")
		if err != nil {
			f.Fatal(err)
		}
		b, err := parseHex(bytes.NewReader(text))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("NTLMSSP\x00\x01\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		info, kind, tok := decodeSSPI(b)
		if len(b) > 0 && (info == nil || kind == "") {
			t.Fatalf("no description for %d bytes", len(b))
		}
		if tok != nil && decodeNTLM(tok) == nil {
			t.Fatalf("decodeSSPI returned an NTLM token that is not one")
		}
		_ = sspiBrief(info)
		if _, err := json.Marshal(info); err != nil {
			t.Fatal(err)
		}
	})
}
