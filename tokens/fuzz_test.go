package tokens

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tdswire/tdswire/tds"
)

var fuzzVersions = []tds.Version{
	tds.Version70, tds.Version71, tds.Version71Rev1, tds.Version72,
	tds.Version73A, tds.Version73B, tds.Version74, tds.Version80,
}

func fuzzVersionIndex(v tds.Version) uint8 {
	for i, w := range fuzzVersions {
		if w == v {
			return uint8(i)
		}
	}
	return 0
}

// FuzzScanner scans arbitrary bytes with an arbitrary version (vi bits
// 0-4), DATACLASSIFICATION_VERSION (bits 5-6) and column encryption
// setting (bit 7). It checks
// that the scanner never panics, that errors are *tds.Error values, that
// the column slice never grows beyond what the input can describe, and
// that every token that decodes re-encodes to a token that decodes to the
// same value (byte for byte where the encoding is canonical), and that
// rows read with RowValues, measured by Span, or passed by Next give the
// same tokens, ends and errors (checkRowModes).
func FuzzScanner(f *testing.F) {
	for _, g := range goldenFiles {
		vi := fuzzVersionIndex(g.ver)
		if encryptedFiles[g.file] {
			vi |= 0x80
		}
		vi |= classificationVersion[g.file] << 5
		f.Add(golden(f, g.file), vi)
	}
	f.Fuzz(func(t *testing.T, b []byte, vi uint8) {
		v := fuzzVersions[int(vi&0x1F)%len(fuzzVersions)]
		s := NewScanner(b, v)
		s.SetColumnEncryption(vi&0x80 != 0)
		s.SetDataClassificationVersion(vi >> 5 & 3)
		checkRowModes(t, b, v, vi&0x80 != 0, vi>>5&3)
		for {
			_, err := s.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				var e *tds.Error
				if !errors.As(err, &e) {
					t.Fatalf("error %v is %T, not *tds.Error", err, err)
				}
				if e.Offset < 0 || e.Offset > int64(len(b)) {
					t.Fatalf("error offset %d outside the %d-byte input", e.Offset, len(b))
				}
				break
			}
			if max := len(b)/minColumnLen(v) + 1; cap(s.cols) > max {
				t.Fatalf("column slice capacity %d for a %d-byte input", cap(s.cols), len(b))
			}
			if start, end := s.Span(); end <= start {
				// A row that does not measure (Next leaves rows open
				// for RowValues): the next Next returns its error.
				continue
			}
			roundTrip(t, &s)
		}
	})
}

// roundTrip decodes the current token with its typed decoder, encodes the
// value and checks the result.
func roundTrip(t *testing.T, s *Scanner) {
	tok := s.Bytes()
	v := s.Version()
	same := func(enc []byte) {
		t.Helper()
		if diff := cmp.Diff(tok, enc); diff != "" {
			t.Fatalf("%v (%v) re-encodes differently (-decoded +re-encoded):\n%s", s.Type(), v, diff)
		}
	}
	switch s.Type() {
	case TokenDone, TokenDoneProc, TokenDoneInProc:
		var d Done
		mustOK(t, s.Done(&d))
		same(d.Append(nil, v))
	case TokenError, TokenInfo:
		var m Message
		if lengthOnly(t, s.Message(&m)) {
			same(encoded(t)(m.Append(nil, v)))
		}
	case TokenLoginAck:
		var a LoginAck
		if lengthOnly(t, s.LoginAck(&a)) {
			same(encoded(t)(a.Append(nil)))
		}
	case TokenReturnStatus:
		var rs ReturnStatus
		mustOK(t, s.ReturnStatus(&rs))
		same(rs.Append(nil))
	case TokenOffset:
		var o Offset
		mustOK(t, s.Offset(&o))
		same(o.Append(nil))
	case TokenSSPI:
		var x SSPI
		mustOK(t, s.SSPI(&x))
		same(encoded(t)(x.Append(nil)))
	case TokenOrder:
		var o Order
		if lengthOnly(t, s.Order(&o)) {
			same(o.Append(nil))
		}
	case TokenColInfo:
		var c ColInfo
		if lengthOnly(t, s.ColInfo(&c)) {
			same(c.Append(nil))
		}
	case TokenTabName:
		var tn TabName
		if lengthOnly(t, s.TabName(&tn)) {
			same(encoded(t)(tn.Append(nil, v)))
		}
	case TokenFeatureExtAck:
		var a FeatureExtAck
		mustOK(t, s.FeatureExtAck(&a))
		same(a.Append(nil))
	case TokenEnvChange:
		var e, e2 EnvChange
		if !lengthOnly(t, s.EnvChange(&e)) {
			return
		}
		if _, err := e2.decode(encoded(t)(e.Append(nil))); err != nil {
			t.Fatalf("re-encoded ENVCHANGE: %v", err)
		}
		if e2.Type != e.Type || !bytes.Equal(e2.NewValue, e.NewValue) || !bytes.Equal(e2.OldValue, e.OldValue) {
			t.Fatalf("ENVCHANGE %+v came back as %+v", e, e2)
		}
	case TokenSessionState:
		var x, y SessionState
		if !lengthOnly(t, s.SessionState(&x)) {
			return
		}
		_, err := y.decode(x.Append(nil))
		mustOK(t, err)
		if diff := cmp.Diff(x, y, cmpAll); diff != "" {
			t.Fatalf("SESSIONSTATE changed (-first +second):\n%s", diff)
		}
	case TokenFedAuthInfo:
		var f, g FedAuthInfo
		if !lengthOnly(t, s.FedAuthInfo(&f)) {
			return
		}
		if _, err := g.decode(f.Append(nil)); err != nil || g.Len() != f.Len() {
			t.Fatalf("FEDAUTHINFO came back with %d options, %v", g.Len(), err)
		}
		for i := 0; i < f.Len(); i++ {
			if diff := cmp.Diff(f.Option(i), g.Option(i), cmpAll); diff != "" {
				t.Fatalf("FEDAUTHINFO option %d changed (-first +second):\n%s", i, diff)
			}
		}
	case TokenColMetadata:
		var m ColMetadata
		mustOK(t, s.ColMetadata(&m))
		m2 := ColMetadata{ColumnEncryption: m.ColumnEncryption}
		if _, err := m2.decode(encoded(t)(m.Append(nil, v)), v); err != nil {
			t.Fatalf("re-encoded COLMETADATA: %v", err)
		}
		if m.NoMetaData != m2.NoMetaData {
			t.Fatalf("COLMETADATA NoMetaData %v came back as %v", m.NoMetaData, m2.NoMetaData)
		}
		if diff := cmp.Diff(m.CekTable, m2.CekTable, cmpAll); diff != "" {
			t.Fatalf("COLMETADATA CekTable changed (-first +second):\n%s", diff)
		}
		if !m.NoMetaData && len(m.Columns)+len(m2.Columns) > 0 {
			if diff := cmp.Diff(m.Columns, m2.Columns, cmpAll); diff != "" {
				t.Fatalf("COLMETADATA columns changed (-first +second):\n%s", diff)
			}
		}
	case TokenRow, TokenNBCRow:
		vals, err := s.RowValues(nil)
		mustOK(t, err)
		wires := make([][]byte, len(vals))
		for i := range vals {
			wires[i] = vals[i].Wire
		}
		var row []byte
		if s.Type() == TokenRow {
			row = AppendRow(nil, wires...)
			same(row)
		} else {
			row = AppendNBCRow(nil, wires...)
		}
		s2 := NewScanner(row, v)
		s2.SetColumns(s.Columns())
		if _, err := s2.Next(); err != nil {
			t.Fatalf("re-encoded row: %v", err)
		}
		vals2, err := s2.RowValues(nil)
		mustOK(t, err)
		if diff := cmp.Diff(vals, vals2, cmpAll); diff != "" {
			t.Fatalf("row changed (-first +second):\n%s", diff)
		}
	case TokenDataClassification:
		var d, d2 DataClassification
		mustOK(t, s.DataClassification(&d))
		same(d.Append(nil))
		d2.Version = d.Version
		_, err := d2.decode(tok)
		mustOK(t, err)
		if diff := cmp.Diff(d, d2, cmpAll); diff != "" {
			t.Fatalf("DATACLASSIFICATION changed (-first +second):\n%s", diff)
		}
	case TokenReturnValue:
		var rv, rv2 ReturnValue
		mustOK(t, s.ReturnValue(&rv))
		_, err := rv2.decode(rv.Append(nil, v), v)
		mustOK(t, err)
		if diff := cmp.Diff(rv, rv2, cmpAll); diff != "" {
			t.Fatalf("RETURNVALUE changed (-first +second):\n%s", diff)
		}
	}
}

// lengthOnly handles the typed decode of a token Next measured by its
// Length field alone: the fields inside may still be malformed, and the
// error must then be a *tds.Error inside the token. It reports whether the
// token decoded.
func lengthOnly(t *testing.T, err error) bool {
	t.Helper()
	if err == nil {
		return true
	}
	var e *tds.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v is %T, not *tds.Error", err, err)
	}
	return false
}

// mustOK fails on a typed decode error for a token Next measured by
// walking its fields: then the measurement and the decoder must agree.
func mustOK(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("token measured but not decodable: %v", err)
	}
}

// FuzzEncodeDecode builds a token stream from arbitrary field values with
// the encoders, scans it back and checks decode(encode(x)) == x for every
// token.
func FuzzEncodeDecode(f *testing.F) {
	f.Add(int32(5701), uint8(2), uint8(0), "Changed database context to 'AdventureWorks'.", "SQL01", "", int32(1),
		uint16(0x11), uint16(0xC1), uint64(1), "AdventureWorks", []byte("NTLMSSP\x00"), uint16(1433), uint8(6))
	f.Add(int32(18456), uint8(1), uint8(14), "Login failed for user 'sa'.", "", "sp_x", int32(-1),
		uint16(0x2), uint16(0), uint64(1<<40), "", []byte{}, uint16(1), uint8(1))
	f.Fuzz(func(t *testing.T, num int32, state, class uint8, msg, server, proc string, line int32,
		status, cmd uint16, rows uint64, db string, blob []byte, port uint16, vi uint8) {
		if len(msg) > 1000 || len(server) > 100 || len(proc) > 100 || len(db) > 100 || len(blob) > 1000 || port == 0 {
			return // beyond the field limits the encoders clip to
		}
		v := fuzzVersions[int(vi)%len(fuzzVersions)]
		if !wide(v) {
			line = int32(uint16(line))
			rows = uint64(uint32(rows))
		}
		e := Message{Type: TokenError, Number: num, State: state, Class: class, MsgText: ucs2(msg), ServerName: ucs2(server), ProcName: ucs2(proc), LineNumber: line}
		ack := LoginAck{Interface: class, TDSVersion: tds.Version(rows), ProgName: ucs2(server), ProgVersion: ProgVersion{state, class, uint8(cmd >> 8), uint8(cmd)}}
		env := EnvChange{Type: EnvDatabase, NewValue: ucs2(db), OldValue: ucs2(server)}
		route := Routing{Port: port, AlternateServer: ucs2(server), AlternateDatabase: ucs2(db)}
		renv := EnvChange{Type: EnvEnhancedRouting, NewValue: route.AppendValue(nil, true), OldValue: []byte{}}
		promote := EnvChange{Type: EnvPromoteTran, NewValue: blob, OldValue: []byte{}}
		done := Done{Type: TokenDone, Status: DoneStatus(status), CurCmd: cmd, RowCount: rows}
		states := AppendStateData(AppendStateData(nil, StateData{ID: state, Value: blob}), StateData{ID: class, Value: []byte(db)})
		ss := SessionState{SeqNo: uint32(num), Status: state, States: states}

		var b []byte
		b = encoded(t)(env.Append(b))
		info := e
		info.Type = TokenInfo
		b = encoded(t)(info.Append(b, v))
		b = encoded(t)(ack.Append(b))
		b = encoded(t)(renv.Append(b))
		b = encoded(t)(promote.Append(b))
		b = encoded(t)(SSPI{Buffer: blob}.Append(b))
		b = AppendFeatureExtAck(b, FeatureAck{FeatureID(state &^ 0x80), blob}, FeatureAck{FeatureUTF8Support, []byte{1}})
		b = ss.Append(b)
		b = ReturnStatus(num).Append(b)
		b = encoded(t)(e.Append(b, v))
		b = Done{Type: TokenDoneInProc, Status: done.Status, CurCmd: cmd, RowCount: rows}.Append(b, v)
		b = Done{Type: TokenDoneProc, Status: done.Status, CurCmd: cmd, RowCount: rows}.Append(b, v)
		b = done.Append(b, v)

		s := NewScanner(b, v)
		next := func(want TokenType) {
			t.Helper()
			if tt, err := s.Next(); err != nil || tt != want {
				t.Fatalf("Next = %v, %v; want %v", tt, err, want)
			}
		}
		sameEnv := func(want EnvChange) {
			t.Helper()
			var got EnvChange
			mustOK(t, s.EnvChange(&got))
			if diff := cmp.Diff(want, got, cmpViews); diff != "" {
				t.Fatalf("ENVCHANGE came back changed (-want +got):\n%s", diff)
			}
		}
		next(TokenEnvChange)
		sameEnv(env)
		var m Message
		next(TokenInfo)
		mustOK(t, s.Message(&m))
		if diff := cmp.Diff(info, m, cmpViews); diff != "" {
			t.Fatalf("INFO came back changed (-want +got):\n%s", diff)
		}
		var a LoginAck
		next(TokenLoginAck)
		mustOK(t, s.LoginAck(&a))
		if diff := cmp.Diff(ack, a, cmpViews); diff != "" {
			t.Fatalf("LOGINACK came back changed (-want +got):\n%s", diff)
		}
		next(TokenEnvChange)
		sameEnv(renv)
		var ge EnvChange
		_ = s.EnvChange(&ge)
		r, ok := ge.Routing()
		if !ok {
			t.Fatalf("routing %+v not read back", route)
		}
		if diff := cmp.Diff(route, r, cmpViews); diff != "" {
			t.Fatalf("routing came back changed (-want +got):\n%s", diff)
		}
		next(TokenEnvChange)
		sameEnv(promote)
		var x SSPI
		next(TokenSSPI)
		if err := s.SSPI(&x); err != nil || !bytes.Equal(x.Buffer, blob) {
			t.Fatalf("SSPI came back as % X, %v", x.Buffer, err)
		}
		var fa FeatureExtAck
		next(TokenFeatureExtAck)
		if err := s.FeatureExtAck(&fa); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]FeatureAck{{FeatureID(state &^ 0x80), blob}, {FeatureUTF8Support, []byte{1}}}, slices.Collect(fa.Options()), cmpViews); diff != "" {
			t.Fatalf("FEATUREEXTACK options changed (-want +got):\n%s", diff)
		}
		var gs SessionState
		next(TokenSessionState)
		if err := s.SessionState(&gs); err != nil || gs.SeqNo != ss.SeqNo || gs.Status != ss.Status || !bytes.Equal(gs.States, states) {
			t.Fatalf("SESSIONSTATE came back as %+v, %v", gs, err)
		}
		next(TokenReturnStatus)
		if rs := ReturnStatus(-1); s.ReturnStatus(&rs) != nil || rs != ReturnStatus(num) {
			t.Fatalf("RETURNSTATUS came back as %d, %v", rs, s.ReturnStatus(&rs))
		}
		next(TokenError)
		mustOK(t, s.Message(&m))
		if diff := cmp.Diff(e, m, cmpViews); diff != "" {
			t.Fatalf("ERROR came back changed (-want +got):\n%s", diff)
		}
		for _, tt := range []TokenType{TokenDoneInProc, TokenDoneProc, TokenDone} {
			next(tt)
			var d Done
			mustOK(t, s.Done(&d))
			if diff := cmp.Diff(Done{Type: tt, Status: done.Status, CurCmd: cmd, RowCount: rows}, d); diff != "" {
				t.Fatalf("%v came back changed (-want +got):\n%s", tt, diff)
			}
		}
		if _, err := s.Next(); err != io.EOF {
			t.Fatalf("after the stream: %v", err)
		}
	})
}
