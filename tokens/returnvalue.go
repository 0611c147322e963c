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
// Crypto is present on the wire, between TypeInfo and Value, when Flags
// has ColEncrypted (TDS 7.4 with column encryption); its Ordinal is not
// sent in RETURNVALUE and stays 0.
type ReturnValue struct {
	ParamOrdinal uint16
	ParamName    tds.UCS2 // B_VARCHAR, e.g. "@out"
	Status       uint8    // ReturnOutputParam or ReturnUDFValue
	UserType     uint32   // USHORT before TDS 7.2, ULONG from 7.2
	Flags        ColumnFlags
	TypeInfo     sqltype.TypeInfo
	Crypto       CryptoMetadata
	Value        sqltype.Value
	Wire         []byte
}

// DecodeReturnValue reads a RETURNVALUE token (type byte included) from the
// start of b with the layout of version v, and returns it with the number
// of bytes it used.
func DecodeReturnValue(b []byte, v tds.Version) (ReturnValue, int, error) {
	var d ReturnValue
	n, err := d.decode(b, v)
	return d, n, err
}

// decode is DecodeReturnValue on a value the caller owns.
func (rv *ReturnValue) decode(b []byte, v tds.Version) (int, error) {
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
	x.Flags = ColumnFlags(r.u16("Flags"))
	if r.err != nil {
		return 0, r.err
	}
	ti, n, err := sqltype.DecodeTypeInfo(b[r.off:])
	x.TypeInfo = ti
	if err != nil {
		return 0, rebase(err, r.off)
	}
	r.off += n
	if x.encrypted(v) {
		r.cryptoMetadata(&x.Crypto, false)
		if r.err != nil {
			return 0, r.err
		}
	}
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
// the fields, TypeInfo through sqltype, Crypto if Flags has ColEncrypted,
// and Wire as it is (build it with the sqltype encoders). Value is not
// consulted.
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
	if rv.encrypted(v) {
		dst = rv.Crypto.append(dst, false)
	}
	return append(dst, rv.Wire...)
}

// encrypted reports whether CryptoMetadata is on the wire: fEncrypted in
// TDS 7.4 and later.
func (rv *ReturnValue) encrypted(v tds.Version) bool {
	return rv.Flags&ColEncrypted != 0 && v.AtLeast(tds.Version74)
}

// ReturnValue decodes the current token, which must be RETURNVALUE, into
// rv.
func (s *Scanner) ReturnValue(rv *ReturnValue) error {
	b, err := s.current(TokenReturnValue)
	if err != nil {
		return err
	}
	_, err = rv.decode(b, s.ver)
	return rebase(err, s.cur)
}
