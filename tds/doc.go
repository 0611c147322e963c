// Package tds implements the packet layer of the Tabular Data Stream
// protocol, [MS-TDS] section 2.2.3: the 8-byte packet header, splitting a
// message into packets and reassembling packets into messages, and the TLS
// handshake that TDS 7.x carries inside PRELOGIN packets ([MS-TDS] 2.2.6.5,
// 3.2.5.3, 3.3.5.2).
//
// It also holds the small vocabulary the other tdswire packages share: the
// protocol Version, the UCS2 string view, and the *Error type with its
// sentinel classes (ErrTruncated, ErrMalformed, ErrTooLarge,
// ErrUnexpected, ErrUnsupported) and typed Layer.
//
// Decoding never allocates on success and never trusts a length it has not
// checked against the bytes present; encoding appends to a caller's slice.
//
// # Headers
//
// Header.Decode fills a caller-owned Header from 8 bytes and Header.Append
// writes them back (2.2.3.1); neither allocates.
//
// # Messages
//
// Writer splits a message into packets of the negotiated size with EOM on
// the last and PacketID counting from FirstPacketID (1) modulo 256
// (2.2.3, 2.2.3.1.5); Reader reassembles them, with limits on packet and
// message size. The payload ReadMessage returns is valid only until the
// next read, like the frames of golang.org/x/net/http2's Framer:
//
//	w, err := tds.NewWriter(conn, tds.DefaultPacketSize)
//	err = w.WriteMessage(tds.PacketSQLBatch, 0, batch)
//
//	r := tds.NewReader(conn)
//	h, payload, err := r.ReadMessage() // payload valid until the next call
//	if h.Type == tds.PacketResponse { /* decode tokens from payload */ }
//
// After LOGIN7 negotiates a packet size (ENVCHANGE, 2.2.7.9), call
// Writer.SetPacketSize and Reader.SetPacketSize.
//
// # TLS
//
// For TDS 7.x, ClientHandshake and ServerHandshake run crypto/tls over a
// TLSHandshakeConn, which wraps the handshake in PRELOGIN packets and then
// lets TLS records through unwrapped. The TLSHandshakeConn documentation
// shows full encryption, login-only encryption (only the first LOGIN7
// packet inside TLS) and TDS 8.0 strict encryption (crypto/tls directly,
// ALPN "tds/8.0", no wrapping).
package tds
