package tokens

import (
	"errors"
	"io"
	"testing"
	"time"

	"github.com/tdswire/tdswire/tds"
)

// colMetadataNull74 is a TDS 7.4 COLMETADATA token describing n columns of
// NULLTYPE, written from [MS-TDS] 2.2.7.4: token 0x81, Count (USHORT), then
// per column UserType (ULONG), Flags (USHORT), TYPE_INFO 0x1F (NULLTYPE,
// 2.2.5.4.1: no length, no data) and an empty ColName (B_VARCHAR 0x00).
func colMetadataNull74(n int) []byte {
	b := []byte{0x81, byte(n), byte(n >> 8)}
	for i := 0; i < n; i++ {
		b = append(b, 0, 0, 0, 0, 0x09, 0x00, 0x1F, 0x00)
	}
	return b
}

// TestNullTypeColumnsRefused: a ROW of NULLTYPE columns is one byte long
// yet costs work per column, so COLMETADATA with such a column is refused
// before any ROW is measured (found by review: 65,534 NULLTYPE columns and
// 100,000 one-byte ROWs took 50 s to scan).
func TestNullTypeColumnsRefused(t *testing.T) {
	body := colMetadataNull74(MaxColumns)
	for i := 0; i < 100000; i++ {
		body = append(body, 0xD1)
	}
	start := time.Now()
	s := NewScanner(body, tds.Version74)
	var err error
	for err == nil {
		_, err = s.Next()
	}
	if err == io.EOF || !errors.Is(err, tds.ErrUnexpected) {
		t.Fatalf("scan ended with %v, want an error wrapping tds.ErrUnexpected", err)
	}
	var te *tds.Error
	if !errors.As(err, &te) || te.Offset != 3+6 {
		t.Errorf("error %v, want offset 9 (the first column's TYPE_INFO)", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("refusing the stream took %v", d)
	}

	var md ColMetadata
	if _, err := md.decode(colMetadataNull74(1), tds.Version74); !errors.Is(err, tds.ErrUnexpected) {
		t.Errorf("ColMetadata.Decode = %v, want tds.ErrUnexpected", err)
	}
}

// TestColumnCountLimit: Count above MaxColumns is refused before anything
// is allocated for the columns.
func TestColumnCountLimit(t *testing.T) {
	n := MaxColumns + 1
	b := []byte{0x81, byte(n), byte(n >> 8)}
	var md ColMetadata
	_, err := md.decode(b, tds.Version74)
	if !errors.Is(err, tds.ErrTooLarge) {
		t.Fatalf("Decode = %v, want tds.ErrTooLarge", err)
	}
	var te *tds.Error
	if !errors.As(err, &te) || te.Offset != 1 {
		t.Errorf("error %v, want offset 1 (Count)", err)
	}
}
