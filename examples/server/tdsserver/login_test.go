package tdsserver_test

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	"github.com/tdswire/tdswire/examples/server/tdsserver"
	"github.com/tdswire/tdswire/login7"
	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tds/tdstest"
	"github.com/tdswire/tdswire/tokens"
)

// loginWith sends PRELOGIN and l and returns the login response.
func loginWith(t *testing.T, addr string, l login7.Login7) []byte {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	s := newStream(t, nc)
	preloginMARS(t, s)
	b, err := l.Append(nil)
	if err != nil {
		t.Fatal(err)
	}
	return s.roundTrip(t, tds.PacketLogin7, b)
}

// TestLoginFailedGolden: a wrong password gets exactly the bytes of the
// hand-written golden login failure (ERROR 18456, DONE_ERROR).
func TestLoginFailedGolden(t *testing.T) {
	_, addr := start(t, tdsserver.Config{})
	want := tdstest.ReadHex(t, "testdata/login-failed-74.hex")
	got := loginWith(t, addr, login7.Login7{TDSVersion: tds.Version74, PacketSize: 4096, UserName: ucs2("sa"), Password: login7.NewPassword("wrong")})
	if !bytes.Equal(got, want) {
		t.Errorf("login failure\n got % x\nwant % x", got, want)
	}
}

// TestLoginResponse decodes the login response with package tokens and
// checks the tokens and their order ([MS-TDS] 4.3) at three versions.
func TestLoginResponse(t *testing.T) {
	_, addr := start(t, tdsserver.Config{Databases: []string{"master", "sales"}})
	for _, v := range []tds.Version{tds.Version74, tds.Version73B, tds.Version71Rev1} {
		b := loginWith(t, addr, login7.Login7{TDSVersion: v, PacketSize: 8000, UserName: ucs2("sa"), Password: login7.NewPassword("Passw0rd!"), Database: ucs2("SALES")})
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
