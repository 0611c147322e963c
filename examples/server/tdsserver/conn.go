package tdsserver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tdswire/tdswire/login7"
	"github.com/tdswire/tdswire/ntlm"
	"github.com/tdswire/tdswire/prelogin"
	"github.com/tdswire/tdswire/smp"
	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tds/sqltype"
	"github.com/tdswire/tdswire/tokens"
)

// serverVersion is the product version the server reports in PRELOGIN
// ([MS-TDS] 2.2.6.5 VERSION) and LOGINACK (2.2.7.14 ProgVersion):
// 16.0.4000, a SQL Server 2022 build number.
var serverVersion = prelogin.Version{Major: 16, Minor: 0, Build: 4000}

// progName is the LOGINACK ProgName. Clients print it and some look for
// "Microsoft" in it to tell SQL Server from Sybase, so the example
// server answers as SQL Server does.
const progName = "Microsoft SQL Server"

// serverName is the ServerName of ERROR and INFO tokens.
const serverName = "TDSWIRE"

// collation is SQL_Latin1_General_CP1_CI_AS, the bytes 09 04 D0 00 34
// of the collation ENVCHANGE in the login response example of [MS-TDS]
// 4.3: LCID 0x0409, IgnoreCase, IgnoreKana and IgnoreWidth, sort ID 52.
var collation = sqltype.Collation{0x09, 0x04, 0xD0, 0x00, 0x34}

// errLoginFailed ends a connection whose login was refused.
var errLoginFailed = errors.New("login failed")

// timeoutConn sets a fresh deadline before every Read and Write, so that
// no step of a connection can block for longer than the timeout.
type timeoutConn struct {
	net.Conn
	d time.Duration
}

func (c timeoutConn) Read(p []byte) (int, error) {
	c.Conn.SetReadDeadline(time.Now().Add(c.d))
	return c.Conn.Read(p)
}

func (c timeoutConn) Write(p []byte) (int, error) {
	c.Conn.SetWriteDeadline(time.Now().Add(c.d))
	return c.Conn.Write(p)
}

// conn is the state of one client connection: what PRELOGIN and LOGIN7
// negotiated, shared by the SMP sessions of a MARS connection.
type conn struct {
	s    *Server
	id   int64
	spid uint16
	raw  net.Conn // the TCP connection
	cs   *connState
	nc   net.Conn // the TCP connection, with deadlines
	log  func(format string, args ...any)
	ctx  context.Context // ends with the connection or the server

	mars bool // granted in PRELOGIN

	mu       sync.Mutex
	loggedIn bool
	sess     *Session
}

func (s *Server) serveConn(raw net.Conn, cs *connState) {
	defer raw.Close()
	s.st.conns.Add(1)
	id := s.next.Add(1)
	ctx, cancel := context.WithCancel(s.ctx)
	defer cancel()
	c := &conn{
		s:    s,
		id:   id,
		spid: uint16(50 + id%30000),
		raw:  raw,
		cs:   cs,
		nc:   timeoutConn{Conn: raw, d: s.cfg.Timeout},
		ctx:  ctx,
	}
	c.log = func(format string, args ...any) {
		s.logf("conn %d %s: "+format, append([]any{id, raw.RemoteAddr()}, args...)...)
	}
	c.log("TCP connection accepted")
	if s.cfg.LoginTimeout > 0 {
		// One deadline for the whole login, not renewed by reads.
		t := time.AfterFunc(s.cfg.LoginTimeout, func() {
			c.mu.Lock()
			in := c.loggedIn
			c.mu.Unlock()
			if !in {
				s.st.loginTimeout.Add(1)
				c.log("login not done in %v: closing", s.cfg.LoginTimeout)
				raw.Close()
			}
		})
		defer t.Stop()
	}
	err := c.run()
	switch {
	case err == nil, errors.Is(err, io.EOF), errors.Is(err, errLoginFailed), errors.Is(err, errFault), errors.Is(err, errRouted):
		c.log("closed")
	default:
		s.mu.Lock()
		closed := s.closed
		s.mu.Unlock()
		if closed && errors.Is(err, net.ErrClosed) {
			c.log("closed by server shutdown")
			return
		}
		s.st.errs.Add(1)
		c.log("closed: %v", err)
	}
}

// run plays one connection: PRELOGIN, TLS, then the login and requests
// directly on the connection or, for MARS, in SMP sessions.
func (c *conn) run() error {
	r := tds.NewReader(c.nc)
	h, msg, err := r.ReadMessage()
	if err != nil {
		return fmt.Errorf("reading PRELOGIN: %w", err)
	}
	if h.Type != tds.PacketPrelogin {
		return fmt.Errorf("first message is %v, want Prelogin", h.Type)
	}
	var pm prelogin.Message
	if err := pm.Decode(msg); err != nil {
		return fmt.Errorf("decoding PRELOGIN: %w", err)
	}
	c.log("TDS:Prelogin received: %v; client VERSION %v, ENCRYPTION %v, MARS %v", h, pm.Version, pm.Encryption, pm.MARS)
	c.s.record(Received{Conn: c.id, Time: time.Now(), Type: h.Type, Payload: bytes.Clone(msg), Decoded: &pm})
	if f := c.s.faults.find(PhasePrelogin, c.id, ""); f != nil {
		if err := c.connFault(f); err != nil {
			return err
		}
	}
	resp, terminate := prelogin.ServerResponse(pm.Encryption, c.s.cfg.TLS.setting())
	if c.s.tls == nil && resp != prelogin.EncryptNotSup {
		resp, terminate = prelogin.EncryptNotSup, true
	}
	c.mars = c.s.cfg.MARS && pm.MARS && !terminate
	answer := prelogin.Message{
		Present:    prelogin.HasVersion | prelogin.HasEncryption | prelogin.HasInstOpt | prelogin.HasThreadID | prelogin.HasMARS,
		Version:    serverVersion,
		Encryption: resp,
		Instance:   []byte{prelogin.InstanceMatch},
		// 2.2.6.5: THREADID "SHOULD be empty when being sent from the
		// server to the client".
		ThreadIDEmpty: true,
		MARS:          c.mars,
	}
	payload, err := answer.Append(nil)
	if err != nil {
		return fmt.Errorf("encoding the PRELOGIN response: %w", err)
	}
	w, err := tds.NewWriter(c.nc, tds.DefaultPacketSize)
	if err != nil {
		return err
	}
	if err := w.WriteMessage(tds.PacketResponse, 0, payload); err != nil {
		return fmt.Errorf("writing the PRELOGIN response: %w", err)
	}
	c.log("TDS:Response sent: ENCRYPTION %v, MARS %v", resp, c.mars)
	if terminate {
		return fmt.Errorf("client ENCRYPTION %v cannot be served with -tls %v: connection terminated ([MS-TDS] 2.2.6.5)", pm.Encryption, c.s.cfg.TLS)
	}

	outcome := prelogin.Negotiate(pm.Encryption, resp)
	var stream io.ReadWriter = c.nc // where the login and requests travel
	switch outcome {
	case prelogin.OutcomeNoEncryption:
		c.log("no encryption")
	case prelogin.OutcomeLoginOnly, prelogin.OutcomeEntireConnection:
		if f := c.s.faults.find(PhaseTLS, c.id, ""); f != nil {
			if err := c.connFault(f); err != nil {
				return err
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), c.s.cfg.Timeout)
		tc, err := tds.ServerHandshake(ctx, c.nc, c.s.tls)
		cancel()
		if err != nil {
			return fmt.Errorf("TLS handshake: %w", err)
		}
		c.s.st.tls.Add(1)
		cs := tc.ConnectionState()
		c.log("TLS handshake done: %s, %s; encrypting %v", tls12Name(cs.Version), cipherName(cs.CipherSuite), outcome)
		if outcome == prelogin.OutcomeEntireConnection {
			stream = tc
			break
		}
		// Login-only: the first LOGIN7 packet in TLS, the rest in clear
		// ([MS-TDS] 3.2.5.3), switched by the Reader at that packet.
		lr := tds.NewReader(tc)
		lr.ResetAfterFirstPacket(c.nc)
		return c.session(lr, w, c.nc, nil, nil)
	default:
		return fmt.Errorf("PRELOGIN outcome %v", outcome)
	}

	if c.mars {
		// A client may start SMP right after PRELOGIN and send LOGIN7 in
		// its first session; 0x53 (SMID) is never a TDS packet type, so
		// one byte tells.
		b, err := peekByte(stream)
		if err != nil {
			return fmt.Errorf("reading LOGIN7: %w", err)
		}
		in := io.MultiReader(bytes.NewReader([]byte{b}), stream) // give the peeked byte back
		if b == smp.SMID {
			return c.serveSMP(in, stream)
		}
		stream = readWriter{in, stream}
	}
	r.Reset(stream)
	if err := w.Reset(stream); err != nil {
		return err
	}
	return c.session(r, w, stream, nil, nil)
}

type readWriter struct {
	io.Reader
	io.Writer
}

func peekByte(r io.Reader) (byte, error) {
	var b [1]byte
	_, err := io.ReadFull(r, b[:])
	return b[0], err
}

// session serves one TDS packet stream: the login, if the connection has
// not logged in yet, then requests until the client goes away. after is
// the stream the connection continues on once logged in (for a MARS
// connection that has not started SMP yet); mux is the SMP Mux the
// session belongs to, or nil.
func (c *conn) session(r *tds.Reader, w *tds.Writer, after io.ReadWriter, mux *smp.Mux, stream io.Closer) error {
	c.mu.Lock()
	logged := c.loggedIn
	c.mu.Unlock()
	if !logged {
		if err := c.login(r, w); err != nil {
			return err
		}
		if c.mars && mux == nil {
			b, err := peekByte(after)
			if err != nil {
				return err
			}
			in := io.MultiReader(bytes.NewReader([]byte{b}), after)
			if b == smp.SMID {
				return c.serveSMP(in, after)
			}
			r.Reset(in)
		} else if after != nil {
			r.Reset(after)
		}
	}
	ps := c.sess.PacketSize
	if err := r.SetPacketSize(ps); err != nil {
		return err
	}
	if err := w.SetPacketSize(ps); err != nil {
		return err
	}
	w.SetSPID(c.spid)
	closeStream := c.raw.Close
	if mux != nil {
		closeStream = stream.Close
	}
	return c.serveRequests(r, w, closeStream)
}

// login reads LOGIN7 (and for NTLM the SSPI message) and answers with the
// login response or error 18456.
func (c *conn) login(r *tds.Reader, w *tds.Writer) error {
	h, msg, err := r.ReadMessage()
	if err != nil {
		return fmt.Errorf("reading LOGIN7: %w", err)
	}
	if h.Type != tds.PacketLogin7 {
		return fmt.Errorf("message after PRELOGIN is %v, want TDS7 Login", h.Type)
	}
	var l login7.Login7
	if err := l.Decode(msg); err != nil {
		return fmt.Errorf("decoding LOGIN7: %w", err)
	}
	if c.s.cfg.Record {
		cp := bytes.Clone(msg)
		var rl login7.Login7
		if rl.Decode(cp) == nil {
			// The recording never holds a password, not even obfuscated.
			clear(rl.Password.Bytes())
			clear(rl.ChangePassword.Bytes())
			c.s.record(Received{Conn: c.id, Time: time.Now(), Type: h.Type, Payload: cp, Decoded: &rl})
		}
	}
	v := l.TDSVersion
	if !v.AtLeast(tds.Version71) {
		return fmt.Errorf("client speaks TDS %v; this server answers 7.1 and later", v)
	}
	if v.AtLeast(tds.Version74) {
		v = tds.Version74
	}
	database := l.Database.String()
	if database == "" {
		database = "master"
	}
	ps := tds.DefaultPacketSize // 0 (or out of range) asks for the server's default
	if l.PacketSize >= tds.MinPacketSize && l.PacketSize <= tds.MaxPacketSize {
		ps = int(l.PacketSize) // bounded as a uint32 first: int may be 32 bits
	}
	c.log("TDS:Login7 received: %v; TDS %v, user %q, app %q, host %q, database %q, packet size %d, integrated %v",
		h, l.TDSVersion, l.UserName.String(), l.AppName.String(), l.HostName.String(), l.Database.String(), l.PacketSize, l.OptionFlags2.IntegratedSecurity())

	if f := c.s.faults.find(PhaseLogin, c.id, ""); f != nil {
		if err := c.connFault(f); err != nil {
			return err
		}
		if f.Action == FaultError || f.Action == FaultFatal {
			e := faultError(f, database)
			return c.refuse(w, v, l.UserName.String(), &LoginError{Number: e.Number, Class: e.Class, State: e.State, Msg: e.Msg})
		}
	}
	var user string
	var refusal error
	viaSSPI := l.OptionFlags2.IntegratedSecurity()
	switch {
	case viaSSPI && c.s.cfg.NewSSPI != nil:
		user, refusal, err = c.sspi(r, w, &l)
		if err != nil {
			return err
		}
	case viaSSPI:
		var ok bool
		user, ok, err = c.ntlm(r, w, bytes.Clone(l.SSPI))
		if err != nil {
			return err
		}
		if !ok {
			refusal = errLoginFailed
		}
	case c.s.cfg.CheckSQLLogin != nil:
		user = l.UserName.String()
		refusal = c.s.cfg.CheckSQLLogin(c.ctx, user, l.Password)
	default:
		user = l.UserName.String()
		u, found := c.s.users[strings.ToLower(user)]
		if !found || !l.Password.Equal(u.Password) {
			refusal = errLoginFailed
		}
	}
	if refusal != nil {
		return c.refuse(w, v, user, refusal)
	}
	canon, ok := c.s.database(database)
	if !ok {
		return c.refuse(w, v, user, &LoginError{Number: 4060, Class: 11, State: 1, Msg: fmt.Sprintf("Cannot open database \"%s\" requested by the login. The login failed.", database)})
	}
	database = canon

	sess := &Session{
		ID: c.id, SPID: c.spid, User: user, App: l.AppName.String(), Host: l.HostName.String(),
		Database: database, Version: v, PacketSize: ps, server: c.s, textSize: 4096,
	}
	// The connection is logged in before the client can know it: another
	// SMP session may be opened as soon as the response arrives.
	c.mu.Lock()
	c.loggedIn, c.sess = true, sess
	c.mu.Unlock()
	b := loginResponse(nil, v, database, ps)
	b = b[:len(b)-tokens.DoneLen(v)] // the DONE goes after what follows LOGINACK
	if acks := c.featureAcks(&l); len(acks) > 0 && v.AtLeast(tds.Version74) {
		b = tokens.AppendFeatureExtAck(b, acks...)
	}
	if rt := c.s.cfg.Route; rt != nil {
		b = tokens.EnvChange{Type: tokens.EnvRouting, NewValue: tokens.Routing{Port: rt.Port, AlternateServer: ucs2(rt.Server)}.AppendValue(nil, false)}.Append(b)
	}
	b = tokens.Done{Status: tokens.DoneFinal}.Append(b, v)
	w.SetSPID(c.spid)
	if err := w.WriteMessage(tds.PacketResponse, 0, b); err != nil {
		return fmt.Errorf("writing the login response: %w", err)
	}
	c.s.st.logins.Add(1)
	if viaSSPI {
		c.s.st.ntlm.Add(1)
	}
	c.log("TDS:Response sent: LOGINACK TDS %v, SPID %d, user %q, database %q, packet size %d", v, c.spid, user, database, ps)
	if rt := c.s.cfg.Route; rt != nil {
		c.log("routed to %s,%d: closing", rt.Server, rt.Port)
		return errRouted
	}
	return nil
}

// errRouted ends a connection whose client was routed elsewhere.
var errRouted = errors.New("client routed to another server")

// refuse answers a refused login: ERROR 18456 (or the LoginError's own)
// and DONE with DONE_ERROR, then the connection ends.
func (c *conn) refuse(w *tds.Writer, v tds.Version, user string, why error) error {
	c.s.st.failed.Add(1)
	var le *LoginError
	var b []byte
	if errors.As(why, &le) {
		b = tokens.Message{Number: le.Number, State: le.State, Class: le.Class, MsgText: ucs2(le.Msg), ServerName: ucs2(c.s.cfg.ServerName), LineNumber: 1}.Append(nil, v)
		b = tokens.Done{Status: tokens.DoneError}.Append(b, v)
	} else {
		b = loginFailed(nil, v, user)
	}
	if err := w.WriteMessage(tds.PacketResponse, 0, b); err != nil {
		return err
	}
	c.log("login refused for %q: %v", user, why)
	return errLoginFailed
}

// featureAcks returns the Config.FeatureAcks the client's LOGIN7 asks for.
func (c *conn) featureAcks(l *login7.Login7) []tokens.FeatureAck {
	var out []tokens.FeatureAck
	for _, a := range c.s.cfg.FeatureAcks {
		if _, ok := l.FeatureExt.Lookup(login7.FeatureID(a.ID)); ok {
			out = append(out, a)
		}
	}
	return out
}

// sspi runs an integrated login through Config.NewSSPI: each token out
// goes in an SSPI token (2.2.7.22), each client answer comes in an SSPI
// message (2.2.6.8). It returns the user, or the refusal.
func (c *conn) sspi(r *tds.Reader, w *tds.Writer, l *login7.Login7) (string, error, error) {
	srv, err := c.s.cfg.NewSSPI(c.ctx, l)
	if err != nil {
		return l.UserName.String(), &LoginError{Number: 18452, Class: 14, State: 1, Msg: "Login failed. The login is from an untrusted domain and cannot be used with Integrated authentication."}, nil
	}
	in := bytes.Clone(l.SSPI)
	for round := 0; ; round++ {
		out, done, err := srv.Step(c.ctx, in)
		if err != nil {
			var le *LoginError
			if errors.As(err, &le) {
				return srv.User(), le, nil
			}
			return srv.User(), &LoginError{Number: 18452, Class: 14, State: 1, Msg: "Login failed. The login is from an untrusted domain and cannot be used with Integrated authentication."}, nil
		}
		if done {
			if len(out) > 0 {
				// The last token travels with the login response; send
				// it first in its own message as SQL Server does not
				// need a reply to it.
				if err := w.WriteMessage(tds.PacketResponse, 0, tokens.SSPI{Buffer: out}.Append(nil)); err != nil {
					return "", nil, err
				}
			}
			return srv.User(), nil, nil
		}
		if round > 16 {
			return srv.User(), &LoginError{Number: 18452, Class: 14, State: 1, Msg: "Login failed: too many SSPI rounds."}, nil
		}
		if err := w.WriteMessage(tds.PacketResponse, 0, tokens.SSPI{Buffer: out}.Append(nil)); err != nil {
			return "", nil, err
		}
		h, msg, err := r.ReadMessage()
		if err != nil {
			return "", nil, fmt.Errorf("reading the SSPI message: %w", err)
		}
		if h.Type != tds.PacketSSPI {
			return "", nil, fmt.Errorf("message in the SSPI exchange is %v, want SSPI", h.Type)
		}
		var m login7.SSPIMessage
		if err := m.Decode(msg); err != nil {
			return "", nil, err
		}
		in = bytes.Clone(m.Data)
	}
}

// ntlm answers the NEGOTIATE_MESSAGE of LOGIN7 with a CHALLENGE_MESSAGE in
// an SSPI token ([MS-TDS] 2.2.7.22) and verifies the AUTHENTICATE_MESSAGE
// of the client's SSPI message (2.2.6.8). It returns the user name the
// client gave and whether it verified.
func (c *conn) ntlm(r *tds.Reader, w *tds.Writer, negotiate []byte) (string, bool, error) {
	challenge, err := c.s.ntlm.Challenge(nil, negotiate)
	if err != nil {
		return "", false, fmt.Errorf("NTLM NEGOTIATE in LOGIN7: %w", err)
	}
	if err := w.WriteMessage(tds.PacketResponse, 0, tokens.SSPI{Buffer: challenge}.Append(nil)); err != nil {
		return "", false, err
	}
	c.log("NLMP:NTLM CHALLENGE MESSAGE sent in an SSPI token (%d bytes)", len(challenge))
	h, msg, err := r.ReadMessage()
	if err != nil {
		return "", false, fmt.Errorf("reading the SSPI message: %w", err)
	}
	if h.Type != tds.PacketSSPI {
		return "", false, fmt.Errorf("message after the NTLM CHALLENGE is %v, want SSPI", h.Type)
	}
	var m login7.SSPIMessage
	if err := m.Decode(msg); err != nil {
		return "", false, err
	}
	var a ntlm.Authenticate
	if err := a.Decode(m.Data); err != nil {
		return "", false, fmt.Errorf("decoding the NTLM AUTHENTICATE: %w", err)
	}
	name := a.User()
	if d := a.Domain(); d != "" {
		name = d + `\` + name
	}
	c.log("NLMP:NTLM AUTHENTICATE MESSAGE received: %v", &a)
	res, err := c.s.ntlm.Verify(negotiate, challenge, m.Data)
	if err != nil {
		c.log("NTLM verification failed: %v", err)
		return name, false, nil
	}
	c.log("NTLM verified: %v", res)
	return name, true, nil
}

// loginFailed appends the answer to a refused login: ERROR 18456, class
// 14, state 1, "Login failed for user '...'." (what SQL Server sends,
// whatever the reason, so as not to tell an unknown user from a wrong
// password), and a DONE with DONE_ERROR ([MS-TDS] 2.2.7.10, 2.2.7.6).
func loginFailed(b []byte, v tds.Version, user string) []byte {
	msg := "Login failed for user '" + user + "'."
	b = tokens.Message{Type: tokens.TokenError, Number: 18456, State: 1, Class: 14, MsgText: ucs2(msg), ServerName: ucs2(serverName), LineNumber: 1}.Append(b, v)
	return tokens.Done{Status: tokens.DoneError}.Append(b, v)
}

// loginResponse appends the token stream of a successful login, in the
// order SQL Server sends it ([MS-TDS] 4.3): database ENVCHANGE and its
// INFO 5701, collation ENVCHANGE, language ENVCHANGE and INFO 5703,
// LOGINACK, packet size ENVCHANGE, DONE.
func loginResponse(b []byte, v tds.Version, database string, packetSize int) []byte {
	b = tokens.EnvChange{Type: tokens.EnvDatabase, NewValue: ucs2(database), OldValue: ucs2("master")}.Append(b)
	b = tokens.Message{Type: tokens.TokenInfo, Number: 5701, State: 2, Class: 0, MsgText: ucs2("Changed database context to '" + database + "'."), ServerName: ucs2(serverName), LineNumber: 1}.Append(b, v)
	b = tokens.EnvChange{Type: tokens.EnvSQLCollation, NewValue: collation[:]}.Append(b)
	b = tokens.EnvChange{Type: tokens.EnvLanguage, NewValue: ucs2("us_english")}.Append(b)
	b = tokens.Message{Type: tokens.TokenInfo, Number: 5703, State: 1, Class: 0, MsgText: ucs2("Changed language setting to us_english."), ServerName: ucs2(serverName), LineNumber: 1}.Append(b, v)
	b = tokens.LoginAck{
		Interface:   tokens.InterfaceTSQL,
		TDSVersion:  v,
		ProgName:    ucs2(progName),
		ProgVersion: tokens.ProgVersion{Major: serverVersion.Major, Minor: serverVersion.Minor, BuildHi: uint8(serverVersion.Build >> 8), BuildLow: uint8(serverVersion.Build)},
	}.Append(b)
	b = tokens.EnvChange{Type: tokens.EnvPacketSize, NewValue: ucs2(strconv.Itoa(packetSize)), OldValue: ucs2(strconv.Itoa(tds.DefaultPacketSize))}.Append(b)
	return tokens.Done{Status: tokens.DoneFinal}.Append(b, v)
}

// ucs2 converts s to a UTF-16LE view.
func ucs2(s string) tds.UCS2 { return tds.UCS2(tds.AppendUCS2(nil, s)) }

// serveSMP runs the SMP server role over in (the client's bytes) and out,
// accepting the client's sessions and serving each as a TDS stream.
func (c *conn) serveSMP(in io.Reader, out io.Writer) error {
	c.log("SMP: client opened session multiplexing ([MC-SMP])")
	t := &smpTap{r: in, onHeader: func(h smp.Header) {
		switch h.Flags {
		case smp.FlagSYN:
			c.s.st.syn.Add(1)
		case smp.FlagDATA:
			c.s.st.data.Add(1)
		}
		c.log("%v", h)
	}}
	mux := smp.NewServer(closer{Reader: t, Writer: out, close: c.nc.Close}, nil)
	defer mux.Close()
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		sess, err := mux.Accept(context.Background())
		if err != nil {
			if errors.Is(err, smp.ErrClosed) || errors.Is(err, smp.ErrTransport) {
				return nil
			}
			return err
		}
		c.s.st.sessions.Add(1)
		c.log("SMP session %v accepted", sess.LocalAddr())
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer sess.Close()
			ps := tds.DefaultPacketSize
			c.mu.Lock()
			if c.sess != nil {
				ps = c.sess.PacketSize
			}
			c.mu.Unlock()
			w, err := tds.NewWriter(sess, ps)
			if err == nil {
				err = c.session(tds.NewReader(sess), w, nil, mux, sess)
			}
			if err != nil {
				c.log("SMP session %v: %v", sess.LocalAddr(), err)
				if errors.Is(err, errLoginFailed) {
					mux.Close()
				}
			}
		}()
	}
}

// smpTap passes a stream of SMP packets through unchanged and reports each
// packet header it sees (a log of the SYN, DATA, ACK and FIN packets).
type smpTap struct {
	r        io.Reader
	onHeader func(smp.Header)
	hdr      [smp.HeaderLen]byte
	nhdr     int    // header bytes collected
	skip     uint32 // data bytes of the current packet still to pass
	broken   bool
}

func (t *smpTap) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	for b := p[:n]; len(b) > 0 && !t.broken; {
		if t.skip > 0 {
			k := min(uint32(len(b)), t.skip)
			t.skip -= k
			b = b[k:]
			continue
		}
		k := copy(t.hdr[t.nhdr:], b)
		t.nhdr += k
		b = b[k:]
		if t.nhdr < smp.HeaderLen {
			continue
		}
		t.nhdr = 0
		var h smp.Header
		if h.Decode(t.hdr[:]) != nil {
			t.broken = true // the Mux reports the error itself
			break
		}
		t.skip = h.DataLen()
		t.onHeader(h)
	}
	return n, err
}
