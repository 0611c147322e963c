package tdsserver

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tdswire/tdswire/login7"
	"github.com/tdswire/tdswire/ntlm"
	"github.com/tdswire/tdswire/prelogin"
	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tdsconn"
	"github.com/tdswire/tdswire/tokens"
)

// TLSMode is the server's encryption setting, the ENCRYPTION option it
// answers PRELOGIN with ([MS-TDS] 2.2.6.5 "Encryption").
type TLSMode int

const (
	// TLSOff answers ENCRYPT_NOT_SUP: nothing is encrypted, and a client
	// that requires encryption is disconnected, as the first table of
	// 2.2.6.5 says.
	TLSOff TLSMode = iota
	// TLSLogin answers as a server with ENCRYPT_OFF: a client that sends
	// ENCRYPT_OFF gets login-only encryption (the first LOGIN7 packet in
	// TLS, the rest in clear), a client that sends ENCRYPT_ON or
	// ENCRYPT_REQ gets the whole connection encrypted.
	TLSLogin
	// TLSRequired answers as a server with ENCRYPT_ON: ENCRYPT_REQ to
	// ENCRYPT_OFF, so every client encrypts the whole connection; a client
	// that cannot encrypt (ENCRYPT_NOT_SUP) is disconnected.
	TLSRequired
	// TLSStrict serves TDS 8.0 only ([MS-TDS] 2.1, 3.3.5.1): the client
	// starts TLS at once (ALPN "tds/8.0") and PRELOGIN, LOGIN7 and
	// everything after travel inside it. A TDS 7.x client gets a login
	// failure telling it so.
	TLSStrict
)

// ParseTLSMode parses the -tls flag values "off", "login", "required" and
// "strict".
func ParseTLSMode(s string) (TLSMode, error) {
	switch strings.ToLower(s) {
	case "off":
		return TLSOff, nil
	case "login":
		return TLSLogin, nil
	case "required":
		return TLSRequired, nil
	case "strict":
		return TLSStrict, nil
	}
	return 0, fmt.Errorf("tls mode %q: want off, login, required or strict", s)
}

// String returns the flag spelling of m.
func (m TLSMode) String() string {
	switch m {
	case TLSOff:
		return "off"
	case TLSLogin:
		return "login"
	case TLSRequired:
		return "required"
	case TLSStrict:
		return "strict"
	}
	return fmt.Sprintf("TLSMode(%d)", int(m))
}

// setting is the server column of the first table of [MS-TDS] 2.2.6.5.
func (m TLSMode) setting() prelogin.Encryption {
	switch m {
	case TLSLogin:
		return prelogin.EncryptOff
	case TLSRequired, TLSStrict:
		return prelogin.EncryptOn
	}
	return prelogin.EncryptNotSup
}

// User is one login the server accepts. A user with a Domain logs in with
// NTLM (integrated security, [MS-TDS] 2.2.6.4 fIntSecurity, verified by
// package ntlm); a user without one with SQL authentication (the LOGIN7
// UserName and Password).
type User struct {
	Domain   string
	Name     string
	Password string
}

// ParseUser parses the -user flag form "name:password" or
// "DOMAIN\name:password". The password is everything after the first colon.
func ParseUser(s string) (User, error) {
	name, pass, ok := strings.Cut(s, ":")
	if !ok || name == "" {
		return User{}, errors.New("user: want name:password or DOMAIN\\name:password") // s may hold a password: not echoed
	}
	var u User
	if d, n, ok := strings.Cut(name, `\`); ok {
		if d == "" || n == "" {
			return User{}, fmt.Errorf("user %q: empty domain or name", name)
		}
		u.Domain, u.Name = d, n
	} else {
		u.Name = name
	}
	u.Password = pass
	return u, nil
}

// Format prints u as String does under every verb (%q quotes it): the
// password never prints, %#v and %d included.
func (u User) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		fmt.Fprintf(f, "%q", u.String())
		return
	}
	io.WriteString(f, u.String())
}

// String returns "name" or "DOMAIN\name", never the password.
func (u User) String() string {
	if u.Domain != "" {
		return u.Domain + `\` + u.Name
	}
	return u.Name
}

// Config configures a Server. The zero value is a server with no users,
// no encryption, the default handler and the default limits.
type Config struct {
	Users []User
	TLS   TLSMode
	// Certificate is the TLS certificate; nil makes New generate a
	// self-signed one (ECDSA P-256, for "localhost" and 127.0.0.1).
	Certificate *tls.Certificate
	// Rows is the number of rows of SELECT * FROM big; 0 means
	// DefaultBigRows.
	Rows int
	// MARS, when true, grants Multiple Active Result Sets to a client that
	// asks for it in PRELOGIN and then speaks SMP ([MC-SMP]) with it.
	MARS bool
	// Logf receives one line per connection step; nil discards them.
	Logf func(format string, args ...any)
	// Timeout bounds each write of a logged-in connection (a client that
	// stops reading); 0 means DefaultTimeout. It is a bound per write,
	// not per response: a client that reads slowly but keeps reading
	// holds its connection until its (finite) response is sent, one of
	// MaxConns.
	Timeout time.Duration
	// Now is the clock for NTLM timestamps; nil means time.Now.
	Now func() time.Time

	// Handler answers the requests of logged-in clients; nil means
	// DefaultHandler().
	Handler Handler
	// ServerName is @@SERVERNAME and the ServerName of ERROR and INFO
	// tokens; "" means "TDSWIRE".
	ServerName string
	// Databases are the databases USE and LOGIN7 accept (case-folded);
	// nil means master, tempdb, model, msdb and tdswire.
	Databases []string

	// CheckSQLLogin, when set, decides SQL logins instead of Users: nil
	// accepts, an error refuses (ERROR 18456, or the error's own number
	// when it is a *LoginError). It sees the password only as a
	// login7.Password, which never prints.
	CheckSQLLogin func(ctx context.Context, user string, password login7.Password) error
	// NewSSPI, when set, starts the server side of an integrated login
	// (LOGIN7 with fIntSecurity) instead of the built-in NTLM check of
	// Users: raw NTLM, SPNEGO or Kerberos, whatever the SSPIServer speaks.
	NewSSPI func(ctx context.Context, l *login7.Login7) (SSPIServer, error)
	// FeatureAcks are acknowledged in FEATUREEXTACK ([MS-TDS] 2.2.7.11)
	// when the client's LOGIN7 requests the feature (TDS 7.4).
	FeatureAcks []tokens.FeatureAck
	// Route, when set, sends every client elsewhere: the login response
	// carries ENVCHANGE 20 (routing, 2.2.7.9) and the server closes.
	Route *Route

	// Faults are played on the connections (see Fault).
	Faults []Fault
	// Record keeps every message clients send, decoded (Server.Received),
	// at most RecordLimit of them (0: DefaultRecordLimit).
	Record      bool
	RecordLimit int

	// LoginTimeout bounds the whole login, from the TCP accept to the
	// login response, whatever the client trickles in; 0 means
	// DefaultLoginTimeout. Negative means practically none: 24 hours
	// (tdsconn bounds every login).
	LoginTimeout time.Duration
	// IdleTimeout closes a logged-in connection that sends no whole
	// message for that long; bytes that do not complete a message do not
	// count. 0 means DefaultIdleTimeout, negative none.
	IdleTimeout time.Duration
	// MaxConns caps the connections served at once; more are closed as
	// soon as accepted. 0 means DefaultMaxConns, negative no cap.
	MaxConns int
	// MaxMessageSize caps a client message's reassembled payload; 0 means
	// tds.DefaultMaxMessageSize.
	MaxMessageSize int
}

// MaxBigRows is the largest big table: its price column, row number
// times 1.25, must fit decimal(10,2).
const MaxBigRows = 79_999_999

// DefaultBigRows is the size of the big table unless Config.Rows says otherwise.
const DefaultBigRows = 1000

// DefaultTimeout bounds each write of a logged-in connection unless
// Config.Timeout says otherwise.
const DefaultTimeout = 2 * time.Minute

// Route is where Config.Route sends clients.
type Route struct {
	Server string
	Port   uint16
}

// SSPIServer runs the server side of one SSPI exchange (NTLM raw, SPNEGO,
// Kerberos): it is tdsconn's, so any tdsconn.SSPIServer plugs in.
type SSPIServer = tdsconn.SSPIServer

// LoginError refuses a login with a given SQL Server error, from
// CheckSQLLogin, an SSPIServer, or a login fault (e.g. 18456, or a
// transient 40613): tdsconn's ServerError.
type LoginError = tdsconn.ServerError

// The default limits.
const (
	DefaultLoginTimeout = 30 * time.Second
	DefaultIdleTimeout  = 10 * time.Minute
	DefaultMaxConns     = 1000
)

// Stats counts what a Server saw, for tests and logs.
type Stats struct {
	Connections  int64 // TCP connections accepted
	TLS          int64 // TLS handshakes completed
	Logins       int64 // LOGINACKs sent
	NTLMLogins   int64 // of which NTLM
	LoginFailed  int64 // error 18456 sent
	Batches      int64 // SQL batch messages answered
	RPCs         int64 // RPC request messages answered
	SMPSessions  int64 // SMP sessions accepted
	Attentions   int64 // attention signals acknowledged
	ClientErrors int64 // connections that ended with a protocol error
	TMRequests   int64 // transaction manager requests answered
	IdleClosed   int64 // connections closed by the idle timeout
	LoginTimeout int64 // connections closed by the login deadline
	Rejected     int64 // connections closed at once for MaxConns
	Faults       int64 // scripted faults played
}

// Server is a small TDS server built from tdswire's codecs. Create it with
// New, run it with Serve, stop it with Close.
type Server struct {
	cfg   Config
	tls   *tls.Config
	ntlm  *ntlm.Server
	users map[string]User // lower-cased SQL login name
	eng   engine

	handler Handler
	faults  *faults
	dbs     map[string]string // case-folded name: name
	descr   atomic.Uint64     // transaction descriptors
	active  atomic.Int64      // connections being served

	ctx    context.Context // cancelled by Close and Shutdown
	cancel context.CancelFunc

	recMu sync.Mutex
	rec   []Received

	next atomic.Int64 // connection counter, for SPIDs and log prefixes
	st   struct {
		conns, tls, logins, ntlm, failed, batches, rpcs, sessions, attn, errs atomic.Int64
		tm, idle, loginTimeout, rejected, faults                              atomic.Int64
	}

	mu     sync.Mutex
	ln     []net.Listener
	conns  map[net.Conn]*connState
	closed bool
	wg     sync.WaitGroup
}

// New returns a Server for cfg, generating a certificate when one is
// needed and not given.
func New(cfg Config) (*Server, error) {
	if cfg.Rows == 0 {
		cfg.Rows = DefaultBigRows
	}
	if cfg.Rows < 0 || cfg.Rows > MaxBigRows {
		return nil, fmt.Errorf("rows %d: must be between 0 and %d", cfg.Rows, MaxBigRows)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.ServerName == "" {
		cfg.ServerName = serverName
	}
	switch {
	case cfg.LoginTimeout == 0:
		cfg.LoginTimeout = DefaultLoginTimeout
	case cfg.LoginTimeout < 0:
		cfg.LoginTimeout = 0
	}
	switch {
	case cfg.IdleTimeout == 0:
		cfg.IdleTimeout = DefaultIdleTimeout
	case cfg.IdleTimeout < 0:
		cfg.IdleTimeout = 0
	}
	if cfg.MaxConns == 0 {
		cfg.MaxConns = DefaultMaxConns
	}
	if cfg.MaxMessageSize <= 0 {
		cfg.MaxMessageSize = tds.DefaultMaxMessageSize
	}
	if cfg.Databases == nil {
		cfg.Databases = []string{"master", "tempdb", "model", "msdb", "tdswire"}
	}
	s := &Server{cfg: cfg, users: map[string]User{}, conns: map[net.Conn]*connState{}, dbs: map[string]string{}}
	s.eng = engine{rows: cfg.Rows}
	s.handler = cfg.Handler
	if s.handler == nil {
		s.handler = DefaultHandler()
	}
	if len(cfg.Faults) > 0 {
		s.faults = newFaults(append([]Fault(nil), cfg.Faults...))
	}
	for _, d := range cfg.Databases {
		s.dbs[strings.ToLower(d)] = d
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	var accounts ntlm.AccountList
	domain := ""
	for _, u := range cfg.Users {
		if u.Domain == "" {
			s.users[strings.ToLower(u.Name)] = u
			continue
		}
		if domain == "" {
			domain = strings.ToUpper(u.Domain)
		}
		accounts = append(accounts, ntlm.Account{Domain: u.Domain, User: u.Name, Hash: ntlm.HashPassword(u.Password)})
	}
	s.ntlm = &ntlm.Server{
		NbComputerName: "TDSWIRE",
		NbDomainName:   domain,
		Lookup:         accounts.Lookup,
		Now:            cfg.Now,
	}
	if cfg.TLS != TLSOff {
		cert := cfg.Certificate
		if cert == nil {
			c, err := selfSigned(time.Now())
			if err != nil {
				return nil, err
			}
			cert = &c
		}
		// TLS 1.2 is what SQL Server negotiates for TDS 7.x; it keeps
		// session tickets out of the login-only handshake (see
		// tds.TLSHandshakeConn).
		s.tls = &tls.Config{
			Certificates: []tls.Certificate{*cert},
			MinVersion:   tls.VersionTLS12,
			MaxVersion:   tls.VersionTLS12,
		}
	}
	return s, nil
}

// Stats returns the counters so far.
func (s *Server) Stats() Stats {
	return Stats{
		Connections: s.st.conns.Load(), TLS: s.st.tls.Load(), Logins: s.st.logins.Load(),
		NTLMLogins: s.st.ntlm.Load(), LoginFailed: s.st.failed.Load(), Batches: s.st.batches.Load(),
		RPCs:        s.st.rpcs.Load(),
		SMPSessions: s.st.sessions.Load(), Attentions: s.st.attn.Load(), ClientErrors: s.st.errs.Load(),
		TMRequests: s.st.tm.Load(), IdleClosed: s.st.idle.Load(), LoginTimeout: s.st.loginTimeout.Load(),
		Rejected: s.st.rejected.Load(), Faults: s.st.faults.Load(),
	}
}

// database returns the name of database db as configured, if it exists.
func (s *Server) database(db string) (string, bool) {
	d, ok := s.dbs[strings.ToLower(db)]
	return d, ok
}

// nextDescriptor returns a new transaction descriptor, never 0.
func (s *Server) nextDescriptor() uint64 {
	return s.descr.Add(1)<<8 | 0x01
}

// ErrServerClosed is returned by Serve after Close.
var ErrServerClosed = errors.New("tdsserver: server closed")

// Serve accepts connections on ln and serves each in its own goroutine
// until Close. It always returns a non-nil error: ErrServerClosed after
// Close.
func (s *Server) Serve(ln net.Listener) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		ln.Close()
		return ErrServerClosed
	}
	s.ln = append(s.ln, ln)
	s.mu.Unlock()
	for {
		c, err := ln.Accept()
		if err != nil {
			s.mu.Lock()
			closed := s.closed
			s.mu.Unlock()
			if closed {
				return ErrServerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return err
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			c.Close()
			return ErrServerClosed
		}
		if s.cfg.MaxConns > 0 && s.active.Load() >= int64(s.cfg.MaxConns) {
			s.mu.Unlock()
			s.st.rejected.Add(1)
			s.logf("connection from %v refused: %d connections already (MaxConns)", c.RemoteAddr(), s.cfg.MaxConns)
			c.Close()
			continue
		}
		s.active.Add(1)
		cs := &connState{}
		s.conns[c] = cs
		s.wg.Add(1)
		s.mu.Unlock()
		go func() {
			defer s.wg.Done()
			s.serveConn(c, cs)
			s.mu.Lock()
			delete(s.conns, c)
			s.mu.Unlock()
			s.active.Add(-1)
		}()
	}
}

// Start listens on addr (for a test, "127.0.0.1:0") and serves it in the
// background, returning the address it listens on. Close stops it and
// waits for the serving goroutine as well as every connection.
func (s *Server) Start(addr string) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", err
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.Serve(ln)
	}()
	return ln.Addr().String(), nil
}

// Close stops the listeners, closes every connection and waits for their
// goroutines to end.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	s.cancel()
	for _, ln := range s.ln {
		ln.Close()
	}
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return nil
}

// connState is what Shutdown needs to know of a connection.
type connState struct {
	busy atomic.Int32 // requests being answered
}

// Shutdown stops the listeners, closes every connection that is not
// answering a request, and waits for the others to finish theirs (each
// is closed once its response is sent), until ctx is done, when it
// closes the rest as Close does and returns ctx's error.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closed = true
	for _, ln := range s.ln {
		ln.Close()
	}
	s.mu.Unlock()
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for {
		s.mu.Lock()
		for c, cs := range s.conns {
			if cs.busy.Load() == 0 {
				c.Close()
			}
		}
		n := len(s.conns)
		s.mu.Unlock()
		if n == 0 {
			break
		}
		select {
		case <-ctx.Done():
			s.Close()
			return ctx.Err()
		case <-t.C:
		}
	}
	return s.Close()
}

func (s *Server) logf(format string, args ...any) {
	if s.cfg.Logf != nil {
		s.cfg.Logf(format, args...)
	}
}
