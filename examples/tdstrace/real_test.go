package main

import (
	"strings"
	"testing"

	"github.com/tdswire/tdswire/examples/server/tdsserver"
)

// TestGoMSSQLCaptures captures go-mssqldb sessions against examples/server
// on the loopback interface and checks what tdstrace explains of each.
func TestGoMSSQLCaptures(t *testing.T) {
	long := "SELECT 1 -- " + strings.Repeat("padding ", 1200) // about 19 KB of UTF-16: several 4 KB packets
	cases := []struct {
		name        string
		mode        tdsserver.TLSMode
		encrypt     string
		user, pass  string
		queries     []string
		auth, enc   string
		login       string
		user2, dom  string
		multiPacket bool
		errNumber   int32
	}{
		{name: "sql/no-tls", mode: tdsserver.TLSOff, encrypt: "disable", user: sqlUser, pass: sqlPass,
			queries: []string{"select 1", "select * from sample"}, auth: "SQL", enc: "none", login: "succeeded", user2: sqlUser},
		{name: "sql/login-only", mode: tdsserver.TLSLogin, encrypt: "false", user: sqlUser, pass: sqlPass,
			queries: []string{"select 1", long}, auth: "SQL (LOGIN7 encrypted; no SSPI exchange followed it)", enc: "login only", login: "succeeded", multiPacket: true},
		{name: "sql/full", mode: tdsserver.TLSLogin, encrypt: "true", user: sqlUser, pass: sqlPass,
			queries: []string{"select 1"}, auth: "unknown (LOGIN7 encrypted)", enc: "entire connection", login: "answered (encrypted)"},
		{name: "ntlm/login-only", mode: tdsserver.TLSLogin, encrypt: "false", user: ntlmDomain + `\` + ntlmUser, pass: ntlmPass,
			queries: []string{"select 1"}, auth: "NTLM", enc: "login only", login: "succeeded", user2: ntlmUser, dom: ntlmDomain},
		{name: "ntlm/no-tls", mode: tdsserver.TLSOff, encrypt: "disable", user: ntlmDomain + `\` + ntlmUser, pass: ntlmPass,
			queries: []string{"select 1"}, auth: "NTLM", enc: "none", login: "succeeded", user2: ntlmUser, dom: ntlmDomain},
		{name: "sql/failed", mode: tdsserver.TLSOff, encrypt: "disable", user: sqlUser, pass: "wrong",
			auth: "SQL", enc: "none", login: "failed", user2: sqlUser, errNumber: 18456},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			port := startServer(t, c.mode)
			var qerr error
			file := captureWhole(t, port, func() {
				qerr = goMSSQL(t, port, c.user, c.pass, c.encrypt, c.queries...)
			})
			if (qerr != nil) != (c.login == "failed") {
				t.Fatalf("go-mssqldb: %v", qerr)
			}
			ss, _ := summaries(t, file, itoa(port))
			if len(ss) != 1 {
				t.Fatalf("%d conversations, want 1", len(ss))
			}
			checkTShark(t, file, port)
			s := ss[0]
			if s.Authentication != c.auth {
				t.Errorf("authentication %q, want %q", s.Authentication, c.auth)
			}
			if s.Encryption != c.enc {
				t.Errorf("encryption %q, want %q", s.Encryption, c.enc)
			}
			if s.Login != c.login {
				t.Errorf("login %q, want %q", s.Login, c.login)
			}
			if c.user2 != "" && s.User != c.user2 {
				t.Errorf("user %q, want %q", s.User, c.user2)
			}
			if s.Domain != c.dom {
				t.Errorf("domain %q, want %q", s.Domain, c.dom)
			}
			if c.login == "succeeded" && s.TDSVersion != "7.4 (0x74000004)" {
				t.Errorf("TDS version %q, want 7.4", s.TDSVersion)
			}
			if c.errNumber != 0 && (s.ErrorNumber != c.errNumber || !strings.Contains(s.ErrorMessage, "Login failed")) {
				t.Errorf("error %d %q, want %d Login failed", s.ErrorNumber, s.ErrorMessage, c.errNumber)
			}
			if c.multiPacket && s.Commands["SQLBatch"] < 2 {
				t.Errorf("commands %v, want 2 SQL batches", s.Commands)
			}
		})
	}
}
