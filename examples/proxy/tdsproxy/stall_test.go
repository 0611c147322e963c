package tdsproxy_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/tdswire/tdswire/examples/proxy/tdsproxy"
	"github.com/tdswire/tdswire/examples/server/tdsserver"
	"github.com/tdswire/tdswire/tdsconn"
)

// TestProxyStalledReader: a client that sends a request and then stops
// reading its socket, while the response is far larger than the socket
// buffers, blocks the proxy's writes toward it; StallTimeout bounds each
// write, so the proxy closes the connection (the idle timer does not run
// while a response is on its way).
func TestProxyStalledReader(t *testing.T) {
	srv, err := tdsserver.New(tdsserver.Config{
		Users: []tdsserver.User{{Name: "joe", Password: "secret"}},
		Rows:  2_000_000,
	})
	if err != nil {
		t.Fatal(err)
	}
	upstream, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	var book logbook
	const stall = 300 * time.Millisecond
	p, err := tdsproxy.New(tdsproxy.Config{Upstream: upstream, StallTimeout: stall, IdleTimeout: time.Hour, Logf: book.logf})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan struct{})
	go func() { defer close(served); p.Serve(ln) }()
	defer func() { p.Close(); <-served }()

	c, _, err := tdsconn.Dial(context.Background(), "tcp", ln.Addr().String(), &tdsconn.ClientConfig{User: "joe", Password: "secret", LoginTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.SQLBatch("SELECT * FROM big"); err != nil {
		t.Fatal(err)
	}
	// The client reads nothing more.
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, ok := book.closedAt(1); ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the proxy still writes to a client that stopped reading 10s ago; its log:\n%v", book.conn(1))
		}
		time.Sleep(20 * time.Millisecond)
	}
}
