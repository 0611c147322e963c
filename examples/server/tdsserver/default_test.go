package tdsserver_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/tdswire/tdswire/examples/server/tdsserver"
	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tds/request"
	"github.com/tdswire/tdswire/tds/sqltype"
	"github.com/tdswire/tdswire/tokens"
)

// result is a decoded response: a token summary, column names and types,
// row values as text, errors, and ENVCHANGE types.
type result struct {
	summary string
	cols    []string
	rows    [][]string
	errors  []string
	envs    []string
	retvals []string
}

func decode(t testing.TB, b []byte) result {
	t.Helper()
	var r result
	s := tokens.NewScanner(b, tds.Version74)
	rows := 0
	flush := func() {
		if rows > 0 {
			r.summary += fmt.Sprintf("%d*ROW ", rows)
			rows = 0
		}
	}
	var vals []tokens.ColumnValue
	for {
		typ, err := s.Next()
		if err == io.EOF {
			flush()
			return r
		}
		if err != nil {
			t.Fatalf("decoding the response: %v (after %s)", err, r.summary)
		}
		switch typ {
		case tokens.TokenColMetadata:
			flush()
			r.summary += "COLMETADATA "
			r.cols = r.cols[:0]
			for _, c := range s.Columns() {
				r.cols = append(r.cols, fmt.Sprintf("%s:%v/%d", c.ColName.String(), c.TypeInfo.Type, c.TypeInfo.MaxLen))
			}
			continue
		case tokens.TokenRow, tokens.TokenNBCRow:
			rows++
			if vals, err = s.RowValues(vals); err != nil {
				t.Fatal(err)
			}
			var row []string
			for _, v := range vals {
				row = append(row, valueText(v.Value))
			}
			r.rows = append(r.rows, row)
			continue
		case tokens.TokenDone, tokens.TokenDoneProc, tokens.TokenDoneInProc:
			flush()
			var d tokens.Done
			if err := s.Done(&d); err != nil {
				t.Fatal(err)
			}
			if d.Status&tokens.DoneCount != 0 {
				r.summary += fmt.Sprintf("%v(%v:%d) ", typ, d.Status, d.RowCount)
			} else {
				r.summary += fmt.Sprintf("%v(%v) ", typ, d.Status)
			}
			continue
		case tokens.TokenError, tokens.TokenInfo:
			flush()
			var e tokens.Message
			if err := s.Message(&e); err != nil {
				t.Fatal(err)
			}
			r.summary += fmt.Sprintf("%v(%d) ", typ, e.Number)
			if typ == tokens.TokenError {
				r.errors = append(r.errors, fmt.Sprintf("%d/%d/%d: %s", e.Number, e.Class, e.State, e.MsgText.String()))
			}
			continue
		case tokens.TokenEnvChange:
			flush()
			e, _, err := tokens.DecodeEnvChange(s.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			r.envs = append(r.envs, fmt.Sprintf("%d:% x:% x", e.Type, e.NewValue, e.OldValue))
			r.summary += fmt.Sprintf("ENVCHANGE(%d) ", e.Type)
			continue
		case tokens.TokenReturnValue:
			flush()
			rv, _, err := tokens.DecodeReturnValue(s.Bytes(), tds.Version74)
			if err != nil {
				t.Fatal(err)
			}
			r.retvals = append(r.retvals, rv.ParamName.String()+"="+valueText(rv.Value))
		}
		flush()
		r.summary += typ.String() + " "
	}
}

func valueText(v sqltype.Value) string {
	if v.IsNull() {
		return "NULL"
	}
	switch v.Type() {
	case sqltype.TypeNVarChar, sqltype.TypeNChar:
		u, _ := v.UCS2()
		return u.String()
	case sqltype.TypeBigVarChar, sqltype.TypeBigChar:
		b, _ := v.Chars()
		return string(b)
	case sqltype.TypeDecimalN, sqltype.TypeNumericN:
		d, _ := v.Decimal()
		return d.String()
	case sqltype.TypeFloat8, sqltype.TypeFloatN:
		f, _ := v.Float64()
		return fmt.Sprint(f)
	case sqltype.TypeBit, sqltype.TypeBitN:
		b, _ := v.Bool()
		return fmt.Sprint(b)
	}
	if n, err := v.Int64(); err == nil {
		return fmt.Sprint(n)
	}
	return fmt.Sprintf("%x", v.Raw())
}

// session is a logged-in raw client connection.
func session(t *testing.T, cfg tdsserver.Config) (stream, *tdsserver.Server) {
	t.Helper()
	srv, addr := start(t, cfg)
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	nc.SetDeadline(time.Now().Add(30 * time.Second))
	s := newStream(t, nc)
	preloginMARS(t, s)
	if got := login(t, s); !strings.Contains(got, "LOGINACK") {
		t.Fatalf("login: %s", got)
	}
	return s, srv
}

func batchWith(t testing.TB, descr uint64, sql string) []byte {
	m := request.SQLBatch{Headers: request.AllHeaders{TransactionDescriptor: request.TransactionDescriptor{Descriptor: descr, OutstandingRequestCount: 1}}, SQLText: ucs2(sql)}
	b, err := m.Append(nil, tds.Version74)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestDefaultSettingsBatches answers the batches drivers send right
// after login with their default settings.
func TestDefaultSettingsBatches(t *testing.T) {
	s, _ := session(t, tdsserver.Config{})
	for _, c := range []struct{ sql, want string }{
		// A JDBC-era driver: @@MAX_PRECISION and SETs in one batch.
		{"select @@max_precision\nset transaction isolation level read committed\nset implicit_transactions off\nset textsize 2147483647",
			"COLMETADATA 1*ROW DONE(MORE|COUNT:1) DONE(MORE) DONE(MORE) DONE(FINAL) "},
		// pymssql with database=: USE [db].
		{"USE [tempdb]", "ENVCHANGE(1) INFO(5701) DONE(FINAL) "},
		{"use master;", "ENVCHANGE(1) INFO(5701) DONE(FINAL) "},
		{"USE nosuch", "ERROR(911) DONE(ERROR) "},
		{"  /* leading */ SET ANSI_NULLS ON -- trailing\n", "DONE(FINAL) "},
		{"", "DONE(FINAL) "},
		{"-- only a comment", "DONE(FINAL) "},
	} {
		if got := decode(t, s.roundTrip(t, tds.PacketSQLBatch, batch(t, c.sql))).summary; got != c.want {
			t.Errorf("%q:\n got %s\nwant %s", c.sql, got, c.want)
		}
	}
}

// TestSelectLiterals checks the types SQL Server gives literals,
// variables and functions, and aliases.
func TestSelectLiterals(t *testing.T) {
	s, _ := session(t, tdsserver.Config{})
	r := decode(t, s.roundTrip(t, tds.PacketSQLBatch, batch(t,
		"SELECT 42, N'héllo' AS greeting, NULL, 1.5, CAST(1 AS bigint) big, @@MAX_PRECISION, @@TRANCOUNT, x = @@SPID, @@SERVERNAME, SERVERPROPERTY('ProductVersion'), DB_NAME(), SCHEMA_NAME(), USER_NAME(), 'abc', 1e3, 2+3*4, N'a' + N'b', -7")))
	want := []string{
		":INT4TYPE/4", "greeting:NVARCHARTYPE/10", ":INTNTYPE/4", ":NUMERICNTYPE/5", "big:INT8TYPE/8",
		":INT1TYPE/1", ":INT4TYPE/4", "x:INT2TYPE/2", ":NVARCHARTYPE/256", ":SSVARIANTTYPE/8016",
		":NVARCHARTYPE/256", ":NVARCHARTYPE/256", ":NVARCHARTYPE/256", ":BIGVARCHARTYPE/3", ":FLT8TYPE/8",
		":INT4TYPE/4", ":NVARCHARTYPE/4", ":INT4TYPE/4",
	}
	if fmt.Sprint(r.cols) != fmt.Sprint(want) {
		t.Errorf("columns:\n got %v\nwant %v", r.cols, want)
	}
	if len(r.rows) != 1 {
		t.Fatalf("rows %v (%s)", r.rows, r.summary)
	}
	wantRow := []string{"42", "héllo", "NULL", "1.5", "1", "38", "0", "51", "TDSWIRE", "16.0.4000.0", "master", "dbo", "dbo", "abc", "1000", "14", "ab", "-7"}
	if fmt.Sprint(r.rows[0]) != fmt.Sprint(wantRow) {
		t.Errorf("row:\n got %v\nwant %v", r.rows[0], wantRow)
	}
	if r.summary != "COLMETADATA 1*ROW DONE(COUNT:1) " {
		t.Errorf("summary %s", r.summary)
	}
	r = decode(t, s.roundTrip(t, tds.PacketSQLBatch, batch(t, "SELECT @@VERSION")))
	if len(r.rows) != 1 || !strings.HasPrefix(r.rows[0][0], "Microsoft SQL Server") {
		t.Errorf("@@VERSION: %v", r.rows)
	}
}

// TestErrors checks SQL Server's error numbers, classes and states for
// what the server does not know.
func TestErrors(t *testing.T) {
	s, _ := session(t, tdsserver.Config{})
	for _, c := range []struct{ sql, want string }{
		{"SELECT * FROM nosuch", "208/16/1: Invalid object name 'nosuch'."},
		{"nosuchproc 1", "2812/16/62: Could not find stored procedure 'nosuchproc'."},
		{"EXEC dbo.nosuch", "2812/16/62: Could not find stored procedure 'dbo'."},
		{"SELECT 1 +", "102/15/1: Incorrect syntax near '+'."},
		{"SELECT FROM sample", "102/15/1: Incorrect syntax near the keyword 'FROM'."},
		{"SELECT 'abc", "105/15/1: Unclosed quotation mark after the character string 'abc'."},
		{"SELECT @x", "137/15/2: Must declare the scalar variable \"@x\"."},
		{"SELECT NOSUCHFUNC(1)", "195/15/10: 'NOSUCHFUNC' is not a recognized built-in function name."},
		{"SELECT 1/0", "8134/16/1: Divide by zero error encountered."},
		{"SELECT CAST('x' AS int)", "245/16/1: Conversion failed when converting the varchar value 'x' to data type int."},
		{"COMMIT", "3902/16/1: The COMMIT TRANSACTION request has no corresponding BEGIN TRANSACTION."},
		{"ROLLBACK TRAN", "3903/16/1: The ROLLBACK TRANSACTION request has no corresponding BEGIN TRANSACTION."},
		{"SAVE TRAN s1", "628/16/0: Cannot issue SAVE TRANSACTION when there is no active transaction."},
		{"RAISERROR('boom', 16, 3)", "50000/16/3: boom"},
	} {
		r := decode(t, s.roundTrip(t, tds.PacketSQLBatch, batch(t, c.sql)))
		if len(r.errors) != 1 || r.errors[0] != c.want || !strings.HasSuffix(r.summary, "DONE(ERROR) ") {
			t.Errorf("%q: %v %s; want %s", c.sql, r.errors, r.summary, c.want)
		}
	}
}

// TestTransactions runs transactions by text and by transaction manager
// request, checking @@TRANCOUNT, ENVCHANGE 8/9/10 and the descriptor.
func TestTransactions(t *testing.T) {
	s, srv := session(t, tdsserver.Config{Record: true})
	r := decode(t, s.roundTrip(t, tds.PacketSQLBatch, batch(t, "BEGIN TRAN; BEGIN TRANSACTION; SELECT @@TRANCOUNT")))
	if r.summary != "ENVCHANGE(8) DONE(MORE) DONE(MORE) COLMETADATA 1*ROW DONE(COUNT:1) " || r.rows[0][0] != "2" {
		t.Fatalf("begin: %s %v", r.summary, r.rows)
	}
	descr := binary.LittleEndian.Uint64(hexBytes(t, strings.Split(r.envs[0], ":")[1]))
	if descr == 0 {
		t.Fatal("descriptor 0")
	}
	r = decode(t, s.roundTrip(t, tds.PacketSQLBatch, batchWith(t, descr, "COMMIT TRAN")))
	if r.summary != "DONE(FINAL) " {
		t.Errorf("inner commit: %s", r.summary)
	}
	r = decode(t, s.roundTrip(t, tds.PacketSQLBatch, batchWith(t, descr, "IF @@TRANCOUNT > 0 COMMIT TRAN")))
	if r.summary != "ENVCHANGE(9) DONE(FINAL) " || r.envs[0] != fmt.Sprintf("9::% x", binary.LittleEndian.AppendUint64(nil, descr)) {
		t.Errorf("outer commit: %s %v", r.summary, r.envs)
	}
	r = decode(t, s.roundTrip(t, tds.PacketSQLBatch, batch(t, "IF @@TRANCOUNT > 0 COMMIT TRAN")))
	if r.summary != "DONE(FINAL) " {
		t.Errorf("commit with nothing open: %s", r.summary)
	}
	r = decode(t, s.roundTrip(t, tds.PacketSQLBatch, batch(t, "BEGIN TRAN SAVE TRAN sp ROLLBACK TRAN sp SELECT @@TRANCOUNT ROLLBACK")))
	if r.summary != "ENVCHANGE(8) DONE(MORE) DONE(MORE) DONE(MORE) COLMETADATA 1*ROW DONE(MORE|COUNT:1) ENVCHANGE(10) DONE(FINAL) " || r.rows[0][0] != "1" {
		t.Errorf("savepoint: %s %v", r.summary, r.rows)
	}

	// Transaction manager requests, as FreeTDS ODBC sends them with
	// autocommit off.
	tm := func(m request.TransMgrReq, descr uint64) result {
		m.Headers = request.AllHeaders{TransactionDescriptor: request.TransactionDescriptor{Descriptor: descr, OutstandingRequestCount: 1}}
		b, err := m.Append(nil, tds.Version74)
		if err != nil {
			t.Fatal(err)
		}
		return decode(t, s.roundTrip(t, tds.PacketTransactionManager, b))
	}
	r = tm(request.TransMgrReq{Type: request.TMBeginXact}, 0)
	if r.summary != "ENVCHANGE(8) DONE(FINAL) " {
		t.Fatalf("TM_BEGIN_XACT: %s", r.summary)
	}
	d2 := binary.LittleEndian.Uint64(hexBytes(t, strings.Split(r.envs[0], ":")[1]))
	r = tm(request.TransMgrReq{Type: request.TMCommitXact, Flags: request.XactBegin}, d2)
	if r.summary != "ENVCHANGE(9) ENVCHANGE(8) DONE(FINAL) " {
		t.Errorf("TM_COMMIT_XACT with fBeginXact: %s", r.summary)
	}
	d3 := binary.LittleEndian.Uint64(hexBytes(t, strings.Split(r.envs[1], ":")[1]))
	r = tm(request.TransMgrReq{Type: request.TMSaveXact, Name: []byte("s\x00")}, d3)
	if r.summary != "DONE(FINAL) " {
		t.Errorf("TM_SAVE_XACT: %s", r.summary)
	}
	r = tm(request.TransMgrReq{Type: request.TMRollbackXact}, d3)
	if r.summary != "ENVCHANGE(10) DONE(FINAL) " {
		t.Errorf("TM_ROLLBACK_XACT: %s", r.summary)
	}
	r = tm(request.TransMgrReq{Type: request.TMGetDTCAddress}, 0)
	if len(r.errors) != 1 || !strings.HasPrefix(r.errors[0], "8501/16/3") {
		t.Errorf("TM_GET_DTC_ADDRESS: %s %v", r.summary, r.errors)
	}
	// The recorder saw the descriptor the client sent.
	var seen []uint64
	for _, m := range srv.Received() {
		if m.Type == tds.PacketTransactionManager {
			seen = append(seen, m.Headers.TransactionDescriptor.Descriptor)
		}
	}
	if fmt.Sprint(seen) != fmt.Sprint([]uint64{0, d2, d3, d3, 0}) {
		t.Errorf("recorded descriptors %v", seen)
	}
}

func hexBytes(t *testing.T, s string) []byte {
	var out []byte
	for _, f := range strings.Fields(s) {
		var b byte
		fmt.Sscanf(f, "%02x", &b)
		out = append(out, b)
	}
	if len(out) != 8 {
		t.Fatalf("descriptor %q", s)
	}
	return out
}

// rpc builds an RPC request of one call by ProcID with the given
// parameters (name "" for positional).
type rpcParam struct {
	name string
	ti   sqltype.TypeInfo
	v    any
	out  bool
}

func rpcMsg(t *testing.T, id request.ProcID, params ...rpcParam) []byte {
	t.Helper()
	b, _ := (&request.AllHeaders{TransactionDescriptor: request.AutoCommit()}).Append(nil, tds.Version74)
	b, _ = request.RPC{ProcID: id}.Append(b)
	for _, p := range params {
		var st request.StatusFlags
		if p.out {
			st = request.StatusByRefValue
		}
		var err error
		if b, err = request.AppendParam(b, tds.Version74, p.name, st, &p.ti); err != nil {
			t.Fatal(err)
		}
		switch v := p.v.(type) {
		case nil:
			b, err = p.ti.AppendParamNull(b)
		case int:
			b, err = p.ti.AppendInt(b, int64(v))
		case string:
			b, err = p.ti.AppendString(b, v)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return b
}

var (
	nvParam  = sqltype.TypeInfo{Type: sqltype.TypeNVarChar, MaxLen: 8000, Collation: sqltype.Collation{0x09, 0x04, 0xD0, 0x00, 0x34}}
	intParam = sqltype.TypeInfo{Type: sqltype.TypeIntN, MaxLen: 4}
)

// TestPreparedStatements runs sp_prepare, sp_execute, sp_prepexec,
// sp_unprepare and sp_executesql with named and positional values.
func TestPreparedStatements(t *testing.T) {
	s, _ := session(t, tdsserver.Config{})
	// sp_executesql with positional values and a space before the comma.
	r := decode(t, s.roundTrip(t, tds.PacketRPC, rpcMsg(t, request.ProcExecuteSQL,
		rpcParam{"", nvParam, "SELECT @P0 , @P1", false}, rpcParam{"", nvParam, "@P0 int,@P1 nvarchar(4000)", false},
		rpcParam{"", intParam, 5, false}, rpcParam{"", nvParam, "five", false})))
	if r.summary != "COLMETADATA 1*ROW DONEINPROC(MORE|COUNT:1) RETURNSTATUS DONEPROC(FINAL) " || fmt.Sprint(r.rows) != "[[5 five]]" {
		t.Errorf("sp_executesql positional: %s %v %v", r.summary, r.rows, r.errors)
	}
	// sp_prepare (ProcID 11), then sp_execute twice, then sp_unprepare.
	r = decode(t, s.roundTrip(t, tds.PacketRPC, rpcMsg(t, request.ProcPrepare,
		rpcParam{"@handle", intParam, nil, true}, rpcParam{"", nvParam, "@P1 int", false},
		rpcParam{"", nvParam, "SELECT * FROM sample WHERE id = @P1", false}, rpcParam{"", intParam, 1, false})))
	if r.summary != "RETURNSTATUS RETURNVALUE DONEPROC(FINAL) " || len(r.retvals) != 1 {
		t.Fatalf("sp_prepare: %s %v %v", r.summary, r.retvals, r.errors)
	}
	var h int
	fmt.Sscanf(strings.TrimPrefix(r.retvals[0], "@handle="), "%d", &h)
	for _, id := range []int{2, 3} {
		r = decode(t, s.roundTrip(t, tds.PacketRPC, rpcMsg(t, request.ProcExecute, rpcParam{"", intParam, h, false}, rpcParam{"", intParam, id, false})))
		if r.summary != "COLMETADATA 1*ROW DONEINPROC(MORE|COUNT:1) RETURNSTATUS DONEPROC(FINAL) " || r.rows[0][0] != fmt.Sprint(id) {
			t.Errorf("sp_execute %d: %s %v %v", id, r.summary, r.rows, r.errors)
		}
	}
	r = decode(t, s.roundTrip(t, tds.PacketRPC, rpcMsg(t, request.ProcUnprepare, rpcParam{"", intParam, h, false})))
	if r.summary != "RETURNSTATUS DONEPROC(FINAL) " {
		t.Errorf("sp_unprepare: %s %v", r.summary, r.errors)
	}
	r = decode(t, s.roundTrip(t, tds.PacketRPC, rpcMsg(t, request.ProcExecute, rpcParam{"", intParam, h, false})))
	if len(r.errors) != 1 || !strings.HasPrefix(r.errors[0], "8179/") {
		t.Errorf("sp_execute after unprepare: %s %v", r.summary, r.errors)
	}
	// sp_prepexec with unnamed values, as FreeTDS ODBC sends them.
	r = decode(t, s.roundTrip(t, tds.PacketRPC, rpcMsg(t, request.ProcPrepExec,
		rpcParam{"", intParam, nil, true}, rpcParam{"", nvParam, "@P1 int,@P2 nvarchar(10)", false},
		rpcParam{"", nvParam, "select @P1+1 as n, @P2 as s", false}, rpcParam{"", intParam, 41, false}, rpcParam{"", nvParam, "x", false})))
	if r.summary != "COLMETADATA 1*ROW DONEINPROC(MORE|COUNT:1) RETURNSTATUS RETURNVALUE DONEPROC(FINAL) " || fmt.Sprint(r.rows) != "[[42 x]]" || fmt.Sprint(r.cols) != "[n:INTNTYPE/4 s:NVARCHARTYPE/8000]" {
		t.Errorf("sp_prepexec: %s %v %v %v", r.summary, r.rows, r.cols, r.errors)
	}
}

// TestAttentionMidResult sends an attention while a long result streams
// and while the handler waits: the response ends with DONE_ATTN.
func TestAttentionMidResult(t *testing.T) {
	s, _ := session(t, tdsserver.Config{Rows: 2_000_000})
	for _, sql := range []string{"SELECT * FROM big", "WAITFOR DELAY '00:00:30'"} {
		if err := s.w.WriteMessage(tds.PacketSQLBatch, 0, batch(t, sql)); err != nil {
			t.Fatal(err)
		}
		if sql == "SELECT * FROM big" {
			// Read a few packets of rows first.
			for range 3 {
				if _, _, err := s.r.ReadPacket(); err != nil {
					t.Fatal(err)
				}
			}
		} else {
			time.Sleep(50 * time.Millisecond)
		}
		start := time.Now()
		if err := s.w.WriteAttention(); err != nil {
			t.Fatal(err)
		}
		// Read to the end of the message holding DONE_ATTN.
		var last []byte
		for {
			h, p, err := s.r.ReadPacket()
			if err != nil {
				t.Fatal(err)
			}
			last = append(last[max(0, len(last)-64):], p...)
			if h.Status&tds.StatusEOM != 0 {
				break
			}
		}
		n := len(last)
		if n < 13 || tokens.TokenType(last[n-13]) != tokens.TokenDone {
			t.Fatalf("%s: message does not end with DONE: % x", sql, last)
		}
		if d, _, err := tokens.DecodeDone(last[n-13:], tds.Version74); err != nil || d.Status&tokens.DoneAttn == 0 {
			t.Errorf("%s: last DONE %v, %v; want DONE_ATTN", sql, d.Status, err)
		}
		if time.Since(start) > 5*time.Second {
			t.Errorf("%s: attention took %v", sql, time.Since(start))
		}
		// The connection is usable afterwards.
		if got := decode(t, s.roundTrip(t, tds.PacketSQLBatch, batch(t, "SELECT 1"))).summary; got != "COLMETADATA 1*ROW DONE(COUNT:1) " {
			t.Errorf("after the attention: %s", got)
		}
	}
}

// TestNestingBound: deeply nested expressions get SQL Server's 191, not
// a stack overflow.
func TestNestingBound(t *testing.T) {
	s, _ := session(t, tdsserver.Config{})
	for _, sql := range []string{
		"SELECT " + strings.Repeat("(", 100000) + "1" + strings.Repeat(")", 100000),
		"SELECT " + strings.Repeat("- ", 100000) + "1",
		"IF " + strings.Repeat("NOT ", 100000) + "1 = 1 SELECT 1",
		"SELECT " + strings.Repeat("ABS(", 100000) + "1" + strings.Repeat(")", 100000),
	} {
		r := decode(t, s.roundTrip(t, tds.PacketSQLBatch, batch(t, sql)))
		if len(r.errors) != 1 || !strings.HasPrefix(r.errors[0], "191/15/1") {
			t.Errorf("%.20s...: %v", sql, r.errors)
		}
	}
}

// TestDisconnectCancels: a client that goes away during a WAITFOR does
// not leave its handler waiting.
func TestDisconnectCancels(t *testing.T) {
	ended := make(chan struct{})
	h := tdsserver.HandlerFunc(func(ctx context.Context, w *tdsserver.ResponseWriter, r *tdsserver.Request) {
		tdsserver.DefaultHandler().ServeTDS(ctx, w, r)
		close(ended)
	})
	srv, addr := start(t, tdsserver.Config{Handler: h})
	_ = srv
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	s := newStream(t, nc)
	preloginMARS(t, s)
	login(t, s)
	s.w.WriteMessage(tds.PacketSQLBatch, 0, batch(t, "WAITFOR DELAY '01:00:00'"))
	time.Sleep(50 * time.Millisecond)
	nc.Close()
	select {
	case <-ended:
	case <-time.After(3 * time.Second):
		t.Fatal("the handler still waits after the client left")
	}
}
