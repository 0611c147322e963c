package tdsconn

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/tdswire/tdswire/login7"
	"github.com/tdswire/tdswire/prelogin"
	"github.com/tdswire/tdswire/smp"
	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tds/request"
	"github.com/tdswire/tdswire/tds/sqltype"
	"github.com/tdswire/tdswire/tokens"
)

// SSPIClient is the client side of one SSPI exchange.
type SSPIClient interface {
	// Step is given the server's last token (nil on the first call,
	// whose result goes in LOGIN7's SSPI field) and returns the next
	// token to send, done=true when the client expects nothing more.
	Step(ctx context.Context, in []byte) (out []byte, done bool, err error)
}

// ClientConfig configures the client role. The zero value logs in
// without encryption, with SQL authentication of an empty user.
type ClientConfig struct {
	// Encryption is what the client asks for: EncryptionNone (or the
	// zero value, EncryptionUnknown) sends
	// ENCRYPT_NOT_SUP (no TLS at all), EncryptionLoginOnly ENCRYPT_OFF (the
	// login packet encrypted, or everything if the server requires it),
	// EncryptionFull ENCRYPT_ON, EncryptionStrict TLS first (TDS 8.0).
	// [MS-TDS] 2.2.6.5 decides the outcome, LoginResult.Encryption.
	Encryption Encryption
	// TLS configures the TLS client (ServerName, RootCAs, or
	// InsecureSkipVerify to trust any certificate). nil means an empty
	// configuration, which verifies the certificate against the system
	// roots for the host of the connection's remote address.
	TLS *tls.Config

	// User and Password are a SQL login; ignored when SSPI is set.
	User, Password string
	// SSPI, when set, runs integrated authentication (fIntSecurity):
	// see NTLMClient.
	SSPI SSPIClient

	// Database, Language, AppName, HostName, ServerName (the name the
	// client connected to) and ClientInterface go in LOGIN7 ([MS-TDS]
	// 2.2.6.4). HostName "" is the machine's name, ClientInterface ""
	// is "tdswire".
	Database, Language, AppName, HostName, ServerName, ClientInterface string
	// TDSVersion asked for in LOGIN7; 0 means 7.4 (8.0 in strict mode,
	// where the value is ignored, [MS-TDS] 1.7).
	TDSVersion tds.Version
	// PacketSize asked for in LOGIN7; 0 means tds.DefaultPacketSize.
	PacketSize int
	// FeatureExt is sent in LOGIN7 (TDS 7.4).
	FeatureExt login7.FeatureExt
	// Login7, when set, is the LOGIN7 to send, as is but for the SSPI
	// field and fIntSecurity (set from SSPI) and the TDS version in
	// strict mode; the fields above are then ignored. A proxy sends its
	// client's LOGIN7 this way.
	Login7 *login7.Login7

	// MARS asks for Multiple Active Result Sets in PRELOGIN; when
	// granted, StartMARS starts SMP. SMP configures it.
	MARS bool
	SMP  *smp.Config
	// Instance is the instance name sent in PRELOGIN's INSTOPT.
	Instance string

	// LoginTimeout bounds the whole login; 0 means DefaultLoginTimeout.
	LoginTimeout time.Duration
	// Trace, when set, is called for each step of the login as it
	// happens: each message sent or received, and the end of the TLS
	// handshake. It must not keep the payloads.
	Trace func(*TraceEvent)
	// MaxMessageSize bounds every message received (0:
	// tds.DefaultMaxMessageSize).
	MaxMessageSize int
}

// TraceEvent is one step of a login reported to ClientConfig.Trace.
type TraceEvent struct {
	// TLS is set for the end of a TLS handshake (the other fields are
	// then zero).
	TLS *tls.ConnectionState
	// Sent says whether the client sent the message (else it received
	// it). Header is the first packet's (for a sent message: the header
	// the Writer gave it), Packets the number of packets.
	Sent    bool
	Header  tds.Header
	Packets int
	// Payload is the message, a view valid during the call; nil for
	// LOGIN7, whose bytes hold the password.
	Payload []byte
}

// LoginResult summarises the server's PRELOGIN and login responses.
type LoginResult struct {
	Encryption Encryption
	TLS        *tls.ConnectionState // nil without TLS
	MARS       bool                 // granted in PRELOGIN
	// Prelogin is the server's PRELOGIN response (views valid for the
	// connection's life).
	Prelogin prelogin.Message

	TDSVersion  tds.Version // negotiated (LOGINACK, tokens.LoginAck.Negotiated)
	PacketSize  int         // negotiated (ENVCHANGE packet size), applied to the connection
	Database    string      // ENVCHANGE database
	Language    string      // ENVCHANGE language
	Collation   sqltype.Collation
	ProgName    string // LOGINACK ProgName, trailing NULs removed
	ProgVersion tokens.ProgVersion
	ServerName  string        // ServerName of the first INFO or ERROR token
	Infos       []ServerError // INFO tokens of the login response
	Errors      []ServerError // ERROR tokens of the login response
	// FeatureAcks are the FEATUREEXTACK options (data copied).
	FeatureAcks []tokens.FeatureAck
	// Routing is the routing ENVCHANGE (type 20 or 21), if the server
	// sent one: the client is to reconnect there.
	Routing *tokens.Routing
	// SSPIRounds counts the SSPI messages sent after LOGIN7.
	SSPIRounds int
	// Response is the login response token stream as received.
	Response []byte
}

// ClientConn is a logged-in client connection. Its embedded Stream sends
// requests and reads responses; with MARS, StartMARS and OpenStream give
// one Stream per SMP session.
type ClientConn struct {
	*Stream

	nc        net.Conn
	transport net.Conn
	res       *LoginResult
	cfg       *ClientConfig

	mu     sync.Mutex
	mux    *smp.Mux
	closed bool
}

// Result returns the login's summary.
func (c *ClientConn) Result() *LoginResult { return c.res }

// NetConn returns the connection given to Login.
func (c *ClientConn) NetConn() net.Conn { return c.nc }

// Dial connects to address over network ("tcp") and logs in (see Login).
// When cfg.TLS has no ServerName, the host of address is used.
func Dial(ctx context.Context, network, address string, cfg *ClientConfig) (*ClientConn, *LoginResult, error) {
	var d net.Dialer
	nc, err := d.DialContext(ctx, network, address)
	if err != nil {
		return nil, nil, errorf(PhaseConnect, err, "dialling %s", address)
	}
	if cfg == nil {
		cfg = &ClientConfig{}
	}
	if cfg.Encryption != EncryptionNone && (cfg.TLS == nil || cfg.TLS.ServerName == "") {
		c2 := *cfg
		if cfg.TLS != nil {
			c2.TLS = cfg.TLS.Clone()
		} else {
			c2.TLS = &tls.Config{}
		}
		if host, _, err := net.SplitHostPort(address); err == nil {
			c2.TLS.ServerName = host
		}
		cfg = &c2
	}
	return Login(ctx, nc, cfg)
}

// Login runs the client side of the login on nc: PRELOGIN (after TLS in
// strict mode), the TLS handshake the encryption outcome asks for, LOGIN7,
// the SSPI rounds, and the login response, within cfg.LoginTimeout and
// ctx. The negotiated packet size and TDS version are applied to the
// returned connection. A login the server refuses fails with an *Error
// that wraps ErrRefused and the server's first ERROR as a *ServerError;
// the LoginResult is returned with every error after PRELOGIN, holding
// what was learnt. On error nc is closed.
//
// After Login returns, ctx no longer applies; Close ends the connection.
func Login(ctx context.Context, nc net.Conn, cfg *ClientConfig) (*ClientConn, *LoginResult, error) {
	if cfg == nil {
		cfg = &ClientConfig{}
	}
	timeout := cfg.LoginTimeout
	if timeout <= 0 {
		timeout = DefaultLoginTimeout
	}
	deadline := time.Now().Add(timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	if err := nc.SetDeadline(deadline); err != nil {
		nc.Close()
		return nil, nil, errorf(PhaseConnect, err, "setting the login deadline")
	}
	stop := context.AfterFunc(ctx, func() { nc.SetDeadline(time.Unix(1, 0)) })
	c := &ClientConn{nc: nc, cfg: cfg, res: &LoginResult{}}
	err := c.login(ctx)
	if !stop() && err == nil {
		err = errorf(PhaseLogin, ctx.Err(), "context ended")
	}
	if err == nil {
		if e := nc.SetDeadline(time.Time{}); e != nil {
			err = errorf(PhaseLogin, e, "clearing the login deadline")
		}
	}
	if err != nil {
		nc.Close()
		if ce := ctx.Err(); ce != nil && !errors.Is(err, ce) {
			var e *Error
			if errors.As(err, &e) {
				e.Err = errors.Join(e.Err, ce)
			}
		}
		return nil, c.res, err
	}
	return c, c.res, nil
}

func (c *ClientConn) tlsConfig() *tls.Config {
	if c.cfg.TLS != nil {
		return c.cfg.TLS
	}
	t := &tls.Config{}
	if host, _, err := net.SplitHostPort(c.nc.RemoteAddr().String()); err == nil {
		t.ServerName = host
	}
	return t
}

func (c *ClientConn) login(ctx context.Context) error {
	cfg, res := c.cfg, c.res
	var transport net.Conn = c.nc
	if cfg.Encryption == EncryptionStrict {
		tcfg := c.tlsConfig().Clone()
		if !slices.Contains(tcfg.NextProtos, ALPN) {
			tcfg.NextProtos = append(tcfg.NextProtos, ALPN)
		}
		tc := tls.Client(c.nc, tcfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			return errorf(PhaseTLSHandshake, err, "TDS 8.0 TLS handshake")
		}
		cs := tc.ConnectionState()
		res.TLS, res.Encryption, transport = &cs, EncryptionStrict, tc
		c.traceTLS(&cs)
	}
	w, err := tds.NewWriter(transport, tds.DefaultPacketSize)
	if err != nil {
		return errorf(PhasePrelogin, err, "packet writer")
	}
	r := tds.NewReader(transport)
	r.SetMaxMessageSize(cmp0(cfg.MaxMessageSize, tds.DefaultMaxMessageSize))

	// PRELOGIN, [MS-TDS] 2.2.6.5.
	enc := prelogin.EncryptNotSup
	switch cfg.Encryption {
	case EncryptionLoginOnly:
		enc = prelogin.EncryptOff
	case EncryptionFull, EncryptionStrict: // ignored by the server in 8.0
		enc = prelogin.EncryptOn
	}
	pm := prelogin.Message{
		Present:    prelogin.HasVersion | prelogin.HasEncryption | prelogin.HasInstOpt | prelogin.HasThreadID | prelogin.HasMARS,
		Encryption: enc,
		ThreadID:   uint32(os.Getpid()),
		MARS:       cfg.MARS,
	}
	pm.SetInstanceName(cfg.Instance)
	b, err := pm.Append(nil)
	if err != nil {
		return errorf(PhasePrelogin, err, "encoding PRELOGIN")
	}
	c.traceSent(w, tds.PacketPrelogin, b)
	if err := w.WriteMessage(tds.PacketPrelogin, 0, b); err != nil {
		return errorf(PhasePrelogin, err, "writing PRELOGIN")
	}
	h, msg, err := r.ReadMessage()
	if err != nil {
		return errorf(PhasePrelogin, err, "reading the PRELOGIN response")
	}
	c.traceReceived(h, msg)
	if h.Type != tds.PacketResponse {
		return errorf(PhasePrelogin, tds.ErrUnexpected, "PRELOGIN answered with a %v message", h.Type)
	}
	if len(msg) > 0 && msg[0] == byte(tokens.TokenError) {
		// A refusal instead of a PRELOGIN response.
		return c.refusal(PhasePrelogin, msg, tds.Version74)
	}
	buf := bytes.Clone(msg)
	if err := res.Prelogin.Decode(buf); err != nil {
		return errorf(PhasePrelogin, err, "decoding the PRELOGIN response")
	}
	res.MARS = cfg.MARS && res.Prelogin.MARS

	loginOnly := false
	if cfg.Encryption != EncryptionStrict {
		switch out := prelogin.Negotiate(enc, res.Prelogin.Encryption); out {
		case prelogin.OutcomeNoEncryption:
			res.Encryption = EncryptionNone
		case prelogin.OutcomeLoginOnly, prelogin.OutcomeEntireConnection:
			tc, err := tds.ClientHandshake(ctx, transport, c.tlsConfig())
			if err != nil {
				return errorf(PhaseTLSHandshake, err, "TLS handshake inside PRELOGIN")
			}
			cs := tc.ConnectionState()
			res.TLS = &cs
			c.traceTLS(&cs)
			if err := w.Reset(tc); err != nil {
				return errorf(PhaseTLSHandshake, err, "packet writer")
			}
			if out == prelogin.OutcomeLoginOnly {
				res.Encryption, loginOnly = EncryptionLoginOnly, true
				// 3.2.5.3: the first LOGIN7 packet in TLS, the rest
				// and everything after in clear.
				if err := w.ResetAfterFirstPacket(transport); err != nil {
					return errorf(PhaseTLSHandshake, err, "packet writer")
				}
			} else {
				res.Encryption, transport = EncryptionFull, tc
				r.Reset(tc)
			}
		default:
			return errorf(PhasePrelogin, ErrEncryption, "client ENCRYPTION %v, server %v: terminated ([MS-TDS] 2.2.6.5)", enc, res.Prelogin.Encryption)
		}
	}

	// LOGIN7, [MS-TDS] 2.2.6.4.
	l := c.login7()
	var sspiDone bool
	if cfg.SSPI != nil {
		tok, done, err := cfg.SSPI.Step(ctx, nil)
		if err != nil {
			return errorf(PhaseSSPI, err, "first SSPI token")
		}
		l.SSPI, sspiDone = tok, done
		l.OptionFlags2 |= login7.FIntSecurity
		l.UserName, l.Password = nil, login7.Password{}
	}
	b, err = l.Append(nil)
	if err != nil {
		return errorf(PhaseLogin, err, "encoding LOGIN7")
	}
	if cfg.Login7 == nil {
		// Our own copy of the password: clear it once sent.
		defer clear(b)
	}
	c.traceSent(w, tds.PacketLogin7, b)
	if err := w.WriteMessage(tds.PacketLogin7, 0, b); err != nil {
		return errorf(PhaseLogin, err, "writing LOGIN7")
	}
	if loginOnly {
		if err := w.Reset(transport); err != nil {
			return errorf(PhaseLogin, err, "packet writer")
		}
	}
	reqV := l.TDSVersion
	if !reqV.AtLeast(tds.Version70) || reqV.AtLeast(tds.Version80) {
		reqV = tds.Version74
	}
	for round := 0; ; round++ {
		h, msg, err := r.ReadMessage()
		if err != nil {
			// The answer to LOGIN7 is the login's; the answer to an
			// SSPI message belongs to the SSPI exchange.
			if round > 0 {
				return errorf(PhaseSSPI, err, "reading the answer to SSPI message %d", round)
			}
			return errorf(PhaseLogin, err, "reading the login response")
		}
		c.traceReceived(h, msg)
		if h.Type != tds.PacketResponse {
			return errorf(PhaseLogin, tds.ErrUnexpected, "login answered with a %v message", h.Type)
		}
		sspi, acked, err := c.scanLogin(msg, reqV)
		if err != nil {
			return err
		}
		if acked {
			if sspi != nil && cfg.SSPI != nil && !sspiDone {
				if _, _, err := cfg.SSPI.Step(ctx, sspi); err != nil {
					return errorf(PhaseSSPI, err, "final SSPI token")
				}
			}
			break
		}
		if len(res.Errors) > 0 {
			return c.refusalErr(PhaseLogin)
		}
		if sspi == nil {
			return errorf(PhaseLogin, tds.ErrUnexpected, "login response has neither LOGINACK, ERROR nor SSPI")
		}
		if cfg.SSPI == nil || sspiDone {
			return errorf(PhaseSSPI, tds.ErrUnexpected, "unexpected SSPI token from the server")
		}
		if round+1 >= MaxSSPIRounds {
			return errorf(PhaseSSPI, tds.ErrUnexpected, "more than %d SSPI rounds", MaxSSPIRounds)
		}
		out, done, err := cfg.SSPI.Step(ctx, sspi)
		if err != nil {
			return errorf(PhaseSSPI, err, "SSPI round %d", round+1)
		}
		sspiDone = done
		sm := login7.SSPIMessage{Data: out}.Append(nil)
		c.traceSent(w, tds.PacketSSPI, sm)
		if err := w.WriteMessage(tds.PacketSSPI, 0, sm); err != nil {
			return errorf(PhaseSSPI, err, "writing SSPI message %d", round+1)
		}
		res.SSPIRounds++
	}
	if res.TDSVersion == 0 {
		return errorf(PhaseLogin, tds.ErrUnexpected, "no LOGINACK")
	}
	ps := res.PacketSize
	if ps == 0 {
		ps = int(l.PacketSize)
		if ps < tds.MinPacketSize || ps > tds.MaxPacketSize {
			ps = tds.DefaultPacketSize
		}
		res.PacketSize = ps
	}
	c.transport = transport
	c.Stream = newStream(transport, r, w, res.TDSVersion, PhaseLoggedIn)
	c.Stream.onClose = c.Close
	if err := c.Stream.SetPacketSize(ps); err != nil {
		return err
	}
	return nil
}

// traceSent reports a message about to be written with w.
func (c *ClientConn) traceSent(w *tds.Writer, t tds.PacketType, payload []byte) {
	if c.cfg.Trace == nil {
		return
	}
	room := w.PacketSize() - tds.HeaderLen
	n := max(1, (len(payload)+room-1)/room)
	h := tds.Header{Type: t, PacketID: tds.FirstPacketID, Length: uint16(tds.HeaderLen + min(len(payload), room))}
	if n == 1 {
		h.Status = tds.StatusEOM
	}
	if t == tds.PacketLogin7 {
		payload = nil
	}
	c.cfg.Trace(&TraceEvent{Sent: true, Header: h, Packets: n, Payload: payload})
}

func (c *ClientConn) traceReceived(h tds.Header, payload []byte) {
	if c.cfg.Trace != nil {
		c.cfg.Trace(&TraceEvent{Header: h, Packets: 1, Payload: payload})
	}
}

func (c *ClientConn) traceTLS(cs *tls.ConnectionState) {
	if c.cfg.Trace != nil {
		c.cfg.Trace(&TraceEvent{TLS: cs})
	}
}

// login7 returns the LOGIN7 to send.
func (c *ClientConn) login7() *login7.Login7 {
	cfg := c.cfg
	var l login7.Login7
	if cfg.Login7 != nil {
		l = *cfg.Login7
	} else {
		host := cfg.HostName
		if host == "" {
			host, _ = os.Hostname()
		}
		l = login7.Login7{
			TDSVersion:    cfg.TDSVersion,
			PacketSize:    uint32(cmp0(cfg.PacketSize, tds.DefaultPacketSize)),
			ClientProgVer: 0x00010000,
			ClientPID:     uint32(os.Getpid()),
			OptionFlags1:  login7.FUseDB | login7.FSetLang,
			OptionFlags2:  login7.FLanguage | login7.FODBC,
			HostName:      ucs2(host),
			UserName:      ucs2(cfg.User),
			Password:      login7.NewPassword(cfg.Password),
			AppName:       ucs2(cfg.AppName),
			ServerName:    ucs2(cfg.ServerName),
			CltIntName:    ucs2(or(cfg.ClientInterface, "tdswire")),
			Language:      ucs2(cfg.Language),
			Database:      ucs2(cfg.Database),
			FeatureExt:    cfg.FeatureExt,
		}
		if len(cfg.FeatureExt) > 0 {
			l.OptionFlags3 |= login7.FExtension
		}
		if l.TDSVersion == 0 {
			l.TDSVersion = tds.Version74
		}
	}
	if cfg.Encryption == EncryptionStrict {
		l.TDSVersion = tds.Version80
	}
	return &l
}

// scanLogin records the tokens of one login response message. It returns
// the SSPI token's buffer (copied), if any, and whether LOGINACK came.
func (c *ClientConn) scanLogin(msg []byte, v tds.Version) ([]byte, bool, error) {
	res := c.res
	res.Response = append(res.Response[:0], msg...)
	msg = res.Response
	s := tokens.NewScanner(msg, v)
	var sspi []byte
	acked := false
	for {
		t, err := s.Next()
		if err == io.EOF {
			return sspi, acked, nil
		}
		if err != nil {
			return nil, false, errorf(PhaseLogin, err, "decoding the login response")
		}
		switch t {
		case tokens.TokenSSPI:
			var x tokens.SSPI
			if err := s.SSPI(&x); err != nil {
				return nil, false, errorf(PhaseSSPI, err, "decoding the SSPI token")
			}
			sspi = bytes.Clone(x.Buffer)
			if sspi == nil {
				sspi = []byte{}
			}
		case tokens.TokenLoginAck:
			var a tokens.LoginAck
			if err := s.LoginAck(&a); err != nil {
				return nil, false, errorf(PhaseLogin, err, "decoding LOGINACK")
			}
			acked = true
			res.TDSVersion = a.Negotiated()
			res.ProgName = string(bytes.TrimRight([]byte(a.ProgName.String()), "\x00"))
			res.ProgVersion = a.ProgVersion
			s.SetVersion(res.TDSVersion)
		case tokens.TokenEnvChange:
			var e tokens.EnvChange
			if err := s.EnvChange(&e); err != nil {
				return nil, false, errorf(PhaseLogin, err, "decoding ENVCHANGE")
			}
			switch e.Type {
			case tokens.EnvDatabase:
				res.Database = e.NewString().String()
			case tokens.EnvLanguage:
				res.Language = e.NewString().String()
			case tokens.EnvSQLCollation:
				if coll, ok := e.Collation(); ok {
					res.Collation = coll
				}
			case tokens.EnvPacketSize:
				n, ok := e.PacketSize()
				if !ok {
					return nil, false, errorf(PhaseLogin, tds.ErrMalformed, "packet size ENVCHANGE %q is not a packet size", e.NewString().String())
				}
				res.PacketSize = n
			case tokens.EnvRouting, tokens.EnvEnhancedRouting:
				rt, ok := e.Routing()
				if !ok {
					return nil, false, errorf(PhaseLogin, tds.ErrMalformed, "routing ENVCHANGE is malformed")
				}
				res.Routing = &rt
			}
		case tokens.TokenInfo, tokens.TokenError:
			var m tokens.Message
			if err := s.Message(&m); err != nil {
				return nil, false, errorf(PhaseLogin, err, "decoding %v", t)
			}
			x := *m.Err()
			if res.ServerName == "" {
				res.ServerName = m.ServerName.String()
			}
			if t == tokens.TokenInfo {
				res.Infos = append(res.Infos, x)
			} else {
				res.Errors = append(res.Errors, x)
			}
		case tokens.TokenFeatureExtAck:
			var a tokens.FeatureExtAck
			if err := s.FeatureExtAck(&a); err != nil {
				return nil, false, errorf(PhaseLogin, err, "decoding FEATUREEXTACK")
			}
			for o := range a.Options() {
				res.FeatureAcks = append(res.FeatureAcks, tokens.FeatureAck{ID: o.ID, Data: bytes.Clone(o.Data)})
			}
		}
	}
}

// refusal records the ERROR tokens of msg and returns the refusal.
func (c *ClientConn) refusal(p Phase, msg []byte, v tds.Version) error {
	if _, _, err := c.scanLogin(msg, v); err != nil {
		return err
	}
	return c.refusalErr(p)
}

func (c *ClientConn) refusalErr(p Phase) error {
	if len(c.res.Errors) == 0 {
		return errorf(p, ErrRefused, "the server refused the login")
	}
	e := c.res.Errors[0]
	return &Error{Phase: p, Msg: "the server refused the login", Err: errors.Join(ErrRefused, &e)}
}

// SQLBatch sends text as a SQL batch with auto-commit ALL_HEADERS
// ([MS-TDS] 2.2.6.7); read the response with ReadMessage.
func (s *Stream) SQLBatch(text string) error {
	m := request.SQLBatch{Headers: request.AllHeaders{TransactionDescriptor: request.AutoCommit()}, SQLText: tds.UCS2(tds.AppendUCS2(nil, text))}
	b, err := m.Append(nil, s.v)
	if err != nil {
		return errorf(s.phase, err, "encoding the SQL batch")
	}
	return s.WriteMessage(tds.PacketSQLBatch, b)
}

// Cancel sends an ATTENTION and reads, discarding them, the messages
// that follow until the server's DONE with DONE_ATTN ([MS-TDS] 2.2.1.7,
// 3.2.5.5 "Sent Attention"). Nothing else may read the stream meanwhile.
// ctx bounds the wait: when it ends the stream is closed.
func (s *Stream) Cancel(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() { s.conn.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()
	if err := s.WriteAttention(); err != nil {
		return err
	}
	for {
		_, msg, err := s.ReadMessage()
		if err != nil {
			if ctx.Err() != nil {
				s.Close()
				return errorf(s.phase, errors.Join(ctx.Err(), err), "waiting for the attention acknowledgement")
			}
			return err
		}
		if hasDoneAttn(msg, s.v) {
			return nil
		}
	}
}

// hasDoneAttn reports whether the token stream msg has a DONE token
// with DONE_ATTN. A stream the Scanner cannot walk (rows of metadata
// from an earlier message) is searched from its end: the acknowledgement
// is the last token of its message.
func hasDoneAttn(msg []byte, v tds.Version) bool {
	s := tokens.NewScanner(msg, v)
	for {
		t, err := s.SkipTo(tokens.TokenDone)
		if err != nil {
			break
		}
		if t == tokens.TokenDone {
			var d tokens.Done
			if s.Done(&d) == nil && d.Status&tokens.DoneAttn != 0 {
				return true
			}
		}
	}
	n := tokens.DoneLen(v)
	if len(msg) >= n && msg[len(msg)-n] == byte(tokens.TokenDone) {
		if d, _, err := tokens.DecodeDone(msg[len(msg)-n:], v); err == nil {
			return d.Status&tokens.DoneAttn != 0
		}
	}
	return false
}

// MARS reports whether MARS was granted.
func (c *ClientConn) MARS() bool { return c.res.MARS }

// StartMARS starts SMP over the connection ([MC-SMP]): from now on
// requests go through the Streams of OpenStream, and the connection's
// own Stream is no longer used. It fails with ErrNoMARS when PRELOGIN did
// not grant MARS.
func (c *ClientConn) StartMARS() error {
	if !c.res.MARS {
		return errorf(PhaseMARS, ErrNoMARS, "MARS was not granted in PRELOGIN")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return errorf(PhaseMARS, ErrClosed, "connection closed")
	}
	if c.mux == nil {
		c.mux = smp.NewClient(c.transport, c.cfg.SMP)
	}
	return nil
}

// OpenStream opens an SMP session (starting SMP if needed) and returns
// its Stream, framed with the negotiated packet size and version.
func (c *ClientConn) OpenStream(ctx context.Context) (*Stream, error) {
	if err := c.StartMARS(); err != nil {
		return nil, err
	}
	c.mu.Lock()
	mux := c.mux
	c.mu.Unlock()
	sess, err := mux.Open(ctx)
	if err != nil {
		return nil, errorf(PhaseMARS, err, "opening an SMP session")
	}
	w, err := tds.NewWriter(sess, c.res.PacketSize)
	if err != nil {
		sess.Close()
		return nil, errorf(PhaseMARS, err, "packet writer")
	}
	r := tds.NewReader(sess)
	r.SetMaxMessageSize(cmp0(c.cfg.MaxMessageSize, tds.DefaultMaxMessageSize))
	if err := r.SetPacketSize(c.res.PacketSize); err != nil {
		sess.Close()
		return nil, errorf(PhaseMARS, err, "packet reader")
	}
	return newStream(sess, r, w, c.res.TDSVersion, PhaseMARS), nil
}

// Close closes the connection and the SMP multiplexer, if one runs (its
// goroutine has exited when Close returns).
func (c *ClientConn) Close() error {
	c.mu.Lock()
	c.closed = true
	m := c.mux
	c.mu.Unlock()
	var err error
	if m != nil {
		err = m.Close()
	}
	if cerr := c.nc.Close(); err == nil && !errors.Is(cerr, net.ErrClosed) {
		err = cerr
	}
	return err
}
