//go:build 386 || amd64 || arm64 || loong64 || ppc64 || ppc64le || s390x

// This file is for the architectures whose compiler merges
// encoding/binary's byte loads into one load (cmd/internal/sys,
// CanMergeLoads); the inliner charges such a load almost nothing, which
// keeps doneFast, fast path included, under the inlining budget of 80.
// done_bytewise.go is Scanner.Done for the others.

package tokens

import "encoding/binary"

// Done decodes the current token, which must be DONE, DONEPROC or
// DONEINPROC, into d, with d.Type set to its type.
//
// Like Next, Done is small enough for the compiler to inline (a test pins
// it).
func (s *Scanner) Done(d *Done) error { return doneFast(s, d, (*Scanner).doneSlow) }

// doneFast is the body of Done. The common case in one step, with no
// variadic type check: a current DONE-family token of 13 bytes, which
// Next measures only with TDS 7.2+ widths (an error leaves no current
// token). The slice cannot fail: the Scanner keeps cur <= end <= len(buf).
// Everything else goes to slow, which is always (*Scanner).doneSlow; it
// is a parameter for the inliner's sake, as nextFast explains. It is
// right only where doneFast itself inlines: otherwise the call through
// slow, which escape analysis cannot see into, would move every d to the
// heap (done_bytewise.go).
func doneFast(s *Scanner, d *Done, slow func(*Scanner, *Done) error) error {
	if b := s.buf[s.cur:s.end]; len(b) == 13 && s.typ >= TokenDone {
		d.Type = s.typ
		d.Status = DoneStatus(binary.LittleEndian.Uint16(b[1:]))
		d.CurCmd = binary.LittleEndian.Uint16(b[3:])
		d.RowCount = binary.LittleEndian.Uint64(b[5:])
		return nil
	}
	return slow(s, d)
}
