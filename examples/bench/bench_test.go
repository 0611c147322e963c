package bench

import (
	"context"
	"database/sql"
	"testing"
	"time"

	mssql "github.com/microsoft/go-mssqldb"

	"github.com/tdswire/tdswire/examples/client/tdsclient"
	"github.com/tdswire/tdswire/tds"
)

// bigRows is the size of the result set the row benchmarks read.
const bigRows = 100_000

func startServer(tb testing.TB, rows int) *Server {
	tb.Helper()
	s, err := StartServer(rows)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Error(err)
		}
	})
	return s
}

func testContext(tb testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	tb.Cleanup(cancel)
	return ctx
}

// TestSameRows checks that the tokens decoder reads, from the captured
// response, exactly the rows go-mssqldb read from the wire: the
// comparison in BenchmarkRows is between two readers of the same data.
func TestSameRows(t *testing.T) {
	s := startServer(t, 2000)
	var want []Row
	msgs, sum, err := CaptureResponse(testContext(t), s, func(r *Row) { want = append(want, *r) })
	if err != nil {
		t.Fatal(err)
	}
	packets := msgs[len(msgs)-1]
	if sum.Rows != 2000 || len(want) != 2000 {
		t.Fatalf("go-mssqldb read %d rows, want 2000", sum.Rows)
	}
	var got []Row
	gsum, err := NewDecoder().DecodeRows(packets, func(r *Row) { got = append(got, *r) })
	if err != nil {
		t.Fatal(err)
	}
	if gsum != sum || len(got) != len(want) {
		t.Fatalf("tokens: %+v, go-mssqldb: %+v", gsum, sum)
	}
	for i := range want {
		if got[i].ID != want[i].ID || got[i].Name != want[i].Name || got[i].Price != want[i].Price || !got[i].Created.Equal(want[i].Created) {
			t.Fatalf("row %d: tokens %+v, go-mssqldb %+v", i, got[i], want[i])
		}
	}
	if want[1].Name != "row 2" || want[1].Price != "2.50" {
		t.Errorf("row 2 = %+v, want name \"row 2\", price 2.50", want[1])
	}
}

// TestDecodeRowsAllocs pins the tokens side: per row, only the two
// strings the Row holds are allocated, plus one allocation per response.
func TestDecodeRowsAllocs(t *testing.T) {
	s := startServer(t, 1000)
	msgs, _, err := CaptureResponse(testContext(t), s, nil)
	if err != nil {
		t.Fatal(err)
	}
	packets := msgs[len(msgs)-1]
	d := NewDecoder()
	if _, err := d.DecodeRows(packets, nil); err != nil {
		t.Fatal(err)
	}
	n := testing.AllocsPerRun(5, func() {
		if _, err := d.DecodeRows(packets, nil); err != nil {
			t.Fatal(err)
		}
	})
	if n > 2*1000+1 {
		t.Errorf("DecodeRows: %v allocations for 1000 rows, want at most 2 per row and 1 more", n)
	}
	if n := testing.AllocsPerRun(5, func() {
		if _, err := d.CountRows(packets); err != nil {
			t.Fatal(err)
		}
	}); n > 1 {
		t.Errorf("CountRows: %v allocations for 1000 rows, want at most 1", n)
	}
}

func reportRows(b *testing.B, rows int) {
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkRows reads the 100,000-row result set with go-mssqldb from the
// server over loopback, and decodes the same response bytes with tdswire,
// in one run (benchstat -col /reader puts them side by side).
// "mssqldb-replay" is go-mssqldb against Replay playing the captured
// session back, so that the server does no work but writing the bytes.
// "tokens"
// converts every value to the Go value go-mssqldb gives (int64, string,
// decimal text, time.Time); "tokens-views" stops at the value views (the
// id read as an int, the rest left as views). With -short it reads 5,000
// rows.
func BenchmarkRows(b *testing.B) {
	bigRows := bigRows
	if testing.Short() {
		bigRows = 5000 // the short form of .ci/bench-smoke
	}
	s := startServer(b, bigRows)
	ctx := testContext(b)
	msgs, want, err := CaptureResponse(ctx, s, nil)
	if err != nil {
		b.Fatal(err)
	}
	packets := msgs[len(msgs)-1]
	replay, err := StartReplay(msgs)
	if err != nil {
		b.Fatal(err)
	}
	defer replay.Close()
	if want.Rows != bigRows {
		b.Fatalf("captured %d rows, want %d", want.Rows, bigRows)
	}
	// go-mssqldb reads the rows from the example server, then from a replay
	// of the same bytes (the server side doing nothing but write them).
	mssqldb := func(dsn string) func(*testing.B) {
		return func(b *testing.B) {
			db, err := sql.Open("sqlserver", dsn)
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
				sum, err := QueryRows(ctx, db, nil)
				if err != nil {
					b.Fatal(err)
				}
				if sum != want {
					b.Fatalf("read %+v, want %+v", sum, want)
				}
			}
			reportRows(b, bigRows)
		}
	}
	b.Run("reader=mssqldb", mssqldb(s.DSN()))
	b.Run("reader=mssqldb-replay", mssqldb(replay.DSN()))
	b.Run("reader=tokens", func(b *testing.B) {
		d := NewDecoder()
		b.ReportAllocs()
		b.SetBytes(int64(len(packets)))
		for b.Loop() {
			sum, err := d.DecodeRows(packets, nil)
			if err != nil {
				b.Fatal(err)
			}
			if sum != want {
				b.Fatalf("read %+v, want %+v", sum, want)
			}
		}
		reportRows(b, bigRows)
	})
	b.Run("reader=tokens-views", func(b *testing.B) {
		d := NewDecoder()
		b.ReportAllocs()
		b.SetBytes(int64(len(packets)))
		for b.Loop() {
			n, err := d.CountRows(packets)
			if err != nil {
				b.Fatal(err)
			}
			if n != bigRows {
				b.Fatalf("read %d rows, want %d", n, bigRows)
			}
		}
		reportRows(b, bigRows)
	})
}

// BenchmarkLogins logs in on a new connection per iteration (PRELOGIN,
// LOGIN7 with SQL authentication, the login response) and closes it,
// with go-mssqldb and with the example client built on tdswire
// (examples/client/tdsclient, its step trace sent to io.Discard), against
// the same server in one run.
func BenchmarkLogins(b *testing.B) {
	s := startServer(b, 10)
	ctx := testContext(b)
	b.Run("client=mssqldb", func(b *testing.B) {
		conn, err := mssql.NewConnector(s.DSN())
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			c, err := conn.Connect(ctx)
			if err != nil {
				b.Fatal(err)
			}
			c.Close()
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "logins/s")
	})
	b.Run("client=tdsclient", func(b *testing.B) {
		cfg := tdsclient.Config{Addr: s.Addr(), User: User, Password: Password}
		b.ReportAllocs()
		for b.Loop() {
			res, err := tdsclient.Run(ctx, cfg)
			if err != nil {
				b.Fatal(err)
			}
			if res.Version != tds.Version74 {
				b.Fatalf("LOGINACK version %v", res.Version)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "logins/s")
	})
}

// TestReplay checks that go-mssqldb reads the same rows, twice on one
// connection, from Replay as from the server it was captured from.
func TestReplay(t *testing.T) {
	ctx := testContext(t)
	s := startServer(t, 500)
	msgs, want, err := CaptureResponse(ctx, s, nil)
	if err != nil {
		t.Fatal(err)
	}
	p, err := StartReplay(msgs)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlserver", p.DSN())
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	for i := 0; i < 2; i++ {
		got, err := QueryRows(ctx, db, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got != want || got.Rows != 500 {
			t.Fatalf("query %d through the replay: %+v, want %+v", i, got, want)
		}
	}
	db.Close()
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
}
