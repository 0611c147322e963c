package tdsclient_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/tdswire/tdswire/examples/client/tdsclient"
	"github.com/tdswire/tdswire/examples/server/tdsserver"
	"github.com/tdswire/tdswire/login7"
	"github.com/tdswire/tdswire/prelogin"
	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tdsconn"
)

// startServer runs the example server on 127.0.0.1 for one test.
func startServer(t *testing.T, mode tdsserver.TLSMode, rows int) (*tdsserver.Server, string) {
	t.Helper()
	srv, err := tdsserver.New(tdsserver.Config{
		Users: []tdsserver.User{
			{Name: "sa", Password: "Passw0rd!"},
			{Domain: "CONTOSO", Name: "joe", Password: "Secret1!"},
		},
		TLS:       mode,
		Rows:      rows,
		Timeout:   10 * time.Second,
		Databases: []string{"master", "sales"},
	})
	if err != nil {
		t.Fatal(err)
	}
	addr, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv, addr
}

func run(t *testing.T, cfg tdsclient.Config) (*tdsclient.Result, string, error) {
	t.Helper()
	var out bytes.Buffer
	cfg.Out = &out
	cfg.Timeout = 10 * time.Second
	res, err := tdsclient.Run(context.Background(), cfg)
	return res, out.String(), err
}

// TestClientServer logs the example client in to the example server with
// SQL authentication and NTLM, in every encryption combination, and checks
// the trace and the sample table.
func TestClientServer(t *testing.T) {
	cases := []struct {
		name      string
		mode      tdsserver.TLSMode
		clientTLS bool
		want      prelogin.Outcome
	}{
		{"off", tdsserver.TLSOff, false, prelogin.OutcomeNoEncryption},
		{"login", tdsserver.TLSLogin, false, prelogin.OutcomeLoginOnly},
		{"login/client-tls", tdsserver.TLSLogin, true, prelogin.OutcomeEntireConnection},
		{"required", tdsserver.TLSRequired, false, prelogin.OutcomeEntireConnection},
		{"required/client-tls", tdsserver.TLSRequired, true, prelogin.OutcomeEntireConnection},
	}
	for _, c := range cases {
		for _, user := range []string{"sa", `CONTOSO\joe`} {
			t.Run(c.name+"/"+user, func(t *testing.T) {
				srv, addr := startServer(t, c.mode, 0)
				pass := "Passw0rd!"
				if user != "sa" {
					pass = "Secret1!"
				}
				res, trace, err := run(t, tdsclient.Config{Addr: addr, User: user, Password: pass, TLS: c.clientTLS, Query: "SELECT * FROM sample", Database: "sales"})
				if err != nil {
					t.Fatalf("%v\n%s", err, trace)
				}
				if res.Encryption != c.want || res.NTLM != (user != "sa") || res.Version != tds.Version74 ||
					res.Database != "sales" || res.PacketSize != 4096 || res.ProgName != "Microsoft SQL Server" || res.ProgVersion != "16.0.4000" {
					t.Errorf("result %+v", res)
				}
				if len(res.Infos) != 2 || res.Infos[0] != "5701: Changed database context to 'sales'." {
					t.Errorf("INFO messages %q", res.Infos)
				}
				wantCols := "[id int name nvarchar(50) price decimal(10,2) created datetime2(7)]"
				wantRows := "[[1 Alice 12.50 2024-01-02 03:04:05.1234567] [2 Bjørn Ünïcode € NULL 2024-02-29 23:59:59.9999999] [3 NULL -7.25 NULL]]"
				if got := sprint(res.Columns); got != wantCols {
					t.Errorf("columns %s, want %s", got, wantCols)
				}
				if got := sprint(res.Rows); got != wantRows {
					t.Errorf("rows %s, want %s", got, wantRows)
				}
				steps := []string{"Step 1. TCP connection", "Driver handshake", "> TDS:Prelogin, Version = 7.4 (0x74000004), SPID = 0, PacketID = 1, Flags=EOM",
					"< TDS:Response, Version = 7.4 (0x74000004), SPID = ", "Login packet", "> TDS:Login7",
					"Login confirmation", "LOGINACK: TDS 7.4 (0x74000004), Microsoft SQL Server 16.0.4000", "INFO 5701: Changed database context to 'sales'.",
					"Execute a command and read the response", "> TDS:SQLBatch", "ROW: 3 | NULL | -7.25 | NULL", "Close"}
				if c.want.Encrypted() {
					steps = append(steps, "SSL/TLS handshake", "TLS: TLS 1.2")
				}
				if res.NTLM {
					steps = append(steps, "NTLM challenge and response packets", "NTLM CHALLENGE MESSAGE", "> TDS:SSPI", "NTLM AUTHENTICATE MESSAGE Version:NTLM v2, Domain: CONTOSO, User: joe")
				}
				for _, s := range steps {
					if !strings.Contains(trace, s) {
						t.Errorf("trace lacks %q:\n%s", s, trace)
					}
				}
				st := srv.Stats()
				if st.Logins != 1 || (st.TLS == 1) != c.want.Encrypted() || (st.NTLMLogins == 1) != res.NTLM || st.Batches != 1 {
					t.Errorf("server stats %+v", st)
				}
			})
		}
	}
}

// TestClientErrors checks the ERROR tokens the client reports: a wrong
// password (18456), a DROP of a table that does not exist (3701), and the termination of a
// client that wants encryption by a server without it.
func TestClientErrors(t *testing.T) {
	_, addr := startServer(t, tdsserver.TLSOff, 0)
	for _, c := range []struct {
		user, pass, query string
		number            int32
		class             uint8
		msg               string
	}{
		{"sa", "wrong", "SELECT 1", 18456, 14, "Login failed for user 'sa'."},
		{"nobody", "Passw0rd!", "SELECT 1", 18456, 14, "Login failed for user 'nobody'."},
		{`CONTOSO\joe`, "wrong", "SELECT 1", 18456, 14, `Login failed for user 'CONTOSO\joe'.`},
		{"sa", "Passw0rd!", "DROP TABLE t", 3701, 11, "Cannot drop the table 't', because it does not exist or you do not have permission."},
	} {
		_, trace, err := run(t, tdsclient.Config{Addr: addr, User: c.user, Password: c.pass, Query: c.query})
		var se *tdsclient.ServerError
		if !errors.As(err, &se) || se.Number != c.number || se.Class != c.class || !strings.HasPrefix(se.Message, c.msg) {
			t.Errorf("%s/%s: %v, want error %d class %d %q\n%s", c.user, c.query, err, c.number, c.class, c.msg, trace)
		}
	}
	if _, trace, err := run(t, tdsclient.Config{Addr: addr, User: "sa", Password: "Passw0rd!", TLS: true}); err == nil || !strings.Contains(err.Error(), "terminated") {
		t.Errorf("ENCRYPT_ON against ENCRYPT_NOT_SUP: %v, want a termination\n%s", err, trace)
	}
}

// TestClientVersions logs in at TDS 7.3 and 7.1: datetime2 reaches a 7.1
// client as nvarchar text.
func TestClientVersions(t *testing.T) {
	_, addr := startServer(t, tdsserver.TLSLogin, 0)
	for _, c := range []struct {
		v       tds.Version
		created string
	}{
		{tds.Version73B, "created datetime2(7)"},
		{tds.Version71Rev1, "created nvarchar(27)"},
	} {
		res, trace, err := run(t, tdsclient.Config{Addr: addr, User: "sa", Password: "Passw0rd!", Query: "SELECT * FROM sample", Version: c.v})
		if err != nil {
			t.Fatalf("%v: %v\n%s", c.v, err, trace)
		}
		if res.Version != c.v || len(res.Columns) != 4 || res.Columns[3] != c.created || len(res.Rows) != 3 || res.Rows[0][3] != "2024-01-02 03:04:05.1234567" {
			t.Errorf("%v: %+v", c.v, res)
		}
	}
}

// TestClientBigTable reads SELECT * FROM big across many packets.
func TestClientBigTable(t *testing.T) {
	_, addr := startServer(t, tdsserver.TLSOff, 5000)
	res, trace, err := run(t, tdsclient.Config{Addr: addr, User: "sa", Password: "Passw0rd!", Query: "select *  from BIG ;"})
	if err != nil {
		t.Fatalf("%v\n%s", err, trace)
	}
	if len(res.Rows) != 5000 || sprint(res.Rows[4999]) != "[5000 row 5000 6250.00 2024-01-01 01:23:20.0000000]" {
		t.Errorf("%d rows, last %v", len(res.Rows), res.Rows[len(res.Rows)-1])
	}
	if !strings.Contains(trace, "... 5000 rows in all") || !strings.Contains(trace, "DONE: status COUNT, 5000 rows") {
		t.Errorf("trace:\n%s", trace)
	}
}

// TestClientStrict logs in with TDS 8.0 strict encryption to a server
// made with the library's tdsconn.Accept: TLS first, then PRELOGIN.
func TestClientStrict(t *testing.T) {
	cert, err := tdsserver.SelfSignedCertificate()
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	done := make(chan error, 1)
	go func() {
		nc, err := ln.Accept()
		if err != nil {
			done <- err
			return
		}
		c, err := tdsconn.Accept(context.Background(), nc, &tdsconn.ServerConfig{
			TLS: &tls.Config{Certificates: []tls.Certificate{cert}}, RequireStrict: true,
			CheckSQLLogin: func(ctx context.Context, user string, pw login7.Password) error { return nil },
		})
		if err == nil {
			_, _, err = c.ReadMessage() // the client closes
			if errors.Is(err, io.EOF) {
				err = nil
			}
			c.Close()
		}
		done <- err
	}()
	res, trace, err := run(t, tdsclient.Config{Addr: ln.Addr().String(), User: "sa", Password: "x", Strict: true})
	if err != nil {
		t.Fatalf("%v\n%s", err, trace)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !res.Strict || res.Encryption != prelogin.OutcomeEntireConnection || res.Version != tds.Version74 {
		t.Errorf("result %+v", res)
	}
	for _, s := range []string{"Step 2. SSL/TLS handshake", "TLS: TLS 1.3", "Step 3. Driver handshake", "LOGINACK: TDS 7.4"} {
		if !strings.Contains(trace, s) {
			t.Errorf("trace lacks %q:\n%s", s, trace)
		}
	}
}
