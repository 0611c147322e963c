package main

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
	"github.com/tdswire/tdswire/login7"
	"github.com/tdswire/tdswire/smp"
	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tokens"
)

// Messages for the hand-made captures.
var (
	// [MS-TDS] 4.1: a client's PRELOGIN (ENCRYPT_ON, MARS on).
	synPrelogin = mustHex("12 01 00 2F 00 00 01 00 00 00 1A 00 06 01 00 20 00 01 02 00 21 00 01 03 00 22 00 04 04 00 26 00" +
		"01 FF 09 00 00 00 00 00 01 00 B8 0D 00 00 01")
	// A server's PRELOGIN answer: VERSION 16.0.4000, ENCRYPT_NOT_SUP, MARS off
	// (as in testdata/hex/prelogin-response.hex).
	synPreloginResp = mustHex("04 01 00 20 00 00 01 00 00 00 10 00 06 01 00 16 00 01 04 00 17 00 01 ff 10 00 0f a0 00 00 02 00")
	// [MS-TDS] 4.2: a LOGIN7 at TDS 7.2 for user "sa" from "skostov1".
	synLogin7 = mustHex("10 01 00 90 00 00 01 00 88 00 00 00 02 00 09 72 00 10 00 00 00 00 00 07 00 01 00 00 00 00 00 00" +
		"E0 03 00 00 00 00 00 00 09 04 00 00 5E 00 08 00 6E 00 02 00 72 00 00 00 72 00 07 00 80 00 00 00" +
		"80 00 00 00 80 00 04 00 88 00 00 00 88 00 00 00 00 50 8B E2 B7 8F 88 00 00 00 88 00 00 00 88 00" +
		"00 00 00 00 00 00 73 00 6B 00 6F 00 73 00 74 00 6F 00 76 00 31 00 73 00 61 00 4F 00 53 00 51 00" +
		"4C 00 2D 00 33 00 32 00 4F 00 44 00 42 00 43 00")
	// A TLS record holding a ClientHello stub, sent on TCP before any
	// TDS: TDS 8.0 strict encryption.
	synClientHello = mustHex("16 03 01 00 05 01 00 00 01 03")
)

func mustHex(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

// fixed passes on the bytes of a tokens encoder given fixed, valid
// input (the synthetic responses of these tests), which cannot fail.
func fixed(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

// loginFailed is a server response with ERROR 18456 and DONE (DONE_ERROR).
func loginFailed() []byte {
	body := fixed(tokens.Message{Type: tokens.TokenError, Number: 18456, State: 1, Class: 14, MsgText: tds.UCS2(tds.AppendUCS2(nil, "Login failed for user 'sa'.")),
		ServerName: tds.UCS2(tds.AppendUCS2(nil, "SRV"))}.Append(nil, tds.Version72))
	body = tokens.Done{Status: 0x0002}.Append(body, tds.Version72)
	h := tds.Header{Type: tds.PacketResponse, Status: tds.StatusEOM, Length: uint16(tds.HeaderLen + len(body)), PacketID: 1}
	return append(h.Append(nil), body...)
}

// synth writes a hand-made Ethernet capture of TCP conversations.
type synth struct {
	t  testing.TB
	w  *pcapgo.Writer
	ts time.Time
}

type synConn struct {
	s          *synth
	cli, srv   netip.AddrPort
	cseq, sseq uint32
}

func newSynth(t testing.TB, buf *bytes.Buffer) *synth {
	w := pcapgo.NewWriter(buf)
	if err := w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	return &synth{t: t, w: w, ts: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (s *synth) conn(cli, srv string) *synConn {
	return &synConn{s: s, cli: netip.MustParseAddrPort(cli), srv: netip.MustParseAddrPort(srv), cseq: 1000, sseq: 9000}
}

const (
	fSYN = tcpSYN
	fACK = tcpACK
	fFIN = tcpFIN
	fRST = tcpRST
	fPSH = tcpPSH
)

// at writes a segment with an explicit sequence number (for reordering
// and retransmissions); it does not advance the connection's sequence.
func (c *synConn) at(fromClient bool, flags uint8, seq uint32, payload []byte) {
	s := c.s
	src, dst, ack := c.cli, c.srv, c.sseq
	if !fromClient {
		src, dst, ack = c.srv, c.cli, c.cseq
	}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: net.IP(src.Addr().AsSlice()), DstIP: net.IP(dst.Addr().AsSlice())}
	tcp := &layers.TCP{SrcPort: layers.TCPPort(src.Port()), DstPort: layers.TCPPort(dst.Port()), Seq: seq, Ack: ack, Window: 512,
		SYN: flags&fSYN != 0, ACK: flags&fACK != 0, FIN: flags&fFIN != 0, RST: flags&fRST != 0, PSH: flags&fPSH != 0}
	if err := tcp.SetNetworkLayerForChecksum(ip); err != nil {
		s.t.Fatal(err)
	}
	eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, EthernetType: layers.EthernetTypeIPv4}
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip, tcp, gopacket.Payload(payload)); err != nil {
		s.t.Fatal(err)
	}
	s.ts = s.ts.Add(time.Millisecond)
	b := buf.Bytes()
	if err := s.w.WritePacket(gopacket.CaptureInfo{Timestamp: s.ts, CaptureLength: len(b), Length: len(b)}, b); err != nil {
		s.t.Fatal(err)
	}
}

// send writes a segment and advances the sender's sequence number.
func (c *synConn) send(fromClient bool, flags uint8, payload []byte) {
	seq := &c.cseq
	if !fromClient {
		seq = &c.sseq
	}
	c.at(fromClient, flags, *seq, payload)
	*seq += uint32(len(payload))
	if flags&(fSYN|fFIN) != 0 {
		*seq++
	}
}

func (c *synConn) handshake() {
	c.send(true, fSYN, nil)
	c.send(false, fSYN|fACK, nil)
	c.send(true, fACK, nil)
}

func (c *synConn) prelogin() {
	c.send(true, fPSH|fACK, synPrelogin)
	c.send(false, fPSH|fACK, synPreloginResp)
}

// traceSynth writes the capture built by fn and explains it.
func traceSynth(t *testing.T, fn func(s *synth), args ...string) []*Summary {
	t.Helper()
	var buf bytes.Buffer
	s := newSynth(t, &buf)
	fn(s)
	file := filepath.Join(t.TempDir(), "synth.pcap")
	if err := os.WriteFile(file, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	ss, _ := summaries(t, file, args...)
	return ss
}

func TestEndings(t *testing.T) {
	t.Run("server FIN first", func(t *testing.T) {
		ss := traceSynth(t, func(s *synth) {
			c := s.conn("10.10.10.10:60123", "10.10.10.120:1433")
			c.handshake()
			c.prelogin()
			c.send(false, fFIN|fACK, nil)
			c.send(true, fFIN|fACK, nil)
			c.send(false, fACK, nil)
		})
		if len(ss) != 1 || ss[0].Ending != "server FIN first" || !ss[0].Abnormal || ss[0].Login != "not seen" {
			t.Fatalf("%+v", ss)
		}
		// 4.1's client asks for ENCRYPT_ON; a server without TLS answers
		// ENCRYPT_NOT_SUP, and [MS-TDS] 2.2.6.5 says the connection ends.
		if ss[0].Negotiated != "Error (connection terminated)" && !strings.Contains(ss[0].Negotiated, "terminat") {
			t.Errorf("negotiated %q", ss[0].Negotiated)
		}
		if !strings.Contains(ss[0].Explanation, "the server closed first (abnormal)") {
			t.Errorf("explanation %q", ss[0].Explanation)
		}
	})
	t.Run("login failure and client reset", func(t *testing.T) {
		ss := traceSynth(t, func(s *synth) {
			c := s.conn("10.10.10.10:60124", "10.10.10.120:1433")
			c.handshake()
			c.prelogin()
			c.send(true, fPSH|fACK, synLogin7)
			c.send(false, fPSH|fACK, loginFailed())
			c.send(true, fRST|fACK, nil)
		})
		s := ss[0]
		if s.Login != "failed" || s.ErrorNumber != 18456 || s.ErrorMessage != "Login failed for user 'sa'." || s.Ending != "client RST" || !s.Abnormal {
			t.Fatalf("%+v", s)
		}
		if s.Authentication != "SQL" || s.User != "sa" || s.RequestedVersion != "7.2 (0x72090002)" || s.TDSVersion != "" {
			t.Errorf("auth %q user %q versions %q %q", s.Authentication, s.User, s.RequestedVersion, s.TDSVersion)
		}
		if got := stepNames(s); got != "TCP handshake,Driver handshake (PRELOGIN),Login packet,Login failure,Close" {
			t.Errorf("steps %s", got)
		}
	})
	t.Run("server reset", func(t *testing.T) {
		ss := traceSynth(t, func(s *synth) {
			c := s.conn("10.10.10.10:60125", "10.10.10.120:1433")
			c.handshake()
			c.send(true, fPSH|fACK, synPrelogin)
			c.send(false, fRST|fACK, nil)
		})
		if ss[0].Ending != "server RST" || !ss[0].Abnormal {
			t.Fatalf("%+v", ss[0])
		}
	})
	t.Run("capture loss", func(t *testing.T) {
		ss := traceSynth(t, func(s *synth) {
			c := s.conn("10.10.10.10:60127", "10.10.10.120:1433")
			c.handshake()
			c.prelogin()
			c.cseq += 100 // 100 bytes the capture never saw
			c.send(true, fFIN|fACK, nil)
			c.send(false, fFIN|fACK, nil)
		})
		if !ss[0].CaptureLoss || ss[0].Ending != "client FIN" {
			t.Fatalf("%+v", ss[0])
		}
	})
	t.Run("open", func(t *testing.T) {
		ss := traceSynth(t, func(s *synth) {
			c := s.conn("10.10.10.10:60126", "10.10.10.120:1433")
			c.handshake()
			c.prelogin()
		})
		if ss[0].Ending != "open" || ss[0].Abnormal {
			t.Fatalf("%+v", ss[0])
		}
	})
}

func stepNames(s *Summary) string {
	var n []string
	for _, st := range s.Steps {
		n = append(n, st.Name)
	}
	return strings.Join(n, ",")
}

// TestServerSide checks how tdstrace tells the server's end: -port, port
// 1433, or, without either, the side that sends PRELOGIN first, even when
// the capture starts after the TCP handshake and the server's segment
// comes first.
func TestServerSide(t *testing.T) {
	build := func(s *synth) {
		a := s.conn("10.0.0.1:40000", "10.0.0.2:50000")
		a.send(false, fACK, nil) // mid-stream: the server's ACK comes first
		a.prelogin()
		b := s.conn("10.0.0.1:40001", "10.0.0.3:1433")
		b.handshake()
		b.prelogin()
	}
	ss := traceSynth(t, build)
	if len(ss) != 2 {
		t.Fatalf("%d conversations, want 2", len(ss))
	}
	if ss[0].Server != "10.0.0.2:50000" || ss[0].ClientBy != "PRELOGIN" {
		t.Errorf("first conversation: server %s (by %s)", ss[0].Server, ss[0].ClientBy)
	}
	if ss[1].Server != "10.0.0.3:1433" || ss[1].ClientBy != "port" {
		t.Errorf("second conversation: server %s (by %s)", ss[1].Server, ss[1].ClientBy)
	}
	ss = traceSynth(t, build, "50000")
	if len(ss) != 1 || ss[0].Server != "10.0.0.2:50000" || ss[0].ClientBy != "port" {
		t.Errorf("-port 50000: %+v", ss)
	}
}

// TestReassembly sends LOGIN7 in three segments, out of order and with a
// retransmission, and a TDS 8.0 connection whose first bytes are TLS.
func TestReassembly(t *testing.T) {
	ss := traceSynth(t, func(s *synth) {
		c := s.conn("10.0.0.1:40000", "10.0.0.2:1433")
		c.handshake()
		c.prelogin()
		l := synLogin7
		c.at(true, fACK, c.cseq+100, l[100:])
		c.at(true, fACK, c.cseq, l[:60])
		c.at(true, fACK, c.cseq, l[:60]) // retransmitted
		c.at(true, fPSH|fACK, c.cseq+50, l[50:100])
		c.cseq += uint32(len(l))
		c.send(false, fPSH|fACK, loginFailed())

		d := s.conn("10.0.0.1:40001", "10.0.0.2:1433")
		d.handshake()
		d.send(true, fPSH|fACK, synClientHello)
	})
	if len(ss) != 2 {
		t.Fatalf("%d conversations", len(ss))
	}
	if ss[0].User != "sa" || ss[0].Login != "failed" {
		t.Errorf("reordered LOGIN7: %+v", ss[0])
	}
	if ss[1].Encryption != "strict (TDS 8.0)" {
		t.Errorf("TLS first: encryption %q", ss[1].Encryption)
	}
}

// TestStreamMatchesKeep checks that writing frames while reading (as the
// command does) gives the same text and JSON as writing after reading,
// on interleaved conversations whose versions settle at different times.
func TestStreamMatchesKeep(t *testing.T) {
	var buf bytes.Buffer
	s := newSynth(t, &buf)
	a := s.conn("10.0.0.1:40000", "10.0.0.2:1433")
	b := s.conn("10.0.0.1:40001", "10.0.0.2:1433")
	c := s.conn("10.0.0.1:40002", "10.0.0.2:1433")
	a.handshake()
	b.handshake()
	a.prelogin()
	c.handshake()
	b.prelogin()
	b.send(true, fPSH|fACK, synLogin7)
	a.send(true, fPSH|fACK, synLogin7)
	c.prelogin()
	a.send(false, fPSH|fACK, loginFailed())
	a.send(true, fFIN|fACK, nil)
	b.send(false, fPSH|fACK, loginFailed())
	a.send(false, fFIN|fACK, nil)
	c.send(true, fRST|fACK, nil) // c is over: retired at once
	a.send(true, fACK, nil)      // the last ACK: a is over, retired
	b.send(true, fPSH|fACK, synPrelogin)
	file := buf.Bytes()
	for _, jsonOut := range []bool{false, true} {
		keep := NewTracer(1433, false)
		if err := keep.Read(bytes.NewReader(file)); err != nil {
			t.Fatal(err)
		}
		var want, got bytes.Buffer
		w := bufio.NewWriter(&want)
		if jsonOut {
			keep.WriteJSON(w)
		} else {
			keep.WriteText(w)
		}
		w.Flush()
		w = bufio.NewWriter(&got)
		st := NewStreamTracer(1433, false, w, jsonOut)
		if err := st.Read(bytes.NewReader(file)); err != nil {
			t.Fatal(err)
		}
		if err := st.Finish(); err != nil {
			t.Fatal(err)
		}
		w.Flush()
		if got.String() != want.String() {
			t.Errorf("json %v: streaming differs:\n%s", jsonOut, lineDiff(want.String(), got.String()))
		}
		// The closed conversations were spooled and dropped, the open one
		// kept (spool.go).
		if len(st.Convs) != 3 || st.Convs[0] != nil || st.Convs[1] == nil || st.Convs[2] != nil {
			t.Errorf("json %v: conversations kept after the trace: %v, want only the second", jsonOut, st.Convs)
		}
		if !strings.Contains(want.String(), "7.2 (0x72090002)") {
			t.Errorf("json %v: no TDS version in the output:\n%s", jsonOut, want.String())
		}
	}
}

// packet wraps a message body in one TDS packet with EOM.
func packet(t tds.PacketType, body []byte) []byte {
	h := tds.Header{Type: t, Status: tds.StatusEOM, Length: uint16(tds.HeaderLen + len(body)), PacketID: 1}
	return append(h.Append(nil), body...)
}

// TestKerberos logs in with integrated security whose SSPI token is a
// GSS-API Kerberos token (RFC 4121 4.1: APPLICATION 0, then the Kerberos V5
// mechanism OID 1.2.840.113554.1.2.2), answered by an SSPI token and
// LOGINACK, as in the seed's Kerberos trace (an SSPI token in the login
// response).
func TestKerberos(t *testing.T) {
	krb := []byte{0x60, 0x0f, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02, 0x01, 0x00, 0x6e, 0x00}
	l := login7.Login7{TDSVersion: tds.Version74, PacketSize: 4096, OptionFlags2: login7.FIntSecurity,
		HostName: tds.UCS2(tds.AppendUCS2(nil, "WS1")), AppName: tds.UCS2(tds.AppendUCS2(nil, "app")), SSPI: krb}
	body, err := l.Append(nil)
	if err != nil {
		t.Fatal(err)
	}
	resp := fixed(tokens.SSPI{Buffer: []byte{0x6f, 0x00}}.Append(nil))
	resp = fixed(tokens.LoginAck{Interface: 1, TDSVersion: tds.Version74, ProgName: tds.UCS2(tds.AppendUCS2(nil, "Microsoft SQL Server"))}.Append(resp))
	resp = tokens.Done{}.Append(resp, tds.Version74)
	ss := traceSynth(t, func(s *synth) {
		c := s.conn("10.10.10.10:49299", "10.10.10.20:1433")
		c.handshake()
		c.prelogin()
		c.send(true, fPSH|fACK, packet(tds.PacketLogin7, body))
		c.send(false, fPSH|fACK, packet(tds.PacketResponse, resp))
	})
	s := ss[0]
	if s.Authentication != "Kerberos" || s.Login != "succeeded" || s.TDSVersion != "7.4 (0x74000004)" {
		t.Fatalf("%+v", s)
	}
	if got := stepNames(s); got != "TCP handshake,Driver handshake (PRELOGIN),Login packet,SSPI,Login confirmation" {
		t.Errorf("steps %s", got)
	}
}

// smpPacket builds an SMP packet ([MC-SMP] 2.2.1) carrying data.
func smpPacket(t *testing.T, fl smp.Flags, sid uint16, seq, wndw uint32, data []byte) []byte {
	b, err := smp.Header{Flags: fl, SID: sid, SeqNum: seq, Wndw: wndw}.AppendPacket(nil, data)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestMARSSessions opens two MARS sessions after a login, runs a batch on
// each, and closes them (SMP SYN, DATA, ACK, FIN, [MC-SMP] 2.2.1.1), with
// one TCP segment carrying two SMP packets.
func TestMARSSessions(t *testing.T) {
	ack := fixed(tokens.LoginAck{Interface: 1, TDSVersion: tds.Version74, ProgName: tds.UCS2(tds.AppendUCS2(nil, "Microsoft SQL Server"))}.Append(nil))
	ack = tokens.Done{}.Append(ack, tds.Version74)
	l := login7.Login7{TDSVersion: tds.Version74, PacketSize: 4096, UserName: tds.UCS2(tds.AppendUCS2(nil, "sa")),
		HostName: tds.UCS2(tds.AppendUCS2(nil, "WS1")), AppName: tds.UCS2(tds.AppendUCS2(nil, "app"))}
	login, err := l.Append(nil)
	if err != nil {
		t.Fatal(err)
	}
	batch := mustHex("01 01 00 2a 00 00 01 00 16 00 00 00 12 00 00 00 02 00 00 00 00 00 00 00 00 00 01 00 00 00" +
		"73 00 65 00 6c 00 65 00 63 00 74 00 20 00 31 00") // SQLBatch "select 1" with ALL_HEADERS (2.2.6.7, 2.2.5.3)
	done := packet(tds.PacketResponse, tokens.Done{Status: 0x0010, RowCount: 1}.Append(nil, tds.Version74))
	ss := traceSynth(t, func(s *synth) {
		c := s.conn("10.10.10.10:52965", "10.10.10.22:1433")
		c.handshake()
		c.send(true, fPSH|fACK, synPrelogin)
		// A server that grants MARS (B_MARS 0x01) and encryption not supported.
		c.send(false, fPSH|fACK, mustHex("04 01 00 20 00 00 01 00 00 00 10 00 06 01 00 16 00 01 04 00 17 00 01 ff 10 00 0f a0 00 00 02 01"))
		c.send(true, fPSH|fACK, packet(tds.PacketLogin7, login))
		c.send(false, fPSH|fACK, packet(tds.PacketResponse, ack))
		c.send(true, fPSH|fACK, append(smpPacket(t, smp.FlagSYN, 0, 0, 4, nil), smpPacket(t, smp.FlagDATA, 0, 1, 4, batch)...))
		c.send(false, fPSH|fACK, smpPacket(t, smp.FlagDATA, 0, 1, 5, done))
		c.send(true, fPSH|fACK, smpPacket(t, smp.FlagSYN, 1, 0, 4, nil))
		c.send(true, fPSH|fACK, smpPacket(t, smp.FlagDATA, 1, 1, 4, batch))
		c.send(false, fPSH|fACK, smpPacket(t, smp.FlagDATA, 1, 1, 5, done))
		c.send(true, fPSH|fACK, smpPacket(t, smp.FlagACK, 1, 1, 5, nil))
		c.send(true, fPSH|fACK, smpPacket(t, smp.FlagFIN, 1, 1, 5, nil))
		c.send(false, fPSH|fACK, smpPacket(t, smp.FlagFIN, 1, 1, 5, nil))
		c.send(true, fPSH|fACK, smpPacket(t, smp.FlagFIN, 0, 1, 5, nil))
		c.send(true, fFIN|fACK, nil)
		c.send(false, fFIN|fACK, nil)
	})
	s := ss[0]
	if !s.MARSRequested || !s.MARSGranted || fmt.Sprint(s.MARSOpened) != "[0 1]" || fmt.Sprint(s.MARSClosed) != "[1 0]" {
		t.Errorf("MARS requested %v granted %v opened %v closed %v", s.MARSRequested, s.MARSGranted, s.MARSOpened, s.MARSClosed)
	}
	if s.Commands["SQLBatch"] != 2 || s.Login != "succeeded" || s.Ending != "client FIN" {
		t.Errorf("%+v", s)
	}
}
