package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
)

// packetSource is what tdstrace needs of a capture reader: pcapgo's Reader
// (libpcap format) and NgReader (pcapng) both provide it.
type packetSource interface {
	ZeroCopyReadPacketData() ([]byte, gopacket.CaptureInfo, error)
}

// segment is one TCP segment of the capture, as the decoder hands it to
// the tracer. Payload is valid until the next packet is read.
type segment struct {
	ci       gopacket.CaptureInfo
	src, dst netip.AddrPort
	flags    uint8 // TCP flags: CWR ECE URG ACK PSH RST SYN FIN, high bit first
	seq, ack uint32
	win      uint16
	payload  []byte
}

// TCP flag bits as they sit in byte 13 of the header (RFC 9293 3.1).
const (
	tcpFIN = 0x01
	tcpSYN = 0x02
	tcpRST = 0x04
	tcpPSH = 0x08
	tcpACK = 0x10
)

// decoder turns link-layer frames into TCP segments with gopacket's
// DecodingLayerParser, which decodes into the layer values it holds and
// allocates nothing per packet.
type decoder struct {
	eth     layers.Ethernet
	sll     layers.LinuxSLL
	loop    layers.Loopback
	ip4     layers.IPv4
	ip6     layers.IPv6
	tcp     layers.TCP
	parsers map[gopacket.LayerType]*gopacket.DecodingLayerParser
	decoded []gopacket.LayerType
}

func newDecoder() *decoder {
	d := &decoder{parsers: map[gopacket.LayerType]*gopacket.DecodingLayerParser{}}
	for _, first := range []gopacket.LayerType{layers.LayerTypeEthernet, layers.LayerTypeLinuxSLL, layers.LayerTypeLoopback, layers.LayerTypeIPv4, layers.LayerTypeIPv6} {
		p := gopacket.NewDecodingLayerParser(first, &d.eth, &d.sll, &d.loop, &d.ip4, &d.ip6, &d.tcp)
		p.IgnoreUnsupported = true
		d.parsers[first] = p
	}
	d.decoded = make([]gopacket.LayerType, 0, 8)
	return d
}

// firstLayer returns the layer a frame of link type lt starts with, given
// the frame (raw IP link types carry IPv4 or IPv6, told by the version).
// guardPcapng walks the blocks of a pcapng file held in memory
// (pcapng draft, section 3.1: type, total length, body, total length),
// caps each Interface Description Block's SnapLen at maxSnaplen (0 means
// no limit there), and rejects a block length that is not a multiple of
// 4 of at least 12 bytes and an Enhanced Packet Block whose captured length
// runs past its block.
func guardPcapng(b []byte) error {
	var order binary.ByteOrder = binary.LittleEndian
	for off := 0; off+12 <= len(b); {
		typ := order.Uint32(b[off:])
		if typ == 0x0a0d0d0a { // Section Header Block: its magic gives the byte order
			if binary.LittleEndian.Uint32(b[off+8:]) == 0x1a2b3c4d {
				order = binary.LittleEndian
			} else {
				order = binary.BigEndian
			}
		}
		n := int(order.Uint32(b[off+4:]))
		if n > len(b)-off {
			return nil // a last block cut short: gopacket reports the end of the file
		}
		if n < 12 || n%4 != 0 {
			// gopacket's reader can loop on such a block.
			return fmt.Errorf("pcapng: the block at offset %d has a length of %d", off, n)
		}
		switch typ {
		case 1: // Interface Description Block: LinkType, Reserved, SnapLen
			if n >= 20 {
				if sl := order.Uint32(b[off+12:]); sl == 0 || sl > maxSnaplen {
					order.PutUint32(b[off+12:], maxSnaplen)
				}
			}
		case 6: // Enhanced Packet Block: Captured Packet Length at 20
			if n < 32 || int(order.Uint32(b[off+20:])) > n-32 {
				return fmt.Errorf("pcapng: the packet block at offset %d claims more bytes than its %d-byte block holds", off, n)
			}
		case 3: // Simple Packet Block: Original Packet Length at 8
			if n < 16 {
				return fmt.Errorf("pcapng: the simple packet block at offset %d is %d bytes", off, n)
			}
		}
		off += n
	}
	return nil
}

func firstLayer(lt layers.LinkType, data []byte) (gopacket.LayerType, bool) {
	switch lt {
	case layers.LinkTypeEthernet:
		return layers.LayerTypeEthernet, true
	case layers.LinkTypeLinuxSLL:
		return layers.LayerTypeLinuxSLL, true
	case layers.LinkTypeNull, layers.LinkTypeLoop:
		return layers.LayerTypeLoopback, true
	case layers.LinkTypeRaw, layers.LinkTypeIPv4, layers.LinkTypeIPv6, 12:
		if len(data) == 0 {
			return 0, false
		}
		if data[0]>>4 == 6 {
			return layers.LayerTypeIPv6, true
		}
		return layers.LayerTypeIPv4, true
	}
	return 0, false
}

// decode fills s from one frame; ok is false for anything but TCP over IP.
func (d *decoder) decode(lt layers.LinkType, data []byte, s *segment) bool {
	first, ok := firstLayer(lt, data)
	if !ok {
		return false
	}
	p := d.parsers[first]
	d.decoded = d.decoded[:0]
	_ = p.DecodeLayers(data, &d.decoded) // errors for the layers after TCP are expected
	var src, dst netip.Addr
	haveIP, haveTCP := false, false
	for _, t := range d.decoded {
		switch t {
		case layers.LayerTypeIPv4:
			src, _ = netip.AddrFromSlice(d.ip4.SrcIP.To4())
			dst, _ = netip.AddrFromSlice(d.ip4.DstIP.To4())
			haveIP = true
		case layers.LayerTypeIPv6:
			src, _ = netip.AddrFromSlice(d.ip6.SrcIP)
			dst, _ = netip.AddrFromSlice(d.ip6.DstIP)
			haveIP = true
		case layers.LayerTypeTCP:
			haveTCP = true
		}
	}
	if !haveIP || !haveTCP {
		return false
	}
	t := &d.tcp
	s.src = netip.AddrPortFrom(src, uint16(t.SrcPort))
	s.dst = netip.AddrPortFrom(dst, uint16(t.DstPort))
	s.seq, s.ack, s.win = t.Seq, t.Ack, t.Window
	s.flags = 0
	for i, on := range []bool{t.FIN, t.SYN, t.RST, t.PSH, t.ACK, t.URG, t.ECE, t.CWR} {
		if on {
			s.flags |= 1 << i
		}
	}
	s.payload = t.Payload
	return true
}

// maxSnaplen bounds the buffer gopacket's readers allocate for a packet:
// they size it by the file's snapshot length, which a damaged or hostile
// file can set to 4 GB. 262144 is tcpdump's and Wireshark's default.
const maxSnaplen = 262144

// readCapture reads a pcap or pcapng file (told apart by their first four
// bytes) and calls fn for every frame, in file order, with the TCP segment it
// carries or nil. The file is read into memory first, so that the
// snapshot lengths and packet lengths it declares can be checked against
// its size before gopacket allocates by them (guardPcapng).
func readCapture(r io.Reader, fn func(gopacket.CaptureInfo, *segment)) error {
	var in bytes.Buffer
	if st, ok := r.(interface{ Stat() (os.FileInfo, error) }); ok {
		if fi, err := st.Stat(); err == nil && fi.Mode().IsRegular() {
			in.Grow(int(fi.Size()) + bytes.MinRead)
		}
	}
	if _, err := in.ReadFrom(r); err != nil {
		return err
	}
	file := in.Bytes()
	if len(file) < 4 {
		return errors.New("not a pcap or pcapng file: too short")
	}
	br := bytes.NewReader(file)
	var src packetSource
	linkType := func(gopacket.CaptureInfo) layers.LinkType { return 0 }
	if binary.BigEndian.Uint32(file) == 0x0a0d0d0a {
		if err := guardPcapng(file); err != nil {
			return err
		}
		ng, err := pcapgo.NewNgReader(br, pcapgo.DefaultNgReaderOptions)
		if err != nil {
			return fmt.Errorf("pcapng: %w", err)
		}
		src = ng
		linkType = func(ci gopacket.CaptureInfo) layers.LinkType {
			if in, err := ng.Interface(ci.InterfaceIndex); err == nil {
				return in.LinkType
			}
			return ng.LinkType()
		}
	} else {
		pr, err := pcapgo.NewReader(br)
		if err != nil {
			return fmt.Errorf("pcap: %w", err)
		}
		if pr.Snaplen() > maxSnaplen || pr.Snaplen() == 0 {
			pr.SetSnaplen(maxSnaplen)
		}
		src = pr
		lt := pr.LinkType()
		linkType = func(gopacket.CaptureInfo) layers.LinkType { return lt }
	}
	d := newDecoder()
	var s segment
	for {
		data, ci, err := src.ZeroCopyReadPacketData()
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil
		}
		if err != nil {
			return err
		}
		s.ci = ci
		if d.decode(linkType(ci), data, &s) {
			fn(ci, &s)
		} else {
			fn(ci, nil)
		}
	}
}
