package interop

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "github.com/microsoft/go-mssqldb" // registers the "sqlserver" driver

	"github.com/tdswire/tdswire/examples/internal/peer"
)

// The values every client is configured with. The fake server never
// accepts a login, so the password is not a secret; it is chosen with
// characters outside [0-9a-z] so the obfuscation is exercised on more than
// letters.
const (
	password = "S3cret!pw"
	database = "sales"
)

// clientTimeout bounds each run of a real client. Every client fails
// within a second against the fake server (it closes after LOGIN7).
const clientTimeout = 20 * time.Second

// loginConfig is what a test configured a client to send, and so what
// the captured LOGIN7 must carry.
type loginConfig struct {
	User       string // login name; "" for NTLM (it travels in SSPI)
	Password   string // clear text; "" for NTLM
	App        string
	Host       string // workstation (HostName in LOGIN7)
	Database   string
	PacketSize uint32 // 0: the client's default, not asserted
	NTLM       bool   // integrated security: LOGIN7 carries SSPI NEGOTIATE
	Domain     string // NTLM domain the client was given
}

// runGoMSSQL logs in with go-mssqldb's database/sql driver. NTLM is used
// when the user name has a DOMAIN\ prefix: on Linux go-mssqldb's default
// integrated-auth provider is its NTLM implementation.
func runGoMSSQL(t *testing.T, s *fakeServer, user, pass string, cfg loginConfig) {
	t.Helper()
	q := url.Values{}
	q.Set("database", cfg.Database)
	q.Set("app name", cfg.App)
	q.Set("workstation id", cfg.Host)
	q.Set("encrypt", "disable")
	q.Set("dial timeout", "5")
	q.Set("connection timeout", "5")
	if cfg.PacketSize != 0 {
		q.Set("packet size", strconv.Itoa(int(cfg.PacketSize)))
	}
	u := url.URL{Scheme: "sqlserver", User: url.UserPassword(user, pass), Host: s.Addr(), RawQuery: q.Encode()}
	db, err := sql.Open("sqlserver", u.String())
	if err != nil {
		t.Fatalf("sql.Open: %v", err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), clientTimeout)
	defer cancel()
	err = db.PingContext(ctx)
	if err == nil {
		t.Fatal("go-mssqldb reported a successful login to a server that never answers LOGIN7")
	}
	t.Logf("go-mssqldb (expected failure): %v", err)
}

// runTSQL logs in with FreeTDS's tsql through a temporary freetds.conf
// naming the fake server with the given TDS version.
func runTSQL(t *testing.T, s *fakeServer, tdsVersion, user, pass string, cfg loginConfig) {
	t.Helper()
	tsql := peer.TSQL(t)
	srv := peer.FreeTDSServer{Name: "fake", Host: "127.0.0.1", Port: s.Port(), TDSVersion: tdsVersion}
	if cfg.PacketSize != 0 {
		// tsql has no packet-size flag; this setting is the packet size
		// FreeTDS asks for in LOGIN7.
		srv.Extra = map[string]string{"initial block size": strconv.Itoa(int(cfg.PacketSize))}
	}
	env := peer.WriteFreeTDSConf(t, srv)
	r := peer.Run(context.Background(), peer.Cmd{
		Path:    tsql,
		Args:    []string{"-S", "fake", "-U", user, "-P", pass, "-D", cfg.Database, "-a", cfg.App},
		Env:     env,
		Stdin:   "quit\n",
		Timeout: clientTimeout,
	})
	if r.TimedOut {
		t.Fatalf("tsql did not finish within %v:\n%s", clientTimeout, r.Output())
	}
	if r.Err == nil {
		t.Fatalf("tsql reported success against a server that never answers LOGIN7:\n%s", r.Output())
	}
	t.Logf("tsql (expected failure): %v: %s", r.Err, strings.TrimSpace(r.Output()))
}

// runISQL logs in with unixODBC's isql and the FreeTDS ODBC driver, through
// SQLDriverConnect (-k): a DSN in odbc.ini (SQLConnect) ignores APP and
// WSID, a connection string honours them.
func runISQL(t *testing.T, s *fakeServer, tdsVersion string, cfg loginConfig) {
	t.Helper()
	o := peer.ISQL(t)
	env := peer.WriteODBCIni(t) // no DSN: only isolates unixODBC and FreeTDS from global files
	cs := strings.Join([]string{
		"DRIVER=" + o.Driver,
		"SERVER=127.0.0.1",
		"PORT=" + strconv.Itoa(s.Port()),
		"TDS_Version=" + tdsVersion,
		"Encryption=off",
		"DATABASE=" + cfg.Database,
		"APP=" + cfg.App,
		"WSID=" + cfg.Host,
		"PacketSize=" + strconv.Itoa(int(cfg.PacketSize)),
		"UID=" + cfg.User,
		"PWD=" + cfg.Password,
	}, ";")
	r := peer.Run(context.Background(), peer.Cmd{Path: o.ISQL, Args: []string{"-v", "-k", cs}, Env: env, Stdin: "quit\n", Timeout: clientTimeout})
	if r.TimedOut {
		t.Fatalf("isql did not finish within %v:\n%s", clientTimeout, r.Output())
	}
	if r.Err == nil {
		t.Fatalf("isql reported success against a server that never answers LOGIN7:\n%s", r.Output())
	}
	t.Logf("isql (expected failure): %v: %s", r.Err, strings.TrimSpace(r.Output()))
}

// runISQLDSN logs in with isql, or with iusql when unicode is set (it
// calls the driver's Unicode entry points, SQLConnectW), through a data
// source in a temporary odbc.ini, the way most ODBC users connect. The DSN
// carries APP and WSID too, but the FreeTDS driver reads neither from a
// DSN. (iusql cannot take a connection string here: unixODBC 2.3.11's
// iusql answers "DRIVER keyword syntax error" to any.)
func runISQLDSN(t *testing.T, s *fakeServer, tdsVersion string, cfg loginConfig, unicode bool) {
	t.Helper()
	o := peer.ISQL(t)
	prog := o.ISQL
	if unicode {
		prog = o.IUSQL
	}
	env := peer.WriteODBCIni(t, peer.ODBCDSN{Name: "fake", Driver: o.Driver, Attrs: map[string]string{
		"Server":      "127.0.0.1",
		"Port":        strconv.Itoa(s.Port()),
		"TDS_Version": tdsVersion,
		"Encryption":  "off",
		"Database":    cfg.Database,
		"APP":         cfg.App,
		"WSID":        cfg.Host,
	}})
	r := peer.Run(context.Background(), peer.Cmd{Path: prog, Args: []string{"-v", "fake", cfg.User, cfg.Password}, Env: env, Stdin: "quit\n", Timeout: clientTimeout})
	if r.TimedOut {
		t.Fatalf("isql did not finish within %v:\n%s", clientTimeout, r.Output())
	}
	if r.Err == nil {
		t.Fatalf("isql reported success against a server that never answers LOGIN7:\n%s", r.Output())
	}
	t.Logf("isql (expected failure): %v: %s", r.Err, strings.TrimSpace(r.Output()))
}

// tediousScript connects with the configuration given as JSON in argv[2]
// and prints how the connection ended.
const tediousScript = `'use strict';
const { Connection } = require('tedious');
const c = new Connection(JSON.parse(process.argv[2]));
const timer = setTimeout(() => { console.log('gave up'); process.exit(3); }, 15000);
c.on('connect', (err) => {
  clearTimeout(timer);
  console.log('connect:', err ? err.message : 'ok');
  c.close();
  process.exitCode = err ? 1 : 0;
});
c.on('error', (err) => { console.log('error:', err.message); });
c.connect();
`

// runTedious logs in with tedious; authentication is tedious's
// authentication object (type "default" or "ntlm").
func runTedious(t *testing.T, s *fakeServer, authentication string, cfg loginConfig) {
	t.Helper()
	runTediousVer(t, s, authentication, cfg, "7_4")
}

// runTediousVer is runTedious with tedious's tdsVersion option ("7_1",
// "7_2", "7_3_A", "7_3_B", "7_4").
func runTediousVer(t *testing.T, s *fakeServer, authentication string, cfg loginConfig, tdsVersion string) {
	t.Helper()
	n := peer.Tedious(t)
	script := filepath.Join(t.TempDir(), "login.js")
	if err := os.WriteFile(script, []byte(tediousScript), 0o600); err != nil {
		t.Fatal(err)
	}
	conf := fmt.Sprintf(`{"server":"127.0.0.1","authentication":%s,"options":{"port":%d,"encrypt":false,"database":%q,"appName":%q,"workstationId":%q,"packetSize":%d,"tdsVersion":%q,"connectTimeout":5000}}`,
		authentication, s.Port(), cfg.Database, cfg.App, cfg.Host, cfg.PacketSize, tdsVersion)
	r := peer.Run(context.Background(), peer.Cmd{
		Path:    n.Node,
		Args:    []string{script, conf},
		Env:     []string{"NODE_PATH=" + filepath.Join(n.Dir, "node_modules")},
		Dir:     n.Dir,
		Timeout: clientTimeout,
	})
	if r.TimedOut {
		t.Fatalf("node did not finish within %v:\n%s", clientTimeout, r.Output())
	}
	if r.Err == nil {
		t.Fatalf("tedious reported success against a server that never answers LOGIN7:\n%s", r.Output())
	}
	t.Logf("tedious %s (expected failure): %v: %s", n.Tedious, r.Err, strings.TrimSpace(r.Output()))
}
