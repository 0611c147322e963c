package pcap

import (
	"bytes"
	"context"
	"encoding/binary"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tdswire/tdswire/examples/internal/peer"
	"github.com/tdswire/tdswire/tds/tdstest"
)

var conv = Conversation{
	Client: netip.MustParseAddrPort("127.0.0.1:50000"),
	Server: netip.MustParseAddrPort("127.0.0.1:1433"),
	Start:  time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
}

// TestChecksum uses the IPv4 header example that is commonly used to
// explain RFC 1071: the header with its checksum field zeroed sums to
// 0xB861.
func TestChecksum(t *testing.T) {
	h := []byte{0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7}
	if got := checksum(h); got != 0xb861 {
		t.Fatalf("checksum = %#04x, want 0xb861", got)
	}
	h[10], h[11] = 0xb8, 0x61
	if got := checksum(h); got != 0 {
		t.Fatalf("checksum over a header with its checksum = %#04x, want 0", got)
	}
}

func TestWriteLayout(t *testing.T) {
	payload := []byte("abc")
	var buf bytes.Buffer
	if err := Write(&buf, conv, []Segment{{FromClient: true, Payload: payload}}); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	if got := binary.LittleEndian.Uint32(b[0:]); got != 0xa1b2c3d4 {
		t.Fatalf("magic %#x", got)
	}
	if got := binary.LittleEndian.Uint32(b[20:]); got != LinkTypeRaw {
		t.Fatalf("link type %d", got)
	}
	// Handshake (3 records of 16+40 bytes), then the data record.
	off := 24 + 3*(16+40)
	if n := binary.LittleEndian.Uint32(b[off+8:]); n != 43 {
		t.Fatalf("data record length %d, want 43", n)
	}
	ip := b[off+16:]
	if checksum(ip[:20]) != 0 {
		t.Errorf("IPv4 header checksum does not verify")
	}
	tcp := ip[20:]
	if sp, dp := binary.BigEndian.Uint16(tcp[0:]), binary.BigEndian.Uint16(tcp[2:]); sp != 50000 || dp != 1433 {
		t.Errorf("ports %d -> %d", sp, dp)
	}
	if seq := binary.BigEndian.Uint32(tcp[4:]); seq != 1001 {
		t.Errorf("data seq %d, want 1001 (ISN 1000 + SYN)", seq)
	}
	if !bytes.Equal(tcp[20:], payload) {
		t.Errorf("payload % x", tcp[20:])
	}
	if len(b) != off+16+43 {
		t.Errorf("file is %d bytes, want %d", len(b), off+16+43)
	}
}

func TestWriteRejectsIPv6(t *testing.T) {
	c := conv
	c.Client = netip.MustParseAddrPort("[::1]:5000")
	if err := Write(&bytes.Buffer{}, c, nil); err == nil {
		t.Fatal("Write accepted an IPv6 address")
	}
}

// TestTSharkReadsFile writes the [MS-TDS] 4.1 PRELOGIN request, split over
// two segments, and checks that tshark reassembles and dissects it (tshark
// prints the UL_VERSION 0x09000000 in decimal).
func TestTSharkReadsFile(t *testing.T) {
	tshark := peer.TShark(t)
	msg := tdstest.ReadHex(t, "testdata/prelogin-request.hex")
	path := filepath.Join(t.TempDir(), "prelogin.pcap")
	var buf bytes.Buffer
	if err := Write(&buf, conv, []Segment{{true, msg[:20]}, {true, msg[20:]}}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	r := peer.Run(context.Background(), peer.Cmd{
		Path: tshark,
		Args: []string{"-n", "-r", path, "-d", "tcp.port==1433,tds", "-Y", "tds.type == 0x12",
			"-T", "fields", "-E", "separator=|", "-e", "tds.prelogin.option.version", "-e", "tds.prelogin.option.encryption", "-e", "tds.packet_number"},
		Timeout: 30 * time.Second,
	})
	if r.Err != nil {
		t.Fatalf("tshark: %v\n%s", r.Err, r.Output())
	}
	got := strings.TrimSpace(string(r.Stdout))
	if want := "150994944|1|1"; got != want {
		t.Errorf("tshark fields = %q, want %q\n%s", got, want, r.Stderr)
	}
}
