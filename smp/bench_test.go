package smp

import (
	"context"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"

	"github.com/tdswire/tdswire/tds/tdstest"
)

// Sinks keep the compiler from discarding the baselines' work. The
// header benchmarks loop over b.N rather than b.Loop, which keeps a call
// in its body from being inlined: the codec and the hand-inlined baseline
// are then compiled as a caller would compile them.
var (
	sinkHeader Header
	sinkBytes  []byte
)

// BenchmarkHeaderDecode times Header.Decode (with its [MC-SMP] 2.2 checks)
// beside a hand-inlined little-endian load of the same 16 bytes into a
// Header with no checks, in one run (benchstat -col /impl).
func BenchmarkHeaderDecode(b *testing.B) {
	pkt := tdstest.ReadHex(b, "testdata/ack.hex")
	b.Run("impl=codec", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(HeaderLen)
		var h Header
		for range b.N {
			if err := h.Decode(pkt); err != nil {
				b.Fatal(err)
			}
		}
		sinkHeader = h
	})
	b.Run("impl=inline", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(HeaderLen)
		var h Header
		for range b.N {
			p := pkt[:16]
			h = Header{
				Flags:  Flags(p[1]),
				SID:    uint16(p[2]) | uint16(p[3])<<8,
				Length: uint32(p[4]) | uint32(p[5])<<8 | uint32(p[6])<<16 | uint32(p[7])<<24,
				SeqNum: uint32(p[8]) | uint32(p[9])<<8 | uint32(p[10])<<16 | uint32(p[11])<<24,
				Wndw:   uint32(p[12]) | uint32(p[13])<<8 | uint32(p[14])<<16 | uint32(p[15])<<24,
			}
		}
		sinkHeader = h
	})
}

func BenchmarkDecodePacket(b *testing.B) {
	pkt := tdstest.ReadHex(b, "testdata/data.hex")
	b.ReportAllocs()
	b.SetBytes(int64(len(pkt)))
	var h Header
	for range b.N {
		if _, err := h.DecodePacket(pkt); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHeaderAppend times Header.Append beside a hand-inlined store
// of the same 16 bytes into a reused buffer, in one run.
func BenchmarkHeaderAppend(b *testing.B) {
	h := Header{Flags: FlagACK, SID: 0, Length: 16, SeqNum: 34, Wndw: 40}
	b.Run("impl=codec", func(b *testing.B) {
		buf := make([]byte, 0, HeaderLen)
		b.ReportAllocs()
		b.SetBytes(HeaderLen)
		for range b.N {
			buf = h.Append(buf[:0])
		}
		sinkBytes = buf
	})
	b.Run("impl=inline", func(b *testing.B) {
		buf := make([]byte, HeaderLen)
		b.ReportAllocs()
		b.SetBytes(HeaderLen)
		for range b.N {
			p := buf[:16]
			p[0], p[1] = SMID, byte(h.Flags)
			p[2], p[3] = byte(h.SID), byte(h.SID>>8)
			p[4], p[5], p[6], p[7] = byte(h.Length), byte(h.Length>>8), byte(h.Length>>16), byte(h.Length>>24)
			p[8], p[9], p[10], p[11] = byte(h.SeqNum), byte(h.SeqNum>>8), byte(h.SeqNum>>16), byte(h.SeqNum>>24)
			p[12], p[13], p[14], p[15] = byte(h.Wndw), byte(h.Wndw>>8), byte(h.Wndw>>16), byte(h.Wndw>>24)
		}
		sinkBytes = buf
	})
}

func BenchmarkAppendPacket(b *testing.B) {
	h := Header{Flags: FlagDATA, SID: 5, SeqNum: 1, Wndw: 4}
	data := make([]byte, 4096)
	buf := make([]byte, 0, HeaderLen+len(data))
	b.ReportAllocs()
	b.SetBytes(int64(HeaderLen + len(data)))
	for b.Loop() {
		buf, _ = h.AppendPacket(buf[:0], data)
	}
}

// BenchmarkMuxThroughput sends 4096-byte messages (the default TDS packet
// size) from client to server over net.Pipe, spread over 1, 10 and 100
// sessions with the default window of 4; the server reads them and
// acknowledges. Bytes/s counts message bytes.
func BenchmarkMuxThroughput(b *testing.B) {
	for _, n := range []int{1, 10, 100} {
		b.Run(fmt.Sprintf("sessions=%d", n), func(b *testing.B) {
			benchThroughput(b, n, 4096)
		})
	}
}

func benchThroughput(b *testing.B, sessions, size int) {
	c, s := net.Pipe()
	cfg := &Config{MaxSessions: sessions} // the default (64) is below 100
	client := NewClient(c, cfg)
	server := NewServer(s, cfg)
	defer client.Close()
	defer server.Close()
	ctx := context.Background()
	// Add before any goroutine starts: readers.Wait below must not run
	// ahead of an Add (with few packets per session the writers can
	// finish before the last session is even accepted).
	var readers sync.WaitGroup
	readers.Add(sessions)
	go func() {
		for i := range sessions {
			ss, err := server.Accept(ctx)
			if err != nil {
				b.Error(err)
				readers.Add(i - sessions) // the readers never started
				return
			}
			go func() {
				defer readers.Done()
				buf := make([]byte, size)
				for {
					if _, err := ss.Read(buf); err != nil {
						if err != io.EOF {
							b.Error(err)
							return
						}
						ss.Close()
						return
					}
				}
			}()
		}
	}()
	cs := make([]*Session, sessions)
	for i := range cs {
		var err error
		if cs[i], err = client.Open(ctx); err != nil {
			b.Fatal(err)
		}
	}
	msg := make([]byte, size)
	b.ReportAllocs()
	b.SetBytes(int64(size))
	b.ResetTimer()
	var writers sync.WaitGroup
	for i, s := range cs {
		count := b.N / sessions
		if i < b.N%sessions {
			count++
		}
		writers.Add(1)
		go func() {
			defer writers.Done()
			for range count {
				if _, err := s.Write(msg); err != nil {
					b.Error(err)
					return
				}
			}
			s.Close()
		}()
	}
	writers.Wait()
	readers.Wait()
	b.StopTimer()
}

// TestMuxSteadyStateAllocs pins the allocation promise of the data path:
// once buffers are warm, sending a DATA packet, reading it and the ACKs
// that follow allocate nothing.
func TestMuxSteadyStateAllocs(t *testing.T) {
	client, server := pair(t, nil, nil)
	cs, ss := openPair(t, client, server)
	msg := make([]byte, 4096)
	buf := make([]byte, 4096)
	step := func() {
		if _, err := cs.Write(msg); err != nil {
			t.Fatal(err)
		}
		if n, err := ss.Read(buf); err != nil || n != len(msg) {
			t.Fatalf("Read = %d, %v", n, err)
		}
	}
	for range 10 {
		step()
	}
	if n := testing.AllocsPerRun(200, step); n != 0 {
		t.Errorf("Write+Read allocates %v times per packet, want 0", n)
	}
}
