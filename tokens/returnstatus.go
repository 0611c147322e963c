package tokens

// ReturnStatus is the RETURNSTATUS token, [MS-TDS] 2.2.7.18: the status
// value of a stored procedure (an RPC or a T-SQL EXEC). It is never NULL.
type ReturnStatus int32

// ReturnStatusLen is the size of a RETURNSTATUS token, type byte included.
const ReturnStatusLen = 5

// DecodeReturnStatus reads a RETURNSTATUS token (type byte included) from
// the start of b and returns it with the number of bytes it used.
func DecodeReturnStatus(b []byte) (ReturnStatus, int, error) {
	var d ReturnStatus
	n, err := d.decode(b)
	return d, n, err
}

// decode is DecodeReturnStatus on a value the caller owns.
func (rs *ReturnStatus) decode(b []byte) (int, error) {
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

// ReturnStatus decodes the current token, which must be RETURNSTATUS,
// into rs.
func (s *Scanner) ReturnStatus(rs *ReturnStatus) error {
	b, err := s.current(TokenReturnStatus)
	if err != nil {
		return err
	}
	_, err = rs.decode(b)
	return rebase(err, s.cur)
}
