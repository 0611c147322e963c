package tdsconn_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/tdswire/tdswire/login7"
	"github.com/tdswire/tdswire/ntlm"
	"github.com/tdswire/tdswire/prelogin"
	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tdsconn"
	"github.com/tdswire/tdswire/tokens"
)

func TestLoginEncryptionModes(t *testing.T) {
	cases := []struct {
		name    string
		tls     bool
		setting prelogin.Encryption
		client  tdsconn.Encryption
		want    tdsconn.Encryption
		fail    bool
	}{
		{"no TLS, client off", false, 0, tdsconn.EncryptionNone, tdsconn.EncryptionNone, false},
		{"no TLS, client login", false, 0, tdsconn.EncryptionLoginOnly, tdsconn.EncryptionNone, false},
		{"no TLS, client full", false, 0, tdsconn.EncryptionFull, 0, true},
		{"no TLS, client strict", false, 0, tdsconn.EncryptionStrict, 0, true},
		{"TLS off, client none", true, prelogin.EncryptOff, tdsconn.EncryptionNone, tdsconn.EncryptionNone, false},
		{"TLS off, client login", true, prelogin.EncryptOff, tdsconn.EncryptionLoginOnly, tdsconn.EncryptionLoginOnly, false},
		{"TLS off, client full", true, prelogin.EncryptOff, tdsconn.EncryptionFull, tdsconn.EncryptionFull, false},
		{"TLS on, client login", true, prelogin.EncryptOn, tdsconn.EncryptionLoginOnly, tdsconn.EncryptionFull, false},
		{"TLS on, client none", true, prelogin.EncryptOn, tdsconn.EncryptionNone, 0, true},
		{"TLS req, client full", true, prelogin.EncryptReq, tdsconn.EncryptionFull, tdsconn.EncryptionFull, false},
		{"TLS, client strict", true, prelogin.EncryptOff, tdsconn.EncryptionStrict, tdsconn.EncryptionStrict, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			scfg := &tdsconn.ServerConfig{Encryption: tc.setting, CheckSQLLogin: checkPassword, Database: "tempdb"}
			if tc.tls {
				scfg.TLS = serverTLS(t)
			}
			ccfg := &tdsconn.ClientConfig{Encryption: tc.client, TLS: clientTLS(), User: "joe", Password: "secret", PacketSize: 8192}
			sc, serr, cc, lr, cerr := pair(t, scfg, ccfg)
			if tc.fail {
				if serr == nil || cerr == nil {
					t.Fatalf("server %v, client %v: want both to fail", serr, cerr)
				}
				var e *tdsconn.Error
				if !errors.As(serr, &e) || !errors.As(cerr, &e) {
					t.Fatalf("errors are not *tdsconn.Error: %v / %v", serr, cerr)
				}
				return
			}
			if serr != nil || cerr != nil {
				t.Fatalf("server %v, client %v", serr, cerr)
			}
			if sc.Encryption() != tc.want || lr.Encryption != tc.want {
				t.Fatalf("encryption server %v client %v, want %v", sc.Encryption(), lr.Encryption, tc.want)
			}
			if lr.TDSVersion != tds.Version74 || lr.PacketSize != 8192 || lr.Database != "master" && lr.Database != "tempdb" {
				t.Fatalf("result %+v", lr)
			}
			if sc.User() != "joe" || sc.PacketSize() != 8192 || cc.PacketSize() != 8192 {
				t.Fatalf("user %q, packet sizes %d %d", sc.User(), sc.PacketSize(), cc.PacketSize())
			}
			if len(lr.Infos) != 2 || lr.Infos[0].Number != 5701 || lr.Infos[1].Number != 5703 || lr.ServerName != "tdswire" {
				t.Fatalf("infos %+v, server %q", lr.Infos, lr.ServerName)
			}
			roundTrip(t, sc, cc)
		})
	}
}

// roundTrip sends a batch of 20000 bytes (several packets) and answers it
// with a streamed response.
func roundTrip(t *testing.T, sc *tdsconn.ServerConn, cc *tdsconn.ClientConn) {
	t.Helper()
	text := string(bytes.Repeat([]byte("x"), 10000))
	errc := make(chan error, 1)
	go func() {
		h, msg, err := sc.ReadMessage()
		if err != nil {
			errc <- err
			return
		}
		if h.Type != tds.PacketSQLBatch || len(msg) < 20000 {
			errc <- errors.New("bad batch")
			return
		}
		if err := sc.BeginMessage(tds.PacketResponse); err != nil {
			errc <- err
			return
		}
		for range 100 {
			b, err := tokens.Message{Type: tokens.TokenInfo, Number: 1, MsgText: tds.UCS2(tds.AppendUCS2(nil, "row"))}.Append(nil, sc.Version())
			if err != nil {
				errc <- err
				return
			}
			if _, err := sc.Write(b); err != nil {
				errc <- err
				return
			}
		}
		if _, err := sc.Write(tokens.Done{Status: tokens.DoneFinal}.Append(nil, sc.Version())); err != nil {
			errc <- err
			return
		}
		errc <- sc.EndMessage()
	}()
	if err := cc.SQLBatch(text); err != nil {
		t.Fatal(err)
	}
	h, msg, err := cc.ReadMessage()
	if err != nil {
		t.Fatal(err)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	s := tokens.NewScanner(msg, cc.Version())
	n := 0
	for {
		tt, err := s.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if tt == tokens.TokenInfo {
			n++
		}
	}
	if h.Type != tds.PacketResponse || n != 100 {
		t.Fatalf("%v with %d INFO", h.Type, n)
	}
}

func TestLoginRefused(t *testing.T) {
	scfg := &tdsconn.ServerConfig{CheckSQLLogin: checkPassword}
	ccfg := &tdsconn.ClientConfig{Encryption: tdsconn.EncryptionNone, User: "joe", Password: "wrong"}
	_, serr, _, lr, cerr := pair(t, scfg, ccfg)
	if !errors.Is(serr, tdsconn.ErrRefused) || !errors.Is(cerr, tdsconn.ErrRefused) {
		t.Fatalf("server %v, client %v", serr, cerr)
	}
	var se *tdsconn.ServerError
	if !errors.As(cerr, &se) || se.Number != tdsconn.ErrNumLoginFailed || se.Message != "Login failed for user 'joe'." {
		t.Fatalf("client error %v", cerr)
	}
	var e *tdsconn.Error
	if !errors.As(serr, &e) || e.Phase != tdsconn.PhaseLogin {
		t.Fatalf("server error %v", serr)
	}
	if len(lr.Errors) != 1 {
		t.Fatalf("errors %+v", lr.Errors)
	}
}

func TestLoginCustomError(t *testing.T) {
	scfg := &tdsconn.ServerConfig{CheckSQLLogin: func(ctx context.Context, user string, pw login7.Password) error {
		return &tdsconn.ServerError{Number: 4060, State: 1, Class: 11, Message: "Cannot open database."}
	}}
	_, _, _, _, cerr := pair(t, scfg, &tdsconn.ClientConfig{User: "joe"})
	var se *tdsconn.ServerError
	if !errors.As(cerr, &se) || se.Number != 4060 || se.Class != 11 {
		t.Fatalf("client error %v", cerr)
	}
}

func TestNTLMLogin(t *testing.T) {
	hash := ntlm.HashPassword("Passw0rd")
	srv := &ntlm.Server{NbComputerName: "TDSWIRE", NbDomainName: "CONTOSO", Lookup: ntlm.AccountList{{User: "joe", Hash: hash}}.Lookup}
	for _, mode := range []tdsconn.Encryption{tdsconn.EncryptionNone, tdsconn.EncryptionLoginOnly, tdsconn.EncryptionFull, tdsconn.EncryptionStrict} {
		t.Run(mode.String(), func(t *testing.T) {
			scfg := &tdsconn.ServerConfig{TLS: serverTLS(t), NewSSPI: tdsconn.NTLMServer(srv)}
			ccfg := &tdsconn.ClientConfig{Encryption: mode, TLS: clientTLS(), SSPI: tdsconn.NTLMClient(&ntlm.Client{Domain: "CONTOSO", User: "joe", Password: "Passw0rd"})}
			sc, serr, _, lr, cerr := pair(t, scfg, ccfg)
			if serr != nil || cerr != nil {
				t.Fatalf("server %v, client %v", serr, cerr)
			}
			if sc.User() != `CONTOSO\joe` || lr.SSPIRounds != 1 {
				t.Fatalf("user %q, rounds %d", sc.User(), lr.SSPIRounds)
			}
		})
	}
	t.Run("wrong password", func(t *testing.T) {
		scfg := &tdsconn.ServerConfig{NewSSPI: tdsconn.NTLMServer(srv)}
		ccfg := &tdsconn.ClientConfig{SSPI: tdsconn.NTLMClient(&ntlm.Client{Domain: "CONTOSO", User: "joe", Password: "nope"})}
		_, serr, _, _, cerr := pair(t, scfg, ccfg)
		var se *tdsconn.ServerError
		if !errors.Is(serr, tdsconn.ErrRefused) || !errors.As(cerr, &se) || se.Number != tdsconn.ErrNumUntrustedDomain {
			t.Fatalf("server %v, client %v", serr, cerr)
		}
		var e *tdsconn.Error
		if !errors.As(serr, &e) || e.Phase != tdsconn.PhaseSSPI {
			t.Fatalf("phase of %v", serr)
		}
	})
}

func TestRequireStrict(t *testing.T) {
	scfg := &tdsconn.ServerConfig{TLS: serverTLS(t), RequireStrict: true, CheckSQLLogin: checkPassword}
	_, serr, _, _, cerr := pair(t, scfg, &tdsconn.ClientConfig{Encryption: tdsconn.EncryptionFull, TLS: clientTLS(), User: "joe", Password: "secret"})
	var se *tdsconn.ServerError
	if !errors.Is(serr, tdsconn.ErrRefused) || !errors.As(cerr, &se) {
		t.Fatalf("server %v, client %v", serr, cerr)
	}
	_, serr, _, lr, cerr := pair(t, scfg, &tdsconn.ClientConfig{Encryption: tdsconn.EncryptionStrict, TLS: clientTLS(), User: "joe", Password: "secret"})
	if serr != nil || cerr != nil || lr.TLS.NegotiatedProtocol != tdsconn.ALPN {
		t.Fatalf("server %v, client %v", serr, cerr)
	}
}

// rawLogin7 is a LOGIN7 message for user joe/secret at version v.
func rawLogin7(t testing.TB, v tds.Version) []byte {
	l := login7.Login7{TDSVersion: v, PacketSize: 4096, UserName: tds.UCS2(tds.AppendUCS2(nil, "joe")), Password: login7.NewPassword("secret")}
	b, err := l.Append(nil)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestLoginWithoutPrelogin: a client whose first message is LOGIN7 is
// served, at the version it asks for (TDS 7.0 and 7.1 are acknowledged
// with the LOGINACK values of [MS-TDS] 2.2.7.14 <69>).
func TestLoginWithoutPrelogin(t *testing.T) {
	for _, tc := range []struct{ ask, ack, negotiated tds.Version }{
		{tds.Version70, tds.Version70Server, tds.Version70},
		{tds.Version71, tds.Version71Server, tds.Version71},
		{tds.Version72, tds.Version72, tds.Version72},
		{tds.Version80, tds.Version74, tds.Version74},
		{0x75000000, tds.Version74, tds.Version74},
	} {
		a, b := net.Pipe()
		errc := make(chan error, 1)
		var sc *tdsconn.ServerConn
		go func() {
			var err error
			sc, err = tdsconn.Accept(context.Background(), a, &tdsconn.ServerConfig{CheckSQLLogin: checkPassword})
			errc <- err
		}()
		w, _ := tds.NewWriter(b, tds.DefaultPacketSize)
		if err := w.WriteMessage(tds.PacketLogin7, 0, rawLogin7(t, tc.ask)); err != nil {
			t.Fatal(err)
		}
		h, msg, err := tds.NewReader(b).ReadMessage()
		if err != nil {
			t.Fatal(err)
		}
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
		s := tokens.NewScanner(msg, tc.negotiated)
		if _, err := s.SkipTo(tokens.TokenLoginAck); err != nil {
			t.Fatalf("%v: %v", tc.ask, err)
		}
		var ack tokens.LoginAck
		if err := s.LoginAck(&ack); err != nil {
			t.Fatal(err)
		}
		if h.Type != tds.PacketResponse || ack.TDSVersion != tc.ack || sc.Version() != tc.negotiated {
			t.Fatalf("asked %v: LOGINACK %v, version %v", tc.ask, ack.TDSVersion, sc.Version())
		}
		if _, ok := sc.Prelogin(); ok {
			t.Fatal("Prelogin reported")
		}
		if sc.Login().Password.Len() != 0 {
			t.Fatal("password kept")
		}
		sc.Close()
		b.Close()
	}
}

// TestRefusalsSendError: a client that sends garbage, or a second
// PRELOGIN where LOGIN7 belongs, reads an ERROR token before the close.
func TestRefusalsSendError(t *testing.T) {
	pre, _ := (&prelogin.Message{Present: prelogin.HasVersion | prelogin.HasEncryption, Encryption: prelogin.EncryptNotSup}).Append(nil)
	for _, tc := range []struct {
		name  string
		msgs  [][]byte // messages: first byte is the type
		phase tdsconn.Phase
		class error // the tds sentinel errors.Is finds beside ErrRefused
	}{
		{"garbage", [][]byte{{0x47, 'E', 'T', ' ', '/', ' ', 'H', 'T', 'T', 'P'}}, tdsconn.PhasePrelogin, tds.ErrUnexpected},
		{"bad prelogin", [][]byte{{0x12, 0xFF, 0xFF}}, tdsconn.PhasePrelogin, tds.ErrMalformed},
		{"second prelogin", [][]byte{append([]byte{0x12}, pre...), append([]byte{0x12}, pre...)}, tdsconn.PhaseLogin, tds.ErrUnexpected},
		{"bad login7", [][]byte{append([]byte{0x12}, pre...), {0x10, 1, 2, 3}}, tdsconn.PhaseLogin, tds.ErrTruncated},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := net.Pipe()
			defer b.Close()
			errc := make(chan error, 1)
			go func() {
				_, err := tdsconn.Accept(context.Background(), a, &tdsconn.ServerConfig{CheckSQLLogin: checkPassword, LoginTimeout: 5 * time.Second})
				errc <- err
			}()
			w, _ := tds.NewWriter(b, tds.DefaultPacketSize)
			r := tds.NewReader(b)
			var last []byte
			for i, m := range tc.msgs {
				if tc.name == "garbage" {
					go b.Write(m) // the server reads one byte only
				} else if err := w.WriteMessage(tds.PacketType(m[0]), 0, m[1:]); err != nil {
					t.Fatal(err)
				}
				_, msg, err := r.ReadMessage()
				if err != nil {
					t.Fatalf("message %d: %v", i, err)
				}
				last = msg
			}
			if len(last) == 0 || last[0] != byte(tokens.TokenError) {
				t.Fatalf("answer % x, want an ERROR token", last)
			}
			if _, _, err := r.ReadMessage(); err == nil {
				t.Fatal("connection not closed")
			}
			err := <-errc
			var e *tdsconn.Error
			if !errors.Is(err, tdsconn.ErrRefused) || !errors.As(err, &e) || e.Phase != tc.phase {
				t.Fatalf("error %v, want refusal in phase %v", err, tc.phase)
			}
			if !errors.Is(err, tc.class) {
				t.Errorf("error %v: errors.Is(err, %v) = false", err, tc.class)
			}
		})
	}
}

// TestLoginDeadline: the login timeout bounds the whole login even when
// the client trickles bytes in.
func TestLoginDeadline(t *testing.T) {
	a, b := net.Pipe()
	defer b.Close()
	errc := make(chan error, 1)
	start := time.Now()
	go func() {
		_, err := tdsconn.Accept(context.Background(), a, &tdsconn.ServerConfig{LoginTimeout: 300 * time.Millisecond})
		errc <- err
	}()
	go func() {
		for _, c := range []byte{0x12, 0x01, 0x00, 0x40} {
			if _, err := b.Write([]byte{c}); err != nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		io.Copy(io.Discard, b)
	}()
	err := <-errc
	if err == nil || time.Since(start) > 2*time.Second {
		t.Fatalf("error %v after %v", err, time.Since(start))
	}
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("error %v is not a timeout", err)
	}
}

func TestAcceptContextCancel(t *testing.T) {
	a, b := net.Pipe()
	defer b.Close()
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := tdsconn.Accept(ctx, a, nil)
		errc <- err
	}()
	time.Sleep(50 * time.Millisecond)
	cancel()
	select {
	case err := <-errc:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("error %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Accept ignored the cancellation")
	}
}

func TestAttention(t *testing.T) {
	sc, serr, cc, _, cerr := pair(t, &tdsconn.ServerConfig{CheckSQLLogin: checkPassword}, &tdsconn.ClientConfig{User: "joe", Password: "secret"})
	if serr != nil || cerr != nil {
		t.Fatal(serr, cerr)
	}
	done := make(chan error, 1)
	go func() {
		h, _, err := sc.ReadMessage()
		if err != nil || h.Type != tds.PacketSQLBatch {
			done <- errors.New("no batch")
			return
		}
		// A partial result, then the attention.
		sc.WriteMessage(tds.PacketResponse, tokens.Done{Status: tokens.DoneMore}.Append(nil, sc.Version()))
		h, _, err = sc.ReadMessage()
		if err != nil || !tdsconn.IsAttention(h) {
			done <- errors.New("no attention")
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
}

func TestMARS(t *testing.T) {
	scfg := &tdsconn.ServerConfig{TLS: serverTLS(t), MARS: true, CheckSQLLogin: checkPassword}
	for _, mode := range []tdsconn.Encryption{tdsconn.EncryptionNone, tdsconn.EncryptionLoginOnly, tdsconn.EncryptionFull, tdsconn.EncryptionStrict} {
		t.Run(mode.String(), func(t *testing.T) {
			sc, serr, cc, lr, cerr := pair(t, scfg, &tdsconn.ClientConfig{Encryption: mode, TLS: clientTLS(), MARS: true, User: "joe", Password: "secret"})
			if serr != nil || cerr != nil {
				t.Fatal(serr, cerr)
			}
			if !lr.MARS || !sc.MARS() {
				t.Fatal("MARS not granted")
			}
			srvDone := make(chan error, 1)
			go func() {
				ctx := context.Background()
				n := 0
				for {
					st, err := sc.AcceptStream(ctx)
					if err == io.EOF {
						srvDone <- nil
						return
					}
					if err != nil {
						srvDone <- err
						return
					}
					n++
					go func() {
						defer st.Close()
						for {
							_, msg, err := st.ReadMessage()
							if err != nil {
								return
							}
							st.WriteMessage(tds.PacketResponse, append(msg[len(msg)-6:], tokens.Done{}.Append(nil, st.Version())...))
						}
					}()
				}
			}()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			for i := range 3 {
				st, err := cc.OpenStream(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if err := st.SQLBatch("abc"); err != nil {
					t.Fatal(err)
				}
				_, msg, err := st.ReadMessage()
				if err != nil || string(msg[:6]) != string(tds.AppendUCS2(nil, "abc")) {
					t.Fatalf("stream %d: % x %v", i, msg, err)
				}
				st.Close()
			}
			cc.Close()
			sc.Close()
			if err := <-srvDone; err != nil && !errors.Is(err, tdsconn.ErrClosed) {
				t.Log(err)
			}
		})
	}
}

// TestClientUnexpectedIsTDSClass: a server that answers PRELOGIN with a
// packet of another type fails the client's login with tds.ErrUnexpected,
// the one sentinel of a flow violation (tdsconn has no copy of it).
func TestClientUnexpectedIsTDSClass(t *testing.T) {
	a, b := net.Pipe()
	defer b.Close()
	go func() {
		r := tds.NewReader(b)
		if _, _, err := r.ReadMessage(); err != nil {
			return
		}
		w, _ := tds.NewWriter(b, tds.DefaultPacketSize)
		w.WriteMessage(tds.PacketPrelogin, 0, []byte{0xFF}) // a PRELOGIN where a TABULAR_RESULT belongs
	}()
	_, _, err := tdsconn.Login(context.Background(), a, &tdsconn.ClientConfig{LoginTimeout: 5 * time.Second})
	var e *tdsconn.Error
	if !errors.As(err, &e) || e.Phase != tdsconn.PhasePrelogin {
		t.Fatalf("error %v, want a *tdsconn.Error in phase %v", err, tdsconn.PhasePrelogin)
	}
	if !errors.Is(err, tds.ErrUnexpected) {
		t.Errorf("error %v: errors.Is(err, tds.ErrUnexpected) = false", err)
	}
	if errors.Is(err, tds.ErrMalformed) {
		t.Errorf("error %v: errors.Is(err, tds.ErrMalformed) = true, want only ErrUnexpected", err)
	}
}
