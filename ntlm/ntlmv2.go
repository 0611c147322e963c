package ntlm

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/rc4"
	"slices"
	"strings"
	"time"

	"golang.org/x/crypto/md4"
)

// NTHash is NTOWFv1 of a password: MD4(UNICODE(Passwd)) ([MS-NLMP] 3.3.1),
// the secret a server stores instead of the password. NTOWFv2 is derived
// from it. It is a password equivalent, so it does not print: String,
// GoString and Format write a placeholder for every verb (see Format for
// the two cases fmt does not route through them).
type NTHash [16]byte

// HashPassword returns the NT hash of password: MD4 of its UTF-16LE form.
func HashPassword(password string) NTHash {
	h := md4.New()
	h.Write(appendUTF16(make([]byte, 0, utf16ByteLen(password)), password))
	var out NTHash
	h.Sum(out[:0])
	return out
}

// NTOWFv2 returns ResponseKeyNT for user in domain ([MS-NLMP] 3.3.2):
// HMAC_MD5(MD4(UNICODE(Passwd)), UNICODE(ConcatenationOf(Uppercase(User),
// UserDom))). The domain is used as given, not upper-cased.
func NTOWFv2(password, user, domain string) [16]byte {
	return NTOWFv2Hash(HashPassword(password), user, domain)
}

// NTOWFv2Hash is NTOWFv2 computed from the NT hash instead of the password.
func NTOWFv2Hash(h NTHash, user, domain string) [16]byte {
	return ntowfv2(h, strings.ToUpper(user), appendUTF16(nil, domain))
}

// LMOWFv2 returns ResponseKeyLM, which [MS-NLMP] 3.3.2 defines to be
// NTOWFv2.
func LMOWFv2(password, user, domain string) [16]byte { return NTOWFv2(password, user, domain) }

// ntowfv2 takes the user already upper-cased and the domain as UTF-16LE
// bytes exactly as an AUTHENTICATE_MESSAGE carries it.
func ntowfv2(h NTHash, upperUser string, domainUTF16 []byte) [16]byte {
	m := hmac.New(md5.New, h[:])
	m.Write(appendUTF16(make([]byte, 0, utf16ByteLen(upperUser)), upperUser))
	m.Write(domainUTF16)
	var out [16]byte
	m.Sum(out[:0])
	return out
}

// hmacMD5 returns HMAC_MD5(key, ConcatenationOf(parts...)) ([MS-NLMP] 6).
func hmacMD5(key []byte, parts ...[]byte) [16]byte {
	m := hmac.New(md5.New, key)
	for _, p := range parts {
		m.Write(p)
	}
	var out [16]byte
	m.Sum(out[:0])
	return out
}

// AppendLMv2Response appends the 24-byte LMv2_RESPONSE ([MS-NLMP] 2.2.2.4,
// 3.3.2): HMAC_MD5(ResponseKeyLM, ServerChallenge || ClientChallenge)
// followed by ClientChallenge.
func AppendLMv2Response(dst []byte, responseKeyLM [16]byte, serverChallenge, clientChallenge [8]byte) []byte {
	r := hmacMD5(responseKeyLM[:], serverChallenge[:], clientChallenge[:])
	dst = append(dst, r[:]...)
	return append(dst, clientChallenge[:]...)
}

// AppendNTLMv2Response appends the NTLMv2_RESPONSE of [MS-NLMP] 2.2.2.8 as
// ComputeResponse of 3.3.2 builds it: NTProofStr followed by temp, where
// temp is ConcatenationOf(Responserversion 1, HiResponserversion 1, Z(6),
// Time, ClientChallenge, Z(4), ServerName, Z(4)) and ServerName is the AV
// pair list avPairs (which should end with MsvAvEOL). It returns the
// extended slice and SessionBaseKey = HMAC_MD5(ResponseKeyNT, NTProofStr).
//
// timestamp is a FILETIME: 100-nanosecond ticks since 1601-01-01 UTC,
// written little-endian (see FileTime).
func AppendNTLMv2Response(dst []byte, responseKeyNT [16]byte, serverChallenge, clientChallenge [8]byte, timestamp uint64, avPairs AVPairs) ([]byte, [16]byte) {
	start := len(dst)
	dst = appendZeros(dst, 16) // NTProofStr, patched below
	dst = append(dst, 1, 1, 0, 0, 0, 0, 0, 0)
	dst = appendLE64(dst, timestamp)
	dst = append(dst, clientChallenge[:]...)
	dst = append(dst, 0, 0, 0, 0)
	dst = append(dst, avPairs...)
	dst = append(dst, 0, 0, 0, 0)
	proof := hmacMD5(responseKeyNT[:], serverChallenge[:], dst[start+16:])
	copy(dst[start:], proof[:])
	return dst, hmacMD5(responseKeyNT[:], proof[:])
}

// NTLMv2Response is a decoded NTLMv2_RESPONSE ([MS-NLMP] 2.2.2.8) with its
// NTLMv2_CLIENT_CHALLENGE (2.2.2.7). The reserved fields are ignored, as
// the spec requires.
type NTLMv2Response struct {
	Response            [16]byte // NTProofStr
	RespType            uint8    // MUST be 1
	HiRespType          uint8    // MUST be 1
	TimeStamp           uint64   // FILETIME of the client (or of the server's MsvAvTimestamp)
	ChallengeFromClient [8]byte
	AvPairs             AVPairs // view into the input, through MsvAvEOL
}

// ntlmv2FixedLen is the size of Response plus the fixed fields of
// NTLMv2_CLIENT_CHALLENGE.
const ntlmv2FixedLen = 16 + 28

// Decode fills r from an NtChallengeResponse without allocating. AvPairs
// must end with MsvAvEOL inside b; the Z(4) that ComputeResponse appends
// after it, and anything else after MsvAvEOL, is ignored.
func (r *NTLMv2Response) Decode(b []byte) error {
	if len(b) < ntlmv2FixedLen {
		return errorf(LayerNTLMv2, len(b), ErrTruncated, "NTLMv2_RESPONSE needs at least %d bytes, have %d", ntlmv2FixedLen, len(b))
	}
	if b[16] != 1 || b[17] != 1 {
		return errorf(LayerNTLMv2, 16, ErrMalformed, "RespType %d and HiRespType %d, both MUST be 1", b[16], b[17])
	}
	*r = NTLMv2Response{RespType: b[16], HiRespType: b[17], TimeStamp: le64(b[24:])}
	copy(r.Response[:], b[:16])
	copy(r.ChallengeFromClient[:], b[32:40])
	list := AVPairs(b[ntlmv2FixedLen:])
	if len(list) == 0 {
		return errorf(LayerNTLMv2, ntlmv2FixedLen, ErrTruncated, "AvPairs missing: the list MUST end with MsvAvEOL")
	}
	n, err := list.Validate()
	if err != nil {
		if e, ok := err.(*Error); ok {
			return &Error{Layer: LayerNTLMv2, Offset: e.Offset + ntlmv2FixedLen, Msg: "AvPairs: " + e.Msg, Err: e.Err}
		}
		return err
	}
	r.AvPairs = list[:n:n]
	return nil
}

// Append appends the wire form of r: Response, the client challenge with
// zero reserved fields, AvPairs and a final Z(4), as ComputeResponse lays
// them out. It does not recompute Response.
func (r *NTLMv2Response) Append(dst []byte) []byte {
	dst = append(dst, r.Response[:]...)
	dst = append(dst, r.RespType, r.HiRespType, 0, 0, 0, 0, 0, 0)
	dst = appendLE64(dst, r.TimeStamp)
	dst = append(dst, r.ChallengeFromClient[:]...)
	dst = append(dst, 0, 0, 0, 0)
	dst = append(dst, r.AvPairs...)
	return append(dst, 0, 0, 0, 0)
}

// KeyExchangeKey returns KXKEY of [MS-NLMP] 3.4.5.1 for NTLM v2: "If NTLM
// v2 is used, KeyExchangeKey MUST be set to the given 128-bit
// SessionBaseKey value." (The LM_KEY and NTLM v1 variants are not
// implemented.)
func KeyExchangeKey(sessionBaseKey [16]byte) [16]byte { return sessionBaseKey }

// EncryptSessionKey returns RC4K(KeyExchangeKey, ExportedSessionKey), the
// EncryptedRandomSessionKey of [MS-NLMP] 3.1.5.1.2. RC4 is symmetric, so
// the same call decrypts it on the server (3.2.5.1.2). For NTLM v2 the
// KeyExchangeKey is the SessionBaseKey (KXKEY, 3.4.5.1).
func EncryptSessionKey(keyExchangeKey, key [16]byte) [16]byte {
	c, _ := rc4.NewCipher(keyExchangeKey[:]) // a 16-byte key is always valid
	var out [16]byte
	c.XORKeyStream(out[:], key[:])
	return out
}

// ComputeMIC returns the MIC of [MS-NLMP] 3.1.5.1.2:
// HMAC_MD5(ExportedSessionKey, ConcatenationOf(NEGOTIATE_MESSAGE,
// CHALLENGE_MESSAGE, AUTHENTICATE_MESSAGE)), with the MIC field of the
// AUTHENTICATE_MESSAGE (bytes 72 to 88) taken as zero whatever it holds.
// authenticate must be the full 88-byte-header form; a shorter message is
// hashed as it is.
func ComputeMIC(exportedSessionKey [16]byte, negotiate, challenge, authenticate []byte) [16]byte {
	m := hmac.New(md5.New, exportedSessionKey[:])
	m.Write(negotiate)
	m.Write(challenge)
	if len(authenticate) >= authenticateFullLen {
		var zero [micLen]byte
		m.Write(authenticate[:micOffset])
		m.Write(zero[:])
		m.Write(authenticate[micOffset+micLen:])
	} else {
		m.Write(authenticate)
	}
	var out [16]byte
	m.Sum(out[:0])
	return out
}

// fileTimeEpochDelta is the number of 100-nanosecond ticks from
// 1601-01-01 to 1970-01-01 UTC.
const fileTimeEpochDelta = 116444736000000000

// FileTime returns t as a FILETIME ([MS-DTYP] 2.3.3, used by MsvAvTimestamp
// and NTLMv2_CLIENT_CHALLENGE.TimeStamp): the number of 100-nanosecond ticks
// since midnight of 1 January 1601 UTC. Times before 1601 give 0.
func FileTime(t time.Time) uint64 {
	s := t.Unix()
	const minUnix = -fileTimeEpochDelta / 1e7
	if s < minUnix {
		return 0
	}
	return uint64(s-minUnix)*1e7 + uint64(t.Nanosecond()/100)
}

// TimeFromFileTime converts a FILETIME back to a time.Time in UTC.
func TimeFromFileTime(ft uint64) time.Time {
	const minUnix = -fileTimeEpochDelta / 1e7
	return time.Unix(int64(ft/1e7)+minUnix, int64(ft%1e7)*100).UTC()
}

// appendZeros extends dst by n zero bytes to be filled in place. Unlike
// append(dst, make([]byte, n)...) it does not allocate when dst has room,
// with or without the race detector's instrumentation.
func appendZeros(dst []byte, n int) []byte {
	dst = slices.Grow(dst, n)
	l := len(dst)
	dst = dst[:l+n]
	clear(dst[l:])
	return dst
}
