package smp

import (
	"bytes"
	"context"
	"io"
	"net"
	"testing"
	"time"
)

// pair returns a client and a server Mux joined by net.Pipe, closed when
// the test ends.
func pair(t testing.TB, ccfg, scfg *Config) (client, server *Mux) {
	t.Helper()
	c, s := net.Pipe()
	client = NewClient(c, ccfg)
	server = NewServer(s, scfg)
	t.Cleanup(func() {
		client.Close()
		server.Close()
	})
	return client, server
}

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// openPair opens one session on client and accepts it on server.
func openPair(t testing.TB, client, server *Mux) (cs, ss *Session) {
	t.Helper()
	ctx := testCtx(t)
	type res struct {
		s   *Session
		err error
	}
	ch := make(chan res, 1)
	go func() {
		s, err := server.Accept(ctx)
		ch <- res{s, err}
	}()
	cs, err := client.Open(ctx)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	r := <-ch
	if r.err != nil {
		t.Fatalf("Accept: %v", r.err)
	}
	if cs.SID() != r.s.SID() {
		t.Fatalf("client SID %d, server SID %d", cs.SID(), r.s.SID())
	}
	return cs, r.s
}

func TestMuxEcho(t *testing.T) {
	client, server := pair(t, nil, nil)
	cs, ss := openPair(t, client, server)
	if cs.SID() != 0 {
		t.Errorf("first session SID %d, want 0 as in the seed trace", cs.SID())
	}
	done := make(chan error, 1)
	go func() {
		buf := make([]byte, 100)
		for {
			n, err := ss.Read(buf)
			if err == io.EOF {
				done <- ss.Close()
				return
			}
			if err != nil {
				done <- err
				return
			}
			if _, err := ss.Write(buf[:n]); err != nil {
				done <- err
				return
			}
		}
	}()
	buf := make([]byte, 100)
	for i := range 50 {
		msg := bytes.Repeat([]byte{byte(i)}, i+1)
		if _, err := cs.Write(msg); err != nil {
			t.Fatalf("Write %d: %v", i, err)
		}
		n, err := cs.Read(buf)
		if err != nil || !bytes.Equal(buf[:n], msg) {
			t.Fatalf("echo %d: got %q, %v; want %q", i, buf[:n], err, msg)
		}
	}
	if err := cs.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := <-done; err != nil {
		t.Fatalf("server: %v", err)
	}
}
