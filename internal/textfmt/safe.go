package textfmt

import (
	"fmt"
	"io"
	"strconv"
)

// Redacted stands where a secret would have been printed.
const Redacted = "[REDACTED]"

// Safe implements fmt.Formatter for a type that holds a secret: s is its
// summary without the secret and gs its Go-syntax-like form. %#v writes
// gs, %q the quoted s, and every other verb (%v, %+v, %s, %x, %X, %d, ...)
// s, so no verb reaches the secret's bytes.
func Safe(f fmt.State, verb rune, s, gs string) {
	switch {
	case verb == 'v' && f.Flag('#'):
		io.WriteString(f, gs)
	case verb == 'q':
		io.WriteString(f, strconv.Quote(s))
	default:
		io.WriteString(f, s)
	}
}

// RedactedLen describes a secret by its length only: "[REDACTED] (1854
// bytes)", or "none" when it is empty.
func RedactedLen(b []byte) string {
	if len(b) == 0 {
		return "none"
	}
	return Redacted + " (" + strconv.Itoa(len(b)) + " bytes)"
}
