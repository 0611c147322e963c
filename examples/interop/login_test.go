package interop

import (
	"encoding/binary"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/tdswire/tdswire/login7"
	"github.com/tdswire/tdswire/ntlm"
	"github.com/tdswire/tdswire/prelogin"
	"github.com/tdswire/tdswire/tds"
)

// loginCase is one real client configured one way, and what its LOGIN7
// must then carry.
type loginCase struct {
	name string
	run  func(t *testing.T, s *fakeServer)
	want wantLogin
}

// wantLogin is what a captured LOGIN7 must say. Fields the client was
// configured with come from the case's loginConfig; the rest
// (Library, Server, Language, and the host for clients that take it from
// the machine) are what that client is known to send.
type wantLogin struct {
	Version    tds.Version
	PacketSize uint32
	Host       string
	User       string // "" for NTLM logins
	Password   string // clear text; "" for NTLM logins
	App        string
	Server     string
	Library    string
	Language   string
	Database   string
	// IntSecurity is fIntSecurity in OptionFlags2: the login carries an
	// SSPI NEGOTIATE instead of a user name and password.
	IntSecurity bool
	// NTLM describes the NEGOTIATE message in the SSPI field, when
	// IntSecurity is set.
	NTLM wantNegotiate
	// DataStart is ibHostName, where the variable part begins: 94 for
	// the TDS 7.2+ fixed part, 86 for the TDS 7.0/7.1 one, which lacks
	// ibChangePassword, cchChangePassword and cbSSPILong.
	DataStart int
	// Extension is fExtension in OptionFlags3, and Features the
	// FeatureExt entries it points to, in order (TDS 7.4).
	Extension bool
	Features  []login7.FeatureID
	// Instance is the instance name in the client's PRELOGIN INSTOPT.
	Instance string
	// FirstPacketID is the PacketID of the client's first packet
	// ([MS-TDS] 2.2.3.1.5 says the value is ignored; clients differ).
	FirstPacketID uint8
}

// wantNegotiate is what an NTLM NEGOTIATE_MESSAGE must say,
// [MS-NLMP] 2.2.1.1.
type wantNegotiate struct {
	Flags       uint32
	Domain      string // DomainNameFields, OEM
	Workstation string // WorkstationFields, OEM; "" when not supplied
	Version     ntlm.Version
	HeaderLen   int // as ntlm.Negotiate.HeaderLen: 0 for the 40-byte fixed part
}

// hostname is what clients without a workstation setting (tsql) send as
// HostName: the machine's name.
func hostname(t *testing.T) string {
	h, err := os.Hostname()
	if err != nil {
		t.Fatalf("os.Hostname: %v", err)
	}
	return h
}

// winXP is the NEGOTIATE VERSION that FreeTDS sends: 5.1.2600, NTLMSSP
// revision 15.
var winXP = ntlm.Version{ProductMajorVersion: 5, ProductMinorVersion: 1, ProductBuild: 2600, NTLMRevisionCurrent: 15}

func loginCases(t *testing.T) []loginCase {
	host := hostname(t)

	goCfg := loginConfig{User: "alice", Password: password, App: "tdswire-go", Host: "WS-GO", Database: database, PacketSize: 8192}
	goWant := wantLogin{
		Version: tds.Version74, PacketSize: 8192, Host: "WS-GO", User: "alice", Password: password,
		App: "tdswire-go", Server: "127.0.0.1", Library: "go-mssqldb", Database: database,
		// go-mssqldb sends no language (cchLanguage 0), no FeatureExt
		// (fExtension clear) although it speaks 7.4, and an empty
		// instance name.
		DataStart: 94, FirstPacketID: 1,
	}
	goNTLM := goWant
	goNTLM.User, goNTLM.Password, goNTLM.IntSecurity = "", "", true
	// go-mssqldb's NTLM NEGOTIATE names the domain and the configured
	// workstation id, with flags 0x0008b201 ([MS-NLMP] 2.2.2.5):
	// UNICODE | NTLM | OEM_DOMAIN_SUPPLIED | OEM_WORKSTATION_SUPPLIED |
	// ALWAYS_SIGN | EXTENDED_SESSIONSECURITY, and no VERSION.
	// The fixed part is the 40-byte form with an all-zero VERSION, as
	// [MS-NLMP] 2.2.1.1 requires when NTLMSSP_NEGOTIATE_VERSION is clear.
	goNTLM.NTLM = wantNegotiate{Flags: 0x0008b201, Domain: "CONTOSO", Workstation: "WS-GO"}

	// tsql has no packet-size option; freetds.conf's "initial block size"
	// sets it (runTSQL writes it from PacketSize).
	tsqlCfg := loginConfig{User: "alice", Password: password, App: "tdswire-tsql", Database: database, PacketSize: 8192}
	tsqlWant := func(v tds.Version) wantLogin {
		w := wantLogin{
			Version: v, PacketSize: 8192, Host: host, User: "alice", Password: password,
			App: "tdswire-tsql", Server: "fake", Library: "TDS-Library", Language: "us_english", Database: database,
			// FreeTDS numbers its packets from 0, names the default
			// instance "MSSQLServer" in PRELOGIN, and asks for
			// UTF8_SUPPORT at 7.4.
			DataStart: 94, Instance: "MSSQLServer", FirstPacketID: 0,
		}
		if v == tds.Version74 {
			w.Extension, w.Features = true, []login7.FeatureID{login7.FeatureUTF8Support}
		}
		return w
	}
	tsqlNTLM := func(v tds.Version) wantLogin {
		w := tsqlWant(v)
		w.User, w.Password, w.IntSecurity = "", "", true
		// The same flags as go-mssqldb's; the workstation is the machine
		// name. Unlike go-mssqldb, FreeTDS fills VERSION with 5.1.2600
		// rev 15 (Windows XP) although NTLMSSP_NEGOTIATE_VERSION is clear,
		// where [MS-NLMP] 2.2.1.1 says the field "MUST be set to all
		// zero". The field is debugging information receivers ignore;
		// ntlm.Negotiate decodes it as sent. FreeTDS also places the
		// workstation before the domain in the payload.
		w.NTLM = wantNegotiate{Flags: 0x0008b201, Domain: "CONTOSO", Workstation: host, Version: winXP}
		return w
	}
	tsql71 := func(ntlm bool) wantLogin {
		w := tsqlWant(tds.Version71Rev1)
		if ntlm {
			w = tsqlNTLM(tds.Version74)
			w.Version = tds.Version71Rev1
		}
		// A TDS 7.1 LOGIN7 has the 86-byte fixed part and no FeatureExt.
		w.DataStart, w.Extension, w.Features = 86, false, nil
		return w
	}

	odbcCfg := loginConfig{User: "alice", Password: password, App: "tdswire-odbc", Host: "WS-ODBC", Database: database, PacketSize: 8192}
	odbcWant := wantLogin{
		Version: tds.Version74, PacketSize: 8192, Host: "WS-ODBC", User: "alice", Password: password,
		App: "tdswire-odbc", Server: "127.0.0.1", Language: "us_english", Database: database,
		// The ODBC driver sends an empty CltIntName, unlike tsql's
		// "TDS-Library"; otherwise it frames like tsql.
		Library: "", DataStart: 94, Extension: true, Features: []login7.FeatureID{login7.FeatureUTF8Support},
		Instance: "MSSQLServer", FirstPacketID: 0,
	}

	// At TDS 7.2 the driver keeps the 94-byte fixed part and sends no
	// FeatureExt (fExtension is a TDS 7.4 bit).
	odbc72 := odbcWant
	odbc72.Version, odbc72.Extension, odbc72.Features = tds.Version72, false, nil

	// Through a DSN (SQLConnect) the driver sends the machine name and an
	// empty AppName, and the default packet size: APP and WSID in odbc.ini
	// are not read.
	odbcDSN := odbcWant
	odbcDSN.Host, odbcDSN.App, odbcDSN.PacketSize = host, "", 4096

	nodeCfg := loginConfig{User: "alice", Password: password, App: "tdswire-tedious", Host: "WS-NODE", Database: database, PacketSize: 8192}
	nodeWant := wantLogin{
		Version: tds.Version74, PacketSize: 8192, Host: "WS-NODE", User: "alice", Password: password,
		App: "tdswire-tedious", Server: "127.0.0.1", Library: "Tedious", Language: "us_english", Database: database,
		DataStart: 94, Extension: true, Features: []login7.FeatureID{login7.FeatureUTF8Support}, FirstPacketID: 1,
	}
	nodeNTLM := nodeWant
	nodeNTLM.User, nodeNTLM.Password, nodeNTLM.IntSecurity = "", "", true
	// tedious names the domain but no workstation, with flags 0xa2089207:
	// UNICODE | OEM | REQUEST_TARGET | NTLM | OEM_DOMAIN_SUPPLIED |
	// ALWAYS_SIGN | EXTENDED_SESSIONSECURITY | VERSION | 128 | 56.
	// With VERSION set it sends 5.0.2195 rev 15 (Windows 2000). [MS-NLMP]
	// 3.1.5.1.1 says a client setting NTLMSSP_NEGOTIATE_VERSION MUST send a
	// zero-length DomainName; tedious sends its domain with
	// OEM_DOMAIN_SUPPLIED all the same.
	nodeNTLM.NTLM = wantNegotiate{Flags: 0xa2089207, Domain: "CONTOSO",
		Version: ntlm.Version{ProductMajorVersion: 5, ProductMinorVersion: 0, ProductBuild: 2195, NTLMRevisionCurrent: 15}}

	// tedious asked for TDS 7.1 still sends the 94-byte TDS 7.2 fixed part
	// (ibHostName 94, with ibChangePassword and cbSSPILong zero), and sets
	// fExtension with cbExtension 0: no extension block at all. Both are
	// departures from [MS-TDS] 2.2.6.4 for a 7.1 client that servers
	// tolerate; login7.Decode takes the fixed-part size from ibHostName
	// and treats an empty extension as no FeatureExt.
	node71 := nodeWant
	node71.Version, node71.PacketSize, node71.Features = tds.Version71Rev1, 4096, nil
	node71Cfg := nodeCfg
	node71Cfg.PacketSize = 4096

	return []loginCase{
		{"go-mssqldb/sql", func(t *testing.T, s *fakeServer) { runGoMSSQL(t, s, "alice", password, goCfg) }, goWant},
		{"go-mssqldb/ntlm", func(t *testing.T, s *fakeServer) { runGoMSSQL(t, s, `CONTOSO\joe`, password, goCfg) }, goNTLM},
		{"tsql/7.4/sql", func(t *testing.T, s *fakeServer) { runTSQL(t, s, "7.4", "alice", password, tsqlCfg) }, tsqlWant(tds.Version74)},
		{"tsql/7.3/sql", func(t *testing.T, s *fakeServer) { runTSQL(t, s, "7.3", "alice", password, tsqlCfg) }, tsqlWant(tds.Version73B)},
		{"tsql/7.1/sql", func(t *testing.T, s *fakeServer) { runTSQL(t, s, "7.1", "alice", password, tsqlCfg) }, tsql71(false)},
		{"tsql/7.4/ntlm", func(t *testing.T, s *fakeServer) { runTSQL(t, s, "7.4", `CONTOSO\joe`, password, tsqlCfg) }, tsqlNTLM(tds.Version74)},
		{"tsql/7.1/ntlm", func(t *testing.T, s *fakeServer) { runTSQL(t, s, "7.1", `CONTOSO\joe`, password, tsqlCfg) }, tsql71(true)},
		{"odbc/7.4/sql", func(t *testing.T, s *fakeServer) { runISQL(t, s, "7.4", odbcCfg) }, odbcWant},
		{"odbc/7.2/sql", func(t *testing.T, s *fakeServer) { runISQL(t, s, "7.2", odbcCfg) }, odbc72},
		{"odbc/dsn/7.4/sql", func(t *testing.T, s *fakeServer) { runISQLDSN(t, s, "7.4", odbcCfg, false) }, odbcDSN},
		{"odbc/iusql-dsn/7.4/sql", func(t *testing.T, s *fakeServer) { runISQLDSN(t, s, "7.4", odbcCfg, true) }, odbcDSN},
		{"tedious/sql", func(t *testing.T, s *fakeServer) {
			runTedious(t, s, `{"type":"default","options":{"userName":"alice","password":"`+password+`"}}`, nodeCfg)
		}, nodeWant},
		{"tedious/7.1/sql", func(t *testing.T, s *fakeServer) {
			runTediousVer(t, s, `{"type":"default","options":{"userName":"alice","password":"`+password+`"}}`, node71Cfg, "7_1")
		}, node71},
		{"tedious/ntlm", func(t *testing.T, s *fakeServer) {
			runTedious(t, s, `{"type":"ntlm","options":{"userName":"joe","password":"`+password+`","domain":"CONTOSO"}}`, nodeCfg)
		}, nodeNTLM},
	}
}

// TestRealClientLogin drives each real client against the fake server and
// checks the LOGIN7 message it sent: the packet framing, Wireshark's
// dissection of it (an oracle independent of tdswire), and tdswire's own
// decoders.
func TestRealClientLogin(t *testing.T) {
	for _, c := range loginCases(t) {
		t.Run(c.name, func(t *testing.T) {
			s := startServer(t)
			c.run(t, s)
			cp := s.Capture(t, 10*time.Second)
			save(t, c.name, cp)
			checkFraming(t, cp, c.want)
			t.Run("wireshark", func(t *testing.T) { checkWireshark(t, cp, c.want) })
			t.Run("wireshark-prelogin", func(t *testing.T) { checkWiresharkPrelogin(t, cp) })
			t.Run("login7", func(t *testing.T) {
				l := checkLogin7(t, cp, c.want)
				if c.want.IntSecurity {
					t.Run("ntlm", func(t *testing.T) { checkNTLM(t, l.SSPI, c.want.NTLM) })
				}
			})
		})
	}
}

// checkFraming checks the packet headers of both messages.
func checkFraming(t *testing.T, cp capture, w wantLogin) {
	t.Helper()
	for _, m := range []struct {
		name string
		typ  tds.PacketType
		hs   []tds.Header
	}{{"PRELOGIN", tds.PacketPrelogin, cp.PreloginHeaders}, {"LOGIN7", tds.PacketLogin7, cp.LoginHeaders}} {
		if len(m.hs) == 0 {
			t.Fatalf("%s: no packets", m.name)
		}
		for i, h := range m.hs {
			if h.Type != m.typ {
				t.Errorf("%s packet %d: type %v, want %v", m.name, i, h.Type, m.typ)
			}
			last := i == len(m.hs)-1
			if (h.Status&tds.StatusEOM != 0) != last {
				t.Errorf("%s packet %d of %d: status %v", m.name, i, len(m.hs), h.Status)
			}
			if h.Status&^tds.StatusEOM != 0 {
				t.Errorf("%s packet %d: status %v has bits besides EOM", m.name, i, h.Status)
			}
			if h.SPID != 0 || h.Window != 0 {
				t.Errorf("%s packet %d: SPID %d, Window %d; clients send 0", m.name, i, h.SPID, h.Window)
			}
		}
	}
	if len(cp.Login) >= 38 {
		if got := int(binary.LittleEndian.Uint16(cp.Login[36:])); got != w.DataStart {
			t.Errorf("ibHostName = %d, want %d", got, w.DataStart)
		}
	}
	if got := cp.PreloginHeaders[0].PacketID; got != w.FirstPacketID {
		t.Errorf("first PRELOGIN PacketID = %d, want %d", got, w.FirstPacketID)
	}
	pm := &cp.PreloginMsg
	if pm.Encryption != prelogin.EncryptNotSup {
		t.Errorf("client PRELOGIN ENCRYPTION = %v, want ENCRYPT_NOT_SUP (encryption disabled)", pm.Encryption)
	}
	if name, ok := pm.InstanceName(); !ok || string(name) != w.Instance {
		t.Errorf("client PRELOGIN instance name %q (present %v), want %q", name, ok, w.Instance)
	}
	t.Logf("client PRELOGIN: options %v, version %v, MARS %v, thread ID %d", pm.Present, pm.Version, pm.MARS, pm.ThreadID)
	t.Logf("PRELOGIN packets %v; LOGIN7 packets %v; %d connection(s)", cp.PreloginHeaders, cp.LoginHeaders, cp.Conns)
}

// checkWireshark compares tshark's dissection of the LOGIN7 with w.
func checkWireshark(t *testing.T, cp capture, w wantLogin) {
	got := wireshark(t, cp)
	want := map[string]string{
		"tds.7login.version":      "0x" + strconv.FormatUint(uint64(w.Version)|1<<32, 16)[1:],
		"tds.7login.packet_size":  strconv.FormatUint(uint64(w.PacketSize), 10),
		"tds.7login.clientname":   w.Host,
		"tds.7login.username":     w.User,
		"tds.7login.password":     w.Password,
		"tds.7login.appname":      w.App,
		"tds.7login.servername":   w.Server,
		"tds.7login.libraryname":  w.Library,
		"tds.7login.locale":       w.Language,
		"tds.7login.databasename": w.Database,
	}
	if w.IntSecurity {
		ws := w.NTLM.Workstation
		if ws == "" {
			ws = "NULL" // how tshark prints an absent WorkstationFields
		}
		want["ntlmssp.messagetype"] = "0x00000001"
		want["ntlmssp.negotiateflags"] = "0x" + strconv.FormatUint(uint64(w.NTLM.Flags)|1<<32, 16)[1:]
		want["ntlmssp.negotiate.domain"] = w.NTLM.Domain
		want["ntlmssp.negotiate.callingworkstation"] = ws
	} else {
		want["ntlmssp.messagetype"] = ""
	}
	for _, f := range wiresharkFields {
		v, ok := want[f]
		if !ok {
			continue
		}
		if got[f] != v {
			t.Errorf("tshark %s = %q, want %q", f, got[f], v)
		}
	}
	flags2, err := strconv.ParseUint(got["tds.7login.option_flags2"], 0, 8)
	if err != nil {
		t.Fatalf("tshark option_flags2 %q: %v", got["tds.7login.option_flags2"], err)
	}
	if isec := flags2&0x80 != 0; isec != w.IntSecurity {
		t.Errorf("tshark OptionFlags2 %#02x: fIntSecurity %v, want %v", flags2, isec, w.IntSecurity)
	}
}
