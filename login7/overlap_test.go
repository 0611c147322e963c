package login7

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/tdswire/tdswire/tds"
)

// TestDecodeRefusesOverlap checks that non-empty offset-table fields
// sharing bytes are refused at the table entry of the later field.
func TestDecodeRefusesOverlap(t *testing.T) {
	// The reviewer's probe: a 7.4 LOGIN7 whose eight UCS-2 fields all
	// point at the same 20,000 characters. It used to decode into more
	// data than Append can place.
	const chars = 20000
	b := make([]byte, FixedLen+2*chars)
	binary.LittleEndian.PutUint32(b[offLength:], uint32(len(b)))
	binary.LittleEndian.PutUint32(b[offTDSVersion:], uint32(tds.Version74))
	for _, at := range []int{offHostName, offUserName, offAppName, offServerName, offCltIntName, offLanguage, offDatabase, offAtchDBFile} {
		binary.LittleEndian.PutUint16(b[at:], FixedLen)
		binary.LittleEndian.PutUint16(b[at+2:], chars)
	}
	for i := FixedLen; i < len(b); i += 2 {
		b[i] = 'a'
	}
	var l Login7
	checkErr(t, "eight names over the same bytes", l.Decode(b), tds.ErrMalformed, offUserName)

	spec42 := packet(t, "login7-spec-4.2.hex", tds.PacketLogin7)
	hostOff := int(binary.LittleEndian.Uint16(spec42[offHostName:]))
	for _, c := range []struct {
		name   string
		mutate func([]byte) []byte
		offset int
	}{
		// CltIntName moved onto the last character of HostName.
		{"one shared character", put16(offCltIntName, uint16(hostOff+2*7)), offCltIntName},
		// UserName made to start one byte inside HostName's end.
		{"odd partial overlap", put16(offUserName, uint16(hostOff+15)), offUserName},
		// SSPI pointed at HostName's bytes.
		{"SSPI over HostName", both(put16(offSSPI, uint16(hostOff)), put16(offSSPI+2, 4)), offSSPI},
		// AtchDBFile given the same range as AppName.
		{"same range", func(b []byte) []byte { copy(b[offAtchDBFile:offAtchDBFile+4], b[offAppName:offAppName+4]); return b }, offAtchDBFile},
	} {
		m := c.mutate(bytes.Clone(spec42))
		checkErr(t, c.name, l.Decode(m), tds.ErrMalformed, int64(c.offset))
	}

	// Fields that only touch are fine (the spec examples are packed), and
	// empty fields may point anywhere, including into other fields.
	m := put16(offDatabase, uint16(hostOff+4))(bytes.Clone(spec42))
	binary.LittleEndian.PutUint16(m[offDatabase+2:], 0)
	if err := l.Decode(m); err != nil {
		t.Fatalf("empty Database inside HostName: %v", err)
	}
	if err := l.Decode(spec42); err != nil {
		t.Fatalf("spec example 4.2: %v", err)
	}
}

// TestOverlapError checks the message of the overlap error.
func TestOverlapError(t *testing.T) {
	spec42 := packet(t, "login7-spec-4.2.hex", tds.PacketLogin7)
	hostOff := binary.LittleEndian.Uint16(spec42[offHostName:])
	var l Login7
	err := l.Decode(put16(offUserName, hostOff)(bytes.Clone(spec42)))
	var e *tds.Error
	if !errors.As(err, &e) || e.Offset != offUserName || !bytes.Contains([]byte(e.Msg), []byte("UserName at bytes")) || !bytes.Contains([]byte(e.Msg), []byte("overlaps HostName")) {
		t.Fatalf("error %v", err)
	}
}

// TestOverlapCheckShortTable decodes a TDS 7.1 LOGIN7 whose 86-byte table
// is followed by fewer than 4 data bytes: the overlap check must not read
// the ibChangePassword entry such a table does not have (found by
// FuzzDecode, testdata/fuzz/FuzzDecode/802156b71fb6180a).
func TestOverlapCheckShortTable(t *testing.T) {
	b := make([]byte, FixedLen71+2)
	binary.LittleEndian.PutUint32(b[offLength:], uint32(len(b)))
	binary.LittleEndian.PutUint32(b[offTDSVersion:], uint32(tds.Version71))
	binary.LittleEndian.PutUint16(b[offHostName:], FixedLen71) // HostName "h"
	binary.LittleEndian.PutUint16(b[offHostName+2:], 1)
	b[FixedLen71] = 'h'
	var l Login7
	if err := l.Decode(b); err != nil || !l.HostName.Equal("h") {
		t.Fatalf("88-byte 7.1 LOGIN7: %v, HostName %q", err, l.HostName.String())
	}
}
