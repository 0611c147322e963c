// Command client logs in to a TDS server (the tdswire example server, or
// any SQL Server) step by step and prints each step (package
// examples/client/tdsclient):
//
//	go run ./client -addr 127.0.0.1:14330 -user sa -password 'Passw0rd!' [-tls] [-query 'SELECT 1']
//	go run ./client -addr 127.0.0.1:14330 -user 'CONTOSO\joe' -password 'Secret1!'   # NTLM
//
// Flags:
//
//	-addr host:port   server address (default 127.0.0.1:14330)
//	-user name        SQL login, or DOMAIN\name for NTLM (default sa)
//	-password text    password
//	-database name    initial database (default: the login's)
//	-tls              ask for encryption of the whole connection (ENCRYPT_ON);
//	                  without it the client encrypts what the server asks for
//	-tls strict       TDS 8.0 strict encryption: TLS first (ALPN tds/8.0), then
//	                  PRELOGIN and everything inside it
//	-query sql        SQL batch to run after the login (default SELECT 1; "" for none)
//	-tds 7.4|7.3|7.2|7.1  TDS version to ask for (default 7.4)
//
// It exits with status 1 when the login or the query fails.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/tdswire/tdswire/examples/client/tdsclient"
	"github.com/tdswire/tdswire/tds"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:14330", "server `host:port`")
	user := flag.String("user", "sa", "login `name` (DOMAIN\\name for NTLM)")
	password := flag.String("password", "", "`password`")
	database := flag.String("database", "", "initial `database`")
	var mode tlsFlag
	flag.Var(&mode, "tls", "encrypt the whole connection (PRELOGIN ENCRYPT_ON); -tls strict: TDS 8.0, TLS first")
	query := flag.String("query", "SELECT 1", "`SQL` batch to run after the login")
	version := flag.String("tds", "7.4", "TDS `version`: 7.4, 7.3, 7.2 or 7.1")
	flag.CommandLine.Parse(joinTLSValue(os.Args[1:]))
	versions := map[string]tds.Version{"7.4": tds.Version74, "7.3": tds.Version73B, "7.2": tds.Version72, "7.1": tds.Version71Rev1}
	v, ok := versions[*version]
	if !ok || flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	_, err := tdsclient.Run(context.Background(), tdsclient.Config{
		Addr: *addr, User: *user, Password: *password, Database: *database,
		TLS: mode == "true", Strict: mode == "strict", Query: *query, Version: v, Out: os.Stdout,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "client:", err)
		os.Exit(1)
	}
}

// tlsFlag is -tls: a boolean flag ("-tls" alone asks for ENCRYPT_ON) that
// also takes the value strict.
type tlsFlag string

func (f *tlsFlag) String() string   { return string(*f) }
func (f *tlsFlag) IsBoolFlag() bool { return true }

func (f *tlsFlag) Set(s string) error {
	switch strings.ToLower(s) {
	case "true", "on", "required":
		*f = "true"
	case "false", "off", "login":
		*f = ""
	case "strict":
		*f = "strict"
	default:
		return fmt.Errorf("-tls %q: want true, false or strict", s)
	}
	return nil
}

// joinTLSValue turns "-tls strict" into "-tls=strict": a boolean flag
// takes no separate value.
func joinTLSValue(args []string) []string {
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		if (a == "-tls" || a == "--tls") && i+1 < len(args) {
			switch strings.ToLower(args[i+1]) {
			case "strict", "true", "false", "on", "off", "login", "required":
				out = append(out, a+"="+args[i+1])
				i++
				continue
			}
		}
		out = append(out, a)
	}
	return out
}
