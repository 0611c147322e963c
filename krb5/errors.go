package krb5

import (
	"fmt"

	"github.com/tdswire/tdswire/internal/der"
)

// Error describes a failure to decode a message: the decoder (Layer), the
// byte offset of the offending element counted from the start of the
// buffer given to the decoder (Offset), what was wrong (Msg) and the class
// (Err). It is the same type as spnego.Error.
type Error = der.Error

// Sentinel errors classify every failure; test for them with errors.Is.
// They are the same values as spnego's.
var (
	// ErrTruncated means the input ended before an element it announced.
	ErrTruncated = der.ErrTruncated
	// ErrMalformed means the bytes are not the DER RFC 4120 asks for
	// (wrong tag, non-minimal length, value out of range, trailing bytes).
	ErrMalformed = der.ErrMalformed
	// ErrUnexpected means a well-formed message of another kind arrived
	// (a KRB-ERROR where an AP-REQ was decoded, another mechanism's token).
	ErrUnexpected = der.ErrUnexpected
)

// Layer names the decoder that reported an *Error (the same type as
// spnego.Layer).
type Layer = der.Layer

// The layers of this package's decoders.
const (
	LayerKerberosToken = der.LayerKerberosToken // the GSS-API token ([RFC 4121] 4.1)
	LayerAPReq         = der.LayerAPReq         // KRB_AP_REQ ([RFC 4120] 5.5.1)
	LayerAPRep         = der.LayerAPRep         // KRB_AP_REP ([RFC 4120] 5.5.2)
	LayerKRBError      = der.LayerKRBError      // KRB_ERROR ([RFC 4120] 5.9.1)
)

const (
	layerToken = LayerKerberosToken
	layerAPReq = LayerAPReq
	layerAPRep = LayerAPRep
	layerError = LayerKRBError
)

// Cipher is an EncryptedData's cipher text ([RFC 4120] 5.2.9): a ticket's
// enc-part, an authenticator, an AP-REP's enc-part. It is a view into the
// decoded input. Every fmt verb prints its length only, "<N bytes>".
type Cipher []byte

// String returns "<N bytes>".
func (c Cipher) String() string { return fmt.Sprintf("<%d bytes>", len(c)) }

// GoString returns "<N bytes>", so %#v does not print the bytes either.
func (c Cipher) GoString() string { return c.String() }

// Format prints "<N bytes>" for every verb.
func (c Cipher) Format(f fmt.State, _ rune) { fmt.Fprintf(f, "<%d bytes>", len(c)) }
