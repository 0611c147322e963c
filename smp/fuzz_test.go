package smp

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/tdswire/tdswire/tds/tdstest"
)

// goldenFiles returns the hand-written vectors in testdata/.
func goldenFiles(f *testing.F) [][]byte {
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

// FuzzHeader checks that the header decoder never panics and that every
// header it accepts re-encodes to the same 16 bytes; for whole packets,
// DecodePacket and AppendPacket round-trip too.
func FuzzHeader(f *testing.F) {
	for _, g := range goldenFiles(f) {
		f.Add(g)
		f.Add(g[:HeaderLen])
	}
	f.Add([]byte{0x53, 0x06, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		var h Header
		if err := h.Decode(b); err == nil {
			enc := h.Append(nil)
			if !bytes.Equal(enc, b[:HeaderLen]) {
				t.Fatalf("Append(Decode(% x)) = % x", b[:HeaderLen], enc)
			}
			var h2 Header
			if err := h2.Decode(enc); err != nil || h2 != h {
				t.Fatalf("re-decode: %+v, %v; want %+v", h2, err, h)
			}
		} else {
			var e *Error
			if !errors.As(err, &e) || e.Offset < 0 || e.Offset > int64(len(b)) {
				t.Fatalf("error %v has no offset within the input", err)
			}
		}
		var p Header
		data, err := p.DecodePacket(b)
		if err != nil {
			return
		}
		pkt, err := p.AppendPacket(nil, data)
		if err != nil || !bytes.Equal(pkt, b) {
			t.Fatalf("AppendPacket(DecodePacket(% x)) = % x, %v", b, pkt, err)
		}
		var p2 Header
		if d2, err := p2.DecodePacket(pkt); err != nil || p2 != p || !bytes.Equal(d2, data) {
			t.Fatalf("re-decode packet: %+v, %v", p2, err)
		}
	})
}

// FuzzMuxInput feeds arbitrary bytes, as the peer's side of the transport,
// into a server-role Mux whose application accepts every session and reads
// from it. Whatever the bytes, the Mux must not panic, must not hang (it
// is torn down within a bound once the peer closes the transport), and
// must leave no goroutine behind after Close.
func FuzzMuxInput(f *testing.F) {
	g := goldenFiles(f)
	for _, b := range g {
		f.Add(b)
	}
	syn := tdstest.ReadHex(f, "testdata/syn.hex")
	data, _ := Header{Flags: FlagDATA, SeqNum: 1, Wndw: 4}.AppendPacket(nil, []byte("hello"))
	fin := Header{Flags: FlagFIN, Length: 16, SeqNum: 0, Wndw: 4}.Append(nil)
	f.Add(append(append(append([]byte(nil), syn...), data...), fin...))
	f.Add(append(append([]byte(nil), syn...), syn...))
	var five []byte
	five = append(five, syn...)
	for seq := uint32(1); seq <= 5; seq++ {
		p, _ := Header{Flags: FlagDATA, SeqNum: seq, Wndw: 4}.AppendPacket(nil, []byte{byte(seq)})
		five = append(five, p...)
	}
	f.Add(five)
	// Windows 2^31 ahead, on the SYN and on a later ACK (3.1.5.2).
	f.Add(Header{Flags: FlagSYN, Length: 16, Wndw: 0x80000005}.Append(nil))
	f.Add(Header{Flags: FlagACK, Length: 16, Wndw: 0x80000003}.Append(append([]byte(nil), syn...)))
	f.Fuzz(func(t *testing.T, in []byte) {
		a, b := net.Pipe()
		m := NewServer(a, &Config{MaxDataLength: 1024, MaxSessions: 8})
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { // the application: accept and read every session
			defer wg.Done()
			for {
				s, err := m.Accept(context.Background())
				if err != nil {
					return
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					buf := make([]byte, 64)
					for {
						if _, err := s.Read(buf); err != nil {
							if err == io.EOF {
								s.Close()
							}
							return
						}
					}
				}()
			}
		}()
		go func() { // the peer's receive side: drain ACKs and FINs
			defer wg.Done()
			io.Copy(io.Discard, b)
		}()
		b.SetWriteDeadline(time.Now().Add(2 * time.Second))
		_, werr := b.Write(in)
		if errors.Is(werr, os.ErrDeadlineExceeded) {
			t.Fatal("the Mux stopped reading its transport")
		}
		b.Close()
		select {
		case <-m.Done():
		case <-time.After(2 * time.Second):
			t.Fatal("Mux not torn down after the transport closed")
		}
		err := m.Err()
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("Mux error %v is not an *Error", err)
		}
		if e.Offset > int64(len(in)) {
			t.Fatalf("error offset %d beyond the %d input bytes: %v", e.Offset, len(in), err)
		}
		closed := make(chan struct{})
		go func() { m.Close(); wg.Wait(); close(closed) }()
		select {
		case <-closed:
		case <-time.After(2 * time.Second):
			t.Fatal("goroutines still running 2s after Close")
		}
	})
}
