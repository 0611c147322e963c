// Package sqltype implements the data types of [MS-TDS] 2.2.5: the
// TYPE_INFO that describes a column or parameter (2.2.5.6, with the
// COLLATION of 2.2.5.1.2, XML_INFO of 2.2.5.5.3, UDT_INFO of 2.2.5.5.2 and
// the text/ntext/image TableName of 2.2.7.4), the TYPE_VARBYTE values of
// each type (2.2.5.2.3, including partially length-prefixed values and
// sql_variant, 2.2.5.5.4), views and typed accessors over those values
// (2.2.5.5.1: integers, money, floats, decimals, GUIDs, dates and times,
// strings), value encoders, and the NBCROW null bitmap (2.2.7.15).
//
// Decoding returns values holding views into the input, with the number
// of bytes they took:
//
//	ti, n, err := sqltype.DecodeTypeInfo(b) // one TYPE_INFO from COLMETADATA
//	v, m, err := ti.DecodeValue(b[k:])      // one value of that column in a ROW
//	x, err := v.Int64()                     // or v.Any(), v.String()
//
// TypeInfo.ValueLen skips a value without looking at it. None of these
// allocate. Views (UCS2 names, value bytes, PLP chunks) are valid while the
// caller keeps the input unchanged.
//
// Encoding appends: ti.Append(dst) writes a TYPE_INFO, and ti.AppendInt,
// AppendString, AppendDecimal, AppendTime, ... write a value of that type.
//
// Two contexts differ on the wire. Servers send TYPE_INFO and values in
// COLMETADATA, ROW, NBCROW and RETURNVALUE (DecodeTypeInfo, DecodeValue);
// clients send RPC parameters (DecodeParamTypeInfo, DecodeParamValue), where a UDT has no
// MAX_BYTE_SIZE or assembly name and text, ntext and image values have no
// TextPointer. Table-valued parameters (TVPTYPE, 2.2.5.5.5) are not
// decoded here.
//
// Errors are *tds.Error values with Layer tds.LayerSQLType, the byte
// offset of the offending field relative to the buffer passed in, and one
// of the tds sentinels (tds.ErrTruncated, tds.ErrMalformed, tds.ErrTooLarge,
// tds.ErrUnexpected) or ErrNull.
package sqltype
