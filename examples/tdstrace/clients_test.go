package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tdswire/tdswire/examples/internal/peer"
	"github.com/tdswire/tdswire/examples/server/tdsserver"
)

const clientTimeout = 20 * time.Second

// runTSQL runs FreeTDS tsql against port with the given freetds.conf
// encryption setting, sending the statements on standard input.
func runTSQL(t *testing.T, port int, encryption, user, pass string, stmts ...string) peer.Result {
	t.Helper()
	tsql := peer.TSQL(t)
	env := peer.WriteFreeTDSConf(t, peer.FreeTDSServer{Name: "example", Host: "127.0.0.1", Port: port, TDSVersion: "7.4",
		Extra: map[string]string{"encryption": encryption}})
	in := ""
	for _, s := range stmts {
		in += s + "\ngo\n"
	}
	return peer.Run(context.Background(), peer.Cmd{
		Path: tsql, Args: []string{"-S", "example", "-U", user, "-P", pass, "-D", "sales"},
		Env: env, Stdin: in + "quit\n", Timeout: clientTimeout,
	})
}

// runISQLMARS runs unixODBC isql with the FreeTDS ODBC driver and MARS on.
func runISQLMARS(t *testing.T, port int, stmts ...string) peer.Result {
	t.Helper()
	o := peer.ISQL(t)
	env := peer.WriteODBCIni(t)
	cs := strings.Join([]string{
		"DRIVER=" + o.Driver, "SERVER=127.0.0.1", "PORT=" + strconv.Itoa(port), "TDS_Version=7.4",
		"Encryption=off", "DATABASE=sales", "MARS_Connection=Yes", "UID=" + sqlUser, "PWD=" + sqlPass,
	}, ";")
	return peer.Run(context.Background(), peer.Cmd{Path: o.ISQL, Args: []string{"-v", "-k", cs}, Env: env,
		Stdin: strings.Join(stmts, "\n") + "\nquit\n", Timeout: clientTimeout})
}

const tediousScript = `'use strict';
const { Connection, Request } = require('tedious');
const c = new Connection(JSON.parse(process.argv[2]));
const timer = setTimeout(() => { console.log('gave up'); process.exit(3); }, 15000);
c.on('connect', (err) => {
  if (err) { clearTimeout(timer); console.log('connect:', err.message); process.exitCode = 1; return; }
  const r = new Request('select 1', (err) => {
    clearTimeout(timer);
    console.log('query:', err ? err.message : 'ok');
    c.close();
  });
  c.execSql(r);
});
c.connect();
`

// runTedious logs in with tedious (SQL authentication) and runs one batch.
func runTedious(t *testing.T, port int, encrypt bool) peer.Result {
	t.Helper()
	n := peer.Tedious(t)
	script := filepath.Join(t.TempDir(), "login.js")
	if err := os.WriteFile(script, []byte(tediousScript), 0o600); err != nil {
		t.Fatal(err)
	}
	conf := fmt.Sprintf(`{"server":"127.0.0.1","authentication":{"type":"default","options":{"userName":%q,"password":%q}},"options":{"port":%d,"encrypt":%v,"trustServerCertificate":true,"database":"sales","connectTimeout":5000}}`,
		sqlUser, sqlPass, port, encrypt)
	return peer.Run(context.Background(), peer.Cmd{
		Path: n.Node, Args: []string{script, conf},
		Env: []string{"NODE_PATH=" + filepath.Join(n.Dir, "node_modules")}, Dir: n.Dir, Timeout: clientTimeout,
	})
}

// TestClientCaptures captures FreeTDS tsql, tedious and the FreeTDS ODBC
// driver with MARS against examples/server and checks tdstrace's account.
func TestClientCaptures(t *testing.T) {
	cases := []struct {
		name   string
		mode   tdsserver.TLSMode
		run    func(t *testing.T, port int) peer.Result
		auth   string
		enc    string
		login  string
		user   string
		domain string
		mars   bool
	}{
		{"tsql/sql", tdsserver.TLSOff, func(t *testing.T, port int) peer.Result {
			return runTSQL(t, port, "off", sqlUser, sqlPass, "select 1")
		}, "SQL", "none", "succeeded", sqlUser, "", false},
		{"tsql/ntlm-login-tls", tdsserver.TLSLogin, func(t *testing.T, port int) peer.Result {
			return runTSQL(t, port, "request", ntlmDomain+`\`+ntlmUser, ntlmPass, "select 1")
		}, "NTLM", "login only", "succeeded", ntlmUser, ntlmDomain, false},
		{"tsql/failed", tdsserver.TLSOff, func(t *testing.T, port int) peer.Result {
			return runTSQL(t, port, "off", sqlUser, "wrong")
		}, "SQL", "none", "failed", sqlUser, "", false},
		{"tedious/sql", tdsserver.TLSOff, func(t *testing.T, port int) peer.Result {
			return runTedious(t, port, false)
		}, "SQL", "none", "succeeded", sqlUser, "", false},
		{"odbc/mars", tdsserver.TLSOff, func(t *testing.T, port int) peer.Result {
			return runISQLMARS(t, port, "select 1", "select * from sample")
		}, "SQL", "none", "succeeded", sqlUser, "", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			port := startServer(t, c.mode)
			var r peer.Result
			file := captureWhole(t, port, func() { r = c.run(t, port) })
			t.Logf("client: %v\n%s", r.Err, r.Output())
			ss, _ := summaries(t, file, itoa(port))
			if len(ss) != 1 {
				t.Fatalf("%d conversations, want 1", len(ss))
			}
			checkTShark(t, file, port)
			s := ss[0]
			if s.Authentication != c.auth || s.Encryption != c.enc || s.Login != c.login || s.User != c.user || s.Domain != c.domain {
				t.Errorf("got auth %q, encryption %q, login %q, user %q, domain %q\nwant %q, %q, %q, %q, %q",
					s.Authentication, s.Encryption, s.Login, s.User, s.Domain, c.auth, c.enc, c.login, c.user, c.domain)
			}
			if c.login == "succeeded" && s.TDSVersion != "7.4 (0x74000004)" {
				t.Errorf("TDS version %q, want 7.4", s.TDSVersion)
			}
			if c.login == "failed" && s.ErrorNumber != 18456 {
				t.Errorf("error number %d, want 18456", s.ErrorNumber)
			}
			if c.mars {
				if !s.MARSRequested || !s.MARSGranted || len(s.MARSOpened) == 0 {
					t.Errorf("MARS requested %v granted %v, sessions opened %v; want a session", s.MARSRequested, s.MARSGranted, s.MARSOpened)
				}
			}
		})
	}
}
