package tokens

// Offset is the OFFSET token, [MS-TDS] 2.2.7.16 (removed in TDS 7.2):
// where a keyword occurs in the client's SQL text.
type Offset struct {
	Identifier uint16 // the keyword
	OffsetLen  uint16 // its offset in the SQL text, modulo 64 KiB
}

// DecodeOffset reads an OFFSET token (type byte included) from the start of b
// and returns it with the number of bytes it used.
func DecodeOffset(b []byte) (Offset, int, error) {
	var d Offset
	n, err := d.decode(b)
	return d, n, err
}

// decode is DecodeOffset on a value the caller owns.
func (o *Offset) decode(b []byte) (int, error) {
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

// Offset decodes the current token, which must be OFFSET, into o. (The
// token's position in the buffer is given by Span.)
func (s *Scanner) Offset(o *Offset) error {
	b, err := s.current(TokenOffset)
	if err != nil {
		return err
	}
	_, err = o.decode(b)
	return rebase(err, s.cur)
}
