package ntlm

import (
	"iter"
	"strconv"
)

// AVID is the AvId of an AV_PAIR ([MS-NLMP] 2.2.2.1): what kind of
// information the Value holds.
type AVID uint16

// The AvId values of [MS-NLMP] 2.2.2.1.
const (
	MsvAvEOL             AVID = 0x0000 // end of the list; AvLen MUST be 0
	MsvAvNbComputerName  AVID = 0x0001 // server's NetBIOS computer name, UTF-16LE
	MsvAvNbDomainName    AVID = 0x0002 // server's NetBIOS domain name, UTF-16LE
	MsvAvDnsComputerName AVID = 0x0003 // FQDN of the computer, UTF-16LE
	MsvAvDnsDomainName   AVID = 0x0004 // FQDN of the domain, UTF-16LE
	MsvAvDnsTreeName     AVID = 0x0005 // FQDN of the forest, UTF-16LE
	MsvAvFlags           AVID = 0x0006 // 32-bit flags, see AvFlag*
	MsvAvTimestamp       AVID = 0x0007 // FILETIME, little-endian
	MsvAvSingleHost      AVID = 0x0008 // Single_Host_Data (2.2.2.2)
	MsvAvTargetName      AVID = 0x0009 // SPN of the target server, UTF-16LE
	MsvAvChannelBindings AVID = 0x000A // MD5 of a gss_channel_bindings_struct
)

// The bits of the MsvAvFlags value ([MS-NLMP] 2.2.2.1).
const (
	AvFlagConstrained  uint32 = 0x00000001 // account authentication is constrained
	AvFlagMICPresent   uint32 = 0x00000002 // the AUTHENTICATE_MESSAGE carries a MIC
	AvFlagUntrustedSPN uint32 = 0x00000004 // target SPN came from an untrusted source
)

var avNames = [...]string{
	"MsvAvEOL", "MsvAvNbComputerName", "MsvAvNbDomainName", "MsvAvDnsComputerName",
	"MsvAvDnsDomainName", "MsvAvDnsTreeName", "MsvAvFlags", "MsvAvTimestamp",
	"MsvAvSingleHost", "MsvAvTargetName", "MsvAvChannelBindings",
}

// String returns the spec's name for id, or "AvId(0xNNNN)" for values the
// spec does not define.
func (id AVID) String() string {
	if int(id) < len(avNames) {
		return avNames[id]
	}
	return "AvId(0x" + strconv.FormatUint(uint64(id), 16) + ")"
}

// avHeaderLen is the size of AvId plus AvLen.
const avHeaderLen = 4

// AVPair is one attribute/value pair ([MS-NLMP] 2.2.2.1). Value is a view
// into the list it was read from.
type AVPair struct {
	ID    AVID
	Value []byte
}

// Text returns Value as a Go string, for the AvIds whose values are
// UTF-16LE names (MsvAvNbComputerName ... MsvAvDnsTreeName,
// MsvAvTargetName). It allocates.
func (p AVPair) Text() string { return decodeUTF16(p.Value) }

// Uint32 returns Value as a little-endian 32-bit integer (MsvAvFlags), or
// false if Value is not 4 bytes long.
func (p AVPair) Uint32() (uint32, bool) {
	if len(p.Value) != 4 {
		return 0, false
	}
	return le32(p.Value), true
}

// FileTime returns Value as a little-endian FILETIME (MsvAvTimestamp), or
// false if Value is not 8 bytes long.
func (p AVPair) FileTime() (uint64, bool) {
	if len(p.Value) != 8 {
		return 0, false
	}
	return le64(p.Value), true
}

// AVPairs is a view of a sequence of AV_PAIR structures as carried in the
// CHALLENGE_MESSAGE TargetInfo ([MS-NLMP] 2.2.1.2) and in the AvPairs of an
// NTLMv2_CLIENT_CHALLENGE (2.2.2.7). A well-formed list ends with MsvAvEOL;
// decoders in this package return lists that end exactly there.
type AVPairs []byte

// All returns an iterator over the pairs of l before MsvAvEOL, each Value a
// view into l. A list from this package's decoders is well formed and
// yields no error; for a malformed one (a pair running past the end, no
// MsvAvEOL, an MsvAvEOL with a value) the iterator yields a zero AVPair
// with an *Error (offset counted from the start of l) and stops. The empty
// list yields nothing. Iterating does not allocate.
func (l AVPairs) All() iter.Seq2[AVPair, error] {
	return func(yield func(AVPair, error) bool) {
		c := avCursor{b: l}
		for {
			p, ok := c.next()
			if c.err != nil {
				yield(AVPair{}, c.err)
				return
			}
			if !ok || !yield(p, nil) {
				return
			}
		}
	}
}

// Lookup returns the Value of the first pair with the given id, or false if
// there is none before MsvAvEOL (or the list is malformed before it).
func (l AVPairs) Lookup(id AVID) ([]byte, bool) {
	c := avCursor{b: l}
	for {
		p, ok := c.next()
		if !ok {
			return nil, false
		}
		if p.ID == id {
			return p.Value, true
		}
	}
}

// Flags returns the MsvAvFlags value, or 0 if the list has none.
func (l AVPairs) Flags() uint32 {
	v, ok := l.Lookup(MsvAvFlags)
	if !ok {
		return 0
	}
	f, _ := AVPair{ID: MsvAvFlags, Value: v}.Uint32()
	return f
}

// Timestamp returns the MsvAvTimestamp FILETIME, or false if the list has
// no well-formed one.
func (l AVPairs) Timestamp() (uint64, bool) {
	v, ok := l.Lookup(MsvAvTimestamp)
	if !ok {
		return 0, false
	}
	return AVPair{ID: MsvAvTimestamp, Value: v}.FileTime()
}

// Validate checks that every pair lies inside l and that the list ends with
// MsvAvEOL. The empty list (no TargetInfo at all) is valid and has length
// 0. It returns the length of the list up to and including MsvAvEOL; bytes
// after it are not part of the list.
func (l AVPairs) Validate() (int, error) {
	c := avCursor{b: l}
	for {
		if _, ok := c.next(); !ok {
			return c.off, c.err
		}
	}
}

// avCursor walks an AVPairs list: a small copyable cursor over the
// caller's bytes.
type avCursor struct {
	b    []byte
	off  int
	done bool
	err  error // nil, or an *Error
}

// next returns the next pair before MsvAvEOL. It returns false at MsvAvEOL,
// at the end of an empty list, or when the list is malformed, in which case
// err says why. It never allocates except to build that error.
func (it *avCursor) next() (AVPair, bool) {
	if it.done {
		return AVPair{}, false
	}
	if len(it.b) == 0 {
		it.done = true // an absent list holds no pairs
		return AVPair{}, false
	}
	rest := len(it.b) - it.off
	if rest < avHeaderLen {
		it.done = true
		if rest == 0 {
			it.err = errorf(LayerAVPair, it.off, ErrTruncated, "list ends without MsvAvEOL")
		} else {
			it.err = errorf(LayerAVPair, it.off, ErrTruncated, "AV_PAIR header needs 4 bytes, %d left", rest)
		}
		return AVPair{}, false
	}
	id := AVID(le16(it.b[it.off:]))
	n := int(le16(it.b[it.off+2:]))
	if n > rest-avHeaderLen {
		it.done = true
		it.err = errorf(LayerAVPair, it.off+2, ErrTruncated, "%v AvLen %d exceeds the %d bytes left", id, n, rest-avHeaderLen)
		return AVPair{}, false
	}
	if id == MsvAvEOL {
		it.done = true
		if n != 0 {
			it.err = errorf(LayerAVPair, it.off+2, ErrMalformed, "MsvAvEOL has AvLen %d, want 0", n)
			return AVPair{}, false
		}
		it.off += avHeaderLen
		return AVPair{}, false
	}
	start := it.off + avHeaderLen
	it.off = start + n
	return AVPair{ID: id, Value: it.b[start:it.off:it.off]}, true
}

// maxValue is the largest length a 16-bit length field can carry.
const maxValue = 0xFFFF

// AppendAVPair appends an AV_PAIR with the given id and value to dst
// (AddAvPair of [MS-NLMP] 6). It fails with ErrTooLarge, returning dst
// unchanged, when value is longer than the 65535 bytes AvLen can announce;
// the error's offset is len(dst), where the pair would have started.
func AppendAVPair(dst []byte, id AVID, value []byte) ([]byte, error) {
	if len(value) > maxValue {
		return dst, errorf(LayerAVPair, len(dst), ErrTooLarge, "%s value of %d bytes does not fit AvLen (at most %d)", id, len(value), maxValue)
	}
	dst = appendLE16(dst, uint16(id))
	dst = appendLE16(dst, uint16(len(value)))
	return append(dst, value...), nil
}

// AppendAVPairString appends an AV_PAIR whose value is UNICODE(s), as the
// name-carrying AvIds require. It fails with ErrTooLarge, returning dst
// unchanged, when UNICODE(s) is longer than 65535 bytes (more than 32767
// UTF-16 code units); the error's offset is len(dst).
func AppendAVPairString(dst []byte, id AVID, s string) ([]byte, error) {
	n := utf16ByteLen(s)
	if n > maxValue {
		return dst, errorf(LayerAVPair, len(dst), ErrTooLarge, "%s name of %d UTF-16 bytes does not fit AvLen (at most %d)", id, n, maxValue)
	}
	dst = appendLE16(dst, uint16(id))
	dst = appendLE16(dst, uint16(n))
	return appendUTF16(dst, s), nil
}

// AppendAVPairUint32 appends an AV_PAIR holding a little-endian 32-bit
// value, as MsvAvFlags does.
func AppendAVPairUint32(dst []byte, id AVID, v uint32) []byte {
	dst = appendLE16(dst, uint16(id))
	dst = appendLE16(dst, 4)
	return appendLE32(dst, v)
}

// AppendAVPairFileTime appends an AV_PAIR holding a little-endian FILETIME,
// as MsvAvTimestamp does.
func AppendAVPairFileTime(dst []byte, id AVID, ft uint64) []byte {
	dst = appendLE16(dst, uint16(id))
	dst = appendLE16(dst, 8)
	return appendLE64(dst, ft)
}

// AppendAVEOL appends the MsvAvEOL pair that ends every list.
func AppendAVEOL(dst []byte) []byte { return append(dst, 0, 0, 0, 0) }

// SingleHostData is the Single_Host_Data structure of [MS-NLMP] 2.2.2.2,
// the value of an MsvAvSingleHost pair.
type SingleHostData struct {
	Size       uint32   // length of the AV_PAIR Value, as the sender wrote it
	CustomData [8]byte  // platform-specific blob
	MachineID  [32]byte // random number created at computer start-up
}

// singleHostLen is the size of the fields of SingleHostData on the wire.
const singleHostLen = 48

// Decode fills d from an MsvAvSingleHost value. Bytes after MachineID are
// ignored, as 2.2.2.2 requires.
func (d *SingleHostData) Decode(b []byte) error {
	if len(b) < singleHostLen {
		return errorf(LayerAVPair, len(b), ErrTruncated, "Single_Host_Data needs %d bytes, have %d", singleHostLen, len(b))
	}
	d.Size = le32(b)
	copy(d.CustomData[:], b[8:16])
	copy(d.MachineID[:], b[16:48])
	return nil
}

// Append appends the 48-byte wire form of d (Z4 written as zero).
func (d SingleHostData) Append(dst []byte) []byte {
	dst = appendLE32(dst, d.Size)
	dst = append(dst, 0, 0, 0, 0)
	dst = append(dst, d.CustomData[:]...)
	return append(dst, d.MachineID[:]...)
}
