package sqltype

// NullBitmapLen returns the size in bytes of the NBCROW null bitmap for a
// result set of the given number of columns, [MS-TDS] 2.2.7.15: one bit per
// column, rounded up to whole bytes.
func NullBitmapLen(columns int) int {
	if columns <= 0 {
		return 0
	}
	return (columns + 7) / 8
}

// IsNullInBitmap reports whether column i (0-based) is NULL according to
// an NBCROW null bitmap, [MS-TDS] 2.2.7.15: bit i%8 (least significant
// first) of byte i/8 is 1 for a NULL column, whose value is then absent
// from the row. Columns outside the bitmap report false.
func IsNullInBitmap(bitmap []byte, i int) bool {
	if i < 0 || i/8 >= len(bitmap) {
		return false
	}
	return bitmap[i/8]>>(i%8)&1 != 0
}

// SetNullInBitmap marks column i (0-based) NULL in an NBCROW null bitmap
// of NullBitmapLen bytes. Columns outside the bitmap are ignored.
func SetNullInBitmap(bitmap []byte, i int) {
	if i < 0 || i/8 >= len(bitmap) {
		return
	}
	bitmap[i/8] |= 1 << (i % 8)
}
