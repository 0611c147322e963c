package tds_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"time"

	"github.com/tdswire/tdswire/tds"
)

// Write a message that needs three packets at the minimum packet size and
// read it back as one message.
func Example() {
	var stream bytes.Buffer
	w, err := tds.NewWriter(&stream, tds.MinPacketSize)
	if err != nil {
		panic(err)
	}
	if err := w.WriteMessage(tds.PacketSQLBatch, tds.StatusResetConnection, make([]byte, 1200)); err != nil {
		panic(err)
	}

	// Packet by packet, as a trace tool sees them.
	r := tds.NewReader(bytes.NewReader(stream.Bytes()))
	for {
		h, _, err := r.ReadPacket()
		if err != nil {
			break
		}
		fmt.Println(h)
	}

	// Reassembled.
	r = tds.NewReader(&stream)
	h, payload, err := r.ReadMessage()
	if err != nil {
		panic(err)
	}
	fmt.Println(h.Type, h.Status, len(payload))
	// Output:
	// SQLBatch, SPID = 0, PacketID = 1, Status = RESETCONNECTION, Length = 512
	// SQLBatch, SPID = 0, PacketID = 2, Status = Normal, Length = 512
	// SQLBatch, SPID = 0, PacketID = 3, Status = EOM, Length = 200
	// SQLBatch EOM|RESETCONNECTION 1200
}

// A long message streamed into packets without holding it in memory.
func ExampleWriter_BeginMessage() {
	var stream bytes.Buffer
	w, _ := tds.NewWriter(&stream, 4096)
	w.SetSPID(57) // a server writing for session 57
	if err := w.BeginMessage(tds.PacketResponse, 0); err != nil {
		panic(err)
	}
	row := make([]byte, 100)
	for i := 0; i < 100; i++ {
		if _, err := w.Write(row); err != nil {
			panic(err)
		}
	}
	if err := w.EndMessage(); err != nil {
		panic(err)
	}
	fmt.Println(stream.Len(), "bytes on the wire")
	// Output:
	// 10024 bytes on the wire
}

// The TDS 7.x TLS handshake inside PRELOGIN packets, then full encryption:
// every message after the handshake travels inside TLS.
func ExampleClientHandshake() {
	cert, pool, err := makeCert()
	if err != nil {
		panic(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	clientConn, serverConn := net.Pipe()
	defer clientConn.Close()
	defer serverConn.Close()

	// The server, after it has sent its PRELOGIN response.
	done := make(chan error, 1)
	go func() {
		ts, err := tds.ServerHandshake(ctx, serverConn, &tls.Config{Certificates: []tls.Certificate{cert}})
		if err != nil {
			done <- err
			return
		}
		r := tds.NewReader(ts)
		h, login, err := r.ReadMessage()
		if err != nil {
			done <- err
			return
		}
		fmt.Printf("server: %v message of %d bytes\n", h.Type, len(login))
		w, _ := tds.NewWriter(ts, tds.DefaultPacketSize)
		w.SetSPID(96)
		done <- w.WriteMessage(tds.PacketResponse, 0, []byte("LOGINACK"))
	}()

	// The client, after PRELOGIN negotiated encryption.
	tc, err := tds.ClientHandshake(ctx, clientConn, &tls.Config{RootCAs: pool, ServerName: "sql.test"})
	if err != nil {
		panic(err)
	}
	w, _ := tds.NewWriter(tc, tds.DefaultPacketSize)
	if err := w.WriteMessage(tds.PacketLogin7, 0, make([]byte, 200)); err != nil {
		panic(err)
	}
	h, resp, err := tds.NewReader(tc).ReadMessage()
	if err != nil {
		panic(err)
	}
	fmt.Printf("client: %v from SPID %d: %s\n", h.Type, h.SPID, resp)
	if err := <-done; err != nil {
		panic(err)
	}
	// Output:
	// server: Login7 message of 200 bytes
	// client: Response from SPID 96: LOGINACK
}

// TDS 8.0 (strict encryption) needs no adapter: TLS with ALPN "tds/8.0"
// comes first on the TCP stream and PRELOGIN travels inside it
// ([MS-TDS] 2.1, 3.2.5.1).
func Example_tds80Strict() {
	cert, pool, err := makeCert()
	if err != nil {
		panic(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	clientConn, serverConn := net.Pipe()
	defer clientConn.Close()
	defer serverConn.Close()

	done := make(chan error, 1)
	go func() {
		ts := tls.Server(serverConn, &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"tds/8.0"}})
		if err := ts.HandshakeContext(ctx); err != nil {
			done <- err
			return
		}
		h, _, err := tds.NewReader(ts).ReadMessage()
		if err == nil {
			fmt.Printf("server: %v over ALPN %q\n", h.Type, ts.ConnectionState().NegotiatedProtocol)
		}
		done <- err
	}()

	tc := tls.Client(clientConn, &tls.Config{RootCAs: pool, ServerName: "sql.test", NextProtos: []string{"tds/8.0"}})
	if err := tc.HandshakeContext(ctx); err != nil {
		panic(err)
	}
	w, _ := tds.NewWriter(tc, tds.DefaultPacketSize)
	if err := w.WriteMessage(tds.PacketPrelogin, 0, []byte{0xff}); err != nil {
		panic(err)
	}
	if err := <-done; err != nil {
		panic(err)
	}
	// Output:
	// server: Prelogin over ALPN "tds/8.0"
}
