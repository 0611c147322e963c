package tokens

import (
	"encoding/binary"

	"github.com/tdswire/tdswire/tds"
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
// holds one as its data. Iterate with States.
type SessionStateDataSet []byte

// States returns an iterator over the entries of d.
func (d SessionStateDataSet) States() StateDataIter { return StateDataIter{rest: d} }

// StateDataIter iterates over a SessionStateDataSet.
type StateDataIter struct {
	rest []byte
	cur  StateData
}

// Next moves to the next entry and reports whether there is one. It stops
// at the first malformed entry; ParseSessionStateDataSet reports those.
func (it *StateDataIter) Next() bool {
	if len(it.rest) == 0 {
		return false
	}
	r := reader{b: it.rest}
	it.cur = r.stateData()
	if r.err != nil {
		it.rest = nil
		return false
	}
	it.rest = it.rest[r.off:]
	return true
}

// State returns the current entry.
func (it *StateDataIter) State() StateData { return it.cur }

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

// Decode reads a SESSIONSTATE token (type byte included) from the start of
// b and returns the number of bytes it used. The entries must fill Length
// exactly.
func (x *SessionState) Decode(b []byte) (int, error) {
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
	_, err = x.Decode(b)
	return rebase(err, s.cur)
}

// FeatureID identifies a feature in FEATUREEXTACK, [MS-TDS] 2.2.7.11 (the
// same numbers as LOGIN7's FeatureExt, 2.2.6.4).
type FeatureID uint8

// The feature identifiers of [MS-TDS] 2.2.7.11.
const (
	FeatureSessionRecovery    FeatureID = 0x01 // SESSIONRECOVERY: data is a SessionStateDataSet
	FeatureFedAuth            FeatureID = 0x02 // FEDAUTH: nonce and signature, per library
	FeatureColumnEncryption   FeatureID = 0x04 // COLUMNENCRYPTION
	FeatureGlobalTransactions FeatureID = 0x05 // GLOBALTRANSACTIONS
	FeatureAzureSQLSupport    FeatureID = 0x08 // AZURESQLSUPPORT
	FeatureDataClassification FeatureID = 0x09 // DATACLASSIFICATION
	FeatureUTF8Support        FeatureID = 0x0A // UTF8_SUPPORT
	FeatureAzureSQLDNSCaching FeatureID = 0x0B // AZURESQLDNSCACHING
	FeatureJSONSupport        FeatureID = 0x0D // JSONSUPPORT
	FeatureVectorSupport      FeatureID = 0x0E // VECTORSUPPORT
	FeatureEnhancedRouting    FeatureID = 0x0F // ENHANCEDROUTINGSUPPORT
	FeatureTerminator         FeatureID = 0xFF // TERMINATOR: ends the list
)

// FeatureAck is one FeatureAckOpt of FEATUREEXTACK, [MS-TDS] 2.2.7.11:
// a feature identifier and its acknowledgement data (a view).
type FeatureAck struct {
	ID   FeatureID
	Data []byte
}

// FeatureExtAck is the FEATUREEXTACK token, [MS-TDS] 2.2.7.11 (TDS 7.4):
// the server's acknowledgement of the features the client asked for in
// LOGIN7. It is a view of the options before the terminator; iterate with
// Options.
type FeatureExtAck struct {
	opts []byte
}

// Options returns an iterator over the acknowledged features.
func (a FeatureExtAck) Options() FeatureAckIter { return FeatureAckIter{rest: a.opts} }

// FeatureAckIter iterates over the options of a FEATUREEXTACK token.
type FeatureAckIter struct {
	rest []byte
	cur  FeatureAck
}

// Next moves to the next option and reports whether there is one.
func (it *FeatureAckIter) Next() bool {
	if len(it.rest) == 0 {
		return false
	}
	r := reader{b: it.rest}
	it.cur.ID = FeatureID(r.u8("FeatureId"))
	it.cur.Data = r.lVarbyte("FeatureAckData")
	if r.err != nil { // not reached for a decoded FeatureExtAck
		it.rest = nil
		return false
	}
	it.rest = it.rest[r.off:]
	return true
}

// Option returns the current option.
func (it *FeatureAckIter) Option() FeatureAck { return it.cur }

// featureExtAckLen measures the FEATUREEXTACK token at the start of b: the
// options up to and including the 0xFF terminator.
func featureExtAckLen(b []byte) (int, error) {
	r := reader{b: b, off: 1}
	for r.err == nil {
		if FeatureID(r.u8("FeatureId")) == FeatureTerminator {
			break
		}
		r.lVarbyte("FeatureAckDataLen")
	}
	if r.err != nil {
		return 0, r.err
	}
	return r.off, nil
}

// Decode reads a FEATUREEXTACK token (type byte included) from the start
// of b, up to its terminator, and returns the number of bytes it used.
func (a *FeatureExtAck) Decode(b []byte) (int, error) {
	r := reader{b: b}
	r.tokenType(TokenFeatureExtAck)
	if r.err != nil {
		return 0, r.err
	}
	n, err := featureExtAckLen(b)
	if err != nil {
		return 0, err
	}
	a.opts = b[1 : n-1 : n-1]
	return n, nil
}

// AppendFeatureExtAck appends a FEATUREEXTACK token holding opts and the
// terminator. An option with ID FeatureTerminator would end the list
// early and is skipped.
func AppendFeatureExtAck(dst []byte, opts ...FeatureAck) []byte {
	dst = append(dst, byte(TokenFeatureExtAck))
	for _, o := range opts {
		if o.ID == FeatureTerminator {
			continue
		}
		dst = appendU32(append(dst, byte(o.ID)), uint32(len(o.Data)))
		dst = append(dst, o.Data...)
	}
	return append(dst, byte(FeatureTerminator))
}

// Append appends a as a FEATUREEXTACK token.
func (a FeatureExtAck) Append(dst []byte) []byte {
	dst = append(dst, byte(TokenFeatureExtAck))
	dst = append(dst, a.opts...)
	return append(dst, byte(FeatureTerminator))
}

// FeatureExtAck decodes the current token, which must be FEATUREEXTACK,
// into a.
func (s *Scanner) FeatureExtAck(a *FeatureExtAck) error {
	b, err := s.current(TokenFeatureExtAck)
	if err != nil {
		return err
	}
	_, err = a.Decode(b)
	return rebase(err, s.cur)
}

// FedAuthInfo identifiers, [MS-TDS] 2.2.7.12.
const (
	FedAuthInfoSTSURL uint8 = 0x01 // STSURL: token endpoint URL (UTF-16LE)
	FedAuthInfoSPN    uint8 = 0x02 // SPN: service principal name (UTF-16LE)
)

// FedAuthInfoOpt is one piece of federated authentication information,
// [MS-TDS] 2.2.7.12: an identifier and its data (a view).
type FedAuthInfoOpt struct {
	ID   uint8
	Data []byte
}

// FedAuthInfo is the FEDAUTHINFO token, [MS-TDS] 2.2.7.12 (TDS 7.4): what
// the client needs to obtain a federated authentication token. It is a
// view; use Len and Option.
type FedAuthInfo struct {
	body []byte // from CountOfInfoIDs to the end of the token
	n    int
}

// Len returns CountOfInfoIDs.
func (f FedAuthInfo) Len() int { return f.n }

// Option returns option i (0 <= i < Len), its data located through
// FedAuthInfoDataOffset; Decode has checked every offset.
func (f FedAuthInfo) Option(i int) FedAuthInfoOpt {
	e := f.body[4+9*i:]
	n := binary.LittleEndian.Uint32(e[1:])
	off := binary.LittleEndian.Uint32(e[5:])
	return FedAuthInfoOpt{ID: e[0], Data: f.body[off : off+n : off+n]}
}

// Decode reads a FEDAUTHINFO token (type byte included) from the start of
// b and returns the number of bytes it used. Every option's data must lie
// within the token, after the option table.
func (f *FedAuthInfo) Decode(b []byte) (int, error) {
	r := reader{b: b}
	r.tokenType(TokenFedAuthInfo)
	if r.err != nil {
		return 0, r.err
	}
	n, err := dwordLen(b)
	if err != nil {
		return 0, err
	}
	body := b[5:n:n]
	br := reader{b: body}
	count := br.u32("CountOfInfoIDs")
	if br.err != nil {
		return 0, rebase(br.err, 5)
	}
	if uint64(count) > uint64(len(body)-4)/9 {
		return 0, tds.Errorf(layer, 5, tds.ErrMalformed, "CountOfInfoIDs %d does not fit the %d-byte token", count, len(body))
	}
	table := 4 + 9*int(count)
	for i := 0; i < int(count); i++ {
		e := body[4+9*i:]
		dl := uint64(binary.LittleEndian.Uint32(e[1:]))
		do := uint64(binary.LittleEndian.Uint32(e[5:]))
		if do < uint64(table) || do+dl > uint64(len(body)) {
			return 0, tds.Errorf(layer, 5+4+9*i+1, tds.ErrMalformed, "FedAuthInfo %d: data at %d+%d lies outside %d..%d", i, do, dl, table, len(body))
		}
	}
	*f = FedAuthInfo{body: body, n: int(count)}
	return n, nil
}

// AppendFedAuthInfo appends a FEDAUTHINFO token holding opts, with the
// data laid out after the option table in order and the lengths and
// offsets computed.
func AppendFedAuthInfo(dst []byte, opts ...FedAuthInfoOpt) []byte {
	dst = append(dst, byte(TokenFedAuthInfo), 0, 0, 0, 0)
	at := len(dst) - 4
	dst = appendU32(dst, uint32(len(opts)))
	off := 4 + 9*len(opts)
	for _, o := range opts {
		dst = append(dst, o.ID)
		dst = appendU32(dst, uint32(len(o.Data)))
		dst = appendU32(dst, uint32(off))
		off += len(o.Data)
	}
	for _, o := range opts {
		dst = append(dst, o.Data...)
	}
	binary.LittleEndian.PutUint32(dst[at:], uint32(len(dst)-at-4))
	return dst
}

// Append appends f as a FEDAUTHINFO token, re-laying its data in option
// order.
func (f FedAuthInfo) Append(dst []byte) []byte {
	dst = append(dst, byte(TokenFedAuthInfo), 0, 0, 0, 0)
	at := len(dst) - 4
	dst = appendU32(dst, uint32(f.n))
	off := 4 + 9*f.n
	for i := 0; i < f.n; i++ {
		o := f.Option(i)
		dst = append(dst, o.ID)
		dst = appendU32(dst, uint32(len(o.Data)))
		dst = appendU32(dst, uint32(off))
		off += len(o.Data)
	}
	for i := 0; i < f.n; i++ {
		dst = append(dst, f.Option(i).Data...)
	}
	binary.LittleEndian.PutUint32(dst[at:], uint32(len(dst)-at-4))
	return dst
}

// FedAuthInfo decodes the current token, which must be FEDAUTHINFO, into
// f.
func (s *Scanner) FedAuthInfo(f *FedAuthInfo) error {
	b, err := s.current(TokenFedAuthInfo)
	if err != nil {
		return err
	}
	_, err = f.Decode(b)
	return rebase(err, s.cur)
}
