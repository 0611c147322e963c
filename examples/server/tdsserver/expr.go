package tdsserver

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tds/sqltype"
)

// sqlError is an error SQL Server would raise for a statement: number,
// class (severity), state and message, as the ERROR token carries them.
type sqlError struct {
	Number int32
	Class  uint8
	State  uint8
	Msg    string
	Line   int32
}

func (e *sqlError) Error() string {
	return fmt.Sprintf("Msg %d, Level %d, State %d: %s", e.Number, e.Class, e.State, e.Msg)
}

// syntaxError is SQL Server's 102 for text it cannot parse, class 15
// state 1, naming the token where parsing stopped.
func syntaxError(t token) *sqlError {
	if t.kind == tokIdent && !t.quoted && (reserved[strings.ToLower(t.s)] || statementStarts[strings.ToLower(t.s)]) {
		return &sqlError{Number: 102, Class: 15, State: 1, Msg: fmt.Sprintf("Incorrect syntax near the keyword '%s'.", t.s), Line: int32(t.line)}
	}
	if t.kind == tokEOF && t.s != "" {
		return &sqlError{Number: 102, Class: 15, State: 1, Msg: fmt.Sprintf("Incorrect syntax near '%s'.", t.s), Line: int32(t.line)}
	}
	if t.kind == tokEOF {
		return &sqlError{Number: 102, Class: 15, State: 1, Msg: "Incorrect syntax near the end of the statement.", Line: int32(t.line)}
	}
	return &sqlError{Number: 102, Class: 15, State: 1, Msg: fmt.Sprintf("Incorrect syntax near '%s'.", t.text()), Line: int32(t.line)}
}

// sqlValue is one value of an expression with the type SQL Server gives it.
type sqlValue struct {
	ti       sqltype.TypeInfo
	nullable bool
	null     bool
	kind     valKind
	i        int64
	f        float64
	s        string
	d        sqltype.Decimal
	b        []byte
	t        time.Time
	raw      sqltype.Value // valRaw: an RPC parameter's value as sent
	variant  *sqlValue     // valVariant: the base value
}

type valKind int

const (
	valInt valKind = iota
	valFloat
	valString
	valDecimal
	valBytes
	valTime
	valBool
	valRaw
	valVariant
)

// Types as SQL Server describes them in COLMETADATA: a fixed-length
// type when the expression cannot be NULL, the nullable form otherwise.
func intType(size uint32, nullable bool) sqltype.TypeInfo {
	if nullable {
		return sqltype.TypeInfo{Type: sqltype.TypeIntN, MaxLen: size}
	}
	switch size {
	case 1:
		return sqltype.TypeInfo{Type: sqltype.TypeInt1, MaxLen: 1}
	case 2:
		return sqltype.TypeInfo{Type: sqltype.TypeInt2, MaxLen: 2}
	case 8:
		return sqltype.TypeInfo{Type: sqltype.TypeInt8, MaxLen: 8}
	}
	return sqltype.TypeInfo{Type: sqltype.TypeInt4, MaxLen: 4}
}

func floatType(nullable bool) sqltype.TypeInfo {
	if nullable {
		return sqltype.TypeInfo{Type: sqltype.TypeFloatN, MaxLen: 8}
	}
	return sqltype.TypeInfo{Type: sqltype.TypeFloat8, MaxLen: 8}
}

func bitType(nullable bool) sqltype.TypeInfo {
	if nullable {
		return sqltype.TypeInfo{Type: sqltype.TypeBitN, MaxLen: 1}
	}
	return sqltype.TypeInfo{Type: sqltype.TypeBit, MaxLen: 1}
}

// numericType is numeric(p,s): 5, 9, 13 or 17 bytes by precision
// ([MS-TDS] 2.2.5.5.1.6).
func numericType(p, s uint8) sqltype.TypeInfo {
	n := uint32(17)
	switch {
	case p <= 9:
		n = 5
	case p <= 19:
		n = 9
	case p <= 28:
		n = 13
	}
	return sqltype.TypeInfo{Type: sqltype.TypeNumericN, MaxLen: n, Precision: p, Scale: s}
}

// nvarcharType is nvarchar(n), n characters (0: nvarchar(max)).
func nvarcharType(n int) sqltype.TypeInfo {
	if n <= 0 || n > 4000 {
		return sqltype.TypeInfo{Type: sqltype.TypeNVarChar, MaxLen: sqltype.MaxLenMax, Collation: collation}
	}
	return sqltype.TypeInfo{Type: sqltype.TypeNVarChar, MaxLen: uint32(2 * n), Collation: collation}
}

// varcharType is varchar(n) (0: varchar(max)).
func varcharType(n int) sqltype.TypeInfo {
	if n <= 0 || n > 8000 {
		return sqltype.TypeInfo{Type: sqltype.TypeBigVarChar, MaxLen: sqltype.MaxLenMax, Collation: collation}
	}
	return sqltype.TypeInfo{Type: sqltype.TypeBigVarChar, MaxLen: uint32(n), Collation: collation}
}

func varbinaryType(n int) sqltype.TypeInfo {
	if n <= 0 || n > 8000 {
		return sqltype.TypeInfo{Type: sqltype.TypeBigVarBinary, MaxLen: sqltype.MaxLenMax}
	}
	return sqltype.TypeInfo{Type: sqltype.TypeBigVarBinary, MaxLen: uint32(n)}
}

func datetimeType(nullable bool) sqltype.TypeInfo {
	if nullable {
		return sqltype.TypeInfo{Type: sqltype.TypeDateTimeN, MaxLen: 8}
	}
	return sqltype.TypeInfo{Type: sqltype.TypeDateTime, MaxLen: 8}
}

func datetime2Type(scale uint8) sqltype.TypeInfo {
	return sqltype.TypeInfo{Type: sqltype.TypeDateTime2N, MaxLen: 8, Scale: scale}
}

func intValue(x int64, size uint32) sqlValue {
	return sqlValue{ti: intType(size, false), kind: valInt, i: x}
}

func nvarcharValue(s string, n int) sqlValue {
	if n == 0 {
		n = max(1, utf8.RuneCountInString(s))
	}
	return sqlValue{ti: nvarcharType(n), nullable: true, kind: valString, s: s}
}

func nullOf(ti sqltype.TypeInfo) sqlValue {
	return sqlValue{ti: ti, nullable: true, null: true}
}

// asNullable turns a fixed-length type into its nullable form.
func (v sqlValue) asNullable() sqlValue {
	if v.nullable {
		return v
	}
	v.nullable = true
	switch v.ti.Type {
	case sqltype.TypeInt1, sqltype.TypeInt2, sqltype.TypeInt4, sqltype.TypeInt8:
		v.ti = intType(v.ti.MaxLen, true)
	case sqltype.TypeFloat8:
		v.ti = floatType(true)
	case sqltype.TypeBit:
		v.ti = bitType(true)
	case sqltype.TypeDateTime:
		v.ti = datetimeType(true)
	}
	return v
}

// goValue returns v as the Go value ResponseWriter.Row encodes.
func (v sqlValue) goValue() any {
	if v.null {
		return nil
	}
	switch v.kind {
	case valInt:
		return v.i
	case valFloat:
		return v.f
	case valString:
		return v.s
	case valDecimal:
		return v.d
	case valBytes:
		return v.b
	case valTime:
		return v.t
	case valBool:
		return v.i != 0
	case valRaw:
		return v.raw
	case valVariant:
		return Variant{Base: v.variant.ti, Value: v.variant.goValue()}
	}
	return nil
}

// isNumeric reports whether v holds a number.
func (v sqlValue) isNumeric() bool {
	switch v.kind {
	case valInt, valFloat, valDecimal, valBool:
		return true
	case valRaw:
		switch v.raw.Type() {
		case sqltype.TypeInt1, sqltype.TypeInt2, sqltype.TypeInt4, sqltype.TypeInt8, sqltype.TypeIntN,
			sqltype.TypeFloat4, sqltype.TypeFloat8, sqltype.TypeFloatN, sqltype.TypeBit, sqltype.TypeBitN,
			sqltype.TypeDecimalN, sqltype.TypeNumericN:
			return true
		}
	}
	return false
}

// float returns v as a float64 (numbers and numeric text).
func (v sqlValue) float() (float64, bool) {
	switch v.kind {
	case valInt, valBool:
		return float64(v.i), true
	case valFloat:
		return v.f, true
	case valDecimal:
		f, err := strconv.ParseFloat(v.d.String(), 64)
		return f, err == nil
	case valString:
		f, err := strconv.ParseFloat(strings.TrimSpace(v.s), 64)
		return f, err == nil
	case valRaw:
		if f, err := v.raw.Float64(); err == nil {
			return f, true
		}
		if n, err := v.raw.Int64(); err == nil {
			return float64(n), true
		}
		if d, err := v.raw.Decimal(); err == nil {
			f, err := strconv.ParseFloat(d.String(), 64)
			return f, err == nil
		}
		if s, ok := v.text(); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
			return f, err == nil
		}
	}
	return 0, false
}

// integer returns v as an int64 when it holds an integer.
func (v sqlValue) integer() (int64, bool) {
	switch v.kind {
	case valInt, valBool:
		return v.i, true
	case valRaw:
		n, err := v.raw.Int64()
		return n, err == nil
	}
	return 0, false
}

// text returns v as text.
func (v sqlValue) text() (string, bool) {
	switch v.kind {
	case valString:
		return v.s, true
	case valInt, valBool:
		return strconv.FormatInt(v.i, 10), true
	case valFloat:
		return strconv.FormatFloat(v.f, 'g', -1, 64), true
	case valDecimal:
		return v.d.String(), true
	case valRaw:
		if s, err := paramString(v.raw); err == nil {
			return s, true
		}
		if n, err := v.raw.Int64(); err == nil {
			return strconv.FormatInt(n, 10), true
		}
		if f, err := v.raw.Float64(); err == nil {
			return strconv.FormatFloat(f, 'g', -1, 64), true
		}
		if d, err := v.raw.Decimal(); err == nil {
			return d.String(), true
		}
	}
	return "", false
}

// evalEnv is what expressions can see: the session and the RPC
// parameters of the statement (lower-cased names).
type evalEnv struct {
	s      *Session
	params map[string]sqlValue
}

// parser reads an expression list from tokens.
type parser struct {
	toks  []token
	i     int
	env   *evalEnv
	depth int // nesting of unary operators, parentheses and calls
}

// maxDepth bounds expression nesting, as SQL Server does (error 191), so
// that hostile text cannot exhaust the stack.
const maxDepth = 128

func (p *parser) enter() error {
	p.depth++
	if p.depth > maxDepth {
		return &sqlError{Number: 191, Class: 15, State: 1, Msg: "Some part of your SQL statement is nested too deeply. Rewrite the query or break it up into smaller queries."}
	}
	return nil
}

func (p *parser) peek() token {
	if p.i < len(p.toks) {
		return p.toks[p.i]
	}
	// At the end SQL Server names the last token it read.
	if len(p.toks) > 0 {
		last := p.toks[len(p.toks)-1]
		return token{kind: tokEOF, s: last.s, line: last.line}
	}
	return token{kind: tokEOF, line: 1}
}

func (p *parser) next() token {
	t := p.peek()
	if p.i < len(p.toks) {
		p.i++
	}
	return t
}

func (p *parser) atEnd() bool { return p.i >= len(p.toks) }

func (p *parser) expectOp(op string) error {
	if t := p.next(); !t.isOp(op) {
		return syntaxError(t)
	}
	return nil
}

// expr parses and evaluates an expression: comparisons are not
// expressions in T-SQL, so this is + - over * / % over unary terms.
func (p *parser) expr() (sqlValue, error) {
	l, err := p.term()
	if err != nil {
		return l, err
	}
	for {
		t := p.peek()
		if !(t.isOp("+") || t.isOp("-")) {
			return l, nil
		}
		p.next()
		r, err := p.term()
		if err != nil {
			return r, err
		}
		if l, err = arith(t.s, l, r); err != nil {
			return l, err
		}
	}
}

func (p *parser) term() (sqlValue, error) {
	l, err := p.unary()
	if err != nil {
		return l, err
	}
	for {
		t := p.peek()
		if !(t.isOp("*") || t.isOp("/") || t.isOp("%")) {
			return l, nil
		}
		p.next()
		r, err := p.unary()
		if err != nil {
			return r, err
		}
		if l, err = arith(t.s, l, r); err != nil {
			return l, err
		}
	}
}

func (p *parser) unary() (sqlValue, error) {
	if err := p.enter(); err != nil {
		return sqlValue{}, err
	}
	defer func() { p.depth-- }()
	t := p.peek()
	if t.isOp("-") || t.isOp("+") {
		p.next()
		v, err := p.unary()
		if err != nil || t.s == "+" {
			return v, err
		}
		return negate(v)
	}
	return p.primary()
}

func negate(v sqlValue) (sqlValue, error) {
	if v.null {
		return v, nil
	}
	switch v.kind {
	case valInt:
		if v.i == math.MinInt64 {
			return v, overflow(v.ti)
		}
		v.i = -v.i
		if v.ti.MaxLen == 4 && v.i == math.MinInt32 {
			return v, nil
		}
	case valFloat:
		v.f = -v.f
	case valDecimal:
		v.d.Negative = !v.d.Negative
	default:
		return v, &sqlError{Number: 8117, Class: 16, State: 1, Msg: "Operand data type is invalid for minus operator."}
	}
	return v, nil
}

func overflow(ti sqltype.TypeInfo) error {
	name := "int"
	if ti.MaxLen == 8 {
		name = "bigint"
	}
	return &sqlError{Number: 8115, Class: 16, State: 2, Msg: "Arithmetic overflow error converting expression to data type " + name + "."}
}

// arith applies a binary operator, with SQL Server's result types for
// integers (the wider operand, int at least), floats and strings (+ is
// concatenation); decimals are computed as floats.
func arith(op string, l, r sqlValue) (sqlValue, error) {
	nullable := l.nullable || r.nullable
	if op == "+" && !l.isNumeric() && !r.isNumeric() {
		ls, ok1 := l.text()
		rs, ok2 := r.text()
		if !(ok1 || l.null) || !(ok2 || r.null) {
			return l, &sqlError{Number: 402, Class: 16, State: 1, Msg: "The data types of the operands are incompatible in the add operator."}
		}
		unicode := l.ti.Type == sqltype.TypeNVarChar || r.ti.Type == sqltype.TypeNVarChar || l.kind == valRaw || r.kind == valRaw
		n := utf8.RuneCountInString(ls) + utf8.RuneCountInString(rs)
		var v sqlValue
		if unicode {
			v = nvarcharValue(ls+rs, n)
		} else {
			v = sqlValue{ti: varcharType(max(1, n)), nullable: true, kind: valString, s: ls + rs}
		}
		if l.null || r.null {
			return nullOf(v.ti), nil
		}
		return v, nil
	}
	li, lok := l.integer()
	ri, rok := r.integer()
	if lok && rok && l.kind != valBool && r.kind != valBool || (l.null || r.null) && (lok || l.null) && (rok || r.null) {
		size := uint32(4)
		if l.ti.MaxLen == 8 || r.ti.MaxLen == 8 {
			size = 8
		}
		ti := intType(size, nullable)
		if l.null || r.null {
			return nullOf(intType(size, true)), nil
		}
		var x int64
		var ok bool
		switch op {
		case "+":
			x = li + ri
			ok = (ri >= 0) == (x >= li)
		case "-":
			x = li - ri
			ok = (ri >= 0) == (x <= li)
		case "*":
			x = li * ri
			ok = li == 0 || (x/li == ri && !(li == -1 && ri == math.MinInt64))
		case "/", "%":
			if ri == 0 {
				return l, &sqlError{Number: 8134, Class: 16, State: 1, Msg: "Divide by zero error encountered."}
			}
			if op == "/" {
				x = li / ri
			} else {
				x = li % ri
			}
			ok = !(li == math.MinInt64 && ri == -1)
		}
		if !ok || size == 4 && (x > math.MaxInt32 || x < math.MinInt32) {
			return l, overflow(ti)
		}
		return sqlValue{ti: ti, nullable: nullable, kind: valInt, i: x}, nil
	}
	lf, lok := l.float()
	rf, rok := r.float()
	if (!lok && !l.null) || (!rok && !r.null) {
		return l, &sqlError{Number: 8114, Class: 16, State: 5, Msg: "Error converting data type varchar to float."}
	}
	if l.null || r.null {
		return nullOf(floatType(true)), nil
	}
	var x float64
	switch op {
	case "+":
		x = lf + rf
	case "-":
		x = lf - rf
	case "*":
		x = lf * rf
	case "/", "%":
		if rf == 0 {
			return l, &sqlError{Number: 8134, Class: 16, State: 1, Msg: "Divide by zero error encountered."}
		}
		if op == "/" {
			x = lf / rf
		} else {
			x = math.Mod(lf, rf)
		}
	}
	return sqlValue{ti: floatType(nullable), nullable: nullable, kind: valFloat, f: x}, nil
}

// compare evaluates l op r for IF and WHERE; NULL compares as unknown
// (false).
func compare(op string, l, r sqlValue) (bool, error) {
	if l.null || r.null {
		return false, nil
	}
	var c int
	if l.isNumeric() || r.isNumeric() {
		lf, ok1 := l.float()
		rf, ok2 := r.float()
		if !ok1 || !ok2 {
			return false, &sqlError{Number: 245, Class: 16, State: 1, Msg: "Conversion failed when converting a value to data type int."}
		}
		switch {
		case lf < rf:
			c = -1
		case lf > rf:
			c = 1
		}
	} else {
		ls, _ := l.text()
		rs, _ := r.text()
		// SQL_Latin1_General_CP1_CI_AS: case-insensitive, trailing
		// spaces ignored.
		c = strings.Compare(strings.ToLower(strings.TrimRight(ls, " ")), strings.ToLower(strings.TrimRight(rs, " ")))
	}
	switch op {
	case "=":
		return c == 0, nil
	case "<>", "!=":
		return c != 0, nil
	case "<":
		return c < 0, nil
	case ">":
		return c > 0, nil
	case "<=", "!>":
		return c <= 0, nil
	case ">=", "!<":
		return c >= 0, nil
	}
	return false, &sqlError{Number: 102, Class: 15, State: 1, Msg: fmt.Sprintf("Incorrect syntax near '%s'.", op)}
}

// condition parses "expr op expr" [AND|OR ...] and evaluates it.
func (p *parser) condition() (bool, error) {
	res, err := p.comparison()
	if err != nil {
		return false, err
	}
	for {
		t := p.peek()
		switch {
		case t.is("and"):
			p.next()
			r, err := p.comparison()
			if err != nil {
				return false, err
			}
			res = res && r
		case t.is("or"):
			p.next()
			r, err := p.comparison()
			if err != nil {
				return false, err
			}
			res = res || r
		default:
			return res, nil
		}
	}
}

func (p *parser) comparison() (bool, error) {
	if err := p.enter(); err != nil {
		return false, err
	}
	defer func() { p.depth-- }()
	if p.peek().is("not") {
		p.next()
		r, err := p.comparison()
		return !r, err
	}
	l, err := p.expr()
	if err != nil {
		return false, err
	}
	t := p.next()
	if t.is("is") {
		not := false
		if p.peek().is("not") {
			p.next()
			not = true
		}
		if n := p.next(); !n.is("null") {
			return false, syntaxError(n)
		}
		return l.null != not, nil
	}
	if t.kind != tokOp {
		return false, syntaxError(t)
	}
	switch t.s {
	case "=", "<>", "!=", "<", ">", "<=", ">=", "!<", "!>":
	default:
		return false, syntaxError(t)
	}
	r, err := p.expr()
	if err != nil {
		return false, err
	}
	return compare(t.s, l, r)
}

// primary evaluates a literal, variable, function call, CAST/CONVERT or
// parenthesised expression.
func (p *parser) primary() (sqlValue, error) {
	t := p.next()
	switch t.kind {
	case tokNumber:
		return numberLiteral(t)
	case tokString:
		return sqlValue{ti: varcharType(max(1, len(t.s))), kind: valString, s: t.s}, nil
	case tokNString:
		v := nvarcharValue(t.s, 0)
		v.nullable = false
		return v, nil
	case tokBinary:
		b, err := parseHex(t.s[2:])
		if err != nil {
			return sqlValue{}, syntaxError(t)
		}
		return sqlValue{ti: varbinaryType(max(1, len(b))), kind: valBytes, b: b}, nil
	case tokVar:
		return p.variable(t)
	case tokOp:
		if t.s == "(" {
			v, err := p.expr()
			if err != nil {
				return v, err
			}
			return v, p.expectOp(")")
		}
	case tokIdent:
		if t.quoted {
			return sqlValue{}, invalidColumn(t.s)
		}
		if t.is("null") {
			return nullOf(intType(4, true)), nil
		}
		if p.peek().isOp("(") {
			p.next()
			return p.function(t)
		}
		if t.is("current_timestamp") {
			return sqlValue{ti: datetimeType(false), kind: valTime, t: time.Now().UTC()}, nil
		}
		if t.is("current_user") || t.is("session_user") || t.is("user") || t.is("system_user") {
			return nvarcharValue(p.env.s.User, 128), nil
		}
		if statementStarts[strings.ToLower(t.s)] || reserved[strings.ToLower(t.s)] {
			return sqlValue{}, syntaxError(t)
		}
		return sqlValue{}, invalidColumn(t.s)
	}
	return sqlValue{}, syntaxError(t)
}

var reserved = map[string]bool{"from": true, "where": true, "as": true, "and": true, "or": true, "not": true, "into": true, "order": true, "group": true, "by": true, "having": true, "union": true, "end": true, "else": true, "then": true, "when": true, "case": true}

func invalidColumn(name string) error {
	return &sqlError{Number: 207, Class: 16, State: 1, Msg: fmt.Sprintf("Invalid column name '%s'.", name)}
}

func parseHex(s string) ([]byte, error) {
	if len(s)%2 == 1 {
		s = "0" + s
	}
	b := make([]byte, len(s)/2)
	for i := range b {
		x, err := strconv.ParseUint(s[2*i:2*i+2], 16, 8)
		if err != nil {
			return nil, err
		}
		b[i] = byte(x)
	}
	return b, nil
}

// numberLiteral types a number as SQL Server does: an integer that fits
// int is int, a larger one numeric(p,0); a number with a point is
// numeric(p,s) of its digits; one with an exponent is float.
func numberLiteral(t token) (sqlValue, error) {
	s := t.s
	if strings.ContainsAny(s, "eE") {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return sqlValue{}, syntaxError(t)
		}
		return sqlValue{ti: floatType(false), kind: valFloat, f: f}, nil
	}
	if !strings.Contains(s, ".") {
		if n, err := strconv.ParseInt(s, 10, 32); err == nil {
			return intValue(n, 4), nil
		}
	}
	if strings.Count(s, ".") > 1 {
		return sqlValue{}, syntaxError(t)
	}
	intPart, frac, _ := strings.Cut(s, ".")
	intPart = strings.TrimLeft(intPart, "0")
	prec := len(intPart) + len(frac)
	if prec == 0 {
		prec = 1
	}
	if prec > 38 {
		return sqlValue{}, &sqlError{Number: 1007, Class: 15, State: 1, Msg: fmt.Sprintf("The number '%s' is out of the range for numeric representation (maximum precision 38).", s), Line: int32(t.line)}
	}
	d, err := sqltype.ParseDecimal(s)
	if err != nil {
		return sqlValue{}, syntaxError(t)
	}
	return sqlValue{ti: numericType(uint8(prec), uint8(len(frac))), kind: valDecimal, d: d}, nil
}

// variable evaluates @name (an RPC parameter) or @@name (a server
// variable).
func (p *parser) variable(t token) (sqlValue, error) {
	name := strings.ToLower(t.s)
	s := p.env.s
	if !strings.HasPrefix(name, "@@") {
		if v, ok := p.env.params[name]; ok {
			return v, nil
		}
		return sqlValue{}, &sqlError{Number: 137, Class: 15, State: 2, Msg: fmt.Sprintf("Must declare the scalar variable \"%s\".", t.s), Line: int32(t.line)}
	}
	switch name {
	case "@@version":
		return nvarcharValue(VersionString, 300), nil
	case "@@spid":
		return intValue(int64(s.SPID), 2), nil
	case "@@servername", "@@servicename":
		v := nvarcharValue(s.server.cfg.ServerName, 128)
		if name == "@@servicename" {
			v.s = "MSSQLSERVER"
		}
		return v, nil
	case "@@max_precision":
		return intValue(38, 1), nil
	case "@@trancount":
		return intValue(int64(s.TranCount), 4), nil
	case "@@language":
		return nvarcharValue("us_english", 128), nil
	case "@@rowcount":
		return intValue(s.rowCount, 4), nil
	case "@@error":
		return intValue(int64(s.lastError), 4), nil
	case "@@identity":
		return nullOf(numericType(38, 0)), nil
	case "@@options":
		return intValue(5496, 4), nil
	case "@@textsize":
		return intValue(int64(s.textSize), 4), nil
	case "@@lock_timeout":
		return intValue(-1, 4), nil
	case "@@datefirst":
		return intValue(7, 1), nil
	case "@@microsoftversion":
		return intValue(int64(serverVersion.Major)<<24|int64(serverVersion.Build), 4), nil
	case "@@nestlevel", "@@procid", "@@fetch_status":
		return intValue(0, 4), nil
	case "@@dbts":
		return sqlValue{ti: varbinaryType(8), kind: valBytes, b: []byte{0, 0, 0, 0, 0, 0, 0x07, 0xD1}}, nil
	}
	return sqlValue{}, &sqlError{Number: 137, Class: 15, State: 2, Msg: fmt.Sprintf("Must declare the scalar variable \"%s\".", t.s), Line: int32(t.line)}
}

// args parses a function's arguments up to its closing parenthesis.
func (p *parser) args() ([]sqlValue, error) {
	var out []sqlValue
	if p.peek().isOp(")") {
		p.next()
		return nil, nil
	}
	for {
		v, err := p.expr()
		if err != nil {
			return nil, err
		}
		out = append(out, v)
		t := p.next()
		if t.isOp(")") {
			return out, nil
		}
		if !t.isOp(",") {
			return nil, syntaxError(t)
		}
	}
}

func argCount(name string, got, want int) error {
	if got == want {
		return nil
	}
	return &sqlError{Number: 174, Class: 15, State: 1, Msg: fmt.Sprintf("The %s function requires %d argument(s).", strings.ToLower(name), want)}
}

// function evaluates a built-in function call (the name is t, the
// opening parenthesis read).
func (p *parser) function(t token) (sqlValue, error) {
	name := strings.ToLower(t.s)
	s := p.env.s
	switch name {
	case "cast":
		v, err := p.expr()
		if err != nil {
			return v, err
		}
		if a := p.next(); !a.is("as") {
			return v, syntaxError(a)
		}
		ti, err := p.typeName()
		if err != nil {
			return v, err
		}
		if err := p.expectOp(")"); err != nil {
			return v, err
		}
		return convert(v, ti)
	case "convert", "try_convert":
		ti, err := p.typeName()
		if err != nil {
			return sqlValue{}, err
		}
		if err := p.expectOp(","); err != nil {
			return sqlValue{}, err
		}
		v, err := p.expr()
		if err != nil {
			return v, err
		}
		if p.peek().isOp(",") { // style
			p.next()
			if _, err := p.expr(); err != nil {
				return v, err
			}
		}
		if err := p.expectOp(")"); err != nil {
			return v, err
		}
		r, err := convert(v, ti)
		if err != nil && name == "try_convert" {
			return nullOf(r.ti), nil
		}
		return r, err
	}
	args, err := p.args()
	if err != nil {
		return sqlValue{}, err
	}
	switch name {
	case "db_name":
		if len(args) > 1 {
			return sqlValue{}, argCount(name, len(args), 1)
		}
		return nvarcharValue(s.Database, 128), nil
	case "schema_name":
		return nvarcharValue("dbo", 128), nil
	case "user_name", "current_user":
		return nvarcharValue("dbo", 128), nil
	case "suser_sname", "suser_name", "original_login":
		return nvarcharValue(s.User, 128), nil
	case "host_name":
		return nvarcharValue(s.Host, 128), nil
	case "app_name":
		return nvarcharValue(s.App, 128), nil
	case "db_id":
		return intValue(1, 2).asNullable(), nil
	case "serverproperty":
		if err := argCount(name, len(args), 1); err != nil {
			return sqlValue{}, err
		}
		prop, _ := args[0].text()
		return serverProperty(s, prop), nil
	case "getdate", "current_timestamp":
		return sqlValue{ti: datetimeType(false), kind: valTime, t: time.Now()}, nil
	case "getutcdate":
		return sqlValue{ti: datetimeType(false), kind: valTime, t: time.Now().UTC()}, nil
	case "sysdatetime":
		return sqlValue{ti: datetime2Type(7), kind: valTime, t: time.Now()}, nil
	case "sysutcdatetime":
		return sqlValue{ti: datetime2Type(7), kind: valTime, t: time.Now().UTC()}, nil
	case "isnull":
		if err := argCount(name, len(args), 2); err != nil {
			return sqlValue{}, err
		}
		if args[0].null {
			r, err := convert(args[1], args[0].ti)
			if err != nil {
				return r, err
			}
			r.nullable = args[1].nullable
			return r, nil
		}
		return args[0], nil
	case "coalesce":
		if len(args) < 2 {
			return sqlValue{}, &sqlError{Number: 189, Class: 15, State: 1, Msg: "The coalesce function requires 2 to 255 arguments."}
		}
		for _, a := range args {
			if !a.null {
				return a, nil
			}
		}
		return args[0], nil
	case "len":
		if err := argCount(name, len(args), 1); err != nil {
			return sqlValue{}, err
		}
		if args[0].null {
			return nullOf(intType(4, true)), nil
		}
		txt, _ := args[0].text()
		return intValue(int64(utf8.RuneCountInString(strings.TrimRight(txt, " "))), 4).asNullable(), nil
	case "upper", "lower", "ltrim", "rtrim", "trim":
		if err := argCount(name, len(args), 1); err != nil {
			return sqlValue{}, err
		}
		v := args[0]
		if v.null {
			return v, nil
		}
		txt, _ := v.text()
		switch name {
		case "upper":
			txt = strings.ToUpper(txt)
		case "lower":
			txt = strings.ToLower(txt)
		case "ltrim":
			txt = strings.TrimLeft(txt, " ")
		case "rtrim":
			txt = strings.TrimRight(txt, " ")
		default:
			txt = strings.Trim(txt, " ")
		}
		if v.kind == valRaw || v.ti.Type == sqltype.TypeNVarChar {
			return nvarcharValue(txt, 0), nil
		}
		return sqlValue{ti: varcharType(max(1, len(txt))), nullable: true, kind: valString, s: txt}, nil
	case "abs":
		if err := argCount(name, len(args), 1); err != nil {
			return sqlValue{}, err
		}
		v := args[0]
		if (v.kind == valInt && v.i < 0) || (v.kind == valFloat && v.f < 0) || (v.kind == valDecimal && v.d.Negative) {
			return negate(v)
		}
		return v, nil
	case "newid":
		return sqlValue{ti: sqltype.TypeInfo{Type: sqltype.TypeGUID, MaxLen: 16}, kind: valBytes, b: []byte{0x6F, 0x9A, 0x1B, 0x7C, 0x2D, 0x4E, 0x11, 0xEF, 0x9C, 0xD5, 0x02, 0x42, 0xAC, 0x12, 0x00, 0x02}}, nil
	case "scope_identity", "ident_current":
		return nullOf(numericType(38, 0)), nil
	case "object_id":
		return nullOf(intType(4, true)), nil
	case "is_srvrolemember", "is_member":
		return intValue(1, 4).asNullable(), nil
	case "databasepropertyex":
		if err := argCount(name, len(args), 2); err != nil {
			return sqlValue{}, err
		}
		prop, _ := args[1].text()
		var base sqlValue
		switch strings.ToLower(prop) {
		case "collation":
			base = nvarcharValue("SQL_Latin1_General_CP1_CI_AS", 128)
		case "status":
			base = nvarcharValue("ONLINE", 128)
		case "updateability":
			base = nvarcharValue("READ_WRITE", 128)
		case "version":
			base = intValue(957, 4)
		default:
			return nullOf(sqltype.TypeInfo{Type: sqltype.TypeVariant, MaxLen: 8016}), nil
		}
		return variantOf(base), nil
	}
	return sqlValue{}, &sqlError{Number: 195, Class: 15, State: 10, Msg: fmt.Sprintf("'%s' is not a recognized built-in function name.", t.s), Line: int32(t.line)}
}

// variantOf wraps a value in sql_variant, the type of SERVERPROPERTY and
// DATABASEPROPERTYEX ([MS-TDS] 2.2.5.5.4).
func variantOf(base sqlValue) sqlValue {
	b := base
	return sqlValue{ti: sqltype.TypeInfo{Type: sqltype.TypeVariant, MaxLen: 8016}, nullable: true, kind: valVariant, variant: &b}
}

func serverProperty(s *Session, prop string) sqlValue {
	v := serverVersion
	var base sqlValue
	switch strings.ToLower(prop) {
	case "productversion":
		base = nvarcharValue(fmt.Sprintf("%d.%d.%d.0", v.Major, v.Minor, v.Build), 128)
	case "productlevel":
		base = nvarcharValue("RTM", 128)
	case "productmajorversion":
		base = nvarcharValue(strconv.Itoa(int(v.Major)), 128)
	case "edition":
		base = nvarcharValue("Developer Edition (64-bit)", 128)
	case "engineedition":
		base = intValue(3, 4)
	case "servername", "machinename":
		base = nvarcharValue(s.server.cfg.ServerName, 128)
	case "instancename":
		return nullOf(sqltype.TypeInfo{Type: sqltype.TypeVariant, MaxLen: 8016})
	case "collation":
		base = nvarcharValue("SQL_Latin1_General_CP1_CI_AS", 128)
	case "isclustered", "ishadrenabled", "isintegratedsecurityonly", "issingleuser":
		base = intValue(0, 4)
	case "processid":
		base = intValue(4242, 4)
	default:
		return nullOf(sqltype.TypeInfo{Type: sqltype.TypeVariant, MaxLen: 8016})
	}
	return variantOf(base)
}

// typeName parses a data type for CAST and CONVERT.
func (p *parser) typeName() (sqltype.TypeInfo, error) {
	t := p.next()
	if t.kind != tokIdent {
		return sqltype.TypeInfo{}, syntaxError(t)
	}
	var n []int
	if p.peek().isOp("(") {
		p.next()
		for {
			a := p.next()
			switch {
			case a.is("max"):
				n = append(n, 0)
			case a.kind == tokNumber:
				x, err := strconv.Atoi(a.s)
				if err != nil {
					return sqltype.TypeInfo{}, syntaxError(a)
				}
				n = append(n, x)
			default:
				return sqltype.TypeInfo{}, syntaxError(a)
			}
			c := p.next()
			if c.isOp(")") {
				break
			}
			if !c.isOp(",") {
				return sqltype.TypeInfo{}, syntaxError(c)
			}
		}
	}
	arg := func(i, def int) int {
		if i < len(n) {
			return n[i]
		}
		return def
	}
	switch strings.ToLower(t.s) {
	case "int", "integer":
		return intType(4, true), nil
	case "bigint":
		return intType(8, true), nil
	case "smallint":
		return intType(2, true), nil
	case "tinyint":
		return intType(1, true), nil
	case "bit":
		return bitType(true), nil
	case "float":
		return floatType(true), nil
	case "real":
		return sqltype.TypeInfo{Type: sqltype.TypeFloatN, MaxLen: 4}, nil
	case "decimal", "numeric", "dec":
		pr, sc := arg(0, 18), arg(1, 0)
		if pr < 1 || pr > 38 || sc < 0 || sc > pr {
			return sqltype.TypeInfo{}, &sqlError{Number: 1002, Class: 15, State: 1, Msg: "Specified scale is invalid or column or parameter precision is out of range."}
		}
		ti := numericType(uint8(pr), uint8(sc))
		if !strings.EqualFold(t.s, "numeric") {
			ti.Type = sqltype.TypeDecimalN
		}
		return ti, nil
	case "varchar", "char":
		ti := varcharType(arg(0, 30))
		if strings.EqualFold(t.s, "char") && ti.MaxLen != sqltype.MaxLenMax {
			ti.Type = sqltype.TypeBigChar
		}
		return ti, nil
	case "nvarchar", "nchar", "sysname":
		if strings.EqualFold(t.s, "sysname") {
			return nvarcharType(128), nil
		}
		ti := nvarcharType(arg(0, 30))
		if strings.EqualFold(t.s, "nchar") && ti.MaxLen != sqltype.MaxLenMax {
			ti.Type = sqltype.TypeNChar
		}
		return ti, nil
	case "varbinary", "binary":
		return varbinaryType(arg(0, 30)), nil
	case "datetime":
		return datetimeType(true), nil
	case "datetime2":
		return datetime2Type(uint8(arg(0, 7))), nil
	case "date":
		return sqltype.TypeInfo{Type: sqltype.TypeDateN, MaxLen: 3}, nil
	}
	return sqltype.TypeInfo{}, &sqlError{Number: 243, Class: 16, State: 2, Msg: fmt.Sprintf("Type %s is not a defined system type.", t.s), Line: int32(t.line)}
}

// convert casts v to ti, with SQL Server's error 245 (or 8114) for text
// that is not a number.
func convert(v sqlValue, ti sqltype.TypeInfo) (sqlValue, error) {
	out := sqlValue{ti: ti, nullable: true}
	if v.null {
		out.null = true
		return out, nil
	}
	if !v.nullable {
		// CAST keeps a non-NULL input non-NULL: a fixed-length type.
		switch ti.Type {
		case sqltype.TypeIntN:
			out.ti, out.nullable = intType(ti.MaxLen, false), false
		case sqltype.TypeBitN:
			out.ti, out.nullable = bitType(false), false
		case sqltype.TypeFloatN:
			if ti.MaxLen == 8 {
				out.ti, out.nullable = floatType(false), false
			}
		case sqltype.TypeDateTimeN:
			out.ti, out.nullable = datetimeType(false), false
		}
	}
	typeName := strings.ToLower(sqlTypeName(ti))
	convFail := func() error {
		txt, _ := v.text()
		kind := "varchar"
		if v.ti.Type == sqltype.TypeNVarChar || v.kind == valRaw {
			kind = "nvarchar"
		}
		return &sqlError{Number: 245, Class: 16, State: 1, Msg: fmt.Sprintf("Conversion failed when converting the %s value '%s' to data type %s.", kind, txt, typeName)}
	}
	switch ti.Type {
	case sqltype.TypeIntN, sqltype.TypeBitN:
		var x int64
		if n, ok := v.integer(); ok {
			x = n
		} else if f, ok := v.float(); ok && v.kind != valString {
			x = int64(f)
		} else if txt, ok := v.text(); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(txt), 10, 64)
			if err != nil {
				return out, convFail()
			}
			x = n
		} else {
			return out, convFail()
		}
		if ti.Type == sqltype.TypeBitN {
			out.kind = valBool
			if x != 0 {
				x = 1
			}
			out.i = x
			return out, nil
		}
		lim := map[uint32][2]int64{1: {0, 255}, 2: {math.MinInt16, math.MaxInt16}, 4: {math.MinInt32, math.MaxInt32}, 8: {math.MinInt64, math.MaxInt64}}[ti.MaxLen]
		if x < lim[0] || x > lim[1] {
			return out, &sqlError{Number: 8115, Class: 16, State: 2, Msg: "Arithmetic overflow error converting expression to data type " + typeName + "."}
		}
		out.kind, out.i = valInt, x
	case sqltype.TypeFloatN:
		f, ok := v.float()
		if !ok {
			return out, &sqlError{Number: 8114, Class: 16, State: 5, Msg: "Error converting data type varchar to float."}
		}
		out.kind, out.f = valFloat, f
	case sqltype.TypeDecimalN, sqltype.TypeNumericN:
		txt, ok := v.text()
		if !ok {
			return out, convFail()
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(txt), 64)
		if err != nil {
			return out, &sqlError{Number: 8114, Class: 16, State: 5, Msg: "Error converting data type varchar to numeric."}
		}
		d, err := sqltype.ParseDecimal(strconv.FormatFloat(f, 'f', int(ti.Scale), 64))
		if err != nil {
			return out, &sqlError{Number: 8115, Class: 16, State: 8, Msg: "Arithmetic overflow error converting varchar to data type numeric."}
		}
		d.Scale = ti.Scale
		intDigits := len(strings.TrimLeft(strings.Split(strings.TrimPrefix(d.String(), "-"), ".")[0], "0"))
		if intDigits > int(ti.Precision-ti.Scale) {
			return out, &sqlError{Number: 8115, Class: 16, State: 8, Msg: "Arithmetic overflow error converting numeric to data type numeric."}
		}
		out.kind, out.d = valDecimal, d
	case sqltype.TypeBigVarChar, sqltype.TypeBigChar, sqltype.TypeNVarChar, sqltype.TypeNChar:
		txt, ok := v.text()
		if !ok {
			return out, convFail()
		}
		limit := int(ti.MaxLen)
		if ti.Type == sqltype.TypeNVarChar || ti.Type == sqltype.TypeNChar {
			limit /= 2
		}
		if ti.MaxLen != sqltype.MaxLenMax && utf8.RuneCountInString(txt) > limit {
			r := []rune(txt)
			txt = string(r[:limit])
		}
		out.kind, out.s = valString, txt
	case sqltype.TypeBigVarBinary:
		if v.kind == valBytes {
			out.kind, out.b = valBytes, v.b
			break
		}
		txt, _ := v.text()
		out.kind, out.b = valBytes, []byte(txt)
	case sqltype.TypeDateTimeN, sqltype.TypeDateTime, sqltype.TypeDateTime2N, sqltype.TypeDateN:
		if v.kind == valTime {
			out.kind, out.t = valTime, v.t
			break
		}
		txt, _ := v.text()
		for _, layout := range []string{"2006-01-02 15:04:05.9999999", "2006-01-02T15:04:05.9999999", "2006-01-02", "20060102"} {
			if tm, err := time.Parse(layout, strings.TrimSpace(txt)); err == nil {
				out.kind, out.t = valTime, tm
				return out, nil
			}
		}
		return out, &sqlError{Number: 241, Class: 16, State: 1, Msg: "Conversion failed when converting date and/or time from character string."}
	default:
		return out, convFail()
	}
	return out, nil
}

// sqlTypeName names a type as T-SQL spells it, for messages and the
// example server's logs.
func sqlTypeName(ti sqltype.TypeInfo) string {
	switch ti.Type {
	case sqltype.TypeInt1:
		return "tinyint"
	case sqltype.TypeInt2:
		return "smallint"
	case sqltype.TypeInt4:
		return "int"
	case sqltype.TypeInt8:
		return "bigint"
	case sqltype.TypeIntN:
		return map[uint32]string{1: "tinyint", 2: "smallint", 4: "int", 8: "bigint"}[ti.MaxLen]
	case sqltype.TypeBit, sqltype.TypeBitN:
		return "bit"
	case sqltype.TypeFloat8, sqltype.TypeFloatN:
		if ti.MaxLen == 4 {
			return "real"
		}
		return "float"
	case sqltype.TypeDecimalN:
		return "decimal"
	case sqltype.TypeNumericN:
		return "numeric"
	case sqltype.TypeBigVarChar:
		return "varchar"
	case sqltype.TypeBigChar:
		return "char"
	case sqltype.TypeNVarChar:
		return "nvarchar"
	case sqltype.TypeNChar:
		return "nchar"
	case sqltype.TypeBigVarBinary:
		return "varbinary"
	case sqltype.TypeDateTime, sqltype.TypeDateTimeN:
		return "datetime"
	case sqltype.TypeDateTime2N:
		return "datetime2"
	case sqltype.TypeDateN:
		return "date"
	case sqltype.TypeVariant:
		return "sql_variant"
	}
	return ti.Type.String()
}

// paramValue turns an RPC parameter into an expression value that keeps
// its type and bytes.
func paramValue(ti sqltype.TypeInfo, v sqltype.Value) sqlValue {
	return sqlValue{ti: ti, nullable: true, null: v.IsNull(), kind: valRaw, raw: v}
}

var _ = tds.Version74
