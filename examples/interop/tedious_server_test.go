package interop

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/tdswire/tdswire/examples/internal/peer"
	"github.com/tdswire/tdswire/examples/server/tdsserver"
)

// tediousQueryScript connects with the configuration in argv[2], runs the
// requests listed in argv[3] one after the other (execSql, which sends an
// sp_executesql RPC, or execSqlBatch, a SQL batch) and prints one JSON
// line per event: the login's INFO and ERROR messages, each request's
// columns, rows and error, and the end.
const tediousQueryScript = `'use strict';
const { Connection, Request, TYPES } = require('tedious');
const out = (o) => console.log(JSON.stringify(o));
const timer = setTimeout(() => { out({ event: 'timeout' }); process.exit(3); }, 15000);
const c = new Connection(JSON.parse(process.argv[2]));
const queries = JSON.parse(process.argv[3]);
const value = (v) => v === null ? null : v instanceof Date ? v.toISOString() : v;
function run(q) {
  return new Promise((resolve) => {
    let cols = [];
    const rows = [];
    const r = new Request(q.sql, (err, rowCount) => resolve({
      event: 'request', sql: q.sql, rowCount, cols, rows,
      error: err ? { message: err.message, number: err.number, class: err.class, state: err.state } : null,
    }));
    for (const p of q.params || []) r.addParameter(p.name, TYPES[p.type], p.value);
    r.on('columnMetadata', (m) => { cols = m.map((x) => ({ name: x.colName, type: x.type.name, precision: x.precision, scale: x.scale })); });
    r.on('row', (row) => rows.push(row.map((x) => value(x.value))));
    if (q.batch) c.execSqlBatch(r); else c.execSql(r);
  });
}
c.on('errorMessage', (t) => out({ event: 'errorMessage', number: t.number, class: t.class, state: t.state, message: t.message }));
c.on('infoMessage', (t) => out({ event: 'infoMessage', number: t.number, message: t.message }));
c.on('end', () => { clearTimeout(timer); out({ event: 'end' }); });
c.on('error', (err) => out({ event: 'error', message: err.message }));
c.on('connect', async (err) => {
  if (err) {
    out({ event: 'connect', error: err.message, code: err.code });
    process.exitCode = 1;
    c.close();
    return;
  }
  out({ event: 'connect' });
  for (const q of queries) out(await run(q));
  c.close();
});
c.connect();
`

// tediousQuery is one request for tediousQueryScript.
type tediousQuery struct {
	SQL    string         `json:"sql"`
	Batch  bool           `json:"batch,omitempty"`
	Params []tediousParam `json:"params,omitempty"`
}

type tediousParam struct {
	Name  string `json:"name"`
	Type  string `json:"type"` // a key of tedious's TYPES
	Value any    `json:"value"`
}

// tediousEvent is one line the script prints.
type tediousEvent struct {
	Event    string `json:"event"`
	Error    any    `json:"error"` // a string for connect, an object for a request
	Code     string `json:"code"`
	Number   int    `json:"number"`
	Class    int    `json:"class"`
	State    int    `json:"state"`
	Message  string `json:"message"`
	SQL      string `json:"sql"`
	RowCount int    `json:"rowCount"`
	Cols     []struct {
		Name      string `json:"name"`
		Type      string `json:"type"`
		Precision int    `json:"precision"`
		Scale     int    `json:"scale"`
	} `json:"cols"`
	Rows [][]any `json:"rows"`
}

// runTediousQueries runs tediousQueryScript against the example server.
func runTediousQueries(t *testing.T, s *exampleServer, authentication string, encrypt bool, tdsVersion string, queries []tediousQuery) ([]tediousEvent, peer.Result) {
	t.Helper()
	n := peer.Tedious(t)
	script := filepath.Join(t.TempDir(), "query.js")
	if err := os.WriteFile(script, []byte(tediousQueryScript), 0o600); err != nil {
		t.Fatal(err)
	}
	conf := fmt.Sprintf(`{"server":"127.0.0.1","authentication":%s,"options":{"port":%d,"encrypt":%v,"trustServerCertificate":true,"database":"sales","tdsVersion":%q,"connectTimeout":5000,"requestTimeout":5000}}`,
		authentication, s.port, encrypt, tdsVersion)
	qs, err := json.Marshal(queries)
	if err != nil {
		t.Fatal(err)
	}
	r := peer.Run(context.Background(), peer.Cmd{
		Path:    n.Node,
		Args:    []string{script, conf, string(qs)},
		Env:     []string{"NODE_PATH=" + filepath.Join(n.Dir, "node_modules")},
		Dir:     n.Dir,
		Timeout: clientTimeout,
	})
	if r.TimedOut {
		t.Fatalf("node did not finish within %v:\n%s", clientTimeout, r.Output())
	}
	var evs []tediousEvent
	sc := bufio.NewScanner(bytes.NewReader(r.Stdout))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var e tediousEvent
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("tedious printed %q: %v\n%s", sc.Text(), err, r.Output())
		}
		evs = append(evs, e)
	}
	return evs, r
}

func sqlAuth(user, pass string) string {
	return fmt.Sprintf(`{"type":"default","options":{"userName":%q,"password":%q}}`, user, pass)
}

func ntlmAuth(domain, user, pass string) string {
	return fmt.Sprintf(`{"type":"ntlm","options":{"domain":%q,"userName":%q,"password":%q}}`, domain, user, pass)
}

// TestTediousQueries logs tedious in to the example server (SQL and NTLM,
// with and without TLS, TDS 7.4 and 7.1; tedious sends its SET options as
// a batch after the login) and runs a batch, sp_executesql RPCs with
// parameters, and a statement the server does not know.
func TestTediousQueries(t *testing.T) {
	queries := []tediousQuery{
		{SQL: "SELECT * FROM sample", Batch: true},
		{SQL: "SELECT * FROM sample"}, // through sp_executesql
		{SQL: "SELECT @n, @s, @d", Params: []tediousParam{
			{Name: "n", Type: "Int", Value: 42},
			{Name: "s", Type: "NVarChar", Value: "héllo"},
			{Name: "d", Type: "Int", Value: nil},
		}},
		{SQL: "DROP TABLE nothing", Batch: true},
		{SQL: "SELECT 1", Batch: true},
	}
	cases := []struct {
		name    string
		mode    tdsserver.TLSMode
		encrypt bool
		ver     string
		auth    string
		tls     bool
		ntlm    bool
	}{
		{"sql/no-tls/7.4", tdsserver.TLSOff, false, "7_4", sqlAuth(sqlUser, sqlPassword), false, false},
		// encrypt:false sends ENCRYPT_NOT_SUP, so nothing is encrypted
		// even by a server that offers TLS.
		{"sql/not-sup/7.4", tdsserver.TLSLogin, false, "7_4", sqlAuth(sqlUser, sqlPassword), false, false},
		{"sql/tls-offered/7.4", tdsserver.TLSLogin, true, "7_4", sqlAuth(sqlUser, sqlPassword), true, false},
		{"sql/full-tls/7.4", tdsserver.TLSRequired, true, "7_4", sqlAuth(sqlUser, sqlPassword), true, false},
		{"sql/no-tls/7.1", tdsserver.TLSOff, false, "7_1", sqlAuth(sqlUser, sqlPassword), false, false},
		{"ntlm/no-tls/7.4", tdsserver.TLSOff, false, "7_4", ntlmAuth(ntlmDomain, ntlmUser, ntlmPass), false, true},
		{"ntlm/full-tls/7.4", tdsserver.TLSRequired, true, "7_4", ntlmAuth(ntlmDomain, ntlmUser, ntlmPass), true, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := startExampleServer(t, c.mode)
			evs, r := runTediousQueries(t, s, c.auth, c.encrypt, c.ver, queries)
			var reqs []tediousEvent
			connected := false
			for _, e := range evs {
				switch e.Event {
				case "connect":
					connected = e.Error == nil
				case "request":
					reqs = append(reqs, e)
				}
			}
			if !connected || len(reqs) != len(queries) {
				t.Fatalf("tedious: connected %v, %d of %d requests answered:\n%s", connected, len(reqs), len(queries), r.Output())
			}
			created1, created2 := "2024-01-02T03:04:05.123Z", "2024-02-29T23:59:59.999Z"
			typ := "DateTime2"
			if c.ver == "7_1" {
				created1, created2, typ = "2024-01-02 03:04:05.1234567", "2024-02-29 23:59:59.9999999", "NVarChar"
			}
			wantRows := fmt.Sprint([][]any{
				{1.0, "Alice", 12.5, created1},
				{2.0, "Bjørn Ünïcode €", nil, created2},
				{3.0, nil, -7.25, nil},
			})
			for _, e := range reqs[:2] {
				if e.Error != nil || fmt.Sprint(e.Rows) != wantRows {
					t.Errorf("%q: error %v, rows %v, want %v", e.SQL, e.Error, e.Rows, wantRows)
				}
				if len(e.Cols) != 4 || e.Cols[0].Type != "IntN" || e.Cols[1].Type != "NVarChar" ||
					e.Cols[2].Type != "DecimalN" || e.Cols[2].Precision != 10 || e.Cols[2].Scale != 2 || e.Cols[3].Type != typ {
					t.Errorf("%q: columns %+v", e.SQL, e.Cols)
				}
			}
			if e := reqs[2]; e.Error != nil || fmt.Sprint(e.Rows) != fmt.Sprint([][]any{{42.0, "héllo", nil}}) {
				t.Errorf("%q: error %v, rows %v", e.SQL, e.Error, e.Rows)
			}
			if e := reqs[3]; e.Error == nil || fmt.Sprint(e.Error.(map[string]any)["number"]) != "3701" {
				t.Errorf("%q: error %v, want number 3701", e.SQL, e.Error)
			}
			if e := reqs[4]; e.Error != nil || fmt.Sprint(e.Rows) != "[[1]]" {
				t.Errorf("%q: error %v, rows %v", e.SQL, e.Error, e.Rows)
			}
			st := s.Stats()
			// Batches: tedious's SET options, two batches above, the
			// unknown statement and SELECT 1.
			if st.Logins != 1 || (st.TLS == 1) != c.tls || (st.NTLMLogins == 1) != c.ntlm || st.RPCs != 2 || st.Batches != 4 || st.ClientErrors != 0 {
				t.Errorf("server stats %+v: want one login, TLS %v, NTLM %v, 2 RPCs, 4 batches", st, c.tls, c.ntlm)
			}
		})
	}
}

// TestTediousLoginFailed checks that tedious gets error 18456 for a wrong
// SQL password and a wrong NTLM password.
func TestTediousLoginFailed(t *testing.T) {
	for _, c := range []struct{ name, auth, user string }{
		{"sql", sqlAuth(sqlUser, "wrong"), sqlUser},
		{"ntlm", ntlmAuth(ntlmDomain, ntlmUser, "wrong"), ntlmDomain + `\` + ntlmUser},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := startExampleServer(t, tdsserver.TLSOff)
			evs, r := runTediousQueries(t, s, c.auth, false, "7_4", nil)
			var got *tediousEvent
			for i := range evs {
				if evs[i].Event == "errorMessage" {
					got = &evs[i]
				}
			}
			if got == nil || got.Number != 18456 || got.Class != 14 || got.State != 1 || got.Message != "Login failed for user '"+c.user+"'." {
				t.Errorf("tedious login error %+v, want 18456 class 14 state 1:\n%s", got, r.Output())
			}
			if r.Err == nil {
				t.Errorf("tedious reported success:\n%s", r.Output())
			}
		})
	}
}
