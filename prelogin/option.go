package prelogin

import (
	"encoding/binary"
	"iter"
	"strconv"

	"github.com/tdswire/tdswire/tds"
)

// layer names this package in the errors it returns.
const layer = tds.LayerPrelogin

// entryLen is the size of one PRELOGIN_OPTION table entry: PL_OPTION_TOKEN
// (1 byte), PL_OFFSET (2) and PL_OPTION_LENGTH (2), [MS-TDS] 2.2.6.5.
const entryLen = 5

// maxField is the largest value a PL_OFFSET or PL_OPTION_LENGTH can hold.
const maxField = 0xFFFF

// Option is a PL_OPTION_TOKEN, the byte that names an entry of the PRELOGIN
// option table, [MS-TDS] 2.2.6.5.
type Option uint8

// The option tokens of [MS-TDS] 2.2.6.5. Tokens 0x08 to 0xFE are not
// defined; the decoders keep them as RawOption values.
const (
	OptionVersion         Option = 0x00 // VERSION: UL_VERSION and US_SUBBUILD of the sender
	OptionEncryption      Option = 0x01 // ENCRYPTION: B_FENCRYPTION
	OptionInstOpt         Option = 0x02 // INSTOPT: B_INSTVALIDITY, the instance name or the server's verdict on it
	OptionThreadID        Option = 0x03 // THREADID: UL_THREADID of the client
	OptionMARS            Option = 0x04 // MARS: B_MARS
	OptionTraceID         Option = 0x05 // TRACEID: GUID_CONNID and ACTIVITYID (TDS 7.4)
	OptionFedAuthRequired Option = 0x06 // FEDAUTHREQUIRED: B_FEDAUTHREQUIRED (TDS 7.4)
	OptionNonce           Option = 0x07 // NONCEOPT: a 32-byte NONCE
	OptionTerminator      Option = 0xFF // TERMINATOR: ends the option table, carries no offset or length
)

// numKnown is one more than the highest option token the specification
// defines below TERMINATOR.
const numKnown = 8

// String returns the specification's name of o ("VERSION", "NONCEOPT",
// "TERMINATOR"), or "Option(0x08)" for a token it does not define.
func (o Option) String() string {
	switch o {
	case OptionVersion:
		return "VERSION"
	case OptionEncryption:
		return "ENCRYPTION"
	case OptionInstOpt:
		return "INSTOPT"
	case OptionThreadID:
		return "THREADID"
	case OptionMARS:
		return "MARS"
	case OptionTraceID:
		return "TRACEID"
	case OptionFedAuthRequired:
		return "FEDAUTHREQUIRED"
	case OptionNonce:
		return "NONCEOPT"
	case OptionTerminator:
		return "TERMINATOR"
	}
	return "Option(0x" + hex2(uint8(o)) + ")"
}

// Known reports whether [MS-TDS] 2.2.6.5 defines o.
func (o Option) Known() bool { return o < numKnown || o == OptionTerminator }

// OptionSet is a set of the options [MS-TDS] 2.2.6.5 defines, VERSION to
// NONCEOPT, one bit per token (bit n for token n). Message.Present uses it to
// say which options a message carries.
type OptionSet uint8

// The one-option sets, for building Message.Present:
//
//	Present: prelogin.HasVersion | prelogin.HasEncryption | prelogin.HasMARS
const (
	HasVersion         OptionSet = 1 << OptionVersion
	HasEncryption      OptionSet = 1 << OptionEncryption
	HasInstOpt         OptionSet = 1 << OptionInstOpt
	HasThreadID        OptionSet = 1 << OptionThreadID
	HasMARS            OptionSet = 1 << OptionMARS
	HasTraceID         OptionSet = 1 << OptionTraceID
	HasFedAuthRequired OptionSet = 1 << OptionFedAuthRequired
	HasNonce           OptionSet = 1 << OptionNonce
)

// Has reports whether s holds option o. It is false for TERMINATOR and for
// tokens the specification does not define.
func (s OptionSet) Has(o Option) bool { return o < numKnown && s&(1<<o) != 0 }

// String lists the options in s in token order, joined by "|"
// ("VERSION|ENCRYPTION|MARS"), or "none" for the empty set.
func (s OptionSet) String() string {
	if s == 0 {
		return "none"
	}
	var b []byte
	for o := Option(0); o < numKnown; o++ {
		if s.Has(o) {
			if len(b) > 0 {
				b = append(b, '|')
			}
			b = append(b, o.String()...)
		}
	}
	return string(b)
}

// RawOption is one option of a PRELOGIN message kept as its token and
// PL_OPTION_DATA, [MS-TDS] 2.2.6.5: the undefined options of
// Message.Unknown. As filled by Message.Decode, Data is a view into the
// decoded message (its capacity ends with the option, so appending to it
// never writes into the input); it is valid while the caller keeps that
// input unchanged.
type RawOption struct {
	Token Option // PL_OPTION_TOKEN
	Data  []byte // PL_OPTION_DATA: PL_OPTION_LENGTH bytes at PL_OFFSET
}

// Entry is one entry of the PRELOGIN option table as Entries yields it,
// [MS-TDS] 2.2.6.5: where the entry lies, what it says, and a view of the
// data it points at (capacity ending with the option).
type Entry struct {
	At     int    // byte offset of the 5-byte table entry in the message
	Token  Option // PL_OPTION_TOKEN
	Offset int    // PL_OFFSET, from the start of the message
	Data   []byte // PL_OPTION_LENGTH bytes at PL_OFFSET
}

// String formats e as "VERSION@0 -> 26+6".
func (e Entry) String() string {
	return e.Token.String() + "@" + strconv.Itoa(e.At) + " -> " + strconv.Itoa(e.Offset) + "+" + strconv.Itoa(len(e.Data))
}

// Entries returns an iterator over the option table of msg, the PRELOGIN
// message without its packet header, one entry at a time in table order,
// checked against the rules below. Tools that want the raw table (trace
// printers, proxies) use it; Message.Decode applies the same rules. A
// malformed table yields a zero Entry with a *tds.Error and stops: class
// tds.ErrTruncated if the input ends inside the table or before a
// TERMINATOR (offset of the unfinished entry), or an error at the
// offending entry (tds.ErrMalformed, or tds.ErrTruncated for data that
// runs past the end of the message). Iterating does not allocate.
//
// Rules. The specification gives the option table as a run of 5-byte
// entries closed by TERMINATOR (0xFF), followed by the option data
// (PRELOGIN = *PRELOGIN_OPTION *PL_OPTION_DATA), with PL_OFFSET and
// PL_OPTION_LENGTH big-endian and PL_OFFSET counted from the start of the
// message (the first byte after the packet header). Entries enforces:
//
//   - the table ends with TERMINATOR before the input does;
//   - each option's data lies after the table and inside the message;
//   - option data appears in table order without overlap: each option with
//     data starts at or after the end of the previous option's data. The
//     specification does not spell out an order, but real clients
//     (SqlClient, go-mssqldb, FreeTDS) write the data in table order, and
//     overlapping data could be read differently by two peers, so tdswire
//     rejects both. Gaps between data are
//     tolerated (the encoder does not reproduce them);
//   - an option of length 0 owns no bytes, so its offset is only checked
//     to be inside the message; it takes no part in the order rule;
//   - no token appears twice, known or not.
//
// Entries does not check option lengths or values; Message.Decode does.
func Entries(msg []byte) iter.Seq2[Entry, error] {
	return func(yield func(Entry, error) bool) {
		var p parser
		if err := p.start(msg); err != nil {
			yield(Entry{}, err)
			return
		}
		for {
			e, ok, err := p.next()
			if err != nil {
				yield(Entry{}, err)
				return
			}
			if !ok || !yield(e, nil) {
				return
			}
		}
	}
}

// parser walks an option table for Entries and Message.Decode.
type parser struct {
	msg      []byte
	tableEnd int       // offset just past the TERMINATOR
	nextAt   int       // offset of the next table entry
	dataEnd  int       // end of the data of the last option that had data
	seen     [4]uint64 // tokens returned so far, one bit per token value
}

// start prepares p to walk the option table of msg.
func (p *parser) start(msg []byte) error {
	*p = parser{msg: msg}
	i := 0
	for {
		if i >= len(msg) {
			return tds.Errorf(layer, i, tds.ErrTruncated, "option table ends without a TERMINATOR (0xFF)")
		}
		if msg[i] == byte(OptionTerminator) {
			break
		}
		if len(msg)-i < entryLen {
			return tds.Errorf(layer, i, tds.ErrTruncated,
				"option table entry for token 0x%02x needs %d bytes, have %d, and no TERMINATOR (0xFF) follows",
				msg[i], entryLen, len(msg)-i)
		}
		i += entryLen
	}
	p.tableEnd = i + 1
	p.dataEnd = p.tableEnd
	return nil
}

// next returns the next entry of the table and true, false after the last
// one, or the error of a malformed entry.
func (p *parser) next() (Entry, bool, error) {
	at := p.nextAt
	if at+1 >= p.tableEnd {
		return Entry{}, false, nil
	}
	e := p.msg[at : at+entryLen]
	tok := Option(e[0])
	off := int(binary.BigEndian.Uint16(e[1:3]))
	n := int(binary.BigEndian.Uint16(e[3:5]))
	if p.seen[tok>>6]&(1<<(tok&63)) != 0 {
		return Entry{}, false, tds.Errorf(layer, at, tds.ErrMalformed, "option %v appears twice in the option table", tok)
	}
	if n == 0 {
		if off > len(p.msg) {
			return Entry{}, false, tds.Errorf(layer, at, tds.ErrMalformed,
				"option %v: PL_OFFSET %d is past the end of the %d-byte message", tok, off, len(p.msg))
		}
	} else {
		switch {
		case off < p.tableEnd:
			return Entry{}, false, tds.Errorf(layer, at, tds.ErrMalformed,
				"option %v: data at PL_OFFSET %d lies inside the option table, which ends at %d", tok, off, p.tableEnd)
		case off < p.dataEnd:
			return Entry{}, false, tds.Errorf(layer, at, tds.ErrMalformed,
				"option %v: data at PL_OFFSET %d overlaps or precedes the previous option's data, which ends at %d", tok, off, p.dataEnd)
		case n > len(p.msg)-off:
			return Entry{}, false, tds.Errorf(layer, at, tds.ErrTruncated,
				"option %v: %d bytes of data at PL_OFFSET %d run past the end of the %d-byte message", tok, n, off, len(p.msg))
		}
		p.dataEnd = off + n
	}
	p.seen[tok>>6] |= 1 << (tok & 63)
	p.nextAt = at + entryLen
	return Entry{At: at, Token: tok, Offset: off, Data: p.msg[off : off+n : off+n]}, true, nil
}

// putEntry writes a table entry for tok with data at off of length n into
// b, which has room for it.
func putEntry(b []byte, tok Option, off, n int) {
	b[0] = byte(tok)
	binary.BigEndian.PutUint16(b[1:3], uint16(off))
	binary.BigEndian.PutUint16(b[3:5], uint16(n))
}

func hex2(b uint8) string {
	s := strconv.FormatUint(uint64(b), 16)
	if len(s) == 1 {
		return "0" + s
	}
	return s
}
