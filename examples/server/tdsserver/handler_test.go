package tdsserver_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/microsoft/go-mssqldb"

	"github.com/tdswire/tdswire/examples/server/tdsserver"
	"github.com/tdswire/tdswire/login7"
	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tds/request"
	"github.com/tdswire/tdswire/tds/sqltype"
	"github.com/tdswire/tdswire/tokens"
)

// TestHandlerAPI drives a custom handler through every ResponseWriter
// method and checks the token stream, DONE_MORE included.
func TestHandlerAPI(t *testing.T) {
	var calls atomic.Int64
	h := tdsserver.HandlerFunc(func(ctx context.Context, w *tdsserver.ResponseWriter, r *tdsserver.Request) {
		calls.Add(1)
		switch r.Kind {
		case tdsserver.SQLBatch:
			switch r.SQL {
			case "all":
				w.EnvChange(tokens.EnvChange{Type: tokens.EnvDatabase, NewValue: ucs2("tempdb"), OldValue: ucs2("master")})
				w.Info(5701, 1, "Changed database context to 'tempdb'.")
				w.Columns(
					tokens.Column{Flags: tokens.ColNullable, TypeInfo: sqltype.TypeInfo{Type: sqltype.TypeIntN, MaxLen: 8}, ColName: ucs2("n")},
					tokens.Column{Flags: tokens.ColNullable, TypeInfo: sqltype.TypeInfo{Type: sqltype.TypeNVarChar, MaxLen: 20, Collation: sqltype.Collation{0x09, 0x04, 0xD0, 0x00, 0x34}}, ColName: ucs2("s")},
					tokens.Column{Flags: tokens.ColNullable, TypeInfo: sqltype.TypeInfo{Type: sqltype.TypeFloatN, MaxLen: 8}, ColName: ucs2("f")},
				)
				w.Row(int64(1), "one", 1.5)
				w.NBCRow(nil, "two", nil)
				if err := w.Row(1, 2); err == nil {
					t.Error("a row of 2 values for 3 columns was accepted")
				}
				w.Done(0, 2)
				w.Error(50000, 16, 1, "custom")
				w.Done(tokens.DoneError, 0)
			case "nothing":
				// The server ends the response.
			case "error only":
				w.Error(50001, 16, 2, "only an error")
			}
		case tdsserver.RPC:
			w.ReturnStatus(7)
			w.ReturnValue("@out", sqltype.TypeInfo{Type: sqltype.TypeIntN, MaxLen: 4}, int32(r.RPC.Index+10))
		case tdsserver.TransactionManager:
			w.Done(0, 0)
		case tdsserver.BulkLoad:
			w.Done(tokens.DoneCount, uint64(len(r.Payload)))
		}
	})
	s, srv := session(t, tdsserver.Config{Handler: h, Record: true})
	for _, c := range []struct{ sql, want string }{
		{"all", "ENVCHANGE(1) INFO(5701) COLMETADATA 2*ROW DONE(MORE|COUNT:2) ERROR(50000) DONE(ERROR) "},
		{"nothing", "DONE(FINAL) "},
		{"error only", "ERROR(50001) DONE(ERROR) "},
	} {
		r := decode(t, s.roundTrip(t, tds.PacketSQLBatch, batch(t, c.sql)))
		if r.summary != c.want {
			t.Errorf("%q:\n got %s\nwant %s", c.sql, r.summary, c.want)
		}
		if c.sql == "all" && fmt.Sprint(r.rows) != "[[1 one 1.5] [NULL two NULL]]" {
			t.Errorf("rows %v", r.rows)
		}
	}
	// Two RPCs in one message: by name and by ProcID.
	b, _ := (&request.AllHeaders{TransactionDescriptor: request.AutoCommit()}).Append(nil, tds.Version74)
	b, _ = (&request.RPC{ProcName: ucs2("dbo.myproc")}).Append(b)
	b, _ = request.AppendSeparator(b, tds.Version74, request.BatchFlag)
	b, _ = request.RPC{ProcID: request.ProcExecuteSQL}.Append(b)
	r := decode(t, s.roundTrip(t, tds.PacketRPC, b))
	if r.summary != "RETURNSTATUS RETURNVALUE DONEPROC(MORE|RPCINBATCH) RETURNSTATUS RETURNVALUE DONEPROC(FINAL) " || fmt.Sprint(r.retvals) != "[@out=10 @out=11]" {
		t.Errorf("two RPCs: %s %v", r.summary, r.retvals)
	}
	m := request.TransMgrReq{Type: request.TMBeginXact, Headers: request.AllHeaders{TransactionDescriptor: request.AutoCommit()}}
	tm, _ := m.Append(nil, tds.Version74)
	if got := decode(t, s.roundTrip(t, tds.PacketTransactionManager, tm)).summary; got != "DONE(FINAL) " {
		t.Errorf("TM: %s", got)
	}
	if got := decode(t, s.roundTrip(t, tds.PacketBulkLoad, []byte{1, 2, 3})).summary; got != "DONE(COUNT:3) " {
		t.Errorf("bulk load: %s", got)
	}
	// The recorder saw every message, decoded.
	var kinds []string
	for _, m := range srv.Received() {
		k := m.Type.String()
		switch d := m.Decoded.(type) {
		case string:
			k += ":" + d
		case []tdsserver.RecordedRPC:
			for _, rpc := range d {
				k += ":" + rpc.Name
			}
		case *login7.Login7:
			if len(d.Password.Bytes()) > 0 && d.Password.Bytes()[0] != 0 {
				t.Error("the recorded LOGIN7 holds the password")
			}
			k += ":" + d.UserName.String()
		}
		kinds = append(kinds, k)
	}
	want := "[Prelogin Login7:sa SQLBatch:all SQLBatch:nothing SQLBatch:error only RPCRequest:dbo.myproc:Sp_ExecuteSql TransactionManager BulkLoad]"
	if fmt.Sprint(kinds) != want {
		t.Errorf("recorded %v", kinds)
	}
	if calls.Load() != 7 {
		t.Errorf("%d handler calls, want 7", calls.Load())
	}
}

// TestShutdown: Shutdown closes idle connections at once, lets a running
// request finish, then returns.
func TestShutdown(t *testing.T) {
	release := make(chan struct{})
	h := tdsserver.HandlerFunc(func(ctx context.Context, w *tdsserver.ResponseWriter, r *tdsserver.Request) {
		if r.SQL == "slow" {
			<-release
		}
		tdsserver.DefaultHandler().ServeTDS(ctx, w, r)
	})
	srv, err := tdsserver.New(tdsserver.Config{Users: []tdsserver.User{{Name: "sa", Password: "Passw0rd!"}}, Handler: h})
	if err != nil {
		t.Fatal(err)
	}
	addr, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dial := func() (net.Conn, stream) {
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		nc.SetDeadline(time.Now().Add(10 * time.Second))
		s := newStream(t, nc)
		preloginMARS(t, s)
		login(t, s)
		return nc, s
	}
	idle, _ := dial()
	defer idle.Close()
	busy, bs := dial()
	defer busy.Close()
	if err := bs.w.WriteMessage(tds.PacketSQLBatch, 0, batch(t, "slow")); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	done := make(chan error, 1)
	go func() { done <- srv.Shutdown(context.Background()) }()
	if !closedWithin(t, idle, 2*time.Second) {
		t.Fatal("the idle connection stayed open")
	}
	select {
	case err := <-done:
		t.Fatalf("Shutdown returned %v with a request running", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	if _, _, err := bs.r.ReadMessage(); err != nil {
		t.Errorf("the running request's response: %v", err)
	}
	if err := <-done; err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	// With a context that ends first, Shutdown closes everything.
	srv2, _ := tdsserver.New(tdsserver.Config{Users: []tdsserver.User{{Name: "sa", Password: "Passw0rd!"}}, Handler: h})
	addr, _ = srv2.Start("127.0.0.1:0")
	release = make(chan struct{})
	defer close(release)
	_, bs2 := dial()
	bs2.w.WriteMessage(tds.PacketSQLBatch, 0, batch(t, "slow"))
	time.Sleep(50 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	go func() {
		time.Sleep(300 * time.Millisecond)
		release <- struct{}{}
	}()
	if err := srv2.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Shutdown with a short context: %v", err)
	}
}

// TestRoutingAndFeatureAck: a routing server sends go-mssqldb to another
// one (ENVCHANGE 20), and FEATUREEXTACK answers a requested feature.
func TestRoutingAndFeatureAck(t *testing.T) {
	users := []tdsserver.User{{Name: "sa", Password: "Passw0rd!"}}
	target, err := tdsserver.New(tdsserver.Config{Users: users, Record: true})
	if err != nil {
		t.Fatal(err)
	}
	taddr, _ := target.Start("127.0.0.1:0")
	defer target.Close()
	_, tport, _ := net.SplitHostPort(taddr)
	var port uint16
	fmt.Sscan(tport, &port)
	router, err := tdsserver.New(tdsserver.Config{Users: users, Route: &tdsserver.Route{Server: "127.0.0.1", Port: port}})
	if err != nil {
		t.Fatal(err)
	}
	raddr, _ := router.Start("127.0.0.1:0")
	defer router.Close()
	host, rport, _ := net.SplitHostPort(raddr)
	db, err := sql.Open("sqlserver", fmt.Sprintf("sqlserver://sa:Passw0rd!@%s:%s?database=master&encrypt=disable", host, rport))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow("SELECT 40 + 2").Scan(&n); err != nil || n != 42 {
		t.Fatalf("through the router: %d, %v", n, err)
	}
	if router.Stats().Logins != 1 || target.Stats().Logins != 1 || target.Stats().Batches == 0 {
		t.Errorf("router %+v, target %+v", router.Stats(), target.Stats())
	}

	// FEATUREEXTACK for UTF8_SUPPORT (0x0A) when LOGIN7 asks for it.
	_, addr := start(t, tdsserver.Config{FeatureAcks: []tokens.FeatureAck{{ID: 0x0A, Data: []byte{1}}}})
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	s := newStream(t, nc)
	preloginMARS(t, s)
	l := login7.Login7{TDSVersion: tds.Version74, PacketSize: 4096, UserName: ucs2("sa"), Password: login7.NewPassword("Passw0rd!")}
	l.OptionFlags3 |= login7.FExtension
	l.FeatureExt = l.FeatureExt.Add(0x0A, nil)
	lb, err := l.Append(nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := summary(t, s.roundTrip(t, tds.PacketLogin7, lb)); !strings.HasSuffix(got, "LOGINACK FEATUREEXTACK ENVCHANGE DONE(FINAL) ") {
		t.Errorf("login with UTF8_SUPPORT: %s", got)
	}
}
