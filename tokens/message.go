package tokens

import "github.com/tdswire/tdswire/tds"

// Message is the ERROR or INFO token, [MS-TDS] 2.2.7.10 and 2.2.7.13: an
// error or an informational message from the server. The two share one
// layout; Type says which one the value is, so that a decoded token
// re-encodes as the same token. The strings are views into the decoded
// buffer; Err copies the message into a Go error.
//
// LineNumber is a USHORT before TDS 7.2 and a LONG from 7.2 on: decoding
// with an older version reads 2 unsigned bytes, encoding writes the low 16
// bits.
type Message struct {
	// Type is TokenError or TokenInfo; decoding sets it, and the zero
	// value (or any other type) encodes as ERROR (see Kind).
	Type       TokenType
	Number     int32    // the error number (below 20001: reserved by SQL Server)
	State      uint8    // modifies Number
	Class      uint8    // severity: below 10 informational, 11-16 user errors, 17-25 fatal
	MsgText    tds.UCS2 // US_VARCHAR
	ServerName tds.UCS2 // B_VARCHAR
	ProcName   tds.UCS2 // B_VARCHAR
	LineNumber int32    // line in the batch or procedure, 1-based; 0 if not applicable
}

// Kind returns the token type m encodes as: TokenInfo when Type is
// TokenInfo, TokenError otherwise.
func (m Message) Kind() TokenType {
	if m.Type == TokenInfo {
		return TokenInfo
	}
	return TokenError
}

func decodeMessage(m *Message, t TokenType, b []byte, v tds.Version) (int, error) {
	r := reader{b: b}
	r.tokenType(t)
	body := r.ushortBody("Length")
	e := Message{Type: t}
	e.Number = int32(body.u32("Number"))
	e.State = body.u8("State")
	e.Class = body.u8("Class")
	e.MsgText = body.usVarchar("MsgText")
	e.ServerName = body.bVarchar("ServerName")
	e.ProcName = body.bVarchar("ProcName")
	if wide(v) {
		e.LineNumber = int32(body.u32("LineNumber"))
	} else {
		e.LineNumber = int32(body.u16("LineNumber"))
	}
	body.expectEnd(t.String())
	if r.err != nil {
		return 0, r.err
	}
	if body.err != nil {
		return 0, body.err
	}
	*m = e
	return body.off, nil
}

func appendMessage(dst []byte, m Message, v tds.Version) ([]byte, error) {
	start := len(dst)
	dst, at := beginUSHORT(dst, m.Kind())
	dst = appendU32(dst, uint32(m.Number))
	dst = append(dst, m.State, m.Class)
	dst, err := fieldUSVarchar(dst, start, "MsgText", m.MsgText)
	if err == nil {
		dst, err = fieldBVarchar(dst, start, "ServerName", m.ServerName)
	}
	if err == nil {
		dst, err = fieldBVarchar(dst, start, "ProcName", m.ProcName)
	}
	if err != nil {
		return dst[:start], err
	}
	if wide(v) {
		dst = appendU32(dst, uint32(m.LineNumber))
	} else {
		dst = appendU16(dst, uint16(m.LineNumber))
	}
	return endUSHORTChecked(dst, start, at)
}

// DecodeMessage reads an ERROR or INFO token (type byte included) from the
// start of b with the widths of version v, sets Type to its type, and
// returns it with the number of bytes it used. The Length field must cover exactly
// the fields.
func DecodeMessage(b []byte, v tds.Version) (Message, int, error) {
	var d Message
	n, err := d.decode(b, v)
	return d, n, err
}

// decode is DecodeMessage on a value the caller owns.
func (m *Message) decode(b []byte, v tds.Version) (int, error) {
	t := TokenError
	if len(b) > 0 && TokenType(b[0]) == TokenInfo {
		t = TokenInfo
	}
	return decodeMessage(m, t, b, v)
}

// Append appends m as a token of type m.Kind() for version v, computing
// Length. A ServerName or ProcName over 255 code units, or a MsgText that
// takes the token past its 16-bit Length, is refused with
// tds.ErrTooLarge (UTF-16 of odd byte length with tds.ErrMalformed) and
// dst returned unchanged.
func (m Message) Append(dst []byte, v tds.Version) ([]byte, error) {
	return appendMessage(dst, m, v)
}

// Message decodes the current token, which must be ERROR or INFO (m.Type
// is set to which), into m.
func (s *Scanner) Message(m *Message) error {
	b, err := s.current(TokenError, TokenInfo)
	if err != nil {
		return err
	}
	_, err = decodeMessage(m, s.typ, b, s.ver)
	return rebase(err, s.cur)
}
