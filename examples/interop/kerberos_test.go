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
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/microsoft/go-mssqldb/integratedauth/krb5" // registers authenticator=krb5

	"github.com/tdswire/tdswire/examples/internal/kdc"
	"github.com/tdswire/tdswire/examples/internal/krbauth"
	"github.com/tdswire/tdswire/examples/internal/peer"
	"github.com/tdswire/tdswire/examples/server/tdsserver"
	"github.com/tdswire/tdswire/login7"
)

// kerberosServer is the example server accepting Kerberos with the keytab
// the test sets once the realm exists (the realm needs the server's port
// for the SPN, the server needs the keytab: the server starts first).
type kerberosServer struct {
	*exampleServer
	auth atomic.Pointer[krbauth.Config]
}

func startKerberosServer(t *testing.T) *kerberosServer {
	t.Helper()
	ks := &kerberosServer{}
	ks.exampleServer = startExampleServer(t, tdsserver.TLSOff, func(c *tdsserver.Config) {
		c.NewSSPI = func(ctx context.Context, l *login7.Login7) (tdsserver.SSPIServer, error) {
			cfg := ks.auth.Load()
			if cfg == nil {
				return nil, os.ErrNotExist
			}
			return krbauth.New(cfg), nil
		}
	})
	return ks
}

// useKeytab makes the server verify tickets with the keytab file.
func (ks *kerberosServer) useKeytab(t *testing.T, path string) {
	t.Helper()
	kt, err := krbauth.LoadKeytab(path)
	if err != nil {
		t.Fatal(err)
	}
	ks.auth.Store(&krbauth.Config{Keytab: kt, Logf: func(format string, args ...any) {
		ks.mu.Lock()
		ks.log = append(ks.log, "krbauth: "+strings.TrimPrefix(fmt.Sprintf(format, args...), "krbauth: "))
		ks.mu.Unlock()
	}})
}

func (ks *kerberosServer) logText() string {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	return strings.Join(ks.log, "\n")
}

// kerberosRealm starts a KDC knowing the server's SPNs: the one FreeTDS
// asks for (MSSQLSvc/localhost:PORT) and the one go-mssqldb 1.11.2 asks
// for against localhost (it cuts the last character of a host name its
// CNAME lookup returns without a trailing dot: MSSQLSvc/localhos:PORT).
func kerberosRealm(t *testing.T, port int, extra ...string) *kdc.Realm {
	t.Helper()
	p := strconv.Itoa(port)
	return kdc.Start(t, kdc.Config{Services: append([]string{"MSSQLSvc/localhost:" + p, "MSSQLSvc/localhos:" + p}, extra...)})
}

// runTSQLKerberos runs tsql with no user name, so that FreeTDS uses the
// ticket in the realm's credentials cache (GSS-API, raw Kerberos).
func runTSQLKerberos(t *testing.T, r *kdc.Realm, port int, stmts ...string) peer.Result {
	t.Helper()
	tsql := peer.TSQL(t)
	env := peer.WriteFreeTDSConf(t, peer.FreeTDSServer{Name: "krb", Host: "localhost", Port: port, TDSVersion: "7.4",
		Extra: map[string]string{"encryption": "off"}})
	in := ""
	for _, s := range stmts {
		in += s + "\ngo\n"
	}
	res := peer.Run(context.Background(), peer.Cmd{Path: tsql, Args: []string{"-S", "krb", "-D", "sales"},
		Env: append(append(env, r.Env()...), "LC_ALL=C", "LANG=C"), Stdin: in + "quit\n", Timeout: clientTimeout})
	if res.TimedOut {
		t.Fatalf("tsql did not finish within %v:\n%s", clientTimeout, res.Output())
	}
	return res
}

// runGoMSSQLKerberos logs go-mssqldb in with its krb5 integrated
// authenticator (gokrb5, SPNEGO) from the realm's credentials cache and
// runs one query, returning its first column.
func runGoMSSQLKerberos(t *testing.T, r *kdc.Realm, port int, query string) (string, error) {
	t.Helper()
	q := url.Values{}
	q.Set("database", "sales")
	q.Set("encrypt", "disable")
	q.Set("authenticator", "krb5")
	q.Set("krb5-configfile", r.Config)
	q.Set("krb5-credcachefile", strings.TrimPrefix(r.CCache, "FILE:"))
	q.Set("dial timeout", "5")
	q.Set("connection timeout", "10")
	u := url.URL{Scheme: "sqlserver", Host: "localhost:" + strconv.Itoa(port), RawQuery: q.Encode()}
	db, err := sql.Open("sqlserver", u.String())
	if err != nil {
		t.Fatalf("sql.Open: %v", err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), clientTimeout)
	defer cancel()
	var v string
	err = db.QueryRowContext(ctx, query).Scan(&v)
	return v, err
}

// TestKerberosLogins logs FreeTDS tsql (raw Kerberos through MIT GSS-API)
// and go-mssqldb (SPNEGO through gokrb5) in to the example server with
// tickets from a real MIT KDC, runs a query, and checks that a ticket the
// server's keytab cannot open (another service's keytab, a key version the
// keytab lacks) is refused with ERROR 18452 and the Kerberos reason in the
// server's log. TDSWIRE_CAPTURE_DIR keeps a tcpdump capture of each.
func TestKerberosLogins(t *testing.T) {
	ks := startKerberosServer(t)
	r := kerberosRealm(t, ks.port, "MSSQLSvc/otherhost:1433")
	ks.useKeytab(t, r.Keytab)

	t.Run("tsql", func(t *testing.T) {
		var res peer.Result
		captureKerberos(t, ks.port, func() { res = runTSQLKerberos(t, r, ks.port, "SELECT 1", "SELECT SUSER_NAME()") })
		out := res.Output()
		if res.Err != nil || !strings.Contains(out, "(1 row affected)") {
			t.Fatalf("tsql: %v\n%s\nserver:\n%s", res.Err, out, ks.logText())
		}
		log := ks.logText()
		for _, want := range []string{
			"krbauth: client sent Kerberos AP-REQ",
			"AP-REQ for MSSQLSvc/localhost:" + strconv.Itoa(ks.port) + "@TDSWIRE.TEST, ticket aes256-cts-hmac-sha1-96 kvno 2, authenticator aes256-cts-hmac-sha1-96, mutual true",
			"Kerberos verified for joe@TDSWIRE.TEST",
			`user "joe@TDSWIRE.TEST"`,
		} {
			if !strings.Contains(log, want) {
				t.Errorf("server log lacks %q:\n%s", want, log)
			}
		}
	})

	t.Run("go-mssqldb", func(t *testing.T) {
		var v string
		var err error
		captureKerberos(t, ks.port, func() { v, err = runGoMSSQLKerberos(t, r, ks.port, "SELECT 1") })
		if err != nil || v != "1" {
			t.Fatalf("go-mssqldb krb5: %q, %v\nserver:\n%s", v, err, ks.logText())
		}
		log := ks.logText()
		for _, want := range []string{
			"krbauth: client sent NegTokenInit mechTypes=[",
			"(Kerberos AP-REQ)",
			// go-mssqldb 1.11.2's SPN, one letter short.
			"AP-REQ for MSSQLSvc/localhos:" + strconv.Itoa(ks.port) + "@TDSWIRE.TEST",
			"Kerberos verified for joe@TDSWIRE.TEST",
		} {
			if !strings.Contains(log, want) {
				t.Errorf("server log lacks %q:\n%s", want, log)
			}
		}
	})

	t.Run("tsql-other-spn", func(t *testing.T) {
		// The server holds only another service's keys: the ticket the
		// client got for MSSQLSvc/localhost:PORT is not for it.
		other := filepath.Join(r.Dir, "other.keytab")
		r.Admin("ktadd -k " + other + " -norandkey MSSQLSvc/otherhost:1433")
		ks.useKeytab(t, other)
		defer ks.useKeytab(t, r.Keytab)
		var res peer.Result
		captureKerberos(t, ks.port, func() { res = runTSQLKerberos(t, r, ks.port, "SELECT 1") })
		checkRefused(t, ks, res, "KRB_AP_ERR_NOT_US")
	})

	t.Run("tsql-wrong-kvno", func(t *testing.T) {
		// The service's key changes (kvno 3) after the server's keytab was
		// made; a new ticket is encrypted with the new key.
		spn := "MSSQLSvc/localhost:" + strconv.Itoa(ks.port)
		r.Rekey(spn)
		r.Admin("ktadd -k " + filepath.Join(r.Dir, "unused.keytab") + " -norandkey " + spn)
		// A fresh credentials cache, so the client asks for a new ticket.
		res := peer.Run(context.Background(), peer.Cmd{Path: "kinit", Args: []string{r.User}, Stdin: r.Password + "\n", Env: r.Env(), Timeout: 10 * time.Second})
		if res.Err != nil {
			t.Fatalf("kinit: %v %s", res.Err, res.Output())
		}
		captureKerberos(t, ks.port, func() { res = runTSQLKerberos(t, r, ks.port, "SELECT 1") })
		checkRefused(t, ks, res, "KRB_AP_ERR_BADKEYVER")
		if log := ks.logText(); !strings.Contains(log, "kvno 3") {
			t.Errorf("server log does not show kvno 3:\n%s", log)
		}
	})
}

// checkRefused checks that the client was refused with ERROR 18452 and
// that the server logged the Kerberos error code.
func checkRefused(t *testing.T, ks *kerberosServer, res peer.Result, code string) {
	t.Helper()
	out := res.Output()
	if strings.Contains(out, "(1 row affected)") {
		t.Fatalf("the client logged in:\n%s", out)
	}
	if !strings.Contains(out, "18452") && !strings.Contains(out, "untrusted domain") {
		t.Errorf("the client did not report ERROR 18452:\n%s", out)
	}
	if log := ks.logText(); !strings.Contains(log, code) {
		t.Errorf("server log lacks %s:\n%s", code, log)
	}
}

// captureKerberos runs fn under tcpdump on the server's port when
// TDSWIRE_CAPTURE_DIR is set and keeps the capture there as
// kerberos-<subtest>.pcap; otherwise it just runs fn.
func captureKerberos(t *testing.T, port int, fn func()) {
	t.Helper()
	dir := os.Getenv("TDSWIRE_CAPTURE_DIR")
	if dir == "" {
		fn()
		return
	}
	file := filepath.Join(dir, "kerberos-"+filepath.Base(t.Name())+".pcap")
	p, err := peer.Start(t, peer.Cmd{
		Path:    peer.TCPDump(t),
		Args:    []string{"-i", "lo", "-n", "--immediate-mode", "-U", "-s", "0", "-w", file, "tcp port " + strconv.Itoa(port)},
		Timeout: 60 * time.Second,
	})
	if err != nil {
		t.Fatalf("tcpdump: %v", err)
	}
	if !peer.WaitForFile(p, file, 10*time.Second) {
		t.Fatalf("tcpdump did not start: %s", p.Stop(os.Interrupt).Output())
	}
	fn()
	time.Sleep(500 * time.Millisecond)
	p.Stop(os.Interrupt)
}
