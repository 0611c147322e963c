package main

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"io"
	"strings"

	"github.com/tdswire/tdswire/login7"
	"github.com/tdswire/tdswire/ntlm"
	"github.com/tdswire/tdswire/prelogin"
	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tds/request"
	"github.com/tdswire/tdswire/tdsconn"
	"github.com/tdswire/tdswire/tokens"
)

// Message is what tdstrace knows of one whole TDS message (the payloads of
// its packets joined, [MS-TDS] 2.2.3): its kind and the fields the
// library decodes. Exactly one of the pointer fields is set for a message
// that decoded; Error says why one did not.
type Message struct {
	Kind     string        `json:"kind"` // PRELOGIN, LOGIN7, SSPI, SQLBatch, RPC, Response, Attention, ...
	Length   int           `json:"length"`
	Prelogin *PreloginInfo `json:"prelogin,omitempty"`
	Login7   *Login7Info   `json:"login7,omitempty"`
	NTLM     *NTLMInfo     `json:"ntlm,omitempty"`
	SSPIKind string        `json:"sspi_kind,omitempty"`
	SSPI     *SSPIInfo     `json:"sspi,omitempty"`
	SQLBatch *BatchInfo    `json:"sql_batch,omitempty"`
	RPC      []RPCInfo     `json:"rpc,omitempty"`
	TransMgr *TransMgrInfo `json:"transaction_manager,omitempty"`
	Tokens   []TokenInfo   `json:"tokens,omitempty"`
	TLS      []string      `json:"tls,omitempty"`
	Error    string        `json:"error,omitempty"`
	version  tds.Version   // the TDS version the message was decoded with
	// codes is set when the message was decoded briefly (decodeTokens):
	// the type of every token, in order; Tokens then holds only the
	// LOGINACK, ERROR and SSPI tokens.
	codes []byte
}

// PreloginInfo is a PRELOGIN message, [MS-TDS] 2.2.6.5.
type PreloginInfo struct {
	Options         []OptionInfo `json:"options"`
	Version         string       `json:"version,omitempty"`
	Encryption      string       `json:"encryption,omitempty"`
	EncryptionByte  *uint8       `json:"encryption_byte,omitempty"`
	Instance        *string      `json:"instance,omitempty"`
	ThreadID        *uint32      `json:"thread_id,omitempty"`
	MARS            *bool        `json:"mars,omitempty"`
	TraceID         string       `json:"trace_id,omitempty"`
	FedAuthRequired *bool        `json:"fed_auth_required,omitempty"`
	Nonce           string       `json:"nonce,omitempty"`
}

// OptionInfo is one entry of the PRELOGIN option table.
type OptionInfo struct {
	Token  string `json:"token"`
	Offset int    `json:"offset"`
	Length int    `json:"length"`
}

// Login7Info is a LOGIN7 message, [MS-TDS] 2.2.6.4, without its passwords.
type Login7Info struct {
	TDSVersion     string    `json:"tds_version"`
	PacketSize     uint32    `json:"packet_size"`
	ClientProgVer  string    `json:"client_prog_ver"`
	ClientPID      uint32    `json:"client_pid"`
	ConnectionID   uint32    `json:"connection_id"`
	OptionFlags1   string    `json:"option_flags1"`
	OptionFlags2   string    `json:"option_flags2"`
	TypeFlags      string    `json:"type_flags"`
	OptionFlags3   string    `json:"option_flags3"`
	ClientTimeZone int32     `json:"client_time_zone"`
	ClientLCID     string    `json:"client_lcid"`
	HostName       string    `json:"host_name"`
	UserName       string    `json:"user_name"`
	PasswordLen    int       `json:"password_bytes"`
	AppName        string    `json:"app_name"`
	ServerName     string    `json:"server_name"`
	CltIntName     string    `json:"clt_int_name"`
	Language       string    `json:"language"`
	Database       string    `json:"database"`
	ClientID       string    `json:"client_id"`
	Integrated     bool      `json:"integrated_security"`
	SSPILen        int       `json:"sspi_bytes"`
	AtchDBFile     string    `json:"atch_db_file,omitempty"`
	ChangePassword bool      `json:"change_password,omitempty"`
	Features       []string  `json:"features,omitempty"`
	NTLM           *NTLMInfo `json:"ntlm,omitempty"`
	SSPIKind       string    `json:"sspi_kind,omitempty"`
	SSPI           *SSPIInfo `json:"sspi,omitempty"`
	version        tds.Version
}

// NTLMInfo is an NTLM message, [MS-NLMP] 2.2.1.
type NTLMInfo struct {
	Type            string `json:"type"` // NEGOTIATE, CHALLENGE, AUTHENTICATE
	Flags           string `json:"flags"`
	Domain          string `json:"domain,omitempty"`
	User            string `json:"user,omitempty"`
	Workstation     string `json:"workstation,omitempty"`
	NTLMv2          bool   `json:"ntlmv2,omitempty"`
	TargetName      string `json:"target_name,omitempty"`
	ServerChallenge string `json:"server_challenge,omitempty"`
	OSVersion       string `json:"os_version,omitempty"`
	Error           string `json:"error,omitempty"`
}

// BatchInfo is a SQL Batch message, [MS-TDS] 2.2.6.7.
type BatchInfo struct {
	TransactionDescriptor uint64 `json:"transaction_descriptor"`
	OutstandingRequests   uint32 `json:"outstanding_requests"`
	Text                  string `json:"text"`
}

// RPCInfo is one RPCReqBatch of an RPC Request, [MS-TDS] 2.2.6.6.
type RPCInfo struct {
	Proc    string      `json:"proc"`
	ProcID  uint16      `json:"proc_id,omitempty"`
	Options uint16      `json:"options"`
	Params  []ParamInfo `json:"params,omitempty"`
}

// ParamInfo is one RPC parameter.
type ParamInfo struct {
	Name   string `json:"name"`
	Status uint8  `json:"status"`
	Type   string `json:"type"`
	Value  string `json:"value"`
}

// TransMgrInfo is a Transaction Manager Request, [MS-TDS] 2.2.6.9.
type TransMgrInfo struct {
	Type      uint16 `json:"type"`
	Isolation uint8  `json:"isolation,omitempty"`
	Name      string `json:"name,omitempty"`
	DataLen   int    `json:"data_bytes,omitempty"`
}

// TokenInfo is one token of a tabular result, [MS-TDS] 2.2.7.
type TokenInfo struct {
	Type       string    `json:"type"`
	Code       uint8     `json:"code"`
	Offset     int       `json:"offset"`
	Length     int       `json:"length"`
	Number     *int32    `json:"number,omitempty"`
	State      *uint8    `json:"state,omitempty"`
	Class      *uint8    `json:"class,omitempty"`
	Text       string    `json:"text,omitempty"`
	ServerName string    `json:"server_name,omitempty"`
	ProcName   string    `json:"proc_name,omitempty"`
	Line       *int32    `json:"line,omitempty"`
	TDSVersion string    `json:"tds_version,omitempty"`
	Interface  *uint8    `json:"interface,omitempty"`
	ProgName   string    `json:"prog_name,omitempty"`
	ProgVer    string    `json:"prog_version,omitempty"`
	EnvType    string    `json:"env_type,omitempty"`
	EnvCode    uint8     `json:"env_code,omitempty"`
	NewValue   string    `json:"new_value,omitempty"`
	OldValue   string    `json:"old_value,omitempty"`
	Status     string    `json:"status,omitempty"`
	DoneStatus *uint16   `json:"done_status,omitempty"`
	CurCmd     *uint16   `json:"cur_cmd,omitempty"`
	RowCount   *uint64   `json:"row_count,omitempty"`
	Return     *int32    `json:"return_status,omitempty"`
	Columns    []string  `json:"columns,omitempty"`
	Values     []string  `json:"values,omitempty"`
	SSPILen    *int      `json:"sspi_bytes,omitempty"`
	NTLM       *NTLMInfo `json:"ntlm,omitempty"`
	SSPIKind   string    `json:"sspi_kind,omitempty"`
	SSPI       *SSPIInfo `json:"sspi,omitempty"`
	version    tds.Version
}

// packetKind names a packet type as the seeds' parser does.
func packetKind(t tds.PacketType) string {
	switch t {
	case tds.PacketSQLBatch:
		return "SQLBatch"
	case tds.PacketPreTDS7Login:
		return "PreTDS7Login"
	case tds.PacketRPC:
		return "RPCRequest"
	case tds.PacketResponse:
		return "Response"
	case tds.PacketAttention:
		return "Attention"
	case tds.PacketBulkLoad:
		return "BulkLoad"
	case tds.PacketFedAuthToken:
		return "FedAuthToken"
	case tds.PacketTransactionManager:
		return "TransactionManager"
	case tds.PacketLogin7:
		return "Login7"
	case tds.PacketSSPI:
		return "SSPI"
	case tds.PacketPrelogin:
		return "Prelogin"
	}
	return fmt.Sprintf("Type(0x%02x)", uint8(t))
}

// decodeNTLM describes the NTLM message b (as decodeSSPI found it, raw
// or inside SPNEGO); nil when b is not one.
func decodeNTLM(b []byte) *NTLMInfo {
	if !bytes.HasPrefix(b, []byte(ntlm.Signature)) {
		return nil
	}
	t, err := ntlm.PeekMessageType(b)
	if err != nil {
		return &NTLMInfo{Type: "UNKNOWN", Error: err.Error()}
	}
	switch t {
	case ntlm.NtLmNegotiate:
		var m ntlm.Negotiate
		n := &NTLMInfo{Type: "NEGOTIATE"}
		if err := m.Decode(b); err != nil {
			n.Error = err.Error()
			return n
		}
		n.Flags = fmt.Sprintf("0x%08x", uint32(m.NegotiateFlags))
		n.Domain, n.Workstation = string(m.DomainName), string(m.Workstation)
		if !m.Version.IsZero() {
			n.OSVersion = m.Version.String()
		}
		return n
	case ntlm.NtLmChallenge:
		var m ntlm.Challenge
		n := &NTLMInfo{Type: "CHALLENGE"}
		if err := m.Decode(b); err != nil {
			n.Error = err.Error()
			return n
		}
		n.Flags = fmt.Sprintf("0x%08x", uint32(m.NegotiateFlags))
		n.TargetName = ntlmString(m.TargetName, m.NegotiateFlags)
		n.ServerChallenge = hex.EncodeToString(m.ServerChallenge[:])
		if !m.Version.IsZero() {
			n.OSVersion = m.Version.String()
		}
		return n
	case ntlm.NtLmAuthenticate:
		var m ntlm.Authenticate
		n := &NTLMInfo{Type: "AUTHENTICATE"}
		if err := m.Decode(b); err != nil {
			n.Error = err.Error()
			return n
		}
		n.Flags = fmt.Sprintf("0x%08x", uint32(m.NegotiateFlags))
		n.Domain, n.User, n.Workstation = m.Domain(), m.User(), m.WorkstationName()
		n.NTLMv2 = m.IsNTLMv2()
		if !m.Version.IsZero() {
			n.OSVersion = m.Version.String()
		}
		return n
	}
	return &NTLMInfo{Type: fmt.Sprintf("MessageType(%d)", uint32(t))}
}

func ntlmString(b []byte, f ntlm.NegotiateFlags) string {
	if f&ntlm.NegotiateUnicode != 0 {
		return tds.UCS2(b).String()
	}
	return string(b)
}

// decodeMessage decodes the payload of a whole message of type t sent by
// the client (fromClient) or the server, with TDS version v, filling every
// field of Message.
func decodeMessage(t tds.PacketType, fromClient bool, b []byte, v tds.Version) *Message {
	return decodeMessageAs(t, fromClient, b, v, false, nil)
}

// msgDecoder is what decoding messages can reuse from one message to the
// next: the token scanner (its column table) and a buffer for row values,
// and Message values whose frames have been written.
type msgDecoder struct {
	scan tokens.Scanner
	row  []tokens.ColumnValue
	free []*Message
}

// decodeMessageAs is decodeMessage; brief leaves out the fields that only
// the JSON records and -hex show (token details other than ERROR,
// LOGINACK and SSPI, row and parameter values, LOGIN7's flags, PRELOGIN's
// option table), for the text trace. The message is decoded as far and
// fails in the same way either way: brief only skips the formatting.
//
// d, when not nil, lends its scanner, its row buffer and a free Message.
func decodeMessageAs(t tds.PacketType, fromClient bool, b []byte, v tds.Version, brief bool, d *msgDecoder) *Message {
	if d == nil {
		d = &msgDecoder{}
	}
	var m *Message
	if n := len(d.free); n > 0 {
		m = d.free[n-1]
		d.free = d.free[:n-1]
	} else {
		m = new(Message)
	}
	*m = Message{Kind: messageKind(t), Length: len(b), version: v}
	var err error
	switch t {
	case tds.PacketPrelogin:
		if tdsconn.IsTLSRecord(b) {
			m.Kind = "TLS"
			m.TLS = describeTLS(b)
			return m
		}
		m.Prelogin, err = decodePrelogin(b, brief)
	case tds.PacketResponse:
		if !fromClient && tdsconn.IsTLSRecord(b) {
			m.Kind = "TLS"
			m.TLS = describeTLS(b)
			return m
		}
		if looksLikePrelogin(b) {
			if p, perr := decodePrelogin(b, brief); perr == nil {
				m.Kind = "PRELOGIN"
				m.Prelogin = p
				return m
			}
		}
		m.Tokens, m.codes, err = decodeTokens(b, v, brief, d)
		for _, tk := range m.Tokens {
			if tk.NTLM != nil {
				m.NTLM = tk.NTLM
			}
			if tk.SSPIKind != "" {
				m.SSPIKind, m.SSPI = tk.SSPIKind, tk.SSPI
			}
		}
	case tds.PacketLogin7:
		m.Login7, err = decodeLogin7(b, brief)
		if m.Login7 != nil {
			m.NTLM = m.Login7.NTLM
		}
	case tds.PacketSSPI:
		var s login7.SSPIMessage
		if err = s.Decode(b); err == nil {
			var tok []byte
			m.SSPI, m.SSPIKind, tok = decodeSSPI(s.Data)
			m.NTLM = decodeNTLM(tok)
		}
	case tds.PacketSQLBatch:
		var q request.SQLBatch
		if err = q.Decode(b, v); err == nil {
			td := q.Headers.TransactionDescriptor
			m.SQLBatch = &BatchInfo{TransactionDescriptor: td.Descriptor, OutstandingRequests: td.OutstandingRequestCount, Text: q.SQLText.String()}
		}
	case tds.PacketRPC:
		m.RPC, err = decodeRPC(b, v, brief)
	case tds.PacketTransactionManager:
		var q request.TransMgrReq
		if err = q.Decode(b, v); err == nil {
			m.TransMgr = &TransMgrInfo{Type: uint16(q.Type), Isolation: uint8(q.Isolation), Name: string(q.Name), DataLen: len(q.Data)}
		}
	}
	if err != nil {
		m.Error = err.Error()
	}
	return m
}

func messageKind(t tds.PacketType) string {
	switch t {
	case tds.PacketPrelogin:
		return "PRELOGIN"
	case tds.PacketLogin7:
		return "LOGIN7"
	case tds.PacketRPC:
		return "RPC"
	}
	return packetKind(t)
}

// looksLikePrelogin reports whether a server response starts with a
// PRELOGIN option table (VERSION, token 0, at offset 6 or more) rather
// than a token stream: no token type is 0x00.
func looksLikePrelogin(b []byte) bool {
	return len(b) >= 6 && b[0] == 0x00
}

// decodePrelogin describes a PRELOGIN message; brief leaves out the option
// table, the trace ID and the nonce (the option table is still walked, so
// that it fails in the same way).
func decodePrelogin(b []byte, brief bool) (*PreloginInfo, error) {
	info := &PreloginInfo{}
	if !brief {
		info.Options = make([]OptionInfo, 0, 8)
	}
	for e, err := range prelogin.Entries(b) {
		if err != nil {
			if len(info.Options) == 0 && !brief {
				return nil, err
			}
			return info, err
		}
		if brief {
			continue
		}
		info.Options = append(info.Options, OptionInfo{Token: optionName(e.Token), Offset: e.Offset, Length: len(e.Data)})
	}
	var msg prelogin.Message
	if err := msg.Decode(b); err != nil {
		return info, err
	}
	if msg.Present&prelogin.HasVersion != 0 {
		info.Version = msg.Version.String()
	}
	if msg.Present&prelogin.HasEncryption != 0 {
		e := uint8(msg.Encryption)
		info.EncryptionByte = &e
		info.Encryption = msg.Encryption.String()
	}
	if msg.Present&prelogin.HasInstOpt != 0 {
		s := strings.TrimRight(string(msg.Instance), "\x00")
		info.Instance = &s
	}
	if msg.Present&prelogin.HasThreadID != 0 {
		id := msg.ThreadID
		info.ThreadID = &id
	}
	if msg.Present&prelogin.HasMARS != 0 {
		mars := msg.MARS
		info.MARS = &mars
	}
	if brief {
		return info, nil
	}
	if msg.Present&prelogin.HasTraceID != 0 {
		info.TraceID = fmt.Sprintf("%x", msg.TraceID)
	}
	if msg.Present&prelogin.HasFedAuthRequired != 0 {
		f := msg.FedAuthRequired
		info.FedAuthRequired = &f
	}
	if msg.Present&prelogin.HasNonce != 0 {
		info.Nonce = hex.EncodeToString(msg.Nonce[:])
	}
	return info, nil
}

func optionName(o prelogin.Option) string {
	switch o {
	case prelogin.OptionVersion:
		return "VERSION"
	case prelogin.OptionEncryption:
		return "ENCRYPTION"
	case prelogin.OptionInstOpt:
		return "INSTOPT"
	case prelogin.OptionThreadID:
		return "THREADID"
	case prelogin.OptionMARS:
		return "MARS"
	case prelogin.OptionTraceID:
		return "TRACEID"
	case prelogin.OptionFedAuthRequired:
		return "FEDAUTHREQUIRED"
	case prelogin.OptionNonce:
		return "NONCEOPT"
	}
	return fmt.Sprintf("0x%02x", uint8(o))
}

// decodeLogin7 describes a LOGIN7 message; brief leaves out the fields
// the text trace does not show (flags, client IDs, language, ...).
func decodeLogin7(b []byte, brief bool) (*Login7Info, error) {
	var l login7.Login7
	if err := l.Decode(b); err != nil {
		return nil, err
	}
	if brief {
		info := &Login7Info{
			TDSVersion: l.TDSVersion.String(),
			HostName:   l.HostName.String(),
			UserName:   l.UserName.String(),
			AppName:    l.AppName.String(),
			ServerName: l.ServerName.String(),
			Database:   l.Database.String(),
			Integrated: l.OptionFlags2&login7.FIntSecurity != 0,
			SSPILen:    len(l.SSPI),
			version:    l.TDSVersion,
		}
		var tok []byte
		info.SSPI, info.SSPIKind, tok = decodeSSPI(l.SSPI)
		info.NTLM = decodeNTLM(tok)
		info.Features = login7Features(l, nil)
		return info, nil
	}
	info := &Login7Info{
		TDSVersion:     l.TDSVersion.String(),
		PacketSize:     l.PacketSize,
		ClientProgVer:  fmt.Sprintf("0x%08x", l.ClientProgVer),
		ClientPID:      l.ClientPID,
		ConnectionID:   l.ConnectionID,
		OptionFlags1:   fmt.Sprintf("0x%02x", uint8(l.OptionFlags1)),
		OptionFlags2:   fmt.Sprintf("0x%02x", uint8(l.OptionFlags2)),
		TypeFlags:      fmt.Sprintf("0x%02x", uint8(l.TypeFlags)),
		OptionFlags3:   fmt.Sprintf("0x%02x", uint8(l.OptionFlags3)),
		ClientTimeZone: l.ClientTimeZone,
		ClientLCID:     fmt.Sprintf("0x%08x", l.ClientLCID),
		HostName:       l.HostName.String(),
		UserName:       l.UserName.String(),
		PasswordLen:    2 * l.Password.Len(),
		AppName:        l.AppName.String(),
		ServerName:     l.ServerName.String(),
		CltIntName:     l.CltIntName.String(),
		Language:       l.Language.String(),
		Database:       l.Database.String(),
		ClientID:       fmt.Sprintf("%x", l.ClientID),
		Integrated:     l.OptionFlags2&login7.FIntSecurity != 0,
		SSPILen:        len(l.SSPI),
		AtchDBFile:     l.AtchDBFile.String(),
		version:        l.TDSVersion,
	}
	var tok []byte
	info.SSPI, info.SSPIKind, tok = decodeSSPI(l.SSPI)
	info.NTLM = decodeNTLM(tok)
	if l.OptionFlags3&login7.FChangePassword != 0 {
		info.ChangePassword = true
	}
	info.Features = login7Features(l, info.Features)
	return info, nil
}

// login7Features appends the names of LOGIN7's feature extensions to dst.
func login7Features(l login7.Login7, dst []string) []string {
	for f, err := range l.FeatureExt.All() {
		if err != nil {
			break
		}
		dst = append(dst, featureName(f.ID))
	}
	return dst
}

func featureName(id login7.FeatureID) string {
	switch id {
	case login7.FeatureSessionRecovery:
		return "SESSIONRECOVERY"
	case login7.FeatureFedAuth:
		return "FEDAUTH"
	case login7.FeatureColumnEncryption:
		return "COLUMNENCRYPTION"
	case login7.FeatureGlobalTransactions:
		return "GLOBALTRANSACTIONS"
	case login7.FeatureAzureSQLSupport:
		return "AZURESQLSUPPORT"
	case login7.FeatureDataClassification:
		return "DATACLASSIFICATION"
	case login7.FeatureUTF8Support:
		return "UTF8_SUPPORT"
	case login7.FeatureAzureSQLDNSCaching:
		return "AZURESQLDNSCACHING"
	}
	return fmt.Sprintf("0x%02x", uint8(id))
}

// decodeRPC describes the batches of an RPC Request; brief leaves out the
// parameters' names, types and values (it still reads every parameter).
func decodeRPC(b []byte, v tds.Version, brief bool) ([]RPCInfo, error) {
	var r request.RPCReader
	if err := r.Reset(b, v); err != nil {
		return nil, err
	}
	var out []RPCInfo
	for rpc, err := range r.RPCs() {
		if err != nil {
			return out, err
		}
		ri := RPCInfo{Proc: rpc.ProcName.String(), ProcID: uint16(rpc.ProcID), Options: uint16(rpc.Options)}
		if rpc.ProcID != 0 {
			ri.Proc = rpc.ProcID.String()
		}
		for p, err := range r.Params() {
			if err != nil {
				return append(out, ri), err
			}
			if brief {
				ri.Params = append(ri.Params, ParamInfo{})
				continue
			}
			ri.Params = append(ri.Params, ParamInfo{Name: p.Name.String(), Status: uint8(p.Status), Type: p.Type.Type.String(), Value: formatValue(*p)})
		}
		out = append(out, ri)
	}
	return out, nil
}

// formatValue renders an RPC parameter value for people: the typed
// accessors of package sqltype in the order most types accept them.
func formatValue(p request.Param) string {
	if p.IsTVP() {
		return "(table-valued)"
	}
	v := p.Value
	if v.IsNull() {
		return "NULL"
	}
	if s, err := v.UCS2(); err == nil {
		return fmt.Sprintf("%q", s.String())
	}
	if i, err := v.Int64(); err == nil {
		return fmt.Sprint(i)
	}
	if f, err := v.Float64(); err == nil {
		return fmt.Sprint(f)
	}
	if t, err := v.Time(); err == nil {
		return t.Format("2006-01-02T15:04:05.9999999Z07:00")
	}
	if c, err := v.Chars(); err == nil {
		return fmt.Sprintf("%q", c)
	}
	return fmt.Sprintf("0x%x", v.Raw())
}

// decodeTokens describes a token stream. brief keeps only what the text
// trace shows: codes lists the type of every token, in order, and the
// TokenInfo list holds only LOGINACK, ERROR and SSPI tokens (briefKept);
// every token is still decoded as far as without brief, so that the
// stream fails in the same place. Without brief, codes is nil and every
// token is described.
func decodeTokens(b []byte, v tds.Version, brief bool, d *msgDecoder) (out []TokenInfo, codes []byte, err error) {
	s := &d.scan
	s.Reset(b, v)
	// The lists are gathered on the stack and copied out once, at their
	// size: TokenInfo is large, and a second pass to count the tokens
	// would decode COLMETADATA twice.
	var infoBuf [8]TokenInfo
	var codeBuf [64]byte
	infos, cs := infoBuf[:0], codeBuf[:0]
	row := d.row // reused across rows and messages
	for {
		tt, err := s.Next()
		if err != nil {
			if err == io.EOF {
				err = nil
			}
			d.row = row
			if len(infos) > 0 {
				out = append([]TokenInfo(nil), infos...)
			}
			if len(cs) > 0 {
				codes = append(make([]byte, 0, len(cs)), cs...)
			}
			return out, codes, err
		}
		start, end := s.Span()
		ti := TokenInfo{Type: tt.String(), Code: uint8(tt), Offset: start, Length: end - start}
		keep := true
		var derr error
		if brief {
			cs = append(cs, uint8(tt))
			keep = briefKept(tt)
			row, derr = briefToken(s, tt, &ti, row)
		} else {
			derr = describeToken(s, tt, &ti)
		}
		if keep {
			infos = append(infos, ti)
		}
		if derr != nil {
			d.row = row
			if len(infos) > 0 {
				out = append([]TokenInfo(nil), infos...)
			}
			if len(cs) > 0 {
				codes = append(make([]byte, 0, len(cs)), cs...)
			}
			return out, codes, derr
		}
	}
}

// briefKept reports whether a brief token list keeps a token of type tt
// in full: the frame line shows the details of these, and the
// conversation summary reads them.
func briefKept(tt tokens.TokenType) bool {
	return tt == tokens.TokenLoginAck || tt == tokens.TokenError || tt == tokens.TokenSSPI
}

// briefToken is describeToken for the text trace: it decodes the token
// the same way, so that it fails in the same way, but fills only the
// fields the frame line and the conversation summary read. row is a
// buffer for row values, returned for reuse.
func briefToken(s *tokens.Scanner, tt tokens.TokenType, ti *TokenInfo, row []tokens.ColumnValue) ([]tokens.ColumnValue, error) {
	var err error
	switch tt {
	case tokens.TokenLoginAck, tokens.TokenError, tokens.TokenSSPI:
		err = describeToken(s, tt, ti)
	case tokens.TokenInfo:
		var e tokens.Message
		err = s.Message(&e)
	case tokens.TokenEnvChange:
		var e tokens.EnvChange
		err = s.EnvChange(&e)
	case tokens.TokenDone, tokens.TokenDoneProc, tokens.TokenDoneInProc:
		var d tokens.Done
		err = s.Done(&d)
	case tokens.TokenReturnStatus:
		var rs tokens.ReturnStatus
		err = s.ReturnStatus(&rs)
	case tokens.TokenRow, tokens.TokenNBCRow:
		row, err = s.RowValues(row[:0])
	}
	return row, err
}

func describeToken(s *tokens.Scanner, tt tokens.TokenType, ti *TokenInfo) error {
	switch tt {
	case tokens.TokenLoginAck:
		var a tokens.LoginAck
		if err := s.LoginAck(&a); err != nil {
			return err
		}
		i := a.Interface
		ti.Interface = &i
		ti.TDSVersion = a.Negotiated().String()
		ti.version = a.Negotiated()
		ti.ProgName = strings.TrimRight(a.ProgName.String(), "\x00")
		ti.ProgVer = a.ProgVersion.String()
	case tokens.TokenError, tokens.TokenInfo:
		var e tokens.Message
		if err := s.Message(&e); err != nil {
			return err
		}
		n, st, c, l := e.Number, e.State, e.Class, e.LineNumber
		ti.Number, ti.State, ti.Class, ti.Line = &n, &st, &c, &l
		ti.Text, ti.ServerName, ti.ProcName = e.MsgText.String(), e.ServerName.String(), e.ProcName.String()
	case tokens.TokenEnvChange:
		var e tokens.EnvChange
		if err := s.EnvChange(&e); err != nil {
			return err
		}
		ti.EnvType, ti.EnvCode = e.Type.String(), uint8(e.Type)
		ti.NewValue, ti.OldValue = envValue(e, e.NewValue, e.NewString()), envValue(e, e.OldValue, e.OldString())
	case tokens.TokenDone, tokens.TokenDoneProc, tokens.TokenDoneInProc:
		var d tokens.Done
		if err := s.Done(&d); err != nil {
			return err
		}
		cc, rc, st := d.CurCmd, d.RowCount, uint16(d.Status)
		ti.Status, ti.DoneStatus, ti.CurCmd, ti.RowCount = d.Status.String(), &st, &cc, &rc
	case tokens.TokenReturnStatus:
		var r tokens.ReturnStatus
		if err := s.ReturnStatus(&r); err != nil {
			return err
		}
		rv := int32(r)
		ti.Return = &rv
	case tokens.TokenSSPI:
		var x tokens.SSPI
		if err := s.SSPI(&x); err != nil {
			return err
		}
		n := len(x.Buffer)
		ti.SSPILen = &n
		var tok []byte
		ti.SSPI, ti.SSPIKind, tok = decodeSSPI(x.Buffer)
		ti.NTLM = decodeNTLM(tok)
	case tokens.TokenColMetadata:
		for _, c := range s.Columns() {
			ti.Columns = append(ti.Columns, c.ColName.String()+" "+c.TypeInfo.Type.String())
		}
	case tokens.TokenRow, tokens.TokenNBCRow:
		vals, err := s.RowValues(nil)
		if err != nil {
			return err
		}
		for _, cv := range vals {
			ti.Values = append(ti.Values, formatColumn(cv))
		}
	}
	return nil
}

func formatColumn(cv tokens.ColumnValue) string {
	return formatValue(request.Param{Value: cv.Value})
}

// envValue renders an ENVCHANGE value: text for the string types,
// hexadecimal for the binary ones (collation, transaction descriptors).
func envValue(e tokens.EnvChange, raw []byte, s tds.UCS2) string {
	switch e.Type {
	case tokens.EnvDatabase, tokens.EnvLanguage, tokens.EnvCharset, tokens.EnvPacketSize:
		return s.String()
	}
	if len(raw) == 0 {
		return ""
	}
	return "0x" + hex.EncodeToString(raw)
}
