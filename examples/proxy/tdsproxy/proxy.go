// Package tdsproxy is a TDS proxy built on tdswire/tdsconn: toward its
// clients it is a server (its own certificate; no TLS, login-only or full
// as the client asks, or TDS 8.0 strict), toward the upstream it is a
// client (verifying the upstream certificate or not), so every message
// passes through it in clear. It logs one line per message in each
// direction, decoded (LOGIN7's user, application, host and database, the
// text of SQL batches, RPC names, the tokens of responses; never a
// password or an SSPI token), relays SSPI rounds and MARS sessions, and
// can rewrite LOGIN7's application name.
package tdsproxy

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tdswire/tdswire/examples/server/tdsserver"
	"github.com/tdswire/tdswire/login7"
	"github.com/tdswire/tdswire/ntlm"
	"github.com/tdswire/tdswire/prelogin"
	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tdsconn"
)

// The proxy's encryption toward its clients is a tdsserver.TLSMode, with
// the example server's meaning: TLSOff (ENCRYPT_NOT_SUP), TLSLogin
// (login-only, or the whole connection if the client asks; strict
// accepted), TLSRequired (the entire connection; strict accepted) and
// TLSStrict (TDS 8.0 only).

// Config configures a Proxy.
type Config struct {
	Upstream string // host:port of the server
	// TLS is the encryption offered to clients; Certificate is the
	// proxy's certificate (required unless TLS is tdsserver.TLSOff).
	TLS         tdsserver.TLSMode
	Certificate *tls.Certificate
	// UpstreamTLS is how the proxy encrypts toward the upstream:
	// tdsconn.EncryptionLoginOnly (ENCRYPT_OFF, the default: what the
	// server asks for), None, Full or Strict.
	UpstreamTLS tdsconn.Encryption
	// VerifyUpstream verifies the upstream's certificate against the
	// system roots (or RootCAs) for UpstreamName (default: the host of
	// Upstream); without it any certificate is accepted.
	VerifyUpstream bool
	UpstreamName   string
	RootCAs        *tls.Config // only RootCAs is used

	// AppName, when set, replaces LOGIN7's application name.
	AppName string
	// Logf receives one line per message; nil discards.
	Logf func(format string, args ...any)
	// Timeout bounds each login (both legs); 0 means 30 seconds.
	Timeout time.Duration
	// StallTimeout bounds, after the login, each packet write to either
	// side (a peer that stops reading) and the wait for each next packet
	// of a message that has begun (a peer that stops sending in the
	// middle of one); 0 means DefaultStallTimeout. Either closes both
	// legs. It bounds each packet, not a whole message: a peer that
	// reads or sends slowly but steadily keeps the relay for as long as
	// the message takes.
	StallTimeout time.Duration
	// IdleTimeout closes a logged-in connection (or MARS session) whose
	// client sends no whole message for that long while no response is
	// on its way; bytes that do not complete a message do not count.
	// 0 means DefaultIdleTimeout, negative none.
	IdleTimeout time.Duration
	// MaxLogged bounds the bytes of one message kept for its log line
	// (the message itself is relayed packet by packet whatever its
	// size); 0 means 1 MiB.
	MaxLogged int
}

// Defaults of Config.
const (
	DefaultStallTimeout = 30 * time.Second
	DefaultIdleTimeout  = 10 * time.Minute
)

// Proxy relays TDS connections to an upstream server.
type Proxy struct {
	cfg  Config
	next atomic.Int64

	mu     sync.Mutex
	ln     net.Listener
	conns  map[net.Conn]struct{}
	closed bool
	wg     sync.WaitGroup
}

// New checks cfg and returns a Proxy.
func New(cfg Config) (*Proxy, error) {
	if cfg.Upstream == "" {
		return nil, errors.New("tdsproxy: no upstream")
	}
	if cfg.TLS != tdsserver.TLSOff && cfg.Certificate == nil {
		return nil, errors.New("tdsproxy: TLS toward clients needs a certificate")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.StallTimeout <= 0 {
		cfg.StallTimeout = DefaultStallTimeout
	}
	if cfg.IdleTimeout == 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.MaxLogged <= 0 {
		cfg.MaxLogged = 1 << 20
	}
	if cfg.UpstreamTLS == tdsconn.EncryptionUnknown {
		cfg.UpstreamTLS = tdsconn.EncryptionLoginOnly
	}
	return &Proxy{cfg: cfg, conns: map[net.Conn]struct{}{}}, nil
}

func (p *Proxy) logf(format string, args ...any) {
	if p.cfg.Logf != nil {
		p.cfg.Logf(format, args...)
	}
}

// Serve accepts connections on ln until Close, relaying each.
func (p *Proxy) Serve(ln net.Listener) error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return net.ErrClosed
	}
	p.ln = ln
	p.mu.Unlock()
	for {
		nc, err := ln.Accept()
		if err != nil {
			p.mu.Lock()
			closed := p.closed
			p.mu.Unlock()
			if closed {
				return nil
			}
			return err
		}
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			nc.Close()
			return nil
		}
		p.conns[nc] = struct{}{}
		p.wg.Add(1)
		p.mu.Unlock()
		go func() {
			defer p.wg.Done()
			p.relay(nc)
			p.mu.Lock()
			delete(p.conns, nc)
			p.mu.Unlock()
		}()
	}
}

// Close stops Serve, closes every connection and waits for their relays.
func (p *Proxy) Close() error {
	p.mu.Lock()
	p.closed = true
	if p.ln != nil {
		p.ln.Close()
	}
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
	return nil
}

// conn is one relayed connection.
type conn struct {
	p   *Proxy
	id  int64
	log func(format string, args ...any)

	ctx    context.Context
	up     *tdsconn.ClientConn
	upRes  *tdsconn.LoginResult
	upNet  net.Conn
	sspiMu sync.Mutex
	sspi   *sspiRelay
}

func (p *Proxy) relay(nc net.Conn) {
	defer nc.Close()
	c := &conn{p: p, id: p.next.Add(1)}
	c.log = func(format string, args ...any) {
		p.logf("conn %d: "+format, append([]any{c.id}, args...)...)
	}
	start := time.Now()
	defer func() { c.log("closed after %v", time.Since(start).Round(time.Millisecond)) }()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c.ctx = ctx
	c.log("client %v connected", nc.RemoteAddr())
	scfg := c.serverConfig()
	lctx, lcancel := context.WithTimeout(ctx, p.cfg.Timeout)
	sc, err := tdsconn.Accept(lctx, nc, scfg)
	lcancel()
	c.sspiMu.Lock()
	relay := c.sspi
	c.sspiMu.Unlock()
	if relay != nil {
		relay.finish()
	}
	if err != nil {
		c.log("login failed: %v", err)
		if c.up != nil {
			c.up.Close()
		}
		return
	}
	defer sc.Close()
	if c.up == nil {
		c.log("login ended without an upstream connection")
		return
	}
	defer c.up.Close()
	c.log("logged in: client encryption %v, upstream encryption %v, TDS %v, packet size %d (upstream %d), MARS %v",
		sc.Encryption(), c.upRes.Encryption, sc.Version(), sc.PacketSize(), c.up.PacketSize(), sc.MARS() && c.upRes.MARS)
	c.serve(sc)
}

// serverConfig is the client-side configuration of one connection: the
// login is checked by logging in upstream.
func (c *conn) serverConfig() *tdsconn.ServerConfig {
	cfg := c.p.cfg
	s := &tdsconn.ServerConfig{
		MARS:         true,
		LoginTimeout: cfg.Timeout,
		ServerName:   "tdsproxy",
		CheckLogin:   c.checkLogin,
		NewSSPI:      c.newSSPI,
		Response:     c.response,
	}
	if cfg.TLS != tdsserver.TLSOff {
		s.TLS = &tls.Config{Certificates: []tls.Certificate{*cfg.Certificate}}
		switch cfg.TLS {
		case tdsserver.TLSRequired:
			s.Encryption = prelogin.EncryptOn
		case tdsserver.TLSStrict:
			s.RequireStrict = true
		}
	}
	return s
}

// clientConfig is the upstream configuration for the client's LOGIN7.
func (c *conn) clientConfig(l *login7.Login7) *tdsconn.ClientConfig {
	cfg := c.p.cfg
	t := &tls.Config{InsecureSkipVerify: !cfg.VerifyUpstream}
	if cfg.RootCAs != nil {
		t.RootCAs = cfg.RootCAs.RootCAs
	}
	t.ServerName = cfg.UpstreamName
	if t.ServerName == "" {
		t.ServerName, _, _ = net.SplitHostPort(cfg.Upstream)
	}
	fwd := *l
	if cfg.AppName != "" {
		fwd.AppName = tds.UCS2(tds.AppendUCS2(nil, cfg.AppName))
	}
	return &tdsconn.ClientConfig{
		Encryption:   cfg.UpstreamTLS,
		TLS:          t,
		Login7:       &fwd,
		MARS:         true,
		LoginTimeout: cfg.Timeout,
	}
}

// logLogin logs the client's LOGIN7 (never its password).
func (c *conn) logLogin(l *login7.Login7) {
	rewritten := ""
	if c.p.cfg.AppName != "" {
		rewritten = fmt.Sprintf(" (rewritten to %q)", c.p.cfg.AppName)
	}
	c.log("client> LOGIN7: TDS %v, user %q, app %q%s, host %q, database %q, packet size %d, integrated %v",
		l.TDSVersion, l.UserName.String(), l.AppName.String(), rewritten, l.HostName.String(), l.Database.String(), l.PacketSize, l.OptionFlags2.IntegratedSecurity())
}

// dialUp logs in upstream with cfg.
func (c *conn) dialUp(ctx context.Context, cfg *tdsconn.ClientConfig) error {
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", c.p.cfg.Upstream)
	if err != nil {
		return err
	}
	up, res, err := tdsconn.Login(ctx, nc, cfg)
	if res != nil {
		for _, e := range res.Errors {
			c.log("server< ERROR %d, class %d, state %d: %s", e.Number, e.Class, e.State, e.Message)
		}
	}
	if err != nil {
		var se *tdsconn.ServerError
		if errors.As(err, &se) {
			return se // the client gets the upstream's refusal
		}
		return err
	}
	c.log("server< login response: LOGINACK TDS %v, %s %v, database %q, packet size %d, upstream encryption %v",
		res.TDSVersion, res.ProgName, res.ProgVersion, res.Database, res.PacketSize, res.Encryption)
	c.up, c.upRes, c.upNet = up, res, nc
	return nil
}

func (c *conn) checkLogin(ctx context.Context, l *login7.Login7) error {
	c.logLogin(l)
	return c.dialUp(ctx, c.clientConfig(l))
}

func (c *conn) response(ctx context.Context, l *login7.Login7, user string) (*tdsconn.LoginResponse, error) {
	if c.up == nil {
		return nil, errors.New("no upstream login")
	}
	return &tdsconn.LoginResponse{Tokens: c.upRes.Response, Version: c.upRes.TDSVersion, PacketSize: c.upRes.PacketSize}, nil
}

// newSSPI relays an integrated login: the client's tokens go upstream,
// the upstream's come back, until the upstream acknowledges the login.
func (c *conn) newSSPI(ctx context.Context, l *login7.Login7) (tdsconn.SSPIServer, error) {
	c.logLogin(l)
	r := &sspiRelay{c: c, l: l, toUp: make(chan []byte, 1), toClient: make(chan []byte, 1), done: make(chan error, 1), quit: make(chan struct{})}
	c.sspiMu.Lock()
	c.sspi = r
	c.sspiMu.Unlock()
	return r, nil
}

// sspiRelay is both the SSPIServer the client talks to and the
// SSPIClient of the upstream login, which runs in its own goroutine.
type sspiRelay struct {
	c        *conn
	l        *login7.Login7
	started  bool
	user     string
	round    int
	toUp     chan []byte // client tokens for the upstream
	toClient chan []byte // upstream tokens for the client
	done     chan error  // the upstream login's outcome
	quit     chan struct{}
	once     sync.Once
	wg       sync.WaitGroup
}

// finish stops the upstream goroutine, if still waiting, and waits for it.
func (r *sspiRelay) finish() {
	r.once.Do(func() { close(r.quit) })
	r.wg.Wait()
}

func (r *sspiRelay) Step(ctx context.Context, in []byte) ([]byte, bool, error) {
	r.noteUser(in)
	tok := bytes.Clone(in)
	if !r.started {
		r.started = true
		r.c.log("client> SSPI token in LOGIN7 (%d bytes)", len(in))
		cfg := r.c.clientConfig(r.l)
		cfg.SSPI = (*upstreamSSPI)(r)
		r.toUp <- tok
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			r.done <- r.c.dialUp(ctx, cfg)
		}()
	} else {
		r.round++
		r.c.log("client> SSPI message %d (%d bytes)", r.round, len(in))
		select {
		case r.toUp <- tok:
		case <-ctx.Done():
			return nil, false, ctx.Err()
		}
	}
	select {
	case out := <-r.toClient:
		r.c.log("server< SSPI token (%d bytes)", len(out))
		return out, false, nil
	case err := <-r.done:
		if err != nil {
			return nil, false, err
		}
		return nil, true, nil
	case <-ctx.Done():
		return nil, false, ctx.Err()
	}
}

// noteUser takes the user name from an NTLM AUTHENTICATE_MESSAGE, for
// the log and User.
func (r *sspiRelay) noteUser(in []byte) {
	var a ntlm.Authenticate
	if bytes.HasPrefix(in, []byte(ntlm.Signature)) && a.Decode(in) == nil {
		r.user = a.User()
		if d := a.Domain(); d != "" {
			r.user = d + `\` + r.user
		}
		r.c.log("client> NTLM AUTHENTICATE for %q", r.user)
	}
}

func (r *sspiRelay) User() string {
	if r.user == "" {
		return "(integrated)"
	}
	return r.user
}

// upstreamSSPI is the relay seen by the upstream login.
type upstreamSSPI sspiRelay

func (u *upstreamSSPI) Step(ctx context.Context, in []byte) ([]byte, bool, error) {
	r := (*sspiRelay)(u)
	if in != nil {
		select {
		case r.toClient <- bytes.Clone(in):
		case <-r.quit:
			return nil, false, errors.New("client gone")
		case <-ctx.Done():
			return nil, false, ctx.Err()
		}
	}
	select {
	case tok := <-r.toUp:
		return tok, false, nil
	case <-r.quit:
		return nil, false, errors.New("client gone")
	case <-ctx.Done():
		return nil, false, ctx.Err()
	}
}

// serve relays requests and responses until either side ends.
func (c *conn) serve(sc *tdsconn.ServerConn) {
	var wg sync.WaitGroup
	defer wg.Wait()
	ctx := c.ctx
	for {
		st, err := sc.AcceptStream(ctx)
		if err != nil {
			if err != io.EOF {
				c.log("MARS: %v", err)
			}
			return
		}
		var up *tdsconn.Stream
		if sc.SMP() {
			if up, err = c.up.OpenStream(ctx); err != nil {
				c.log("MARS: opening the upstream session: %v", err)
				st.Close()
				return
			}
			c.log("MARS: session opened on both legs")
		} else {
			up = c.up.Stream
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.pipe(st, up, sc.SMP())
		}()
		if !sc.SMP() {
			wg.Wait()
			return
		}
	}
}

// pipe relays one message stream in both directions; it returns when
// either direction ends, closing both streams.
func (c *conn) pipe(client, up *tdsconn.Stream, session bool) {
	l := &leg{c: c, client: client, up: up}
	if d := c.p.cfg.IdleTimeout; d > 0 {
		l.idle = &idleGate{d: d, fire: func() {
			c.log("idle for %v: closing", d)
			client.Close()
			up.Close()
		}}
		defer l.idle.stop()
	}
	done := make(chan struct{}, 2)
	go func() { l.forward(client, up, true); done <- struct{}{} }()
	go func() { l.forward(up, client, false); done <- struct{}{} }()
	<-done
	if session {
		client.Close()
		up.Close()
	} else {
		c.up.Close()
		client.Close()
	}
	<-done
}

// leg is the two streams of one relayed message stream.
type leg struct {
	c          *conn
	client, up *tdsconn.Stream
	idle       *idleGate // nil without an IdleTimeout
}

// idleGate runs the idle timer of one relayed stream while the client
// owes a whole message and no response is on its way.
type idleGate struct {
	d    time.Duration
	fire func()

	mu               sync.Mutex
	waiting, respond bool
	stopped          bool
	t                *time.Timer
}

// set records that the client is waiting to complete a message
// (waiting) or that the server's response is being relayed (respond).
func (g *idleGate) set(fromClient, on bool) {
	if g == nil {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if fromClient {
		g.waiting = on
	} else {
		g.respond = on
	}
	run := g.waiting && !g.respond && !g.stopped
	switch {
	case run && g.t == nil:
		g.t = time.AfterFunc(g.d, g.fire)
	case !run && g.t != nil:
		g.t.Stop()
		g.t = nil
	}
}

func (g *idleGate) stop() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.stopped = true
	if g.t != nil {
		g.t.Stop()
		g.t = nil
	}
}

// forward relays messages from src to dst packet by packet, keeping up to
// MaxLogged bytes of each message to log it.
func (l *leg) forward(src, dst *tdsconn.Stream, fromClient bool) {
	var keep []byte
	over := false
	packets := 0
	inMsg := false
	stall := l.c.p.cfg.StallTimeout
	if fromClient {
		l.idle.set(true, true)
	}
	for {
		// Between messages a peer may be quiet (the idle timer bounds a
		// client); inside one, each packet must come within stall.
		var dl time.Time
		if inMsg {
			dl = time.Now().Add(stall)
		}
		src.SetReadDeadline(dl)
		h, data, err := src.ReadPacket()
		if err != nil {
			if err != io.EOF && !errors.Is(err, net.ErrClosed) && !errors.Is(err, tdsconn.ErrClosed) {
				l.c.log("%s: %v", dirName(fromClient), err)
			}
			return
		}
		dst.SetWriteDeadline(time.Now().Add(stall))
		if !inMsg {
			if !fromClient {
				l.idle.set(false, true)
			}
			if err := dst.BeginMessageStatus(h.Type, h.Status&^(tds.StatusEOM|tds.StatusIgnore)); err != nil {
				l.c.log("%s: %v", dirName(fromClient), err)
				return
			}
			inMsg, keep, over, packets = true, keep[:0], false, 0
		}
		packets++
		if !over && len(keep)+len(data) <= l.c.p.cfg.MaxLogged {
			keep = append(keep, data...)
		} else {
			over = true
		}
		if _, err := dst.Write(data); err != nil {
			l.c.log("%s: %v", dirName(fromClient), err)
			return
		}
		if h.Status&tds.StatusEOM == 0 {
			continue
		}
		inMsg = false
		// The line is logged before the last packet goes on, so that
		// the log is complete by the time the peer has the message.
		if over {
			l.c.log("%s %v: %d packets, over the log limit, not decoded", dirName(fromClient), h.Type, packets)
		} else {
			l.c.log("%s %s", dirName(fromClient), describe(h, keep, src.Version(), fromClient))
		}
		if h.Status&tds.StatusIgnore != 0 {
			err = dst.AbortMessage()
		} else {
			err = dst.EndMessage()
		}
		if err != nil {
			l.c.log("%s: %v", dirName(fromClient), err)
			return
		}
		// A whole client message renews the idle timer; the end of a
		// response lets it run again.
		if fromClient {
			l.idle.set(true, false)
			l.idle.set(true, true)
		} else {
			l.idle.set(false, false)
		}
	}
}

func dirName(fromClient bool) string {
	if fromClient {
		return "client>"
	}
	return "server<"
}
