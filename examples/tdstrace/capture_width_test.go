package main

import (
	"encoding/binary"
	"strings"
	"testing"
)

// TestGuardPcapngLengthWidth checks guardPcapng's lengths in their 32-bit
// unsigned width: on a 32-bit platform int of a length with the top bit
// set is negative and passed the signed checks. A block claiming 2 GB or
// more of a short file is a cut-short last block (left to pcapgo's end of
// file), and an Enhanced Packet Block whose Captured Packet Length is
// above 2^31 is refused, on every architecture.
func TestGuardPcapngLengthWidth(t *testing.T) {
	// An Enhanced Packet Block of 32 bytes (pcapng section 4.3): type 6,
	// total length, interface 0, timestamp, captured and original
	// lengths, no data, total length again.
	epb := func(captured uint32) []byte {
		b := make([]byte, 32)
		binary.LittleEndian.PutUint32(b[0:], 6)
		binary.LittleEndian.PutUint32(b[4:], 32)
		binary.LittleEndian.PutUint32(b[20:], captured)
		binary.LittleEndian.PutUint32(b[24:], captured)
		binary.LittleEndian.PutUint32(b[28:], 32)
		return b
	}
	for _, captured := range []uint32{0x80000000, 0xFFFFFFF0, 0xFFFFFFFF} {
		err := guardPcapng(epb(captured))
		if err == nil || !strings.Contains(err.Error(), "claims more bytes") {
			t.Errorf("captured length %#x: %v, want the packet block refused", captured, err)
		}
	}
	if err := guardPcapng(epb(0)); err != nil {
		t.Errorf("captured length 0: %v", err)
	}
	for _, bl := range []uint32{0x80000010, 0xFFFFFFFC} {
		b := epb(0)
		binary.LittleEndian.PutUint32(b[4:], bl)
		if err := guardPcapng(b); err != nil {
			t.Errorf("block length %#x: %v, want a cut-short last block (nil)", bl, err)
		}
	}
}
