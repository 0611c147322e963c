package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
)

// captureInfo is what tdstrace keeps of a capture record's header: when
// the frame was captured.
type captureInfo struct {
	Timestamp time.Time
}

// segment is one TCP segment of the capture, as the decoder hands it to
// the tracer. Payload is a view into the frame, valid until the next
// frame is read.
type segment struct {
	ci       captureInfo
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
	tcpURG = 0x20
	tcpECE = 0x40
	tcpCWR = 0x80
)

// Link types of the capture formats (the tcpdump.org LINKTYPE_ registry)
// that tdstrace reads; gopacket names all but linkRawOld.
const (
	linkNull     = uint32(layers.LinkTypeNull)     // BSD loopback: a 4-byte protocol family
	linkEthernet = uint32(layers.LinkTypeEthernet) // Ethernet II
	linkRawOld   = 12                              // raw IP on some BSDs
	linkRaw      = uint32(layers.LinkTypeRaw)      // raw IPv4 or IPv6, told by the version
	linkLoop     = uint32(layers.LinkTypeLoop)     // OpenBSD loopback: like linkNull
	linkLinuxSLL = uint32(layers.LinkTypeLinuxSLL) // Linux "cooked" capture, version 1
	linkIPv4     = uint32(layers.LinkTypeIPv4)
	linkIPv6     = uint32(layers.LinkTypeIPv6)
)

// frameDecoder turns link-layer frames into TCP segments with gopacket's
// DecodingLayerParser: one parser per first layer, all decoding into the
// same preallocated layer values, so that a frame costs no allocation.
type frameDecoder struct {
	eth  layers.Ethernet
	sll  layers.LinuxSLL
	loop layers.Loopback
	ip4  layers.IPv4
	ip6  layers.IPv6
	tcp  layers.TCP

	fromEth, fromSLL, fromLoop, fromIPv4, fromIPv6 *gopacket.DecodingLayerParser
	decoded                                        []gopacket.LayerType
}

func newFrameDecoder() *frameDecoder {
	d := &frameDecoder{decoded: make([]gopacket.LayerType, 0, 8)}
	parser := func(first gopacket.LayerType) *gopacket.DecodingLayerParser {
		p := gopacket.NewDecodingLayerParser(first, &d.eth, &d.sll, &d.loop, &d.ip4, &d.ip6, &d.tcp)
		// Layers tdstrace has no decoder for (UDP, ARP, IPv6
		// extension headers, fragments, TDS above TCP) end the
		// parse without an error value to build.
		p.IgnoreUnsupported = true
		return p
	}
	d.fromEth = parser(layers.LayerTypeEthernet)
	d.fromSLL = parser(layers.LayerTypeLinuxSLL)
	d.fromLoop = parser(layers.LayerTypeLoopback)
	d.fromIPv4 = parser(layers.LayerTypeIPv4)
	d.fromIPv6 = parser(layers.LayerTypeIPv6)
	return d
}

// parserFor returns the parser for a frame of link type lt, or nil for a
// link type tdstrace does not read or a frame gopacket must not be given.
func (d *frameDecoder) parserFor(lt uint32, frame []byte) *gopacket.DecodingLayerParser {
	switch lt {
	case linkEthernet:
		return d.fromEth
	case linkLinuxSLL:
		// The address field is 8 bytes; gopacket slices Addr by the
		// declared length, which past 8 runs beyond the header (and
		// past the frame's capacity, a panic, in a damaged file).
		if len(frame) >= 6 && binary.BigEndian.Uint16(frame[4:]) > 8 {
			return nil
		}
		return d.fromSLL
	case linkNull, linkLoop:
		return d.fromLoop
	case linkRaw, linkRawOld, linkIPv4, linkIPv6:
		if len(frame) == 0 {
			return nil
		}
		if frame[0]>>4 == 6 {
			return d.fromIPv6
		}
		return d.fromIPv4
	}
	return nil
}

// decode fills s from one frame of link type lt; ok is false for anything
// but an unfragmented TCP segment directly over IPv4 or IPv6 (an IPv6
// extension header before TCP, Hop-by-Hop included, counts as anything
// else). The layers are
// gopacket's: IPv4's total length cuts off link-layer padding, and a
// frame the capture truncated keeps the payload it has. The payload is a
// view into frame; nothing is allocated.
func (d *frameDecoder) decode(lt uint32, frame []byte, s *segment) (ok bool) {
	p := d.parserFor(lt, frame)
	if p == nil {
		return false
	}
	d.decoded = d.decoded[:0]
	// An error means a layer did not decode (or the layer after TCP
	// has no decoder); what did decode is in d.decoded either way.
	_ = p.DecodeLayers(frame, &d.decoded)
	var src, dst netip.Addr
	haveIP := false
	for _, t := range d.decoded {
		switch t {
		case layers.LayerTypeIPv4:
			src, _ = netip.AddrFromSlice(d.ip4.SrcIP.To4())
			dst, _ = netip.AddrFromSlice(d.ip4.DstIP.To4())
			haveIP = true
		case layers.LayerTypeIPv6:
			if d.ip6.HopByHop != nil {
				// gopacket folds a Hop-by-Hop header into IPv6 and
				// goes on to TCP, but bounds the payload by the
				// IPv6 length from after the header (and for a
				// jumbogram starts it at the header): not read.
				return false
			}
			src, _ = netip.AddrFromSlice(d.ip6.SrcIP)
			dst, _ = netip.AddrFromSlice(d.ip6.DstIP)
			haveIP = true
		case layers.LayerTypeTCP:
			if !haveIP {
				return false
			}
			t := &d.tcp
			s.src = netip.AddrPortFrom(src, uint16(t.SrcPort))
			s.dst = netip.AddrPortFrom(dst, uint16(t.DstPort))
			s.seq, s.ack, s.win = t.Seq, t.Ack, t.Window
			s.flags = flagBit(t.FIN, tcpFIN) | flagBit(t.SYN, tcpSYN) | flagBit(t.RST, tcpRST) |
				flagBit(t.PSH, tcpPSH) | flagBit(t.ACK, tcpACK) | flagBit(t.URG, tcpURG) |
				flagBit(t.ECE, tcpECE) | flagBit(t.CWR, tcpCWR)
			s.payload = t.Payload
			return true
		}
	}
	return false
}

func flagBit(on bool, bit uint8) uint8 {
	if on {
		return bit
	}
	return 0
}

// maxSnaplen bounds the buffer gopacket's readers allocate for a packet:
// they size it by the file's snapshot length, which a damaged or hostile
// file can set to 4 GB. 262144 is tcpdump's and Wireshark's default.
const maxSnaplen = 262144

// blockSHB is the pcapng Section Header Block type, which is also the
// first four bytes of every pcapng file (pcapng draft, section 4.1).
const blockSHB = 0x0a0d0d0a

// readCapture reads a pcap or pcapng file (told apart by their first four
// bytes) with gopacket's pcapgo readers and calls fn for every frame, in
// file order, with the TCP segment it carries or nil; the segment's
// payload is valid until fn returns.
//
// A pcap file (gzip-compressed too: pcapgo.NewReader expands it) is read
// as a stream through one 64 KB buffer, its snapshot length capped at
// maxSnaplen. A pcapng file is read into memory first, so that
// guardPcapng can check the lengths its blocks declare against its size
// before pcapgo allocates by them. Either way a damaged or hostile file
// costs no more memory than its size or maxSnaplen. A record cut short
// by the end of the file ends the capture quietly, as a capture still
// being written does. Frames of every pcapng interface are decoded,
// whatever its link type. pcapgo keeps the low 8 bits of a pcap file's
// link type, which drops the FCS bits some writers set above the 16-bit
// type; every link type tdstrace decodes is below 256.
func readCapture(r io.Reader, fn func(captureInfo, *segment)) error {
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(4)
	if len(head) < 4 {
		return errors.New("not a pcap or pcapng file: too short")
	}
	d := newFrameDecoder()
	if binary.BigEndian.Uint32(head) != blockSHB {
		// pcapgo wraps br in a bufio.Reader of its own, which for a
		// bufio.Reader this large is br itself.
		pr, err := pcapgo.NewReader(br)
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return fmt.Errorf("pcap: %w", err)
		}
		if pr.Snaplen() > maxSnaplen || pr.Snaplen() == 0 {
			pr.SetSnaplen(maxSnaplen)
		}
		lt := uint32(pr.LinkType())
		return readFrames(pr, d, func(gopacket.CaptureInfo) uint32 { return lt }, fn)
	}
	var in bytes.Buffer
	if st, ok := r.(interface{ Stat() (os.FileInfo, error) }); ok {
		if fi, err := st.Stat(); err == nil && fi.Mode().IsRegular() {
			in.Grow(int(fi.Size()) + bytes.MinRead)
		}
	}
	if _, err := in.ReadFrom(br); err != nil {
		return err
	}
	file := in.Bytes()
	if err := guardPcapng(file); err != nil {
		return err
	}
	opts := pcapgo.DefaultNgReaderOptions
	opts.WantMixedLinkType = true
	ng, err := pcapgo.NewNgReader(bytes.NewReader(file), opts)
	if err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return fmt.Errorf("pcapng: %w", err)
	}
	return readFrames(ng, d, ngLinkType, fn)
}

// ngLinkType returns the link type of a pcapng packet's interface, which
// NgReader with WantMixedLinkType puts in AncillaryData.
func ngLinkType(ci gopacket.CaptureInfo) uint32 {
	if len(ci.AncillaryData) > 0 {
		if lt, ok := ci.AncillaryData[0].(layers.LinkType); ok {
			return uint32(lt)
		}
	}
	return ^uint32(0)
}

// readFrames reads every packet of src into its reused buffer, decodes it
// with d and calls fn.
func readFrames(src gopacket.ZeroCopyPacketDataSource, d *frameDecoder, linkType func(gopacket.CaptureInfo) uint32, fn func(captureInfo, *segment)) error {
	var s segment
	for {
		data, ci, err := src.ZeroCopyReadPacketData()
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil
		}
		if err != nil {
			return err
		}
		s.ci = captureInfo{Timestamp: ci.Timestamp}
		if d.decode(linkType(ci), data, &s) {
			fn(s.ci, &s)
		} else {
			fn(s.ci, nil)
		}
	}
}

// guardPcapng walks the blocks of a pcapng file held in memory (pcapng
// draft, section 3.1: type, total length, body, total length) before
// pcapgo reads it, caps each Interface Description Block's SnapLen (by
// which pcapgo sizes its packet buffer; 0 means no limit) at maxSnaplen
// or the file's size, whichever is smaller, and rejects a block length that
// is not a multiple of 4 of at least 12 bytes (pcapgo's reader can loop
// on such a block), a packet block whose captured length runs past its
// block and a Simple Packet Block too short for its fixed field, so that
// a damaged file fails before anything is written and pcapgo never
// allocates by a length the file does not hold.
func guardPcapng(b []byte) error {
	const (
		byteOrderMagic = 0x1a2b3c4d
		blockIDB       = 1 // Interface Description
		blockPacket    = 2 // Packet (obsolete)
		blockSimple    = 3 // Simple Packet
		blockEnhanced  = 6 // Enhanced Packet
	)
	// No packet of the file can be longer than the file.
	limit := uint32(min(len(b), maxSnaplen))
	var order binary.ByteOrder = binary.LittleEndian
	for off := 0; off+12 <= len(b); {
		typ := order.Uint32(b[off:])
		if typ == blockSHB { // Section Header Block: its magic gives the byte order
			if binary.LittleEndian.Uint32(b[off+8:]) == byteOrderMagic {
				order = binary.LittleEndian
			} else {
				order = binary.BigEndian
			}
		}
		bl := order.Uint32(b[off+4:]) // bounded as a uint32: int may be 32 bits
		if uint64(bl) > uint64(len(b)-off) {
			return nil // a last block cut short: pcapgo reports the end of the file
		}
		n := int(bl)
		if n < 12 || n%4 != 0 {
			return fmt.Errorf("pcapng: the block at offset %d has a length of %d", off, n)
		}
		switch typ {
		case blockIDB: // LinkType, Reserved, SnapLen
			if n >= 20 {
				if sl := order.Uint32(b[off+12:]); sl == 0 || sl > limit {
					order.PutUint32(b[off+12:], limit)
				}
			}
		case blockEnhanced, blockPacket: // Captured Packet Length at 20
			if n < 32 || uint64(order.Uint32(b[off+20:])) > uint64(n-32) {
				return fmt.Errorf("pcapng: the packet block at offset %d claims more bytes than its %d-byte block holds", off, n)
			}
		case blockSimple: // Original Packet Length at 8
			if n < 16 {
				return fmt.Errorf("pcapng: the simple packet block at offset %d is %d bytes", off, n)
			}
		}
		off += n
	}
	return nil
}
