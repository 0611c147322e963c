package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tdswire/tdswire/examples/client/tdsclient"
)

// TestMain runs main instead of the tests when the test binary is started
// by TestServerCommand as the server command.
func TestMain(m *testing.M) {
	if os.Getenv("TDSWIRE_SERVER_MAIN") == "1" {
		os.Args = append([]string{"server"}, strings.Fields(os.Getenv("TDSWIRE_SERVER_ARGS"))...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestServerCommand starts the command with flags, logs in with the
// example client (SQL and NTLM users from -user), reads the log on
// stderr, and stops the server with SIGTERM.
func TestServerCommand(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "TDSWIRE_SERVER_MAIN=1",
		`TDSWIRE_SERVER_ARGS=-addr 127.0.0.1:0 -user ann:pw1 -user D\bob:pw2 -tls required -rows 7`)
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
	next := func(re *regexp.Regexp) []string {
		t.Helper()
		timeout := time.After(10 * time.Second)
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("server exited; log:\n%s", strings.Join(log, "\n"))
				}
				log = append(log, l)
				if m := re.FindStringSubmatch(l); m != nil {
					return m
				}
			case <-timeout:
				t.Fatalf("no %v in the log:\n%s", re, strings.Join(log, "\n"))
			}
		}
	}
	addr := next(regexp.MustCompile(`listening on (127\.0\.0\.1:\d+) \(tls required, mars true, users ann,D\\bob, big table 7 rows\)`))[1]
	for _, u := range [][2]string{{"ann", "pw1"}, {`D\bob`, "pw2"}} {
		res, err := tdsclient.Run(context.Background(), tdsclient.Config{Addr: addr, User: u[0], Password: u[1], Query: "SELECT * FROM big", Timeout: 10 * time.Second})
		if err != nil || len(res.Rows) != 7 || !res.Encryption.Encrypted() {
			t.Fatalf("%s: %v, %+v", u[0], err, res)
		}
	}
	next(regexp.MustCompile(`NTLM verified: D\\bob`))
	next(regexp.MustCompile(`TDS:SQLBatch received: .*"SELECT \* FROM big"`))
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	next(regexp.MustCompile(`terminated: shutting down`))
	next(regexp.MustCompile(`stopped$`))
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("server exit: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("server did not exit after SIGTERM")
	}
}
