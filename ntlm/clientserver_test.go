package ntlm

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"testing"
	"time"
)

var (
	epoch1601 = time.Date(1601, 1, 1, 0, 0, 0, 0, time.UTC)
	newYear   = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
)

// specClient is the client of [MS-NLMP] 4.2.4: the 4.2.1 values, with
// ClientChallenge and RandomSessionKey coming from its random source and
// Time zero from its clock (the example's CHALLENGE has no timestamp).
func specClient(t *testing.T) *Client {
	c := readCommon(t)
	return &Client{
		Domain: "Domain", User: "User", Password: "Password", Workstation: "COMPUTER",
		Version: Version{5, 1, 2600, NTLMSSPRevisionW2K3},
		Rand:    newFixedReader(c.clientChallenge[:], c.randomSessionKey[:]),
		Now:     func() time.Time { return epoch1601 },
	}
}

func TestClientSpecVector(t *testing.T) {
	c := readCommon(t)
	challenge := readHex(t, "challenge-4.2.4.3.hex")
	golden := readHex(t, "authenticate-4.2.4.3.hex")
	cl := specClient(t)
	negotiate := cl.Negotiate(nil)
	out, key, err := cl.Authenticate(nil, negotiate, challenge)
	if err != nil {
		t.Fatal(err)
	}
	if key != c.randomSessionKey {
		t.Errorf("ExportedSessionKey = % x, want RandomSessionKey", key)
	}
	var got, want Authenticate
	if err := got.Decode(out); err != nil {
		t.Fatal(err)
	}
	if err := want.Decode(golden); err != nil {
		t.Fatal(err)
	}
	if got.MIC != ([16]byte{}) || got.HeaderLen != 0 {
		t.Errorf("no timestamp, so no MIC: MIC % x HeaderLen %d", got.MIC, got.HeaderLen)
	}
	// The spec's message carries the flags its client chose and has no MIC
	// field; with those two taken from it, the client's message must be
	// the spec's byte for byte.
	got.NegotiateFlags, got.HeaderLen = want.NegotiateFlags, want.HeaderLen
	if again := noErr(t)(got.Append(nil)); !bytes.Equal(again, golden) {
		t.Errorf("client AUTHENTICATE =\n% x\nwant (4.2.4.3)\n% x", again, golden)
	}
}

func specServer() *Server {
	return &Server{
		Lookup:      AccountList{{User: "user", Hash: HashPassword("Password")}}.Lookup,
		MaxLifetime: -1, // the example's timestamp is 1601
	}
}

func TestServerVerifiesSpecVector(t *testing.T) {
	c := readCommon(t)
	res, err := specServer().Verify(nil, readHex(t, "challenge-4.2.4.3.hex"), readHex(t, "authenticate-4.2.4.3.hex"))
	if err != nil {
		t.Fatal(err)
	}
	if res.User != "User" || res.Domain != "Domain" || res.Workstation != "COMPUTER" || res.MIC || res.ChannelBound {
		t.Errorf("%+v", res)
	}
	if res.SessionKey != c.randomSessionKey {
		t.Errorf("SessionKey = % x, want the RandomSessionKey of 4.2.1", res.SessionKey)
	}
	if got := res.String(); got != `Domain\User from COMPUTER` {
		t.Errorf("String = %q", got)
	}
	// With the clock of today the 1601 timestamp is too old.
	s := specServer()
	s.MaxLifetime = 0
	s.Now = func() time.Time { return newYear }
	if _, err := s.Verify(nil, readHex(t, "challenge-4.2.4.3.hex"), readHex(t, "authenticate-4.2.4.3.hex")); !errors.Is(err, ErrExpired) {
		t.Errorf("err = %v, want ErrExpired", err)
	}
}

func TestServerChallengeGolden(t *testing.T) {
	s := &Server{
		NbComputerName: "SQL1", NbDomainName: "CONTOSO", DnsComputerName: "sql1.contoso.com",
		Version: Version{10, 0, 20348, 15},
		Rand:    newFixedReader([]byte{1, 2, 3, 4, 5, 6, 7, 8}),
		Now:     func() time.Time { return newYear },
	}
	got, err := s.Challenge([]byte("x"), readHex(t, "negotiate-version.hex"))
	if err != nil {
		t.Fatal(err)
	}
	if want := readHex(t, "server-challenge.hex"); !bytes.Equal(got[1:], want) {
		t.Errorf("Challenge =\n% x\nwant\n% x", got[1:], want)
	}
}

// exchange runs a client against a server and returns the three messages.
type exchange struct {
	negotiate, challenge, authenticate []byte
	clientKey                          [16]byte
}

func run(t *testing.T, c *Client, s *Server) exchange {
	t.Helper()
	var x exchange
	x.negotiate = c.Negotiate(nil)
	var err error
	if x.challenge, err = s.Challenge(nil, x.negotiate); err != nil {
		t.Fatal(err)
	}
	if x.authenticate, x.clientKey, err = c.Authenticate(nil, x.negotiate, x.challenge); err != nil {
		t.Fatal(err)
	}
	return x
}

func testPair() (*Client, *Server) {
	now := func() time.Time { return newYear }
	c := &Client{Domain: "CONTOSO", User: "joe33", Password: "S3cret!", Workstation: "10.10.10.120", Now: now}
	s := &Server{
		NbComputerName: "SQL1", NbDomainName: "CONTOSO", DnsComputerName: "sql1.contoso.com",
		Lookup: AccountList{{Domain: "contoso", User: "Joe33", Hash: HashPassword("S3cret!")}}.Lookup,
		Now:    func() time.Time { return newYear.Add(3 * time.Second) },
	}
	return c, s
}

func TestRoundTrip(t *testing.T) {
	c, s := testPair()
	x := run(t, c, s)
	res, err := s.Verify(x.negotiate, x.challenge, x.authenticate)
	if err != nil {
		t.Fatal(err)
	}
	if !res.MIC || res.SessionKey != x.clientKey || res.User != "joe33" || res.Domain != "CONTOSO" || res.Workstation != "10.10.10.120" {
		t.Errorf("%+v", res)
	}
	if got := res.String(); got != `CONTOSO\joe33 from 10.10.10.120 (MIC)` {
		t.Errorf("String = %q", got)
	}
	if res.NegotiateFlags&NegotiateKeyExch == 0 {
		t.Errorf("key exchange not negotiated: %v", res.NegotiateFlags)
	}
	var a Authenticate
	if err := a.Decode(x.authenticate); err != nil {
		t.Fatal(err)
	}
	if got := a.String(); got != "NTLM AUTHENTICATE MESSAGE Version:NTLM v2, Domain: CONTOSO, User: joe33, Workstation: 10.10.10.120" {
		t.Errorf("String = %q", got)
	}
	if !bytes.Equal(a.LmChallengeResponse, make([]byte, 24)) {
		t.Errorf("with a server timestamp the LM response is Z(24), got % x", a.LmChallengeResponse)
	}
	var r NTLMv2Response
	if err := r.Decode(a.NtChallengeResponse); err != nil {
		t.Fatal(err)
	}
	if r.TimeStamp != FileTime(newYear.Add(3*time.Second)) {
		t.Errorf("client did not use the server's MsvAvTimestamp: %v", TimeFromFileTime(r.TimeStamp))
	}
	if r.AvPairs.Flags() != AvFlagMICPresent {
		t.Errorf("MsvAvFlags = %#x", r.AvPairs.Flags())
	}
}

func TestRoundTripVariants(t *testing.T) {
	t.Run("user case and NT hash", func(t *testing.T) {
		c, s := testPair()
		c.User, c.Password, c.Hash = "JOE33", "", HashPassword("S3cret!")
		x := run(t, c, s)
		res, err := s.Verify(x.negotiate, x.challenge, x.authenticate)
		if err != nil || res.User != "JOE33" {
			t.Fatalf("%v %+v", err, res)
		}
	})
	t.Run("no key exchange", func(t *testing.T) {
		c, s := testPair()
		c.Flags = DefaultClientFlags &^ NegotiateKeyExch
		x := run(t, c, s)
		res, err := s.Verify(x.negotiate, x.challenge, x.authenticate)
		if err != nil || res.SessionKey != x.clientKey {
			t.Fatalf("%v %+v", err, res)
		}
	})
	t.Run("channel bindings", func(t *testing.T) {
		c, s := testPair()
		cb := &ChannelBindings{ApplicationData: []byte("tls-server-end-point:0123456789abcdef0123456789abcdef")}
		c.ChannelBindings, s.ChannelBindings = cb, cb
		c.TargetName = "MSSQLSvc/sql1.contoso.com:1433"
		x := run(t, c, s)
		res, err := s.Verify(x.negotiate, x.challenge, x.authenticate)
		if err != nil || !res.ChannelBound || !res.MIC {
			t.Fatalf("%v %+v", err, res)
		}
		if got := fmt.Sprintf("%v|%+v", res, res); got != `CONTOSO\joe33 from 10.10.10.120 (MIC, channel bound)|CONTOSO\joe33 from 10.10.10.120 (MIC, channel bound)` {
			t.Errorf("Result prints as %q", got)
		}
	})
	t.Run("client version", func(t *testing.T) {
		c, s := testPair()
		c.Version = Version{10, 0, 19041, 15}
		s.Version = Version{10, 0, 20348, 15}
		x := run(t, c, s)
		if _, err := s.Verify(x.negotiate, x.challenge, x.authenticate); err != nil {
			t.Fatal(err)
		}
		var a Authenticate
		if err := a.Decode(x.authenticate); err != nil || a.Version != c.Version || a.NegotiateFlags&NegotiateVersion == 0 {
			t.Fatalf("%v %v %v", err, a.Version, a.NegotiateFlags)
		}
	})
	t.Run("NIL domain in the response", func(t *testing.T) {
		// A client that computes NTOWFv2 with an empty UserDom but sends
		// its domain: the server retries with NIL (3.2.5.1.2).
		cl := specClient(t)
		cl.Domain = ""
		out, _, err := cl.Authenticate(nil, nil, readHex(t, "challenge-4.2.4.3.hex"))
		if err != nil {
			t.Fatal(err)
		}
		var a Authenticate
		if err := a.Decode(out); err != nil {
			t.Fatal(err)
		}
		a.DomainName = appendUTF16(nil, "Domain")
		res, err := specServer().Verify(nil, readHex(t, "challenge-4.2.4.3.hex"), noErr(t)(a.Append(nil)))
		if err != nil || res.Domain != "Domain" {
			t.Fatalf("%v %+v", err, res)
		}
	})
	t.Run("declared length shorter than payload", func(t *testing.T) {
		// Without key exchange the NT response is the last payload field;
		// bytes after it are not part of it.
		cl := specClient(t)
		cl.Flags = DefaultClientFlags &^ NegotiateKeyExch
		out, _, err := cl.Authenticate(nil, nil, readHex(t, "challenge-4.2.4.3.hex"))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, 0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 0, 1, 2, 3, 4)
		if _, err := specServer().Verify(nil, readHex(t, "challenge-4.2.4.3.hex"), out); err != nil {
			t.Fatal(err)
		}
	})
}

func TestVerifyFailures(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(c *Client, s *Server)
		tamper func(x *exchange)
		want   error
	}{
		{"wrong password", func(c *Client, s *Server) { c.Password = "s3cret!" }, nil, ErrWrongPassword},
		{"unknown user", func(c *Client, s *Server) { c.User = "joe34" }, nil, ErrUnknownUser},
		{"no look-up", func(c *Client, s *Server) { s.Lookup = nil }, nil, ErrUnknownUser},
		{"wrong domain", func(c *Client, s *Server) {
			s.Lookup = AccountList{{User: "joe33", Hash: HashPassword("S3cret!")}}.Lookup
			c.Domain = "FABRIKAM"
		}, func(x *exchange) {}, nil},
		{"tampered MIC", nil, func(x *exchange) { x.authenticate[micOffset+3] ^= 1 }, ErrBadMIC},
		{"tampered workstation", nil, func(x *exchange) {
			var a Authenticate
			_ = a.Decode(x.authenticate)
			a.Workstation = appendUTF16(nil, "10.10.10.121")
			x.authenticate = noErr(t)(a.Append(nil))
		}, ErrBadMIC},
		{"tampered negotiate", nil, func(x *exchange) { x.negotiate[12] ^= NegotiateFlags(NegotiateSeal).lowByte() }, ErrBadMIC},
		{"MIC field removed", nil, func(x *exchange) {
			var a Authenticate
			_ = a.Decode(x.authenticate)
			a.HeaderLen = authenticateNoMIC
			x.authenticate = noErr(t)(a.Append(nil))
		}, ErrBadMIC},
		{"channel binding mismatch", func(c *Client, s *Server) {
			c.ChannelBindings = &ChannelBindings{ApplicationData: []byte("tls-server-end-point:AAAA")}
			s.ChannelBindings = &ChannelBindings{ApplicationData: []byte("tls-server-end-point:BBBB")}
		}, nil, ErrBadBindings},
		{"channel binding missing", func(c *Client, s *Server) {
			s.ChannelBindings = &ChannelBindings{ApplicationData: []byte("tls-server-end-point:BBBB")}
		}, nil, ErrBadBindings},
		{"expired", func(c *Client, s *Server) {
			// The CHALLENGE is issued at newYear; the AUTHENTICATE
			// arrives 37 hours later, past DefaultMaxLifetime.
			calls := 0
			s.Now = func() time.Time { calls++; return newYear.Add(time.Duration(calls-1) * 37 * time.Hour) }
		}, nil, ErrExpired},
		{"short encrypted key", nil, func(x *exchange) {
			var a Authenticate
			_ = a.Decode(x.authenticate)
			a.EncryptedRandomSessionKey = a.EncryptedRandomSessionKey[:8]
			x.authenticate = noErr(t)(a.Append(nil))
		}, ErrMalformed},
		{"NTLM v1", nil, func(x *exchange) {
			var a Authenticate
			_ = a.Decode(x.authenticate)
			a.NtChallengeResponse = a.NtChallengeResponse[:24]
			x.authenticate = noErr(t)(a.Append(nil))
		}, ErrUnsupported},
		{"anonymous", nil, func(x *exchange) {
			a := Authenticate{LmChallengeResponse: []byte{0}, NegotiateFlags: NegotiateUnicode}
			x.authenticate = noErr(t)(a.Append(nil))
		}, ErrUnsupported},
		{"challenge swapped", nil, func(x *exchange) { x.authenticate, x.challenge = x.challenge, x.authenticate }, ErrUnexpected},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, s := testPair()
			if tc.change != nil {
				tc.change(c, s)
			}
			x := run(t, c, s)
			if tc.tamper != nil {
				tc.tamper(&x)
			}
			_, err := s.Verify(x.negotiate, x.challenge, x.authenticate)
			if tc.want == nil {
				// Domain is matched as sent only for NTOWFv2; an account
				// without a domain accepts any.
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				return
			}
			var e *Error
			if !errors.Is(err, tc.want) || !errors.As(err, &e) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

func (f NegotiateFlags) lowByte() byte { return byte(f) }

func TestClientErrors(t *testing.T) {
	ch := readHex(t, "challenge-4.2.4.3.hex")
	c := specClient(t)
	if _, _, err := c.Authenticate(nil, nil, ch[:20]); !errors.Is(err, ErrTruncated) {
		t.Errorf("short challenge: %v", err)
	}
	noUnicode := patch(ch, 20, 0x32)
	if _, _, err := c.Authenticate(nil, nil, noUnicode); !errors.Is(err, ErrUnsupported) {
		t.Errorf("OEM challenge: %v", err)
	}
	c.Rand = newFixedReader([]byte{1, 2, 3})
	if _, _, err := c.Authenticate(nil, nil, ch); err == nil {
		t.Error("short random source accepted")
	}
	// Signing negotiated but TargetInfo lacks MsvAvNbDomainName.
	var m Challenge
	if err := m.Decode(ch); err != nil {
		t.Fatal(err)
	}
	m.TargetInfo = AppendAVEOL(noErr(t)(AppendAVPairString(nil, MsvAvNbComputerName, "Server")))
	c = specClient(t)
	if _, _, err := c.Authenticate(nil, nil, noErr(t)(m.Append(nil))); !errors.Is(err, ErrMalformed) {
		t.Errorf("TargetInfo without NbDomainName: %v", err)
	}
}

func TestServerChallengeErrors(t *testing.T) {
	s := &Server{NbComputerName: "SQL1"}
	if _, err := s.Challenge(nil, []byte("NTLMSSP\x00\x01\x00\x00\x00\x02\x00\x00\x00")); !errors.Is(err, ErrUnsupported) {
		t.Errorf("OEM-only negotiate: %v", err)
	}
	if _, err := s.Challenge(nil, []byte("NTLMSSP")); !errors.Is(err, ErrTruncated) {
		t.Errorf("short negotiate: %v", err)
	}
	s.Rand = newFixedReader(nil)
	if _, err := s.Challenge(nil, readHex(t, "negotiate-version.hex")); err == nil {
		t.Error("empty random source accepted")
	}
	// A server that is not domain-joined names itself.
	s = &Server{NbComputerName: "SQL1"}
	b, err := s.Challenge(nil, readHex(t, "negotiate-version.hex"))
	if err != nil {
		t.Fatal(err)
	}
	var c Challenge
	if err := c.Decode(b); err != nil || c.NegotiateFlags&TargetTypeServer == 0 || decodeUTF16(c.TargetName) != "SQL1" || c.NegotiateFlags&NegotiateVersion != 0 {
		t.Errorf("%v %v %q", err, c.NegotiateFlags, decodeUTF16(c.TargetName))
	}
}

func selfSigned(t *testing.T, alg x509.SignatureAlgorithm, pub, priv any) *x509.Certificate {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "sql1.contoso.com"},
		NotBefore: newYear, NotAfter: newYear.Add(24 * time.Hour), SignatureAlgorithm: alg,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, priv)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

func TestTLSServerEndPoint(t *testing.T) {
	k256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	k384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	c256 := selfSigned(t, x509.ECDSAWithSHA256, &k256.PublicKey, k256)
	c384 := selfSigned(t, x509.ECDSAWithSHA384, &k384.PublicKey, k384)
	c512 := selfSigned(t, x509.ECDSAWithSHA512, &k384.PublicKey, k384)
	h256, h384, h512 := sha256.Sum256(c256.Raw), sha512.Sum384(c384.Raw), sha512.Sum512(c512.Raw)
	for _, tc := range []struct {
		cert *x509.Certificate
		hash []byte
	}{{c256, h256[:]}, {c384, h384[:]}, {c512, h512[:]}} {
		cb, err := TLSServerEndPoint(tc.cert)
		if err != nil {
			t.Fatal(err)
		}
		want := append([]byte("tls-server-end-point:"), tc.hash...)
		if !bytes.Equal(cb.ApplicationData, want) || cb.InitiatorAddrType != 0 || cb.AcceptorAddress != nil {
			t.Errorf("%v: % x", tc.cert.SignatureAlgorithm, cb.ApplicationData)
		}
	}
	// SHA-1 signatures are bound with SHA-256 ([RFC5929] 4.1); the
	// algorithm is read from the certificate, so relabel one.
	relabeled := *c256
	relabeled.SignatureAlgorithm = x509.SHA1WithRSA
	if cb, err := TLSServerEndPoint(&relabeled); err != nil || !bytes.Equal(cb.ApplicationData[21:], h256[:]) {
		t.Errorf("SHA-1 certificate: %v", err)
	}
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	if _, err := TLSServerEndPoint(selfSigned(t, x509.PureEd25519, pub, priv)); !errors.Is(err, ErrUnsupported) {
		t.Errorf("Ed25519: %v", err)
	}
	if _, err := TLSServerEndPoint(nil); !errors.Is(err, ErrUnsupported) {
		t.Errorf("nil: %v", err)
	}
	if _, err := TLSServerEndPointFromState(&tls.ConnectionState{}); !errors.Is(err, ErrUnsupported) {
		t.Errorf("no peer certificates: %v", err)
	}
	cb, err := TLSServerEndPointFromState(&tls.ConnectionState{PeerCertificates: []*x509.Certificate{c384}})
	if err != nil || !bytes.Equal(cb.ApplicationData[21:], h384[:]) {
		t.Errorf("from state: %v", err)
	}
}

func TestVersionOnlyWithFlag(t *testing.T) {
	// Neither side sends a Version the other did not negotiate: the field
	// MUST be all zero without NTLMSSP_NEGOTIATE_VERSION (2.2.1.2, 2.2.1.3).
	c, s := testPair()
	s.Version = Version{10, 0, 20348, 15} // the client offers no VERSION
	x := run(t, c, s)
	var ch Challenge
	if err := ch.Decode(x.challenge); err != nil || !ch.Version.IsZero() || ch.NegotiateFlags&NegotiateVersion != 0 {
		t.Errorf("challenge: %v %v %v", err, ch.Version, ch.NegotiateFlags)
	}
	c, s = testPair()
	c.Version = Version{10, 0, 19041, 15} // the server does not return VERSION
	x = run(t, c, s)
	var a Authenticate
	if err := a.Decode(x.authenticate); err != nil || !a.Version.IsZero() || a.NegotiateFlags&NegotiateVersion != 0 {
		t.Errorf("authenticate: %v %v %v", err, a.Version, a.NegotiateFlags)
	}
	if _, err := s.Verify(x.negotiate, x.challenge, x.authenticate); err != nil {
		t.Error(err)
	}
}

// quirkyAuthenticate builds, field by field, the AUTHENTICATE_MESSAGE of a
// client with go-mssqldb's habits: it echoes the challenge's flags, lays
// the payload out as LM, NT, domain, user, workstation behind a zero
// Version and MIC, sends an LMv2 response, and writes the NTLMv2 TimeStamp
// as big-endian Unix nanoseconds instead of a little-endian FILETIME.
func quirkyAuthenticate(t *testing.T, challenge []byte, domain, user, password, workstation string, now time.Time) []byte {
	t.Helper()
	var ch Challenge
	if err := ch.Decode(challenge); err != nil {
		t.Fatal(err)
	}
	clientChallenge := [8]byte{9, 8, 7, 6, 5, 4, 3, 2}
	var be [8]byte
	ns := uint64(now.UnixNano())
	for i := range be {
		be[i] = byte(ns >> (56 - 8*i))
	}
	key := NTOWFv2(password, user, domain)
	nt, _ := AppendNTLMv2Response(nil, key, ch.ServerChallenge, clientChallenge, le64(be[:]), ch.TargetInfo)
	lm := AppendLMv2Response(nil, key, ch.ServerChallenge, clientChallenge)
	fields := [][]byte{lm, nt, appendUTF16(nil, domain), appendUTF16(nil, user), appendUTF16(nil, workstation)}
	msg := make([]byte, 88)
	copy(msg, Signature)
	msg[8] = 3
	off := 88
	for i, f := range fields { // LM at 12, NT at 20, domain 28, user 36, workstation 44
		at := 12 + 8*i
		putLE16(msg[at:], uint16(len(f)))
		putLE16(msg[at+2:], uint16(len(f)))
		putLE32(msg[at+4:], uint32(off))
		off += len(f)
	}
	putLE32(msg[56:], uint32(off)) // empty EncryptedRandomSessionKey
	putLE32(msg[60:], uint32(ch.NegotiateFlags))
	for _, f := range fields {
		msg = append(msg, f...)
	}
	return msg
}

func TestServerAcceptsGoMSSQLDBQuirks(t *testing.T) {
	_, s := testPair()
	// go-mssqldb offers UNICODE, NTLM, OEM_DOMAIN_SUPPLIED,
	// OEM_WORKSTATION_SUPPLIED, ALWAYS_SIGN and EXTENDED_SESSIONSECURITY
	// with its OEM domain and workstation after a 40-byte fixed part.
	neg := Negotiate{NegotiateFlags: NegotiateUnicode | NegotiateNTLM | NegotiateOEMDomainSupplied |
		NegotiateOEMWorkstationSupplied | NegotiateAlwaysSign | NegotiateExtendedSessionSecurity,
		DomainName: []byte("CONTOSO"), Workstation: []byte("WS1")}
	negotiate := noErr(t)(neg.Append(nil))
	challenge, err := s.Challenge(nil, negotiate)
	if err != nil {
		t.Fatal(err)
	}
	auth := quirkyAuthenticate(t, challenge, "CONTOSO", "joe33", "S3cret!", "WS1", newYear)
	res, err := s.Verify(negotiate, challenge, auth)
	if err != nil {
		t.Fatal(err)
	}
	if res.MIC || res.User != "joe33" || res.Workstation != "WS1" {
		t.Errorf("%+v", res)
	}
	// The lifetime is still bounded, by the challenge's own timestamp.
	s.Now = func() time.Time { return newYear.Add(40 * time.Hour) }
	if _, err := s.Verify(negotiate, challenge, auth); !errors.Is(err, ErrExpired) {
		t.Errorf("stale challenge: %v", err)
	}
}
