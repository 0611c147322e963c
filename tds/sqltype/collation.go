package sqltype

import "strconv"

// CollationLen is the size of a COLLATION on the wire, [MS-TDS] 2.2.5.1.2.
const CollationLen = 5

// Collation is a COLLATION exactly as it travels, [MS-TDS] 2.2.5.1.2: the
// first four bytes are a little-endian word holding the 20-bit LCID in bits
// 0-19, ColFlags in bits 20-27 and Version in bits 28-31; the fifth byte is
// the SortId. It is an array so that decoding it never allocates.
//
// The all-zero value is the "raw collation" of 2.2.5.1.2.
type Collation [CollationLen]byte

// CollationFlags is the ColFlags field of a COLLATION, [MS-TDS] 2.2.5.1.2,
// in least significant bit order ([MS-TDS] 2.2.5.1.1): the
// first listed flag is bit 0.
type CollationFlags uint8

// The ColFlags bits of [MS-TDS] 2.2.5.1.2, in the order of the ColFlags
// rule. Bit 7 is FRESERVEDBIT.
const (
	CollIgnoreCase   CollationFlags = 1 << 0 // fIgnoreCase
	CollIgnoreAccent CollationFlags = 1 << 1 // fIgnoreAccent
	CollIgnoreKana   CollationFlags = 1 << 2 // fIgnoreKana
	CollIgnoreWidth  CollationFlags = 1 << 3 // fIgnoreWidth
	CollBinary       CollationFlags = 1 << 4 // fBinary
	CollBinary2      CollationFlags = 1 << 5 // fBinary2
	CollUTF8         CollationFlags = 1 << 6 // fUTF8
)

// NewCollation builds a COLLATION from its fields, [MS-TDS] 2.2.5.1.2.
// Bits of lcid above 20 and of version above 4 are dropped.
func NewCollation(lcid uint32, flags CollationFlags, version uint8, sortID uint8) Collation {
	w := lcid&0xFFFFF | uint32(flags)<<20 | uint32(version&0xF)<<28
	return Collation{byte(w), byte(w >> 8), byte(w >> 16), byte(w >> 24), sortID}
}

func (c Collation) word() uint32 {
	return uint32(c[0]) | uint32(c[1])<<8 | uint32(c[2])<<16 | uint32(c[3])<<24
}

// LCID returns the 20-bit locale identifier, [MS-TDS] 2.2.5.1.2. It is
// meaningful when SortID is 0.
func (c Collation) LCID() uint32 { return c.word() & 0xFFFFF }

// Flags returns the ColFlags bits, [MS-TDS] 2.2.5.1.2.
func (c Collation) Flags() CollationFlags { return CollationFlags(c.word() >> 20) }

// Version returns the 4-bit collation version, [MS-TDS] 2.2.5.1.2.
func (c Collation) Version() uint8 { return uint8(c.word() >> 28) }

// SortID returns the SortId byte: non-zero for a SQL collation,
// [MS-TDS] 2.2.5.1.2.
func (c Collation) SortID() uint8 { return c[4] }

// IgnoreCase reports fIgnoreCase.
func (c Collation) IgnoreCase() bool { return c.Flags()&CollIgnoreCase != 0 }

// IgnoreAccent reports fIgnoreAccent.
func (c Collation) IgnoreAccent() bool { return c.Flags()&CollIgnoreAccent != 0 }

// IgnoreKana reports fIgnoreKana.
func (c Collation) IgnoreKana() bool { return c.Flags()&CollIgnoreKana != 0 }

// IgnoreWidth reports fIgnoreWidth.
func (c Collation) IgnoreWidth() bool { return c.Flags()&CollIgnoreWidth != 0 }

// Binary reports fBinary.
func (c Collation) Binary() bool { return c.Flags()&CollBinary != 0 }

// Binary2 reports fBinary2.
func (c Collation) Binary2() bool { return c.Flags()&CollBinary2 != 0 }

// UTF8 reports fUTF8: single-byte character data of this collation is
// UTF-8.
func (c Collation) UTF8() bool { return c.Flags()&CollUTF8 != 0 }

// IsRaw reports whether c is the all-zero raw collation, [MS-TDS]
// 2.2.5.1.2.
func (c Collation) IsRaw() bool { return c == Collation{} }

// String describes c for logs, e.g. "LCID 0x409 flags 0x0D version 0
// SortId 52". It allocates.
func (c Collation) String() string {
	return "LCID 0x" + strconv.FormatUint(uint64(c.LCID()), 16) +
		" flags 0x" + hex2(uint8(c.Flags())) +
		" version " + strconv.Itoa(int(c.Version())) +
		" SortId " + strconv.Itoa(int(c.SortID()))
}
