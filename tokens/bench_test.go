package tokens

import (
	"io"
	"testing"

	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tds/sqltype"
)

// doneStream is n DONE tokens with TDS 7.4 widths, as a long batch of
// statements produces.
func doneStream(n int) []byte {
	var b []byte
	for i := 0; i < n; i++ {
		b = Done{Status: DoneMore | DoneCount, CurCmd: 0xC1, RowCount: uint64(i)}.Append(b, tds.Version74)
	}
	return b
}

// rowStream is a COLMETADATA for (id int, name nvarchar(40), n bigint
// NULL, data varbinary(16)) and n rows, every fourth an NBCROW with a NULL
// n, then a DONE.
func rowStream(n int) []byte {
	coll := sqltype.Collation{0x09, 0x04, 0xD0, 0x00, 0x34}
	md := ColMetadata{Columns: []Column{
		{TypeInfo: sqltype.TypeInfo{Type: sqltype.TypeInt4}, ColName: ucs2("id")},
		{Flags: ColNullable, TypeInfo: sqltype.TypeInfo{Type: sqltype.TypeNVarChar, MaxLen: 80, Collation: coll}, ColName: ucs2("name")},
		{Flags: ColNullable, TypeInfo: sqltype.TypeInfo{Type: sqltype.TypeIntN, MaxLen: 8}, ColName: ucs2("n")},
		{Flags: ColNullable, TypeInfo: sqltype.TypeInfo{Type: sqltype.TypeBigVarBinary, MaxLen: 16}, ColName: ucs2("data")},
	}}
	b, err := md.Append(nil, tds.Version74)
	if err != nil {
		panic(err) // a fixed, valid COLMETADATA
	}
	name := append([]byte{20, 0}, ucs2("Adventure!")...)
	data := []byte{8, 0, 1, 2, 3, 4, 5, 6, 7, 8}
	for i := 0; i < n; i++ {
		id := []byte{byte(i), byte(i >> 8), 0, 0}
		if i%4 == 3 {
			b = AppendNBCRow(b, id, name, nil, data)
			continue
		}
		big := []byte{8, byte(i), 0, 0, 0, 0, 0, 0, 0}
		b = AppendRow(b, id, name, big, data)
	}
	return Done{Status: DoneCount, CurCmd: 0xC1, RowCount: uint64(n)}.Append(b, tds.Version74)
}

// scanLogin scans a login response and decodes every token a client reads.
func scanLogin(s *Scanner, b []byte) error {
	s.Reset(b, tds.Version74)
	var (
		ack LoginAck
		ec  EnvChange
		m   Message
		fa  FeatureExtAck
		d   Done
	)
	for {
		t, err := s.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		switch t {
		case TokenLoginAck:
			err = s.LoginAck(&ack)
			s.SetVersion(ack.Negotiated())
		case TokenEnvChange:
			err = s.EnvChange(&ec)
		case TokenInfo, TokenError:
			err = s.Message(&m)
		case TokenFeatureExtAck:
			err = s.FeatureExtAck(&fa)
		case TokenDone:
			err = s.Done(&d)
		}
		if err != nil {
			return err
		}
	}
}

// scanDone decodes every DONE of b.
func scanDone(s *Scanner, b []byte) (uint64, error) {
	s.Reset(b, tds.Version74)
	var d Done
	var sum uint64
	for {
		_, err := s.Next()
		if err == io.EOF {
			return sum, nil
		}
		if err != nil {
			return 0, err
		}
		if err := s.Done(&d); err != nil {
			return 0, err
		}
		sum += d.RowCount
	}
}

// scanRows reads every row of b as value views, reusing vals.
func scanRows(s *Scanner, b []byte, vals []ColumnValue) ([]ColumnValue, int64, error) {
	s.Reset(b, tds.Version74)
	var sum int64
	for {
		t, err := s.Next()
		if err == io.EOF {
			return vals, sum, nil
		}
		if err != nil {
			return vals, 0, err
		}
		if t != TokenRow && t != TokenNBCRow {
			continue
		}
		if vals, err = s.RowValues(vals); err != nil {
			return vals, 0, err
		}
		id, err := vals[0].Int64()
		if err != nil {
			return vals, 0, err
		}
		sum += id + int64(vals[1].Len())
	}
}

// scanViews is scanRows without reading the values: Next and RowValues
// on every row.
func scanViews(s *Scanner, b []byte, vals []ColumnValue) ([]ColumnValue, error) {
	s.Reset(b, tds.Version74)
	for {
		t, err := s.Next()
		if err == io.EOF {
			return vals, nil
		}
		if err != nil {
			return vals, err
		}
		if t == TokenRow || t == TokenNBCRow {
			if vals, err = s.RowValues(vals); err != nil {
				return vals, err
			}
		}
	}
}

func TestZeroAllocs(t *testing.T) {
	login := golden(t, "seed_login_response_74")
	dones := doneStream(100)
	rows := rowStream(100)
	var s Scanner
	var vals []ColumnValue
	cases := []struct {
		name string
		f    func()
	}{
		{"login response", func() {
			if err := scanLogin(&s, login); err != nil {
				t.Fatal(err)
			}
		}},
		{"DONE stream", func() {
			if _, err := scanDone(&s, dones); err != nil {
				t.Fatal(err)
			}
		}},
		{"ROW stream with views", func() {
			var err error
			if vals, _, err = scanRows(&s, rows, vals); err != nil {
				t.Fatal(err)
			}
		}},
		{"ROW stream, views only", func() {
			var err error
			if vals, err = scanViews(&s, rows, vals); err != nil {
				t.Fatal(err)
			}
		}},
		{"ROW stream skipped", func() {
			s.Reset(rows, tds.Version74)
			if _, err := s.Next(); err != nil {
				t.Fatal(err)
			}
			if n, err := s.SkipRows(); err != nil || n != 100 {
				t.Fatal(n, err)
			}
		}},
	}
	for _, c := range cases {
		if n := testing.AllocsPerRun(20, c.f); n != 0 {
			t.Errorf("%s: %v allocations per run, want 0", c.name, n)
		}
	}
	if _, sum, _ := scanRows(&s, rows, vals); sum != 99*100/2+100*20 {
		t.Errorf("row checksum %d", sum)
	}
}

// BenchmarkLoginResponse scans the TDS 7.4 login response of the seeds,
// decoding every token a client reads, beside a copy of the same bytes,
// in one run (benchstat -col /op).
func BenchmarkLoginResponse(b *testing.B) {
	data := golden(b, "seed_login_response_74")
	b.Run("op=scan", func(b *testing.B) {
		var s Scanner
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			if err := scanLogin(&s, data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("op=copy", func(b *testing.B) {
		dst := make([]byte, len(data))
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			copy(dst, data)
		}
	})
}

// BenchmarkDoneStream scans streams of DONE tokens (Next and Done on
// each) beside a plain copy of the same bytes, in one run, so that the
// ratio of the two is the measure (benchstat -col /op): "size=13KB" is
// 1,000 tokens, in cache; "size=130MB" is 10 million tokens, four times this machine's 32 MiB L3, so
// that both are bound by memory bandwidth. copy reads and writes the
// buffer; scan only reads it.
func BenchmarkDoneStream(b *testing.B) {
	for _, c := range []struct {
		name string
		n    int
	}{{"size=13KB", 1000}, {"size=130MB", 10_000_000}} {
		if testing.Short() && c.n > 1000 {
			continue
		}
		data := doneStream(c.n)
		b.Run(c.name+"/op=scan", func(b *testing.B) {
			var s Scanner
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := scanDone(&s, data); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/op=copy", func(b *testing.B) {
			dst := make([]byte, len(data))
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				copy(dst, data)
			}
		})
	}
}

// BenchmarkRowStream reads 1,000 rows (rowStream) four ways in one run
// (benchstat -col /op): "values" decodes every row into value views
// (Next and RowValues) and reads the id and the name's length; "views"
// is Next and RowValues alone; "skip" only measures the rows (Next, then
// SkipRows); "copy" copies the same bytes.
func BenchmarkRowStream(b *testing.B) {
	data := rowStream(1000)
	b.Run("op=views", func(b *testing.B) {
		var s Scanner
		var vals []ColumnValue
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			var err error
			if vals, err = scanViews(&s, data, vals); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("op=values", func(b *testing.B) {
		var s Scanner
		var vals []ColumnValue
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			var err error
			if vals, _, err = scanRows(&s, data, vals); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("op=skip", func(b *testing.B) {
		var s Scanner
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			s.Reset(data, tds.Version74)
			if _, err := s.Next(); err != nil {
				b.Fatal(err)
			}
			if _, err := s.SkipRows(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("op=copy", func(b *testing.B) {
		dst := make([]byte, len(data))
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			copy(dst, data)
		}
	})
}

func BenchmarkAppendLoginResponse(b *testing.B) {
	env := EnvChange{Type: EnvDatabase, NewValue: ucs2("AdventureWorks"), OldValue: ucs2("master")}
	info := Message{Type: TokenInfo, Number: 5701, State: 2, MsgText: ucs2("Changed database context to 'AdventureWorks'."), ServerName: ucs2("SQL01"), LineNumber: 1}
	ack := LoginAck{Interface: 1, TDSVersion: tds.Version74, ProgName: ucs2("Microsoft SQL Server"), ProgVersion: ProgVersion{15, 0, 7, 0xD0}}
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	for b.Loop() {
		buf = encoded(b)(env.Append(buf[:0]))
		buf = encoded(b)(info.Append(buf, tds.Version74))
		buf = encoded(b)(ack.Append(buf))
		buf = Done{}.Append(buf, tds.Version74)
	}
	b.SetBytes(int64(len(buf)))
}

func BenchmarkAppendDone(b *testing.B) {
	buf := make([]byte, 0, 13*1000)
	b.SetBytes(13 * 1000)
	b.ReportAllocs()
	for b.Loop() {
		buf = buf[:0]
		for i := 0; i < 1000; i++ {
			buf = Done{Status: DoneMore | DoneCount, CurCmd: 0xC1, RowCount: uint64(i)}.Append(buf, tds.Version74)
		}
	}
}

// tokenOf returns the bytes of the first token of type t in the golden
// file name.
func tokenOf(tb testing.TB, name string, t TokenType) []byte {
	tb.Helper()
	s := NewScanner(golden(tb, name), tds.Version74)
	if _, err := s.SkipTo(t); err != nil {
		tb.Fatalf("%s: no %v: %v", name, t, err)
	}
	return s.Bytes()
}

// decoders decodes, standalone, one token of each kind a client reads
// after every login and statement, from the golden login responses.
func decoders(tb testing.TB) []struct {
	name string
	f    func() error
} {
	ackB := tokenOf(tb, "seed_login_response_74", TokenLoginAck)
	envB := tokenOf(tb, "seed_login_response_74", TokenEnvChange)
	infoB := tokenOf(tb, "seed_login_response_74", TokenInfo)
	doneB := tokenOf(tb, "seed_login_response_74", TokenDone)
	errB := tokenOf(tb, "login_failed", TokenError)
	return []struct {
		name string
		f    func() error
	}{
		{"LOGINACK", func() error { _, _, err := DecodeLoginAck(ackB); return err }},
		{"ENVCHANGE", func() error { _, _, err := DecodeEnvChange(envB); return err }},
		{"INFO", func() error { _, _, err := DecodeMessage(infoB, tds.Version74); return err }},
		{"ERROR", func() error { _, _, err := DecodeMessage(errB, tds.Version74); return err }},
		{"DONE", func() error { _, _, err := DecodeDone(doneB, tds.Version74); return err }},
	}
}

// TestDecodeAllocs pins the standalone decoders of LOGINACK, ENVCHANGE,
// INFO, ERROR and DONE at zero allocations.
func TestDecodeAllocs(t *testing.T) {
	for _, d := range decoders(t) {
		if err := d.f(); err != nil {
			t.Fatalf("%s: %v", d.name, err)
		}
		if n := testing.AllocsPerRun(100, func() { _ = d.f() }); n != 0 {
			t.Errorf("%s Decode: %v allocations per run, want 0", d.name, n)
		}
	}
}

func BenchmarkDecode(b *testing.B) {
	for _, d := range decoders(b) {
		b.Run(d.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := d.f(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
