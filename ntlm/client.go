package ntlm

import (
	"crypto/rand"
	"io"
	"time"
)

// DefaultClientFlags are the NegotiateFlags a Client offers when its Flags
// field is zero: the flags [MS-NLMP] 3.1.5.1.1 requires (REQUEST_TARGET,
// NTLM, ALWAYS_SIGN, UNICODE, EXTENDED_SESSIONSECURITY), plus TARGET_INFO,
// SIGN, 128, 56 and KEY_EXCH so that a random session key is exchanged.
// NTLMSSP_NEGOTIATE_VERSION is added when the Client has a Version.
const DefaultClientFlags = NegotiateUnicode | RequestTarget | NegotiateSign | NegotiateNTLM |
	NegotiateAlwaysSign | NegotiateExtendedSessionSecurity | NegotiateTargetInfo |
	Negotiate128 | NegotiateKeyExch | Negotiate56

// Client is the NTLMv2 client role of [MS-NLMP] 3.1: it builds the
// NEGOTIATE_MESSAGE and, from the server's CHALLENGE_MESSAGE, the
// AUTHENTICATE_MESSAGE. A Client holds configuration only; it is safe for
// concurrent use if its Rand and Now are. Printed with fmt (any verb but
// %p of a non-pointer Client), Password shows as "[REDACTED]" and Hash as
// a placeholder; see Client.Format.
type Client struct {
	Domain      string // UserDom, used as given in NTOWFv2
	User        string
	Password    string
	Hash        NTHash // when non-zero, used instead of Password
	Workstation string // sent in the Workstation field

	// ChannelBindings, when set, are hashed into an MsvAvChannelBindings
	// pair ([MS-NLMP] 3.1.5.1.2); see TLSServerEndPoint.
	ChannelBindings *ChannelBindings
	// TargetName, when set, is sent as MsvAvTargetName (the SPN of the
	// server, ClientSuppliedTargetName of 3.1.1.2).
	TargetName string

	Flags   NegotiateFlags // offered flags; zero means DefaultClientFlags
	Version Version        // sent when non-zero, with NTLMSSP_NEGOTIATE_VERSION

	// Rand supplies the 8-byte ClientChallenge and then, when keys are
	// exchanged, the 16-byte ExportedSessionKey (NONCE of [MS-NLMP] 6).
	// Nil means crypto/rand.
	Rand io.Reader
	// Now supplies Currenttime when the CHALLENGE_MESSAGE carries no
	// MsvAvTimestamp. Nil means time.Now.
	Now func() time.Time
}

// flags returns the ClientConfigFlags the client offers.
func (c *Client) flags() NegotiateFlags {
	f := c.Flags
	if f == 0 {
		f = DefaultClientFlags
	}
	if c.Version.IsZero() {
		f &^= NegotiateVersion
	} else {
		f |= NegotiateVersion
	}
	return f
}

// Negotiate appends the client's NEGOTIATE_MESSAGE ([MS-NLMP] 3.1.5.1.1)
// to dst: the offered flags, no domain or workstation, and the Version
// when one is configured. The caller keeps these bytes: they are hashed
// into the MIC.
func (c *Client) Negotiate(dst []byte) []byte {
	m := Negotiate{NegotiateFlags: c.flags(), Version: c.Version}
	// With DomainName and Workstation empty no field can be too large,
	// the only failure of Append.
	out, _ := m.Append(dst)
	return out
}

// Authenticate processes the server's CHALLENGE_MESSAGE as [MS-NLMP]
// 3.1.5.1.2 describes and appends the AUTHENTICATE_MESSAGE to dst. negotiate
// must be the NEGOTIATE_MESSAGE the client sent (it is hashed into the MIC).
// It returns the extended slice and the ExportedSessionKey.
//
// The NTLMv2 response uses the server's MsvAvTimestamp as Time when there
// is one; then LmChallengeResponse is Z(24) and a MIC is computed with the
// MsvAvFlags bit 0x2 set in the response's AV pairs. Without a timestamp,
// Time is Now and an LMv2 response is sent, with a zero MIC field.
func (c *Client) Authenticate(dst, negotiate, challenge []byte) ([]byte, [16]byte, error) {
	var none [16]byte
	var ch Challenge
	if err := ch.Decode(challenge); err != nil {
		return dst, none, err
	}
	if ch.NegotiateFlags&NegotiateUnicode == 0 {
		return dst, none, errorf(LayerClient, 20, ErrUnsupported, "server did not select NTLMSSP_NEGOTIATE_UNICODE")
	}
	flags := ch.NegotiateFlags & c.flags()
	if flags&(NegotiateSign|NegotiateSeal) != 0 {
		_, okC := ch.TargetInfo.Lookup(MsvAvNbComputerName)
		_, okD := ch.TargetInfo.Lookup(MsvAvNbDomainName)
		if !okC || !okD {
			return dst, none, errorf(LayerClient, 40, ErrMalformed, "TargetInfo lacks MsvAvNbComputerName or MsvAvNbDomainName while signing is negotiated (STATUS_LOGON_FAILURE)")
		}
	}
	rnd := c.Rand
	if rnd == nil {
		rnd = rand.Reader
	}
	var clientChallenge [8]byte
	if _, err := io.ReadFull(rnd, clientChallenge[:]); err != nil {
		return dst, none, &Error{Layer: LayerClient, Msg: "reading ClientChallenge", Err: err}
	}

	timestamp, haveTime := ch.TargetInfo.Timestamp()
	if !haveTime {
		now := time.Now
		if c.Now != nil {
			now = c.Now
		}
		timestamp = FileTime(now())
	}

	// ServerName: the server's pairs, then ours ([MS-NLMP] 3.1.5.1.2).
	pairs := make([]byte, 0, len(ch.TargetInfo)+64+2*len(c.TargetName))
	sawFlags := false
	// Challenge.Decode validated TargetInfo: the iteration cannot fail.
	for p, err := range ch.TargetInfo.All() {
		if err != nil {
			break
		}
		if p.ID == MsvAvFlags && haveTime {
			f, _ := p.Uint32()
			pairs = AppendAVPairUint32(pairs, MsvAvFlags, f|AvFlagMICPresent)
			sawFlags = true
			continue
		}
		// A decoded pair's value came with a 16-bit AvLen: it fits.
		pairs, _ = AppendAVPair(pairs, p.ID, p.Value)
	}
	if haveTime && !sawFlags {
		pairs = AppendAVPairUint32(pairs, MsvAvFlags, AvFlagMICPresent)
	}
	if c.ChannelBindings != nil {
		h := c.ChannelBindings.Hash()
		pairs, _ = AppendAVPair(pairs, MsvAvChannelBindings, h[:]) // 16 bytes
	}
	if c.TargetName != "" {
		var err error
		if pairs, err = AppendAVPairString(pairs, MsvAvTargetName, c.TargetName); err != nil {
			return dst, none, errorf(LayerClient, 0, ErrTooLarge, "TargetName of %d characters does not fit an AV_PAIR (32,767 UTF-16 code units at most)", len([]rune(c.TargetName)))
		}
	}
	pairs = AppendAVEOL(pairs)

	var responseKey [16]byte
	if c.Hash != (NTHash{}) {
		responseKey = NTOWFv2Hash(c.Hash, c.User, c.Domain)
	} else {
		responseKey = NTOWFv2(c.Password, c.User, c.Domain)
	}
	nt, sessionBaseKey := AppendNTLMv2Response(nil, responseKey, ch.ServerChallenge, clientChallenge, timestamp, pairs)
	var lm []byte
	if haveTime {
		lm = make([]byte, 24)
	} else {
		lm = AppendLMv2Response(nil, responseKey, ch.ServerChallenge, clientChallenge)
	}

	keyExchangeKey := KeyExchangeKey(sessionBaseKey)
	exported := keyExchangeKey
	var encrypted []byte
	if flags&NegotiateKeyExch != 0 && flags&(NegotiateSign|NegotiateSeal) != 0 {
		if _, err := io.ReadFull(rnd, exported[:]); err != nil {
			return dst, none, &Error{Layer: LayerClient, Msg: "reading ExportedSessionKey", Err: err}
		}
		k := EncryptSessionKey(keyExchangeKey, exported)
		encrypted = k[:]
	}

	a := Authenticate{
		LmChallengeResponse:       lm,
		NtChallengeResponse:       nt,
		DomainName:                appendUTF16(nil, c.Domain),
		UserName:                  appendUTF16(nil, c.User),
		Workstation:               appendUTF16(nil, c.Workstation),
		EncryptedRandomSessionKey: encrypted,
		NegotiateFlags:            flags,
	}
	if flags&NegotiateVersion != 0 {
		a.Version = c.Version // otherwise MUST be all zero (2.2.1.3)
	}
	start := len(dst)
	dst, err := a.Append(dst)
	if err != nil {
		return dst, none, err
	}
	if haveTime {
		mic := ComputeMIC(exported, negotiate, challenge, dst[start:])
		copy(dst[start+micOffset:], mic[:])
	}
	return dst, exported, nil
}
