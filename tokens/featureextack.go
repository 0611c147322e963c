package tokens

import "iter"

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
// LOGIN7. It is a view of the options before the terminator; range over
// Options.
type FeatureExtAck struct {
	opts []byte
}

// Options returns an iterator over the acknowledged features, in the
// order sent.
func (a FeatureExtAck) Options() iter.Seq[FeatureAck] {
	return seq(a.opts, func(r *reader) FeatureAck {
		return FeatureAck{ID: FeatureID(r.u8("FeatureId")), Data: r.lVarbyte("FeatureAckData")}
	})
}

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

// DecodeFeatureExtAck reads a FEATUREEXTACK token (type byte included) from
// the start of b, up to its terminator, and returns it with the number of
// bytes it used.
func DecodeFeatureExtAck(b []byte) (FeatureExtAck, int, error) {
	var d FeatureExtAck
	n, err := d.decode(b)
	return d, n, err
}

// decode is DecodeFeatureExtAck on a value the caller owns.
func (a *FeatureExtAck) decode(b []byte) (int, error) {
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
	_, err = a.decode(b)
	return rebase(err, s.cur)
}
