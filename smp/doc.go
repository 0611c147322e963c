// Package smp implements the Session Multiplex Protocol, [MC-SMP], which
// SQL Server uses for Multiple Active Result Sets (MARS): several logical
// sessions, each carrying its own TDS packet stream, multiplexed over one
// transport connection (usually the TLS-wrapped TDS connection after
// login).
//
// # Header codec
//
// Header is the 16-byte SMP header of [MC-SMP] 2.2.1: SMID (0x53), FLAGS
// (exactly one of SYN, ACK, FIN, DATA, 2.2.1.1), SID, LENGTH (header
// included), SEQNUM and WNDW, all little-endian. Header.Decode and
// Header.DecodePacket check it and never allocate; Header.Append and
// Header.AppendPacket append the wire form to a caller's slice, the
// latter computing LENGTH. Header.String prints a packet as network trace
// tools do ("SMP:SYN, Sid = 0, Length = 16, SeqNum = 0, Wndw = 4").
//
// # Multiplexer
//
// Mux runs [MC-SMP] section 3 over an io.ReadWriteCloser: NewClient opens
// sessions (SYN, 3.3.2.2) with Open, NewServer accepts them (3.2.4.1) with
// Accept. Each Session is a net.Conn whose Writes become DATA packets and
// whose Reads return the peer's DATA, one packet at a time. Per session the
// Mux keeps the variables of 3.1.1.1 (SeqNumForSend, HighWaterForSend,
// SeqNumForRecv, HighWaterForRecv, LastHighWaterForRecv) with modulo-2^32
// comparisons, blocks a sender whose window is exhausted, advertises its
// window on every packet it sends and with ACKs as the application reads,
// and exchanges FINs on Close (3.1.4.4). Any violation by the peer, and any
// transport failure, tears the whole Mux down with an *Error naming the
// offending field's offset in the stream.
//
// Deadlines and contexts bound the whole of every call, transport writes
// included: one writer goroutine per Mux writes the packets in order, a
// call waits for its packet only until its own deadline (Read's ACKs and
// Close's FIN are not waited for at all), a packet still queued when its
// caller gives up is withdrawn unsent, and one whose write has begun and
// cannot finish tears the Mux down. A peer that stops reading its socket
// thus holds no call beyond the deadline that call set.
//
//	mux := smp.NewClient(conn, nil) // conn: the TDS connection after login
//	defer mux.Close()
//	s, err := mux.Open(ctx)         // a MARS session, SID 0
//	...
//	s.Write(tdsPacket)              // one TDS packet, one DATA packet
//	n, err := s.Read(buf)           // one DATA packet's worth
//
// # Leniencies and strictness
//
// The Mux is strict where [MC-SMP] says MUST or where SQL Server follows a
// SHOULD: wrong SMID, combined flags, bad LENGTH, an unknown SID, a second
// SYN for a live SID, a SYN sent to a client, DATA out of sequence or
// beyond the advertised window, a window that moves backwards, a window
// granted more than MaxWindow packets beyond the last DATA sent (tdswire's
// own rule: 3.1.5.2.1 sets no bound, and a WNDW in the far half of the
// modulo-2^32 space would otherwise read as a closed window), an ACK
// whose SEQNUM is not the last DATA SEQNUM, and DATA, ACK or FIN after the
// peer's FIN all close the connection. It is lenient on the MAYs: the
// SEQNUM of a SYN (SHOULD be 0, 2.2.2) and the exact SEQNUM of a FIN
// (SHOULD be stable, 2.2.1) are not checked beyond the window bound of
// 3.1.5.1. DATA arriving after the local FIN is ignored (3.1.5.1.1).
//
// The window a received DATA packet is checked against is the highest
// WNDW this side has sent (LastHighWaterForRecv), which is all the peer can
// know; the bound of 3.1.5.1 (HighWaterForRecv) is never smaller, so this
// is at least as strict as the specification without rejecting anything a
// correct peer can send.
//
// smp does not depend on the tds package: SMP is its own protocol with its
// own *Error type and sentinel classes (ErrTruncated, ErrMalformed,
// ErrTooLarge, ErrProtocol, ErrClosed, ErrRole, ErrTransport).
package smp
