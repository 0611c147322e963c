package tokens

import (
	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tds/sqltype"
)

// ReturnValue status values, [MS-TDS] 2.2.7.19.
const (
	ReturnOutputParam uint8 = 0x01 // the value of an OUTPUT parameter of a stored procedure
	ReturnUDFValue    uint8 = 0x02 // the return value of a user-defined function
)

// ReturnValue is the RETURNVALUE token, [MS-TDS] 2.2.7.19: the value of an
// output parameter or of a user-defined function called as an RPC. The
// field order follows the token definition (ParamOrdinal before
// ParamName; the rules list of 2.2.7.19 names them the other way round).
//
// Value is the decoded TYPE_VARBYTE and Wire its bytes as sent; TypeInfo
// is decoded by package sqltype. Views point into the decoded buffer.
//
// Not supported: the CryptoMetaData of an encrypted value (fEncrypted in
// Flags, TDS 7.4 with column encryption), reported as an error wrapping
// tds.ErrUnexpected.
type ReturnValue struct {
	ParamOrdinal uint16
	ParamName    tds.UCS2 // B_VARCHAR, e.g. "@out"
	Status       uint8    // ReturnOutputParam or ReturnUDFValue
	UserType     uint32   // USHORT before TDS 7.2, ULONG from 7.2
	Flags        ColumnFlags
	TypeInfo     sqltype.TypeInfo
	Value        sqltype.Value
	Wire         []byte
}

// Decode reads a RETURNVALUE token (type byte included) from the start of
// b with the layout of version v, and returns the number of bytes it used.
func (rv *ReturnValue) Decode(b []byte, v tds.Version) (int, error) {
	r := reader{b: b}
	r.tokenType(TokenReturnValue)
	var x ReturnValue
	x.ParamOrdinal = r.u16("ParamOrdinal")
	x.ParamName = r.bVarchar("ParamName")
	x.Status = r.u8("Status")
	if wide(v) {
		x.UserType = r.u32("UserType")
	} else {
		x.UserType = uint32(r.u16("UserType"))
	}
	at := r.off
	x.Flags = ColumnFlags(r.u16("Flags"))
	if r.err != nil {
		return 0, r.err
	}
	if x.Flags&ColEncrypted != 0 && v.AtLeast(tds.Version74) {
		return 0, tds.Errorf(layer, at, tds.ErrUnexpected, "RETURNVALUE is encrypted; CryptoMetaData is not supported")
	}
	n, err := x.TypeInfo.Decode(b[r.off:])
	if err != nil {
		return 0, rebase(err, r.off)
	}
	r.off += n
	val, n, err := x.TypeInfo.DecodeValue(b[r.off:])
	if err != nil {
		return 0, rebase(err, r.off)
	}
	x.Value = val
	x.Wire = b[r.off : r.off+n : r.off+n]
	r.off += n
	*rv = x
	return r.off, nil
}

// Append appends rv as a RETURNVALUE token in the layout of version v:
// the fields, TypeInfo through sqltype, and Wire as it is (build it with
// the sqltype encoders). Value is not consulted.
func (rv *ReturnValue) Append(dst []byte, v tds.Version) []byte {
	dst = append(dst, byte(TokenReturnValue))
	dst = appendU16(dst, rv.ParamOrdinal)
	dst = appendBVarchar(dst, rv.ParamName)
	dst = append(dst, rv.Status)
	if wide(v) {
		dst = appendU32(dst, rv.UserType)
	} else {
		dst = appendU16(dst, uint16(rv.UserType))
	}
	dst = appendU16(dst, uint16(rv.Flags))
	dst = rv.TypeInfo.Append(dst)
	return append(dst, rv.Wire...)
}

// ReturnValue decodes the current token, which must be RETURNVALUE, into
// rv.
func (s *Scanner) ReturnValue(rv *ReturnValue) error {
	b, err := s.current(TokenReturnValue)
	if err != nil {
		return err
	}
	_, err = rv.Decode(b, s.ver)
	return rebase(err, s.cur)
}
