package tdsproxy_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/tdswire/tdswire/examples/proxy/tdsproxy"
	"github.com/tdswire/tdswire/examples/server/tdsserver"
	"github.com/tdswire/tdswire/tdsconn"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The proxy's fault harness, the counterpart of tdsconn's fault_test.go
// for the proxy role: a relay on one leg (client to proxy, or proxy to
// upstream) cuts, stalls or trickles one flight of a SQL login and one
// request; the proxy must close that connection within its own timeouts
// (Timeout for the login, StallTimeout and IdleTimeout after it), say
// why in its log, leave no goroutine behind (goleak), and relay a healthy
// neighbour connection meanwhile. The client, with longer deadlines of
// its own, must see a typed error (or, between messages, the end of the
// connection).

const (
	// Two seconds leave a clean login through the proxy its time under
	// the race detector with every case running at once.
	proxyTimeout  = 2 * time.Second // the proxy's Timeout, StallTimeout, IdleTimeout
	clientTimeout = 6 * time.Second // the client's login timeout and request deadline
	slack         = 3 * time.Second
	// The rest of the shortest flight (40 bytes) takes longer than
	// proxyTimeout.
	trickleEvery = 80 * time.Millisecond
	bigRows      = 3000 // SELECT * FROM big: a result of several packets
)

type faultKind int

const (
	cut faultKind = iota + 1
	stall
	trickle
)

func (k faultKind) String() string { return [...]string{"", "cut", "stall", "trickle"}[k] }

// flights of the SQL flow on either leg (no TLS on either, so that the
// relay counts TDS messages): the direction (true: toward the server) and
// where the fault starts.
var flights = []struct {
	name     string
	toServer bool
	at       int
	login    bool // inside the login: the proxy logs "login failed"
}{
	{"PRELOGIN", true, 3, true},
	{"PRELOGIN response", false, 3, true},
	{"LOGIN7", true, 3, true},
	{"login response", false, 3, true},
	{"SQL batch", true, 3, false},
	{"result", false, 5000, false},
}

// relay forwards each accepted connection to target; the first one gets
// the fault (flight, kind), the others pass clean.
type relay struct {
	ln       net.Listener
	target   string
	flight   int
	kind     faultKind
	at       int
	first    chan struct{} // closed when the first connection is accepted
	done     chan struct{}
	wg       sync.WaitGroup
	mu       sync.Mutex
	conns    []net.Conn
	accepted int
	firstOut string    // local address of the first connection's dial
	fired    time.Time // when the fault was applied
}

func newRelay(t reporter, target string, flight int, kind faultKind, at int) *relay {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &relay{ln: ln, target: target, flight: flight, kind: kind, at: at, first: make(chan struct{}), done: make(chan struct{})}
	r.wg.Add(1)
	go r.serve()
	return r
}

func (r *relay) addr() string { return r.ln.Addr().String() }

func (r *relay) close() {
	r.ln.Close()
	close(r.done)
	r.mu.Lock()
	for _, c := range r.conns {
		c.Close()
	}
	r.mu.Unlock()
	r.wg.Wait()
}

func (r *relay) serve() {
	defer r.wg.Done()
	for {
		a, err := r.ln.Accept()
		if err != nil {
			return
		}
		b, err := net.Dial("tcp", r.target)
		if err != nil {
			a.Close()
			continue
		}
		r.mu.Lock()
		r.conns = append(r.conns, a, b)
		faulty := r.accepted == 0
		r.accepted++
		if faulty {
			r.firstOut = b.LocalAddr().String()
		}
		r.mu.Unlock()
		if faulty {
			close(r.first)
		}
		p := &pair{r: r, ends: [2]net.Conn{a, b}, faulty: faulty, last: -1}
		r.wg.Add(2)
		go p.pump(0, a, b) // toward the server
		go p.pump(1, b, a)
	}
}

// pair is one relayed connection; it counts flights.
type pair struct {
	r      *relay
	ends   [2]net.Conn
	faulty bool
	mu     sync.Mutex
	last   int
	flight int
	seen   int
}

func (p *pair) pump(dir int, src, dst net.Conn) {
	defer p.r.wg.Done()
	buf := make([]byte, 64<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.mu.Lock()
			if p.last != dir {
				if p.last != -1 {
					p.flight++
				}
				p.last, p.seen = dir, 0
			}
			seen := p.seen
			p.seen += n
			hit := p.faulty && p.flight == p.r.flight && seen+n > p.r.at
			p.mu.Unlock()
			if hit {
				p.r.mu.Lock()
				p.r.fired = time.Now()
				p.r.mu.Unlock()
			}
			if hit {
				k := max(p.r.at-seen, 0)
				dst.Write(buf[:k])
				p.apply(buf[k:n], src, dst)
				return
			}
			if _, err := dst.Write(buf[:n]); err != nil {
				src.Close()
				return
			}
		}
		if err != nil {
			if tc, ok := dst.(*net.TCPConn); ok && errors.Is(err, io.EOF) {
				tc.CloseWrite()
			} else {
				dst.Close()
			}
			return
		}
	}
}

func (p *pair) apply(rest []byte, src, dst net.Conn) {
	switch p.r.kind {
	case cut:
		p.ends[0].Close()
		p.ends[1].Close()
	case stall:
		<-p.r.done
	case trickle:
		tick := time.NewTicker(trickleEvery)
		defer tick.Stop()
		buf := make([]byte, 64<<10)
		for {
			for ; len(rest) > 0; rest = rest[1:] {
				select {
				case <-p.r.done:
					return
				case <-tick.C:
				}
				if _, err := dst.Write(rest[:1]); err != nil {
					return
				}
			}
			n, err := src.Read(buf)
			if err != nil {
				dst.Close()
				return
			}
			rest = buf[:n]
		}
	}
}

// logbook collects the proxy's log.
type logbook struct {
	mu    sync.Mutex
	lines []string
	times []time.Time
}

func (l *logbook) logf(format string, args ...any) {
	l.mu.Lock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
	l.times = append(l.times, time.Now())
	l.mu.Unlock()
}

// id returns the number the proxy gave the connection from addr, or 0.
func (l *logbook) id(addr string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, s := range l.lines {
		var id int
		var from string
		if n, _ := fmt.Sscanf(s, "conn %d: client %s connected", &id, &from); n == 2 && from == addr {
			return id
		}
	}
	return 0
}

// closedAt returns when the proxy logged the end of connection id.
func (l *logbook) closedAt(id int) (time.Time, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	prefix := fmt.Sprintf("conn %d: closed after ", id)
	for i, s := range l.lines {
		if strings.HasPrefix(s, prefix) {
			return l.times[i], true
		}
	}
	return time.Time{}, false
}

func (l *logbook) conn(id int) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	prefix := fmt.Sprintf("conn %d: ", id)
	for _, s := range l.lines {
		if strings.HasPrefix(s, prefix) {
			out = append(out, s)
		}
	}
	return out
}

// client logs in as joe and runs SELECT * FROM big, reading the whole
// result.
func client(addr string) error {
	ctx := context.Background()
	c, _, err := tdsconn.Dial(ctx, "tcp", addr, &tdsconn.ClientConfig{User: "joe", Password: "secret", LoginTimeout: clientTimeout})
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(clientTimeout))
	if err := c.SQLBatch("SELECT * FROM big"); err != nil {
		return err
	}
	_, msg, err := c.ReadMessage()
	if err != nil {
		return err
	}
	if len(msg) < 10000 {
		return fmt.Errorf("result of %d bytes", len(msg))
	}
	return nil
}

// reporter is what a case needs of a *testing.T; rec runs a case in a
// goroutine of its own.
type reporter interface {
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
	Fatal(args ...any)
	Logf(format string, args ...any)
	Failed() bool
}

// rec records a case's problems; Fatal ends its goroutine.
type rec struct {
	mu   sync.Mutex
	msgs []string
	logs []string
}

func (r *rec) Errorf(format string, args ...any) {
	r.mu.Lock()
	r.msgs = append(r.msgs, fmt.Sprintf(format, args...))
	r.mu.Unlock()
}
func (r *rec) Fatalf(format string, args ...any) { r.Errorf(format, args...); runtime.Goexit() }
func (r *rec) Fatal(args ...any)                 { r.Errorf("%s", fmt.Sprint(args...)); runtime.Goexit() }
func (r *rec) Logf(format string, args ...any) {
	r.mu.Lock()
	r.logs = append(r.logs, fmt.Sprintf(format, args...))
	r.mu.Unlock()
}
func (r *rec) Failed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.msgs) > 0
}

// TestProxyFaults runs every flight × fault on both legs. The cases
// mostly wait for timeouts, so they run all at once (not at t.Parallel's
// GOMAXPROCS) and report as subtests afterwards.
func TestProxyFaults(t *testing.T) {
	srv, err := tdsserver.New(tdsserver.Config{
		Users: []tdsserver.User{{Name: "joe", Password: "secret"}},
		Rows:  bigRows,
	})
	if err != nil {
		t.Fatal(err)
	}
	upstream, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	type result struct {
		name string
		r    rec
	}
	var results []*result
	var wg sync.WaitGroup
	for _, leg := range []string{"client", "upstream"} {
		for i, f := range flights {
			for _, kind := range []faultKind{cut, stall, trickle} {
				res := &result{name: fmt.Sprintf("%s/%d-%s/%v", leg, i, f.name, kind)}
				results = append(results, res)
				wg.Add(1)
				go func() {
					defer wg.Done()
					proxyFault(&res.r, upstream, leg, i, kind)
				}()
			}
		}
	}
	wg.Wait()
	for _, res := range results {
		t.Run(res.name, func(t *testing.T) {
			for _, m := range res.r.msgs {
				t.Error(m)
			}
			for _, l := range res.r.logs {
				t.Log(l)
			}
		})
	}
}

func proxyFault(t reporter, upstream, leg string, i int, kind faultKind) {
	f := flights[i]
	var book logbook
	cfg := tdsproxy.Config{Upstream: upstream, Timeout: proxyTimeout, StallTimeout: proxyTimeout, IdleTimeout: proxyTimeout, Logf: book.logf}
	var r *relay
	if leg == "upstream" {
		r = newRelay(t, upstream, i, kind, f.at)
		cfg.Upstream = r.addr()
	}
	p, err := tdsproxy.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan struct{})
	go func() { defer close(served); p.Serve(ln) }()
	clientAddr := ln.Addr().String()
	if leg == "client" {
		r = newRelay(t, clientAddr, i, kind, f.at)
		clientAddr = r.addr()
	}
	defer func() {
		p.Close()
		<-served
		r.close()
		if t.Failed() {
			book.mu.Lock()
			t.Logf("proxy log:\n%s", strings.Join(book.lines, "\n"))
			book.mu.Unlock()
		}
	}()

	start := time.Now()
	faulty := make(chan error, 1)
	go func() { faulty <- client(clientAddr) }()
	// The neighbour starts once the faulty connection holds the relay's
	// first place; on the client leg it goes straight to the proxy.
	select {
	case <-r.first:
	case <-time.After(clientTimeout):
		t.Fatal("the faulty connection never reached the relay")
	}
	neighbourAddr := clientAddr
	if leg == "client" {
		neighbourAddr = ln.Addr().String()
	}
	if err := client(neighbourAddr); err != nil {
		t.Errorf("healthy neighbour failed: %v", err)
	}

	cerr := <-faulty
	if took := time.Since(start); took > clientTimeout+slack {
		t.Errorf("client failed after %v", took.Round(time.Millisecond))
	}
	var e *tdsconn.Error
	switch {
	case cerr == nil:
		// Every fault breaks the flow: a cut or a stall loses a message,
		// and a trickle is slower than every deadline on the way.
		t.Errorf("client succeeded through a %v %s", kind, f.name)
	case cerr == io.EOF && !f.login:
	case !errors.As(cerr, &e):
		t.Errorf("client: %T %v, want a *tdsconn.Error", cerr, cerr)
	}

	// The faulty connection must be closed within the proxy's own
	// limits, and say why. On the upstream leg it is the proxy's first
	// (the neighbour starts after its login reached the upstream); on
	// the client leg, the one from the relay's first dial.
	id := 1
	if leg == "client" {
		r.mu.Lock()
		from := r.firstOut
		r.mu.Unlock()
		if id = book.id(from); id == 0 {
			t.Fatalf("no proxy connection from the relay's %s", from)
		}
	}
	r.mu.Lock()
	fired := r.fired
	r.mu.Unlock()
	if fired.IsZero() {
		t.Fatalf("the fault never fired (client: %v)", cerr)
	}
	deadline := time.Now().Add(proxyTimeout + slack)
	var closed time.Time
	for {
		var ok bool
		if closed, ok = book.closedAt(id); ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("conn %d still open %v after the client's end; its log:\n%s", id, proxyTimeout+slack, strings.Join(book.conn(id), "\n"))
		}
		time.Sleep(10 * time.Millisecond)
	}
	// The proxy's bound, counted from the fault: its login Timeout, or
	// after the login its StallTimeout or IdleTimeout.
	if d := closed.Sub(fired); d > proxyTimeout+slack {
		t.Errorf("conn %d closed %v after the fault; the proxy's limits are %v", id, d.Round(time.Millisecond), proxyTimeout)
	}
	lines := book.conn(id)
	// The login response is the proxy's last word of the login: lost on
	// the client leg, it fails nothing of the proxy's login.
	if f.login && !(leg == "client" && f.name == "login response") && !strings.Contains(strings.Join(lines, "\n"), "login failed: tdsconn: ") {
		t.Errorf("conn %d: no typed login failure in its log:\n%s", id, strings.Join(lines, "\n"))
	}
}
