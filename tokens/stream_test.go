package tokens

import (
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/tdswire/tdswire/tds"
)

// streamConfig is what a token stream needs from the login besides its
// bytes: the version, column encryption and DATACLASSIFICATION_VERSION.
type streamConfig struct {
	ver tds.Version
	enc bool
	dcv uint8
}

// reencodeStream scans b token by token, decodes each token with its
// typed decoder and encodes the value with the value's own encoder,
// never consulting the Scanner's Type: DONEPROC must come back as
// DONEPROC and INFO as INFO because the values remember what they were.
// Only ROW and NBCROW, which have no value type of their own, take their
// encoder from the token type. It returns the re-encoded stream, the
// token types scanned, and the first error (io.EOF excluded); out holds
// the tokens before that error.
func reencodeStream(b []byte, c streamConfig) (out []byte, types []TokenType, err error) {
	s := NewScanner(b, c.ver)
	s.SetColumnEncryption(c.enc)
	s.SetDataClassificationVersion(c.dcv)
	for {
		tt, err := s.Next()
		if err == io.EOF {
			return out, types, nil
		}
		if err != nil {
			return out, types, err
		}
		v := s.Version()
		var enc []byte
		var val any // the value the Scanner decoded, compared with the stand-alone decoder's
		var encErr error
		switch tt {
		case TokenDone, TokenDoneProc, TokenDoneInProc:
			var d Done
			err = s.Done(&d)
			val = d
			enc = d.Append(nil, v)
		case TokenError, TokenInfo:
			var m Message
			err = s.Message(&m)
			val = m
			enc, encErr = m.Append(nil, v)
		case TokenLoginAck:
			var a LoginAck
			err = s.LoginAck(&a)
			val = a
			enc, encErr = a.Append(nil)
			s.SetVersion(a.Negotiated())
		case TokenReturnStatus:
			var rs ReturnStatus
			err = s.ReturnStatus(&rs)
			val = rs
			enc = rs.Append(nil)
		case TokenOffset:
			var o Offset
			err = s.Offset(&o)
			val = o
			enc = o.Append(nil)
		case TokenSSPI:
			var x SSPI
			err = s.SSPI(&x)
			val = x
			enc, encErr = x.Append(nil)
		case TokenOrder:
			var o Order
			err = s.Order(&o)
			val = o
			enc = o.Append(nil)
		case TokenColInfo:
			var ci ColInfo
			err = s.ColInfo(&ci)
			val = ci
			enc = ci.Append(nil)
		case TokenTabName:
			var tn TabName
			err = s.TabName(&tn)
			val = tn
			enc, encErr = tn.Append(nil, v)
		case TokenFeatureExtAck:
			var a FeatureExtAck
			err = s.FeatureExtAck(&a)
			val = a
			enc = a.Append(nil)
		case TokenEnvChange:
			var e EnvChange
			err = s.EnvChange(&e)
			val = e
			enc, encErr = e.Append(nil)
		case TokenSessionState:
			var x SessionState
			err = s.SessionState(&x)
			val = x
			enc = x.Append(nil)
		case TokenFedAuthInfo:
			var f FedAuthInfo
			err = s.FedAuthInfo(&f)
			val = f
			enc = f.Append(nil)
		case TokenColMetadata:
			var m ColMetadata
			err = s.ColMetadata(&m)
			val = m
			enc, encErr = m.Append(nil, v)
		case TokenRow, TokenNBCRow:
			var vals []ColumnValue
			vals, err = s.RowValues(nil)
			wires := make([][]byte, len(vals))
			for i := range vals {
				wires[i] = vals[i].Wire
			}
			if tt == TokenRow {
				enc = AppendRow(nil, wires...)
			} else {
				enc = AppendNBCRow(nil, wires...)
			}
		case TokenDataClassification:
			var d DataClassification
			err = s.DataClassification(&d)
			val = d
			enc = d.Append(nil)
		case TokenReturnValue:
			var rv ReturnValue
			err = s.ReturnValue(&rv)
			val = rv
			enc = rv.Append(nil, v)
		default: // a token this package has no value for: kept as sent
			enc = s.Bytes()
		}
		if err == nil {
			err = encErr
		}
		if err != nil {
			return out, types, err
		}
		if val != nil {
			if err := sameAsStandalone(tt, s.Bytes(), v, c, val); err != nil {
				return out, types, err
			}
		}
		out = append(out, enc...)
		types = append(types, tt)
	}
}

// sameAsStandalone decodes tok with the stand-alone decoder of its type
// (DecodeDone, DecodeMessage, ...) and checks that it gives the value the
// Scanner gave.
func sameAsStandalone(tt TokenType, tok []byte, v tds.Version, c streamConfig, scanned any) error {
	var got any
	var n int
	var err error
	switch tt {
	case TokenDone, TokenDoneProc, TokenDoneInProc:
		got, n, err = wrap(DecodeDone(tok, v))
	case TokenError, TokenInfo:
		got, n, err = wrap(DecodeMessage(tok, v))
	case TokenLoginAck:
		got, n, err = wrap(DecodeLoginAck(tok))
	case TokenReturnStatus:
		got, n, err = wrap(DecodeReturnStatus(tok))
	case TokenOffset:
		got, n, err = wrap(DecodeOffset(tok))
	case TokenSSPI:
		got, n, err = wrap(DecodeSSPI(tok))
	case TokenOrder:
		got, n, err = wrap(DecodeOrder(tok))
	case TokenColInfo:
		got, n, err = wrap(DecodeColInfo(tok))
	case TokenTabName:
		got, n, err = wrap(DecodeTabName(tok, v))
	case TokenFeatureExtAck:
		got, n, err = wrap(DecodeFeatureExtAck(tok))
	case TokenEnvChange:
		got, n, err = wrap(DecodeEnvChange(tok))
	case TokenSessionState:
		got, n, err = wrap(DecodeSessionState(tok))
	case TokenFedAuthInfo:
		got, n, err = wrap(DecodeFedAuthInfo(tok))
	case TokenColMetadata:
		if scanned.(ColMetadata).NoMetaData {
			return nil // the Scanner reports the cached columns
		}
		got, n, err = wrap(DecodeColMetadata(tok, v, c.enc))
	case TokenDataClassification:
		got, n, err = wrap(DecodeDataClassification(tok, c.dcv))
	case TokenReturnValue:
		got, n, err = wrap(DecodeReturnValue(tok, v))
	default:
		return nil
	}
	if err != nil {
		return fmt.Errorf("%v: stand-alone decoder: %w", tt, err)
	}
	if n != len(tok) {
		return fmt.Errorf("%v: stand-alone decoder used %d of %d bytes", tt, n, len(tok))
	}
	if sm, ok := scanned.(ColMetadata); ok && len(sm.Columns) == 0 {
		// The Scanner reuses its column slice (an empty, non-nil slice
		// after a token of zero columns); the stand-alone decoder returns
		// nil. Both mean no columns.
		gm := got.(ColMetadata)
		sm.Columns, gm.Columns = nil, nil
		scanned, got = sm, gm
	}
	if !reflect.DeepEqual(scanned, got) {
		return fmt.Errorf("%v: Scanner gave %+v, stand-alone decoder %+v", tt, scanned, got)
	}
	return nil
}

// wrap turns a stand-alone decoder's result into an any.
func wrap[T any](x T, n int, err error) (any, int, error) { return x, n, err }

// goldenStreamConfig is the configuration a golden vector is scanned with.
func goldenStreamConfig(file string, ver tds.Version) streamConfig {
	return streamConfig{ver: ver, enc: encryptedFiles[file], dcv: classificationVersion[file]}
}

// TestStreamRoundTripGolden re-encodes every golden response from its
// decoded values alone and expects the same bytes, token types included.
func TestStreamRoundTripGolden(t *testing.T) {
	for _, g := range goldenFiles {
		t.Run(g.file, func(t *testing.T) {
			b := golden(t, g.file)
			out, types, err := reencodeStream(b, goldenStreamConfig(g.file, g.ver))
			require.NoError(t, err, "decoding the golden stream")
			require.NotEmpty(t, types)
			if diff := cmp.Diff(b, out); diff != "" {
				t.Errorf("re-encoded stream differs (-want +got):\n%s", diff)
			}
		})
	}
}

// TestRoundTripKeepsKind checks that each of the tokens sharing a layout
// re-encodes as itself, through the stand-alone decoders too.
func TestRoundTripKeepsKind(t *testing.T) {
	for _, tt := range []TokenType{TokenDone, TokenDoneProc, TokenDoneInProc} {
		in := Done{Type: tt, Status: DoneMore | DoneCount, CurCmd: 0xC1, RowCount: 3}.Append(nil, tds.Version74)
		require.Equal(t, byte(tt), in[0])
		var d Done
		n, err := d.decode(in, tds.Version74)
		require.NoError(t, err)
		if diff := cmp.Diff(Done{Type: tt, Status: DoneMore | DoneCount, CurCmd: 0xC1, RowCount: 3}, d); diff != "" {
			t.Errorf("%v decoded (-want +got):\n%s", tt, diff)
		}
		if diff := cmp.Diff(in[:n], d.Append(nil, tds.Version74)); diff != "" {
			t.Errorf("%v re-encoded (-want +got):\n%s", tt, diff)
		}
	}
	for _, tt := range []TokenType{TokenError, TokenInfo} {
		in := encoded(t)(Message{Type: tt, Number: 5701, State: 2, MsgText: ucs2("x"), ServerName: ucs2("SQL01"), LineNumber: 1}.Append(nil, tds.Version74))
		require.Equal(t, byte(tt), in[0])
		var m Message
		n, err := m.decode(in, tds.Version74)
		require.NoError(t, err)
		if m.Type != tt {
			t.Errorf("%v decoded with Type %v", tt, m.Type)
		}
		if diff := cmp.Diff(in[:n], encoded(t)(m.Append(nil, tds.Version74))); diff != "" {
			t.Errorf("%v re-encoded (-want +got):\n%s", tt, diff)
		}
	}
	// The zero Type encodes as DONE and ERROR; other types do not leak
	// into the type byte.
	if b := (Done{}).Append(nil, tds.Version74); TokenType(b[0]) != TokenDone {
		t.Errorf("zero Done encodes as %v", TokenType(b[0]))
	}
	if b := (Done{Type: TokenRow}).Append(nil, tds.Version74); TokenType(b[0]) != TokenDone {
		t.Errorf("Done{Type: ROW} encodes as %v", TokenType(b[0]))
	}
	if b := encoded(t)((Message{}).Append(nil, tds.Version74)); TokenType(b[0]) != TokenError {
		t.Errorf("zero Message encodes as %v", TokenType(b[0]))
	}
	if b := encoded(t)((Message{Type: TokenDone}).Append(nil, tds.Version74)); TokenType(b[0]) != TokenError {
		t.Errorf("Message{Type: DONE} encodes as %v", TokenType(b[0]))
	}
}

// FuzzStreamRoundTrip decodes every token of an arbitrary stream with the
// typed decoders and re-encodes it from the values alone. The re-encoded
// stream must scan to the same token types, and re-encoding it again must
// give the same bytes: the encoding of a decoded value is canonical and
// loses no kind. Where the input is itself canonical (every golden vector
// is, TestStreamRoundTripGolden), the first pass gives the input back.
func FuzzStreamRoundTrip(f *testing.F) {
	for _, g := range goldenFiles {
		vi := fuzzVersionIndex(g.ver)
		if encryptedFiles[g.file] {
			vi |= 0x80
		}
		vi |= classificationVersion[g.file] << 5
		f.Add(golden(f, g.file), vi)
	}
	f.Fuzz(func(t *testing.T, b []byte, vi uint8) {
		c := streamConfig{ver: fuzzVersions[int(vi&0x1F)%len(fuzzVersions)], enc: vi&0x80 != 0, dcv: vi >> 5 & 3}
		out, types, err := reencodeStream(b, c)
		if err != nil {
			var e *tds.Error
			if !errors.As(err, &e) || strings.Contains(err.Error(), "stand-alone decoder") {
				t.Fatalf("%v (%T)", err, err)
			}
		}
		out2, types2, err := reencodeStream(out, c)
		if err != nil {
			t.Fatalf("re-encoded stream does not decode: %v\n% X", err, out)
		}
		if diff := cmp.Diff(types, types2); diff != "" {
			t.Fatalf("token types changed (-first +second):\n%s", diff)
		}
		if diff := cmp.Diff(out, out2); diff != "" {
			t.Fatalf("re-encoding is not stable (-first +second):\n%s", diff)
		}
	})
}
