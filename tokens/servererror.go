package tokens

import (
	"strconv"

	"github.com/tdswire/tdswire/tds"
)

// ServerError is an ERROR or INFO token ([MS-TDS] 2.2.7.10, 2.2.7.13) as a
// Go error: what a driver returns when the server reports a failure, found
// with errors.As:
//
//	var se *tokens.ServerError
//	if errors.As(err, &se) && se.Number == 18456 { ... }
//
// Unlike Message, whose strings are views into the token stream,
// ServerError owns its strings, so it stays valid after the buffer it was
// decoded from is reused. tds.Error is the other error type of the
// library: a malformed message or protocol violation found while
// decoding, not a message the server sent.
type ServerError struct {
	Type       TokenType // TokenError or TokenInfo
	Number     int32     // the error number ([MS-TDS] 2.2.7.10 Number)
	State      uint8     // modifies Number
	Class      uint8     // severity: below 10 informational, 11-16 user errors, 17-25 fatal
	Message    string    // MsgText
	ServerName string    // the server that raised it, may be empty
	ProcName   string    // the stored procedure or RPC, empty for a batch
	LineNumber int32     // line in the batch or procedure, 0 if not applicable
}

// Err returns m as a Go error, with its strings copied out of the
// buffer. It never returns nil; Type is m.Kind().
func (m Message) Err() *ServerError {
	return &ServerError{
		Type:       m.Kind(),
		Number:     m.Number,
		State:      m.State,
		Class:      m.Class,
		Message:    m.MsgText.String(),
		ServerName: m.ServerName.String(),
		ProcName:   m.ProcName.String(),
		LineNumber: m.LineNumber,
	}
}

// Error formats e on one line: "server error 208, class 16, state 1,
// server SQL01, line 1: Invalid object name 'x'." (or "server message"
// for INFO), leaving out an empty server or procedure name and a zero
// line.
func (e *ServerError) Error() string {
	b := make([]byte, 0, 64+len(e.Message)+len(e.ServerName)+len(e.ProcName))
	if e.Type == TokenInfo {
		b = append(b, "server message "...)
	} else {
		b = append(b, "server error "...)
	}
	b = strconv.AppendInt(b, int64(e.Number), 10)
	b = append(b, ", class "...)
	b = strconv.AppendUint(b, uint64(e.Class), 10)
	b = append(b, ", state "...)
	b = strconv.AppendUint(b, uint64(e.State), 10)
	if e.ServerName != "" {
		b = append(b, ", server "...)
		b = append(b, e.ServerName...)
	}
	if e.ProcName != "" {
		b = append(b, ", procedure "...)
		b = append(b, e.ProcName...)
	}
	if e.LineNumber != 0 {
		b = append(b, ", line "...)
		b = strconv.AppendInt(b, int64(e.LineNumber), 10)
	}
	b = append(b, ": "...)
	b = append(b, e.Message...)
	return string(b)
}

// Token returns e as a Message whose strings are encoded afresh (it
// allocates), ready for Message.Append: a server turns an error it
// returns into the ERROR token it sends.
func (e *ServerError) Token() Message {
	return Message{
		Type:       e.Type,
		Number:     e.Number,
		State:      e.State,
		Class:      e.Class,
		MsgText:    tds.UCS2(tds.AppendUCS2(nil, e.Message)),
		ServerName: tds.UCS2(tds.AppendUCS2(nil, e.ServerName)),
		ProcName:   tds.UCS2(tds.AppendUCS2(nil, e.ProcName)),
		LineNumber: e.LineNumber,
	}
}
