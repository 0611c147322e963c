package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tdsconn"
	"github.com/tdswire/tdswire/tokens"
)

// TestObserverOnCaptures runs a bare tdsconn.Observer over the shipped
// captures, read with this command's pcap reader but without its
// Conv: each TCP payload is fed as it comes (the loopback captures have
// no loss or reordering, which the test checks), and what the observer
// says of each message must be what the captures' .txt frame lists
// (checked against tshark by TestTSharkShippedCaptures) say.
func TestObserverOnCaptures(t *testing.T) {
	for _, tc := range []struct {
		file       string
		serverPort uint16
		want       []string
		encryption tdsconn.Encryption
	}{{
		file: "tsql-ntlm-login-tls.pcap", serverPort: 34047,
		want: []string{
			"4 client PRELOGIN request prelogin",
			"6 server PRELOGIN response tls handshake",
			"8 client TLS handshake tls handshake",
			"9 server TLS handshake tls handshake",
			"10 client TLS handshake tls handshake",
			"11 server TLS handshake tls handshake",
			"12 client encrypted login",
			"13 server login response login", // NTLM CHALLENGE
			"14 client SSPI login",           // NTLM AUTHENTICATE
			"15 server login response logged in",
			"16 client SQL batch logged in",
			"17 server response logged in",
		},
		encryption: tdsconn.EncryptionLoginOnly,
	}, {
		file: "odbc-mars.pcap", serverPort: 46179,
		want: []string{
			"4 client PRELOGIN request prelogin",
			"6 server PRELOGIN response login",
			"8 client LOGIN7 login",
			"9 server login response logged in",
			"10 client none logged in", // SMP SYN
			"10 client RPC logged in",
			"11 server response logged in",
			"12 client RPC logged in",
			"13 server response logged in",
			"14 client RPC logged in",
			"15 server response logged in",
			"16 client RPC logged in",
			"17 server response logged in",
		},
		encryption: tdsconn.EncryptionNone,
	}} {
		t.Run(tc.file, func(t *testing.T) {
			f, err := os.Open("../testdata/captures/" + tc.file)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			var o tdsconn.Observer
			var next [2]uint32
			var started [2]bool
			var got []string
			frame := 0
			err = readCapture(f, func(_ captureInfo, s *segment) {
				frame++
				if s == nil || len(s.payload) == 0 {
					if s != nil && s.flags&tcpSYN != 0 {
						d := 0
						if s.src.Port() == tc.serverPort {
							d = 1
						}
						next[d], started[d] = s.seq+1, true
					}
					return
				}
				d := tdsconn.ClientToServer
				if s.src.Port() == tc.serverPort {
					d = tdsconn.ServerToClient
				}
				if !started[d] || s.seq != next[d] {
					t.Fatalf("frame %d: segment at %d, expected %d: the capture is not in order", frame, s.seq, next[d])
				}
				next[d] += uint32(len(s.payload))
				for ev, err := range o.Events(d, s.payload) {
					if err != nil {
						t.Fatalf("frame %d: %v", frame, err)
					}
					if ev.Kind != tdsconn.KindNone || ev.Unit == tdsconn.UnitSMP {
						got = append(got, strings.Join([]string{strconv.Itoa(frame), ev.Dir.String(), ev.Kind.String(), ev.Phase.String()}, " "))
					}
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("observer:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
			if e := o.Encryption(); e != tc.encryption {
				t.Errorf("Encryption() = %v, want %v", e, tc.encryption)
			}
			if o.Phase() != tdsconn.PhaseLoggedIn || o.PacketSize() != 4096 {
				t.Errorf("Phase() = %v, PacketSize() = %d; want logged in, 4096", o.Phase(), o.PacketSize())
			}
		})
	}
}

// An observer over a capture: the TCP payloads of the shipped tsql
// capture (NTLM login under login-only TLS), read with this command's
// pcap reader and fed to a tdsconn.Observer by direction.
func Example_observer() {
	f, err := os.Open("../testdata/captures/tsql-ntlm-login-tls.pcap")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Close()
	const serverPort = 34047
	var o tdsconn.Observer
	err = readCapture(f, func(_ captureInfo, s *segment) {
		if s == nil || len(s.payload) == 0 {
			return
		}
		d := tdsconn.ClientToServer
		if s.src.Port() == serverPort {
			d = tdsconn.ServerToClient
		}
		for ev, err := range o.Events(d, s.payload) {
			if err != nil {
				fmt.Println(err)
				return
			}
			if ev.Kind != tdsconn.KindNone {
				fmt.Println(ev)
			}
		}
	})
	if err != nil {
		fmt.Println(err)
	}
	fmt.Println("encryption:", o.Encryption())
	// Output:
	// client PRELOGIN request [prelogin] 50 bytes
	// server PRELOGIN response [tls handshake] 35 bytes
	// client TLS handshake [tls handshake], 1 TLS records
	// server TLS handshake [tls handshake], 4 TLS records
	// client TLS handshake [tls handshake], 3 TLS records
	// server TLS handshake [tls handshake], 3 TLS records
	// client encrypted [login], 1 TLS records
	// server login response [login] 125 bytes, SSPI round 1 (122 bytes)
	// client SSPI [login] 212 bytes, SSPI round 2 (212 bytes)
	// server login response [logged in] 365 bytes, LOGINACK TDS 7.4 (0x74000004), packet size 4096
	// client SQL batch [logged in] 40 bytes
	// server response [logged in] 31 bytes
	// encryption: login only
}

// TestLoginOnlyWithTicket: under login-only encryption a TLS 1.3 server
// may send a protected record (a session ticket, RFC 8446 4.6.1) on TCP
// after the handshake, before the client's LOGIN7; the observer keeps it
// in the handshake, so the conversation still reads "login only".
func TestLoginOnlyWithTicket(t *testing.T) {
	// PRELOGIN of [MS-TDS] 4.1 with ENCRYPT_OFF (0x00) and the server's
	// answer of testdata/hex/prelogin-response.hex with ENCRYPT_OFF:
	// OFF/OFF encrypts the login packet only (2.2.6.5).
	cliPL := mustHex("12 01 00 2F 00 00 01 00 00 00 1A 00 06 01 00 20 00 01 02 00 21 00 01 03 00 22 00 04 04 00 26 00" +
		"01 FF 09 00 00 00 00 00 00 00 B8 0D 00 00 00")
	srvPL := mustHex("04 01 00 20 00 00 01 00 00 00 10 00 06 01 00 16 00 01 04 00 17 00 01 ff 10 00 0f a0 00 00 00 00")
	hello := mustHex("12 01 00 12 00 00 00 00 16 03 01 00 05 01 00 00 01 03")    // ClientHello in PRELOGIN
	srvHello := mustHex("12 01 00 12 00 00 00 00 16 03 03 00 05 02 00 00 01 03") // ServerHello in PRELOGIN
	ticket := mustHex("17 03 03 00 04 A1 A2 A3 A4")                              // protected, on TCP
	login := mustHex("17 03 03 00 06 B1 B2 B3 B4 B5 B6")                         // LOGIN7 inside TLS
	resp := fixed(tokens.LoginAck{Interface: 1, TDSVersion: tds.Version74, ProgName: tds.UCS2(tds.AppendUCS2(nil, "Microsoft SQL Server"))}.Append(nil))
	resp = tokens.Done{}.Append(resp, tds.Version74)
	ss := traceSynth(t, func(s *synth) {
		c := s.conn("10.10.10.10:49300", "10.10.10.20:1433")
		c.handshake()
		c.send(true, fPSH|fACK, cliPL)
		c.send(false, fPSH|fACK, srvPL)
		c.send(true, fPSH|fACK, hello)
		c.send(false, fPSH|fACK, srvHello)
		c.send(false, fPSH|fACK, ticket)
		c.send(true, fPSH|fACK, login)
		c.send(false, fPSH|fACK, packet(tds.PacketResponse, resp))
	})
	s := ss[0]
	if s.Encryption != "login only" || s.Login != "succeeded" {
		t.Fatalf("encryption %q, login %q; want login only, succeeded", s.Encryption, s.Login)
	}
	if got := stepNames(s); got != "TCP handshake,Driver handshake (PRELOGIN),TLS handshake,Login packet,Login confirmation" {
		t.Errorf("steps %s", got)
	}
}
