package interop

import (
	"bytes"
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tdswire/tdswire/examples/internal/pcap"
	"github.com/tdswire/tdswire/examples/internal/peer"
)

// wiresharkFields are the tshark fields read from a captured LOGIN7
// message: Wireshark's TDS dissector (LOGIN7 fixed part and strings, the
// password de-obfuscated) and its NTLMSSP dissector for the SSPI data.
var wiresharkFields = []string{
	"tds.7login.version",
	"tds.7login.packet_size",
	"tds.7login.clientname",
	"tds.7login.username",
	"tds.7login.password",
	"tds.7login.appname",
	"tds.7login.servername",
	"tds.7login.libraryname",
	"tds.7login.locale",
	"tds.7login.databasename",
	"tds.7login.option_flags2",
	"ntlmssp.messagetype",
	"ntlmssp.negotiateflags",
	"ntlmssp.negotiate.domain",
	"ntlmssp.negotiate.callingworkstation",
}

// wireshark writes cp as a pcap file (client PRELOGIN, the fake server's
// response, client LOGIN7, on port 1433) and returns the fields tshark
// reports for the LOGIN7 message, keyed by field name. Absent fields map
// to "". tshark prints integers in decimal.
func wireshark(t *testing.T, cp capture) map[string]string {
	t.Helper()
	tshark := peer.TShark(t)
	n := 0
	for _, h := range cp.PreloginHeaders {
		n += int(h.Length)
	}
	if n > len(cp.Raw) {
		t.Fatalf("capture holds %d raw bytes, PRELOGIN packets claim %d", len(cp.Raw), n)
	}
	var buf bytes.Buffer
	conv := pcap.Conversation{
		Client: netip.MustParseAddrPort("127.0.0.1:50000"),
		Server: netip.MustParseAddrPort("127.0.0.1:1433"),
		Start:  time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	err := pcap.Write(&buf, conv, []pcap.Segment{
		{FromClient: true, Payload: cp.Raw[:n]},
		{FromClient: false, Payload: preloginResponse()},
		{FromClient: true, Payload: cp.Raw[n:]},
	})
	if err != nil {
		t.Fatalf("writing pcap: %v", err)
	}
	path := filepath.Join(t.TempDir(), "login.pcap")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"-n", "-r", path, "-d", "tcp.port==1433,tds", "-Y", "tds.type == 0x10",
		"-T", "fields", "-E", "separator=\t", "-E", "occurrence=f"}
	for _, f := range wiresharkFields {
		args = append(args, "-e", f)
	}
	r := peer.Run(context.Background(), peer.Cmd{Path: tshark, Args: args, Timeout: 60 * time.Second})
	if r.Err != nil {
		t.Fatalf("tshark: %v\n%s", r.Err, r.Output())
	}
	line := strings.TrimRight(string(r.Stdout), "\n")
	if line == "" || strings.Contains(line, "\n") {
		t.Fatalf("tshark found %d LOGIN7 messages, want 1:\n%s", strings.Count(line, "\n")+1, r.Output())
	}
	vals := strings.Split(line, "\t")
	got := make(map[string]string, len(wiresharkFields))
	for i, f := range wiresharkFields {
		if i < len(vals) {
			got[f] = vals[i]
		}
	}
	return got
}
