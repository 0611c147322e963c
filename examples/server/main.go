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
//	-keytab FILE      accept Kerberos logins (raw, as FreeTDS and go-mssqldb
//	                  send them, or inside SPNEGO) verified with the service
//	                  keys in FILE (MSSQLSvc/host:port@REALM, from kadmin's
//	                  ktadd); the AP-REP answers mutual authentication. NTLM
//	                  logins of the DOMAIN\name users are then accepted raw
//	                  and inside SPNEGO too
//	-database name    a database USE and LOGIN7 accept (repeatable; default
//	                  master, tempdb, model, msdb, tdswire)
//	-login-timeout d  deadline for the whole login (default 30s)
//	-idle-timeout d   close a connection that sends no whole message for d
//	                  (default 10m; a trickle of bytes does not renew it)
//	-max-conns N      connections served at once; more are closed (default 1000)
//	-max-message N    largest client message in bytes (default 4194304)
//	-fault spec       a scripted fault, phase:action[:key=value,...]
//	                  (repeatable; see tdsserver.ParseFault), e.g.
//	                  login:error:error=40613,times=1  rows:reset:rows=500
//	                  statement:delay:delay=2s,match=big
//	-quiet            do not log connection steps
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/tdswire/tdswire/examples/internal/krbauth"
	"github.com/tdswire/tdswire/examples/server/tdsserver"
	"github.com/tdswire/tdswire/login7"
	"github.com/tdswire/tdswire/ntlm"
	"github.com/tdswire/tdswire/tds"
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

type faultFlags []tdsserver.Fault

func (f *faultFlags) String() string { return fmt.Sprint(len(*f), " faults") }

func (f *faultFlags) Set(v string) error {
	x, err := tdsserver.ParseFault(v)
	if err != nil {
		return err
	}
	*f = append(*f, x)
	return nil
}

type listFlags []string

func (l *listFlags) String() string { return strings.Join(*l, ",") }

func (l *listFlags) Set(v string) error {
	*l = append(*l, v)
	return nil
}

func main() {
	log.SetFlags(log.Ltime | log.Lmicroseconds)
	log.SetPrefix("server: ")
	var users userFlags
	addr := flag.String("addr", "127.0.0.1:14330", "listen `address`")
	flag.Var(&users, "user", "a login `name:password` (DOMAIN\\name:password for NTLM); repeatable")
	tlsMode := flag.String("tls", "login", "encryption: off, login, required or strict (TDS 8.0: TLS first)")
	mars := flag.Bool("mars", true, "grant MARS (SMP) to clients that ask for it")
	rows := flag.Int("rows", tdsserver.DefaultBigRows, "number of rows of SELECT * FROM big")
	keytabPath := flag.String("keytab", "", "accept Kerberos logins verified with the service keys in this keytab `file` (and NTLM inside SPNEGO)")
	var faults faultFlags
	var dbs listFlags
	flag.Var(&faults, "fault", "a scripted fault `phase:action[:key=value,...]` (repeatable)")
	flag.Var(&dbs, "database", "a database `name` the server has (repeatable)")
	loginTimeout := flag.Duration("login-timeout", tdsserver.DefaultLoginTimeout, "deadline for the whole login")
	idleTimeout := flag.Duration("idle-timeout", tdsserver.DefaultIdleTimeout, "close a connection idle for this long")
	maxConns := flag.Int("max-conns", tdsserver.DefaultMaxConns, "connections served at once")
	maxMessage := flag.Int("max-message", tds.DefaultMaxMessageSize, "largest client message in `bytes`")
	quiet := flag.Bool("quiet", false, "do not log connection steps")
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
	logf := log.Printf
	if *quiet {
		logf = nil
	}
	cfg := tdsserver.Config{
		Users: users, TLS: mode, MARS: *mars, Rows: *rows, Logf: logf,
		Faults: faults, Databases: dbs,
		LoginTimeout: *loginTimeout, IdleTimeout: *idleTimeout, MaxConns: *maxConns, MaxMessageSize: *maxMessage,
	}
	if *keytabPath != "" {
		kt, err := krbauth.LoadKeytab(*keytabPath)
		if err != nil {
			log.Fatal(err)
		}
		auth := &krbauth.Config{Keytab: kt, NTLM: ntlmServer(users), Logf: log.Printf}
		cfg.NewSSPI = func(ctx context.Context, l *login7.Login7) (tdsserver.SSPIServer, error) {
			return krbauth.New(auth), nil
		}
		log.Printf("Kerberos: %d keys in %s", len(kt.Entries), *keytabPath)
	}
	srv, err := tdsserver.New(cfg)
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

// ntlmServer verifies the NTLM logins of the DOMAIN\name users, for
// NTLM inside SPNEGO when Kerberos is on.
func ntlmServer(users userFlags) *ntlm.Server {
	var accounts ntlm.AccountList
	domain := ""
	for _, u := range users {
		if u.Domain == "" {
			continue
		}
		if domain == "" {
			domain = strings.ToUpper(u.Domain)
		}
		accounts = append(accounts, ntlm.Account{Domain: u.Domain, User: u.Name, Hash: ntlm.HashPassword(u.Password)})
	}
	return &ntlm.Server{NbComputerName: "TDSWIRE", NbDomainName: domain, Lookup: accounts.Lookup}
}
