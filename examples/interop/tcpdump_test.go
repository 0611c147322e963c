package interop

import (
	"bytes"
	"context"
	"encoding/hex"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tdswire/tdswire/examples/internal/peer"
)

// TestWireMatchesCapture captures a real login on the loopback interface
// with tcpdump while the fake server records what it reads, then has
// tshark reassemble the client's side of the TCP stream from the capture
// file. The two must be the same bytes: the fake server's view, which every
// other test in this package relies on, is what went over the wire.
func TestWireMatchesCapture(t *testing.T) {
	tcpdump := peer.TCPDump(t)
	tshark := peer.TShark(t)
	s := startServer(t)
	port := strconv.Itoa(s.Port())
	file := filepath.Join(t.TempDir(), "lo.pcap")

	// --immediate-mode hands each packet over as it arrives (without it
	// the kernel holds packets in its ring buffer until a block fills or
	// times out, and SIGINT leaves them uncaptured); -U writes each packet
	// to the file at once; -s 0 keeps whole packets. The filter names the
	// server port, so other traffic on the machine stays out of the file.
	p, err := peer.Start(t, peer.Cmd{
		Path:    tcpdump,
		Args:    []string{"-i", "lo", "-n", "--immediate-mode", "-U", "-s", "0", "-w", file, "tcp port " + port},
		Timeout: 60 * time.Second,
	})
	if err != nil {
		peer.Missing(t, "tcpdump capture", "starting tcpdump: "+err.Error())
	}
	if !peer.WaitForFile(p, file, 10*time.Second) {
		r := p.Stop(os.Interrupt)
		// tcpdump needs root or CAP_NET_RAW to open an interface.
		peer.Missing(t, "tcpdump capture on lo", "tcpdump did not start capturing: "+strings.TrimSpace(r.Output()))
	}

	cfg := loginConfig{User: "alice", Password: password, App: "tdswire-wire", Host: "WS-WIRE", Database: database, PacketSize: 8192}
	runGoMSSQL(t, s, cfg.User, cfg.Password, cfg)
	cp := s.Capture(t, 10*time.Second)
	// Give the kernel a moment to hand the last segments to tcpdump.
	time.Sleep(300 * time.Millisecond)
	r := p.Stop(os.Interrupt)
	if !bytes.Contains(r.Stderr, []byte("packets captured")) {
		t.Logf("tcpdump: %s", r.Output())
	}

	// Concatenate the TCP payload of every segment the client sent.
	out := peer.Run(context.Background(), peer.Cmd{
		Path: tshark,
		Args: []string{"-n", "-r", file, "-Y", "tcp.dstport == " + port + " && tcp.len > 0",
			"-T", "fields", "-e", "tcp.payload"},
		Timeout: 60 * time.Second,
	})
	if out.Err != nil {
		t.Fatalf("tshark: %v\n%s", out.Err, out.Output())
	}
	var wire []byte
	for _, line := range strings.Fields(string(out.Stdout)) {
		b, err := hex.DecodeString(strings.ReplaceAll(line, ":", ""))
		if err != nil {
			t.Fatalf("tshark tcp.payload %q: %v", line, err)
		}
		wire = append(wire, b...)
	}
	if len(wire) == 0 {
		t.Fatalf("the capture holds no client payload; tcpdump said: %s", r.Output())
	}
	// The client may have sent more after LOGIN7 before it saw the
	// connection close; the server read exactly PRELOGIN and LOGIN7.
	if !bytes.HasPrefix(wire, cp.Raw) {
		t.Fatalf("client bytes on the wire (%d) do not start with the %d bytes the server read:\nwire   % x\nserver % x", len(wire), len(cp.Raw), wire, cp.Raw)
	}
	t.Logf("wire: %d client bytes, server read %d", len(wire), len(cp.Raw))

	// And tshark, dissecting the real capture, sees the same LOGIN7.
	dis := peer.Run(context.Background(), peer.Cmd{
		Path: tshark,
		Args: []string{"-n", "-r", file, "-d", "tcp.port==" + port + ",tds", "-Y", "tds.type == 0x10",
			"-T", "fields", "-e", "tds.7login.username", "-e", "tds.7login.password", "-e", "tds.7login.appname", "-e", "tds.7login.clientname"},
		Timeout: 60 * time.Second,
	})
	if dis.Err != nil {
		t.Fatalf("tshark: %v\n%s", dis.Err, dis.Output())
	}
	if got, want := strings.TrimSpace(string(dis.Stdout)), "alice\t"+password+"\ttdswire-wire\tWS-WIRE"; got != want {
		t.Errorf("tshark LOGIN7 from the loopback capture = %q, want %q", got, want)
	}
}
