package interop

import (
	"context"
	"strings"
	"testing"

	"github.com/tdswire/tdswire/examples/internal/peer"
	"github.com/tdswire/tdswire/examples/server/tdsserver"
)

// tsqlScript is what tsql reads on stdin: three batches (the last one a
// statement the server does not know) and quit.
const tsqlScript = "SELECT * FROM sample\ngo\nSELECT 1\ngo\nSELECT @@VERSION\ngo\nDROP TABLE nothing\ngo\nquit\n"

// runTSQLOn runs FreeTDS tsql against the example server with a
// freetds.conf naming it with the given TDS version and encryption.
func runTSQLOn(t *testing.T, s *exampleServer, tdsVersion, encryption, user, pass string) peer.Result {
	t.Helper()
	tsql := peer.TSQL(t)
	env := peer.WriteFreeTDSConf(t, peer.FreeTDSServer{
		Name: "example", Host: "127.0.0.1", Port: s.port, TDSVersion: tdsVersion,
		// UTF-8 whatever the locale, for the non-ASCII names of the sample table.
		Extra: map[string]string{"encryption": encryption, "client charset": "UTF-8"},
	})
	r := peer.Run(context.Background(), peer.Cmd{
		Path:    tsql,
		Args:    []string{"-S", "example", "-U", user, "-P", pass, "-D", "sales"},
		Env:     append(env, "LC_ALL=C", "LANG=C"),
		Stdin:   tsqlScript,
		Timeout: clientTimeout,
	})
	if r.TimedOut {
		t.Fatalf("tsql did not finish within %v:\n%s", clientTimeout, r.Output())
	}
	return r
}

// TestTSQLQueries logs FreeTDS tsql in to the example server at TDS 7.4,
// 7.3 and 7.1, with encryption off, requested (login-only TLS) and
// required (full TLS), with SQL authentication and with NTLM, and checks
// the rows, NULLs, the ERROR of an unknown statement and what the server
// saw.
func TestTSQLQueries(t *testing.T) {
	modes := []struct {
		conf string
		mode tdsserver.TLSMode
		tls  bool
	}{
		{"off", tdsserver.TLSOff, false},
		{"request", tdsserver.TLSLogin, true},
		{"require", tdsserver.TLSRequired, true},
	}
	for _, ver := range []string{"7.4", "7.3", "7.1"} {
		for _, m := range modes {
			for _, ntlm := range []bool{false, true} {
				name := ver + "/" + m.conf + "/sql"
				user, pass := sqlUser, sqlPassword
				if ntlm {
					name = ver + "/" + m.conf + "/ntlm"
					user, pass = ntlmDomain+`\`+ntlmUser, ntlmPass
				}
				t.Run(name, func(t *testing.T) {
					s := startExampleServer(t, m.mode)
					r := runTSQLOn(t, s, ver, m.conf, user, pass)
					out := string(r.Stdout)
					// datetime2 reaches clients before TDS 7.3 as text;
					// tsql prints a datetime2 in its own short format.
					created1, created2 := "Jan  2 2024 03:04AM", "Feb 29 2024 11:59PM"
					if ver == "7.1" {
						created1, created2 = "2024-01-02 03:04:05.1234567", "2024-02-29 23:59:59.9999999"
					}
					for _, want := range []string{
						"id\tname\tprice\tcreated",
						"1\tAlice\t12.50\t" + created1,
						"2\tBjørn Ünïcode €\tNULL\t" + created2,
						"3\tNULL\t-7.25\tNULL",
						"(3 rows affected)",
						tdsserver.VersionString,
					} {
						if !strings.Contains(out, want) {
							t.Errorf("tsql output lacks %q:\n%s", want, r.Output())
						}
					}
					if !strings.Contains(r.Output(), "Msg 3701 (severity 11, state 5)") {
						t.Errorf("tsql output lacks the error of the unknown statement:\n%s", r.Output())
					}
					st := s.Stats()
					if st.Logins != 1 || (st.TLS == 1) != m.tls || (st.NTLMLogins == 1) != ntlm || st.Batches != 4 || st.ClientErrors != 0 {
						t.Errorf("server stats %+v: want one login, TLS %v, NTLM %v, 4 batches", st, m.tls, ntlm)
					}
				})
			}
		}
	}
}

// TestTSQLLoginFailed checks that tsql is refused with error 18456 for a
// wrong SQL password and a wrong NTLM password.
func TestTSQLLoginFailed(t *testing.T) {
	for _, ver := range []string{"7.4", "7.1"} {
		for _, user := range []string{sqlUser, ntlmDomain + `\` + ntlmUser} {
			t.Run(ver+"/"+user, func(t *testing.T) {
				s := startExampleServer(t, tdsserver.TLSOff)
				r := runTSQLOn(t, s, ver, "off", user, "wrong")
				if r.Err == nil {
					t.Errorf("tsql logged in with a wrong password:\n%s", r.Output())
				}
				want := "Msg 18456 (severity 14, state 1) from TDSWIRE"
				if !strings.Contains(r.Output(), want) || !strings.Contains(r.Output(), "Login failed for user '"+user+"'.") {
					t.Errorf("tsql output lacks %q and the message:\n%s", want, r.Output())
				}
				if st := s.Stats(); st.LoginFailed != 1 || st.Logins != 0 {
					t.Errorf("server stats %+v, want one failed login", st)
				}
			})
		}
	}
}
