package tokens

import (
	"fmt"
	"strconv"

	"github.com/tdswire/tdswire/internal/textfmt"
)

// String describes x by its length only, "SSPI (202 bytes)": the buffer is
// an authentication exchange (an NTLM CHALLENGE, a Kerberos AP-REP, a
// SPNEGO reply) that logs have no use for.
func (x SSPI) String() string { return "SSPI (" + strconv.Itoa(len(x.Buffer)) + " bytes)" }

// GoString returns a Go-syntax-like rendering for %#v without the buffer.
func (x SSPI) GoString() string {
	return "tokens.SSPI{Buffer:[REDACTED] (" + strconv.Itoa(len(x.Buffer)) + " bytes)}"
}

// Format implements fmt.Formatter so that no verb prints the buffer: %#v
// writes GoString, %q the quoted String, every other verb String. It has
// a value receiver, so an SSPI and an *SSPI print alike, and fmt calls it
// for an exported field of any struct that holds one (not for an
// unexported one, which fmt prints by reflection).
func (x SSPI) Format(f fmt.State, verb rune) {
	textfmt.Safe(f, verb, x.String(), x.GoString())
}
