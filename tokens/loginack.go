package tokens

import (
	"encoding/binary"
	"strconv"

	"github.com/tdswire/tdswire/tds"
)

// Interface values of LOGINACK, [MS-TDS] 2.2.7.14.
const (
	InterfaceDefault uint8 = 0 // SQL_DFLT: whatever the client sent is accepted
	InterfaceTSQL    uint8 = 1 // SQL_TSQL: T-SQL is accepted
)

// ProgVersion is the server program version of LOGINACK, [MS-TDS]
// 2.2.7.14: four bytes, major first.
type ProgVersion struct {
	Major, Minor      uint8
	BuildHi, BuildLow uint8
}

// Build returns the build number, BuildNumHi<<8 | BuildNumLow.
func (p ProgVersion) Build() uint16 { return uint16(p.BuildHi)<<8 | uint16(p.BuildLow) }

// String formats p as "major.minor.build", e.g. "12.0.1000".
func (p ProgVersion) String() string {
	return strconv.Itoa(int(p.Major)) + "." + strconv.Itoa(int(p.Minor)) + "." + strconv.Itoa(int(p.Build()))
}

// LoginAck is the LOGINACK token, [MS-TDS] 2.2.7.14: the server accepts a
// login.
//
// TDSVersion travels big-endian (the "server to client" column of the
// product behaviour note on 2.2.7.14: 7.4 is the bytes 74 00 00 04), so
// that it reads as the tds.Version constants; LOGIN7 sends the same value
// little-endian. SQL Server 7.0 and 2000 (before SP1) answer with
// 0x07000000 and 0x07010000 (tds.Version70Server, tds.Version71Server);
// TDSVersion keeps the value as sent and Negotiated maps those two to
// tds.Version70 and tds.Version71.
type LoginAck struct {
	Interface   uint8
	TDSVersion  tds.Version
	ProgName    tds.UCS2 // B_VARCHAR; may carry trailing NULs ("Microsoft SQL Server\x00\x00")
	ProgVersion ProgVersion
}

// Negotiated returns the TDS version the rest of the connection uses:
// TDSVersion, with the legacy forms 0x07000000 and 0x07010000 mapped to
// tds.Version70 and tds.Version71.
func (a LoginAck) Negotiated() tds.Version {
	switch a.TDSVersion {
	case tds.Version70Server:
		return tds.Version70
	case tds.Version71Server:
		return tds.Version71
	}
	return a.TDSVersion
}

// DecodeLoginAck reads a LOGINACK token (type byte included) from the start
// of b and returns it with the number of bytes it used. Length must cover
// exactly the fields.
func DecodeLoginAck(b []byte) (LoginAck, int, error) {
	var d LoginAck
	n, err := d.decode(b)
	return d, n, err
}

// decode is DecodeLoginAck on a value the caller owns.
func (a *LoginAck) decode(b []byte) (int, error) {
	r := reader{b: b}
	r.tokenType(TokenLoginAck)
	body := r.ushortBody("Length")
	var x LoginAck
	x.Interface = body.u8("Interface")
	if v := body.take(4, "TDSVersion"); v != nil {
		x.TDSVersion = tds.Version(binary.BigEndian.Uint32(v))
	}
	x.ProgName = body.bVarchar("ProgName")
	if p := body.take(4, "ProgVersion"); p != nil {
		x.ProgVersion = ProgVersion{p[0], p[1], p[2], p[3]}
	}
	body.expectEnd("LOGINACK")
	if r.err != nil {
		return 0, r.err
	}
	if body.err != nil {
		return 0, body.err
	}
	*a = x
	return body.off, nil
}

// Append appends a as a LOGINACK token, computing Length. A ProgName
// over 255 code units is refused with tds.ErrTooLarge (odd byte length
// with tds.ErrMalformed) and dst returned unchanged.
func (a LoginAck) Append(dst []byte) ([]byte, error) {
	start := len(dst)
	dst, at := beginUSHORT(dst, TokenLoginAck)
	dst = append(dst, a.Interface)
	dst = binary.BigEndian.AppendUint32(dst, uint32(a.TDSVersion))
	dst, err := fieldBVarchar(dst, start, "ProgName", a.ProgName)
	if err != nil {
		return dst[:start], err
	}
	p := a.ProgVersion
	dst = append(dst, p.Major, p.Minor, p.BuildHi, p.BuildLow)
	return endUSHORT(dst, at), nil
}

// LoginAck decodes the current token, which must be LOGINACK, into a.
// It does not change the Scanner's version; call SetVersion with
// a.Negotiated() to follow the server.
func (s *Scanner) LoginAck(a *LoginAck) error {
	b, err := s.current(TokenLoginAck)
	if err != nil {
		return err
	}
	_, err = a.decode(b)
	return rebase(err, s.cur)
}
