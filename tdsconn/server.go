package tdsconn

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/tdswire/tdswire/login7"
	"github.com/tdswire/tdswire/prelogin"
	"github.com/tdswire/tdswire/smp"
	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tds/sqltype"
	"github.com/tdswire/tdswire/tokens"
)

// SSPIServer runs the server side of one SSPI exchange (NTLM raw, SPNEGO,
// Kerberos), [MS-TDS] 3.3.5.5 and 2.2.6.8.
type SSPIServer interface {
	// Step is given each token the client sends (LOGIN7's SSPI field
	// first, then each SSPI message, packet type 0x11) and returns the
	// token to send back in an SSPI token (0xED) (nil if none), and
	// done=true once the client is authenticated. in is valid only
	// during the call. An error fails the login: the Server sends ERROR
	// 18452 (or the error's own number if it is a *ServerError) and
	// closes.
	Step(ctx context.Context, in []byte) (out []byte, done bool, err error)
	// User is the authenticated principal once done ("CONTOSO\\joe",
	// "joe@REALM").
	User() string
}

// Defaults of ServerConfig and ClientConfig.
const (
	// DefaultLoginTimeout bounds a whole login when the configuration
	// gives no LoginTimeout.
	DefaultLoginTimeout = 30 * time.Second
	// DefaultMaxLoginSize bounds the PRELOGIN, LOGIN7 and SSPI messages
	// a server reassembles during login: 256 KiB, room for a Kerberos
	// ticket with a large PAC.
	DefaultMaxLoginSize = 256 << 10
	// MaxSSPIRounds bounds the SSPI messages of one login.
	MaxSSPIRounds = 16
)

// ServerConfig configures the server role. The zero value serves
// unencrypted connections, grants no MARS and refuses every login (no
// CheckSQLLogin, no NewSSPI).
type ServerConfig struct {
	// TLS is the server's TLS configuration, with its certificate. nil:
	// encryption is not supported (PRELOGIN ENCRYPT_NOT_SUP) and TDS 8.0
	// strict clients cannot connect. Without a MaxVersion, the TDS 7.x
	// handshake inside PRELOGIN is capped at TLS 1.2, as SQL Server does
	// (FreeTDS, for one, cannot wrap a TLS 1.3 handshake in PRELOGIN
	// packets); TDS 8.0 uses the configuration as is.
	TLS *tls.Config
	// Encryption is the server's PRELOGIN setting when TLS is set
	// ([MS-TDS] 2.2.6.5, first table): prelogin.EncryptOff (the zero
	// value) encrypts the login only unless the client asks for more;
	// EncryptOn or EncryptReq force encryption of the entire connection.
	Encryption prelogin.Encryption
	// RequireStrict refuses TDS 7.x clients: only TDS 8.0 (TLS first)
	// connections are served.
	RequireStrict bool

	// CheckSQLLogin checks a SQL login (LOGIN7 without fIntSecurity). A
	// nil error accepts it; a *ServerError chooses what the client is
	// told; any other error refuses with 18456. nil refuses every SQL
	// login.
	CheckSQLLogin func(ctx context.Context, user string, password login7.Password) error
	// CheckLogin, when set, is used instead of CheckSQLLogin and is given
	// the whole LOGIN7 (password included, cleared after the call): a
	// proxy forwards it. Its errors refuse the login as CheckSQLLogin's.
	CheckLogin func(ctx context.Context, l *login7.Login7) error
	// NewSSPI starts the SSPI exchange of an integrated login (LOGIN7
	// with fIntSecurity). nil refuses integrated logins with 18452. See
	// NTLMServer.
	NewSSPI func(ctx context.Context, l *login7.Login7) (SSPIServer, error)
	// Authorize, if set, runs after authentication and before the login
	// response: it returns the database to report ("" keeps the one the
	// client asked for, or Database) or an error that refuses the login
	// (a *ServerError chooses the ERROR token, others send 18456).
	Authorize func(ctx context.Context, l *login7.Login7, user string) (database string, err error)

	// Response, when set, supplies the login response instead of the one
	// built from the fields below: the token stream, the TDS version it
	// acknowledges (tokens.LoginAck.Negotiated) and the packet size it
	// grants, which the connection then uses. A proxy relays its
	// upstream's response this way. An error refuses the login (a
	// *ServerError chooses the ERROR token).
	Response func(ctx context.Context, l *login7.Login7, user string) (*LoginResponse, error)

	// LoginTimeout bounds the whole login, from the first byte to the
	// login response (not reset by each read). 0 means
	// DefaultLoginTimeout. The context given to Accept bounds it too.
	LoginTimeout time.Duration
	// MinVersion is the oldest TDS version served (0: TDS 7.0).
	// MaxVersion is the newest answered in LOGINACK (0: TDS 7.4); a
	// client asking for a newer one, TDS 8.0 included, is answered at
	// MaxVersion ([MS-TDS] 2.2.6.4).
	MinVersion, MaxVersion tds.Version
	// DefaultPacketSize is granted to a client that asks for 0 (the
	// server's default): 0 means tds.DefaultPacketSize. MaxPacketSize
	// caps what a client may ask for: 0 means tds.MaxPacketSize.
	DefaultPacketSize, MaxPacketSize int
	// MaxLoginSize bounds each message during login (0:
	// DefaultMaxLoginSize); MaxMessageSize each message after it (0:
	// tds.DefaultMaxMessageSize).
	MaxLoginSize, MaxMessageSize int

	// ServerName is the ServerName of the ERROR and INFO tokens the
	// Server sends; "" means "tdswire".
	ServerName string
	// ProgName is LOGINACK's ProgName; "" means "Microsoft SQL Server"
	// (some clients look for "Microsoft" to tell SQL Server from Sybase).
	ProgName string
	// Version is the product version sent in PRELOGIN's VERSION and
	// LOGINACK's ProgVersion; zero means 16.0.4000.
	Version prelogin.Version
	// Database is reported when LOGIN7 names none; "" means "master".
	Database string
	// Language is reported in the language ENVCHANGE; "" means
	// "us_english".
	Language string
	// Collation is the collation ENVCHANGE's value (TDS 7.1 and later);
	// zero means SQL_Latin1_General_CP1_CI_AS (09 04 D0 00 34, [MS-TDS]
	// 4.3).
	Collation sqltype.Collation
	// SPID is the SPID of the packet headers the Server sends
	// ([MS-TDS] 2.2.3.1.4).
	SPID uint16

	// MARS grants Multiple Active Result Sets to clients that ask for
	// it in PRELOGIN; SMP configures the session multiplexer.
	MARS bool
	SMP  *smp.Config

	// AckFeature chooses which FeatureExt options of LOGIN7 are
	// acknowledged in FEATUREEXTACK ([MS-TDS] 2.2.7.11, TDS 7.4): for
	// each option the client sent it returns the acknowledgement data and
	// true. nil acknowledges none (no FEATUREEXTACK is sent).
	AckFeature func(f login7.Feature) (data []byte, ok bool)
	// Routing, when set, is sent as a routing ENVCHANGE (type 20,
	// [MS-TDS] 2.2.7.9) after LOGINACK: the client is told to reconnect
	// to Routing.AlternateServer:Port.
	Routing *tokens.Routing
}

func (c *ServerConfig) serverName() string { return or(c.ServerName, "tdswire") }

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// LoginResponse is a login response supplied by ServerConfig.Response.
type LoginResponse struct {
	Tokens     []byte      // the token stream, LOGINACK and DONE included
	Version    tds.Version // the version LOGINACK acknowledges, client-side form
	PacketSize int         // the packet size granted
}

// ALPN is the ALPN protocol of TDS 8.0, [MS-TDS] 1.9 and 2.1.
const ALPN = "tds/8.0"

// ServerConn is a logged-in connection on the server side. Its embedded
// Stream is the stream the login happened on; without MARS every request
// comes on it. With MARS, AcceptStream returns one Stream per SMP session.
type ServerConn struct {
	*Stream

	cfg *ServerConfig
	nc  net.Conn // the accepted connection
	// loginBuf is the client's LOGIN7, kept for the connection's life:
	// every field of login (the strings, SSPI, FeatureExt) is a view
	// into it, and Login hands those views out for that long (examples/
	// server/tdsserver reads and re-encodes them after the login). Copying
	// only some fields out would break that promise, and a client can put
	// all its bytes in fields anyway; MaxLoginSize bounds it. Its
	// password bytes are zeroed once checked.
	loginBuf []byte

	login      login7.Login7
	prelogin   prelogin.Message
	noPrelogin bool
	user       string
	database   string
	enc        Encryption
	tlsState   *tls.ConnectionState
	packetSize int

	marsGranted bool
	transport   net.Conn // what SMP runs over once logged in

	decideMu sync.Mutex // held while the first byte after login is read
	mu       sync.Mutex
	decided  bool // whether SMP was started is known
	mux      *smp.Mux
	handed   bool // the login stream was returned by AcceptStream
	closed   bool
	loginSMP bool // the login happened in an SMP session
}

// Login returns the client's LOGIN7. The password fields are cleared
// once checked; the other fields are views valid for the connection's
// life, so the connection keeps the LOGIN7 message (at most
// ServerConfig.MaxLoginSize bytes) until it is closed.
func (c *ServerConn) Login() *login7.Login7 { return &c.login }

// Prelogin returns the client's PRELOGIN message and true, or false for a
// client that sent LOGIN7 first.
func (c *ServerConn) Prelogin() (*prelogin.Message, bool) { return &c.prelogin, !c.noPrelogin }

// User returns the authenticated user: the SQL login name or the SSPI
// principal.
func (c *ServerConn) User() string { return c.user }

// Database returns the database the login response reported.
func (c *ServerConn) Database() string { return c.database }

// Encryption returns how the connection is encrypted.
func (c *ServerConn) Encryption() Encryption { return c.enc }

// TLSConnectionState returns the TLS state, or nil when no TLS was used.
func (c *ServerConn) TLSConnectionState() *tls.ConnectionState { return c.tlsState }

// MARS reports whether MARS was granted in PRELOGIN.
func (c *ServerConn) MARS() bool { return c.marsGranted }

// NetConn returns the accepted connection.
func (c *ServerConn) NetConn() net.Conn { return c.nc }

// Accept runs the server side of the login on nc: PRELOGIN, the TLS
// handshake, LOGIN7, the SSPI rounds and the login response, within
// cfg.LoginTimeout and ctx. It serves
//
//   - TDS 7.x clients, encrypting as the PRELOGIN tables say ([MS-TDS]
//     2.2.6.5): nothing, the login packet only, or everything;
//   - TDS 8.0 strict clients, whose first byte is a TLS handshake record
//     (0x16): TLS first, with ALPN tds/8.0, then PRELOGIN inside it
//     ([MS-TDS] 2.1, 3.3.5.1);
//   - clients whose first message is LOGIN7 with no PRELOGIN (TDS 7.0
//     and some older drivers), without encryption, unless the
//     configuration forces encryption;
//   - TDS 7.0 to 7.4 and 8.0 in LOGIN7, answered at the lower of the
//     client's and MaxVersion.
//
// Every refusal (a failed login, a malformed or misplaced message, a
// client that cannot meet the encryption the server requires) is
// answered with an ERROR token and DONE before nc is closed, except where
// the client can no longer read one: a TLS handshake that failed, or
// ENCRYPTION values that [MS-TDS] 2.2.6.5 says terminate, for which the
// PRELOGIN response is the answer. On error nc is closed and the *Error
// names the phase; errors.Is(err, ErrRefused) tells a refusal.
//
// After Accept returns, ctx no longer applies; Close ends the connection.
func Accept(ctx context.Context, nc net.Conn, cfg *ServerConfig) (*ServerConn, error) {
	if cfg == nil {
		cfg = &ServerConfig{}
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
		return nil, errorf(PhaseConnect, err, "setting the login deadline")
	}
	stop := context.AfterFunc(ctx, func() { nc.SetDeadline(time.Unix(1, 0)) })
	c := &ServerConn{cfg: cfg, nc: nc, decided: true}
	err := c.accept(ctx)
	if !stop() && err == nil {
		err = errorf(PhaseLogin, ctx.Err(), "context ended")
	}
	if err != nil {
		c.abort()
		if ce := ctx.Err(); ce != nil && !errors.Is(err, ce) {
			var e *Error
			if errors.As(err, &e) {
				e.Err = errors.Join(e.Err, ce)
			}
		}
		return nil, err
	}
	if err := nc.SetDeadline(time.Time{}); err != nil {
		c.abort()
		return nil, errorf(PhaseLogin, err, "clearing the login deadline")
	}
	return c, nil
}

func (c *ServerConn) abort() {
	c.mu.Lock()
	m := c.mux
	c.mu.Unlock()
	if m != nil {
		m.Close()
	}
	c.nc.Close()
}

// loginIO is the reader and writer of the login phase.
type loginIO struct {
	r    *tds.Reader
	w    *tds.Writer
	conn net.Conn
}

func (c *ServerConn) newIO(r io.Reader, w io.Writer, conn net.Conn) (loginIO, error) {
	tw, err := tds.NewWriter(w, tds.DefaultPacketSize)
	if err != nil {
		return loginIO{}, errorf(PhaseLogin, err, "packet writer")
	}
	tw.SetSPID(c.cfg.SPID)
	tr := tds.NewReader(r)
	tr.SetMaxMessageSize(cmp0(c.cfg.MaxLoginSize, DefaultMaxLoginSize))
	return loginIO{r: tr, w: tw, conn: conn}, nil
}

func cmp0(v, def int) int {
	if v <= 0 {
		return def
	}
	return v
}

func (c *ServerConn) accept(ctx context.Context) error {
	cfg := c.cfg
	first, conn, err := peek(c.nc)
	if err != nil {
		return errorf(PhasePrelogin, err, "reading the first byte")
	}
	var lio loginIO
	switch first {
	case 0x16: // a TLS handshake record: TDS 8.0
		if cfg.TLS == nil {
			// No TLS to answer with, and a TLS client cannot read a
			// TDS ERROR in clear.
			return errorf(PhaseTLSHandshake, ErrEncryption, "the client starts TLS (TDS 8.0 strict) and the server has no TLS configuration")
		}
		tc := tls.Server(conn, strictConfig(cfg.TLS))
		if err := tc.HandshakeContext(ctx); err != nil {
			return errorf(PhaseTLSHandshake, err, "TDS 8.0 TLS handshake")
		}
		cs := tc.ConnectionState()
		if p := cs.NegotiatedProtocol; p != "" && p != ALPN {
			return errorf(PhaseTLSHandshake, tds.ErrUnexpected, "ALPN %q, want %q", p, ALPN)
		}
		c.tlsState, c.enc, c.transport = &cs, EncryptionStrict, tc
		if lio, err = c.newIO(tc, tc, tc); err != nil {
			return err
		}
		if err := c.readPrelogin(lio); err != nil {
			return err
		}
		if lio, err = c.afterPrelogin(ctx, lio); err != nil {
			return err
		}
	case byte(tds.PacketPrelogin):
		if lio, err = c.newIO(conn, conn, conn); err != nil {
			return err
		}
		c.transport = conn
		if err := c.readPrelogin(lio); err != nil {
			return err
		}
		if cfg.RequireStrict {
			return c.refuse(lio, PhasePrelogin, tds.Version74, ErrNumLoginFailed, 14, "This server requires TDS 8.0 (strict encryption).", nil)
		}
		if lio, err = c.answerPrelogin(ctx, lio); err != nil {
			return err
		}
	case byte(tds.PacketLogin7):
		c.noPrelogin = true
		c.transport = conn
		if lio, err = c.newIO(conn, conn, conn); err != nil {
			return err
		}
		if cfg.RequireStrict || cfg.TLS != nil && cfg.Encryption.Setting() != prelogin.EncryptOff {
			return c.refuse(lio, PhaseLogin, tds.Version74, ErrNumLoginFailed, 14, "The server requires encryption; the client sent LOGIN7 without PRELOGIN.", nil)
		}
	default:
		if lio, err = c.newIO(conn, conn, conn); err != nil {
			return err
		}
		return c.refuse(lio, PhasePrelogin, tds.Version74, ErrNumBadLogin, 20,
			"The login packet used to open the connection is structurally invalid; the connection has been closed.",
			fmt.Errorf("%w: first byte 0x%02x is neither TLS, PRELOGIN nor LOGIN7", tds.ErrUnexpected, first))
	}
	return c.serveLogin(ctx, lio)
}

// strictConfig adds the TDS 8.0 ALPN protocol to a copy of cfg.
func strictConfig(cfg *tls.Config) *tls.Config {
	cfg = cfg.Clone()
	if !slices.Contains(cfg.NextProtos, ALPN) {
		cfg.NextProtos = append(cfg.NextProtos, ALPN)
	}
	return cfg
}

// readPrelogin reads and decodes the client's PRELOGIN.
func (c *ServerConn) readPrelogin(lio loginIO) error {
	h, msg, err := lio.r.ReadMessage()
	if err != nil {
		return errorf(PhasePrelogin, err, "reading PRELOGIN")
	}
	if h.Type != tds.PacketPrelogin {
		return c.refuse(lio, PhasePrelogin, tds.Version74, ErrNumBadLogin, 20,
			"The login packet used to open the connection is structurally invalid; the connection has been closed.",
			fmt.Errorf("%w: first message is %v, want PRELOGIN", tds.ErrUnexpected, h.Type))
	}
	buf := bytes.Clone(msg)
	if err := c.prelogin.Decode(buf); err != nil {
		return c.refuse(lio, PhasePrelogin, tds.Version74, ErrNumBadLogin, 20,
			"The login packet used to open the connection is structurally invalid; the connection has been closed.", err)
	}
	return nil
}

// preloginAnswer is the server's PRELOGIN response.
func (c *ServerConn) preloginAnswer(enc prelogin.Encryption) ([]byte, error) {
	v := c.cfg.Version
	if v == (prelogin.Version{}) {
		v = defaultProgVersion
	}
	m := prelogin.Message{
		Present:    prelogin.HasVersion | prelogin.HasEncryption | prelogin.HasInstOpt | prelogin.HasThreadID | prelogin.HasMARS,
		Version:    v,
		Encryption: enc,
		Instance:   []byte{prelogin.InstanceMatch},
		// 2.2.6.5: THREADID "SHOULD be empty when being sent from the
		// server to the client".
		ThreadIDEmpty: true,
		MARS:          c.marsGranted,
	}
	if c.prelogin.Present&prelogin.HasFedAuthRequired != 0 {
		// 3.3.5.1: no FEDAUTHREQUIRED and 0x00 are equivalent; say so
		// explicitly to a client that asked.
		m.Present |= prelogin.HasFedAuthRequired
	}
	return m.Append(nil)
}

var defaultProgVersion = prelogin.Version{Major: 16, Minor: 0, Build: 4000}

// afterPrelogin answers PRELOGIN inside TDS 8.0 TLS. The client's
// ENCRYPTION is ignored ([MS-TDS] 2.2.6.5); the answer says
// ENCRYPT_NOT_SUP: no TDS 7.x handshake follows.
func (c *ServerConn) afterPrelogin(ctx context.Context, lio loginIO) (loginIO, error) {
	c.marsGranted = c.cfg.MARS && c.prelogin.MARS
	b, err := c.preloginAnswer(prelogin.EncryptNotSup)
	if err != nil {
		return lio, errorf(PhasePrelogin, err, "encoding the PRELOGIN response")
	}
	if err := lio.w.WriteMessage(tds.PacketResponse, 0, b); err != nil {
		return lio, errorf(PhasePrelogin, err, "writing the PRELOGIN response")
	}
	return c.maybeSMP(ctx, lio)
}

// answerPrelogin answers a TDS 7.x PRELOGIN and runs the TLS handshake
// the tables of [MS-TDS] 2.2.6.5 call for.
func (c *ServerConn) answerPrelogin(ctx context.Context, lio loginIO) (loginIO, error) {
	cfg := c.cfg
	setting := cfg.Encryption
	if cfg.TLS == nil {
		setting = prelogin.EncryptNotSup
	}
	resp, terminate := prelogin.ServerResponse(c.prelogin.Encryption, setting)
	c.marsGranted = cfg.MARS && c.prelogin.MARS && !terminate
	b, err := c.preloginAnswer(resp)
	if err != nil {
		return lio, errorf(PhasePrelogin, err, "encoding the PRELOGIN response")
	}
	if err := lio.w.WriteMessage(tds.PacketResponse, 0, b); err != nil {
		return lio, errorf(PhasePrelogin, err, "writing the PRELOGIN response")
	}
	if terminate {
		return lio, errorf(PhasePrelogin, fmt.Errorf("%w: %w", ErrRefused, ErrEncryption),
			"client ENCRYPTION %v, server %v: answered %v and terminated ([MS-TDS] 2.2.6.5)", c.prelogin.Encryption, setting, resp)
	}
	tcfg := cfg.TLS
	if tcfg != nil && tcfg.MaxVersion == 0 {
		// TLS inside PRELOGIN: TLS 1.2 unless the configuration says
		// otherwise, as SQL Server negotiates for TDS 7.x. With TLS 1.3
		// clients disagree on which handshake records still travel in
		// PRELOGIN packets (FreeTDS sends its Finished as a bare
		// record), and the server's session tickets outlive the
		// client's handshake (see tds.TLSHandshakeConn).
		tcfg = tcfg.Clone()
		tcfg.MaxVersion = tls.VersionTLS12
	}
	switch prelogin.Negotiate(c.prelogin.Encryption, resp) {
	case prelogin.OutcomeNoEncryption:
		c.enc = EncryptionNone
		return c.maybeSMP(ctx, lio)
	case prelogin.OutcomeLoginOnly:
		tc, err := tds.ServerHandshake(ctx, lio.conn, tcfg)
		if err != nil {
			return lio, errorf(PhaseTLSHandshake, err, "TLS handshake inside PRELOGIN")
		}
		cs := tc.ConnectionState()
		c.tlsState, c.enc = &cs, EncryptionLoginOnly
		// 3.2.5.3: the first LOGIN7 packet in TLS, the rest in clear;
		// the Reader switches at that packet boundary.
		lio.r.Reset(tc)
		lio.r.ResetAfterFirstPacket(lio.conn)
		return lio, nil
	case prelogin.OutcomeEntireConnection:
		tc, err := tds.ServerHandshake(ctx, lio.conn, tcfg)
		if err != nil {
			return lio, errorf(PhaseTLSHandshake, err, "TLS handshake inside PRELOGIN")
		}
		cs := tc.ConnectionState()
		c.tlsState, c.enc, c.transport = &cs, EncryptionFull, tc
		lio.r.Reset(tc)
		if err := lio.w.Reset(tc); err != nil {
			return lio, errorf(PhaseTLSHandshake, err, "packet writer")
		}
		lio.conn = tc
		return c.maybeSMP(ctx, lio)
	}
	return lio, errorf(PhasePrelogin, ErrEncryption, "client ENCRYPTION %v, server %v", c.prelogin.Encryption, resp)
}

// maybeSMP handles a MARS client that starts SMP right after PRELOGIN
// and sends LOGIN7 in its first session: 0x53 (SMID) is never a TDS
// packet type, so one byte tells ([MC-SMP] 2.2.1).
func (c *ServerConn) maybeSMP(ctx context.Context, lio loginIO) (loginIO, error) {
	if !c.marsGranted {
		return lio, nil
	}
	b, conn, err := peek(lio.conn)
	if err != nil {
		return lio, errorf(PhaseLogin, err, "reading LOGIN7")
	}
	c.transport = conn
	lio.conn = conn
	lio.r.Reset(conn)
	if err := lio.w.Reset(conn); err != nil {
		return lio, errorf(PhaseLogin, err, "packet writer")
	}
	if b != smp.SMID {
		return lio, nil
	}
	mux := smp.NewServer(conn, c.cfg.SMP)
	c.mu.Lock()
	c.mux, c.loginSMP = mux, true
	c.mu.Unlock()
	sess, err := mux.Accept(ctx)
	if err != nil {
		return lio, errorf(PhaseMARS, err, "accepting the login's SMP session")
	}
	return c.newIO(sess, sess, sess)
}

// serveLogin reads LOGIN7, authenticates and answers.
func (c *ServerConn) serveLogin(ctx context.Context, lio loginIO) error {
	cfg := c.cfg
	h, msg, err := lio.r.ReadMessage()
	if err != nil {
		return errorf(PhaseLogin, err, "reading LOGIN7")
	}
	const bad = "The login packet used to open the connection is structurally invalid; the connection has been closed."
	if h.Type != tds.PacketLogin7 {
		return c.refuse(lio, PhaseLogin, tds.Version74, ErrNumBadLogin, 20, bad,
			fmt.Errorf("%w: message after PRELOGIN is %v, want LOGIN7", tds.ErrUnexpected, h.Type))
	}
	c.loginBuf = bytes.Clone(msg)
	l := &c.login
	if err := l.Decode(c.loginBuf); err != nil {
		return c.refuse(lio, PhaseLogin, tds.Version74, ErrNumBadLogin, 20, bad, err)
	}
	v, ok := c.negotiateVersion(l.TDSVersion)
	if !ok {
		return c.refuse(lio, PhaseLogin, tds.Version74, ErrNumBadLogin, 20, bad,
			fmt.Errorf("%w: TDS version %v is not served", tds.ErrUnsupported, l.TDSVersion))
	}
	ps := int(l.PacketSize)
	if ps == 0 {
		ps = cmp0(cfg.DefaultPacketSize, tds.DefaultPacketSize)
	}
	ps = max(tds.MinPacketSize, min(ps, cmp0(cfg.MaxPacketSize, tds.MaxPacketSize), tds.MaxPacketSize))

	var finalToken []byte
	if l.OptionFlags2.IntegratedSecurity() {
		user, final, err := c.runSSPI(ctx, lio, v)
		if err != nil {
			return err
		}
		c.user = user
		if len(final) > 0 {
			// The last SSPI token (a Kerberos AP-REP, an SPNEGO
			// accept-completed) goes in a response of its own, before
			// the login response: go-mssqldb stops reading a response at
			// its SSPI token, so LOGINACK in the same message would be
			// lost to it and the login would hang.
			tok, err := tokens.SSPI{Buffer: final}.Append(nil)
			if err != nil {
				return errorf(PhaseSSPI, err, "encoding the last SSPI token")
			}
			if err := lio.w.WriteMessage(tds.PacketResponse, 0, tok); err != nil {
				return errorf(PhaseSSPI, err, "writing the last SSPI token")
			}
		}
	} else {
		c.user = l.UserName.String()
		err := errNoSQLLogins
		if cfg.CheckLogin != nil {
			err = cfg.CheckLogin(ctx, l)
		} else if cfg.CheckSQLLogin != nil {
			err = cfg.CheckSQLLogin(ctx, c.user, l.Password)
		}
		clear(l.Password.Bytes())
		clear(l.ChangePassword.Bytes())
		l.Password, l.ChangePassword = login7.Password{}, login7.Password{}
		if err != nil {
			return c.refuseWith(lio, PhaseLogin, v, err, ErrNumLoginFailed, "Login failed for user '"+c.user+"'.")
		}
	}
	c.database = or(l.Database.String(), or(cfg.Database, "master"))
	if cfg.Authorize != nil {
		db, err := cfg.Authorize(ctx, l, c.user)
		if err != nil {
			return c.refuseWith(lio, PhaseLogin, v, err, ErrNumLoginFailed, "Login failed for user '"+c.user+"'.")
		}
		if db != "" {
			c.database = db
		}
	}
	var b []byte
	if cfg.Response != nil {
		r, err := cfg.Response(ctx, l, c.user)
		if err == nil && (r == nil || !r.Version.AtLeast(tds.Version70) || r.PacketSize < tds.MinPacketSize || r.PacketSize > tds.MaxPacketSize) {
			err = errors.New("Response returned no usable login response")
		}
		if err != nil {
			return c.refuseWith(lio, PhaseLogin, v, err, ErrNumLoginFailed, "Login failed for user '"+c.user+"'.")
		}
		b, v, ps = r.Tokens, r.Version, r.PacketSize
	} else {
		var err error
		if b, err = c.appendLoginResponse(nil, v, ps, finalToken); err != nil {
			return errorf(PhaseLogin, err, "encoding the login response")
		}
	}
	if err := lio.w.WriteMessage(tds.PacketResponse, 0, b); err != nil {
		return errorf(PhaseLogin, err, "writing the login response")
	}
	c.packetSize = ps
	c.Stream = newStream(lio.conn, lio.r, lio.w, v, PhaseLoggedIn)
	c.Stream.onClose = c.Close
	lio.r.Reset(lio.conn) // in login-only mode the Reader has already switched
	lio.r.SetMaxMessageSize(cmp0(cfg.MaxMessageSize, tds.DefaultMaxMessageSize))
	if err := c.Stream.SetPacketSize(ps); err != nil {
		return err
	}
	if c.marsGranted && !c.loginSMP {
		c.mu.Lock()
		c.decided = false
		c.mu.Unlock()
	}
	if c.loginSMP {
		c.Stream.onClose = func() error { return lio.conn.Close() }
	}
	return nil
}

var errNoSQLLogins = errors.New("SQL logins are not accepted")

// knownVersions are the TDS 7.x versions of [MS-TDS] 2.2.6.4, oldest
// first.
var knownVersions = []tds.Version{tds.Version70, tds.Version71, tds.Version71Rev1, tds.Version72, tds.Version73A, tds.Version73B, tds.Version74}

// negotiateVersion returns the version the connection uses: the newest
// known version not above the client's nor MaxVersion.
func (c *ServerConn) negotiateVersion(cv tds.Version) (tds.Version, bool) {
	maxV := c.cfg.MaxVersion
	if maxV == 0 || maxV.AtLeast(tds.Version74) {
		maxV = tds.Version74
	}
	minV := c.cfg.MinVersion
	if minV == 0 {
		minV = tds.Version70
	}
	if c.enc == EncryptionStrict {
		// [MS-TDS] 1.7: in TDS 8.0 the LOGIN7 version "ought to be
		// ignored".
		cv = tds.Version80
	}
	if !cv.AtLeast(tds.Version70) || !cv.AtLeast(minV) {
		return 0, false
	}
	if cv.AtLeast(maxV) {
		cv = maxV
	}
	v := tds.Version(0)
	for _, k := range knownVersions {
		if cv.AtLeast(k) {
			v = k
		}
	}
	return v, v != 0 && v.AtLeast(minV)
}

// runSSPI runs the SSPI rounds: LOGIN7's token first, then each SSPI
// message, until the SSPIServer is done. It returns the principal and the
// last token to send with the login response.
func (c *ServerConn) runSSPI(ctx context.Context, lio loginIO, v tds.Version) (string, []byte, error) {
	const untrusted = "Login failed. The login is from an untrusted domain and cannot be used with Integrated authentication."
	if c.cfg.NewSSPI == nil {
		return "", nil, c.refuseWith(lio, PhaseSSPI, v, errors.New("integrated authentication is not configured"), ErrNumUntrustedDomain, untrusted)
	}
	s, err := c.cfg.NewSSPI(ctx, &c.login)
	if err != nil {
		return "", nil, c.refuseWith(lio, PhaseSSPI, v, err, ErrNumUntrustedDomain, untrusted)
	}
	in := c.login.SSPI
	var tok []byte
	for round := 0; ; round++ {
		out, done, err := s.Step(ctx, in)
		if err != nil {
			return "", nil, c.refuseWith(lio, PhaseSSPI, v, err, ErrNumUntrustedDomain, untrusted)
		}
		if done {
			return s.User(), out, nil
		}
		if len(out) == 0 {
			return "", nil, c.refuseWith(lio, PhaseSSPI, v, errors.New("SSPI step returned no token before authentication was done"), ErrNumUntrustedDomain, untrusted)
		}
		if round+1 >= MaxSSPIRounds {
			return "", nil, c.refuseWith(lio, PhaseSSPI, v, fmt.Errorf("%w: more than %d SSPI rounds", tds.ErrUnexpected, MaxSSPIRounds), ErrNumUntrustedDomain, untrusted)
		}
		if tok, err = (tokens.SSPI{Buffer: out}).Append(tok[:0]); err != nil {
			return "", nil, errorf(PhaseSSPI, err, "encoding SSPI token %d", round+1)
		}
		if err := lio.w.WriteMessage(tds.PacketResponse, 0, tok); err != nil {
			return "", nil, errorf(PhaseSSPI, err, "writing SSPI token %d", round+1)
		}
		h, msg, err := lio.r.ReadMessage()
		if err != nil {
			return "", nil, errorf(PhaseSSPI, err, "reading SSPI message %d", round+1)
		}
		var m login7.SSPIMessage
		if h.Type != tds.PacketSSPI {
			err = fmt.Errorf("%w: %v message during the SSPI exchange, want SSPI", tds.ErrUnexpected, h.Type)
		} else {
			err = m.Decode(msg)
		}
		if err != nil {
			return "", nil, c.refuseWith(lio, PhaseSSPI, v, err, ErrNumBadLogin, "The login packet used to open the connection is structurally invalid; the connection has been closed.")
		}
		in = m.Data
	}
}

// refuseWith refuses the login because of cause: with cause's own
// ERROR if it is (or wraps) a *ServerError, else with number and msg.
func (c *ServerConn) refuseWith(lio loginIO, p Phase, v tds.Version, cause error, number int32, msg string) error {
	var se *ServerError
	if errors.As(cause, &se) {
		return c.refuse(lio, p, v, se.Number, se.Class, se.Message, cause)
	}
	return c.refuse(lio, p, v, number, 14, msg, cause)
}

// refuse sends ERROR and DONE (DONE_ERROR) in a response message and
// returns the error that ends the connection.
func (c *ServerConn) refuse(lio loginIO, p Phase, v tds.Version, number int32, class uint8, msg string, cause error) error {
	se := &ServerError{Number: number, State: 1, Class: class, Message: msg}
	var werr error
	b, encErr := tokens.Message{Number: number, State: 1, Class: class, MsgText: ucs2(msg), ServerName: ucs2(c.cfg.serverName()), LineNumber: 1}.Append(nil, v)
	if encErr != nil {
		// A message or server name too long for the token: refuse with
		// the bare number rather than not at all.
		werr = fmt.Errorf("encoding the refusal: %w", encErr)
		b, _ = tokens.Message{Number: number, State: 1, Class: class, LineNumber: 1}.Append(nil, v)
	}
	b = tokens.Done{Status: tokens.DoneError}.Append(b, v)
	if err := lio.w.WriteMessage(tds.PacketResponse, 0, b); err != nil {
		werr = errors.Join(werr, fmt.Errorf("sending the refusal: %w", err))
	}
	err := errors.Join(ErrRefused, se)
	if cause != nil {
		err = errors.Join(err, cause)
	}
	if werr != nil {
		err = errors.Join(err, werr)
	}
	return &Error{Phase: p, Msg: "refused with error " + strconv.Itoa(int(number)), Err: err}
}

// ucs2 converts s to UTF-16LE.
func ucs2(s string) tds.UCS2 { return tds.UCS2(tds.AppendUCS2(nil, s)) }

// defaultCollation is SQL_Latin1_General_CP1_CI_AS, the collation
// ENVCHANGE of the login response example of [MS-TDS] 4.3 (09 04 D0 00
// 34): LCID 0x0409, IgnoreCase, IgnoreKana, IgnoreWidth, sort ID 52.
var defaultCollation = sqltype.Collation{0x09, 0x04, 0xD0, 0x00, 0x34}

// appendLoginResponse appends the token stream of a successful login in
// the order of [MS-TDS] 4.3: SSPI (the last token of an exchange, if
// any), database ENVCHANGE and INFO 5701, collation ENVCHANGE (TDS 7.1
// and later), language ENVCHANGE and INFO 5703, LOGINACK, FEATUREEXTACK
// (TDS 7.4, when some feature is acknowledged), packet size ENVCHANGE,
// routing ENVCHANGE (when configured), DONE.
func (c *ServerConn) appendLoginResponse(b []byte, v tds.Version, ps int, sspi []byte) ([]byte, error) {
	cfg := c.cfg
	var err error
	step := func(f func([]byte) ([]byte, error)) {
		if err == nil {
			b, err = f(b)
		}
	}
	sn := ucs2(cfg.serverName())
	if len(sspi) > 0 {
		step(tokens.SSPI{Buffer: sspi}.Append)
	}
	step(tokens.EnvChange{Type: tokens.EnvDatabase, NewValue: ucs2(c.database), OldValue: ucs2("master")}.Append)
	step(func(b []byte) ([]byte, error) {
		return tokens.Message{Type: tokens.TokenInfo, Number: 5701, State: 2, MsgText: ucs2("Changed database context to '" + c.database + "'."), ServerName: sn, LineNumber: 1}.Append(b, v)
	})
	if v.AtLeast(tds.Version71) {
		coll := cfg.Collation
		if coll == (sqltype.Collation{}) {
			coll = defaultCollation
		}
		step(tokens.EnvChange{Type: tokens.EnvSQLCollation, NewValue: coll[:]}.Append)
	}
	lang := or(cfg.Language, "us_english")
	step(tokens.EnvChange{Type: tokens.EnvLanguage, NewValue: ucs2(lang)}.Append)
	step(func(b []byte) ([]byte, error) {
		return tokens.Message{Type: tokens.TokenInfo, Number: 5703, State: 1, MsgText: ucs2("Changed language setting to " + lang + "."), ServerName: sn, LineNumber: 1}.Append(b, v)
	})
	pv := cfg.Version
	if pv == (prelogin.Version{}) {
		pv = defaultProgVersion
	}
	ackV := v
	switch v {
	case tds.Version70:
		ackV = tds.Version70Server // [MS-TDS] 2.2.7.14 <69>
	case tds.Version71:
		ackV = tds.Version71Server
	}
	step(tokens.LoginAck{
		Interface:   tokens.InterfaceTSQL,
		TDSVersion:  ackV,
		ProgName:    ucs2(or(cfg.ProgName, "Microsoft SQL Server")),
		ProgVersion: tokens.ProgVersion{Major: pv.Major, Minor: pv.Minor, BuildHi: uint8(pv.Build >> 8), BuildLow: uint8(pv.Build)},
	}.Append)
	if err != nil {
		return nil, err
	}
	if v.AtLeast(tds.Version74) && cfg.AckFeature != nil && len(c.login.FeatureExt) > 0 {
		var acks []tokens.FeatureAck
		for f, err := range c.login.FeatureExt.All() {
			if err != nil {
				break
			}
			if data, ok := cfg.AckFeature(f); ok {
				acks = append(acks, tokens.FeatureAck{ID: tokens.FeatureID(f.ID), Data: data})
			}
		}
		if len(acks) > 0 {
			b = tokens.AppendFeatureExtAck(b, acks...)
		}
	}
	step(tokens.EnvChange{Type: tokens.EnvPacketSize, NewValue: ucs2(strconv.Itoa(ps)), OldValue: ucs2(strconv.Itoa(tds.DefaultPacketSize))}.Append)
	if r := cfg.Routing; r != nil {
		step(tokens.EnvChange{Type: tokens.EnvRouting, NewValue: r.AppendValue(nil, false)}.Append)
	}
	if err != nil {
		return nil, err
	}
	return tokens.Done{Status: tokens.DoneFinal}.Append(b, v), nil
}
