package prelogin

import (
	"bytes"
	"encoding/binary"
	"slices"
	"strconv"

	"github.com/tdswire/tdswire/tds"
)

// Version is the VERSION option's data, UL_VERSION followed by US_SUBBUILD,
// [MS-TDS] 2.2.6.5: the product version of the sender (the driver's
// version in a request, SQL Server's in a response). It is not the TDS
// protocol version (tds.Version), which LOGIN7 negotiates.
//
// On the wire UL_VERSION is major (1 byte), minor (1 byte) and build (2
// bytes), in network byte order as the specification says: the build is
// big-endian. US_SUBBUILD is a USHORT with no byte order given, so it
// follows the rule of [MS-TDS] 2.2.5.5.1.1 that integers are little-endian
// unless stated otherwise (SqlClient writes it the same way).
type Version struct {
	Major    uint8  // major version, e.g. 16 for SQL Server 2022
	Minor    uint8  // minor version
	Build    uint16 // build number, big-endian on the wire
	SubBuild uint16 // US_SUBBUILD, little-endian on the wire
}

// VersionLen is the length of the VERSION option's data.
const VersionLen = 6

// String formats v as "major.minor.build.subbuild", e.g. "15.0.2000.0".
func (v Version) String() string {
	b := make([]byte, 0, 20)
	b = strconv.AppendUint(b, uint64(v.Major), 10)
	b = append(b, '.')
	b = strconv.AppendUint(b, uint64(v.Minor), 10)
	b = append(b, '.')
	b = strconv.AppendUint(b, uint64(v.Build), 10)
	b = append(b, '.')
	b = strconv.AppendUint(b, uint64(v.SubBuild), 10)
	return string(b)
}

func (v Version) append(dst []byte) []byte {
	return append(dst, v.Major, v.Minor, byte(v.Build>>8), byte(v.Build), byte(v.SubBuild), byte(v.SubBuild>>8))
}

func decodeVersion(b []byte) Version {
	return Version{
		Major:    b[0],
		Minor:    b[1],
		Build:    binary.BigEndian.Uint16(b[2:4]),
		SubBuild: binary.LittleEndian.Uint16(b[4:6]),
	}
}

// TraceID is the TRACEID option's data, [MS-TDS] 2.2.6.5 (TDS 7.4):
// GUID_CONNID followed by ACTIVITYID (GUID_ActivityID and
// ActivitySequence), 36 bytes. The GUIDs are kept as the 16 bytes on the
// wire, without reordering; the sequence is a little-endian ULONG.
type TraceID struct {
	ConnectionID     [16]byte // GUID_CONNID: the client's connection trace ID
	ActivityID       [16]byte // GUID_ActivityID: the client's activity ID
	ActivitySequence uint32   // ActivitySequence
}

// TraceIDLen is the length of the TRACEID option's data.
const TraceIDLen = 36

// NonceLen is the length of the NONCEOPT option's data, NONCE = 32BYTE.
const NonceLen = 32

// The single-byte values of the INSTOPT option in a server's response,
// [MS-TDS] 2.2.6.5 "Instance Name": the server answers whether the
// instance name the client sent matches its own.
const (
	InstanceMatch    = 0x00 // the client's INSTOPT names this instance (or is empty, or "MSSQLServer")
	InstanceMismatch = 0x01 // it does not: the client SHOULD terminate the connection
)

// Message is a PRELOGIN message, [MS-TDS] 2.2.6.5: the option table and
// option data that a client sends first (packet type 0x12, 2.2.1.1) and a
// server answers with (inside a tabular-result packet, type 0x04, 2.2.2.1).
// Both directions share the format, so one type serves both.
//
// Present says which of the defined options the message carries; each
// field below holds its option's data and is meaningful only when its
// option is present. Options with undefined tokens are kept in Unknown, in
// their table order.
//
// Decode fills a Message from bytes without allocating: fixed-size data
// goes into fields and arrays, and Instance and Unknown are views into the
// input, valid while the caller keeps it unchanged. Append encodes it.
// The raw PRELOGIN that wraps a TLS handshake (SSL_PAYLOAD) is not a
// Message; it is carried as is.
type Message struct {
	// Present is the set of defined options in the message.
	Present OptionSet

	// Version is VERSION (0x00), the sender's product version. The
	// specification requires it, as the first option.
	Version Version

	// Encryption is ENCRYPTION (0x01), B_FENCRYPTION: the sender's
	// encryption setting. See Negotiate.
	Encryption Encryption

	// Instance is the data of INSTOPT (0x02), B_INSTVALIDITY, exactly as
	// on the wire. From a client it is the instance name as a
	// NUL-terminated MBCS string ("\x00" alone for none); from a server
	// it is one byte, InstanceMatch or InstanceMismatch. It is never
	// empty when present. See InstanceName and SetInstanceName.
	Instance []byte

	// ThreadID is THREADID (0x03), UL_THREADID, the client's thread ID,
	// "used for debugging purposes". It is a ULONG with no byte order
	// given, so tdswire reads and writes it little-endian, the default of
	// [MS-TDS] 2.2.5.5.1.1; the dump of section 4.1 agrees (B8 0D 00 00 is
	// thread 3512). SqlClient writes it big-endian and Wireshark 4.0 shows
	// it big-endian; no peer acts on the value, so the difference is
	// harmless, but a SqlClient thread ID decodes here byte-swapped.
	ThreadID uint32

	// ThreadIDEmpty records a THREADID option sent with no data, as the
	// specification says a server SHOULD send it. ThreadID is then 0 and
	// is not encoded.
	ThreadIDEmpty bool

	// MARS is MARS (0x04), B_MARS: 0x01 (true) asks for or grants
	// Multiple Active Result Sets, 0x00 (false) does not.
	MARS bool

	// TraceID is TRACEID (0x05), the client's tracing identifiers.
	TraceID TraceID

	// FedAuthRequired is FEDAUTHREQUIRED (0x06), B_FEDAUTHREQUIRED. A
	// client that sends the option MUST send 0x01 (true); a server
	// answers 0x01 if it requires federated authentication rather than
	// SSPI, 0x00 otherwise.
	FedAuthRequired bool

	// Nonce is NONCEOPT (0x07), the 32-byte NONCE that federated
	// authentication signs. A server that understands the option MUST
	// answer a client's NONCEOPT with its own.
	Nonce [NonceLen]byte

	// Unknown holds the options whose tokens the specification does not
	// define, in table order. Decode reuses the slice's capacity, so a
	// Message decoded into again does not allocate for them.
	Unknown []RawOption
}

// Decode parses the PRELOGIN message b (the packet data, without the
// packet header) into m, overwriting all of m but reusing the capacity of
// m.Unknown. Instance and Unknown's data are views into b. Decode does not
// allocate, except to grow m.Unknown for options with undefined tokens.
//
// Besides the table rules of Entries, Decode enforces [MS-TDS] 2.2.6.5:
// VERSION MUST be the first option; each defined option has its fixed
// length (VERSION 6, ENCRYPTION 1, THREADID 4, MARS 1, TRACEID 36,
// FEDAUTHREQUIRED 1, NONCEOPT 32) and INSTOPT at least one byte; B_MARS and
// B_FEDAUTHREQUIRED are 0x00 or 0x01. Leniencies, each harmless and seen
// from real peers or allowed by the text: THREADID may be empty (a server
// SHOULD send it so, see ThreadIDEmpty); INSTOPT need not end in 0x00,
// since a server's answer is the single byte 0x00 or 0x01; any
// B_FENCRYPTION byte is accepted, since it carries flag bits that have
// grown over time (Negotiate rejects values it does not know).
//
// Errors are *tds.Error values with Layer tds.LayerPrelogin. Offset is that of
// the offending table entry, or of the data byte for a bad value. On
// error the contents of m are unspecified.
func (m *Message) Decode(b []byte) error {
	unknown := m.Unknown[:0]
	*m = Message{}
	var p parser
	if err := p.start(b); err != nil {
		return err
	}
	for first := true; ; first = false {
		e, ok, err := p.next()
		if err != nil {
			return err
		}
		if !ok {
			if first {
				return tds.Errorf(layer, 0, tds.ErrMalformed, "option table is empty; VERSION is required as the first option")
			}
			break
		}
		opt, at := RawOption{Token: e.Token, Data: e.Data}, e.At
		if first && opt.Token != OptionVersion {
			return tds.Errorf(layer, at, tds.ErrMalformed, "first option is %v; VERSION MUST be first", opt.Token)
		}
		if opt.Token >= numKnown {
			unknown = append(unknown, opt)
			continue
		}
		if err := m.decodeOption(opt, at, b); err != nil {
			return err
		}
		m.Present |= 1 << opt.Token
	}
	m.Unknown = unknown
	return nil
}

// decodeOption stores the data of the defined option opt, whose table
// entry is at offset at of msg.
func (m *Message) decodeOption(opt RawOption, at int, msg []byte) error {
	d := opt.Data
	want := 0
	switch opt.Token {
	case OptionVersion:
		want = VersionLen
	case OptionEncryption, OptionMARS, OptionFedAuthRequired:
		want = 1
	case OptionInstOpt:
		if len(d) == 0 {
			return tds.Errorf(layer, at, tds.ErrMalformed, "option INSTOPT is empty; B_INSTVALIDITY has at least its 0x00 terminator")
		}
		m.Instance = d
		return nil
	case OptionThreadID:
		if len(d) == 0 {
			m.ThreadIDEmpty = true
			return nil
		}
		want = 4
	case OptionTraceID:
		want = TraceIDLen
	case OptionNonce:
		want = NonceLen
	}
	if len(d) != want {
		return tds.Errorf(layer, at, tds.ErrMalformed, "option %v has PL_OPTION_LENGTH %d, want %d", opt.Token, len(d), want)
	}
	dataAt := int(binary.BigEndian.Uint16(msg[at+1 : at+3])) // the entry's PL_OFFSET
	switch opt.Token {
	case OptionVersion:
		m.Version = decodeVersion(d)
	case OptionEncryption:
		m.Encryption = Encryption(d[0])
	case OptionThreadID:
		m.ThreadID = binary.LittleEndian.Uint32(d)
	case OptionMARS:
		if d[0] > 1 {
			return tds.Errorf(layer, dataAt, tds.ErrMalformed, "B_MARS is 0x%02x; only 0x00 (off) and 0x01 (on) are defined", d[0])
		}
		m.MARS = d[0] == 1
	case OptionTraceID:
		copy(m.TraceID.ConnectionID[:], d[0:16])
		copy(m.TraceID.ActivityID[:], d[16:32])
		m.TraceID.ActivitySequence = binary.LittleEndian.Uint32(d[32:36])
	case OptionFedAuthRequired:
		if d[0] > 1 {
			return tds.Errorf(layer, dataAt, tds.ErrMalformed, "B_FEDAUTHREQUIRED is 0x%02x; only 0x00 and 0x01 are defined", d[0])
		}
		m.FedAuthRequired = d[0] == 1
	case OptionNonce:
		copy(m.Nonce[:], d)
	}
	return nil
}

// Append appends the wire form of m (the packet data of a PRELOGIN
// message, without packet header) to dst and returns the extended slice.
// It writes the defined options present in m in token order, VERSION
// first, then the Unknown options in their order, each option's data
// following the table in table order; it reserves the table, appends the
// data and back-patches each PL_OFFSET and PL_OPTION_LENGTH. With enough
// capacity in dst it does not allocate.
//
// Append returns an error, because not every Message has a wire form: it
// fails (returning dst unchanged and a *tds.Error) if VERSION is absent,
// INSTOPT is present but empty, an Unknown option has a defined token,
// TERMINATOR or a token used twice, or an offset or length exceeds the 16
// bits of PL_OFFSET and PL_OPTION_LENGTH. For every Message it accepts, decoding the result gives
// a Message Equal to m.
func (m *Message) Append(dst []byte) ([]byte, error) {
	if err := m.check(); err != nil {
		return dst, err
	}
	start := len(dst)
	n := 0
	for o := Option(0); o < numKnown; o++ {
		if m.Present.Has(o) {
			n++
		}
	}
	n += len(m.Unknown)
	// At most 255 entries (8 defined, 247 undefined tokens, none twice):
	// the table always fits the 16-bit offsets.
	tableLen := n*entryLen + 1
	dst = slices.Grow(dst, tableLen)
	dst = dst[:start+tableLen]
	clear(dst[start:])
	entry := start
	for o := Option(0); o < numKnown; o++ {
		if !m.Present.Has(o) {
			continue
		}
		off := len(dst) - start
		switch o {
		case OptionVersion:
			dst = m.Version.append(dst)
		case OptionEncryption:
			dst = append(dst, byte(m.Encryption))
		case OptionInstOpt:
			dst = append(dst, m.Instance...)
		case OptionThreadID:
			if !m.ThreadIDEmpty {
				dst = binary.LittleEndian.AppendUint32(dst, m.ThreadID)
			}
		case OptionMARS:
			dst = append(dst, boolByte(m.MARS))
		case OptionTraceID:
			dst = append(dst, m.TraceID.ConnectionID[:]...)
			dst = append(dst, m.TraceID.ActivityID[:]...)
			dst = binary.LittleEndian.AppendUint32(dst, m.TraceID.ActivitySequence)
		case OptionFedAuthRequired:
			dst = append(dst, boolByte(m.FedAuthRequired))
		case OptionNonce:
			dst = append(dst, m.Nonce[:]...)
		}
		if err := patch(dst, start, entry, o, off); err != nil {
			return dst[:start], err
		}
		entry += entryLen
	}
	for _, u := range m.Unknown {
		off := len(dst) - start
		dst = append(dst, u.Data...)
		if err := patch(dst, start, entry, u.Token, off); err != nil {
			return dst[:start], err
		}
		entry += entryLen
	}
	dst[entry] = byte(OptionTerminator)
	return dst, nil
}

// patch fills the table entry at entry for option tok, whose data begins at
// message offset off and ends at the end of dst, checking that both fit.
func patch(dst []byte, start, entry int, tok Option, off int) error {
	n := len(dst) - start - off
	if off > maxField || n > maxField {
		return tds.Errorf(layer, entry-start, tds.ErrTooLarge,
			"option %v: offset %d, length %d: PL_OFFSET and PL_OPTION_LENGTH are 16-bit", tok, off, n)
	}
	putEntry(dst[entry:], tok, off, n)
	return nil
}

// check reports why m has no wire form that decodes back to it, or nil.
func (m *Message) check() error {
	if !m.Present.Has(OptionVersion) {
		return tds.Errorf(layer, 0, tds.ErrMalformed, "VERSION is required as the first option")
	}
	if m.Present.Has(OptionInstOpt) && len(m.Instance) == 0 {
		return tds.Errorf(layer, 0, tds.ErrMalformed, "INSTOPT is present but empty; it needs at least its 0x00 terminator")
	}
	var seen [4]uint64
	for i, u := range m.Unknown {
		if u.Token.Known() {
			return tds.Errorf(layer, 0, tds.ErrMalformed, "Unknown[%d] has token %v, which is defined; use the Message field", i, u.Token)
		}
		if seen[u.Token>>6]&(1<<(u.Token&63)) != 0 {
			return tds.Errorf(layer, 0, tds.ErrMalformed, "Unknown[%d] repeats token %v", i, u.Token)
		}
		seen[u.Token>>6] |= 1 << (u.Token & 63)
	}
	return nil
}

func boolByte(b bool) byte {
	if b {
		return 1
	}
	return 0
}

// Equal reports whether m and o carry the same options with the same data:
// the same Present set, equal fields for the options present (fields of
// absent options, and ThreadID when ThreadIDEmpty, are ignored), and the
// same Unknown options in the same order. It is the equality under which
// decoding an encoded Message gives the Message back.
func (m *Message) Equal(o *Message) bool {
	if m.Present != o.Present || len(m.Unknown) != len(o.Unknown) {
		return false
	}
	s := m.Present
	switch {
	case s.Has(OptionVersion) && m.Version != o.Version,
		s.Has(OptionEncryption) && m.Encryption != o.Encryption,
		s.Has(OptionInstOpt) && !bytes.Equal(m.Instance, o.Instance),
		s.Has(OptionThreadID) && (m.ThreadIDEmpty != o.ThreadIDEmpty || !m.ThreadIDEmpty && m.ThreadID != o.ThreadID),
		s.Has(OptionMARS) && m.MARS != o.MARS,
		s.Has(OptionTraceID) && m.TraceID != o.TraceID,
		s.Has(OptionFedAuthRequired) && m.FedAuthRequired != o.FedAuthRequired,
		s.Has(OptionNonce) && m.Nonce != o.Nonce:
		return false
	}
	for i, u := range m.Unknown {
		if u.Token != o.Unknown[i].Token || !bytes.Equal(u.Data, o.Unknown[i].Data) {
			return false
		}
	}
	return true
}

// InstanceName returns the instance name a client's INSTOPT carries: the
// bytes before the first 0x00, as a view. ok is false if INSTOPT is absent
// or holds no 0x00 (as in a server's one-byte answer 0x01).
func (m *Message) InstanceName() (name []byte, ok bool) {
	if !m.Present.Has(OptionInstOpt) {
		return nil, false
	}
	i := bytes.IndexByte(m.Instance, 0)
	if i < 0 {
		return nil, false
	}
	return m.Instance[:i:i], true
}

// SetInstanceName sets INSTOPT, for a client request, to a new slice
// holding name followed by the 0x00 terminator (it allocates; it never
// writes into the slice m.Instance held before). The specification asks for an MBCS string; name is copied byte for
// byte, and should not itself contain 0x00. An empty name sends the lone
// terminator, which a server reads as "the default instance".
func (m *Message) SetInstanceName(name string) {
	m.Instance = append([]byte(name), 0)
	m.Present |= HasInstOpt
}
