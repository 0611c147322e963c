package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tdswire/tdswire/examples/internal/peer"
	"github.com/tdswire/tdswire/tokens"
)

// tsharkFields are the Wireshark fields compared with tdstrace's -json
// records, frame by frame. Wireshark 4.0 has no field for a token's type;
// the fields of the LOGINACK, ERROR, ENVCHANGE and DONE family stand for
// their tokens, one value per token.
var tsharkFields = []string{
	"tds.type", "tds.status", "tds.length", "tds.channel", "tds.packet_number", "tds.window",
	"tds.prelogin.option.version", "tds.prelogin.option.encryption", "tds.prelogin.option.mars",
	"tds.7login.version", "tds.7login.username", "tds.7login.appname", "tds.7login.servername", "tds.7login.clientname", "tds.7login.databasename",
	"tds.loginack.tdsversion", "tds.error.number", "tds.envchange.type",
	"tds.done.status", "tds.doneproc.status", "tds.doneinproc.status",
	"smp.flags", "smp.sid", "smp.length", "smp.seqnum", "smp.wndw",
	"ntlmssp.messagetype", "ntlmssp.auth.username", "ntlmssp.auth.domain",
}

// checkTShark has tshark dissect file (server on port) and compares its
// fields with what tdstrace records for every frame of the capture.
func checkTShark(t *testing.T, file string, port int) {
	t.Helper()
	tshark := peer.TShark(t)
	args := []string{"-n", "-r", file, "-d", "tcp.port==" + strconv.Itoa(port) + ",tds", "-T", "fields",
		"-E", "occurrence=a", "-E", "aggregator=,", "-e", "frame.number"}
	for _, f := range tsharkFields {
		args = append(args, "-e", f)
	}
	r := peer.Run(context.Background(), peer.Cmd{Path: tshark, Args: args, Timeout: 60 * time.Second})
	if r.Err != nil {
		t.Fatalf("tshark: %v\n%s", r.Err, r.Output())
	}
	theirs := map[int][]string{}
	for _, line := range strings.Split(strings.TrimRight(string(r.Stdout), "\n"), "\n") {
		v := strings.Split(line, "\t")
		n, err := strconv.Atoi(v[0])
		if err != nil {
			t.Fatalf("tshark line %q", line)
		}
		theirs[n] = append(v[1:], make([]string, len(tsharkFields)+1-len(v))...)
	}
	_, frames := summaries(t, file, itoa(port))
	ours := map[int]*FrameRecord{}
	for _, f := range frames {
		ours[f.Frame] = f
	}
	compared := 0
	for n, got := range theirs {
		want := tsharkView(ours[n])
		for i, field := range tsharkFields {
			// Known tshark bug: Wireshark 4.0 also reads LOGIN7's
			// ibExtension/cbExtension pair ([MS-TDS] 2.2.6.4, the offset of
			// a DWORD that points to FeatureExt) as a second ServerName
			// string, and prints a character or two of garbage after the
			// real name. Only the first value is compared.
			if field == "tds.7login.servername" {
				first, extra, found := strings.Cut(got[i], ",")
				if found {
					t.Logf("frame %d: tshark's second tds.7login.servername %q is the ibExtension field", n, extra)
				}
				got[i] = first
			}
			if got[i] == want[i] {
				if got[i] != "" {
					compared++
				}
				continue
			}
			// Known gap: Wireshark 4.0 does not look inside the server's
			// SSPI token ([MS-TDS] 2.2.7.22), so the NTLM CHALLENGE_MESSAGE
			// it carries ([MS-NLMP] 2.2.1.2) has no ntlmssp fields there.
			// The token's SSPIBuffer is the NTLM message itself, as 2.2.7.22
			// says and tdstrace decodes it.
			if field == "ntlmssp.messagetype" && got[i] == "" && want[i] == "0x00000002" {
				t.Logf("frame %d: tshark shows no NTLM CHALLENGE in the SSPI token; tdstrace does ([MS-TDS] 2.2.7.22)", n)
				continue
			}
			t.Errorf("frame %d: %s: tshark %q, tdstrace %q", n, field, got[i], want[i])
		}
	}
	if compared == 0 {
		t.Fatal("tshark and tdstrace agreed on nothing: no TDS in the capture?")
	}
	t.Logf("tshark and tdstrace agree on %d field values over %d frames", compared, len(theirs))
}

// tsharkView writes a frame record as tshark prints tsharkFields.
func tsharkView(f *FrameRecord) []string {
	vals := make([][]string, len(tsharkFields))
	add := func(field string, v string) {
		for i, name := range tsharkFields {
			if name == field {
				vals[i] = append(vals[i], v)
			}
		}
	}
	if f != nil {
		for _, p := range f.PDUs {
			if s := p.SMP; s != nil {
				add("smp.flags", fmt.Sprintf("0x%02x", smpFlagByte(s.Flags)))
				add("smp.sid", strconv.Itoa(int(s.SID)))
				add("smp.length", strconv.Itoa(int(s.Length)))
				add("smp.seqnum", fmt.Sprintf("0x%08x", s.SeqNum))
				add("smp.wndw", fmt.Sprintf("0x%08x", s.Wndw))
			}
			if h := p.TDS; h != nil {
				add("tds.type", strconv.Itoa(int(h.Type)))
				add("tds.status", fmt.Sprintf("0x%02x", h.Status))
				add("tds.length", strconv.Itoa(int(h.Length)))
				add("tds.channel", strconv.Itoa(int(h.SPID)))
				add("tds.packet_number", strconv.Itoa(int(h.PacketID)))
				add("tds.window", strconv.Itoa(int(h.Window)))
			}
			m := p.Message
			if m == nil {
				continue
			}
			if pl := m.Prelogin; pl != nil {
				var a, b, c, d int
				fmt.Sscanf(pl.Version, "%d.%d.%d.%d", &a, &b, &c, &d)
				add("tds.prelogin.option.version", strconv.Itoa(a<<24|b<<16|c))
				if pl.EncryptionByte != nil {
					add("tds.prelogin.option.encryption", strconv.Itoa(int(*pl.EncryptionByte)))
				}
				if pl.MARS != nil {
					add("tds.prelogin.option.mars", map[bool]string{false: "0", true: "1"}[*pl.MARS])
				}
			}
			if l := m.Login7; l != nil {
				add("tds.7login.version", "0x"+hexInParens(l.TDSVersion))
				add("tds.7login.username", l.UserName)
				add("tds.7login.appname", l.AppName)
				add("tds.7login.servername", l.ServerName)
				add("tds.7login.clientname", l.HostName)
				add("tds.7login.databasename", l.Database)
			}
			for _, tk := range m.Tokens {
				// Known gap: Wireshark 4.0 shows RETURNVALUE ([MS-TDS]
				// 2.2.7.19, sent for sp_prepexec's handle) as "Token -
				// Unknown" and dissects nothing after it, so tdstrace's
				// tokens after a RETURNVALUE are not compared.
				if tokens.TokenType(tk.Code) == tokens.TokenReturnValue {
					break
				}
				switch tokens.TokenType(tk.Code) {
				case tokens.TokenLoginAck:
					add("tds.loginack.tdsversion", "0x"+hexInParens(tk.TDSVersion))
				case tokens.TokenError:
					add("tds.error.number", strconv.Itoa(int(*tk.Number)))
				case tokens.TokenEnvChange:
					add("tds.envchange.type", strconv.Itoa(int(tk.EnvCode)))
				case tokens.TokenDone:
					add("tds.done.status", fmt.Sprintf("0x%04x", *tk.DoneStatus))
				case tokens.TokenDoneProc:
					add("tds.doneproc.status", fmt.Sprintf("0x%04x", *tk.DoneStatus))
				case tokens.TokenDoneInProc:
					add("tds.doneinproc.status", fmt.Sprintf("0x%04x", *tk.DoneStatus))
				}
			}
			if n := m.NTLM; n != nil {
				add("ntlmssp.messagetype", fmt.Sprintf("0x%08x", ntlmTypeCode(n.Type)))
				if n.Type == "AUTHENTICATE" {
					add("ntlmssp.auth.username", n.User)
					add("ntlmssp.auth.domain", n.Domain)
				}
			}
		}
	}
	out := make([]string, len(tsharkFields))
	for i, v := range vals {
		out[i] = strings.Join(v, ",")
	}
	return out
}

func smpFlagByte(name string) int {
	switch name {
	case "SYN":
		return 0x01
	case "ACK":
		return 0x02
	case "FIN":
		return 0x04
	case "DATA":
		return 0x08
	}
	return -1
}

func ntlmTypeCode(name string) int {
	switch name {
	case "NEGOTIATE":
		return 1
	case "CHALLENGE":
		return 2
	case "AUTHENTICATE":
		return 3
	}
	return 0
}

// hexInParens returns the digits of "7.4 (0x74000004)" after "0x".
func hexInParens(s string) string {
	if i := strings.Index(s, "(0x"); i >= 0 {
		return strings.TrimSuffix(s[i+3:], ")")
	}
	return s
}

// TestTSharkShippedCaptures compares tshark and tdstrace on the captures
// shipped in ../testdata/captures.
func TestTSharkShippedCaptures(t *testing.T) {
	for _, name := range []string{"tsql-ntlm-login-tls.pcap", "odbc-mars.pcap", "odbc-mars.pcapng"} {
		t.Run(name, func(t *testing.T) {
			file := "../testdata/captures/" + name
			ss, _ := summaries(t, file)
			if len(ss) != 1 {
				t.Fatalf("%d conversations", len(ss))
			}
			_, port, _ := strings.Cut(ss[0].Server, ":")
			p, _ := strconv.Atoi(port)
			checkTShark(t, file, p)
		})
	}
}
