package spnego

import "github.com/tdswire/tdswire/internal/der"

// Error describes a failure to decode a token: the decoder (Layer), the
// byte offset of the offending element counted from the start of the
// buffer given to the decoder (Offset), what was wrong (Msg) and the class
// (Err). It is the same type as krb5.Error.
type Error = der.Error

// Sentinel errors classify every failure; test for them with errors.Is.
// They are the same values as krb5's.
var (
	// ErrTruncated means the input ended before an element it announced.
	ErrTruncated = der.ErrTruncated
	// ErrMalformed means the bytes are not the DER the specification asks
	// for (wrong tag, non-minimal length, value out of range, trailing bytes).
	ErrMalformed = der.ErrMalformed
	// ErrUnexpected means a well-formed token of another kind arrived (for
	// example a GSS-API token of another mechanism where SPNEGO was asked for).
	ErrUnexpected = der.ErrUnexpected
)

// Layer names the decoder that reported an *Error (the same type as
// krb5.Layer).
type Layer = der.Layer

// The layers of this package's decoders.
const (
	LayerGSS          = der.LayerGSS          // InitialContextToken ([RFC 2743] 3.1)
	LayerNegTokenInit = der.LayerNegTokenInit // NegTokenInit ([RFC 4178] 4.2.1)
	LayerNegTokenResp = der.LayerNegTokenResp // NegTokenResp ([RFC 4178] 4.2.2)
)

const (
	layerGSS  = LayerGSS
	layerInit = LayerNegTokenInit
	layerResp = LayerNegTokenResp
)
