package tdsserver

import (
	"context"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tds/request"
	"github.com/tdswire/tdswire/tds/sqltype"
	"github.com/tdswire/tdswire/tokens"
)

// DefaultHandler returns the handler a Server uses when Config.Handler is
// nil: it answers what drivers send with their default settings (see the
// package documentation for the statements). A custom Handler can fall
// back to it for what it does not answer itself.
func DefaultHandler() Handler { return defaultHandler{} }

type defaultHandler struct{}

func (defaultHandler) ServeTDS(ctx context.Context, w *ResponseWriter, r *Request) {
	x := &executor{ctx: ctx, w: w, s: r.Session}
	switch r.Kind {
	case SQLBatch:
		x.batch(r.SQL, nil, false)
	case RPC:
		x.rpc(r.RPC)
	case TransactionManager:
		x.tm(r.TM)
	case BulkLoad:
		w.Done(tokens.DoneCount, 0)
	}
}

// executor runs the statements of one request.
type executor struct {
	ctx context.Context
	w   *ResponseWriter
	s   *Session
	// inProc: statements of an RPC, answered with DONEINPROC.
	inProc bool
	// failed: a statement raised an error that ended the request.
	failed bool
}

// done ends one statement.
func (x *executor) done(st tokens.DoneStatus, count int64, counted bool) error {
	x.s.Lock()
	nocount := x.s.Values != nil && x.s.Values["nocount"] == true
	x.s.rowCount = count
	x.s.Unlock()
	if counted && !nocount {
		st |= tokens.DoneCount
	}
	c := uint64(0)
	if st&tokens.DoneCount != 0 {
		c = uint64(count)
	}
	if x.inProc {
		return x.w.DoneInProc(st, c)
	}
	return x.w.Done(st, c)
}

// fail writes e, and the DONE with DONE_ERROR of a batch.
func (x *executor) fail(e *sqlError) {
	x.s.Lock()
	x.s.lastError = e.Number
	x.s.Unlock()
	x.w.sqlErr(e)
	x.failed = true
	if !x.inProc {
		x.w.Done(tokens.DoneError, 0)
	}
}

// batch runs the statements of sql, with params as the variables they
// may use, stopping at the first error (as a compile error does in SQL
// Server).
func (x *executor) batch(sql string, params map[string]sqlValue, inProc bool) {
	x.inProc = inProc
	toks := lex(sql)
	if n := len(toks); n > 0 && toks[n-1].kind == tokBad {
		t := toks[n-1]
		if strings.HasPrefix(t.s, "'") || strings.HasPrefix(t.s, "N'") || strings.HasPrefix(t.s, "n'") {
			x.fail(&sqlError{Number: 105, Class: 15, State: 1, Msg: fmt.Sprintf("Unclosed quotation mark after the character string '%s'.", strings.TrimLeft(t.s, "Nn'")), Line: int32(t.line)})
			return
		}
		if strings.HasPrefix(t.s, "/*") {
			x.fail(&sqlError{Number: 113, Class: 15, State: 1, Msg: "Missing end comment mark '*/'.", Line: int32(t.line)})
			return
		}
		x.fail(syntaxError(t))
		return
	}
	stmts := splitStatements(toks)
	if len(stmts) == 0 {
		if !inProc {
			x.w.Done(tokens.DoneFinal, 0)
		}
		return
	}
	env := &evalEnv{s: x.s, params: params}
	for i, st := range stmts {
		if err := x.statement(st, env, i == 0); err != nil {
			if e, ok := err.(*sqlError); ok {
				x.fail(e)
			}
			return
		}
	}
}

// statement runs one statement; first says whether it opens the batch
// (where a bare name is a procedure call).
func (x *executor) statement(st []token, env *evalEnv, first bool) error {
	head := st[0]
	if head.kind != tokIdent || head.quoted {
		if head.quoted && first {
			return notFoundProc(head.s)
		}
		return syntaxError(head)
	}
	switch strings.ToLower(head.s) {
	case "set":
		return x.set(st)
	case "use":
		return x.use(st)
	case "begin":
		if len(st) >= 2 && (st[1].is("tran") || st[1].is("transaction")) {
			if len(st) > 3 {
				return syntaxError(st[3])
			}
			x.begin()
			return x.done(tokens.DoneFinal, 0, false)
		}
		if len(st) >= 2 && st[1].is("distributed") {
			return &sqlError{Number: 8501, Class: 16, State: 3, Msg: fmt.Sprintf("MSDTC on server '%s' is unavailable.", x.s.server.cfg.ServerName)}
		}
		return syntaxError(lastTok(st))
	case "commit", "rollback":
		return x.endTran(st)
	case "save":
		if len(st) < 3 || !(st[1].is("tran") || st[1].is("transaction")) {
			return syntaxError(lastTok(st))
		}
		x.s.Lock()
		n := x.s.TranCount
		x.s.Unlock()
		if n == 0 {
			return &sqlError{Number: 628, Class: 16, State: 0, Msg: "Cannot issue SAVE TRANSACTION when there is no active transaction."}
		}
		x.s.Lock()
		if x.s.Values == nil {
			x.s.Values = map[string]any{}
		}
		full := len(x.s.Values) >= maxValues
		if !full {
			x.s.Values["savepoint:"+strings.ToLower(st[2].s)] = true
		}
		x.s.Unlock()
		if full {
			return &sqlError{Number: 701, Class: 17, State: 123, Msg: fmt.Sprintf("There is insufficient system memory to run this query (the example server keeps at most %d savepoints and settings per connection).", maxValues)}
		}
		return x.done(tokens.DoneFinal, 0, false)
	case "if":
		return x.ifStmt(st, env)
	case "select":
		return x.selectStmt(st, env)
	case "print":
		p := &parser{toks: st[1:], env: env}
		v, err := p.expr()
		if err != nil {
			return err
		}
		if !p.atEnd() {
			return syntaxError(p.peek())
		}
		txt, _ := v.text()
		if err := x.w.Info(0, 1, txt); err != nil {
			return err
		}
		return x.done(tokens.DoneFinal, 0, false)
	case "raiserror":
		return x.raiserror(st, env)
	case "throw":
		p := &parser{toks: st[1:], env: env}
		var vals []sqlValue
		for !p.atEnd() {
			v, err := p.expr()
			if err != nil {
				return err
			}
			vals = append(vals, v)
			if p.peek().isOp(",") {
				p.next()
			}
		}
		if len(vals) != 3 {
			return syntaxError(lastTok(st))
		}
		num, _ := vals[0].integer()
		msg, _ := vals[1].text()
		state, _ := vals[2].integer()
		return &sqlError{Number: int32(num), Class: 16, State: uint8(state), Msg: msg}
	case "waitfor":
		return x.waitfor(st, env)
	case "declare":
		// Variables are not kept: a DECLARE alone is accepted.
		return x.done(tokens.DoneFinal, 0, false)
	case "exec", "execute":
		if len(st) < 2 {
			return syntaxError(lastTok(st))
		}
		name := st[1]
		if name.kind == tokVar && len(st) > 3 && st[2].isOp("=") {
			name = st[3]
		}
		return notFoundProc(name.s)
	case "insert", "update", "delete", "merge", "truncate":
		return x.dml(st)
	case "drop":
		if len(st) < 3 {
			return syntaxError(lastTok(st))
		}
		name := st[len(st)-1].s
		return &sqlError{Number: 3701, Class: 11, State: 5, Msg: fmt.Sprintf("Cannot drop the %s '%s', because it does not exist or you do not have permission.", strings.ToLower(st[1].s), name)}
	case "create", "alter":
		what := ""
		if len(st) > 1 {
			what = strings.ToUpper(st[1].s)
		}
		x.s.Lock()
		db := x.s.Database
		x.s.Unlock()
		return &sqlError{Number: 262, Class: 14, State: 1, Msg: fmt.Sprintf("%s %s permission denied in database '%s'.", strings.ToUpper(head.s), what, db)}
	}
	if first && !statementStarts[strings.ToLower(head.s)] && !reserved[strings.ToLower(head.s)] {
		// A batch that starts with a name calls that procedure.
		return notFoundProc(head.s)
	}
	return syntaxError(head)
}

func lastTok(st []token) token {
	if len(st) == 0 {
		return token{kind: tokEOF}
	}
	return st[len(st)-1]
}

func notFoundProc(name string) *sqlError {
	return &sqlError{Number: 2812, Class: 16, State: 62, Msg: fmt.Sprintf("Could not find stored procedure '%s'.", name)}
}

func invalidObject(name string) *sqlError {
	return &sqlError{Number: 208, Class: 16, State: 1, Msg: fmt.Sprintf("Invalid object name '%s'.", name)}
}

// set accepts any SET statement; a few are remembered.
func (x *executor) set(st []token) error {
	if len(st) < 2 {
		return syntaxError(lastTok(st))
	}
	opt := strings.ToLower(st[1].s)
	on := len(st) > 2 && st[len(st)-1].is("on")
	x.s.Lock()
	if x.s.Values == nil {
		x.s.Values = map[string]any{}
	}
	switch opt {
	case "nocount":
		x.s.Values["nocount"] = on
	case "implicit_transactions":
		x.s.Values["implicit_transactions"] = on
	case "textsize":
		if len(st) > 2 {
			if n, err := strconv.ParseInt(st[2].s, 10, 32); err == nil {
				x.s.textSize = int32(n)
			}
		}
	}
	x.s.Unlock()
	return x.done(tokens.DoneFinal, 0, false)
}

// use changes the database: ENVCHANGE 1 and INFO 5701 ([MS-TDS] 2.2.7.9).
func (x *executor) use(st []token) error {
	if len(st) != 2 {
		if len(st) < 2 {
			return syntaxError(lastTok(st))
		}
		return syntaxError(st[2])
	}
	db := st[1].s
	canon, ok := x.s.server.database(db)
	if !ok {
		return &sqlError{Number: 911, Class: 16, State: 1, Msg: fmt.Sprintf("Database '%s' does not exist. Make sure that the name is entered correctly.", db)}
	}
	x.s.Lock()
	old := x.s.Database
	x.s.Database = canon
	x.s.Unlock()
	if err := x.w.EnvChange(tokens.EnvChange{Type: tokens.EnvDatabase, NewValue: ucs2(canon), OldValue: ucs2(old)}); err != nil {
		return err
	}
	if err := x.w.Info(5701, 1, "Changed database context to '"+canon+"'."); err != nil {
		return err
	}
	return x.done(tokens.DoneFinal, 0, false)
}

// begin opens a transaction or nests one: ENVCHANGE 8 with a new
// descriptor for the outermost ([MS-TDS] 2.2.7.9).
func (x *executor) begin() error {
	x.s.Lock()
	x.s.TranCount++
	outer := x.s.TranCount == 1
	if outer {
		x.s.TransactionDescriptor = x.s.server.nextDescriptor()
	}
	d := x.s.TransactionDescriptor
	x.s.Unlock()
	if !outer {
		return nil
	}
	return x.w.EnvChange(tokens.EnvChange{Type: tokens.EnvBeginTran, NewValue: descriptorBytes(d)})
}

// commit ends a level of the transaction; the outermost sends ENVCHANGE 9.
func (x *executor) commit() error {
	x.s.Lock()
	if x.s.TranCount == 0 {
		x.s.Unlock()
		return &sqlError{Number: 3902, Class: 16, State: 1, Msg: "The COMMIT TRANSACTION request has no corresponding BEGIN TRANSACTION."}
	}
	x.s.TranCount--
	last := x.s.TranCount == 0
	d := x.s.TransactionDescriptor
	if last {
		x.s.TransactionDescriptor = 0
		x.clearSavepoints()
	}
	x.s.Unlock()
	if !last {
		return nil
	}
	return x.w.EnvChange(tokens.EnvChange{Type: tokens.EnvCommitTran, OldValue: descriptorBytes(d)})
}

// rollback ends the whole transaction: ENVCHANGE 10.
func (x *executor) rollback() error {
	x.s.Lock()
	if x.s.TranCount == 0 {
		x.s.Unlock()
		return &sqlError{Number: 3903, Class: 16, State: 1, Msg: "The ROLLBACK TRANSACTION request has no corresponding BEGIN TRANSACTION."}
	}
	d := x.s.TransactionDescriptor
	x.s.TranCount, x.s.TransactionDescriptor = 0, 0
	x.clearSavepoints()
	x.s.Unlock()
	return x.w.EnvChange(tokens.EnvChange{Type: tokens.EnvRollbackTran, OldValue: descriptorBytes(d)})
}

// clearSavepoints forgets the savepoints; the caller holds the lock.
func (x *executor) clearSavepoints() {
	for k := range x.s.Values {
		if strings.HasPrefix(k, "savepoint:") {
			delete(x.s.Values, k)
		}
	}
}

func descriptorBytes(d uint64) []byte { return binary.LittleEndian.AppendUint64(nil, d) }

// endTran runs COMMIT or ROLLBACK [TRAN[SACTION] | WORK] [name].
func (x *executor) endTran(st []token) error {
	rest := st[1:]
	if len(rest) > 0 && (rest[0].is("tran") || rest[0].is("transaction") || rest[0].is("work")) {
		rest = rest[1:]
	}
	if len(rest) > 1 {
		return syntaxError(rest[1])
	}
	if st[0].is("commit") {
		if err := x.commit(); err != nil {
			return err
		}
		return x.done(tokens.DoneFinal, 0, false)
	}
	if len(rest) == 1 {
		x.s.Lock()
		_, isSave := x.s.Values["savepoint:"+strings.ToLower(rest[0].s)]
		n := x.s.TranCount
		x.s.Unlock()
		if isSave && n > 0 {
			// Rolling back to a savepoint keeps the transaction.
			return x.done(tokens.DoneFinal, 0, false)
		}
	}
	if err := x.rollback(); err != nil {
		return err
	}
	return x.done(tokens.DoneFinal, 0, false)
}

// ifStmt runs IF condition statement [ELSE statement].
func (x *executor) ifStmt(st []token, env *evalEnv) error {
	// The condition runs to the first statement keyword at depth 0.
	depth, at := 0, -1
	for i := 1; i < len(st); i++ {
		t := st[i]
		switch {
		case t.isOp("("):
			depth++
		case t.isOp(")"):
			depth--
		case depth == 0 && t.kind == tokIdent && !t.quoted && statementStarts[strings.ToLower(t.s)] && !t.is("select") || depth == 0 && t.is("select") && i > 1 && !st[i-1].isOp("("):
			at = i
		}
		if at >= 0 {
			break
		}
	}
	if at < 0 {
		return syntaxError(lastTok(st))
	}
	p := &parser{toks: st[1:at], env: env}
	ok, err := p.condition()
	if err != nil {
		return err
	}
	if !p.atEnd() {
		return syntaxError(p.peek())
	}
	body := st[at:]
	var elseBody []token
	for i, t := range body {
		if t.is("else") {
			body, elseBody = body[:i], body[i+1:]
			break
		}
	}
	run := body
	if !ok {
		run = elseBody
	}
	if len(run) == 0 {
		// Nothing ran: SQL Server still ends the IF with a DONE.
		return x.done(tokens.DoneFinal, 0, false)
	}
	for _, s := range splitStatements(run) {
		if err := x.statement(s, env, false); err != nil {
			return err
		}
	}
	return nil
}

// raiserror runs RAISERROR('msg' | number, severity, state [, args]).
func (x *executor) raiserror(st []token, env *evalEnv) error {
	toks := st[1:]
	if len(toks) > 0 && toks[0].isOp("(") && lastTok(toks).isOp(")") {
		toks = toks[1 : len(toks)-1]
	}
	p := &parser{toks: toks, env: env}
	var vals []sqlValue
	for !p.atEnd() {
		v, err := p.expr()
		if err != nil {
			return err
		}
		vals = append(vals, v)
		if t := p.peek(); t.isOp(",") {
			p.next()
		} else if !p.atEnd() {
			if t.is("with") {
				break
			}
			return syntaxError(t)
		}
	}
	if len(vals) < 3 {
		return syntaxError(lastTok(st))
	}
	msg, _ := vals[0].text()
	num := int32(50000)
	if n, ok := vals[0].integer(); ok {
		num, msg = int32(n), fmt.Sprintf("Error %d raised by RAISERROR.", n)
	}
	sev, _ := vals[1].integer()
	state, _ := vals[2].integer()
	if sev <= 10 {
		if err := x.w.message(tokens.TokenInfo, num, uint8(sev), uint8(state), msg, 1); err != nil {
			return err
		}
		return x.done(tokens.DoneFinal, 0, false)
	}
	return &sqlError{Number: num, Class: uint8(min(sev, 25)), State: uint8(state), Msg: msg}
}

// waitfor runs WAITFOR DELAY 'hh:mm:ss[.mmm]', ended early by an attention.
func (x *executor) waitfor(st []token, env *evalEnv) error {
	if len(st) != 3 || !st[1].is("delay") {
		return syntaxError(lastTok(st))
	}
	p := &parser{toks: st[2:], env: env}
	v, err := p.expr()
	if err != nil {
		return err
	}
	txt, _ := v.text()
	d, ok := parseDelay(txt)
	if !ok {
		return &sqlError{Number: 148, Class: 15, State: 1, Msg: "Incorrect time syntax in time string '" + txt + "' used with WAITFOR."}
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-x.ctx.Done():
		return ErrCancelled
	}
	return x.done(tokens.DoneFinal, 0, false)
}

func parseDelay(s string) (time.Duration, bool) {
	tm, err := time.Parse("15:04:05.999", s)
	if err != nil {
		if tm, err = time.Parse("15:04:05", s); err != nil {
			if tm, err = time.Parse("15:04", s); err != nil {
				return 0, false
			}
		}
	}
	return time.Duration(tm.Hour())*time.Hour + time.Duration(tm.Minute())*time.Minute + time.Duration(tm.Second())*time.Second + time.Duration(tm.Nanosecond()), true
}

// dml answers INSERT, UPDATE, DELETE, MERGE and TRUNCATE: the tables of
// the example server are read-only views of generated rows, and any
// other object does not exist.
func (x *executor) dml(st []token) error {
	var name string
	for i := 1; i < len(st); i++ {
		t := st[i]
		if t.kind == tokIdent && !(t.is("into") || t.is("from") || t.is("table") || t.is("top")) {
			name = t.s
			for i+2 < len(st) && st[i+1].isOp(".") {
				name += "." + st[i+2].s
				i += 2
			}
			break
		}
	}
	if name == "" {
		return syntaxError(lastTok(st))
	}
	if _, ok := tableOf(name); ok {
		return &sqlError{Number: 4406, Class: 16, State: 1, Msg: fmt.Sprintf("Update or insert of view or function '%s' failed because it contains a derived or constant field.", name)}
	}
	return invalidObject(name)
}

// table is one of the generated tables.
type table int

const (
	tableSample table = iota + 1
	tableBig
)

// tableOf recognises sample and big, with a dbo. schema or a database
// and schema in front.
func tableOf(name string) (table, bool) {
	parts := strings.Split(strings.ToLower(name), ".")
	last := parts[len(parts)-1]
	if len(parts) > 1 && parts[len(parts)-2] != "dbo" && parts[len(parts)-2] != "" {
		return 0, false
	}
	switch last {
	case "sample":
		return tableSample, true
	case "big":
		return tableBig, true
	}
	return 0, false
}

// selectItem is one entry of a select list.
type selectItem struct {
	star  bool
	toks  []token
	alias string
}

// selectStmt runs SELECT [TOP n] list [FROM table [WHERE cond]].
func (x *executor) selectStmt(st []token, env *evalEnv) error {
	toks := st[1:]
	top := int64(-1)
	if len(toks) > 0 && toks[0].is("distinct") || len(toks) > 0 && toks[0].is("all") {
		toks = toks[1:]
	}
	if len(toks) > 0 && toks[0].is("top") {
		p := &parser{toks: toks[1:], env: env}
		v, err := p.primary()
		if err != nil {
			return err
		}
		n, ok := v.integer()
		if !ok || n < 0 {
			return &sqlError{Number: 1060, Class: 15, State: 1, Msg: "The number of rows provided for a TOP or FETCH clauses row count parameter must be an integer."}
		}
		top = n
		toks = toks[1+p.i:]
	}
	// Split the select list from FROM at depth 0.
	depth, from := 0, -1
	for i, t := range toks {
		switch {
		case t.isOp("("):
			depth++
		case t.isOp(")"):
			depth--
		case depth == 0 && t.is("from"):
			from = i
		}
		if from >= 0 {
			break
		}
	}
	if from == 0 {
		return syntaxError(toks[0])
	}
	list := toks
	var fromToks []token
	if from >= 0 {
		list, fromToks = toks[:from], toks[from+1:]
	}
	items, err := selectList(list)
	if err != nil {
		return err
	}
	if from < 0 {
		return x.selectValues(items, env, top)
	}
	return x.selectTable(items, fromToks, env, top)
}

// selectList cuts a select list at its top-level commas and finds the
// aliases: expr [AS] alias, alias = expr, 'alias' = expr.
func selectList(list []token) ([]selectItem, error) {
	if len(list) == 0 {
		return nil, syntaxError(token{kind: tokEOF})
	}
	var items []selectItem
	depth, start := 0, 0
	cut := func(end int) error {
		part := list[start:end]
		if len(part) == 0 {
			if end < len(list) {
				return syntaxError(list[end])
			}
			return syntaxError(lastTok(list))
		}
		it := selectItem{toks: part}
		switch {
		case len(part) == 1 && part[0].isOp("*"):
			it.star = true
		case len(part) >= 3 && part[1].isOp("=") && (part[0].kind == tokIdent || part[0].kind == tokString):
			it.alias, it.toks = part[0].s, part[2:]
		case len(part) >= 3 && part[len(part)-2].is("as"):
			it.alias, it.toks = part[len(part)-1].s, part[:len(part)-2]
		case len(part) >= 2 && (part[len(part)-1].kind == tokIdent || part[len(part)-1].kind == tokString) && !reserved[strings.ToLower(part[len(part)-1].s)] && !part[len(part)-2].isOp(".") && aliasable(part[len(part)-2]):
			it.alias, it.toks = part[len(part)-1].s, part[:len(part)-1]
		}
		items = append(items, it)
		start = end + 1
		return nil
	}
	for i, t := range list {
		switch {
		case t.isOp("("):
			depth++
		case t.isOp(")"):
			depth--
		case depth == 0 && t.isOp(","):
			if err := cut(i); err != nil {
				return nil, err
			}
		}
	}
	if err := cut(len(list)); err != nil {
		return nil, err
	}
	return items, nil
}

// aliasable reports whether an alias may follow t without AS: t ends an
// expression (a value, a name, a closing parenthesis).
func aliasable(t token) bool {
	switch t.kind {
	case tokNumber, tokString, tokNString, tokBinary, tokVar:
		return true
	case tokIdent:
		return !reserved[strings.ToLower(t.s)] || t.quoted
	case tokOp:
		return t.s == ")"
	}
	return false
}

// selectValues answers a SELECT without FROM: one row of evaluated
// expressions, typed as SQL Server types them.
func (x *executor) selectValues(items []selectItem, env *evalEnv, top int64) error {
	vals := make([]sqlValue, len(items))
	for i, it := range items {
		if it.star {
			return &sqlError{Number: 263, Class: 16, State: 1, Msg: "Must specify table to select from."}
		}
		p := &parser{toks: it.toks, env: env}
		v, err := p.expr()
		if err != nil {
			return err
		}
		if !p.atEnd() {
			return syntaxError(p.peek())
		}
		vals[i] = v
	}
	cols := make([]tokens.Column, len(vals))
	row := make([]any, len(vals))
	for i, v := range vals {
		if v.null || v.nullable {
			v = v.asNullable()
		}
		if v.kind == valRaw && !echoable(&v.ti) {
			return &sqlError{Number: 206, Class: 16, State: 2, Msg: "Operand type clash: " + sqlTypeName(v.ti) + " is incompatible with the example server's result sets."}
		}
		var flags tokens.ColumnFlags
		if v.nullable {
			flags = tokens.ColNullable
		}
		cols[i] = tokens.Column{Flags: flags, TypeInfo: v.ti, ColName: ucs2(items[i].alias)}
		if v.kind == valRaw {
			cols[i].TypeInfo = rowType(v.ti)
		}
		row[i] = v.goValue()
	}
	if err := x.w.Columns(cols...); err != nil {
		return err
	}
	n := int64(0)
	if top != 0 {
		if err := x.w.Row(row...); err != nil {
			return err
		}
		n = 1
	}
	return x.done(tokens.DoneFinal, n, true)
}

// rowType is the COLMETADATA type for an RPC parameter's type: the same,
// except that a legacy or fixed length is kept as sent.
func rowType(ti sqltype.TypeInfo) sqltype.TypeInfo { return ti }

// tableCol is one column of the sample and big tables.
var tableCols = []string{"id", "name", "price", "created"}

// selectTable answers SELECT list FROM sample|big [WHERE cond].
func (x *executor) selectTable(items []selectItem, fromToks []token, env *evalEnv, top int64) error {
	if len(fromToks) == 0 {
		return syntaxError(token{kind: tokEOF})
	}
	name := fromToks[0].s
	i := 1
	for i+1 < len(fromToks) && fromToks[i].isOp(".") {
		name += "." + fromToks[i+1].s
		i += 2
	}
	if fromToks[0].kind != tokIdent {
		return syntaxError(fromToks[0])
	}
	tbl, ok := tableOf(name)
	if !ok {
		return invalidObject(name)
	}
	rest := fromToks[i:]
	if len(rest) > 0 && (rest[0].is("with") || rest[0].is("as") || rest[0].kind == tokIdent && !reserved[strings.ToLower(rest[0].s)]) {
		// A table hint or an alias: skipped.
		if rest[0].is("with") && len(rest) > 1 && rest[1].isOp("(") {
			j := 2
			for j < len(rest) && !rest[j].isOp(")") {
				j++
			}
			rest = rest[min(j+1, len(rest)):]
		} else if rest[0].is("as") && len(rest) > 1 {
			rest = rest[2:]
		} else if !rest[0].is("with") {
			rest = rest[1:]
		}
	}
	var where []token
	if len(rest) > 0 {
		if !rest[0].is("where") || len(rest) == 1 {
			return syntaxError(rest[0])
		}
		where = rest[1:]
	}
	// Resolve the select list to column indexes (-1: COUNT(*)).
	var idx []int
	var names []string
	for _, it := range items {
		if it.star {
			for j := range tableCols {
				idx = append(idx, j)
				names = append(names, tableCols[j])
			}
			continue
		}
		if len(it.toks) == 4 && it.toks[0].is("count") && it.toks[1].isOp("(") && it.toks[2].isOp("*") && it.toks[3].isOp(")") {
			idx = append(idx, -1)
			names = append(names, it.alias)
			continue
		}
		t := it.toks[len(it.toks)-1]
		if len(it.toks) != 1 && !(len(it.toks) == 3 && it.toks[1].isOp(".")) {
			return &sqlError{Number: 8120, Class: 16, State: 1, Msg: "The example server selects only columns, * and COUNT(*) from its tables."}
		}
		j := colIndex(t.s)
		if j < 0 {
			return invalidColumn(t.s)
		}
		idx = append(idx, j)
		alias := it.alias
		if alias == "" {
			alias = tableCols[j]
		}
		names = append(names, alias)
	}
	full := tableColumns(x.w.Version())
	nrows := len(SampleRows())
	if tbl == tableBig {
		nrows = x.s.server.eng.rows
	}
	x.implicitBegin()
	// COUNT(*) alone: one row.
	if len(idx) == 1 && idx[0] == -1 {
		n := int64(0)
		for r := 1; r <= nrows; r++ {
			ok, err := x.match(tbl, r, where, env)
			if err != nil {
				return err
			}
			if ok {
				n++
			}
		}
		if err := x.w.Columns(tokens.Column{TypeInfo: intType(4, true), Flags: tokens.ColNullable, ColName: ucs2(names[0])}); err != nil {
			return err
		}
		if err := x.w.Row(n); err != nil {
			return err
		}
		return x.done(tokens.DoneFinal, 1, true)
	}
	cols := make([]tokens.Column, len(idx))
	for k, j := range idx {
		if j < 0 {
			return &sqlError{Number: 8120, Class: 16, State: 1, Msg: "Column is invalid in the select list because it is not contained in either an aggregate function or the GROUP BY clause."}
		}
		cols[k] = full.Columns[j]
		cols[k].ColName = ucs2(names[k])
	}
	if err := x.w.Columns(cols...); err != nil {
		return err
	}
	whole := len(idx) == 4 && idx[0] == 0 && idx[1] == 1 && idx[2] == 2 && idx[3] == 3
	sent := int64(0)
	var buf, scratch []byte
	vals := make([]any, len(idx))
	for r := 1; r <= nrows && (top < 0 || sent < top); r++ {
		if len(where) > 0 {
			ok, err := x.match(tbl, r, where, env)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
		}
		if whole {
			var err error
			if tbl == tableBig {
				buf, scratch, err = appendBigRow(buf[:0], scratch, r, x.w.Version())
			} else {
				buf, err = appendRow(buf[:0], SampleRows()[r-1], x.w.Version())
			}
			if err != nil {
				return err
			}
			if err := x.w.RowBytes(buf[1:]); err != nil {
				return err
			}
		} else {
			all := rowValues(tbl, r, x.w.Version())
			for k, j := range idx {
				vals[k] = all[j]
			}
			if err := x.w.Row(vals...); err != nil {
				return err
			}
		}
		sent++
	}
	return x.done(tokens.DoneFinal, sent, true)
}

// implicitBegin opens a transaction when IMPLICIT_TRANSACTIONS is on and
// none is open, as SQL Server does for a statement that reads a table.
func (x *executor) implicitBegin() {
	x.s.Lock()
	on := x.s.Values != nil && x.s.Values["implicit_transactions"] == true && x.s.TranCount == 0
	x.s.Unlock()
	if on {
		x.begin()
	}
}

func colIndex(name string) int {
	for j, c := range tableCols {
		if strings.EqualFold(c, name) {
			return j
		}
	}
	return -1
}

// rowValues returns row r (from 1) of a table as Go values.
func rowValues(tbl table, r int, v tds.Version) []any {
	var row SampleRow
	if tbl == tableBig {
		row = BigRow(r)
	} else {
		row = SampleRows()[r-1]
	}
	out := []any{row.ID, nil, nil, nil}
	if row.Name != nil {
		out[1] = *row.Name
	}
	if row.Price != nil {
		out[2] = *row.Price
	}
	if row.Created != nil {
		if v.AtLeast(tds.Version73A) {
			out[3] = *row.Created
		} else {
			out[3] = row.Created.Format("2006-01-02 15:04:05.0000000")
		}
	}
	return out
}

// match evaluates a WHERE condition on row r.
func (x *executor) match(tbl table, r int, where []token, env *evalEnv) (bool, error) {
	if len(where) == 0 {
		return true, nil
	}
	all := rowValues(tbl, r, tds.Version74)
	cols := tableColumns(tds.Version74).Columns
	rowEnv := &evalEnv{s: env.s, params: map[string]sqlValue{}}
	for k, v := range env.params {
		rowEnv.params[k] = v
	}
	toks := make([]token, len(where))
	copy(toks, where)
	for i, t := range toks {
		if t.kind != tokIdent {
			continue
		}
		if j := colIndex(t.s); j >= 0 && !(i+1 < len(toks) && toks[i+1].isOp("(")) {
			key := "@\x00col" + tableCols[j]
			toks[i] = token{kind: tokVar, s: key, pos: t.pos, line: t.line}
			rowEnv.params[key] = goToValue(cols[j].TypeInfo, all[j])
		}
	}
	p := &parser{toks: toks, env: rowEnv}
	ok, err := p.condition()
	if err != nil {
		return false, err
	}
	if !p.atEnd() {
		return false, syntaxError(p.peek())
	}
	return ok, nil
}

// goToValue wraps a table value for expressions.
func goToValue(ti sqltype.TypeInfo, x any) sqlValue {
	v := sqlValue{ti: ti, nullable: true}
	switch y := x.(type) {
	case nil:
		v.null = true
	case int32:
		v.kind, v.i = valInt, int64(y)
	case string:
		v.kind, v.s = valString, y
	case sqltype.Decimal:
		v.kind, v.d = valDecimal, y
	case time.Time:
		v.kind, v.t = valTime, y
	}
	return v
}

// rpc answers one RPC: the sp_ procedures drivers use for parameterised
// and prepared statements ([MS-TDS] 2.2.6.6 ProcIDs 10 to 15); any other
// procedure does not exist (2812).
func (x *executor) rpc(call *RPCCall) {
	ps := call.Params
	name := strings.TrimPrefix(strings.ToLower(call.Name), "sys.")
	name = strings.TrimPrefix(name, "dbo.")
	if call.ProcID != 0 {
		name = strings.ToLower(call.ProcID.String())
	}
	x.inProc = true
	procFail := func(e *sqlError) {
		x.w.sqlErr(e)
		x.w.DoneProc(tokens.DoneError, 0)
	}
	missing := func(proc, param string) {
		procFail(&sqlError{Number: 201, Class: 16, State: 4, Msg: fmt.Sprintf("Procedure or function '%s' expects parameter '%s', which was not supplied.", proc, param)})
	}
	switch name {
	case "sp_executesql":
		if len(ps) < 1 {
			missing("sp_executesql", "@statement")
			return
		}
		stmt, err := paramString(ps[0].Value)
		if err != nil {
			procFail(&sqlError{Number: 214, Class: 16, State: 2, Msg: "Procedure expects parameter '@statement' of type 'ntext/nchar/nvarchar'."})
			return
		}
		var defs []string
		if len(ps) > 1 {
			d, err := paramString(ps[1].Value)
			if err != nil && !ps[1].Value.IsNull() {
				procFail(&sqlError{Number: 214, Class: 16, State: 3, Msg: "Procedure expects parameter '@params' of type 'ntext/nchar/nvarchar'."})
				return
			}
			defs = paramNames(d)
		}
		x.run(stmt, bind(defs, tail(ps, 2)))
	case "sp_prepare", "sp_prepexec":
		if len(ps) < 3 {
			missing(name, "@stmt")
			return
		}
		defs := ""
		if !ps[1].Value.IsNull() {
			d, err := paramString(ps[1].Value)
			if err != nil {
				procFail(&sqlError{Number: 214, Class: 16, State: 3, Msg: "Procedure expects parameter '@params' of type 'ntext/nchar/nvarchar'."})
				return
			}
			defs = d
		}
		stmt, err := paramString(ps[2].Value)
		if err != nil {
			procFail(&sqlError{Number: 214, Class: 16, State: 2, Msg: "Procedure expects parameter '@stmt' of type 'ntext/nchar/nvarchar'."})
			return
		}
		names := paramNames(defs)
		h, ok := x.s.prepare(prepared{stmt: stmt, names: names})
		if !ok {
			procFail(&sqlError{Number: 8179, Class: 16, State: 2, Msg: fmt.Sprintf("Could not prepare more than %d statements on this connection; unprepare some first.", maxPrepared)})
			return
		}
		if name == "sp_prepexec" {
			values := tail(ps, 3)
			if name == "sp_prepexec" && len(ps) > 3 && call.ProcID == request.ProcPrepExec {
				values = tail(ps, 3)
			}
			if !x.runInProc(stmt, bind(names, values)) {
				return
			}
		}
		x.w.ReturnStatus(0)
		x.w.ReturnValue(ps[0].Name.String(), intType(4, true), h)
		x.w.DoneProc(tokens.DoneFinal, 0)
	case "sp_execute":
		if len(ps) < 1 {
			missing("sp_execute", "@handle")
			return
		}
		p, ok := x.handle(ps[0])
		if !ok {
			procFail(&sqlError{Number: 8179, Class: 16, State: 2, Msg: "Could not find prepared statement with handle " + handleText(ps[0]) + "."})
			return
		}
		x.run(p.stmt, bind(p.names, tail(ps, 1)))
	case "sp_unprepare":
		if len(ps) < 1 {
			missing("sp_unprepare", "@handle")
			return
		}
		if _, ok := x.handle(ps[0]); !ok {
			procFail(&sqlError{Number: 8179, Class: 16, State: 2, Msg: "Could not find prepared statement with handle " + handleText(ps[0]) + "."})
			return
		}
		x.s.unprepare(ps[0])
		x.w.ReturnStatus(0)
		x.w.DoneProc(tokens.DoneFinal, 0)
	default:
		n := call.Name
		if call.ProcID != 0 {
			n = call.ProcID.String()
		}
		procFail(notFoundProc(n))
	}
}

// run executes an RPC's statement and ends the RPC.
func (x *executor) run(stmt string, params map[string]sqlValue) {
	if !x.runInProc(stmt, params) {
		return
	}
	x.w.ReturnStatus(0)
	x.w.DoneProc(tokens.DoneFinal, 0)
}

// runInProc executes stmt inside an RPC; on failure it ends the RPC with
// DONEPROC and DONE_ERROR and reports false.
func (x *executor) runInProc(stmt string, params map[string]sqlValue) bool {
	x.batch(stmt, params, true)
	x.inProc = true
	if x.failed {
		x.w.DoneProc(tokens.DoneError, 0)
		return false
	}
	return true
}

func handleText(p request.Param) string {
	if n, err := p.Value.Int64(); err == nil {
		return strconv.FormatInt(n, 10)
	}
	return "NULL"
}

func (x *executor) handle(p request.Param) (prepared, bool) {
	if p.Value.IsNull() {
		return prepared{}, false
	}
	n, err := p.Value.Int64()
	if err != nil {
		return prepared{}, false
	}
	x.s.Lock()
	defer x.s.Unlock()
	st, ok := x.s.statements[int32(n)]
	return st, ok
}

// paramNames returns the parameter names of a definition list such as
// "@P0 int, @P1 nvarchar(10) OUTPUT", in order.
func paramNames(defs string) []string {
	var out []string
	for _, t := range lex(defs) {
		if t.kind == tokVar {
			out = append(out, strings.ToLower(t.s))
		}
	}
	return out
}

// bind names the values of an RPC: by their own name, or by position in
// the definition list when sent unnamed (as SQL Server binds them).
func bind(names []string, values []request.Param) map[string]sqlValue {
	m := make(map[string]sqlValue, len(values))
	for i, v := range values {
		n := strings.ToLower(v.Name.String())
		if n == "" {
			if i >= len(names) {
				continue
			}
			n = names[i]
		}
		if !strings.HasPrefix(n, "@") {
			n = "@" + n
		}
		m[n] = paramValue(v.Type, v.Value)
	}
	return m
}

// tm answers a transaction manager request ([MS-TDS] 2.2.6.9): local
// transactions begin, commit, roll back and save as BEGIN TRAN, COMMIT,
// ROLLBACK and SAVE TRAN do; distributed ones (DTC) are refused with
// SQL Server's 8501.
func (x *executor) tm(m *request.TransMgrReq) {
	fail := func(e *sqlError) {
		x.w.sqlErr(e)
		x.w.Done(tokens.DoneError, 0)
	}
	switch m.Type {
	case request.TMBeginXact:
		x.begin()
	case request.TMCommitXact, request.TMRollbackXact:
		var err error
		if m.Type == request.TMCommitXact {
			err = x.commit()
		} else {
			err = x.rollback()
		}
		if e, ok := err.(*sqlError); ok {
			fail(e)
			return
		}
		if m.Flags&request.XactBegin != 0 {
			x.begin()
		}
	case request.TMSaveXact:
		x.s.Lock()
		n := x.s.TranCount
		if n > 0 {
			if x.s.Values == nil {
				x.s.Values = map[string]any{}
			}
			x.s.Values["savepoint:"+strings.ToLower(tds.UCS2(m.Name).String())] = true
		}
		x.s.Unlock()
		if n == 0 {
			fail(&sqlError{Number: 628, Class: 16, State: 0, Msg: "Cannot issue SAVE TRANSACTION when there is no active transaction."})
			return
		}
	default:
		fail(&sqlError{Number: 8501, Class: 16, State: 3, Msg: fmt.Sprintf("MSDTC on server '%s' is unavailable.", x.s.server.cfg.ServerName)})
		return
	}
	x.w.Done(tokens.DoneFinal, 0)
}

// prepare keeps a statement for sp_execute and returns its handle, or
// false when the connection already holds maxPrepared statements.
func (s *Session) prepare(p prepared) (int32, bool) {
	s.Lock()
	defer s.Unlock()
	if s.statements == nil {
		s.statements = map[int32]prepared{}
	}
	if len(s.statements) >= maxPrepared {
		return 0, false
	}
	s.nextHandle++
	s.statements[s.nextHandle] = p
	return s.nextHandle, true
}

func (s *Session) unprepare(p request.Param) {
	n, _ := p.Value.Int64()
	s.Lock()
	delete(s.statements, int32(n))
	s.Unlock()
}

// maxValues bounds the savepoints and settings a connection keeps.
const maxValues = 1024

// maxPrepared bounds the statements one connection may keep prepared, so
// that a client that never unprepares cannot grow the server without end.
const maxPrepared = 1024
