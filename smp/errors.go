package smp

import (
	"errors"
	"fmt"
)

// Sentinel errors classify every failure the smp package reports. Test for
// them with errors.Is; the concrete error is an *Error that says what was
// wrong and at which byte offset.
var (
	// ErrTruncated means the input ended before the 16-byte header or
	// before the LENGTH bytes the header announced ([MC-SMP] 2.2).
	ErrTruncated = errors.New("truncated")
	// ErrMalformed means a header field holds a value [MC-SMP] 2.2
	// forbids: a wrong SMID, an invalid FLAGS combination, a LENGTH
	// below 16, a control packet that carries data.
	ErrMalformed = errors.New("malformed")
	// ErrTooLarge means a DATA packet is longer than the limit the Mux
	// was configured with (Config.MaxDataLength), or more sessions are
	// open than Config.MaxSessions allows.
	ErrTooLarge = errors.New("too large")
	// ErrProtocol means the peer broke a session rule of [MC-SMP] 3.1.5:
	// a DATA packet beyond the advertised window, a SEQNUM out of order,
	// a window that moved backwards or jumped more than MaxWindow packets
	// ahead of the last DATA sent, a packet for an unknown SID, a
	// second SYN for a live SID, a packet after FIN, a SYN sent to a
	// client.
	ErrProtocol = errors.New("protocol violation")
	// ErrClosed means the operation was attempted on a Session or Mux
	// that is closed: by the local higher layer, by the peer's FIN
	// (for writes), or because the Mux was torn down.
	ErrClosed = errors.New("closed")
	// ErrRole means a call belongs to the other role: Open on a
	// server-role Mux or Accept on a client-role Mux ([MC-SMP] 3.2, 3.3).
	ErrRole = errors.New("wrong role")
	// ErrTransport means the underlying transport failed or ended; the
	// transport's own error is wrapped as well.
	ErrTransport = errors.New("transport failed")
)

// Layer names the part of the package that reported an *Error; its value
// is the prefix of Error.Error.
type Layer string

// The layers of package smp.
const (
	LayerHeader  Layer = "smp header"  // the header codec ([MC-SMP] 2.2)
	LayerMux     Layer = "smp mux"     // a Mux: the transport and its sessions ([MC-SMP] 3.1)
	LayerSession Layer = "smp session" // one Session ([MC-SMP] 3.1.5)
)

// Error describes a failure of the SMP codec or of a Mux.
//
// For the header decoder Offset counts from the start of the buffer given
// to Decode. For a Mux it counts bytes from the start of the transport
// stream as the Mux read it, so a protocol error names the exact field of
// the offending packet; it is -1 when no byte of input is involved (for
// example a local Close). Errors are built only on failure paths, so
// decoding valid input does not allocate.
type Error struct {
	Layer  Layer  // LayerHeader, LayerMux or LayerSession
	Offset int64  // byte offset of the offending field, or -1
	Msg    string // what was wrong, in the terms of [MC-SMP]
	Err    error  // the class: one of the sentinels above
	Cause  error  // an underlying error (for example the transport's), or nil
}

// Error formats the failure as "layer: at offset N: what: class: cause".
func (e *Error) Error() string {
	s := string(e.Layer) + ": "
	if e.Offset >= 0 {
		s += fmt.Sprintf("at offset %d: ", e.Offset)
	}
	s += e.Msg + ": " + e.Err.Error()
	if e.Cause != nil {
		s += ": " + e.Cause.Error()
	}
	return s
}

// Unwrap returns the class of the failure and, when there is one, the
// underlying cause, so errors.Is finds both.
func (e *Error) Unwrap() []error {
	if e.Cause != nil {
		return []error{e.Err, e.Cause}
	}
	return []error{e.Err}
}

func errorf(layer Layer, offset int64, class error, format string, args ...any) *Error {
	return &Error{Layer: layer, Offset: offset, Msg: fmt.Sprintf(format, args...), Err: class}
}
