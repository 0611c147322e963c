package login7

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/tdswire/tdswire/internal/textfmt"
)

// Values that hold credentials print through fmt.Formatter, so that no
// verb reaches their bytes: a FEDAUTH token (a bearer token), an SSPI
// message (an NTLM AUTHENTICATE carries an offline-crackable NetNTLMv2
// response; a Kerberos AP-REQ a replayable ticket), feature data and whole
// FeatureExt blocks (which hold FEDAUTH). Each prints a summary (feature
// names, lengths, flags) under every verb: %#v writes GoString, %q the
// quoted String, every other verb (%v, %+v, %s, %x, %X, %d, ...) String.
// The methods have value receivers, so a value and a pointer print alike,
// and fmt calls them for exported fields of any struct that holds one.
//
// As for Password, two cases are beyond any method: fmt prints a value
// held in an unexported struct field by reflection, and %p of a
// non-pointer value is a bad verb whose operand fmt prints by reflection.
// Keep these values in exported fields and apply %p to pointers only.

// String lists the features of fe with their sizes, for example
// "[FEDAUTH (1854 bytes), UTF8_SUPPORT (1 bytes)]"; a malformed block
// ends with "malformed". No feature data is printed.
func (fe FeatureExt) String() string {
	var sb strings.Builder
	sb.WriteString("[")
	first := true
	for f, err := range fe.All() {
		if !first {
			sb.WriteString(", ")
		}
		first = false
		if err != nil {
			sb.WriteString("malformed")
			break
		}
		sb.WriteString(f.String())
	}
	sb.WriteString("]")
	return sb.String()
}

// GoString returns a Go-syntax-like rendering for %#v without feature
// data.
func (fe FeatureExt) GoString() string { return "login7.FeatureExt(" + fe.String() + ")" }

// Format implements fmt.Formatter: no verb prints feature data.
func (fe FeatureExt) Format(f fmt.State, verb rune) {
	textfmt.Safe(f, verb, fe.String(), fe.GoString())
}

// GoString returns a Go-syntax-like rendering for %#v without the data.
func (f Feature) GoString() string {
	return "login7.Feature{ID:" + f.ID.String() + ", Data:" + textfmt.RedactedLen(f.Data) + "}"
}

// Format implements fmt.Formatter: no verb prints the feature data.
func (f Feature) Format(s fmt.State, verb rune) { textfmt.Safe(s, verb, f.String(), f.GoString()) }

// String describes f without the token or the signature, for example
// "FEDAUTH SecurityToken echo Token=[REDACTED] (1854 bytes) Nonce".
func (f FedAuth) String() string {
	var sb strings.Builder
	sb.WriteString("FEDAUTH " + f.Library.String())
	if f.Echo {
		sb.WriteString(" echo")
	}
	if f.Library == FedAuthADAL {
		sb.WriteString(" Workflow=" + f.Workflow.String())
		return sb.String()
	}
	sb.WriteString(" Token=" + textfmt.RedactedLen(f.Token))
	if f.HasNonce {
		sb.WriteString(" Nonce")
	}
	if len(f.ChannelBinding) != 0 {
		sb.WriteString(" ChannelBinding=" + strconv.Itoa(len(f.ChannelBinding)) + " bytes")
	}
	if f.Signature != [32]byte{} {
		sb.WriteString(" Signature=" + redacted)
	}
	return sb.String()
}

// GoString returns a Go-syntax-like rendering for %#v without the token
// or the signature.
func (f FedAuth) GoString() string {
	sig := "none"
	if f.Signature != [32]byte{} {
		sig = redacted
	}
	return "login7.FedAuth{Library:" + f.Library.String() + ", Echo:" + strconv.FormatBool(f.Echo) +
		", Token:" + textfmt.RedactedLen(f.Token) + ", HasNonce:" + strconv.FormatBool(f.HasNonce) +
		", ChannelBinding:" + strconv.Itoa(len(f.ChannelBinding)) + " bytes" +
		", Signature:" + sig + ", Workflow:" + f.Workflow.String() + "}"
}

// Format implements fmt.Formatter: no verb prints Token or Signature.
func (f FedAuth) Format(s fmt.State, verb rune) { textfmt.Safe(s, verb, f.String(), f.GoString()) }

// String describes m by its length only, "SSPI message (326 bytes)": the
// token is a credential.
func (m SSPIMessage) String() string {
	return "SSPI message (" + strconv.Itoa(len(m.Data)) + " bytes)"
}

// GoString returns a Go-syntax-like rendering for %#v without the token.
func (m SSPIMessage) GoString() string {
	return "login7.SSPIMessage{Data:" + textfmt.RedactedLen(m.Data) + "}"
}

// Format implements fmt.Formatter: no verb prints the token.
func (m SSPIMessage) Format(f fmt.State, verb rune) { textfmt.Safe(f, verb, m.String(), m.GoString()) }
