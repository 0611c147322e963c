// Package tds implements the packet layer of the Tabular Data Stream
// protocol, [MS-TDS] section 2.2.3: the 8-byte packet header, splitting a
// message into packets and reassembling packets into messages, and the TLS
// handshake that TDS 7.x carries inside PRELOGIN packets ([MS-TDS] 2.2.6.5,
// 3.2.5.2, 3.3.5.2).
//
// It also holds the small vocabulary the other tdswire packages share: the
// protocol Version, the UCS2 string view, and the *Error type with its
// sentinel classes (ErrTruncated, ErrMalformed, ErrTooLarge,
// ErrUnexpected).
//
// Decoding never allocates on success and never trusts a length it has not
// checked against the bytes present; encoding appends to a caller's slice.
package tds
