package ntlm

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/subtle"
	"io"
	"strings"
	"time"
)

// ServerFlags are the NegotiateFlags a Server supports; the CHALLENGE_MESSAGE
// returns those the client asked for, plus the ones [MS-NLMP] 3.2.5.1.1
// always sets.
const ServerFlags = NegotiateUnicode | RequestTarget | NegotiateSign | NegotiateSeal |
	NegotiateNTLM | NegotiateAlwaysSign | NegotiateExtendedSessionSecurity |
	NegotiateIdentify | NegotiateTargetInfo | NegotiateVersion | Negotiate128 |
	NegotiateKeyExch | Negotiate56

// DefaultMaxLifetime is the MaxLifetime of [MS-NLMP] 3.1.1.1 that a Server
// uses when its MaxLifetime is zero: 36 hours, as footnote <39> gives for
// Windows XP and later.
const DefaultMaxLifetime = 36 * time.Hour

// Account is one entry of an AccountList.
type Account struct {
	Domain string // empty matches any domain
	User   string
	Hash   NTHash // see HashPassword
}

// AccountList is a small in-memory user database for Server.Lookup.
type AccountList []Account

// Lookup finds user in domain, comparing both case-insensitively ([MS-NLMP]
// 3.2.5.1.2: user names MUST be case-insensitive).
// It reads the whole list whether or not, and wherever, the user is
// found, so its time does not depend on the answer.
func (l AccountList) Lookup(user, domain string) (NTHash, bool) {
	var hash NTHash
	found := false
	for _, a := range l {
		if strings.EqualFold(a.User, user) && (a.Domain == "" || strings.EqualFold(a.Domain, domain)) && !found {
			hash, found = a.Hash, true
		}
	}
	return hash, found
}

// Server is the NTLMv2 server role of [MS-NLMP] 3.2: it issues
// CHALLENGE_MESSAGEs and verifies AUTHENTICATE_MESSAGEs against the NT hash
// of the named user. It keeps no per-connection state: the caller holds the
// three messages of an exchange and passes them to Verify. A Server is safe
// for concurrent use if its Lookup, Rand and Now are.
type Server struct {
	NbComputerName  string // MsvAvNbComputerName; TargetName when NbDomainName is empty
	NbDomainName    string // MsvAvNbDomainName; TargetName when set (domain-joined)
	DnsComputerName string // MsvAvDnsComputerName, when set
	DnsDomainName   string // MsvAvDnsDomainName, when set
	DnsTreeName     string // MsvAvDnsTreeName, when set
	Version         Version

	// Lookup returns the NT hash of user in domain (as the client sent
	// them), or false when there is no such account. AccountList.Lookup
	// is one implementation.
	Lookup func(user, domain string) (NTHash, bool)

	// ChannelBindings, when set, must match the client's
	// MsvAvChannelBindings ([MS-NLMP] 3.2.5.1.2); see TLSServerEndPoint.
	ChannelBindings *ChannelBindings

	// MaxLifetime bounds the distance between the client's timestamp and
	// Now. Zero means DefaultMaxLifetime; negative disables the check.
	MaxLifetime time.Duration

	Rand io.Reader        // source of ServerChallenge; nil means crypto/rand
	Now  func() time.Time // clock for MsvAvTimestamp; nil means time.Now
}

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Challenge decodes the client's NEGOTIATE_MESSAGE and appends the
// CHALLENGE_MESSAGE of [MS-NLMP] 3.2.5.1.1 to dst: a fresh ServerChallenge,
// the negotiated flags, TargetName, and TargetInfo with
// MsvAvNbComputerName, MsvAvNbDomainName, the DNS names that are set and
// MsvAvTimestamp. The caller keeps both messages for Verify.
//
// Only Unicode is spoken: a client that does not offer
// NTLMSSP_NEGOTIATE_UNICODE gets an ErrUnsupported error.
func (s *Server) Challenge(dst, negotiate []byte) ([]byte, error) {
	var n Negotiate
	if err := n.Decode(negotiate); err != nil {
		return dst, err
	}
	if n.NegotiateFlags&NegotiateUnicode == 0 {
		return dst, errorf(LayerServer, 12, ErrUnsupported, "client did not offer NTLMSSP_NEGOTIATE_UNICODE")
	}
	c := Challenge{
		NegotiateFlags: n.NegotiateFlags&ServerFlags | RequestTarget | NegotiateNTLM |
			NegotiateAlwaysSign | NegotiateTargetInfo | NegotiateUnicode,
		Version: s.Version,
	}
	if s.Version.IsZero() {
		c.NegotiateFlags &^= NegotiateVersion
	}
	if c.NegotiateFlags&NegotiateVersion == 0 {
		c.Version = Version{} // MUST be all zero without the flag (2.2.1.2)
	}
	var target string
	if s.NbDomainName != "" {
		target = s.NbDomainName
		c.NegotiateFlags |= TargetTypeDomain
	} else {
		target = s.NbComputerName
		c.NegotiateFlags |= TargetTypeServer
	}
	rnd := s.Rand
	if rnd == nil {
		rnd = rand.Reader
	}
	if _, err := io.ReadFull(rnd, c.ServerChallenge[:]); err != nil {
		return dst, &Error{Layer: LayerServer, Msg: "reading ServerChallenge", Err: err}
	}
	c.TargetName = appendUTF16(nil, target)
	info := make([]byte, 0, 64+2*(len(s.NbComputerName)+len(s.NbDomainName)+len(s.DnsComputerName)+len(s.DnsDomainName)+len(s.DnsTreeName)))
	for _, p := range [...]struct {
		id AVID
		v  string
	}{
		{MsvAvNbComputerName, s.NbComputerName},
		{MsvAvNbDomainName, s.NbDomainName},
		{MsvAvDnsComputerName, s.DnsComputerName},
		{MsvAvDnsDomainName, s.DnsDomainName},
		{MsvAvDnsTreeName, s.DnsTreeName},
	} {
		if p.v != "" {
			var err error
			if info, err = AppendAVPairString(info, p.id, p.v); err != nil {
				return dst, errorf(LayerServer, 0, ErrTooLarge, "the configured %s of %d characters does not fit an AV_PAIR", p.id, len([]rune(p.v)))
			}
		}
	}
	info = AppendAVPairFileTime(info, MsvAvTimestamp, FileTime(s.now()))
	c.TargetInfo = AppendAVEOL(info)
	return c.Append(dst)
}

// Result is what Verify learns about an authenticated client.
type Result struct {
	User        string // as the client sent it
	Domain      string // as the client sent it
	Workstation string
	// SessionKey is the ExportedSessionKey shared with the client.
	SessionKey     [16]byte
	NegotiateFlags NegotiateFlags // from the AUTHENTICATE_MESSAGE
	MIC            bool           // a MIC was present and verified
	ChannelBound   bool           // channel bindings were checked and matched
	// LMv2 is set when the client was authenticated by its LMv2 response
	// because its NT response held only an NTProofStr that did not verify
	// (see Verify). Such a login is never MIC-checked or channel bound.
	LMv2 bool
}

// Verify checks the client's AUTHENTICATE_MESSAGE against the NEGOTIATE and
// CHALLENGE messages of the same exchange, as [MS-NLMP] 3.2.5.1.2
// describes for NTLM v2:
//
//   - the NTProofStr is recomputed from the account's NT hash and compared
//     in constant time; an unknown user and a wrong password give the same
//     error (ErrLogonFailed) after the same work, a placeholder hash
//     standing in for an unknown user's, and errors.Is(err,
//     ErrUnknownUser) or errors.Is(err, ErrWrongPassword) tells them apart
//     for the server's log only (never forward that distinction);
//   - the exchange must lie within MaxLifetime of Now (ErrExpired): the
//     MsvAvTimestamp of the CHALLENGE_MESSAGE, which the server wrote, or
//     when it has none, the client's NTLMv2 TimeStamp (3.2.5.1.2);
//   - with NTLMSSP_NEGOTIATE_KEY_EXCH and SIGN or SEAL, the 16-byte
//     EncryptedRandomSessionKey is decrypted into the session key;
//   - when the client's MsvAvFlags has bit 0x2, the MIC is checked
//     (ErrBadMIC);
//   - when the Server has ChannelBindings, MsvAvChannelBindings must match
//     (ErrBadBindings).
//
// Leniencies: the user name is matched case-insensitively and NTOWFv2 uses
// the domain exactly as the client sent it; if that fails, the empty domain
// is tried, for clients that compute the response with a NIL UserDom
// (3.2.5.1.2 says servers SHOULD accept them). NtChallengeResponse is read
// by its declared length only, and its payload fields may come in any
// order. When the challenge carries a timestamp, the client's TimeStamp is
// not compared with the clock: a client that follows 3.1.5.1.2 copies the
// server's value there, and go-mssqldb writes big-endian Unix nanoseconds
// instead of a FILETIME, which would otherwise fail a correct login.
//
// When the NT response is only an NTProofStr (16 bytes declared, with no
// NTLMv2 client blob), the LMv2 response is checked instead, as the
// algorithm of 3.2.5.1.2 allows ("If NtChallengeResponse !=
// ExpectedNtChallengeResponse, If LmChallengeResponse !=
// ExpectedLmChallengeResponse, ... Return INVALID"); Result.LMv2 then says
// so. Real clients rely on it: tedious declares an NtChallengeResponseLen of
// 16, the client blob left uncounted after it, and its NTProofStr does not
// verify, while its LMv2 response is correct. Such a login carries no AV
// pairs, so it has no MIC and fails any channel-binding requirement. The
// session base key is derived from the client's NTProofStr as sent, the
// value the client derived its own key from. A full NTLMv2 response that
// fails is refused even when its LMv2 response matches: accepting it would
// trust a blob (channel bindings, MsvAvFlags) that nothing verified. An
// all-zero LMv2 response (which clients send when the challenge carries
// MsvAvTimestamp, 3.1.5.1.2) never matches.
//
// Not supported (ErrUnsupported): NTLM v1 responses (24-byte NT response)
// and anonymous logons.
func (s *Server) Verify(negotiate, challenge, authenticate []byte) (*Result, error) {
	var ch Challenge
	if err := ch.Decode(challenge); err != nil {
		return nil, err
	}
	var a Authenticate
	if err := a.Decode(authenticate); err != nil {
		return nil, err
	}
	if len(a.UserName) == 0 && len(a.NtChallengeResponse) == 0 {
		return nil, errorf(LayerServer, 36, ErrUnsupported, "anonymous authentication")
	}
	if len(a.NtChallengeResponse) == 24 {
		return nil, errorf(LayerServer, 20, ErrUnsupported, "NtChallengeResponse of 24 bytes is NTLM v1")
	}
	if len(a.NtChallengeResponse) < 16 {
		return nil, errorf(LayerServer, 20, ErrUnsupported, "NtChallengeResponse of %d bytes holds no NTProofStr", len(a.NtChallengeResponse))
	}
	if ch.NegotiateFlags&NegotiateUnicode == 0 {
		return nil, errorf(LayerServer, 20, ErrUnsupported, "CHALLENGE_MESSAGE did not select Unicode")
	}
	var resp NTLMv2Response
	if a.IsNTLMv2() {
		if err := resp.Decode(a.NtChallengeResponse); err != nil {
			return nil, err
		}
	}
	user, domain := decodeUTF16(a.UserName), decodeUTF16(a.DomainName)
	if s.Lookup == nil {
		return nil, errorf(LayerServer, 36, ErrUnknownUser, "server has no account look-up")
	}
	hash, known := s.Lookup(user, domain)
	if !known {
		hash = NTHash{}
	}
	// An unknown user costs the same NTOWFv2 and HMAC-MD5 work as a wrong
	// password (with a placeholder hash whose result is ignored), and
	// both end in the same error: neither the time nor the text of the
	// answer tells which user names exist.
	responseKey, viaLM, ok := checkResponses(&a, &ch, hash, strings.ToUpper(user))
	if !known || !ok {
		cause := ErrWrongPassword
		if !known {
			cause = ErrUnknownUser
		}
		return nil, logonFailed(cause)
	}
	var proof [16]byte
	copy(proof[:], a.NtChallengeResponse[:16])

	if max := s.MaxLifetime; max >= 0 {
		if max == 0 {
			max = DefaultMaxLifetime
		}
		what, ts, have := "client timestamp", resp.TimeStamp, a.IsNTLMv2()
		if issued, ok := ch.TargetInfo.Timestamp(); ok {
			what, ts, have = "CHALLENGE_MESSAGE timestamp", issued, true
		}
		if skew := s.now().Sub(TimeFromFileTime(ts)); have && (skew > max || skew < -max) {
			return nil, errorf(LayerServer, 20, ErrExpired, "%s is %v away from the server clock", what, skew.Round(time.Second))
		}
	}

	sessionBaseKey := hmacMD5(responseKey[:], proof[:])
	keyExchangeKey := KeyExchangeKey(sessionBaseKey)
	exported := keyExchangeKey
	if a.NegotiateFlags&NegotiateKeyExch != 0 && a.NegotiateFlags&(NegotiateSign|NegotiateSeal) != 0 {
		if len(a.EncryptedRandomSessionKey) != 16 {
			return nil, errorf(LayerServer, 52, ErrMalformed, "EncryptedRandomSessionKey is %d bytes, want 16", len(a.EncryptedRandomSessionKey))
		}
		var enc [16]byte
		copy(enc[:], a.EncryptedRandomSessionKey)
		exported = EncryptSessionKey(keyExchangeKey, enc)
	}

	res := &Result{
		User:           user,
		Domain:         domain,
		Workstation:    decodeUTF16(a.Workstation),
		SessionKey:     exported,
		NegotiateFlags: a.NegotiateFlags,
		LMv2:           viaLM,
	}

	if s.ChannelBindings != nil {
		want := s.ChannelBindings.Hash()
		got, ok := resp.AvPairs.Lookup(MsvAvChannelBindings)
		var zero [16]byte
		if !ok || subtle.ConstantTimeCompare(got, zero[:]) == 1 {
			return nil, errorf(LayerServer, 20, ErrBadBindings, "client sent no channel bindings")
		}
		if subtle.ConstantTimeCompare(got, want[:]) != 1 {
			return nil, errorf(LayerServer, 20, ErrBadBindings, "MsvAvChannelBindings does not match the channel")
		}
		res.ChannelBound = true
	}

	if resp.AvPairs.Flags()&AvFlagMICPresent != 0 {
		if a.HeaderLen != 0 {
			return nil, errorf(LayerServer, micOffset, ErrBadMIC, "MsvAvFlags announces a MIC but the message has no MIC field")
		}
		mic := ComputeMIC(exported, negotiate, challenge, authenticate)
		if !hmac.Equal(mic[:], a.MIC[:]) {
			return nil, errorf(LayerServer, micOffset, ErrBadMIC, "MIC does not match")
		}
		res.MIC = true
	}
	return res, nil
}

// logonFailed is Verify's error for an unknown user and a wrong password
// alike: offset 20 (NtChallengeResponseFields), class ErrLogonFailed, and
// cause, which only errors.Is sees.
func logonFailed(cause error) error {
	return &Error{Layer: LayerServer, Offset: 20, Msg: "the user name and the response do not verify", Err: ErrLogonFailed, cause: cause}
}

// checkResponses verifies the client's proof of the password ([MS-NLMP]
// 3.2.5.1.2, NTLM v2): first NTProofStr over the client blob, then the
// LMv2 response, each with the domain as sent and then with the NIL domain.
// It returns the ResponseKeyNT that verified and whether only the LMv2
// response did.
func checkResponses(a *Authenticate, ch *Challenge, hash NTHash, upperUser string) (key [16]byte, viaLM, ok bool) {
	domains := [2][]byte{a.DomainName, nil}
	n := 1
	if len(a.DomainName) > 0 {
		n = 2
	}
	if a.IsNTLMv2() {
		blob := a.NtChallengeResponse[16:]
		for _, d := range domains[:n] {
			key = ntowfv2(hash, upperUser, d)
			proof := hmacMD5(key[:], ch.ServerChallenge[:], blob)
			if subtle.ConstantTimeCompare(proof[:], a.NtChallengeResponse[:16]) == 1 {
				return key, false, true
			}
		}
		// A full NTLMv2_RESPONSE that fails is not rescued by the LMv2
		// response: LMv2 covers only the two challenges, so the blob's
		// MsvAvFlags and MsvAvChannelBindings would be taken unverified,
		// and a relay could claim channel binding or drop the MIC.
		return key, false, false
	}
	lm := a.LmChallengeResponse
	if len(lm) != 24 || isZero(lm) {
		return key, false, false
	}
	for _, d := range domains[:n] {
		key = ntowfv2(hash, upperUser, d) // LMOWFv2 is NTOWFv2 (3.3.2)
		want := hmacMD5(key[:], ch.ServerChallenge[:], lm[16:24])
		if subtle.ConstantTimeCompare(want[:], lm[:16]) == 1 {
			return key, true, true
		}
	}
	return key, false, false
}

func isZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
