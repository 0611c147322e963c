package tokens

import (
	"encoding/binary"
	"strings"

	"github.com/tdswire/tdswire/tds"
)

// DoneStatus is the Status field of DONE, DONEPROC and DONEINPROC,
// [MS-TDS] 2.2.7.6, 2.2.7.7, 2.2.7.8.
type DoneStatus uint16

// The status bits of [MS-TDS] 2.2.7.6 to 2.2.7.8. DoneFinal is the absence
// of every bit.
const (
	DoneFinal      DoneStatus = 0x000 // DONE_FINAL: the last DONE of the request
	DoneMore       DoneStatus = 0x001 // DONE_MORE: more results follow
	DoneError      DoneStatus = 0x002 // DONE_ERROR: the statement failed
	DoneInXact     DoneStatus = 0x004 // DONE_INXACT: a transaction is in progress (not set by SQL Server)
	DoneCount      DoneStatus = 0x010 // DONE_COUNT: RowCount is valid
	DoneAttn       DoneStatus = 0x020 // DONE_ATTN: acknowledges an attention signal
	DoneRPCInBatch DoneStatus = 0x080 // DONE_RPCINBATCH (DONEPROC only): an RPC of a batch, not the last
	DoneSrvError   DoneStatus = 0x100 // DONE_SRVERROR: a severe error; discard the result set
)

var doneStatusNames = [...]struct {
	bit  DoneStatus
	name string
}{
	{DoneMore, "MORE"},
	{DoneError, "ERROR"},
	{DoneInXact, "INXACT"},
	{DoneCount, "COUNT"},
	{DoneAttn, "ATTN"},
	{DoneRPCInBatch, "RPCINBATCH"},
	{DoneSrvError, "SRVERROR"},
}

// String lists the set bits joined by "|" ("MORE|COUNT"), "FINAL" for 0,
// and any undefined bits as hex ("COUNT|0x0200").
func (st DoneStatus) String() string {
	if st == 0 {
		return "FINAL"
	}
	var parts []string
	for _, n := range doneStatusNames {
		if st&n.bit != 0 {
			parts = append(parts, n.name)
			st &^= n.bit
		}
	}
	if st != 0 {
		parts = append(parts, "0x"+hex2(uint8(st>>8))+hex2(uint8(st)))
	}
	return strings.Join(parts, "|")
}

// Done is the DONE, DONEINPROC or DONEPROC token, [MS-TDS] 2.2.7.6,
// 2.2.7.7 and 2.2.7.8: the completion of one SQL statement, of a
// statement inside a stored procedure, or of a stored procedure. The
// three share one layout; Type says which one the value is, so that a
// decoded token re-encodes as the same token.
//
// RowCount is a LONG before TDS 7.2 and a ULONGLONG from 7.2 on: decoding
// with an older version reads 4 bytes (as an unsigned value) and encoding
// writes the low 32 bits.
type Done struct {
	// Type is TokenDone, TokenDoneProc or TokenDoneInProc; decoding sets
	// it, and the zero value (or any other type) encodes as DONE (see
	// Kind).
	Type     TokenType
	Status   DoneStatus
	CurCmd   uint16 // the current command token; not evaluated by TDS
	RowCount uint64 // valid when Status has DoneCount
}

// Kind returns the token type d encodes as: Type when it is DONEPROC or
// DONEINPROC, TokenDone otherwise.
func (d Done) Kind() TokenType {
	if d.Type == TokenDoneProc || d.Type == TokenDoneInProc {
		return d.Type
	}
	return TokenDone
}

// DoneLen returns the size of a DONE, DONEPROC or DONEINPROC token, type
// byte included, for version v: 9 before TDS 7.2, 13 from 7.2.
func DoneLen(v tds.Version) int { return 5 + rowCountLen(v) }

func decodeDone(d *Done, t TokenType, b []byte, v tds.Version) (int, error) {
	if n := DoneLen(v); len(b) >= n && TokenType(b[0]) == t { // the common case, in one step
		d.Type = t
		d.Status = DoneStatus(binary.LittleEndian.Uint16(b[1:]))
		d.CurCmd = binary.LittleEndian.Uint16(b[3:])
		if n == 13 {
			d.RowCount = binary.LittleEndian.Uint64(b[5:])
		} else {
			d.RowCount = uint64(binary.LittleEndian.Uint32(b[5:]))
		}
		return n, nil
	}
	r := reader{b: b}
	r.tokenType(t)
	st := DoneStatus(r.u16("Status"))
	cmd := r.u16("CurCmd")
	var rc uint64
	if wide(v) {
		rc = r.u64("DoneRowCount")
	} else {
		rc = uint64(r.u32("DoneRowCount"))
	}
	if r.err != nil {
		return 0, r.err
	}
	*d = Done{Type: t, Status: st, CurCmd: cmd, RowCount: rc}
	return r.off, nil
}

// DecodeDone reads a DONE, DONEPROC or DONEINPROC token (type byte
// included) from the start of b with the widths of version v, with Type
// set to its type, and returns it with the number of bytes it used.
func DecodeDone(b []byte, v tds.Version) (Done, int, error) {
	var d Done
	n, err := d.decode(b, v)
	return d, n, err
}

// decode is DecodeDone on a value the caller owns.
func (d *Done) decode(b []byte, v tds.Version) (int, error) {
	t := TokenDone
	if len(b) > 0 && TokenType(b[0]) >= TokenDoneProc {
		t = TokenType(b[0])
	}
	return decodeDone(d, t, b, v)
}

// Append appends d as a token of type d.Kind() for version v.
func (d Done) Append(dst []byte, v tds.Version) []byte {
	dst = append(dst, byte(d.Kind()))
	dst = appendU16(dst, uint16(d.Status))
	dst = appendU16(dst, d.CurCmd)
	if wide(v) {
		return appendU64(dst, d.RowCount)
	}
	return appendU32(dst, uint32(d.RowCount))
}

// doneSlow is Done for every case but a current DONE token of TDS 7.2 or
// later.
func (s *Scanner) doneSlow(d *Done) error {
	b, err := s.current(TokenDone, TokenDoneProc, TokenDoneInProc)
	if err != nil {
		return err
	}
	_, err = decodeDone(d, s.typ, b, s.ver)
	return rebase(err, s.cur)
}
