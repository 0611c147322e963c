package login7

import (
	"encoding/binary"
	"fmt"
	"iter"
	"strconv"
	"strings"

	"github.com/tdswire/tdswire/internal/textfmt"
	"github.com/tdswire/tdswire/tds"
)

// TableEntry is one ib/cch (or ib/cb) pair of the LOGIN7 OffsetLength
// table, [MS-TDS] 2.2.6.4, as it is on the wire.
type TableEntry struct {
	// Name is the field's name in the specification without its ib/cch
	// prefix: "HostName", "UserName", "Password", "AppName",
	// "ServerName", "Extension" (ibUnused/cbUnused before TDS 7.4),
	// "CltIntName", "Language", "Database", "SSPI", "AtchDBFile",
	// "ChangePassword".
	Name string
	// At is the byte offset of the ib field in the message; the count
	// follows at At+2.
	At int
	// Offset is the ib value: where the data starts, from the start of
	// the message.
	Offset int
	// Count is the cch or cb value: characters for the UCS-2 fields,
	// bytes for Extension and SSPI.
	Count int
	// Length is the data length in bytes: 2*Count for the UCS-2 fields,
	// Count for Extension, and for SSPI cbSSPILong when cbSSPI is 0xFFFF
	// and cbSSPILong is not 0.
	Length int
}

// OffsetTable is the OffsetLength table of a LOGIN7 message with the
// DWORDs that extend it, [MS-TDS] 2.2.6.4: where every variable field
// lies, for trace tools and debuggers. Decode reads it from the fixed part
// only; unlike Login7.Decode it does not check that the data lies inside
// the message, so a tool can show where a broken message points.
type OffsetTable struct {
	// FixedLen is the size of the fixed part, FixedLen (TDS 7.2+) or
	// FixedLen71, judged as Login7.Decode does from where the data
	// begins.
	FixedLen int

	entries [len(tableFields)]TableEntry
	n       int

	// SSPILong is cbSSPILong (TDS 7.2 table only; HasSSPILong says
	// whether the table has it).
	SSPILong    uint32
	HasSSPILong bool

	// FeatureExtLong is ibFeatureExtLong, the DWORD at ibExtension, and
	// HasFeatureExtLong says whether it was read: fExtension is set and
	// the extension block holds 4 bytes inside the message.
	FeatureExtLong    uint32
	HasFeatureExtLong bool
}

// Decode reads the OffsetLength table of the LOGIN7 message b (the whole
// message, packet header removed) into t. It fails with a *tds.Error when
// b is shorter than the fixed part or ibHostName points into it; the
// offsets and counts themselves are reported as they are. It does not
// allocate.
func (t *OffsetTable) Decode(b []byte) error {
	*t = OffsetTable{}
	if len(b) < FixedLen71 {
		return tds.Errorf(layer, len(b), tds.ErrTruncated, "LOGIN7 needs at least %d bytes, have %d", FixedLen71, len(b))
	}
	fixed := fixedLen(b)
	if fixed < 0 {
		return tds.Errorf(layer, offHostName, tds.ErrMalformed, "ibHostName %d points into the %d-byte fixed part", binary.LittleEndian.Uint16(b[offHostName:]), FixedLen71)
	}
	if len(b) < fixed {
		return tds.Errorf(layer, len(b), tds.ErrTruncated, "LOGIN7 fixed part needs %d bytes, have %d", fixed, len(b))
	}
	t.FixedLen = fixed
	if fixed == FixedLen {
		t.SSPILong = binary.LittleEndian.Uint32(b[offSSPILong:])
		t.HasSSPILong = true
	}
	for _, f := range tableFields {
		if f.at == offChangePassword && fixed != FixedLen {
			break
		}
		e := TableEntry{
			Name:   f.name,
			At:     f.at,
			Offset: int(binary.LittleEndian.Uint16(b[f.at:])),
			Count:  int(binary.LittleEndian.Uint16(b[f.at+2:])),
		}
		switch f.at {
		case offExtension:
			e.Length = e.Count
		case offSSPI:
			e.Length = e.Count
			if e.Count == 0xFFFF && t.SSPILong > 0 {
				e.Length = int(t.SSPILong)
			}
		default:
			e.Length = 2 * e.Count
		}
		t.entries[t.n] = e
		t.n++
	}
	if OptionFlags3(b[offOptionFlags3])&FExtension != 0 {
		ext := t.entries[5] // Extension, the sixth entry
		if ext.Count >= 4 && ext.Offset >= fixed && ext.Offset <= len(b)-4 {
			t.FeatureExtLong = binary.LittleEndian.Uint32(b[ext.Offset:])
			t.HasFeatureExtLong = true
		}
	}
	return nil
}

// All returns an iterator over the entries of t in table order: twelve
// for a TDS 7.2 table, eleven (no ChangePassword) for TDS 7.0/7.1.
func (t *OffsetTable) All() iter.Seq[TableEntry] {
	return func(yield func(TableEntry) bool) {
		for _, e := range t.entries[:t.n] {
			if !yield(e) {
				return
			}
		}
	}
}

// Entry returns the entry named name (see TableEntry.Name), or false.
func (t *OffsetTable) Entry(name string) (TableEntry, bool) {
	for _, e := range t.entries[:t.n] {
		if e.Name == name {
			return e, true
		}
	}
	return TableEntry{}, false
}

// String formats e as "HostName@36 -> 94+12": the name, where its ib
// field is, and the byte range of its data.
func (e TableEntry) String() string {
	return e.Name + "@" + strconv.Itoa(e.At) + " -> " + strconv.Itoa(e.Offset) + "+" + strconv.Itoa(e.Length)
}

// String formats t on one line: the fixed part's size, every entry, and
// cbSSPILong and ibFeatureExtLong when present.
func (t OffsetTable) String() string {
	var sb strings.Builder
	sb.WriteString("LOGIN7 OffsetLength FixedLen=" + strconv.Itoa(t.FixedLen))
	for _, e := range t.entries[:t.n] {
		sb.WriteString(" " + e.String())
	}
	if t.HasSSPILong {
		sb.WriteString(" cbSSPILong=" + strconv.FormatUint(uint64(t.SSPILong), 10))
	}
	if t.HasFeatureExtLong {
		sb.WriteString(" ibFeatureExtLong=" + strconv.FormatUint(uint64(t.FeatureExtLong), 10))
	}
	return sb.String()
}

// Format implements fmt.Formatter: %v and %s print String, %+v every
// entry with its counts.
func (t OffsetTable) Format(f fmt.State, verb rune) {
	textfmt.Format(f, verb, "login7.OffsetTable", t.String(), func() string {
		s := textfmt.Fields("OffsetTable", t)
		return s[:len(s)-1] + " Entries=" + fmt.Sprintf("%v", t.entries[:t.n]) + "}"
	})
}

// Format implements fmt.Formatter: %v and %s print String, %+v every
// field ("TableEntry{Name=\"HostName\" At=36 Offset=94 Count=6
// Length=12}"), %q the quoted String. An entry holds offsets and counts
// only, never the data it points at (the password's included).
func (e TableEntry) Format(f fmt.State, verb rune) {
	textfmt.Format(f, verb, "login7.TableEntry", e.String(), func() string { return textfmt.Fields("TableEntry", e) })
}
