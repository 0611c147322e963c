package tdsconn_test

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tdswire/tdswire/ntlm"
	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tdsconn"
	"github.com/tdswire/tdswire/tokens"
)

// tap records what a server's connection reads and writes, in order, as
// a proxy or a capture would see the two directions.
type tap struct {
	net.Conn
	mu  sync.Mutex
	log []tapped
}

type tapped struct {
	dir tdsconn.Direction
	b   []byte
}

func (t *tap) Read(p []byte) (int, error) {
	n, err := t.Conn.Read(p)
	t.add(tdsconn.ClientToServer, p[:n])
	return n, err
}

func (t *tap) Write(p []byte) (int, error) {
	t.add(tdsconn.ServerToClient, p) // before the bytes go: the client may answer at once
	return t.Conn.Write(p)
}

func (t *tap) add(d tdsconn.Direction, b []byte) {
	if len(b) == 0 {
		return
	}
	t.mu.Lock()
	t.log = append(t.log, tapped{d, append([]byte(nil), b...)})
	t.mu.Unlock()
}

// observeTap feeds what the tap saw to an Observer and returns its account,
// one line per message (runs of identical lines, such as the records of a
// TLS handshake, written once).
func observeTap(t *testing.T, tp *tap) (*tdsconn.Observer, []string) {
	t.Helper()
	tp.mu.Lock()
	defer tp.mu.Unlock()
	var o tdsconn.Observer
	var lines []string
	for _, c := range tp.log {
		for ev, err := range o.Events(c.dir, c.b) {
			if err != nil {
				t.Fatalf("observer: %v", err)
			}
			if ev.Kind == tdsconn.KindNone && ev.Unit != tdsconn.UnitSMP {
				continue
			}
			l := fmt.Sprintf("%v %v [%v]", ev.Dir, ev.Kind, ev.Phase)
			if ev.Unit == tdsconn.UnitSMP {
				l = fmt.Sprintf("%v smp %v [%v]", ev.Dir, ev.SMP.Flags, ev.Phase)
			}
			if ev.Round > 0 {
				l += fmt.Sprintf(" round %d", ev.Round)
			}
			if ev.LoginAck != nil {
				l += " loginack"
			}
			if ev.AttentionAck {
				l += " attnack"
			}
			if ev.Err != nil {
				l += " err " + ev.Err.Error()
			}
			if n := len(lines); n == 0 || lines[n-1] != l {
				lines = append(lines, l)
			}
		}
	}
	return &o, lines
}

// runRoles logs a Client in to a Server over loopback TCP through a tap,
// then runs fn (the requests), and returns what the tap saw.
func runRoles(t *testing.T, scfg *tdsconn.ServerConfig, ccfg *tdsconn.ClientConfig, fn func(sc *tdsconn.ServerConn, cc *tdsconn.ClientConn)) *tap {
	t.Helper()
	a, b := tcpPair(t)
	tp := &tap{Conn: a}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	type res struct {
		c   *tdsconn.ServerConn
		err error
	}
	ch := make(chan res, 1)
	go func() {
		c, err := tdsconn.Accept(ctx, tp, scfg)
		ch <- res{c, err}
	}()
	cc, _, cerr := tdsconn.Login(ctx, b, ccfg)
	r := <-ch
	if cerr != nil || r.err != nil {
		b.Close()
		a.Close()
		t.Fatalf("client %v, server %v", cerr, r.err)
	}
	if fn != nil {
		fn(r.c, cc)
	}
	cc.Close()
	r.c.Close()
	return tp
}

// batch sends a SQL batch and has the server answer it with DONE.
func batch(t *testing.T, sc *tdsconn.ServerConn, cc *tdsconn.ClientConn) {
	t.Helper()
	if err := cc.SQLBatch("select 1"); err != nil {
		t.Fatal(err)
	}
	if h, _, err := sc.ReadMessage(); err != nil || h.Type != tds.PacketSQLBatch {
		t.Fatalf("server read %v, %v", h, err)
	}
	if err := sc.WriteMessage(tds.PacketResponse, tokens.Done{}.Append(nil, sc.Version())); err != nil {
		t.Fatal(err)
	}
	if _, _, err := cc.ReadMessage(); err != nil {
		t.Fatal(err)
	}
}

// TestObserverOverRoles watches this package's own Client and Server
// (real crypto/tls, real NTLM) through a tap and checks the Observer's
// account of each encryption mode against the flow of [MS-TDS] 3.2.5.
func TestObserverOverRoles(t *testing.T) {
	ntlmSrv := &ntlm.Server{NbComputerName: "TDSWIRE", NbDomainName: "CONTOSO",
		Lookup: ntlm.AccountList{{User: "joe", Hash: ntlm.HashPassword("Passw0rd")}}.Lookup}
	sql := func(mode tdsconn.Encryption) (*tdsconn.ServerConfig, *tdsconn.ClientConfig) {
		return &tdsconn.ServerConfig{TLS: serverTLS(t), CheckSQLLogin: checkPassword},
			&tdsconn.ClientConfig{Encryption: mode, TLS: clientTLS(), User: "joe", Password: "secret"}
	}
	withNTLM := func(mode tdsconn.Encryption) (*tdsconn.ServerConfig, *tdsconn.ClientConfig) {
		return &tdsconn.ServerConfig{TLS: serverTLS(t), NewSSPI: tdsconn.NTLMServer(ntlmSrv)},
			&tdsconn.ClientConfig{Encryption: mode, TLS: clientTLS(), SSPI: tdsconn.NTLMClient(&ntlm.Client{Domain: "CONTOSO", User: "joe", Password: "Passw0rd"})}
	}
	for _, tc := range []struct {
		name  string
		cfg   func(tdsconn.Encryption) (*tdsconn.ServerConfig, *tdsconn.ClientConfig)
		mode  tdsconn.Encryption
		want  []string
		phase tdsconn.Phase
	}{{
		name: "SQL, no encryption", cfg: sql, mode: tdsconn.EncryptionNone,
		want: []string{
			"client PRELOGIN request [prelogin]",
			"server PRELOGIN response [login]",
			"client LOGIN7 [login]",
			"server login response [logged in] loginack",
			"client SQL batch [logged in]",
			"server response [logged in]",
		},
		phase: tdsconn.PhaseLoggedIn,
	}, {
		name: "SQL, login only", cfg: sql, mode: tdsconn.EncryptionLoginOnly,
		want: []string{
			"client PRELOGIN request [prelogin]",
			"server PRELOGIN response [tls handshake]",
			"client TLS handshake [tls handshake]",
			"server TLS handshake [tls handshake]",
			"client TLS handshake [tls handshake]",
			"server TLS handshake [tls handshake]",
			"client encrypted [login]", // LOGIN7
			"server login response [logged in] loginack",
			"client SQL batch [logged in]",
			"server response [logged in]",
		},
		phase: tdsconn.PhaseLoggedIn,
	}, {
		name: "SQL, entire connection", cfg: sql, mode: tdsconn.EncryptionFull,
		want: []string{
			"client PRELOGIN request [prelogin]",
			"server PRELOGIN response [tls handshake]",
			"client TLS handshake [tls handshake]",
			"server TLS handshake [tls handshake]",
			"client TLS handshake [tls handshake]",
			"server TLS handshake [tls handshake]",
			"client encrypted [login]", // LOGIN7
			"server encrypted [login]", // its answer: not visible
			"client encrypted [encrypted]",
			"server encrypted [encrypted]",
		},
		phase: tdsconn.PhaseEncrypted,
	}, {
		name: "NTLM, no encryption", cfg: withNTLM, mode: tdsconn.EncryptionNone,
		want: []string{
			"client PRELOGIN request [prelogin]",
			"server PRELOGIN response [login]",
			"client LOGIN7 [login] round 1",         // NEGOTIATE
			"server login response [login] round 1", // CHALLENGE
			"client SSPI [login] round 2",           // AUTHENTICATE
			"server login response [logged in] loginack",
			"client SQL batch [logged in]",
			"server response [logged in]",
		},
		phase: tdsconn.PhaseLoggedIn,
	}, {
		name: "NTLM, login only", cfg: withNTLM, mode: tdsconn.EncryptionLoginOnly,
		want: []string{
			"client PRELOGIN request [prelogin]",
			"server PRELOGIN response [tls handshake]",
			"client TLS handshake [tls handshake]",
			"server TLS handshake [tls handshake]",
			"client TLS handshake [tls handshake]",
			"server TLS handshake [tls handshake]",
			"client encrypted [login]",
			"server login response [login] round 1",
			"client SSPI [login] round 2",
			"server login response [logged in] loginack",
			"client SQL batch [logged in]",
			"server response [logged in]",
		},
		phase: tdsconn.PhaseLoggedIn,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			scfg, ccfg := tc.cfg(tc.mode)
			tp := runRoles(t, scfg, ccfg, func(sc *tdsconn.ServerConn, cc *tdsconn.ClientConn) { batch(t, sc, cc) })
			o, got := observeTap(t, tp)
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("observer:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
			if o.Encryption() != tc.mode || o.Phase() != tc.phase {
				t.Errorf("Encryption() = %v, Phase() = %v; want %v, %v", o.Encryption(), o.Phase(), tc.mode, tc.phase)
			}
		})
	}
	t.Run("strict", func(t *testing.T) {
		scfg, ccfg := sql(tdsconn.EncryptionStrict)
		tp := runRoles(t, scfg, ccfg, func(sc *tdsconn.ServerConn, cc *tdsconn.ClientConn) { batch(t, sc, cc) })
		o, got := observeTap(t, tp)
		if len(got) < 3 || got[0] != "client TLS handshake [tls handshake]" {
			t.Fatalf("observer:\n%s", strings.Join(got, "\n"))
		}
		// After the first application data, nothing but TLS: no TDS
		// message is named.
		enc := false
		for _, l := range got {
			enc = enc || strings.Contains(l, "encrypted [encrypted]")
			if enc && !strings.HasSuffix(l, "[encrypted]") || !strings.Contains(l, "TLS handshake") && !strings.Contains(l, "encrypted") {
				t.Errorf("strict: %q", l)
			}
		}
		if !enc || o.Encryption() != tdsconn.EncryptionStrict || o.Phase() != tdsconn.PhaseEncrypted {
			t.Errorf("Encryption() = %v, Phase() = %v:\n%s", o.Encryption(), o.Phase(), strings.Join(got, "\n"))
		}
	})
}

// TestObserverOverRolesAttentionMARS: an attention and its acknowledgement,
// then MARS sessions, as the Client and Server roles run them.
func TestObserverOverRolesAttentionMARS(t *testing.T) {
	t.Run("attention", func(t *testing.T) {
		tp := runRoles(t, &tdsconn.ServerConfig{CheckSQLLogin: checkPassword}, &tdsconn.ClientConfig{User: "joe", Password: "secret"},
			func(sc *tdsconn.ServerConn, cc *tdsconn.ClientConn) {
				done := make(chan error, 1)
				go func() {
					if _, _, err := sc.ReadMessage(); err != nil {
						done <- err
						return
					}
					sc.WriteMessage(tds.PacketResponse, tokens.Done{Status: tokens.DoneMore}.Append(nil, sc.Version()))
					if _, _, err := sc.ReadMessage(); err != nil {
						done <- err
						return
					}
					done <- sc.WriteAttentionAck()
				}()
				if err := cc.SQLBatch("waitfor delay '1:00'"); err != nil {
					t.Fatal(err)
				}
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				if err := cc.Cancel(ctx); err != nil {
					t.Fatal(err)
				}
				if err := <-done; err != nil {
					t.Fatal(err)
				}
			})
		_, got := observeTap(t, tp)
		want := []string{
			"client PRELOGIN request [prelogin]",
			"server PRELOGIN response [login]",
			"client LOGIN7 [login]",
			"server login response [logged in] loginack",
			"client SQL batch [logged in]",
			"server response [logged in]",
			"client attention [logged in]",
			"server response [logged in] attnack",
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("observer:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	})
	t.Run("MARS", func(t *testing.T) {
		tp := runRoles(t, &tdsconn.ServerConfig{MARS: true, CheckSQLLogin: checkPassword}, &tdsconn.ClientConfig{MARS: true, User: "joe", Password: "secret"},
			func(sc *tdsconn.ServerConn, cc *tdsconn.ClientConn) {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				done := make(chan error, 1)
				go func() {
					st, err := sc.AcceptStream(ctx)
					if err != nil {
						done <- err
						return
					}
					defer st.Close()
					if _, _, err := st.ReadMessage(); err != nil {
						done <- err
						return
					}
					done <- st.WriteMessage(tds.PacketResponse, tokens.Done{}.Append(nil, st.Version()))
				}()
				st, err := cc.OpenStream(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if err := st.SQLBatch("select 1"); err != nil {
					t.Fatal(err)
				}
				if _, _, err := st.ReadMessage(); err != nil {
					t.Fatal(err)
				}
				if err := <-done; err != nil {
					t.Fatal(err)
				}
				st.Close()
			})
		o, got := observeTap(t, tp)
		if !o.SMP() {
			t.Fatal("no SMP seen")
		}
		want := []string{
			"client PRELOGIN request [prelogin]",
			"server PRELOGIN response [login]",
			"client LOGIN7 [login]",
			"server login response [logged in] loginack",
			"client smp SYN [logged in]",
			"client SQL batch [logged in]",
		}
		if len(got) < len(want) || strings.Join(got[:len(want)], "\n") != strings.Join(want, "\n") {
			t.Fatalf("observer:\n%s\nwant it to start:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if !strings.Contains(strings.Join(got, "\n"), "server response [logged in]") {
			t.Errorf("no response on the session:\n%s", strings.Join(got, "\n"))
		}
	})
}
