package interop

import (
	"strings"
	"testing"
	"time"

	"github.com/tdswire/tdswire/login7"
	"github.com/tdswire/tdswire/tds"
)

// TestRealClientLongAppName gives each client an application name of
// 2500 characters, far past the 128 that [MS-TDS] 2.2.6.4's validation
// rules allow a server to accept, so that the LOGIN7 message no longer
// fits one 4096-byte packet.
//
// go-mssqldb and tedious send it whole: the message spans two packets, the
// first exactly 4096 bytes without EOM, numbered 1 and 2, and tds.Reader
// reassembles it. FreeTDS (tsql and the ODBC driver) cuts the name to 128
// characters and stays in one packet numbered 0.
func TestRealClientLongAppName(t *testing.T) {
	long := strings.Repeat("app-", 625) // 2500 characters
	cases := []struct {
		name    string
		run     func(t *testing.T, s *fakeServer, cfg loginConfig)
		app     string
		packets []tds.Header // Type, Status, Length (0: any), PacketID
	}{
		{"go-mssqldb", func(t *testing.T, s *fakeServer, cfg loginConfig) { runGoMSSQL(t, s, cfg.User, cfg.Password, cfg) },
			long, []tds.Header{{Type: tds.PacketLogin7, Length: 4096, PacketID: 1}, {Type: tds.PacketLogin7, Status: tds.StatusEOM, PacketID: 2}}},
		{"tedious", func(t *testing.T, s *fakeServer, cfg loginConfig) {
			runTedious(t, s, `{"type":"default","options":{"userName":"alice","password":"`+password+`"}}`, cfg)
		}, long, []tds.Header{{Type: tds.PacketLogin7, Length: 4096, PacketID: 1}, {Type: tds.PacketLogin7, Status: tds.StatusEOM, PacketID: 2}}},
		{"tsql", func(t *testing.T, s *fakeServer, cfg loginConfig) { runTSQL(t, s, "7.4", cfg.User, cfg.Password, cfg) },
			long[:128], []tds.Header{{Type: tds.PacketLogin7, Status: tds.StatusEOM, PacketID: 0}}},
		{"odbc", func(t *testing.T, s *fakeServer, cfg loginConfig) { runISQL(t, s, "7.4", cfg) },
			long[:128], []tds.Header{{Type: tds.PacketLogin7, Status: tds.StatusEOM, PacketID: 0}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := startServer(t)
			c.run(t, s, loginConfig{User: "alice", Password: password, App: long, Host: "WS-LONG", Database: database, PacketSize: 4096})
			cp := s.Capture(t, 10*time.Second)
			save(t, "long-"+c.name, cp)
			if len(cp.LoginHeaders) != len(c.packets) {
				t.Fatalf("LOGIN7 in %d packets %v, want %d", len(cp.LoginHeaders), cp.LoginHeaders, len(c.packets))
			}
			for i, want := range c.packets {
				got := cp.LoginHeaders[i]
				if got.Type != want.Type || got.Status != want.Status || got.PacketID != want.PacketID || (want.Length != 0 && got.Length != want.Length) {
					t.Errorf("LOGIN7 packet %d: %v, want type %v, status %v, PacketID %d, length %d (0: any)", i, got, want.Type, want.Status, want.PacketID, want.Length)
				}
			}
			var l login7.Login7
			if err := l.Decode(cp.Login); err != nil {
				t.Fatalf("login7.Decode of a %d-byte LOGIN7: %v", len(cp.Login), err)
			}
			if !l.AppName.Equal(c.app) {
				t.Errorf("AppName has %d characters, want %d", l.AppName.Len(), len(c.app))
			}
			if !l.Password.Equal(password) || !l.UserName.Equal("alice") || !l.Database.Equal(database) {
				t.Errorf("UserName %q, Database %q, password matches %v", l.UserName.String(), l.Database.String(), l.Password.Equal(password))
			}
			if got := wireshark(t, cp)["tds.7login.appname"]; got != c.app {
				t.Errorf("tshark AppName has %d characters, want %d", len(got), len(c.app))
			}
		})
	}
}
