package loginserver

import (
	"bytes"
	"io"
	"testing"

	"github.com/tdswire/tdswire/login7"
	"github.com/tdswire/tdswire/prelogin"
	"github.com/tdswire/tdswire/tds"
)

// clientStream returns what a client sends in a SQL login: a PRELOGIN
// message saying ENCRYPT_NOT_SUP and a LOGIN7 message, in packets.
func clientStream(tb testing.TB) []byte {
	tb.Helper()
	var buf bytes.Buffer
	w, err := tds.NewWriter(&buf, tds.MinPacketSize)
	if err != nil {
		tb.Fatal(err)
	}
	req := prelogin.Message{Present: prelogin.HasVersion | prelogin.HasEncryption, Encryption: prelogin.EncryptNotSup}
	b, err := req.Append(nil)
	if err != nil {
		tb.Fatal(err)
	}
	if err := w.WriteMessage(tds.PacketPrelogin, 0, b); err != nil {
		tb.Fatal(err)
	}
	l := sqlLogin()
	l.AppName = tds.UCS2(tds.AppendUCS2(nil, string(bytes.Repeat([]byte("a"), 300)))) // two 512-byte packets
	if b, err = l.Append(nil); err != nil {
		tb.Fatal(err)
	}
	if err := w.WriteMessage(tds.PacketLogin7, 0, b); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

type readWriter struct {
	io.Reader
	io.Writer
}

// FuzzHandle feeds arbitrary client bytes to Handle: it must not panic,
// Raw must be a prefix of the input, and a LOGIN7 it captures must be the
// payload of packets it read.
func FuzzHandle(f *testing.F) {
	f.Add(clientStream(f))
	f.Add(PreloginResponse())
	f.Add([]byte{0x12, 0x01, 0x00, 0x08, 0x00, 0x00, 0x01, 0x00})
	f.Fuzz(func(t *testing.T, in []byte) {
		cp, err := Handle(readWriter{bytes.NewReader(in), io.Discard}, nil)
		if !bytes.HasPrefix(in, cp.Raw) {
			t.Fatalf("Raw is not a prefix of the input")
		}
		if err == nil {
			n := 0
			for _, h := range append(cp.PreloginHeaders, cp.LoginHeaders...) {
				n += int(h.Length) - tds.HeaderLen
			}
			if n != len(cp.Prelogin)+len(cp.Login) {
				t.Fatalf("packets carry %d bytes, messages %d", n, len(cp.Prelogin)+len(cp.Login))
			}
			var l login7.Login7
			_ = l.Decode(cp.Login) // any outcome, but no panic
		}
	})
}

func TestHandleMultiPacketLogin(t *testing.T) {
	in := clientStream(t)
	cp, err := Handle(readWriter{bytes.NewReader(in), io.Discard}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(cp.LoginHeaders) != 2 || cp.LoginHeaders[0].Length != tds.MinPacketSize {
		t.Fatalf("LOGIN7 packets %v, want two, the first of %d bytes", cp.LoginHeaders, tds.MinPacketSize)
	}
	var l login7.Login7
	if err := l.Decode(cp.Login); err != nil {
		t.Fatal(err)
	}
	if l.AppName.Len() != 300 {
		t.Errorf("AppName of %d characters, want 300", l.AppName.Len())
	}
	if !bytes.Equal(cp.Raw, in) {
		t.Errorf("Raw differs from the input")
	}
}
