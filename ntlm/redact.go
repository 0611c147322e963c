package ntlm

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

// redacted replaces a secret wherever a value holding one is printed.
const redacted = "[REDACTED]"

// String returns a fixed placeholder so that an NTHash never ends up in a
// log.
func (NTHash) String() string { return "ntlm.NTHash(redacted)" }

// GoString returns a Go expression that does not hold the hash, so that
// %#v, of an NTHash or of a struct holding one, is safe.
func (NTHash) GoString() string { return "ntlm.NTHash{ /* redacted */ }" }

// Format implements fmt.Formatter so that no verb prints the hash bytes:
// %#v writes GoString, %q the quoted placeholder, every other verb (%v,
// %s, %x, %X, %d, ...) the placeholder. fmt calls it for the exported
// NTHash fields of Account, Client and any caller's struct, too.
//
// Two cases are beyond any method: fmt prints an NTHash held in an
// unexported struct field by reflection, and treats %p of a non-pointer
// value (an NTHash, Account, Client or Result, not a pointer to one) as a
// bad verb, printing the operand by reflection. Keep hashes in exported
// fields and apply %p to pointers only.
func (h NTHash) Format(f fmt.State, verb rune) {
	switch {
	case verb == 'v' && f.Flag('#'):
		io.WriteString(f, h.GoString())
	case verb == 'q':
		io.WriteString(f, strconv.Quote(h.String()))
	default:
		io.WriteString(f, h.String())
	}
}

// clientView has Client's fields without its methods, so that Format can
// print a redacted copy with fmt's own struct formatting.
type clientView Client

// redact returns c as a clientView with Password replaced by a marker
// (Hash redacts itself).
func (c Client) redact() clientView {
	v := clientView(c)
	if v.Password != "" {
		v.Password = redacted
	}
	return v
}

// GoString returns c in Go syntax with Password replaced by "[REDACTED]"
// (when set) and Hash by a placeholder, so that %#v is safe.
func (c Client) GoString() string {
	s := fmt.Sprintf("%#v", c.redact())
	return "ntlm.Client" + strings.TrimPrefix(s, "ntlm.clientView")
}

// Format implements fmt.Formatter: every verb formats c as fmt would,
// except that Password prints as "[REDACTED]" when set and Hash as its
// placeholder. %#v writes GoString.
func (c Client) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		io.WriteString(f, c.GoString())
		return
	}
	fmt.Fprintf(f, fmt.FormatString(f, verb), c.redact())
}

// String describes the authenticated client without the session key, for
// example `CONTOSO\joe33 from WS1 (MIC, channel bound)`. It has a value
// receiver so that a Result and a *Result print alike.
func (r Result) String() string {
	s := r.Domain + `\` + r.User + " from " + r.Workstation
	switch {
	case r.MIC && r.ChannelBound:
		s += " (MIC, channel bound)"
	case r.MIC:
		s += " (MIC)"
	case r.ChannelBound:
		s += " (channel bound)"
	}
	if r.LMv2 {
		s += " (LMv2)"
	}
	return s
}

// GoString returns r in Go syntax without the session key, so that %#v is
// safe: SessionKey prints as an array literal holding only a comment.
func (r Result) GoString() string {
	return "ntlm.Result{User:" + strconv.Quote(r.User) + ", Domain:" + strconv.Quote(r.Domain) +
		", Workstation:" + strconv.Quote(r.Workstation) + ", SessionKey:[16]uint8{ /* redacted */ }" +
		", NegotiateFlags:0x" + strconv.FormatUint(uint64(r.NegotiateFlags), 16) +
		", MIC:" + strconv.FormatBool(r.MIC) + ", ChannelBound:" + strconv.FormatBool(r.ChannelBound) +
		", LMv2:" + strconv.FormatBool(r.LMv2) + "}"
}

// Format implements fmt.Formatter so that no verb prints SessionKey: %#v
// writes GoString; %v and %+v write String; every other verb formats
// String as a string would be (%s, %q, %x, %X, width and flags included).
func (r Result) Format(f fmt.State, verb rune) {
	switch {
	case verb == 'v' && f.Flag('#'):
		io.WriteString(f, r.GoString())
	case verb == 'v':
		io.WriteString(f, r.String())
	default:
		fmt.Fprintf(f, fmt.FormatString(f, verb), r.String())
	}
}
