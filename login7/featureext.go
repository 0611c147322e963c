package login7

import (
	"encoding/binary"
	"iter"
	"strconv"

	"github.com/tdswire/tdswire/tds"
)

// FeatureID identifies a FeatureOpt of the LOGIN7 FeatureExt block,
// [MS-TDS] 2.2.6.4 (FeatureExt table). Unknown identifiers are legal on
// the wire: a server skips features it does not support, and tdswire keeps
// them so that a decoded FeatureExt re-encodes unchanged.
type FeatureID uint8

// The feature identifiers of [MS-TDS] 2.2.6.4, all introduced in TDS 7.4.
const (
	FeatureSessionRecovery        FeatureID = 0x01 // SESSIONRECOVERY
	FeatureFedAuth                FeatureID = 0x02 // FEDAUTH
	FeatureColumnEncryption       FeatureID = 0x04 // COLUMNENCRYPTION
	FeatureGlobalTransactions     FeatureID = 0x05 // GLOBALTRANSACTIONS (no data)
	FeatureAzureSQLSupport        FeatureID = 0x08 // AZURESQLSUPPORT
	FeatureDataClassification     FeatureID = 0x09 // DATACLASSIFICATION
	FeatureUTF8Support            FeatureID = 0x0A // UTF8_SUPPORT
	FeatureAzureSQLDNSCaching     FeatureID = 0x0B // AZURESQLDNSCACHING (no data)
	FeatureJSONSupport            FeatureID = 0x0D // JSONSUPPORT
	FeatureVectorSupport          FeatureID = 0x0E // VECTORSUPPORT
	FeatureEnhancedRoutingSupport FeatureID = 0x0F // ENHANCEDROUTINGSUPPORT (no data)
	FeatureTerminator             FeatureID = 0xFF // TERMINATOR: ends the block
)

var featureNames = [...]string{
	FeatureSessionRecovery:        "SESSIONRECOVERY",
	FeatureFedAuth:                "FEDAUTH",
	FeatureColumnEncryption:       "COLUMNENCRYPTION",
	FeatureGlobalTransactions:     "GLOBALTRANSACTIONS",
	FeatureAzureSQLSupport:        "AZURESQLSUPPORT",
	FeatureDataClassification:     "DATACLASSIFICATION",
	FeatureUTF8Support:            "UTF8_SUPPORT",
	FeatureAzureSQLDNSCaching:     "AZURESQLDNSCACHING",
	FeatureJSONSupport:            "JSONSUPPORT",
	FeatureVectorSupport:          "VECTORSUPPORT",
	FeatureEnhancedRoutingSupport: "ENHANCEDROUTINGSUPPORT",
}

// String returns the specification's name ("FEDAUTH", "TERMINATOR"), or
// "FeatureID(0x03)" for an identifier the specification does not name.
func (id FeatureID) String() string {
	if int(id) < len(featureNames) && featureNames[id] != "" {
		return featureNames[id]
	}
	if id == FeatureTerminator {
		return "TERMINATOR"
	}
	return "FeatureID(0x" + hex2(uint8(id)) + ")"
}

func hex2(b uint8) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[b>>4], digits[b&15]})
}

// featureHeaderLen is FeatureId (BYTE) plus FeatureDataLen (DWORD).
const featureHeaderLen = 5

// FeatureExt is the FeatureExt block of a LOGIN7 message, [MS-TDS]
// 2.2.6.4: a sequence of FeatureOpt entries (FeatureId BYTE,
// FeatureDataLen DWORD, FeatureData), held as the wire bytes WITHOUT the
// 0xFF terminator; the LOGIN7 encoder writes the terminator.
//
// Login7.Decode validates the block before it hands out the view, so
// iterating a decoded FeatureExt cannot fail and allocates nothing. Build
// one with Add.
type FeatureExt []byte

// Feature is one FeatureOpt: its identifier and a view of its FeatureData.
type Feature struct {
	ID   FeatureID
	Data []byte
}

// DecodeFeatureExt reads a FeatureExt block, terminator included, from the
// start of b. It returns the options (without the terminator) as a view
// into b and the number of bytes the block used, terminator included. A
// FeatureDataLen running past the end of b, or a block with no
// terminator, is a *tds.Error (Layer tds.LayerLogin7, offset counted from the
// start of b). Bytes after the terminator are not examined. It does not
// allocate on success.
func DecodeFeatureExt(b []byte) (FeatureExt, int, error) {
	n, err := scanFeatureExt(b, 0, true)
	if err != nil {
		return nil, 0, err
	}
	return FeatureExt(b[:n:n]), n + 1, nil
}

// scanFeatureExt walks the FeatureOpt entries of b and returns the index
// of the terminator. base is added to error offsets. When terminated is
// false the entries must instead fill b exactly (a FeatureExt value being
// validated for encoding).
func scanFeatureExt(b []byte, base int, terminated bool) (int, error) {
	off := 0
	for {
		if off == len(b) {
			if terminated {
				return 0, tds.Errorf(layer, base+off, tds.ErrTruncated, "FeatureExt block has no TERMINATOR (0xFF)")
			}
			return off, nil
		}
		if FeatureID(b[off]) == FeatureTerminator {
			if terminated {
				return off, nil
			}
			return 0, tds.Errorf(layer, base+off, tds.ErrMalformed, "FeatureId 0xFF (TERMINATOR) inside the feature list")
		}
		if len(b)-off < featureHeaderLen {
			return 0, tds.Errorf(layer, base+off, tds.ErrTruncated, "FeatureOpt %s needs a 4-byte FeatureDataLen, %d bytes left", FeatureID(b[off]), len(b)-off-1)
		}
		n := binary.LittleEndian.Uint32(b[off+1:])
		if uint64(n) > uint64(len(b)-off-featureHeaderLen) {
			return 0, tds.Errorf(layer, base+off+1, tds.ErrTruncated, "FeatureDataLen %d of %s runs past the end (%d bytes left)", n, FeatureID(b[off]), len(b)-off-featureHeaderLen)
		}
		off += featureHeaderLen + int(n)
	}
}

// All returns an iterator over the FeatureOpt entries of fe, in order,
// with the Data of each as a view into fe. A FeatureExt from Login7.Decode
// or DecodeFeatureExt is well formed and yields no error; for one built by
// hand that is malformed, the iterator yields a zero Feature with an
// *tds.Error (offset counted from the start of fe) and stops. Iterating
// does not allocate.
func (fe FeatureExt) All() iter.Seq2[Feature, error] {
	return func(yield func(Feature, error) bool) {
		c := featureCursor{rest: fe}
		for {
			f, ok, err := c.next()
			if err != nil {
				yield(Feature{}, err)
				return
			}
			if !ok || !yield(f, nil) {
				return
			}
		}
	}
}

// Lookup returns the data of the first FeatureOpt with identifier id. It
// stops, reporting false, at a malformed entry.
func (fe FeatureExt) Lookup(id FeatureID) (data []byte, ok bool) {
	c := featureCursor{rest: fe}
	for {
		f, more, err := c.next()
		if err != nil || !more {
			return nil, false
		}
		if f.ID == id {
			return f.Data, true
		}
	}
}

// Add appends a FeatureOpt with identifier id and data to fe and returns
// the extended block (append semantics: fe's array may be reused). The
// terminator is not part of a FeatureExt value; adding FeatureTerminator
// yields a block Login7.Append rejects.
func (fe FeatureExt) Add(id FeatureID, data []byte) FeatureExt {
	fe = append(fe, byte(id))
	fe = binary.LittleEndian.AppendUint32(fe, uint32(len(data)))
	return append(fe, data...)
}

// featureCursor steps through a FeatureExt for All and Lookup.
type featureCursor struct {
	rest []byte
	off  int
}

// next returns the next FeatureOpt and true, false at the end of the
// block, or the error of a malformed entry.
func (c *featureCursor) next() (Feature, bool, error) {
	b := c.rest
	if len(b) == 0 {
		return Feature{}, false, nil
	}
	if FeatureID(b[0]) == FeatureTerminator {
		return Feature{}, false, tds.Errorf(layer, c.off, tds.ErrMalformed, "FeatureId 0xFF (TERMINATOR) inside the feature list")
	}
	if len(b) < featureHeaderLen {
		return Feature{}, false, tds.Errorf(layer, c.off, tds.ErrTruncated, "FeatureOpt header needs %d bytes, %d left", featureHeaderLen, len(b))
	}
	n := binary.LittleEndian.Uint32(b[1:])
	if uint64(n) > uint64(len(b)-featureHeaderLen) {
		return Feature{}, false, tds.Errorf(layer, c.off+1, tds.ErrTruncated, "FeatureDataLen %d runs past the end (%d bytes left)", n, len(b)-featureHeaderLen)
	}
	end := featureHeaderLen + int(n)
	f := Feature{ID: FeatureID(b[0]), Data: b[featureHeaderLen:end:end]}
	c.rest = b[end:]
	c.off += end
	return f, true, nil
}

// FedAuthLibrary is the 7-bit bFedAuthLibrary of the FEDAUTH feature,
// [MS-TDS] 2.2.6.4: which federated authentication library produced the
// credentials, and so how the rest of the FeatureData is laid out.
type FedAuthLibrary uint8

// The bFedAuthLibrary values of [MS-TDS] 2.2.6.4. Other values, including
// 0x7F, are reserved.
const (
	FedAuthLiveIDCompactToken FedAuthLibrary = 0x00 // Live ID Compact Token
	FedAuthSecurityToken      FedAuthLibrary = 0x01 // Security Token
	FedAuthADAL               FedAuthLibrary = 0x02 // ADAL (token fetched after FEDAUTHINFO)
)

// String returns the library's name, or "FedAuthLibrary(0x7f)" for a
// reserved value.
func (l FedAuthLibrary) String() string {
	switch l {
	case FedAuthLiveIDCompactToken:
		return "LiveIDCompactToken"
	case FedAuthSecurityToken:
		return "SecurityToken"
	case FedAuthADAL:
		return "ADAL"
	}
	return "FedAuthLibrary(0x" + hex2(uint8(l)) + ")"
}

// FedAuthWorkflow is the Workflow byte of an ADAL FEDAUTH feature,
// [MS-TDS] 2.2.6.4.
type FedAuthWorkflow uint8

// The ADAL workflows of [MS-TDS] 2.2.6.4.
const (
	FedAuthWorkflowPassword   FedAuthWorkflow = 0x01 // user name and password
	FedAuthWorkflowIntegrated FedAuthWorkflow = 0x02 // Windows identity
)

// String names the workflow, or gives "FedAuthWorkflow(0x05)".
func (w FedAuthWorkflow) String() string {
	switch w {
	case FedAuthWorkflowPassword:
		return "UserPassword"
	case FedAuthWorkflowIntegrated:
		return "Integrated"
	}
	return "FedAuthWorkflow(0x" + hex2(uint8(w)) + ")"
}

// FedAuth is the FeatureData of the FEDAUTH feature (0x02), [MS-TDS]
// 2.2.6.4. The Options byte carries bFedAuthLibrary in its high seven
// bits and fFedAuthEcho in bit 0: the section 4.3 example sends 0x01 with
// the Live ID layout (library 0, echo set), and that is how clients build
// the byte. Which other fields exist depends on Library:
//
//   - Live ID Compact Token: Token (L_VARBYTE), Nonce, ChannelBinding (the
//     bytes left between Nonce and Signature, possibly none), Signature.
//   - Security Token: Token, then Nonce only if HasNonce.
//   - ADAL: Workflow only.
//
// Decoded slices are views into the feature data.
type FedAuth struct {
	Library        FedAuthLibrary
	Echo           bool            // fFedAuthEcho
	Token          []byte          // FedAuthToken; MUST NOT be empty
	HasNonce       bool            // Security Token: Nonce is present
	Nonce          [32]byte        // server's PRELOGIN nonce, echoed
	ChannelBinding []byte          // Live ID: ChannelBindingToken
	Signature      [32]byte        // Live ID: HMAC-SHA-256 over nonce and binding
	Workflow       FedAuthWorkflow // ADAL
}

// Decode reads FEDAUTH feature data into f. Errors are *tds.Error with
// offsets counted from the start of data: a reserved library, a missing
// or empty token (the specification says MUST NOT be 0), a Live ID block
// too short for its nonce and signature, a Security Token block whose
// tail is neither empty nor a 32-byte nonce, or an ADAL block that is not
// exactly two bytes. Decode does not allocate on success.
func (f *FedAuth) Decode(data []byte) error {
	if len(data) < 1 {
		return tds.Errorf(layer, 0, tds.ErrTruncated, "FEDAUTH data has no Options byte")
	}
	*f = FedAuth{Library: FedAuthLibrary(data[0] >> 1), Echo: data[0]&1 != 0}
	switch f.Library {
	case FedAuthADAL:
		if len(data) != 2 {
			return tds.Errorf(layer, 1, tds.ErrMalformed, "FEDAUTH ADAL data is %d bytes, want 2 (Options, Workflow)", len(data))
		}
		f.Workflow = FedAuthWorkflow(data[1])
		return nil
	case FedAuthLiveIDCompactToken, FedAuthSecurityToken:
	default:
		return tds.Errorf(layer, 0, tds.ErrMalformed, "FEDAUTH bFedAuthLibrary %s is reserved", f.Library)
	}
	if len(data) < 5 {
		return tds.Errorf(layer, 1, tds.ErrTruncated, "FEDAUTH token length needs 4 bytes, have %d", len(data)-1)
	}
	n := binary.LittleEndian.Uint32(data[1:])
	if n == 0 {
		return tds.Errorf(layer, 1, tds.ErrMalformed, "FEDAUTH FedAuthToken is empty")
	}
	if uint64(n) > uint64(len(data)-5) {
		return tds.Errorf(layer, 1, tds.ErrTruncated, "FEDAUTH token length %d exceeds the %d bytes left", n, len(data)-5)
	}
	end := 5 + int(n)
	f.Token = data[5:end:end]
	rest := data[end:]
	if f.Library == FedAuthSecurityToken {
		switch len(rest) {
		case 0:
		case 32:
			f.HasNonce = true
			f.Nonce = [32]byte(rest)
		default:
			return tds.Errorf(layer, end, tds.ErrMalformed, "FEDAUTH Security Token has %d bytes after the token, want 0 or a 32-byte nonce", len(rest))
		}
		return nil
	}
	if len(rest) < 64 {
		return tds.Errorf(layer, end, tds.ErrTruncated, "FEDAUTH Live ID needs a 32-byte nonce and 32-byte signature, %d bytes left", len(rest))
	}
	f.HasNonce = true
	f.Nonce = [32]byte(rest[:32])
	cb := len(rest) - 32
	f.ChannelBinding = rest[32:cb:cb]
	f.Signature = [32]byte(rest[cb:])
	return nil
}

// Append appends the FEDAUTH feature data for f to dst. It fails (with
// dst unchanged) for a reserved library, an empty Token or one longer than
// a DWORD can count, and for fields the library's layout cannot carry, so
// that decoding the result always gives f back: ADAL carries only
// Workflow; Security Token carries Token and optionally the Nonce
// (HasNonce); Live ID carries Token, Nonce (HasNonce must be set),
// ChannelBinding and Signature.
func (f FedAuth) Append(dst []byte) ([]byte, error) {
	opt := byte(f.Library) << 1
	if f.Echo {
		opt |= 1
	}
	var unused string
	switch f.Library {
	case FedAuthADAL:
		if len(f.Token) != 0 || f.HasNonce || f.Nonce != [32]byte{} || len(f.ChannelBinding) != 0 || f.Signature != [32]byte{} {
			unused = "carries only Workflow, not Token, Nonce, ChannelBinding or Signature"
			break
		}
		return append(dst, opt, byte(f.Workflow)), nil
	case FedAuthSecurityToken:
		if f.Workflow != 0 || len(f.ChannelBinding) != 0 || f.Signature != [32]byte{} || !f.HasNonce && f.Nonce != [32]byte{} {
			unused = "carries no Workflow, ChannelBinding, Signature, or Nonce without HasNonce"
		}
	case FedAuthLiveIDCompactToken:
		if f.Workflow != 0 || !f.HasNonce {
			unused = "carries no Workflow and always a Nonce (set HasNonce)"
		}
	default:
		return dst, tds.Errorf(layer, 0, tds.ErrMalformed, "FEDAUTH bFedAuthLibrary %s is reserved", f.Library)
	}
	if unused != "" {
		return dst, tds.Errorf(layer, 0, tds.ErrMalformed, "FEDAUTH %s layout %s", f.Library, unused)
	}
	if len(f.Token) == 0 {
		return dst, tds.Errorf(layer, 1, tds.ErrMalformed, "FEDAUTH FedAuthToken is empty")
	}
	if uint64(len(f.Token)) > 0xFFFFFFFF {
		return dst, tds.Errorf(layer, 1, tds.ErrTooLarge, "FEDAUTH token of %d bytes", len(f.Token))
	}
	dst = append(dst, opt)
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(f.Token)))
	dst = append(dst, f.Token...)
	if f.Library == FedAuthSecurityToken {
		if f.HasNonce {
			dst = append(dst, f.Nonce[:]...)
		}
		return dst, nil
	}
	dst = append(dst, f.Nonce[:]...)
	dst = append(dst, f.ChannelBinding...)
	return append(dst, f.Signature[:]...), nil
}

// ColumnEncryption is the FeatureData of COLUMNENCRYPTION (0x04),
// [MS-TDS] 2.2.6.4: COLUMNENCRYPTION_VERSION, 1 (no enclave computations),
// 2 (enclave computations) or 3 (enclave computations with key caching
// and retry). Values above 3 are accepted for newer clients.
type ColumnEncryption struct {
	Version uint8
}

// Decode reads the one-byte feature data; a zero version is malformed.
func (c *ColumnEncryption) Decode(data []byte) error {
	v, err := featureByte(FeatureColumnEncryption, data)
	if err == nil && v == 0 {
		err = tds.Errorf(layer, 0, tds.ErrMalformed, "COLUMNENCRYPTION_VERSION 0 is not defined")
	}
	if err != nil {
		return err
	}
	c.Version = v
	return nil
}

// Append appends the feature data to dst.
func (c ColumnEncryption) Append(dst []byte) []byte { return append(dst, c.Version) }

// AzureSQLSupport is the FeatureData of AZURESQLSUPPORT (0x08), [MS-TDS]
// 2.2.6.4: a byte whose bit 0 says whether failover partner login with
// read-only intent is supported. The other bits are kept as sent.
type AzureSQLSupport struct {
	Flags uint8
}

// FailoverPartnerReadOnly reports bit 0 of Flags.
func (a AzureSQLSupport) FailoverPartnerReadOnly() bool { return a.Flags&1 != 0 }

// Decode reads the one-byte feature data.
func (a *AzureSQLSupport) Decode(data []byte) error {
	v, err := featureByte(FeatureAzureSQLSupport, data)
	a.Flags = v
	return err
}

// Append appends the feature data to dst.
func (a AzureSQLSupport) Append(dst []byte) []byte { return append(dst, a.Flags) }

// UTF8Support is the FeatureData of UTF8_SUPPORT (0x0A), [MS-TDS]
// 2.2.6.4: a byte whose bit 0 says whether the client supports UTF-8
// encoded data. The other bits are kept as sent.
//
// Leniency: the same section says "the presence of the UTF8_SUPPORT
// FeatureExt indicates" the client's ability, and defines the data as one
// BYTE. The clients in examples/interop (FreeTDS tsql, the Microsoft ODBC
// driver, tedious) all send the byte 0x01, but a request whose
// FeatureDataLen is 0 announces support by its presence alone; Decode
// accepts it as NoData, for which Supported reports true and Append writes
// nothing, so the request re-encodes as it came.
type UTF8Support struct {
	Flags  uint8
	NoData bool // FeatureDataLen was 0: support announced by presence; Flags is 0
}

// Supported reports whether the client announces UTF-8 support: bit 0 of
// Flags, or true when the feature came with no data.
func (u UTF8Support) Supported() bool { return u.NoData || u.Flags&1 != 0 }

// Decode reads the feature data: one byte, or none (see UTF8Support).
func (u *UTF8Support) Decode(data []byte) error {
	if len(data) == 0 {
		*u = UTF8Support{NoData: true}
		return nil
	}
	v, err := featureByte(FeatureUTF8Support, data)
	*u = UTF8Support{Flags: v}
	return err
}

// Append appends the feature data to dst: Flags, or nothing when NoData
// is set (Flags is then not written).
func (u UTF8Support) Append(dst []byte) []byte {
	if u.NoData {
		return dst
	}
	return append(dst, u.Flags)
}

// DataClassification is the FeatureData of DATACLASSIFICATION (0x09),
// [MS-TDS] 2.2.6.4: DATACLASSIFICATION_VERSION (1: no sensitivity rank,
// 2: with sensitivity rank) and VersionSpecificData, which is empty for
// versions 1 and 2 and kept as a view for later versions.
type DataClassification struct {
	Version         uint8
	VersionSpecific []byte
}

// Decode reads the feature data: a version byte (not 0), and no further
// bytes for versions 1 and 2.
func (d *DataClassification) Decode(data []byte) error {
	if len(data) < 1 {
		return tds.Errorf(layer, 0, tds.ErrTruncated, "DATACLASSIFICATION data has no version byte")
	}
	if data[0] == 0 {
		return tds.Errorf(layer, 0, tds.ErrMalformed, "DATACLASSIFICATION_VERSION 0 is not defined")
	}
	if data[0] <= 2 && len(data) != 1 {
		return tds.Errorf(layer, 1, tds.ErrMalformed, "DATACLASSIFICATION version %d has %d bytes of version-specific data, want none", data[0], len(data)-1)
	}
	d.Version = data[0]
	d.VersionSpecific = nil
	if len(data) > 1 {
		d.VersionSpecific = data[1:len(data):len(data)]
	}
	return nil
}

// Append appends the feature data to dst.
func (d DataClassification) Append(dst []byte) []byte {
	return append(append(dst, d.Version), d.VersionSpecific...)
}

func featureByte(id FeatureID, data []byte) (uint8, error) {
	if len(data) != 1 {
		return 0, tds.Errorf(layer, 0, tds.ErrMalformed, "%s data is %d bytes, want 1", id, len(data))
	}
	return data[0], nil
}

// String formats a Feature as "FEDAUTH (1854 bytes)". The data itself is
// not printed: FEDAUTH and SESSIONRECOVERY carry credentials and session
// state.
func (f Feature) String() string {
	return f.ID.String() + " (" + strconv.Itoa(len(f.Data)) + " bytes)"
}
