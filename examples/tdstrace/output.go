package main

import (
	"bufio"
	"encoding/json"
	"strconv"

	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tokens"
)

// FrameRecord is the "frame" record of the JSON output: one frame of a
// TDS conversation and the units completed in it.
type FrameRecord struct {
	Record       string      `json:"record"` // "frame"
	Frame        int         `json:"frame"`
	Time         float64     `json:"time"`
	Conversation int         `json:"conversation"`
	Src          string      `json:"src"`
	Dst          string      `json:"dst"`
	Direction    string      `json:"direction"` // "client" (client to server) or "server"
	TCPFlags     string      `json:"tcp_flags"`
	Seq          uint32      `json:"seq"`
	Ack          uint32      `json:"ack"`
	Win          uint16      `json:"win"`
	PayloadLen   int         `json:"payload_len"`
	PDUs         []PDURecord `json:"pdus,omitempty"`
	Note         string      `json:"note,omitempty"`
	Description  string      `json:"description"`
}

// PDURecord is one decoded unit: a TDS packet (with the SMP header that
// carried it, if any), an SMP control packet, or TLS records.
type PDURecord struct {
	Layer   string     `json:"layer"` // TDS, SMP, TLS
	SMP     *SMPRecord `json:"smp,omitempty"`
	TDS     *TDSRecord `json:"tds,omitempty"`
	TLS     []string   `json:"tls,omitempty"`
	Message *Message   `json:"message,omitempty"`
}

// SMPRecord is an SMP header, [MC-SMP] 2.2.1.
type SMPRecord struct {
	Flags  string `json:"flags"`
	SID    uint16 `json:"sid"`
	Length uint32 `json:"length"`
	SeqNum uint32 `json:"seqnum"`
	Wndw   uint32 `json:"wndw"`
}

// TDSRecord is a TDS packet header, [MS-TDS] 2.2.3.1.
type TDSRecord struct {
	Type     uint8  `json:"type"`
	TypeName string `json:"type_name"`
	Status   uint8  `json:"status"`
	Length   uint16 `json:"length"`
	SPID     uint16 `json:"spid"`
	PacketID uint8  `json:"packet_id"`
	Window   uint8  `json:"window"`
}

// tcpFlags writes the flags as Network Monitor does in the seeds: the
// letters CEUAPRSF, a dot for each flag not set.
func tcpFlags(fl uint8) string {
	const letters = "CEUAPRSF"
	var b [8]byte
	for i := 0; i < 8; i++ {
		if fl&(0x80>>i) != 0 {
			b[i] = letters[i]
		} else {
			b[i] = '.'
		}
	}
	return string(b[:])
}

func (t *Tracer) tdsConvs() []*Conv {
	var out []*Conv
	for _, c := range t.Convs {
		if c != nil && c.pdus > 0 {
			out = append(out, c)
		}
	}
	return out
}

// WriteText writes the frame list and the conversation explanations of a
// Tracer made by NewTracer, after Read.
func (t *Tracer) WriteText(w *bufio.Writer) {
	t.out, t.json, t.enc = w, false, nil
	t.writeAll()
}

// WriteJSON writes, after Read, one JSON object per line: a "frame" record
// per frame and then a "conversation" record per conversation.
func (t *Tracer) WriteJSON(w *bufio.Writer) error {
	t.out, t.json, t.enc = w, true, nil
	t.writeAll()
	return t.err
}

func (t *Tracer) writeAll() {
	t.writeHeader()
	for _, f := range t.Frames {
		t.emit(f)
	}
	t.writeConvs()
}

func (t *Tracer) writeHeader() {
	if !t.json {
		t.out.WriteString("Frame Time Offset Source IP Dest IP Description\n")
		t.out.WriteString("----- ----------- --------- ------- -----------\n")
	}
}

// emit writes one frame: a line of text or a JSON record.
func (t *Tracer) emit(f *Frame) {
	if f.Conv.pdus == 0 || t.err != nil {
		return
	}
	if t.json {
		if t.enc == nil {
			t.enc = json.NewEncoder(t.out)
		}
		t.err = t.enc.Encode(frameRecord(f))
		return
	}
	t.line = appendFrameLine(t.line[:0], f)
	_, t.err = t.out.Write(t.line)
}

// writeConvs writes the conversation explanations or records.
func (t *Tracer) writeConvs() {
	for i, c := range t.Convs {
		if t.err != nil {
			return
		}
		if c == nil {
			t.copySpooled(i) // retired (a streaming Tracer)
			continue
		}
		if c.pdus == 0 {
			continue
		}
		s := &t.sum // reused: each is written before the next is made
		c.summarize(s, t.json)
		if t.json {
			if t.enc == nil {
				t.enc = json.NewEncoder(t.out)
			}
			t.err = t.enc.Encode(s)
			continue
		}
		t.out.WriteByte('\n')
		t.line = writeSummary(t.out, s, t.line)
	}
}

func frameRecord(f *Frame) *FrameRecord {
	r := &FrameRecord{
		Record: "frame", Frame: f.Number, Time: f.Time.Seconds(), Conversation: f.Conv.ID,
		Src: f.Src.String(), Dst: f.Dst.String(), Direction: "server",
		TCPFlags: tcpFlags(f.Flags), Seq: f.Seq, Ack: f.Ack, Win: f.Win, PayloadLen: f.PayloadLen,
		Note: f.Note, Description: describeFrame(f),
	}
	if f.FromClient() {
		r.Direction = "client"
	}
	for _, p := range f.PDUs {
		pr := PDURecord{TLS: p.TLS, Message: p.Message}
		if p.HasSMP {
			pr.Layer = "SMP"
			pr.SMP = &SMPRecord{Flags: p.SMP.Flags.String(), SID: p.SMP.SID, Length: p.SMP.Length, SeqNum: p.SMP.SeqNum, Wndw: p.SMP.Wndw}
		}
		if p.HasTDS {
			pr.Layer = "TDS"
			h := p.TDS
			pr.TDS = &TDSRecord{Type: uint8(h.Type), TypeName: packetKind(h.Type), Status: uint8(h.Status), Length: h.Length, SPID: h.SPID, PacketID: h.PacketID, Window: h.Window}
		}
		if p.TLS != nil {
			pr.Layer = "TLS"
		}
		r.PDUs = append(r.PDUs, pr)
	}
	return r
}

// describeFrame is the Description column: the seeds' per-frame style.
func describeFrame(f *Frame) string { return string(appendDescription(nil, f)) }

// appendFrameLine appends one line of the frame list: number, time offset,
// source and destination addresses, description.
func appendFrameLine(b []byte, f *Frame) []byte {
	b = appendPadded(b, strconv.AppendInt(nil, int64(f.Number), 10), 5)
	b = append(b, ' ')
	var tb [32]byte
	b = appendPadded(b, appendSeconds(tb[:0], f.Time.Seconds()), 11)
	b = append(b, ' ')
	b = f.Src.Addr().AppendTo(b)
	b = append(b, ' ')
	b = f.Dst.Addr().AppendTo(b)
	b = append(b, ' ')
	b = appendDescription(b, f)
	return append(b, '\n')
}

// appendPadded appends s right-aligned in width columns.
func appendPadded(b, s []byte, width int) []byte {
	for i := len(s); i < width; i++ {
		b = append(b, ' ')
	}
	return append(b, s...)
}

func appendDescription(b []byte, f *Frame) []byte {
	if len(f.PDUs) == 0 {
		b = append(b, "TCP:"...)
		b = appendTCPDetail(b, f)
	}
	for i := range f.PDUs {
		if i > 0 {
			b = append(b, "; "...)
		}
		b = appendPDU(b, f, &f.PDUs[i])
	}
	if f.Note != "" {
		b = append(b, " ("...)
		b = append(b, f.Note...)
		b = append(b, ')')
	}
	return b
}

func appendTCPDetail(b []byte, f *Frame) []byte {
	b = appendFlags(b, f)
	b = append(b, ", SrcPort="...)
	b = strconv.AppendUint(b, uint64(f.Src.Port()), 10)
	b = append(b, ", DstPort="...)
	b = strconv.AppendUint(b, uint64(f.Dst.Port()), 10)
	b = append(b, ", PayloadLen="...)
	b = strconv.AppendInt(b, int64(f.PayloadLen), 10)
	b = append(b, ", Seq="...)
	b = strconv.AppendUint(b, uint64(f.Seq), 10)
	b = append(b, ", Ack="...)
	b = strconv.AppendUint(b, uint64(f.Ack), 10)
	b = append(b, ", Win="...)
	return strconv.AppendUint(b, uint64(f.Win), 10)
}

func appendFlags(b []byte, f *Frame) []byte {
	const letters = "CEUAPRSF"
	b = append(b, "Flags="...)
	for i := 0; i < 8; i++ {
		if f.Flags&(0x80>>i) != 0 {
			b = append(b, letters[i])
		} else {
			b = append(b, '.')
		}
	}
	return b
}

func appendSMP(b []byte, flags string, sid uint16, length, seq, wndw uint32) []byte {
	b = append(b, flags...)
	b = append(b, ", Sid = "...)
	b = strconv.AppendUint(b, uint64(sid), 10)
	if length != 0 { // 0: not shown (an SMP DATA header beside its TDS packet)
		b = append(b, ", Length = "...)
		b = strconv.AppendUint(b, uint64(length), 10)
	}
	b = append(b, ", SeqNum = "...)
	b = strconv.AppendUint(b, uint64(seq), 10)
	b = append(b, ", Wndw = "...)
	return strconv.AppendUint(b, uint64(wndw), 10)
}

func appendPDU(b []byte, f *Frame, p *PDU) []byte {
	if p.TLS != nil {
		b = append(b, "TLS:"...)
		for i, r := range p.TLS {
			if i > 0 {
				b = append(b, "; "...)
			}
			b = append(b, r...)
		}
		return b
	}
	if !p.HasTDS {
		h := p.SMP
		b = append(b, "SMP:"...)
		return appendSMP(b, h.Flags.String(), h.SID, h.Length, h.SeqNum, h.Wndw)
	}
	m := p.Message
	if m != nil && m.NTLM != nil && m.Kind != "LOGIN7" {
		switch m.NTLM.Type {
		case "CHALLENGE":
			return append(b, "NLMP:NTLM CHALLENGE MESSAGE"...)
		case "AUTHENTICATE":
			v := "NTLM v1"
			if m.NTLM.NTLMv2 {
				v = "NTLM v2"
			}
			b = append(b, "NLMP:NTLM AUTHENTICATE MESSAGE Version:"...)
			b = append(b, v...)
			b = append(b, ", Domain: "...)
			b = append(b, m.NTLM.Domain...)
			b = append(b, ", User: "...)
			b = append(b, m.NTLM.User...)
			b = append(b, ", Workstation: "...)
			return append(b, m.NTLM.Workstation...)
		}
	}
	b = append(b, "TDS:"...)
	if p.TDS.Type == tds.PacketResponse && !p.First {
		b = append(b, "Continuous Response"...)
	} else {
		b = append(b, packetKind(p.TDS.Type)...)
	}
	if v := f.Conv.shownVersionString(); v != "" {
		b = append(b, ", Version = "...)
		b = append(b, v...)
	}
	b = append(b, ", SPID = "...)
	b = strconv.AppendUint(b, uint64(p.TDS.SPID), 10)
	b = append(b, ", PacketID = "...)
	b = strconv.AppendUint(b, uint64(p.TDS.PacketID), 10)
	b = append(b, ", "...)
	b = appendFlags(b, f)
	b = append(b, ", SrcPort="...)
	b = strconv.AppendUint(b, uint64(f.Src.Port()), 10)
	b = append(b, ", DstPort="...)
	b = strconv.AppendUint(b, uint64(f.Dst.Port()), 10)
	b = append(b, ", PayloadLen="...)
	b = strconv.AppendInt(b, int64(f.PayloadLen), 10)
	if p.HasSMP {
		b = append(b, " {SMP:"...)
		b = appendSMP(b, "DATA", p.SMP.SID, 0, p.SMP.SeqNum, p.SMP.Wndw)
		b = append(b, '}')
	}
	if m != nil {
		n := len(b)
		b = appendSummary(append(b, " ["...), m)
		if len(b) == n+2 {
			b = b[:n] // nothing to say
		} else {
			b = append(b, ']')
		}
	}
	return b
}

// shownVersion is the TDS version printed on each TDS line, as the seeds'
// parser prints the version of the conversation: LOGINACK's, else
// LOGIN7's, else none.
func (c *Conv) shownVersion() tds.Version {
	if c.ackVersion != 0 {
		return c.ackVersion
	}
	return c.loginVersion
}

// shownVersionString is shownVersion as text, computed once per
// conversation when the output is written (the capture is read by then).
func (c *Conv) shownVersionString() string {
	if v := c.shownVersion(); v != 0 && c.versionText == "" {
		c.versionText = c.tracer.versionString(v)
	}
	return c.versionText
}

// appendSummary appends a short account of a message for the frame line.
func appendSummary(b []byte, m *Message) []byte {
	sep := func(b []byte, first *bool) []byte {
		if !*first {
			b = append(b, ", "...)
		}
		*first = false
		return b
	}
	first := true
	switch {
	case m.Prelogin != nil:
		p := m.Prelogin
		b = append(b, "PRELOGIN "...)
		if p.Version != "" {
			b = sep(b, &first)
			b = append(b, "Version "...)
			b = append(b, p.Version...)
		}
		if p.Encryption != "" {
			b = sep(b, &first)
			b = append(b, p.Encryption...)
		}
		if p.MARS != nil {
			b = sep(b, &first)
			b = append(b, "MARS "...)
			b = append(b, onOff(*p.MARS)...)
		}
	case m.Login7 != nil:
		l := m.Login7
		b = append(b, "LOGIN7 TDS "...)
		b = append(b, l.TDSVersion...)
		if l.UserName != "" {
			b = append(b, ", User "...)
			b = strconv.AppendQuote(b, l.UserName)
		}
		if l.Integrated {
			b = append(b, ", integrated security"...)
			if l.NTLM != nil {
				b = append(b, ", NTLM "...)
				b = append(b, l.NTLM.Type...)
			} else if d := sspiBrief(l.SSPI); d != "" {
				b = append(b, ", "...)
				b = append(b, d...)
			} else if l.SSPIKind != "" {
				b = append(b, ", "...)
				b = append(b, l.SSPIKind...)
			}
		}
		b = append(b, ", Host "...)
		b = strconv.AppendQuote(b, l.HostName)
		b = append(b, ", App "...)
		b = strconv.AppendQuote(b, l.AppName)
		b = append(b, ", Server "...)
		b = strconv.AppendQuote(b, l.ServerName)
		if l.Database != "" {
			b = append(b, ", Database "...)
			b = strconv.AppendQuote(b, l.Database)
		}
	case m.SQLBatch != nil:
		t := m.SQLBatch.Text
		if len(t) > 60 {
			t = t[:60] + "..."
		}
		b = append(b, "SQLBatch "...)
		b = strconv.AppendQuote(b, t)
	case m.RPC != nil:
		b = append(b, "RPC "...)
		for _, r := range m.RPC {
			b = sep(b, &first)
			b = append(b, r.Proc...)
			b = append(b, '(')
			b = strconv.AppendInt(b, int64(len(r.Params)), 10)
			b = append(b, " params)"...)
		}
	case m.codes != nil:
		k := 0 // the next kept token
		for i, code := range m.codes {
			if i > 0 {
				b = append(b, ' ')
			}
			if tt := tokens.TokenType(code); !briefKept(tt) || k == len(m.Tokens) {
				b = append(b, tt.String()...)
				continue
			}
			b = appendToken(b, &m.Tokens[k])
			k++
		}
		if m.Error != "" {
			b = append(b, " ("...)
			b = append(b, m.Error...)
			b = append(b, ')')
		}
	case m.Tokens != nil:
		for i := range m.Tokens {
			if i > 0 {
				b = append(b, ' ')
			}
			b = appendToken(b, &m.Tokens[i])
		}
		if m.Error != "" {
			b = append(b, " ("...)
			b = append(b, m.Error...)
			b = append(b, ')')
		}
	case m.Error != "":
		b = append(b, m.Kind...)
		b = append(b, " error: "...)
		b = append(b, m.Error...)
	}
	return b
}

// appendToken appends a token's type and, for ERROR, LOGINACK and SSPI,
// what it says.
func appendToken(b []byte, t *TokenInfo) []byte {
	b = append(b, t.Type...)
	switch tokens.TokenType(t.Code) {
	case tokens.TokenError:
		if t.Number == nil { // the token did not decode: the message's error says why
			return b
		}
		b = append(b, ' ')
		b = strconv.AppendInt(b, int64(*t.Number), 10)
		b = append(b, ' ')
		b = strconv.AppendQuote(b, t.Text)
	case tokens.TokenLoginAck:
		b = append(b, ' ')
		b = append(b, t.TDSVersion...)
	case tokens.TokenSSPI:
		if t.NTLM != nil {
			b = append(b, " NTLM "...)
			b = append(b, t.NTLM.Type...)
		} else if d := sspiBrief(t.SSPI); d != "" {
			b = append(b, ' ')
			b = append(b, d...)
		} else if t.SSPIKind != "" {
			b = append(b, ' ')
			b = append(b, t.SSPIKind...)
		}
	}
	return b
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

func writeSummary(w *bufio.Writer, s *Summary, buf []byte) []byte {
	b := buf[:0]
	b = append(b, "Conversation "...)
	b = strconv.AppendInt(b, int64(s.ID), 10)
	b = append(b, ": client "...)
	b = append(b, s.Client...)
	b = append(b, ", server "...)
	b = append(b, s.Server...)
	b = append(b, " (frames "...)
	b = strconv.AppendInt(b, int64(s.FirstFrame), 10)
	b = append(b, '-')
	b = strconv.AppendInt(b, int64(s.LastFrame), 10)
	b = append(b, ", "...)
	b = appendSeconds(b, s.Duration)
	b = append(b, " s)\n  "...)
	b = appendExplain(b, s)
	b = append(b, '\n')

	v := s.TDSVersion
	switch {
	case v == "" && s.RequestedVersion != "":
		v = s.RequestedVersion + " (asked for in LOGIN7; no LOGINACK seen)"
	case v == "":
		v = "unknown"
	case s.RequestedVersion != "" && s.RequestedVersion != v:
		v += " (LOGIN7 asked for " + s.RequestedVersion + ")"
	}
	b = field(b, "TDS version:    ", v)
	b = append(b, "  Authentication: "...)
	b = append(b, s.Authentication...)
	if s.User != "" {
		b = append(b, ", user "...)
		if s.Domain != "" {
			b = append(b, s.Domain...)
			b = append(b, '\\')
		}
		b = append(b, s.User...)
	}
	if s.Workstation != "" {
		b = append(b, ", workstation "...)
		b = append(b, s.Workstation...)
	}
	b = append(b, '\n')
	b = appendSSPISummary(b, s)
	b = append(b, "  Encryption:     "...)
	b = append(b, s.Encryption...)
	if s.ClientEncryption != "" {
		b = append(b, " (client "...)
		b = append(b, s.ClientEncryption...)
		b = append(b, ", server "...)
		b = append(b, s.ServerEncryption...)
		b = append(b, ": "...)
		b = append(b, s.Negotiated...)
		b = append(b, ')')
	}
	b = append(b, '\n')
	if s.MARSRequested || s.MARSGranted || len(s.MARSOpened) > 0 {
		b = append(b, "  MARS:           requested "...)
		b = append(b, yesNo(s.MARSRequested)...)
		b = append(b, ", granted "...)
		b = append(b, yesNo(s.MARSGranted)...)
		b = append(b, "; sessions opened "...)
		b = appendSIDs(b, s.MARSOpened)
		b = append(b, ", closed "...)
		b = appendSIDs(b, s.MARSClosed)
		b = append(b, '\n')
	}
	b = append(b, "  Login:          "...)
	b = append(b, s.Login...)
	switch {
	case s.Login == "failed":
		b = append(b, ": error "...)
		b = strconv.AppendInt(b, int64(s.ErrorNumber), 10)
		b = append(b, ", "...)
		b = strconv.AppendQuote(b, s.ErrorMessage)
	case s.ServerProgram != "":
		b = append(b, ": "...)
		b = append(b, s.ServerProgram...)
	}
	b = append(b, '\n')
	if len(s.Commands) > 0 {
		b = append(b, "  Commands:       "...)
		for i, k := range sortedKinds(s.Commands) {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = strconv.AppendInt(b, int64(s.Commands[k]), 10)
			b = append(b, ' ')
			b = append(b, k...)
		}
		if s.CommandErrors > 0 {
			b = append(b, "; "...)
			b = strconv.AppendInt(b, int64(s.CommandErrors), 10)
			b = append(b, " ERROR token(s) in the answers"...)
		}
		b = append(b, '\n')
	}
	b = append(b, "  Ending:         "...)
	b = append(b, s.Ending...)
	if s.Abnormal {
		b = append(b, " (abnormal)"...)
	}
	if s.CaptureLoss {
		b = append(b, "\n  Capture:        bytes of this connection are missing (the capture lost packets)"...)
	}
	b = append(b, "\n  Steps:\n"...)
	for _, st := range s.Steps {
		b = append(b, "    "...)
		b = append(b, st.Name...)
		for i := len(st.Name); i < 28; i++ {
			b = append(b, ' ')
		}
		b = append(b, " frames "...)
		var nb [24]byte
		b = appendPadded(b, strconv.AppendInt(nb[:0], int64(st.FirstFrame), 10), 5)
		b = append(b, '-')
		n := len(b)
		b = strconv.AppendInt(b, int64(st.LastFrame), 10)
		for i := len(b) - n; i < 5; i++ {
			b = append(b, ' ')
		}
		b = append(b, " at "...)
		b = appendPadded(b, appendSeconds(nb[:0], st.Start), 11)
		b = append(b, " took "...)
		b = appendSeconds(b, st.Duration)
		b = append(b, " s\n"...)
	}
	w.Write(b)
	return b
}

func field(b []byte, name, value string) []byte {
	b = append(b, "  "...)
	b = append(b, name...)
	b = append(b, value...)
	return append(b, '\n')
}

func appendSIDs(b []byte, s []uint16) []byte {
	if len(s) == 0 {
		return append(b, "none"...)
	}
	for i, x := range s {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = strconv.AppendUint(b, uint64(x), 10)
	}
	return b
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
