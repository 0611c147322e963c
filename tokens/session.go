package tokens

import (
	"encoding/binary"
	"iter"
)

// StateData is one SessionStateData entry, [MS-TDS] 2.2.7.21: a state
// identifier and its opaque value (a view).
type StateData struct {
	ID    uint8 // StateId; 0xFF is reserved
	Value []byte
}

// SessionStateDataSet is a view of a SessionStateDataSet, [MS-TDS]
// 2.2.7.21: StateData entries back to back, each with a one-byte StateLen
// (0 to 254) or 0xFF and a DWORD length. SESSIONSTATE carries one, and the
// SESSIONRECOVERY feature acknowledgement of FEATUREEXTACK (2.2.7.11)
// holds one as its data. Range over States.
type SessionStateDataSet []byte

// States returns an iterator over the entries of d. A set that was not
// checked (by ParseSessionStateDataSet or by decoding the token that
// holds it) may be malformed: the iteration then yields the error, a
// *tds.Error with its offset in d, as its last element.
func (d SessionStateDataSet) States() iter.Seq2[StateData, error] {
	return func(yield func(StateData, error) bool) {
		r := reader{b: d}
		for r.off < len(d) {
			x := r.stateData()
			if r.err != nil {
				yield(StateData{}, r.err)
				return
			}
			if !yield(x, nil) {
				return
			}
		}
	}
}

func (r *reader) stateData() StateData {
	var d StateData
	d.ID = r.u8("StateId")
	n := int(r.u8("StateLen"))
	if n == 0xFF {
		d.Value = r.lVarbyte("StateLen")
		return d
	}
	d.Value = r.take(n, "StateValue")
	return d
}

// ParseSessionStateDataSet checks that b is a well-formed
// SessionStateDataSet and returns it as one. Errors carry offsets
// relative to b.
func ParseSessionStateDataSet(b []byte) (SessionStateDataSet, error) {
	r := reader{b: b}
	for r.err == nil && r.off < len(b) {
		r.stateData()
	}
	if r.err != nil {
		return nil, r.err
	}
	return SessionStateDataSet(b[:len(b):len(b)]), nil
}

// AppendStateData appends one SessionStateData entry to dst, with a
// one-byte StateLen for values up to 254 bytes and 0xFF and a DWORD
// beyond.
func AppendStateData(dst []byte, d StateData) []byte {
	dst = append(dst, d.ID)
	if len(d.Value) < 0xFF {
		dst = append(dst, byte(len(d.Value)))
	} else {
		dst = appendU32(append(dst, 0xFF), uint32(len(d.Value)))
	}
	return append(dst, d.Value...)
}

// SessionState is the SESSIONSTATE token, [MS-TDS] 2.2.7.21 (TDS 7.4,
// with SESSIONRECOVERY negotiated): session state the client keeps for
// reconnecting.
type SessionState struct {
	SeqNo  uint32 // sequence number of SESSIONSTATE tokens on the connection
	Status uint8  // bit 0: fRecoverable; the other bits are reserved
	States SessionStateDataSet
}

// Recoverable reports the fRecoverable bit of Status.
func (x SessionState) Recoverable() bool { return x.Status&1 != 0 }

// DecodeSessionState reads a SESSIONSTATE token (type byte included) from
// the start of b and returns it with the number of bytes it used. The
// entries must fill Length exactly.
func DecodeSessionState(b []byte) (SessionState, int, error) {
	var d SessionState
	n, err := d.decode(b)
	return d, n, err
}

// decode is DecodeSessionState on a value the caller owns.
func (x *SessionState) decode(b []byte) (int, error) {
	r := reader{b: b}
	r.tokenType(TokenSessionState)
	if r.err != nil {
		return 0, r.err
	}
	n, err := dwordLen(b)
	if err != nil {
		return 0, err
	}
	body := reader{b: b[:n], off: 5}
	var y SessionState
	y.SeqNo = body.u32("SeqNo")
	y.Status = body.u8("Status")
	start := body.off
	for body.err == nil && body.off < n {
		body.stateData()
	}
	if body.err != nil {
		return 0, body.err
	}
	y.States = SessionStateDataSet(b[start:n:n])
	*x = y
	return n, nil
}

// Append appends x as a SESSIONSTATE token, computing Length. States is
// written as it is; build it with AppendStateData.
func (x SessionState) Append(dst []byte) []byte {
	dst = append(dst, byte(TokenSessionState), 0, 0, 0, 0)
	at := len(dst) - 4
	dst = appendU32(dst, x.SeqNo)
	dst = append(dst, x.Status)
	dst = append(dst, x.States...)
	binary.LittleEndian.PutUint32(dst[at:], uint32(len(dst)-at-4))
	return dst
}

// SessionState decodes the current token, which must be SESSIONSTATE,
// into x.
func (s *Scanner) SessionState(x *SessionState) error {
	b, err := s.current(TokenSessionState)
	if err != nil {
		return err
	}
	_, err = x.decode(b)
	return rebase(err, s.cur)
}
