package tokens

import (
	"encoding/binary"
	"io"

	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tds/sqltype"
)

// Scanner is a cursor over the token stream of one tabular-result message
// body ([MS-TDS] 2.2.4.2; the server messages of 2.2.2), with the packet
// headers already removed (see tds.Reader). It is modelled on
// dnsmessage.Parser:
// Next reports the type and byte span of the next token without
// allocating, tokens the caller does not ask about are skipped, and the
// typed methods (LoginAck, EnvChange, Done, ...) decode the current token
// into values the caller owns, on request.
//
// The Scanner keeps the column metadata of the last COLMETADATA token it
// passed (Columns), because ROW and NBCROW tokens cannot be measured
// without it. The column slice is reused from one COLMETADATA to the next;
// SetColumns lets the caller supply its backing array, or metadata cached
// from an earlier response when the server sends NoMetaData ([MS-TDS]
// 2.2.7.4). A Scanner is small and may be copied to remember a position;
// copies share the column slice, so a copy that passes a COLMETADATA
// changes the columns the original sees.
//
// All views returned by the Scanner and by the values it fills point into
// the buffer given to NewScanner or Reset and are valid while the caller
// leaves that buffer unchanged.
//
// Token types the Scanner does not know are skipped by their class
// ([MS-TDS] 2.2.4.2.1): zero-length tokens have no data, fixed-length
// tokens 1, 2, 4 or 8 bytes, and variable-length tokens are taken to carry
// a USHORT length, the class's usual form (leniency: the specification
// does not say how wide the length of an unknown variable-length token
// is). An unknown token of the variable-count class cannot be measured and
// ends the scan with an error.
//
// ALTMETADATA and ALTROW (legacy COMPUTE BY results, deprecated in TDS
// 7.4) are not implemented and end the scan with an error wrapping
// tds.ErrUnsupported; TVP_ROW (client to server only) in a response is a
// protocol violation, an error wrapping tds.ErrUnexpected. Two tokens depend on features
// negotiated at login that the stream does not repeat: encrypted columns
// need SetColumnEncryption, and DATACLASSIFICATION needs
// SetDataClassificationVersion.
type Scanner struct {
	buf []byte
	ver tds.Version
	cur int // offset of the current token
	end int // offset just past the current token, where the next one starts
	typ TokenType
	err error
	// rowOpen is set while the current token is a ROW or NBCROW whose
	// end Next has not measured: end is then cur, and RowValues (one walk
	// that decodes and measures) or settle (any other method that needs
	// the end) closes it.
	rowOpen bool
	// fastEnd bounds Next's fast path: from TDS 7.2, where DONE,
	// DONEPROC and DONEINPROC are 13 bytes (DoneLen), such a token fits in
	// buf at every offset below len(buf)-12, the value fastEnd then has;
	// otherwise (before TDS 7.2, after an error, in a zero Scanner) it is
	// 0 and the fast path never applies.
	fastEnd int

	cols    []Column
	hasCols bool
	cek     CekTable
	enc     bool                // column encryption negotiated: COLMETADATA has a CekTable
	dcv     uint8               // negotiated DATACLASSIFICATION_VERSION, 0 if none
	types   []*sqltype.TypeInfo // &cols[i].TypeInfo, for RowValues (rowTypes)
}

// NewScanner returns a Scanner over the token stream b, decoding with the
// field widths of TDS version v (the version LOGINACK reported; during the
// login response, the version the client asked for). b is not copied.
func NewScanner(b []byte, v tds.Version) Scanner {
	s := Scanner{buf: b, ver: v}
	s.setDoneLen(v)
	return s
}

// Reset makes s scan b with version v from the start, forgetting the
// current column metadata but keeping the capacity of its column slice
// and the negotiated features (SetColumnEncryption,
// SetDataClassificationVersion).
func (s *Scanner) Reset(b []byte, v tds.Version) {
	*s = Scanner{buf: b, ver: v, cols: s.cols[:0], types: s.types[:0], enc: s.enc, dcv: s.dcv}
	s.setDoneLen(v)
}

// SetColumnEncryption tells s whether the COLUMNENCRYPTION feature was
// negotiated for the connection ([MS-TDS] 2.2.6.4 FeatureExt and
// 2.2.7.11 FEATUREEXTACK, TDS 7.4). When it was, every COLMETADATA
// carries a CekTable after Count ([MS-TDS] 2.2.7.4), which the token
// stream itself does not announce.
func (s *Scanner) SetColumnEncryption(on bool) { s.enc = on }

// Version returns the TDS version s decodes with.
func (s *Scanner) Version() tds.Version { return s.ver }

// SetVersion changes the version used for the tokens after the current
// one. A client scanning a login response calls it after LOGINACK, whose
// TDSVersion is the version the rest of the connection uses.
func (s *Scanner) SetVersion(v tds.Version) {
	s.ver = v
	if s.err == nil {
		s.setDoneLen(v)
	}
}

// Next moves to the next token and returns its type. It returns io.EOF
// when the stream ends cleanly after a whole token, and a *tds.Error when
// the next token cannot be measured (truncated, malformed, or of a kind
// that cannot be skipped); after an error, Next keeps returning it.
//
// Next measures every token, so it validates the framing of each one, and
// for COLMETADATA it also decodes the column metadata that ROW and NBCROW
// need. It does not allocate, except when a COLMETADATA token has more
// columns than the column slice can hold.
//
// A ROW or NBCROW is measured lazily, so that a row is walked once whether
// or not its values are read: Next checks only that column metadata is
// present (and the NBCROW null bitmap), and the row's values are measured
// by RowValues, which decodes them in the same walk, or else by the first
// method that needs the row's end (the next Next, SkipRows, Span, Bytes,
// Rest, String). An error in a row's values is therefore returned by that
// call, with the same type and offset Next reported before, and from then
// on by Next.
//
// Next is small enough for the compiler to inline into its caller, so
// that a loop over DONE tokens keeps no call frame per token (a test pins
// it).
func (s *Scanner) Next() (TokenType, error) { return nextFast(s, (*Scanner).nextSlow) }

// nextFast is the body of Next. DONE, DONEPROC and DONEINPROC (0xFD to
// 0xFF) are the most frequent tokens and, from TDS 7.2, 13 bytes long
// ([MS-TDS] 2.2.7.6 to 2.2.7.8): when one starts at the cursor with all
// its bytes present, this path measures it with one comparison against
// s.fastEnd, one bounds check and no call. Everything else goes to slow,
// which is always (*Scanner).nextSlow.
//
// slow is a parameter, not a direct call, only for the inliner: Go's
// inliner charges a call through a function parameter 17 instead of 57
// (cmd/compile/internal/inline, inlineParamCallCost), which brings Next,
// fast path included, under the budget of 80. Check with
// go build -gcflags=-m=2 ./tokens/ 2>&1 | grep -E 'inline \(\*Scanner\)\.(Next|Done)\b'.
func nextFast(s *Scanner, slow func(*Scanner) (TokenType, error)) (t TokenType, err error) {
	if cur := s.end; cur < s.fastEnd {
		if t = TokenType(s.buf[cur]); t >= TokenDone {
			s.cur, s.typ, s.end = cur, t, cur+13
			return
		}
	}
	return slow(s)
}

// setDoneLen sets Scanner.fastEnd for the DONE size of version v.
func (s *Scanner) setDoneLen(v tds.Version) {
	s.fastEnd = 0
	if DoneLen(v) == 13 {
		s.fastEnd = len(s.buf) - 12
	}
}

// nextSlow is Next for every token but a whole DONE, at the end of the
// buffer and after an error.
func (s *Scanner) nextSlow() (TokenType, error) {
	if s.rowOpen {
		s.closeRow()
	}
	cur := s.end
	if s.err != nil || cur >= len(s.buf) {
		return s.stop()
	}
	t := TokenType(s.buf[cur])
	s.cur, s.typ = cur, t
	if t == TokenRow || t == TokenNBCRow {
		// Left open (end == cur) for RowValues or closeRow to measure.
		// rowStart's checks, written out: the call would cost every
		// row more than the checks.
		if !s.hasCols || t == TokenNBCRow && len(s.buf)-cur-1 < (len(s.cols)+7)/8 {
			return 0, s.fail(rebase(s.rowStartErr(s.buf[cur:]), cur))
		}
		s.rowOpen = true
		return t, nil
	}
	n, err := s.measure(s.buf[cur:])
	if err != nil {
		return 0, s.fail(rebase(err, cur))
	}
	s.end = cur + n
	return t, nil
}

// fail records err, which ends the scan: Next returns it from now on, and
// its fast path is off.
func (s *Scanner) fail(err error) error {
	s.err = err
	s.fastEnd = 0
	return err
}

// settle measures the current token if it is a ROW or NBCROW that Next
// left open; every method that reads s.end calls it first.
func (s *Scanner) settle() {
	if s.rowOpen {
		s.closeRow()
	}
}

// closeRow measures the open ROW or NBCROW at s.cur and sets its end, or
// records the error Next would have returned for it.
func (s *Scanner) closeRow() {
	s.rowOpen = false
	n, err := s.rowLen(s.buf[s.cur:], s.typ == TokenNBCRow)
	if err != nil {
		s.fail(rebase(err, s.cur))
		return
	}
	s.end = s.cur + n
}

// stop is Next at the end of the buffer or after an error, kept out of
// Next so that Next's common path stays short.
func (s *Scanner) stop() (TokenType, error) {
	if s.err != nil {
		return 0, s.err
	}
	s.cur = s.end
	return 0, io.EOF
}

// Type returns the type of the current token.
func (s *Scanner) Type() TokenType { return s.typ }

// Span returns the byte span of the current token in the buffer: its
// type byte is at start, and end is just past its last byte.
func (s *Scanner) Span() (start, end int) {
	s.settle()
	return s.cur, s.end
}

// Bytes returns the current token as it travels, type byte included: a
// view into the buffer.
func (s *Scanner) Bytes() []byte {
	s.settle()
	return s.buf[s.cur:s.end:s.end]
}

// Rest returns the bytes after the current token, not yet scanned.
func (s *Scanner) Rest() []byte {
	s.settle()
	return s.buf[s.end:]
}

// Columns returns the column metadata of the last COLMETADATA token
// passed, or nil if there was none. The slice and the views in it are
// overwritten by the next COLMETADATA.
func (s *Scanner) Columns() []Column {
	if !s.hasCols {
		return nil
	}
	return s.cols
}

// SetColumns installs cols as the current column metadata, as if a
// COLMETADATA token describing them had been passed, and makes its backing
// array the one later COLMETADATA tokens are decoded into. Use it to
// supply a reusable slice (SetColumns(make([]Column, 0, 64))), or the
// metadata a client cached before sending an RPC with fNoMetaData
// ([MS-TDS] 2.2.6.6), after which the server's COLMETADATA carries the
// NoMetaData marker 0xFFFF and leaves the columns unchanged.
func (s *Scanner) SetColumns(cols []Column) {
	s.cols = cols
	s.hasCols = true
}

// SkipTo calls Next until the current token is of one of the given
// types, and returns that type. It passes over every other token without
// decoding it, for example to discard a result after an attention signal
// up to the acknowledging DONE ([MS-TDS] 2.2.1.7, 4.19.2). It returns
// io.EOF if the stream ends first.
func (s *Scanner) SkipTo(types ...TokenType) (TokenType, error) {
	for {
		t, err := s.Next()
		if err != nil {
			return 0, err
		}
		for _, w := range types {
			if t == w {
				return t, nil
			}
		}
	}
}

// SkipRows passes over consecutive ROW and NBCROW tokens from the current
// position without decoding their values, and returns how many it passed.
// It stops before the first token of another type, which the following
// Next returns.
func (s *Scanner) SkipRows() (int, error) {
	s.settle()
	n := 0
	for s.err == nil && s.end < len(s.buf) {
		// Next's steps for a row, with the row measured at once (it is
		// not to be decoded).
		cur := s.end
		t := TokenType(s.buf[cur])
		if t != TokenRow && t != TokenNBCRow {
			break
		}
		s.cur, s.typ = cur, t
		l, err := s.rowLen(s.buf[cur:], t == TokenNBCRow)
		if err != nil {
			return n, s.fail(rebase(err, cur))
		}
		s.end = cur + l
		n++
	}
	return n, s.err
}

// current checks that the current token is one of want, and returns its
// bytes and offset.
func (s *Scanner) current(want ...TokenType) ([]byte, error) {
	s.settle()
	if s.end <= s.cur {
		return nil, tds.Errorf(layer, s.cur, tds.ErrUnexpected, "no current token (call Next first)")
	}
	for _, w := range want {
		if s.typ == w {
			return s.buf[s.cur:s.end:s.end], nil
		}
	}
	return nil, tds.Errorf(layer, s.cur, tds.ErrUnexpected, "current token is %v, not %v", s.typ, want[0])
}

// measure returns the length of the token at the start of b (b[0] is its
// type byte). For COLMETADATA it also installs the new column metadata.
func (s *Scanner) measure(b []byte) (int, error) {
	t := TokenType(b[0])
	switch t {
	case TokenDone, TokenDoneProc, TokenDoneInProc:
		return fixedLen(b, 4+rowCountLen(s.ver))
	case TokenTabName, TokenColInfo, TokenOrder, TokenError, TokenInfo, TokenLoginAck, TokenSSPI:
		return ushortLen(b)
	case TokenEnvChange:
		return envChangeLen(b)
	case TokenSessionState, TokenFedAuthInfo:
		return dwordLen(b)
	case TokenFeatureExtAck:
		return featureExtAckLen(b)
	case TokenColMetadata:
		return s.colMetadata(b)
	case TokenReturnValue:
		var rv ReturnValue
		return rv.decode(b, s.ver)
	case TokenDataClassification:
		return s.dataClassificationLen(b)
	case TokenAltMetadata, TokenAltRow:
		return 0, tds.Errorf(layer, 0, tds.ErrUnsupported, "%v tokens (COMPUTE BY results) are not supported and cannot be skipped", t)
	case TokenTVPRow:
		return 0, tds.Errorf(layer, 0, tds.ErrUnexpected, "%v is sent by clients only, not in a response", t)
	}
	switch t.Class() {
	case ClassZeroLength:
		return 1, nil
	case ClassFixed:
		return fixedLen(b, t.FixedLen())
	case ClassVariable:
		return ushortLen(b)
	}
	return 0, tds.Errorf(layer, 0, tds.ErrMalformed, "unknown token %v of the variable-count class cannot be skipped", t)
}

func fixedLen(b []byte, n int) (int, error) {
	if len(b)-1 < n {
		return 0, tds.Errorf(layer, 1, tds.ErrTruncated, "%v needs %d data bytes, %d remain", TokenType(b[0]), n, len(b)-1)
	}
	return 1 + n, nil
}

func ushortLen(b []byte) (int, error) {
	if len(b) < 3 {
		return 0, tds.Errorf(layer, 1, tds.ErrTruncated, "%v Length needs 2 bytes, %d remain", TokenType(b[0]), len(b)-1)
	}
	n := int(binary.LittleEndian.Uint16(b[1:]))
	if n > len(b)-3 {
		return 0, tds.Errorf(layer, 1, tds.ErrTruncated, "%v Length %d exceeds the %d bytes that remain", TokenType(b[0]), n, len(b)-3)
	}
	return 3 + n, nil
}

func dwordLen(b []byte) (int, error) {
	if len(b) < 5 {
		return 0, tds.Errorf(layer, 1, tds.ErrTruncated, "%v Length needs 4 bytes, %d remain", TokenType(b[0]), len(b)-1)
	}
	n := binary.LittleEndian.Uint32(b[1:])
	if uint64(n) > uint64(len(b)-5) {
		return 0, tds.Errorf(layer, 1, tds.ErrTruncated, "%v Length %d exceeds the %d bytes that remain", TokenType(b[0]), n, len(b)-5)
	}
	return 5 + int(n), nil
}
