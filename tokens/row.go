package tokens

import (
	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tds/sqltype"
)

// ColumnValue is one column of a ROW or NBCROW token, [MS-TDS] 2.2.7.20
// and 2.2.7.15: the decoded value, whose typed accessors come from
// sqltype.Value (IsNull, Raw, Chunks, ...), and Wire, the TYPE_VARBYTE as
// it travels (length prefix, text pointer, PLP chunks included; a view).
// Wire is nil for a column an NBCROW null bitmap marks NULL; its Value is
// then a NULL of the column's type. It is sqltype.ColumnValue, which
// sqltype.DecodeRowTo fills a row at a time.
type ColumnValue = sqltype.ColumnValue

// nbcBitmap returns the null bitmap of an NBCROW at b (b[0] is the token
// type) for n columns, [MS-TDS] 2.2.7.15: one bit per column, least
// significant first, rounded up to whole bytes.
func nbcBitmap(b []byte, n int) ([]byte, error) {
	nb := (n + 7) / 8
	if len(b)-1 < nb {
		return nil, bitmapErr(nb, len(b)-1)
	}
	return b[1 : 1+nb], nil
}

// bitmapErr is nbcBitmap's error, out of line so that nbcBitmap inlines.
func bitmapErr(nb, have int) error {
	return tds.Errorf(layer, 1, tds.ErrTruncated, "NBCROW NullBitmap needs %d bytes, %d remain", nb, have)
}

func isNullBit(bitmap []byte, i int) bool { return bitmap[i/8]&(1<<(i%8)) != 0 }

// rowStartErr returns the error of the checks of a ROW or NBCROW at b
// (b[0] is the token type) that Next makes before leaving the row open
// (in nextSlow, written out): column metadata is present, and an NBCROW's
// null bitmap is.
func (s *Scanner) rowStartErr(b []byte) error {
	if !s.hasCols {
		return tds.Errorf(layer, 0, tds.ErrUnexpected, "%v before any COLMETADATA", TokenType(b[0]))
	}
	_, err := nbcBitmap(b, len(s.cols))
	return err
}

// nullFixedErr is the error for an NBCROW that marks column i, of a
// fixed-length type, NULL.
func nullFixedErr(i int, ti *sqltype.TypeInfo) error {
	return tds.Errorf(layer, 1+i/8, tds.ErrMalformed, "NBCROW marks column %d NULL, but its type %v cannot be NULL", i, ti.Type)
}

// rowLen measures a ROW or NBCROW token with the current columns.
func (s *Scanner) rowLen(b []byte, nbc bool) (int, error) {
	if !s.hasCols {
		return 0, s.rowStartErr(b)
	}
	cols := s.cols
	off := 1
	var bitmap []byte
	if nbc {
		var err error
		if bitmap, err = nbcBitmap(b, len(cols)); err != nil {
			return 0, err
		}
		off += len(bitmap)
	}
	for i := range cols {
		ti := &cols[i].TypeInfo
		if nbc && isNullBit(bitmap, i) {
			if ti.LenClass() == sqltype.LenFixed {
				return 0, nullFixedErr(i, ti)
			}
			continue
		}
		n, err := ti.ValueLen(b[off:])
		if err != nil {
			return 0, rebase(err, off)
		}
		off += n
	}
	return off, nil
}

// RowValues decodes the current token, which must be ROW or NBCROW, with
// the current column metadata, appending one ColumnValue per column to
// dst[:0] and returning the extended slice. Passing the slice back for the
// next row makes reading rows allocation-free (RowValues also allocates,
// once, the slice of TYPE_INFO pointers it hands sqltype.DecodeRowTo when
// the columns outgrow it; Reset keeps it).
//
// RowValues also measures a row Next left open (see Next), in the same
// walk: an error in the row's values is then the error Next used to
// return for the row (same type and offset), and Next returns it from now
// on.
func (s *Scanner) RowValues(dst []ColumnValue) ([]ColumnValue, error) {
	dst = dst[:0]
	open := s.rowOpen
	if !open && (s.end <= s.cur || (s.typ != TokenRow && s.typ != TokenNBCRow)) {
		_, err := s.current(TokenRow, TokenNBCRow)
		return dst, err
	}
	// An open row runs to the end of the buffer until measured here; a
	// measured one (RowValues called again) ends where it was measured.
	b := s.buf[s.cur:]
	if !open {
		b = b[: s.end-s.cur : s.end-s.cur]
	}
	cols := s.cols
	if cap(dst) < len(cols) {
		dst = make([]ColumnValue, 0, len(cols))
	}
	types := s.rowTypes()
	dst = dst[:len(cols)]
	off := 1
	var bitmap []byte
	if s.typ == TokenNBCRow {
		// Next checked the bitmap with the same columns, unless the
		// caller has called SetColumns since.
		nb := (len(cols) + 7) / 8
		if len(b)-1 < nb {
			return dst[:0], s.rowErr(open, rebase(bitmapErr(nb, len(b)-1), s.cur))
		}
		bitmap = b[1 : 1+nb : 1+nb]
		off += nb
	}
	n, err := sqltype.DecodeRowTo(dst, types, bitmap, b[off:])
	if err != nil {
		i := n
		if bitmap != nil && isNullBit(bitmap, i) {
			ti := types[i]
			if ti.LenClass() == sqltype.LenFixed {
				return dst[:i], s.rowErr(open, rebase(nullFixedErr(i, ti), s.cur))
			}
			// A type with no TYPE_VARBYTE form: the row itself measures
			// (rowLen passes over a NULL), so only this call fails.
			if open {
				s.closeRow()
			}
			return dst[:i], rebase(err, s.cur+1+i/8)
		}
		return dst[:i], s.rowErr(open, rebase(err, s.cur+off))
	}
	if open {
		s.rowOpen = false
		s.end = s.cur + off + n
	}
	return dst, nil
}

// rowTypes returns the TYPE_INFOs of the current columns, as
// sqltype.DecodeRowTo takes them: pointers into s.cols, rebuilt when the
// columns are not those they point into (a new COLMETADATA, SetColumns,
// Reset, a copy of the Scanner that passed a COLMETADATA).
func (s *Scanner) rowTypes() []*sqltype.TypeInfo {
	cols := s.cols
	if t := s.types; len(t) == len(cols) && (len(cols) == 0 || t[0] == &cols[0].TypeInfo) {
		return t
	}
	t := s.types[:0]
	if cap(t) < len(cols) {
		t = make([]*sqltype.TypeInfo, 0, cap(cols))
	}
	for i := range cols {
		t = append(t, &cols[i].TypeInfo)
	}
	s.types = t
	return t
}

// rowErr returns err, an error in the values of the current row, and when
// the row was open records it as the error that ends the scan: it is the
// error measuring the row gives (DecodeValueTo and ValueLen fail alike).
func (s *Scanner) rowErr(open bool, err error) error {
	if open {
		s.rowOpen = false
		s.fail(err)
	}
	return err
}

// AppendRow appends a ROW token, [MS-TDS] 2.2.7.20, whose columns are the
// given TYPE_VARBYTEs, written as they are (build them with the sqltype
// encoders; a NULL is the type's NULL form).
func AppendRow(dst []byte, values ...[]byte) []byte {
	dst = append(dst, byte(TokenRow))
	for _, v := range values {
		dst = append(dst, v...)
	}
	return dst
}

// AppendNBCRow appends an NBCROW token, [MS-TDS] 2.2.7.15, for
// len(values) columns: a nil value is NULL (its bit set in the null
// bitmap, nothing written), any other value (even empty) is written as it
// is.
func AppendNBCRow(dst []byte, values ...[]byte) []byte {
	dst = append(dst, byte(TokenNBCRow))
	at := len(dst)
	for i := 0; i < (len(values)+7)/8; i++ {
		dst = append(dst, 0)
	}
	for i, v := range values {
		if v == nil {
			dst[at+i/8] |= 1 << (i % 8)
			continue
		}
		dst = append(dst, v...)
	}
	return dst
}
