package request

import (
	"github.com/tdswire/tdswire/tds"
)

// SQLBatch is the SQL Batch message, [MS-TDS] 2.2.6.7 (packet type
// tds.PacketSQLBatch): ALL_HEADERS (from TDS 7.2) followed by the text of
// the batch as UTF-16LE (SQLText, a UNICODESTREAM that runs to the end of
// the message).
//
// After Decode, SQLText and the UCS2 fields of Headers are views into the
// decoded buffer, valid while the caller keeps it unchanged.
//
// The EnclavePackage that 2.2.6.7 allows between ALL_HEADERS and SQLText
// is sent only when enclave computations were negotiated; nothing in the
// bytes tells it from SQL text, and this package does not decode it.
type SQLBatch struct {
	Headers AllHeaders // absent on the wire before TDS 7.2
	SQLText tds.UCS2
}

// Decode reads a whole SQL Batch message payload (the data of all its
// packets, without packet headers) from b into m, for the negotiated
// version v. It checks ALL_HEADERS (see DecodeAllHeaders) and that
// SQLText holds whole UTF-16 code units (an even number of bytes). An
// empty SQLText is accepted and decoded as nil. Decode does not allocate.
func (m *SQLBatch) Decode(b []byte, v tds.Version) error {
	n, err := decodeHeaders(&m.Headers, b, v)
	if err != nil {
		m.SQLText = nil
		return err
	}
	text := b[n:]
	if len(text)%2 != 0 {
		m.SQLText = nil
		return errf(len(b)-1, tds.ErrMalformed, "SQLText has an odd number of bytes (%d); UTF-16 needs pairs", len(text))
	}
	m.SQLText = nil // an empty SQLText is nil, whatever b was
	if len(text) > 0 {
		m.SQLText = tds.UCS2(text[:len(text):len(text)])
	}
	return nil
}

// Append appends m as a SQL Batch message payload for version v
// (ALL_HEADERS from 7.2 on, then SQLText as it is) and returns the
// extended slice. To send a Go string without converting it first, append
// the same two parts: m.Headers.Append(dst, v), then tds.AppendUCS2. Send it with tds.Writer.WriteMessage(tds.PacketSQLBatch,
// ...). Errors are those of AllHeaders.Append; on failure dst is returned
// unchanged.
func (m *SQLBatch) Append(dst []byte, v tds.Version) ([]byte, error) {
	start := len(dst)
	dst, err := m.Headers.Append(dst, v)
	if err != nil {
		return dst[:start], err
	}
	return append(dst, m.SQLText...), nil
}
