package login7

import (
	"encoding/binary"

	"github.com/tdswire/tdswire/tds"
)

// collationLen is the size of a COLLATION, [MS-TDS] 2.2.5.1.2.
const collationLen = 5

// SessionRecovery is the FeatureData of SESSIONRECOVERY (0x01), [MS-TDS]
// 2.2.6.4. A client sends it empty at an initial login to ask for the
// feature (Reconnect false); when it reconnects a broken session it sends
// InitSessionRecoveryData followed by SessionRecoveryDataToBe (Reconnect
// true).
type SessionRecovery struct {
	Reconnect bool
	Init      SessionRecoveryData // InitSessionRecoveryData
	ToBe      SessionRecoveryData // SessionRecoveryDataToBe
}

// SessionRecoveryData is one SessionRecoveryData set of the
// SESSIONRECOVERY feature, [MS-TDS] 2.2.6.4. Fields are views into the
// feature data. An empty Database, Collation or Language in ToBe means
// "unchanged from Init".
type SessionRecoveryData struct {
	Database  tds.UCS2 // RecoveryDatabase (B_VARCHAR)
	Collation []byte   // RecoveryCollation: empty or a 5-byte COLLATION
	Language  tds.UCS2 // RecoveryLanguage (B_VARCHAR)
	// StateData is the SessionStateDataSet ([MS-TDS] 2.2.7.21): StateId
	// BYTE, StateLen (BYTE, or 0xFF and a DWORD), StateValue, repeated.
	// Decode checks that the entries tile it exactly; their meaning is
	// the SESSIONSTATE token's.
	StateData []byte
}

// Decode reads SESSIONRECOVERY feature data into s. Empty data is the
// initial-login request. Otherwise the data MUST be exactly two
// SessionRecoveryData sets, each a DWORD Length followed by that many
// bytes, each B_VARCHAR and BYTELEN fitting inside its set, a collation
// of 0 or 5 bytes, and a SessionStateDataSet whose entries fill the rest.
// Errors are *tds.Error with offsets from the start of data. Decode does
// not allocate on success.
func (s *SessionRecovery) Decode(data []byte) error {
	*s = SessionRecovery{}
	if len(data) == 0 {
		return nil
	}
	s.Reconnect = true
	n, err := s.Init.decode(data, 0)
	if err != nil {
		return err
	}
	m, err := s.ToBe.decode(data[n:], n)
	if err != nil {
		return err
	}
	if n+m != len(data) {
		return tds.Errorf(layer, n+m, tds.ErrMalformed, "%d bytes after SessionRecoveryDataToBe", len(data)-n-m)
	}
	return nil
}

// decode reads one set from the start of b and returns its size
// including the Length DWORD. base offsets errors.
func (d *SessionRecoveryData) decode(b []byte, base int) (int, error) {
	if len(b) < 4 {
		return 0, tds.Errorf(layer, base, tds.ErrTruncated, "SessionRecoveryData Length needs 4 bytes, have %d", len(b))
	}
	n := binary.LittleEndian.Uint32(b)
	if uint64(n) > uint64(len(b)-4) {
		return 0, tds.Errorf(layer, base, tds.ErrTruncated, "SessionRecoveryData Length %d exceeds the %d bytes left", n, len(b)-4)
	}
	set := b[4 : 4+int(n) : 4+int(n)] // capped: appending to a view must not reach the next set
	off := 0
	var err error
	if d.Database, off, err = bVarchar(set, off, base+4, "RecoveryDatabase"); err != nil {
		return 0, err
	}
	if off >= len(set) {
		return 0, tds.Errorf(layer, base+4+off, tds.ErrTruncated, "RecoveryCollation length byte missing")
	}
	cl := int(set[off])
	if cl != 0 && cl != collationLen {
		return 0, tds.Errorf(layer, base+4+off, tds.ErrMalformed, "RecoveryCollation length %d, want 0 or %d", cl, collationLen)
	}
	if cl > len(set)-off-1 {
		return 0, tds.Errorf(layer, base+4+off, tds.ErrTruncated, "RecoveryCollation of %d bytes runs past its set", cl)
	}
	d.Collation = nil
	if cl > 0 {
		d.Collation = set[off+1 : off+1+cl : off+1+cl]
	}
	off += 1 + cl
	if d.Language, off, err = bVarchar(set, off, base+4, "RecoveryLanguage"); err != nil {
		return 0, err
	}
	d.StateData = nil
	if off < len(set) {
		d.StateData = set[off:]
	}
	if err := checkStateData(d.StateData, base+4+off); err != nil {
		return 0, err
	}
	return 4 + int(n), nil
}

// bVarchar reads a B_VARCHAR (character count BYTE, UCS-2) at off.
func bVarchar(b []byte, off, base int, name string) (tds.UCS2, int, error) {
	if off >= len(b) {
		return nil, 0, tds.Errorf(layer, base+off, tds.ErrTruncated, "%s length byte missing", name)
	}
	n := 2 * int(b[off])
	if n > len(b)-off-1 {
		return nil, 0, tds.Errorf(layer, base+off, tds.ErrTruncated, "%s of %d characters runs past its set", name, n/2)
	}
	if n == 0 {
		return nil, off + 1, nil
	}
	end := off + 1 + n
	return tds.UCS2(b[off+1 : end : end]), end, nil
}

// checkStateData checks that SessionStateData entries tile b exactly.
func checkStateData(b []byte, base int) error {
	off := 0
	for off < len(b) {
		if len(b)-off < 2 {
			return tds.Errorf(layer, base+off, tds.ErrTruncated, "SessionStateData %d needs StateLen", b[off])
		}
		n, hdr := int(b[off+1]), 2
		if n == 0xFF {
			if len(b)-off < 6 {
				return tds.Errorf(layer, base+off+1, tds.ErrTruncated, "SessionStateData long StateLen needs 4 bytes")
			}
			l := binary.LittleEndian.Uint32(b[off+2:])
			if uint64(l) > uint64(len(b)-off-6) {
				return tds.Errorf(layer, base+off+1, tds.ErrTruncated, "StateLen %d runs past the set", l)
			}
			n, hdr = int(l), 6
		} else if n > len(b)-off-2 {
			return tds.Errorf(layer, base+off+1, tds.ErrTruncated, "StateLen %d runs past the set", n)
		}
		off += hdr + n
	}
	return nil
}

// Append appends the SESSIONRECOVERY feature data for s to dst: nothing
// when Reconnect is false, otherwise both sets with their Length fields
// computed. It fails (dst unchanged) when a name exceeds the 255
// characters a B_VARCHAR can count, a UCS-2 view has odd length, the
// collation is neither empty nor 5 bytes, or StateData is malformed.
func (s SessionRecovery) Append(dst []byte) ([]byte, error) {
	if !s.Reconnect {
		return dst, nil
	}
	out, err := s.Init.append(dst)
	if err != nil {
		return dst, err
	}
	out, err = s.ToBe.append(out)
	if err != nil {
		return dst, err
	}
	return out, nil
}

func (d SessionRecoveryData) append(dst []byte) ([]byte, error) {
	for _, f := range [...]struct {
		name string
		v    tds.UCS2
	}{{"RecoveryDatabase", d.Database}, {"RecoveryLanguage", d.Language}} {
		if len(f.v)%2 != 0 || len(f.v) > 2*255 {
			return dst, tds.Errorf(layer, 0, tds.ErrMalformed, "%s of %d bytes cannot be a B_VARCHAR", f.name, len(f.v))
		}
	}
	if len(d.Collation) != 0 && len(d.Collation) != collationLen {
		return dst, tds.Errorf(layer, 0, tds.ErrMalformed, "RecoveryCollation of %d bytes, want 0 or %d", len(d.Collation), collationLen)
	}
	if err := checkStateData(d.StateData, 0); err != nil {
		return dst, err
	}
	n := 1 + len(d.Database) + 1 + len(d.Collation) + 1 + len(d.Language) + len(d.StateData)
	if uint64(n) > 0xFFFFFFFF {
		return dst, tds.Errorf(layer, 0, tds.ErrTooLarge, "SessionRecoveryData of %d bytes", n)
	}
	dst = binary.LittleEndian.AppendUint32(dst, uint32(n))
	dst = append(dst, byte(len(d.Database)/2))
	dst = append(dst, d.Database...)
	dst = append(dst, byte(len(d.Collation)))
	dst = append(dst, d.Collation...)
	dst = append(dst, byte(len(d.Language)/2))
	dst = append(dst, d.Language...)
	return append(dst, d.StateData...), nil
}
