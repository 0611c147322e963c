package tdsserver_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"

	mssql "github.com/microsoft/go-mssqldb"

	"github.com/tdswire/tdswire/examples/client/tdsclient"
	"github.com/tdswire/tdswire/examples/server/tdsserver"
	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tds/sqltype"
	"github.com/tdswire/tdswire/tokens"
)

// Start the server on a free port, log in with the example client over
// login-only TLS and read the sample table.
func Example() {
	srv, err := tdsserver.New(tdsserver.Config{
		Users: []tdsserver.User{{Name: "sa", Password: "Passw0rd!"}},
		TLS:   tdsserver.TLSLogin,
	})
	if err != nil {
		panic(err)
	}
	addr, err := srv.Start("127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	res, err := tdsclient.Run(context.Background(), tdsclient.Config{
		Addr: addr, User: "sa", Password: "Passw0rd!",
		Query: "SELECT * FROM sample",
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Encryption)
	fmt.Println(res.Infos[0])
	fmt.Println(res.Columns)
	for _, row := range res.Rows {
		fmt.Println(row)
	}
	// Output:
	// Encrypt login packet only
	// 5701: Changed database context to 'master'.
	// [id int name nvarchar(50) price decimal(10,2) created datetime2(7)]
	// [1 Alice 12.50 2024-01-02 03:04:05.1234567]
	// [2 Bjørn Ünïcode € NULL 2024-02-29 23:59:59.9999999]
	// [3 NULL -7.25 NULL]
}

// A handler that answers one query itself and leaves every other request
// to the default handler, as an http.Handler wraps another.
func Example_handler() {
	answer := tdsserver.HandlerFunc(func(ctx context.Context, w *tdsserver.ResponseWriter, r *tdsserver.Request) {
		if r.Kind != tdsserver.SQLBatch || r.SQL != "SELECT answer" {
			tdsserver.DefaultHandler().ServeTDS(ctx, w, r)
			return
		}
		w.Columns(tokens.Column{Flags: tokens.ColNullable, TypeInfo: sqltype.TypeInfo{Type: sqltype.TypeIntN, MaxLen: 4}, ColName: tds.UCS2(tds.AppendUCS2(nil, "answer"))})
		w.Row(42)
		w.Done(tokens.DoneCount, 1)
	})
	srv, err := tdsserver.New(tdsserver.Config{
		Users:   []tdsserver.User{{Name: "sa", Password: "Passw0rd!"}},
		Handler: answer,
	})
	if err != nil {
		panic(err)
	}
	addr, err := srv.Start("127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	for _, q := range []string{"SELECT answer", "SELECT DB_NAME() AS db"} {
		res, err := tdsclient.Run(context.Background(), tdsclient.Config{Addr: addr, User: "sa", Password: "Passw0rd!", Query: q})
		if err != nil {
			panic(err)
		}
		fmt.Println(res.Columns, res.Rows)
	}
	// Output:
	// [answer int] [[42]]
	// [db nvarchar(128)] [[master]]
}

// A test of a driver's retry logic: the first two logins fail with Azure
// SQL's transient error 40613 (database not currently available), the
// third succeeds. The driver here is go-mssqldb through database/sql, and
// the retry loop is the application's, keyed on the error number.
func Example_retry() {
	srv, err := tdsserver.New(tdsserver.Config{
		Users:  []tdsserver.User{{Name: "sa", Password: "Passw0rd!"}},
		Faults: []tdsserver.Fault{{Phase: tdsserver.PhaseLogin, Action: tdsserver.FaultError, Error: 40613, Times: 2}},
	})
	if err != nil {
		panic(err)
	}
	addr, err := srv.Start("127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	host, port, _ := net.SplitHostPort(addr)
	db, err := sql.Open("sqlserver", fmt.Sprintf("sqlserver://sa:Passw0rd!@%s:%s?database=master&encrypt=disable", host, port))
	if err != nil {
		panic(err)
	}
	defer db.Close()

	transient := map[int32]bool{4060: true, 40197: true, 40501: true, 40613: true, 49918: true, 49919: true, 49920: true, 10928: true, 10929: true}
	var answer int
	for attempt := 1; attempt <= 5; attempt++ {
		err = db.QueryRowContext(context.Background(), "SELECT 6 * 7").Scan(&answer)
		var me mssql.Error
		if errors.As(err, &me) && transient[me.Number] {
			fmt.Printf("attempt %d: transient error %d, retrying\n", attempt, me.Number)
			continue
		}
		break
	}
	fmt.Println(answer, err)
	// Output:
	// attempt 1: transient error 40613, retrying
	// attempt 2: transient error 40613, retrying
	// 42 <nil>
}
