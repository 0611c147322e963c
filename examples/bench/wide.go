package bench

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	mssql "github.com/microsoft/go-mssqldb"

	"github.com/tdswire/tdswire/examples/server/tdsserver"
	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tds/sqltype"
	"github.com/tdswire/tdswire/tokens"
)

// The wide result sets: two tables the benchmark server answers besides
// the example server's own (WideHandler), each of WideRows rows.
const (
	// Wide25Query selects 25 columns of mixed types, NULLs in the
	// nullable ones: int, bigint, bit, float, decimal(12,2), money (each
	// NOT NULL and NULL), nvarchar(50) twice, nvarchar(200), varchar(50)
	// twice, datetime2(7), date, uniqueidentifier and varbinary(64) (each
	// NOT NULL and NULL). See Wide25Row.
	Wide25Query = "SELECT * FROM wide25"
	// Wide64Query selects 64 nvarchar(100) columns of 4 to 28 characters.
	Wide64Query = "SELECT * FROM wide64"
	// WideRows is the number of rows of each wide table.
	WideRows = 20_000
)

var (
	wideColl = sqltype.Collation{0x09, 0x04, 0xD0, 0x00, 0x34} // Latin1_General_CI_AS, code page 1252
	wide25   = []struct {
		name string
		ti   sqltype.TypeInfo
		null bool
	}{
		{"id", sqltype.TypeInfo{Type: sqltype.TypeIntN, MaxLen: 4}, false},
		{"qty", sqltype.TypeInfo{Type: sqltype.TypeIntN, MaxLen: 4}, true},
		{"big", sqltype.TypeInfo{Type: sqltype.TypeIntN, MaxLen: 8}, false},
		{"bign", sqltype.TypeInfo{Type: sqltype.TypeIntN, MaxLen: 8}, true},
		{"flag", sqltype.TypeInfo{Type: sqltype.TypeBitN, MaxLen: 1}, false},
		{"flagn", sqltype.TypeInfo{Type: sqltype.TypeBitN, MaxLen: 1}, true},
		{"f", sqltype.TypeInfo{Type: sqltype.TypeFloatN, MaxLen: 8}, false},
		{"fn", sqltype.TypeInfo{Type: sqltype.TypeFloatN, MaxLen: 8}, true},
		{"d", sqltype.TypeInfo{Type: sqltype.TypeDecimalN, MaxLen: 9, Precision: 12, Scale: 2}, false},
		{"dn", sqltype.TypeInfo{Type: sqltype.TypeDecimalN, MaxLen: 9, Precision: 12, Scale: 2}, true},
		{"m", sqltype.TypeInfo{Type: sqltype.TypeMoneyN, MaxLen: 8}, false},
		{"mn", sqltype.TypeInfo{Type: sqltype.TypeMoneyN, MaxLen: 8}, true},
		{"name", sqltype.TypeInfo{Type: sqltype.TypeNVarChar, MaxLen: 100, Collation: wideColl}, false},
		{"namen", sqltype.TypeInfo{Type: sqltype.TypeNVarChar, MaxLen: 100, Collation: wideColl}, true},
		{"note", sqltype.TypeInfo{Type: sqltype.TypeNVarChar, MaxLen: 400, Collation: wideColl}, false},
		{"code", sqltype.TypeInfo{Type: sqltype.TypeBigVarChar, MaxLen: 50, Collation: wideColl}, false},
		{"coden", sqltype.TypeInfo{Type: sqltype.TypeBigVarChar, MaxLen: 50, Collation: wideColl}, true},
		{"ts", sqltype.TypeInfo{Type: sqltype.TypeDateTime2N, MaxLen: 8, Scale: 7}, false},
		{"tsn", sqltype.TypeInfo{Type: sqltype.TypeDateTime2N, MaxLen: 8, Scale: 7}, true},
		{"day", sqltype.TypeInfo{Type: sqltype.TypeDateN, MaxLen: 3}, false},
		{"dayn", sqltype.TypeInfo{Type: sqltype.TypeDateN, MaxLen: 3}, true},
		{"uid", sqltype.TypeInfo{Type: sqltype.TypeGUID, MaxLen: 16}, false},
		{"uidn", sqltype.TypeInfo{Type: sqltype.TypeGUID, MaxLen: 16}, true},
		{"blob", sqltype.TypeInfo{Type: sqltype.TypeBigVarBinary, MaxLen: 64}, false},
		{"blobn", sqltype.TypeInfo{Type: sqltype.TypeBigVarBinary, MaxLen: 64}, true},
	}
	wide64Type = sqltype.TypeInfo{Type: sqltype.TypeNVarChar, MaxLen: 200, Collation: wideColl}
	wideEpoch  = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	dayEpoch   = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
)

const lorem = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud"

// Wide25Row is one row of Wide25Query as Go values, the types a
// database/sql scan gives (decimal and money as their text, as
// go-mssqldb scans them into a string). A false Valid field is NULL.
type Wide25Row struct {
	ID        int64
	Qty       sql.NullInt64
	Big       int64
	BigN      sql.NullInt64
	Flag      bool
	FlagN     sql.NullBool
	F         float64
	FN        sql.NullFloat64
	D         string
	DN        sql.NullString
	M         string
	MN        sql.NullString
	Name      string
	NameN     sql.NullString
	Note      string
	Code      string
	CodeN     sql.NullString
	TS        time.Time
	TSN       sql.NullTime
	Day       time.Time
	DayN      sql.NullTime
	UID       [16]byte // the canonical (RFC 4122) byte order
	UIDN      [16]byte
	UIDNValid bool
	Blob      []byte
	BlobN     []byte // nil: NULL

	text  []byte // the row's strings as UTF-8, for decode
	blobN []byte // BlobN's buffer while BlobN is NULL
}

// wide25Values returns the values of row i (from 1) as the server writes
// them; nil is NULL.
func wide25Values(i int) []any {
	n := int64(i)
	null := func(every int, v any) any {
		if i%every == 0 {
			return nil
		}
		return v
	}
	uid := func(seed int64) sqltype.GUID {
		var u [16]byte
		for k := range u {
			u[k] = byte(seed>>(k%8*8)) ^ byte(k*37)
		}
		return sqltype.GUIDFromRFC4122(u)
	}
	blob := func(l int, seed byte) []byte {
		b := make([]byte, l)
		for k := range b {
			b[k] = seed + byte(k*7)
		}
		return b
	}
	return []any{
		n,
		null(7, n*31-300_000),
		n * 1_000_003_001,
		null(11, -n*7919),
		i%2 == 0,
		null(5, i%3 == 0),
		float64(n)*0.37 - 1000.5,
		null(13, 1/float64(n)),
		sqltype.Decimal{Lo: uint64(n*12345%1_000_000_000 + 1), Negative: i%4 == 1, Scale: 2},
		null(9, sqltype.Decimal{Lo: uint64(n * 7), Scale: 2}),
		money(n*98765%10_000_000_000 - 5_000_000_000),
		null(6, money(n*10_000+5)),
		fmt.Sprintf("naïve-%d-€", i),
		null(4, fmt.Sprintf("Ünïcode %d", i)),
		lorem[:10+i%140],
		fmt.Sprintf("C-%08d", i),
		null(8, "x"+strconv.Itoa(i)),
		wideEpoch.Add(time.Duration(n*1_234_567) * time.Millisecond),
		null(10, wideEpoch.Add(-time.Duration(n*60_000)*time.Millisecond)),
		dayEpoch.AddDate(0, 0, i%30000),
		null(12, dayEpoch.AddDate(-10, 0, i%5000)),
		uid(n),
		null(3, uid(-n)),
		blob(i%65, byte(i)),
		null(2, blob(i*3%65, byte(i*5))),
	}
}

// money is a money value in ten-thousandths.
type money int64

// wide64Value returns column c (from 0) of row i (from 1) of the wide64
// table.
func wide64Value(i, c int) string {
	l := 4 + (i*7+c*13)%25
	s := "r" + strconv.Itoa(i) + "c" + strconv.Itoa(c) + "-"
	for len(s) < l {
		s += string(rune('a' + (i+c+len(s))%26))
	}
	return s[:l]
}

// WideHandler answers Wide25Query and Wide64Query (SQL batches) and
// passes every other request to next.
func WideHandler(next tdsserver.Handler) tdsserver.Handler {
	return tdsserver.HandlerFunc(func(ctx context.Context, w *tdsserver.ResponseWriter, r *tdsserver.Request) {
		if r.Kind == tdsserver.SQLBatch {
			switch strings.TrimSpace(r.SQL) {
			case Wide25Query:
				if err := writeWide25(w); err != nil {
					w.Error(50000, 16, 1, err.Error())
					w.Done(tokens.DoneError|tokens.DoneFinal, 0)
				}
				return
			case Wide64Query:
				if err := writeWide64(w); err != nil {
					w.Error(50000, 16, 1, err.Error())
					w.Done(tokens.DoneError|tokens.DoneFinal, 0)
				}
				return
			}
		}
		next.ServeTDS(ctx, w, r)
	})
}

func writeWide25(w *tdsserver.ResponseWriter) error {
	cols := make([]tokens.Column, len(wide25))
	for k, c := range wide25 {
		cols[k] = tokens.Column{TypeInfo: c.ti, ColName: tds.AppendUCS2(nil, c.name)}
		if c.null {
			cols[k].Flags = tokens.ColNullable
		}
	}
	if err := w.Columns(cols...); err != nil {
		return err
	}
	var row []byte
	for i := 1; i <= WideRows; i++ {
		row = row[:0]
		for k, v := range wide25Values(i) {
			var err error
			if row, err = appendWide(row, &cols[k].TypeInfo, v); err != nil {
				return fmt.Errorf("row %d column %s: %w", i, wide25[k].name, err)
			}
		}
		if err := w.RowBytes(row); err != nil {
			return err
		}
	}
	return w.Done(tokens.DoneCount|tokens.DoneFinal, WideRows)
}

// appendWide encodes one value of wide25Values.
func appendWide(dst []byte, ti *sqltype.TypeInfo, v any) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return ti.AppendNull(dst)
	case int64:
		return ti.AppendInt(dst, v)
	case bool:
		return ti.AppendBool(dst, v)
	case float64:
		return ti.AppendFloat(dst, v)
	case sqltype.Decimal:
		return ti.AppendDecimal(dst, v)
	case money:
		return ti.AppendMoney(dst, int64(v))
	case string:
		return ti.AppendString(dst, v)
	case time.Time:
		return ti.AppendTime(dst, v)
	case sqltype.GUID:
		return ti.AppendGUID(dst, v)
	case []byte:
		return ti.AppendBytes(dst, v)
	}
	return dst, fmt.Errorf("no encoding for %T", v)
}

func writeWide64(w *tdsserver.ResponseWriter) error {
	cols := make([]tokens.Column, 64)
	for k := range cols {
		cols[k] = tokens.Column{Flags: tokens.ColNullable, TypeInfo: wide64Type, ColName: tds.AppendUCS2(nil, "c"+strconv.Itoa(k))}
	}
	if err := w.Columns(cols...); err != nil {
		return err
	}
	var row []byte
	for i := 1; i <= WideRows; i++ {
		row = row[:0]
		for k := range cols {
			var err error
			if row, err = wide64Type.AppendString(row, wide64Value(i, k)); err != nil {
				return err
			}
		}
		if err := w.RowBytes(row); err != nil {
			return err
		}
	}
	return w.Done(tokens.DoneCount|tokens.DoneFinal, WideRows)
}

// WideSum is what a reader of a wide result hands back: the row count and
// the SHA-256 of the rows' canonical text (see Wide25Row.AppendCanon),
// when asked for it.
type WideSum struct {
	Rows int
	Hash string // hex; empty when not computed
}

// canonHash folds canonical row texts into a WideSum.
type canonHash struct {
	h    interface{ Write([]byte) (int, error) }
	sum  func([]byte) []byte
	rows int
}

func newCanonHash() *canonHash {
	h := sha256.New()
	return &canonHash{h: h, sum: h.Sum}
}

func (c *canonHash) add(row []byte) {
	c.h.Write(row)
	c.rows++
}

func (c *canonHash) result() WideSum {
	return WideSum{Rows: c.rows, Hash: hex.EncodeToString(c.sum(nil))}
}

// The canonical text of a row, which every reader of the benchmark
// (go-mssqldb, tdswire, tedious) must produce alike: values separated by
// 0x1F and ended by 0x1E, NULL as \N; integers in decimal, bit as 0 or 1,
// float as the 16 hex digits of its IEEE 754 bits, decimal with its
// scale's digits, money with 4 decimals, strings as UTF-8, datetime2 as
// 2006-01-02T15:04:05.000Z (the table's values are whole milliseconds),
// date as 2006-01-02, uniqueidentifier in lower-case canonical form,
// varbinary in lower-case hex.
const (
	canonSep  = 0x1F
	canonEnd  = 0x1E
	canonNull = `\N`
)

// AppendCanon appends the canonical text of r to dst.
func (r *Wide25Row) AppendCanon(dst []byte) []byte {
	val := func(ok bool, f func([]byte) []byte) {
		if !ok {
			dst = append(dst, canonNull...)
		} else {
			dst = f(dst)
		}
		dst = append(dst, canonSep)
	}
	i := func(v int64) func([]byte) []byte {
		return func(b []byte) []byte { return strconv.AppendInt(b, v, 10) }
	}
	bit := func(v bool) func([]byte) []byte {
		return func(b []byte) []byte {
			if v {
				return append(b, '1')
			}
			return append(b, '0')
		}
	}
	fl := func(v float64) func([]byte) []byte {
		return func(b []byte) []byte {
			u := math.Float64bits(v)
			return fmt.Appendf(b, "%016x", u)
		}
	}
	s := func(v string) func([]byte) []byte {
		return func(b []byte) []byte { return append(b, v...) }
	}
	ts := func(v time.Time) func([]byte) []byte {
		return func(b []byte) []byte { return v.UTC().AppendFormat(b, "2006-01-02T15:04:05.000Z") }
	}
	day := func(v time.Time) func([]byte) []byte {
		return func(b []byte) []byte { return v.UTC().AppendFormat(b, "2006-01-02") }
	}
	uid := func(v [16]byte) func([]byte) []byte {
		return func(b []byte) []byte { return sqltype.GUIDFromRFC4122(v).AppendText(b) }
	}
	bin := func(v []byte) func([]byte) []byte {
		return func(b []byte) []byte { return hex.AppendEncode(b, v) }
	}
	val(true, i(r.ID))
	val(r.Qty.Valid, i(r.Qty.Int64))
	val(true, i(r.Big))
	val(r.BigN.Valid, i(r.BigN.Int64))
	val(true, bit(r.Flag))
	val(r.FlagN.Valid, bit(r.FlagN.Bool))
	val(true, fl(r.F))
	val(r.FN.Valid, fl(r.FN.Float64))
	val(true, s(r.D))
	val(r.DN.Valid, s(r.DN.String))
	val(true, s(r.M))
	val(r.MN.Valid, s(r.MN.String))
	val(true, s(r.Name))
	val(r.NameN.Valid, s(r.NameN.String))
	val(true, s(r.Note))
	val(true, s(r.Code))
	val(r.CodeN.Valid, s(r.CodeN.String))
	val(true, ts(r.TS))
	val(r.TSN.Valid, ts(r.TSN.Time))
	val(true, day(r.Day))
	val(r.DayN.Valid, day(r.DayN.Time))
	val(true, uid(r.UID))
	val(r.UIDNValid, uid(r.UIDN))
	val(true, bin(r.Blob))
	val(r.BlobN != nil, bin(r.BlobN))
	return append(dst, canonEnd)
}

// appendCanon64 appends the canonical text of a wide64 row.
func appendCanon64(dst []byte, r *[64]string) []byte {
	for _, v := range r {
		dst = append(append(dst, v...), canonSep)
	}
	return append(dst, canonEnd)
}

// QueryWide25 reads Wide25Query through go-mssqldb's database/sql driver,
// scanning every row into a Wide25Row. With hash it also returns the
// SHA-256 of the canonical rows.
func QueryWide25(ctx context.Context, db *sql.DB, hash bool) (WideSum, error) {
	rs, err := db.QueryContext(ctx, Wide25Query)
	if err != nil {
		return WideSum{}, err
	}
	defer rs.Close()
	var r Wide25Row
	var uid mssql.UniqueIdentifier
	var uidn mssql.NullUniqueIdentifier
	var canon []byte
	h := newCanonHash()
	rows := 0
	for rs.Next() {
		if err := rs.Scan(&r.ID, &r.Qty, &r.Big, &r.BigN, &r.Flag, &r.FlagN, &r.F, &r.FN, &r.D, &r.DN, &r.M, &r.MN,
			&r.Name, &r.NameN, &r.Note, &r.Code, &r.CodeN, &r.TS, &r.TSN, &r.Day, &r.DayN, &uid, &uidn, &r.Blob, &r.BlobN); err != nil {
			return WideSum{}, err
		}
		// go-mssqldb's UniqueIdentifier is already in canonical order.
		r.UID, r.UIDN, r.UIDNValid = uid, uidn.UUID, uidn.Valid
		rows++
		if hash {
			canon = r.AppendCanon(canon[:0])
			h.add(canon)
		}
	}
	if err := rs.Err(); err != nil {
		return WideSum{}, err
	}
	if hash {
		return h.result(), nil
	}
	return WideSum{Rows: rows}, nil
}

// QueryWide64 reads Wide64Query through go-mssqldb into 64 strings a row.
func QueryWide64(ctx context.Context, db *sql.DB, hash bool) (WideSum, error) {
	rs, err := db.QueryContext(ctx, Wide64Query)
	if err != nil {
		return WideSum{}, err
	}
	defer rs.Close()
	var r [64]string
	dest := make([]any, 64)
	for k := range dest {
		dest[k] = &r[k]
	}
	var canon []byte
	h := newCanonHash()
	rows := 0
	for rs.Next() {
		if err := rs.Scan(dest...); err != nil {
			return WideSum{}, err
		}
		rows++
		if hash {
			canon = appendCanon64(canon[:0], &r)
			h.add(canon)
		}
	}
	if err := rs.Err(); err != nil {
		return WideSum{}, err
	}
	if hash {
		return h.result(), nil
	}
	return WideSum{Rows: rows}, nil
}

// CaptureWide runs query once through go-mssqldb on a new connection to
// s (scanning with scan) and returns the server-to-client messages of
// that connection, as CaptureResponse does, and what go-mssqldb read.
func CaptureWide(ctx context.Context, s *Server, scan func(context.Context, *sql.DB, bool) (WideSum, error)) ([][]byte, WideSum, error) {
	return capture(s, func(db *sql.DB) (WideSum, error) { return scan(ctx, db, true) })
}

// wideRows walks the ROW tokens of a captured response, calling f with
// each row's values.
func (d *Decoder) wideRows(packets []byte, cols int, f func([]tokens.ColumnValue) error) (int, error) {
	d.src.Reset(packets)
	d.r.Reset(&d.src)
	_, msg, err := d.r.ReadMessage()
	if err != nil {
		return 0, err
	}
	d.s.Reset(msg, tds.Version74)
	n := 0
	for {
		t, err := d.s.Next()
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		if t != tokens.TokenRow && t != tokens.TokenNBCRow {
			continue
		}
		if d.vals, err = d.s.RowValues(d.vals); err != nil {
			return n, err
		}
		if len(d.vals) != cols {
			return n, fmt.Errorf("row of %d columns, want %d", len(d.vals), cols)
		}
		if err := f(d.vals); err != nil {
			return n, err
		}
		n++
	}
}

// ViewWide walks a captured wide response down to the value views: every
// value of every row is decoded (RowValues) and touched (its NULL flag and
// the length of its bytes), nothing converted. It returns the row count.
func (d *Decoder) ViewWide(packets []byte, cols int) (int, error) {
	total := 0
	n, err := d.wideRows(packets, cols, func(vals []tokens.ColumnValue) error {
		for k := range vals {
			if !vals[k].IsNull() {
				total += len(vals[k].Raw()) + 1
			}
		}
		return nil
	})
	if err == nil && n > 0 && total == 0 {
		err = errors.New("no value bytes")
	}
	return n, err
}

// DecodeWide25 decodes a captured Wide25Query response into Wide25Row
// values with tdswire, as QueryWide25 does with go-mssqldb.
//
// With perValue every string is allocated on its own, as database/sql
// does, rather than the strings of a row together.
func (d *Decoder) DecodeWide25(packets []byte, hash, perValue bool) (WideSum, error) {
	var r Wide25Row
	var canon []byte
	h := newCanonHash()
	n, err := d.wideRows(packets, len(wide25), func(v []tokens.ColumnValue) error {
		if err := r.decode(v, perValue); err != nil {
			return err
		}
		if hash {
			canon = r.AppendCanon(canon[:0])
			h.add(canon)
		}
		return nil
	})
	if err != nil {
		return WideSum{}, err
	}
	if hash {
		return h.result(), nil
	}
	return WideSum{Rows: n}, nil
}

// decode fills r from one row's values. The row's nine strings are
// gathered as UTF-8 into one buffer and made Go strings with one
// allocation for the row (with perValue, one allocation each, as a
// database/sql scan makes them).
func (r *Wide25Row) decode(v []tokens.ColumnValue, perValue bool) error {
	var err error
	keep := func(e error) {
		if e != nil && err == nil {
			err = e
		}
	}
	r.text = r.text[:0]
	var at [10]int
	n := 0
	mark := func() { n++; at[n] = len(r.text) }
	text := func(v *tokens.ColumnValue) {
		u, e := ucs2(v)
		keep(e)
		r.text = u.AppendUTF8(r.text)
		mark()
	}
	chars := func(v *tokens.ColumnValue) {
		c, e := v.Chars()
		keep(e)
		r.text = append(r.text, c...) // the table's varchar values are ASCII
		mark()
	}
	dec := func(v *tokens.ColumnValue) {
		x, e := v.Decimal()
		keep(e)
		r.text = x.AppendText(r.text)
		mark()
	}
	mon := func(v *tokens.ColumnValue) {
		x, e := v.Money()
		keep(e)
		r.text = appendMoney(r.text, x)
		mark()
	}
	skip := func() { mark() }
	tm := func(v *tokens.ColumnValue) time.Time {
		t, e := v.Time()
		keep(e)
		return t
	}
	uid := func(v *tokens.ColumnValue) [16]byte {
		g, e := v.GUID()
		keep(e)
		return g.RFC4122()
	}
	var e error
	r.ID, e = v[0].Int64()
	keep(e)
	if r.Qty.Valid = !v[1].IsNull(); r.Qty.Valid {
		r.Qty.Int64, e = v[1].Int64()
		keep(e)
	}
	r.Big, e = v[2].Int64()
	keep(e)
	if r.BigN.Valid = !v[3].IsNull(); r.BigN.Valid {
		r.BigN.Int64, e = v[3].Int64()
		keep(e)
	}
	r.Flag, e = v[4].Bool()
	keep(e)
	if r.FlagN.Valid = !v[5].IsNull(); r.FlagN.Valid {
		r.FlagN.Bool, e = v[5].Bool()
		keep(e)
	}
	r.F, e = v[6].Float64()
	keep(e)
	if r.FN.Valid = !v[7].IsNull(); r.FN.Valid {
		r.FN.Float64, e = v[7].Float64()
		keep(e)
	}
	dec(&v[8])
	if r.DN.Valid = !v[9].IsNull(); r.DN.Valid {
		dec(&v[9])
	} else {
		skip()
	}
	mon(&v[10])
	if r.MN.Valid = !v[11].IsNull(); r.MN.Valid {
		mon(&v[11])
	} else {
		skip()
	}
	text(&v[12])
	if r.NameN.Valid = !v[13].IsNull(); r.NameN.Valid {
		text(&v[13])
	} else {
		skip()
	}
	text(&v[14])
	chars(&v[15])
	if r.CodeN.Valid = !v[16].IsNull(); r.CodeN.Valid {
		chars(&v[16])
	} else {
		skip()
	}
	str := func(k int) string { return string(r.text[at[k]:at[k+1]]) }
	if !perValue {
		all := string(r.text)
		str = func(k int) string { return all[at[k]:at[k+1]] }
	}
	r.D, r.DN.String, r.M, r.MN.String = str(0), str(1), str(2), str(3)
	r.Name, r.NameN.String, r.Note, r.Code, r.CodeN.String = str(4), str(5), str(6), str(7), str(8)
	r.TS = tm(&v[17])
	if r.TSN.Valid = !v[18].IsNull(); r.TSN.Valid {
		r.TSN.Time = tm(&v[18])
	}
	r.Day = tm(&v[19])
	if r.DayN.Valid = !v[20].IsNull(); r.DayN.Valid {
		r.DayN.Time = tm(&v[20])
	}
	r.UID = uid(&v[21])
	if r.UIDNValid = !v[22].IsNull(); r.UIDNValid {
		r.UIDN = uid(&v[22])
	}
	b, e := v[23].Bytes()
	keep(e)
	r.Blob = append(r.Blob[:0], b...)
	if v[24].IsNull() {
		r.BlobN = nil
	} else {
		b, e := v[24].Bytes()
		keep(e)
		r.BlobN = append(r.blobN[:0], b...)
		r.blobN = r.BlobN
	}
	return err
}

// ucs2 returns an nvarchar value as UCS2 with the checks of its accessor
// inlined for the common case (a non-NULL, non-PLP nvarchar, whose Raw
// bytes are the text), calling the accessor for any other value. The
// accessor itself is not inlined (it takes a Value, 96 bytes, by value).
func ucs2(v *tokens.ColumnValue) (tds.UCS2, error) {
	if v.Type() == sqltype.TypeNVarChar && !v.IsNull() && !v.IsPLP() {
		return tds.UCS2(v.Raw()), nil
	}
	return v.UCS2()
}

// appendMoney appends a money value in ten-thousandths as go-mssqldb
// formats it: the decimal with 4 digits after the point.
func appendMoney(dst []byte, x int64) []byte {
	u := uint64(x)
	if x < 0 {
		dst = append(dst, '-')
		u = -u
	}
	dst = strconv.AppendUint(dst, u/10000, 10)
	f := u % 10000
	return append(dst, '.', byte('0'+f/1000), byte('0'+f/100%10), byte('0'+f/10%10), byte('0'+f%10))
}

// DecodeWide64 decodes a captured Wide64Query response into 64 strings a
// row with tdswire: the row's values gathered as UTF-8 into one buffer
// and made strings with one allocation for the row (with perValue, one
// allocation each).
func (d *Decoder) DecodeWide64(packets []byte, hash, perValue bool) (WideSum, error) {
	var r [64]string
	var canon, text []byte
	var at [65]int
	h := newCanonHash()
	n, err := d.wideRows(packets, 64, func(v []tokens.ColumnValue) error {
		text = text[:0]
		for k := range r {
			u, err := ucs2(&v[k])
			if err != nil {
				return err
			}
			text = u.AppendUTF8(text)
			at[k+1] = len(text)
		}
		if perValue {
			for k := range r {
				r[k] = string(text[at[k]:at[k+1]])
			}
		} else {
			all := string(text)
			for k := range r {
				r[k] = all[at[k]:at[k+1]]
			}
		}
		if hash {
			canon = appendCanon64(canon[:0], &r)
			h.add(canon)
		}
		return nil
	})
	if err != nil {
		return WideSum{}, err
	}
	if hash {
		return h.result(), nil
	}
	return WideSum{Rows: n}, nil
}
