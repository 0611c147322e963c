// Package smp implements the Session Multiplex Protocol, [MC-SMP], which
// SQL Server uses for Multiple Active Result Sets (MARS): several logical
// sessions, each carrying its own TDS packet stream, multiplexed over one
// transport connection (usually the TLS-wrapped TDS connection after
// login).
//
// The package has two layers. Header is the 16-byte SMP header of
// [MC-SMP] 2.2.1 with a zero-allocation decoder (Header.Decode,
// Header.DecodePacket) and appending encoders (Header.Append,
// Header.AppendPacket). Mux runs the session state machines, sequence
// numbers and sliding-window flow control of [MC-SMP] section 3 over an
// io.ReadWriteCloser.
//
// smp does not depend on the tds package: SMP is its own protocol with its
// own *Error type and sentinel classes (ErrTruncated, ErrMalformed,
// ErrTooLarge, ErrProtocol, ErrClosed, ErrTransport).
package smp
