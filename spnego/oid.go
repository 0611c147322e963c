package spnego

import (
	"strconv"
	"strings"
)

// OID is the contents octets of a DER OBJECT IDENTIFIER (X.690 8.19), a
// view into the decoded input: MechType of [RFC 4178] 4.1 and thisMech of
// [RFC 2743] 3.1.
type OID []byte

// Mech identifies the mechanisms that travel in SQL Server's SSPI fields.
// Each has one object identifier, in DER contents octets below.
type Mech uint8

// The mechanisms. MechUnknown is any other OID.
const (
	MechUnknown    Mech = iota
	MechKerberos        // Kerberos V5, 1.2.840.113554.1.2.2 ([RFC 4121] 4.1, [RFC 1964] 1)
	MechMSKerberos      // Microsoft's Kerberos V5, 1.2.840.48018.1.2.2 ([MS-KILE] 3.1.5.12, [MS-SPNG] 3.3.5.1)
	MechNTLM            // NTLM, 1.3.6.1.4.1.311.2.2.10 ([MS-NLMP] 1.9)
	MechSPNEGO          // SPNEGO, 1.3.6.1.5.5.2 ([RFC 4178] 3)
	MechNegoEx          // NegoEx, 1.3.6.1.4.1.311.2.2.30 ([MS-NEGOEX] 1.9)
)

// The contents octets of each mechanism's OID, by Mech.
const (
	oidKerberos   = "\x2a\x86\x48\x86\xf7\x12\x01\x02\x02"     // 1.2.840.113554.1.2.2
	oidMSKerberos = "\x2a\x86\x48\x82\xf7\x12\x01\x02\x02"     // 1.2.840.48018.1.2.2
	oidNTLM       = "\x2b\x06\x01\x04\x01\x82\x37\x02\x02\x0a" // 1.3.6.1.4.1.311.2.2.10
	oidSPNEGO     = "\x2b\x06\x01\x05\x05\x02"                 // 1.3.6.1.5.5.2
	oidNegoEx     = "\x2b\x06\x01\x04\x01\x82\x37\x02\x02\x1e" // 1.3.6.1.4.1.311.2.2.30
)

// oidOf returns the contents octets of m's OID ("" for MechUnknown).
func oidOf(m Mech) string {
	switch m {
	case MechKerberos:
		return oidKerberos
	case MechMSKerberos:
		return oidMSKerberos
	case MechNTLM:
		return oidNTLM
	case MechSPNEGO:
		return oidSPNEGO
	case MechNegoEx:
		return oidNegoEx
	}
	return ""
}

// Mech returns the mechanism o names, MechUnknown for any other.
func (o OID) Mech() Mech {
	switch string(o) {
	case oidKerberos:
		return MechKerberos
	case oidMSKerberos:
		return MechMSKerberos
	case oidNTLM:
		return MechNTLM
	case oidSPNEGO:
		return MechSPNEGO
	case oidNegoEx:
		return MechNegoEx
	}
	return MechUnknown
}

// String returns o in dotted decimal ("1.2.840.113554.1.2.2"), or
// "invalid OID" when its contents octets are not a valid encoding.
func (o OID) String() string {
	if len(o) == 0 || o[len(o)-1]&0x80 != 0 {
		return "invalid OID"
	}
	var sb strings.Builder
	first := true
	var v uint64
	start := true
	for _, c := range o {
		if start && c == 0x80 {
			return "invalid OID" // X.690 8.19.2: no leading 0x80
		}
		start = false
		if v > 1<<56 {
			return "invalid OID"
		}
		v = v<<7 | uint64(c&0x7f)
		if c&0x80 != 0 {
			continue
		}
		if first {
			// X.690 8.19.4: the first subidentifier is 40*X + Y.
			x := min(v/40, 2)
			sb.WriteString(strconv.FormatUint(x, 10))
			sb.WriteByte('.')
			sb.WriteString(strconv.FormatUint(v-40*x, 10))
			first = false
		} else {
			sb.WriteByte('.')
			sb.WriteString(strconv.FormatUint(v, 10))
		}
		v = 0
		start = true
	}
	return sb.String()
}

// valid reports whether o is a well-formed OID encoding (X.690 8.19.2: each
// subidentifier as few octets as possible, the last octet of each with bit
// 8 clear).
func (o OID) valid() bool {
	if len(o) == 0 || o[len(o)-1]&0x80 != 0 {
		return false
	}
	start := true
	for _, c := range o {
		if start && c == 0x80 {
			return false
		}
		start = c&0x80 == 0
	}
	return true
}

// String returns the mechanism's name: "Kerberos", "MS Kerberos", "NTLM",
// "SPNEGO", "NegoEx", or "unknown".
func (m Mech) String() string {
	switch m {
	case MechKerberos:
		return "Kerberos"
	case MechMSKerberos:
		return "MS Kerberos"
	case MechNTLM:
		return "NTLM"
	case MechSPNEGO:
		return "SPNEGO"
	case MechNegoEx:
		return "NegoEx"
	}
	return "unknown"
}

// IsKerberos reports whether m is Kerberos V5 under either OID.
func (m Mech) IsKerberos() bool { return m == MechKerberos || m == MechMSKerberos }

// AppendOID appends m's OID as a whole DER element (tag 0x06, length,
// contents) to dst. It appends nothing for MechUnknown.
func (m Mech) AppendOID(dst []byte) []byte {
	o := oidOf(m)
	if o == "" {
		return dst
	}
	dst = append(dst, 0x06, byte(len(o)))
	return append(dst, o...)
}

// OID returns m's OID (a new slice), nil for MechUnknown.
func (m Mech) OID() OID {
	o := oidOf(m)
	if o == "" {
		return nil
	}
	return OID(o)
}
