// Command server runs the tdswire example TDS server (package
// examples/server/tdsserver) on a TCP address, logging each connection's
// steps to stderr, until SIGINT or SIGTERM.
//
//	go run ./server -addr 127.0.0.1:14330 -user 'sa:Passw0rd!' -user 'CONTOSO\joe:Secret1!' -tls login
//
// Flags:
//
//	-addr host:port   listen address (default 127.0.0.1:14330)
//	-user name:pass   a SQL login; DOMAIN\name:pass is an NTLM login (repeatable;
//	                  default: sa:Passw0rd! and CONTOSO\joe:Secret1!)
//	-tls mode         off (ENCRYPT_NOT_SUP), login (encrypt the login, or all
//	                  if the client asks), required (encrypt everything);
//	                  default login
//	-mars             grant MARS to clients that ask (default true)
//	-rows N           rows of SELECT * FROM big (default 1000)
package main

import (
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/tdswire/tdswire/examples/server/tdsserver"
)

type userFlags []tdsserver.User

func (u *userFlags) String() string {
	var s []string
	for _, x := range *u {
		s = append(s, x.String())
	}
	return strings.Join(s, ",")
}

func (u *userFlags) Set(v string) error {
	x, err := tdsserver.ParseUser(v)
	if err != nil {
		return err
	}
	*u = append(*u, x)
	return nil
}

func main() {
	log.SetFlags(log.Ltime | log.Lmicroseconds)
	log.SetPrefix("server: ")
	var users userFlags
	addr := flag.String("addr", "127.0.0.1:14330", "listen `address`")
	flag.Var(&users, "user", "a login `name:password` (DOMAIN\\name:password for NTLM); repeatable")
	tlsMode := flag.String("tls", "login", "encryption: off, login or required")
	mars := flag.Bool("mars", true, "grant MARS (SMP) to clients that ask for it")
	rows := flag.Int("rows", tdsserver.DefaultBigRows, "number of rows of SELECT * FROM big")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "server: unexpected arguments %q\n", flag.Args())
		os.Exit(2)
	}
	mode, err := tdsserver.ParseTLSMode(*tlsMode)
	if err != nil {
		log.Fatal(err)
	}
	if len(users) == 0 {
		users = userFlags{{Name: "sa", Password: "Passw0rd!"}, {Domain: "CONTOSO", Name: "joe", Password: "Secret1!"}}
	}
	srv, err := tdsserver.New(tdsserver.Config{Users: users, TLS: mode, MARS: *mars, Rows: *rows, Logf: log.Printf})
	if err != nil {
		log.Fatal(err)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("listening on %s (tls %v, mars %v, users %v, big table %d rows)", ln.Addr(), mode, *mars, users.String(), *rows)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		s := <-sig
		log.Printf("%v: shutting down", s)
		srv.Close()
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, tdsserver.ErrServerClosed) {
		log.Fatal(err)
	}
	log.Printf("stopped")
}
