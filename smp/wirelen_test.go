package smp

import (
	"errors"
	"io"
	"math"
	"testing"
	"time"
)

// TestDataLengthSmuggling sends, after a SYN, a DATA header whose LENGTH
// has its top bit set, followed by a well-formed DATA packet. On a 32-bit
// platform int(LENGTH-16) of such a header is negative: a signed size
// check passed it and the reader skipped no payload, parsing the hidden
// packet as the next one and delivering it. On every architecture the Mux
// must refuse the header at its LENGTH field (offset 16+4) with
// ErrTooLarge, and the session must never see the hidden bytes.
func TestDataLengthSmuggling(t *testing.T) {
	// The bytes are written out by hand ([MC-SMP] 2.2.1: SMID, FLAGS, SID,
	// LENGTH, SEQNUM, WNDW, all little-endian).
	syn := []byte{
		0x53, 0x01, 0x00, 0x00, // SMID, FLAGS=SYN, SID 0
		0x10, 0x00, 0x00, 0x00, // LENGTH 16
		0x00, 0x00, 0x00, 0x00, // SEQNUM 0
		0x04, 0x00, 0x00, 0x00, // WNDW 4
	}
	hidden := []byte{
		0x53, 0x08, 0x00, 0x00, // DATA, SID 0
		0x13, 0x00, 0x00, 0x00, // LENGTH 19
		0x01, 0x00, 0x00, 0x00, // SEQNUM 1
		0x04, 0x00, 0x00, 0x00, // WNDW 4
		'e', 'v', 'l',
	}
	lengths := []struct {
		name string
		le   [4]byte
	}{
		{"0x80000010", [4]byte{0x10, 0x00, 0x00, 0x80}},
		{"0x80000011", [4]byte{0x11, 0x00, 0x00, 0x80}},
		{"0xC0000000", [4]byte{0x00, 0x00, 0x00, 0xC0}},
		{"0xFFFFFFFF", [4]byte{0xFF, 0xFF, 0xFF, 0xFF}},
		{"0x7FFFFFFF", [4]byte{0xFF, 0xFF, 0xFF, 0x7F}},
	}
	configs := []struct {
		name string
		cfg  *Config
	}{
		{"default", nil},
		{"MaxDataLength MaxInt32", &Config{MaxDataLength: math.MaxInt32}},
	}
	for _, c := range configs {
		for _, l := range lengths {
			if c.cfg != nil && l.name == "0x7FFFFFFF" {
				continue // within a MaxInt32 limit: a legitimate (if huge) packet
			}
			t.Run(c.name+"/"+l.name, func(t *testing.T) {
				m, p := newRawClient(t, c.cfg)
				p.sendRaw(syn)
				s, err := m.Accept(testCtx(t))
				if err != nil {
					t.Fatal(err)
				}
				smuggle := append([]byte{0x53, 0x08, 0x00, 0x00}, l.le[:]...)
				smuggle = append(smuggle, 0x01, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00)
				go io.Copy(io.Discard, p.conn)
				p.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
				p.conn.Write(append(smuggle, hidden...)) // may fail once the Mux closes the pipe
				err = waitDone(t, m)
				if !errors.Is(err, ErrTooLarge) {
					t.Fatalf("Mux error %v, want ErrTooLarge", err)
				}
				var e *Error
				if !errors.As(err, &e) || e.Offset != 20 {
					t.Fatalf("Mux error %v, want offset 20 (the smuggling LENGTH)", err)
				}
				buf := make([]byte, 64)
				n, rerr := s.Read(buf)
				if n != 0 || rerr == nil {
					t.Fatalf("Read after the refused header = %d bytes %q, %v; want 0 bytes and an error", n, buf[:n], rerr)
				}
			})
		}
	}
}

// TestHeaderDataLenWidth pins DataLen to LENGTH's unsigned width: the top
// LENGTH values must not turn negative on any architecture.
func TestHeaderDataLenWidth(t *testing.T) {
	for _, tt := range []struct{ length, want uint32 }{
		{0, 0}, {15, 0}, {16, 0}, {17, 1},
		{0x80000010, 0x80000000}, {0xFFFFFFFF, 0xFFFFFFEF},
	} {
		if got := (Header{Flags: FlagDATA, Length: tt.length}).DataLen(); got != tt.want {
			t.Errorf("DataLen of LENGTH %#x = %#x, want %#x", tt.length, got, tt.want)
		}
	}
}
