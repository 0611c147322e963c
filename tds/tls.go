package tds

import (
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"sync/atomic"
	"time"
)

const tlsLayer = LayerTLS

// tlsRecordHeaderLen is the size of a TLS record header: content type,
// protocol version, length (RFC 8446 5.1, RFC 5246 6.2.1).
const tlsRecordHeaderLen = 5

// TLSHandshakeConn is the net.Conn that crypto/tls runs over for the
// TDS 7.x TLS handshake ([MS-TDS] 2.2.6.5 "Encryption", 3.2.5.3, 3.3.5.2):
// while the handshake is in progress every Write from crypto/tls (one
// handshake flight) is sent as one PRELOGIN (0x12) message, split into
// packets of DefaultPacketSize with EOM on the last, and Read returns the
// TLS bytes carried by the PRELOGIN messages the peer sends. After
// EndHandshake, TLS records pass straight through to and from the
// underlying connection, as [MS-TDS] requires once the handshake is done.
//
// Typical use is through ClientHandshake and ServerHandshake, which build
// the adapter, run the handshake and call EndHandshake:
//
//	tc, err := tds.ClientHandshake(ctx, conn, &tls.Config{ServerName: host})
//	// Full encryption: every later message goes through tc.
//	w, _ := tds.NewWriter(tc, tds.DefaultPacketSize)
//	r := tds.NewReader(tc)
//
// Login-only encryption (the client sent ENCRYPT_OFF and the server
// answered ENCRYPT_OFF, [MS-TDS] 2.2.6.5): 3.2.5.3 says "the first TDS
// packet of the Login message MUST be encrypted using TLS/SSL ... All other
// TDS packets sent or received MUST be in plaintext". Both sides then go
// on over the raw connection; the server's reply to LOGIN7 is already in
// plaintext. The specification
// describes no closing exchange, so tdswire sends no close_notify: the
// caller simply stops using the TLS connection, switching with the Writer
// and Reader's ResetAfterFirstPacket:
//
//	// client
//	w, _ := tds.NewWriter(tc, tds.DefaultPacketSize)
//	w.ResetAfterFirstPacket(conn) // LOGIN7's first packet in TLS, the rest in clear
//	err = w.WriteMessage(tds.PacketLogin7, 0, login7)
//	r := tds.NewReader(conn)      // the login response arrives in clear
//
//	// server
//	r := tds.NewReader(tc)
//	r.ResetAfterFirstPacket(conn)
//	h, login7, err := r.ReadMessage()
//	w, _ := tds.NewWriter(conn, tds.DefaultPacketSize)
//
// This works because TLSHandshakeConn, after the handshake, hands
// crypto/tls at most one TLS record at a time and never reads past it, and
// Reader never reads past the packet it returns, so no plaintext byte is
// swallowed into a TLS buffer. When LOGIN7 fits in one packet (the usual
// case) "the first packet" and "the whole message" coincide.
//
// TDS 8.0 (strict encryption, [MS-TDS] 2.1, 3.2.5.1, 3.3.5.3) does not
// use this adapter: TLS comes first, directly on the TCP stream, with the
// ALPN protocol "tds/8.0" ([MS-TDS] 1.9), and PRELOGIN and everything after it travel inside
// TLS. Use crypto/tls directly:
//
//	tc := tls.Client(conn, &tls.Config{ServerName: host, NextProtos: []string{"tds/8.0"}})
//	err := tc.HandshakeContext(ctx)
//	w, _ := tds.NewWriter(tc, tds.DefaultPacketSize) // PRELOGIN, LOGIN7, ... all inside TLS
//
// Leniency: during the handshake Read accepts TLS payloads in tabular
// result (0x04) packets as well as PRELOGIN packets, because 2.2.6.5 says
// servers older than TDS 7.2 "SHOULD send the SSL handshake payloads as
// data in a table response message (0x04)". Any other type is an error
// with ErrUnexpected.
//
// TLS 1.3 with a client certificate: crypto/tls servers then send their
// session tickets after reading the client's Finished, still inside
// PRELOGIN packets, when the client has already ended its handshake. In
// full-encryption mode the client's adapter recognises such a PRELOGIN
// message where a TLS record should start (0x12 is not a TLS content
// type) and unwraps it. In login-only mode the client never reads from
// TLS again, so such a server should disable session tickets (or use
// TLS 1.2, as SQL Server does for TDS 7.x).
//
// Read and Write may be called concurrently with each other, as crypto/tls
// does after the handshake; EndHandshake must not race with them.
type TLSHandshakeConn struct {
	conn net.Conn
	done atomic.Bool

	// read side
	src     prefixReader // conn, after any bytes pushed back
	r       *Reader      // PRELOGIN unwrapping over src
	pending []byte       // bytes to return before reading more
	recLeft int          // bytes of the current passthrough TLS record still to return
	recHdr  [tlsRecordHeaderLen]byte

	// write side
	w     *Writer
	wtype PacketType // 0 means PacketPrelogin
}

// NewTLSHandshakeConn returns the adapter for conn in handshake mode. Pass
// it to tls.Client or tls.Server, run the handshake, then call
// EndHandshake.
func NewTLSHandshakeConn(conn net.Conn) *TLSHandshakeConn {
	c := &TLSHandshakeConn{conn: conn}
	c.src.r = conn
	c.r = NewReader(&c.src)
	// Until LOGIN7 negotiates a size, packets MUST NOT exceed 4096 bytes
	// (2.2.3.1.3); the handshake happens before LOGIN7.
	c.r.maxPacket = DefaultPacketSize
	c.w = &Writer{w: conn, buf: make([]byte, DefaultPacketSize), size: DefaultPacketSize, firstID: FirstPacketID}
	return c
}

// SetPacketType sets the packet type that wraps outgoing handshake bytes:
// PacketPrelogin by default. A server speaking a TDS version before 7.2
// sets PacketResponse ([MS-TDS] 2.2.6.5).
func (c *TLSHandshakeConn) SetPacketType(t PacketType) { c.wtype = t }

// EndHandshake switches the adapter from PRELOGIN wrapping to passing TLS
// records through. Call it once the TLS handshake has completed and before
// the first application data is written (ClientHandshake and
// ServerHandshake do).
func (c *TLSHandshakeConn) EndHandshake() { c.done.Store(true) }

// Read implements net.Conn. During the handshake it returns the payload
// of PRELOGIN messages; afterwards the raw bytes of one TLS record at a
// time.
func (c *TLSHandshakeConn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for {
		if len(c.pending) > 0 {
			n := copy(p, c.pending)
			c.pending = c.pending[n:]
			return n, nil
		}
		if !c.done.Load() {
			if err := c.readWrapped(); err != nil {
				return 0, err
			}
			continue
		}
		if c.recLeft > 0 {
			n, err := c.src.Read(p[:min(len(p), c.recLeft)])
			c.recLeft -= n
			if err == io.EOF && c.recLeft > 0 {
				err = io.ErrUnexpectedEOF
			}
			return n, err
		}
		// At a record boundary: read the next record header.
		if _, err := io.ReadFull(&c.src, c.recHdr[:]); err != nil {
			return 0, err
		}
		if PacketType(c.recHdr[0]) == PacketPrelogin {
			// A PRELOGIN packet where a TLS record should start: the
			// peer's handshake outlived ours (see the type comment).
			c.src.pre = c.recHdr[:]
			if err := c.readWrapped(); err != nil {
				return 0, err
			}
			continue
		}
		c.recLeft = int(binary.BigEndian.Uint16(c.recHdr[3:5]))
		c.pending = c.recHdr[:]
	}
}

// readWrapped reads one handshake message and makes its payload pending.
func (c *TLSHandshakeConn) readWrapped() error {
	start := c.r.Offset()
	h, payload, err := c.r.ReadMessage()
	if err != nil {
		return err
	}
	if h.Type != PacketPrelogin && h.Type != PacketResponse {
		return errorAt(tlsLayer, start, ErrUnexpected, "%v message during the TLS handshake, want Prelogin", h.Type)
	}
	if h.Status&StatusIgnore != 0 {
		return errorAt(tlsLayer, start+1, ErrUnexpected, "IGNORE status during the TLS handshake")
	}
	c.pending = payload
	return nil
}

// Write implements net.Conn. During the handshake each call is sent as one
// PRELOGIN message; afterwards p is written to the connection unchanged.
func (c *TLSHandshakeConn) Write(p []byte) (int, error) {
	if c.done.Load() {
		return c.conn.Write(p)
	}
	t := c.wtype
	if t == 0 {
		t = PacketPrelogin
	}
	if err := c.w.WriteMessage(t, 0, p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Close closes the underlying connection.
func (c *TLSHandshakeConn) Close() error { return c.conn.Close() }

// LocalAddr returns the underlying connection's local address.
func (c *TLSHandshakeConn) LocalAddr() net.Addr { return c.conn.LocalAddr() }

// RemoteAddr returns the underlying connection's remote address.
func (c *TLSHandshakeConn) RemoteAddr() net.Addr { return c.conn.RemoteAddr() }

// SetDeadline sets the underlying connection's deadlines.
func (c *TLSHandshakeConn) SetDeadline(t time.Time) error { return c.conn.SetDeadline(t) }

// SetReadDeadline sets the underlying connection's read deadline.
func (c *TLSHandshakeConn) SetReadDeadline(t time.Time) error { return c.conn.SetReadDeadline(t) }

// SetWriteDeadline sets the underlying connection's write deadline.
func (c *TLSHandshakeConn) SetWriteDeadline(t time.Time) error { return c.conn.SetWriteDeadline(t) }

// ClientHandshake runs the TDS 7.x TLS handshake as the client over conn,
// after the PRELOGIN exchange has negotiated encryption ([MS-TDS] 3.2.5.2,
// 3.2.5.3): it wraps conn in a TLSHandshakeConn, runs tls.Client's
// handshake, ends the wrapping and returns the TLS connection. See
// TLSHandshakeConn for full and login-only encryption.
func ClientHandshake(ctx context.Context, conn net.Conn, config *tls.Config) (*tls.Conn, error) {
	hc := NewTLSHandshakeConn(conn)
	return handshake(ctx, hc, tls.Client(hc, config))
}

// ServerHandshake runs the TDS 7.x TLS handshake as the server over conn,
// after it has sent its PRELOGIN response ([MS-TDS] 3.3.5.1, 3.3.5.2).
// See ClientHandshake.
func ServerHandshake(ctx context.Context, conn net.Conn, config *tls.Config) (*tls.Conn, error) {
	hc := NewTLSHandshakeConn(conn)
	return handshake(ctx, hc, tls.Server(hc, config))
}

func handshake(ctx context.Context, hc *TLSHandshakeConn, tc *tls.Conn) (*tls.Conn, error) {
	if err := tc.HandshakeContext(ctx); err != nil {
		var te *Error
		if errors.As(err, &te) {
			return nil, err
		}
		return nil, &Error{Layer: tlsLayer, Offset: hc.r.Offset(), Msg: "TLS handshake inside PRELOGIN failed", Err: err}
	}
	hc.EndHandshake()
	return tc, nil
}

// prefixReader returns pre before reading from r.
type prefixReader struct {
	pre []byte
	r   io.Reader
}

func (p *prefixReader) Read(b []byte) (int, error) {
	if len(p.pre) > 0 {
		n := copy(b, p.pre)
		p.pre = p.pre[n:]
		return n, nil
	}
	return p.r.Read(b)
}
