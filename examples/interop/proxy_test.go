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
	"time"

	"github.com/tdswire/tdswire/examples/internal/peer"
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
func startProxy(t *testing.T, upstream tdsserver.TLSMode, mode tdsserver.TLSMode, appName string) *runningProxy {
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
	// The proxy may log a line just after its client has the message
	// it describes (a refusal is logged once Accept returns): wait up to
	// 5 seconds for every wanted line.
	log := p.log()
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); log = p.log() {
		all := true
		for _, w := range wants {
			all = all && strings.Contains(log, w)
		}
		if all {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
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
		mode          tdsserver.TLSMode
		ntlm          bool
		enc           string // the client leg's encryption in the log
	}{
		{"sql/disable", "disable", tdsserver.TLSLogin, false, "client encryption none"},
		{"sql/true", "true", tdsserver.TLSLogin, false, "client encryption entire connection"},
		{"sql/strict", "strict", tdsserver.TLSStrict, false, "client encryption strict"},
		{"ntlm/disable", "disable", tdsserver.TLSLogin, true, "client encryption none"},
		{"ntlm/true", "true", tdsserver.TLSRequired, true, "client encryption entire connection"},
		{"ntlm/strict", "strict", tdsserver.TLSStrict, true, "client encryption strict"},
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
		p := startProxy(t, tdsserver.TLSOff, tdsserver.TLSLogin, "")
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

// TestProxyTSQL runs FreeTDS tsql through the proxy with encryption off,
// request and require, SQL authentication and NTLM.
func TestProxyTSQL(t *testing.T) {
	for _, enc := range []struct {
		conf, log string
	}{
		{"off", "client encryption none"},
		{"request", "client encryption login only"},
		{"require", "client encryption entire connection"},
	} {
		for _, ntlm := range []bool{false, true} {
			user, pass, name := sqlUser, sqlPassword, enc.conf+"/sql"
			if ntlm {
				user, pass, name = ntlmDomain+`\`+ntlmUser, ntlmPass, enc.conf+"/ntlm"
			}
			t.Run(name, func(t *testing.T) {
				p := startProxy(t, tdsserver.TLSLogin, tdsserver.TLSLogin, "")
				r := runTSQLOn(t, p.exampleServer, "7.4", enc.conf, user, pass)
				out := string(r.Stdout)
				for _, want := range []string{"id\tname\tprice\tcreated", "1\tAlice\t12.50\t", "(3 rows affected)", tdsserver.VersionString} {
					if !strings.Contains(out, want) {
						t.Errorf("tsql output lacks %q:\n%s", want, r.Output())
					}
				}
				if !strings.Contains(r.Output(), "Msg 3701") {
					t.Errorf("tsql output lacks the error of the unknown statement:\n%s", r.Output())
				}
				checkProxyLog(t, p, pass, enc.log, `client> LOGIN7: TDS`, `client> SQLBatch "SELECT * FROM sample`,
					`server< Response: COLMETADATA [id, name, price, created], 3 ROW`, `client> SQLBatch "DROP TABLE nothing`, `ERROR 3701`)
			})
		}
	}
}

// TestProxyTedious runs tedious through the proxy, encrypted and not,
// SQL authentication and NTLM.
func TestProxyTedious(t *testing.T) {
	queries := []tediousQuery{
		{SQL: "SELECT * FROM sample", Batch: true},
		{SQL: "SELECT * FROM big", Batch: true},
		{SQL: "SELECT @n", Params: []tediousParam{{Name: "n", Type: "Int", Value: 42}}},
	}
	for _, c := range []struct {
		name    string
		encrypt bool
		auth    string
		log     string
	}{
		{"sql/no-tls", false, sqlAuth(sqlUser, sqlPassword), "client encryption none"},
		{"sql/tls", true, sqlAuth(sqlUser, sqlPassword), "client encryption entire connection"},
		{"ntlm/tls", true, ntlmAuth(ntlmDomain, ntlmUser, ntlmPass), "client encryption entire connection"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := startProxy(t, tdsserver.TLSLogin, tdsserver.TLSLogin, "")
			evs, r := runTediousQueries(t, p.exampleServer, c.auth, c.encrypt, "7_4", queries)
			var reqs []tediousEvent
			for _, e := range evs {
				if e.Event == "request" {
					reqs = append(reqs, e)
				}
			}
			if len(reqs) != 3 {
				t.Fatalf("%d of 3 requests answered:\n%s", len(reqs), r.Output())
			}
			if len(reqs[0].Rows) != 3 || len(reqs[1].Rows) != proxyRows || fmt.Sprint(reqs[2].Rows) != "[[42]]" {
				t.Fatalf("rows: %d, %d, %v", len(reqs[0].Rows), len(reqs[1].Rows), reqs[2].Rows)
			}
			checkProxyLog(t, p, sqlPassword, c.log, `client> LOGIN7: TDS`, `client> SQLBatch "SELECT * FROM big"`, fmt.Sprintf("%d ROW", proxyRows), `client> RPC Sp_ExecuteSql`)
		})
	}
}

// TestProxyMARSODBC runs the FreeTDS ODBC driver with MARS through the
// proxy: its SMP sessions are relayed over SMP sessions upstream.
func TestProxyMARSODBC(t *testing.T) {
	for _, enc := range []string{"off", "require"} {
		t.Run(enc, func(t *testing.T) {
			o := peer.ISQL(t)
			p := startProxy(t, tdsserver.TLSLogin, tdsserver.TLSLogin, "")
			env := peer.WriteODBCIni(t, peer.ODBCDSN{Name: "mars", Driver: o.Driver, Attrs: map[string]string{
				"Server": "127.0.0.1", "Port": strconv.Itoa(p.port), "TDS_Version": "7.4", "Encryption": enc,
				"Database": "sales", "MARS_Connection": "Yes", "ClientCharset": "UTF-8",
			}})
			r := peer.Run(context.Background(), peer.Cmd{
				Path: o.ISQL, Args: []string{"-v", "-b", "mars", sqlUser, sqlPassword},
				Env: append(env, "LC_ALL=C", "LANG=C"), Stdin: "SELECT * FROM sample\nSELECT * FROM big\n", Timeout: clientTimeout,
			})
			if r.TimedOut || r.Err != nil {
				t.Fatalf("isql: %v (timed out %v):\n%s", r.Err, r.TimedOut, r.Output())
			}
			out := string(r.Stdout)
			for _, want := range []string{"| 1          | Alice ", "SQLRowCount returns 3", fmt.Sprintf("SQLRowCount returns %d", proxyRows)} {
				if !strings.Contains(out, want) {
					t.Errorf("isql output lacks %q:\n%s", want, r.Output())
				}
			}
			checkProxyLog(t, p, sqlPassword, "MARS: session opened on both legs", `client> RPC`, fmt.Sprintf("%d ROW", proxyRows))
		})
	}
}
