// Command proxy is a logging TDS proxy: it terminates TLS toward its
// clients (its own self-signed certificate) and toward the upstream
// server, and logs every message of both directions, decoded.
//
//	go run ./proxy -listen 127.0.0.1:11433 -upstream 127.0.0.1:1433 [-tls off|login|required|strict] [-verify-upstream]
//
// See the tdsproxy package and the README.
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"os/signal"
	"time"

	"github.com/tdswire/tdswire/examples/proxy/tdsproxy"
	"github.com/tdswire/tdswire/examples/server/tdsserver"
	"github.com/tdswire/tdswire/tdsconn"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:11433", "address to accept clients on")
	upstream := flag.String("upstream", "", "host:port of the server (required)")
	mode := flag.String("tls", "login", "encryption toward clients: off, login, required or strict")
	upTLS := flag.String("upstream-tls", "login", "encryption toward the upstream: off, login, required or strict")
	verify := flag.Bool("verify-upstream", false, "verify the upstream's certificate")
	upName := flag.String("upstream-name", "", "name to verify the upstream certificate for (default: the upstream host)")
	app := flag.String("app-name", "", "rewrite LOGIN7's application name")
	stall := flag.Duration("stall-timeout", tdsproxy.DefaultStallTimeout, "after the login, bound on each packet write and on each next packet of a message begun")
	idle := flag.Duration("idle-timeout", tdsproxy.DefaultIdleTimeout, "close a connection whose client sends no whole message for this long while no response is on its way (negative: never)")
	flag.Parse()
	if err := run(*listen, *upstream, *mode, *upTLS, *upName, *app, *verify, *stall, *idle); err != nil {
		fmt.Fprintln(os.Stderr, "proxy:", err)
		os.Exit(2)
	}
}

func run(listen, upstream, mode, upTLS, upName, app string, verify bool, stall, idle time.Duration) error {
	m, err := tdsserver.ParseTLSMode(mode)
	if err != nil {
		return err
	}
	um, err := tdsserver.ParseTLSMode(upTLS)
	if err != nil {
		return err
	}
	cfg := tdsproxy.Config{
		Upstream:       upstream,
		TLS:            m,
		UpstreamTLS:    upstreamEncryption(um),
		VerifyUpstream: verify,
		UpstreamName:   upName,
		AppName:        app,
		StallTimeout:   stall,
		IdleTimeout:    idle,
		Logf:           log.New(os.Stderr, "", log.LstdFlags|log.Lmicroseconds).Printf,
	}
	if m != tdsserver.TLSOff {
		cert, err := tdsserver.SelfSignedCertificate()
		if err != nil {
			return err
		}
		cfg.Certificate = &cert
	}
	p, err := tdsproxy.New(cfg)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return err
	}
	log.Printf("proxy: listening on %v, upstream %s, -tls %v, -upstream-tls %v", ln.Addr(), upstream, m, um)
	go func() {
		ch := make(chan os.Signal, 1)
		signal.Notify(ch, os.Interrupt)
		<-ch
		p.Close()
	}()
	return p.Serve(ln)
}

// upstreamEncryption maps a -upstream-tls value to what the client role
// asks for.
func upstreamEncryption(m tdsserver.TLSMode) tdsconn.Encryption {
	switch m {
	case tdsserver.TLSOff:
		return tdsconn.EncryptionNone
	case tdsserver.TLSRequired:
		return tdsconn.EncryptionFull
	case tdsserver.TLSStrict:
		return tdsconn.EncryptionStrict
	}
	return tdsconn.EncryptionLoginOnly
}
