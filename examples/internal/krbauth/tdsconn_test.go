package krbauth

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/jcmturner/gokrb5/v8/types"

	"github.com/tdswire/tdswire/login7"
	"github.com/tdswire/tdswire/tdsconn"
)

// krbClient is a tdsconn.SSPIClient sending a prepared AP-REQ and checking
// the AP-REP that comes back.
type krbClient struct {
	t     *testing.T
	tok   []byte
	key   types.EncryptionKey
	steps int
}

func (c *krbClient) Step(ctx context.Context, in []byte) ([]byte, bool, error) {
	c.steps++
	if in == nil {
		return c.tok, false, nil
	}
	checkAPRep(c.t, in, c.key)
	return nil, true, nil
}

// TestThroughTDSConn runs a Kerberos login through tdsconn's server and
// client roles over a loopback TCP connection: LOGIN7 carries the AP-REQ,
// the SSPI token the AP-REP, then LOGINACK.
func TestThroughTDSConn(t *testing.T) {
	r, cl := realm(t)
	tok, key := apReq(t, cl, spn)
	auth := &Config{Keytab: loadKeytab(t, r.Keytab)}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	type accepted struct {
		user string
		err  error
	}
	done := make(chan accepted, 1)
	go func() {
		nc, err := ln.Accept()
		if err != nil {
			done <- accepted{err: err}
			return
		}
		defer nc.Close()
		sc, err := tdsconn.Accept(ctx, nc, &tdsconn.ServerConfig{NewSSPI: func(ctx context.Context, l *login7.Login7) (tdsconn.SSPIServer, error) {
			return New(auth), nil
		}})
		if err != nil {
			done <- accepted{err: err}
			return
		}
		done <- accepted{user: sc.User()}
		sc.Close()
	}()
	c := &krbClient{t: t, tok: tok, key: key}
	cc, _, err := tdsconn.Dial(ctx, "tcp", ln.Addr().String(), &tdsconn.ClientConfig{SSPI: c, ServerName: "localhost"})
	if err != nil {
		t.Fatalf("login: %v", err)
	}
	cc.Close()
	a := <-done
	if a.err != nil || a.user != "joe@TDSWIRE.TEST" {
		t.Fatalf("server: user %q, %v", a.user, a.err)
	}
	if c.steps != 2 {
		t.Errorf("client steps %d, want 2 (AP-REQ, then the AP-REP)", c.steps)
	}
}
