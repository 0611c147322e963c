package request

import (
	"encoding/binary"
	"strconv"

	"github.com/tdswire/tdswire/tds"
)

// TMRequestType is the RequestType of a Transaction Manager Request,
// [MS-TDS] 2.2.6.9.
type TMRequestType uint16

// The request types of [MS-TDS] 2.2.6.9. Types 5 to 9 exist from TDS 7.2.
const (
	TMGetDTCAddress TMRequestType = 0 // TM_GET_DTC_ADDRESS
	TMPropagateXact TMRequestType = 1 // TM_PROPAGATE_XACT
	TMBeginXact     TMRequestType = 5 // TM_BEGIN_XACT
	TMPromoteXact   TMRequestType = 6 // TM_PROMOTE_XACT
	TMCommitXact    TMRequestType = 7 // TM_COMMIT_XACT
	TMRollbackXact  TMRequestType = 8 // TM_ROLLBACK_XACT
	TMSaveXact      TMRequestType = 9 // TM_SAVE_XACT
)

// String returns the name [MS-TDS] 2.2.6.9 gives t.
func (t TMRequestType) String() string {
	switch t {
	case TMGetDTCAddress:
		return "TM_GET_DTC_ADDRESS"
	case TMPropagateXact:
		return "TM_PROPAGATE_XACT"
	case TMBeginXact:
		return "TM_BEGIN_XACT"
	case TMPromoteXact:
		return "TM_PROMOTE_XACT"
	case TMCommitXact:
		return "TM_COMMIT_XACT"
	case TMRollbackXact:
		return "TM_ROLLBACK_XACT"
	case TMSaveXact:
		return "TM_SAVE_XACT"
	}
	return "TMRequestType(" + strconv.Itoa(int(t)) + ")"
}

// Known reports whether t is a request type [MS-TDS] 2.2.6.9 defines.
func (t TMRequestType) Known() bool {
	return t == TMGetDTCAddress || t == TMPropagateXact || (t >= TMBeginXact && t <= TMSaveXact)
}

// IsolationLevel is the ISOLATION_LEVEL of a Transaction Manager Request,
// [MS-TDS] 2.2.6.9.
type IsolationLevel uint8

// The isolation levels of [MS-TDS] 2.2.6.9; no other value is allowed.
const (
	IsolationUnchanged       IsolationLevel = 0x00 // no change requested
	IsolationReadUncommitted IsolationLevel = 0x01
	IsolationReadCommitted   IsolationLevel = 0x02
	IsolationRepeatableRead  IsolationLevel = 0x03
	IsolationSerializable    IsolationLevel = 0x04
	IsolationSnapshot        IsolationLevel = 0x05
)

// XactFlags is the XACT_FLAGS byte of TM_COMMIT_XACT and TM_ROLLBACK_XACT,
// [MS-TDS] 2.2.6.9. Reserved bits are kept as received.
type XactFlags uint8

// XactBegin is fBeginXact: start a new local transaction after the commit
// or rollback.
const XactBegin XactFlags = 0x01

// TransMgrReq is the Transaction Manager Request message, [MS-TDS]
// 2.2.6.9 (packet type tds.PacketTransactionManager): ALL_HEADERS (no
// Query Notifications header allowed), RequestType and its payload.
// Which fields are used depends on Type:
//
//   - TMGetDTCAddress: Data, a US_VARBYTE that SHOULD be empty; NoPayload
//     records that it was left out altogether (leniency: the grammar's
//     RequestPayload is optional).
//   - TMPropagateXact: Data, the opaque DTC buffer (US_VARBYTE).
//   - TMBeginXact: Isolation and Name (BEGIN_XACT_NAME, B_VARBYTE).
//   - TMPromoteXact: nothing.
//   - TMCommitXact, TMRollbackXact: Name (XACT_NAME), Flags, and when
//     HasBegin is set Isolation and BeginName (BEGIN_XACT_NAME). These
//     two SHOULD be present only with XactBegin; both ways are accepted.
//   - TMSaveXact: Name (XACT_SAVEPOINT_NAME), which MUST be nonempty.
//
// Names are B_VARBYTE: bytes, not characters (clients commonly send
// UTF-16LE text). After Decode, Data, Name and BeginName are views into
// the input.
type TransMgrReq struct {
	Headers   AllHeaders
	Type      TMRequestType
	Data      []byte
	NoPayload bool
	Isolation IsolationLevel
	Name      []byte
	Flags     XactFlags
	HasBegin  bool
	BeginName []byte
}

// Decode reads a whole Transaction Manager Request payload from b into m
// for the negotiated version v. From TDS 7.2 the payload starts with
// ALL_HEADERS; before 7.2 it has no headers and only types 0 and 1 exist.
//
// Checked: ALL_HEADERS (see DecodeAllHeaders) without a Query
// Notifications header; RequestType is one the specification defines (an
// unknown type SHOULD make the receiver disconnect) and, for types 5 to
// 9, the version is at least 7.2; every length against the bytes present;
// ISOLATION_LEVEL is 0 to 5; a TM_SAVE_XACT name is nonempty; nothing
// follows the payload. Decode does not allocate.
func (m *TransMgrReq) Decode(b []byte, v tds.Version) error {
	*m = TransMgrReq{}
	off, err := decodeHeaders(&m.Headers, b, v)
	if err != nil {
		return err
	}
	if m.Headers.HasQueryNotifications {
		return errf(0, tds.ErrMalformed, "Query Notifications header is disallowed in a Transaction Manager Request")
	}
	if len(b)-off < 2 {
		return errf(off, tds.ErrTruncated, "RequestType: need 2 bytes, have %d", len(b)-off)
	}
	m.Type = TMRequestType(binary.LittleEndian.Uint16(b[off:]))
	if !m.Type.Known() {
		return errf(off, tds.ErrMalformed, "unknown RequestType %d", uint16(m.Type))
	}
	if m.Type >= TMBeginXact && !v.AtLeast(tds.Version72) {
		return errf(off, tds.ErrUnexpected, "%v before TDS 7.2 (version %v)", m.Type, v)
	}
	off += 2
	switch m.Type {
	case TMGetDTCAddress, TMPropagateXact:
		if off == len(b) && m.Type == TMGetDTCAddress {
			m.NoPayload = true
			break
		}
		if m.Data, off, err = usVarbyte(b, off, "RequestPayload"); err != nil {
			return err
		}
	case TMBeginXact:
		if m.Isolation, off, err = isolation(b, off); err != nil {
			return err
		}
		if m.Name, off, err = bVarbyte(b, off, "BEGIN_XACT_NAME"); err != nil {
			return err
		}
	case TMPromoteXact:
	case TMCommitXact, TMRollbackXact:
		if m.Name, off, err = bVarbyte(b, off, "XACT_NAME"); err != nil {
			return err
		}
		if off >= len(b) {
			return errf(off, tds.ErrTruncated, "missing XACT_FLAGS")
		}
		m.Flags = XactFlags(b[off])
		off++
		if off < len(b) {
			m.HasBegin = true
			if m.Isolation, off, err = isolation(b, off); err != nil {
				return err
			}
			if m.BeginName, off, err = bVarbyte(b, off, "BEGIN_XACT_NAME"); err != nil {
				return err
			}
		}
	case TMSaveXact:
		nameOff := off
		if m.Name, off, err = bVarbyte(b, off, "XACT_SAVEPOINT_NAME"); err != nil {
			return err
		}
		if len(m.Name) == 0 {
			return errf(nameOff, tds.ErrMalformed, "TM_SAVE_XACT MUST name the savepoint")
		}
	}
	if off != len(b) {
		return errf(off, tds.ErrMalformed, "%d bytes after the %v payload", len(b)-off, m.Type)
	}
	return nil
}

// Append appends m as a Transaction Manager Request payload for version v
// and returns the extended slice: ALL_HEADERS from TDS 7.2 on (nothing
// before), RequestType, and the fields Type uses (see TransMgrReq). It
// refuses, with dst unchanged: types 5 to 9 before 7.2 (tds.ErrUnexpected),
// a Query Notifications header, an unknown type, an isolation level above
// 5, an empty TM_SAVE_XACT name (tds.ErrMalformed), and a payload longer
// than its length prefix holds (tds.ErrTooLarge).
func (m *TransMgrReq) Append(dst []byte, v tds.Version) ([]byte, error) {
	start := len(dst)
	if m.Type >= TMBeginXact && !v.AtLeast(tds.Version72) {
		return dst, errf(0, tds.ErrUnexpected, "%v before TDS 7.2 (version %v)", m.Type, v)
	}
	if m.Headers.HasQueryNotifications {
		return dst, errf(0, tds.ErrMalformed, "Query Notifications header is disallowed in a Transaction Manager Request")
	}
	if !m.Type.Known() {
		return dst, errf(0, tds.ErrMalformed, "unknown RequestType %d", uint16(m.Type))
	}
	if m.Isolation > IsolationSnapshot {
		return dst, errf(0, tds.ErrMalformed, "ISOLATION_LEVEL %d is not 0 to 5", m.Isolation)
	}
	if m.Type == TMSaveXact && len(m.Name) == 0 {
		return dst, errf(0, tds.ErrMalformed, "TM_SAVE_XACT MUST name the savepoint")
	}
	if len(m.Data) > 0xFFFF || len(m.Name) > 0xFF || len(m.BeginName) > 0xFF {
		return dst, errf(0, tds.ErrTooLarge, "payload field longer than its length prefix holds")
	}
	dst, err := m.Headers.Append(dst, v)
	if err != nil {
		return dst[:start], err
	}
	dst = binary.LittleEndian.AppendUint16(dst, uint16(m.Type))
	switch m.Type {
	case TMGetDTCAddress, TMPropagateXact:
		if m.NoPayload && m.Type == TMGetDTCAddress {
			break
		}
		dst = binary.LittleEndian.AppendUint16(dst, uint16(len(m.Data)))
		dst = append(dst, m.Data...)
	case TMBeginXact:
		dst = append(dst, byte(m.Isolation), byte(len(m.Name)))
		dst = append(dst, m.Name...)
	case TMCommitXact, TMRollbackXact:
		dst = append(dst, byte(len(m.Name)))
		dst = append(dst, m.Name...)
		dst = append(dst, byte(m.Flags))
		if m.HasBegin {
			dst = append(dst, byte(m.Isolation), byte(len(m.BeginName)))
			dst = append(dst, m.BeginName...)
		}
	case TMSaveXact:
		dst = append(dst, byte(len(m.Name)))
		dst = append(dst, m.Name...)
	}
	return dst, nil
}

func isolation(b []byte, off int) (IsolationLevel, int, error) {
	if off >= len(b) {
		return 0, 0, errf(off, tds.ErrTruncated, "missing ISOLATION_LEVEL")
	}
	l := IsolationLevel(b[off])
	if l > IsolationSnapshot {
		return 0, 0, errf(off, tds.ErrMalformed, "ISOLATION_LEVEL %d is not 0 to 5", l)
	}
	return l, off + 1, nil
}

func bVarbyte(b []byte, off int, what string) ([]byte, int, error) {
	if off >= len(b) {
		return nil, 0, errf(off, tds.ErrTruncated, "%s: missing B_VARBYTE length", what)
	}
	n := int(b[off])
	if len(b)-off-1 < n {
		return nil, 0, errf(off, tds.ErrTruncated, "%s: B_VARBYTE of %d bytes, %d present", what, n, len(b)-off-1)
	}
	return b[off+1 : off+1+n : off+1+n], off + 1 + n, nil
}

func usVarbyte(b []byte, off int, what string) ([]byte, int, error) {
	if len(b)-off < 2 {
		return nil, 0, errf(off, tds.ErrTruncated, "%s: missing US_VARBYTE length", what)
	}
	n := int(binary.LittleEndian.Uint16(b[off:]))
	if len(b)-off-2 < n {
		return nil, 0, errf(off, tds.ErrTruncated, "%s: US_VARBYTE of %d bytes, %d present", what, n, len(b)-off-2)
	}
	return b[off+2 : off+2+n : off+2+n], off + 2 + n, nil
}
