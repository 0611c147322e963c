package tokens

// SSPI is the SSPI token, [MS-TDS] 2.2.7.22: an authentication blob
// (for example an NTLM CHALLENGE_MESSAGE or a Kerberos reply) sent during
// login. Buffer is a view of the SSPIBuffer (US_VARBYTE).
type SSPI struct {
	Buffer []byte
}

// DecodeSSPI reads an SSPI token (type byte included) from the start of b and
// returns it with the number of bytes it used.
func DecodeSSPI(b []byte) (SSPI, int, error) {
	var d SSPI
	n, err := d.decode(b)
	return d, n, err
}

// decode is DecodeSSPI on a value the caller owns.
func (x *SSPI) decode(b []byte) (int, error) {
	r := reader{b: b}
	r.tokenType(TokenSSPI)
	buf := r.usVarbyte("SSPIBuffer")
	if r.err != nil {
		return 0, r.err
	}
	x.Buffer = buf
	return r.off, nil
}

// Append appends x as an SSPI token. A Buffer over 65535 bytes, the most
// its USHORT length can carry, is refused with tds.ErrTooLarge and dst
// returned unchanged.
func (x SSPI) Append(dst []byte) ([]byte, error) {
	start := len(dst)
	dst, err := fieldUSVarbyte(append(dst, byte(TokenSSPI)), start, "SSPIBuffer", x.Buffer)
	if err != nil {
		return dst[:start], err
	}
	return dst, nil
}

// SSPI decodes the current token, which must be SSPI, into x.
func (s *Scanner) SSPI(x *SSPI) error {
	b, err := s.current(TokenSSPI)
	if err != nil {
		return err
	}
	_, err = x.decode(b)
	return rebase(err, s.cur)
}
