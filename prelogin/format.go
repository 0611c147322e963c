package prelogin

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/tdswire/tdswire/internal/textfmt"
)

// String formats m on one line in the style of a trace, listing the
// options present in token order:
//
//	PRELOGIN Version=15.0.2000.0 Encryption=ENCRYPT_ON Instance="" ThreadID=3512 MARS=false TraceID=present FedAuthRequired=true Nonce=present
//
// The 32-byte NONCE and the TRACEID GUIDs are reported only as present
// (%+v shows them); undefined options print as their token and length.
func (m Message) String() string {
	var sb strings.Builder
	sb.WriteString("PRELOGIN")
	if m.Present.Has(OptionVersion) {
		sb.WriteString(" Version=" + m.Version.String())
	}
	if m.Present.Has(OptionEncryption) {
		sb.WriteString(" Encryption=" + m.Encryption.String())
	}
	if m.Present.Has(OptionInstOpt) {
		if name, ok := m.InstanceName(); ok {
			sb.WriteString(" Instance=" + strconv.Quote(string(name)))
		} else {
			sb.WriteString(" Instance=0x" + hexBytes(m.Instance))
		}
	}
	if m.Present.Has(OptionThreadID) {
		if m.ThreadIDEmpty {
			sb.WriteString(" ThreadID=empty")
		} else {
			sb.WriteString(" ThreadID=" + strconv.FormatUint(uint64(m.ThreadID), 10))
		}
	}
	if m.Present.Has(OptionMARS) {
		sb.WriteString(" MARS=" + strconv.FormatBool(m.MARS))
	}
	if m.Present.Has(OptionTraceID) {
		sb.WriteString(" TraceID=present")
	}
	if m.Present.Has(OptionFedAuthRequired) {
		sb.WriteString(" FedAuthRequired=" + strconv.FormatBool(m.FedAuthRequired))
	}
	if m.Present.Has(OptionNonce) {
		sb.WriteString(" Nonce=present")
	}
	for _, o := range m.Unknown {
		sb.WriteString(" " + o.String())
	}
	return sb.String()
}

// Format implements fmt.Formatter: %v and %s print String, %+v every
// field (the nonce and GUIDs in hex), %q the quoted String.
func (m Message) Format(f fmt.State, verb rune) {
	textfmt.Format(f, verb, "prelogin.Message", m.String(), func() string { return textfmt.Fields("PRELOGIN", m) })
}

// String formats o as its token and data length, "Option(0x09)=2 bytes".
func (o RawOption) String() string {
	return o.Token.String() + "=" + strconv.Itoa(len(o.Data)) + " bytes"
}

func hexBytes(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 2*len(b))
	for i, c := range b {
		out[2*i], out[2*i+1] = digits[c>>4], digits[c&15]
	}
	return string(out)
}

// String formats t as "{ConnectionID=00112233445566778899aabbccddeeff
// ActivityID=ffeeddccbbaa99887766554433221100 ActivitySequence=1}", the
// GUIDs as their 16 bytes on the wire, in hex (braced, so that the form
// nests in Message's %+v).
func (t TraceID) String() string {
	return "{ConnectionID=" + hexBytes(t.ConnectionID[:]) + " ActivityID=" + hexBytes(t.ActivityID[:]) +
		" ActivitySequence=" + strconv.FormatUint(uint64(t.ActivitySequence), 10) + "}"
}

// Format implements fmt.Formatter: %v and %s print String, %+v every
// field ("RawOption{Token=Option(0x09) Data=0102}", the data in hex, cut
// after textfmt.MaxBytes), %q the quoted String.
func (o RawOption) Format(f fmt.State, verb rune) {
	textfmt.Format(f, verb, "prelogin.RawOption", o.String(), func() string { return textfmt.Fields("RawOption", o) })
}

// Format implements fmt.Formatter: %v and %s print String, %+v every
// field ("Entry{At=0 Token=VERSION Offset=26 Data=0f0007d00000}", the
// data in hex, cut after textfmt.MaxBytes), %q the quoted String.
func (e Entry) Format(f fmt.State, verb rune) {
	textfmt.Format(f, verb, "prelogin.Entry", e.String(), func() string { return textfmt.Fields("Entry", e) })
}

// Format implements fmt.Formatter: %v and %s print String, %+v names the
// fields ("Version{Major=15 Minor=0 Build=2000 SubBuild=0}"), %q the
// quoted String.
func (v Version) Format(f fmt.State, verb rune) {
	textfmt.Format(f, verb, "prelogin.Version", v.String(), func() string { return textfmt.Fields("Version", v) })
}

// Format implements fmt.Formatter: %v and %s print String, %+v the same
// fields under the type's name ("TraceID{ConnectionID=... ActivityID=...
// ActivitySequence=1}"), %q the quoted String.
func (t TraceID) Format(f fmt.State, verb rune) {
	textfmt.Format(f, verb, "prelogin.TraceID", t.String(), func() string { return "TraceID" + t.String() })
}
