package login7

import "github.com/tdswire/tdswire/tds"

// SSPIMessage is the SSPI message, [MS-TDS] 2.2.6.8: the body of a packet
// of type 0x11 that carries the client's next SSPI (SPNEGO, NTLM or
// Kerberos) token after LOGIN7 during integrated authentication.
//
// The stream definition is "SSPI = SSPIData" with "SSPIData =
// BYTESTREAM": the message body is the raw token and its length is the
// message length. The parameter table's remark that SSPIData uses the
// US_VARCHAR format does not match that grammar nor the example in
// section 4.11, whose body starts directly with "NTLMSSP\0"; tdswire
// follows the grammar and the example and adds no length prefix.
type SSPIMessage struct {
	// Data is the SSPI token; after Decode a view into the input.
	Data []byte
}

// Decode sets m.Data to b, the whole message body (packet headers
// removed). An empty body is an *tds.Error (ErrTruncated): an SSPI message
// always carries a token. Decode does not allocate.
func (m *SSPIMessage) Decode(b []byte) error {
	if len(b) == 0 {
		return tds.Errorf(layer, 0, tds.ErrTruncated, "SSPI message has no SSPIData")
	}
	m.Data = b[:len(b):len(b)]
	return nil
}

// Append appends the message body, the raw token, to dst.
func (m SSPIMessage) Append(dst []byte) []byte { return append(dst, m.Data...) }
