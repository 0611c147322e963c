package interop

import (
	"fmt"
	"net"
	"strconv"
	"sync"
	"testing"

	"github.com/tdswire/tdswire/examples/server/tdsserver"
)

// The logins of the example server in these tests.
const (
	sqlUser     = "sa"
	sqlPassword = "Passw0rd!"
	ntlmDomain  = "CONTOSO"
	ntlmUser    = "joe"
	ntlmPass    = "Secret1!"
)

// exampleServer is the examples/server TDS server running in-process on
// 127.0.0.1 for one test.
type exampleServer struct {
	*tdsserver.Server
	addr string
	port int

	mu  sync.Mutex
	log []string
}

// startExampleServer starts the example server with the test logins, the
// given encryption mode and MARS on; it stops when the test ends.
// opts adjust the configuration before the server starts.
func startExampleServer(t *testing.T, mode tdsserver.TLSMode, opts ...func(*tdsserver.Config)) *exampleServer {
	t.Helper()
	es := &exampleServer{}
	cfg := tdsserver.Config{
		Users: []tdsserver.User{
			{Name: sqlUser, Password: sqlPassword},
			{Domain: ntlmDomain, Name: ntlmUser, Password: ntlmPass},
		},
		TLS:  mode,
		MARS: true,
		Rows: 50,
		Logf: func(format string, args ...any) {
			es.mu.Lock()
			es.log = append(es.log, fmt.Sprintf(format, args...))
			es.mu.Unlock()
		},
		Timeout:   clientTimeout,
		Databases: []string{"master", "tempdb", database},
	}
	for _, o := range opts {
		o(&cfg)
	}
	srv, err := tdsserver.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	addr, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	es.Server, es.addr = srv, addr
	_, port, _ := net.SplitHostPort(addr)
	es.port, _ = strconv.Atoi(port)
	t.Cleanup(func() {
		srv.Close()
		if t.Failed() {
			es.mu.Lock()
			defer es.mu.Unlock()
			for _, l := range es.log {
				t.Logf("server: %s", l)
			}
		}
	})
	return es
}

func sprint(v any) string { return fmt.Sprint(v) }
