package tdsserver

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// tokKind is the kind of one lexical token of T-SQL text.
type tokKind int

const (
	tokEOF     tokKind = iota
	tokIdent           // name, keyword, [quoted] or "quoted" name
	tokVar             // @name or @@name
	tokNumber          // 42, 1.5, 1e3, .5
	tokString          // 'text' (s holds the text, quotes undone)
	tokNString         // N'text'
	tokBinary          // 0x0A0B
	tokOp              // punctuation and operators: , ( ) ; . = < > <= >= <> != + - * / %
	tokBad             // a character that starts no token, or an unterminated string or comment
)

// token is one lexical token. s is its text: the name without brackets
// for a quoted identifier, the value for a string, the spelling otherwise.
type token struct {
	kind   tokKind
	s      string
	quoted bool // a [bracketed] or "double-quoted" identifier: never a keyword
	pos    int  // byte offset in the batch
	line   int  // 1-based line of the batch
}

// is reports whether t is the keyword kw (case-insensitive, unquoted).
func (t token) is(kw string) bool {
	return t.kind == tokIdent && !t.quoted && strings.EqualFold(t.s, kw)
}

// isOp reports whether t is the operator op.
func (t token) isOp(op string) bool { return t.kind == tokOp && t.s == op }

// text is how SQL Server quotes a token in "Incorrect syntax near '...'":
// the token as written.
func (t token) text() string {
	switch t.kind {
	case tokString:
		return t.s
	case tokNString:
		return t.s
	case tokEOF:
		return ""
	}
	return t.s
}

// lex splits sql into tokens, dropping white space and comments (-- to
// the end of the line, /* ... */ nested, as T-SQL allows). An
// unterminated string, quoted name or comment ends with a tokBad.
func lex(sql string) []token {
	var out []token
	line := 1
	i := 0
	for i < len(sql) {
		c := sql[i]
		switch {
		case c == '\n':
			line++
			i++
			continue
		case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
			i++
			continue
		case c == '-' && i+1 < len(sql) && sql[i+1] == '-':
			for i < len(sql) && sql[i] != '\n' {
				i++
			}
			continue
		case c == '/' && i+1 < len(sql) && sql[i+1] == '*':
			depth, j := 1, i+2
			for j < len(sql) && depth > 0 {
				switch {
				case sql[j] == '/' && j+1 < len(sql) && sql[j+1] == '*':
					depth++
					j += 2
				case sql[j] == '*' && j+1 < len(sql) && sql[j+1] == '/':
					depth--
					j += 2
				default:
					if sql[j] == '\n' {
						line++
					}
					j++
				}
			}
			if depth > 0 {
				out = append(out, token{kind: tokBad, s: sql[i:], pos: i, line: line})
				return out
			}
			i = j
			continue
		}
		start := i
		t := token{pos: i, line: line}
		switch {
		case (c == 'N' || c == 'n') && i+1 < len(sql) && sql[i+1] == '\'':
			s, n, ok := quotedText(sql[i+1:], '\'')
			if !ok {
				t.kind, t.s = tokBad, sql[i:]
				out = append(out, t)
				return out
			}
			t.kind, t.s = tokNString, s
			i += 1 + n
		case c == '\'':
			s, n, ok := quotedText(sql[i:], '\'')
			if !ok {
				t.kind, t.s = tokBad, sql[i:]
				out = append(out, t)
				return out
			}
			t.kind, t.s = tokString, s
			i += n
		case c == '[':
			s, n, ok := quotedText(sql[i:], ']')
			if !ok {
				t.kind, t.s = tokBad, sql[i:]
				out = append(out, t)
				return out
			}
			t.kind, t.s, t.quoted = tokIdent, s, true
			i += n
		case c == '"':
			s, n, ok := quotedText(sql[i:], '"')
			if !ok {
				t.kind, t.s = tokBad, sql[i:]
				out = append(out, t)
				return out
			}
			t.kind, t.s, t.quoted = tokIdent, s, true
			i += n
		case c == '0' && i+1 < len(sql) && (sql[i+1] == 'x' || sql[i+1] == 'X'):
			i += 2
			for i < len(sql) && isHex(sql[i]) {
				i++
			}
			t.kind, t.s = tokBinary, sql[start:i]
		case c >= '0' && c <= '9' || c == '.' && i+1 < len(sql) && sql[i+1] >= '0' && sql[i+1] <= '9':
			for i < len(sql) && (sql[i] >= '0' && sql[i] <= '9' || sql[i] == '.') {
				i++
			}
			if i < len(sql) && (sql[i] == 'e' || sql[i] == 'E') {
				j := i + 1
				if j < len(sql) && (sql[j] == '+' || sql[j] == '-') {
					j++
				}
				if j < len(sql) && sql[j] >= '0' && sql[j] <= '9' {
					for j < len(sql) && sql[j] >= '0' && sql[j] <= '9' {
						j++
					}
					i = j
				}
			}
			t.kind, t.s = tokNumber, sql[start:i]
		case c == '@':
			i++
			for i < len(sql) && isNameByte(sql, i) {
				_, n := utf8.DecodeRuneInString(sql[i:])
				i += n
			}
			t.kind, t.s = tokVar, sql[start:i]
		case isNameStart(sql, i):
			for i < len(sql) && isNameByte(sql, i) {
				_, n := utf8.DecodeRuneInString(sql[i:])
				i += n
			}
			t.kind, t.s = tokIdent, sql[start:i]
		default:
			two := ""
			if i+1 < len(sql) {
				two = sql[i : i+2]
			}
			switch two {
			case "<=", ">=", "<>", "!=", "!<", "!>":
				t.kind, t.s = tokOp, two
				i += 2
			default:
				if strings.IndexByte(",();.=<>+-*/%&|^~:", c) >= 0 {
					t.kind, t.s = tokOp, string(c)
					i++
				} else {
					_, n := utf8.DecodeRuneInString(sql[i:])
					t.kind, t.s = tokBad, sql[i:i+n]
					out = append(out, t)
					return out
				}
			}
		}
		out = append(out, t)
	}
	return out
}

// quotedText reads a quoted run starting at s[0] (the opening quote),
// closed by end, with a doubled end standing for itself. It returns the
// text, the bytes consumed, and false if it is not closed.
func quotedText(s string, end byte) (string, int, bool) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		if s[i] != end {
			b.WriteByte(s[i])
			continue
		}
		if i+1 < len(s) && s[i+1] == end {
			b.WriteByte(end)
			i++
			continue
		}
		return b.String(), i + 1, true
	}
	return "", 0, false
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func isNameStart(s string, i int) bool {
	c := s[i]
	if c == '_' || c == '#' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
		return true
	}
	if c < utf8.RuneSelf {
		return false
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return unicode.IsLetter(r)
}

func isNameByte(s string, i int) bool {
	c := s[i]
	if c == '_' || c == '#' || c == '@' || c == '$' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
		return true
	}
	if c < utf8.RuneSelf {
		return false
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// statementStarts are the keywords that begin a new statement when no ;
// separates it from the previous one (T-SQL needs no separator).
var statementStarts = map[string]bool{
	"select": true, "set": true, "use": true, "begin": true, "commit": true,
	"rollback": true, "save": true, "declare": true, "exec": true, "execute": true,
	"insert": true, "update": true, "delete": true, "if": true, "print": true,
	"create": true, "drop": true, "alter": true, "while": true, "return": true,
	"raiserror": true, "throw": true, "waitfor": true, "truncate": true, "merge": true,
	"with": false, // a CTE may follow a statement only after ';'
}

// splitStatements cuts a batch's tokens into statements: at ';' and,
// outside parentheses, before a keyword that starts a statement. A
// statement that starts with a keyword taking another statement's keyword
// inside it (INSERT ... SELECT, UPDATE ... SET, IF cond stmt, WAITFOR ...)
// keeps it. Empty statements are dropped.
func splitStatements(toks []token) [][]token {
	var out [][]token
	start, depth := 0, 0
	flush := func(end int) {
		if end > start {
			out = append(out, toks[start:end])
		}
		start = end
	}
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		switch {
		case t.isOp(";") && depth == 0:
			flush(i)
			start = i + 1
			continue
		case t.isOp("("):
			depth++
		case t.isOp(")"):
			if depth > 0 {
				depth--
			}
		}
		if depth > 0 || i == start || t.kind != tokIdent || t.quoted {
			continue
		}
		kw := strings.ToLower(t.s)
		if !statementStarts[kw] {
			continue
		}
		first := strings.ToLower(toks[start].s)
		if toks[start].kind != tokIdent {
			first = ""
		}
		if keepsInner(first, kw, toks[start:i]) {
			continue
		}
		flush(i)
	}
	flush(len(toks))
	return out
}

// keepsInner reports whether a statement that began with keyword first
// (and has toks so far) keeps the keyword kw inside it.
func keepsInner(first, kw string, toks []token) bool {
	switch first {
	case "insert", "create", "alter", "declare", "with":
		return true // INSERT ... SELECT, CREATE PROC ... AS SELECT, DECLARE c CURSOR FOR SELECT
	case "update":
		return kw == "set" || kw == "select"
	case "if", "while":
		// IF cond stmt: the first statement keyword after the condition
		// belongs to the IF; nothing after it is split off here.
		return true
	case "begin":
		// BEGIN TRAN[SACTION] [name]: ends at the next keyword.
		return len(toks) < 2 || !(toks[1].is("tran") || toks[1].is("transaction") || toks[1].is("distributed"))
	case "select":
		// SELECT ... INTO/UNION SELECT stays one statement.
		if kw == "select" && len(toks) > 0 {
			last := toks[len(toks)-1]
			return last.is("union") || last.is("all") || last.is("except") || last.is("intersect") || last.isOp("(")
		}
	case "exec", "execute":
		return false
	}
	return false
}
