package tdsserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tdswire/tdswire/login7"
	"github.com/tdswire/tdswire/ntlm"
	"github.com/tdswire/tdswire/prelogin"
	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tds/sqltype"
	"github.com/tdswire/tdswire/tdsconn"
	"github.com/tdswire/tdswire/tokens"
)

// serverVersion is the product version the server reports in PRELOGIN
// ([MS-TDS] 2.2.6.5 VERSION) and LOGINACK (2.2.7.14 ProgVersion):
// 16.0.4000, a SQL Server 2022 build number.
var serverVersion = prelogin.Version{Major: 16, Minor: 0, Build: 4000}

// serverName is the default ServerName of ERROR and INFO tokens.
const serverName = "TDSWIRE"

// collation is SQL_Latin1_General_CP1_CI_AS, the bytes 09 04 D0 00 34
// of the collation ENVCHANGE in the login response example of [MS-TDS]
// 4.3: LCID 0x0409, IgnoreCase, IgnoreKana and IgnoreWidth, sort ID 52.
var collation = sqltype.Collation{0x09, 0x04, 0xD0, 0x00, 0x34}

// conn is the state of one client connection, shared by the SMP sessions
// of a MARS connection.
type conn struct {
	s    *Server
	id   int64
	spid uint16
	raw  net.Conn // the TCP connection
	cs   *connState
	log  func(format string, args ...any)
	ctx  context.Context // ends with the connection or the server

	sess *Session

	failed atomic.Bool // the login refusal was counted
}

// refused counts a refused login once, before the refusal is sent, so
// that Stats agrees with what the client saw when it reads the error.
func (c *conn) refused() {
	if c.failed.CompareAndSwap(false, true) {
		c.s.st.failed.Add(1)
	}
}

// netConn is the connection tdsconn.Accept runs on: it plays the faults
// of the PRELOGIN and TLS phases at the server's first writes, and once
// logged in bounds each write by Config.Timeout (a client that stops
// reading cannot hold a response forever).
type netConn struct {
	net.Conn
	c        *conn
	writes   int
	loggedIn atomic.Bool
}

func (n *netConn) Write(p []byte) (int, error) {
	if n.loggedIn.Load() {
		n.Conn.SetWriteDeadline(time.Now().Add(n.c.s.cfg.Timeout))
		return n.Conn.Write(p)
	}
	n.writes++
	if len(p) > 0 {
		var f *Fault
		switch {
		case n.writes == 1 && p[0] == byte(tds.PacketResponse):
			// The answer to PRELOGIN.
			f = n.c.s.faults.find(PhasePrelogin, n.c.id, "")
		case n.writes == 1 && p[0] == 0x16, n.writes == 2 && p[0] == byte(tds.PacketPrelogin):
			// The server's first TLS handshake flight: bare (TDS 8.0)
			// or in a PRELOGIN packet (TDS 7.x).
			f = n.c.s.faults.find(PhaseTLS, n.c.id, "")
		}
		if f != nil {
			if err := n.c.connFault(f); err != nil {
				return 0, err
			}
		}
	}
	return n.Conn.Write(p)
}

// ucs2 converts s to a UTF-16LE view.
func ucs2(s string) tds.UCS2 { return tds.UCS2(tds.AppendUCS2(nil, s)) }

// acceptConfig is the tdsconn configuration of connection c.
func (s *Server) acceptConfig(c *conn) *tdsconn.ServerConfig {
	cfg := &tdsconn.ServerConfig{
		TLS:            s.tls,
		Encryption:     s.cfg.TLS.setting(),
		LoginTimeout:   s.cfg.LoginTimeout,
		MaxMessageSize: s.cfg.MaxMessageSize,
		ServerName:     s.cfg.ServerName,
		Version:        serverVersion,
		Collation:      collation,
		SPID:           c.spid,
		MARS:           s.cfg.MARS,
		RequireStrict:  s.cfg.TLS == TLSStrict,
	}
	if cfg.LoginTimeout == 0 {
		cfg.LoginTimeout = 24 * time.Hour // Config: negative, practically none
	}
	if s.cfg.TLS == TLSOff {
		cfg.TLS = nil
	}
	cfg.CheckSQLLogin = func(ctx context.Context, user string, password login7.Password) error {
		if s.cfg.CheckSQLLogin != nil {
			err := s.cfg.CheckSQLLogin(ctx, user, password)
			if err != nil {
				c.refused()
			}
			return err
		}
		u, ok := s.users[strings.ToLower(user)]
		if !ok || !password.Equal(u.Password) {
			c.refused()
			return errLoginFailed
		}
		return nil
	}
	switch {
	case s.cfg.NewSSPI != nil:
		cfg.NewSSPI = s.cfg.NewSSPI
	case s.ntlm.NbDomainName != "":
		start := tdsconn.NTLMServer(s.ntlm)
		cfg.NewSSPI = func(ctx context.Context, l *login7.Login7) (SSPIServer, error) {
			inner, err := start(ctx, l)
			if err != nil {
				return nil, err
			}
			return &ntlmLogin{inner: inner, c: c}, nil
		}
	}
	cfg.Authorize = func(ctx context.Context, l *login7.Login7, user string) (string, error) {
		db := l.Database.String()
		if db == "" {
			db = "master"
		}
		if f := s.faults.find(PhaseLogin, c.id, ""); f != nil {
			if err := c.connFault(f); err != nil {
				return "", err
			}
			if f.Action == FaultError || f.Action == FaultFatal {
				c.refused()
				e := faultError(f, db)
				return "", &LoginError{Number: e.Number, Class: e.Class, State: e.State, Message: e.Msg}
			}
		}
		canon, ok := s.database(db)
		if !ok {
			c.refused()
			return "", &LoginError{Number: 4060, Class: 11, State: 1, Message: fmt.Sprintf("Cannot open database \"%s\" requested by the login. The login failed.", db)}
		}
		return canon, nil
	}
	if len(s.cfg.FeatureAcks) > 0 {
		cfg.AckFeature = func(f login7.Feature) ([]byte, bool) {
			for _, a := range s.cfg.FeatureAcks {
				if login7.FeatureID(a.ID) == f.ID {
					return a.Data, true
				}
			}
			return nil, false
		}
	}
	if rt := s.cfg.Route; rt != nil {
		cfg.Routing = &tokens.Routing{Port: rt.Port, AlternateServer: ucs2(rt.Server)}
	}
	return cfg
}

// ntlmLogin is the built-in NTLM check of Config.Users: a failed
// AUTHENTICATE is refused as SQL Server refuses a wrong password, with
// 18456 naming the user the client gave (not 18452, which says the
// domain is not trusted).
type ntlmLogin struct {
	inner SSPIServer
	c     *conn
}

func (n *ntlmLogin) Step(ctx context.Context, in []byte) ([]byte, bool, error) {
	out, done, err := n.inner.Step(ctx, in)
	if err != nil {
		name := ""
		var a ntlm.Authenticate
		if a.Decode(in) == nil {
			name = a.User()
			if d := a.Domain(); d != "" {
				name = d + `\` + name
			}
		}
		n.c.log("NTLM verification failed for %q: %v", name, err)
		n.c.refused()
		return nil, false, &LoginError{Number: 18456, Class: 14, State: 1, Message: "Login failed for user '" + name + "'."}
	}
	if done {
		n.c.log("NTLM verified: %s", n.inner.User())
	}
	return out, done, nil
}

func (n *ntlmLogin) User() string { return n.inner.User() }

// errLoginFailed refuses a SQL login (tdsconn answers 18456).
var errLoginFailed = errors.New("login failed")

func (s *Server) serveConn(raw net.Conn, cs *connState) {
	defer raw.Close()
	s.st.conns.Add(1)
	id := s.next.Add(1)
	ctx, cancel := context.WithCancel(s.ctx)
	defer cancel()
	c := &conn{s: s, id: id, spid: uint16(50 + id%30000), raw: raw, cs: cs, ctx: ctx}
	c.log = func(format string, args ...any) {
		s.logf("conn %d %s: "+format, append([]any{id, raw.RemoteAddr()}, args...)...)
	}
	c.log("TCP connection accepted")
	nc := &netConn{Conn: raw, c: c}
	sc, err := tdsconn.Accept(ctx, nc, s.acceptConfig(c))
	if err != nil {
		switch {
		case errors.Is(err, tdsconn.ErrRefused):
			c.refused()
			c.log("login refused: %v", err)
		case isTimeout(err):
			s.st.loginTimeout.Add(1)
			c.log("login not done in %v: closed", s.cfg.LoginTimeout)
		case errors.Is(err, errFault), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
			c.log("closed during login: %v", err)
		case s.ctx.Err() != nil:
			c.log("closed by server shutdown")
		default:
			s.st.errs.Add(1)
			c.log("login failed: %v", err)
		}
		return
	}
	defer sc.Close()
	nc.loggedIn.Store(true)
	l := sc.Login()
	c.recordLogin(sc)
	if sc.Encryption() != tdsconn.EncryptionNone {
		s.st.tls.Add(1)
	}
	integrated := l.OptionFlags2.IntegratedSecurity()
	if integrated {
		s.st.ntlm.Add(1)
	}
	s.st.logins.Add(1)
	c.sess = &Session{
		ID: id, SPID: c.spid, User: sc.User(), App: l.AppName.String(), Host: l.HostName.String(),
		Database: sc.Database(), Version: sc.Version(), PacketSize: sc.PacketSize(), server: s, textSize: 4096,
	}
	c.log("logged in: TDS %v, user %q, database %q, packet size %d, encryption %v, integrated %v, MARS %v",
		sc.Version(), sc.User(), sc.Database(), sc.PacketSize(), sc.Encryption(), integrated, sc.MARS())
	if rt := s.cfg.Route; rt != nil {
		c.log("routed to %s,%d: closing", rt.Server, rt.Port)
		return
	}
	var wg sync.WaitGroup
	for {
		st, err := sc.AcceptStream(ctx)
		if err != nil {
			if !errors.Is(err, io.EOF) && ctx.Err() == nil {
				s.st.errs.Add(1)
				c.log("closed: %v", err)
			}
			break
		}
		if sc.MARS() {
			s.st.sessions.Add(1)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer st.Close()
			if err := c.serveRequests(st); err != nil {
				if s.ctx.Err() != nil || errors.Is(err, net.ErrClosed) || errors.Is(err, errFault) {
					c.log("stream closed: %v", err)
					return
				}
				s.st.errs.Add(1)
				c.log("closed: %v", err)
			}
		}()
		if !sc.MARS() {
			break
		}
	}
	wg.Wait()
	c.log("closed")
}

// isTimeout reports whether err is a deadline that expired.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) ||
		errors.As(err, &ne) && ne.Timeout()
}

// recordLogin records the client's PRELOGIN and LOGIN7 (its password
// already cleared by tdsconn) for Server.Received.
func (c *conn) recordLogin(sc *tdsconn.ServerConn) {
	if !c.s.cfg.Record {
		return
	}
	now := time.Now()
	if pm, ok := sc.Prelogin(); ok {
		if b, err := pm.Append(nil); err == nil {
			var cp prelogin.Message
			if cp.Decode(b) == nil {
				c.s.record(Received{Conn: c.id, Time: now, Type: tds.PacketPrelogin, Payload: b, Decoded: &cp})
			}
		}
	}
	if b, err := sc.Login().Append(nil); err == nil {
		var cp login7.Login7
		if cp.Decode(b) == nil {
			clear(cp.Password.Bytes())
			clear(cp.ChangePassword.Bytes())
			c.s.record(Received{Conn: c.id, Time: now, Type: tds.PacketLogin7, Payload: b, Decoded: &cp})
		}
	}
}
