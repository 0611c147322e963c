package tdsserver

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tokens"
)

func TestParseUser(t *testing.T) {
	for _, c := range []struct {
		in   string
		want User
		bad  bool
	}{
		{in: "sa:Passw0rd!", want: User{Name: "sa", Password: "Passw0rd!"}},
		{in: `CONTOSO\joe:Secret1!`, want: User{Domain: "CONTOSO", Name: "joe", Password: "Secret1!"}},
		{in: "sa:a:b", want: User{Name: "sa", Password: "a:b"}},
		{in: "sa:", want: User{Name: "sa"}},
		{in: "sa", bad: true},
		{in: ":x", bad: true},
		{in: `\joe:x`, bad: true},
		{in: `D\:x`, bad: true},
	} {
		got, err := ParseUser(c.in)
		if (err != nil) != c.bad || got != c.want {
			t.Errorf("ParseUser(%q) = %+v, %v", c.in, got, err)
		}
	}
	if s := (User{Domain: "D", Name: "n", Password: "secret"}).String(); s != `D\n` {
		t.Errorf("String = %q", s)
	}
}

func TestParseTLSMode(t *testing.T) {
	for in, want := range map[string]TLSMode{"off": TLSOff, "login": TLSLogin, "REQUIRED": TLSRequired} {
		if got, err := ParseTLSMode(in); err != nil || got != want || got.String() != normalizeMode(in) {
			t.Errorf("ParseTLSMode(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := ParseTLSMode("on"); err == nil {
		t.Error("ParseTLSMode(on) succeeded")
	}
}

func normalizeMode(s string) string { return string(bytes.ToLower([]byte(s))) }

// TestSplitStatements pins how a batch is cut into statements: at ';',
// before a statement keyword when nothing separates them, never inside
// parentheses, strings or comments.
func TestSplitStatements(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"SELECT 1", "[SELECT 1]"},
		{"select @@max_precision set textsize 2147483647 set ansi_nulls on", "[select @@max_precision|set textsize 2147483647|set ansi_nulls on]"},
		{"set a on\r\nset b off;SELECT 1;\n\n ; select  * from sample ", "[set a on|set b off|SELECT 1|select * from sample]"},
		{"BEGIN TRAN SELECT 1 COMMIT TRAN", "[BEGIN TRAN|SELECT 1|COMMIT TRAN]"},
		{"IF @@TRANCOUNT > 0 COMMIT TRAN", "[IF @@TRANCOUNT > 0 COMMIT TRAN]"},
		{"SELECT CAST(1 AS bigint), N'a;b' -- select 2\n/* select /* 3 */ */ SELECT 4", "[SELECT CAST ( 1 AS bigint ) , a;b|SELECT 4]"},
		{"SET TRANSACTION ISOLATION LEVEL READ COMMITTED", "[SET TRANSACTION ISOLATION LEVEL READ COMMITTED]"},
		{"SELECT @P0 , @P1", "[SELECT @P0 , @P1]"},
		{"USE [master]", "[USE master]"},
	} {
		var parts []string
		for _, st := range splitStatements(lex(c.in)) {
			var ws []string
			for _, tk := range st {
				ws = append(ws, tk.s)
			}
			parts = append(parts, strings.Join(ws, " "))
		}
		if got := "[" + strings.Join(parts, "|") + "]"; got != c.want {
			t.Errorf("split(%q) = %s; want %s", c.in, got, c.want)
		}
	}
}

// TestAppendRowNulls decodes the ROW tokens of the sample table and
// compares the NULLs with SampleRows.
func TestAppendRowNulls(t *testing.T) {
	for _, v := range []tds.Version{tds.Version74, tds.Version71Rev1} {
		b, err := tableColumns(v).Append(nil, v)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range SampleRows() {
			var err error
			if b, err = appendRow(b, r, v); err != nil {
				t.Fatal(err)
			}
		}
		s := tokens.NewScanner(b, v)
		var vals []tokens.ColumnValue
		var nulls []string
		for {
			typ, err := s.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if typ != tokens.TokenRow {
				continue
			}
			if vals, err = s.RowValues(vals); err != nil {
				t.Fatal(err)
			}
			row := ""
			for _, x := range vals {
				if x.IsNull() {
					row += "N"
				} else {
					row += "v"
				}
			}
			nulls = append(nulls, row)
		}
		if fmt.Sprint(nulls) != "[vvvv vvNv vNvN]" {
			t.Errorf("%v: NULL pattern %v", v, nulls)
		}
	}
}

// TestPreparedLimit: a client that prepares without unpreparing is
// refused past maxPrepared statements, and unpreparing makes room again.
func TestPreparedLimit(t *testing.T) {
	var c Session
	var first int32
	for i := 0; i < maxPrepared; i++ {
		h, ok := c.prepare(prepared{stmt: "SELECT 1"})
		if !ok {
			t.Fatalf("prepare %d refused", i)
		}
		if i == 0 {
			first = h
		}
	}
	if _, ok := c.prepare(prepared{stmt: "SELECT 1"}); ok {
		t.Fatalf("prepare %d accepted, want refusal past %d", maxPrepared+1, maxPrepared)
	}
	if _, ok := c.statements[first]; !ok {
		t.Fatal("the first handle is not kept")
	}
	delete(c.statements, first)
	if _, ok := c.prepare(prepared{stmt: "SELECT 1"}); !ok {
		t.Fatal("prepare refused after an unprepare made room")
	}
}

// TestUserSecret: neither a User under any verb nor ParseUser's errors
// show the password.
func TestUserSecret(t *testing.T) {
	u := User{Domain: "D", Name: "n", Password: "hunter2"}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d"} {
		for _, v := range []any{u, &u, struct{ U User }{u}} {
			if s := fmt.Sprintf(verb, v); strings.Contains(s, "hunter2") || strings.Contains(s, fmt.Sprintf("%x", "hunter2")) {
				t.Errorf("%s of %T: %s", verb, v, s)
			}
		}
	}
	for _, in := range []string{":hunter2", `\joe:hunter2`, "hunter2"} {
		if _, err := ParseUser(in); err == nil || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("ParseUser(%q): %v", in, err)
		}
	}
}
