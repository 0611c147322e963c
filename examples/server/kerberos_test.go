package main

import (
	"bufio"
	"context"
	"net"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tdswire/tdswire/examples/internal/kdc"
	"github.com/tdswire/tdswire/examples/internal/peer"
)

// TestServerCommandKeytab starts the command with -keytab and logs FreeTDS
// tsql in with a ticket from a throwaway MIT KDC.
func TestServerCommandKeytab(t *testing.T) {
	tsql := peer.TSQL(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	r := kdc.Start(t, kdc.Config{Services: []string{"MSSQLSvc/localhost:" + strconv.Itoa(port)}})

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "TDSWIRE_SERVER_MAIN=1",
		"TDSWIRE_SERVER_ARGS=-addr 127.0.0.1:"+strconv.Itoa(port)+" -tls off -keytab "+r.Keytab)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	lines := make(chan string, 100)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	var log []string
	next := func(re *regexp.Regexp) {
		t.Helper()
		timeout := time.After(10 * time.Second)
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("server exited; log:\n%s", strings.Join(log, "\n"))
				}
				log = append(log, l)
				if re.MatchString(l) {
					return
				}
			case <-timeout:
				t.Fatalf("no %v in the log:\n%s", re, strings.Join(log, "\n"))
			}
		}
	}
	next(regexp.MustCompile(`Kerberos: \d+ keys in .*service\.keytab`))
	next(regexp.MustCompile(`listening on 127\.0\.0\.1:` + strconv.Itoa(port)))

	env := peer.WriteFreeTDSConf(t, peer.FreeTDSServer{Name: "krb", Host: "localhost", Port: port, TDSVersion: "7.4"})
	res := peer.Run(context.Background(), peer.Cmd{Path: tsql, Args: []string{"-S", "krb"}, Env: append(env, r.Env()...),
		Stdin: "SELECT 1\ngo\nquit\n", Timeout: 20 * time.Second})
	if res.Err != nil || !strings.Contains(res.Output(), "(1 row affected)") {
		t.Fatalf("tsql: %v\n%s", res.Err, res.Output())
	}
	next(regexp.MustCompile(`krbauth: Kerberos verified for joe@TDSWIRE\.TEST`))
	next(regexp.MustCompile(`logged in: .* user "joe@TDSWIRE\.TEST"`))
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	next(regexp.MustCompile(`stopped$`))
	cmd.Wait()
}
