package tdsserver

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/tdswire/tdswire/smp"
	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tds/tdstest"
	"github.com/tdswire/tdswire/tokens"
)

func TestLoginFailedGolden(t *testing.T) {
	want := tdstest.ReadHex(t, "testdata/login-failed-74.hex")
	if got := loginFailed(nil, tds.Version74, "sa"); !bytes.Equal(got, want) {
		t.Errorf("login failure\n got % x\nwant % x", got, want)
	}
}

// TestLoginResponse decodes the login response with package tokens and
// checks the tokens and their order ([MS-TDS] 4.3).
func TestLoginResponse(t *testing.T) {
	for _, v := range []tds.Version{tds.Version74, tds.Version73B, tds.Version71Rev1} {
		b := loginResponse(nil, v, "sales", 8000)
		s := tokens.NewScanner(b, v)
		var got []string
		for {
			typ, err := s.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%v: %v", v, err)
			}
			switch typ {
			case tokens.TokenEnvChange:
				var e tokens.EnvChange
				if err := s.EnvChange(&e); err != nil {
					t.Fatal(err)
				}
				if e.Type == tokens.EnvSQLCollation {
					c, _ := e.Collation()
					got = append(got, fmt.Sprintf("ENVCHANGE %v %v", e.Type, c))
				} else {
					got = append(got, fmt.Sprintf("ENVCHANGE %v %q->%q", e.Type, e.OldString().String(), e.NewString().String()))
				}
			case tokens.TokenInfo:
				var m tokens.Message
				if err := s.Message(&m); err != nil {
					t.Fatal(err)
				}
				got = append(got, fmt.Sprintf("INFO %d %s", m.Number, m.MsgText.String()))
			case tokens.TokenLoginAck:
				var a tokens.LoginAck
				if err := s.LoginAck(&a); err != nil {
					t.Fatal(err)
				}
				got = append(got, fmt.Sprintf("LOGINACK %v %s %v", a.Negotiated(), a.ProgName.String(), a.ProgVersion))
			case tokens.TokenDone:
				var d tokens.Done
				if err := s.Done(&d); err != nil {
					t.Fatal(err)
				}
				got = append(got, fmt.Sprintf("DONE %v", d.Status))
			default:
				got = append(got, typ.String())
			}
		}
		want := []string{
			`ENVCHANGE Database "master"->"sales"`,
			"INFO 5701 Changed database context to 'sales'.",
			"ENVCHANGE SQLCollation LCID 0x409 flags 0x0D version 0 SortId 52",
			`ENVCHANGE Language ""->"us_english"`,
			"INFO 5703 Changed language setting to us_english.",
			fmt.Sprintf("LOGINACK %v Microsoft SQL Server 16.0.4000", v),
			`ENVCHANGE PacketSize "4096"->"8000"`,
			"DONE FINAL",
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%v:\n got %q\nwant %q", v, got, want)
		}
	}
}

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

// TestSMPTap feeds SMP packets through the tap one byte at a time and in
// one piece and checks every header is reported and the bytes pass
// unchanged.
func TestSMPTap(t *testing.T) {
	var stream []byte
	hs := []smp.Header{
		{Flags: smp.FlagSYN, SID: 0, Length: smp.HeaderLen, Wndw: 4},
		{Flags: smp.FlagDATA, SID: 0, SeqNum: 1, Wndw: 4},
		{Flags: smp.FlagACK, SID: 0, Length: smp.HeaderLen, SeqNum: 1, Wndw: 5},
		{Flags: smp.FlagDATA, SID: 1, SeqNum: 1, Wndw: 4},
		{Flags: smp.FlagFIN, SID: 0, Length: smp.HeaderLen, SeqNum: 1, Wndw: 5},
	}
	for i, h := range hs {
		if h.Flags == smp.FlagDATA {
			var err error
			stream, err = h.AppendPacket(stream, bytes.Repeat([]byte{byte(i)}, 20+i))
			if err != nil {
				t.Fatal(err)
			}
		} else {
			stream = h.Append(stream)
		}
	}
	for _, r := range []func(io.Reader) io.Reader{iotest.OneByteReader, func(r io.Reader) io.Reader { return r }} {
		var seen []string
		tap := &smpTap{r: r(bytes.NewReader(stream)), onHeader: func(h smp.Header) { seen = append(seen, h.Flags.String()) }}
		got, err := io.ReadAll(tap)
		if err != nil || !bytes.Equal(got, stream) {
			t.Fatalf("tap changed the stream: %v", err)
		}
		if fmt.Sprint(seen) != "[SYN DATA ACK DATA FIN]" {
			t.Errorf("headers %v", seen)
		}
	}
	// A broken header stops the reports but not the bytes.
	bad := append([]byte{0x54}, stream[1:]...)
	n := 0
	tap := &smpTap{r: bytes.NewReader(bad), onHeader: func(smp.Header) { n++ }}
	if got, _ := io.ReadAll(tap); !bytes.Equal(got, bad) || n != 0 {
		t.Errorf("broken stream: %d headers reported", n)
	}
}

// TestAppendRowNulls decodes the ROW tokens of the sample table and
// compares the NULLs with SampleRows.
func TestAppendRowNulls(t *testing.T) {
	for _, v := range []tds.Version{tds.Version74, tds.Version71Rev1} {
		b := tableColumns(v).Append(nil, v)
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
