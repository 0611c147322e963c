package interop

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"

	"github.com/tdswire/tdswire/examples/internal/peer"
	"github.com/tdswire/tdswire/krb5"
	"github.com/tdswire/tdswire/login7"
	"github.com/tdswire/tdswire/spnego"
	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tokens"
)

// The Kerberos captures in ../testdata/captures were taken by
// TestKerberosLogins with TDSWIRE_CAPTURE_DIR: FreeTDS tsql (raw Kerberos,
// mutual authentication) and go-mssqldb 1.11.2 (SPNEGO through gokrb5)
// logging in to examples/server with tickets from the test's MIT KDC
// (realm TDSWIRE.TEST, server port 43669), and tsql refused twice: with
// only another service's keys in the server's keytab, and with a ticket of
// key version 3 where the keytab holds version 2.

// capturedLogin is what one TDS login of a capture carried.
type capturedLogin struct {
	port     int
	login7   []byte   // LOGIN7's SSPI field
	sspiMsgs [][]byte // client SSPI messages (0x11)
	sspiToks [][]byte // server SSPI tokens (0xED)
	errNum   int32    // first ERROR token's number, 0 if none
	loginAck bool
}

// readCapture reassembles the one TCP conversation of a capture file
// (loopback, no loss: segments in order) and decodes its TDS messages.
func readCapture(t *testing.T, name string) capturedLogin {
	t.Helper()
	f, err := os.Open("../testdata/captures/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := pcapgo.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var cl capturedLogin
	var client, server bytes.Buffer
	for {
		data, _, err := r.ReadPacketData()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		p := gopacket.NewPacket(data, r.LinkType(), gopacket.Default)
		tcp, _ := p.Layer(layers.LayerTypeTCP).(*layers.TCP)
		if tcp == nil || len(tcp.Payload) == 0 {
			continue
		}
		if cl.port == 0 {
			// The client sends first (PRELOGIN): its destination is the server.
			cl.port = int(tcp.DstPort)
		}
		if int(tcp.DstPort) == cl.port {
			client.Write(tcp.Payload)
		} else {
			server.Write(tcp.Payload)
		}
	}
	cr := tds.NewReader(&client)
	for {
		h, msg, err := cr.ReadMessage()
		if err != nil {
			break
		}
		switch h.Type {
		case tds.PacketLogin7:
			var l login7.Login7
			if err := l.Decode(msg); err != nil {
				t.Fatalf("LOGIN7: %v", err)
			}
			cl.login7 = bytes.Clone(l.SSPI)
		case tds.PacketSSPI:
			var m login7.SSPIMessage
			if err := m.Decode(msg); err != nil {
				t.Fatal(err)
			}
			cl.sspiMsgs = append(cl.sspiMsgs, bytes.Clone(m.Data))
		}
	}
	sr := tds.NewReader(&server)
	for first := true; ; first = false {
		_, msg, err := sr.ReadMessage()
		if err != nil {
			break
		}
		if first {
			continue // the PRELOGIN response
		}
		s := tokens.NewScanner(msg, tds.Version74)
		for {
			typ, err := s.Next()
			if err != nil {
				break
			}
			switch typ {
			case tokens.TokenSSPI:
				var x tokens.SSPI
				if err := s.SSPI(&x); err != nil {
					t.Fatal(err)
				}
				cl.sspiToks = append(cl.sspiToks, bytes.Clone(x.Buffer))
			case tokens.TokenError:
				var m tokens.Message
				if err := s.Message(&m); err == nil && cl.errNum == 0 {
					cl.errNum = m.Number
				}
			case tokens.TokenLoginAck:
				cl.loginAck = true
			}
		}
	}
	if cl.login7 == nil {
		t.Fatalf("%s: no LOGIN7 found", name)
	}
	return cl
}

// apReqOf decodes the AP-REQ of a Kerberos GSS-API token.
func apReqOf(t *testing.T, tok []byte) krb5.APReq {
	t.Helper()
	var g krb5.GSSToken
	if err := g.Decode(tok); err != nil || g.ID != krb5.TokAPReq {
		t.Fatalf("Kerberos token: %v %v", g.ID, err)
	}
	var req krb5.APReq
	if err := req.Decode(g.Message); err != nil {
		t.Fatal(err)
	}
	return req
}

type wantAPReq struct {
	host      string // the SPN's second component before ":port"
	nameType  krb5.NameType
	kvno      uint32
	authKVNO  bool // the authenticator's EncryptedData has a kvno (gokrb5 sets one)
	mutual    bool
	cipherLen [2]int // ticket and authenticator cipher text lengths
}

func checkAPReq(t *testing.T, req krb5.APReq, port int, w wantAPReq) {
	t.Helper()
	var comps []string
	for c := range req.Ticket.SName.Components() {
		comps = append(comps, string(c))
	}
	if req.PVNO != 5 || req.MsgType != krb5.MsgAPReq || req.Ticket.TktVNO != 5 {
		t.Errorf("pvno %d msg-type %v tkt-vno %d", req.PVNO, req.MsgType, req.Ticket.TktVNO)
	}
	if string(req.Ticket.Realm) != "TDSWIRE.TEST" || req.Ticket.SName.Type != w.nameType ||
		!slices.Equal(comps, []string{"MSSQLSvc", w.host + ":" + strconv.Itoa(port)}) {
		t.Errorf("ticket realm %q sname %v %q", req.Ticket.Realm, req.Ticket.SName.Type, comps)
	}
	if kvno, ok := req.Ticket.EncPart.KVNO(); !ok || kvno != w.kvno || req.Ticket.EncPart.EType != krb5.AES256CTSHMACSHA196 {
		t.Errorf("ticket enc-part %v", req.Ticket.EncPart)
	}
	if _, ok := req.Authenticator.KVNO(); ok != w.authKVNO || req.Authenticator.EType != krb5.AES256CTSHMACSHA196 {
		t.Errorf("authenticator %v", req.Authenticator)
	}
	if req.Options.MutualRequired() != w.mutual || req.Options&^krb5.APOptionMutualRequired != 0 {
		t.Errorf("ap-options %v", req.Options)
	}
	if got := [2]int{len(req.Ticket.EncPart.Cipher), len(req.Authenticator.Cipher)}; got != w.cipherLen {
		t.Errorf("cipher lengths %v, want %v", got, w.cipherLen)
	}
}

// TestKerberosCaptures decodes every SSPI blob of the shipped Kerberos
// captures and checks each field.
func TestKerberosCaptures(t *testing.T) {
	t.Run("tsql", func(t *testing.T) {
		cl := readCapture(t, "kerberos-tsql.pcap")
		b, err := spnego.Classify(cl.login7)
		if err != nil || b.Kind != spnego.KindKerberos || b.Mech != spnego.MechKerberos || b.TokenID != spnego.TokIDAPReq {
			t.Fatalf("LOGIN7 SSPI: %v %v", b, err)
		}
		checkAPReq(t, apReqOf(t, cl.login7), cl.port, wantAPReq{host: "localhost", nameType: krb5.NTPrincipal, kvno: 2, mutual: true, cipherLen: capturedCipherLen(t, "tsql")})
		if len(cl.sspiMsgs) != 0 || len(cl.sspiToks) != 1 || !cl.loginAck || cl.errNum != 0 {
			t.Fatalf("exchange: %d SSPI messages, %d SSPI tokens, LOGINACK %v, error %d", len(cl.sspiMsgs), len(cl.sspiToks), cl.loginAck, cl.errNum)
		}
		var g krb5.GSSToken
		var rep krb5.APRep
		if err := g.Decode(cl.sspiToks[0]); err != nil || g.ID != krb5.TokAPRep {
			t.Fatalf("server SSPI token: %v %v", g.ID, err)
		}
		if err := rep.Decode(g.Message); err != nil {
			t.Fatal(err)
		}
		if _, ok := rep.EncPart.KVNO(); rep.PVNO != 5 || rep.EncPart.EType != krb5.AES256CTSHMACSHA196 || ok || len(rep.EncPart.Cipher) == 0 {
			t.Errorf("AP-REP %+v", rep)
		}
	})
	t.Run("go-mssqldb", func(t *testing.T) {
		cl := readCapture(t, "kerberos-go-mssqldb.pcap")
		b, err := spnego.Classify(cl.login7)
		if err != nil || b.Kind != spnego.KindSPNEGOInit || b.Mech != spnego.MechKerberos || b.TokenID != spnego.TokIDAPReq {
			t.Fatalf("LOGIN7 SSPI: %v %v", b, err)
		}
		var mechs []spnego.Mech
		for o := range b.Init.MechTypes.All() {
			mechs = append(mechs, o.Mech())
		}
		if !slices.Equal(mechs, []spnego.Mech{spnego.MechKerberos}) {
			t.Errorf("mechTypes %v", b.Init.MechTypes)
		}
		if _, ok := b.Init.ReqFlags(); ok || b.Init.MechListMIC != nil || b.Init.Init2 {
			t.Errorf("NegTokenInit optional fields: %+v", b.Init)
		}
		checkAPReq(t, apReqOf(t, b.Token), cl.port, wantAPReq{host: "localhos", nameType: krb5.NTPrincipal, kvno: 2, authKVNO: true, mutual: false, cipherLen: capturedCipherLen(t, "go-mssqldb")})
		if len(cl.sspiToks) != 1 || !cl.loginAck {
			t.Fatalf("%d SSPI tokens, LOGINACK %v", len(cl.sspiToks), cl.loginAck)
		}
		var resp spnego.NegTokenResp
		if err := resp.Decode(cl.sspiToks[0]); err != nil {
			t.Fatal(err)
		}
		if st, ok := resp.NegState(); !ok || st != spnego.AcceptCompleted || resp.SupportedMech.Mech() != spnego.MechKerberos || resp.ResponseToken != nil {
			t.Errorf("NegTokenResp %v", resp)
		}
	})
	for _, c := range []struct {
		name string
		kvno uint32
	}{{"tsql-other-spn", 2}, {"tsql-wrong-kvno", 3}} {
		t.Run(c.name, func(t *testing.T) {
			cl := readCapture(t, "kerberos-"+c.name+".pcap")
			checkAPReq(t, apReqOf(t, cl.login7), cl.port, wantAPReq{host: "localhost", nameType: krb5.NTPrincipal, kvno: c.kvno, mutual: true, cipherLen: capturedCipherLen(t, c.name)})
			if cl.errNum != 18452 || cl.loginAck || len(cl.sspiToks) != 0 {
				t.Errorf("error %d, LOGINACK %v, %d SSPI tokens; want ERROR 18452 alone", cl.errNum, cl.loginAck, len(cl.sspiToks))
			}
		})
	}
}

// capturedCipherLen is the cipher text lengths of each capture's AP-REQ,
// read off tshark's dissection (kerberos.cipher) when the captures were
// taken.
func capturedCipherLen(t *testing.T, name string) [2]int {
	t.Helper()
	lens := map[string][2]int{
		"tsql":            {368, 191},
		"go-mssqldb":      {368, 144},
		"tsql-other-spn":  {368, 191},
		"tsql-wrong-kvno": {349, 191},
	}
	return lens[name]
}

// TestKerberosCapturesTShark compares the Kerberos fields of the shipped
// captures as Wireshark's dissectors read them (kerberos.realm,
// kerberos.SNameString, kerberos.etype, kerberos.kvno, kerberos.ap_options,
// kerberos.name_type, and the lengths of kerberos.cipher) with the
// library's decoding.
func TestKerberosCapturesTShark(t *testing.T) {
	tshark := peer.TShark(t)
	for _, name := range []string{"tsql", "go-mssqldb", "tsql-other-spn", "tsql-wrong-kvno"} {
		t.Run(name, func(t *testing.T) {
			file := "../testdata/captures/kerberos-" + name + ".pcap"
			cl := readCapture(t, "kerberos-"+name+".pcap")
			out := peer.Run(context.Background(), peer.Cmd{Path: tshark, Args: []string{"-n", "-r", file,
				"-d", "tcp.port==" + strconv.Itoa(cl.port) + ",tds", "-Y", "kerberos.msg_type == 14",
				"-T", "fields", "-E", "separator=|",
				"-e", "kerberos.realm", "-e", "kerberos.SNameString", "-e", "kerberos.etype", "-e", "kerberos.kvno", "-e", "kerberos.ap_options", "-e", "kerberos.name_type", "-e", "kerberos.cipher"},
				Timeout: clientTimeout})
			if out.Err != nil {
				t.Fatalf("tshark: %v\n%s", out.Err, out.Output())
			}
			lines := strings.Split(strings.TrimSpace(string(out.Stdout)), "\n")
			if len(lines) != 1 {
				t.Fatalf("tshark found %d AP-REQs: %q", len(lines), out.Stdout)
			}
			f := strings.Split(lines[0], "|")
			tok := cl.login7
			if b, _ := spnego.Classify(tok); b.Kind == spnego.KindSPNEGOInit {
				tok = b.Token
			}
			req := apReqOf(t, tok)
			var comps []string
			for c := range req.Ticket.SName.Components() {
				comps = append(comps, string(c))
			}
			etypes := strconv.Itoa(int(req.Ticket.EncPart.EType)) + "," + strconv.Itoa(int(req.Authenticator.EType))
			kvno, _ := req.Ticket.EncPart.KVNO()
			kvnos := strconv.Itoa(int(kvno))
			if a, ok := req.Authenticator.KVNO(); ok {
				kvnos += "," + strconv.Itoa(int(a))
			}
			ours := []string{string(req.Ticket.Realm), strings.Join(comps, ","), etypes, kvnos,
				strconv.FormatUint(uint64(req.Options), 16), strconv.Itoa(int(req.Ticket.SName.Type)),
				strconv.Itoa(len(req.Ticket.EncPart.Cipher)) + "," + strconv.Itoa(len(req.Authenticator.Cipher))}
			// tshark prints ap_options as 8 hex digits (nothing for 0), and
			// the cipher texts in hex: compare their lengths.
			theirs := slices.Clone(f)
			if len(theirs) == len(ours) {
				if theirs[4] = strings.TrimLeft(theirs[4], "0"); theirs[4] == "" {
					theirs[4] = "0"
				}
				var lens []string
				for _, c := range strings.Split(theirs[6], ",") {
					lens = append(lens, strconv.Itoa(len(c)/2))
				}
				theirs[6] = strings.Join(lens, ",")
			}
			if len(theirs) != len(ours) || !slices.Equal(theirs, ours) {
				t.Errorf("realm|SNameString|etype|kvno|ap_options|name_type|cipher lengths:\ntshark %q\n  ours %q", theirs, ours)
			}
		})
	}
}
