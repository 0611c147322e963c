package request

import (
	"encoding/binary"

	"github.com/tdswire/tdswire/tds"
)

// HeaderType is the HeaderType of one header in ALL_HEADERS,
// [MS-TDS] 2.2.5.3.
type HeaderType uint16

// The header types of [MS-TDS] 2.2.5.3.
const (
	HeaderQueryNotifications    HeaderType = 0x0001 // 2.2.5.3.1, TDS 7.2
	HeaderTransactionDescriptor HeaderType = 0x0002 // 2.2.5.3.2, TDS 7.2
	HeaderTraceActivity         HeaderType = 0x0003 // 2.2.5.3.3, TDS 7.4
)

// String returns the name [MS-TDS] 2.2.5.3 gives the header type.
func (t HeaderType) String() string {
	switch t {
	case HeaderQueryNotifications:
		return "QueryNotifications"
	case HeaderTransactionDescriptor:
		return "TransactionDescriptor"
	case HeaderTraceActivity:
		return "TraceActivity"
	}
	return "HeaderType(0x" + hex4(uint16(t)) + ")"
}

// QueryNotifications is the Query Notifications header, [MS-TDS]
// 2.2.5.3.1: the client asks for a notification when the results of the
// request change.
type QueryNotifications struct {
	// NotifyID is the user-specified NotifyId (a UNICODESTREAM whose
	// USHORT length counts bytes).
	NotifyID tds.UCS2
	// SSBDeployment is the Service Broker deployment (SSBDeployment).
	SSBDeployment tds.UCS2
	// NotifyTimeout is how long the subscription is valid, in
	// milliseconds. The field is optional on the wire; HasTimeout says
	// whether it is present.
	NotifyTimeout uint32
	HasTimeout    bool
}

// TransactionDescriptor is the Transaction Descriptor header, [MS-TDS]
// 2.2.5.3.2. In autocommit mode Descriptor MUST be 0 and
// OutstandingRequestCount MUST be 1; otherwise Descriptor is the value the
// server sent in an ENVCHANGE (2.2.7.9) when the transaction began.
type TransactionDescriptor struct {
	Descriptor              uint64 // TransactionDescriptor, ULONGLONG
	OutstandingRequestCount uint32 // OutstandingRequestCount, DWORD
}

// AutoCommit returns the Transaction Descriptor header of a request
// outside any transaction, [MS-TDS] 2.2.5.3.2: descriptor 0, one
// outstanding request.
func AutoCommit() TransactionDescriptor {
	return TransactionDescriptor{Descriptor: 0, OutstandingRequestCount: 1}
}

// TraceActivity is the Trace Activity header, [MS-TDS] 2.2.5.3.3: a client
// activity ID the server may use to correlate its traces with the client's.
// It exists from TDS 7.4.
type TraceActivity struct {
	ActivityID [16]byte // GUID_ActivityID, the 16 bytes as sent
	Sequence   uint32   // ActivitySequence
}

// AllHeaders is the ALL_HEADERS stream that starts SQLBatch, RPC Request
// and Transaction Manager Request messages from TDS 7.2 on,
// [MS-TDS] 2.2.5.3.
//
// The Transaction Descriptor header is required in all three messages, so
// it is always encoded and a decoded ALL_HEADERS without one is rejected.
// The other two headers are optional; their Has fields say whether they
// are present. After Decode the UCS2 fields are views into the input.
type AllHeaders struct {
	TransactionDescriptor TransactionDescriptor

	HasQueryNotifications bool
	QueryNotifications    QueryNotifications

	HasTraceActivity bool
	TraceActivity    TraceActivity
}

// Header sizes, [MS-TDS] 2.2.5.3: TotalLength is a DWORD; every header is
// HeaderLength (DWORD) and HeaderType (USHORT) followed by its data.
const (
	totalLenSize    = 4
	headerFixedSize = 6
	txDescDataSize  = 12 // ULONGLONG + DWORD, 2.2.5.3.2
	traceDataSize   = 20 // 16-byte GUID + ULONG, 2.2.5.3.3
)

// DecodeAllHeaders reads ALL_HEADERS at the start of b and returns it with
// the number of bytes it occupies (TotalLength). v is the negotiated TDS
// version: ALL_HEADERS exists from 7.2 (before that a request has none,
// and DecodeAllHeaders returns the zero AllHeaders and 0 without reading
// b), and the Trace Activity header from 7.4. The Query Notifications
// strings are views into b.
//
// Checked, as [MS-TDS] 2.2.5.3 requires: TotalLength covers at least one
// header and lies within b; every HeaderLength is at least 6 and the
// headers fill TotalLength exactly; each header's data has the size its
// rule gives (Query Notifications: two byte-counted UNICODESTREAMs of even
// length and an optional 4-byte timeout); no header type appears twice; the
// type is one of the three defined; a Trace Activity header is refused
// before TDS 7.4 (the server MUST reject it); the Transaction Descriptor
// header is present. Headers may come in any order.
//
// DecodeAllHeaders does not allocate.
func DecodeAllHeaders(b []byte, v tds.Version) (AllHeaders, int, error) {
	var h AllHeaders
	n, err := h.decode(b, v)
	if err != nil {
		return AllHeaders{}, 0, err
	}
	return h, n, nil
}

func (h *AllHeaders) decode(b []byte, v tds.Version) (n int, err error) {
	*h = AllHeaders{}
	if !v.AtLeast(tds.Version72) {
		return 0, nil
	}
	if len(b) < totalLenSize {
		return 0, errf(0, tds.ErrTruncated, "ALL_HEADERS TotalLength: need 4 bytes, have %d", len(b))
	}
	total := binary.LittleEndian.Uint32(b)
	if total < totalLenSize+headerFixedSize {
		return 0, errf(0, tds.ErrMalformed, "ALL_HEADERS TotalLength %d cannot hold a header (at least %d)", total, totalLenSize+headerFixedSize)
	}
	if uint64(total) > uint64(len(b)) {
		return 0, errf(0, tds.ErrTruncated, "ALL_HEADERS TotalLength %d, %d bytes present", total, len(b))
	}
	end := int(total)
	var seenTx bool
	off := totalLenSize
	for off < end {
		if end-off < headerFixedSize {
			return 0, errf(off, tds.ErrMalformed, "ALL_HEADERS: %d bytes left before TotalLength, a header needs at least %d", end-off, headerFixedSize)
		}
		hl := binary.LittleEndian.Uint32(b[off:])
		if hl < headerFixedSize {
			return 0, errf(off, tds.ErrMalformed, "HeaderLength %d is shorter than HeaderLength and HeaderType (%d)", hl, headerFixedSize)
		}
		if uint64(hl) > uint64(end-off) {
			return 0, errf(off, tds.ErrMalformed, "HeaderLength %d runs past TotalLength (%d bytes left)", hl, end-off)
		}
		typ := HeaderType(binary.LittleEndian.Uint16(b[off+4:]))
		dataOff := off + headerFixedSize
		data := b[dataOff : off+int(hl)]
		switch typ {
		case HeaderQueryNotifications:
			if h.HasQueryNotifications {
				return 0, errf(off+4, tds.ErrMalformed, "second %v header (each MUST appear at most once)", typ)
			}
			if err := h.QueryNotifications.decode(data, dataOff); err != nil {
				return 0, err
			}
			h.HasQueryNotifications = true
		case HeaderTransactionDescriptor:
			if seenTx {
				return 0, errf(off+4, tds.ErrMalformed, "second %v header (each MUST appear at most once)", typ)
			}
			if len(data) != txDescDataSize {
				return 0, errf(off, tds.ErrMalformed, "%v HeaderLength %d, want %d", typ, hl, headerFixedSize+txDescDataSize)
			}
			h.TransactionDescriptor = TransactionDescriptor{
				Descriptor:              binary.LittleEndian.Uint64(data),
				OutstandingRequestCount: binary.LittleEndian.Uint32(data[8:]),
			}
			seenTx = true
		case HeaderTraceActivity:
			if !v.AtLeast(tds.Version74) {
				return 0, errf(off+4, tds.ErrUnexpected, "%v header before TDS 7.4 (version %v); the server MUST reject it", typ, v)
			}
			if h.HasTraceActivity {
				return 0, errf(off+4, tds.ErrMalformed, "second %v header (each MUST appear at most once)", typ)
			}
			if len(data) != traceDataSize {
				return 0, errf(off, tds.ErrMalformed, "%v HeaderLength %d, want %d", typ, hl, headerFixedSize+traceDataSize)
			}
			copy(h.TraceActivity.ActivityID[:], data)
			h.TraceActivity.Sequence = binary.LittleEndian.Uint32(data[16:])
			h.HasTraceActivity = true
		default:
			return 0, errf(off+4, tds.ErrMalformed, "unknown ALL_HEADERS HeaderType 0x%04x", uint16(typ))
		}
		off += int(hl)
	}
	if !seenTx {
		return 0, errf(0, tds.ErrMalformed, "ALL_HEADERS without the required Transaction Descriptor header")
	}
	return end, nil
}

// decode reads the HeaderData of a Query Notifications header; base is
// the offset of data in the message, for errors.
func (q *QueryNotifications) decode(data []byte, base int) error {
	off := 0
	var err error
	if q.NotifyID, off, err = unicodeStream(data, off, base, "NotifyId"); err != nil {
		return err
	}
	if q.SSBDeployment, off, err = unicodeStream(data, off, base, "SSBDeployment"); err != nil {
		return err
	}
	switch len(data) - off {
	case 0:
	case 4:
		q.NotifyTimeout = binary.LittleEndian.Uint32(data[off:])
		q.HasTimeout = true
	default:
		return errf(base+off, tds.ErrMalformed, "Query Notifications: %d bytes after SSBDeployment, want 0 or 4 (NotifyTimeout)", len(data)-off)
	}
	return nil
}

// unicodeStream reads a USHORT byte count and that many bytes of UTF-16LE.
func unicodeStream(data []byte, off, base int, what string) (tds.UCS2, int, error) {
	if len(data)-off < 2 {
		return nil, 0, errf(base+off, tds.ErrMalformed, "Query Notifications %s: length runs past HeaderLength", what)
	}
	n := int(binary.LittleEndian.Uint16(data[off:]))
	if n%2 != 0 {
		return nil, 0, errf(base+off, tds.ErrMalformed, "Query Notifications %s: odd byte length %d for UTF-16", what, n)
	}
	off += 2
	if len(data)-off < n {
		return nil, 0, errf(base+off-2, tds.ErrMalformed, "Query Notifications %s: length %d runs past HeaderLength", what, n)
	}
	return tds.UCS2(data[off : off+n : off+n]), off + n, nil
}

// Append appends h as ALL_HEADERS for version v and returns the extended
// slice. Headers are written in type order (Query Notifications,
// Transaction Descriptor, Trace Activity); TotalLength and each
// HeaderLength are computed. Before TDS 7.2 requests have no ALL_HEADERS
// and Append writes nothing. It fails with tds.ErrUnexpected for a Trace
// Activity header before 7.4, and with tds.ErrTooLarge for a Query
// Notifications string longer than a USHORT byte count holds. On failure
// dst is returned unchanged.
func (h *AllHeaders) Append(dst []byte, v tds.Version) ([]byte, error) {
	if !v.AtLeast(tds.Version72) {
		return dst, nil
	}
	if h.HasTraceActivity && !v.AtLeast(tds.Version74) {
		return dst, errf(0, tds.ErrUnexpected, "Trace Activity header before TDS 7.4 (version %v)", v)
	}
	start := len(dst)
	dst = append(dst, 0, 0, 0, 0) // TotalLength, back-patched
	if h.HasQueryNotifications {
		q := &h.QueryNotifications
		if len(q.NotifyID) > 0xFFFF || len(q.SSBDeployment) > 0xFFFF {
			return dst[:start], errf(0, tds.ErrTooLarge, "Query Notifications string above 65535 bytes")
		}
		hs := len(dst)
		dst = append(dst, 0, 0, 0, 0)
		dst = binary.LittleEndian.AppendUint16(dst, uint16(HeaderQueryNotifications))
		dst = binary.LittleEndian.AppendUint16(dst, uint16(len(q.NotifyID)))
		dst = append(dst, q.NotifyID...)
		dst = binary.LittleEndian.AppendUint16(dst, uint16(len(q.SSBDeployment)))
		dst = append(dst, q.SSBDeployment...)
		if q.HasTimeout {
			dst = binary.LittleEndian.AppendUint32(dst, q.NotifyTimeout)
		}
		binary.LittleEndian.PutUint32(dst[hs:], uint32(len(dst)-hs))
	}
	dst = binary.LittleEndian.AppendUint32(dst, headerFixedSize+txDescDataSize)
	dst = binary.LittleEndian.AppendUint16(dst, uint16(HeaderTransactionDescriptor))
	dst = binary.LittleEndian.AppendUint64(dst, h.TransactionDescriptor.Descriptor)
	dst = binary.LittleEndian.AppendUint32(dst, h.TransactionDescriptor.OutstandingRequestCount)
	if h.HasTraceActivity {
		dst = binary.LittleEndian.AppendUint32(dst, headerFixedSize+traceDataSize)
		dst = binary.LittleEndian.AppendUint16(dst, uint16(HeaderTraceActivity))
		dst = append(dst, h.TraceActivity.ActivityID[:]...)
		dst = binary.LittleEndian.AppendUint32(dst, h.TraceActivity.Sequence)
	}
	binary.LittleEndian.PutUint32(dst[start:], uint32(len(dst)-start))
	return dst, nil
}

// decodeHeaders reads ALL_HEADERS from TDS 7.2 on and nothing before.
func decodeHeaders(h *AllHeaders, b []byte, v tds.Version) (int, error) {
	return h.decode(b, v)
}

func hex4(x uint16) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[x>>12], digits[x>>8&15], digits[x>>4&15], digits[x&15]})
}
