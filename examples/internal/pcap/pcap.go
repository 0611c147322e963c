package pcap

import (
	"encoding/binary"
	"errors"
	"io"
	"net/netip"
	"time"
)

// LinkTypeRaw is the pcap link type for packets that begin with an IP
// header.
const LinkTypeRaw = 101

// maxSegment bounds the payload of one TCP segment in the file; longer
// payloads are split, as a real stack would.
const maxSegment = 16384

// Conversation is one TCP connection between a client and a server.
type Conversation struct {
	Client netip.AddrPort // IPv4 address and port of the client
	Server netip.AddrPort // IPv4 address and port of the server
	Start  time.Time      // timestamp of the first record
	// Close ends the conversation with the client's FIN, the server's
	// FIN and the client's last ACK; otherwise it is left open.
	Close bool
}

// Segment is data sent in one direction of the conversation.
type Segment struct {
	FromClient bool
	Payload    []byte
}

// Write writes a pcap file holding c's handshake followed by segs, in
// order, to w. Each segment is acknowledged by the peer's next segment.
func Write(w io.Writer, c Conversation, segs []Segment) error {
	if !c.Client.Addr().Is4() || !c.Server.Addr().Is4() {
		return errors.New("pcap: only IPv4 addresses are supported")
	}
	var hdr [24]byte
	binary.LittleEndian.PutUint32(hdr[0:], 0xa1b2c3d4)
	binary.LittleEndian.PutUint16(hdr[4:], 2)
	binary.LittleEndian.PutUint16(hdr[6:], 4)
	binary.LittleEndian.PutUint32(hdr[16:], 65535)
	binary.LittleEndian.PutUint32(hdr[20:], LinkTypeRaw)
	if _, err := w.Write(hdr[:]); err != nil {
		return err
	}
	wr := writer{w: w, c: c, ts: c.Start, cseq: 1000, sseq: 5000}
	const (
		syn = 0x02
		ack = 0x10
		psh = 0x08
	)
	wr.packet(true, syn, nil)
	wr.cseq++
	wr.packet(false, syn|ack, nil)
	wr.sseq++
	wr.packet(true, ack, nil)
	for _, s := range segs {
		p := s.Payload
		for len(p) > 0 {
			n := min(len(p), maxSegment)
			wr.packet(s.FromClient, psh|ack, p[:n])
			if s.FromClient {
				wr.cseq += uint32(n)
			} else {
				wr.sseq += uint32(n)
			}
			p = p[n:]
		}
	}
	if c.Close {
		const fin = 0x01
		wr.packet(true, fin|ack, nil)
		wr.cseq++
		wr.packet(false, fin|ack, nil)
		wr.sseq++
		wr.packet(true, ack, nil)
	}
	return wr.err
}

type writer struct {
	w          io.Writer
	c          Conversation
	ts         time.Time
	cseq, sseq uint32
	id         uint16
	err        error
}

// packet writes one record: IPv4 header, TCP header, payload.
func (wr *writer) packet(fromClient bool, flags byte, payload []byte) {
	if wr.err != nil {
		return
	}
	src, dst := wr.c.Client, wr.c.Server
	seq, ackn := wr.cseq, wr.sseq
	if !fromClient {
		src, dst = dst, src
		seq, ackn = ackn, seq
	}
	if flags == 0x02 { // a bare SYN acknowledges nothing
		ackn = 0
	}
	total := 20 + 20 + len(payload)
	b := make([]byte, 16, 16+total)
	binary.LittleEndian.PutUint32(b[0:], uint32(wr.ts.Unix()))
	binary.LittleEndian.PutUint32(b[4:], uint32(wr.ts.Nanosecond()/1000))
	binary.LittleEndian.PutUint32(b[8:], uint32(total))
	binary.LittleEndian.PutUint32(b[12:], uint32(total))
	wr.ts = wr.ts.Add(time.Millisecond)

	ip := len(b)
	s4, d4 := src.Addr().As4(), dst.Addr().As4()
	wr.id++
	b = append(b,
		0x45, 0, byte(total>>8), byte(total), // version 4, IHL 5, length
		byte(wr.id>>8), byte(wr.id), 0x40, 0, // id, don't fragment
		64, 6, 0, 0, // TTL, protocol TCP, checksum (below)
	)
	b = append(b, s4[:]...)
	b = append(b, d4[:]...)
	binary.BigEndian.PutUint16(b[ip+10:], checksum(b[ip:ip+20]))

	b = binary.BigEndian.AppendUint16(b, src.Port())
	b = binary.BigEndian.AppendUint16(b, dst.Port())
	b = binary.BigEndian.AppendUint32(b, seq)
	b = binary.BigEndian.AppendUint32(b, ackn)
	b = append(b, 5<<4, flags, 0xff, 0xff, 0, 0, 0, 0) // offset 5 words, window, checksum 0, urgent 0
	b = append(b, payload...)
	_, wr.err = wr.w.Write(b)
}

// checksum is the Internet checksum (RFC 1071) of b.
func checksum(b []byte) uint16 {
	var sum uint32
	for i := 0; i+1 < len(b); i += 2 {
		sum += uint32(b[i])<<8 | uint32(b[i+1])
	}
	if len(b)%2 == 1 {
		sum += uint32(b[len(b)-1]) << 8
	}
	for sum > 0xffff {
		sum = sum&0xffff + sum>>16
	}
	return ^uint16(sum)
}
