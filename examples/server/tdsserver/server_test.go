package tdsserver_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/tdswire/tdswire/examples/server/tdsserver"
	"github.com/tdswire/tdswire/login7"
	"github.com/tdswire/tdswire/prelogin"
	"github.com/tdswire/tdswire/smp"
	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tds/request"
	"github.com/tdswire/tdswire/tds/sqltype"
	"github.com/tdswire/tdswire/tokens"
)

// start runs a server with the login sa / Passw0rd! on 127.0.0.1.
func start(t testing.TB, cfg tdsserver.Config) (*tdsserver.Server, string) {
	t.Helper()
	cfg.Users = append(cfg.Users, tdsserver.User{Name: "sa", Password: "Passw0rd!"})
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	srv, err := tdsserver.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		srv.Close()
		if err := <-done; !errors.Is(err, tdsserver.ErrServerClosed) {
			t.Errorf("Serve returned %v", err)
		}
	})
	return srv, ln.Addr().String()
}

// stream is one TDS packet stream of a raw test client.
type stream struct {
	r *tds.Reader
	w *tds.Writer
}

func newStream(t testing.TB, rw io.ReadWriter) stream {
	t.Helper()
	w, err := tds.NewWriter(rw, tds.DefaultPacketSize)
	if err != nil {
		t.Fatal(err)
	}
	return stream{r: tds.NewReader(rw), w: w}
}

// roundTrip sends one message and returns the response's token stream.
func (s stream) roundTrip(t testing.TB, typ tds.PacketType, payload []byte) []byte {
	t.Helper()
	if err := s.w.WriteMessage(typ, 0, payload); err != nil {
		t.Fatal(err)
	}
	h, msg, err := s.r.ReadMessage()
	if err != nil {
		t.Fatal(err)
	}
	if h.Type != tds.PacketResponse {
		t.Fatalf("answer is %v", h.Type)
	}
	return msg
}

// summary lists the tokens of a response: ROWs are counted, DONEs show
// their status, ERRORs their number.
func summary(t testing.TB, b []byte) string {
	t.Helper()
	s := tokens.NewScanner(b, tds.Version74)
	out, rows := "", 0
	for {
		typ, err := s.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		switch typ {
		case tokens.TokenRow:
			rows++
			continue
		case tokens.TokenDone, tokens.TokenDoneProc, tokens.TokenDoneInProc:
			var d tokens.Done
			if err := s.Done(&d); err != nil {
				t.Fatal(err)
			}
			if rows > 0 {
				out += fmt.Sprintf("%d*ROW ", rows)
				rows = 0
			}
			out += fmt.Sprintf("%v(%v) ", typ, d.Status)
			continue
		case tokens.TokenError:
			var e tokens.Message
			if err := s.Message(&e); err != nil {
				t.Fatal(err)
			}
			out += fmt.Sprintf("ERROR(%d) ", e.Number)
			continue
		}
		out += typ.String() + " "
	}
}

func preloginMARS(t testing.TB, s stream) bool {
	t.Helper()
	m := prelogin.Message{Present: prelogin.HasVersion | prelogin.HasEncryption | prelogin.HasMARS, Encryption: prelogin.EncryptNotSup, MARS: true}
	b, err := m.Append(nil)
	if err != nil {
		t.Fatal(err)
	}
	var resp prelogin.Message
	if err := resp.Decode(s.roundTrip(t, tds.PacketPrelogin, b)); err != nil {
		t.Fatal(err)
	}
	return resp.MARS && resp.Encryption == prelogin.EncryptNotSup
}

func login(t testing.TB, s stream) string {
	t.Helper()
	l := login7.Login7{TDSVersion: tds.Version74, PacketSize: 4096, UserName: ucs2("sa"), Password: login7.NewPassword("Passw0rd!")}
	b, err := l.Append(nil)
	if err != nil {
		t.Fatal(err)
	}
	return summary(t, s.roundTrip(t, tds.PacketLogin7, b))
}

func batch(t testing.TB, sql string) []byte {
	m := request.SQLBatch{Headers: request.AllHeaders{TransactionDescriptor: request.AutoCommit()}, SQLText: tds.UCS2(tds.AppendUCS2(nil, sql))}
	b, err := m.Append(nil, tds.Version74)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func ucs2(s string) tds.UCS2 { return tds.UCS2(tds.AppendUCS2(nil, s)) }

// TestMARSSessions opens two SMP sessions on one connection and runs a
// large and a small query in them at the same time, with SMP started
// after the login and, as a client may also do, before LOGIN7.
func TestMARSSessions(t *testing.T) {
	for _, smpFirst := range []bool{false, true} {
		t.Run(fmt.Sprintf("smp-before-login=%v", smpFirst), func(t *testing.T) {
			srv, addr := start(t, tdsserver.Config{MARS: true, Rows: 3000})
			nc, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer nc.Close()
			nc.SetDeadline(time.Now().Add(20 * time.Second))
			if !preloginMARS(t, newStream(t, nc)) {
				t.Fatal("MARS not granted")
			}
			if !smpFirst {
				if got := login(t, newStream(t, nc)); got != "ENVCHANGE INFO ENVCHANGE ENVCHANGE INFO LOGINACK ENVCHANGE DONE(FINAL) " {
					t.Fatalf("login: %s", got)
				}
			}
			mux := smp.NewClient(nc, nil)
			defer mux.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			s0, err := mux.Open(ctx)
			if err != nil {
				t.Fatal(err)
			}
			st0 := newStream(t, s0)
			if smpFirst {
				if got := login(t, st0); got != "ENVCHANGE INFO ENVCHANGE ENVCHANGE INFO LOGINACK ENVCHANGE DONE(FINAL) " {
					t.Fatalf("login: %s", got)
				}
			}
			s1, err := mux.Open(ctx)
			if err != nil {
				t.Fatal(err)
			}
			st1 := newStream(t, s1)
			var wg sync.WaitGroup
			var big, one string
			wg.Add(2)
			go func() {
				defer wg.Done()
				big = summary(t, st0.roundTrip(t, tds.PacketSQLBatch, batch(t, "SELECT * FROM big")))
			}()
			go func() { defer wg.Done(); one = summary(t, st1.roundTrip(t, tds.PacketSQLBatch, batch(t, "SELECT 1"))) }()
			wg.Wait()
			if big != "COLMETADATA 3000*ROW DONE(COUNT) " || one != "COLMETADATA 1*ROW DONE(COUNT) " {
				t.Errorf("session 0: %s\nsession 1: %s", big, one)
			}
			s0.Close()
			s1.Close()
			st := srv.Stats()
			if st.SMPSessions != 2 || st.Logins != 1 {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

// TestRPC calls sp_executesql with parameters, an unknown procedure, and
// both in one request.
func TestRPC(t *testing.T) {
	_, addr := start(t, tdsserver.Config{})
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(20 * time.Second))
	s := newStream(t, nc)
	preloginMARS(t, s)
	login(t, s)

	nv := sqltype.TypeInfo{Type: sqltype.TypeNVarChar, MaxLen: 8000, Collation: sqltype.Collation{0x09, 0x04, 0xD0, 0x00, 0x34}}
	in := sqltype.TypeInfo{Type: sqltype.TypeIntN, MaxLen: 4}
	execSQL := func(b []byte, stmt string, value *int64) []byte {
		b, _ = request.RPC{ProcID: request.ProcExecuteSQL}.Append(b)
		b, _ = request.AppendParam(b, tds.Version74, "", 0, &nv)
		b, _ = nv.AppendString(b, stmt)
		b, _ = request.AppendParam(b, tds.Version74, "", 0, &nv)
		b, _ = nv.AppendString(b, "@p1 int")
		b, _ = request.AppendParam(b, tds.Version74, "@p1", 0, &in)
		if value == nil {
			b, _ = in.AppendNull(b)
		} else {
			b, _ = in.AppendInt(b, *value)
		}
		return b
	}
	headers, _ := (&request.AllHeaders{TransactionDescriptor: request.AutoCommit()}).Append(nil, tds.Version74)
	seven := int64(7)

	msg := s.roundTrip(t, tds.PacketRPC, execSQL(append([]byte(nil), headers...), "SELECT @p1", &seven))
	if got := summary(t, msg); got != "COLMETADATA 1*ROW DONEINPROC(MORE|COUNT) RETURNSTATUS DONEPROC(FINAL) " {
		t.Errorf("sp_executesql: %s", got)
	}
	sc := tokens.NewScanner(msg, tds.Version74)
	if _, err := sc.SkipTo(tokens.TokenRow); err != nil {
		t.Fatal(err)
	}
	vals, err := sc.RowValues(nil)
	if n, _ := vals[0].Int64(); err != nil || n != 7 {
		t.Errorf("SELECT @p1 = %d, %v", n, err)
	}
	if got := summary(t, s.roundTrip(t, tds.PacketRPC, execSQL(append([]byte(nil), headers...), "SELECT @p1", nil))); got != "COLMETADATA 1*ROW DONEINPROC(MORE|COUNT) RETURNSTATUS DONEPROC(FINAL) " {
		t.Errorf("sp_executesql with NULL: %s", got)
	}

	two := append([]byte(nil), headers...)
	two, _ = (&request.RPC{ProcName: ucs2("sp_who")}).Append(two)
	two, _ = request.AppendSeparator(two, tds.Version74, request.BatchFlag)
	two = execSQL(two, "SELECT * FROM nothing", &seven)
	if got := summary(t, s.roundTrip(t, tds.PacketRPC, two)); got != "ERROR(2812) DONEPROC(MORE|ERROR|RPCINBATCH) ERROR(208) DONEPROC(ERROR) " {
		t.Errorf("two RPCs: %s", got)
	}
	if got := summary(t, s.roundTrip(t, tds.PacketSQLBatch, batch(t, "SET NOCOUNT ON; SELECT 1; SELECT @@SPID; nope"))); got != "DONE(MORE) COLMETADATA 1*ROW DONE(MORE) COLMETADATA 1*ROW DONE(MORE) ERROR(102) DONE(ERROR) " {
		t.Errorf("batch: %s", got)
	}
	if got := summary(t, s.roundTrip(t, tds.PacketAttention, nil)); got != "DONE(ATTN) " {
		t.Errorf("attention: %s", got)
	}
}

// TestClose checks that Close ends idle connections and that Serve
// returns ErrServerClosed.
func TestClose(t *testing.T) {
	srv, addr := start(t, tdsserver.Config{})
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	s := newStream(t, nc)
	preloginMARS(t, s)
	login(t, s)
	srv.Close()
	if _, _, err := s.r.ReadMessage(); err == nil {
		t.Error("connection still open after Close")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Serve(ln); !errors.Is(err, tdsserver.ErrServerClosed) {
		t.Errorf("Serve after Close: %v", err)
	}
	if _, err := ln.Accept(); err == nil {
		t.Error("Serve after Close left the listener open")
	}
}
