// Package kdc starts a throwaway MIT Kerberos realm on loopback for tests:
// a KDC database under the test's temporary directory, a user with a
// password, service principals with their keys in a keytab, krb5kdc on a
// free 127.0.0.1 port, and kinit into a private credentials cache. Nothing
// outside the temporary directory is touched: every tool runs with
// KRB5_CONFIG and KRB5_KDC_PROFILE pointing into it, and the KDC stops
// when the test ends.
//
// The MIT tools (krb5kdc, kdb5_util, kadmin.local from Debian's krb5-kdc
// and krb5-admin-server; kinit, kvno from krb5-user) are peers: when one is
// missing the test is skipped, or fails under TDSWIRE_REQUIRE_PEERS=1 (see
// package peer).
package kdc

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tdswire/tdswire/examples/internal/peer"
)

// DefaultRealm is the realm Start creates unless Config.Realm says otherwise.
const DefaultRealm = "TDSWIRE.TEST"

// Config describes the realm to create.
type Config struct {
	Realm    string   // realm name; DefaultRealm if empty
	User     string   // the user principal (without realm); "joe" if empty
	Password string   // the user's password; a fixed test password if empty
	Services []string // service principals (without realm), e.g. "MSSQLSvc/localhost:1433"
	// Enctypes are the key types of the services' keys (krb5 names);
	// aes256-cts-hmac-sha1-96 and aes128-cts-hmac-sha1-96 if empty.
	Enctypes []string
}

// Realm is a running realm.
type Realm struct {
	Name     string // the realm, e.g. TDSWIRE.TEST
	Dir      string // the temporary directory holding everything
	Port     int    // the KDC's TCP and UDP port on 127.0.0.1
	User     string // the user principal with realm, joe@TDSWIRE.TEST
	Password string
	Keytab   string // the keytab holding every service's keys
	CCache   string // the user's credentials cache (FILE:), filled by kinit
	Config   string // the krb5.conf clients use (KRB5_CONFIG)

	t     testing.TB
	tools map[string]string
	proc  *peer.Proc
}

// tool finds an MIT tool in PATH or in /usr/sbin.
func tool(t testing.TB, name, pkg string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	if p := filepath.Join("/usr/sbin", name); fileExists(p) {
		return p
	}
	peer.Missing(t, name, fmt.Sprintf("MIT Kerberos %s not in PATH nor /usr/sbin (Debian package %s)", name, pkg))
	return ""
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("kdc: finding a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Start creates the realm described by cfg, starts its KDC and gets the
// user a ticket-granting ticket in Realm.CCache. The KDC stops when t ends.
func Start(t testing.TB, cfg Config) *Realm {
	t.Helper()
	r := &Realm{t: t, tools: map[string]string{
		"krb5kdc":      tool(t, "krb5kdc", "krb5-kdc"),
		"kdb5_util":    tool(t, "kdb5_util", "krb5-kdc"),
		"kadmin.local": tool(t, "kadmin.local", "krb5-admin-server"),
		"kinit":        tool(t, "kinit", "krb5-user"),
		"kvno":         tool(t, "kvno", "krb5-user"),
	}}
	r.Name = cfg.Realm
	if r.Name == "" {
		r.Name = DefaultRealm
	}
	user := cfg.User
	if user == "" {
		user = "joe"
	}
	r.User = user + "@" + r.Name
	r.Password = cfg.Password
	if r.Password == "" {
		r.Password = "Krb5-Passw0rd"
	}
	enctypes := cfg.Enctypes
	if len(enctypes) == 0 {
		enctypes = []string{"aes256-cts-hmac-sha1-96", "aes128-cts-hmac-sha1-96"}
	}
	r.Dir = t.TempDir()
	r.Port = freePort(t)
	r.Keytab = filepath.Join(r.Dir, "service.keytab")
	r.CCache = "FILE:" + filepath.Join(r.Dir, "ccache")
	r.Config = filepath.Join(r.Dir, "krb5.conf")
	var keysalts []string
	for _, e := range enctypes {
		keysalts = append(keysalts, e+":normal")
	}
	krb5conf := fmt.Sprintf(`[libdefaults]
	default_realm = %[1]s
	dns_lookup_realm = false
	dns_lookup_kdc = false
	rdns = false
	dns_canonicalize_hostname = false
	udp_preference_limit = 1
	ignore_acceptor_hostname = true
	default_ccache_name = %[3]s
	default_keytab_name = FILE:%[4]s
[realms]
	%[1]s = {
		kdc = 127.0.0.1:%[2]d
	}
`, r.Name, r.Port, r.CCache, r.Keytab)
	kdcconf := fmt.Sprintf(`[kdcdefaults]
	kdc_ports = %[2]d
	kdc_tcp_ports = %[2]d
[realms]
	%[1]s = {
		database_name = %[3]s/principal
		key_stash_file = %[3]s/stash
		acl_file = %[3]s/kadm5.acl
		kdc_ports = %[2]d
		kdc_tcp_ports = %[2]d
		supported_enctypes = %[4]s
	}
[logging]
	kdc = FILE:%[3]s/kdc.log
`, r.Name, r.Port, r.Dir, strings.Join(keysalts, " "))
	for name, text := range map[string]string{"krb5.conf": krb5conf, "kdc.conf": kdcconf, "kadm5.acl": ""} {
		if err := os.WriteFile(filepath.Join(r.Dir, name), []byte(text), 0o600); err != nil {
			t.Fatalf("kdc: %v", err)
		}
	}
	r.run("kdb5_util", "", "create", "-s", "-r", r.Name, "-P", "master-"+r.Password)
	r.Admin("addprinc -pw " + r.Password + " " + user)
	for _, s := range cfg.Services {
		r.AddService(s)
	}
	p, err := peer.Start(t, peer.Cmd{Path: r.tools["krb5kdc"], Args: []string{"-n", "-r", r.Name}, Env: r.Env(), Timeout: 10 * time.Minute})
	if err != nil {
		t.Fatalf("kdc: starting krb5kdc: %v", err)
	}
	r.proc = p
	t.Cleanup(func() { p.Stop(os.Interrupt) })
	r.waitUp()
	r.run("kinit", r.Password+"\n", r.User)
	return r
}

// Env returns the environment every Kerberos tool and client of the realm
// needs: KRB5_CONFIG, KRB5_KDC_PROFILE, KRB5CCNAME and KRB5_KTNAME.
func (r *Realm) Env() []string {
	return []string{
		"KRB5_CONFIG=" + r.Config,
		"KRB5_KDC_PROFILE=" + filepath.Join(r.Dir, "kdc.conf"),
		"KRB5CCNAME=" + r.CCache,
		"KRB5_KTNAME=FILE:" + r.Keytab,
		"KRB5_TRACE=", // unset: a tracing caller's setting would flood the output
	}
}

// Admin runs one kadmin.local query ("addprinc -randkey X") and returns
// its output, failing the test if it fails.
func (r *Realm) Admin(query string) string {
	r.t.Helper()
	return r.run("kadmin.local", "", "-r", r.Name, "-q", query)
}

// AddService creates the service principal spn (without realm) with a
// random key and adds its keys to Realm.Keytab.
func (r *Realm) AddService(spn string) {
	r.t.Helper()
	r.Admin("addprinc -randkey " + spn)
	r.Admin("ktadd -k " + r.Keytab + " " + spn)
}

// Rekey gives the service a new random key (its key version number goes
// up) without touching Realm.Keytab, which keeps only the old keys: a
// ticket issued from now on is one the keytab's owner cannot decrypt for
// want of that key version. It returns the keytab of the new keys,
// written beside the old one.
func (r *Realm) Rekey(spn string) string {
	r.t.Helper()
	kt := filepath.Join(r.Dir, "rekeyed-"+strings.NewReplacer("/", "_", ":", "_").Replace(spn)+".keytab")
	r.Admin("ktadd -k " + kt + " " + spn)
	return kt
}

// GetTicket asks the KDC for a service ticket for spn into the user's
// credentials cache (kvno), as a client library would before an AP-REQ.
func (r *Realm) GetTicket(spn string) string {
	r.t.Helper()
	return r.run("kvno", "", spn+"@"+r.Name)
}

func (r *Realm) run(name, stdin string, args ...string) string {
	r.t.Helper()
	res := peer.Run(context.Background(), peer.Cmd{Path: r.tools[name], Args: args, Env: r.Env(), Stdin: stdin, Timeout: 30 * time.Second})
	if res.Err != nil {
		r.t.Fatalf("kdc: %s %s: %v\n%s", name, strings.Join(args, " "), res.Err, res.Output())
	}
	return res.Output()
}

// waitUp waits until the KDC accepts TCP connections (at most ten seconds).
func (r *Realm) waitUp() {
	r.t.Helper()
	addr := fmt.Sprintf("127.0.0.1:%d", r.Port)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-r.proc.Done():
			res := r.proc.Stop(os.Interrupt)
			log, _ := os.ReadFile(filepath.Join(r.Dir, "kdc.log"))
			r.t.Fatalf("kdc: krb5kdc exited: %v\n%s\n%s", res.Err, res.Output(), log)
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			c.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	r.t.Fatalf("kdc: krb5kdc did not listen on %s within 10s", addr)
}
