package pcap_test

import (
	"bytes"
	"fmt"
	"net/netip"
	"time"

	"github.com/tdswire/tdswire/examples/internal/pcap"
)

// Write a client's PRELOGIN packet and the server's answer as a capture
// file that tshark can read (`tshark -r file -d tcp.port==1433,tds`).
func ExampleWrite() {
	conv := pcap.Conversation{
		Client: netip.MustParseAddrPort("127.0.0.1:50000"),
		Server: netip.MustParseAddrPort("127.0.0.1:1433"),
		Start:  time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	request := []byte{0x12, 0x01, 0x00, 0x08, 0x00, 0x00, 0x01, 0x00}  // a bare PRELOGIN header
	response := []byte{0x04, 0x01, 0x00, 0x08, 0x00, 0x00, 0x01, 0x00} // a bare response header
	var file bytes.Buffer
	err := pcap.Write(&file, conv, []pcap.Segment{
		{FromClient: true, Payload: request},
		{FromClient: false, Payload: response},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	// 24-byte file header, 3 handshake records of 16+40 bytes, and two
	// data records of 16+40+8 bytes.
	fmt.Println(file.Len())
	// Output: 320
}
