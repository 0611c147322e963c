package tds

import (
	"errors"
	"fmt"
)

// Sentinel errors classify every decoding failure in tdswire's TDS packages
// (tds, prelogin, login7, tokens, tds/sqltype, tds/request, tdsconn); they
// are defined here once and those packages reuse them. Test for them with
// errors.Is; the
// concrete error is an *Error that says which field was wrong and where.
var (
	// ErrTruncated means the input ended before a field it announced.
	ErrTruncated = errors.New("truncated")
	// ErrMalformed means a field holds a value the specification forbids.
	ErrMalformed = errors.New("malformed")
	// ErrTooLarge means a length exceeds a limit the caller configured
	// or the specification sets.
	ErrTooLarge = errors.New("too large")
	// ErrUnexpected means a well-formed value arrived where the protocol
	// does not allow it (for example a packet of another type in the
	// middle of a message).
	ErrUnexpected = errors.New("unexpected")
	// ErrUnsupported means a well-formed value of a kind the specification
	// defines but tdswire does not implement (for example the ALTMETADATA
	// and ALTROW tokens of COMPUTE BY). Unlike ErrMalformed and
	// ErrUnexpected it is not a protocol violation by the peer.
	ErrUnsupported = errors.New("unsupported")
)

// Layer names the decoder or framer that reported an *Error. Its String
// form is the prefix of Error.Error ("tds reader", "login7", ...).
type Layer uint8

// The layers of tdswire's TDS packages.
const (
	LayerUnknown  Layer = iota // the zero Layer: not set
	LayerHeader                // tds: the 8-byte packet header ([MS-TDS] 2.2.3)
	LayerReader                // tds: the message Reader (packet reassembly)
	LayerWriter                // tds: the message Writer (packet splitting)
	LayerTLS                   // tds: TLS carried in PRELOGIN packets
	LayerPrelogin              // package prelogin ([MS-TDS] 2.2.6.5)
	LayerLogin7                // package login7 ([MS-TDS] 2.2.6.4)
	LayerTokens                // package tokens ([MS-TDS] 2.2.7)
	LayerSQLType               // package tds/sqltype ([MS-TDS] 2.2.5)
	LayerRequest               // package tds/request ([MS-TDS] 2.2.6)
)

var layerNames = [...]string{
	LayerUnknown:  "tds",
	LayerHeader:   "tds header",
	LayerReader:   "tds reader",
	LayerWriter:   "tds writer",
	LayerTLS:      "tds tls",
	LayerPrelogin: "prelogin",
	LayerLogin7:   "login7",
	LayerTokens:   "tokens",
	LayerSQLType:  "sqltype",
	LayerRequest:  "request",
}

// String returns the layer's name as Error.Error prints it, or
// "Layer(N)" for a value outside the constants.
func (l Layer) String() string {
	if int(l) < len(layerNames) {
		return layerNames[l]
	}
	return fmt.Sprintf("Layer(%d)", uint8(l))
}

// Error describes a failure to decode or frame TDS bytes.
//
// Offset is the byte offset of the offending field, counted from the start
// of the buffer given to the decoder (for the message reader: from the start
// of the stream, counting packet headers). Errors are built only on failure
// paths, so decoders stay allocation-free when input is valid.
type Error struct {
	Layer  Layer  // the decoder, e.g. LayerHeader, LayerPrelogin, LayerLogin7
	Offset int64  // byte offset of the offending field
	Msg    string // what was wrong, in the specification's terms
	Err    error  // the class: ErrTruncated, ErrMalformed, ..., or an I/O error
}

// Error formats e as "layer: at offset N: message: class", for example
// "tds reader: at offset 3: stream ended 3 bytes into a packet header:
// truncated: unexpected EOF" (the class here wraps an io error).
func (e *Error) Error() string {
	return fmt.Sprintf("%s: at offset %d: %s: %v", e.Layer, e.Offset, e.Msg, e.Err)
}

// Unwrap returns the class of the failure, for errors.Is and errors.As.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error for layer at offset, with class err (one of the
// sentinels above, or an underlying error) and a message formatted from
// format and args. It is exported so that the packages built on tds report
// failures in one shape.
func Errorf(layer Layer, offset int, err error, format string, args ...any) *Error {
	return &Error{Layer: layer, Offset: int64(offset), Msg: fmt.Sprintf(format, args...), Err: err}
}

// errorAt is Errorf for stream offsets, which may exceed an int on 32-bit
// platforms.
func errorAt(layer Layer, offset int64, err error, format string, args ...any) *Error {
	return &Error{Layer: layer, Offset: offset, Msg: fmt.Sprintf(format, args...), Err: err}
}
