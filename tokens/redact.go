package tokens

import (
	"fmt"
	"strconv"
	"strings"

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

// Format implements fmt.Formatter so that no verb prints the table's
// bytes, which hold the encrypted column encryption keys: %+v prints every
// entry, every other verb String (fmt would otherwise print the unexported
// view by reflection under %#v).
func (c CekTable) Format(f fmt.State, verb rune) {
	format(f, verb, c.String(), func() string {
		// A Builder, not +=: a table may hold 65,535 entries.
		var b strings.Builder
		b.WriteString("CekTable{")
		sep := ""
		for e := range c.Entries() {
			b.WriteString(sep)
			b.WriteString(e.detail())
			sep = ", "
		}
		b.WriteString("}")
		return b.String()
	})
}

// Format implements fmt.Formatter so that no verb prints the encrypted key
// values: %+v adds each value's key store, path, algorithm and key
// length, every other verb prints String.
func (e EKInfo) Format(f fmt.State, verb rune) {
	format(f, verb, e.String(), e.detail)
}

// detail is the %+v form of e: String and its values.
func (e EKInfo) detail() string {
	var b strings.Builder
	b.WriteString(e.String())
	b.WriteString(" [")
	sep := ""
	for k := range e.Values() {
		b.WriteString(sep)
		b.WriteString(k.String())
		sep = ", "
	}
	b.WriteString("]")
	return b.String()
}

// Format implements fmt.Formatter for a Scanner and a *Scanner: every verb
// prints String (the current token in its trace form, which never shows
// private bytes); fmt would otherwise print the Scanner's buffer, SSPI
// blobs and encrypted keys included. It has a value receiver because
// NewScanner returns a value; String runs on the copy.
func (s Scanner) Format(f fmt.State, verb rune) {
	format(f, verb, s.String(), nil)
}
