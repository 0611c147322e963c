//go:build !(386 || amd64 || arm64 || loong64 || ppc64 || ppc64le || s390x)

// This file is for the architectures whose compiler reads
// encoding/binary's integers byte by byte (32-bit arm, mips, riscv64,
// wasm, ...). There the fast path of Done is over the inlining budget
// whatever its form, so Done is an ordinary function that calls doneSlow
// directly: escape analysis then sees that d does not escape, and a
// caller's Done stays on its stack. done_merged.go has the inlined form.

package tokens

import "encoding/binary"

// Done decodes the current token, which must be DONE, DONEPROC or
// DONEINPROC, into d, with d.Type set to its type.
func (s *Scanner) Done(d *Done) error {
	if b := s.buf[s.cur:s.end]; len(b) == 13 && s.typ >= TokenDone {
		d.Type = s.typ
		d.Status = DoneStatus(binary.LittleEndian.Uint16(b[1:]))
		d.CurCmd = binary.LittleEndian.Uint16(b[3:])
		d.RowCount = binary.LittleEndian.Uint64(b[5:])
		return nil
	}
	return s.doneSlow(d)
}
