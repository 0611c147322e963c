package spnego

import "fmt"

// Opaque holds bytes that must not be printed: a mechanism token (an NTLM
// AUTHENTICATE_MESSAGE, a Kerberos AP-REQ with its ticket) or a MIC. It is a
// view into the decoded input. Every fmt verb prints its length only,
// "<N bytes>"; convert it to []byte explicitly to use the bytes.
type Opaque []byte

// String returns "<N bytes>".
func (o Opaque) String() string { return fmt.Sprintf("<%d bytes>", len(o)) }

// GoString returns "<N bytes>", so %#v does not print the bytes either.
func (o Opaque) GoString() string { return o.String() }

// Format prints "<N bytes>" for every verb (%s, %v, %x, %q, ...).
func (o Opaque) Format(f fmt.State, _ rune) { fmt.Fprintf(f, "<%d bytes>", len(o)) }
