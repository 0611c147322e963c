package bench

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tdswire/tdswire/examples/internal/peer"
	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tds/sqltype"
	"github.com/tdswire/tdswire/tokens"
)

// wideCase is one wide result shape with its readers.
type wideCase struct {
	name  string
	query string
	cols  int
	// decode is the tdswire reader of a captured response, mssql the
	// go-mssqldb reader of the query.
	decode func(d *Decoder, packets []byte, hash, perValue bool) (WideSum, error)
	mssql  func(context.Context, *sql.DB, bool) (WideSum, error)
}

var wideCases = []wideCase{
	{"wide25", Wide25Query, len(wide25), (*Decoder).DecodeWide25, QueryWide25},
	{"wide64", Wide64Query, 64, (*Decoder).DecodeWide64, QueryWide64},
}

// TestWideSameRows checks that go-mssqldb, reading the wide tables from
// the server, tdswire, decoding the captured bytes, and tedious, reading a
// replay of them, produce the same rows (the SHA-256 of their canonical
// text), and the views reader the same row count.
func TestWideSameRows(t *testing.T) {
	s := startServer(t, 10)
	ctx := testContext(t)
	for _, c := range wideCases {
		t.Run(c.name, func(t *testing.T) {
			msgs, want, err := CaptureWide(ctx, s, c.mssql)
			if err != nil {
				t.Fatal(err)
			}
			if want.Rows != WideRows || len(want.Hash) != 64 {
				t.Fatalf("go-mssqldb read %+v, want %d rows", want, WideRows)
			}
			packets := msgs[len(msgs)-1]
			d := NewDecoder()
			for _, perValue := range []bool{false, true} {
				got, err := c.decode(d, packets, true, perValue)
				if err != nil {
					t.Fatal(err)
				}
				if got != want {
					t.Errorf("tdswire (perValue %v) %+v, go-mssqldb %+v", perValue, got, want)
				}
			}
			if n, err := d.ViewWide(packets, c.cols); err != nil || n != WideRows {
				t.Errorf("ViewWide: %d rows, %v", n, err)
			}
			res := runTedious(t, msgs, c.query, 1)
			if res.Sum != want {
				t.Errorf("tedious %+v, go-mssqldb %+v", res.Sum, want)
			}
		})
	}
}

// TestWideCanon pins the canonical text of row 7 of wide25, which all
// three readers must agree on: a change to the table shows here.
func TestWideCanon(t *testing.T) {
	s := startServer(t, 10)
	msgs, _, err := CaptureWide(testContext(t), s, QueryWide25)
	if err != nil {
		t.Fatal(err)
	}
	var row7 string
	if _, err := NewDecoder().wideRows(msgs[len(msgs)-1], len(wide25), func(v []tokens.ColumnValue) error {
		var r Wide25Row
		if err := r.decode(v, false); err != nil {
			return err
		}
		if r.ID == 7 {
			row7 = string(r.AppendCanon(nil))
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	want := strings.Join([]string{"7", `\N`, "7000021007", "-55433", "0", "0",
		"c08f2f47ae147ae1", "3fc2492492492492", "864.16", "0.49", "-499930.8645", "7.0005",
		"naïve-7-€", "Ünïcode 7", lorem[:17], "C-00000007", "x7",
		"2020-01-01T02:24:01.969Z", "2019-12-31T23:53:00.000Z", "2000-01-08", "1990-01-08",
	}, "\x1f")
	if !strings.HasPrefix(row7, want+"\x1f") {
		t.Errorf("row 7 canonical text\n%q\nwant prefix\n%q", row7, want)
	}
}

// tediousResult is what tediousScript reports.
type tediousResult struct {
	Sum  WideSum
	Runs []time.Duration // each timed run, inside node
}

// tediousScript connects with the configuration in argv[2], runs the SQL
// batch argv[3] once checking its rows (the SHA-256 of their canonical
// text, as Wide25Row.AppendCanon writes it) and then argv[4] more times,
// timing each from execSqlBatch to its completion with every value of
// every row touched, and prints one JSON line per run.
const tediousScript = `'use strict';
const { Connection, Request } = require('tedious');
const crypto = require('crypto');
const out = (o) => console.log(JSON.stringify(o));
const c = new Connection(JSON.parse(process.argv[2]));
const sql = process.argv[3];
const runs = parseInt(process.argv[4], 10);
const fbuf = Buffer.alloc(8);
function canon(col) {
  const v = col.value;
  if (v === null) return '\\N';
  switch (col.metadata.type.name) {
  case 'BitN': case 'Bit': return v ? '1' : '0';
  case 'FloatN': case 'Float': fbuf.writeDoubleBE(v); return fbuf.toString('hex');
  case 'DecimalN': case 'NumericN': return v.toFixed(col.metadata.scale);
  case 'MoneyN': case 'Money': return v.toFixed(4);
  case 'DateTime2': case 'DateTime2N': return v.toISOString();
  case 'Date': case 'DateN': return v.toISOString().slice(0, 10);
  case 'UniqueIdentifier': return v.toLowerCase();
  case 'BigVarBinary': case 'VarBinary': return v.toString('hex');
  default: return String(v);
  }
}
function run(check) {
  return new Promise((resolve, reject) => {
    const h = check ? crypto.createHash('sha256') : null;
    let rows = 0, touched = 0;
    const start = process.hrtime.bigint();
    const r = new Request(sql, (err) => {
      const ns = Number(process.hrtime.bigint() - start);
      if (err) { reject(err); return; }
      resolve({ rows, ns, touched, hash: h ? h.digest('hex') : '' });
    });
    r.on('row', (cols) => {
      rows++;
      if (h) {
        h.update(Buffer.from(cols.map(canon).join('\x1f') + '\x1f\x1e', 'utf8'));
        return;
      }
      for (let i = 0; i < cols.length; i++) {
        const v = cols[i].value;
        if (v !== null) touched += typeof v === 'string' ? v.length : 1;
      }
    });
    c.execSqlBatch(r);
  });
}
c.on('error', (err) => { out({ error: err.message }); process.exit(1); });
c.connect(async (err) => {
  if (err) { out({ error: err.message }); process.exit(1); }
  try {
    out(await run(true));
    for (let i = 0; i < runs; i++) out(await run(false));
  } catch (e) { out({ error: e.message }); process.exitCode = 1; }
  c.close();
});
`

// tediousScriptMessages turns a captured go-mssqldb session (PRELOGIN,
// login and query responses) into one tedious can be replayed: tedious
// sends a batch of SET options after its login, answered here with a
// DONE, before its query.
func tediousScriptMessages(tb testing.TB, msgs [][]byte) [][]byte {
	tb.Helper()
	var done bytes.Buffer
	w, err := tds.NewWriter(&done, 4096)
	if err == nil {
		err = w.BeginMessage(tds.PacketResponse, 0)
	}
	if err == nil {
		_, err = w.Write(tokens.Done{Status: tokens.DoneFinal}.Append(nil, tds.Version74))
	}
	if err == nil {
		err = w.EndMessage()
	}
	if err != nil {
		tb.Fatal(err)
	}
	return [][]byte{msgs[0], msgs[1], done.Bytes(), msgs[2]}
}

// runTedious replays msgs (a captured go-mssqldb session) to tedious,
// which runs query once checking its rows and then runs more times, timed.
func runTedious(tb testing.TB, msgs [][]byte, query string, runs int) tediousResult {
	tb.Helper()
	n := peer.Tedious(tb)
	replay, err := StartReplay(tediousScriptMessages(tb, msgs))
	if err != nil {
		tb.Fatal(err)
	}
	defer replay.Close()
	script := filepath.Join(tb.TempDir(), "wide.js")
	if err := os.WriteFile(script, []byte(tediousScript), 0o600); err != nil {
		tb.Fatal(err)
	}
	_, port, _ := strings.Cut(replay.ln.Addr().String(), ":")
	conf, err := json.Marshal(map[string]any{
		"server":         "127.0.0.1",
		"authentication": map[string]any{"type": "default", "options": map[string]any{"userName": User, "password": Password}},
		"options": map[string]any{"port": mustAtoi(tb, port), "encrypt": false, "trustServerCertificate": true,
			"tdsVersion": "7_4", "packetSize": 4096, "connectTimeout": 10000, "requestTimeout": 0},
	})
	if err != nil {
		tb.Fatal(err)
	}
	r := peer.Run(context.Background(), peer.Cmd{
		Path:    n.Node,
		Args:    []string{script, string(conf), query, strconv.Itoa(runs)},
		Env:     []string{"NODE_PATH=" + filepath.Join(n.Dir, "node_modules")},
		Dir:     n.Dir,
		Timeout: 10 * time.Minute,
	})
	var res tediousResult
	sc := bufio.NewScanner(bytes.NewReader(r.Stdout))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var line struct {
			Rows  int     `json:"rows"`
			NS    float64 `json:"ns"`
			Hash  string  `json:"hash"`
			Error string  `json:"error"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			tb.Fatalf("tedious printed %q: %v\n%s", sc.Text(), err, r.Output())
		}
		if line.Error != "" {
			tb.Fatalf("tedious: %s\n%s", line.Error, r.Output())
		}
		if line.Hash != "" {
			res.Sum = WideSum{Rows: line.Rows, Hash: line.Hash}
			continue
		}
		if line.Rows != res.Sum.Rows {
			tb.Fatalf("tedious read %d rows in a timed run, %d in the checked one", line.Rows, res.Sum.Rows)
		}
		res.Runs = append(res.Runs, time.Duration(line.NS))
	}
	if r.TimedOut || len(res.Runs) != runs || res.Sum.Rows == 0 {
		tb.Fatalf("tedious: %d of %d runs (timed out: %v)\n%s", len(res.Runs), runs, r.TimedOut, r.Output())
	}
	return res
}

func mustAtoi(tb testing.TB, s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

// BenchmarkWide reads the two wide result sets (WideRows rows each) in
// one run, side by side on the same captured bytes (benchstat -col
// /reader): go-mssqldb scanning into Go values against Replay
// (mssqldb-replay), tdswire decoding the captured response into the same
// Go values (tokens) or to value views only (tokens-views), and tedious
// reading the replayed session, every value of every row touched, timed
// inside node from execSqlBatch to the request's end (its ns/op replaces
// the wall time, which includes node's start-up and login). With -short
// it reads only the 25-column shape.
func BenchmarkWide(b *testing.B) {
	s := startServer(b, 10)
	ctx := testContext(b)
	cases := wideCases
	if testing.Short() {
		cases = cases[:1] // the short form of .ci/bench-smoke
	}
	for _, c := range cases {
		msgs, want, err := CaptureWide(ctx, s, c.mssql)
		if err != nil {
			b.Fatal(err)
		}
		want.Hash = ""
		packets := msgs[len(msgs)-1]
		replay, err := StartReplay(msgs)
		if err != nil {
			b.Fatal(err)
		}
		b.Run("shape="+c.name+"/reader=mssqldb-replay", func(b *testing.B) {
			db, err := sql.Open("sqlserver", replay.DSN())
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			db.SetMaxOpenConns(1)
			if err := db.PingContext(ctx); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.SetBytes(int64(len(packets)))
			for b.Loop() {
				sum, err := c.mssql(ctx, db, false)
				if err != nil {
					b.Fatal(err)
				}
				if sum != want {
					b.Fatalf("read %+v, want %+v", sum, want)
				}
			}
			reportRows(b, WideRows)
		})
		replay.Close()
		for _, reader := range []string{"tokens", "tokens-strings"} {
			b.Run("shape="+c.name+"/reader="+reader, func(b *testing.B) {
				d := NewDecoder()
				b.ReportAllocs()
				b.SetBytes(int64(len(packets)))
				for b.Loop() {
					sum, err := c.decode(d, packets, false, reader == "tokens-strings")
					if err != nil {
						b.Fatal(err)
					}
					if sum != want {
						b.Fatalf("read %+v, want %+v", sum, want)
					}
				}
				reportRows(b, WideRows)
			})
		}
		b.Run("shape="+c.name+"/reader=alloc-floor", func(b *testing.B) {
			// The strings every reader into Go values must make: each
			// row's text (as the tokens reader gathers it, UTF-8) made
			// one string, from text decoded beforehand. No TDS is read.
			texts := wideTexts(b, packets, c.cols)
			b.ReportAllocs()
			b.SetBytes(int64(len(packets)))
			var sink string
			for b.Loop() {
				for _, t := range texts {
					sink = string(t)
				}
			}
			if len(texts) != WideRows || len(sink) == 0 {
				b.Fatalf("%d row texts", len(texts))
			}
			reportRows(b, WideRows)
		})
		b.Run("shape="+c.name+"/reader=tokens-views", func(b *testing.B) {
			d := NewDecoder()
			b.ReportAllocs()
			b.SetBytes(int64(len(packets)))
			for b.Loop() {
				n, err := d.ViewWide(packets, c.cols)
				if err != nil {
					b.Fatal(err)
				}
				if n != WideRows {
					b.Fatalf("read %d rows, want %d", n, WideRows)
				}
			}
			reportRows(b, WideRows)
		})
		b.Run("shape="+c.name+"/reader=tedious", func(b *testing.B) {
			res := runTedious(b, msgs, c.query, b.N)
			if res.Sum.Rows != WideRows {
				b.Fatalf("tedious read %d rows, want %d", res.Sum.Rows, WideRows)
			}
			var total time.Duration
			for _, d := range res.Runs {
				total += d
			}
			b.SetBytes(int64(len(packets)))
			b.ReportMetric(float64(total.Nanoseconds())/float64(b.N), "ns/op")
			b.ReportMetric(float64(WideRows)*float64(b.N)/total.Seconds(), "rows/s")
		})
	}
}

// wideTexts returns the UTF-8 text of each row's string values (nvarchar
// and varchar) of a captured wide response, one slice a row.
func wideTexts(tb testing.TB, packets []byte, cols int) [][]byte {
	tb.Helper()
	var texts [][]byte
	_, err := NewDecoder().wideRows(packets, cols, func(v []tokens.ColumnValue) error {
		var t []byte
		for k := range v {
			if v[k].IsNull() {
				continue
			}
			switch v[k].Type() {
			case sqltype.TypeNVarChar:
				u, err := v[k].UCS2()
				if err != nil {
					return err
				}
				t = u.AppendUTF8(t)
			case sqltype.TypeBigVarChar:
				c, err := v[k].Chars()
				if err != nil {
					return err
				}
				t = append(t, c...)
			}
		}
		texts = append(texts, t)
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return texts
}
