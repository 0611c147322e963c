package tdsserver

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tdswire/tdswire/ntlm"
	"github.com/tdswire/tdswire/prelogin"
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
)

// ParseTLSMode parses the -tls flag values "off", "login" and "required".
func ParseTLSMode(s string) (TLSMode, error) {
	switch strings.ToLower(s) {
	case "off":
		return TLSOff, nil
	case "login":
		return TLSLogin, nil
	case "required":
		return TLSRequired, nil
	}
	return 0, fmt.Errorf("tls mode %q: want off, login or required", s)
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
	}
	return fmt.Sprintf("TLSMode(%d)", int(m))
}

// setting is the server column of the first table of [MS-TDS] 2.2.6.5.
func (m TLSMode) setting() prelogin.Encryption {
	switch m {
	case TLSLogin:
		return prelogin.EncryptOff
	case TLSRequired:
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
		return User{}, fmt.Errorf("user %q: want name:password or DOMAIN\\name:password", s)
	}
	var u User
	if d, n, ok := strings.Cut(name, `\`); ok {
		if d == "" || n == "" {
			return User{}, fmt.Errorf("user %q: empty domain or name", s)
		}
		u.Domain, u.Name = d, n
	} else {
		u.Name = name
	}
	u.Password = pass
	return u, nil
}

// String returns "name" or "DOMAIN\name", never the password.
func (u User) String() string {
	if u.Domain != "" {
		return u.Domain + `\` + u.Name
	}
	return u.Name
}

// Config configures a Server. The zero value is a server with no users,
// no encryption and the default big table.
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
	// Timeout bounds each read and write of a connection; 0 means
	// DefaultTimeout.
	Timeout time.Duration
	// Now is the clock for NTLM timestamps; nil means time.Now.
	Now func() time.Time
}

// MaxBigRows is the largest big table: its price column, row number
// times 1.25, must fit decimal(10,2).
const MaxBigRows = 79_999_999

// DefaultBigRows is the size of the big table unless Config.Rows says otherwise.
const DefaultBigRows = 1000

// DefaultTimeout bounds each read and write of a connection unless
// Config.Timeout says otherwise.
const DefaultTimeout = 2 * time.Minute

// Stats counts what a Server saw, for tests and logs.
type Stats struct {
	Connections  int64 // TCP connections accepted
	TLS          int64 // TLS handshakes completed
	Logins       int64 // LOGINACKs sent
	NTLMLogins   int64 // of which NTLM
	LoginFailed  int64 // error 18456 sent
	Batches      int64 // SQL batch messages answered
	RPCs         int64 // RPC request messages answered
	SMPSyn       int64 // SMP SYN packets received
	SMPData      int64 // SMP DATA packets received
	SMPSessions  int64 // SMP sessions accepted
	Attentions   int64 // attention signals acknowledged
	ClientErrors int64 // connections that ended with a protocol error
}

// Server is a small TDS server built from tdswire's codecs. Create it with
// New, run it with Serve, stop it with Close.
type Server struct {
	cfg   Config
	tls   *tls.Config
	ntlm  *ntlm.Server
	users map[string]User // lower-cased SQL login name
	eng   engine

	next atomic.Int64 // connection counter, for SPIDs and log prefixes
	st   struct {
		conns, tls, logins, ntlm, failed, batches, rpcs, syn, data, sessions, attn, errs atomic.Int64
	}

	mu     sync.Mutex
	ln     []net.Listener
	conns  map[net.Conn]struct{}
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
	s := &Server{cfg: cfg, users: map[string]User{}, conns: map[net.Conn]struct{}{}}
	s.eng = engine{rows: cfg.Rows}
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
		RPCs: s.st.rpcs.Load(), SMPSyn: s.st.syn.Load(), SMPData: s.st.data.Load(),
		SMPSessions: s.st.sessions.Load(), Attentions: s.st.attn.Load(), ClientErrors: s.st.errs.Load(),
	}
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
		s.conns[c] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go func() {
			defer s.wg.Done()
			s.serveConn(c)
			s.mu.Lock()
			delete(s.conns, c)
			s.mu.Unlock()
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

func (s *Server) logf(format string, args ...any) {
	if s.cfg.Logf != nil {
		s.cfg.Logf(format, args...)
	}
}

// closer adapts an io.ReadWriter and a close function to io.ReadWriteCloser.
type closer struct {
	io.Reader
	io.Writer
	close func() error
}

func (c closer) Close() error { return c.close() }
