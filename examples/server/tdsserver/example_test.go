package tdsserver_test

import (
	"context"
	"fmt"

	"github.com/tdswire/tdswire/examples/client/tdsclient"
	"github.com/tdswire/tdswire/examples/server/tdsserver"
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
