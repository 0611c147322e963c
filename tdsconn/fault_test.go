package tdsconn_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/tdswire/tdswire/ntlm"
	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tdsconn"
)

// The fault harness: a real client (Login) and a real server (Accept)
// talk through an injector that relays loopback TCP in both directions
// and counts flights, the runs of bytes one side sends before the other
// answers (a TDS login is strictly half-duplex: PRELOGIN, its answer, the
// TLS handshake's flights, LOGIN7, each SSPI round, the login response;
// then a request and its response, or an SMP SYN and DATA). At one chosen
// flight the injector cuts the connection, stalls (forwards nothing more
// in that direction, leaving the sockets open) or trickles (one byte every
// trickleEvery). Each side must then fail with a *tdsconn.Error naming the
// phase it was in, within its own deadline, and leave no goroutine behind
// (TestMain's goleak); a healthy connection run beside each case must be
// unaffected.

// faultDeadline is both sides' login timeout and the deadline of every
// operation after the login.
// One second leaves a clean flow (a TLS handshake under the race
// detector, with the other cases running) its time.
const faultDeadline = time.Second

// faultSlack is how late past faultDeadline a side may fail (the race
// detector and a loaded 2-core machine included).
const faultSlack = 2 * time.Second

// trickleEvery is the trickle's pace: the rest of the shortest flight
// (40 bytes of the PRELOGIN response) takes longer than faultDeadline.
const trickleEvery = 60 * time.Millisecond

type faultKind int

const (
	faultNone faultKind = iota
	faultCut
	faultStall
	faultTrickle
)

func (k faultKind) String() string {
	return [...]string{"none", "cut", "stall", "trickle"}[k]
}

const (
	toServer = 0 // client to server
	toClient = 1 // server to client
)

// fault is what the injector does: at flight Flight, after At of its
// bytes.
type fault struct {
	Kind   faultKind
	Flight int
	At     int
}

// injector relays two TCP connections and applies one fault.
type injector struct {
	f      fault
	ends   [2]net.Conn // [toServer]: reads the client, [toClient]: reads the server
	done   chan struct{}
	closer sync.Once

	mu      sync.Mutex
	last    int   // direction of the current flight, -1 before the first
	flights []int // bytes of each flight so far
	dirs    []int
	fired   time.Time
	wg      sync.WaitGroup
}

// newInjector returns the client's and the server's ends of a relayed
// connection.
func newInjector(f fault) (inj *injector, client, server net.Conn, err error) {
	cIn, cOut, err := loopback() // cIn: the injector's end toward the client
	if err != nil {
		return nil, nil, nil, err
	}
	sOut, sIn, err := loopback() // sIn: the injector's end toward the server
	if err != nil {
		cIn.Close()
		cOut.Close()
		return nil, nil, nil, err
	}
	inj = &injector{f: f, ends: [2]net.Conn{cIn, sIn}, done: make(chan struct{}), last: -1}
	inj.wg.Add(2)
	go inj.pump(toServer, cIn, sIn)
	go inj.pump(toClient, sIn, cIn)
	return inj, cOut, sOut, nil
}

// loopback returns the two ends of a loopback TCP connection, or an
// error: tcpPair for goroutines that cannot fail a test.
func loopback() (server, client net.Conn, err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, err
	}
	defer ln.Close()
	if client, err = net.Dial("tcp", ln.Addr().String()); err != nil {
		return nil, nil, err
	}
	if server, err = ln.Accept(); err != nil {
		client.Close()
		return nil, nil, err
	}
	return server, client, nil
}

// close ends the relay and waits for its goroutines.
func (inj *injector) close() {
	inj.closer.Do(func() {
		close(inj.done)
		inj.ends[0].Close()
		inj.ends[1].Close()
	})
	inj.wg.Wait()
}

// firedAt returns when the fault was applied (zero if never).
func (inj *injector) firedAt() time.Time {
	inj.mu.Lock()
	defer inj.mu.Unlock()
	return inj.fired
}

// log returns the flights seen: direction and size of each.
func (inj *injector) log() (dirs, sizes []int) {
	inj.mu.Lock()
	defer inj.mu.Unlock()
	return append([]int(nil), inj.dirs...), append([]int(nil), inj.flights...)
}

func (inj *injector) pump(dir int, src, dst net.Conn) {
	defer inj.wg.Done()
	buf := make([]byte, 64<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			b := buf[:n]
			inj.mu.Lock()
			if inj.last != dir {
				inj.last = dir
				inj.flights = append(inj.flights, 0)
				inj.dirs = append(inj.dirs, dir)
			}
			flight := len(inj.flights) - 1
			seen := inj.flights[flight]
			inj.flights[flight] += n
			hit := inj.f.Kind != faultNone && flight == inj.f.Flight && seen+n > inj.f.At
			if hit && inj.fired.IsZero() {
				inj.fired = time.Now()
			}
			inj.mu.Unlock()
			if hit {
				k := max(inj.f.At-seen, 0)
				if k > 0 {
					if _, err := dst.Write(b[:k]); err != nil {
						return
					}
				}
				inj.apply(b[k:], src, dst)
				return
			}
			if _, err := dst.Write(b); err != nil {
				src.Close()
				return
			}
		}
		if err != nil {
			// One side closed: pass the end on, as a real network does.
			if tc, ok := dst.(*net.TCPConn); ok && errors.Is(err, io.EOF) {
				tc.CloseWrite()
			} else {
				dst.Close()
			}
			return
		}
	}
}

// apply carries out the fault on the rest of a flight, rest.
func (inj *injector) apply(rest []byte, src, dst net.Conn) {
	switch inj.f.Kind {
	case faultCut:
		inj.ends[0].Close()
		inj.ends[1].Close()
	case faultStall:
		<-inj.done
	case faultTrickle:
		tick := time.NewTicker(trickleEvery)
		defer tick.Stop()
		buf := make([]byte, 64<<10)
		for {
			for len(rest) > 0 {
				select {
				case <-inj.done:
					return
				case <-tick.C:
				}
				if _, err := dst.Write(rest[:1]); err != nil {
					return
				}
				rest = rest[1:]
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

// scenario is one connection flow, flight by flight.
type scenario struct {
	name    string
	scfg    *tdsconn.ServerConfig
	ccfg    func() *tdsconn.ClientConfig
	mars    bool
	flights []flight
}

// flight is one flight of a scenario: its direction, a name, the byte at
// which a fault starts, and the phase its receiver reports when the
// flight fails. Its sender waits for the next flight, and reports that
// flight's phase: each side names what it was reading or writing.
type flight struct {
	dir   int
	name  string
	at    int
	phase tdsconn.Phase
}

// responseSize is the size of the server's response to the client's
// request: three 4,096-byte packets, so that a fault at byte 5,000
// falls in the middle of a result.
const responseSize = 10000

var (
	faultNTLM = &ntlm.Server{NbComputerName: "TDSWIRE", NbDomainName: "CONTOSO",
		Lookup: ntlm.AccountList{{User: "joe", Hash: ntlm.HashPassword("Passw0rd")}}.Lookup}
)

// faultScenarios returns the flows, with server configurations that
// every case of a scenario shares (as a server's connections do).
func faultScenarios(t *testing.T) []scenario {
	tls12 := serverTLS(t)
	tls12.MaxVersion = tls.VersionTLS12
	const (
		pre   = tdsconn.PhasePrelogin
		hs    = tdsconn.PhaseTLSHandshake
		login = tdsconn.PhaseLogin
		sspi  = tdsconn.PhaseSSPI
		in    = tdsconn.PhaseLoggedIn
		mars  = tdsconn.PhaseMARS
	)
	prelogin := []flight{
		{toServer, "PRELOGIN", 3, pre},
		{toClient, "PRELOGIN response", 3, pre},
	}
	request := []flight{
		{toServer, "SQL batch", 3, in},
		{toClient, "result", 5000, in},
	}
	sql := func() *tdsconn.ServerConfig {
		return &tdsconn.ServerConfig{CheckSQLLogin: checkPassword, LoginTimeout: faultDeadline}
	}
	joe := func() *tdsconn.ClientConfig {
		return &tdsconn.ClientConfig{User: "joe", Password: "secret", LoginTimeout: faultDeadline}
	}
	cat := func(parts ...[]flight) []flight {
		var all []flight
		for _, p := range parts {
			all = append(all, p...)
		}
		return all
	}
	return []scenario{
		{
			name: "sql",
			scfg: sql(), ccfg: joe,
			flights: cat(prelogin, []flight{
				{toServer, "LOGIN7", 3, login},
				{toClient, "login response", 3, login},
			}, request),
		},
		{
			name: "tls-login-only",
			scfg: func() *tdsconn.ServerConfig {
				c := sql()
				c.TLS = tls12
				return c
			}(),
			ccfg: func() *tdsconn.ClientConfig {
				c := joe()
				c.Encryption, c.TLS = tdsconn.EncryptionLoginOnly, clientTLS()
				return c
			},
			flights: cat(prelogin, []flight{
				{toServer, "ClientHello", 3, hs},
				{toClient, "ServerHello to ServerHelloDone", 3, hs},
				{toServer, "ClientKeyExchange, Finished", 3, hs},
				{toClient, "server Finished", 3, hs},
				{toServer, "LOGIN7 in TLS", 3, login},
				{toClient, "login response", 3, login},
			}, request),
		},
		{
			name: "ntlm",
			scfg: &tdsconn.ServerConfig{NewSSPI: tdsconn.NTLMServer(faultNTLM), LoginTimeout: faultDeadline},
			ccfg: func() *tdsconn.ClientConfig {
				return &tdsconn.ClientConfig{SSPI: tdsconn.NTLMClient(&ntlm.Client{Domain: "CONTOSO", User: "joe", Password: "Passw0rd"}), LoginTimeout: faultDeadline}
			},
			flights: cat(prelogin, []flight{
				{toServer, "LOGIN7 with NEGOTIATE", 3, login},
				{toClient, "SSPI CHALLENGE", 3, login},
				{toServer, "SSPI AUTHENTICATE", 3, sspi},
				{toClient, "login response", 3, sspi},
			}, request),
		},
		{
			name: "mars",
			scfg: func() *tdsconn.ServerConfig {
				c := sql()
				c.MARS = true
				return c
			}(),
			ccfg: func() *tdsconn.ClientConfig {
				c := joe()
				c.MARS = true
				return c
			},
			mars: true,
			flights: cat(prelogin, []flight{
				{toServer, "LOGIN7", 3, login},
				{toClient, "login response", 3, login},
				{toServer, "SMP SYN and DATA", 3, mars},
				{toClient, "SMP DATA result", 5000, mars},
			}),
		},
	}
}

// outcome is one side's result: its error and when it came.
type outcome struct {
	err error
	at  time.Time
}

// runFlow runs sc's flow over client and server and returns both sides'
// outcomes. Every operation is bounded by faultDeadline.
func runFlow(sc scenario, client, server net.Conn) (cli, srv outcome) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		srv.err = serveFlow(sc, server)
		srv.at = time.Now()
	}()
	cli.err = clientFlow(sc, client)
	cli.at = time.Now()
	wg.Wait()
	return cli, srv
}

func serveFlow(sc scenario, nc net.Conn) error {
	ctx := context.Background()
	c, err := tdsconn.Accept(ctx, nc, sc.scfg)
	if err != nil {
		return err
	}
	defer c.Close()
	st := c.Stream
	if sc.mars {
		actx, cancel := context.WithTimeout(ctx, faultDeadline)
		st, err = c.AcceptStream(actx)
		cancel()
		if err != nil {
			return err
		}
		defer st.Close()
	}
	st.SetDeadline(time.Now().Add(faultDeadline))
	if _, _, err := st.ReadMessage(); err != nil {
		return err
	}
	if err := st.WriteMessage(tds.PacketResponse, bytes.Repeat([]byte{0xAB}, responseSize)); err != nil {
		return err
	}
	if sc.mars {
		// The result must reach the client before Close sends FIN.
		_, _, err := st.ReadMessage()
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
	}
	return nil
}

func clientFlow(sc scenario, nc net.Conn) error {
	ctx := context.Background()
	c, _, err := tdsconn.Login(ctx, nc, sc.ccfg())
	if err != nil {
		return err
	}
	defer c.Close()
	st := c.Stream
	if sc.mars {
		octx, cancel := context.WithTimeout(ctx, faultDeadline)
		st, err = c.OpenStream(octx)
		cancel()
		if err != nil {
			return err
		}
		defer st.Close()
	}
	st.SetDeadline(time.Now().Add(faultDeadline))
	if err := st.SQLBatch("select 1"); err != nil {
		return err
	}
	_, msg, err := st.ReadMessage()
	if err != nil {
		return err
	}
	if len(msg) != responseSize {
		return fmt.Errorf("result of %d bytes, want %d", len(msg), responseSize)
	}
	return nil
}

// TestFaultFlights runs each scenario clean through the injector and
// checks that its flights are the ones the fault table names: the
// harness hits the phases it claims to.
func TestFaultFlights(t *testing.T) {
	for _, sc := range faultScenarios(t) {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			inj, c, s, err := newInjector(fault{})
			if err != nil {
				t.Fatal(err)
			}
			cli, srv := runFlow(sc, c, s)
			inj.close()
			if cli.err != nil || srv.err != nil {
				t.Fatalf("clean run failed: client %v, server %v", cli.err, srv.err)
			}
			dirs, sizes := inj.log()
			for i, d := range dirs {
				name := "(not in the table)"
				if i < len(sc.flights) {
					name = sc.flights[i].name
				}
				t.Logf("flight %d: %s, %d bytes: %s", i, []string{"client to server", "server to client"}[d], sizes[i], name)
			}
			if len(dirs) < len(sc.flights) {
				t.Fatalf("%d flights, the table has %d", len(dirs), len(sc.flights))
			}
			for i, f := range sc.flights {
				if dirs[i] != f.dir {
					t.Errorf("flight %d (%s): direction %d, table %d", i, f.name, dirs[i], f.dir)
				}
				if sizes[i] <= f.at {
					t.Errorf("flight %d (%s): %d bytes, the fault starts at byte %d", i, f.name, sizes[i], f.at)
				}
			}
		})
	}
}

// TestFaults cuts, stalls and trickles every flight of every scenario
// and checks both sides' errors: typed, with the phase, in time. The
// cases spend their time waiting for deadlines, so they run all at once
// (bounded by faultParallel), not at t.Parallel's GOMAXPROCS, and report
// as subtests afterwards.
func TestFaults(t *testing.T) {
	type result struct {
		name     string
		problems []string
	}
	var results []*result
	var wg sync.WaitGroup
	sem := make(chan struct{}, faultParallel)
	for _, sc := range faultScenarios(t) {
		for i, f := range sc.flights {
			for _, kind := range []faultKind{faultCut, faultStall, faultTrickle} {
				r := &result{name: fmt.Sprintf("%s/%02d-%s/%v", sc.name, i, f.name, kind)}
				results = append(results, r)
				wg.Add(1)
				go func() {
					defer wg.Done()
					sem <- struct{}{}
					defer func() { <-sem }()
					r.problems = faultCase(sc, i, kind)
				}()
			}
		}
	}
	wg.Wait()
	for _, r := range results {
		t.Run(r.name, func(t *testing.T) {
			for _, p := range r.problems {
				t.Error(p)
			}
		})
	}
}

// faultParallel bounds the fault cases in flight at once.
const faultParallel = 24

// faultCase runs one case and returns what is wrong with it.
func faultCase(sc scenario, i int, kind faultKind) (problems []string) {
	errorf := func(format string, args ...any) {
		problems = append(problems, fmt.Sprintf(format, args...))
	}
	f := sc.flights[i]
	// A healthy neighbour runs the same flow at the same time.
	neighbour := make(chan error, 1)
	go func() {
		inj, c, s, err := newInjector(fault{})
		if err != nil {
			neighbour <- err
			return
		}
		defer inj.close()
		cli, srv := runFlow(sc, c, s)
		neighbour <- errors.Join(cli.err, srv.err)
	}()

	inj, c, s, err := newInjector(fault{Kind: kind, Flight: i, At: f.at})
	if err != nil {
		return []string{err.Error()}
	}
	start := time.Now()
	// A side that ignores its deadline would wait on a stalled relay
	// forever: the watchdog ends the relay, so that the case reports it
	// (as late) instead of hanging the run.
	watchdog := time.AfterFunc(faultDeadline+2*faultSlack, inj.close)
	cli, srv := runFlow(sc, c, s)
	watchdog.Stop()
	inj.close()
	if err := <-neighbour; err != nil {
		errorf("healthy neighbour failed: %v", err)
	}
	fired := inj.firedAt()
	if fired.IsZero() {
		errorf("the fault never fired (client %v, server %v)", cli.err, srv.err)
		return problems
	}

	recv, send := srv, cli
	recvName, sendName := "server", "client"
	if f.dir == toClient {
		recv, send = cli, srv
		recvName, sendName = "client", "server"
	}
	check := func(who string, o outcome, want tdsconn.Phase, deadline, eofOK bool) {
		if o.err == io.EOF && eofOK {
			return
		}
		var e *tdsconn.Error
		if !errors.As(o.err, &e) {
			errorf("%s: %T %v, want a *tdsconn.Error", who, o.err, o.err)
			return
		}
		if e.Phase != want {
			errorf("%s: phase %v, want %v: %v", who, e.Phase, want, o.err)
		}
		if deadline && !errors.Is(o.err, os.ErrDeadlineExceeded) && !errors.Is(o.err, context.DeadlineExceeded) {
			errorf("%s: %v, want a deadline error", who, o.err)
		}
		if late := o.at.Sub(start); late > faultDeadline+faultSlack {
			errorf("%s: failed after %v, deadline %v", who, late.Round(time.Millisecond), faultDeadline)
		}
	}
	// The receiver of the faulty flight fails: at its deadline when the
	// flight stalls or trickles (the injector holds back the sender's
	// close too). The sender fails as it waits for the next flight, at
	// its own deadline or when the receiver gives up first, whichever
	// comes first. After the last flight, nothing is awaited.
	// A side that has logged in and is between messages may see its
	// peer's close as a clean io.EOF (Stream.ReadMessage,
	// ServerConn.AcceptStream): the peer gave up, nothing was cut.
	check(recvName, recv, f.phase, kind != faultCut, false)
	if i+1 < len(sc.flights) {
		next := sc.flights[i+1].phase
		check(sendName, send, next, false, next == tdsconn.PhaseLoggedIn || next == tdsconn.PhaseMARS)
	} else if send.err != nil {
		check(sendName, send, f.phase, false, true)
	}
	if kind == faultCut && recv.at.Sub(fired) > faultSlack {
		errorf("%s: noticed the cut after %v", recvName, recv.at.Sub(fired).Round(time.Millisecond))
	}
	return problems
}
