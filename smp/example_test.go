package smp_test

import (
	"context"
	"fmt"
	"io"
	"net"

	"github.com/tdswire/tdswire/smp"
)

// A client and a server Mux over one connection: the client opens two
// sessions (as MARS does for two active commands), each carries its own
// stream, and closing them exchanges FINs.
func Example() {
	clientConn, serverConn := net.Pipe() // in real use: the TLS-wrapped TDS connection
	client := smp.NewClient(clientConn, nil)
	server := smp.NewServer(serverConn, nil)
	defer client.Close()
	defer server.Close()
	ctx := context.Background()

	// The server echoes every packet back in upper case until the client
	// closes the session.
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 2 {
			s, err := server.Accept(ctx)
			if err != nil {
				return
			}
			go func() {
				buf := make([]byte, 4096)
				for {
					n, err := s.Read(buf) // one Read = one DATA packet
					if err == io.EOF {
						s.Close()
						return
					}
					if err != nil {
						return
					}
					for i, c := range buf[:n] {
						if 'a' <= c && c <= 'z' {
							buf[i] = c - 'a' + 'A'
						}
					}
					s.Write(buf[:n])
				}
			}()
		}
	}()

	a, _ := client.Open(ctx)
	b, _ := client.Open(ctx)
	a.Write([]byte("select 1"))
	b.Write([]byte("select 2"))
	buf := make([]byte, 4096)
	n, _ := b.Read(buf)
	fmt.Printf("session %d: %s\n", b.SID(), buf[:n])
	n, _ = a.Read(buf)
	fmt.Printf("session %d: %s\n", a.SID(), buf[:n])
	a.Close()
	b.Close()
	<-done
	// Output:
	// session 1: SELECT 2
	// session 0: SELECT 1
}

// Decoding the SYN of the seed trace (frame 18024) and printing it the
// way network trace tools do.
func ExampleHeader_Decode() {
	syn := []byte{0x53, 0x01, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00}
	var h smp.Header
	if err := h.Decode(syn); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(h)
	// Output: SMP:SYN, Sid = 0, Length = 16, SeqNum = 0, Wndw = 4
}

// Building a DATA packet: AppendPacket computes LENGTH.
func ExampleHeader_AppendPacket() {
	h := smp.Header{Flags: smp.FlagDATA, SID: 5, SeqNum: 1, Wndw: 4}
	pkt, _ := h.AppendPacket(nil, []byte{0x01, 0x01, 0x00, 0x0a, 0x00, 0x00, 0x01, 0x00, 0xaa, 0xbb})
	fmt.Printf("% x\n", pkt[:16])
	var back smp.Header
	data, _ := back.DecodePacket(pkt)
	fmt.Println(back, len(data))
	// Output:
	// 53 08 05 00 1a 00 00 00 01 00 00 00 04 00 00 00
	// SMP:DATA, Sid = 5, Length = 26, SeqNum = 1, Wndw = 4 10
}

// A peer that breaks the protocol tears the connection down with an error
// that names the offending field.
func ExampleMux_Err() {
	clientConn, serverConn := net.Pipe()
	server := smp.NewServer(serverConn, nil)
	defer server.Close()
	// DATA for SID 9, which was never opened with a SYN.
	clientConn.Write([]byte{0x53, 0x08, 0x09, 0x00, 0x11, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0xff})
	<-server.Done()
	fmt.Println(server.Err())
	// Output: smp mux: at offset 2: DATA packet for SID 9, which has no open session: protocol violation
}
