// Package krbauth is the server side of SQL Server's integrated
// authentication for the example server: Kerberos V5 (raw, as FreeTDS and
// go-mssqldb send it, or inside SPNEGO, as Windows clients do) verified with
// a keytab, and NTLM inside SPNEGO verified by the library's ntlm.Server.
//
// A Server runs one login's exchange and satisfies the SSPIServer contract
// of tdsconn and of the example server's tdsserver.Config.NewSSPI: Step is
// given each SSPI blob the client sends and returns the one to send back.
//
// Ticket decryption and checking is real cryptography and is done by
// github.com/jcmturner/gokrb5/v8 (service.VerifyAPREQ, its keytab and
// crypto packages); the tokens are read and written with the library's
// spnego and krb5 packages. A ticket the keytab cannot open, a skewed clock
// or an expired ticket fail the step with an *Error that names the
// Kerberos error code ([RFC 4120] 7.5.9) and what it means for a SQL
// Server: the server then refuses the login with an ERROR token.
//
// [RFC 4120]: https://www.rfc-editor.org/rfc/rfc4120
package krbauth

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jcmturner/gokrb5/v8/crypto"
	"github.com/jcmturner/gokrb5/v8/iana/keyusage"
	"github.com/jcmturner/gokrb5/v8/keytab"
	"github.com/jcmturner/gokrb5/v8/messages"
	"github.com/jcmturner/gokrb5/v8/service"
	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"

	"github.com/tdswire/tdswire/krb5"
	"github.com/tdswire/tdswire/ntlm"
	"github.com/tdswire/tdswire/spnego"
	"github.com/tdswire/tdswire/tdsconn"
)

// Config is shared by the Servers of every login.
type Config struct {
	// Keytab holds the service's keys, for every SPN clients may ask for
	// (MSSQLSvc/host:port). Nil: Kerberos is not accepted (inside SPNEGO
	// the client is asked for NTLM instead when it offers it).
	Keytab *keytab.Keytab
	// NTLM verifies NTLM inside SPNEGO (and raw NTLM); nil: NTLM is not
	// accepted.
	NTLM *ntlm.Server
	// MaxClockSkew is the largest difference between the client's
	// authenticator time and the server's clock; 0 means five minutes
	// (RFC 4120 1.6's usual value).
	MaxClockSkew time.Duration
	// Logf, when set, gets one line per step.
	Logf func(format string, args ...any)
}

// LoadKeytab reads a keytab file (MIT format, as kadmin's ktadd writes it).
func LoadKeytab(path string) (*keytab.Keytab, error) {
	kt, err := keytab.Load(path)
	if err != nil {
		return nil, fmt.Errorf("krbauth: loading keytab %s: %w", path, err)
	}
	return kt, nil
}

// Error is a Kerberos login failure: the error code of RFC 4120 7.5.9 the
// server would answer with, the SPN the client's ticket was for, and what
// went wrong.
type Error struct {
	Code krb5.ErrorCode
	SPN  string // sname@realm of the ticket, "" when there was none
	Msg  string
	Err  error // the underlying failure (gokrb5's), may be nil
}

func (e *Error) Error() string {
	s := fmt.Sprintf("kerberos: %s (%s)", e.Code, e.Code.Meaning())
	if e.SPN != "" {
		s += " for " + e.SPN
	}
	s += ": " + e.Msg
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the underlying failure.
func (e *Error) Unwrap() error { return e.Err }

// ErrProtocol classifies SSPI blobs a Server cannot take: a mechanism it
// does not accept, a token out of turn, a malformed token.
var ErrProtocol = errors.New("krbauth: SSPI protocol")

type state uint8

const (
	stateStart          state = iota
	stateNTLMChalRaw          // raw NTLM: CHALLENGE sent, AUTHENTICATE expected raw
	stateNTLMNegSPNEGO        // SPNEGO: asked for NTLM, NEGOTIATE expected in a NegTokenResp
	stateNTLMChalSPNEGO       // SPNEGO: CHALLENGE sent, AUTHENTICATE expected in a NegTokenResp
	stateDone
)

// Server runs one login's SSPI exchange. It is not safe for concurrent use.
type Server struct {
	cfg  *Config
	st   state
	user string
	mech string // "KERBEROS" or "NTLM", as SQL Server's auth_scheme says
	neg  []byte // the NTLM NEGOTIATE, kept for Verify
	chal []byte // the NTLM CHALLENGE sent
}

// New returns a Server for one login.
func New(cfg *Config) *Server { return &Server{cfg: cfg} }

// User returns the authenticated principal once Step said done:
// "joe@TDSWIRE.TEST" for Kerberos, "DOMAIN\joe" for NTLM.
func (s *Server) User() string { return s.user }

// AuthScheme returns "KERBEROS" or "NTLM" once done, as SQL Server's
// sys.dm_exec_connections.auth_scheme says; "" before.
func (s *Server) AuthScheme() string { return s.mech }

func (s *Server) logf(format string, args ...any) {
	if s.cfg.Logf != nil {
		s.cfg.Logf(format, args...)
	}
}

// Step takes the client's next SSPI blob and returns the blob to send back
// (nil if none) and done=true once the client is authenticated.
func (s *Server) Step(ctx context.Context, in []byte) ([]byte, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	out, done, err := s.step(in)
	if err != nil {
		s.logf("krbauth: refused: %v", err)
	}
	return out, done, err
}

func (s *Server) step(in []byte) ([]byte, bool, error) {
	switch s.st {
	case stateStart:
		return s.first(in)
	case stateNTLMChalRaw:
		return s.ntlmAuthenticate(in, false)
	case stateNTLMNegSPNEGO, stateNTLMChalSPNEGO:
		var r spnego.NegTokenResp
		if err := r.Decode(in); err != nil {
			return nil, false, fmt.Errorf("%w: NegTokenResp expected: %w", ErrProtocol, err)
		}
		if s.st == stateNTLMNegSPNEGO {
			return s.ntlmChallenge(r.ResponseToken, true)
		}
		return s.ntlmAuthenticate(r.ResponseToken, true)
	}
	return nil, false, fmt.Errorf("%w: a token after the exchange ended", ErrProtocol)
}

func (s *Server) first(in []byte) ([]byte, bool, error) {
	blob, err := spnego.Classify(in)
	if err != nil {
		return nil, false, fmt.Errorf("%w: %w", ErrProtocol, err)
	}
	s.logf("krbauth: client sent %v", blob)
	switch blob.Kind {
	case spnego.KindKerberos:
		if s.cfg.Keytab == nil {
			return nil, false, fmt.Errorf("%w: Kerberos is not accepted (no keytab)", ErrProtocol)
		}
		rep, err := s.kerberos(blob.Token)
		if err != nil {
			return nil, false, err
		}
		return rep, true, nil
	case spnego.KindNTLM:
		return s.ntlmChallenge(in, false)
	case spnego.KindSPNEGOInit:
		return s.spnegoInit(blob)
	}
	return nil, false, fmt.Errorf("%w: %v is not accepted", ErrProtocol, blob.Kind)
}

// spnegoInit answers a NegTokenInit: the optimistic Kerberos token is
// verified and answered with accept-completed; an NTLM token, or no
// usable token when NTLM is offered, starts NTLM.
func (s *Server) spnegoInit(blob spnego.Blob) ([]byte, bool, error) {
	offered := blob.Init.MechTypes
	if blob.Mech.IsKerberos() && blob.TokenID == spnego.TokIDAPReq && s.cfg.Keytab != nil {
		rep, err := s.kerberos(blob.Token)
		if err != nil {
			return nil, false, err
		}
		// supportedMech is the OID the client listed for Kerberos (the
		// Microsoft one when it came first), as Windows answers.
		mech := spnego.MechKerberos.OID()
		for o := range offered.All() {
			if o.Mech().IsKerberos() {
				mech = o
				break
			}
		}
		resp := spnego.NegTokenResp{SupportedMech: mech, ResponseToken: rep}
		resp.SetNegState(spnego.AcceptCompleted)
		out, err := resp.Append(nil)
		return out, err == nil, err
	}
	if s.cfg.NTLM == nil || !offered.Contains(spnego.MechNTLM) {
		return nil, false, fmt.Errorf("%w: SPNEGO offered %v with a %v token; this server accepts %s", ErrProtocol, offered, blob.Mech, s.accepted())
	}
	if blob.Mech == spnego.MechNTLM {
		return s.ntlmChallenge(blob.Token, true)
	}
	// Ask for NTLM: accept-incomplete with supportedMech NTLM and no token;
	// the client's next NegTokenResp carries the NEGOTIATE.
	resp := spnego.NegTokenResp{SupportedMech: spnego.MechNTLM.OID()}
	resp.SetNegState(spnego.AcceptIncomplete)
	s.st = stateNTLMNegSPNEGO
	out, err := resp.Append(nil)
	return out, false, err
}

func (s *Server) accepted() string {
	var a []string
	if s.cfg.Keytab != nil {
		a = append(a, "Kerberos")
	}
	if s.cfg.NTLM != nil {
		a = append(a, "NTLM")
	}
	if len(a) == 0 {
		return "nothing"
	}
	return strings.Join(a, " and ")
}

func (s *Server) ntlmChallenge(negotiate []byte, wrapped bool) ([]byte, bool, error) {
	if s.cfg.NTLM == nil {
		return nil, false, fmt.Errorf("%w: NTLM is not accepted", ErrProtocol)
	}
	chal, err := s.cfg.NTLM.Challenge(nil, negotiate)
	if err != nil {
		return nil, false, fmt.Errorf("%w: NTLM NEGOTIATE: %w", ErrProtocol, err)
	}
	s.neg, s.chal = append([]byte(nil), negotiate...), chal
	if !wrapped {
		s.st = stateNTLMChalRaw
		return chal, false, nil
	}
	s.st = stateNTLMChalSPNEGO
	resp := spnego.NegTokenResp{SupportedMech: spnego.MechNTLM.OID(), ResponseToken: chal}
	resp.SetNegState(spnego.AcceptIncomplete)
	out, err := resp.Append(nil)
	return out, false, err
}

// ntlmAuthenticate verifies the AUTHENTICATE_MESSAGE. Inside SPNEGO the
// client's mechListMIC, if any, is not checked (that needs NTLM session
// security, which package ntlm leaves out); the final NegTokenResp carries
// accept-completed and no MIC.
func (s *Server) ntlmAuthenticate(auth []byte, wrapped bool) ([]byte, bool, error) {
	res, err := s.cfg.NTLM.Verify(s.neg, s.chal, auth)
	if err != nil {
		return nil, false, fmt.Errorf("krbauth: NTLM: %w", err)
	}
	s.user = res.User
	if res.Domain != "" {
		s.user = res.Domain + `\` + res.User
	}
	s.mech, s.st = "NTLM", stateDone
	s.logf("krbauth: NTLM verified for %s", s.user)
	if !wrapped {
		return nil, true, nil
	}
	var resp spnego.NegTokenResp
	resp.SetNegState(spnego.AcceptCompleted)
	out, err := resp.Append(nil)
	return out, err == nil, err
}

// kerberos verifies a Kerberos GSS-API token holding an AP-REQ and returns
// the AP-REP token to send back (nil when the client did not ask for
// mutual authentication).
func (s *Server) kerberos(tok []byte) ([]byte, error) {
	var g krb5.GSSToken
	if err := g.Decode(tok); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrProtocol, err)
	}
	if g.ID != krb5.TokAPReq {
		return nil, fmt.Errorf("%w: Kerberos %v where an AP-REQ was expected", ErrProtocol, g.ID)
	}
	var view krb5.APReq
	if err := view.Decode(g.Message); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrProtocol, err)
	}
	spn := view.Ticket.SPN()
	kvno, _ := view.Ticket.EncPart.KVNO()
	s.logf("krbauth: AP-REQ for %s, ticket %v kvno %d, authenticator %v, mutual %v",
		spn, view.Ticket.EncPart.EType, kvno, view.Authenticator.EType, view.Options.MutualRequired())
	if code, msg := s.checkKey(view); code != 0 {
		return nil, &Error{Code: code, SPN: spn, Msg: msg}
	}
	var req messages.APReq
	if err := req.Unmarshal(g.Message); err != nil {
		return nil, fmt.Errorf("%w: gokrb5 cannot read the AP-REQ: %w", ErrProtocol, err)
	}
	skew := s.cfg.MaxClockSkew
	if skew <= 0 {
		skew = 5 * time.Minute
	}
	settings := service.NewSettings(s.cfg.Keytab, service.MaxClockSkew(skew), service.DecodePAC(false))
	ok, creds, err := service.VerifyAPREQ(&req, settings)
	if err != nil || !ok {
		return nil, verifyError(spn, err)
	}
	s.user = creds.UserName() + "@" + creds.Domain()
	s.mech, s.st = "KERBEROS", stateDone
	s.logf("krbauth: Kerberos verified for %s", s.user)
	if !view.Options.MutualRequired() {
		return nil, nil
	}
	return apRep(&req)
}

// checkKey tells, before decrypting, why the keytab cannot open the
// ticket: no key for its SPN at all (the ticket is for another service),
// or not for its key version or encryption type.
func (s *Server) checkKey(req krb5.APReq) (krb5.ErrorCode, string) {
	var comps []string
	for c := range req.Ticket.SName.Components() {
		comps = append(comps, string(c))
	}
	want := strings.Join(comps, "/")
	realm := string(req.Ticket.Realm)
	kvno, hasKVNO := req.Ticket.EncPart.KVNO()
	var found, kvnoFound bool
	var have []string
	for _, e := range s.cfg.Keytab.Entries {
		if strings.Join(e.Principal.Components, "/") != want || e.Principal.Realm != realm {
			continue
		}
		found = true
		if !hasKVNO || e.KVNO == kvno {
			kvnoFound = true
			if e.Key.KeyType == int32(req.Ticket.EncPart.EType) {
				return 0, ""
			}
		}
		have = append(have, fmt.Sprintf("kvno %d %v", e.KVNO, krb5.EType(e.Key.KeyType)))
	}
	switch {
	case !found:
		return krb5.KRBAPErrNotUs, fmt.Sprintf("the keytab has no key for %s@%s: the ticket is for another service (the SPN is registered to another account, or the client asked for the wrong name)", want, realm)
	case !kvnoFound:
		return krb5.KRBAPErrBadkeyver, fmt.Sprintf("the ticket is encrypted with key version %d but the keytab has %s: the service's password changed after the keytab was made, or the keytab is stale", kvno, strings.Join(have, ", "))
	}
	return krb5.KRBAPErrNokey, fmt.Sprintf("the ticket is encrypted with %v but the keytab has %s", req.Ticket.EncPart.EType, strings.Join(have, ", "))
}

// verifyError turns gokrb5's verification failure into an *Error with the
// RFC 4120 code a service answers with.
func verifyError(spn string, err error) *Error {
	var ke messages.KRBError
	if errors.As(err, &ke) {
		e := &Error{Code: krb5.ErrorCode(ke.ErrorCode), SPN: spn, Msg: ke.EText, Err: err}
		switch e.Code {
		case krb5.KRBAPErrSkew:
			e.Msg = "the client's clock and the server's differ by more than the allowed skew: " + ke.EText
		case krb5.KRBAPErrTktExpired:
			e.Msg = "the service ticket has expired: the client must get a new one (kinit, or klist purge on Windows)"
		}
		return e
	}
	if err == nil {
		return &Error{Code: krb5.KRBErrGeneric, SPN: spn, Msg: "the AP-REQ did not verify"}
	}
	// gokrb5 reports a ticket it cannot decrypt as a decrypting error: the
	// key the KDC used is not the keytab's (RFC 4120 calls this
	// KRB_AP_ERR_MODIFIED).
	return &Error{Code: krb5.KRBAPErrModified, SPN: spn, Err: err,
		Msg: "the ticket does not decrypt with the keytab's key: the SPN is registered to another account, or is duplicated"}
}

// apRep builds the AP-REP (RFC 4120 5.5.2) for a verified AP-REQ: the
// EncAPRepPart with the authenticator's ctime and cusec and a fresh
// sequence number, encrypted in the ticket's session key (key usage 12),
// framed as a Kerberos GSS-API token with TOK_ID 02 00 (RFC 4121 4.1).
func apRep(req *messages.APReq) ([]byte, error) {
	var seq [4]byte
	if _, err := rand.Read(seq[:]); err != nil {
		return nil, err
	}
	seqNum := int64(binary.BigEndian.Uint32(seq[:]) & 0x3fffffff)
	b := cryptobyte.NewBuilder(nil)
	// EncAPRepPart ::= [APPLICATION 27] SEQUENCE { ctime [0], cusec [1],
	// subkey [2] OPTIONAL, seq-number [3] OPTIONAL }
	b.AddASN1(asn1.Tag(27|0x40).Constructed(), func(b *cryptobyte.Builder) {
		b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(asn1.Tag(0).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
				b.AddASN1(asn1.GeneralizedTime, func(b *cryptobyte.Builder) {
					b.AddBytes([]byte(req.Authenticator.CTime.UTC().Format("20060102150405Z")))
				})
			})
			b.AddASN1(asn1.Tag(1).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) { b.AddASN1Int64(int64(req.Authenticator.Cusec)) })
			b.AddASN1(asn1.Tag(3).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) { b.AddASN1Int64(seqNum) })
		})
	})
	plain, err := b.Bytes()
	if err != nil {
		return nil, err
	}
	ed, err := crypto.GetEncryptedData(plain, req.Ticket.DecryptedEncPart.Key, keyusage.AP_REP_ENCPART, 0)
	if err != nil {
		return nil, fmt.Errorf("krbauth: encrypting the AP-REP: %w", err)
	}
	rep := krb5.APRep{PVNO: 5, MsgType: krb5.MsgAPRep, EncPart: krb5.EncryptedData{EType: krb5.EType(ed.EType), Cipher: ed.Cipher}}
	msg, err := rep.Append(nil)
	if err != nil {
		return nil, err
	}
	return krb5.GSSToken{Mech: spnego.MechKerberos.OID(), ID: krb5.TokAPRep, Message: msg}.Append(nil)
}

// Server satisfies tdsconn's SSPIServer contract (and the example server's
// tdsserver.SSPIServer, which has the same methods).
var _ tdsconn.SSPIServer = (*Server)(nil)
