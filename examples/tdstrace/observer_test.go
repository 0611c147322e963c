package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/tdswire/tdswire/tdsconn"
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
