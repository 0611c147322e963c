package request

import "github.com/tdswire/tdswire/tds"

// DecodeAttention checks the payload of a message of type
// tds.PacketAttention, the client's cancel signal of [MS-TDS] 2.2.1.7. The
// attention packet carries no data (2.2.3.1.1: "Packet contains data? No"),
// so any payload is an error wrapping tds.ErrMalformed at offset 0. To send
// one, use tds.Writer.WriteAttention.
func DecodeAttention(payload []byte) error {
	if len(payload) != 0 {
		return tds.Errorf(layer, 0, tds.ErrMalformed, "Attention carries %d bytes of data; it has none", len(payload))
	}
	return nil
}
