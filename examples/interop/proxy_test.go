package interop

import (
	"context"
	"crypto/tls"
	"database/sql"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/tdswire/tdswire/examples/proxy/tdsproxy"
	"github.com/tdswire/tdswire/examples/server/tdsserver"
)

// proxyRows is the size of the big table behind the proxy: thousands of
// rows, a response of many packets.
const proxyRows = 5000

// runningProxy is examples/proxy in front of an example server.
type runningProxy struct {
	*exampleServer // the proxy's address, for the client helpers
	cert           tls.Certificate
	mu             sync.Mutex
	lines          []string
}

func (p *runningProxy) log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.lines, "\n")
}

// startProxy starts an example server (encryption upstream) and the
// proxy in front of it (-tls mode), both stopped when the test ends.
func startProxy(t *testing.T, upstream tdsserver.TLSMode, mode tdsproxy.Mode, appName string) *runningProxy {
	t.Helper()
	s := startExampleServer(t, upstream, func(c *tdsserver.Config) { c.Rows = proxyRows })
	cert, err := tdsserver.SelfSignedCertificate()
	if err != nil {
		t.Fatal(err)
	}
	rp := &runningProxy{cert: cert}
	p, err := tdsproxy.New(tdsproxy.Config{
		Upstream: s.addr, TLS: mode, Certificate: &cert, AppName: appName,
		Logf: func(format string, args ...any) {
			rp.mu.Lock()
			rp.lines = append(rp.lines, fmt.Sprintf(format, args...))
			rp.mu.Unlock()
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); p.Serve(ln) }()
	t.Cleanup(func() {
		p.Close()
		<-done
		if t.Failed() {
			t.Logf("proxy log:\n%s", rp.log())
		}
	})
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	rp.exampleServer = &exampleServer{addr: ln.Addr().String()}
	rp.exampleServer.port, _ = strconv.Atoi(port)
	return rp
}

// checkProxyLog asserts lines of the proxy's decoded log, and that no
// password reached it.
func checkProxyLog(t *testing.T, p *runningProxy, pass string, wants ...string) {
	t.Helper()
	log := p.log()
	for _, w := range wants {
		if !strings.Contains(log, w) {
			t.Errorf("proxy log lacks %q", w)
		}
	}
	if strings.Contains(log, pass) {
		t.Errorf("proxy log shows the password")
	}
}

// TestProxyGoMSSQL runs go-mssqldb through the proxy with encrypt
// disable, true and strict, SQL authentication and NTLM: the sample table,
// the big table (5000 rows) and a parameterised query.
func TestProxyGoMSSQL(t *testing.T) {
	cases := []struct {
		name, encrypt string
		mode          tdsproxy.Mode
		ntlm          bool
		enc           string // the client leg's encryption in the log
	}{
		{"sql/disable", "disable", tdsproxy.ModeLogin, false, "client encryption none"},
		{"sql/true", "true", tdsproxy.ModeLogin, false, "client encryption entire connection"},
		{"sql/strict", "strict", tdsproxy.ModeStrict, false, "client encryption strict"},
		{"ntlm/disable", "disable", tdsproxy.ModeLogin, true, "client encryption none"},
		{"ntlm/true", "true", tdsproxy.ModeRequired, true, "client encryption entire connection"},
		{"ntlm/strict", "strict", tdsproxy.ModeStrict, true, "client encryption strict"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := startProxy(t, tdsserver.TLSLogin, c.mode, "rewritten-app")
			user, pass := sqlUser, sqlPassword
			if c.ntlm {
				user, pass = ntlmDomain+`\`+ntlmUser, ntlmPass
			}
			db := proxyDB(t, p, user, pass, c.encrypt)
			ctx, cancel := context.WithTimeout(context.Background(), clientTimeout)
			defer cancel()
			checkGoMSSQLSample(ctx, t, db)
			rows, err := db.QueryContext(ctx, "SELECT * FROM big")
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for rows.Next() {
				n++
			}
			if err := rows.Err(); err != nil || n != proxyRows {
				t.Fatalf("big: %d rows, %v", n, err)
			}
			rows.Close()
			var v int64
			if err := db.QueryRowContext(ctx, "SELECT @p1", 42).Scan(&v); err != nil || v != 42 {
				t.Fatalf("SELECT @p1 = %d, %v", v, err)
			}
			db.Close()
			wants := []string{
				`client> LOGIN7: TDS`, `app "go-mssqldb" (rewritten to "rewritten-app")`, `database "sales"`,
				c.enc,
				`client> SQLBatch "SELECT * FROM sample"`,
				`server< Response: COLMETADATA [id, name, price, created], 3 ROW, DONE(COUNT, 3 rows)`,
				fmt.Sprintf("%d ROW", proxyRows),
				`client> RPC Sp_ExecuteSql`,
				`server< login response: LOGINACK TDS 7.4`,
			}
			if c.ntlm {
				wants = append(wants, `integrated true`, `server< SSPI token`, `client> NTLM AUTHENTICATE for "`+ntlmDomain+`\\`+ntlmUser+`"`)
			} else {
				wants = append(wants, `user "`+sqlUser+`"`)
			}
			checkProxyLog(t, p, pass, wants...)
		})
	}
	t.Run("refused", func(t *testing.T) {
		p := startProxy(t, tdsserver.TLSOff, tdsproxy.ModeLogin, "")
		db := goMSSQLDB(t, p.exampleServer, sqlUser, "wrong", "disable")
		ctx, cancel := context.WithTimeout(context.Background(), clientTimeout)
		defer cancel()
		if err := db.PingContext(ctx); err == nil || !strings.Contains(err.Error(), "Login failed for user 'sa'") {
			t.Fatalf("ping: %v", err)
		}
		checkProxyLog(t, p, "wrong", "server< ERROR 18456", "login failed")
	})
}

// proxyDB opens go-mssqldb on the proxy. For encrypt=strict it trusts
// the proxy's certificate through the "certificate" parameter:
// go-mssqldb verifies in strict mode whatever TrustServerCertificate says.
func proxyDB(t *testing.T, p *runningProxy, user, pass, encrypt string) *sql.DB {
	t.Helper()
	q := url.Values{}
	q.Set("database", "sales")
	q.Set("encrypt", encrypt)
	q.Set("TrustServerCertificate", "true")
	if encrypt == "strict" {
		q.Set("certificate", certFile(t, p.cert))
	}
	q.Set("dial timeout", "5")
	q.Set("connection timeout", "10")
	u := url.URL{Scheme: "sqlserver", User: url.UserPassword(user, pass), Host: p.addr, RawQuery: q.Encode()}
	db, err := sql.Open("sqlserver", u.String())
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db
}
