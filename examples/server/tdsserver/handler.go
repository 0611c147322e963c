package tdsserver

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tds/request"
	"github.com/tdswire/tdswire/tds/sqltype"
	"github.com/tdswire/tdswire/tokens"
)

// A Handler answers the requests of logged-in clients, as an
// http.Handler answers HTTP requests: ServeTDS is called once per SQL
// batch, once per RPC of an RPC request message (2.2.6.6 allows several
// in one message), once per transaction manager request and once per
// bulk load message, and writes the response's tokens to w.
//
// The server completes what the handler leaves open: a response with no
// DONE token at its end gets one (DONE for a batch, DONEPROC for an RPC,
// with DONE_ERROR if the handler wrote an ERROR), and DONE_MORE is set on
// every DONE that is followed by more tokens ([MS-TDS] 2.2.7.6).
//
// ctx is cancelled when the client sends an attention ([MS-TDS] 3.3.5.5),
// when its connection ends or the server shuts down; from then on w's
// methods fail with ErrCancelled and the server ends the response with a
// DONE carrying DONE_ATTN, whatever the handler does afterwards. Handlers
// for different connections (and different MARS sessions of one
// connection) run concurrently.
type Handler interface {
	ServeTDS(ctx context.Context, w *ResponseWriter, r *Request)
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, w *ResponseWriter, r *Request)

// ServeTDS calls f(ctx, w, r).
func (f HandlerFunc) ServeTDS(ctx context.Context, w *ResponseWriter, r *Request) { f(ctx, w, r) }

// RequestKind is the kind of client message a Request carries.
type RequestKind int

const (
	// SQLBatch is a SQL Batch message ([MS-TDS] 2.2.6.7): Request.SQL.
	SQLBatch RequestKind = iota + 1
	// RPC is one RPC of an RPC Request message (2.2.6.6): Request.RPC.
	RPC
	// TransactionManager is a Transaction Manager Request (2.2.6.9):
	// Request.TM.
	TransactionManager
	// BulkLoad is a Bulk Load message (2.2.6.1, packet type 0x07), its
	// payload in Request.Payload.
	BulkLoad
)

// String names k.
func (k RequestKind) String() string {
	switch k {
	case SQLBatch:
		return "SQLBatch"
	case RPC:
		return "RPC"
	case TransactionManager:
		return "TransactionManager"
	case BulkLoad:
		return "BulkLoad"
	}
	return "RequestKind(" + strconv.Itoa(int(k)) + ")"
}

// Request is one client request, decoded. Its views (Payload, the
// parameters of RPC, the names of TM) are valid only during ServeTDS.
type Request struct {
	Kind    RequestKind
	Header  tds.Header
	Payload []byte
	// Headers is the request's ALL_HEADERS ([MS-TDS] 2.2.5.3), from TDS
	// 7.2; its TransactionDescriptor is the one the client sent.
	Headers request.AllHeaders
	SQL     string               // SQLBatch: the batch text
	RPC     *RPCCall             // RPC: the call
	TM      *request.TransMgrReq // TransactionManager: the request
	Session *Session             // the connection's session state
}

// RPCCall is one RPC of an RPC Request message ([MS-TDS] 2.2.6.6).
type RPCCall struct {
	// Name is the procedure name as sent, or the well-known name of
	// ProcID ("sp_executesql") when the client sent a ProcID.
	Name    string
	ProcID  request.ProcID // 0 when called by name
	Options request.OptionFlags
	Params  []request.Param
	Index   int // 0 for the first RPC of the message
}

// Session is the state of one logged-in connection that the default
// handler keeps and any handler may read: who logged in, the database,
// the transaction. Handlers that change it hold Lock.
type Session struct {
	sync.Mutex
	ID         int64
	SPID       uint16
	User       string
	App        string
	Host       string
	Database   string
	Version    tds.Version
	PacketSize int
	// TranCount is @@TRANCOUNT; TransactionDescriptor the descriptor of
	// the open transaction (0 when none), sent in ENVCHANGE 8 and
	// expected back in the ALL_HEADERS of later requests (2.2.5.3.2).
	TranCount             int
	TransactionDescriptor uint64
	// Values is free for handlers to keep per-connection state in.
	Values map[string]any

	server     *Server
	statements map[int32]prepared
	nextHandle int32
	rowCount   int64
	lastError  int32
	textSize   int32
}

// prepared is a statement of sp_prepare or sp_prepexec: its text and the
// parameter names of its definition, for positional values.
type prepared struct {
	stmt  string
	names []string
}

// ErrCancelled is returned by ResponseWriter methods once the client has
// sent an attention or the connection is going away.
var ErrCancelled = errors.New("tdsserver: request cancelled (attention or shutdown)")

// ResponseWriter writes the tokens of one response ([MS-TDS] 2.2.7) in
// the client's TDS version, streamed in packets of the negotiated size:
// tokens are handed to the packet writer as soon as a packet's worth is
// ready, so a large result is never held whole. Values are encoded from
// Go values by the column's TYPE_INFO (see Row).
type ResponseWriter struct {
	w   msgWriter
	v   tds.Version
	ctx context.Context
	buf []byte
	// donePos is the offset in buf of the Status of the last DONE,
	// DONEPROC or DONEINPROC when it is the last token so far, else -1:
	// its DONE_MORE is set when another token follows.
	donePos  int
	cols     []sqltype.TypeInfo
	started  bool
	wrote    bool
	endsDone bool // the last token written is a DONE-family token
	errs     int  // ERROR tokens written during the current call
	err      error
	attn     func() bool
	scratch  []byte
	server   string // ServerName of ERROR and INFO
}

// msgWriter streams one message at a time (a tdsconn.Stream).
type msgWriter interface {
	BeginMessage(t tds.PacketType) error
	Write(p []byte) (int, error)
	EndMessage() error
	PacketSize() int
}

func newResponseWriter(w msgWriter, v tds.Version, server string) *ResponseWriter {
	return &ResponseWriter{w: w, v: v, donePos: -1, server: server}
}

// Version is the TDS version of the client's login.
func (w *ResponseWriter) Version() tds.Version { return w.v }

// PacketSize is the negotiated packet size.
func (w *ResponseWriter) PacketSize() int { return w.w.PacketSize() }

func (w *ResponseWriter) reset(ctx context.Context, attn func() bool) {
	w.ctx, w.attn = ctx, attn
	w.buf, w.donePos, w.cols, w.started, w.wrote, w.endsDone, w.errs, w.err = w.buf[:0], -1, w.cols[:0], false, false, false, 0, nil
}

// resetCall prepares w for the next RPC of the same message.
func (w *ResponseWriter) resetCall(ctx context.Context, attn func() bool) {
	w.ctx, w.attn, w.errs, w.cols = ctx, attn, 0, w.cols[:0]
}

func (w *ResponseWriter) check() error {
	if w.err != nil {
		return w.err
	}
	if (w.attn != nil && w.attn()) || (w.ctx != nil && w.ctx.Err() != nil) {
		return ErrCancelled
	}
	return nil
}

// token appends one whole token (its type byte first) after setting
// DONE_MORE on a DONE before it.
func (w *ResponseWriter) token(b []byte) error {
	if err := w.check(); err != nil {
		return err
	}
	w.more()
	w.buf = append(w.buf, b...)
	w.wrote, w.endsDone = true, false
	return w.flushIfFull()
}

// more sets DONE_MORE on a pending DONE.
func (w *ResponseWriter) more() {
	if w.donePos >= 0 {
		st := binary.LittleEndian.Uint16(w.buf[w.donePos:])
		binary.LittleEndian.PutUint16(w.buf[w.donePos:], st|uint16(tokens.DoneMore))
		w.donePos = -1
	}
}

// flushIfFull hands whole packets' worth of tokens to the packet writer,
// keeping a pending DONE (its status may still change).
func (w *ResponseWriter) flushIfFull() error {
	if len(w.buf) < w.w.PacketSize() {
		return nil
	}
	return w.flush(false)
}

func (w *ResponseWriter) flush(all bool) error {
	n := len(w.buf)
	if w.donePos >= 0 && !all {
		n = w.donePos - 1 // the DONE's token type byte
	}
	if n == 0 {
		return nil
	}
	if !w.started {
		if err := w.w.BeginMessage(tds.PacketResponse); err != nil {
			w.err = err
			return err
		}
		w.started = true
	}
	if _, err := w.w.Write(w.buf[:n]); err != nil {
		w.err = err
		return err
	}
	rest := copy(w.buf, w.buf[n:])
	w.buf = w.buf[:rest]
	if w.donePos >= 0 {
		w.donePos -= n
	}
	return nil
}

// Flush sends the tokens written so far (but a trailing DONE, whose
// DONE_MORE is not known yet) to the client in whole packets.
func (w *ResponseWriter) Flush() error {
	if err := w.check(); err != nil {
		return err
	}
	return w.flush(false)
}

// Columns writes COLMETADATA ([MS-TDS] 2.2.7.4) and makes its types those
// that Row and NBCRow encode values with. Columns the token cannot carry
// (a name over 255 UTF-16 code units, an encrypted column without Crypto)
// are the encoder's error, and nothing is written.
func (w *ResponseWriter) Columns(cols ...tokens.Column) error {
	if err := w.check(); err != nil {
		return err
	}
	b, err := tokens.ColMetadata{Columns: cols}.Append(w.scratch[:0], w.v)
	if err != nil {
		return err
	}
	w.scratch = b
	w.cols = w.cols[:0]
	for i := range cols {
		w.cols = append(w.cols, cols[i].TypeInfo)
	}
	return w.token(w.scratch)
}

// Row writes a ROW token ([MS-TDS] 2.2.7.20) with one value per column of
// the last Columns, encoded by the column's type: nil is NULL; Go
// integers, floats, bool, string, []byte, time.Time, sqltype.Decimal,
// sqltype.Value (a value as decoded, e.g. an RPC parameter) and Variant
// for sql_variant columns.
func (w *ResponseWriter) Row(values ...any) error { return w.row(false, values) }

// NBCRow writes the row as an NBCROW token ([MS-TDS] 2.2.7.13, TDS 7.3B
// and later): NULLs in the null bitmap instead of the values.
func (w *ResponseWriter) NBCRow(values ...any) error { return w.row(true, values) }

func (w *ResponseWriter) row(nbc bool, values []any) error {
	if err := w.check(); err != nil {
		return err
	}
	if len(values) != len(w.cols) {
		return fmt.Errorf("tdsserver: row of %d values for %d columns", len(values), len(w.cols))
	}
	w.more()
	start := len(w.buf)
	if nbc {
		w.buf = append(w.buf, byte(tokens.TokenNBCRow))
		bitmap := len(w.buf)
		for range (len(values) + 7) / 8 {
			w.buf = append(w.buf, 0)
		}
		for i, x := range values {
			if isNull(x) {
				w.buf[bitmap+i/8] |= 1 << (i % 8)
			}
		}
	} else {
		w.buf = append(w.buf, byte(tokens.TokenRow))
	}
	for i, x := range values {
		if nbc && isNull(x) {
			continue
		}
		var err error
		if w.buf, err = encodeValue(w.buf, &w.cols[i], x, false); err != nil {
			w.buf = w.buf[:start]
			return fmt.Errorf("tdsserver: column %d: %w", i+1, err)
		}
	}
	w.wrote, w.endsDone = true, false
	return w.flushIfFull()
}

// RowBytes writes a ROW token whose values are already encoded (the
// bytes after the token type): the fast path for generated tables.
func (w *ResponseWriter) RowBytes(values []byte) error {
	if err := w.check(); err != nil {
		return err
	}
	w.more()
	w.buf = append(w.buf, byte(tokens.TokenRow))
	w.buf = append(w.buf, values...)
	w.wrote, w.endsDone = true, false
	return w.flushIfFull()
}

// Token writes b as it is: one or more tokens already encoded, or bytes
// that are no token at all, for testing a client's decoder.
func (w *ResponseWriter) Token(b []byte) error { return w.token(b) }

func (w *ResponseWriter) done(t tokens.TokenType, st tokens.DoneStatus, count uint64) error {
	if err := w.check(); err != nil {
		return err
	}
	w.more()
	if count > 0 || st&tokens.DoneCount != 0 {
		st |= tokens.DoneCount
	}
	w.donePos = len(w.buf) + 1
	d := tokens.Done{Status: st &^ tokens.DoneMore, RowCount: count}
	switch t {
	case tokens.TokenDoneProc:
		w.buf = tokens.Done{Type: tokens.TokenDoneProc, Status: d.Status, RowCount: d.RowCount}.Append(w.buf, w.v)
	case tokens.TokenDoneInProc:
		w.buf = tokens.Done{Type: tokens.TokenDoneInProc, Status: d.Status, RowCount: d.RowCount}.Append(w.buf, w.v)
	default:
		w.buf = d.Append(w.buf, w.v)
	}
	if st&tokens.DoneMore != 0 {
		w.more()
	}
	w.wrote, w.endsDone = true, true
	return w.flushIfFull()
}

// Done writes a DONE token ([MS-TDS] 2.2.7.6), the end of one statement:
// DONE_COUNT is set when count > 0 or st has it; DONE_MORE is set by the
// writer when anything follows.
func (w *ResponseWriter) Done(st tokens.DoneStatus, count uint64) error {
	return w.done(tokens.TokenDone, st, count)
}

// DoneInProc writes a DONEINPROC (2.2.7.7): a statement inside an RPC.
func (w *ResponseWriter) DoneInProc(st tokens.DoneStatus, count uint64) error {
	return w.done(tokens.TokenDoneInProc, st, count)
}

// DoneProc writes a DONEPROC (2.2.7.8): the end of an RPC.
func (w *ResponseWriter) DoneProc(st tokens.DoneStatus, count uint64) error {
	return w.done(tokens.TokenDoneProc, st, count)
}

// Error writes an ERROR token (2.2.7.10) from this server. A msg or
// server name too long for the token is the encoder's error
// (tds.ErrTooLarge), and nothing is written; Info likewise.
func (w *ResponseWriter) Error(number int32, class, state uint8, msg string) error {
	return w.message(tokens.TokenError, number, class, state, msg, 1)
}

// Info writes an INFO token (2.2.7.12), class 0.
func (w *ResponseWriter) Info(number int32, state uint8, msg string) error {
	return w.message(tokens.TokenInfo, number, 0, state, msg, 1)
}

func (w *ResponseWriter) message(t tokens.TokenType, number int32, class, state uint8, msg string, line int32) error {
	e := tokens.Message{Type: t, Number: number, State: state, Class: class, MsgText: ucs2(msg), ServerName: ucs2(w.server), LineNumber: line}
	b, err := e.Append(w.scratch[:0], w.v)
	if err != nil {
		return err
	}
	w.scratch = b
	if t != tokens.TokenInfo {
		w.errs++
	}
	return w.token(w.scratch)
}

// sqlErr writes e as an ERROR token.
func (w *ResponseWriter) sqlErr(e *sqlError) error {
	line := e.Line
	if line == 0 {
		line = 1
	}
	return w.message(tokens.TokenError, e.Number, e.Class, e.State, e.Msg, line)
}

// EnvChange writes an ENVCHANGE token (2.2.7.9). A value too long for
// its type's length prefix is the encoder's error, and nothing is
// written.
func (w *ResponseWriter) EnvChange(e tokens.EnvChange) error {
	b, err := e.Append(w.scratch[:0])
	if err != nil {
		return err
	}
	w.scratch = b
	return w.token(w.scratch)
}

// ReturnStatus writes a RETURNSTATUS token (2.2.7.18).
func (w *ResponseWriter) ReturnStatus(status int32) error {
	w.scratch = tokens.ReturnStatus(status).Append(w.scratch[:0])
	return w.token(w.scratch)
}

// ReturnValue writes a RETURNVALUE token (2.2.7.19) for the output
// parameter name (with its @) of type ti, the value encoded as Row does.
func (w *ResponseWriter) ReturnValue(name string, ti sqltype.TypeInfo, value any) error {
	if err := w.check(); err != nil {
		return err
	}
	wire, err := encodeValue(nil, &ti, value, false)
	if err != nil {
		return fmt.Errorf("tdsserver: return value %s: %w", name, err)
	}
	rv := tokens.ReturnValue{ParamName: ucs2(name), Status: tokens.ReturnOutputParam, Flags: tokens.ColNullable, TypeInfo: ti, Wire: wire}
	w.scratch = rv.Append(w.scratch[:0], w.v)
	return w.token(w.scratch)
}

// finish ends the response: the closing DONE if the handler left none
// (kind: a DONEPROC for an RPC), the DONE_ATTN of an attention, and the
// end of the message. last says whether this is the last part of the
// message (an RPC message's calls share one response message).
func (w *ResponseWriter) finish(kind RequestKind, attn, last bool) error {
	if w.err != nil && !errors.Is(w.err, ErrCancelled) {
		return w.err
	}
	w.err, w.attn, w.ctx = nil, nil, nil
	if attn {
		// 3.3.5.5: the client discards everything up to the DONE with
		// DONE_ATTN; what is not sent yet need not be.
		if w.donePos >= 0 {
			w.more()
		}
		if err := w.done(tokens.TokenDone, tokens.DoneAttn, 0); err != nil {
			return err
		}
	} else if !w.endsDone {
		st := tokens.DoneFinal
		if w.errs > 0 {
			st = tokens.DoneError
		}
		t := tokens.TokenDone
		if kind == RPC {
			t = tokens.TokenDoneProc
		}
		if err := w.done(t, st, 0); err != nil {
			return err
		}
	}
	w.errs = 0
	if !last {
		return nil
	}
	if err := w.flush(true); err != nil {
		return err
	}
	w.donePos = -1
	return w.w.EndMessage()
}

// nextRPC marks the pending DONEPROC of the previous RPC of a message as
// followed by another: DONE_MORE and DONE_RPCINBATCH.
func (w *ResponseWriter) nextRPC() {
	if w.donePos >= 0 {
		st := binary.LittleEndian.Uint16(w.buf[w.donePos:])
		binary.LittleEndian.PutUint16(w.buf[w.donePos:], st|uint16(tokens.DoneMore|tokens.DoneRPCInBatch))
		w.donePos = -1
	}
	w.endsDone = false
}

// Variant is a sql_variant value ([MS-TDS] 2.2.5.5.4) for Row: Value
// encoded as the base type Base (an integer, float, string or binary type).
type Variant struct {
	Base  sqltype.TypeInfo
	Value any
}

func isNull(x any) bool {
	switch v := x.(type) {
	case nil:
		return true
	case sqltype.Value:
		return v.IsNull()
	case Variant:
		return v.Value == nil
	}
	return false
}

// encodeValue appends x as a value of type ti.
func encodeValue(dst []byte, ti *sqltype.TypeInfo, x any, param bool) ([]byte, error) {
	if isNull(x) {
		if param {
			return ti.AppendParamNull(dst)
		}
		return ti.AppendNull(dst)
	}
	if ti.Type == sqltype.TypeVariant {
		v, ok := x.(Variant)
		if !ok {
			return dst, fmt.Errorf("sql_variant value of Go type %T, want Variant", x)
		}
		data, err := variantData(&v.Base, v.Value)
		if err != nil {
			return dst, err
		}
		return sqltype.AppendVariant(dst, &v.Base, data)
	}
	switch v := x.(type) {
	case sqltype.Value:
		return ti.AppendValue(dst, v)
	case bool:
		if isIntType(ti.Type) {
			n := int64(0)
			if v {
				n = 1
			}
			return ti.AppendInt(dst, n)
		}
		return ti.AppendBool(dst, v)
	case int:
		return encodeInt(dst, ti, int64(v))
	case int8:
		return encodeInt(dst, ti, int64(v))
	case int16:
		return encodeInt(dst, ti, int64(v))
	case int32:
		return encodeInt(dst, ti, int64(v))
	case int64:
		return encodeInt(dst, ti, v)
	case uint8:
		return encodeInt(dst, ti, int64(v))
	case uint16:
		return encodeInt(dst, ti, int64(v))
	case uint32:
		return encodeInt(dst, ti, int64(v))
	case float32:
		return encodeFloat(dst, ti, float64(v))
	case float64:
		return encodeFloat(dst, ti, v)
	case string:
		switch ti.Type {
		case sqltype.TypeBigVarChar, sqltype.TypeBigChar, sqltype.TypeText, sqltype.TypeVarChar, sqltype.TypeChar:
			return ti.AppendString(dst, string(latin1(nil, v)))
		case sqltype.TypeDecimalN, sqltype.TypeNumericN:
			d, err := sqltype.ParseDecimal(v)
			if err != nil {
				return dst, err
			}
			return ti.AppendDecimal(dst, d)
		}
		return ti.AppendString(dst, v)
	case []byte:
		return ti.AppendBytes(dst, v)
	case sqltype.Decimal:
		if ti.Type == sqltype.TypeFloatN || ti.Type == sqltype.TypeFloat8 || ti.Type == sqltype.TypeFloat4 {
			f, err := strconv.ParseFloat(v.String(), 64)
			if err != nil {
				return dst, err
			}
			return ti.AppendFloat(dst, f)
		}
		return ti.AppendDecimal(dst, v)
	case time.Time:
		return ti.AppendTime(dst, v)
	}
	return dst, fmt.Errorf("cannot encode Go type %T as %v", x, ti.Type)
}

func isIntType(t sqltype.TypeID) bool {
	switch t {
	case sqltype.TypeInt1, sqltype.TypeInt2, sqltype.TypeInt4, sqltype.TypeInt8, sqltype.TypeIntN:
		return true
	}
	return false
}

func encodeInt(dst []byte, ti *sqltype.TypeInfo, n int64) ([]byte, error) {
	switch ti.Type {
	case sqltype.TypeBit, sqltype.TypeBitN:
		return ti.AppendBool(dst, n != 0)
	case sqltype.TypeFloat4, sqltype.TypeFloat8, sqltype.TypeFloatN:
		return ti.AppendFloat(dst, float64(n))
	case sqltype.TypeDecimalN, sqltype.TypeNumericN:
		d := sqltype.Decimal{Negative: n < 0}
		if n < 0 {
			d.Lo = uint64(-(n + 1)) + 1
		} else {
			d.Lo = uint64(n)
		}
		for range ti.Scale {
			d.Lo *= 10
		}
		d.Scale = ti.Scale
		return ti.AppendDecimal(dst, d)
	case sqltype.TypeNVarChar, sqltype.TypeNChar, sqltype.TypeBigVarChar, sqltype.TypeBigChar:
		return ti.AppendString(dst, strconv.FormatInt(n, 10))
	}
	return ti.AppendInt(dst, n)
}

func encodeFloat(dst []byte, ti *sqltype.TypeInfo, f float64) ([]byte, error) {
	switch ti.Type {
	case sqltype.TypeDecimalN, sqltype.TypeNumericN:
		d, err := sqltype.ParseDecimal(strconv.FormatFloat(f, 'f', int(ti.Scale), 64))
		if err != nil {
			return dst, err
		}
		return ti.AppendDecimal(dst, d)
	case sqltype.TypeNVarChar, sqltype.TypeNChar, sqltype.TypeBigVarChar, sqltype.TypeBigChar:
		return ti.AppendString(dst, strconv.FormatFloat(f, 'g', -1, 64))
	}
	if isIntType(ti.Type) {
		if f != math.Trunc(f) {
			return dst, fmt.Errorf("%v is not an integer", f)
		}
		return ti.AppendInt(dst, int64(f))
	}
	return ti.AppendFloat(dst, f)
}

// variantData returns the VARIANT_DATAVAL of x as base type base.
func variantData(base *sqltype.TypeInfo, x any) ([]byte, error) {
	var full []byte
	var err error
	tmp := *base
	switch base.Type {
	case sqltype.TypeInt1, sqltype.TypeInt2, sqltype.TypeInt4, sqltype.TypeInt8, sqltype.TypeFloat8, sqltype.TypeFloat4, sqltype.TypeBit:
		// Fixed-length: the encoding is the data.
		return encodeValue(nil, &tmp, x, false)
	case sqltype.TypeNVarChar, sqltype.TypeNChar, sqltype.TypeBigVarChar, sqltype.TypeBigChar, sqltype.TypeBigVarBinary, sqltype.TypeBigBinary:
		if full, err = encodeValue(nil, &tmp, x, false); err != nil {
			return nil, err
		}
		return full[2:], nil // drop the USHORT length
	}
	return nil, fmt.Errorf("sql_variant base type %v not supported by the example server", base.Type)
}

// latin1 appends s in code page 1252 (the code page of the server's
// collation), '?' for characters it lacks.
func latin1(dst []byte, s string) []byte {
	for _, r := range s {
		switch {
		case r < 0x80 || r >= 0xA0 && r < 0x100:
			dst = append(dst, byte(r))
		case r == '€':
			dst = append(dst, 0x80)
		default:
			dst = append(dst, '?')
		}
	}
	return dst
}
