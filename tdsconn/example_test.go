package tdsconn_test

import (
	"context"
	"fmt"
	"net"

	"github.com/tdswire/tdswire/login7"
	"github.com/tdswire/tdswire/tdsconn"
)

// serveOne accepts one connection on ln and answers its login: a SQL
// login joe/secret.
func serveOne(ln net.Listener) {
	nc, err := ln.Accept()
	if err != nil {
		return
	}
	c, err := tdsconn.Accept(context.Background(), nc, &tdsconn.ServerConfig{
		CheckSQLLogin: func(ctx context.Context, user string, pw login7.Password) error {
			if user == "joe" && pw.Equal("secret") {
				return nil
			}
			return fmt.Errorf("unknown login %q", user)
		},
	})
	if err != nil {
		return
	}
	c.Close()
}

// A client login, against a server started in the example.
func ExampleDial() {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	defer ln.Close()
	go serveOne(ln)

	c, res, err := tdsconn.Dial(context.Background(), "tcp", ln.Addr().String(), &tdsconn.ClientConfig{
		User: "joe", Password: "secret", Database: "master", AppName: "example",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	fmt.Println(res.TDSVersion, res.PacketSize, res.Database, res.ProgName, res.Encryption)
	// Output: 7.4 (0x74000004) 4096 master Microsoft SQL Server none
}
