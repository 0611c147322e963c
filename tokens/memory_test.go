package tokens

import (
	"runtime"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"

	"github.com/tdswire/tdswire/tds"
)

// maxRetainedPerWireByte is the bound tdswire keeps on what a decoded
// value retains per byte of its input.
const maxRetainedPerWireByte = 64

// colMetadataInt74 is a TDS 7.4 COLMETADATA token describing n INT4
// columns in the smallest ColumnData there is, written from [MS-TDS]
// 2.2.7.4: token 0x81, Count (USHORT), then per column UserType (ULONG 0),
// Flags (USHORT 0), TYPE_INFO 0x38 (INT4TYPE, no length) and an empty
// ColName (B_VARCHAR 0x00): 8 bytes.
func colMetadataInt74(n int) []byte {
	b := []byte{0x81, byte(n), byte(n >> 8)}
	for i := 0; i < n; i++ {
		b = append(b, 0, 0, 0, 0, 0, 0, 0x38, 0x00)
	}
	return b
}

// colMetadataEncrypted74 is the same with column encryption: an empty
// CekTable (EkValueCount 0) after Count, and per column Flags 0x0800
// (fEncrypted) and the smallest CryptoMetaData: Ordinal (USHORT 0),
// UserType (ULONG 0), BaseTypeInfo 0x38, EncryptionAlgo 2,
// EncryptionAlgoType 1, NormVersion 1: 18 bytes per column.
func colMetadataEncrypted74(n int) []byte {
	b := []byte{0x81, byte(n), byte(n >> 8), 0, 0}
	for i := 0; i < n; i++ {
		b = append(b, 0, 0, 0, 0, 0x00, 0x08, 0x38)
		b = append(b, 0, 0, 0, 0, 0, 0, 0x38, 2, 1, 1)
		b = append(b, 0x00)
	}
	return b
}

// retained returns the heap bytes that decoding b into a fresh
// ColMetadata keeps alive.
func retained(t *testing.T, b []byte, enc bool) (uint64, ColMetadata) {
	t.Helper()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	m := ColMetadata{ColumnEncryption: enc}
	_, err := m.decode(b, tds.Version74)
	require.NoError(t, err, "decoding the COLMETADATA")
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(m)
	if after.HeapAlloc < before.HeapAlloc {
		return 0, m
	}
	return after.HeapAlloc - before.HeapAlloc, m
}

// TestColMetadataMemory pins what a decoded COLMETADATA retains: at most
// 64 bytes per wire byte, for the densest tokens there are (MaxColumns
// columns of the smallest ColumnData, plain and encrypted), measured on
// the heap and computed from the type sizes.
func TestColMetadataMemory(t *testing.T) {
	// By the type sizes: a Column per 8-byte ColumnData, and a Column and
	// a CryptoMetadata per 18-byte encrypted one.
	col, crypto := unsafe.Sizeof(Column{}), unsafe.Sizeof(CryptoMetadata{})
	if r := float64(col) / 8; r > maxRetainedPerWireByte {
		t.Errorf("a %d-byte Column for 8 wire bytes is %.1fx, above %dx", col, r, maxRetainedPerWireByte)
	}
	if r := float64(col+crypto) / 18; r > maxRetainedPerWireByte {
		t.Errorf("a %d-byte encrypted Column for 18 wire bytes is %.1fx, above %dx", col+crypto, r, maxRetainedPerWireByte)
	}
	for _, c := range []struct {
		name string
		b    []byte
		enc  bool
	}{
		{"plain", colMetadataInt74(MaxColumns), false},
		{"encrypted", colMetadataEncrypted74(MaxColumns), true},
	} {
		t.Run(c.name, func(t *testing.T) {
			n, m := retained(t, c.b, c.enc)
			require.Len(t, m.Columns, MaxColumns)
			ratio := float64(n) / float64(len(c.b))
			t.Logf("%d columns: %d wire bytes, %d bytes retained, %.1fx", MaxColumns, len(c.b), n, ratio)
			if ratio > maxRetainedPerWireByte {
				t.Errorf("COLMETADATA retains %.1f bytes per wire byte, above %d", ratio, maxRetainedPerWireByte)
			}
		})
	}
}
