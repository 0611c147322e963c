package request

import (
	"encoding/binary"
	"iter"

	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tds/sqltype"
)

// Tokens and limits of a table-valued parameter, [MS-TDS] 2.2.5.5.5.
const (
	tvpNullToken      = 0xFFFF // TVP_NULL_TOKEN instead of TVP_COLMETADATA
	tvpEndToken       = 0x00   // TVP_END_TOKEN
	tvpRowToken       = 0x01   // TVP_ROW_TOKEN
	tvpOrderUnique    = 0x10   // TVP_ORDER_UNIQUE_TOKEN
	tvpColumnOrdering = 0x11   // TVP_COLUMN_ORDERING_TOKEN
	tvpMaxColumns     = 1024   // "Column count up to 1024 max"
	tvpMaxNameChars   = 128    // DbName, OwningSchema, TypeName

	// A TVP_ROW carries no bytes for an fDefault column (2.2.5.5.5.1:
	// the client MUST NOT emit its TvpColumnData), so a valid row can be
	// the single TVP_ROW_TOKEN byte whatever the column count, yet
	// iterating the rows (TVP.Rows, or a caller reading each row's
	// values) visits every column of every row. To keep that work
	// proportional to the input, a TVP whose rows × columns exceed
	// tvpVisitsPerByte per byte of the whole TVP (its metadata and rows)
	// is refused. There is no fixed allowance, so several TVPs in one
	// message cannot add one up each. Every TVP with at most 32 columns
	// passes (each row is at least one byte), and so does any single row
	// (each column's metadata is several bytes).
	tvpVisitsPerByte = 32
)

// TVPColumnFlags is the Flags USHORT of a TvpColumnMetaData, [MS-TDS]
// 2.2.5.5.5, in least significant bit order.
type TVPColumnFlags uint16

// The column flags of [MS-TDS] 2.2.5.5.5. On input the server honours
// only fNullable, fIdentity, fComputed and fDefault; the rest are ignored.
const (
	TVPNullable        TVPColumnFlags = 0x0001 // fNullable
	TVPCaseSen         TVPColumnFlags = 0x0002 // fCaseSen
	TVPUpdateableMask  TVPColumnFlags = 0x000C // usUpdateable: 0 read-only, 0x04 read-write, 0x08 unknown
	TVPIdentity        TVPColumnFlags = 0x0010 // fIdentity
	TVPComputed        TVPColumnFlags = 0x0020 // fComputed
	TVPFixedLenCLRType TVPColumnFlags = 0x0100 // fFixedLenCLRType
	TVPDefault         TVPColumnFlags = 0x0200 // fDefault: the column has no data in TVP_ROW
)

// TVPColumn is one TvpColumnMetaData, [MS-TDS] 2.2.5.5.5. Name is the
// ColName, which MUST be empty in a TVP.
type TVPColumn struct {
	UserType uint32
	Flags    TVPColumnFlags
	Type     sqltype.TypeInfo
	Name     tds.UCS2
}

// OrderUniqueFlags is the OrderUniqueFlags byte of TVP_ORDER_UNIQUE,
// [MS-TDS] 2.2.5.5.5.
type OrderUniqueFlags uint8

// The bits of OrderUniqueFlags. Both order bits set, or none of the
// three, is invalid (the server rejects it).
const (
	OrderAsc    OrderUniqueFlags = 0x01 // fOrderAsc
	OrderDesc   OrderUniqueFlags = 0x02 // fOrderDesc
	OrderUnique OrderUniqueFlags = 0x04 // fUnique
)

// TVP is the TVP_TYPE_INFO of a table-valued parameter, [MS-TDS]
// 2.2.5.5.5 (TDS 7.3): the table type's name, its columns, the optional
// TVP_ORDER_UNIQUE and TVP_COLUMN_ORDERING tokens, and the rows. The
// names are views into the message; columns, tokens and rows are read on
// request with Columns, OrderUnique, ColumnOrdering and Rows.
type TVP struct {
	DBName       tds.UCS2 // MUST be empty
	OwningSchema tds.UCS2
	TypeName     tds.UCS2
	// NullMetadata is set when TVP_COLMETADATA is TVP_NULL_TOKEN: the
	// parameter carries no columns.
	NullMetadata bool

	raw         []byte // TVPTYPE through the last TVP_END_TOKEN
	cols        []byte // the TvpColumnMetaData entries
	ncols       int
	orderUnique []byte // Count entries of 3 bytes; nil when absent
	ordering    []byte // Count ColNums of 2 bytes; nil when absent
	rows        []byte // TVP_ROW tokens, without the final TVP_END_TOKEN
	nrows       int
}

// tvpScratch holds the column types of the TVP being checked, owned by an
// RPCReader and reused.
type tvpScratch struct {
	cols []tvpCol // in TVP_COLMETADATA order
	wire []uint16 // indexes into cols of the columns a TVP_ROW carries, in row order
}

type tvpCol struct {
	ti    sqltype.TypeInfo
	flags TVPColumnFlags
}

// Raw returns the whole TVP_TYPE_INFO as received, from TVPTYPE through
// the final TVP_END_TOKEN.
func (t *TVP) Raw() []byte { return t.raw }

// NumColumns returns the number of columns in TVP_COLMETADATA (0 for
// TVP_NULL_TOKEN).
func (t *TVP) NumColumns() int { return t.ncols }

// NumRows returns the number of TVP_ROW tokens.
func (t *TVP) NumRows() int { return t.nrows }

// Columns returns an iterator over the column metadata, in
// TVP_COLMETADATA order. The columns were checked when the parameter was
// decoded, so the iteration cannot fail; it does not allocate.
func (t *TVP) Columns() iter.Seq[TVPColumn] {
	return func(yield func(TVPColumn) bool) {
		rest := t.cols
		for range t.ncols {
			var c TVPColumn
			n, err := decodeTVPColumn(rest, 0, &c)
			if err != nil || !yield(c) {
				return
			}
			rest = rest[n:]
		}
	}
}

// AppendColumns appends the columns of t, in TVP_COLMETADATA order, to dst
// and returns the extended slice: what Rows needs.
func (t *TVP) AppendColumns(dst []TVPColumn) []TVPColumn {
	for c := range t.Columns() {
		dst = append(dst, c)
	}
	return dst
}

// OrderUnique returns the TVP_ORDER_UNIQUE token's entries and whether the
// token is present.
func (t *TVP) OrderUnique() (TVPOrderUnique, bool) {
	return TVPOrderUnique(t.orderUnique), t.orderUnique != nil
}

// ColumnOrdering returns the TVP_COLUMN_ORDERING token's column ordinals
// and whether the token is present. When present, the values of a row
// come in this order rather than in TVP_COLMETADATA order.
func (t *TVP) ColumnOrdering() (TVPColumnOrdering, bool) {
	return TVPColumnOrdering(t.ordering), t.ordering != nil
}

// Rows returns an iterator over the TVP_ROW tokens, which were checked
// when the parameter was decoded. cols must be the TVP's columns in
// TVP_COLMETADATA order (from AppendColumns) and vals at least as long.
// For each row the iterator fills vals and yields vals[:NumColumns()]:
// vals[i] receives the value of cols[i] (a view into the message),
// whatever order TVP_COLUMN_ORDERING gave the row, and is overwritten by
// the next row. A column with TVPDefault has no data in the row; its
// vals entry is set to the zero sqltype.Value. If cols or vals have the
// wrong length the iterator yields nothing. It does not allocate.
//
// Each row costs one step per column, even a row of only default columns
// (a single byte); the decoder bounds the total by refusing a TVP whose
// rows × columns exceed 32 per byte of the whole TVP.
func (t *TVP) Rows(cols []TVPColumn, vals []sqltype.Value) iter.Seq[[]sqltype.Value] {
	return func(yield func([]sqltype.Value) bool) {
		rest, ncols := t.rows, t.ncols
		if len(cols) != ncols || len(vals) < ncols {
			return
		}
		vals = vals[:ncols]
		for len(rest) != 0 && rest[0] == tvpRowToken {
			off := 1
			for i := range ncols {
				k := i
				if t.ordering != nil {
					k = int(binary.LittleEndian.Uint16(t.ordering[2*i:])) - 1
				}
				if cols[k].Flags&TVPDefault != 0 {
					vals[k] = sqltype.Value{}
					continue
				}
				v, n, err := cols[k].Type.DecodeParamValue(rest[off:])
				if err != nil {
					return
				}
				vals[k] = v
				off += n
			}
			rest = rest[off:]
			if !yield(vals) {
				return
			}
		}
	}
}

// TVPOrderUnique is a view of the entries of TVP_ORDER_UNIQUE, [MS-TDS]
// 2.2.5.5.5: (ColNum, OrderUniqueFlags) pairs.
type TVPOrderUnique []byte

// Len returns the number of entries.
func (o TVPOrderUnique) Len() int { return len(o) / 3 }

// At returns entry i: a 1-based column ordinal and its flags. It returns
// zeros for i out of range.
func (o TVPOrderUnique) At(i int) (colNum uint16, flags OrderUniqueFlags) {
	if i < 0 || i >= o.Len() {
		return 0, 0
	}
	return binary.LittleEndian.Uint16(o[3*i:]), OrderUniqueFlags(o[3*i+2])
}

// TVPColumnOrdering is a view of the ColNums of TVP_COLUMN_ORDERING,
// [MS-TDS] 2.2.5.5.5.
type TVPColumnOrdering []byte

// Len returns the number of ordinals (the number of columns).
func (o TVPColumnOrdering) Len() int { return len(o) / 2 }

// At returns the 1-based column ordinal whose value comes i-th in a row,
// or 0 for i out of range.
func (o TVPColumnOrdering) At(i int) uint16 {
	if i < 0 || i >= o.Len() {
		return 0
	}
	return binary.LittleEndian.Uint16(o[2*i:])
}

// decodeTVPColumn reads one TvpColumnMetaData at b[off:] and returns the
// offset after it. It checks the TYPE_INFO (including the type
// restrictions of 2.2.5.5.5) and that ColName is empty.
func decodeTVPColumn(b []byte, off int, c *TVPColumn) (int, error) {
	if len(b)-off < 6 {
		return 0, errf(off, tds.ErrTruncated, "TvpColumnMetaData: need 6 bytes for UserType and Flags, have %d", len(b)-off)
	}
	c.UserType = binary.LittleEndian.Uint32(b[off:])
	c.Flags = TVPColumnFlags(binary.LittleEndian.Uint16(b[off+4:]))
	off += 6
	if off < len(b) {
		if !tvpTypeAllowed(sqltype.TypeID(b[off])) {
			return 0, errf(off, tds.ErrMalformed, "%v is not allowed in a TVP (2.2.5.5.5, TDS Type Restrictions)", sqltype.TypeID(b[off]))
		}
	}
	ti, n, err := sqltype.DecodeParamTypeInfo(b[off:])
	c.Type = ti
	if err != nil {
		return 0, wrapAt(off, "TvpColumnMetaData TYPE_INFO", err)
	}
	off += n
	var name tds.UCS2
	nameOff := off
	if name, off, err = bVarchar(b, off, "TvpColumnMetaData ColName"); err != nil {
		return 0, err
	}
	if len(name) != 0 {
		return 0, errf(nameOff, tds.ErrMalformed, "TVP ColName MUST be empty, has %d characters", len(name)/2)
	}
	c.Name = name
	return off, nil
}

// tvpTypeAllowed applies the TDS Type Restrictions of 2.2.5.5.5: no legacy
// fixed or short types, no NULLTYPE, no nested TVP.
func tvpTypeAllowed(t sqltype.TypeID) bool {
	switch t {
	case sqltype.TypeBinary, sqltype.TypeVarBinary, sqltype.TypeChar, sqltype.TypeVarChar,
		sqltype.TypeBit, sqltype.TypeInt1, sqltype.TypeInt2, sqltype.TypeInt4, sqltype.TypeInt8,
		sqltype.TypeFloat4, sqltype.TypeFloat8, sqltype.TypeMoney, sqltype.TypeDecimal,
		sqltype.TypeNumeric, sqltype.TypeDateTime, sqltype.TypeDateTime4, sqltype.TypeMoney4,
		sqltype.TypeNull, sqltype.TypeTVP:
		return false
	}
	return true
}

// decode reads a TVP_TYPE_INFO at b[off:] (off at TVPTYPE) into t and
// returns the offset after its final TVP_END_TOKEN. s holds the column
// types while the rows are checked.
func (t *TVP) decode(b []byte, off int, s *tvpScratch) (int, error) {
	*t = TVP{}
	start := off
	off++ // TVPTYPE
	var err error
	nameOff := off
	if t.DBName, off, err = bVarchar(b, off, "TVP DbName"); err != nil {
		return 0, err
	}
	if len(t.DBName) != 0 {
		return 0, errf(nameOff, tds.ErrMalformed, "TVP DbName MUST be empty, has %d characters", len(t.DBName)/2)
	}
	if t.OwningSchema, off, err = tvpName(b, off, "TVP OwningSchema"); err != nil {
		return 0, err
	}
	if t.TypeName, off, err = tvpName(b, off, "TVP TypeName"); err != nil {
		return 0, err
	}

	// TVP_COLMETADATA
	if len(b)-off < 2 {
		return 0, errf(off, tds.ErrTruncated, "TVP_COLMETADATA: missing Count")
	}
	count := int(binary.LittleEndian.Uint16(b[off:]))
	s.cols = s.cols[:0]
	switch {
	case count == tvpNullToken:
		t.NullMetadata = true
		off += 2
	case count == 0:
		return 0, errf(off, tds.ErrMalformed, "TVP_COLMETADATA Count 0 (a TVP has 1 to 1024 columns)")
	case count > tvpMaxColumns:
		return 0, errf(off, tds.ErrTooLarge, "TVP_COLMETADATA Count %d above %d", count, tvpMaxColumns)
	default:
		off += 2
		colStart := off
		var c TVPColumn
		for i := 0; i < count; i++ {
			if off, err = decodeTVPColumn(b, off, &c); err != nil {
				return 0, err
			}
			s.cols = append(s.cols, tvpCol{ti: c.Type, flags: c.Flags})
		}
		t.cols = b[colStart:off:off]
		t.ncols = count
	}

	// Optional metadata tokens, then TVP_END_TOKEN. Either order of the
	// two optional tokens is accepted (leniency: the grammar lists
	// TVP_ORDER_UNIQUE first); each may appear once.
	for {
		if off >= len(b) {
			return 0, errf(off, tds.ErrTruncated, "TVP: missing TVP_END_TOKEN after the metadata")
		}
		tok := b[off]
		if tok == tvpEndToken {
			off++
			break
		}
		switch tok {
		case tvpOrderUnique:
			if t.orderUnique != nil {
				return 0, errf(off, tds.ErrMalformed, "second TVP_ORDER_UNIQUE token")
			}
			if t.orderUnique, off, err = t.decodeOrderUnique(b, off); err != nil {
				return 0, err
			}
		case tvpColumnOrdering:
			if t.ordering != nil {
				return 0, errf(off, tds.ErrMalformed, "second TVP_COLUMN_ORDERING token")
			}
			if t.ordering, off, err = t.decodeOrdering(b, off); err != nil {
				return 0, err
			}
		default:
			return 0, errf(off, tds.ErrMalformed, "unknown TVP metadata token 0x%02x", tok)
		}
	}

	// The columns a row carries, in row order.
	s.wire = s.wire[:0]
	for i := 0; i < t.ncols; i++ {
		k := i
		if t.ordering != nil {
			k = int(binary.LittleEndian.Uint16(t.ordering[2*i:])) - 1
		}
		if s.cols[k].flags&TVPDefault == 0 {
			s.wire = append(s.wire, uint16(k))
		}
	}

	// *TVP_ROW TVP_END_TOKEN
	rowStart := off
	for {
		if off >= len(b) {
			return 0, errf(off, tds.ErrTruncated, "TVP: missing TVP_END_TOKEN after the rows")
		}
		tok := b[off]
		if tok == tvpEndToken {
			break
		}
		if tok != tvpRowToken {
			return 0, errf(off, tds.ErrMalformed, "TVP: token 0x%02x where TVP_ROW or TVP_END_TOKEN belongs", tok)
		}
		off++
		for _, k := range s.wire {
			n, err := s.cols[k].ti.ParamValueLen(b[off:])
			if err != nil {
				return 0, wrapAt(off, "TVP_ROW column value", err)
			}
			off += n
		}
		t.nrows++
	}
	if visits := int64(t.nrows) * int64(t.ncols); visits > tvpVisitsPerByte*int64(off-start) {
		return 0, errf(rowStart, tds.ErrTooLarge, "TVP of %d rows × %d columns in %d bytes: more column visits than the input justifies (most columns fDefault)", t.nrows, t.ncols, off-start)
	}
	t.rows = b[rowStart:off:off]
	off++
	t.raw = b[start:off:off]
	return off, nil
}

// tvpName reads a B_VARCHAR name of at most 128 characters.
func tvpName(b []byte, off int, what string) (tds.UCS2, int, error) {
	s, n, err := bVarchar(b, off, what)
	if err != nil {
		return nil, 0, err
	}
	if len(s) > 2*tvpMaxNameChars {
		return nil, 0, errf(off, tds.ErrTooLarge, "%s of %d characters above %d", what, len(s)/2, tvpMaxNameChars)
	}
	return s, n, nil
}

func (t *TVP) decodeOrderUnique(b []byte, off int) ([]byte, int, error) {
	if len(b)-off < 3 {
		return nil, 0, errf(off+1, tds.ErrTruncated, "TVP_ORDER_UNIQUE: missing Count")
	}
	n := int(binary.LittleEndian.Uint16(b[off+1:]))
	off += 3
	if len(b)-off < 3*n {
		return nil, 0, errf(off-2, tds.ErrTruncated, "TVP_ORDER_UNIQUE: %d entries need %d bytes, have %d", n, 3*n, len(b)-off)
	}
	e := b[off : off+3*n : off+3*n]
	for i := 0; i < n; i++ {
		col := int(binary.LittleEndian.Uint16(e[3*i:]))
		if col < 1 || col > t.ncols {
			return nil, 0, errf(off+3*i, tds.ErrMalformed, "TVP_ORDER_UNIQUE ColNum %d outside 1..%d", col, t.ncols)
		}
		f := OrderUniqueFlags(e[3*i+2])
		if f&(OrderAsc|OrderDesc|OrderUnique) == 0 || f&(OrderAsc|OrderDesc) == OrderAsc|OrderDesc {
			return nil, 0, errf(off+3*i+2, tds.ErrMalformed, "TVP_ORDER_UNIQUE flags 0x%02x are an invalid combination", uint8(f))
		}
	}
	return e, off + 3*n, nil
}

func (t *TVP) decodeOrdering(b []byte, off int) ([]byte, int, error) {
	if len(b)-off < 3 {
		return nil, 0, errf(off+1, tds.ErrTruncated, "TVP_COLUMN_ORDERING: missing Count")
	}
	n := int(binary.LittleEndian.Uint16(b[off+1:]))
	if n != t.ncols {
		return nil, 0, errf(off+1, tds.ErrMalformed, "TVP_COLUMN_ORDERING Count %d, MUST match the %d columns", n, t.ncols)
	}
	off += 3
	if len(b)-off < 2*n {
		return nil, 0, errf(off-2, tds.ErrTruncated, "TVP_COLUMN_ORDERING: %d ordinals need %d bytes, have %d", n, 2*n, len(b)-off)
	}
	e := b[off : off+2*n : off+2*n]
	var seen [tvpMaxColumns / 64]uint64
	for i := 0; i < n; i++ {
		col := int(binary.LittleEndian.Uint16(e[2*i:]))
		if col < 1 || col > t.ncols {
			return nil, 0, errf(off+2*i, tds.ErrMalformed, "TVP_COLUMN_ORDERING ColNum %d outside 1..%d", col, t.ncols)
		}
		w, bit := (col-1)/64, uint64(1)<<((col-1)%64)
		if seen[w]&bit != 0 {
			return nil, 0, errf(off+2*i, tds.ErrMalformed, "TVP_COLUMN_ORDERING names column %d twice", col)
		}
		seen[w] |= bit
	}
	return e, off + 2*n, nil
}

// AppendTVPTypeInfo appends the start of a TVP_TYPE_INFO, [MS-TDS]
// 2.2.5.5.5: TVPTYPE, TVP_TYPENAME (an empty DbName, as required, then
// schema and typeName) and TVP_COLMETADATA for cols (TVP_NULL_TOKEN when
// cols is empty); Name of each column is ignored (ColName MUST be empty).
// Complete the TVP with AppendTVPEnd (ending the metadata), then for each
// row AppendTVPRow followed by the values of the columns without
// TVPDefault (written with their TypeInfo's encoders), then AppendTVPEnd.
// Follow AppendParamName with it to send a TVP parameter.
//
// Names over 128 characters or more than 1024 columns are refused with
// tds.ErrTooLarge, and a column type the TDS Type Restrictions forbid with
// tds.ErrMalformed; dst is then returned unchanged.
func AppendTVPTypeInfo(dst []byte, schema, typeName string, cols []TVPColumn) ([]byte, error) {
	if tds.UCS2Len(schema) > tvpMaxNameChars || tds.UCS2Len(typeName) > tvpMaxNameChars {
		return dst, errf(0, tds.ErrTooLarge, "TVP schema or type name above %d characters", tvpMaxNameChars)
	}
	if len(cols) > tvpMaxColumns {
		return dst, errf(0, tds.ErrTooLarge, "%d TVP columns above %d", len(cols), tvpMaxColumns)
	}
	for i := range cols {
		if !tvpTypeAllowed(cols[i].Type.Type) {
			return dst, errf(0, tds.ErrMalformed, "TVP column %d: %v is not allowed in a TVP", i+1, cols[i].Type.Type)
		}
	}
	dst = append(dst, byte(sqltype.TypeTVP), 0)
	dst = append(dst, byte(tds.UCS2Len(schema)))
	dst = tds.AppendUCS2(dst, schema)
	dst = append(dst, byte(tds.UCS2Len(typeName)))
	dst = tds.AppendUCS2(dst, typeName)
	if len(cols) == 0 {
		return binary.LittleEndian.AppendUint16(dst, tvpNullToken), nil
	}
	dst = binary.LittleEndian.AppendUint16(dst, uint16(len(cols)))
	for i := range cols {
		dst = binary.LittleEndian.AppendUint32(dst, cols[i].UserType)
		dst = binary.LittleEndian.AppendUint16(dst, uint16(cols[i].Flags))
		dst = cols[i].Type.AppendParam(dst)
		dst = append(dst, 0) // ColName
	}
	return dst, nil
}

// AppendTVPRow appends TVP_ROW_TOKEN, [MS-TDS] 2.2.5.5.5; the row's
// values follow it. The decoder refuses a TVP whose rows × columns exceed
// 32 per byte of the whole TVP, which only a TVP of more than 32
// columns, nearly all TVPDefault, over many rows can reach: keep such a
// TVP within that bound.
func AppendTVPRow(dst []byte) []byte { return append(dst, tvpRowToken) }

// AppendTVPEnd appends TVP_END_TOKEN, [MS-TDS] 2.2.5.5.5, which ends the
// metadata and, a second time, the rows.
func AppendTVPEnd(dst []byte) []byte { return append(dst, tvpEndToken) }
