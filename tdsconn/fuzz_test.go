package tdsconn_test

import (
	"bytes"
	"context"
	"net"
	"testing"
	"time"

	"github.com/tdswire/tdswire/ntlm"
	"github.com/tdswire/tdswire/prelogin"
	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tdsconn"
)

// FuzzAccept feeds hostile bytes to the server's first phases (PRELOGIN,
// LOGIN7, SSPI) through a net.Pipe: Accept must return, without panicking,
// within its login timeout, whatever comes.
func FuzzAccept(f *testing.F) {
	msg := func(t tds.PacketType, payload []byte) []byte {
		var b writerBuf
		w, _ := tds.NewWriter(&b, tds.DefaultPacketSize)
		w.WriteMessage(t, 0, payload)
		return b.b
	}
	pre, _ := (&prelogin.Message{Present: prelogin.HasVersion | prelogin.HasEncryption | prelogin.HasMARS, Encryption: prelogin.EncryptNotSup, MARS: true}).Append(nil)
	login := rawLogin7(f, tds.Version74)
	f.Add(append(msg(tds.PacketPrelogin, pre), msg(tds.PacketLogin7, login)...))
	f.Add(msg(tds.PacketLogin7, login))
	f.Add(append(msg(tds.PacketPrelogin, pre), 0x53, 0x01, 0x00, 0x00, 0x10, 0, 0, 0))
	f.Add([]byte{0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5})
	f.Add(append(msg(tds.PacketPrelogin, pre), msg(tds.PacketSSPI, []byte("NTLMSSP\x00"))...))
	srv := &ntlm.Server{NbComputerName: "T", NbDomainName: "D", Lookup: ntlm.AccountList{}.Lookup}
	cfg := &tdsconn.ServerConfig{
		CheckSQLLogin: checkPassword,
		NewSSPI:       tdsconn.NTLMServer(srv),
		MARS:          true,
		LoginTimeout:  200 * time.Millisecond,
		MaxLoginSize:  64 << 10,
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		c := &fuzzConn{r: bytes.NewReader(in)}
		start := time.Now()
		sc, err := tdsconn.Accept(context.Background(), c, cfg)
		if err == nil {
			sc.Close()
		}
		if time.Since(start) > 2*time.Second {
			t.Fatalf("Accept took %v", time.Since(start))
		}
		if c.written > 1<<20 {
			t.Fatalf("Accept wrote %d bytes for %d in", c.written, len(in))
		}
	})
}

// fuzzConn is a net.Conn that reads the fuzzer's bytes, then io.EOF, and
// discards what is written.
type fuzzConn struct {
	r       *bytes.Reader
	written int
}

func (c *fuzzConn) Read(p []byte) (int, error)         { return c.r.Read(p) }
func (c *fuzzConn) Write(p []byte) (int, error)        { c.written += len(p); return len(p), nil }
func (c *fuzzConn) Close() error                       { return nil }
func (c *fuzzConn) LocalAddr() net.Addr                { return &net.TCPAddr{} }
func (c *fuzzConn) RemoteAddr() net.Addr               { return &net.TCPAddr{} }
func (c *fuzzConn) SetDeadline(t time.Time) error      { return nil }
func (c *fuzzConn) SetReadDeadline(t time.Time) error  { return nil }
func (c *fuzzConn) SetWriteDeadline(t time.Time) error { return nil }

type writerBuf struct{ b []byte }

func (w *writerBuf) Write(p []byte) (int, error) { w.b = append(w.b, p...); return len(p), nil }
