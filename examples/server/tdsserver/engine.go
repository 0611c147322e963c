package tdsserver

import (
	"fmt"
	"strconv"
	"time"

	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tds/request"
	"github.com/tdswire/tdswire/tds/sqltype"
	"github.com/tdswire/tdswire/tokens"
)

// engine holds what the statement table of the package comment needs.
type engine struct {
	rows int
}

// VersionString is what SELECT @@VERSION returns.
const VersionString = "Microsoft SQL Server 2022 (RTM) - 16.0.4000.0 (X64) compatible; tdswire example server, built from github.com/tdswire/tdswire codecs"

// Column types of the result sets (TYPE_INFO, [MS-TDS] 2.2.5.6).
var (
	intCol      = sqltype.TypeInfo{Type: sqltype.TypeIntN, MaxLen: 4}
	smallintCol = sqltype.TypeInfo{Type: sqltype.TypeIntN, MaxLen: 2}
	// nvarchar(50): MaxLen counts bytes, two per UCS-2 code unit.
	nameCol    = sqltype.TypeInfo{Type: sqltype.TypeNVarChar, MaxLen: 100, Collation: collation}
	versionCol = sqltype.TypeInfo{Type: sqltype.TypeNVarChar, MaxLen: 2 * 300, Collation: collation}
	// decimal(10,2): 1 sign byte and 8 bytes of magnitude for precision
	// 10 to 19 (2.2.5.5.1.6).
	priceCol = sqltype.TypeInfo{Type: sqltype.TypeDecimalN, MaxLen: 9, Precision: 10, Scale: 2}
	// datetime2(7): 5 bytes of time and 3 of date (2.2.5.5.1.8).
	createdCol = sqltype.TypeInfo{Type: sqltype.TypeDateTime2N, MaxLen: 8, Scale: 7}
	// datetime2 as text for clients before TDS 7.3, which have no
	// datetime2 type: SQL Server sends such columns as nvarchar(27).
	createdTextCol = sqltype.TypeInfo{Type: sqltype.TypeNVarChar, MaxLen: 54, Collation: collation}
)

// SampleRow is one row of the sample table. A nil field is NULL.
type SampleRow struct {
	ID      int32
	Name    *string
	Price   *sqltype.Decimal
	Created *time.Time
}

func ptr[T any](v T) *T { return &v }

// SampleRows returns the rows of SELECT * FROM sample: columns id int,
// name nvarchar(50), price decimal(10,2) and created datetime2(7), with
// NULLs in the last three.
func SampleRows() []SampleRow {
	return []SampleRow{
		{ID: 1, Name: ptr("Alice"), Price: &sqltype.Decimal{Lo: 1250, Scale: 2}, Created: ptr(time.Date(2024, 1, 2, 3, 4, 5, 123456700, time.UTC))},
		{ID: 2, Name: ptr("Bjørn Ünïcode €"), Price: nil, Created: ptr(time.Date(2024, 2, 29, 23, 59, 59, 999999900, time.UTC))},
		{ID: 3, Name: nil, Price: &sqltype.Decimal{Negative: true, Lo: 725, Scale: 2}, Created: nil},
	}
}

// BigRow returns row i (from 1) of SELECT * FROM big.
func BigRow(i int) SampleRow {
	return SampleRow{
		ID:      int32(i),
		Name:    ptr(fmt.Sprintf("row %d", i)),
		Price:   &sqltype.Decimal{Lo: uint64(i) * 125, Scale: 2},
		Created: ptr(bigEpoch.Add(time.Duration(i) * time.Second)),
	}
}

// appendBigRow appends the ROW token of row i of the big table (the
// values of BigRow) without allocating from TDS 7.3 on: the name is built
// as UTF-16LE in scratch. It returns the extended b and scratch.
func appendBigRow(b, scratch []byte, i int, v tds.Version) ([]byte, []byte, error) {
	if !v.AtLeast(tds.Version73A) {
		r, err := appendRow(b, BigRow(i), v)
		return r, scratch, err
	}
	b = append(b, byte(tokens.TokenRow))
	var err error
	if b, err = intCol.AppendInt(b, int64(i)); err != nil {
		return b, scratch, err
	}
	var digits [20]byte
	scratch = scratch[:0]
	for _, c := range strconv.AppendInt(append(digits[:0], "row "...), int64(i), 10) {
		scratch = append(scratch, c, 0) // ASCII to UTF-16LE
	}
	if b, err = nameCol.AppendBytes(b, scratch); err != nil {
		return b, scratch, err
	}
	if b, err = priceCol.AppendDecimal(b, sqltype.Decimal{Lo: uint64(i) * 125, Scale: 2}); err != nil {
		return b, scratch, err
	}
	b, err = createdCol.AppendTime(b, bigEpoch.Add(time.Duration(i)*time.Second))
	return b, scratch, err
}

// bigEpoch is the created value of row 0 of the big table.
var bigEpoch = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// tableColumns returns the COLMETADATA of the sample and big tables for
// version v.
func tableColumns(v tds.Version) tokens.ColMetadata {
	created := createdCol
	if !v.AtLeast(tds.Version73A) {
		created = createdTextCol
	}
	return tokens.ColMetadata{Columns: []tokens.Column{
		{Flags: 0, TypeInfo: intCol, ColName: ucs2("id")},
		{Flags: tokens.ColNullable, TypeInfo: nameCol, ColName: ucs2("name")},
		{Flags: tokens.ColNullable, TypeInfo: priceCol, ColName: ucs2("price")},
		{Flags: tokens.ColNullable, TypeInfo: created, ColName: ucs2("created")},
	}}
}

// appendRow appends r as a ROW token ([MS-TDS] 2.2.7.20) of the table
// columns for version v.
func appendRow(b []byte, r SampleRow, v tds.Version) ([]byte, error) {
	b = append(b, byte(tokens.TokenRow))
	var err error
	if b, err = intCol.AppendInt(b, int64(r.ID)); err != nil {
		return b, err
	}
	if r.Name == nil {
		b, err = nameCol.AppendNull(b)
	} else {
		b, err = nameCol.AppendString(b, *r.Name)
	}
	if err != nil {
		return b, err
	}
	if r.Price == nil {
		b, err = priceCol.AppendNull(b)
	} else {
		b, err = priceCol.AppendDecimal(b, *r.Price)
	}
	if err != nil {
		return b, err
	}
	switch {
	case !v.AtLeast(tds.Version73A) && r.Created == nil:
		b, err = createdTextCol.AppendNull(b)
	case !v.AtLeast(tds.Version73A):
		b, err = createdTextCol.AppendString(b, r.Created.Format("2006-01-02 15:04:05.0000000"))
	case r.Created == nil:
		b, err = createdCol.AppendNull(b)
	default:
		b, err = createdCol.AppendTime(b, *r.Created)
	}
	return b, err
}

// paramString returns the text of an nvarchar, nchar or ntext parameter.
func paramString(v sqltype.Value) (string, error) {
	if v.IsNull() {
		return "", fmt.Errorf("NULL")
	}
	switch v.Type() {
	case sqltype.TypeNVarChar, sqltype.TypeNChar, sqltype.TypeNText:
	case sqltype.TypeBigVarChar, sqltype.TypeBigChar, sqltype.TypeText, sqltype.TypeVarChar, sqltype.TypeChar:
		return string(v.AppendBytes(nil)), nil
	default:
		return "", fmt.Errorf("type %v, want a character type", v.Type())
	}
	return tds.UCS2(v.AppendBytes(nil)).String(), nil
}

// echoable reports whether a parameter of type ti can be sent back in a
// ROW as it came: every type whose RPC value form is its ROW form (not
// text, ntext, image, whose ROW form has a text pointer, nor table-valued).
func echoable(ti *sqltype.TypeInfo) bool {
	switch ti.Type {
	case sqltype.TypeText, sqltype.TypeNText, sqltype.TypeImage, sqltype.TypeTVP, sqltype.TypeUDT:
		return false
	}
	return true
}

// tail returns ps[i:], or nil when ps is shorter.
func tail(ps []request.Param, i int) []request.Param {
	if len(ps) <= i {
		return nil
	}
	return ps[i:]
}
