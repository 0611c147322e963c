package peer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// RequireEnv is the environment variable that turns a missing peer from a
// skip into a failure when it is set to "1".
const RequireEnv = "TDSWIRE_REQUIRE_PEERS"

// installHint is appended to every "missing peer" message.
const installHint = "run `bash .ci/install-peers` from the repository root (needs root for apt-get)"

// Missing reports that a peer is not available: it fails t when
// TDSWIRE_REQUIRE_PEERS=1 and skips it otherwise. what names the peer,
// how says how to install it. Missing does not return.
func Missing(t testing.TB, what, how string) {
	t.Helper()
	msg := fmt.Sprintf("peer %s not available: %s; %s", what, how, installHint)
	if os.Getenv(RequireEnv) == "1" {
		t.Fatalf("%s (%s=1, so this is a failure)", msg, RequireEnv)
	}
	t.Skipf("%s (set %s=1 to make this a failure)", msg, RequireEnv)
}

// lookPath finds an executable in PATH or reports it missing.
func lookPath(t testing.TB, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Missing(t, name, fmt.Sprintf("%s not in PATH (Debian package %s)", name, pkg))
	}
	return p
}

// TSQL returns the path of FreeTDS's tsql (Debian package freetds-bin).
func TSQL(t testing.TB) string {
	t.Helper()
	return lookPath(t, "tsql", "freetds-bin")
}

// ODBC is the unixODBC command-line client together with the FreeTDS ODBC
// driver it loads.
type ODBC struct {
	ISQL   string // path of isql (Debian package unixodbc)
	IUSQL  string // path of iusql, isql's Unicode (W-function) twin, same package
	Driver string // path of libtdsodbc.so (Debian package tdsodbc)
}

// ISQL returns unixODBC's isql and iusql and the FreeTDS ODBC driver's
// shared library. The driver is looked up in odbcinst's driver list first
// (`odbcinst -q -d -n FreeTDS`) and then in the Debian multiarch path.
func ISQL(t testing.TB) ODBC {
	t.Helper()
	isql := lookPath(t, "isql", "unixodbc")
	iusql := lookPath(t, "iusql", "unixodbc")
	drv := odbcDriver()
	if drv == "" {
		Missing(t, "FreeTDS ODBC driver", "libtdsodbc.so not registered with odbcinst nor under /usr/lib/*/odbc (Debian package tdsodbc)")
	}
	return ODBC{ISQL: isql, IUSQL: iusql, Driver: drv}
}

// odbcDriver returns the absolute path of libtdsodbc.so, or "".
func odbcDriver() string {
	var candidates []string
	if out, err := exec.Command("odbcinst", "-q", "-d", "-n", "FreeTDS").Output(); err == nil {
		for _, line := range strings.Split(string(out), "\n") {
			k, v, ok := strings.Cut(line, "=")
			if ok && strings.TrimSpace(k) == "Driver" {
				candidates = append(candidates, strings.TrimSpace(v))
			}
		}
	}
	candidates = append(candidates, "libtdsodbc.so")
	for _, c := range candidates {
		if filepath.IsAbs(c) {
			if _, err := os.Stat(c); err == nil {
				return c
			}
			continue
		}
		// A bare name is relative to the multiarch ODBC directory.
		matches, _ := filepath.Glob(filepath.Join("/usr/lib", "*", "odbc", c))
		if len(matches) == 0 {
			matches, _ = filepath.Glob(filepath.Join("/usr/lib", "odbc", c))
		}
		if len(matches) > 0 {
			return matches[0]
		}
	}
	return ""
}

// Node is a Node.js interpreter with tedious installed beside it.
type Node struct {
	Node    string // path of node
	Dir     string // examples/node: holds package.json and node_modules
	Tedious string // tedious's version, from its package.json
}

// Tedious returns node and the examples/node directory where `npm ci` has
// installed tedious. Scripts run there resolve require("tedious").
func Tedious(t testing.TB) Node {
	t.Helper()
	node := lookPath(t, "node", "nodejs")
	dir := nodeDir()
	if dir == "" {
		Missing(t, "tedious", "examples/node not found beside the peer package")
	}
	pkg := filepath.Join(dir, "node_modules", "tedious", "package.json")
	b, err := os.ReadFile(pkg)
	if err != nil {
		Missing(t, "tedious", "examples/node/node_modules/tedious is not installed (`npm ci` in examples/node)")
	}
	return Node{Node: node, Dir: dir, Tedious: jsonVersion(b)}
}

// nodeDir returns the absolute path of examples/node, found relative to
// this source file so that tests in any package of the module can use it.
func nodeDir() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return ""
	}
	dir := filepath.Join(filepath.Dir(file), "..", "..", "node")
	if _, err := os.Stat(filepath.Join(dir, "package.json")); err != nil {
		return ""
	}
	return filepath.Clean(dir)
}

// jsonVersion extracts the "version" string of a package.json without a
// JSON dependency on its shape.
func jsonVersion(b []byte) string {
	i := bytes.Index(b, []byte(`"version"`))
	if i < 0 {
		return ""
	}
	rest := b[i+len(`"version"`):]
	q1 := bytes.IndexByte(rest, '"')
	if q1 < 0 {
		return ""
	}
	q2 := bytes.IndexByte(rest[q1+1:], '"')
	if q2 < 0 {
		return ""
	}
	return string(rest[q1+1 : q1+1+q2])
}

// TShark returns the path of Wireshark's tshark (Debian package tshark).
func TShark(t testing.TB) string {
	t.Helper()
	return lookPath(t, "tshark", "tshark")
}

// TCPDump returns the path of tcpdump (Debian package tcpdump). Capturing
// needs root or CAP_NET_RAW; the caller finds out when it starts it.
func TCPDump(t testing.TB) string {
	t.Helper()
	p, err := exec.LookPath("tcpdump")
	if err != nil {
		// Debian installs it under /usr/sbin, which a non-root PATH may lack.
		if _, serr := os.Stat("/usr/sbin/tcpdump"); serr == nil {
			return "/usr/sbin/tcpdump"
		}
		Missing(t, "tcpdump", "tcpdump not in PATH nor /usr/sbin (Debian package tcpdump)")
	}
	return p
}

// Result is what a peer process did.
type Result struct {
	Stdout   []byte
	Stderr   []byte
	Err      error // from Wait: nil, *exec.ExitError, or a start failure
	TimedOut bool  // the process was killed when its time ran out
	Elapsed  time.Duration
}

// Output returns stdout and stderr together, for failure messages.
func (r Result) Output() string {
	return string(r.Stdout) + string(r.Stderr)
}

// Cmd describes one run of a peer process.
type Cmd struct {
	Path    string        // executable
	Args    []string      // arguments, without the program name
	Env     []string      // added to the test process's environment ("K=V"; "K=" unsets K)
	Dir     string        // working directory; "" for the current one
	Stdin   string        // written to standard input, then closed
	Timeout time.Duration // kill after this long; 0 means 30 seconds
}

// Run runs c to completion or until its timeout, whichever is first, and
// returns what it printed. A peer that keeps its pipes open after being
// killed is abandoned two seconds later, so Run is bounded by
// Timeout + 2s.
func Run(ctx context.Context, c Cmd) Result {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.Path, c.Args...)
	cmd.Env = environ(c.Env)
	cmd.Dir = c.Dir
	cmd.Stdin = strings.NewReader(c.Stdin)
	cmd.WaitDelay = 2 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	return Result{
		Stdout:   stdout.Bytes(),
		Stderr:   stderr.Bytes(),
		Err:      err,
		TimedOut: errors.Is(ctx.Err(), context.DeadlineExceeded),
		Elapsed:  time.Since(start),
	}
}

// environ returns the test process's environment with extra applied:
// "K=V" sets K, and "K=" removes K (FreeTDS treats an empty TDSVER as an
// invalid version rather than as unset).
func environ(extra []string) []string {
	drop := map[string]bool{}
	var set []string
	for _, kv := range extra {
		k, v, _ := strings.Cut(kv, "=")
		drop[k] = true
		if v != "" {
			set = append(set, kv)
		}
	}
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if !drop[k] {
			env = append(env, kv)
		}
	}
	return append(env, set...)
}

// Proc is a peer process running in the background, such as a capture.
type Proc struct {
	cmd    *exec.Cmd
	cancel context.CancelFunc
	stdout bytes.Buffer
	stderr bytes.Buffer
	done   chan struct{}
	err    error
}

// Start starts c in the background. The process is killed when its timeout
// expires, when Stop is called, or when the test ends, whichever is first.
func Start(t testing.TB, c Cmd) (*Proc, error) {
	t.Helper()
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	p := &Proc{cancel: cancel, done: make(chan struct{})}
	p.cmd = exec.CommandContext(ctx, c.Path, c.Args...)
	p.cmd.Env = environ(c.Env)
	p.cmd.Dir = c.Dir
	p.cmd.Stdin = strings.NewReader(c.Stdin)
	p.cmd.Stdout = &p.stdout
	p.cmd.Stderr = &p.stderr
	p.cmd.WaitDelay = 2 * time.Second
	if err := p.cmd.Start(); err != nil {
		cancel()
		return nil, err
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() { p.Stop(os.Kill) })
	return p, nil
}

// Stop sends sig to the process (os.Interrupt lets tcpdump flush its
// file), waits at most five seconds for it to exit, then kills it, and
// returns what it printed. It may be called more than once.
func (p *Proc) Stop(sig os.Signal) Result {
	select {
	case <-p.done:
	default:
		_ = p.cmd.Process.Signal(sig)
		select {
		case <-p.done:
		case <-time.After(5 * time.Second):
			p.cancel()
			<-p.done
		}
	}
	p.cancel()
	return Result{Stdout: p.stdout.Bytes(), Stderr: p.stderr.Bytes(), Err: p.err}
}

// Done is closed when the process has exited.
func (p *Proc) Done() <-chan struct{} { return p.done }

// WaitForFile reports whether the capture process p has started writing a
// pcap file (tcpdump and tshark create it, with its 24-byte header, once
// the interface is open) within d, giving the capture a moment more past
// the open. It returns false early if the process exits.
func WaitForFile(p *Proc, file string, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		select {
		case <-p.Done():
			return false
		default:
		}
		if fi, err := os.Stat(file); err == nil && fi.Size() >= 24 {
			time.Sleep(200 * time.Millisecond)
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}
