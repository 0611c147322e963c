package tdsserver

import (
	"io"
	"net"
	"testing"
	"time"

	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tokens"
)

// BenchmarkAppendRow encodes one ROW of the big table (int, nvarchar,
// decimal, datetime2) into a reused buffer.
func BenchmarkAppendRow(b *testing.B) {
	r := BigRow(12345)
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = appendRow(buf[:0], r, tds.Version74); err != nil {
			b.Fatal(err)
		}
	}
}

// TestAppendBigRow checks appendBigRow against appendRow of BigRow and
// pins that it does not allocate.
func TestAppendBigRow(t *testing.T) {
	var scratch []byte
	for _, i := range []int{1, 9, 10, 12345, MaxBigRows} {
		want, err := appendRow(nil, BigRow(i), tds.Version74)
		if err != nil {
			t.Fatal(err)
		}
		var got []byte
		got, scratch, err = appendBigRow(nil, scratch, i, tds.Version74)
		if err != nil || string(got) != string(want) {
			t.Errorf("row %d: % x, %v; want % x", i, got, err, want)
		}
	}
	buf := make([]byte, 0, 256)
	if n := testing.AllocsPerRun(100, func() { buf, scratch, _ = appendBigRow(buf[:0], scratch, 4242, tds.Version74) }); n != 0 {
		t.Errorf("appendBigRow allocates %v times per row", n)
	}
}

// TestAppendRowAllocs pins that encoding a row allocates nothing once the
// buffer has room.
func TestAppendRowAllocs(t *testing.T) {
	r := BigRow(7)
	buf := make([]byte, 0, 256)
	if n := testing.AllocsPerRun(100, func() { buf, _ = appendRow(buf[:0], r, tds.Version74) }); n != 0 {
		t.Errorf("appendRow allocates %v times per row", n)
	}
}

// BenchmarkSelectBig runs SELECT * FROM big (1000 rows) over a loopback
// TCP connection and reads every row with tokens.Scanner: the server's
// cost per result set, plus the client's.
func BenchmarkSelectBig(b *testing.B) {
	s, err := New(Config{Users: []User{{Name: "sa", Password: "pw"}}, Rows: 1000, Timeout: time.Minute})
	if err != nil {
		b.Fatal(err)
	}
	addr, err := s.Start("127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	defer nc.Close()
	// PRELOGIN and LOGIN7 as the fuzz seeds send them; skip both answers.
	login := clientStream(b, false)
	if _, err := nc.Write(login); err != nil {
		b.Fatal(err)
	}
	r := tds.NewReader(nc)
	for range 2 {
		if _, _, err := r.ReadMessage(); err != nil {
			b.Fatal(err)
		}
	}
	w, err := tds.NewWriter(nc, tds.DefaultPacketSize)
	if err != nil {
		b.Fatal(err)
	}
	_, query := sqlBatch("SELECT * FROM big")(nil)
	var vals []tokens.ColumnValue
	var sc tokens.Scanner
	b.ReportAllocs()
	for b.Loop() {
		if err := w.WriteMessage(tds.PacketSQLBatch, 0, query); err != nil {
			b.Fatal(err)
		}
		_, msg, err := r.ReadMessage()
		if err != nil {
			b.Fatal(err)
		}
		sc.Reset(msg, tds.Version74)
		rows := 0
		for {
			t, err := sc.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			if t == tokens.TokenRow {
				if vals, err = sc.RowValues(vals); err != nil {
					b.Fatal(err)
				}
				rows++
			}
		}
		if rows != 1000 {
			b.Fatalf("%d rows", rows)
		}
	}
}
