package krb5

import "strconv"

// EType is an encryption type number (etype, [RFC 4120] 5.2.9, Int32), as
// registered by [RFC 3961] 8 and the RFCs that define each type.
type EType int32

// The encryption types Kerberos peers of SQL Server use or once used.
const (
	DESCBCCRC              EType = 1  // des-cbc-crc ([RFC 3961] 6.2.3)
	DESCBCMD4              EType = 2  // des-cbc-md4 ([RFC 3961] 6.2.2)
	DESCBCMD5              EType = 3  // des-cbc-md5 ([RFC 3961] 6.2.1)
	DES3CBCMD5             EType = 5  // des3-cbc-md5 ([RFC 3961] 8)
	DES3CBCSHA1            EType = 7  // des3-cbc-sha1 ([RFC 3961] 8)
	DES3CBCSHA1KD          EType = 16 // des3-cbc-sha1-kd ([RFC 3961] 6.3)
	AES128CTSHMACSHA196    EType = 17 // aes128-cts-hmac-sha1-96 ([RFC 3962] 6)
	AES256CTSHMACSHA196    EType = 18 // aes256-cts-hmac-sha1-96 ([RFC 3962] 6)
	AES128CTSHMACSHA256128 EType = 19 // aes128-cts-hmac-sha256-128 ([RFC 8009] 8)
	AES256CTSHMACSHA384192 EType = 20 // aes256-cts-hmac-sha384-192 ([RFC 8009] 8)
	RC4HMAC                EType = 23 // rc4-hmac ([RFC 4757] 5)
	RC4HMACEXP             EType = 24 // rc4-hmac-exp ([RFC 4757] 5)
	Camellia128CTSCMAC     EType = 25 // camellia128-cts-cmac ([RFC 6803] 6)
	Camellia256CTSCMAC     EType = 26 // camellia256-cts-cmac ([RFC 6803] 6)
)

// String returns the etype's registered name ("aes256-cts-hmac-sha1-96",
// "rc4-hmac"), or "etype(N)" for another number.
func (e EType) String() string {
	switch e {
	case DESCBCCRC:
		return "des-cbc-crc"
	case DESCBCMD4:
		return "des-cbc-md4"
	case DESCBCMD5:
		return "des-cbc-md5"
	case DES3CBCMD5:
		return "des3-cbc-md5"
	case DES3CBCSHA1:
		return "des3-cbc-sha1"
	case DES3CBCSHA1KD:
		return "des3-cbc-sha1-kd"
	case AES128CTSHMACSHA196:
		return "aes128-cts-hmac-sha1-96"
	case AES256CTSHMACSHA196:
		return "aes256-cts-hmac-sha1-96"
	case AES128CTSHMACSHA256128:
		return "aes128-cts-hmac-sha256-128"
	case AES256CTSHMACSHA384192:
		return "aes256-cts-hmac-sha384-192"
	case RC4HMAC:
		return "rc4-hmac"
	case RC4HMACEXP:
		return "rc4-hmac-exp"
	case Camellia128CTSCMAC:
		return "camellia128-cts-cmac"
	case Camellia256CTSCMAC:
		return "camellia256-cts-cmac"
	}
	return "etype(" + strconv.Itoa(int(e)) + ")"
}

// Weak reports whether e is one of the single-DES, triple-DES or RC4 types
// that [RFC 6649], [RFC 8429] deprecate and current Windows and MIT releases
// refuse by default.
func (e EType) Weak() bool {
	switch e {
	case DESCBCCRC, DESCBCMD4, DESCBCMD5, DES3CBCMD5, DES3CBCSHA1, DES3CBCSHA1KD, RC4HMAC, RC4HMACEXP:
		return true
	}
	return false
}
