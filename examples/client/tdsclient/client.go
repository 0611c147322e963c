package tdsclient

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"time"

	"github.com/tdswire/tdswire/login7"
	"github.com/tdswire/tdswire/ntlm"
	"github.com/tdswire/tdswire/prelogin"
	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tds/request"
	"github.com/tdswire/tdswire/tds/sqltype"
	"github.com/tdswire/tdswire/tokens"
)

// Config says where and how to log in.
type Config struct {
	Addr string // host:port
	// User is a SQL login name, or DOMAIN\name for an NTLM login
	// (integrated security, [MS-TDS] 2.2.6.4 fIntSecurity).
	User     string
	Password string
	Database string // initial database; "" for the login's default
	// TLS asks for an encrypted connection (PRELOGIN ENCRYPT_ON). Without
	// it the client sends ENCRYPT_OFF and encrypts what the server asks
	// for: the login packet only, everything, or nothing. The server's
	// certificate is not verified (as TrustServerCertificate=true).
	TLS bool
	// Query is sent as a SQL batch after the login; "" sends none.
	Query string
	// Version is the TDS version asked for in LOGIN7; 0 means 7.4.
	Version tds.Version
	// Out receives the step-by-step trace; nil discards it.
	Out io.Writer
	// Timeout bounds the whole exchange; 0 means 30 seconds.
	Timeout time.Duration
}

// ServerError is an ERROR token ([MS-TDS] 2.2.7.10) the server sent.
type ServerError struct {
	Number  int32
	Class   uint8
	State   uint8
	Message string
}

// Error formats the number, class, state and message.
func (e *ServerError) Error() string {
	return fmt.Sprintf("server error %d, class %d, state %d: %s", e.Number, e.Class, e.State, e.Message)
}

// Result is what a login and query returned.
type Result struct {
	Encryption  prelogin.Outcome
	NTLM        bool        // the login went through the NTLM exchange
	Version     tds.Version // TDS version of LOGINACK
	ProgName    string      // LOGINACK ProgName, trailing NULs removed
	ProgVersion string      // LOGINACK ProgVersion
	Database    string      // from the database ENVCHANGE
	PacketSize  int         // from the packet size ENVCHANGE
	Infos       []string    // INFO messages, "5701: Changed database context to 'master'."
	Columns     []string    // of the query's last result set: "name type"
	Rows        [][]string  // its rows, values printed as text, NULL as "NULL"
	Errors      []ServerError
}

// Run connects to cfg.Addr, logs in, runs cfg.Query and closes, printing
// each step to cfg.Out in the style of the network traces of the seeds
// ("TDS:Prelogin, Version = 7.4 (0x74000004), SPID = 0, PacketID = 1,
// Flags=EOM"). A refused login or a failed query is returned as a
// *ServerError (the Result holds what came before it).
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if cfg.Version == 0 {
		cfg.Version = tds.Version74
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	out := cfg.Out
	if out == nil {
		out = io.Discard
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	p := printer{w: out, v: cfg.Version}
	res := &Result{}

	p.step("TCP connection")
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", cfg.Addr)
	if err != nil {
		return res, err
	}
	defer nc.Close()
	if dl, ok := ctx.Deadline(); ok {
		nc.SetDeadline(dl)
	}
	p.line("TCP: %v -> %v connected", nc.LocalAddr(), nc.RemoteAddr())

	// Driver handshake: PRELOGIN, [MS-TDS] 2.2.6.5.
	p.step("Driver handshake")
	enc := prelogin.EncryptOff
	if cfg.TLS {
		enc = prelogin.EncryptOn
	}
	pm := prelogin.Message{
		Present:    prelogin.HasVersion | prelogin.HasEncryption | prelogin.HasInstOpt | prelogin.HasThreadID | prelogin.HasMARS,
		Version:    prelogin.Version{Major: 0, Minor: 1},
		Encryption: enc,
		Instance:   []byte{0},
		ThreadID:   uint32(os.Getpid()),
	}
	payload, err := pm.Append(nil)
	if err != nil {
		return res, err
	}
	w, err := tds.NewWriter(nc, tds.DefaultPacketSize)
	if err != nil {
		return res, err
	}
	if err := p.send(w, tds.PacketPrelogin, payload, fmt.Sprintf("VERSION %v, ENCRYPTION %v, MARS %v", pm.Version, pm.Encryption, pm.MARS)); err != nil {
		return res, err
	}
	r := tds.NewReader(nc)
	h, msg, err := r.ReadMessage()
	if err != nil {
		return res, fmt.Errorf("reading the PRELOGIN response: %w", err)
	}
	var sm prelogin.Message
	if err := sm.Decode(msg); err != nil {
		return res, fmt.Errorf("decoding the PRELOGIN response: %w", err)
	}
	p.recv(h, fmt.Sprintf("VERSION %v, ENCRYPTION %v, MARS %v", sm.Version, sm.Encryption, sm.MARS))
	res.Encryption = prelogin.Negotiate(enc, sm.Encryption)
	p.line("Encryption: %v", res.Encryption)

	// SSL/TLS handshake inside PRELOGIN packets, [MS-TDS] 3.2.5.2.
	loginOnly := false
	switch res.Encryption {
	case prelogin.OutcomeTerminate:
		return res, fmt.Errorf("client ENCRYPTION %v and server %v cannot agree: terminated ([MS-TDS] 2.2.6.5)", enc, sm.Encryption)
	case prelogin.OutcomeLoginOnly, prelogin.OutcomeEntireConnection:
		p.step("SSL/TLS handshake")
		host, _, _ := net.SplitHostPort(cfg.Addr)
		tc, err := tds.ClientHandshake(ctx, nc, &tls.Config{ServerName: host, InsecureSkipVerify: true})
		if err != nil {
			return res, fmt.Errorf("TLS handshake: %w", err)
		}
		cs := tc.ConnectionState()
		p.line("TLS: %s, %s, server certificate %q (not verified)", tlsVersion(cs.Version), tls.CipherSuiteName(cs.CipherSuite), subject(cs))
		if err := w.Reset(tc); err != nil {
			return res, err
		}
		if res.Encryption == prelogin.OutcomeLoginOnly {
			loginOnly = true
			if err := w.ResetAfterFirstPacket(nc); err != nil {
				return res, err
			}
		} else {
			r.Reset(tc)
		}
	}

	// Login packet, [MS-TDS] 2.2.6.4.
	p.step("Login packet")
	l := login7.Login7{
		TDSVersion:    cfg.Version,
		PacketSize:    tds.DefaultPacketSize,
		ClientProgVer: 0x00010000,
		ClientPID:     uint32(os.Getpid()),
		OptionFlags1:  login7.FUseDB | login7.FSetLang,
		OptionFlags2:  login7.FLanguage | login7.FODBC,
		HostName:      ucs2(hostname()),
		AppName:       ucs2("tdswire example client"),
		ServerName:    ucs2(cfg.Addr),
		CltIntName:    ucs2("tdswire"),
		Database:      ucs2(cfg.Database),
	}
	var nc2 *ntlm.Client
	var negotiate []byte
	domain, name, isNTLM := strings.Cut(cfg.User, `\`)
	if isNTLM {
		res.NTLM = true
		nc2 = &ntlm.Client{Domain: domain, User: name, Password: cfg.Password, Workstation: hostname()}
		negotiate = nc2.Negotiate(nil)
		l.OptionFlags2 |= login7.FIntSecurity
		l.SSPI = negotiate
	} else {
		l.UserName = ucs2(cfg.User)
		l.Password = login7.NewPassword(cfg.Password)
	}
	payload, err = l.Append(nil)
	if err != nil {
		return res, err
	}
	how := "SQL authentication, user " + quote(cfg.User)
	if isNTLM {
		how = fmt.Sprintf("integrated security, NTLM NEGOTIATE_MESSAGE (%d bytes) in SSPI", len(negotiate))
	}
	if res.Encryption.Encrypted() {
		how += ", sent inside TLS"
	}
	if err := p.send(w, tds.PacketLogin7, payload, how); err != nil {
		return res, err
	}
	if loginOnly {
		// 3.2.5.3: only the login packet is encrypted.
		r.Reset(nc)
		if err := w.Reset(nc); err != nil {
			return res, err
		}
		p.line("login packet sent in TLS; the connection goes on in clear")
	}

	h, msg, err = r.ReadMessage()
	if err != nil {
		return res, fmt.Errorf("reading the login response: %w", err)
	}
	if isNTLM {
		// NTLM challenge and response, [MS-TDS] 2.2.7.22 and 2.2.6.8.
		p.step("NTLM challenge and response packets")
		s := tokens.NewScanner(msg, cfg.Version)
		var challenge []byte
		for {
			t, err := s.Next()
			if err != nil {
				break
			}
			if t == tokens.TokenSSPI {
				var x tokens.SSPI
				if err := s.SSPI(&x); err != nil {
					return res, err
				}
				challenge = x.Buffer
				break
			}
		}
		if challenge == nil {
			// No SSPI token: the server refused the login at once.
			return res, p.response(res, h, msg, cfg.Version, "Login confirmation")
		}
		var ch ntlm.Challenge
		if err := ch.Decode(challenge); err != nil {
			return res, fmt.Errorf("decoding the NTLM CHALLENGE: %w", err)
		}
		p.recvLine(h, "SSPI token: "+ch.String())
		auth, _, err := nc2.Authenticate(nil, negotiate, challenge)
		if err != nil {
			return res, err
		}
		var a ntlm.Authenticate
		if err := a.Decode(auth); err != nil {
			return res, err
		}
		if err := p.send(w, tds.PacketSSPI, login7.SSPIMessage{Data: auth}.Append(nil), a.String()); err != nil {
			return res, err
		}
		h, msg, err = r.ReadMessage()
		if err != nil {
			return res, fmt.Errorf("reading the login response: %w", err)
		}
	}
	if err := p.response(res, h, msg, cfg.Version, "Login confirmation"); err != nil {
		return res, err
	}
	if res.Version == 0 {
		return res, errors.New("the login response has no LOGINACK")
	}
	p.v = res.Version
	if res.PacketSize != 0 {
		if err := w.SetPacketSize(res.PacketSize); err != nil {
			return res, err
		}
		if err := r.SetPacketSize(res.PacketSize); err != nil {
			return res, err
		}
	}

	if cfg.Query != "" {
		// Execute a command and read the response, [MS-TDS] 2.2.6.7.
		p.step("Execute a command and read the response")
		batch := request.SQLBatch{Headers: request.AllHeaders{TransactionDescriptor: request.AutoCommit()}, SQLText: tds.UCS2(tds.AppendUCS2(nil, cfg.Query))}
		payload, err := batch.Append(nil, res.Version)
		if err != nil {
			return res, err
		}
		if err := p.send(w, tds.PacketSQLBatch, payload, quote(cfg.Query)); err != nil {
			return res, err
		}
		h, msg, err := r.ReadMessage()
		if err != nil {
			return res, fmt.Errorf("reading the response: %w", err)
		}
		if err := p.response(res, h, msg, res.Version, ""); err != nil {
			return res, err
		}
	}

	p.step("Close")
	if err := nc.Close(); err != nil {
		return res, err
	}
	p.line("TCP: connection closed by the client")
	return res, nil
}

func hostname() string {
	h, err := os.Hostname()
	if err != nil {
		return "localhost"
	}
	return h
}

func ucs2(s string) tds.UCS2 { return tds.UCS2(tds.AppendUCS2(nil, s)) }

func quote(s string) string { return fmt.Sprintf("%q", s) }

func tlsVersion(v uint16) string {
	switch v {
	case tls.VersionTLS12:
		return "TLS 1.2"
	case tls.VersionTLS13:
		return "TLS 1.3"
	}
	return fmt.Sprintf("TLS version 0x%04x", v)
}

func subject(cs tls.ConnectionState) string {
	if len(cs.PeerCertificates) == 0 {
		return ""
	}
	return cs.PeerCertificates[0].Subject.CommonName
}

// response prints and records the token stream of one server message.
func (p *printer) response(res *Result, h tds.Header, msg []byte, v tds.Version, step string) error {
	if step != "" {
		p.step(step)
	}
	p.recvLine(h, fmt.Sprintf("%d bytes of tokens", len(msg)))
	s := tokens.NewScanner(msg, v)
	var (
		vals   []tokens.ColumnValue
		first  *ServerError
		ncols  int
		inRows bool
	)
	for {
		t, err := s.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		switch t {
		case tokens.TokenLoginAck:
			var a tokens.LoginAck
			if err := s.LoginAck(&a); err != nil {
				return err
			}
			res.Version = a.Negotiated()
			res.ProgName = strings.TrimRight(a.ProgName.String(), "\x00")
			res.ProgVersion = a.ProgVersion.String()
			s.SetVersion(res.Version)
			p.line("LOGINACK: TDS %v, %s %s", a.TDSVersion, res.ProgName, res.ProgVersion)
		case tokens.TokenEnvChange:
			var e tokens.EnvChange
			if err := s.EnvChange(&e); err != nil {
				return err
			}
			switch e.Type {
			case tokens.EnvSQLCollation:
				c, _ := e.Collation()
				p.line("ENVCHANGE %v: %v", e.Type, c)
			case tokens.EnvPacketSize:
				n, ok := e.PacketSize()
				if !ok {
					return fmt.Errorf("ENVCHANGE packet size %q is not a size", e.NewString().String())
				}
				res.PacketSize = n
				p.line("ENVCHANGE %v: %s -> %s", e.Type, e.OldString().String(), e.NewString().String())
			default:
				if e.Type == tokens.EnvDatabase {
					res.Database = e.NewString().String()
				}
				p.line("ENVCHANGE %v: %s -> %s", e.Type, e.OldString().String(), e.NewString().String())
			}
		case tokens.TokenInfo, tokens.TokenError:
			var m tokens.Message
			if err := s.Message(&m); err != nil {
				return err
			}
			if t == tokens.TokenInfo {
				text := fmt.Sprintf("%d: %s", m.Number, m.MsgText.String())
				res.Infos = append(res.Infos, text)
				p.line("INFO %s", text)
			} else {
				e := ServerError{Number: m.Number, Class: m.Class, State: m.State, Message: m.MsgText.String()}
				res.Errors = append(res.Errors, e)
				if first == nil {
					first = &e
				}
				p.line("ERROR %d, class %d, state %d: %s", m.Number, m.Class, m.State, e.Message)
			}
		case tokens.TokenColMetadata:
			cols := s.Columns()
			ncols = len(cols)
			res.Columns, res.Rows = res.Columns[:0], nil
			for _, c := range cols {
				res.Columns = append(res.Columns, strings.TrimSpace(c.ColName.String()+" "+typeName(&c.TypeInfo)))
			}
			p.line("COLMETADATA: %d columns: %s", ncols, strings.Join(res.Columns, ", "))
			inRows = true
		case tokens.TokenRow, tokens.TokenNBCRow:
			if vals, err = s.RowValues(vals); err != nil {
				return err
			}
			row := make([]string, len(vals))
			for i := range vals {
				row[i] = format(vals[i].Value)
			}
			res.Rows = append(res.Rows, row)
			if len(res.Rows) <= maxPrintedRows {
				p.line("ROW: %s", strings.Join(row, " | "))
			}
		case tokens.TokenDone, tokens.TokenDoneProc, tokens.TokenDoneInProc:
			var d tokens.Done
			if err := s.Done(&d); err != nil {
				return err
			}
			if inRows && len(res.Rows) > maxPrintedRows {
				p.line("... %d rows in all", len(res.Rows))
			}
			inRows = false
			if d.Status&tokens.DoneCount != 0 {
				p.line("%v: status %v, %d rows", t, d.Status, d.RowCount)
			} else {
				p.line("%v: status %v", t, d.Status)
			}
		default:
			p.line("%v token (%d bytes)", t, len(s.Bytes()))
		}
	}
	if first != nil {
		return first
	}
	return nil
}

// maxPrintedRows limits the ROW lines printed for one result set.
const maxPrintedRows = 20

// typeName names a column type for the trace.
func typeName(ti *sqltype.TypeInfo) string {
	switch ti.Type {
	case sqltype.TypeIntN:
		switch ti.MaxLen {
		case 1:
			return "tinyint"
		case 2:
			return "smallint"
		case 8:
			return "bigint"
		}
		return "int"
	case sqltype.TypeNVarChar:
		if ti.MaxLen == sqltype.MaxLenMax {
			return "nvarchar(max)"
		}
		return fmt.Sprintf("nvarchar(%d)", ti.MaxLen/2)
	case sqltype.TypeDecimalN, sqltype.TypeNumericN:
		return fmt.Sprintf("decimal(%d,%d)", ti.Precision, ti.Scale)
	case sqltype.TypeDateTime2N:
		return fmt.Sprintf("datetime2(%d)", ti.Scale)
	}
	return ti.Type.String()
}

// format prints one value as text.
func format(v sqltype.Value) string {
	if v.IsNull() {
		return "NULL"
	}
	switch v.Type() {
	case sqltype.TypeInt1, sqltype.TypeInt2, sqltype.TypeInt4, sqltype.TypeInt8, sqltype.TypeIntN:
		n, err := v.Int64()
		if err == nil {
			return fmt.Sprint(n)
		}
	case sqltype.TypeNVarChar, sqltype.TypeNChar, sqltype.TypeNText:
		return tds.UCS2(v.AppendBytes(nil)).String()
	case sqltype.TypeBigVarChar, sqltype.TypeBigChar, sqltype.TypeVarChar, sqltype.TypeChar, sqltype.TypeText:
		return string(v.AppendBytes(nil))
	case sqltype.TypeDecimal, sqltype.TypeNumeric, sqltype.TypeDecimalN, sqltype.TypeNumericN:
		d, err := v.Decimal()
		if err == nil {
			return d.String()
		}
	case sqltype.TypeDateTime2N:
		t, err := v.Time()
		if err == nil {
			return t.Format("2006-01-02 15:04:05.0000000")
		}
	case sqltype.TypeDateN:
		t, err := v.Time()
		if err == nil {
			return t.Format("2006-01-02")
		}
	case sqltype.TypeDateTime, sqltype.TypeDateTime4, sqltype.TypeDateTimeN, sqltype.TypeDateTimeOffsetN, sqltype.TypeTimeN:
		t, err := v.Time()
		if err == nil {
			return t.Format(time.RFC3339Nano)
		}
	case sqltype.TypeFloat4, sqltype.TypeFloat8, sqltype.TypeFloatN:
		f, err := v.Float64()
		if err == nil {
			return fmt.Sprint(f)
		}
	case sqltype.TypeBit, sqltype.TypeBitN:
		b, err := v.Bool()
		if err == nil {
			return fmt.Sprint(b)
		}
	}
	return fmt.Sprintf("0x%x", v.AppendBytes(nil))
}

// printer writes the trace.
type printer struct {
	w io.Writer
	v tds.Version
	n int
}

func (p *printer) step(name string) {
	p.n++
	fmt.Fprintf(p.w, "Step %d. %s\n", p.n, name)
}

func (p *printer) line(format string, args ...any) {
	fmt.Fprintf(p.w, "  "+format+"\n", args...)
}

// trace formats a packet header as the seeds' traces do.
func (p *printer) trace(h tds.Header) string {
	return fmt.Sprintf("TDS:%v, Version = %v, SPID = %d, PacketID = %d, Flags=%v", h.Type, p.v, h.SPID, h.PacketID, h.Status)
}

// send writes a message with w and prints the header of its first packet.
func (p *printer) send(w *tds.Writer, t tds.PacketType, payload []byte, what string) error {
	h := tds.Header{Type: t, Status: tds.StatusEOM, PacketID: tds.FirstPacketID}
	room := w.PacketSize() - tds.HeaderLen
	packets := 1
	if len(payload) > room {
		h.Status = 0
		packets = (len(payload) + room - 1) / room
	}
	unit := "packet"
	if packets > 1 {
		unit = "packets"
	}
	fmt.Fprintf(p.w, "  > %s (%d %s, %d bytes): %s\n", p.trace(h), packets, unit, len(payload), what)
	return w.WriteMessage(t, 0, payload)
}

func (p *printer) recv(h tds.Header, what string) {
	fmt.Fprintf(p.w, "  < %s: %s\n", p.trace(h), what)
}

func (p *printer) recvLine(h tds.Header, what string) { p.recv(h, what) }
