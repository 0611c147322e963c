package tdsconn_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/tdswire/tdswire/login7"
	"github.com/tdswire/tdswire/tdsconn"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var (
	certOnce sync.Once
	cert     tls.Certificate
	certErr  error
)

// testCert is a self-signed ECDSA certificate for "localhost" and
// 127.0.0.1, made once per test binary with crypto/x509.
func testCert(t testing.TB) tls.Certificate {
	t.Helper()
	certOnce.Do(func() {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			certErr = err
			return
		}
		now := time.Now()
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(1),
			Subject:      pkix.Name{CommonName: "tdsconn test"},
			NotBefore:    now.Add(-time.Hour),
			NotAfter:     now.Add(24 * time.Hour),
			KeyUsage:     x509.KeyUsageDigitalSignature,
			ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
			DNSNames:     []string{"localhost"},
			IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
		if err != nil {
			certErr = err
			return
		}
		cert = tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	})
	if certErr != nil {
		t.Fatal(certErr)
	}
	return cert
}

func serverTLS(t testing.TB) *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{testCert(t)}, MinVersion: tls.VersionTLS12}
}

func clientTLS() *tls.Config { return &tls.Config{InsecureSkipVerify: true} }

// checkPassword accepts joe/secret.
func checkPassword(ctx context.Context, user string, pw login7.Password) error {
	if user == "joe" && pw.Equal("secret") {
		return nil
	}
	return errors.New("wrong user or password")
}

// pair runs Accept and Login over a net.Pipe and returns both ends.
func pair(t *testing.T, scfg *tdsconn.ServerConfig, ccfg *tdsconn.ClientConfig) (*tdsconn.ServerConn, error, *tdsconn.ClientConn, *tdsconn.LoginResult, error) {
	t.Helper()
	a, b := tcpPair(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	type res struct {
		c   *tdsconn.ServerConn
		err error
	}
	ch := make(chan res, 1)
	go func() {
		c, err := tdsconn.Accept(ctx, a, scfg)
		ch <- res{c, err}
	}()
	cc, lr, cerr := tdsconn.Login(ctx, b, ccfg)
	if cerr != nil {
		b.Close()
	}
	r := <-ch
	t.Cleanup(func() {
		if r.c != nil {
			r.c.Close()
		}
		if cc != nil {
			cc.Close()
		}
	})
	return r.c, r.err, cc, lr, cerr
}

// tcpPair returns the two ends of a loopback TCP connection (which, unlike
// net.Pipe, buffers, as the peers of a real connection expect).
func tcpPair(t testing.TB) (server, client net.Conn) {
	t.Helper()
	server, client, err := loopback()
	if err != nil {
		t.Fatal(err)
	}
	return server, client
}
