// Package tdsconn runs the flow of a TDS connection: which message comes
// next, from the first byte to the stream of requests, for the client and
// server roles (and, in observer*.go, a passive observer of both
// directions). It sits above the codecs — tds (framing, TLS inside
// PRELOGIN), prelogin, login7, tokens, ntlm, smp — and nothing below
// imports it.
//
// # The flow
//
// A TDS 7.x connection ([MS-TDS] 3.2.5, 3.3.5) starts with PRELOGIN
// (2.2.6.5): the client's request, the server's answer in a tabular-result
// message. The ENCRYPTION values of both decide, by the tables of 2.2.6.5
// (prelogin.ServerResponse and prelogin.Negotiate), one of:
//
//   - no encryption (EncryptionNone);
//   - the login packet only (EncryptionLoginOnly): a TLS handshake carried in
//     PRELOGIN packets, then the first LOGIN7 packet inside TLS and
//     everything else in clear (3.2.5.3);
//   - the entire connection (EncryptionFull): the same handshake, then
//     everything inside TLS.
//
// TDS 8.0 (EncryptionStrict, [MS-TDS] 2.1, 3.3.5.1) starts with TLS on
// the bare TCP stream, with ALPN "tds/8.0"; PRELOGIN and everything after
// travel inside it, and PRELOGIN's ENCRYPTION is ignored. A server tells
// the two apart by the first byte: 0x16 (a TLS handshake record) or 0x12
// (PRELOGIN). Older clients (TDS 7.0) start with LOGIN7 (0x10) directly.
//
// LOGIN7 (2.2.6.4) follows: a SQL login (user and password) or an
// integrated one (fIntSecurity), whose SSPI exchange runs over SSPI
// tokens (0xED, server to client) and SSPI messages (0x11, client to
// server) until the server is satisfied. The login response (2.2.7.14,
// 4.3) carries LOGINACK with the negotiated TDS version (the lower of the
// two sides'), ENVCHANGE tokens (database, language, collation, packet
// size, routing), INFO messages and FEATUREEXTACK; a refusal is an ERROR
// token and the end of the connection. From then on both sides frame
// packets with the negotiated packet size, and requests (SQL batches,
// RPCs, attention) and responses alternate. With MARS granted in
// PRELOGIN, the client may start SMP ([MC-SMP]) right after the login
// response (or, with some drivers, before LOGIN7): each SMP session is
// then a message stream of its own.
//
// # Roles
//
// Accept runs the server side over an accepted net.Conn with a
// ServerConfig: it answers PRELOGIN, runs TLS, authenticates through
// CheckSQLLogin or an SSPIServer (NTLMServer adapts ntlm.Server), builds
// the login response from the tokens encoders, and returns a ServerConn:
// a Stream for requests, or, with MARS, one Stream per SMP session
// (AcceptStream).
//
// Login (and Dial) run the client side over a net.Conn with a
// ClientConfig: PRELOGIN, TLS, LOGIN7, the SSPI rounds through an
// SSPIClient (NTLMClient adapts ntlm.Client), and the login response
// summarised in a LoginResult. The ClientConn's Stream has the packet
// size and version of the login applied; Cancel sends an attention and
// waits for its acknowledgement; OpenStream starts MARS.
//
// # Guarantees
//
// Every error is an *Error naming its Phase, wrapping the cause for
// errors.Is and errors.As (ErrRefused, *ServerError, *tds.Error, TLS and
// I/O errors, context errors). The phase is that of the message the side
// was reading or writing when it failed: dialling, and setting the login
// deadline on the transport (PhaseConnect); PRELOGIN and its answer
// (PhasePrelogin); the TLS handshake (PhaseTLSHandshake); LOGIN7 and the
// server's answer to it, and the login response (PhaseLogin); SSPI
// messages, the server's SSPI tokens and the client's wait for the answer
// to an SSPI message (PhaseSSPI); requests and responses on the
// connection (PhaseLoggedIn) or on an SMP session (PhaseMARS). A peer
// that goes away after the login, between two messages, is a clean io.EOF
// from Stream.ReadMessage and ServerConn.AcceptStream; inside a message it
// is an error. A whole login is bounded by a deadline
// (LoginTimeout, not reset by each read) and by the context given to
// Accept or Login, whose cancellation closes the connection. Memory per
// connection is bounded: messages by MaxLoginSize during login and by
// MaxMessageSize after, SMP by smp.Config. Close leaves no goroutine
// behind (the SMP multiplexer's reader has exited when it returns).
// Passwords are never kept: the server clears LOGIN7's password fields
// once checked, and the client clears its encoding once sent.
package tdsconn
