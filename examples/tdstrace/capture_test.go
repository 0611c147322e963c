package main

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
)

// refDecode is the reference for decodeFrame: gopacket's
// DecodingLayerParser over its Ethernet, Linux SLL, Loopback, IPv4, IPv6
// and TCP layers, as tdstrace decoded frames before it read them itself.
// skip reports an input the two are not meant to agree on (gopacket
// panics on it, or reads TCP after an IPv6 extension header).
func refDecode(lt uint32, data []byte) (s segment, ok, skip bool) {
	var (
		eth  layers.Ethernet
		sll  layers.LinuxSLL
		loop layers.Loopback
		ip4  layers.IPv4
		ip6  layers.IPv6
		tcp  layers.TCP
	)
	var first gopacket.LayerType
	switch lt {
	case linkEthernet:
		first = layers.LayerTypeEthernet
	case linkLinuxSLL:
		if len(data) >= 16 && binary.BigEndian.Uint16(data[4:]) > 8 {
			return s, false, true // gopacket slices the address past the header
		}
		first = layers.LayerTypeLinuxSLL
	case linkNull, linkLoop:
		first = layers.LayerTypeLoopback
	case linkRaw, linkRawOld, linkIPv4, linkIPv6:
		if len(data) == 0 {
			return s, false, false
		}
		first = layers.LayerTypeIPv4
		if data[0]>>4 == 6 {
			first = layers.LayerTypeIPv6
		}
	default:
		return s, false, false
	}
	p := gopacket.NewDecodingLayerParser(first, &eth, &sll, &loop, &ip4, &ip6, &tcp)
	p.IgnoreUnsupported = true
	var decoded []gopacket.LayerType
	_ = p.DecodeLayers(data, &decoded)
	var src, dst netip.Addr
	haveIP := false
	for _, t := range decoded {
		switch t {
		case layers.LayerTypeIPv4:
			src, _ = netip.AddrFromSlice(ip4.SrcIP.To4())
			dst, _ = netip.AddrFromSlice(ip4.DstIP.To4())
			haveIP = true
		case layers.LayerTypeIPv6:
			if ip6.NextHeader == layers.IPProtocolIPv6HopByHop {
				return s, false, true
			}
			src, _ = netip.AddrFromSlice(ip6.SrcIP)
			dst, _ = netip.AddrFromSlice(ip6.DstIP)
			haveIP = true
		case layers.LayerTypeTCP:
			if !haveIP {
				return s, false, false
			}
			s.src = netip.AddrPortFrom(src, uint16(tcp.SrcPort))
			s.dst = netip.AddrPortFrom(dst, uint16(tcp.DstPort))
			s.seq, s.ack, s.win = tcp.Seq, tcp.Ack, tcp.Window
			for i, on := range []bool{tcp.FIN, tcp.SYN, tcp.RST, tcp.PSH, tcp.ACK, tcp.URG, tcp.ECE, tcp.CWR} {
				if on {
					s.flags |= 1 << i
				}
			}
			s.payload = tcp.Payload
			return s, true, false
		}
	}
	return s, false, false
}

// compareDecode checks decodeFrame against refDecode on one frame.
func compareDecode(t *testing.T, name string, lt uint32, data []byte) {
	t.Helper()
	want, wantOK, skip := refDecode(lt, data)
	if skip {
		return
	}
	var got segment
	gotOK := decodeFrame(lt, data, &got)
	if gotOK != wantOK {
		t.Fatalf("%s (link %d, % x): decodeFrame says TCP %v, gopacket %v", name, lt, data, gotOK, wantOK)
	}
	if !gotOK {
		return
	}
	if got.src != want.src || got.dst != want.dst || got.seq != want.seq || got.ack != want.ack || got.win != want.win || got.flags != want.flags || !bytes.Equal(got.payload, want.payload) {
		t.Fatalf("%s (link %d): decodeFrame %+v, gopacket %+v", name, lt, got, want)
	}
}

// serialize builds a frame with gopacket's serializers.
func serialize(t *testing.T, ls ...gopacket.SerializableLayer) []byte {
	t.Helper()
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ls...); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// testFrames are frames of every link type decodeFrame reads, with IPv4
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
	payload := gopacket.Payload("\x12\x01\x00\x08\x00\x00\x01\x00")
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

// TestDecodeFrame checks decodeFrame against gopacket on frames of every
// link type it reads, and on every prefix of each (frames a capture's
// snapshot length cut short) and on damaged copies (each byte of the
// headers set to 0x00 and 0xff in turn).
func TestDecodeFrame(t *testing.T) {
	tcpSeen := 0
	for name, f := range testFrames(t) {
		var s segment
		if decodeFrame(f.lt, f.data, &s) {
			tcpSeen++
		}
		for n := 0; n <= len(f.data); n++ {
			compareDecode(t, name, f.lt, f.data[:n])
		}
		for i := 0; i < len(f.data) && i < 80; i++ {
			for _, v := range []byte{0x00, 0xff, 0x45, 0x60} {
				d := append([]byte(nil), f.data...)
				d[i] = v
				compareDecode(t, name, f.lt, d)
			}
		}
	}
	if tcpSeen != 11 {
		t.Errorf("%d of the test frames decode as TCP, want 11", tcpSeen)
	}
}

// FuzzDecodeFrame compares decodeFrame with gopacket on arbitrary frames.
func FuzzDecodeFrame(f *testing.F) {
	t := &testing.T{}
	for _, fr := range testFrames(t) {
		f.Add(uint8(fr.lt), fr.data)
	}
	f.Fuzz(func(t *testing.T, lt uint8, data []byte) {
		compareDecode(t, "fuzz", uint32(lt), data)
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

// refReadAll reads a capture with gopacket's pcapgo, as tdstrace did.
func refReadAll(t *testing.T, file []byte) []record {
	t.Helper()
	var out []record
	add := func(lt layers.LinkType, data []byte, ci gopacket.CaptureInfo) {
		r := record{ts: ci.Timestamp}
		if s, ok, _ := refDecode(uint32(lt), data); ok {
			s.payload = append([]byte(nil), s.payload...)
			r.seg = &s
		}
		out = append(out, r)
	}
	if binary.BigEndian.Uint32(file) == blockSHB {
		ng, err := pcapgo.NewNgReader(bytes.NewReader(file), pcapgo.DefaultNgReaderOptions)
		if err != nil {
			t.Fatal(err)
		}
		for {
			data, ci, err := ng.ReadPacketData()
			if err != nil {
				return out
			}
			in, _ := ng.Interface(ci.InterfaceIndex)
			add(in.LinkType, data, ci)
		}
	}
	pr, err := pcapgo.NewReader(bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	for {
		data, ci, err := pr.ReadPacketData()
		if err != nil {
			return out
		}
		add(pr.LinkType(), data, ci)
	}
}

func sameRecords(t *testing.T, name string, got, want []record) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d frames, pcapgo reads %d", name, len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if !g.ts.Equal(w.ts) || (g.seg == nil) != (w.seg == nil) {
			t.Fatalf("%s: frame %d: %v TCP %v, pcapgo %v TCP %v", name, i+1, g.ts, g.seg != nil, w.ts, w.seg != nil)
		}
		if g.seg != nil && (g.seg.src != w.seg.src || g.seg.dst != w.seg.dst || g.seg.seq != w.seg.seq || !bytes.Equal(g.seg.payload, w.seg.payload)) {
			t.Fatalf("%s: frame %d differs: %+v, pcapgo %+v", name, i+1, g.seg, w.seg)
		}
	}
}

// TestReadCaptureFormats reads the shipped captures and variants written
// with pcapgo (nanosecond pcap, pcapng with nanosecond and binary
// timestamps, gzip, a last record cut short, a frame longer than the
// read buffer) and checks every frame's
// timestamp and segment against pcapgo's readers.
func TestReadCaptureFormats(t *testing.T) {
	files := map[string][]byte{}
	for _, name := range []string{"odbc-mars.pcap", "odbc-mars.pcapng", "tsql-ntlm-login-tls.pcap"} {
		b, err := os.ReadFile("../testdata/captures/" + name)
		if err != nil {
			t.Fatal(err)
		}
		files[name] = b
	}
	fr := testFrames(t)["ethernet ipv4"].data
	ts := time.Date(2026, 11, 21, 5, 0, 0, 123456789, time.UTC)

	var ns bytes.Buffer
	w := pcapgo.NewWriterNanos(&ns)
	if err := w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		w.WritePacket(gopacket.CaptureInfo{Timestamp: ts.Add(time.Duration(i) * 1001 * time.Nanosecond), CaptureLength: len(fr), Length: len(fr)}, fr)
	}
	files["nanosecond pcap"] = ns.Bytes()
	// A frame longer than the reader's 64 KB buffer, between two others.
	var jumbo bytes.Buffer
	w = pcapgo.NewWriter(&jumbo)
	if err := w.WriteFileHeader(262144, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	long := append(append([]byte(nil), fr...), make([]byte, 100000)...)
	for _, b := range [][]byte{fr, long, fr} {
		w.WritePacket(gopacket.CaptureInfo{Timestamp: ts, CaptureLength: len(b), Length: len(b)}, b)
	}
	files["frame over 64 KB"] = jumbo.Bytes()
	files["cut short"] = ns.Bytes()[:ns.Len()-5]
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(ns.Bytes())
	zw.Close()
	files["gzip"] = gz.Bytes()

	for _, res := range []uint8{9, 0x80 | 20, 3} {
		var ng bytes.Buffer
		nw, err := pcapgo.NewNgWriterInterface(&ng, pcapgo.NgInterface{LinkType: layers.LinkTypeEthernet, SnapLength: 65535, TimestampResolution: pcapgo.NgResolution(res)}, pcapgo.DefaultNgWriterOptions)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 3; i++ {
			nw.WritePacket(gopacket.CaptureInfo{Timestamp: ts.Add(time.Duration(i) * 1001 * time.Nanosecond), CaptureLength: len(fr), Length: len(fr)}, fr)
		}
		nw.Flush()
		files["pcapng resolution "+string(rune('0'+res%10))] = ng.Bytes()
	}
	for name, file := range files {
		got, err := readAll(t, file)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(got) == 0 {
			t.Fatalf("%s: no frames", name)
		}
		sameRecords(t, name, got, refReadAll(t, file))
	}
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
		{"magic", []byte("not a capture at all, no"), "unknown magic"},
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
