package tds_test

import (
	"bytes"
	"errors"
	"io"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tds/tdstest"
)

// goldenStreams returns every hand-written vector in testdata, as fuzz
// seeds.
func goldenStreams(f *testing.F) [][]byte {
	f.Helper()
	names, err := filepath.Glob("testdata/*.hex")
	if err != nil || len(names) == 0 {
		f.Fatalf("no golden vectors: %v", err)
	}
	var out [][]byte
	for _, n := range names {
		out = append(out, tdstest.ReadHex(f, n))
	}
	return out
}

// FuzzHeader: any 8 bytes with Length >= 8 decode, and Append gives the
// same bytes back; anything else is a typed error.
func FuzzHeader(f *testing.F) {
	for _, b := range goldenStreams(f) {
		f.Add(b)
	}
	f.Add([]byte{})
	f.Add([]byte{0x12, 0x01, 0x00, 0x07, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		var h tds.Header
		if err := h.Decode(b); err != nil {
			var te *tds.Error
			if !errors.As(err, &te) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if got := h.Append(nil); !bytes.Equal(got, b[:tds.HeaderLen]) {
			t.Fatalf("Append = % x, input % x", got, b[:tds.HeaderLen])
		}
		var h2 tds.Header
		if err := h2.Decode(h.Append(nil)); err != nil || h2 != h {
			t.Fatalf("re-decode = %v, %v", h2, err)
		}
		_ = h.String()
	})
}

// FuzzReader reads messages from an arbitrary stream with a bounded
// message size. Every message it returns is written back with Writer and
// read again: the type, first-packet status and payload must survive.
func FuzzReader(f *testing.F) {
	for _, b := range goldenStreams(f) {
		f.Add(b, uint16(512))
	}
	f.Add([]byte{0x01, 0x00, 0x00, 0x08, 0, 0, 1, 0, 0x04, 0x01, 0x00, 0x08, 0, 0, 1, 0}, uint16(4096))
	f.Fuzz(func(t *testing.T, stream []byte, psize uint16) {
		const maxMsg = 1 << 16
		r := tds.NewReader(bytes.NewReader(stream))
		r.SetMaxMessageSize(maxMsg)
		for {
			h, p, err := r.ReadMessage()
			if err != nil {
				if err == io.EOF {
					return
				}
				var te *tds.Error
				if !errors.As(err, &te) || te.Offset < 0 || te.Offset > int64(len(stream)) {
					t.Fatalf("error %v (offset outside the stream of %d bytes)", err, len(stream))
				}
				return
			}
			if len(p) > maxMsg || h.Status&tds.StatusEOM == 0 {
				t.Fatalf("message %v with %d bytes", h, len(p))
			}
			if h.Status&tds.StatusIgnore != 0 {
				if len(p) != 0 {
					t.Fatalf("ignored message kept %d bytes", len(p))
				}
				continue
			}
			size := int(psize)
			if size < tds.MinPacketSize || size > tds.MaxPacketSize {
				size = tds.DefaultPacketSize
			}
			var buf bytes.Buffer
			w, err := tds.NewWriter(&buf, size)
			if err != nil {
				t.Fatal(err)
			}
			w.SetSPID(h.SPID)
			w.SetFirstPacketID(h.PacketID)
			if err := w.WriteMessage(h.Type, h.Status, p); err != nil {
				t.Fatalf("writing back %v: %v", h, err)
			}
			h2, p2, err := tds.NewReader(&buf).ReadMessage()
			if err != nil {
				t.Fatalf("reading back %v: %v", h, err)
			}
			if h2.Type != h.Type || h2.Status != h.Status || h2.SPID != h.SPID || h2.PacketID != h.PacketID || !bytes.Equal(p2, p) {
				t.Fatalf("round trip %v -> %v", h, h2)
			}
		}
	})
}

// fuzzConn is a net.Conn reading from a fixed byte slice and discarding
// writes.
type fuzzConn struct{ r io.Reader }

func (c fuzzConn) Read(p []byte) (int, error)       { return c.r.Read(p) }
func (c fuzzConn) Write(p []byte) (int, error)      { return len(p), nil }
func (c fuzzConn) Close() error                     { return nil }
func (c fuzzConn) LocalAddr() net.Addr              { return nil }
func (c fuzzConn) RemoteAddr() net.Addr             { return nil }
func (c fuzzConn) SetDeadline(time.Time) error      { return nil }
func (c fuzzConn) SetReadDeadline(time.Time) error  { return nil }
func (c fuzzConn) SetWriteDeadline(time.Time) error { return nil }

// FuzzTLSHandshakeConn feeds arbitrary bytes to the adapter, switching to
// passthrough after split bytes, as crypto/tls would read them: no panic,
// no endless loop, and the bytes returned in handshake mode are exactly
// the PRELOGIN payloads.
func FuzzTLSHandshakeConn(f *testing.F) {
	for _, b := range goldenStreams(f) {
		f.Add(b, uint16(len(b)))
	}
	f.Add([]byte{0x12, 0x01, 0x00, 0x0d, 0, 0, 1, 0, 0x16, 0x03, 0x03, 0x00, 0x00,
		0x17, 0x03, 0x03, 0x00, 0x02, 0xaa, 0xbb,
		0x12, 0x01, 0x00, 0x09, 0, 0, 1, 0, 0x17}, uint16(13))
	f.Fuzz(func(t *testing.T, stream []byte, split uint16) {
		c := tds.NewTLSHandshakeConn(fuzzConn{bytes.NewReader(stream)})
		var got []byte
		buf := make([]byte, 7)
		for i := 0; i <= len(stream); i++ {
			if i == int(split) {
				c.EndHandshake()
			}
			n, err := c.Read(buf)
			if n < 0 || n > len(buf) {
				t.Fatalf("Read returned %d", n)
			}
			got = append(got, buf[:n]...)
			if err != nil {
				break
			}
		}
		if len(got) > len(stream) {
			t.Fatalf("read %d bytes out of a %d-byte stream", len(got), len(stream))
		}
		if _, err := c.Write([]byte{1, 2, 3}); err != nil {
			t.Fatal(err)
		}
	})
}
