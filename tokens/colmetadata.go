package tokens

import (
	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tds/sqltype"
)

// ColumnFlags is the 16-bit Flags field of a column in COLMETADATA,
// [MS-TDS] 2.2.7.4 (and of RETURNVALUE, 2.2.7.19), in least significant
// bit order. Which bits are meaningful depends on the TDS version; the
// others are reserved and kept as sent.
type ColumnFlags uint16

// The flag bits of [MS-TDS] 2.2.7.4.
const (
	ColNullable        ColumnFlags = 0x0001 // fNullable
	ColCaseSen         ColumnFlags = 0x0002 // fCaseSen: binary collation, or XML
	ColUpdateableMask  ColumnFlags = 0x000C // usUpdateable: 0 read-only, 1 read/write, 2 unknown
	ColIdentity        ColumnFlags = 0x0010 // fIdentity
	ColComputed        ColumnFlags = 0x0020 // fComputed (TDS 7.2)
	ColReservedODBC    ColumnFlags = 0x00C0 // usReservedODBC (TDS 7.3.A and below)
	ColFixedLenCLRType ColumnFlags = 0x0100 // fFixedLenCLRType (TDS 7.2)
	ColSparseColumnSet ColumnFlags = 0x0400 // fSparseColumnSet (TDS 7.3.B)
	ColEncrypted       ColumnFlags = 0x0800 // fEncrypted (TDS 7.4, column encryption)
	ColHidden          ColumnFlags = 0x2000 // fHidden (TDS 7.2)
	ColKey             ColumnFlags = 0x4000 // fKey (TDS 7.2)
	ColNullableUnknown ColumnFlags = 0x8000 // fNullableUnknown (TDS 7.2)
)

// Updateable returns the 2-bit usUpdateable field: 0 read-only, 1
// read/write, 2 unknown.
func (f ColumnFlags) Updateable() uint8 { return uint8(f&ColUpdateableMask) >> 2 }

// Column is one ColumnData entry of COLMETADATA, [MS-TDS] 2.2.7.4.
// TypeInfo is decoded by package sqltype (TYPE_INFO, 2.2.5.6). The views
// in it, TableName and ColName point into the decoded buffer.
//
// TableName is set for text, ntext and image columns only, in either wire
// form (a single US_VARCHAR before TDS 7.2, NumParts and parts from 7.2);
// TypeInfo.TableName is not used by this package and stays empty.
//
// Crypto is set for a column with ColEncrypted in Flags (TDS 7.4 with
// column encryption), and nil otherwise: TypeInfo is then the type of the
// ciphertext and Crypto.BaseTypeInfo the type of the plaintext. It is a
// pointer so that the common, unencrypted column stays small (a Column
// is 288 bytes on 64-bit targets, at most 36 times the 8 bytes of the
// smallest ColumnData; see MaxColumns); decoding allocates it only for an
// encrypted column, and reuses it when the Column slice is reused.
type Column struct {
	UserType  uint32 // USHORT before TDS 7.2, ULONG from 7.2
	Flags     ColumnFlags
	TypeInfo  sqltype.TypeInfo
	TableName TableName
	Crypto    *CryptoMetadata
	ColName   tds.UCS2 // B_VARCHAR
}

// ColMetadata is the COLMETADATA token, [MS-TDS] 2.2.7.4: the description
// of the columns of the rows that follow.
//
// NoMetaData reports the Count 0xFFFF marker, sent when the client asked
// for no metadata (fNoMetaData in an RPC, 2.2.6.6): no columns follow and
// the client uses metadata it cached. (The grammar of 2.2.7.4 can be read
// as a second 0xFFFF after Count; the parameter table says Count itself
// is 0xFFFF, which is what is decoded and encoded.)
//
// ColumnEncryption says whether the COLUMNENCRYPTION feature was
// negotiated ([MS-TDS] 2.2.6.4, 2.2.7.11), which puts a CekTable after
// Count; it is not a field of the token, and Append reads it. Without it
// a column with fEncrypted cannot be decoded and is reported as an error
// wrapping tds.ErrUnexpected.
type ColMetadata struct {
	Columns          []Column
	NoMetaData       bool
	ColumnEncryption bool
	CekTable         CekTable
}

// MaxColumns is the most columns a COLMETADATA token may describe:
// 4,096, SQL Server's limit on the columns of one SELECT. [MS-TDS] 2.2.7.4
// only bounds Count by its USHORT; tdswire adds this limit so that a
// hostile token of a few hundred kilobytes cannot make a decoder allocate
// tens of megabytes of Column values. A larger Count is an error wrapping
// tds.ErrTooLarge.
const MaxColumns = 4096

// minColumnLen is the smallest ColumnData for version v: UserType, Flags,
// a one-byte TYPE_INFO and an empty ColName. It bounds Count before
// anything is allocated.
func minColumnLen(v tds.Version) int {
	if wide(v) {
		return 4 + 2 + 1 + 1
	}
	return 2 + 2 + 1 + 1
}

// decodeColumns reads a COLMETADATA token at the start of b into cols
// (reusing its capacity) and returns the columns, whether it was
// NoMetaData, the CekTable (when enc is set), and the bytes used.
func decodeColumns(cols []Column, b []byte, v tds.Version, enc bool) ([]Column, bool, CekTable, int, error) {
	r := reader{b: b}
	r.tokenType(TokenColMetadata)
	count := int(r.u16("Count"))
	if r.err != nil {
		return cols, false, CekTable{}, 0, r.err
	}
	if count == 0xFFFF {
		return cols[:0], true, CekTable{}, r.off, nil
	}
	var cek CekTable
	if enc {
		if cek = r.cekTable(); r.err != nil {
			return cols[:0], false, CekTable{}, 0, r.err
		}
	}
	if count > MaxColumns {
		return cols[:0], false, CekTable{}, 0, tds.Errorf(layer, 1, tds.ErrTooLarge, "COLMETADATA Count %d exceeds the limit of %d columns", count, MaxColumns)
	}
	if count > (len(b)-r.off)/minColumnLen(v) {
		return cols[:0], false, CekTable{}, 0, tds.Errorf(layer, 1, tds.ErrTruncated, "COLMETADATA Count %d cannot fit in the %d bytes that remain", count, len(b)-r.off)
	}
	if cap(cols) < count {
		cols = make([]Column, count)
	}
	cols = cols[:count]
	for i := range cols {
		c := &cols[i]
		at := r.off
		if wide(v) {
			c.UserType = r.u32("UserType")
		} else {
			c.UserType = uint32(r.u16("UserType"))
		}
		c.Flags = ColumnFlags(r.u16("Flags"))
		if r.err != nil {
			return cols[:0], false, CekTable{}, 0, r.err
		}
		crypt := c.Flags&ColEncrypted != 0 && v.AtLeast(tds.Version74)
		if crypt && !enc {
			return cols[:0], false, CekTable{}, 0, tds.Errorf(layer, at, tds.ErrUnexpected, "column %d is encrypted, but column encryption is not enabled (its CekTable was not expected)", i)
		}
		ti, n, err := sqltype.DecodeTypeInfo(b[r.off:])
		c.TypeInfo = ti
		if err != nil {
			return cols[:0], false, CekTable{}, 0, rebase(err, r.off)
		}
		if c.TypeInfo.LenClass() == sqltype.LenZero {
			// NULLTYPE values take no bytes in a ROW (2.2.5.4.1), so a
			// one-byte ROW of such columns would cost work in proportion to
			// Count: a stream of them is a CPU amplifier. SQL Server
			// describes NULL-valued columns with a nullable type (INTN).
			return cols[:0], false, CekTable{}, 0, tds.Errorf(layer, r.off, tds.ErrUnexpected, "column %d has type NULLTYPE, which a result column cannot have", i)
		}
		r.off += n
		c.TableName = TableName{}
		if c.TypeInfo.HasTableName() {
			c.TableName = r.tableName(wide(v))
		}
		if crypt {
			if c.Crypto == nil {
				c.Crypto = new(CryptoMetadata)
			}
			r.cryptoMetadata(c.Crypto, true)
		} else {
			c.Crypto = nil
		}
		c.ColName = r.bVarchar("ColName")
		if r.err != nil {
			return cols[:0], false, CekTable{}, 0, r.err
		}
	}
	return cols, false, cek, r.off, nil
}

// DecodeColMetadata reads a COLMETADATA token (type byte included) from
// the start of b with the layout of version v, and a CekTable when
// columnEncryption is set (the COLUMNENCRYPTION feature was negotiated),
// and returns it with the number of bytes it used. Columns is a new slice;
// Scanner, which decodes every COLMETADATA it passes, reuses one.
func DecodeColMetadata(b []byte, v tds.Version, columnEncryption bool) (ColMetadata, int, error) {
	var d ColMetadata
	d.ColumnEncryption = columnEncryption
	n, err := d.decode(b, v)
	return d, n, err
}

// decode is DecodeColMetadata on a value the caller owns.
func (m *ColMetadata) decode(b []byte, v tds.Version) (int, error) {
	cols, none, cek, n, err := decodeColumns(m.Columns[:0], b, v, m.ColumnEncryption)
	m.Columns = cols
	if err != nil {
		return 0, err
	}
	m.NoMetaData = none
	m.CekTable = cek
	return n, nil
}

// Append appends m as a COLMETADATA token in the layout of version v:
// Count 0xFFFF when NoMetaData is set, otherwise the columns. TableName is
// written for text, ntext and image columns only (its first part alone
// before TDS 7.2). With ColumnEncryption set, the CekTable follows Count,
// and CryptoMetadata is written for each column with ColEncrypted in
// Flags (TDS 7.4). More than 65534 columns, or a ColName over 255 code
// units, is refused with tds.ErrTooLarge (odd byte length with
// tds.ErrMalformed), and an encrypted column without Crypto with
// tds.ErrMalformed; on error dst is returned unchanged.
func (m ColMetadata) Append(dst []byte, v tds.Version) ([]byte, error) {
	start := len(dst)
	if m.NoMetaData {
		return append(dst, byte(TokenColMetadata), 0xFF, 0xFF), nil
	}
	if len(m.Columns) > 0xFFFE {
		return dst, errTooLong(1, "COLMETADATA Count", len(m.Columns), 0xFFFE, "columns")
	}
	dst = append(dst, byte(TokenColMetadata))
	dst = appendU16(dst, uint16(len(m.Columns)))
	if m.ColumnEncryption {
		dst = appendU16(dst, uint16(m.CekTable.n))
		dst = append(dst, m.CekTable.data...)
	}
	for i := range m.Columns {
		c := &m.Columns[i]
		if wide(v) {
			dst = appendU32(dst, c.UserType)
		} else {
			dst = appendU16(dst, uint16(c.UserType))
		}
		dst = appendU16(dst, uint16(c.Flags))
		dst = c.TypeInfo.Append(dst)
		if c.TypeInfo.HasTableName() {
			dst = appendTableName(dst, c.TableName, wide(v))
		}
		if m.ColumnEncryption && c.Flags&ColEncrypted != 0 && v.AtLeast(tds.Version74) {
			if c.Crypto == nil {
				return dst[:start], tds.Errorf(layer, len(dst)-start, tds.ErrMalformed, "column %d has ColEncrypted but no CryptoMetadata (Crypto is nil)", i)
			}
			dst = c.Crypto.append(dst, true)
		}
		var err error
		if dst, err = fieldBVarchar(dst, start, "ColName", c.ColName); err != nil {
			return dst[:start], err
		}
	}
	return dst, nil
}

// colMetadata measures a COLMETADATA token and installs its columns as
// the Scanner's current metadata (NoMetaData leaves them as they were).
func (s *Scanner) colMetadata(b []byte) (int, error) {
	cols, none, cek, n, err := decodeColumns(s.cols[:0], b, s.ver, s.enc)
	if err != nil {
		s.cols = cols
		s.hasCols = false
		return 0, err
	}
	if !none {
		s.cols = cols
		s.hasCols = true
		s.cek = cek
	}
	return n, nil
}

// ColMetadata reports the current token, which must be COLMETADATA, into
// m: Columns is set to the Scanner's column slice (shared, not copied;
// see Columns), NoMetaData to whether the token carried the 0xFFFF
// marker, and ColumnEncryption and CekTable as the Scanner has them.
func (s *Scanner) ColMetadata(m *ColMetadata) error {
	b, err := s.current(TokenColMetadata)
	if err != nil {
		return err
	}
	m.NoMetaData = len(b) == 3 && b[1] == 0xFF && b[2] == 0xFF
	m.Columns = s.Columns()
	m.ColumnEncryption = s.enc
	m.CekTable = s.cek
	return nil
}
