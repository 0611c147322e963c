package tdsserver

import (
	"fmt"
	"strings"

	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tds/request"
	"github.com/tdswire/tdswire/tokens"
)

// flushAt is the size at which a response being built is handed to the
// Writer, so that a large result set streams instead of piling up.
const flushAt = 32 << 10

// responder answers the requests of one TDS stream (a connection, or an
// SMP session of one).
type responder struct {
	c       *conn
	w       *tds.Writer
	v       tds.Version
	buf     []byte
	rpc     request.RPCReader
	params  []request.Param
	scratch []byte
}

// handle answers one client message.
func (rs *responder) handle(h tds.Header, msg []byte) error {
	s := rs.c.s
	switch h.Type {
	case tds.PacketSQLBatch:
		var b request.SQLBatch
		if err := b.Decode(msg, rs.v); err != nil {
			return fmt.Errorf("decoding a SQL batch: %w", err)
		}
		s.st.batches.Add(1)
		sql := b.SQLText.String()
		rs.c.log("TDS:SQLBatch received: %v; %q", h, sql)
		if err := rs.begin(); err != nil {
			return err
		}
		if _, err := rs.exec(splitBatch(sql), nil, false); err != nil {
			return err
		}
		return rs.end()
	case tds.PacketRPC:
		if err := rs.rpc.Reset(msg, rs.v); err != nil {
			return fmt.Errorf("decoding an RPC request: %w", err)
		}
		s.st.rpcs.Add(1)
		if err := rs.begin(); err != nil {
			return err
		}
		if err := rs.rpcs(h); err != nil {
			return err
		}
		return rs.end()
	case tds.PacketAttention:
		// [MS-TDS] 2.2.1.7 and 3.3.5.5: acknowledge with DONE_ATTN.
		if err := request.DecodeAttention(msg); err != nil {
			return fmt.Errorf("decoding an attention: %w", err)
		}
		s.st.attn.Add(1)
		rs.c.log("TDS:Attention received: %v", h)
		return rs.w.WriteMessage(tds.PacketResponse, 0, tokens.Done{Status: tokens.DoneAttn}.Append(nil, rs.v))
	case tds.PacketTransactionManager:
		rs.c.log("TDS:TransactionManager received: %v; not supported", h)
		if err := rs.begin(); err != nil {
			return err
		}
		rs.error(102, 15, 1, "Transaction manager requests are not supported by the tdswire example server.")
		rs.buf = tokens.Done{Status: tokens.DoneError}.Append(rs.buf, rs.v)
		return rs.end()
	}
	return fmt.Errorf("unexpected %v message from a logged-in client", h.Type)
}

// rpcs answers every RPCReqBatch of the RPC request rs.rpc holds.
// Four procedures are known ([MS-TDS] 2.2.6.6 ProcIDs, or their names):
//
//	sp_executesql @stmt, @params, values...          runs @stmt
//	sp_prepexec   @handle OUTPUT, @params, @stmt, values...
//	              runs @stmt and returns a new handle for it
//	sp_execute    @handle, values...                  runs a prepared @stmt again
//	sp_unprepare  @handle                             forgets it
//
// Parameter values are matched to @names in the statement by name
// (case-insensitively). Any other procedure gets error 2812.
func (rs *responder) rpcs(h tds.Header) error {
	prev := -1 // offset of the previous DONEPROC's Status
	for rpc, err := range rs.rpc.RPCs() {
		if err != nil {
			return fmt.Errorf("decoding an RPC request: %w", err)
		}
		if prev >= 0 {
			st := tokens.DoneStatus(uint16(rs.buf[prev]) | uint16(rs.buf[prev+1])<<8)
			st |= tokens.DoneMore | tokens.DoneRPCInBatch
			rs.buf[prev], rs.buf[prev+1] = byte(st), byte(st>>8)
		}
		name := rpc.ProcName.String()
		if rpc.ProcID != 0 {
			name = rpc.ProcID.String()
		}
		rs.params = rs.params[:0]
		for p, err := range rs.rpc.Params() {
			if err != nil {
				return fmt.Errorf("decoding an RPC request: %w", err)
			}
			rs.params = append(rs.params, *p)
		}
		proc := procOf(&rpc)
		var (
			stmt   string
			values []request.Param
			bad    string
			handle int32
			retval bool
		)
		ps := rs.params
		switch proc {
		case procExecuteSQL:
			if len(ps) < 1 {
				bad = "Procedure or function 'sp_executesql' expects parameter '@statement', which was not supplied."
				break
			}
			s, err := paramString(ps[0].Value)
			if err != nil {
				bad = "Procedure expects parameter '@statement' of type 'ntext/nchar/nvarchar'."
			}
			stmt, values = s, tail(ps, 2)
		case procPrepExec:
			if len(ps) < 3 {
				bad = "Procedure or function 'sp_prepexec' expects parameter '@stmt', which was not supplied."
				break
			}
			s, err := paramString(ps[2].Value)
			if err != nil {
				bad = "Procedure expects parameter '@stmt' of type 'ntext/nchar/nvarchar'."
				break
			}
			h, ok := rs.c.prepare(s)
			if !ok {
				bad = fmt.Sprintf("Too many prepared statements on this connection (%d); unprepare some first.", maxPrepared)
				break
			}
			stmt, values = s, tail(ps, 3)
			handle, retval = h, true
		case procExecute, procUnprepare:
			var ok bool
			if len(ps) >= 1 && !ps[0].Value.IsNull() {
				if n, err := ps[0].Value.Int64(); err == nil {
					stmt, ok = rs.c.prepared(int32(n), proc == procUnprepare)
				}
			}
			if !ok {
				bad = "Could not find prepared statement with handle."
			}
			if proc == procUnprepare {
				stmt = ""
			}
			values = tail(ps, 1)
		default:
			rs.c.log("TDS:RPCRequest received: %v; procedure %s: not found", h, name)
			rs.error(2812, 16, 62, fmt.Sprintf("Could not find stored procedure '%s'.", name))
			prev = len(rs.buf) + 1
			rs.buf = tokens.Done{Type: tokens.TokenDoneProc, Status: tokens.DoneError}.Append(rs.buf, rs.v)
			continue
		}
		params := map[string]param{}
		for _, v := range values {
			if echoable(&v.Type) {
				params[strings.ToLower(v.Name.String())] = param{ti: v.Type, v: v.Value}
			}
		}
		rs.c.log("TDS:RPCRequest received: %v; %s %q with %d parameter values", h, name, stmt, len(values))
		failed := false
		if bad != "" {
			rs.error(8144, 16, 2, bad)
			failed = true
		} else {
			var err error
			if failed, err = rs.exec(splitBatch(stmt), params, true); err != nil {
				return err
			}
		}
		st := tokens.DoneFinal
		if failed {
			st = tokens.DoneError
		} else {
			rs.buf = tokens.ReturnStatus(0).Append(rs.buf)
			if retval {
				// The new handle goes back in the @handle OUTPUT
				// parameter, a RETURNVALUE ([MS-TDS] 2.2.7.19).
				wire, err := intCol.AppendInt(nil, int64(handle))
				if err != nil {
					return err
				}
				rv := tokens.ReturnValue{ParamName: ps[0].Name, Status: tokens.ReturnOutputParam, Flags: tokens.ColNullable, TypeInfo: intCol, Wire: wire}
				rs.buf = rv.Append(rs.buf, rs.v)
			}
		}
		prev = len(rs.buf) + 1
		rs.buf = tokens.Done{Type: tokens.TokenDoneProc, Status: st}.Append(rs.buf, rs.v)
	}
	return nil
}

// tail returns ps[i:], or nil when ps is shorter.
func tail(ps []request.Param, i int) []request.Param {
	if len(ps) <= i {
		return nil
	}
	return ps[i:]
}

// exec answers the statements of a batch (inProc false: DONE tokens) or
// of sp_executesql (inProc true: DONEINPROC tokens, the caller adds
// DONEPROC). It stops at the first statement it does not recognise and
// reports that it failed.
func (rs *responder) exec(stmts []string, params map[string]param, inProc bool) (failed bool, err error) {
	done := func(st tokens.DoneStatus, count uint64, last bool) {
		if !last || inProc {
			st |= tokens.DoneMore
		}
		d := tokens.Done{Status: st, RowCount: count}
		if inProc {
			d.Type = tokens.TokenDoneInProc
			rs.buf = d.Append(rs.buf, rs.v)
		} else {
			rs.buf = d.Append(rs.buf, rs.v)
		}
	}
	if len(stmts) == 0 {
		if !inProc {
			done(tokens.DoneFinal, 0, true)
		}
		return false, nil
	}
	for i, s := range stmts {
		last := i == len(stmts)-1
		kind, names := classify(s, params)
		switch kind {
		case stmtEmpty, stmtSet:
			done(tokens.DoneFinal, 0, last)
		case stmtSelect1:
			rs.buf = tokens.ColMetadata{Columns: []tokens.Column{{TypeInfo: intCol}}}.Append(rs.buf, rs.v)
			rs.buf = append(rs.buf, byte(tokens.TokenRow))
			rs.buf, err = intCol.AppendInt(rs.buf, 1)
			done(tokens.DoneCount, 1, last)
		case stmtSPID:
			rs.buf = tokens.ColMetadata{Columns: []tokens.Column{{TypeInfo: smallintCol}}}.Append(rs.buf, rs.v)
			rs.buf = append(rs.buf, byte(tokens.TokenRow))
			rs.buf, err = smallintCol.AppendInt(rs.buf, int64(rs.c.spid))
			done(tokens.DoneCount, 1, last)
		case stmtVersion:
			rs.buf = tokens.ColMetadata{Columns: []tokens.Column{{Flags: tokens.ColNullable, TypeInfo: versionCol}}}.Append(rs.buf, rs.v)
			rs.buf = append(rs.buf, byte(tokens.TokenRow))
			rs.buf, err = versionCol.AppendString(rs.buf, VersionString)
			done(tokens.DoneCount, 1, last)
		case stmtSample:
			rs.buf = tableColumns(rs.v).Append(rs.buf, rs.v)
			rows := SampleRows()
			for _, r := range rows {
				if rs.buf, err = appendRow(rs.buf, r, rs.v); err != nil {
					return true, err
				}
			}
			done(tokens.DoneCount, uint64(len(rows)), last)
		case stmtBig:
			rs.buf = tableColumns(rs.v).Append(rs.buf, rs.v)
			for i := 1; i <= rs.c.s.eng.rows; i++ {
				if rs.buf, rs.scratch, err = appendBigRow(rs.buf, rs.scratch, i, rs.v); err != nil {
					return true, err
				}
				if err := rs.flush(); err != nil {
					return true, err
				}
			}
			done(tokens.DoneCount, uint64(rs.c.s.eng.rows), last)
		case stmtParams:
			cols := make([]tokens.Column, len(names))
			for j, n := range names {
				cols[j] = tokens.Column{Flags: tokens.ColNullable, TypeInfo: params[n].ti}
			}
			rs.buf = tokens.ColMetadata{Columns: cols}.Append(rs.buf, rs.v)
			rs.buf = append(rs.buf, byte(tokens.TokenRow))
			for _, n := range names {
				p := params[n]
				if p.v.IsNull() {
					rs.buf, err = p.ti.AppendNull(rs.buf)
				} else {
					rs.buf, err = p.ti.AppendValue(rs.buf, p.v)
				}
				if err != nil {
					return true, err
				}
			}
			done(tokens.DoneCount, 1, last)
		default:
			text := s
			if len(text) > 60 {
				text = text[:60]
			}
			rs.error(102, 15, 1, fmt.Sprintf("Incorrect syntax near '%s'. The tdswire example server answers only the statements listed in its documentation.", text))
			if !inProc {
				done(tokens.DoneError, 0, true)
			}
			return true, nil
		}
		if err != nil {
			return true, err
		}
	}
	return false, nil
}

// error appends an ERROR token ([MS-TDS] 2.2.7.10).
func (rs *responder) error(number int32, class, state uint8, msg string) {
	rs.c.log("ERROR %d, class %d, state %d: %s", number, class, state, msg)
	rs.buf = tokens.Message{Type: tokens.TokenError, Number: number, State: state, Class: class, MsgText: ucs2(msg), ServerName: ucs2(serverName), LineNumber: 1}.Append(rs.buf, rs.v)
}

func (rs *responder) begin() error {
	rs.buf = rs.buf[:0]
	return rs.w.BeginMessage(tds.PacketResponse, 0)
}

// flush hands the response built so far to the Writer once it is large.
func (rs *responder) flush() error {
	if len(rs.buf) < flushAt {
		return nil
	}
	_, err := rs.w.Write(rs.buf)
	rs.buf = rs.buf[:0]
	return err
}

func (rs *responder) end() error {
	if _, err := rs.w.Write(rs.buf); err != nil {
		return err
	}
	rs.buf = rs.buf[:0]
	return rs.w.EndMessage()
}
