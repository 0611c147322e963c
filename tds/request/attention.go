package request

import (
	"fmt"
	"io"

	"github.com/tdswire/tdswire/internal/textfmt"
	"github.com/tdswire/tdswire/tds"
)

// Attention is the payload of a message of type tds.PacketAttention, the
// client's cancel signal of [MS-TDS] 2.2.1.7. It carries no data
// (2.2.3.1.1: "Packet contains data? No"), so the type has no fields: it
// gives the Attention message the Decode and Append of the other request
// messages. To send one, tds.Writer.WriteAttention writes the single
// header-only packet.
type Attention struct{}

// Decode checks the payload b of an Attention message: any byte is an
// error wrapping tds.ErrMalformed at offset 0. Context a decoder needs
// (the TDS version of SQLBatch.Decode) is none here.
func (m *Attention) Decode(b []byte) error {
	if len(b) != 0 {
		return tds.Errorf(layer, 0, tds.ErrMalformed, "Attention carries %d bytes of data; it has none", len(b))
	}
	return nil
}

// Append appends the payload of an Attention, which is empty, and
// returns dst unchanged: every Attention is encodable.
func (m Attention) Append(dst []byte) []byte { return dst }

// String returns "Attention".
func (m Attention) String() string { return "Attention" }

// Format implements fmt.Formatter: %#v prints "request.Attention{}", %+v
// "Attention{}" (it has no field), %q the quoted String, every other verb
// String.
func (m Attention) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		io.WriteString(f, "request.Attention{}")
		return
	}
	textfmt.Format(f, verb, "request.Attention", m.String(), func() string { return "Attention{}" })
}
