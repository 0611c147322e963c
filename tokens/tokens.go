package tokens

import "github.com/tdswire/tdswire/tds"

// layer names this package in every *tds.Error it returns.
const layer = tds.LayerTokens

// TokenType is the one-byte identifier that starts every token of a token
// stream, [MS-TDS] 2.2.4.2 and 2.2.7. Its two class bits (0x30) say how the
// length of the token is found: see Class.
type TokenType uint8

// The token types of [MS-TDS] 2.2.7 (values from the grammar, 2.2.5.8).
const (
	TokenTVPRow             TokenType = 0x01 // TVP_ROW, 2.2.7.24 (client to server only)
	TokenOffset             TokenType = 0x78 // OFFSET, 2.2.7.16 (removed in TDS 7.2)
	TokenReturnStatus       TokenType = 0x79 // RETURNSTATUS, 2.2.7.18
	TokenColMetadata        TokenType = 0x81 // COLMETADATA, 2.2.7.4
	TokenAltMetadata        TokenType = 0x88 // ALTMETADATA, 2.2.7.1
	TokenDataClassification TokenType = 0xA3 // DATACLASSIFICATION, 2.2.7.5
	TokenTabName            TokenType = 0xA4 // TABNAME, 2.2.7.23
	TokenColInfo            TokenType = 0xA5 // COLINFO, 2.2.7.3
	TokenOrder              TokenType = 0xA9 // ORDER, 2.2.7.17
	TokenError              TokenType = 0xAA // ERROR, 2.2.7.10
	TokenInfo               TokenType = 0xAB // INFO, 2.2.7.13
	TokenReturnValue        TokenType = 0xAC // RETURNVALUE, 2.2.7.19
	TokenLoginAck           TokenType = 0xAD // LOGINACK, 2.2.7.14
	TokenFeatureExtAck      TokenType = 0xAE // FEATUREEXTACK, 2.2.7.11
	TokenRow                TokenType = 0xD1 // ROW, 2.2.7.20
	TokenNBCRow             TokenType = 0xD2 // NBCROW, 2.2.7.15
	TokenAltRow             TokenType = 0xD3 // ALTROW, 2.2.7.2
	TokenEnvChange          TokenType = 0xE3 // ENVCHANGE, 2.2.7.9
	TokenSessionState       TokenType = 0xE4 // SESSIONSTATE, 2.2.7.21
	TokenSSPI               TokenType = 0xED // SSPI, 2.2.7.22
	TokenFedAuthInfo        TokenType = 0xEE // FEDAUTHINFO, 2.2.7.12
	TokenDone               TokenType = 0xFD // DONE, 2.2.7.6
	TokenDoneProc           TokenType = 0xFE // DONEPROC, 2.2.7.8
	TokenDoneInProc         TokenType = 0xFF // DONEINPROC, 2.2.7.7
)

var tokenNames = [256]string{
	TokenTVPRow:             "TVP_ROW",
	TokenOffset:             "OFFSET",
	TokenReturnStatus:       "RETURNSTATUS",
	TokenColMetadata:        "COLMETADATA",
	TokenAltMetadata:        "ALTMETADATA",
	TokenDataClassification: "DATACLASSIFICATION",
	TokenTabName:            "TABNAME",
	TokenColInfo:            "COLINFO",
	TokenOrder:              "ORDER",
	TokenError:              "ERROR",
	TokenInfo:               "INFO",
	TokenReturnValue:        "RETURNVALUE",
	TokenLoginAck:           "LOGINACK",
	TokenFeatureExtAck:      "FEATUREEXTACK",
	TokenRow:                "ROW",
	TokenNBCRow:             "NBCROW",
	TokenAltRow:             "ALTROW",
	TokenEnvChange:          "ENVCHANGE",
	TokenSessionState:       "SESSIONSTATE",
	TokenSSPI:               "SSPI",
	TokenFedAuthInfo:        "FEDAUTHINFO",
	TokenDone:               "DONE",
	TokenDoneProc:           "DONEPROC",
	TokenDoneInProc:         "DONEINPROC",
}

// String returns the specification's name of t ("LOGINACK", "ENVCHANGE"),
// or "TokenType(0x12)" for a value [MS-TDS] 2.2.7 does not define.
func (t TokenType) String() string {
	if n := tokenNames[t]; n != "" {
		return n
	}
	return "TokenType(0x" + hex2(uint8(t)) + ")"
}

// Known reports whether t is one of the token types [MS-TDS] 2.2.7 defines.
func (t TokenType) Known() bool { return tokenNames[t] != "" }

// Class is the token class of [MS-TDS] 2.2.4.2.1, held in bits 0x30 of the
// token type: it tells a reader how to find the end of a token it does not
// otherwise understand.
type Class uint8

// The four token classes of [MS-TDS] 2.2.4.2.1.1 to 2.2.4.2.1.4.
const (
	ClassVariableCount Class = 0x00 // xx00xxxx: a count of fields follows; only walking them finds the end
	ClassZeroLength    Class = 0x10 // xx01xxxx: no length follows the token
	ClassVariable      Class = 0x20 // xx10xxxx: a length follows the token
	ClassFixed         Class = 0x30 // xx11xxxx: 1, 2, 4 or 8 bytes follow, per bits 0x0C
)

// Class returns the token class of t, [MS-TDS] 2.2.4.2.1.
func (t TokenType) Class() Class { return Class(t & 0x30) }

// FixedLen returns the number of data bytes that follow a token of the
// fixed-length class (1, 2, 4 or 8, from bits 0x0C of t, [MS-TDS]
// 2.2.4.2.1.2), or 0 for a token of another class. DONE, DONEPROC and
// DONEINPROC carry 8 bytes by their class before TDS 7.2 but 12 from 7.2
// on; the Scanner knows this.
func (t TokenType) FixedLen() int {
	if t.Class() != ClassFixed {
		return 0
	}
	return 1 << ((t >> 2) & 3)
}

func hex2(b uint8) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[b>>4], digits[b&15]})
}

// rowCountLen is the width of DoneRowCount, [MS-TDS] 2.2.7.6: LONG before
// TDS 7.2, ULONGLONG from 7.2.
func rowCountLen(v tds.Version) int {
	if v.AtLeast(tds.Version72) {
		return 8
	}
	return 4
}

// wide reports whether v uses the TDS 7.2 widths: ULONG UserType, LONG
// LineNumber, ULONGLONG row counts, multi-part table names in COLMETADATA.
func wide(v tds.Version) bool { return v.AtLeast(tds.Version72) }
