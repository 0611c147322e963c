package interop

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/tdswire/tdswire/examples/internal/peer"
	"github.com/tdswire/tdswire/examples/server/tdsserver"
)

// TestMARSISQL logs the FreeTDS ODBC driver in to the example server
// through unixODBC's isql with MARS_Connection=Yes in the DSN: the
// driver asks for MARS in PRELOGIN, the server grants it, and after the
// login every request travels in an SMP session ([MC-SMP]). isql
// prepares each statement, so the driver sends sp_prepexec RPCs. The test
// checks the rows isql printed and that the server saw SMP SYN and DATA
// packets and answered through an SMP session, without encryption and
// with the whole connection in TLS.
func TestMARSISQL(t *testing.T) {
	for _, c := range []struct {
		name, encryption string
		mode             tdsserver.TLSMode
	}{
		{"no-tls", "off", tdsserver.TLSOff},
		{"tls", "require", tdsserver.TLSRequired},
	} {
		t.Run(c.name, func(t *testing.T) {
			o := peer.ISQL(t)
			s := startExampleServer(t, c.mode)
			env := peer.WriteODBCIni(t, peer.ODBCDSN{Name: "mars", Driver: o.Driver, Attrs: map[string]string{
				"Server":          "127.0.0.1",
				"Port":            strconv.Itoa(s.port),
				"TDS_Version":     "7.4",
				"Encryption":      c.encryption,
				"Database":        "sales",
				"MARS_Connection": "Yes",
				"ClientCharset":   "UTF-8",
			}})
			r := peer.Run(context.Background(), peer.Cmd{
				Path:    o.ISQL,
				Args:    []string{"-v", "-b", "mars", sqlUser, sqlPassword},
				Env:     append(env, "LC_ALL=C", "LANG=C"),
				Stdin:   "SELECT * FROM sample\nSELECT 1\nSELECT * FROM big\n",
				Timeout: clientTimeout,
			})
			if r.TimedOut || r.Err != nil {
				t.Fatalf("isql: %v (timed out %v):\n%s", r.Err, r.TimedOut, r.Output())
			}
			out := string(r.Stdout)
			for _, want := range []string{
				"| 1          | Alice ",
				"| 12.50       | 2024-01-02 03:04:05.1234567|",
				"| 3          |          ",
				"| -7.25       |                            |",
				"SQLRowCount returns 3",
				"| 50         | row 50 ",
				"SQLRowCount returns 50",
			} {
				if !strings.Contains(out, want) {
					t.Errorf("isql output lacks %q:\n%s", want, r.Output())
				}
			}
			st := s.Stats()
			if st.Logins != 1 || st.SMPSessions < 1 || st.RPCs != 6 || st.ClientErrors != 0 {
				t.Errorf("server stats %+v: want a login, SMP SYN, DATA and a session, 6 RPCs (sp_prepexec and sp_unprepare for each statement)", st)
			}
			if (st.TLS == 1) != (c.mode == tdsserver.TLSRequired) {
				t.Errorf("server stats %+v: TLS handshakes for %s", st, c.name)
			}
		})
	}
}
