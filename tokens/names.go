package tokens

import (
	"encoding/binary"
	"iter"

	"github.com/tdswire/tdswire/tds"
)

// TableName is a multi-part table name as TABNAME ([MS-TDS] 2.2.7.23) and
// COLMETADATA (2.2.7.4) carry it from TDS 7.1 revision 1 and 7.2 on:
// NumParts US_VARCHAR parts ("server", "database", "schema", "table",
// leftmost first). It is a view of the encoded parts; Before those versions
// a table name is a single US_VARCHAR, which decodes to a one-part name.
type TableName struct {
	parts []byte // NumParts US_VARCHARs, back to back
	n     int
}

// NumParts returns the number of parts.
func (t TableName) NumParts() int { return t.n }

// Part returns part i as a view, or nil if i is not in 0..NumParts-1.
func (t TableName) Part(i int) tds.UCS2 {
	if i < 0 || i >= t.n {
		return nil
	}
	b := t.parts
	for ; ; i-- {
		n := 2 * int(binary.LittleEndian.Uint16(b))
		if i == 0 {
			return tds.UCS2(b[2 : 2+n : 2+n])
		}
		b = b[2+n:]
	}
}

// String joins the parts with "." (allocating), e.g. "dbo.Orders".
func (t TableName) String() string {
	s := ""
	for i := 0; i < t.n; i++ {
		if i > 0 {
			s += "."
		}
		s += t.Part(i).String()
	}
	return s
}

// AppendTableName appends the US_VARCHAR encoding of parts to buf and
// returns the extended buffer and a TableName viewing the appended bytes,
// for building tokens to encode. More than 255 parts (NumParts is a BYTE)
// or a part over 65535 UTF-16 code units is refused with tds.ErrTooLarge
// and buf returned unchanged.
func AppendTableName(buf []byte, parts ...string) ([]byte, TableName, error) {
	if len(parts) > 0xFF {
		return buf, TableName{}, errTooLong(0, "NumParts", len(parts), 0xFF, "parts")
	}
	start := len(buf)
	for _, p := range parts {
		n := tds.UCS2Len(p)
		if n > 0xFFFF {
			return buf[:start], TableName{}, errTooLong(len(buf)-start, "PartName", n, 0xFFFF, "code units")
		}
		buf = appendU16(buf, uint16(n))
		buf = tds.AppendUCS2(buf, p)
	}
	return buf, TableName{parts: buf[start:len(buf):len(buf)], n: len(parts)}, nil
}

// readTableName reads a table name: NumParts and the parts when multi is
// true, or one US_VARCHAR otherwise.
func (r *reader) tableName(multi bool) TableName {
	n := 1
	if multi {
		n = int(r.u8("NumParts"))
	}
	start := r.off
	for i := 0; i < n; i++ {
		r.usVarchar("PartName")
	}
	if r.err != nil {
		return TableName{}
	}
	return TableName{parts: r.b[start:r.off:r.off], n: n}
}

func appendTableName(dst []byte, t TableName, multi bool) []byte {
	if !multi {
		if t.n == 0 {
			return appendU16(dst, 0)
		}
		return appendUSVarchar(dst, t.Part(0))
	}
	return append(append(dst, byte(t.n)), t.parts...)
}

// multiPartTabName reports whether TABNAME uses NumParts for version v
// (from TDS 7.1 revision 1, [MS-TDS] 2.2.7.23).
func multiPartTabName(v tds.Version) bool { return v.AtLeast(tds.Version71Rev1) }

// TabName is the TABNAME token, [MS-TDS] 2.2.7.23: the base tables of a
// browse-mode or cursor query. It is a view; range over Names.
type TabName struct {
	data  []byte
	multi bool
}

// Names returns an iterator over the table names.
func (t TabName) Names() iter.Seq[TableName] {
	multi := t.multi
	return seq(t.data, func(r *reader) TableName { return r.tableName(multi) })
}

// DecodeTabName reads a TABNAME token (type byte included) from the start
// of b with the layout of version v, and returns it with the number of
// bytes it used.
func DecodeTabName(b []byte, v tds.Version) (TabName, int, error) {
	var d TabName
	n, err := d.decode(b, v)
	return d, n, err
}

// decode is DecodeTabName on a value the caller owns.
func (t *TabName) decode(b []byte, v tds.Version) (int, error) {
	r := reader{b: b}
	r.tokenType(TokenTabName)
	body := r.ushortBody("Length")
	if r.err != nil {
		return 0, r.err
	}
	multi := multiPartTabName(v)
	start := body.off
	for body.err == nil && body.off < len(body.b) {
		body.tableName(multi)
	}
	if body.err != nil {
		return 0, body.err
	}
	*t = TabName{data: body.b[start:body.off:body.off], multi: multi}
	return body.off, nil
}

// AppendTabName appends a TABNAME token listing names, in the layout of
// version v. Names that take the token past its 16-bit Length are refused
// with tds.ErrTooLarge and dst returned unchanged.
func AppendTabName(dst []byte, v tds.Version, names ...TableName) ([]byte, error) {
	start := len(dst)
	dst, at := beginUSHORT(dst, TokenTabName)
	multi := multiPartTabName(v)
	for _, n := range names {
		dst = appendTableName(dst, n, multi)
		if len(dst)-at-2 > 0xFFFF {
			break // endUSHORTChecked reports it
		}
	}
	return endUSHORTChecked(dst, start, at)
}

// Append appends t as a TABNAME token in the layout of version v. In its
// own layout t always fits; converted to the other one (a NumParts byte
// added to every name) it may not, and then it is refused with
// tds.ErrTooLarge and dst returned unchanged.
func (t TabName) Append(dst []byte, v tds.Version) ([]byte, error) {
	start := len(dst)
	dst, at := beginUSHORT(dst, TokenTabName)
	if t.multi == multiPartTabName(v) {
		return endUSHORT(append(dst, t.data...), at), nil
	}
	for n := range t.Names() {
		dst = appendTableName(dst, n, multiPartTabName(v))
	}
	return endUSHORTChecked(dst, start, at)
}

// TabName decodes the current token, which must be TABNAME, into t.
func (s *Scanner) TabName(t *TabName) error {
	b, err := s.current(TokenTabName)
	if err != nil {
		return err
	}
	_, err = t.decode(b, s.ver)
	return rebase(err, s.cur)
}

// ColInfoStatus is the Status of a COLINFO column property, [MS-TDS]
// 2.2.7.3.
type ColInfoStatus uint8

// The Status bits of [MS-TDS] 2.2.7.3.
const (
	ColInfoExpression    ColInfoStatus = 0x04 // EXPRESSION: the column is the result of an expression
	ColInfoKey           ColInfoStatus = 0x08 // KEY: part of a key of its table
	ColInfoHidden        ColInfoStatus = 0x10 // HIDDEN: added because it is part of a key
	ColInfoDifferentName ColInfoStatus = 0x20 // DIFFERENT_NAME: ColName follows (the base column name)
)

// ColProperty is one column of a COLINFO token, [MS-TDS] 2.2.7.3.
type ColProperty struct {
	ColNum   uint8         // the column number in the result set
	TableNum uint8         // the TABNAME entry it comes from (1-based); 0 for an expression
	Status   ColInfoStatus // ColInfoDifferentName says ColName is present
	ColName  tds.UCS2      // the base column name; only with ColInfoDifferentName
}

// ColInfo is the COLINFO token, [MS-TDS] 2.2.7.3: browse-mode column
// information. It is a view; range over Properties.
type ColInfo struct {
	data []byte
}

// Properties returns an iterator over the column properties.
func (c ColInfo) Properties() iter.Seq[ColProperty] { return seq(c.data, (*reader).colProperty) }

func (r *reader) colProperty() ColProperty {
	var p ColProperty
	p.ColNum = r.u8("ColNum")
	p.TableNum = r.u8("TableNum")
	p.Status = ColInfoStatus(r.u8("Status"))
	if p.Status&ColInfoDifferentName != 0 {
		p.ColName = r.bVarchar("ColName")
	}
	return p
}

// DecodeColInfo reads a COLINFO token (type byte included) from the start
// of b and returns it with the number of bytes it used.
func DecodeColInfo(b []byte) (ColInfo, int, error) {
	var d ColInfo
	n, err := d.decode(b)
	return d, n, err
}

// decode is DecodeColInfo on a value the caller owns.
func (c *ColInfo) decode(b []byte) (int, error) {
	r := reader{b: b}
	r.tokenType(TokenColInfo)
	body := r.ushortBody("Length")
	if r.err != nil {
		return 0, r.err
	}
	start := body.off
	for body.err == nil && body.off < len(body.b) {
		body.colProperty()
	}
	if body.err != nil {
		return 0, body.err
	}
	c.data = body.b[start:body.off:body.off]
	return body.off, nil
}

// AppendColInfo appends a COLINFO token listing props. ColName is written
// only for properties with ColInfoDifferentName. A ColName over 255 code
// units, or properties that take the token past its 16-bit Length, are
// refused with tds.ErrTooLarge (odd byte length with tds.ErrMalformed)
// and dst returned unchanged.
func AppendColInfo(dst []byte, props ...ColProperty) ([]byte, error) {
	start := len(dst)
	dst, at := beginUSHORT(dst, TokenColInfo)
	for _, p := range props {
		dst = append(dst, p.ColNum, p.TableNum, byte(p.Status))
		if p.Status&ColInfoDifferentName != 0 {
			var err error
			if dst, err = fieldBVarchar(dst, start, "ColName", p.ColName); err != nil {
				return dst[:start], err
			}
		}
		if len(dst)-at-2 > 0xFFFF {
			break // endUSHORTChecked reports it
		}
	}
	return endUSHORTChecked(dst, start, at)
}

// Append appends c as a COLINFO token. Every ColInfo fits: it is a view
// of a decoded token.
func (c ColInfo) Append(dst []byte) []byte {
	dst, at := beginUSHORT(dst, TokenColInfo)
	return endUSHORT(append(dst, c.data...), at)
}

// ColInfo decodes the current token, which must be COLINFO, into c.
func (s *Scanner) ColInfo(c *ColInfo) error {
	b, err := s.current(TokenColInfo)
	if err != nil {
		return err
	}
	_, err = c.decode(b)
	return rebase(err, s.cur)
}
