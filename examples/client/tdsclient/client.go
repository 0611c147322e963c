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

	"github.com/tdswire/tdswire/ntlm"
	"github.com/tdswire/tdswire/prelogin"
	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tds/request"
	"github.com/tdswire/tdswire/tds/sqltype"
	"github.com/tdswire/tdswire/tdsconn"
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
	// Strict connects with TDS 8.0 strict encryption: TLS first, with
	// ALPN tds/8.0, then PRELOGIN and everything inside it ([MS-TDS] 2.1).
	Strict bool
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
	Strict      bool        // TDS 8.0 strict (Encryption is then OutcomeEntireConnection)
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
// Flags=EOM"). The flow itself (PRELOGIN, TLS, LOGIN7, the NTLM round,
// the packet size) is the library's tdsconn client role; Run prints what
// its Trace reports. A refused login or a failed query is returned as a
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
	p.line("TCP: %v -> %v connected", nc.LocalAddr(), nc.RemoteAddr())

	host, _, _ := net.SplitHostPort(cfg.Addr)
	cc := &tdsconn.ClientConfig{
		Encryption: tdsconn.EncryptionLoginOnly, // ENCRYPT_OFF: what the server asks for
		TLS:        &tls.Config{ServerName: host, InsecureSkipVerify: true},
		Database:   cfg.Database,
		AppName:    "tdswire example client",
		HostName:   hostname(),
		ServerName: cfg.Addr,
		TDSVersion: cfg.Version,
		PacketSize: tds.DefaultPacketSize,
	}
	switch {
	case cfg.Strict:
		cc.Encryption = tdsconn.EncryptionStrict
	case cfg.TLS:
		cc.Encryption = tdsconn.EncryptionFull
	}
	how := "SQL authentication, user " + quote(cfg.User)
	domain, name, isNTLM := strings.Cut(cfg.User, `\`)
	if isNTLM {
		res.NTLM = true
		cc.SSPI = tdsconn.NTLMClient(&ntlm.Client{Domain: domain, User: name, Password: cfg.Password, Workstation: hostname()})
	} else {
		cc.User, cc.Password = cfg.User, cfg.Password
	}
	cc.Trace = func(ev *tdsconn.TraceEvent) { p.onTrace(ev, res, isNTLM, &how) }

	c, lr, err := tdsconn.Login(ctx, nc, cc)
	if lr != nil {
		res.Encryption = outcome(lr.Encryption)
		res.Strict = lr.Encryption == tdsconn.EncryptionStrict
	}
	if err != nil {
		var se *tdsconn.ServerError
		if lr != nil && len(p.last) > 0 && errors.As(err, &se) {
			// The refusal: print and record its tokens.
			if rerr := p.response(res, p.lastH, p.last, cfg.Version, "Login confirmation"); rerr != nil {
				return res, rerr
			}
		}
		return res, err
	}
	defer c.Close()
	if err := p.response(res, p.lastH, p.last, cfg.Version, "Login confirmation"); err != nil {
		return res, err
	}
	if res.Version == 0 {
		return res, errors.New("the login response has no LOGINACK")
	}
	p.v = res.Version
	res.PacketSize = c.PacketSize()

	if cfg.Query != "" {
		// Execute a command and read the response, [MS-TDS] 2.2.6.7.
		p.step("Execute a command and read the response")
		m := request.SQLBatch{Headers: request.AllHeaders{TransactionDescriptor: request.AutoCommit()}, SQLText: ucs2(cfg.Query)}
		payload, err := m.Append(nil, res.Version)
		if err != nil {
			return res, err
		}
		p.sent(tds.Header{Type: tds.PacketSQLBatch, Status: tds.StatusEOM, PacketID: tds.FirstPacketID}, c.PacketSize(), len(payload), quote(cfg.Query))
		if err := c.WriteMessage(tds.PacketSQLBatch, payload); err != nil {
			return res, err
		}
		h, msg, err := c.ReadMessage()
		if err != nil {
			return res, fmt.Errorf("reading the response: %w", err)
		}
		if err := p.response(res, h, msg, res.Version, ""); err != nil {
			return res, err
		}
	}

	p.step("Close")
	if err := c.Close(); err != nil {
		return res, err
	}
	p.line("TCP: connection closed by the client")
	return res, nil
}

// outcome maps the encryption of a tdsconn login to the PRELOGIN outcome
// the Result reports (TDS 8.0 strict encrypts the entire connection).
func outcome(e tdsconn.Encryption) prelogin.Outcome {
	switch e {
	case tdsconn.EncryptionNone:
		return prelogin.OutcomeNoEncryption
	case tdsconn.EncryptionLoginOnly:
		return prelogin.OutcomeLoginOnly
	case tdsconn.EncryptionFull, tdsconn.EncryptionStrict:
		return prelogin.OutcomeEntireConnection
	}
	return prelogin.OutcomeTerminate
}

// trace prints one step the tdsconn client reports.
func (p *printer) onTrace(ev *tdsconn.TraceEvent, res *Result, isNTLM bool, how *string) {
	if cs := ev.TLS; cs != nil {
		if !p.tlsDone {
			p.step("SSL/TLS handshake")
		}
		p.tlsDone = true
		p.line("TLS: %s, %s, server certificate %q (not verified)", tlsVersion(cs.Version), tls.CipherSuiteName(cs.CipherSuite), subject(*cs))
		*how += ", sent inside TLS"
		return
	}
	h := ev.Header
	switch {
	case ev.Sent && h.Type == tds.PacketPrelogin:
		p.step("Driver handshake")
		var m prelogin.Message
		if m.Decode(ev.Payload) == nil {
			p.enc = m.Encryption
			p.sent(h, 0, len(ev.Payload), fmt.Sprintf("VERSION %v, ENCRYPTION %v, MARS %v", m.Version, m.Encryption, m.MARS))
		}
	case !ev.Sent && p.nrecv == 0:
		p.nrecv++
		var m prelogin.Message
		if m.Decode(ev.Payload) == nil {
			p.recv(h, fmt.Sprintf("VERSION %v, ENCRYPTION %v, MARS %v", m.Version, m.Encryption, m.MARS))
			if p.tlsDone {
				p.line("Encryption: TDS 8.0 strict (TLS came first)")
			} else {
				p.line("Encryption: %v", prelogin.Negotiate(p.enc, m.Encryption))
			}
		}
	case ev.Sent && h.Type == tds.PacketLogin7:
		p.step("Login packet")
		what := *how
		if isNTLM {
			what = "integrated security, NTLM NEGOTIATE_MESSAGE in SSPI"
			if p.tlsDone {
				what += ", sent inside TLS"
			}
		}
		p.sentPackets(h, ev.Packets, what)
	case ev.Sent && h.Type == tds.PacketSSPI:
		var a ntlm.Authenticate
		if a.Decode(ev.Payload) == nil {
			p.sent(h, 0, len(ev.Payload), a.String())
		}
	case !ev.Sent:
		p.nrecv++
		p.lastH, p.last = h, append(p.last[:0], ev.Payload...)
		if challenge := sspiToken(ev.Payload, p.v); challenge != nil {
			p.step("NTLM challenge and response packets")
			var ch ntlm.Challenge
			if ch.Decode(challenge) == nil {
				p.recvLine(h, "SSPI token: "+ch.String())
			}
		}
	}
}

// sspiToken returns the buffer of the SSPI token of a login response
// message, or nil.
func sspiToken(msg []byte, v tds.Version) []byte {
	s := tokens.NewScanner(msg, v)
	if t, err := s.SkipTo(tokens.TokenSSPI); err == nil && t == tokens.TokenSSPI {
		var x tokens.SSPI
		if s.SSPI(&x) == nil {
			return x.Buffer
		}
	}
	return nil
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
	w       io.Writer
	v       tds.Version
	n       int
	nrecv   int
	tlsDone bool
	enc     prelogin.Encryption // the ENCRYPTION sent
	lastH   tds.Header          // the last login response message
	last    []byte
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

// sent prints the header of the first packet of a message of n bytes
// sent with packets of size ps (0: DefaultPacketSize).
func (p *printer) sent(h tds.Header, ps, n int, what string) {
	if ps == 0 {
		ps = tds.DefaultPacketSize
	}
	room := ps - tds.HeaderLen
	packets := max(1, (n+room-1)/room)
	h.Status = tds.StatusEOM
	if packets > 1 {
		h.Status = 0
	}
	p.sentPacketsBytes(h, packets, n, what)
}

// sentPackets prints a message whose byte count is not shown (LOGIN7).
func (p *printer) sentPackets(h tds.Header, packets int, what string) {
	unit := "packet"
	if packets > 1 {
		unit = "packets"
	}
	fmt.Fprintf(p.w, "  > %s (%d %s): %s\n", p.trace(h), packets, unit, what)
}

func (p *printer) sentPacketsBytes(h tds.Header, packets, n int, what string) {
	unit := "packet"
	if packets > 1 {
		unit = "packets"
	}
	fmt.Fprintf(p.w, "  > %s (%d %s, %d bytes): %s\n", p.trace(h), packets, unit, n, what)
}

func (p *printer) recv(h tds.Header, what string) {
	fmt.Fprintf(p.w, "  < %s: %s\n", p.trace(h), what)
}

func (p *printer) recvLine(h tds.Header, what string) { p.recv(h, what) }
