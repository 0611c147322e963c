package main

import (
	"net/netip"
	"sort"
	"strconv"
	"time"

	"github.com/tdswire/tdswire/prelogin"
	"github.com/tdswire/tdswire/smp"
	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tdsconn"
	"github.com/tdswire/tdswire/tokens"
)

// Conv is one TCP connection that carried TDS, with the events tdstrace
// explains: the steps of the login described in the seed articles, the
// MARS sessions and the way the connection ended.
type Conv struct {
	ID int
	// unwritten counts the frames of a streaming Tracer not yet written;
	// retired says the conversation's explanation went to the spool.
	unwritten int
	retired   bool
	Addr      [2]netip.AddrPort // the two ends, in the order first seen
	Client    int               // index into Addr of the client, -1 if unknown
	clientBy  string            // how the client side was told

	half    [2]*half
	obs     *tdsconn.Observer // the connection flow, fed in order by half
	firsts  map[uint32]*mark  // the first frames of messages still arriving
	tracer  *Tracer
	pdus    int
	anyData bool

	syn, synAck, established *mark
	fin, rst                 [2]*mark

	preloginFirst, preloginReq, preloginResp *mark
	clientPL, serverPL                       *PreloginInfo

	tlsFirst, tlsLast *mark
	tlsDirect         bool // TLS before any TDS: TDS 8.0 strict encryption

	login                 *Login7Info
	loginVersion          tds.Version
	loginFirst, loginLast *mark
	loginEncrypted        bool

	sspiFirst, sspiLast *mark
	sspiKind            string
	ntlmAuth            *NTLMInfo
	sspis               []sspiSeen // the SSPI blobs of the login, in order

	respFirst, respLast *mark // the response that ends the login
	respEncrypted       bool
	loginAck            *TokenInfo
	ackVersion          tds.Version
	loginErr            *TokenInfo
	loginDone           bool

	clearAfterLogin, encAfterLogin bool
	cmdFirst, cmdLast              *mark
	commands                       map[string]int
	cmdErrors                      int

	marsOpened, marsClosed []uint16
	marsOpen               map[uint16]bool

	versionText string // shownVersionString's cache
	lost        bool   // the capture misses bytes of the connection
	first, last *mark  // the conversation's first and last frames
}

// mark is where and when an event of a conversation happened: as much of
// its frame as the explanation needs, so that frames need not be kept.
type mark struct {
	Number int
	Time   time.Duration
	Side   int
}

func (f *Frame) mark() *mark {
	t := f.Conv.tracer
	if len(t.marks) == 0 {
		t.marks = make([]mark, 256) // marks are allocated in blocks
	}
	m := &t.marks[0]
	t.marks = t.marks[1:]
	*m = mark{Number: f.Number, Time: f.Time, Side: f.Side}
	return m
}

func (c *Conv) closed() bool {
	return c.rst[0] != nil || c.rst[1] != nil || (c.fin[0] != nil && c.fin[1] != nil)
}

// tcpEvents notes the handshake and closing segments.
func (c *Conv) tcpEvents(f *Frame) {
	switch {
	case f.Flags&(tcpSYN|tcpACK) == tcpSYN:
		if c.syn == nil {
			c.syn = f.mark()
		}
	case f.Flags&(tcpSYN|tcpACK) == tcpSYN|tcpACK:
		if c.synAck == nil {
			c.synAck = f.mark()
		}
	case c.synAck != nil && c.established == nil && f.Side != c.synAck.Side && f.Flags&tcpACK != 0:
		c.established = f.mark()
	}
	if f.Flags&tcpFIN != 0 && c.fin[f.Side] == nil {
		c.fin[f.Side] = f.mark()
	}
	if f.Flags&tcpRST != 0 && c.rst[f.Side] == nil {
		c.rst[f.Side] = f.mark()
	}
	if c.closed() {
		// Nothing more will be decoded: let the buffers go.
		for _, h := range c.half {
			if len(h.pending) > 0 {
				c.lost = true
			}
			*h = half{started: h.started, next: h.next, dead: true}
		}
		if c.obs != nil {
			c.obs.Reset()
			c.tracer.observers = append(c.tracer.observers, c.obs)
		}
		c.obs, c.firsts = nil, nil
	}
}

// tlsEvent notes TLS records: the handshake, or application data the
// observer places in the flow ([MS-TDS] 3.2.5.2: LOGIN7 is the client's
// first message after the handshake; 2.1: TDS 8.0 strict encrypts all).
func (c *Conv) tlsEvent(f *Frame, ev *tdsconn.Event) {
	if c.obs.Encryption() == tdsconn.EncryptionStrict {
		c.tlsDirect = true
	}
	// Protected records during the handshake phase (TLS 1.3 session
	// tickets before LOGIN7) belong to the handshake too.
	if ev.Kind == tdsconn.KindTLSHandshake || ev.Phase == tdsconn.PhaseTLSHandshake {
		if c.tlsFirst == nil {
			c.tlsFirst = f.mark()
		}
		c.tlsLast = f.mark()
		return
	}
	if c.tlsDirect {
		c.encAfterLogin = true
		return
	}
	switch {
	case ev.Phase == tdsconn.PhaseLogin && f.FromClient() && !c.loginEncrypted:
		c.loginEncrypted = true
		c.loginFirst, c.loginLast = f.mark(), f.mark()
	case ev.Phase == tdsconn.PhaseLogin && f.FromClient():
		c.loginLast = f.mark()
	case ev.Phase == tdsconn.PhaseLogin && !c.respEncrypted && (c.loginEncrypted || c.login != nil):
		c.respFirst, c.respLast, c.respEncrypted = f.mark(), f.mark(), true
		c.loginDone = true
	case ev.Phase == tdsconn.PhaseLogin && c.respEncrypted:
		c.respLast = f.mark()
	default:
		c.encAfterLogin = true
		if f.FromClient() {
			if c.cmdFirst == nil {
				c.cmdFirst = f.mark()
			}
			c.count("encrypted")
		}
		c.cmdLast = f.mark()
	}
}

func (c *Conv) count(kind string) {
	if c.commands == nil {
		c.commands = map[string]int{}
	}
	c.commands[kind]++
}

// smpEvent notes MARS sessions opening (SYN) and closing (FIN), [MC-SMP]
// 2.2.1.1.
func (c *Conv) smpEvent(sh smp.Header) {
	// A session is closed by the first FIN of either side; the other
	// side's FIN answers it ([MC-SMP] 2.2.4, 3.1.5.1.3).
	if c.marsOpen == nil {
		c.marsOpen = map[uint16]bool{}
	}
	switch sh.Flags {
	case smp.FlagSYN:
		c.marsOpened = append(c.marsOpened, sh.SID)
		c.marsOpen[sh.SID] = true
	case smp.FlagFIN:
		if c.marsOpen[sh.SID] {
			c.marsClosed = append(c.marsClosed, sh.SID)
			c.marsOpen[sh.SID] = false
		}
	}
}

// message notes a whole message, as the observer classified it: first is
// the frame of its first packet, f the frame of its last.
func (c *Conv) message(f *Frame, first *mark, ev *tdsconn.Event, m *Message) {
	switch {
	case ev.Kind == tdsconn.KindPreloginRequest:
		c.preloginFirst, c.preloginReq, c.clientPL = first, f.mark(), m.Prelogin
	case ev.Kind == tdsconn.KindPreloginResponse:
		c.preloginResp, c.serverPL = f.mark(), m.Prelogin
	case ev.Kind == tdsconn.KindLogin7 && m.Login7 != nil:
		c.login, c.loginVersion = m.Login7, m.Login7.version
		c.loginFirst, c.loginLast = first, f.mark()
		if m.Login7.Integrated || m.Login7.SSPILen > 0 {
			c.sspiKind = sspiKindOf(m.Login7)
			c.noteSSPI(m.Login7.SSPI, true)
		}
	case ev.Kind == tdsconn.KindSSPI:
		if c.sspiFirst == nil {
			c.sspiFirst = first
		}
		c.sspiLast = f.mark()
		if m.SSPIKind != "" {
			c.sspiKind = m.SSPIKind
		}
		c.noteSSPI(m.SSPI, true)
		if m.NTLM != nil && m.NTLM.Type == "AUTHENTICATE" {
			c.ntlmAuth = m.NTLM
		}
	case ev.Kind == tdsconn.KindLoginResponse:
		if c.login != nil || c.loginEncrypted {
			c.loginResponse(f, first, m)
		}
	case ev.Kind == tdsconn.KindResponse:
		if c.loginDone {
			c.clearAfterLogin = true
			c.cmdLast = f.mark()
			for _, t := range m.Tokens {
				if t.Code == uint8(tokens.TokenError) {
					c.cmdErrors++
				}
			}
		}
	case f.FromClient():
		if c.loginDone {
			c.clearAfterLogin = true
			if c.cmdFirst == nil {
				c.cmdFirst = first
			}
			c.cmdLast = f.mark()
			c.count(m.Kind)
		}
	}
}

func sspiKindOf(l *Login7Info) string {
	if l.NTLM != nil {
		return "NTLM"
	}
	return l.SSPIKind
}

// loginResponse notes a server message that answers LOGIN7 or SSPI: an
// SSPI token continues the exchange ([MS-TDS] 2.2.7.22); LOGINACK ends it
// with success (2.2.7.14); an ERROR without LOGINACK with failure.
func (c *Conv) loginResponse(f *Frame, first *mark, m *Message) {
	var ack, errTok *TokenInfo
	sspi := false
	for i := range m.Tokens {
		t := &m.Tokens[i]
		switch tokens.TokenType(t.Code) {
		case tokens.TokenSSPI:
			sspi = true
			if t.SSPIKind != "" && c.sspiKind == "" || t.NTLM != nil {
				c.sspiKind = t.SSPIKind
			}
			c.noteSSPI(t.SSPI, false)
		case tokens.TokenLoginAck:
			ack = t
		case tokens.TokenError:
			if errTok == nil {
				errTok = t
			}
		}
	}
	if sspi && c.sspiFirst == nil {
		c.sspiFirst = first
	}
	if sspi {
		if c.sspiLast == nil || c.sspiLast.Number < f.Number {
			c.sspiLast = f.mark()
		}
	}
	if ack == nil && errTok == nil {
		if !sspi {
			c.respFirst, c.respLast = first, f.mark()
		}
		return
	}
	c.respFirst, c.respLast, c.loginDone = first, f.mark(), true
	if ack != nil {
		c.loginAck, c.ackVersion = ack, ack.version
		return
	}
	c.loginErr = errTok
}

// Step is one step of a conversation, as the seed articles list them.
type Step struct {
	Name       string  `json:"name"`
	FirstFrame int     `json:"first_frame"`
	LastFrame  int     `json:"last_frame"`
	Start      float64 `json:"start"`    // seconds since the capture's first frame
	Duration   float64 `json:"duration"` // seconds until the next step starts (the last step: until its last frame)
}

// Summary explains one conversation; it is the "conversation" record of
// the JSON output and the text after the frame list.
type Summary struct {
	Record           string           `json:"record"` // "conversation"
	ID               int              `json:"id"`
	Client           string           `json:"client"`
	Server           string           `json:"server"`
	ClientBy         string           `json:"client_by"` // port, PRELOGIN, SYN, first data
	FirstFrame       int              `json:"first_frame"`
	LastFrame        int              `json:"last_frame"`
	Duration         float64          `json:"duration"`
	TDSVersion       string           `json:"tds_version,omitempty"`           // from LOGINACK
	RequestedVersion string           `json:"tds_version_requested,omitempty"` // from LOGIN7
	Authentication   string           `json:"authentication"`                  // SQL, NTLM, Kerberos, ...
	AuthScheme       string           `json:"auth_scheme,omitempty"`           // SQL, NTLM, KERBEROS: as SQL Server's auth_scheme says
	Kerberos         *KerberosSummary `json:"kerberos,omitempty"`              // the AP-REQ and the server's answer
	SPNEGO           *SPNEGOSummary   `json:"spnego,omitempty"`                // the mechanisms offered and chosen
	Diagnoses        []string         `json:"diagnoses,omitempty"`             // what went wrong with integrated authentication, and why
	User             string           `json:"user,omitempty"`
	Domain           string           `json:"domain,omitempty"`
	Workstation      string           `json:"workstation,omitempty"`
	AppName          string           `json:"app_name,omitempty"`
	Database         string           `json:"database,omitempty"`
	Encryption       string           `json:"encryption"` // none, login only, entire connection, strict (TDS 8.0)
	ClientEncryption string           `json:"client_encryption,omitempty"`
	ServerEncryption string           `json:"server_encryption,omitempty"`
	Negotiated       string           `json:"negotiated,omitempty"` // what [MS-TDS] 2.2.6.5 says the two settings mean
	MARSRequested    bool             `json:"mars_requested"`
	MARSGranted      bool             `json:"mars_granted"`
	MARSOpened       []uint16         `json:"mars_sessions_opened,omitempty"`
	MARSClosed       []uint16         `json:"mars_sessions_closed,omitempty"`
	Login            string           `json:"login"` // succeeded, failed, encrypted, no response, not seen
	ErrorNumber      int32            `json:"error_number,omitempty"`
	ErrorMessage     string           `json:"error_message,omitempty"`
	ServerProgram    string           `json:"server_program,omitempty"`
	Steps            []Step           `json:"steps"`
	Commands         map[string]int   `json:"commands,omitempty"`
	CommandErrors    int              `json:"command_errors,omitempty"`
	Ending           string           `json:"ending"`                 // client FIN, server FIN first, client RST, server RST, open
	CaptureLoss      bool             `json:"capture_loss,omitempty"` // bytes of the connection are missing from the capture
	Abnormal         bool             `json:"abnormal"`
	Explanation      string           `json:"explanation"`
}

func secs(d interface{ Seconds() float64 }) float64 { return d.Seconds() }

// Summarize explains c.
func (c *Conv) Summarize() *Summary {
	s := &Summary{}
	c.summarize(s, true)
	return s
}

// summarize fills s, reusing its Steps; the Explanation sentence only
// with explanation (the text output writes it with appendExplain).
func (c *Conv) summarize(s *Summary, explanation bool) {
	steps := s.Steps[:0]
	if steps == nil {
		steps = make([]Step, 0, 8)
	}
	*s = Summary{Record: "conversation", ID: c.ID, ClientBy: c.clientBy, Steps: steps}
	cl := c.Client
	if cl < 0 {
		cl = 0
	}
	s.Client, s.Server = c.Addr[cl].String(), c.Addr[1-cl].String()
	first, last := c.first, c.last
	s.FirstFrame, s.LastFrame, s.Duration = first.Number, last.Number, secs(last.Time-first.Time)
	if c.ackVersion != 0 {
		s.TDSVersion = c.tracer.versionString(c.ackVersion)
	}
	if c.loginVersion != 0 {
		s.RequestedVersion = c.tracer.versionString(c.loginVersion)
	}

	// Authentication.
	switch {
	case c.tlsDirect:
		s.Authentication = "unknown (everything encrypted)"
	case c.login != nil && hasFeature(c.login, "FEDAUTH"):
		s.Authentication = "federated authentication"
	case c.login != nil && (c.login.Integrated || c.login.SSPILen > 0):
		s.Authentication = authName(c.sspiKind)
	case c.login != nil:
		s.Authentication = "SQL"
		s.User = c.login.UserName
	case c.ntlmAuth != nil || c.sspiKind != "":
		s.Authentication = authName(c.sspiKind)
	case c.loginEncrypted && c.loginAck != nil:
		s.Authentication = "SQL (LOGIN7 encrypted; no SSPI exchange followed it)"
	case c.loginEncrypted:
		s.Authentication = "unknown (LOGIN7 encrypted)"
	default:
		s.Authentication = "unknown (no LOGIN7 in the capture)"
	}
	if c.ntlmAuth != nil {
		s.Authentication = "NTLM"
		if c.sspiKind == "NTLM (SPNEGO)" {
			s.Authentication = c.sspiKind
		}
		s.User, s.Domain, s.Workstation = c.ntlmAuth.User, c.ntlmAuth.Domain, c.ntlmAuth.Workstation
	}
	if c.login != nil {
		s.AppName, s.Database = c.login.AppName, c.login.Database
	}

	// Encryption.
	var ce, se prelogin.Encryption
	if c.clientPL != nil && c.clientPL.EncryptionByte != nil {
		ce = prelogin.Encryption(*c.clientPL.EncryptionByte)
		s.ClientEncryption = ce.String()
		if c.clientPL.MARS != nil {
			s.MARSRequested = *c.clientPL.MARS
		}
	}
	if c.serverPL != nil && c.serverPL.EncryptionByte != nil {
		se = prelogin.Encryption(*c.serverPL.EncryptionByte)
		s.ServerEncryption = se.String()
		if c.serverPL.MARS != nil {
			s.MARSGranted = *c.serverPL.MARS
		}
	}
	outcome := prelogin.OutcomeNoEncryption
	if s.ClientEncryption != "" && s.ServerEncryption != "" {
		outcome = prelogin.Negotiate(ce, se)
		s.Negotiated = outcome.String()
	}
	switch {
	case c.tlsDirect:
		s.Encryption = "strict (TDS 8.0)"
	case c.tlsFirst == nil && outcome.Encrypted() && s.Negotiated != "":
		s.Encryption = "none (TLS negotiated, no handshake in the capture)"
	case c.tlsFirst == nil:
		s.Encryption = "none"
	case c.respEncrypted || c.encAfterLogin:
		s.Encryption = "entire connection"
	case c.loginEncrypted && (c.respFirst != nil || c.clearAfterLogin):
		s.Encryption = "login only"
	case outcome == prelogin.OutcomeLoginOnly:
		s.Encryption = "login only"
	case outcome == prelogin.OutcomeEntireConnection:
		s.Encryption = "entire connection"
	default:
		s.Encryption = "TLS handshake only"
	}
	s.MARSOpened, s.MARSClosed = c.marsOpened, c.marsClosed

	// Login outcome.
	switch {
	case c.loginAck != nil:
		s.Login = "succeeded"
		s.ServerProgram = c.loginAck.ProgName + " " + c.loginAck.ProgVer
	case c.loginErr != nil:
		s.Login = "failed"
		if c.loginErr.Number != nil { // nil: the ERROR token did not decode
			s.ErrorNumber = *c.loginErr.Number
		}
		s.ErrorMessage = c.loginErr.Text
	case c.respEncrypted:
		s.Login = "answered (encrypted)"
	case c.login != nil || c.loginEncrypted:
		s.Login = "no response in the capture"
	default:
		s.Login = "not seen"
	}

	c.summarizeSSPI(s)

	// Steps.
	add := func(name string, a, b *mark) {
		if a == nil {
			return
		}
		if b == nil || b.Number < a.Number {
			b = a
		}
		s.Steps = append(s.Steps, Step{Name: name, FirstFrame: a.Number, LastFrame: b.Number, Start: secs(a.Time), Duration: secs(b.Time - a.Time)})
	}
	hs := c.established
	if hs == nil {
		hs = c.synAck
	}
	add("TCP handshake", c.syn, hs)
	add("Driver handshake (PRELOGIN)", c.preloginFirst, c.preloginResp)
	add("TLS handshake", c.tlsFirst, c.tlsLast)
	add("Login packet", c.loginFirst, c.loginLast)
	add("SSPI", c.sspiFirst, c.sspiLast)
	switch {
	case c.loginErr != nil:
		add("Login failure", c.respFirst, c.respLast)
	case c.respFirst != nil:
		add("Login confirmation", c.respFirst, c.respLast)
	}
	add("Commands", c.cmdFirst, c.cmdLast)
	var closeAt *mark
	for _, f := range []*mark{c.fin[0], c.fin[1], c.rst[0], c.rst[1]} {
		if f != nil && (closeAt == nil || f.Number < closeAt.Number) {
			closeAt = f
		}
	}
	add("Close", closeAt, last)
	s.Commands, s.CommandErrors = c.commands, c.cmdErrors
	// The time spent in a step runs until the next step starts; the last
	// step ends with its own last frame.
	for i := 1; i < len(s.Steps); i++ { // insertion sort: a handful of steps, stable
		for j := i; j > 0 && s.Steps[j].FirstFrame < s.Steps[j-1].FirstFrame; j-- {
			s.Steps[j], s.Steps[j-1] = s.Steps[j-1], s.Steps[j]
		}
	}
	for i := 0; i+1 < len(s.Steps); i++ {
		s.Steps[i].Duration = s.Steps[i+1].Start - s.Steps[i].Start
	}

	// Ending, [MS-TDS] says nothing of TCP; the seed article reads a FIN
	// from the server first as abnormal.
	srv := 1 - cl
	switch {
	case c.rst[srv] != nil && (c.rst[cl] == nil || c.rst[srv].Number < c.rst[cl].Number) && (c.fin[cl] == nil || c.rst[srv].Number < c.fin[cl].Number):
		s.Ending, s.Abnormal = "server RST", true
	case c.fin[srv] != nil && (c.fin[cl] == nil || c.fin[srv].Number < c.fin[cl].Number) && (c.rst[cl] == nil || c.fin[srv].Number < c.rst[cl].Number):
		s.Ending, s.Abnormal = "server FIN first", true
	case c.rst[cl] != nil && (c.fin[cl] == nil || c.rst[cl].Number < c.fin[cl].Number):
		s.Ending = "client RST"
	case c.fin[cl] != nil:
		s.Ending = "client FIN"
	default:
		s.Ending = "open"
	}
	if s.Login == "failed" {
		s.Abnormal = true
	}
	s.CaptureLoss = c.lost || len(c.half[0].pending) > 0 || len(c.half[1].pending) > 0
	if explanation {
		s.Explanation = explain(s)
	}
}

func hasFeature(l *Login7Info, name string) bool {
	for _, f := range l.Features {
		if f == name {
			return true
		}
	}
	return false
}

func authName(kind string) string {
	switch kind {
	case "NTLM", "NTLM (SPNEGO)", "Kerberos", "Kerberos (SPNEGO)":
		return kind
	case "":
		return "integrated (SSPI)"
	}
	return "integrated (SSPI, " + kind + ")"
}

// explain says in a sentence or two what happened, as the seed articles
// do.
func explain(s *Summary) string { return string(appendExplain(nil, s)) }

// appendExplain appends explain's sentence.
func appendExplain(e []byte, s *Summary) []byte {
	switch s.Login {
	case "succeeded":
		e = append(e, s.Authentication...)
		e = append(e, " login succeeded at TDS "...)
		e = append(e, s.TDSVersion...)
	case "failed":
		e = append(e, s.Authentication...)
		e = append(e, " login failed with error "...)
		e = strconv.AppendInt(e, int64(s.ErrorNumber), 10)
		e = append(e, ": "...)
		e = append(e, s.ErrorMessage...)
	case "answered (encrypted)":
		e = append(e, s.Authentication...)
		e = append(e, " login answered inside TLS; its outcome is not visible"...)
	case "no response in the capture":
		e = append(e, s.Authentication...)
		e = append(e, " login sent; no answer in the capture"...)
	default:
		e = append(e, "no login in the capture"...)
	}
	switch s.Encryption {
	case "login only":
		e = append(e, "; TLS protected the login packet only"...)
	case "entire connection":
		e = append(e, "; TLS protected the entire connection"...)
	case "strict (TDS 8.0)":
		e = append(e, "; TLS from the first byte (TDS 8.0 strict)"...)
	}
	if n := len(s.MARSOpened); n > 0 {
		e = append(e, "; "...)
		e = strconv.AppendInt(e, int64(n), 10)
		e = append(e, " MARS session(s) opened, "...)
		e = strconv.AppendInt(e, int64(len(s.MARSClosed)), 10)
		e = append(e, " closed"...)
	}
	switch s.Ending {
	case "server FIN first":
		e = append(e, "; the server closed first (abnormal)"...)
	case "server RST":
		e = append(e, "; the server reset the connection (abnormal)"...)
	case "client RST":
		e = append(e, "; the client reset the connection"...)
	case "client FIN":
		e = append(e, "; the client closed the connection"...)
	case "open":
		e = append(e, "; the capture ends with the connection open"...)
	}
	return append(e, '.')
}

// sortedKinds lists the keys of m in order, for stable output.
func sortedKinds(m map[string]int) []string {
	var k []string
	for x := range m {
		k = append(k, x)
	}
	sort.Strings(k)
	return k
}
