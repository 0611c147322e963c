package main

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
)

// serialize builds a frame with gopacket's serializers.
func serialize(t *testing.T, ls ...gopacket.SerializableLayer) []byte {
	t.Helper()
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ls...); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// testPayload is the TCP payload of testFrames: a TDS packet header.
var testPayload = []byte("\x12\x01\x00\x08\x00\x00\x01\x00")

// testFrames are frames of every link type frameDecoder reads, with IPv4
// options, TCP options, padding, fragments, IPv6 and a UDP datagram.
func testFrames(t *testing.T) map[string]struct {
	lt   uint32
	data []byte
} {
	a4, b4 := net.IP{10, 0, 0, 1}, net.IP{10, 0, 0, 2}
	a6, b6 := net.ParseIP("2001:db8::1"), net.ParseIP("2001:db8::2")
	tcp := func(ip gopacket.NetworkLayer) *layers.TCP {
		c := &layers.TCP{SrcPort: 40000, DstPort: 1433, Seq: 1001, Ack: 5001, PSH: true, ACK: true, Window: 512,
			Options: []layers.TCPOption{{OptionType: layers.TCPOptionKindNop}, {OptionType: layers.TCPOptionKindNop},
				{OptionType: layers.TCPOptionKindTimestamps, OptionLength: 10, OptionData: make([]byte, 8)}}}
		c.SetNetworkLayerForChecksum(ip)
		return c
	}
	payload := gopacket.Payload(testPayload)
	eth4 := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, EthernetType: layers.EthernetTypeIPv4}
	eth6 := &layers.Ethernet{SrcMAC: eth4.SrcMAC, DstMAC: eth4.DstMAC, EthernetType: layers.EthernetTypeIPv6}
	ip4 := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: a4, DstIP: b4}
	ip4opt := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: a4, DstIP: b4,
		Options: []layers.IPv4Option{{OptionType: 0x94, OptionLength: 4, OptionData: []byte{0, 0}}}}
	frag := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: a4, DstIP: b4, Flags: layers.IPv4MoreFragments}
	ip6 := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: layers.IPProtocolTCP, SrcIP: a6, DstIP: b6}
	udp := &layers.UDP{SrcPort: 1434, DstPort: 1434}
	udp.SetNetworkLayerForChecksum(&layers.IPv4{Version: 4, Protocol: layers.IPProtocolUDP, SrcIP: a4, DstIP: b4})

	out := map[string]struct {
		lt   uint32
		data []byte
	}{}
	add := func(name string, lt uint32, b []byte) {
		out[name] = struct {
			lt   uint32
			data []byte
		}{lt, b}
	}
	add("ethernet ipv4", linkEthernet, serialize(t, eth4, ip4, tcp(ip4), payload))
	add("ethernet ipv4 options", linkEthernet, serialize(t, eth4, ip4opt, tcp(ip4opt), payload))
	add("ethernet ipv4 fragment", linkEthernet, serialize(t, eth4, frag, tcp(frag), payload))
	add("ethernet ipv6", linkEthernet, serialize(t, eth6, ip6, tcp(ip6), payload))
	add("ethernet udp", linkEthernet, serialize(t, eth4, &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: a4, DstIP: b4}, udp, payload))
	// Link-layer padding (or a trailer) after the IP packet.
	add("ethernet padded", linkEthernet, append(serialize(t, eth4, ip4, tcp(ip4)), 0, 0, 0, 0, 0, 0))
	add("raw ipv4", linkRaw, serialize(t, ip4, tcp(ip4), payload))
	add("raw ipv6", linkIPv6, serialize(t, ip6, tcp(ip6), payload))
	add("raw ipv4 (12)", linkRawOld, serialize(t, ip4, tcp(ip4), payload))
	sll := append([]byte{0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 0x08, 0x00}, serialize(t, ip4, tcp(ip4), payload)...)
	add("linux sll", linkLinuxSLL, sll)
	add("loopback little-endian", linkNull, append([]byte{2, 0, 0, 0}, serialize(t, ip4, tcp(ip4), payload)...))
	add("loopback big-endian ipv6", linkLoop, append([]byte{0, 0, 0, 30}, serialize(t, ip6, tcp(ip6), payload)...))
	add("loopback linux ipv6", linkNull, append([]byte{10, 0, 0, 0}, serialize(t, ip6, tcp(ip6), payload)...))
	add("unknown link type", 147, serialize(t, eth4, ip4, tcp(ip4), payload))
	return out
}

// wantFrame is what decode must make of the test frames that carry TCP:
// the segment testFrames builds, from 10.0.0.1 (or 2001:db8::1) port
// 40000 to 10.0.0.2 (2001:db8::2) port 1433.
func wantFrame(name string, data []byte) segment {
	src, dst := netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.0.2")
	if strings.Contains(name, "ipv6") {
		src, dst = netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("2001:db8::2")
	}
	s := segment{src: netip.AddrPortFrom(src, 40000), dst: netip.AddrPortFrom(dst, 1433),
		seq: 1001, ack: 5001, win: 512, flags: tcpPSH | tcpACK, payload: testPayload}
	if name == "ethernet padded" {
		s.payload = nil // the six bytes after the IP packet are link-layer padding
	}
	return s
}

func sameSegment(got, want segment) bool {
	return got.src == want.src && got.dst == want.dst && got.seq == want.seq && got.ack == want.ack &&
		got.win == want.win && got.flags == want.flags && bytes.Equal(got.payload, want.payload)
}

// TestDecodeFrame checks the wiring of gopacket's layer parsers: every
// link type tdstrace reads reaches TCP with the right addresses, ports,
// numbers and flags; padding is cut off by the IP length; UDP, an IPv4
// fragment and an unknown link type are not TCP; a frame the capture
// truncated inside the payload keeps what it has, one truncated inside
// the headers is not TCP; damaged copies (each header byte set to 0x00,
// 0xff, 0x45 and 0x60 in turn) never panic and decode, if at all, to a
// payload inside the frame; IPv6 with a Hop-by-Hop header is not TCP.
func TestDecodeFrame(t *testing.T) {
	d := newFrameDecoder()
	tcpSeen := 0
	frames := testFrames(t)
	for name, f := range frames {
		var s segment
		ok := d.decode(f.lt, f.data, &s)
		wantTCP := !strings.Contains(name, "fragment") && !strings.Contains(name, "udp") && !strings.Contains(name, "unknown")
		if ok != wantTCP {
			t.Fatalf("%s: TCP %v, want %v", name, ok, wantTCP)
		}
		if !ok {
			continue
		}
		tcpSeen++
		want := wantFrame(name, f.data)
		if !sameSegment(s, want) {
			t.Fatalf("%s: decoded %+v, want %+v", name, s, want)
		}
		// The headers end where the payload starts (padding aside).
		hdrEnd := len(f.data) - len(want.payload)
		if want.payload == nil {
			hdrEnd = len(f.data) - 6
		}
		for n := 0; n < len(f.data); n++ {
			var p segment
			ok := d.decode(f.lt, f.data[:n], &p)
			if n < hdrEnd {
				if ok {
					t.Fatalf("%s cut to %d bytes (headers end at %d): decoded as TCP", name, n, hdrEnd)
				}
				continue
			}
			w := want
			w.payload = want.payload[:min(n-hdrEnd, len(want.payload))]
			if !ok || !sameSegment(p, w) {
				t.Fatalf("%s cut to %d bytes: TCP %v %+v, want %+v", name, n, ok, p, w)
			}
		}
		for i := 0; i < len(f.data) && i < 80; i++ {
			for _, v := range []byte{0x00, 0xff, 0x45, 0x60} {
				b := append([]byte(nil), f.data...)
				b[i] = v
				checkDecode(t, d, f.lt, b)
			}
		}
	}
	// An IPv6 Hop-by-Hop header (RFC 8200 4.3: next header TCP, length
	// 0, a PadN option of 4 bytes) between IPv6 and TCP.
	raw := frames["raw ipv6"].data
	hbh := append(append(append([]byte(nil), raw[:40]...), 6, 0, 1, 4, 0, 0, 0, 0), raw[40:]...)
	hbh[6] = 0 // next header: Hop-by-Hop
	binary.BigEndian.PutUint16(hbh[4:], binary.BigEndian.Uint16(raw[4:])+8)
	for _, n := range []int{len(hbh), 40 + 8 + 20} {
		var s segment
		if d.decode(linkIPv6, hbh[:n], &s) {
			t.Errorf("IPv6 with a Hop-by-Hop header (%d bytes) decoded as TCP", n)
		}
	}
	binary.BigEndian.PutUint16(hbh[4:], 0) // a jumbogram without its option
	checkDecode(t, d, linkIPv6, hbh)
	if tcpSeen != 11 {
		t.Errorf("%d of the test frames decode as TCP, want 11", tcpSeen)
	}
}

// TestDecodeFrameSLLAddress checks the guard before gopacket's Linux SLL
// layer, which slices the link-layer address by its declared length: a
// length over 8 makes the frame not TCP instead of a panic.
func TestDecodeFrameSLLAddress(t *testing.T) {
	d := newFrameDecoder()
	f := testFrames(t)["linux sll"]
	for _, n := range []uint16{9, 200, 0xffff} {
		b := append([]byte(nil), f.data...)
		binary.BigEndian.PutUint16(b[4:], n)
		var s segment
		if d.decode(linkLinuxSLL, b[:16:16], &s) || d.decode(linkLinuxSLL, b, &s) {
			t.Errorf("address length %d: decoded as TCP", n)
		}
	}
}

// TestDecodeFrameAllocs pins the promise that a frame costs no
// allocation once the layer values exist.
func TestDecodeFrameAllocs(t *testing.T) {
	d := newFrameDecoder()
	for name, f := range testFrames(t) {
		var s segment
		if n := testing.AllocsPerRun(100, func() { d.decode(f.lt, f.data, &s) }); n != 0 {
			t.Errorf("%s: %v allocations per frame", name, n)
		}
	}
}

// checkDecode decodes one frame twice: no panic, the same answer, and a
// payload that is a view inside the frame.
func checkDecode(t *testing.T, d *frameDecoder, lt uint32, data []byte) {
	t.Helper()
	var a, b segment
	okA := d.decode(lt, data, &a)
	okB := d.decode(lt, data, &b)
	if okA != okB || (okA && !sameSegment(a, b)) {
		t.Fatalf("link %d, % x: two decodings differ: %v %+v, %v %+v", lt, data, okA, a, okB, b)
	}
	if okA && len(a.payload) > 0 {
		end := len(data) - len(a.payload)
		inside := false
		for i := 0; i <= end; i++ {
			if &data[i] == &a.payload[0] {
				inside = true
				break
			}
		}
		if !inside {
			t.Fatalf("link %d, % x: the payload is not a view into the frame", lt, data)
		}
	}
}

// FuzzDecodeFrame decodes arbitrary frames of arbitrary link types
// through the layer parsers: no panic, a deterministic answer, and a
// payload inside the frame.
func FuzzDecodeFrame(f *testing.F) {
	t := &testing.T{}
	for _, fr := range testFrames(t) {
		f.Add(uint8(fr.lt), fr.data)
	}
	d := newFrameDecoder()
	f.Fuzz(func(t *testing.T, lt uint8, data []byte) {
		checkDecode(t, d, uint32(lt), data)
	})
}

// record is one frame as a capture reader delivers it.
type record struct {
	ts  time.Time
	seg *segment
}

func readAll(t *testing.T, file []byte) ([]record, error) {
	t.Helper()
	var out []record
	err := readCapture(bytes.NewReader(file), func(ci captureInfo, s *segment) {
		r := record{ts: ci.Timestamp}
		if s != nil {
			c := *s
			c.payload = append([]byte(nil), s.payload...)
			r.seg = &c
		}
		out = append(out, r)
	})
	return out, err
}

// wantRecords checks the frames read from a capture of copies of the
// "ethernet ipv4" test frame written n at a time, the i-th stamped
// ts + i*step: each is that segment, stamped within unit before its time
// (a coarser timestamp unit truncates).
func wantRecords(t *testing.T, name string, got []record, n int, ts time.Time, step, unit time.Duration) {
	t.Helper()
	if len(got) != n {
		t.Fatalf("%s: %d frames, want %d", name, len(got), n)
	}
	want := wantFrame("ethernet ipv4", nil)
	for i, r := range got {
		at := ts.Add(time.Duration(i) * step)
		if r.ts.After(at) || at.Sub(r.ts) >= unit {
			t.Fatalf("%s: frame %d stamped %v, want %v to within %v", name, i+1, r.ts, at, unit)
		}
		if r.seg == nil || !sameSegment(*r.seg, want) {
			t.Fatalf("%s: frame %d is %+v, want %+v", name, i+1, r.seg, want)
		}
	}
}

// TestReadCaptureFormats reads the shipped captures and files written
// with pcapgo's writers: nanosecond pcap, gzip, a last record cut short,
// a frame longer than the 64 KB read buffer, pcapng at three timestamp
// resolutions, and pcapng with two interfaces of different link types
// (both decoded). Every frame's timestamp and segment is checked.
func TestReadCaptureFormats(t *testing.T) {
	for _, name := range []string{"odbc-mars.pcap", "odbc-mars.pcapng", "tsql-ntlm-login-tls.pcap"} {
		b, err := os.ReadFile("../testdata/captures/" + name)
		if err != nil {
			t.Fatal(err)
		}
		got, err := readAll(t, b)
		if err != nil || len(got) == 0 || got[0].seg == nil {
			t.Fatalf("%s: %d frames, %v", name, len(got), err)
		}
	}
	frames := testFrames(t)
	fr := frames["ethernet ipv4"].data
	ts := time.Date(2026, 11, 21, 5, 0, 0, 123456789, time.UTC)
	const step = 1001 * time.Nanosecond
	ci := func(i int, b []byte) gopacket.CaptureInfo {
		return gopacket.CaptureInfo{Timestamp: ts.Add(time.Duration(i) * step), CaptureLength: len(b), Length: len(b)}
	}
	check := func(name string, file []byte, n int, unit time.Duration) {
		t.Helper()
		got, err := readAll(t, file)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		wantRecords(t, name, got, n, ts, step, unit)
	}

	var ns bytes.Buffer
	w := pcapgo.NewWriterNanos(&ns)
	if err := w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		w.WritePacket(ci(i, fr), fr)
	}
	check("nanosecond pcap", ns.Bytes(), 3, time.Nanosecond)
	check("cut short", ns.Bytes()[:ns.Len()-5], 2, time.Nanosecond)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(ns.Bytes())
	zw.Close()
	check("gzip", gz.Bytes(), 3, time.Nanosecond)

	var us bytes.Buffer
	w = pcapgo.NewWriter(&us)
	if err := w.WriteFileHeader(0, layers.LinkTypeEthernet); err != nil { // 0: no limit, capped
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		w.WritePacket(ci(i, fr), fr)
	}
	check("microsecond pcap, snap length 0", us.Bytes(), 3, time.Microsecond)

	// A frame longer than the reader's 64 KB buffer, between two others.
	var jumbo bytes.Buffer
	w = pcapgo.NewWriterNanos(&jumbo)
	if err := w.WriteFileHeader(262144, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	long := append(append([]byte(nil), fr...), make([]byte, 100000)...)
	for i, b := range [][]byte{fr, long, fr} {
		w.WritePacket(ci(i, b), b)
	}
	check("frame over 64 KB", jumbo.Bytes(), 3, time.Nanosecond)

	for _, tc := range []struct {
		res  uint8
		unit time.Duration
	}{{9, time.Nanosecond}, {0x80 | 20, time.Second >> 20}, {3, time.Millisecond}} {
		var ng bytes.Buffer
		nw, err := pcapgo.NewNgWriterInterface(&ng, pcapgo.NgInterface{LinkType: layers.LinkTypeEthernet, SnapLength: 65535, TimestampResolution: pcapgo.NgResolution(tc.res)}, pcapgo.DefaultNgWriterOptions)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 3; i++ {
			nw.WritePacket(ci(i, fr), fr)
		}
		nw.Flush()
		check(fmt.Sprintf("pcapng resolution %#x", tc.res), ng.Bytes(), 3, tc.unit+1)
	}

	// Two interfaces: Ethernet and raw IP; a frame on each.
	var mixed bytes.Buffer
	nw, err := pcapgo.NewNgWriterInterface(&mixed, pcapgo.NgInterface{LinkType: layers.LinkTypeEthernet, TimestampResolution: 9}, pcapgo.DefaultNgWriterOptions)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := nw.AddInterface(pcapgo.NgInterface{LinkType: layers.LinkTypeRaw, TimestampResolution: 9})
	if err != nil {
		t.Fatal(err)
	}
	rawFr := frames["raw ipv4"].data
	nw.WritePacket(ci(0, fr), fr)
	c := ci(1, rawFr)
	c.InterfaceIndex = raw
	nw.WritePacket(c, rawFr)
	nw.Flush()
	check("pcapng, two link types", mixed.Bytes(), 2, time.Nanosecond)
}

// TestReadCaptureErrors checks what a damaged file is told apart by.
func TestReadCaptureErrors(t *testing.T) {
	good, err := os.ReadFile("../testdata/captures/tsql-ntlm-login-tls.pcap")
	if err != nil {
		t.Fatal(err)
	}
	bigCap := append([]byte(nil), good...)
	binary.LittleEndian.PutUint32(bigCap[24+8:], 300000) // the first record's captured length
	overOrig := append([]byte(nil), good...)
	binary.LittleEndian.PutUint32(overOrig[24+12:], 10) // its original length
	badVersion := append([]byte(nil), good...)
	binary.LittleEndian.PutUint16(badVersion[4:], 3)
	for _, tc := range []struct {
		name string
		file []byte
		want string
	}{
		{"empty", nil, "too short"},
		{"short header", good[:20], "unexpected EOF"},
		{"magic", []byte("not a capture at all, no"), "Unknown magic"},
		{"version", badVersion, "major version 3"},
		{"snap length", bigCap, "exceeds snap length"},
		{"original length", overOrig, "exceeds original packet length"},
	} {
		_, err := readAll(t, tc.file)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
	if _, err := readAll(t, good[:24]); err != nil {
		t.Errorf("a header alone: %v", err)
	}
	if _, err := readAll(t, nil); errors.Is(err, io.EOF) {
		t.Errorf("an empty file reads as the end of a capture")
	}
}

// TestReadPcapngSnaplenGuard checks that a small pcapng file whose
// interface declares no snapshot length (or 4 GB) costs memory in
// proportion to the file and the 64 KB read buffer, not to maxSnaplen:
// guardPcapng caps the SnapLen pcapgo sizes its packet buffer by.
func TestReadPcapngSnaplenGuard(t *testing.T) {
	fr := testFrames(t)["ethernet ipv4"].data
	for _, snap := range []uint32{0, 0xffffffff} {
		var ng bytes.Buffer
		nw, err := pcapgo.NewNgWriterInterface(&ng, pcapgo.NgInterface{LinkType: layers.LinkTypeEthernet, SnapLength: snap}, pcapgo.DefaultNgWriterOptions)
		if err != nil {
			t.Fatal(err)
		}
		nw.WritePacket(gopacket.CaptureInfo{Timestamp: time.Unix(1, 0), CaptureLength: len(fr), Length: len(fr)}, fr)
		nw.Flush()
		file := ng.Bytes()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		n := 0
		err = readCapture(bytes.NewReader(file), func(_ captureInfo, s *segment) {
			if s != nil {
				n++
			}
		})
		runtime.ReadMemStats(&after)
		if err != nil || n != 1 {
			t.Fatalf("snap length %#x: %d segments, %v", snap, n, err)
		}
		if got := after.TotalAlloc - before.TotalAlloc; got > 160<<10 {
			t.Errorf("snap length %#x: a %d-byte file cost %d bytes", snap, len(file), got)
		}
	}
}
