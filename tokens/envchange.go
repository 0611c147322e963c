package tokens

import (
	"encoding/binary"
	"strconv"

	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tds/sqltype"
)

// EnvChangeType is the Type of an ENVCHANGE token, [MS-TDS] 2.2.7.9.
type EnvChangeType uint8

// The ENVCHANGE types of [MS-TDS] 2.2.7.9. Types 8 to 19 arrived in TDS
// 7.2, 20 in 7.4 (7.1 to 7.3 with fReadOnlyIntent), 21 in 7.4.
const (
	EnvDatabase           EnvChangeType = 1  // database name (B_VARCHAR)
	EnvLanguage           EnvChangeType = 2  // language (B_VARCHAR)
	EnvCharset            EnvChangeType = 3  // character set (B_VARCHAR; TDS 7.0 and earlier)
	EnvPacketSize         EnvChangeType = 4  // packet size, decimal digits (B_VARCHAR)
	EnvSortLocaleID       EnvChangeType = 5  // Unicode data sorting locale id (B_VARCHAR; TDS 7.0 and earlier)
	EnvSortFlags          EnvChangeType = 6  // Unicode data sorting comparison flags (B_VARCHAR; TDS 7.0 and earlier)
	EnvSQLCollation       EnvChangeType = 7  // SQL collation, 5 bytes (B_VARBYTE)
	EnvBeginTran          EnvChangeType = 8  // begin transaction: new value is the ULONGLONG descriptor
	EnvCommitTran         EnvChangeType = 9  // commit transaction: old value is the descriptor
	EnvRollbackTran       EnvChangeType = 10 // rollback transaction: old value is the descriptor
	EnvEnlistDTCTran      EnvChangeType = 11 // enlist DTC transaction: new value is the descriptor
	EnvDefectTran         EnvChangeType = 12 // defect transaction (B_VARBYTE; see Descriptor)
	EnvRealTimeLogShip    EnvChangeType = 13 // real-time log shipping (database mirroring) partner (B_VARCHAR)
	EnvPromoteTran        EnvChangeType = 15 // promote transaction: DTC token (L_VARBYTE)
	EnvTranManagerAddress EnvChangeType = 16 // transaction manager address (B_VARBYTE; not used by SQL Server)
	EnvTranEnded          EnvChangeType = 17 // transaction ended (B_VARBYTE)
	EnvResetConnAck       EnvChangeType = 18 // RESETCONNECTION/RESETCONNECTIONSKIPTRAN acknowledgement (empty values)
	EnvUserInstance       EnvChangeType = 19 // name of the user instance started (B_VARCHAR)
	EnvRouting            EnvChangeType = 20 // routing (US_VARBYTE RoutingData)
	EnvEnhancedRouting    EnvChangeType = 21 // routing with a database (US_VARBYTE RoutingData)
)

var envChangeNames = [...]string{
	EnvDatabase:           "Database",
	EnvLanguage:           "Language",
	EnvCharset:            "CharacterSet",
	EnvPacketSize:         "PacketSize",
	EnvSortLocaleID:       "SortLocaleID",
	EnvSortFlags:          "SortFlags",
	EnvSQLCollation:       "SQLCollation",
	EnvBeginTran:          "BeginTransaction",
	EnvCommitTran:         "CommitTransaction",
	EnvRollbackTran:       "RollbackTransaction",
	EnvEnlistDTCTran:      "EnlistDTCTransaction",
	EnvDefectTran:         "DefectTransaction",
	EnvRealTimeLogShip:    "RealTimeLogShipping",
	EnvPromoteTran:        "PromoteTransaction",
	EnvTranManagerAddress: "TransactionManagerAddress",
	EnvTranEnded:          "TransactionEnded",
	EnvResetConnAck:       "ResetConnectionAck",
	EnvUserInstance:       "UserInstance",
	EnvRouting:            "Routing",
	EnvEnhancedRouting:    "EnhancedRouting",
}

// String returns a name for t ("Database", "Routing"), or
// "EnvChangeType(14)" for a type [MS-TDS] 2.2.7.9 does not define.
func (t EnvChangeType) String() string {
	if int(t) < len(envChangeNames) && envChangeNames[t] != "" {
		return envChangeNames[t]
	}
	return "EnvChangeType(" + strconv.Itoa(int(t)) + ")"
}

// valueKind is how the new and old values of an ENVCHANGE type are
// prefixed on the wire.
type valueKind uint8

const (
	kindUnknown  valueKind = iota // not defined: the body is kept whole in NewValue
	kindBVarchar                  // B_VARCHAR new and old (length in code units)
	kindBVarbyte                  // B_VARBYTE new and old
	kindPromote                   // L_VARBYTE new, B_VARBYTE old (type 15)
	kindRouting                   // US_VARBYTE new and old (types 20 and 21)
)

func (t EnvChangeType) kind() valueKind {
	switch t {
	case EnvDatabase, EnvLanguage, EnvCharset, EnvPacketSize, EnvSortLocaleID, EnvSortFlags,
		EnvRealTimeLogShip, EnvUserInstance:
		return kindBVarchar
	case EnvSQLCollation, EnvBeginTran, EnvCommitTran, EnvRollbackTran, EnvEnlistDTCTran,
		EnvDefectTran, EnvTranManagerAddress, EnvTranEnded, EnvResetConnAck:
		return kindBVarbyte
	case EnvPromoteTran:
		return kindPromote
	case EnvRouting, EnvEnhancedRouting:
		return kindRouting
	}
	return kindUnknown
}

// EnvChange is the ENVCHANGE token, [MS-TDS] 2.2.7.9: a change of the
// session environment. NewValue and OldValue are views of the value
// payloads without their length prefixes; for the string types (database,
// language, character set, packet size, sort locale and flags, log
// shipping partner, user instance) they hold UTF-16LE text, see NewString
// and OldString. Types the specification leaves empty on one side ("%x00")
// decode to an empty value there.
//
// For routing (types 20 and 21) NewValue is the RoutingDataValue, parsed
// by Routing. For a type the specification does not define, NewValue
// holds the whole EnvValueData after Type and OldValue is nil.
//
// Leniency: for type 15 (promote transaction) the specification says
// Length is sent as 1, covering only Type, with the L_VARBYTE new value
// and the empty old value following outside it; Decode accepts that form
// and also a Length covering the whole data, and Append writes the
// specified form.
type EnvChange struct {
	Type     EnvChangeType
	NewValue []byte
	OldValue []byte
}

// NewString returns NewValue as text, for the string types.
func (e EnvChange) NewString() tds.UCS2 { return tds.UCS2(e.NewValue) }

// OldString returns OldValue as text, for the string types.
func (e EnvChange) OldString() tds.UCS2 { return tds.UCS2(e.OldValue) }

// PacketSize returns the new packet size of an EnvPacketSize change, and
// whether e is one. DecodeEnvChange has checked the digits and the range
// ([MS-TDS] 2.2.7.9: the server MUST send a size in 512..32767); a
// hand-built EnvChange whose value is not such a size reports false.
func (e EnvChange) PacketSize() (int, bool) {
	if e.Type != EnvPacketSize {
		return 0, false
	}
	n, err := parsePacketSize(e.NewValue)
	return n, err == nil
}

// parsePacketSize parses the decimal digits of a packet size value.
// Error offsets are relative to v.
func parsePacketSize(s []byte) (int, error) {
	n := 0
	if len(s) == 0 || len(s) > 10 {
		return 0, tds.Errorf(layer, 0, tds.ErrMalformed, "packet size has %d characters", len(s)/2)
	}
	for i := 0; i+1 < len(s); i += 2 {
		c := uint16(s[i]) | uint16(s[i+1])<<8
		if c < '0' || c > '9' {
			return 0, tds.Errorf(layer, i, tds.ErrMalformed, "packet size character %q is not a digit", rune(c))
		}
		n = n*10 + int(c-'0')
	}
	if n < tds.MinPacketSize || n > tds.MaxPacketSize {
		return 0, tds.Errorf(layer, 0, tds.ErrMalformed, "packet size %d outside %d..%d", n, tds.MinPacketSize, tds.MaxPacketSize)
	}
	return n, nil
}

// Collation returns the new collation of an EnvSQLCollation change
// (a COLLATION, [MS-TDS] 2.2.5.1.2), and whether NewValue holds the 5
// bytes of one.
func (e EnvChange) Collation() (sqltype.Collation, bool) {
	var c sqltype.Collation
	if e.Type != EnvSQLCollation || len(e.NewValue) != len(c) {
		return c, false
	}
	copy(c[:], e.NewValue)
	return c, true
}

// Descriptor returns the ULONGLONG transaction descriptor an ENVCHANGE of
// types 8 to 12 and 17 carries ([MS-TDS] 2.2.7.9 notes: in the new value
// for 8, 11, 12 and 17, in the old value for 9 and 10), and whether it was
// present with 8 bytes.
//
// For types 12 and 17 the specification disagrees with itself: its table
// puts the value of 12 in the new value and of 17 in the old value, its
// notes say the opposite. Descriptor takes whichever side holds 8 bytes,
// new value first.
func (e EnvChange) Descriptor() (uint64, bool) {
	v := e.NewValue
	switch e.Type {
	case EnvCommitTran, EnvRollbackTran:
		v = e.OldValue
	case EnvDefectTran, EnvTranEnded:
		if len(v) != 8 {
			v = e.OldValue
		}
	}
	switch e.Type {
	case EnvBeginTran, EnvCommitTran, EnvRollbackTran, EnvEnlistDTCTran, EnvDefectTran, EnvTranEnded:
		if len(v) == 8 {
			return binary.LittleEndian.Uint64(v), true
		}
	}
	return 0, false
}

// Routing is the RoutingDataValue of an ENVCHANGE of type 20 (Routing) or
// 21 (Enhanced Routing), [MS-TDS] 2.2.7.9.
type Routing struct {
	Protocol          uint8    // MUST be 0, TCP
	Port              uint16   // ProtocolProperty: the TCP port, not 0
	AlternateServer   tds.UCS2 // US_VARCHAR
	AlternateDatabase tds.UCS2 // US_VARCHAR, type 21 only
}

// Routing returns the routing data of a type 20 or 21 change, and
// whether e is one. DecodeEnvChange has checked the MUSTs of 2.2.7.9 (Protocol 0,
// TCP, and a non-zero port); a hand-built EnvChange whose value breaks
// them reports false.
func (e EnvChange) Routing() (Routing, bool) {
	if e.Type != EnvRouting && e.Type != EnvEnhancedRouting {
		return Routing{}, false
	}
	r, err := parseRouting(e.Type, e.NewValue)
	return r, err == nil
}

// parseRouting parses a RoutingDataValue. Error offsets are relative to
// v.
func parseRouting(t EnvChangeType, v []byte) (Routing, error) {
	r := reader{b: v}
	var x Routing
	x.Protocol = r.u8("Protocol")
	x.Port = r.u16("ProtocolProperty")
	x.AlternateServer = r.usVarchar("AlternateServer")
	if t == EnvEnhancedRouting {
		x.AlternateDatabase = r.usVarchar("AlternateDatabase")
	}
	r.expectEnd("RoutingDataValue")
	if r.err != nil {
		return Routing{}, r.err
	}
	if x.Protocol != 0 {
		return Routing{}, tds.Errorf(layer, 0, tds.ErrMalformed, "routing Protocol %d, MUST be 0 (TCP)", x.Protocol)
	}
	if x.Port == 0 {
		return Routing{}, tds.Errorf(layer, 1, tds.ErrMalformed, "routing port 0 is not allowed")
	}
	return x, nil
}

// AppendValue appends the RoutingDataValue of r (without its USHORT
// length) to dst: the NewValue of a routing EnvChange. AlternateDatabase is
// written when enhanced is true (type 21).
func (r Routing) AppendValue(dst []byte, enhanced bool) []byte {
	dst = append(dst, r.Protocol)
	dst = appendU16(dst, r.Port)
	dst = appendUSVarchar(dst, r.AlternateServer)
	if enhanced {
		dst = appendUSVarchar(dst, r.AlternateDatabase)
	}
	return dst
}

// envChangeLen measures the ENVCHANGE token at the start of b, including
// the Length quirk of type 15.
func envChangeLen(b []byte) (int, error) {
	n, err := ushortLen(b)
	if err != nil {
		return 0, err
	}
	if n != 4 || EnvChangeType(b[3]) != EnvPromoteTran {
		return n, nil
	}
	// Type 15 with Length 1: L_VARBYTE new value and a one-byte empty old
	// value follow the counted bytes.
	r := reader{b: b, off: 4}
	r.lVarbyte("DTC_TOKEN")
	r.bVarbyte("OldValue")
	if r.err != nil {
		return 0, r.err
	}
	return r.off, nil
}

// DecodeEnvChange reads an ENVCHANGE token (type byte included) from the
// start of b and returns it with the number of bytes it used. The values
// must fill Length exactly, and the values PacketSize and Routing read must
// be well formed (decimal digits of a size in 512..32767; a
// RoutingDataValue with Protocol 0 and a non-zero port, [MS-TDS] 2.2.7.9).
func DecodeEnvChange(b []byte) (EnvChange, int, error) {
	var d EnvChange
	n, err := d.decode(b)
	return d, n, err
}

// decode is DecodeEnvChange on a value the caller owns.
func (e *EnvChange) decode(b []byte) (int, error) {
	r := reader{b: b}
	r.tokenType(TokenEnvChange)
	if r.err != nil {
		return 0, r.err
	}
	n, err := envChangeLen(b)
	if err != nil {
		return 0, err
	}
	body := reader{b: b[:n], off: 3}
	var x EnvChange
	x.Type = EnvChangeType(body.u8("Type"))
	switch x.Type.kind() {
	case kindBVarchar:
		x.NewValue = body.bVarchar("NewValue")
		x.OldValue = body.bVarchar("OldValue")
	case kindBVarbyte:
		x.NewValue = body.bVarbyte("NewValue")
		x.OldValue = body.bVarbyte("OldValue")
	case kindPromote:
		x.NewValue = body.lVarbyte("NewValue")
		x.OldValue = body.bVarbyte("OldValue")
	case kindRouting:
		x.NewValue = body.usVarbyte("NewValue")
		x.OldValue = body.usVarbyte("OldValue")
	default:
		x.NewValue = body.take(n-body.off, "EnvValueData")
	}
	body.expectEnd("ENVCHANGE")
	if body.err != nil {
		return 0, body.err
	}
	switch x.Type {
	case EnvPacketSize:
		if _, err := parsePacketSize(x.NewValue); err != nil {
			return 0, rebase(err, 5) // type, Length, Type, B_VARCHAR length
		}
	case EnvRouting, EnvEnhancedRouting:
		if _, err := parseRouting(x.Type, x.NewValue); err != nil {
			return 0, rebase(err, 6) // type, Length, Type, USHORT length
		}
	}
	*e = x
	return n, nil
}

// Append appends e as an ENVCHANGE token, computing Length. A value
// longer than its prefix allows (B_VARCHAR 255 code units, B_VARBYTE 255
// bytes, L_VARBYTE 4294967295 bytes, the two US_VARBYTEs of routing
// together within the token's 16-bit Length) is refused with
// tds.ErrTooLarge, UTF-16 of odd byte length with tds.ErrMalformed; on
// error dst is returned unchanged. For a type the specification does not
// define, NewValue is written as the whole EnvValueData (at most 65534
// bytes) and OldValue is ignored.
func (e EnvChange) Append(dst []byte) ([]byte, error) {
	start := len(dst)
	var err error
	if e.Type.kind() == kindPromote {
		// A uint64 bound: 0xFFFFFFFF does not fit an int on 32-bit.
		if uint64(len(e.NewValue)) > 0xFFFFFFFF {
			return dst, tds.Errorf(layer, 4, tds.ErrTooLarge, "NewValue of %d bytes above the %d its length prefix allows", len(e.NewValue), uint64(0xFFFFFFFF))
		}
		dst = append(dst, byte(TokenEnvChange), 1, 0, byte(e.Type))
		dst = appendU32(dst, uint32(len(e.NewValue)))
		dst = append(dst, e.NewValue...)
		if dst, err = fieldBVarbyte(dst, start, "OldValue", e.OldValue); err != nil {
			return dst[:start], err
		}
		return dst, nil
	}
	dst, at := beginUSHORT(dst, TokenEnvChange)
	dst = append(dst, byte(e.Type))
	switch e.Type.kind() {
	case kindBVarchar:
		if dst, err = fieldBVarchar(dst, start, "NewValue", e.NewValue); err == nil {
			dst, err = fieldBVarchar(dst, start, "OldValue", e.OldValue)
		}
	case kindBVarbyte:
		if dst, err = fieldBVarbyte(dst, start, "NewValue", e.NewValue); err == nil {
			dst, err = fieldBVarbyte(dst, start, "OldValue", e.OldValue)
		}
	case kindRouting:
		if dst, err = fieldUSVarbyte(dst, start, "NewValue", e.NewValue); err == nil {
			dst, err = fieldUSVarbyte(dst, start, "OldValue", e.OldValue)
		}
	default:
		dst = append(dst, e.NewValue...)
	}
	if err != nil {
		return dst[:start], err
	}
	return endUSHORTChecked(dst, start, at)
}

// EnvChange decodes the current token, which must be ENVCHANGE, into e.
func (s *Scanner) EnvChange(e *EnvChange) error {
	b, err := s.current(TokenEnvChange)
	if err != nil {
		return err
	}
	_, err = e.decode(b)
	return rebase(err, s.cur)
}
