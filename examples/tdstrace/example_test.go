package main

import (
	"fmt"
	"os"
	"strings"
)

// Decode one SMP packet given as hex, as `tdstrace -hex` does: the
// SMP:SYN of the MARS seed article.
func Example_hex() {
	run([]string{"-hex"}, strings.NewReader("53 01 0000 10000000 00000000 04000000"), os.Stdout, os.Stderr)
	// Output:
	// SMP header: SMID 0x53, Flags SYN, SID 0, Length 16, SeqNum 0, Wndw 4
}

// Explain a capture, as `tdstrace capture.pcap` does, and print only what
// it says of each conversation.
func Example_trace() {
	f, err := os.Open("../testdata/captures/tsql-ntlm-login-tls.pcap")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Close()
	t := NewTracer(1433, false)
	if err := t.Read(f); err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range t.Convs {
		s := c.Summarize()
		fmt.Println(s.Explanation)
		fmt.Println(s.Authentication, s.User, s.Domain, "|", s.Encryption, "|", s.TDSVersion, "|", s.Ending)
	}
	// Output:
	// NTLM login succeeded at TDS 7.4 (0x74000004); TLS protected the login packet only; the client closed the connection.
	// NTLM joe CONTOSO | login only | 7.4 (0x74000004) | client FIN
}
