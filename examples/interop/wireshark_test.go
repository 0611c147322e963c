package interop

import (
	"bytes"
	"context"
	"math/bits"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tdswire/tdswire/examples/internal/pcap"
	"github.com/tdswire/tdswire/examples/internal/peer"
	"github.com/tdswire/tdswire/prelogin"
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
// to "". tshark prints most integers in decimal.
func wireshark(t *testing.T, cp capture) map[string]string {
	t.Helper()
	return tsharkFields(t, cp, "tds.type == 0x10", wiresharkFields, "f")
}

// tsharkFields writes cp as a pcap file and returns the fields tshark
// reports for the one TDS message that filter selects. occurrence is
// tshark's: "f" for the first value of each field, "a" for all of them
// joined with ",".
func tsharkFields(t *testing.T, cp capture, filter string, fields []string, occurrence string) map[string]string {
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
	args := []string{"-n", "-r", path, "-d", "tcp.port==1433,tds", "-Y", filter,
		"-T", "fields", "-E", "separator=\t", "-E", "occurrence=" + occurrence, "-E", "aggregator=,"}
	for _, f := range fields {
		args = append(args, "-e", f)
	}
	r := peer.Run(context.Background(), peer.Cmd{Path: tshark, Args: args, Timeout: 60 * time.Second})
	if r.Err != nil {
		t.Fatalf("tshark: %v\n%s", r.Err, r.Output())
	}
	line := strings.TrimRight(string(r.Stdout), "\n")
	if line == "" || strings.Contains(line, "\n") {
		t.Fatalf("tshark found %d messages for %q, want 1:\n%s", strings.Count(line, "\n")+1, filter, r.Output())
	}
	vals := strings.Split(line, "\t")
	got := make(map[string]string, len(fields))
	for i, f := range fields {
		if i < len(vals) {
			got[f] = vals[i]
		}
	}
	return got
}

// preloginFields are the tshark fields of a client's PRELOGIN.
var preloginFields = []string{
	"tds.prelogin.option.token",
	"tds.prelogin.option.version",
	"tds.prelogin.option.subbuild",
	"tds.prelogin.option.encryption",
	"tds.prelogin.option.instopt",
	"tds.prelogin.option.threadid",
	"tds.prelogin.option.mars",
}

// checkWiresharkPrelogin compares tshark's dissection of the client's
// PRELOGIN with the prelogin package's decoding of it.
func checkWiresharkPrelogin(t *testing.T, cp capture) {
	got := tsharkFields(t, cp, "tds.type == 0x12", preloginFields, "a")
	m := &cp.PreloginMsg
	var tokens []string
	for o := prelogin.Option(0); o < 8; o++ {
		if m.Present.Has(o) {
			tokens = append(tokens, strconv.Itoa(int(o)))
		}
	}
	tokens = append(tokens, "255") // TERMINATOR
	want := map[string]string{
		"tds.prelogin.option.token":      strings.Join(tokens, ","),
		"tds.prelogin.option.version":    strconv.FormatUint(uint64(m.Version.Major)<<24|uint64(m.Version.Minor)<<16|uint64(m.Version.Build), 10),
		"tds.prelogin.option.subbuild":   strconv.Itoa(int(m.Version.SubBuild)),
		"tds.prelogin.option.encryption": strconv.Itoa(int(m.Encryption)),
	}
	if name, ok := m.InstanceName(); ok {
		want["tds.prelogin.option.instopt"] = string(name)
	}
	if m.Present.Has(prelogin.OptionThreadID) {
		// tshark 4.0 reads UL_THREADID big-endian. The specification
		// gives it no byte order of its own, so the little-endian rule of
		// [MS-TDS] 2.2.5.5.1.1 applies, and the example of 4.1 agrees
		// (B8 0D 00 00, thread 0x0DB8); so do FreeTDS, which sends its
		// process ID there, and the prelogin package. The comparison
		// swaps the bytes back.
		want["tds.prelogin.option.threadid"] = strconv.FormatUint(uint64(bits.ReverseBytes32(m.ThreadID)), 10)
	}
	if m.Present.Has(prelogin.OptionMARS) {
		want["tds.prelogin.option.mars"] = map[bool]string{false: "0", true: "1"}[m.MARS]
	}
	for _, f := range preloginFields {
		if got[f] != want[f] {
			t.Errorf("tshark %s = %q, prelogin decodes %q", f, got[f], want[f])
		}
	}
}
