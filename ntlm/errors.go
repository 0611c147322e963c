package ntlm

import (
	"errors"
	"fmt"
)

// Sentinel errors classify every failure reported by this package. Test for
// them with errors.Is; the concrete error is an *Error saying which field was
// wrong and where.
var (
	// ErrTruncated means the input ended before a field it announced.
	ErrTruncated = errors.New("truncated")
	// ErrMalformed means a field holds a value [MS-NLMP] forbids.
	ErrMalformed = errors.New("malformed")
	// ErrTooLarge means a value does not fit the 16-bit length fields of
	// [MS-NLMP] 2.2.1.
	ErrTooLarge = errors.New("too large")
	// ErrUnexpected means a well-formed message arrived where the protocol
	// does not allow it (for example a CHALLENGE_MESSAGE where an
	// AUTHENTICATE_MESSAGE was expected).
	ErrUnexpected = errors.New("unexpected")
	// ErrUnsupported means the peer chose a variant this package does not
	// implement: NTLM v1 responses, anonymous logons, OEM strings.
	ErrUnsupported = errors.New("unsupported")

	// ErrLogonFailed is the class of the error Server.Verify returns both
	// for an unknown user and for a wrong password: the same *Error (same
	// text, offset and class) either way, so that a server which forwards
	// it, or its message, to the client does not tell which user names
	// exist. errors.Is(err, ErrUnknownUser) and errors.Is(err,
	// ErrWrongPassword) still tell them apart for the server's own log.
	ErrLogonFailed = errors.New("logon failed")
	// ErrUnknownUser means the server's account look-up did not know the
	// user named in the AUTHENTICATE_MESSAGE. Verify reports it only as
	// the hidden cause of an ErrLogonFailed error (reachable with
	// errors.Is, absent from the error text), except when the Server has
	// no Lookup at all.
	ErrUnknownUser = errors.New("unknown user")
	// ErrWrongPassword means the NTProofStr of the client's NTLMv2 response
	// did not match the one computed from the account's NT hash
	// ([MS-NLMP] 3.2.5.1.2). Verify reports it only as the hidden cause of
	// an ErrLogonFailed error, like ErrUnknownUser.
	ErrWrongPassword = errors.New("wrong password")
	// ErrBadMIC means the MIC of the AUTHENTICATE_MESSAGE did not match
	// the one computed over the three messages ([MS-NLMP] 3.1.5.1.2).
	ErrBadMIC = errors.New("bad message integrity code")
	// ErrBadBindings means the channel binding hash was missing or did
	// not match the server's channel ([MS-NLMP] 3.2.5.1.2,
	// GSS_S_BAD_BINDINGS).
	ErrBadBindings = errors.New("bad channel bindings")
	// ErrExpired means the NTLMv2 client challenge timestamp lies further
	// from the server's clock than the configured maximum lifetime
	// ([MS-NLMP] 3.2.5.1.2, MaxLifetime of 3.1.1.1).
	ErrExpired = errors.New("response expired")
)

// Error describes a failure to decode, build or verify NTLM messages. It has
// the same shape as the errors of tdswire's TDS packages but does not depend
// on them.
//
// Offset is the byte offset of the offending field, counted from the start of
// the buffer given to the decoder (for verification failures: from the start
// of the AUTHENTICATE_MESSAGE). Errors are built only on failure paths, so
// decoders stay allocation-free when the input is valid.
type Error struct {
	Layer  Layer  // the decoder or role, e.g. LayerChallenge, LayerServer
	Offset int64  // byte offset of the offending field
	Msg    string // what was wrong, in the specification's terms
	Err    error  // the class: one of the sentinels above, or an underlying error

	// cause is a finer class kept out of Error's text (ErrUnknownUser or
	// ErrWrongPassword under ErrLogonFailed), matched by Is.
	cause error
}

// Is reports whether target is the hidden cause of e (see ErrLogonFailed);
// errors.Is reaches Err through Unwrap as usual.
func (e *Error) Is(target error) bool { return e.cause != nil && target == e.cause }

// Error formats the failure as "layer: at offset N: message: class".
func (e *Error) Error() string {
	return fmt.Sprintf("%s: at offset %d: %s: %v", e.Layer, e.Offset, e.Msg, e.Err)
}

// Unwrap returns the class of the failure, for errors.Is and errors.As.
func (e *Error) Unwrap() error { return e.Err }

// errorf builds an *Error; it is called only on failure paths.
func errorf(layer Layer, offset int, class error, format string, args ...any) *Error {
	return &Error{Layer: layer, Offset: int64(offset), Msg: fmt.Sprintf(format, args...), Err: class}
}

// Layer names the decoder or role that reported an *Error. Its String form
// is the prefix of Error.Error ("ntlm challenge", "ntlm server", ...).
type Layer uint8

// The layers of package ntlm.
const (
	LayerUnknown      Layer = iota // the zero Layer: not set
	LayerMessage                   // the common message prefix ([MS-NLMP] 2.2.1)
	LayerNegotiate                 // NEGOTIATE_MESSAGE decoder ([MS-NLMP] 2.2.1.1)
	LayerChallenge                 // CHALLENGE_MESSAGE decoder ([MS-NLMP] 2.2.1.2)
	LayerAuthenticate              // AUTHENTICATE_MESSAGE decoder ([MS-NLMP] 2.2.1.3)
	LayerAVPair                    // AV_PAIR lists ([MS-NLMP] 2.2.2.1)
	LayerNTLMv2                    // NTLMv2_RESPONSE ([MS-NLMP] 2.2.2.8)
	LayerClient                    // the Client role ([MS-NLMP] 3.1.5)
	LayerServer                    // the Server role ([MS-NLMP] 3.2.5)
	LayerBindings                  // channel bindings (RFC 5929)
)

var layerNames = [...]string{
	LayerUnknown:      "ntlm",
	LayerMessage:      "ntlm message",
	LayerNegotiate:    "ntlm negotiate",
	LayerChallenge:    "ntlm challenge",
	LayerAuthenticate: "ntlm authenticate",
	LayerAVPair:       "ntlm av_pair",
	LayerNTLMv2:       "ntlm ntlmv2_response",
	LayerClient:       "ntlm client",
	LayerServer:       "ntlm server",
	LayerBindings:     "ntlm channel bindings",
}

// String returns the layer's name as Error.Error prints it, or "Layer(N)"
// for a value outside the constants.
func (l Layer) String() string {
	if int(l) < len(layerNames) {
		return layerNames[l]
	}
	return fmt.Sprintf("Layer(%d)", uint8(l))
}
