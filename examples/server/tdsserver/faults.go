package tdsserver

import (
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"time"

	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tds/sqltype"
	"github.com/tdswire/tdswire/tokens"
)

// Phase is where in a connection a Fault strikes.
type Phase int

const (
	// PhasePrelogin strikes when the client's PRELOGIN has arrived,
	// before the server answers it.
	PhasePrelogin Phase = iota + 1
	// PhaseTLS strikes in the TLS handshake: after the PRELOGIN answer,
	// before the server's first handshake flight.
	PhaseTLS
	// PhaseLogin strikes when LOGIN7 has arrived, before the server
	// answers it.
	PhaseLogin
	// PhaseStatement strikes on a request (batch, RPC, transaction
	// manager request) that Match selects, before it is answered.
	PhaseStatement
	// PhaseRows strikes in a result set of a request Match selects,
	// after Rows rows.
	PhaseRows
)

// String names p as the -fault flag spells it.
func (p Phase) String() string {
	switch p {
	case PhasePrelogin:
		return "prelogin"
	case PhaseTLS:
		return "tls"
	case PhaseLogin:
		return "login"
	case PhaseStatement:
		return "statement"
	case PhaseRows:
		return "rows"
	}
	return fmt.Sprintf("Phase(%d)", int(p))
}

// FaultAction is what a Fault does once its Delay has passed.
type FaultAction int

const (
	// FaultDelay only waits for Delay, then the connection goes on.
	FaultDelay FaultAction = iota
	// FaultClose closes the TCP connection (a FIN).
	FaultClose
	// FaultReset resets the TCP connection (an RST: SO_LINGER 0).
	FaultReset
	// FaultError answers with SQL Server's ERROR Error (see
	// TransientErrors): at PhaseLogin the login fails with it, at
	// PhaseStatement and PhaseRows the request does; the connection stays.
	FaultError
	// FaultFatal sends ERROR Error with class 20 or more, then closes
	// the connection, as SQL Server does for a fatal error.
	FaultFatal
	// FaultMalformed sends the malformed response Malformed instead of
	// the answer (PhaseStatement, PhaseRows).
	FaultMalformed
)

// String names a as the -fault flag spells it.
func (a FaultAction) String() string {
	switch a {
	case FaultDelay:
		return "delay"
	case FaultClose:
		return "close"
	case FaultReset:
		return "reset"
	case FaultError:
		return "error"
	case FaultFatal:
		return "fatal"
	case FaultMalformed:
		return "malformed"
	}
	return fmt.Sprintf("FaultAction(%d)", int(a))
}

// Malformation is a response that breaks [MS-TDS] on purpose, for
// testing a client's token decoder.
type Malformation int

const (
	// MalformedTruncated ends the message in the middle of a ROW token.
	MalformedTruncated Malformation = iota + 1
	// MalformedLyingLength sends an nvarchar value whose length prefix
	// is larger than the bytes that follow before the next token.
	MalformedLyingLength
	// MalformedUnknownToken sends token type 0x01, which [MS-TDS] 2.2.7
	// does not define.
	MalformedUnknownToken
	// MalformedHugeLength sends an ERROR token whose Length is 0xFFFF
	// with a few bytes behind it.
	MalformedHugeLength
	// MalformedColumnMismatch sends a COLMETADATA of two columns and
	// ROWs of one.
	MalformedColumnMismatch
)

// String names m as the -fault flag spells it.
func (m Malformation) String() string {
	switch m {
	case MalformedTruncated:
		return "truncated"
	case MalformedLyingLength:
		return "lying-length"
	case MalformedUnknownToken:
		return "unknown-token"
	case MalformedHugeLength:
		return "huge-length"
	case MalformedColumnMismatch:
		return "column-mismatch"
	}
	return fmt.Sprintf("Malformation(%d)", int(m))
}

// Fault is one scripted misbehaviour of the server.
type Fault struct {
	Phase  Phase
	Action FaultAction
	// Delay is waited before the action (and is the whole fault for
	// FaultDelay).
	Delay time.Duration
	// Match selects requests at PhaseStatement and PhaseRows: the batch
	// text or the RPC's statement or procedure name contains it, case
	// folded. Empty matches every request.
	Match string
	// Error is the error number of FaultError and FaultFatal; its class,
	// state and message come from TransientErrors when listed there
	// (class 16, state 1 otherwise; FaultFatal raises the class to 20).
	Error int32
	// Rows is the number of rows sent before a PhaseRows fault.
	Rows int
	// Malformed is the response of FaultMalformed.
	Malformed Malformation
	// Conn, when not 0, limits the fault to the Conn-th connection the
	// server accepts (from 1).
	Conn int64
	// Times, when not 0, limits how often the fault strikes over the
	// server's life: a transient error that lets the retry through.
	Times int64
}

// TransientError is an error that drivers' retry logic treats as
// transient, as SQL Server and Azure SQL Database raise it.
type TransientError struct {
	Class, State uint8
	Msg          string
}

// TransientErrors are the errors a Fault of FaultError or FaultFatal
// sends by number: 4060 (database unavailable at login), 40197, 40501,
// 40613 (service errors), 49918 to 49920 (not enough resources), 10928
// and 10929 (resource limits).
var TransientErrors = map[int32]TransientError{
	4060:  {11, 1, `Cannot open database "%s" requested by the login. The login failed.`},
	40197: {17, 1, "The service has encountered an error processing your request. Please try again. Error code 4815."},
	40501: {20, 1, "The service is currently busy. Retry the request after 10 seconds. Code: 0x8000."},
	40613: {17, 1, "Database '%s' on server 'TDSWIRE' is not currently available. Please retry the connection later."},
	49918: {16, 1, "Cannot process request. Not enough resources to process request."},
	49919: {16, 1, "Cannot process create or update request. Too many create or update operations in progress."},
	49920: {16, 1, "Cannot process request. Too many operations in progress."},
	10928: {16, 1, "Resource ID: 1. The request limit for the database is 30 and has been reached."},
	10929: {16, 1, "Resource ID: 1. The request limit for the database is 30 and the server is currently too busy to support more."},
}

// faultError returns the ERROR of fault f for database db.
func faultError(f *Fault, db string) *sqlError {
	e := &sqlError{Number: f.Error, Class: 16, State: 1, Msg: fmt.Sprintf("Error %d raised by the tdswire example server's fault script.", f.Error)}
	if t, ok := TransientErrors[f.Error]; ok {
		e.Class, e.State, e.Msg = t.Class, t.State, t.Msg
		if strings.Contains(e.Msg, "%s") {
			e.Msg = fmt.Sprintf(e.Msg, db)
		}
	}
	if f.Action == FaultFatal && e.Class < 20 {
		e.Class = 20
	}
	return e
}

// faults is the server's script, with a strike counter per fault.
type faults struct {
	list []Fault
	hits []atomic.Int64
}

func newFaults(list []Fault) *faults {
	return &faults{list: list, hits: make([]atomic.Int64, len(list))}
}

// find returns the first fault of phase p for connection id whose Match
// selects text, and counts its strike; nil if none.
func (fs *faults) find(p Phase, id int64, text string) *Fault {
	if fs == nil {
		return nil
	}
	for i := range fs.list {
		f := &fs.list[i]
		if f.Phase != p || (f.Conn != 0 && f.Conn != id) {
			continue
		}
		if f.Match != "" && !strings.Contains(strings.ToLower(text), strings.ToLower(f.Match)) {
			continue
		}
		if f.Times > 0 {
			if fs.hits[i].Add(1) > f.Times {
				continue
			}
		}
		return f
	}
	return nil
}

// sleep waits for d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// errFault ends a connection a fault closed.
var errFault = fmt.Errorf("connection ended by a scripted fault")

// connFault applies a fault of a login phase: the delay, then close or
// reset the connection (other actions are the caller's).
func (c *conn) connFault(f *Fault) error {
	c.log("fault at %v: %v after %v", f.Phase, f.Action, f.Delay)
	c.s.st.faults.Add(1)
	if err := sleep(c.ctx, f.Delay); err != nil {
		return err
	}
	switch f.Action {
	case FaultClose:
		c.raw.Close()
		return errFault
	case FaultReset:
		resetConn(c.raw)
		return errFault
	}
	return nil
}

// resetConn closes nc with an RST where it can (SO_LINGER 0 on TCP).
func resetConn(nc net.Conn) {
	if tc, ok := nc.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	nc.Close()
}

// requestText is what Fault.Match looks at in a request.
func requestText(r *Request) string {
	switch r.Kind {
	case SQLBatch:
		return r.SQL
	case RPC:
		t := r.RPC.Name
		for _, p := range r.RPC.Params {
			if s, err := paramString(p.Value); err == nil {
				t += " " + s
			}
		}
		return t
	case TransactionManager:
		return r.TM.Type.String()
	}
	return ""
}

// statementFault returns the fault for a request, if any.
func (c *conn) statementFault(r *Request) *Fault {
	if c.s.faults == nil {
		return nil
	}
	text := requestText(r)
	if f := c.s.faults.find(PhaseStatement, c.id, text); f != nil {
		return f
	}
	return c.s.faults.find(PhaseRows, c.id, text)
}

// applyStatementFault plays fault f on request r.
func (c *conn) applyStatementFault(ctx context.Context, w *ResponseWriter, r *Request, f *Fault) error {
	c.log("fault at %v on %q: %v after %v", f.Phase, requestText(r), f.Action, f.Delay)
	c.s.st.faults.Add(1)
	if f.Phase == PhaseRows {
		// The rows of the big table, then the fault.
		cols := tableColumns(w.Version())
		if err := w.Columns(cols.Columns...); err != nil {
			return nil
		}
		var buf, scratch []byte
		for i := 1; i <= f.Rows; i++ {
			var err error
			if buf, scratch, err = appendBigRow(buf[:0], scratch, i, w.Version()); err != nil {
				return err
			}
			if err := w.RowBytes(buf[1:]); err != nil {
				return nil
			}
		}
		if err := w.flush(false); err != nil {
			return err
		}
	}
	if err := sleep(ctx, f.Delay); err != nil {
		return nil // an attention: the server ends with DONE_ATTN
	}
	switch f.Action {
	case FaultDelay:
		if f.Phase == PhaseRows {
			return w.Done(tokens.DoneCount, uint64(f.Rows))
		}
		c.s.handler.ServeTDS(ctx, w, r)
	case FaultClose, FaultReset:
		// The rows so far reach the client (in a message that ends
		// without its DONE), then the connection goes.
		if w.flush(true) == nil && w.started {
			w.w.EndMessage()
		}
		if f.Action == FaultReset {
			resetConn(c.raw)
		} else {
			c.raw.Close()
		}
		return errFault
	case FaultError:
		c.sess.Lock()
		db := c.sess.Database
		c.sess.Unlock()
		w.sqlErr(faultError(f, db))
		if r.Kind == RPC {
			return w.DoneProc(tokens.DoneError, 0)
		}
		return w.Done(tokens.DoneError, 0)
	case FaultFatal:
		c.sess.Lock()
		db := c.sess.Database
		c.sess.Unlock()
		w.sqlErr(faultError(f, db))
		w.done(tokens.TokenDone, tokens.DoneError, 0)
		if err := w.flush(true); err == nil {
			w.w.EndMessage()
		}
		c.raw.Close()
		return errFault
	case FaultMalformed:
		if err := w.flush(true); err != nil {
			return err
		}
		w.buf = appendMalformed(w.buf[:0], f.Malformed, w.Version())
		w.donePos, w.endsDone = -1, true
		if f.Malformed == MalformedTruncated {
			// The message ends inside the token: send it and close.
			w.flush(true)
			w.w.EndMessage()
			c.raw.Close()
			return errFault
		}
	}
	return nil
}

// appendFixedColumns appends COLMETADATA for the fixed columns of
// appendMalformed, which always encode (short names, no encryption).
func appendFixedColumns(b []byte, v tds.Version, cols ...tokens.Column) []byte {
	out, err := tokens.ColMetadata{Columns: cols}.Append(b, v)
	if err != nil {
		panic("tdsserver: fixed malformation columns: " + err.Error())
	}
	return out
}

// appendMalformed appends the tokens of malformation m.
func appendMalformed(b []byte, m Malformation, v tds.Version) []byte {
	nv := nvarcharType(10)
	one := tokens.Column{Flags: tokens.ColNullable, TypeInfo: nv, ColName: ucs2("a")}
	switch m {
	case MalformedTruncated:
		b = appendFixedColumns(b, v, one)
		b = append(b, byte(tokens.TokenRow), 20, 0) // 20 bytes announced
		return append(b, 'h', 0, 'i', 0)
	case MalformedLyingLength:
		b = appendFixedColumns(b, v, one)
		b = append(b, byte(tokens.TokenRow), 0x10, 0) // 16 bytes announced, 4 sent
		b = append(b, 'h', 0, 'i', 0)
		return tokens.Done{Status: tokens.DoneCount, RowCount: 1}.Append(b, v)
	case MalformedUnknownToken:
		b = append(b, 0x01, 0x05, 0x00, 1, 2, 3, 4, 5)
		return tokens.Done{}.Append(b, v)
	case MalformedHugeLength:
		b = append(b, byte(tokens.TokenError))
		b = binary.LittleEndian.AppendUint16(b, 0xFFFF)
		return append(b, 0x2A, 0, 0, 0, 1, 16)
	case MalformedColumnMismatch:
		two := []tokens.Column{one, {Flags: tokens.ColNullable, TypeInfo: sqltype.TypeInfo{Type: sqltype.TypeIntN, MaxLen: 4}, ColName: ucs2("b")}}
		b = appendFixedColumns(b, v, two...)
		for range 2 {
			b = append(b, byte(tokens.TokenRow))
			b, _ = nv.AppendString(b, "x")
		}
		return tokens.Done{Status: tokens.DoneCount, RowCount: 2}.Append(b, v)
	}
	return b
}

// ParseFault parses the -fault flag form
//
//	phase:action[:key=value,...]
//
// phase is prelogin, tls, login, statement or rows; action is delay,
// close, reset, error, fatal or malformed; keys are delay (a
// time.Duration), error (a number), rows, match, conn, times and
// malformed (truncated, lying-length, unknown-token, huge-length,
// column-mismatch). Examples: "login:error:error=40613,times=1",
// "rows:reset:rows=500", "statement:delay:delay=2s,match=big".
func ParseFault(s string) (Fault, error) {
	var f Fault
	parts := strings.SplitN(s, ":", 3)
	if len(parts) < 2 {
		return f, fmt.Errorf("fault %q: want phase:action[:key=value,...]", s)
	}
	phases := map[string]Phase{"prelogin": PhasePrelogin, "tls": PhaseTLS, "login": PhaseLogin, "statement": PhaseStatement, "rows": PhaseRows}
	actions := map[string]FaultAction{"delay": FaultDelay, "close": FaultClose, "reset": FaultReset, "error": FaultError, "fatal": FaultFatal, "malformed": FaultMalformed}
	var ok bool
	if f.Phase, ok = phases[parts[0]]; !ok {
		return f, fmt.Errorf("fault %q: unknown phase %q", s, parts[0])
	}
	if f.Action, ok = actions[parts[1]]; !ok {
		return f, fmt.Errorf("fault %q: unknown action %q", s, parts[1])
	}
	if len(parts) == 3 {
		for _, kv := range strings.Split(parts[2], ",") {
			k, v, ok := strings.Cut(kv, "=")
			if !ok {
				return f, fmt.Errorf("fault %q: %q is not key=value", s, kv)
			}
			var err error
			switch k {
			case "delay":
				f.Delay, err = time.ParseDuration(v)
			case "error":
				var n int64
				n, err = parseInt(v)
				f.Error = int32(n)
			case "rows":
				var n int64
				n, err = parseInt(v)
				f.Rows = int(n)
			case "conn":
				f.Conn, err = parseInt(v)
			case "times":
				f.Times, err = parseInt(v)
			case "match":
				f.Match = v
			case "malformed":
				ms := map[string]Malformation{"truncated": MalformedTruncated, "lying-length": MalformedLyingLength, "unknown-token": MalformedUnknownToken, "huge-length": MalformedHugeLength, "column-mismatch": MalformedColumnMismatch}
				if f.Malformed, ok = ms[v]; !ok {
					err = fmt.Errorf("unknown malformation %q", v)
				}
			default:
				err = fmt.Errorf("unknown key %q", k)
			}
			if err != nil {
				return f, fmt.Errorf("fault %q: %w", s, err)
			}
		}
	}
	if (f.Action == FaultError || f.Action == FaultFatal) && f.Error == 0 {
		return f, fmt.Errorf("fault %q: %v needs error=number", s, f.Action)
	}
	if f.Action == FaultMalformed && f.Malformed == 0 {
		return f, fmt.Errorf("fault %q: malformed needs malformed=kind", s)
	}
	return f, nil
}

func parseInt(s string) (int64, error) {
	var n int64
	_, err := fmt.Sscan(s, &n)
	return n, err
}
