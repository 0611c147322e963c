package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"time"
)

// captureInfo is what tdstrace keeps of a capture record's header: when
// the frame was captured.
type captureInfo struct {
	Timestamp time.Time
}

// segment is one TCP segment of the capture, as the decoder hands it to
// the tracer. Payload is a view into the capture file.
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
)

// Link types of the capture formats (the tcpdump.org LINKTYPE_ registry)
// that tdstrace reads, and the layer a frame of each starts with.
const (
	linkNull     = 0   // BSD loopback: a 4-byte protocol family
	linkEthernet = 1   // Ethernet II
	linkRawOld   = 12  // raw IP on some BSDs
	linkRaw      = 101 // raw IPv4 or IPv6, told by the version
	linkLoop     = 108 // OpenBSD loopback: like linkNull
	linkLinuxSLL = 113 // Linux "cooked" capture, version 1
	linkIPv4     = 228
	linkIPv6     = 229
)

// EtherTypes (IEEE 802) and protocol numbers (IANA) of the layers tdstrace
// decodes.
const (
	etherIPv4 = 0x0800
	etherIPv6 = 0x86dd
	protoTCP  = 6
)

// decodeFrame fills s from one frame of link type lt; ok is false for
// anything but an unfragmented TCP segment over IPv4 or IPv6 (an IPv6
// extension header before TCP counts as anything else). Each layer is
// checked as RFC 791, RFC 8200 and RFC 9293 lay it out: a header that
// does not fit, a length field smaller than its header or a malformed
// IPv4 or TCP option makes the frame not TCP. IP total lengths cut off
// link-layer padding; a frame the capture truncated keeps what it has.
// It allocates nothing: the payload is a view into frame.
func decodeFrame(lt uint32, frame []byte, s *segment) (ok bool) {
	var ethType uint16
	b := frame
	switch lt {
	case linkEthernet:
		if len(b) < 14 {
			return false
		}
		ethType, b = binary.BigEndian.Uint16(b[12:]), b[14:]
	case linkLinuxSLL:
		if len(b) < 16 {
			return false
		}
		ethType, b = binary.BigEndian.Uint16(b[14:]), b[16:]
	case linkNull, linkLoop:
		if len(b) < 4 {
			return false
		}
		// The family is in the byte order of the machine that captured.
		fam := binary.LittleEndian.Uint32(b)
		if b[0] == 0 && b[1] == 0 {
			fam = binary.BigEndian.Uint32(b)
		}
		switch fam {
		case 2: // AF_INET
			ethType = etherIPv4
		case 10, 24, 28, 30: // AF_INET6 on Linux, NetBSD/OpenBSD, FreeBSD, macOS
			ethType = etherIPv6
		}
		b = b[4:]
	case linkRaw, linkRawOld, linkIPv4, linkIPv6:
		if len(b) == 0 {
			return false
		}
		ethType = etherIPv4
		if b[0]>>4 == 6 {
			ethType = etherIPv6
		}
	default:
		return false
	}
	var src, dst netip.Addr
	switch ethType {
	case etherIPv4:
		if len(b) < 20 {
			return false
		}
		ihl := int(b[0]&0x0f) * 4
		total := int(binary.BigEndian.Uint16(b[2:]))
		if total == 0 { // segmentation offload: the length is not filled in
			total = len(b)
		}
		if total < 20 || ihl < 20 || ihl > total || ihl > len(b) {
			return false
		}
		if frag := binary.BigEndian.Uint16(b[6:]); frag&0x2000 != 0 || frag&0x1fff != 0 {
			return false // a fragment (more fragments, or an offset)
		}
		if b[9] != protoTCP || !validOptions(b[20:ihl], true) {
			return false
		}
		src = netip.AddrFrom4([4]byte(b[12:16]))
		dst = netip.AddrFrom4([4]byte(b[16:20]))
		if total < len(b) {
			b = b[:total]
		}
		b = b[ihl:]
	case etherIPv6:
		if len(b) < 40 {
			return false
		}
		plen := int(binary.BigEndian.Uint16(b[4:]))
		if b[6] != protoTCP || plen == 0 {
			return false
		}
		src = netip.AddrFrom16([16]byte(b[8:24]))
		dst = netip.AddrFrom16([16]byte(b[24:40]))
		b = b[40:]
		if plen < len(b) {
			b = b[:plen]
		}
	default:
		return false
	}
	if len(b) < 20 {
		return false
	}
	off := int(b[12]>>4) * 4
	if off < 20 || off > len(b) || !validOptions(b[20:off], false) {
		return false
	}
	s.src = netip.AddrPortFrom(src, binary.BigEndian.Uint16(b[0:]))
	s.dst = netip.AddrPortFrom(dst, binary.BigEndian.Uint16(b[2:]))
	s.seq = binary.BigEndian.Uint32(b[4:])
	s.ack = binary.BigEndian.Uint32(b[8:])
	s.flags = b[13]
	s.win = binary.BigEndian.Uint16(b[14:])
	s.payload = b[off:]
	return true
}

// validOptions reports whether the options of an IPv4 header (RFC 791
// 3.1) or a TCP header (RFC 9293 3.1) are well formed: End of Option
// List ends them, No-Operation is one byte, every other option has a
// length byte counting itself and the kind, more than 2 for IPv4, at
// least 2 for TCP, that stays inside the header.
func validOptions(b []byte, ip bool) bool {
	minLen := 2
	if ip {
		minLen = 3
	}
	for len(b) > 0 {
		switch b[0] {
		case 0:
			return true
		case 1:
			b = b[1:]
			continue
		}
		if len(b) < 2 || int(b[1]) < minLen || int(b[1]) > len(b) {
			return false
		}
		b = b[b[1]:]
	}
	return true
}

// readCapture reads a pcap or pcapng file (told apart by their first four
// bytes; a gzip-compressed pcap file is expanded as it is read) and calls
// fn for every frame, in file order, with the TCP segment it carries or
// nil; the segment's payload is valid until fn returns. A pcap file is
// read as a stream, through one buffer; a pcapng file is read into memory
// first, so that guardPcapng can check the lengths its blocks declare
// against its size before any is used. Either way a damaged or hostile
// file costs no more memory than its size. A record cut short by the end
// of the file ends the capture quietly, as a capture still being written
// does.
func readCapture(r io.Reader, fn func(captureInfo, *segment)) error {
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(4)
	if len(head) >= 2 && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return fmt.Errorf("pcap: %w", err)
		}
		return readPcap(bufio.NewReaderSize(zr, 64<<10), fn)
	}
	if len(head) < 4 {
		return errors.New("not a pcap or pcapng file: too short")
	}
	if binary.BigEndian.Uint32(head) != blockSHB {
		return readPcap(br, fn)
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
	return readPcapng(file, fn)
}

// maxSnaplen replaces a pcap file's snapshot length of 0 or above it:
// 262144 is tcpdump's and Wireshark's default. No record may be longer.
const maxSnaplen = 262144

// readPcap reads a libpcap file: a 24-byte header (magic, version 2.4,
// time zone, accuracy, snapshot length, link type) and records of a
// 16-byte header (seconds, micro- or nanoseconds, captured length,
// original length) and the captured bytes, in the byte order the magic
// shows. A frame that fits br's buffer is a view into it; a longer one
// is read into a buffer of at most maxSnaplen bytes.
func readPcap(br *bufio.Reader, fn func(captureInfo, *segment)) error {
	var hdr [24]byte
	if _, err := io.ReadFull(br, hdr[:]); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return fmt.Errorf("pcap: %w", err)
	}
	file := hdr[:]
	var order binary.ByteOrder
	var nsFactor uint32
	switch binary.LittleEndian.Uint32(file) {
	case 0xa1b2c3d4:
		order, nsFactor = binary.LittleEndian, 1000
	case 0xd4c3b2a1:
		order, nsFactor = binary.BigEndian, 1000
	case 0xa1b23c4d:
		order, nsFactor = binary.LittleEndian, 1
	case 0x4d3cb2a1:
		order, nsFactor = binary.BigEndian, 1
	default:
		return fmt.Errorf("pcap: unknown magic %x", binary.LittleEndian.Uint32(file))
	}
	if v := order.Uint16(file[4:]); v != 2 {
		return fmt.Errorf("pcap: unknown major version %d", v)
	}
	if v := order.Uint16(file[6:]); v != 4 {
		return fmt.Errorf("pcap: unknown minor version %d", v)
	}
	snaplen := order.Uint32(file[16:])
	if snaplen == 0 || snaplen > maxSnaplen {
		snaplen = maxSnaplen
	}
	lt := order.Uint32(file[20:]) & 0xffff // the high bits carry FCS information
	var s segment
	var big []byte // frames longer than br's buffer
	for {
		var h [16]byte
		if _, err := io.ReadFull(br, h[:]); err != nil {
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				return nil
			}
			return err
		}
		ci := captureInfo{Timestamp: time.Unix(int64(order.Uint32(h[0:])), int64(order.Uint32(h[4:])*nsFactor)).UTC()}
		caplen, length := order.Uint32(h[8:]), order.Uint32(h[12:])
		if caplen > snaplen {
			return fmt.Errorf("capture length exceeds snap length: %d > %d", caplen, snaplen)
		}
		if caplen > length {
			return fmt.Errorf("capture length exceeds original packet length: %d > %d", caplen, length)
		}
		n := int(caplen)
		var frame []byte
		if n <= br.Size() {
			var err error
			if frame, err = br.Peek(n); err != nil {
				return nil // the last record is cut short
			}
		} else {
			if cap(big) < n {
				big = make([]byte, n)
			}
			frame = big[:n]
			if _, err := io.ReadFull(br, frame); err != nil {
				return nil
			}
		}
		deliver(fn, lt, ci, frame, &s)
		if n <= br.Size() {
			br.Discard(n)
		}
	}
}

func deliver(fn func(captureInfo, *segment), lt uint32, ci captureInfo, frame []byte, s *segment) {
	s.ci = ci
	if decodeFrame(lt, frame, s) {
		fn(ci, s)
	} else {
		fn(ci, nil)
	}
}

// pcapng block types (pcapng draft, section 4).
const (
	blockSHB        = 0x0a0d0d0a // Section Header
	blockIDB        = 1          // Interface Description
	blockPacket     = 2          // Packet (obsolete)
	blockSimple     = 3          // Simple Packet
	blockEnhanced   = 6          // Enhanced Packet
	byteOrderMagic  = 0x1a2b3c4d
	optEndOfOpt     = 0
	optIfTsresol    = 9
	optIfTsoffset   = 14
	defaultTsresol  = 6 // microseconds
	nanosPerSecond  = 1e9
	shbFixedLen     = 12 // after type and length: byte-order magic, version, section length
	packetFixedLen  = 20 // interface ID, timestamp, captured and original lengths
	blockHeaderLen  = 8
	blockTrailerLen = 4
)

// ngInterface is what tdstrace keeps of an Interface Description Block.
type ngInterface struct {
	linkType uint32
	snaplen  uint32
	units    uint64 // timestamp units per second
	offset   uint64 // seconds added to every timestamp (if_tsoffset)
}

// time converts a timestamp in the interface's units.
func (in *ngInterface) time(ts uint64) time.Time {
	sec := int64(ts/in.units + in.offset)
	frac := ts % in.units
	var ns uint64
	if in.units < nanosPerSecond {
		ns = frac * (nanosPerSecond / in.units)
	} else {
		ns = frac / (in.units / nanosPerSecond)
	}
	return time.Unix(sec, int64(ns)).UTC()
}

// guardPcapng walks the blocks of a pcapng file held in memory (pcapng
// draft, section 3.1: type, total length, body, total length) before any
// is used, and rejects a block length that is not a multiple of 4 of at
// least 12 bytes and a packet block whose captured length runs past its
// block, so that a damaged file fails before anything is written.
func guardPcapng(b []byte) error {
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
		n := int(order.Uint32(b[off+4:]))
		if n > len(b)-off {
			return nil // a last block cut short: the capture ends before it
		}
		if n < 12 || n%4 != 0 {
			return fmt.Errorf("pcapng: the block at offset %d has a length of %d", off, n)
		}
		switch typ {
		case blockEnhanced, blockPacket: // Captured Packet Length at 20
			if n < 32 || int(order.Uint32(b[off+20:])) > n-32 {
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

// readPcapng reads a pcapng file that guardPcapng accepted: sections (a
// Section Header Block, in either byte order, version 1.0), the
// interfaces each describes (link type, snapshot length, timestamp
// resolution and offset) and their packets (Enhanced, Simple and the
// obsolete Packet Block); other blocks are skipped. Frames of every
// interface are decoded, whatever its link type.
func readPcapng(file []byte, fn func(captureInfo, *segment)) error {
	var order binary.ByteOrder = binary.LittleEndian
	var ifaces []ngInterface
	var s segment
	for off := 0; len(file)-off >= 12; {
		typ := order.Uint32(file[off:])
		if typ == blockSHB {
			switch {
			case binary.LittleEndian.Uint32(file[off+8:]) == byteOrderMagic:
				order = binary.LittleEndian
			case binary.BigEndian.Uint32(file[off+8:]) == byteOrderMagic:
				order = binary.BigEndian
			default:
				return fmt.Errorf("pcapng: wrong byte-order magic in the section header at offset %d", off)
			}
		}
		n := int(order.Uint32(file[off+4:]))
		if n > len(file)-off {
			return nil // cut short
		}
		body := file[off+blockHeaderLen : off+n-blockTrailerLen]
		if off == 0 && typ != blockSHB {
			return fmt.Errorf("pcapng: unknown magic %x", typ)
		}
		switch typ {
		case blockSHB:
			if len(body) < shbFixedLen-4 {
				return fmt.Errorf("pcapng: the section header at offset %d is %d bytes", off, n)
			}
			if maj, mnr := order.Uint16(body[4:]), order.Uint16(body[6:]); maj != 1 || mnr != 0 {
				return fmt.Errorf("pcapng: unknown version %d.%d in the section header at offset %d", maj, mnr, off)
			}
			ifaces = ifaces[:0]
		case blockIDB:
			in, err := readIDB(body, order)
			if err != nil {
				return fmt.Errorf("pcapng: the interface block at offset %d: %w", off, err)
			}
			ifaces = append(ifaces, in)
		case blockEnhanced, blockPacket:
			id := int(order.Uint32(body))
			if typ == blockPacket {
				id = int(order.Uint16(body))
			}
			if id >= len(ifaces) {
				return fmt.Errorf("pcapng: interface %d not present in the section (it has %d)", id, len(ifaces))
			}
			in := &ifaces[id]
			ts := uint64(order.Uint32(body[4:]))<<32 | uint64(order.Uint32(body[8:]))
			caplen := int(order.Uint32(body[12:])) // within the block: guardPcapng
			deliver(fn, in.linkType, captureInfo{Timestamp: in.time(ts)}, body[packetFixedLen:packetFixedLen+caplen], &s)
		case blockSimple:
			if len(ifaces) == 0 {
				return errors.New("pcapng: a simple packet block before any interface")
			}
			caplen := int(order.Uint32(body))
			if sl := int(ifaces[0].snaplen); sl != 0 && caplen > sl {
				caplen = sl
			}
			caplen = min(caplen, len(body)-4)
			deliver(fn, ifaces[0].linkType, captureInfo{}, body[4:4+caplen], &s)
		}
		off += n
	}
	return nil
}

// readIDB reads an Interface Description Block's body: LinkType,
// Reserved, SnapLen and options, of which if_tsresol (the timestamp unit:
// 10^-v seconds, or 2^-v with the high bit set) and if_tsoffset matter.
func readIDB(b []byte, order binary.ByteOrder) (ngInterface, error) {
	if len(b) < 8 {
		return ngInterface{}, errors.New("too short")
	}
	in := ngInterface{linkType: uint32(order.Uint16(b)), snaplen: order.Uint32(b[4:])}
	var res byte // 0: absent, the default
	for o := b[8:]; len(o) >= 4; {
		code, l := order.Uint16(o), int(order.Uint16(o[2:]))
		if code == optEndOfOpt {
			break
		}
		if l > len(o)-4 {
			return ngInterface{}, fmt.Errorf("option %d runs past the block", code)
		}
		v := o[4 : 4+l]
		switch {
		case code == optIfTsresol && l >= 1:
			res = v[0]
		case code == optIfTsoffset && l >= 8:
			in.offset = order.Uint64(v)
		}
		o = o[min(4+(l+3)&^3, len(o)):]
	}
	if res == 0 {
		res = defaultTsresol
	}
	if res&0x80 != 0 {
		if res&0x7f > 63 {
			return ngInterface{}, fmt.Errorf("timestamp resolution 2^-%d", res&0x7f)
		}
		in.units = 1 << (res & 0x7f)
	} else {
		if res > 19 {
			return ngInterface{}, fmt.Errorf("timestamp resolution 10^-%d", res)
		}
		in.units = 1
		for range res {
			in.units *= 10
		}
	}
	return in, nil
}
