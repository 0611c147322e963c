package interop

import (
	"context"
	"crypto/tls"
	"database/sql"
	"encoding/pem"
	"errors"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/microsoft/go-mssqldb"

	"github.com/tdswire/tdswire/examples/server/tdsserver"
	"github.com/tdswire/tdswire/login7"
	"github.com/tdswire/tdswire/ntlm"
	"github.com/tdswire/tdswire/prelogin"
	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tds/sqltype"
	"github.com/tdswire/tdswire/tdsconn"
	"github.com/tdswire/tdswire/tokens"
)

// tdsconnServer accepts connections with tdsconn.Accept and answers every
// request with one row of one int column, 42: the library's server role
// alone, without the example server's handler.
type tdsconnServer struct {
	ln     net.Listener
	wg     sync.WaitGroup
	mu     sync.Mutex
	logins []*tdsconn.ServerConn
	errs   []error
}

func startTDSConnServer(t *testing.T, cfg *tdsconn.ServerConfig) *tdsconnServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &tdsconnServer{ln: ln}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				c, err := tdsconn.Accept(context.Background(), nc, cfg)
				s.mu.Lock()
				if err != nil {
					s.errs = append(s.errs, err)
				} else {
					s.logins = append(s.logins, c)
				}
				s.mu.Unlock()
				if err != nil {
					return
				}
				defer c.Close()
				answer42(c.Stream)
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		s.mu.Lock()
		for _, c := range s.logins {
			c.Close()
		}
		s.mu.Unlock()
		s.wg.Wait()
	})
	return s
}

// answer42 answers every batch or RPC of st with one row, 42.
func answer42(st *tdsconn.Stream) {
	v := st.Version()
	for {
		h, _, err := st.ReadMessage()
		if err != nil {
			return
		}
		if tdsconn.IsAttention(h) {
			st.WriteAttentionAck()
			continue
		}
		b, err := tokens.ColMetadata{Columns: []tokens.Column{{Flags: tokens.ColNullable, TypeInfo: sqltype.TypeInfo{Type: sqltype.TypeIntN, MaxLen: 4}, ColName: tds.UCS2(tds.AppendUCS2(nil, "n"))}}}.Append(nil, v)
		if err != nil {
			return
		}
		b = tokens.AppendRow(b, []byte{4, 42, 0, 0, 0})
		b = tokens.Done{Status: tokens.DoneCount, RowCount: 1}.Append(b, v)
		if err := st.WriteMessage(tds.PacketResponse, b); err != nil {
			return
		}
	}
}

// TestGoMSSQLAgainstTDSConn logs go-mssqldb in to tdsconn.Accept in every
// encryption mode, with SQL authentication and NTLM, and reads a row.
func TestGoMSSQLAgainstTDSConn(t *testing.T) {
	cert, err := tdsserver.SelfSignedCertificate()
	if err != nil {
		t.Fatal(err)
	}
	hash := ntlm.HashPassword(ntlmPass)
	srv := &ntlm.Server{NbComputerName: "TDSWIRE", NbDomainName: ntlmDomain, Lookup: ntlm.AccountList{{User: ntlmUser, Hash: hash}}.Lookup}
	cases := []struct {
		name, encrypt string
		setting       prelogin.Encryption
		want          tdsconn.Encryption
		ntlm          bool
	}{
		{"disable", "disable", prelogin.EncryptOff, tdsconn.EncryptionNone, false},
		{"false (login only)", "false", prelogin.EncryptOff, tdsconn.EncryptionLoginOnly, false},
		{"true", "true", prelogin.EncryptOff, tdsconn.EncryptionFull, false},
		{"false, server requires", "false", prelogin.EncryptReq, tdsconn.EncryptionFull, false},
		{"strict", "strict", prelogin.EncryptOff, tdsconn.EncryptionStrict, false},
		{"ntlm/disable", "disable", prelogin.EncryptOff, tdsconn.EncryptionNone, true},
		{"ntlm/strict", "strict", prelogin.EncryptOff, tdsconn.EncryptionStrict, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := &tdsconn.ServerConfig{
				TLS:        &tls.Config{Certificates: []tls.Certificate{cert}},
				Encryption: c.setting,
				CheckSQLLogin: func(ctx context.Context, user string, pw login7.Password) error {
					if user == sqlUser && pw.Equal(sqlPassword) {
						return nil
					}
					return errors.New("bad login")
				},
				NewSSPI:      tdsconn.NTLMServer(srv),
				LoginTimeout: 10 * time.Second,
			}
			s := startTDSConnServer(t, cfg)
			user, pass := sqlUser, sqlPassword
			if c.ntlm {
				user, pass = ntlmDomain+`\`+ntlmUser, ntlmPass
			}
			q := url.Values{}
			q.Set("encrypt", c.encrypt)
			q.Set("TrustServerCertificate", "true")
			if c.encrypt == "strict" {
				// go-mssqldb verifies the certificate in strict mode
				// whatever TrustServerCertificate says.
				q.Set("certificate", certFile(t, cert))
			}
			q.Set("dial timeout", "5")
			q.Set("connection timeout", "10")
			u := url.URL{Scheme: "sqlserver", User: url.UserPassword(user, pass), Host: s.ln.Addr().String(), RawQuery: q.Encode()}
			db, err := sql.Open("sqlserver", u.String())
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			ctx, cancel := context.WithTimeout(context.Background(), clientTimeout)
			defer cancel()
			var n int64
			if err := db.QueryRowContext(ctx, "SELECT 42").Scan(&n); err != nil || n != 42 {
				t.Fatalf("SELECT 42 = %d, %v", n, err)
			}
			db.Close()
			s.mu.Lock()
			defer s.mu.Unlock()
			if len(s.logins) == 0 {
				t.Fatalf("no login; errors %v", s.errs)
			}
			sc := s.logins[0]
			wantUser := sqlUser
			if c.ntlm {
				wantUser = ntlmDomain + `\` + ntlmUser
			}
			if sc.Encryption() != c.want || sc.User() != wantUser || sc.Version() != tds.Version74 {
				t.Fatalf("encryption %v, user %q, version %v", sc.Encryption(), sc.User(), sc.Version())
			}
		})
	}
	t.Run("wrong password", func(t *testing.T) {
		cfg := &tdsconn.ServerConfig{CheckSQLLogin: func(ctx context.Context, user string, pw login7.Password) error { return errors.New("no") }}
		s := startTDSConnServer(t, cfg)
		u := url.URL{Scheme: "sqlserver", User: url.UserPassword("joe", "x"), Host: s.ln.Addr().String(), RawQuery: "encrypt=disable&dial+timeout=5"}
		db, _ := sql.Open("sqlserver", u.String())
		defer db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), clientTimeout)
		defer cancel()
		err := db.PingContext(ctx)
		if err == nil || !strings.Contains(err.Error(), "Login failed for user 'joe'") {
			t.Fatalf("ping: %v", err)
		}
	})
}

// certFile writes cert's leaf as PEM to a temporary file for go-mssqldb's
// "certificate" parameter.
func certFile(t *testing.T, cert tls.Certificate) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "server.pem")
	if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestTDSConnClientAgainstExampleServer logs the library's client role in
// to the example server (its own state machine, tested against the real
// drivers) in each encryption mode, with SQL authentication and NTLM,
// and runs a query over MARS too.
func TestTDSConnClientAgainstExampleServer(t *testing.T) {
	cases := []struct {
		name   string
		mode   tdsserver.TLSMode
		client tdsconn.Encryption
		want   tdsconn.Encryption
		ntlm   bool
	}{
		{"none", tdsserver.TLSOff, tdsconn.EncryptionNone, tdsconn.EncryptionNone, false},
		{"login only", tdsserver.TLSLogin, tdsconn.EncryptionLoginOnly, tdsconn.EncryptionLoginOnly, false},
		{"full", tdsserver.TLSLogin, tdsconn.EncryptionFull, tdsconn.EncryptionFull, false},
		{"required", tdsserver.TLSRequired, tdsconn.EncryptionLoginOnly, tdsconn.EncryptionFull, false},
		{"ntlm/login only", tdsserver.TLSLogin, tdsconn.EncryptionLoginOnly, tdsconn.EncryptionLoginOnly, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := startExampleServer(t, c.mode)
			cfg := &tdsconn.ClientConfig{Encryption: c.client, TLS: &tls.Config{InsecureSkipVerify: true}, User: sqlUser, Password: sqlPassword, Database: database, AppName: "tdsconn interop", MARS: true}
			if c.ntlm {
				cfg.SSPI = tdsconn.NTLMClient(&ntlm.Client{Domain: ntlmDomain, User: ntlmUser, Password: ntlmPass})
			}
			ctx, cancel := context.WithTimeout(context.Background(), clientTimeout)
			defer cancel()
			cc, res, err := tdsconn.Dial(ctx, "tcp", s.addr, cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer cc.Close()
			if res.Encryption != c.want || res.Database != database || res.TDSVersion != tds.Version74 || !res.MARS || len(res.Infos) == 0 {
				t.Fatalf("result %+v", res)
			}
			if c.ntlm && res.SSPIRounds != 1 {
				t.Fatalf("SSPI rounds %d", res.SSPIRounds)
			}
			for _, st := range []*tdsconn.Stream{cc.Stream} {
				if err := st.SQLBatch("SELECT 1"); err != nil {
					t.Fatal(err)
				}
				if n := countRows(t, st); n != 1 {
					t.Fatalf("%d rows", n)
				}
			}
			// MARS: SMP starts right after the login response, so on a
			// connection of its own.
			mc, _, err := tdsconn.Dial(ctx, "tcp", s.addr, cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer mc.Close()
			for i := range 2 {
				st, err := mc.OpenStream(ctx)
				if err != nil {
					t.Fatal(err)
				}
				defer st.Close()
				if err := st.SQLBatch("SELECT 1"); err != nil {
					t.Fatal(err)
				}
				if n := countRows(t, st); n != 1 {
					t.Fatalf("MARS session %d: %d rows", i, n)
				}
			}
		})
	}
	t.Run("refused", func(t *testing.T) {
		s := startExampleServer(t, tdsserver.TLSOff)
		ctx, cancel := context.WithTimeout(context.Background(), clientTimeout)
		defer cancel()
		_, res, err := tdsconn.Dial(ctx, "tcp", s.addr, &tdsconn.ClientConfig{User: sqlUser, Password: "wrong"})
		var se *tdsconn.ServerError
		if !errors.Is(err, tdsconn.ErrRefused) || !errors.As(err, &se) || se.Number != 18456 || len(res.Errors) != 1 {
			t.Fatalf("error %v", err)
		}
	})
}

// countRows reads one response from st and counts its ROW tokens.
func countRows(t *testing.T, st *tdsconn.Stream) int {
	t.Helper()
	_, msg, err := st.ReadMessage()
	if err != nil {
		t.Fatal(err)
	}
	s := tokens.NewScanner(msg, st.Version())
	n := 0
	for {
		tt, err := s.Next()
		if err != nil {
			break
		}
		if tt == tokens.TokenRow || tt == tokens.TokenNBCRow {
			n++
		}
	}
	return n
}
