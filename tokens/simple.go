package tokens

import (
	"encoding/binary"

	"github.com/tdswire/tdswire/tds"
)

// ReturnStatus is the RETURNSTATUS token, [MS-TDS] 2.2.7.18: the status
// value of a stored procedure (an RPC or a T-SQL EXEC). It is never NULL.
type ReturnStatus int32

// ReturnStatusLen is the size of a RETURNSTATUS token, type byte included.
const ReturnStatusLen = 5

// Decode reads a RETURNSTATUS token (type byte included) from the start of
// b and returns the number of bytes it used.
func (rs *ReturnStatus) Decode(b []byte) (int, error) {
	r := reader{b: b}
	r.tokenType(TokenReturnStatus)
	v := r.u32("Value")
	if r.err != nil {
		return 0, r.err
	}
	*rs = ReturnStatus(int32(v))
	return r.off, nil
}

// Append appends rs as a RETURNSTATUS token.
func (rs ReturnStatus) Append(dst []byte) []byte {
	return appendU32(append(dst, byte(TokenReturnStatus)), uint32(rs))
}

// ReturnStatus decodes the current token, which must be RETURNSTATUS.
func (s *Scanner) ReturnStatus() (ReturnStatus, error) {
	b, err := s.current(TokenReturnStatus)
	if err != nil {
		return 0, err
	}
	var rs ReturnStatus
	_, err = rs.Decode(b)
	return rs, rebase(err, s.cur)
}

// SSPI is the SSPI token, [MS-TDS] 2.2.7.22: an authentication blob
// (for example an NTLM CHALLENGE_MESSAGE or a Kerberos reply) sent during
// login. Buffer is a view of the SSPIBuffer (US_VARBYTE).
type SSPI struct {
	Buffer []byte
}

// Decode reads an SSPI token (type byte included) from the start of b and
// returns the number of bytes it used.
func (x *SSPI) Decode(b []byte) (int, error) {
	r := reader{b: b}
	r.tokenType(TokenSSPI)
	buf := r.usVarbyte("SSPIBuffer")
	if r.err != nil {
		return 0, r.err
	}
	x.Buffer = buf
	return r.off, nil
}

// Append appends x as an SSPI token. Buffer is cut at 65535 bytes, the
// most a USHORT length can carry.
func (x SSPI) Append(dst []byte) []byte {
	return appendUSVarbyte(append(dst, byte(TokenSSPI)), x.Buffer)
}

// SSPI decodes the current token, which must be SSPI, into x.
func (s *Scanner) SSPI(x *SSPI) error {
	b, err := s.current(TokenSSPI)
	if err != nil {
		return err
	}
	_, err = x.Decode(b)
	return rebase(err, s.cur)
}

// Order is the ORDER token, [MS-TDS] 2.2.7.17: the result set columns of
// an ORDER BY clause. It is a view of the ColNum list; use Len and ColNum.
type Order struct {
	cols []byte // 2 bytes per column number
}

// Len returns the number of column numbers.
func (o Order) Len() int { return len(o.cols) / 2 }

// ColNum returns the i-th column number (result set columns count from 1).
func (o Order) ColNum(i int) uint16 { return binary.LittleEndian.Uint16(o.cols[2*i:]) }

// AppendOrder appends an ORDER token listing cols. At most 32767 column
// numbers fit its USHORT Length; more are dropped.
func AppendOrder(dst []byte, cols ...uint16) []byte {
	dst, at := beginUSHORT(dst, TokenOrder)
	for _, c := range cols[:min(len(cols), 0x7FFF)] {
		dst = appendU16(dst, c)
	}
	return endUSHORT(dst, at)
}

// Append appends o as an ORDER token.
func (o Order) Append(dst []byte) []byte {
	dst, at := beginUSHORT(dst, TokenOrder)
	return endUSHORT(append(dst, o.cols...), at)
}

// Decode reads an ORDER token (type byte included) from the start of b and
// returns the number of bytes it used. Length must be even.
func (o *Order) Decode(b []byte) (int, error) {
	r := reader{b: b}
	r.tokenType(TokenOrder)
	body := r.ushortBody("Length")
	if r.err != nil {
		return 0, r.err
	}
	if (len(body.b)-3)%2 != 0 {
		return 0, tds.Errorf(layer, 1, tds.ErrMalformed, "ORDER Length %d is odd; ColNum entries are 2 bytes", len(body.b)-3)
	}
	o.cols = body.take(len(body.b)-3, "ColNum")
	return len(body.b), nil
}

// Order decodes the current token, which must be ORDER, into o.
func (s *Scanner) Order(o *Order) error {
	b, err := s.current(TokenOrder)
	if err != nil {
		return err
	}
	_, err = o.Decode(b)
	return rebase(err, s.cur)
}

// Offset is the OFFSET token, [MS-TDS] 2.2.7.16 (removed in TDS 7.2):
// where a keyword occurs in the client's SQL text.
type Offset struct {
	Identifier uint16 // the keyword
	OffsetLen  uint16 // its offset in the SQL text, modulo 64 KiB
}

// Decode reads an OFFSET token (type byte included) from the start of b
// and returns the number of bytes it used.
func (o *Offset) Decode(b []byte) (int, error) {
	r := reader{b: b}
	r.tokenType(TokenOffset)
	id := r.u16("Identifier")
	n := r.u16("OffSetLen")
	if r.err != nil {
		return 0, r.err
	}
	*o = Offset{Identifier: id, OffsetLen: n}
	return r.off, nil
}

// Append appends o as an OFFSET token.
func (o Offset) Append(dst []byte) []byte {
	return appendU16(appendU16(append(dst, byte(TokenOffset)), o.Identifier), o.OffsetLen)
}

// OffsetToken decodes the current token, which must be OFFSET, into o.
// (The Scanner's Offset method reports the token's position instead.)
func (s *Scanner) OffsetToken(o *Offset) error {
	b, err := s.current(TokenOffset)
	if err != nil {
		return err
	}
	_, err = o.Decode(b)
	return rebase(err, s.cur)
}
