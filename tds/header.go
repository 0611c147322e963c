package tds

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"strconv"
	"strings"

	"github.com/tdswire/tdswire/internal/textfmt"
)

// HeaderLen is the size of a TDS packet header, [MS-TDS] 2.2.3.1.
const HeaderLen = 8

// Packet size limits, [MS-TDS] 2.2.3.1.3: the negotiated packet size is
// between MinPacketSize and MaxPacketSize; DefaultPacketSize is used until a
// size is negotiated.
const (
	MinPacketSize     = 512
	MaxPacketSize     = 32767
	DefaultPacketSize = 4096
)

// PacketType is the Type byte of a packet header, [MS-TDS] 2.2.3.1.1. It
// names the message the packet carries.
type PacketType uint8

// The packet types of [MS-TDS] 2.2.3.1.1. String gives the names network
// trace tools print ("TDS:Prelogin", "TDS:SQLBatch", ...).
const (
	PacketSQLBatch           PacketType = 0x01 // SQL batch, 2.2.6.7
	PacketPreTDS7Login       PacketType = 0x02 // pre-TDS7 login (obsolete)
	PacketRPC                PacketType = 0x03 // RPC request, 2.2.6.6
	PacketResponse           PacketType = 0x04 // tabular result, 2.2.4
	PacketAttention          PacketType = 0x06 // attention signal, 2.2.1.7
	PacketBulkLoad           PacketType = 0x07 // bulk load data, 2.2.6.1
	PacketFedAuthToken       PacketType = 0x08 // federated authentication token, 2.2.6.3
	PacketTransactionManager PacketType = 0x0E // transaction manager request, 2.2.6.9
	PacketLogin7             PacketType = 0x10 // TDS7 login, 2.2.6.4
	PacketSSPI               PacketType = 0x11 // SSPI, 2.2.6.8
	PacketPrelogin           PacketType = 0x12 // pre-login, 2.2.6.5
)

var packetTypeNames = [...]string{
	PacketSQLBatch:           "SQLBatch",
	PacketPreTDS7Login:       "Login",
	PacketRPC:                "RPCRequest",
	PacketResponse:           "Response",
	PacketAttention:          "Attention",
	PacketBulkLoad:           "BulkLoad",
	PacketFedAuthToken:       "FedAuthToken",
	PacketTransactionManager: "TransactionManager",
	PacketLogin7:             "Login7",
	PacketSSPI:               "SSPI",
	PacketPrelogin:           "Prelogin",
}

// String returns the trace-tool name of t, or "PacketType(0x05)" for a
// value [MS-TDS] 2.2.3.1.1 leaves unused.
func (t PacketType) String() string {
	if int(t) < len(packetTypeNames) && packetTypeNames[t] != "" {
		return packetTypeNames[t]
	}
	return "PacketType(0x" + hex2(uint8(t)) + ")"
}

// Known reports whether t is a type [MS-TDS] 2.2.3.1.1 defines. Per the
// specification a receiver SHOULD disconnect on an unknown type; the header
// decoder still decodes it so that trace tools can show it.
func (t PacketType) Known() bool {
	return int(t) < len(packetTypeNames) && packetTypeNames[t] != ""
}

// Status is the Status bit field of a packet header, [MS-TDS] 2.2.3.1.2.
type Status uint8

// The status bits of [MS-TDS] 2.2.3.1.2. Other bits are unused and MUST be
// ignored by receivers; tdswire keeps them so a decoded header re-encodes
// byte for byte.
const (
	StatusEOM                     Status = 0x01 // last packet of the message
	StatusIgnore                  Status = 0x02 // client to server: ignore this message (EOM must be set too)
	StatusResetConnection         Status = 0x08 // client to server: reset the session first (TDS 7.1)
	StatusResetConnectionSkipTran Status = 0x10 // as ResetConnection, keeping the transaction (TDS 7.3)
)

var statusNames = [...]struct {
	bit  Status
	name string
}{
	{StatusEOM, "EOM"},
	{StatusIgnore, "IGNORE"},
	{StatusResetConnection, "RESETCONNECTION"},
	{StatusResetConnectionSkipTran, "RESETCONNECTIONSKIPTRAN"},
}

// String lists the set bits joined by "|" ("EOM|RESETCONNECTION"), "Normal"
// for 0x00, and any undefined bits as hex ("EOM|0x40").
func (s Status) String() string {
	if s == 0 {
		return "Normal"
	}
	var parts []string
	for _, n := range statusNames {
		if s&n.bit != 0 {
			parts = append(parts, n.name)
			s &^= n.bit
		}
	}
	if s != 0 {
		parts = append(parts, "0x"+hex2(uint8(s)))
	}
	return strings.Join(parts, "|")
}

// Header is the 8-byte header that starts every TDS packet,
// [MS-TDS] 2.2.3.1. Length counts the whole packet, header included; SPID
// and Length are big-endian on the wire.
type Header struct {
	Type     PacketType // 2.2.3.1.1
	Status   Status     // 2.2.3.1.2
	Length   uint16     // 2.2.3.1.3: packet length including this header
	SPID     uint16     // 2.2.3.1.4: server process ID (0 from clients)
	PacketID uint8      // 2.2.3.1.5: packet number, modulo 256
	Window   uint8      // 2.2.3.1.6: unused, SHOULD be 0
}

// Decode reads a header from the first HeaderLen bytes of b into h. It
// fails if b is shorter than HeaderLen or Length is below HeaderLen (a
// packet cannot be shorter than its own header). It does not check Length
// against a negotiated packet size; Reader does that. Decode does not
// allocate on success.
func (h *Header) Decode(b []byte) error {
	// The checks are here and the error construction in headerError, so
	// that the success path does no more than compare and store.
	if len(b) >= HeaderLen {
		if n := uint16(b[2])<<8 | uint16(b[3]); n >= HeaderLen {
			h.Type, h.Status, h.Length = PacketType(b[0]), Status(b[1]), n
			h.SPID, h.PacketID, h.Window = uint16(b[4])<<8|uint16(b[5]), b[6], b[7]
			return nil
		}
	}
	return headerError(b)
}

// headerError says why Decode refused b.
func headerError(b []byte) error {
	if len(b) < HeaderLen {
		return Errorf(LayerHeader, len(b), ErrTruncated, "need %d header bytes, have %d", HeaderLen, len(b))
	}
	n := uint16(b[2])<<8 | uint16(b[3])
	return Errorf(LayerHeader, 2, ErrMalformed, "Length %d is shorter than the %d-byte header", n, HeaderLen)
}

// Append appends the 8-byte wire form of h to dst and returns the extended
// slice. It writes the fields as they are; Writer computes Length,
// Status and PacketID for whole messages.
func (h Header) Append(dst []byte) []byte {
	// One 8-byte word stored once, built from four 16-bit pieces: Type
	// and Status, and PacketID and Window, each load as one 16-bit value
	// (adjacent bytes of h), and Length and SPID, big-endian on the wire,
	// are byte-swapped with one rotate each. (A big-endian word built
	// from six fields took six loads and eleven shifts and ors.)
	return binary.LittleEndian.AppendUint64(dst, uint64(uint16(h.Type)|uint16(h.Status)<<8)|
		uint64(bits.ReverseBytes16(h.Length))<<16|uint64(bits.ReverseBytes16(h.SPID))<<32|
		uint64(uint16(h.PacketID)|uint16(h.Window)<<8)<<48)
}

// String formats h as trace tools do:
// "Prelogin, SPID = 0, PacketID = 1, Status = EOM, Length = 58".
func (h Header) String() string {
	return h.Type.String() +
		", SPID = " + strconv.Itoa(int(h.SPID)) +
		", PacketID = " + strconv.Itoa(int(h.PacketID)) +
		", Status = " + h.Status.String() +
		", Length = " + strconv.Itoa(int(h.Length))
}

// Format implements fmt.Formatter: %v and %s print String, %+v names the
// fields ("Header{Type=Prelogin Status=EOM Length=58 SPID=0 PacketID=1
// Window=0}"), %q the quoted String.
func (h Header) Format(f fmt.State, verb rune) {
	textfmt.Format(f, verb, "tds.Header", h.String(), func() string { return textfmt.Fields("Header", h) })
}

func hex2(b uint8) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[b>>4], digits[b&15]})
}
