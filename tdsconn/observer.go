package tdsconn

import (
	"errors"
	"fmt"
	"io"
	"iter"

	"github.com/tdswire/tdswire/login7"
	"github.com/tdswire/tdswire/prelogin"
	"github.com/tdswire/tdswire/smp"
	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tokens"
)

// Direction says which peer sent a run of bytes.
type Direction uint8

const (
	// ClientToServer is the client's direction: PRELOGIN, LOGIN7, SSPI,
	// requests and attention.
	ClientToServer Direction = iota
	// ServerToClient is the server's direction: the PRELOGIN answer, the
	// login response and the responses to requests.
	ServerToClient
)

// String returns "client" or "server", the sender.
func (d Direction) String() string {
	switch d {
	case ClientToServer:
		return "client"
	case ServerToClient:
		return "server"
	}
	return fmt.Sprintf("Direction(%d)", uint8(d))
}

// Phase is where a conversation stands in the connection flow of
// [MS-TDS] 3.2.5 (the client's states) and 3.3.5 (the server's).
type Phase uint8

const (
	// PhaseStart: nothing seen yet. A PRELOGIN, a LOGIN7 without
	// PRELOGIN (older clients with encryption off) or a TLS ClientHello
	// (TDS 8.0 strict, 3.3.5.1) comes next.
	PhaseStart Phase = iota
	// PhasePrelogin: the client's PRELOGIN was seen; the server's
	// answer is awaited (2.2.6.5).
	PhasePrelogin
	// PhaseTLSHandshake: the TLS handshake runs, inside PRELOGIN
	// packets in TDS 7.x (2.2.6.5, 3.2.5.2) or directly on the
	// transport in TDS 8.0 strict (2.1).
	PhaseTLSHandshake
	// PhaseLogin: LOGIN7 (2.2.6.4) and the SSPI rounds (2.2.6.8,
	// 2.2.7.22) until the server's login response ends them.
	PhaseLogin
	// PhaseLoggedIn: the server acknowledged the login (LOGINACK,
	// 2.2.7.14); requests and responses follow.
	PhaseLoggedIn
	// PhaseFailed: the server refused the login (an ERROR token without
	// LOGINACK, 2.2.7.10); it closes the connection.
	PhaseFailed
	// PhaseEncrypted: everything is TLS application data (TDS 8.0
	// strict after its handshake, or TDS 7.x with the entire connection
	// encrypted after the login): the observer cannot tell the messages
	// apart and does not guess.
	PhaseEncrypted
	// PhaseConnect: dialling the transport (errors of Dial only).
	PhaseConnect
	// PhaseSSPI: the SSPI rounds of an integrated login (2.2.6.8,
	// 2.2.7.22), as the client and server roles report their errors.
	PhaseSSPI
	// PhaseMARS: the start and use of SMP sessions ([MC-SMP]).
	PhaseMARS
)

var phaseNames = [...]string{"start", "prelogin", "tls handshake", "login", "logged in", "login failed", "encrypted", "connect", "sspi", "mars"}

// String names the phase ("prelogin", "login", ...).
func (p Phase) String() string {
	if int(p) < len(phaseNames) {
		return phaseNames[p]
	}
	return fmt.Sprintf("Phase(%d)", uint8(p))
}

// Unit is what the bytes of one Event were on the wire.
type Unit uint8

const (
	// UnitPacket is a TDS packet ([MS-TDS] 2.2.3), possibly carried in
	// an SMP DATA packet ([MC-SMP] 2.2.4).
	UnitPacket Unit = iota + 1
	// UnitSMP is an SMP control packet (SYN, ACK or FIN, [MC-SMP]
	// 2.2.1), or an SMP DATA packet whose data is not a TDS packet
	// (Event.Err says so).
	UnitSMP
	// UnitTLS is one TLS record on the transport, outside any TDS
	// packet: after the TDS 7.x handshake, or from the first byte in
	// TDS 8.0 strict.
	UnitTLS
)

// Kind says what message an Event completes.
type Kind uint8

const (
	// KindNone: the unit does not complete a message (a packet of a
	// message still arriving, an SMP control packet).
	KindNone Kind = iota
	// KindPreloginRequest is the client's PRELOGIN, [MS-TDS] 2.2.6.5.
	KindPreloginRequest
	// KindPreloginResponse is the server's PRELOGIN answer, sent in a
	// tabular-result packet (0x04), 2.2.6.5.
	KindPreloginResponse
	// KindTLSHandshake is TLS records that are not application data
	// (handshake, ChangeCipherSpec, alert): inside PRELOGIN packets
	// (TDS 7.x, 3.2.5.2; some servers use tabular-result packets) or on
	// the transport.
	KindTLSHandshake
	// KindEncrypted is TLS application data. Event.Phase says which
	// step of the flow it belongs to as far as the flow tells (PhaseLogin
	// for LOGIN7 inside TLS and the server's answer to it,
	// PhaseEncrypted when nothing more can be known); what it holds is
	// not visible.
	KindEncrypted
	// KindLogin7 is LOGIN7, 2.2.6.4; Event.Login holds it decoded.
	KindLogin7
	// KindSSPI is an SSPI message from the client (packet type 0x11,
	// 2.2.6.8); Event.SSPI is its token, Event.Round its number.
	KindSSPI
	// KindLoginResponse is a server message answering LOGIN7 or SSPI
	// (2.2.7.14, 2.2.7.22, 3.3.5.4): an SSPI token continues the
	// exchange, LOGINACK ends it with success, an ERROR without LOGINACK
	// with failure.
	KindLoginResponse
	// KindSQLBatch is a SQL batch request, 2.2.6.7.
	KindSQLBatch
	// KindRPC is an RPC request, 2.2.6.6.
	KindRPC
	// KindTransactionManager is a transaction manager request, 2.2.6.9.
	KindTransactionManager
	// KindBulkLoad is bulk load data, 2.2.6.1.
	KindBulkLoad
	// KindAttention is an attention signal, 2.2.1.7 and 3.2.5.4.
	KindAttention
	// KindResponse is a tabular result after the login, 2.2.4;
	// Event.AttentionAck says whether it acknowledges an attention.
	KindResponse
	// KindFedAuthToken is a federated authentication token, 2.2.6.3.
	KindFedAuthToken
	// KindPreTDS7Login is a pre-TDS 7 login (packet type 0x02), which
	// this library does not decode.
	KindPreTDS7Login
	// KindUnexpected is a message of a type this side does not send
	// (for example a tabular result from the client); Event.Err says
	// why.
	KindUnexpected
)

var kindNames = [...]string{"none", "PRELOGIN request", "PRELOGIN response", "TLS handshake", "encrypted", "LOGIN7",
	"SSPI", "login response", "SQL batch", "RPC", "transaction manager", "bulk load", "attention", "response",
	"federated authentication token", "pre-TDS 7 login", "unexpected"}

// String names the kind ("LOGIN7", "login response", ...).
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// IsRequest reports whether k is a client request after the login:
// SQL batch, RPC, transaction manager, bulk load or attention.
func (k Kind) IsRequest() bool {
	return k >= KindSQLBatch && k <= KindAttention
}

// TLS record content types, RFC 8446 5.1 (RFC 5246 6.2.1).
const (
	TLSChangeCipherSpec = 20
	TLSAlert            = 21
	TLSHandshake        = 22
	TLSApplicationData  = 23
)

// TLSRecord is one TLS record (RFC 8446 5.1) seen by an Observer. Body is
// a view of the fed bytes or of the Observer's buffer, valid until the
// iteration that yielded it moves on.
type TLSRecord struct {
	ContentType uint8  // TLSHandshake, TLSApplicationData, ...
	Version     uint16 // legacy_record_version: 0x0301 to 0x0303
	Body        []byte // the record's fragment
	// Protected is true when the sender had sent a ChangeCipherSpec
	// before this record: its body is encrypted even if the content
	// type says handshake or alert. Application data is always
	// encrypted.
	Protected bool
}

// IsTLSRecord reports whether b starts with a TLS record header: a
// content type of 20 to 23 and a protocol version of 3.x (SSL 3.0 to TLS
// 1.3). No TDS packet type takes the values 20 to 23 ([MS-TDS]
// 2.2.3.1.1), so a stream position that starts so holds TLS, not TDS.
func IsTLSRecord(b []byte) bool {
	return len(b) >= 5 && b[0] >= TLSChangeCipherSpec && b[0] <= TLSApplicationData && b[1] == 3 && b[2] <= 4
}

// tlsState follows one direction of TLS far enough to tell clear
// handshake records from protected ones.
type tlsState struct{ changedCipher bool }

// appendTLSRecords appends the complete TLS records at the front of b to
// dst and returns them with the number of bytes they take; st, when not
// nil, carries the ChangeCipherSpec state across calls.
func appendTLSRecords(dst []TLSRecord, b []byte, st *tlsState) ([]TLSRecord, int) {
	n := 0
	for len(b)-n >= 5 && IsTLSRecord(b[n:]) {
		l := int(b[n+3])<<8 | int(b[n+4])
		if len(b)-n-5 < l {
			break
		}
		r := TLSRecord{ContentType: b[n], Version: uint16(b[n+1])<<8 | uint16(b[n+2]), Body: b[n+5 : n+5+l : n+5+l]}
		r.Protected = st.changedCipher || r.ContentType == TLSApplicationData
		if r.ContentType == TLSChangeCipherSpec {
			st.changedCipher = true
		}
		dst = append(dst, r)
		n += 5 + l
	}
	return dst, n
}

// Event is one unit of a conversation as an Observer explains it: a TDS
// packet, an SMP control packet or a TLS record, and, on the unit that
// completes a message, what the message is.
//
// An Event and every slice and pointer in it are owned by the Observer
// and valid until the iteration that yielded it moves on; views (Payload, SSPI,
// the UCS-2 fields of Login, LoginAck and LoginError) point into the fed
// bytes or the Observer's buffers.
type Event struct {
	Dir    Direction
	Phase  Phase // the phase the unit belongs to
	Unit   Unit
	Offset int64 // offset in Dir's stream of the unit's first byte
	Len    int   // bytes of the unit on the wire (with the SMP header for SMP units)

	Header tds.Header // UnitPacket: the TDS packet header
	First  bool       // UnitPacket: the first packet of its message
	InSMP  bool       // the unit travelled in an SMP packet (UnitSMP, or UnitPacket inside SMP DATA)
	SMP    smp.Header // when InSMP: the SMP header (for a packet: of the DATA packet that completed it)

	// TLS holds the TLS records completed by this unit: for UnitTLS the
	// record itself; for a PRELOGIN packet of the TDS 7.x handshake the
	// records whose last byte it carried (none when a record spans
	// several packets and this one does not end it).
	TLS []TLSRecord

	// Kind is set on the unit that completes a message (KindTLSHandshake
	// and KindEncrypted on every TLS unit); KindNone otherwise.
	Kind Kind
	// Payload is the message: the payloads of its packets joined
	// ([MS-TDS] 2.2.3), without packet headers.
	Payload []byte
	// Version is the TDS version to decode Payload with: the one
	// LOGINACK chose, else the one LOGIN7 asked for, else 7.4.
	Version tds.Version

	Prelogin *prelogin.Message // KindPreloginRequest, KindPreloginResponse
	Login    *login7.Login7    // KindLogin7 (passwords stay obfuscated; it never prints them)
	// SSPI is the SSPI token: of LOGIN7 (KindLogin7, when integrated
	// security is on), of the client's SSPI message (KindSSPI) or of the
	// server's SSPI token (KindLoginResponse).
	SSPI []byte
	// Round counts the SSPI tokens of Dir: LOGIN7's token is the client's
	// round 1 and its first SSPI message round 2; the server's first
	// SSPI token is its round 1. Zero when the message has no token.
	Round int
	// LoginAck is the LOGINACK of a login response that ends the login
	// with success, LoginError the first ERROR of one that ends it with
	// failure.
	LoginAck   *tokens.LoginAck
	LoginError *tokens.Message
	// PacketSize is the packet size a login response's ENVCHANGE
	// ([MS-TDS] 2.2.7.9, type 4) sets; zero when it sets none.
	PacketSize int
	// AttentionAck reports a KindResponse that carries a DONE with
	// DONE_ATTN (2.2.7.6), acknowledging the client's attention.
	AttentionAck bool
	// Err says what in this unit could not be decoded (a malformed
	// PRELOGIN, LOGIN7 or token stream, SMP DATA without a TDS packet).
	// The Observer goes on; errors that stop a direction are returned
	// by Events instead.
	Err error
}

// Encryption is what TLS covers in a conversation, as far as an Observer
// has seen.
type Encryption uint8

const (
	// EncryptionUnknown: the PRELOGIN exchange was not seen.
	EncryptionUnknown Encryption = iota
	// EncryptionNone: PRELOGIN agreed on no encryption ([MS-TDS]
	// 2.2.6.5).
	EncryptionNone
	// EncryptionLoginOnly: TLS protects LOGIN7 only; the rest travels in
	// clear.
	EncryptionLoginOnly
	// EncryptionFull: TLS protects everything after PRELOGIN.
	EncryptionFull
	// EncryptionStrict: TDS 8.0 strict, TLS from the first byte ([MS-TDS]
	// 2.1, 3.3.5.1).
	EncryptionStrict
)

var encryptionNames = [...]string{"unknown", "none", "login only", "entire connection", "strict (TDS 8.0)"}

// String names the encryption ("login only", ...).
func (e Encryption) String() string {
	if int(e) < len(encryptionNames) {
		return encryptionNames[e]
	}
	return fmt.Sprintf("Encryption(%d)", uint8(e))
}

// ErrObserver is the class of the errors that stop an Observer's
// direction; they are *ObserverError values, which also match the
// tds sentinel (tds.ErrMalformed, tds.ErrTooLarge) that says why.
var ErrObserver = errors.New("tdsconn: observer")

// ObserverError says why an Observer stopped decoding one direction of a
// conversation: at which offset of that direction's stream, in which
// phase, and the class of the failure (tds.ErrMalformed for bytes that
// are neither TDS, SMP nor TLS, tds.ErrTooLarge past the memory limits).
type ObserverError struct {
	Dir    Direction
	Phase  Phase
	Offset int64
	Msg    string
	Err    error
}

// Error formats e as "tdsconn observer: client, phase login, at offset N:
// message: class".
func (e *ObserverError) Error() string {
	return fmt.Sprintf("tdsconn observer: %v, phase %v, at offset %d: %s: %v", e.Dir, e.Phase, e.Offset, e.Msg, e.Err)
}

// Unwrap returns ErrObserver and the class of the failure.
func (e *ObserverError) Unwrap() []error { return []error{ErrObserver, e.Err} }

// stream assembles the TDS packets of one direction, or of one MARS
// session of it, into messages.
type stream struct {
	pkt     []byte // SMP sessions only: bytes of TDS packets not yet decoded, from pktAt
	pktAt   int
	msg     []byte // payloads of the message in progress
	inMsg   bool
	done    bool   // msg holds a message already given out: reset it before use
	tlsBuf  []byte // TLS records carried in PRELOGIN packets, not yet complete
	tlsUsed int    // bytes at the front of tlsBuf given out in the last event
	tls     tlsState
}

func (st *stream) held() int { return len(st.pkt) - st.pktAt + len(st.msg) + len(st.tlsBuf) }

// half is one direction of the conversation.
type half struct {
	off     int64  // stream offset of the next byte to decode
	carry   []byte // fed bytes of a unit not yet complete
	carryAt int    // bytes at the front of carry already decoded
	main    stream
	smp     map[uint16]*stream
	tls     tlsState // raw TLS on the transport
	held    int      // bytes held in the streams' buffers
	err     error
	// SMP DATA being split into TDS packets: its session's stream and
	// header, and where the unit started.
	smpSt  *stream
	smpHdr smp.Header
	smpAt  int64
	smpLen int
}

// Observer follows one TDS conversation passively: it is fed the bytes of
// both directions, as a tracer reads them from a capture or a proxy
// relays them, and says what each unit and message is: PRELOGIN request
// and response, the TLS handshake inside PRELOGIN packets, LOGIN7 (in
// clear or inside TLS), the SSPI rounds, the login response, requests,
// responses, attention and its acknowledgement, the packet size the login
// sets, the switch to SMP (MARS, [MC-SMP]) with one message stream per
// session, and TDS 8.0 strict encryption. Where the traffic is encrypted
// it says so (KindEncrypted) rather than guessing what it holds.
//
// Use: range over Events with each run of bytes of one direction, in
// order. The directions may be fed in any interleaving (the order of a
// capture); each must be fed in order, with no bytes missing.
//
//	var o tdsconn.Observer
//	for ev, err := range o.Events(tdsconn.ClientToServer, segment) {
//		if err != nil { ... } // this direction cannot be followed further
//		fmt.Println(ev.Dir, ev.Phase, ev.Kind)
//	}
//
// Memory is bounded: the Observer holds at most one unit's bytes per
// direction (a TDS packet is at most 65535 bytes, an SMP packet or a
// partial message at most the maximum message size) and, per direction,
// at most twice the maximum message size (tds.DefaultMaxMessageSize
// unless SetMaxMessageSize says otherwise) in partial messages of all
// its MARS sessions. Past them, or on bytes that are neither TDS, SMP
// nor TLS, Events yields an *ObserverError (class tds.ErrTooLarge or
// tds.ErrMalformed) naming the phase, once, and the direction is not
// decoded further. Decoding failures inside a message are reported in
// Event.Err and do not stop it.
//
// The zero Observer is ready to use. An Observer is not safe for
// concurrent use.
type Observer struct {
	maxMsg int

	phase  Phase
	strict bool
	half   [2]half

	// The direction being decoded and its fed bytes not yet decoded.
	cur Direction
	in  []byte

	pl         [2]prelogin.Message
	havePL     [2]bool
	login      login7.Login7
	loginSeen  bool // LOGIN7 seen in clear
	loginInTLS bool // LOGIN7 went inside TLS
	respInTLS  bool // the server answered the login inside TLS
	loginVer   tds.Version
	ackVer     tds.Version
	ack        tokens.LoginAck
	lerr       tokens.Message
	scan       *tokens.Scanner
	rounds     [2]int
	attention  int // attentions (of all MARS sessions) awaiting their DONE_ATTN
	smpSeen    bool
	packetSize int
	tlsSeen    bool
	ev         Event
	recs       []TLSRecord
	// The stream whose buffers the last event viewed, released by the
	// next step of the iteration.
	lastH  *half
	lastSt *stream
}

// SetMaxMessageSize sets the largest message payload the Observer
// reassembles (n <= 0 restores tds.DefaultMaxMessageSize).
func (o *Observer) SetMaxMessageSize(n int) {
	o.maxMsg = max(n, 0)
}

// Reset makes o ready for another conversation, as a zero Observer with
// the same maximum message size, but keeping its buffers (up to 64 KiB
// each) so that a tracer of many conversations can reuse it.
func (o *Observer) Reset() {
	keep := *o
	*o = Observer{maxMsg: keep.maxMsg, scan: keep.scan, recs: keep.recs[:0]}
	for d := range o.half {
		kh := &keep.half[d]
		h := &o.half[d]
		h.carry = reuse(kh.carry)
		h.main = stream{msg: reuse(kh.main.msg), tlsBuf: reuse(kh.main.tlsBuf)}
	}
	for d := range o.pl {
		o.pl[d].Unknown = keep.pl[d].Unknown[:0]
	}
}

// reuse returns b emptied, or nil if it is too large to keep.
func reuse(b []byte) []byte {
	if cap(b) > 1<<16 {
		return nil
	}
	return b[:0]
}

func (o *Observer) maxMessage() int {
	if o.maxMsg <= 0 {
		return tds.DefaultMaxMessageSize
	}
	return o.maxMsg
}

// Phase returns the phase the conversation has reached.
func (o *Observer) Phase() Phase { return o.phase }

// Version returns the TDS version messages are decoded with: LOGINACK's,
// else LOGIN7's, else 7.4.
func (o *Observer) Version() tds.Version {
	switch {
	case o.ackVer != 0:
		return o.ackVer
	case o.loginVer != 0:
		return o.loginVer
	}
	return tds.Version74
}

// PacketSize returns the packet size the login response set (ENVCHANGE
// type 4), or zero.
func (o *Observer) PacketSize() int { return o.packetSize }

// SMP reports whether SMP packets (MARS, [MC-SMP]) were seen.
func (o *Observer) SMP() bool { return o.smpSeen }

// Prelogin returns the PRELOGIN message sent in direction d, if seen.
func (o *Observer) Prelogin(d Direction) (*prelogin.Message, bool) {
	if d > ServerToClient || !o.havePL[d] {
		return nil, false
	}
	return &o.pl[d], true
}

// Encryption says what TLS covers: from the PRELOGIN exchange
// ([MS-TDS] 2.2.6.5, prelogin.Negotiate), corrected by what was seen (TLS
// from the first byte is strict; a server answering the login inside TLS
// encrypts the entire connection).
func (o *Observer) Encryption() Encryption {
	switch {
	case o.strict:
		return EncryptionStrict
	case o.respInTLS:
		return EncryptionFull
	case !o.havePL[0] && o.loginSeen && !o.tlsSeen:
		return EncryptionNone // LOGIN7 with no PRELOGIN: nothing was negotiated
	case !o.havePL[0] || !o.havePL[1]:
		return EncryptionUnknown
	}
	switch prelogin.Negotiate(o.pl[0].Encryption, o.pl[1].Encryption) {
	case prelogin.OutcomeLoginOnly:
		return EncryptionLoginOnly
	case prelogin.OutcomeEntireConnection:
		return EncryptionFull
	}
	return EncryptionNone
}

// Err returns the error that stopped direction d, or nil.
func (o *Observer) Err(d Direction) error {
	if d > ServerToClient {
		return nil
	}
	return o.half[d].err
}

// Buffered returns the bytes the Observer holds for direction d: a unit
// not yet complete and partial messages. Non-zero at the end of a
// conversation means it was cut in the middle of a unit or message.
func (o *Observer) Buffered(d Direction) int {
	if d > ServerToClient {
		return 0
	}
	h := &o.half[d]
	return len(h.carry) - h.carryAt + h.held
}

// Events feeds b, the next bytes of direction d, and yields the events
// they complete, in order. An error that stops the direction is yielded
// once, as the last element; later calls for that direction yield
// nothing, and Err reports it.
//
// The Observer reads b in place and copies only the bytes of a unit that
// b leaves incomplete, so b must not change while the events it yields
// are used. Each event is valid until the iteration moves on. Breaking
// out of the loop keeps the bytes not yet decoded: the next call for any
// direction decodes them first.
//
// Events allocates nothing when the loop ranges over it directly (the
// closure stays on the stack); the Observer's buffers grow only for
// messages spread over several calls.
func (o *Observer) Events(d Direction, b []byte) iter.Seq2[*Event, error] {
	return func(yield func(*Event, error) bool) { o.events(d, b, yield) }
}

func (o *Observer) events(d Direction, b []byte, yield func(*Event, error) bool) {
	o.feed(d, b)
	for {
		ev, err := o.next()
		if ev == nil && err == nil {
			return
		}
		if !yield(ev, err) || err != nil {
			return
		}
	}
}

// feed hands the Observer the next bytes of direction d; next then
// returns the events they complete. Bytes of the previous feed that next
// did not reach are kept and decoded first.
func (o *Observer) feed(d Direction, b []byte) {
	o.release()
	o.stash()
	if d > ServerToClient {
		return
	}
	o.cur, o.in = d, b
}

// stash keeps the fed bytes not yet decoded in the direction's carry
// buffer.
func (o *Observer) stash() {
	if len(o.in) == 0 {
		o.in = nil
		return
	}
	h := &o.half[o.cur]
	if h.err == nil {
		h.carry = append(h.carry, o.in...)
	}
	o.in = nil
}

// fail stops direction h with an *ObserverError.
func (o *Observer) fail(h *half, off int64, class error, format string, args ...any) error {
	h.err = &ObserverError{Dir: o.cur, Phase: o.phase, Offset: off, Msg: fmt.Sprintf(format, args...), Err: class}
	h.carry, h.carryAt, h.main, h.smp, h.held, h.smpSt = nil, 0, stream{}, nil, 0, nil
	o.in = nil
	return h.err
}

// next returns the next event of the bytes fed, or nil, nil when they
// are used up (the bytes of an incomplete unit are kept for the next
// feed). An error stops the direction being fed: it is returned once.
func (o *Observer) next() (*Event, error) {
	o.release()
	h := &o.half[o.cur]
	for {
		if h.err != nil {
			o.in = nil
			return nil, nil
		}
		if h.smpSt != nil {
			ev, more, err := o.smpNext(h)
			if err != nil || ev != nil {
				return ev, err
			}
			if more {
				continue
			}
		}
		// Decode from the carry buffer when it holds the start of a unit
		// (completed from the fed bytes, no further than the unit's end),
		// else from the fed bytes in place.
		if h.carryAt < len(h.carry) && len(o.in) > 0 {
			k := min(o.unitNeed(h.carry[h.carryAt:])-(len(h.carry)-h.carryAt), len(o.in))
			k = max(k, 1)
			h.carry = append(h.carry, o.in[:k]...)
			o.in = o.in[k:]
		}
		fromCarry := h.carryAt < len(h.carry)
		b := o.in
		if fromCarry {
			b = h.carry[h.carryAt:]
		}
		if len(b) == 0 {
			h.carry, h.carryAt = h.carry[:0], 0
			o.in = nil
			return nil, nil
		}
		n, ev, err := o.unit(h, b)
		if err != nil {
			return nil, err
		}
		if n == 0 {
			// An incomplete unit: keep its bytes.
			if !fromCarry {
				h.carry = append(h.carry[:0], b...)
				h.carryAt = 0
				o.in = nil
			} else if len(o.in) > 0 {
				continue // its header is complete now: take the rest of it
			} else if h.carryAt > 0 {
				h.carry = append(h.carry[:0], h.carry[h.carryAt:]...)
				h.carryAt = 0
			}
			if len(h.carry) > cap(h.carry)/4 || cap(h.carry) <= 1<<16 {
				return nil, nil
			}
			h.carry = append([]byte(nil), h.carry...) // let a large buffer go
			return nil, nil
		}
		h.off += int64(n)
		if fromCarry {
			h.carryAt += n
		} else {
			o.in = o.in[n:]
		}
		if ev != nil {
			return ev, nil
		}
	}
}

// unitNeed returns how many bytes the unit starting with b takes, as far
// as b tells: the length its header gives, or, before the header is
// complete, the length of the header.
func (o *Observer) unitNeed(b []byte) int {
	switch {
	case b[0] == smp.SMID:
		if len(b) < smp.HeaderLen {
			return smp.HeaderLen
		}
		var sh smp.Header
		if sh.Decode(b[:smp.HeaderLen]) != nil || int64(sh.Length) > int64(o.maxUnit()) {
			return len(b) // unit reports the error
		}
		return max(int(sh.Length), smp.HeaderLen)
	case len(b) < 5:
		return 5 // enough to tell a TLS record from a TDS packet
	case IsTLSRecord(b):
		return 5 + (int(b[3])<<8 | int(b[4]))
	case len(b) < tds.HeaderLen:
		return tds.HeaderLen
	}
	return max(int(b[2])<<8|int(b[3]), tds.HeaderLen)
}

// maxUnit is the largest unit accepted on the wire: a TDS packet is at
// most 65535 bytes, an SMP packet carries at most one message's worth.
func (o *Observer) maxUnit() int { return o.maxMessage() + smp.HeaderLen }

// unit decodes the unit at the front of b: it returns the bytes it takes
// (0 when b does not hold all of it) and its event, if any.
func (o *Observer) unit(h *half, b []byte) (int, *Event, error) {
	switch {
	case b[0] == smp.SMID:
		if len(b) < smp.HeaderLen {
			return 0, nil, nil
		}
		var sh smp.Header
		if err := sh.Decode(b[:smp.HeaderLen]); err != nil {
			return 0, nil, o.fail(h, h.off, tds.ErrMalformed, "not an SMP header: %v", err)
		}
		if sh.Length < smp.HeaderLen || int64(sh.Length) > int64(o.maxUnit()) {
			return 0, nil, o.fail(h, h.off, tds.ErrTooLarge, "SMP packet length %d outside %d..%d", sh.Length, smp.HeaderLen, o.maxUnit())
		}
		if len(b) < int(sh.Length) {
			return 0, nil, nil
		}
		n := int(sh.Length)
		ev, err := o.smpPacket(h, sh, b[smp.HeaderLen:n], n)
		return n, ev, err
	case IsTLSRecord(b):
		n := 5 + (int(b[3])<<8 | int(b[4]))
		if len(b) < n {
			return 0, nil, nil
		}
		return n, o.tlsUnit(h, b[:n]), nil
	}
	if len(b) < tds.HeaderLen {
		return 0, nil, nil
	}
	var hdr tds.Header
	if err := hdr.Decode(b); err != nil {
		return 0, nil, o.fail(h, h.off, tds.ErrMalformed, "not a TDS packet header: %v", err)
	}
	if hdr.Length < tds.HeaderLen || !hdr.Type.Known() {
		return 0, nil, o.fail(h, h.off, tds.ErrMalformed, "not a TDS packet header (type 0x%02x, length %d)", uint8(hdr.Type), hdr.Length)
	}
	if len(b) < int(hdr.Length) {
		return 0, nil, nil
	}
	n := int(hdr.Length)
	ev, err := o.packet(h, &h.main, hdr, b[:n], h.off, nil)
	return n, ev, err
}

// newEvent resets the Observer's event for a unit of the direction being
// decoded.
func (o *Observer) newEvent(u Unit, off int64, n int) *Event {
	o.ev = Event{Dir: o.cur, Phase: o.phase, Unit: u, Offset: off, Len: n, Version: o.Version(), TLS: o.recs[:0]}
	return &o.ev
}

// tlsUnit explains one TLS record on the transport.
func (o *Observer) tlsUnit(h *half, rec []byte) *Event {
	ev := o.newEvent(UnitTLS, h.off, len(rec))
	ev.TLS, _ = appendTLSRecords(ev.TLS, rec, &h.tls)
	o.recs = ev.TLS[:0]
	o.tlsSeen = true
	if o.phase == PhaseStart && o.cur == ClientToServer && !o.havePL[0] {
		// TLS before any TDS: TDS 8.0 strict ([MS-TDS] 2.1, 3.3.5.1).
		o.strict = true
		o.phase = PhaseTLSHandshake
	}
	if rec[0] != TLSApplicationData {
		ev.Kind, ev.Phase = KindTLSHandshake, o.phase
		return ev
	}
	ev.Kind = KindEncrypted
	switch {
	case o.strict:
		o.phase = PhaseEncrypted
	case o.cur == ClientToServer && !o.loginSeen && !o.respInTLS && o.phase <= PhaseLogin:
		// After a TDS 7.x handshake the client's first message is LOGIN7
		// ([MS-TDS] 3.2.5.2): its records, and any more before the
		// server answers, carry the login.
		o.loginInTLS = true
		o.phase = PhaseLogin
	case o.cur == ServerToClient && o.phase == PhaseTLSHandshake:
		// Protected records the server sends after the handshake and
		// before the client's LOGIN7 (TLS 1.3 session tickets, RFC 8446
		// 4.6.1): part of the handshake's aftermath, not an answer.
	case o.cur == ServerToClient && o.phase == PhaseLogin:
		// The server answers the login inside TLS: the entire
		// connection is encrypted; the outcome is not visible.
		o.respInTLS = true
	default:
		o.phase = PhaseEncrypted
	}
	ev.Phase = o.phase
	return ev
}

// smpPacket handles one SMP packet ([MC-SMP] 2.2): control packets are
// events of their own; DATA is split into the TDS packets of its session
// by smpNext.
func (o *Observer) smpPacket(h *half, sh smp.Header, data []byte, n int) (*Event, error) {
	o.smpSeen = true
	if sh.Flags != smp.FlagDATA {
		if sh.Flags == smp.FlagFIN && h.smp != nil {
			if st := h.smp[sh.SID]; st != nil {
				h.held -= st.held()
				delete(h.smp, sh.SID)
			}
		}
		ev := o.newEvent(UnitSMP, h.off, n)
		ev.InSMP, ev.SMP = true, sh
		return ev, nil
	}
	if h.smp == nil {
		h.smp = map[uint16]*stream{}
	}
	st := h.smp[sh.SID]
	if st == nil {
		st = &stream{}
		h.smp[sh.SID] = st
	}
	if h.held+len(data) > 2*o.maxMessage() {
		return nil, o.fail(h, h.off, tds.ErrTooLarge, "MARS sessions hold more than %d bytes of partial messages", 2*o.maxMessage())
	}
	if st.pktAt > 0 { // what is left is less than a TDS packet
		st.pkt = append(st.pkt[:0], st.pkt[st.pktAt:]...)
		st.pktAt = 0
	}
	st.pkt = append(st.pkt, data...)
	h.held += len(data)
	h.smpSt, h.smpHdr, h.smpAt, h.smpLen = st, sh, h.off, n
	return nil, nil
}

// smpNext takes the next whole TDS packet from the SMP session stream
// being split; more says whether to call it again.
func (o *Observer) smpNext(h *half) (ev *Event, more bool, err error) {
	st, sh := h.smpSt, h.smpHdr
	rest := st.pkt[st.pktAt:]
	if len(rest) < tds.HeaderLen {
		h.smpSt = nil
		return nil, false, nil
	}
	var hdr tds.Header
	if derr := hdr.Decode(rest); derr != nil || hdr.Length < tds.HeaderLen || !hdr.Type.Known() {
		h.held -= len(rest)
		st.pkt, st.pktAt = st.pkt[:0], 0
		h.smpSt = nil
		ev := o.newEvent(UnitSMP, h.smpAt, h.smpLen)
		ev.InSMP, ev.SMP = true, sh
		ev.Err = fmt.Errorf("%w: SMP DATA of session %d does not hold a TDS packet header", tds.ErrMalformed, sh.SID)
		return ev, false, nil
	}
	if len(rest) < int(hdr.Length) {
		h.smpSt = nil
		return nil, false, nil
	}
	n := int(hdr.Length)
	ev, err = o.packet(h, st, hdr, rest[:n], h.smpAt, &sh)
	if err != nil {
		return nil, false, err
	}
	ev.Len = h.smpLen
	return ev, true, nil
}

// packet handles one whole TDS packet pkt with header hdr of stream st;
// sh is the SMP DATA header that carried it, if any.
func (o *Observer) packet(h *half, st *stream, hdr tds.Header, pkt []byte, off int64, sh *smp.Header) (*Event, error) {
	payload := pkt[tds.HeaderLen:]
	if sh != nil {
		// The payload is copied to the message buffer below; the
		// packet's bytes are done with.
		defer func() {
			if h.err != nil {
				return
			}
			h.held -= len(pkt)
			st.pktAt += len(pkt)
			if st.pktAt == len(st.pkt) {
				st.pkt, st.pktAt = st.pkt[:0], 0
			}
		}()
	}
	o.lastH, o.lastSt = h, st
	ev := o.newEvent(UnitPacket, off, len(pkt))
	ev.Header, ev.First = hdr, !st.inMsg
	if sh != nil {
		ev.InSMP, ev.SMP = true, *sh
	}
	// The TLS handshake of TDS 7.x travels in the payload of PRELOGIN
	// packets ([MS-TDS] 3.2.5.2, 2.2.6.5); some servers answer in
	// tabular-result packets.
	if !st.inMsg && (len(st.tlsBuf) > 0 || ((hdr.Type == tds.PacketPrelogin || (hdr.Type == tds.PacketResponse && (o.havePL[1] || o.phase == PhaseTLSHandshake) && o.cur == ServerToClient)) && IsTLSRecord(payload))) {
		if len(st.tlsBuf)+len(payload) > o.maxMessage() {
			return nil, o.fail(h, off, tds.ErrTooLarge, "TLS handshake record longer than %d bytes", o.maxMessage())
		}
		st.tlsBuf = append(st.tlsBuf, payload...)
		h.held += len(payload)
		var n int
		ev.TLS, n = appendTLSRecords(ev.TLS, st.tlsBuf, &st.tls)
		o.recs = ev.TLS[:0]
		st.tlsUsed = n
		if n == 0 && len(st.tlsBuf) >= 5 && !IsTLSRecord(st.tlsBuf) {
			// Not TLS after all: drop it rather than hold it.
			st.tlsUsed = len(st.tlsBuf)
		}
		o.tlsSeen = true
		if o.phase < PhaseTLSHandshake {
			o.phase = PhaseTLSHandshake
		}
		ev.Kind, ev.Phase = KindTLSHandshake, o.phase
		return ev, nil
	}
	st.inMsg = true
	if len(st.msg)+len(payload) > o.maxMessage() {
		return nil, o.fail(h, off, tds.ErrTooLarge, "message longer than %d bytes", o.maxMessage())
	}
	msg := payload // a message of one packet is decoded where it lies
	if len(st.msg) > 0 || hdr.Status&tds.StatusEOM == 0 || sh != nil {
		if sh != nil && h.held+len(payload) > 2*o.maxMessage()+len(pkt) {
			return nil, o.fail(h, off, tds.ErrTooLarge, "MARS sessions hold more than %d bytes of partial messages", 2*o.maxMessage())
		}
		st.msg = append(st.msg, payload...)
		h.held += len(payload)
		msg = st.msg
	}
	if hdr.Status&tds.StatusEOM == 0 {
		return ev, nil
	}
	st.inMsg = false
	if len(st.msg) > 0 {
		st.done = true
	}
	o.message(ev, hdr.Type, msg)
	return ev, nil
}

// release lets go of what the last event gave out of its stream's
// buffers: the message, the TLS records.
func (o *Observer) release() {
	h, st := o.lastH, o.lastSt
	if st == nil {
		return
	}
	o.lastH, o.lastSt = nil, nil
	if h.err != nil {
		return
	}
	if st.done {
		h.held -= len(st.msg)
		st.msg, st.done = st.msg[:0], false
		if cap(st.msg) > 1<<16 {
			st.msg = nil // let a large buffer go
		}
	}
	if st.tlsUsed > 0 {
		h.held -= st.tlsUsed
		st.tlsBuf = append(st.tlsBuf[:0], st.tlsBuf[st.tlsUsed:]...)
		st.tlsUsed = 0
	}
}

// message classifies a whole message of type t and fills ev.
func (o *Observer) message(ev *Event, t tds.PacketType, b []byte) {
	ev.Payload = b
	if o.cur == ClientToServer {
		o.clientMessage(ev, t, b)
	} else {
		o.serverMessage(ev, t, b)
	}
	ev.Phase = o.phase
}

func (o *Observer) clientMessage(ev *Event, t tds.PacketType, b []byte) {
	switch t {
	case tds.PacketPrelogin:
		ev.Kind = KindPreloginRequest
		o.decodePrelogin(ev, b)
		if o.phase == PhaseStart {
			o.phase = PhasePrelogin
		}
	case tds.PacketLogin7:
		ev.Kind = KindLogin7
		o.loginSeen = true
		if err := o.login.Decode(b); err != nil {
			ev.Err = err
		} else {
			ev.Login = &o.login
			o.loginVer = o.login.TDSVersion
			if len(o.login.SSPI) > 0 {
				ev.SSPI = o.login.SSPI
				o.rounds[0] = 1
				ev.Round = 1
			}
		}
		if o.phase < PhaseLogin {
			o.phase = PhaseLogin
		}
	case tds.PacketSSPI:
		ev.Kind = KindSSPI
		var m login7.SSPIMessage
		if err := m.Decode(b); err != nil {
			ev.Err = err
		}
		ev.SSPI = m.Data
		if o.rounds[0] == 0 && o.loginInTLS {
			o.rounds[0] = 1 // LOGIN7, inside TLS, carried the first token
		}
		o.rounds[0]++
		ev.Round = o.rounds[0]
	case tds.PacketSQLBatch:
		ev.Kind = KindSQLBatch
	case tds.PacketRPC:
		ev.Kind = KindRPC
	case tds.PacketTransactionManager:
		ev.Kind = KindTransactionManager
	case tds.PacketBulkLoad:
		ev.Kind = KindBulkLoad
	case tds.PacketAttention:
		ev.Kind = KindAttention
		o.attention = min(o.attention+1, 1<<16)
	case tds.PacketFedAuthToken:
		ev.Kind = KindFedAuthToken
	case tds.PacketPreTDS7Login:
		ev.Kind = KindPreTDS7Login
	default:
		ev.Kind = KindUnexpected
		ev.Err = fmt.Errorf("%w: a client does not send %v messages", tds.ErrUnexpected, t)
	}
}

func (o *Observer) serverMessage(ev *Event, t tds.PacketType, b []byte) {
	if t != tds.PacketResponse {
		ev.Kind = KindUnexpected
		ev.Err = fmt.Errorf("%w: a server does not send %v messages", tds.ErrUnexpected, t)
		return
	}
	// The PRELOGIN answer is a tabular-result packet holding an option
	// table, which starts with VERSION (token 0x00); no token type is
	// 0x00, so it cannot be a token stream.
	if !o.havePL[1] && o.phase <= PhasePrelogin && len(b) >= 6 && b[0] == 0x00 {
		ev.Kind = KindPreloginResponse
		o.decodePrelogin(ev, b)
		if ev.Err == nil {
			o.phase = PhaseLogin
			if o.Encryption() == EncryptionLoginOnly || o.Encryption() == EncryptionFull {
				o.phase = PhaseTLSHandshake
			}
		}
		return
	}
	if o.phase == PhaseLogin || (o.phase == PhaseTLSHandshake && (o.loginSeen || o.loginInTLS)) {
		ev.Kind = KindLoginResponse
		o.loginResponse(ev, b)
		return
	}
	ev.Kind = KindResponse
	if o.attention > 0 {
		o.scanAttention(ev, b)
	}
}

func (o *Observer) decodePrelogin(ev *Event, b []byte) {
	d := o.cur
	if err := o.pl[d].Decode(b); err != nil {
		ev.Err = err
		return
	}
	o.havePL[d] = true
	ev.Prelogin = &o.pl[d]
}

func (o *Observer) scanner(b []byte) *tokens.Scanner {
	if o.scan == nil {
		o.scan = new(tokens.Scanner)
	}
	o.scan.Reset(b, o.Version())
	return o.scan
}

// loginResponse reads a login response: SSPI (2.2.7.22), LOGINACK
// (2.2.7.14), ERROR (2.2.7.10) and the packet size ENVCHANGE (2.2.7.9).
func (o *Observer) loginResponse(ev *Event, b []byte) {
	s := o.scanner(b)
	var ack, failed bool
	for {
		tt, err := s.Next()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				ev.Err = err
			}
			break
		}
		var derr error
		switch tt {
		case tokens.TokenSSPI:
			var x tokens.SSPI
			if derr = s.SSPI(&x); derr == nil && ev.SSPI == nil {
				ev.SSPI = x.Buffer
				o.rounds[1]++
				ev.Round = o.rounds[1]
			}
		case tokens.TokenLoginAck:
			if derr = s.LoginAck(&o.ack); derr == nil {
				ack = true
			}
		case tokens.TokenError:
			if !failed {
				if derr = s.Message(&o.lerr); derr == nil {
					failed = true
				}
			}
		case tokens.TokenEnvChange:
			var e tokens.EnvChange
			if derr = s.EnvChange(&e); derr == nil && e.Type == tokens.EnvPacketSize {
				// Decode has checked the value: PacketSize reports ok.
				ev.PacketSize, _ = e.PacketSize()
			}
		}
		if derr != nil {
			ev.Err = derr
			break
		}
	}
	switch {
	case ack:
		ev.LoginAck = &o.ack
		o.ackVer = o.ack.Negotiated()
		o.phase = PhaseLoggedIn
		if ev.PacketSize != 0 {
			o.packetSize = ev.PacketSize
		}
	case failed:
		ev.LoginError = &o.lerr
		o.phase = PhaseFailed
	}
}

// scanAttention looks for the DONE with DONE_ATTN that acknowledges an
// attention ([MS-TDS] 2.2.1.7, 3.2.5.4).
func (o *Observer) scanAttention(ev *Event, b []byte) {
	s := o.scanner(b)
	for {
		tt, err := s.Next()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				ev.Err = err
			}
			return
		}
		if tt != tokens.TokenDone && tt != tokens.TokenDoneProc && tt != tokens.TokenDoneInProc {
			continue
		}
		var d tokens.Done
		if err := s.Done(&d); err != nil {
			ev.Err = err
			return
		}
		if d.Status&tokens.DoneAttn != 0 {
			ev.AttentionAck = true
			o.attention--
			return
		}
	}
}

var unitNames = [...]string{"", "packet", "smp", "tls"}

// String names the unit ("packet", "smp", "tls").
func (u Unit) String() string {
	if u != 0 && int(u) < len(unitNames) {
		return unitNames[u]
	}
	return fmt.Sprintf("Unit(%d)", uint8(u))
}

var tlsTypeNames = map[uint8]string{TLSChangeCipherSpec: "change_cipher_spec", TLSAlert: "alert", TLSHandshake: "handshake", TLSApplicationData: "application_data"}

// String gives a record's content type, length and protection, never its
// body: "TLS handshake, 512 bytes" or "TLS application_data, 269 bytes,
// protected".
func (r TLSRecord) String() string {
	name, ok := tlsTypeNames[r.ContentType]
	if !ok {
		name = fmt.Sprintf("type %d", r.ContentType)
	}
	s := fmt.Sprintf("TLS %s, %d bytes", name, len(r.Body))
	if r.Protected {
		s += ", protected"
	}
	return s
}

// Format prints String under every verb (%q quotes it): no verb dumps
// the record's body.
func (r TLSRecord) Format(f fmt.State, verb rune) { formatString(f, verb, r.String()) }

// GoString is String, so that %#v does not dump the body either.
func (r TLSRecord) GoString() string { return r.String() }

// String gives a one-line account of the event: direction, kind (or the
// unit, for one that completes no message), phase, and what the
// Observer read of it: "client LOGIN7 [login] 136 bytes, TDS 7.4,
// SSPI round 1 (40 bytes)". It never prints the payload, the SSPI token,
// LOGIN7's fields or TLS bodies: they may hold secrets (passwords,
// authentication tokens).
func (e Event) String() string {
	b := make([]byte, 0, 96)
	b = append(b, e.Dir.String()...)
	b = append(b, ' ')
	if e.Kind == KindNone {
		b = append(b, e.Unit.String()...)
		switch {
		case e.Unit == UnitSMP:
			b = fmt.Appendf(b, " %v sid=%d", e.SMP.Flags, e.SMP.SID)
		case e.Unit == UnitPacket:
			b = fmt.Appendf(b, " %v", e.Header.Type)
		}
	} else {
		b = append(b, e.Kind.String()...)
	}
	b = append(b, " ["...)
	b = append(b, e.Phase.String()...)
	b = append(b, ']')
	if e.Kind != KindNone && e.Unit == UnitPacket && e.Kind != KindTLSHandshake {
		b = fmt.Appendf(b, " %d bytes", len(e.Payload))
	}
	if len(e.TLS) > 0 {
		b = fmt.Appendf(b, ", %d TLS records", len(e.TLS))
	}
	if e.Login != nil {
		b = fmt.Appendf(b, ", TDS %v", e.Login.TDSVersion)
	}
	if e.Round > 0 {
		b = fmt.Appendf(b, ", SSPI round %d (%d bytes)", e.Round, len(e.SSPI))
	}
	if e.LoginAck != nil {
		b = fmt.Appendf(b, ", LOGINACK TDS %v", e.LoginAck.Negotiated())
	}
	if e.LoginError != nil {
		b = fmt.Appendf(b, ", login failed: error %d", e.LoginError.Number)
	}
	if e.PacketSize > 0 {
		b = fmt.Appendf(b, ", packet size %d", e.PacketSize)
	}
	if e.AttentionAck {
		b = append(b, ", attention acknowledged"...)
	}
	if e.Err != nil {
		b = fmt.Appendf(b, ", error: %v", e.Err)
	}
	return string(b)
}

// Format prints String for %v and %s, quotes it for %q, and adds the
// unit's offset, length, packet and SMP headers and TLS records for %+v.
// No verb (%x and %#v included) prints the payload, the SSPI token or
// LOGIN7's fields.
func (e Event) Format(f fmt.State, verb rune) {
	s := e.String()
	if verb == 'v' && f.Flag('+') {
		s += fmt.Sprintf(" {offset %d, %d bytes on the wire", e.Offset, e.Len)
		if e.Unit == UnitPacket {
			s += fmt.Sprintf(", %v", e.Header)
		}
		if e.InSMP {
			s += fmt.Sprintf(", %v", e.SMP)
		}
		for _, r := range e.TLS {
			s += ", " + r.String()
		}
		s += "}"
	}
	formatString(f, verb, s)
}

// GoString is String, so that %#v does not dump the payload.
func (e Event) GoString() string { return e.String() }

func formatString(f fmt.State, verb rune, s string) {
	if verb == 'q' {
		fmt.Fprintf(f, "%q", s)
		return
	}
	io.WriteString(f, s)
}
