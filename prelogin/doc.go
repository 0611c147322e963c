// Package prelogin encodes and decodes the PRELOGIN message of the Tabular
// Data Stream protocol, [MS-TDS] 2.2.6.5: the first message of a TDS 7.x
// connection, in which client and server exchange their product versions
// and agree on encryption, MARS, federated authentication and tracing
// identifiers before LOGIN7 (2.2.1.1, 2.2.2.1, and the client and server
// state machines of 3.2.5.2 and 3.3.5.1).
//
// A client's request and a server's response have the same format: an
// option table of (token, big-endian offset, big-endian length) entries
// closed by TERMINATOR 0xFF, followed by the options' data. This package
// models both with Message, which holds each defined option in a typed
// field (fixed arrays for TRACEID and NONCEOPT) with a presence set, and
// keeps options with undefined tokens as raw views so they survive a
// decode and re-encode. Entries walks the raw table for tools that want
// every entry as it is. The input to both is the message itself: the packet
// data after the 8-byte packet header (package tds reads packets).
//
// Decoding valid input allocates nothing; Instance and unknown options are
// views into the input. Malformed input gives a *tds.Error with Layer
// tds.LayerPrelogin, the offset of the offending table entry, and a class
// (tds.ErrTruncated, tds.ErrMalformed) for errors.Is. Encoding appends to a
// caller's slice, computing the offsets.
//
// ServerResponse and Negotiate are the encryption rules of 2.2.6.5 as pure
// functions: what a server answers, and what the client must then do
// (encrypt the entire connection, the login packet only, nothing, or
// terminate).
//
// A client builds its request and reads the answer like this:
//
//	req := prelogin.Message{
//		Present:    prelogin.HasVersion | prelogin.HasEncryption | prelogin.HasMARS,
//		Version:    prelogin.Version{Major: 1, Minor: 0},
//		Encryption: prelogin.EncryptOn,
//	}
//	req.SetInstanceName("")
//	payload, err := req.Append(buf[:0])
//	// ... send payload in a packet of type 0x12, read the response data ...
//	var resp prelogin.Message
//	if err := resp.Decode(data); err != nil { ... }
//	switch prelogin.Negotiate(req.Encryption, resp.Encryption) {
//	case prelogin.OutcomeTerminate: ...
//	}
package prelogin
