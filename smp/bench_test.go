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

func BenchmarkHeaderDecode(b *testing.B) {
	pkt := tdstest.ReadHex(b, "testdata/ack.hex")
	b.ReportAllocs()
	b.SetBytes(HeaderLen)
	var h Header
	for b.Loop() {
		if err := h.Decode(pkt); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodePacket(b *testing.B) {
	pkt := tdstest.ReadHex(b, "testdata/data.hex")
	b.ReportAllocs()
	b.SetBytes(int64(len(pkt)))
	var h Header
	for b.Loop() {
		if _, err := h.DecodePacket(pkt); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkHeaderAppend(b *testing.B) {
	h := Header{Flags: FlagACK, SID: 0, Length: 16, SeqNum: 34, Wndw: 40}
	buf := make([]byte, 0, HeaderLen)
	b.ReportAllocs()
	b.SetBytes(HeaderLen)
	for b.Loop() {
		buf = h.Append(buf[:0])
	}
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
	client := NewClient(c, nil)
	server := NewServer(s, nil)
	defer client.Close()
	defer server.Close()
	ctx := context.Background()
	var readers sync.WaitGroup
	go func() {
		for {
			ss, err := server.Accept(ctx)
			if err != nil {
				return
			}
			readers.Add(1)
			go func() {
				defer readers.Done()
				buf := make([]byte, size)
				for {
					if _, err := ss.Read(buf); err != nil {
						if err == io.EOF {
							ss.Close()
						}
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
