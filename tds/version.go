package tds

import "strconv"

// Version is a TDS protocol version as carried in LOGIN7's TDSVersion and
// LOGINACK's TDSVersion fields ([MS-TDS] 2.2.6.4, 2.2.7.14), written as the
// 32-bit value the specification tables use (0x74000004 for 7.4).
//
// How the value is laid out on the wire differs per message (LOGIN7 sends it
// little-endian, LOGINACK big-endian); the codecs of those messages handle
// the byte order, and Version is always the logical value.
type Version uint32

// The versions named by [MS-TDS] 2.2.6.4 and 2.2.7.14.
//
// Version70Server and Version71Server are the values SQL Server 7.0 and
// SQL Server 2000 (before SP1) send in LOGINACK's TDSVersion, as listed in
// the "server to client" column of the product behavior note on 2.2.7.14
// ([MS-TDS] appendix A, <69>); they stand for the same protocol revisions
// as Version70 and Version71, print as "7.0" and "7.1", and AtLeast orders
// them with those client-side values. Every later release sends the same
// value in both directions.
const (
	Version70     Version = 0x70000000 // SQL Server 7.0
	Version71     Version = 0x71000000 // SQL Server 2000
	Version71Rev1 Version = 0x71000001 // SQL Server 2000 SP1
	Version72     Version = 0x72090002 // SQL Server 2005
	Version73A    Version = 0x730A0003 // SQL Server 2008
	Version73B    Version = 0x730B0003 // SQL Server 2008 R2 and later (7.3B)
	Version74     Version = 0x74000004 // SQL Server 2012 and later
	Version80     Version = 0x08000000 // TDS 8.0 (strict encryption), [MS-TDS] 2.1

	Version70Server Version = 0x07000000 // LOGINACK from SQL Server 7.0, [MS-TDS] 2.2.7.14 <69>
	Version71Server Version = 0x07010000 // LOGINACK from SQL Server 2000, [MS-TDS] 2.2.7.14 <69>
)

// String formats v the way trace tools print it, "7.4 (0x74000004)".
// A value the specification does not name prints as bare hex, "0x12345678".
// The LOGINACK forms of 7.0 and 7.1 print with the value as sent,
// "7.1 (0x07010000)".
func (v Version) String() string {
	name := v.name()
	if name == "" {
		return v.hex()
	}
	return name + " (" + v.hex() + ")"
}

// name returns the short release name of a known version, or "".
func (v Version) name() string {
	switch v {
	case Version70, Version70Server:
		return "7.0"
	case Version71, Version71Rev1, Version71Server:
		return "7.1"
	case Version72:
		return "7.2"
	case Version73A, Version73B:
		return "7.3"
	case Version74:
		return "7.4"
	case Version80:
		return "8.0"
	}
	return ""
}

func (v Version) hex() string {
	s := strconv.FormatUint(uint64(v), 16)
	const zeros = "00000000"
	return "0x" + zeros[len(s):] + s
}

// Known reports whether v is one of the versions the specification names.
func (v Version) Known() bool { return v.name() != "" }

// AtLeast reports whether v is the same protocol revision as w or a later
// one. It orders by the major and minor version in the high byte, with TDS
// 8.0 (0x08000000) newest, then by the full value, so that 7.3B is after
// 7.3A and 7.1 rev 1 after 7.1. The server-side forms Version70Server and
// Version71Server rank exactly as Version70 and Version71. Decoders use it
// for fields whose width changed between versions (for example DONE's row
// count, [MS-TDS] 2.2.7.6).
func (v Version) AtLeast(w Version) bool { return v.rank() >= w.rank() }

func (v Version) rank() uint64 {
	switch v {
	case Version70Server:
		v = Version70
	case Version71Server:
		v = Version71
	}
	r := uint64(v)
	if v>>24 == 0x08 { // 8.0 and any later 8.x: above every 7.x
		r |= 1 << 32
	}
	return r
}
