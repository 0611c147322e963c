package ntlm

import "strconv"

// NTLMSSPRevisionW2K3 is the NTLMRevisionCurrent value of [MS-NLMP] 2.2.2.10:
// version 15 of the NTLMSSP.
const NTLMSSPRevisionW2K3 = 0x0F

// Version is the VERSION structure of [MS-NLMP] 2.2.2.10: the sender's
// operating system version, carried for debugging only. The 3 reserved bytes
// are written as zero and ignored on receipt. The zero Version means "not
// sent": messages carry eight zero bytes, as the spec requires when
// NTLMSSP_NEGOTIATE_VERSION is not set.
type Version struct {
	ProductMajorVersion uint8
	ProductMinorVersion uint8
	ProductBuild        uint16
	NTLMRevisionCurrent uint8
}

// IsZero reports whether v is the all-zero VERSION.
func (v Version) IsZero() bool { return v == Version{} }

// String formats v as "major.minor.build rev N", e.g. "6.0.6000 rev 15".
func (v Version) String() string {
	b := make([]byte, 0, 24)
	b = strconv.AppendUint(b, uint64(v.ProductMajorVersion), 10)
	b = append(b, '.')
	b = strconv.AppendUint(b, uint64(v.ProductMinorVersion), 10)
	b = append(b, '.')
	b = strconv.AppendUint(b, uint64(v.ProductBuild), 10)
	b = append(b, " rev "...)
	b = strconv.AppendUint(b, uint64(v.NTLMRevisionCurrent), 10)
	return string(b)
}

// decodeVersion reads a VERSION from the first 8 bytes of b, which the
// caller has checked are present.
func decodeVersion(b []byte) Version {
	return Version{
		ProductMajorVersion: b[0],
		ProductMinorVersion: b[1],
		ProductBuild:        uint16(b[2]) | uint16(b[3])<<8,
		NTLMRevisionCurrent: b[7],
	}
}

// appendVersion appends the 8-byte wire form of v.
func appendVersion(dst []byte, v Version) []byte {
	return append(dst, v.ProductMajorVersion, v.ProductMinorVersion,
		byte(v.ProductBuild), byte(v.ProductBuild>>8), 0, 0, 0, v.NTLMRevisionCurrent)
}
