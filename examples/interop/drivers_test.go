package interop

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tdswire/tdswire/examples/internal/peer"
	"github.com/tdswire/tdswire/examples/server/tdsserver"
	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tds/request"
)

// driverRows is the size of the big table each driver reads whole.
const driverRows = 100_000

// tlsCase is one encryption setting of the driver matrix: the server's
// mode and what FreeTDS is told (freetds.conf "encryption").
type tlsCase struct {
	name     string
	server   tdsserver.TLSMode
	freetds  string
	wantsTLS bool
}

var tlsCases = []tlsCase{
	{"none", tdsserver.TLSOff, "off", false},
	{"login-only", tdsserver.TLSLogin, "request", true},
	{"full", tdsserver.TLSRequired, "require", true},
}

// driverOutput is what each driver script prints.
type driverOutput struct {
	Literal   []any   `json:"literal"`
	Sample    [][]any `json:"sample"`
	Big       int     `json:"big"`
	Param     []any   `json:"param"`
	Bad       any     `json:"bad"`
	Trancount any     `json:"trancount"`
	BadLogin  any     `json:"badlogin"`
}

func texts(v []any) string {
	var s []string
	for _, x := range v {
		s = append(s, fmt.Sprint(x))
	}
	return strings.Join(s, "|")
}

// TestDrivers runs pymssql, pyodbc with FreeTDS ODBC, and Perl DBD::Sybase
// on their default settings against the example server, in every
// encryption mode: connect, a literal SELECT, the sample table, 100,000
// rows, a parameterised query, a bad statement (208), a bad password
// (18456), a transaction committed and one rolled back.
func TestDrivers(t *testing.T) {
	type driver struct {
		name    string
		unicode bool // the literal and the sample names keep non-ASCII text
		run     func(t *testing.T, port int, tc tlsCase, conf string) peer.Result
	}
	script := func(name string) string {
		p, err := filepath.Abs(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	drivers := []driver{
		{"pymssql", true, func(t *testing.T, port int, tc tlsCase, conf string) peer.Result {
			py := peer.PythonModule(t, "pymssql", "python3-pymssql")
			return peer.Run(context.Background(), peer.Cmd{Path: py, Args: []string{script("drivers_pymssql.py"), fmt.Sprint(port)},
				Env: []string{"FREETDSCONF=" + conf, "TDSVER=", "LANG=C.UTF-8"}, Timeout: 90 * time.Second})
		}},
		{"pyodbc", true, func(t *testing.T, port int, tc tlsCase, conf string) peer.Result {
			py := peer.PythonModule(t, "pyodbc", "python3-pyodbc")
			drv := peer.ISQL(t).Driver
			return peer.Run(context.Background(), peer.Cmd{Path: py, Args: []string{script("drivers_pyodbc.py"), drv, fmt.Sprint(port), tc.freetds},
				Env: []string{"FREETDSCONF=" + conf, "TDSVER=", "LANG=C.UTF-8"}, Timeout: 90 * time.Second})
		}},
		{"dbd-sybase", true, func(t *testing.T, port int, tc tlsCase, conf string) peer.Result {
			perl := peer.PerlDBDSybase(t)
			return peer.Run(context.Background(), peer.Cmd{Path: perl, Args: []string{script("drivers_dbd_sybase.pl"), fmt.Sprint(port)},
				Env: []string{"FREETDSCONF=" + conf, "TDSVER=", "LANG=C.UTF-8"}, Timeout: 90 * time.Second})
		}},
	}
	for _, d := range drivers {
		for _, tc := range tlsCases {
			t.Run(d.name+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				es := startExampleServer(t, tc.server, func(c *tdsserver.Config) {
					c.Users = append(c.Users, tdsserver.User{Name: "sa", Password: "Passw0rd!"})
					c.Rows = driverRows
					c.Databases = append(c.Databases, "tdswire")
					c.Record = true
					c.Logf = nil
				})
				conf := filepath.Join(t.TempDir(), "freetds.conf")
				if err := os.WriteFile(conf, []byte("[global]\n\ttds version = 7.4\n\tencryption = "+tc.freetds+"\n\tclient charset = UTF-8\n"), 0o600); err != nil {
					t.Fatal(err)
				}
				res := d.run(t, es.port, tc, conf)
				if res.Err != nil {
					t.Fatalf("%s: %v\n%s", d.name, res.Err, res.Output())
				}
				var out driverOutput
				if err := json.Unmarshal(res.Stdout, &out); err != nil {
					t.Fatalf("%s output: %v\n%s", d.name, err, res.Output())
				}
				lit := "42|héllo|None|1.5"
				if !d.unicode {
					lit = "42|hello|None|1.5"
				}
				if got := texts(out.Literal); got != lit {
					t.Errorf("literal SELECT: %s, want %s", got, lit)
				}
				var sample []string
				for _, r := range out.Sample {
					sample = append(sample, texts(r))
				}
				wantSample := "1|Alice|12.50 2|Bjørn Ünïcode €|None 3|None|-7.25"
				if got := strings.Join(sample, " "); d.unicode && got != wantSample || !d.unicode && len(sample) != 3 {
					t.Errorf("sample: %s, want %s", got, wantSample)
				}
				if out.Big != driverRows {
					t.Errorf("big: %d rows, want %d", out.Big, driverRows)
				}
				if got := texts(out.Param); !strings.HasPrefix(got, "2|Bj") {
					t.Errorf("parameterised query: %s, want row 2", got)
				}
				if fmt.Sprint(out.Bad) != "208" {
					t.Errorf("bad statement: %v, want 208", out.Bad)
				}
				if fmt.Sprint(out.BadLogin) != "18456" {
					t.Errorf("bad password: %v, want 18456", out.BadLogin)
				}
				if fmt.Sprint(out.Trancount) != "1" {
					t.Errorf("@@TRANCOUNT in the driver's transaction: %v, want 1", out.Trancount)
				}
				// The server saw the transaction committed and rolled back.
				var commits, rollbacks int
				for _, m := range es.Received() {
					switch d := m.Decoded.(type) {
					case string:
						u := strings.ToUpper(d)
						if strings.Contains(u, "COMMIT") {
							commits++
						}
						if strings.Contains(u, "ROLLBACK") {
							rollbacks++
						}
					}
					if tm, ok := m.Decoded.(*request.TransMgrReq); ok && m.Type == tds.PacketTransactionManager {
						switch tm.Type {
						case request.TMCommitXact:
							commits++
						case request.TMRollbackXact:
							rollbacks++
						}
					}
				}
				if commits == 0 || rollbacks == 0 {
					t.Errorf("server saw %d commits and %d rollbacks, want both", commits, rollbacks)
				}
				st := es.Stats()
				if tc.wantsTLS != (st.TLS > 0) {
					t.Errorf("TLS handshakes %d, want encryption %v", st.TLS, tc.wantsTLS)
				}
				if st.ClientErrors != 0 {
					t.Errorf("%d connections ended with a protocol error", st.ClientErrors)
				}
				t.Logf("%s %s: %d logins, %d batches, %d RPCs, %d TM requests, %s", d.name, tc.name, st.Logins, st.Batches, st.RPCs, st.TMRequests, res.Elapsed.Round(time.Millisecond))
			})
		}
	}
}
