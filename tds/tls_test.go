package tds_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tds/tdstest"
)

// testTimeout bounds every network test.
const testTimeout = 10 * time.Second

// newCert makes a self-signed ECDSA certificate for "sql.test".
func newCert(t testing.TB) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	cert, pool, err := makeCert()
	if err != nil {
		t.Fatal(err)
	}
	return cert, pool
}

// makeCert makes a self-signed ECDSA certificate for "sql.test" and a pool
// that trusts it.
func makeCert() (tls.Certificate, *x509.CertPool, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "sql.test"},
		DNSNames:              []string{"sql.test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool, nil
}

// tlsConfigs returns matching client and server configurations.
func tlsConfigs(t testing.TB, version uint16) (client, server *tls.Config) {
	cert, pool := newCert(t)
	server = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: version, MaxVersion: version}
	client = &tls.Config{RootCAs: pool, ServerName: "sql.test", MinVersion: version, MaxVersion: version}
	return client, server
}

// tcpPair returns both ends of a loopback TCP connection with a deadline.
func tcpPair(t testing.TB) (client, server net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	type res struct {
		c   net.Conn
		err error
	}
	ch := make(chan res, 1)
	go func() {
		c, err := ln.Accept()
		ch <- res{c, err}
	}()
	client, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	r := <-ch
	if r.err != nil {
		t.Fatal(r.err)
	}
	server = r.c
	deadline := time.Now().Add(testTimeout)
	_ = client.SetDeadline(deadline)
	_ = server.SetDeadline(deadline)
	t.Cleanup(func() { client.Close(); server.Close() })
	return client, server
}

func testContext(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// recConn records the bytes read from and written to a connection, and
// lets the test take a snapshot of both counts.
type recConn struct {
	net.Conn
	mu      sync.Mutex
	in, out bytes.Buffer
}

func (c *recConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.mu.Lock()
	c.in.Write(p[:n])
	c.mu.Unlock()
	return n, err
}

func (c *recConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.mu.Lock()
	c.out.Write(p[:n])
	c.mu.Unlock()
	return n, err
}

func (c *recConn) snapshot() (in, out []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return bytes.Clone(c.in.Bytes()), bytes.Clone(c.out.Bytes())
}

// splitPackets parses b as whole TDS packets (independently of the code
// under test: only the header layout of [MS-TDS] 2.2.3.1) and returns the
// packets' headers and the concatenated data of each message.
func splitPackets(t *testing.T, b []byte) (hdrs [][]byte, msgs [][]byte) {
	t.Helper()
	var cur []byte
	for len(b) > 0 {
		if len(b) < 8 {
			t.Fatalf("%d trailing bytes are not a packet header", len(b))
		}
		n := int(binary.BigEndian.Uint16(b[2:4]))
		if n < 8 || n > len(b) {
			t.Fatalf("packet Length %d with %d bytes left", n, len(b))
		}
		hdrs = append(hdrs, b[:8])
		cur = append(cur, b[8:n]...)
		if b[1]&0x01 != 0 {
			msgs = append(msgs, cur)
			cur = nil
		}
		b = b[n:]
	}
	if cur != nil {
		t.Fatalf("stream ends inside a message")
	}
	return hdrs, msgs
}

// recordTypes parses b as whole TLS records (RFC 8446 5.1) and returns
// their content types.
func recordTypes(t *testing.T, b []byte) []byte {
	t.Helper()
	var types []byte
	for len(b) > 0 {
		if len(b) < 5 {
			t.Fatalf("%d trailing bytes are not a TLS record header", len(b))
		}
		n := 5 + int(binary.BigEndian.Uint16(b[3:5]))
		if n > len(b) {
			t.Fatalf("TLS record of %d bytes with %d left", n, len(b))
		}
		types = append(types, b[0])
		b = b[n:]
	}
	return types
}

// checkHandshakeWire checks that b, the bytes one side sent or received
// during the handshake, are TDS packets of type want whose message data
// are whole TLS handshake-phase records (handshake 0x16, change cipher
// spec 0x14, alert 0x15, and in TLS 1.3 encrypted handshake records 0x17).
func checkHandshakeWire(t *testing.T, b []byte, want byte) {
	t.Helper()
	if len(b) == 0 {
		t.Fatal("no handshake bytes")
	}
	hdrs, msgs := splitPackets(t, b)
	for _, h := range hdrs {
		if h[0] != want {
			t.Fatalf("handshake packet type %#02x, want %#02x (header % x)", h[0], want, h)
		}
		if h[1]&^0x01 != 0 {
			t.Fatalf("handshake packet status %#02x", h[1])
		}
	}
	for _, m := range msgs {
		types := recordTypes(t, m)
		if types[0] != 0x16 && types[0] != 0x14 {
			t.Fatalf("handshake message starts with TLS record type %#02x", types[0])
		}
	}
}

// checkRawRecords checks that b holds only TLS application data records.
func checkRawRecords(t *testing.T, b []byte) {
	t.Helper()
	if len(b) == 0 {
		t.Fatal("no bytes after the handshake")
	}
	for i, typ := range recordTypes(t, b) {
		if typ != 0x17 {
			t.Fatalf("record %d after the handshake has type %#02x, want 0x17 application data", i, typ)
		}
	}
}

// echoServer runs the server side of a full-encryption session: the TLS
// handshake, then it answers each message with a Response carrying the
// same payload, until the client closes.
func echoServer(ctx context.Context, conn net.Conn, cfg *tls.Config, spid uint16) error {
	ts, err := tds.ServerHandshake(ctx, conn, cfg)
	if err != nil {
		return fmt.Errorf("server handshake: %w", err)
	}
	r := tds.NewReader(ts)
	w, err := tds.NewWriter(ts, tds.DefaultPacketSize)
	if err != nil {
		return err
	}
	w.SetSPID(spid)
	for {
		_, p, err := r.ReadMessage()
		if err != nil {
			if errors.Is(err, net.ErrClosed) || errors.Is(err, context.Canceled) || err.Error() == "EOF" {
				return nil
			}
			return fmt.Errorf("server read: %w", err)
		}
		if err := w.WriteMessage(tds.PacketResponse, 0, p); err != nil {
			return fmt.Errorf("server write: %w", err)
		}
	}
}

func TestTLSFullEncryption(t *testing.T) {
	for _, v := range []struct {
		name string
		ver  uint16
	}{{"TLS1.2", tls.VersionTLS12}, {"TLS1.3", tls.VersionTLS13}} {
		t.Run(v.name, func(t *testing.T) {
			ctx := testContext(t)
			ccfg, scfg := tlsConfigs(t, v.ver)
			// With a session cache a TLS 1.3 server sends a ticket in its
			// first flight, after Finished, in the same PRELOGIN message.
			ccfg.ClientSessionCache = tls.NewLRUClientSessionCache(4)
			c, s := tcpPair(t)
			rc := &recConn{Conn: c}
			errc := make(chan error, 1)
			go func() { errc <- echoServer(ctx, s, scfg, 57) }()

			tc, err := tds.ClientHandshake(ctx, rc, ccfg)
			if err != nil {
				t.Fatalf("client handshake: %v", err)
			}
			if got := tc.ConnectionState().Version; got != v.ver {
				t.Fatalf("negotiated %#x", got)
			}
			hsIn, hsOut := rc.snapshot()

			w, err := tds.NewWriter(tc, tds.DefaultPacketSize)
			if err != nil {
				t.Fatal(err)
			}
			r := tds.NewReader(tc)
			for _, n := range []int{0, 100, 4088, 20000, 100000} {
				payload := seqBytes(n)
				if err := w.WriteMessage(tds.PacketSQLBatch, 0, payload); err != nil {
					t.Fatal(err)
				}
				h, p, err := r.ReadMessage()
				if err != nil {
					t.Fatalf("client read: %v", err)
				}
				if h.Type != tds.PacketResponse || h.SPID != 57 || !bytes.Equal(p, payload) {
					t.Fatalf("echo of %d bytes: %v, %d bytes", n, h, len(p))
				}
			}
			tc.Close()
			if err := <-errc; err != nil {
				t.Fatal(err)
			}

			// The wire: PRELOGIN packets during the handshake, raw TLS
			// application data records after it, in both directions.
			checkHandshakeWire(t, hsOut, byte(tds.PacketPrelogin))
			checkHandshakeWire(t, hsIn, byte(tds.PacketPrelogin))
			in, out := rc.snapshot()
			checkRawRecords(t, in[len(hsIn):])
			outTypes := recordTypes(t, out[len(hsOut):])
			for i, typ := range outTypes[:len(outTypes)-1] {
				if typ != 0x17 {
					t.Fatalf("client record %d after the handshake has type %#02x", i, typ)
				}
			}
			// The last one is the close_notify alert: a record of type
			// 0x15 in TLS 1.2, hidden inside 0x17 in TLS 1.3.
			if last := outTypes[len(outTypes)-1]; last != 0x15 && last != 0x17 {
				t.Fatalf("closing record type %#02x", last)
			}

			// The first client packet matches the shape of the example in
			// [MS-TDS] 2.2.6.5: PRELOGIN, EOM, TLS handshake record with
			// record version 3.1.
			ex := tdstest.ReadHex(t, "testdata/tls-prelogin-wrap.hex")
			if !bytes.Equal(hsOut[:2], ex[:2]) || !bytes.Equal(hsOut[8:11], ex[8:11]) {
				t.Fatalf("first handshake packet starts % x, spec example % x", hsOut[:11], ex)
			}
		})
	}
}

// TestTLS13ClientCertLateTickets covers TLS 1.3 with client certificates,
// where crypto/tls servers send session tickets after the client has
// finished its handshake: they arrive PRELOGIN-wrapped where the client
// already expects raw records.
func TestTLS13ClientCertLateTickets(t *testing.T) {
	ctx := testContext(t)
	ccfg, scfg := tlsConfigs(t, tls.VersionTLS13)
	clientCert, clientPool := newCert(t)
	ccfg.Certificates = []tls.Certificate{clientCert}
	ccfg.ClientSessionCache = tls.NewLRUClientSessionCache(4) // so the server sends tickets
	scfg.ClientAuth = tls.RequireAndVerifyClientCert
	scfg.ClientCAs = clientPool

	c, s := tcpPair(t)
	rc := &recConn{Conn: c}
	errc := make(chan error, 1)
	go func() { errc <- echoServer(ctx, s, scfg, 255) }()
	tc, err := tds.ClientHandshake(ctx, rc, ccfg)
	if err != nil {
		t.Fatalf("client handshake: %v", err)
	}
	hsIn, _ := rc.snapshot()
	w, _ := tds.NewWriter(tc, tds.DefaultPacketSize)
	r := tds.NewReader(tc)
	for i := 0; i < 3; i++ {
		if err := w.WriteMessage(tds.PacketSQLBatch, 0, seqBytes(1000*i)); err != nil {
			t.Fatal(err)
		}
		if _, p, err := r.ReadMessage(); err != nil || !bytes.Equal(p, seqBytes(1000*i)) {
			t.Fatalf("echo %d: %d bytes, %v", i, len(p), err)
		}
	}
	tc.Close()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	// The scenario really happened: after the client's handshake the
	// server's stream went on with a PRELOGIN packet.
	in, _ := rc.snapshot()
	if rest := in[len(hsIn):]; len(rest) == 0 || rest[0] != byte(tds.PacketPrelogin) {
		t.Fatalf("no PRELOGIN-wrapped ticket after the client handshake; stream starts % x", rest[:min(8, len(rest))])
	}
}

// TestTLSLoginOnly runs login-only encryption ([MS-TDS] 2.2.6.5
// ENCRYPT_OFF/ENCRYPT_OFF, 3.2.5.3): the first LOGIN7 packet inside TLS,
// everything else, the login response included, in clear.
func TestTLSLoginOnly(t *testing.T) {
	for _, c := range []struct {
		name  string
		ver   uint16
		login int // LOGIN7 payload size
	}{
		{"TLS1.2/one packet", tls.VersionTLS12, 300},
		{"TLS1.2/three packets", tls.VersionTLS12, 10000},
		{"TLS1.3/one packet", tls.VersionTLS13, 300},
		{"TLS1.3/three packets", tls.VersionTLS13, 10000},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx := testContext(t)
			ccfg, scfg := tlsConfigs(t, c.ver)
			cc, sc := tcpPair(t)
			rc := &recConn{Conn: cc}
			login := seqBytes(c.login)
			batch := []byte("select 1")

			errc := make(chan error, 1)
			go func() {
				errc <- func() error {
					ts, err := tds.ServerHandshake(ctx, sc, scfg)
					if err != nil {
						return err
					}
					r := tds.NewReader(ts)
					r.ResetAfterFirstPacket(sc)
					h, p, err := r.ReadMessage()
					if err != nil {
						return fmt.Errorf("reading LOGIN7: %w", err)
					}
					if h.Type != tds.PacketLogin7 || !bytes.Equal(p, login) {
						return fmt.Errorf("LOGIN7 arrived as %v with %d bytes", h, len(p))
					}
					w, _ := tds.NewWriter(sc, tds.DefaultPacketSize)
					w.SetSPID(96)
					if err := w.WriteMessage(tds.PacketResponse, 0, []byte("loginack")); err != nil {
						return err
					}
					h, p, err = r.ReadMessage()
					if err != nil || h.Type != tds.PacketSQLBatch || !bytes.Equal(p, batch) {
						return fmt.Errorf("batch: %v %q %v", h, p, err)
					}
					return w.WriteMessage(tds.PacketResponse, 0, []byte("done"))
				}()
			}()

			tc, err := tds.ClientHandshake(ctx, rc, ccfg)
			if err != nil {
				t.Fatalf("client handshake: %v", err)
			}
			hsIn, hsOut := rc.snapshot()
			w, _ := tds.NewWriter(tc, tds.DefaultPacketSize)
			if err := w.ResetAfterFirstPacket(rc); err != nil {
				t.Fatal(err)
			}
			if err := w.WriteMessage(tds.PacketLogin7, 0, login); err != nil {
				t.Fatal(err)
			}
			r := tds.NewReader(rc)
			h, p, err := r.ReadMessage()
			if err != nil || h.Type != tds.PacketResponse || h.SPID != 96 || string(p) != "loginack" {
				t.Fatalf("login response: %v %q %v", h, p, err)
			}
			if err := w.WriteMessage(tds.PacketSQLBatch, 0, batch); err != nil {
				t.Fatal(err)
			}
			if _, p, err = r.ReadMessage(); err != nil || string(p) != "done" {
				t.Fatalf("batch response: %q %v", p, err)
			}
			if err := <-errc; err != nil {
				t.Fatal(err)
			}

			in, out := rc.snapshot()
			checkHandshakeWire(t, hsOut, byte(tds.PacketPrelogin))
			checkHandshakeWire(t, hsIn, byte(tds.PacketPrelogin))
			// Client to server after the handshake: TLS application data
			// records (the first LOGIN7 packet; crypto/tls may spread it
			// over several records), then clear TDS packets.
			after := out[len(hsOut):]
			if after[0] != 0x17 {
				t.Fatalf("first byte after the handshake %#02x, want a TLS application data record", after[0])
			}
			for len(after) >= 5 && after[0] == 0x17 {
				after = after[5+int(binary.BigEndian.Uint16(after[3:5])):]
			}
			hdrs, msgs := splitPackets(t, after)
			wantTypes := []byte{byte(tds.PacketSQLBatch)}
			if c.login > tds.DefaultPacketSize-8 {
				wantTypes = []byte{byte(tds.PacketLogin7), byte(tds.PacketLogin7), byte(tds.PacketSQLBatch)}
			}
			if len(hdrs) != len(wantTypes) {
				t.Fatalf("%d clear packets after the TLS record, want %d", len(hdrs), len(wantTypes))
			}
			for i, h := range hdrs {
				if h[0] != wantTypes[i] {
					t.Fatalf("clear packet %d has type %#02x, want %#02x", i, h[0], wantTypes[i])
				}
			}
			if !bytes.Equal(msgs[len(msgs)-1], batch) {
				t.Fatalf("the batch is not in clear on the wire")
			}
			// Server to client after the handshake: clear packets only.
			if _, msgs := splitPackets(t, in[len(hsIn):]); len(msgs) != 2 || string(msgs[0]) != "loginack" {
				t.Fatalf("server's clear messages: %q", msgs)
			}
		})
	}
}

// TestTLSHandshakeRejectsOtherTypes sends a SQLBatch packet where the
// server expects a TLS handshake in PRELOGIN ([MS-TDS] 3.3.5.2).
func TestTLSHandshakeRejectsOtherTypes(t *testing.T) {
	ctx := testContext(t)
	_, scfg := tlsConfigs(t, tls.VersionTLS12)
	c, s := tcpPair(t)
	errc := make(chan error, 1)
	go func() {
		_, err := tds.ServerHandshake(ctx, s, scfg)
		s.Close()
		errc <- err
	}()
	w, _ := tds.NewWriter(c, tds.DefaultPacketSize)
	if err := w.WriteMessage(tds.PacketSQLBatch, 0, []byte{0x16, 0x03, 0x01, 0x00, 0x00}); err != nil {
		t.Fatal(err)
	}
	err := <-errc
	var te *tds.Error
	if !errors.As(err, &te) || !errors.Is(err, tds.ErrUnexpected) || te.Offset != 0 {
		t.Fatalf("ServerHandshake = %v, want ErrUnexpected at offset 0", err)
	}
}

// TestTLSHandshakeResponseType: servers before TDS 7.2 wrap their side of
// the handshake in tabular result (0x04) packets ([MS-TDS] 2.2.6.5); the
// client accepts that.
func TestTLSHandshakeResponseType(t *testing.T) {
	ctx := testContext(t)
	ccfg, scfg := tlsConfigs(t, tls.VersionTLS12)
	c, s := tcpPair(t)
	rc := &recConn{Conn: c}
	errc := make(chan error, 1)
	go func() {
		hc := tds.NewTLSHandshakeConn(s)
		hc.SetPacketType(tds.PacketResponse)
		ts := tls.Server(hc, scfg)
		if err := ts.HandshakeContext(ctx); err != nil {
			errc <- err
			return
		}
		hc.EndHandshake()
		_, err := ts.Write([]byte("hello"))
		errc <- err
	}()
	tc, err := tds.ClientHandshake(ctx, rc, ccfg)
	if err != nil {
		t.Fatal(err)
	}
	hsIn, _ := rc.snapshot()
	buf := make([]byte, 5)
	if _, err := tc.Read(buf); err != nil || string(buf) != "hello" {
		t.Fatalf("Read = %q, %v", buf, err)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	checkHandshakeWire(t, hsIn, byte(tds.PacketResponse))
}

// TestTLSHandshakeTruncated: the server goes away in the middle of a
// PRELOGIN packet.
func TestTLSHandshakeTruncated(t *testing.T) {
	ctx := testContext(t)
	ccfg, _ := tlsConfigs(t, tls.VersionTLS12)
	c, s := tcpPair(t)
	go func() {
		buf := make([]byte, 4096)
		_, _ = s.Read(buf) // the ClientHello
		_, _ = s.Write([]byte{0x12, 0x01, 0x00, 0x40, 0x00, 0x00, 0x01, 0x00, 0x16, 0x03})
		s.Close()
	}()
	_, err := tds.ClientHandshake(ctx, c, ccfg)
	if !errors.Is(err, tds.ErrTruncated) {
		t.Fatalf("ClientHandshake = %v, want ErrTruncated", err)
	}
}

// TestTLSHandshakeConnNetConn checks the net.Conn plumbing of the adapter
// and that after EndHandshake writes pass through unchanged.
func TestTLSHandshakeConnNetConn(t *testing.T) {
	c, s := tcpPair(t)
	hc := tds.NewTLSHandshakeConn(c)
	if hc.LocalAddr().String() != c.LocalAddr().String() || hc.RemoteAddr().String() != c.RemoteAddr().String() {
		t.Fatal("addresses differ from the underlying connection")
	}
	if n, err := hc.Read(nil); n != 0 || err != nil {
		t.Fatalf("Read(nil) = %d, %v", n, err)
	}
	// Handshake mode: a write becomes one PRELOGIN message.
	if _, err := hc.Write([]byte{0x16, 0x03, 0x01}); err != nil {
		t.Fatal(err)
	}
	want := []byte{0x12, 0x01, 0x00, 0x0b, 0x00, 0x00, 0x01, 0x00, 0x16, 0x03, 0x01}
	got := make([]byte, len(want))
	if _, err := io.ReadFull(s, got); err != nil || !bytes.Equal(got, want) {
		t.Fatalf("wrapped write % x, %v; want % x", got, err, want)
	}
	hc.EndHandshake()
	if _, err := hc.Write([]byte{0x17, 0x03, 0x03, 0x00, 0x00}); err != nil {
		t.Fatal(err)
	}
	got = got[:5]
	if _, err := io.ReadFull(s, got); err != nil || !bytes.Equal(got, []byte{0x17, 0x03, 0x03, 0x00, 0x00}) {
		t.Fatalf("passthrough write % x, %v", got, err)
	}
	// A deadline in the past makes the next read fail at once.
	if err := hc.SetReadDeadline(time.Now().Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := hc.Read(make([]byte, 1)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Read after the deadline = %v", err)
	}
	if err := hc.SetDeadline(time.Now().Add(testTimeout)); err != nil {
		t.Fatal(err)
	}
	if err := hc.SetWriteDeadline(time.Now().Add(testTimeout)); err != nil {
		t.Fatal(err)
	}
	if err := hc.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write([]byte{1}); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("underlying connection still open: %v", err)
	}
}

// TestTLSHandshakeBadCertificate: a TLS failure (here an untrusted
// certificate) is reported as a *tds.Error wrapping crypto/tls's error.
func TestTLSHandshakeBadCertificate(t *testing.T) {
	ctx := testContext(t)
	ccfg, scfg := tlsConfigs(t, tls.VersionTLS12)
	ccfg.RootCAs = x509.NewCertPool() // trusts nothing
	c, s := tcpPair(t)
	go func() {
		_, _ = tds.ServerHandshake(ctx, s, scfg)
		s.Close()
	}()
	_, err := tds.ClientHandshake(ctx, c, ccfg)
	var te *tds.Error
	var ue x509.UnknownAuthorityError
	if !errors.As(err, &te) || !errors.As(err, &ue) {
		t.Fatalf("ClientHandshake = %v, want *tds.Error wrapping x509.UnknownAuthorityError", err)
	}
}

// TestTLSHandshakeConnReadErrors drives the adapter's read side directly.
func TestTLSHandshakeConnReadErrors(t *testing.T) {
	// IGNORE has no meaning inside a handshake.
	ign := []byte{0x12, 0x03, 0x00, 0x09, 0, 0, 1, 0, 0x16}
	hc := tds.NewTLSHandshakeConn(fuzzConn{bytes.NewReader(ign)})
	if _, err := hc.Read(make([]byte, 10)); !errors.Is(err, tds.ErrUnexpected) {
		t.Fatalf("IGNORE during the handshake: %v", err)
	}
	// Packets above 4096 bytes before LOGIN7 (2.2.3.1.3).
	big := []byte{0x12, 0x01, 0x10, 0x01, 0, 0, 1, 0}
	hc = tds.NewTLSHandshakeConn(fuzzConn{bytes.NewReader(big)})
	if _, err := hc.Read(make([]byte, 10)); !errors.Is(err, tds.ErrTooLarge) {
		t.Fatalf("4097-byte handshake packet: %v", err)
	}
	// Handshake payload split over small reads, then passthrough with a
	// record cut short.
	stream := []byte{0x12, 0x01, 0x00, 0x0d, 0, 0, 1, 0, 0x16, 0x03, 0x03, 0x00, 0x00,
		0x17, 0x03, 0x03, 0x00, 0x04, 0xaa, 0xbb}
	hc = tds.NewTLSHandshakeConn(fuzzConn{bytes.NewReader(stream)})
	var got []byte
	buf := make([]byte, 2)
	for len(got) < 5 {
		n, err := hc.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, buf[:n]...)
	}
	if !bytes.Equal(got, stream[8:13]) {
		t.Fatalf("unwrapped % x", got)
	}
	hc.EndHandshake()
	rest, err := io.ReadAll(hc)
	if !errors.Is(err, io.ErrUnexpectedEOF) || !bytes.Equal(rest, stream[13:]) {
		t.Fatalf("passthrough read % x, %v; want % x and io.ErrUnexpectedEOF", rest, err, stream[13:])
	}
}
