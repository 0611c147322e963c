package tdsconn

import (
	"errors"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tds/tdstest"
)

// chunk is the bytes one peer sends in a conversation file.
type chunk struct {
	dir Direction
	b   []byte
}

// readConv reads a conversation written by hand in testdata: "@client"
// and "@server" lines start each peer's bytes, written as tdstest hex.
func readConv(t testing.TB, name string) []chunk {
	t.Helper()
	chunks, err := loadConv(name)
	if err != nil {
		t.Fatal(err)
	}
	return chunks
}

func loadConv(name string) ([]chunk, error) {
	text, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		return nil, err
	}
	var out []chunk
	var body strings.Builder
	dir := Direction(0)
	started := false
	flush := func() error {
		if !started {
			return nil
		}
		b, err := tdstest.ParseHex(body.String())
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		out = append(out, chunk{dir, b})
		body.Reset()
		return nil
	}
	for _, line := range strings.Split(string(text), "\n") {
		switch strings.TrimSpace(line) {
		case "@client", "@server":
			if err := flush(); err != nil {
				return nil, err
			}
			started, dir = true, ClientToServer
			if strings.TrimSpace(line) == "@server" {
				dir = ServerToClient
			}
			continue
		}
		body.WriteString(line)
		body.WriteByte('\n')
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return out, nil
}

// describe is a one-line account of an event, for comparing with the
// expectations written in the tests.
func describe(ev *Event) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%v ", ev.Dir)
	switch ev.Unit {
	case UnitPacket:
		fmt.Fprintf(&b, "packet %v", ev.Header.Type)
		if !ev.First {
			b.WriteString(" cont")
		}
		if ev.InSMP {
			fmt.Fprintf(&b, " sid %d", ev.SMP.SID)
		}
	case UnitSMP:
		fmt.Fprintf(&b, "smp %v sid %d", ev.SMP.Flags, ev.SMP.SID)
	case UnitTLS:
		b.WriteString("tls")
	}
	fmt.Fprintf(&b, ": %v [%v]", ev.Kind, ev.Phase)
	for _, r := range ev.TLS {
		fmt.Fprintf(&b, " rec%d", r.ContentType)
		if r.Protected {
			b.WriteString("p")
		}
	}
	if ev.Login != nil {
		fmt.Fprintf(&b, " user %q tds %v", ev.Login.UserName.String(), ev.Login.TDSVersion)
	}
	if ev.Prelogin != nil {
		fmt.Fprintf(&b, " enc %v mars %v", ev.Prelogin.Encryption, ev.Prelogin.MARS)
	}
	if ev.Round != 0 {
		fmt.Fprintf(&b, " round %d (%d bytes)", ev.Round, len(ev.SSPI))
	}
	if ev.LoginAck != nil {
		fmt.Fprintf(&b, " loginack %v", ev.LoginAck.Negotiated())
	}
	if ev.LoginError != nil {
		fmt.Fprintf(&b, " error %d", ev.LoginError.Number)
	}
	if ev.PacketSize != 0 {
		fmt.Fprintf(&b, " packetsize %d", ev.PacketSize)
	}
	if ev.AttentionAck {
		b.WriteString(" attnack")
	}
	if ev.Unit == UnitPacket && ev.Kind != KindNone && ev.Kind != KindTLSHandshake {
		fmt.Fprintf(&b, " len %d", len(ev.Payload))
	}
	if ev.Err != nil {
		fmt.Fprintf(&b, " err %v", ev.Err)
	}
	return b.String()
}

// observe feeds the chunks, each cut into pieces by split, and returns
// the events described.
func observe(t testing.TB, o *Observer, chunks []chunk, split func([]byte) [][]byte) []string {
	t.Helper()
	var got []string
	for _, c := range chunks {
		for _, piece := range split(c.b) {
			for ev, err := range o.Events(c.dir, piece) {
				if err != nil {
					t.Fatalf("%v: %v", c.dir, err)
				}
				got = append(got, describe(ev))
			}
		}
	}
	return got
}

func whole(b []byte) [][]byte { return [][]byte{b} }

func bytewise(b []byte) [][]byte {
	out := make([][]byte, len(b))
	for i := range b {
		out[i] = b[i : i+1 : i+1]
	}
	return out
}

func randomly(seed int64) func([]byte) [][]byte {
	r := rand.New(rand.NewSource(seed))
	return func(b []byte) [][]byte {
		var out [][]byte
		for len(b) > 0 {
			n := 1 + r.Intn(len(b))
			out = append(out, b[:n:n])
			b = b[n:]
		}
		return out
	}
}

var goldenConvs = []struct {
	file       string
	want       []string
	encryption Encryption
	phase      Phase
	version    tds.Version
	packetSize int
}{{
	file: "sql-login-tds72.conv",
	want: []string{
		"client packet Prelogin: PRELOGIN request [prelogin] enc ENCRYPT_NOT_SUP mars true len 39",
		"server packet Response: PRELOGIN response [login] enc ENCRYPT_NOT_SUP mars true len 35",
		`client packet Login7: LOGIN7 [login] user "sa" tds 7.2 (0x72090002) len 136`,
		"server packet Response: login response [logged in] loginack 7.2 (0x72090002) packetsize 4096 len 345",
		"client packet SQLBatch: SQL batch [logged in] len 84",
		"server packet Response: none [logged in]",
		"server packet Response cont: response [logged in] len 43",
		"client packet Attention: attention [logged in] len 0",
		"server packet Response: response [logged in] attnack len 13",
	},
	encryption: EncryptionNone, phase: PhaseLoggedIn, version: tds.Version72, packetSize: 4096,
}, {
	file: "tls-login-only-sspi-mars.conv",
	want: []string{
		"client packet Prelogin: PRELOGIN request [prelogin] enc ENCRYPT_OFF mars true len 39",
		"server packet Response: PRELOGIN response [tls handshake] enc ENCRYPT_OFF mars true len 35",
		"client packet Prelogin: TLS handshake [tls handshake] rec22",
		"server packet Prelogin: TLS handshake [tls handshake]",
		"server packet Prelogin: TLS handshake [tls handshake] rec22",
		"client packet Prelogin: TLS handshake [tls handshake] rec20 rec22p",
		"server packet Prelogin: TLS handshake [tls handshake] rec20 rec22p",
		"client tls: encrypted [login] rec23p",
		"server packet Response: login response [login] round 1 (104 bytes) len 107",
		"client packet SSPI: SSPI [login] round 2 (86 bytes) len 86",
		"server packet Response: login response [logged in] loginack 7.2 (0x72090002) packetsize 4096 len 345",
		"client smp SYN sid 0: none [logged in]",
		"client packet Attention sid 0: attention [logged in] len 0",
		"server packet Response sid 0: response [logged in] attnack len 13",
		"client smp FIN sid 0: none [logged in]",
	},
	encryption: EncryptionLoginOnly, phase: PhaseLoggedIn, version: tds.Version72, packetSize: 4096,
}, {
	file: "strict.conv",
	want: []string{
		"client tls: TLS handshake [tls handshake] rec22",
		"server tls: TLS handshake [tls handshake] rec22",
		"server tls: TLS handshake [tls handshake] rec20",
		"client tls: encrypted [encrypted] rec23p",
		"server tls: encrypted [encrypted] rec23p",
	},
	encryption: EncryptionStrict, phase: PhaseEncrypted, version: tds.Version74,
}, {
	file: "full-encryption.conv",
	want: []string{
		"client packet Prelogin: PRELOGIN request [prelogin] enc ENCRYPT_ON mars true len 39",
		"server packet Response: PRELOGIN response [tls handshake] enc ENCRYPT_ON mars false len 35",
		"client packet Prelogin: TLS handshake [tls handshake] rec22",
		"server packet Response: TLS handshake [tls handshake] rec22",
		"client tls: encrypted [login] rec23p",
		"server tls: encrypted [login] rec23p",
		"server tls: encrypted [login] rec23p",
		"client tls: encrypted [encrypted] rec23p",
	},
	encryption: EncryptionFull, phase: PhaseEncrypted, version: tds.Version74,
}, {
	// Real traffic: the frame list of
	// examples/testdata/captures/tsql-ntlm-login-tls.txt (checked against
	// tshark) says what each frame is; the lengths are its PayloadLen
	// less the 8-byte packet header.
	file: "capture-tsql-ntlm-login-tls.conv",
	want: []string{
		"client packet Prelogin: PRELOGIN request [prelogin] enc ENCRYPT_OFF mars false len 50",                // frame 4
		"server packet Response: PRELOGIN response [tls handshake] enc ENCRYPT_OFF mars false len 35",          // frame 6
		"client packet Prelogin: TLS handshake [tls handshake] rec22",                                          // 8: Client Hello
		"server packet Prelogin: TLS handshake [tls handshake] rec22 rec22 rec22 rec22",                        // 9: Server Hello, Certificate, Server Key Exchange, Server Hello Done
		"client packet Prelogin: TLS handshake [tls handshake] rec22 rec20 rec22p",                             // 10: Client Key Exchange, Cipher Change Spec, encrypted Finished
		"server packet Prelogin: TLS handshake [tls handshake] rec22 rec20 rec22p",                             // 11: New Session Ticket, Cipher Change Spec, encrypted Finished
		"client tls: encrypted [login] rec23p",                                                                 // 12: LOGIN7 inside TLS
		"server packet Response: login response [login] round 1 (122 bytes) len 125",                           // 13: NTLM CHALLENGE
		"client packet SSPI: SSPI [login] round 2 (212 bytes) len 212",                                         // 14: NTLM AUTHENTICATE
		"server packet Response: login response [logged in] loginack 7.4 (0x74000004) packetsize 4096 len 365", // 15
		"client packet SQLBatch: SQL batch [logged in] len 40",                                                 // 16: "select 1"
		"server packet Response: response [logged in] len 31",                                                  // 17
	},
	encryption: EncryptionLoginOnly, phase: PhaseLoggedIn, version: tds.Version74, packetSize: 4096,
}, {
	// Real traffic: examples/testdata/captures/odbc-mars.txt.
	file: "capture-odbc-mars.conv",
	want: []string{
		"client packet Prelogin: PRELOGIN request [prelogin] enc ENCRYPT_NOT_SUP mars true len 50",             // frame 4
		"server packet Response: PRELOGIN response [login] enc ENCRYPT_NOT_SUP mars true len 35",               // 6
		`client packet Login7: LOGIN7 [login] user "sa" tds 7.4 (0x74000004) len 179`,                          // 8
		"server packet Response: login response [logged in] loginack 7.4 (0x74000004) packetsize 4096 len 365", // 9
		"client smp SYN sid 0: none [logged in]",                                                               // 10: SMP SYN, then
		"client packet RPCRequest sid 0: RPC [logged in] len 81",                                               // 10: 121 - 16 - 16 - 8
		"server packet Response sid 0: response [logged in] len 67",                                            // 11: 91 - 16 - 8
		"client packet RPCRequest sid 0: RPC [logged in] len 37",                                               // 12: Sp_Unprepare
		"server packet Response sid 0: response [logged in] len 18",                                            // 13
		"client packet RPCRequest sid 0: RPC [logged in] len 105",                                              // 14: Sp_PrepExec
		"server packet Response sid 0: response [logged in] len 236",                                           // 15
		"client packet RPCRequest sid 0: RPC [logged in] len 37",                                               // 16
		"server packet Response sid 0: response [logged in] len 18",                                            // 17
	},
	encryption: EncryptionNone, phase: PhaseLoggedIn, version: tds.Version74, packetSize: 4096,
}}

// TestGoldenConversations feeds the hand-written conversations whole, a
// byte at a time and in random pieces, and checks the account of every
// unit against the one written by hand from the specification.
func TestGoldenConversations(t *testing.T) {
	for _, gc := range goldenConvs {
		t.Run(gc.file, func(t *testing.T) {
			chunks := readConv(t, gc.file)
			splits := map[string]func([]byte) [][]byte{"whole": whole, "bytewise": bytewise, "random1": randomly(1), "random2": randomly(2)}
			for name, split := range splits {
				var o Observer
				got := observe(t, &o, chunks, split)
				if strings.Join(got, "\n") != strings.Join(gc.want, "\n") {
					t.Errorf("%s: events:\n%s\nwant:\n%s", name, strings.Join(got, "\n"), strings.Join(gc.want, "\n"))
				}
				if e := o.Encryption(); e != gc.encryption {
					t.Errorf("%s: Encryption() = %v, want %v", name, e, gc.encryption)
				}
				if p := o.Phase(); p != gc.phase {
					t.Errorf("%s: Phase() = %v, want %v", name, p, gc.phase)
				}
				if v := o.Version(); v != gc.version {
					t.Errorf("%s: Version() = %v, want %v", name, v, gc.version)
				}
				if n := o.PacketSize(); n != gc.packetSize {
					t.Errorf("%s: PacketSize() = %d, want %d", name, n, gc.packetSize)
				}
				for _, d := range []Direction{ClientToServer, ServerToClient} {
					if n := o.Buffered(d); n != 0 {
						t.Errorf("%s: Buffered(%v) = %d after a complete conversation", name, d, n)
					}
				}
			}
		})
	}
}

// TestLoginWithoutPrelogin: older clients send LOGIN7 first when
// encryption is off ([MS-TDS] 3.2.5.1 allows it; SQL Server serves them).
func TestLoginWithoutPrelogin(t *testing.T) {
	chunks := readConv(t, "sql-login-tds72.conv")[2:] // from LOGIN7 on
	var o Observer
	got := observe(t, &o, chunks, whole)
	if want := `client packet Login7: LOGIN7 [login] user "sa" tds 7.2 (0x72090002) len 136`; got[0] != want {
		t.Errorf("first event %q, want %q", got[0], want)
	}
	if e := o.Encryption(); e != EncryptionNone {
		t.Errorf("Encryption() = %v, want none", e)
	}
	if o.Phase() != PhaseLoggedIn {
		t.Errorf("Phase() = %v", o.Phase())
	}
}

// TestLoginFailed: an ERROR without LOGINACK ends the login with
// failure ([MS-TDS] 2.2.7.10); the bytes are the login-failed response
// of tokens/testdata/login_failed.hex with a packet header written by
// hand.
func TestLoginFailed(t *testing.T) {
	body := tdstest.ReadHex(t, "../tokens/testdata/login_failed.hex")
	h := tds.Header{Type: tds.PacketResponse, Status: tds.StatusEOM, Length: uint16(tds.HeaderLen + len(body)), PacketID: 1}
	chunks := readConv(t, "sql-login-tds72.conv")[:3]
	chunks = append(chunks, chunk{ServerToClient, append(h.Append(nil), body...)})
	var o Observer
	got := observe(t, &o, chunks, whole)
	last := got[len(got)-1]
	if !strings.HasPrefix(last, "server packet Response: login response [login failed] error 18456") {
		t.Errorf("last event %q", last)
	}
	if o.Phase() != PhaseFailed {
		t.Errorf("Phase() = %v, want login failed", o.Phase())
	}
}

// TestObserverErrors checks the errors that stop a direction: their type,
// class, phase and offset, and that the other direction goes on.
func TestObserverErrors(t *testing.T) {
	prelogin := readConv(t, "sql-login-tds72.conv")[0].b
	t.Run("not TDS", func(t *testing.T) {
		var o Observer
		b := append(append([]byte(nil), prelogin...), 0x7f, 0x01, 0x00, 0x08, 0, 0, 0, 0)
		var err error
		n := 0
		for ev, e := range o.Events(ClientToServer, b) {
			if e != nil {
				err = e
				break
			}
			_ = ev
			n++
		}
		var oe *ObserverError
		if !errors.As(err, &oe) || !errors.Is(err, tds.ErrMalformed) || !errors.Is(err, ErrObserver) {
			t.Fatalf("error %v (%T), want an *ObserverError of class ErrMalformed", err, err)
		}
		if oe.Offset != int64(len(prelogin)) || oe.Phase != PhasePrelogin || oe.Dir != ClientToServer || n != 1 {
			t.Errorf("error %+v after %d events; want offset %d, phase prelogin", oe, n, len(prelogin))
		}
		if o.Err(ClientToServer) != err {
			t.Errorf("Err() = %v", o.Err(ClientToServer))
		}
		// The direction is not decoded further; the other one is.
		for ev, e := range o.Events(ClientToServer, prelogin) {
			t.Errorf("event %v, %v from a stopped direction", ev, e)
		}
		resp := readConv(t, "sql-login-tds72.conv")[1].b
		k := 0
		for _, e := range o.Events(ServerToClient, resp) {
			if e != nil {
				t.Fatal(e)
			}
			k++
		}
		if k != 1 {
			t.Errorf("%d server events, want 1", k)
		}
	})
	t.Run("message too large", func(t *testing.T) {
		var o Observer
		o.SetMaxMessageSize(100)
		pkt := func(status tds.Status) []byte {
			h := tds.Header{Type: tds.PacketSQLBatch, Status: status, Length: 8 + 60, PacketID: 1}
			return append(h.Append(nil), make([]byte, 60)...)
		}
		var err error
		for _, e := range o.Events(ClientToServer, append(pkt(0), pkt(0)...)) {
			if e != nil {
				err = e
			}
		}
		if !errors.Is(err, tds.ErrTooLarge) {
			t.Fatalf("error %v, want ErrTooLarge", err)
		}
		var oe *ObserverError
		if errors.As(err, &oe); oe.Offset != 68 {
			t.Errorf("offset %d, want 68 (the second packet)", oe.Offset)
		}
		if o.Buffered(ClientToServer) != 0 {
			t.Errorf("Buffered = %d after the failure", o.Buffered(ClientToServer))
		}
	})
	t.Run("SMP length", func(t *testing.T) {
		var o Observer
		o.SetMaxMessageSize(1000)
		b := []byte{0x53, 0x08, 0, 0, 0xff, 0xff, 0xff, 0x7f, 1, 0, 0, 0, 4, 0, 0, 0}
		var err error
		for _, e := range o.Events(ClientToServer, b) {
			err = e
		}
		if !errors.Is(err, tds.ErrTooLarge) {
			t.Fatalf("error %v, want ErrTooLarge", err)
		}
	})
	t.Run("SMP DATA without TDS", func(t *testing.T) {
		var o Observer
		b := []byte{0x53, 0x08, 1, 0, 0x18, 0, 0, 0, 1, 0, 0, 0, 4, 0, 0, 0, 0x99, 1, 0, 8, 0, 0, 1, 0}
		var got []string
		for ev, e := range o.Events(ClientToServer, b) {
			if e != nil {
				t.Fatal(e)
			}
			got = append(got, describe(ev))
		}
		if len(got) != 1 || !strings.Contains(got[0], "smp DATA sid 1") || !strings.Contains(got[0], "does not hold a TDS packet") {
			t.Errorf("events %q", got)
		}
	})
}

// TestHeldBytesBounded: many MARS sessions each holding part of a
// message cannot make an Observer hold more than its bound.
func TestHeldBytesBounded(t *testing.T) {
	var o Observer
	o.SetMaxMessageSize(4096)
	var err error
	for sid := 0; sid < 1000 && err == nil; sid++ {
		// An SMP DATA packet of session sid with a SQL batch packet
		// without EOM: 500 bytes of a message that never ends.
		tp := tds.Header{Type: tds.PacketSQLBatch, Length: 8 + 500, PacketID: 1}
		data := append(tp.Append(nil), make([]byte, 500)...)
		sh := []byte{0x53, 0x08, byte(sid), byte(sid >> 8), 0, 0, 0, 0, 1, 0, 0, 0, 4, 0, 0, 0}
		l := 16 + len(data)
		sh[4], sh[5] = byte(l), byte(l>>8)
		for _, e := range o.Events(ClientToServer, append(sh, data...)) {
			if e != nil {
				err = e
			}
		}
		if n := o.Buffered(ClientToServer); n > 2*4096 {
			t.Fatalf("holds %d bytes", n)
		}
	}
	if !errors.Is(err, tds.ErrTooLarge) {
		t.Fatalf("error %v, want ErrTooLarge", err)
	}
}

// TestBreakKeepsBytes: bytes an iteration broken off did not reach are
// decoded by the next one.
func TestBreakKeepsBytes(t *testing.T) {
	chunks := readConv(t, "sql-login-tds72.conv")
	var o Observer
	var all []byte
	for _, c := range chunks {
		if c.dir == ClientToServer {
			all = append(all, c.b...)
		}
	}
	for ev, err := range o.Events(ClientToServer, all[:50]) {
		if err != nil || ev.Kind != KindPreloginRequest {
			t.Fatalf("first event %v, %v", ev, err)
		}
		break // the rest of the 50 bytes is not decoded yet
	}
	var kinds []Kind
	for ev, err := range o.Events(ClientToServer, all[50:]) {
		if err != nil {
			t.Fatal(err)
		}
		kinds = append(kinds, ev.Kind)
	}
	want := []Kind{KindLogin7, KindSQLBatch, KindAttention}
	if fmt.Sprint(kinds) != fmt.Sprint(want) {
		t.Errorf("kinds %v, want %v", kinds, want)
	}
}

func TestStrings(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{ClientToServer.String(), "client"}, {Direction(7).String(), "Direction(7)"},
		{PhaseTLSHandshake.String(), "tls handshake"}, {Phase(99).String(), "Phase(99)"},
		{KindLoginResponse.String(), "login response"}, {Kind(99).String(), "Kind(99)"},
		{EncryptionLoginOnly.String(), "login only"}, {Encryption(9).String(), "Encryption(9)"},
	} {
		if c.got != c.want {
			t.Errorf("%q, want %q", c.got, c.want)
		}
	}
	if !KindRPC.IsRequest() || KindResponse.IsRequest() {
		t.Error("IsRequest")
	}
}

// TestObserverAllocs pins a logged-in conversation's steady state: a
// request and its response decoded where they lie allocate nothing.
func TestObserverAllocs(t *testing.T) {
	chunks := readConv(t, "sql-login-tds72.conv")
	var o Observer
	observe(t, &o, chunks[:4], whole)
	batch, resp := chunks[4].b, chunks[5].b
	n := testing.AllocsPerRun(100, func() {
		for _, c := range []chunk{{ClientToServer, batch}, {ServerToClient, resp}} {
			for _, err := range o.Events(c.dir, c.b) {
				if err != nil {
					break
				}
			}
		}
	})
	if n != 0 {
		t.Errorf("%v allocations per request and response", n)
	}
}

// BenchmarkObserverRequest measures a logged-in request and its
// two-packet response through the Observer.
func BenchmarkObserverRequest(b *testing.B) {
	chunks := readConv(b, "sql-login-tds72.conv")
	var o Observer
	observe(b, &o, chunks[:4], whole)
	batch, resp := chunks[4].b, chunks[5].b
	b.ReportAllocs()
	b.SetBytes(int64(len(batch) + len(resp)))
	for b.Loop() {
		for _, c := range []chunk{{ClientToServer, batch}, {ServerToClient, resp}} {
			for _, err := range o.Events(c.dir, c.b) {
				if err != nil {
					break
				}
			}
		}
	}
}

// BenchmarkObserverConversation measures a whole conversation, login
// included, with a new Observer each time.
func BenchmarkObserverConversation(b *testing.B) {
	chunks := readConv(b, "tls-login-only-sspi-mars.conv")
	b.ReportAllocs()
	for b.Loop() {
		var o Observer
		for _, c := range chunks {
			for _, err := range o.Events(c.dir, c.b) {
				if err != nil {
					break
				}
			}
		}
	}
}

// TestCarryBounded: a unit cut by the caller's pieces is completed from
// the next piece without copying the rest of it.
func TestCarryBounded(t *testing.T) {
	var all []byte
	for i := 0; i < 2000; i++ {
		all = append(all, 0x06, 0x01, 0x00, 0x08, 0x00, 0x00, 0x01, 0x00) // [MS-TDS] 4.10 attention
	}
	var o Observer
	n := 0
	for _, piece := range [][]byte{all[:3], all[3:]} {
		for _, err := range o.Events(ClientToServer, piece) {
			if err != nil {
				t.Fatal(err)
			}
			n++
		}
	}
	if n != 2000 {
		t.Errorf("%d events, want 2000", n)
	}
	if c := cap(o.half[ClientToServer].carry); c > 64 {
		t.Errorf("carry buffer grew to %d bytes for an 8-byte packet", c)
	}
}

// TestEventPrinting: an event prints what it is under every verb, and
// never the bytes it carries (LOGIN7's obfuscated password, SSPI tokens).
func TestEventPrinting(t *testing.T) {
	chunks := readConv(t, "tls-login-only-sspi-mars.conv")
	var o Observer
	var lines []string
	for _, c := range chunks {
		for ev, err := range o.Events(c.dir, c.b) {
			if err != nil {
				t.Fatal(err)
			}
			for _, verb := range []string{"%v", "%+v", "%s", "%q", "%x", "%X", "%#v", "%d"} {
				s := fmt.Sprintf(verb, ev)
				if ev.SSPI != nil && strings.Contains(strings.ToLower(s), "4e544c4d") || strings.Contains(s, "NTLMSSP") {
					t.Errorf("%s of %v prints the SSPI token: %s", verb, ev.Kind, s)
				}
				if strings.Contains(s, "Payload") || strings.Contains(s, "Body") {
					t.Errorf("%s prints fields: %s", verb, s)
				}
			}
			lines = append(lines, ev.String())
		}
	}
	want := []string{
		"client PRELOGIN request [prelogin] 39 bytes",
		"server PRELOGIN response [tls handshake] 35 bytes",
		"client TLS handshake [tls handshake], 1 TLS records",
		"server TLS handshake [tls handshake]",
		"server TLS handshake [tls handshake], 1 TLS records",
		"client TLS handshake [tls handshake], 2 TLS records",
		"server TLS handshake [tls handshake], 2 TLS records",
		"client encrypted [login], 1 TLS records",
		"server login response [login] 107 bytes, SSPI round 1 (104 bytes)",
		"client SSPI [login] 86 bytes, SSPI round 2 (86 bytes)",
		"server login response [logged in] 345 bytes, LOGINACK TDS 7.2 (0x72090002), packet size 4096",
		"client smp SYN sid=0 [logged in]",
		"client attention [logged in] 0 bytes",
		"server response [logged in] 13 bytes, attention acknowledged",
		"client smp FIN sid=0 [logged in]",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("String:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	r := TLSRecord{ContentType: TLSApplicationData, Body: []byte("secret"), Protected: true}
	for _, verb := range []string{"%v", "%+v", "%x", "%#v", "%q"} {
		if s := fmt.Sprintf(verb, r); strings.Contains(s, "secret") || strings.Contains(s, "736563726574") {
			t.Errorf("%s prints the body: %s", verb, s)
		}
	}
	if s := r.String(); s != "TLS application_data, 6 bytes, protected" {
		t.Errorf("TLSRecord.String() = %q", s)
	}
}

// TestTicketBeforeLogin: a TLS 1.3 server may send protected records
// (session tickets, RFC 8446 4.6.1) on the transport after the handshake
// and before the client's LOGIN7; they do not answer the login.
func TestTicketBeforeLogin(t *testing.T) {
	chunks := readConv(t, "full-encryption.conv")
	ticket := chunk{ServerToClient, []byte{0x17, 0x03, 0x03, 0x00, 0x02, 0xAA, 0xBB}}
	chunks = append(chunks[:4:4], append([]chunk{ticket}, chunks[4:]...)...)
	var o Observer
	got := observe(t, &o, chunks, whole)
	want := []string{
		"server tls: encrypted [tls handshake] rec23p",
		"client tls: encrypted [login] rec23p",
		"server tls: encrypted [login] rec23p",
	}
	if strings.Join(got[4:7], "\n") != strings.Join(want, "\n") {
		t.Errorf("events:\n%s\nwant:\n%s", strings.Join(got[4:7], "\n"), strings.Join(want, "\n"))
	}
	if o.Encryption() != EncryptionFull {
		t.Errorf("Encryption() = %v", o.Encryption())
	}
}

// TestHandshakeWithoutPrelogin: a capture that starts at the TLS
// handshake (its PRELOGIN exchange missed) is still followed: the
// server's handshake in a tabular-result packet is TLS, not tokens.
func TestHandshakeWithoutPrelogin(t *testing.T) {
	chunks := readConv(t, "full-encryption.conv")[2:]
	var o Observer
	got := observe(t, &o, chunks, whole)
	want := []string{
		"client packet Prelogin: TLS handshake [tls handshake] rec22",
		"server packet Response: TLS handshake [tls handshake] rec22",
		"client tls: encrypted [login] rec23p",
	}
	if strings.Join(got[:3], "\n") != strings.Join(want, "\n") {
		t.Errorf("events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestReset: a Reset Observer explains a conversation as a new one does.
func TestReset(t *testing.T) {
	var o Observer
	o.SetMaxMessageSize(1 << 20)
	for _, gc := range goldenConvs {
		chunks := readConv(t, gc.file)
		got := observe(t, &o, chunks[:len(chunks)/2], bytewise) // leave it mid-conversation
		o.Reset()
		got = observe(t, &o, chunks, randomly(3))
		if strings.Join(got, "\n") != strings.Join(gc.want, "\n") {
			t.Errorf("%s after Reset:\n%s\nwant:\n%s", gc.file, strings.Join(got, "\n"), strings.Join(gc.want, "\n"))
		}
		if o.Encryption() != gc.encryption || o.Phase() != gc.phase {
			t.Errorf("%s after Reset: %v, %v", gc.file, o.Encryption(), o.Phase())
		}
		o.Reset()
	}
	if o.maxMsg != 1<<20 {
		t.Errorf("Reset lost the maximum message size")
	}
}
