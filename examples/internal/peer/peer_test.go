package peer

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestRunCapturesOutputAndEnv(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Fatalf("sh: %v", err)
	}
	t.Setenv("TDSWIRE_PEER_DROPPED", "from-parent")
	r := Run(context.Background(), Cmd{
		Path:  sh,
		Args:  []string{"-c", `read line; echo "out:$line:$TDSWIRE_PEER_SET:${TDSWIRE_PEER_DROPPED-unset}"; echo err >&2`},
		Env:   []string{"TDSWIRE_PEER_SET=yes", "TDSWIRE_PEER_DROPPED="},
		Stdin: "hello\n",
	})
	if r.Err != nil || r.TimedOut {
		t.Fatalf("Run: err %v, timed out %v, output %q", r.Err, r.TimedOut, r.Output())
	}
	if got, want := string(r.Stdout), "out:hello:yes:unset\n"; got != want {
		t.Errorf("stdout = %q, want %q", got, want)
	}
	if got := string(r.Stderr); got != "err\n" {
		t.Errorf("stderr = %q, want %q", got, "err\n")
	}
}

func TestRunTimeoutIsBounded(t *testing.T) {
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Fatalf("sleep: %v", err)
	}
	r := Run(context.Background(), Cmd{Path: sleep, Args: []string{"30"}, Timeout: 200 * time.Millisecond})
	if !r.TimedOut || r.Err == nil {
		t.Fatalf("Run of sleep 30 with a 200ms timeout: timed out %v, err %v", r.TimedOut, r.Err)
	}
	if r.Elapsed > 5*time.Second {
		t.Errorf("Run took %v after a 200ms timeout", r.Elapsed)
	}
}

func TestStartStop(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Fatalf("sh: %v", err)
	}
	p, err := Start(t, Cmd{Path: sh, Args: []string{"-c", `trap 'echo stopped; exit 0' INT; echo started; while :; do sleep 0.05; done`}, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	time.Sleep(300 * time.Millisecond)
	r := p.Stop(os.Interrupt)
	select {
	case <-p.Done():
	default:
		t.Fatal("Done not closed after Stop")
	}
	if out := string(r.Stdout); !strings.HasPrefix(out, "started\n") {
		t.Errorf("stdout = %q, want it to start with %q", out, "started\n")
	}
	// A second Stop returns at once.
	p.Stop(os.Kill)
}

func TestEnviron(t *testing.T) {
	t.Setenv("TDSWIRE_PEER_A", "1")
	env := environ([]string{"TDSWIRE_PEER_A=", "TDSWIRE_PEER_B=2"})
	var a, b bool
	for _, kv := range env {
		a = a || strings.HasPrefix(kv, "TDSWIRE_PEER_A=")
		b = b || kv == "TDSWIRE_PEER_B=2"
	}
	if a || !b {
		t.Errorf("environ: A present %v (want false), B=2 present %v (want true)", a, b)
	}
}

func TestWriteFreeTDSConf(t *testing.T) {
	env := WriteFreeTDSConf(t, FreeTDSServer{
		Name: "fake74", Host: "127.0.0.1", Port: 14330, TDSVersion: "7.4",
		Extra: map[string]string{"use ntlmv2": "yes"},
	})
	if !strings.HasPrefix(env[0], "FREETDSCONF=") {
		t.Fatalf("first entry %q is not FREETDSCONF", env[0])
	}
	b, err := os.ReadFile(strings.TrimPrefix(env[0], "FREETDSCONF="))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"[fake74]", "host = 127.0.0.1", "port = 14330", "tds version = 7.4", "encryption = off", "use ntlmv2 = yes"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("freetds.conf lacks %q:\n%s", want, b)
		}
	}
}

// TestWriteFreeTDSConfEncryption checks that a server's own "encryption"
// setting replaces the default "off" in its section.
func TestWriteFreeTDSConfEncryption(t *testing.T) {
	env := WriteFreeTDSConf(t, FreeTDSServer{
		Name: "tls", Host: "127.0.0.1", Port: 1, Extra: map[string]string{"encryption": "require"},
	})
	b, err := os.ReadFile(strings.TrimPrefix(env[0], "FREETDSCONF="))
	if err != nil {
		t.Fatal(err)
	}
	_, section, _ := strings.Cut(string(b), "[tls]")
	if !strings.Contains(section, "encryption = require") || strings.Contains(section, "encryption = off") {
		t.Errorf("section [tls] of freetds.conf:\n%s", section)
	}
}

func TestWriteODBCIni(t *testing.T) {
	env := WriteODBCIni(t, ODBCDSN{Name: "fake", Driver: "/x/libtdsodbc.so", Attrs: map[string]string{"Server": "127.0.0.1", "Port": "1"}})
	vars := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		vars[k] = v
	}
	b, err := os.ReadFile(vars["ODBCINI"])
	if err != nil {
		t.Fatal(err)
	}
	if want := "[fake]\nDriver = /x/libtdsodbc.so\nPort = 1\nServer = 127.0.0.1\n"; !strings.Contains(string(b), want) {
		t.Errorf("odbc.ini = %q, want it to contain %q", b, want)
	}
	if _, err := os.Stat(filepath.Join(vars["ODBCSYSINI"], "odbcinst.ini")); err != nil {
		t.Errorf("odbcinst.ini beside odbc.ini: %v", err)
	}
}

func TestJSONVersion(t *testing.T) {
	for in, want := range map[string]string{
		`{"name":"tedious","version": "19.2.2"}`: "19.2.2",
		`{"name":"x"}`:                           "",
		`{"version":`:                            "",
	} {
		if got := jsonVersion([]byte(in)); got != want {
			t.Errorf("jsonVersion(%s) = %q, want %q", in, got, want)
		}
	}
}

// TestPeersPresent finds every peer: it passes where .ci/install-peers has
// run, skips elsewhere, and fails under TDSWIRE_REQUIRE_PEERS=1 when one is
// missing.
func TestPeersPresent(t *testing.T) {
	t.Run("tsql", func(t *testing.T) { t.Logf("tsql at %s", TSQL(t)) })
	t.Run("isql", func(t *testing.T) { t.Logf("%+v", ISQL(t)) })
	t.Run("tedious", func(t *testing.T) {
		n := Tedious(t)
		if n.Tedious == "" {
			t.Errorf("tedious installed in %s without a version", n.Dir)
		}
		t.Logf("%+v", n)
	})
	t.Run("tshark", func(t *testing.T) { t.Logf("tshark at %s", TShark(t)) })
	t.Run("tcpdump", func(t *testing.T) { t.Logf("tcpdump at %s", TCPDump(t)) })
}

// fakeTB records how Missing ends a test. Skipf and Fatalf stop the
// goroutine as the testing package's do.
type fakeTB struct {
	testing.TB
	skipped, failed bool
	msg             string
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Skipf(format string, args ...any) {
	f.skipped, f.msg = true, fmt.Sprintf(format, args...)
	runtime.Goexit()
}
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.failed, f.msg = true, fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// runMissing calls Missing on a fakeTB in its own goroutine.
func runMissing() *fakeTB {
	f := &fakeTB{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		Missing(f, "tsql", "tsql not in PATH (Debian package freetds-bin)")
	}()
	<-done
	return f
}

func TestMissingSkipsOrFails(t *testing.T) {
	t.Setenv(RequireEnv, "")
	f := runMissing()
	if !f.skipped || f.failed {
		t.Fatalf("without %s: skipped %v, failed %v; want a skip", RequireEnv, f.skipped, f.failed)
	}
	for _, want := range []string{"tsql", "freetds-bin", ".ci/install-peers", RequireEnv + "=1"} {
		if !strings.Contains(f.msg, want) {
			t.Errorf("skip message %q does not mention %q", f.msg, want)
		}
	}

	t.Setenv(RequireEnv, "1")
	f = runMissing()
	if !f.failed || f.skipped {
		t.Fatalf("with %s=1: skipped %v, failed %v; want a failure", RequireEnv, f.skipped, f.failed)
	}
	if !strings.Contains(f.msg, "freetds-bin") {
		t.Errorf("failure message %q does not say what to install", f.msg)
	}
}
