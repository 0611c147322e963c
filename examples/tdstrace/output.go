package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

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
		if c.pdus > 0 {
			out = append(out, c)
		}
	}
	return out
}

// WriteText writes the frame list and the conversation explanations.
func (t *Tracer) WriteText(w *bufio.Writer) {
	w.WriteString("Frame Time Offset Source IP Dest IP Description\n")
	w.WriteString("----- ----------- --------- ------- -----------\n")
	line := make([]byte, 0, 512)
	for _, f := range t.Frames {
		if f.Conv.pdus == 0 {
			continue
		}
		line = appendFrameLine(line[:0], f)
		w.Write(line)
	}
	for _, c := range t.tdsConvs() {
		w.WriteByte('\n')
		writeSummary(w, c.Summarize())
	}
}

// WriteJSON writes one JSON object per line: a "frame" record per frame
// and then a "conversation" record per conversation.
func (t *Tracer) WriteJSON(w *bufio.Writer) error {
	enc := json.NewEncoder(w)
	for _, f := range t.Frames {
		if f.Conv.pdus == 0 {
			continue
		}
		if err := enc.Encode(frameRecord(f)); err != nil {
			return err
		}
	}
	for _, c := range t.tdsConvs() {
		if err := enc.Encode(c.Summarize()); err != nil {
			return err
		}
	}
	return nil
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
	b = appendPadded(b, strconv.AppendFloat(tb[:0], f.Time.Seconds(), 'f', 7, 64), 11)
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
	if v := f.Conv.shownVersion(); v != 0 {
		b = append(b, ", Version = "...)
		b = append(b, v.String()...)
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
		if m.summary == "" {
			m.summary = summarizeMessage(m)
		}
		if m.summary != "" {
			b = append(b, " ["...)
			b = append(b, m.summary...)
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

// summarizeMessage is a short account of a message for the frame line.
func summarizeMessage(m *Message) string {
	var parts []string
	switch {
	case m.Prelogin != nil:
		p := m.Prelogin
		if p.Version != "" {
			parts = append(parts, "Version "+p.Version)
		}
		if p.Encryption != "" {
			parts = append(parts, p.Encryption)
		}
		if p.MARS != nil {
			parts = append(parts, "MARS "+onOff(*p.MARS))
		}
		return "PRELOGIN " + strings.Join(parts, ", ")
	case m.Login7 != nil:
		l := m.Login7
		parts = append(parts, "TDS "+l.TDSVersion)
		if l.UserName != "" {
			parts = append(parts, "User "+strconv.Quote(l.UserName))
		}
		if l.Integrated {
			s := "integrated security"
			if l.NTLM != nil {
				s += ", NTLM " + l.NTLM.Type
			} else if l.SSPIKind != "" {
				s += ", " + l.SSPIKind
			}
			parts = append(parts, s)
		}
		parts = append(parts, "Host "+strconv.Quote(l.HostName), "App "+strconv.Quote(l.AppName), "Server "+strconv.Quote(l.ServerName))
		if l.Database != "" {
			parts = append(parts, "Database "+strconv.Quote(l.Database))
		}
		return "LOGIN7 " + strings.Join(parts, ", ")
	case m.SQLBatch != nil:
		t := m.SQLBatch.Text
		if len(t) > 60 {
			t = t[:60] + "..."
		}
		return "SQLBatch " + strconv.Quote(t)
	case m.RPC != nil:
		for _, r := range m.RPC {
			parts = append(parts, fmt.Sprintf("%s(%d params)", r.Proc, len(r.Params)))
		}
		return "RPC " + strings.Join(parts, ", ")
	case m.Tokens != nil:
		for _, t := range m.Tokens {
			s := t.Type
			switch tokens.TokenType(t.Code) {
			case tokens.TokenError:
				s += fmt.Sprintf(" %d %q", *t.Number, t.Text)
			case tokens.TokenLoginAck:
				s += " " + t.TDSVersion
			case tokens.TokenSSPI:
				if t.NTLM != nil {
					s += " NTLM " + t.NTLM.Type
				} else if t.SSPIKind != "" {
					s += " " + t.SSPIKind
				}
			}
			parts = append(parts, s)
		}
		s := strings.Join(parts, " ")
		if m.Error != "" {
			s += " (" + m.Error + ")"
		}
		return s
	case m.Error != "":
		return m.Kind + " error: " + m.Error
	}
	return ""
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

func writeSummary(w *bufio.Writer, s *Summary) {
	fmt.Fprintf(w, "Conversation %d: client %s, server %s (frames %d-%d, %.7f s)\n", s.ID, s.Client, s.Server, s.FirstFrame, s.LastFrame, s.Duration)
	fmt.Fprintf(w, "  %s\n", s.Explanation)
	v := s.TDSVersion
	switch {
	case v == "" && s.RequestedVersion != "":
		v = s.RequestedVersion + " (asked for in LOGIN7; no LOGINACK seen)"
	case v == "":
		v = "unknown"
	case s.RequestedVersion != "" && s.RequestedVersion != v:
		v += " (LOGIN7 asked for " + s.RequestedVersion + ")"
	}
	fmt.Fprintf(w, "  TDS version:    %s\n", v)
	a := s.Authentication
	if s.User != "" {
		u := s.User
		if s.Domain != "" {
			u = s.Domain + `\` + u
		}
		a += ", user " + u
	}
	if s.Workstation != "" {
		a += ", workstation " + s.Workstation
	}
	fmt.Fprintf(w, "  Authentication: %s\n", a)
	e := s.Encryption
	if s.ClientEncryption != "" {
		e += fmt.Sprintf(" (client %s, server %s: %s)", s.ClientEncryption, s.ServerEncryption, s.Negotiated)
	}
	fmt.Fprintf(w, "  Encryption:     %s\n", e)
	if s.MARSRequested || s.MARSGranted || len(s.MARSOpened) > 0 {
		fmt.Fprintf(w, "  MARS:           requested %s, granted %s; sessions opened %s, closed %s\n",
			yesNo(s.MARSRequested), yesNo(s.MARSGranted), sids(s.MARSOpened), sids(s.MARSClosed))
	}
	l := s.Login
	switch {
	case s.Login == "failed":
		l += fmt.Sprintf(": error %d, %q", s.ErrorNumber, s.ErrorMessage)
	case s.ServerProgram != "":
		l += ": " + s.ServerProgram
	}
	fmt.Fprintf(w, "  Login:          %s\n", l)
	if len(s.Commands) > 0 {
		var cs []string
		for _, k := range sortedKinds(s.Commands) {
			cs = append(cs, fmt.Sprintf("%d %s", s.Commands[k], k))
		}
		c := strings.Join(cs, ", ")
		if s.CommandErrors > 0 {
			c += fmt.Sprintf("; %d ERROR token(s) in the answers", s.CommandErrors)
		}
		fmt.Fprintf(w, "  Commands:       %s\n", c)
	}
	end := s.Ending
	if s.Abnormal {
		end += " (abnormal)"
	}
	fmt.Fprintf(w, "  Ending:         %s\n", end)
	w.WriteString("  Steps:\n")
	for _, st := range s.Steps {
		fmt.Fprintf(w, "    %-28s frames %5d-%-5d at %11.7f took %.7f s\n", st.Name, st.FirstFrame, st.LastFrame, st.Start, st.Duration)
	}
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func sids(s []uint16) string {
	if len(s) == 0 {
		return "none"
	}
	var p []string
	for _, x := range s {
		p = append(p, strconv.Itoa(int(x)))
	}
	return strings.Join(p, ", ")
}
