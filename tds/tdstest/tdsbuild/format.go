package tdsbuild

import (
	"fmt"

	"github.com/tdswire/tdswire/internal/textfmt"
)

// loginView is Login without its methods, printed field by field.
type loginView Login

// String formats l on one line with every field, the password shown only
// as "[REDACTED]" when set: "Login{TDSVersion=7.4 (0x74000004) ...
// Password=\"[REDACTED]\" ...}".
func (l Login) String() string {
	if l.Password != "" {
		l.Password = textfmt.Redacted
	}
	return textfmt.Fields("Login", loginView(l))
}

// GoString returns the String form with the type's package name, for %#v,
// so that %#v does not print the password either.
func (l Login) GoString() string { return "tdsbuild." + l.String() }

// Format implements fmt.Formatter so that no verb prints the password:
// %#v writes GoString, %q the quoted String, every other verb (%v, %+v,
// %s, %x, ...) String.
func (l Login) Format(f fmt.State, verb rune) { textfmt.Safe(f, verb, l.String(), l.GoString()) }
