package tokens

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tds/sqltype"
)

func TestTokenTypeString(t *testing.T) {
	cases := map[TokenType]string{
		TokenLoginAck: "LOGINACK", TokenEnvChange: "ENVCHANGE", TokenDoneInProc: "DONEINPROC",
		TokenNBCRow: "NBCROW", TokenColMetadata: "COLMETADATA", TokenType(0x42): "TokenType(0x42)",
	}
	for tt, want := range cases {
		if got := tt.String(); got != want {
			t.Errorf("%#x.String() = %q, want %q", uint8(tt), got, want)
		}
	}
	if TokenType(0x42).Known() || !TokenRow.Known() {
		t.Error("Known wrong")
	}
}

func TestTokenClass(t *testing.T) {
	cases := []struct {
		t     TokenType
		class Class
		fixed int
	}{
		{TokenColMetadata, ClassVariableCount, 0},
		{TokenAltMetadata, ClassVariableCount, 0},
		{TokenRow, ClassZeroLength, 0},
		{TokenNBCRow, ClassZeroLength, 0},
		{TokenReturnStatus, ClassFixed, 4},
		{TokenOffset, ClassFixed, 4},
		{TokenDone, ClassFixed, 8}, // the pre-7.2 size; the scanner knows 12 from 7.2
		{TokenType(0x30), ClassFixed, 1},
		{TokenType(0x34), ClassFixed, 2},
		{TokenEnvChange, ClassVariable, 0},
		{TokenLoginAck, ClassVariable, 0},
	}
	for _, c := range cases {
		if c.t.Class() != c.class || c.t.FixedLen() != c.fixed {
			t.Errorf("%v: class %#x fixed %d, want %#x %d", c.t, c.t.Class(), c.t.FixedLen(), c.class, c.fixed)
		}
	}
}

func TestDoneStatusString(t *testing.T) {
	cases := map[DoneStatus]string{
		0:                                  "FINAL",
		DoneMore | DoneCount:               "MORE|COUNT",
		DoneError | DoneAttn:               "ERROR|ATTN",
		DoneSrvError | DoneInXact:          "INXACT|SRVERROR",
		DoneRPCInBatch | DoneCount | 0x200: "COUNT|RPCINBATCH|0x0200",
	}
	for st, want := range cases {
		if got := st.String(); got != want {
			t.Errorf("%#x.String() = %q, want %q", uint16(st), got, want)
		}
	}
}

func TestDoneWidths(t *testing.T) {
	d := Done{Type: TokenDone, Status: DoneCount, CurCmd: 0xC1, RowCount: 7}
	old := d.Append(nil, tds.Version71)
	if want := []byte{0xFD, 0x10, 0x00, 0xC1, 0x00, 7, 0, 0, 0}; !bytes.Equal(old, want) {
		t.Errorf("7.1 DONE = % X, want % X", old, want)
	}
	if len(old) != DoneLen(tds.Version71) || DoneLen(tds.Version74) != 13 || DoneLen(tds.Version80) != 13 {
		t.Error("DoneLen wrong")
	}
	var got Done
	if n, err := got.decode(old, tds.Version71); err != nil || n != 9 || got != d {
		t.Errorf("Decode 7.1 = %+v, %d, %v", got, n, err)
	}
	// The same bytes read as 7.4 are truncated: 12 data bytes are needed.
	_, err := got.decode(old, tds.Version74)
	wantTDSError(t, err, tds.ErrTruncated, 5)
	// A 7.1 stream of two DONEs scanned with the wrong version fails.
	two := append(append([]byte{}, old...), old...)
	s := NewScanner(two, tds.Version74)
	mustNext(t, &s, TokenDone) // bytes 0..12 happen to be available
	if _, err := s.Next(); err == nil {
		t.Error("misaligned second DONE scanned without error")
	}
	if types := scanTypes(t, two, tds.Version71); len(types) != 2 {
		t.Errorf("7.1 scan: %v", types)
	}
}

func TestTDS71Batch(t *testing.T) {
	b := golden(t, "tds71_batch")
	s := NewScanner(b, tds.Version71)
	mustNext(t, &s, TokenColMetadata)
	cols := s.Columns()
	if len(cols) != 1 || cols[0].TypeInfo.Type != sqltype.TypeText || cols[0].UserType != 0 || cols[0].Flags != ColNullable {
		t.Fatalf("columns = %+v", cols)
	}
	if cols[0].TableName.NumParts() != 1 || !cols[0].TableName.Part(0).Equal("t1") || cols[0].TableName.String() != "t1" {
		t.Errorf("TableName = %q", cols[0].TableName.String())
	}
	wantUCS2(t, "ColName", cols[0].ColName, "txt")
	var md ColMetadata
	if err := s.ColMetadata(&md); err != nil {
		t.Fatal(err)
	}
	reencode(t, &s, encoded(t)(md.Append(nil, tds.Version71)))

	mustNext(t, &s, TokenRow)
	vals, err := s.RowValues(nil)
	if err != nil {
		t.Fatal(err)
	}
	if tp, ts := vals[0].TextPointer(); len(tp) != 16 || len(ts) != 8 || string(vals[0].Raw()) != "hello" {
		t.Errorf("text value: ptr %d, ts %d, %q", len(tp), len(ts), vals[0].Raw())
	}
	mustNext(t, &s, TokenRow)
	if vals, err = s.RowValues(vals); err != nil || !vals[0].IsNull() {
		t.Errorf("NULL text: %+v, %v", vals, err)
	}
	var d Done
	mustNext(t, &s, TokenDone)
	if err := s.Done(&d); err != nil || d.RowCount != 2 || len(s.Bytes()) != 9 {
		t.Errorf("DONE = %+v, %v", d, err)
	}
	mustNext(t, &s, TokenError)
	var e Message
	if err := s.Message(&e); err != nil {
		t.Fatal(err)
	}
	if e.Number != 207 || e.Class != 16 || e.LineNumber != 1 {
		t.Errorf("ERROR = %+v", e)
	}
	wantUCS2(t, "MsgText", e.MsgText, "Invalid column name 'x'.")
	reencode(t, &s, encoded(t)(e.Append(nil, tds.Version71)))
	mustNext(t, &s, TokenDone)
	mustEOF(t, &s)

	// The same ERROR token read with 7.2 widths has 2 bytes too few.
	var e2 Message
	tok := b[bytes.IndexByte(b, byte(TokenError)):]
	tok = tok[:3+0x3C]
	_, err = e2.decode(tok, tds.Version72)
	wantTDSError(t, err, tds.ErrTruncated, -1)
}

func TestEnvChangeTypes(t *testing.T) {
	b := golden(t, "envchange_types")
	s := NewScanner(b, tds.Version74)
	type check func(t *testing.T, e EnvChange)
	str := func(newV, oldV string) check {
		return func(t *testing.T, e EnvChange) {
			wantUCS2(t, "new", e.NewString(), newV)
			wantUCS2(t, "old", e.OldString(), oldV)
		}
	}
	desc := func(want uint64) check {
		return func(t *testing.T, e EnvChange) {
			if d, ok := e.Descriptor(); !ok || d != want {
				t.Errorf("Descriptor = %#x, %v; want %#x", d, ok, want)
			}
		}
	}
	cases := []struct {
		typ   EnvChangeType
		name  string
		check check
	}{
		{EnvCharset, "CharacterSet", str("iso_1", "")},
		{EnvSortLocaleID, "SortLocaleID", str("1033", "")},
		{EnvSortFlags, "SortFlags", str("196609", "")},
		{EnvBeginTran, "BeginTransaction", desc(0x1A00000001)},
		{EnvCommitTran, "CommitTransaction", desc(0x1A00000001)},
		{EnvRollbackTran, "RollbackTransaction", desc(0x1A00000001)},
		{EnvEnlistDTCTran, "EnlistDTCTransaction", desc(0x1A00000002)},
		{EnvDefectTran, "DefectTransaction", desc(0x1A00000003)},
		{EnvRealTimeLogShip, "RealTimeLogShipping", str("PARTNER", "")},
		{EnvPromoteTran, "PromoteTransaction", func(t *testing.T, e EnvChange) {
			if !bytes.Equal(e.NewValue, []byte{0xDE, 0xAD, 0xBE, 0xEF}) || len(e.OldValue) != 0 {
				t.Errorf("promote = % X / % X", e.NewValue, e.OldValue)
			}
		}},
		{EnvTranManagerAddress, "TransactionManagerAddress", func(t *testing.T, e EnvChange) {
			if !bytes.Equal(e.NewValue, []byte{0x0A, 0, 0, 1}) {
				t.Errorf("address = % X", e.NewValue)
			}
		}},
		{EnvTranEnded, "TransactionEnded", desc(0x1A00000004)},
		{EnvResetConnAck, "ResetConnectionAck", func(t *testing.T, e EnvChange) {
			if len(e.NewValue)+len(e.OldValue) != 0 {
				t.Error("reset ack carries values")
			}
		}},
		{EnvUserInstance, "UserInstance", str("INST", "")},
		{EnvRouting, "Routing", func(t *testing.T, e EnvChange) {
			r, ok := e.Routing()
			if !ok || r.Protocol != 0 || r.Port != 1433 || !r.AlternateServer.Equal("srv2") || r.AlternateDatabase != nil {
				t.Errorf("Routing = %+v, %v", r, ok)
			}
			if got := encoded(t)((EnvChange{Type: EnvRouting, NewValue: r.AppendValue(nil, false)}).Append(nil)); !bytes.Equal(got, s.Bytes()) {
				t.Errorf("routing rebuilt as % X", got)
			}
		}},
		{EnvEnhancedRouting, "EnhancedRouting", func(t *testing.T, e EnvChange) {
			r, ok := e.Routing()
			if !ok || r.Port != 1433 || !r.AlternateServer.Equal("srv2") || !r.AlternateDatabase.Equal("db2") {
				t.Errorf("Routing = %+v, %v", r, ok)
			}
			if got := encoded(t)((EnvChange{Type: EnvEnhancedRouting, NewValue: r.AppendValue(nil, true)}).Append(nil)); !bytes.Equal(got, s.Bytes()) {
				t.Errorf("routing rebuilt as % X", got)
			}
		}},
		{EnvChangeType(14), "EnvChangeType(14)", func(t *testing.T, e EnvChange) {
			if !bytes.Equal(e.NewValue, []byte{0xAB, 0xCD}) || e.OldValue != nil {
				t.Errorf("unknown type kept as % X / % X", e.NewValue, e.OldValue)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mustNext(t, &s, TokenEnvChange)
			var e EnvChange
			if err := s.EnvChange(&e); err != nil {
				t.Fatal(err)
			}
			if e.Type != c.typ || e.Type.String() != c.name {
				t.Fatalf("Type = %v, want %v", e.Type, c.name)
			}
			c.check(t, e)
			reencode(t, &s, encoded(t)(e.Append(nil)))
			if _, ok := e.Collation(); ok {
				t.Error("Collation() on a non-collation change")
			}
		})
	}
	mustEOF(t, &s)
}

func TestEnvChangeErrors(t *testing.T) {
	// PacketSize on other types and with bad digits.
	if _, ok := (EnvChange{Type: EnvDatabase}).PacketSize(); ok {
		t.Error("PacketSize on Database reports ok")
	}
	for _, v := range []string{"40a6", "", "100", "99999", "12345678901"} {
		e := EnvChange{Type: EnvPacketSize, NewValue: ucs2(v), OldValue: ucs2("4096")}
		if _, ok := e.PacketSize(); ok {
			t.Errorf("PacketSize(%q) reports ok", v)
		}
		// Decode rejects the token, at the value.
		var d EnvChange
		_, err := d.decode(encoded(t)(e.Append(nil)))
		wantTDSError(t, err, tds.ErrMalformed, -1)
		var te *tds.Error
		if errors.As(err, &te) && (te.Offset < 5 || te.Offset > 5+int64(len(v))*2) {
			t.Errorf("PacketSize(%q) decode error at offset %d, not in the value", v, te.Offset)
		}
	}
	// Routing MUSTs: Protocol 0, port not 0.
	for _, r := range []Routing{{Protocol: 1, Port: 1433}, {Protocol: 0, Port: 0}} {
		e := EnvChange{Type: EnvRouting, NewValue: r.AppendValue(nil, false)}
		if _, ok := e.Routing(); ok {
			t.Errorf("Routing(%+v) reports ok", r)
		}
		var d EnvChange
		_, err := d.decode(encoded(t)(e.Append(nil)))
		wantTDSError(t, err, tds.ErrMalformed, -1)
	}
	if _, ok := (EnvChange{Type: EnvDatabase}).Routing(); ok {
		t.Error("Routing on Database reports ok")
	}
	// A Length longer than the values it holds is malformed.
	var e EnvChange
	_, err := e.decode([]byte{0xE3, 0x06, 0x00, 0x01, 0x01, 0x41, 0x00, 0x00, 0xFF})
	wantTDSError(t, err, tds.ErrMalformed, 8)
	// A value running past Length is truncated, even if bytes follow.
	_, err = e.decode([]byte{0xE3, 0x05, 0x00, 0x01, 0x02, 0x41, 0x00, 0x00, 0x42, 0x00, 0x00})
	wantTDSError(t, err, tds.ErrTruncated, 4)
	// Promote transaction with a Length covering the data is accepted too.
	lenient := []byte{0xE3, 0x0A, 0x00, 0x0F, 0x04, 0, 0, 0, 1, 2, 3, 4, 0x00}
	if n, err := e.decode(lenient); err != nil || n != len(lenient) || !bytes.Equal(e.NewValue, []byte{1, 2, 3, 4}) {
		t.Errorf("lenient promote: %d, %v, % X", n, err, e.NewValue)
	}
	// Promote with Length 1 and a DTC token longer than the input.
	_, err = e.decode([]byte{0xE3, 0x01, 0x00, 0x0F, 0xFF, 0xFF, 0xFF, 0x7F, 0x00})
	wantTDSError(t, err, tds.ErrTruncated, 4)
}

func TestBrowseTokens(t *testing.T) {
	b := golden(t, "browse")
	s := NewScanner(b, tds.Version74)

	mustNext(t, &s, TokenTabName)
	var tn TabName
	if err := s.TabName(&tn); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"dbo.t1"}, tableNames(tn)); diff != "" {
		t.Errorf("TABNAME names (-want +got):\n%s", diff)
	}
	_, name, err := AppendTableName(nil, "dbo", "t1")
	if err != nil {
		t.Fatal(err)
	}
	reencode(t, &s, encoded(t)(AppendTabName(nil, tds.Version74, name)))
	reencode(t, &s, encoded(t)(tn.Append(nil, tds.Version74)))
	// Before 7.1 revision 1 a table name is one US_VARCHAR.
	if got := encoded(t)(AppendTabName(nil, tds.Version71, name)); !bytes.Equal(got, []byte{0xA4, 0x08, 0x00, 0x03, 0x00, 'd', 0, 'b', 0, 'o', 0}) {
		t.Errorf("7.1 TABNAME = % X", got)
	}

	mustNext(t, &s, TokenColInfo)
	var ci ColInfo
	if err := s.ColInfo(&ci); err != nil {
		t.Fatal(err)
	}
	want := []ColProperty{
		{ColNum: 1, TableNum: 1},
		{ColNum: 2, TableNum: 1, Status: ColInfoDifferentName, ColName: ucs2("val")},
		{ColNum: 3, Status: ColInfoExpression},
	}
	if diff := cmp.Diff(want, slices.Collect(ci.Properties()), cmpViews); diff != "" {
		t.Errorf("COLINFO properties (-want +got):\n%s", diff)
	}
	reencode(t, &s, encoded(t)(AppendColInfo(nil, want...)))
	reencode(t, &s, ci.Append(nil))

	mustNext(t, &s, TokenOrder)
	var o Order
	if err := s.Order(&o); err != nil {
		t.Fatal(err)
	}
	if o.Len() != 2 || o.ColNum(0) != 1 || o.ColNum(1) != 2 {
		t.Errorf("ORDER = %d columns", o.Len())
	}
	reencode(t, &s, encoded(t)(AppendOrder(nil, 1, 2)))
	reencode(t, &s, o.Append(nil))
	mustEOF(t, &s)

	if _, err := o.decode([]byte{0xA9, 0x03, 0x00, 1, 0, 2}); !errors.Is(err, tds.ErrMalformed) {
		t.Errorf("odd ORDER Length: %v", err)
	}
}

func TestSSPIAndFedAuthInfo(t *testing.T) {
	b := golden(t, "sspi_fedauthinfo")
	s := NewScanner(b, tds.Version74)
	mustNext(t, &s, TokenSSPI)
	var x SSPI
	if err := s.SSPI(&x); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(x.Buffer, []byte("NTLMSSP\x00")) || len(x.Buffer) != 12 {
		t.Errorf("SSPI = % X", x.Buffer)
	}
	reencode(t, &s, encoded(t)(x.Append(nil)))

	mustNext(t, &s, TokenFedAuthInfo)
	var f FedAuthInfo
	if err := s.FedAuthInfo(&f); err != nil {
		t.Fatal(err)
	}
	if f.Len() != 2 {
		t.Fatalf("Len = %d", f.Len())
	}
	spn, url := f.Option(0), f.Option(1)
	if spn.ID != FedAuthInfoSPN || !tds.UCS2(spn.Data).Equal("sql1") || url.ID != FedAuthInfoSTSURL || !tds.UCS2(url.Data).Equal("https://s") {
		t.Errorf("options = %+v %+v", spn, url)
	}
	reencode(t, &s, AppendFedAuthInfo(nil, spn, url))
	reencode(t, &s, f.Append(nil))
	mustEOF(t, &s)

	// An offset that points into the option table is rejected.
	bad := append([]byte{}, s.buf[15:]...)
	bad[5+4+5] = 0x04
	_, err := f.decode(bad)
	wantTDSError(t, err, tds.ErrMalformed, 5+4+1)
	// A count that cannot fit.
	_, err = f.decode([]byte{0xEE, 0x04, 0, 0, 0, 0xFF, 0, 0, 0})
	wantTDSError(t, err, tds.ErrMalformed, 5)
}

func TestSpecLoginResponseFedAuth(t *testing.T) {
	b := golden(t, "spec_login_response_fedauth")
	s := NewScanner(b, tds.Version74)
	var m Message
	var ack LoginAck
	var a FeatureExtAck
	infos := 0
	for {
		tt, err := s.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		switch tt {
		case TokenInfo:
			if err := s.Message(&m); err != nil {
				t.Fatal(err)
			}
			wantUCS2(t, "ServerName", m.ServerName, "cloud")
			if m.LineNumber != 1 {
				t.Errorf("LineNumber = %d", m.LineNumber)
			}
			reencode(t, &s, encoded(t)(m.Append(nil, tds.Version74)))
			infos++
		case TokenLoginAck:
			if err := s.LoginAck(&ack); err != nil {
				t.Fatal(err)
			}
			if ack.ProgVersion.String() != "11.0.2251" || ack.TDSVersion != tds.Version74 {
				t.Errorf("LOGINACK = %+v", ack)
			}
		case TokenFeatureExtAck:
			if err := s.FeatureExtAck(&a); err != nil {
				t.Fatal(err)
			}
			opts := slices.Collect(a.Options())
			if len(opts) != 1 || opts[0].ID != FeatureFedAuth || len(opts[0].Data) != 64 {
				t.Errorf("FEDAUTH ack wrong: %v", opts)
			}
			reencode(t, &s, a.Append(nil))
		}
	}
	if infos != 2 {
		t.Errorf("%d INFO tokens", infos)
	}
}

func TestLoginAckLegacyVersions(t *testing.T) {
	for _, c := range []struct {
		wire []byte
		raw  tds.Version
		neg  tds.Version
	}{
		{[]byte{0x07, 0x00, 0x00, 0x00}, 0x07000000, tds.Version70},
		{[]byte{0x07, 0x01, 0x00, 0x00}, 0x07010000, tds.Version71},
		{[]byte{0x71, 0x00, 0x00, 0x01}, tds.Version71Rev1, tds.Version71Rev1},
	} {
		b := append([]byte{0xAD, 0x0A, 0x00, 0x01}, c.wire...)
		b = append(b, 0x00, 7, 0, 0x03, 0xDE)
		var a LoginAck
		if _, err := a.decode(b); err != nil {
			t.Fatal(err)
		}
		if a.TDSVersion != c.raw || a.Negotiated() != c.neg || a.ProgVersion.Build() != 990 {
			t.Errorf("% X: %v / %v / %v", c.wire, a.TDSVersion, a.Negotiated(), a.ProgVersion)
		}
		if !bytes.Equal(encoded(t)(a.Append(nil)), b) {
			t.Errorf("re-encoded as % X", encoded(t)(a.Append(nil)))
		}
	}
}

func TestUnknownTokensSkippedByClass(t *testing.T) {
	b := []byte{
		0x10,       // zero-length class
		0x30, 0xAA, // fixed, 1 byte
		0x34, 1, 2, // fixed, 2 bytes
		0x38, 1, 2, 3, 4, // fixed, 4 bytes
		0x3C, 1, 2, 3, 4, 5, 6, 7, 8, // fixed, 8 bytes
		0xA0, 0x02, 0x00, 0xBE, 0xEF, // variable, USHORT length 2
		0x78, 0x01, 0x00, 0x02, 0x00, // OFFSET (removed in 7.2): fixed, 4 bytes
		0xFD, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	}
	sameTypes(t, scanTypes(t, b, tds.Version74), 0x10, 0x30, 0x34, 0x38, 0x3C, 0xA0, TokenOffset, TokenDone)

	s := NewScanner(b, tds.Version71)
	if tt, err := s.SkipTo(TokenOffset); err != nil || tt != TokenOffset {
		t.Fatalf("SkipTo(OFFSET) = %v, %v", tt, err)
	}
	if start, end := s.Span(); start != 25 || end != 30 {
		t.Errorf("Span = %d, %d", start, end)
	}
	var o Offset
	if err := s.Offset(&o); err != nil || o.Identifier != 1 || o.OffsetLen != 2 {
		t.Errorf("OFFSET = %+v, %v", o, err)
	}
	reencode(t, &s, o.Append(nil))
}

func TestScannerErrors(t *testing.T) {
	cases := []struct {
		name  string
		b     []byte
		class error
		off   int
	}{
		{"ROW before COLMETADATA", []byte{0xD1, 0x01}, tds.ErrUnexpected, 0},
		{"NBCROW before COLMETADATA", []byte{0xFD, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xD2, 0x00}, tds.ErrUnexpected, 13},
		{"unknown variable-count token", []byte{0x40, 0x01}, tds.ErrMalformed, 0},
		{"ALTMETADATA", []byte{0x88, 0x01, 0x00}, tds.ErrUnsupported, 0},
		{"ALTROW", []byte{0xD3, 0x01, 0x00}, tds.ErrUnsupported, 0},
		{"DATACLASSIFICATION without a version", []byte{0xA3, 0x00, 0x00}, tds.ErrUnexpected, 0},
		{"TVP_ROW", []byte{0x01}, tds.ErrUnexpected, 0},
		{"truncated Length", []byte{0xAD, 0x05}, tds.ErrTruncated, 1},
		{"Length past the end", []byte{0x79, 0, 0, 0, 0, 0xAD, 0x05, 0x00, 1, 2}, tds.ErrTruncated, 6},
		{"truncated DONE", []byte{0xFD, 0, 0, 0, 0, 0, 0, 0}, tds.ErrTruncated, 1},
		{"FEATUREEXTACK without terminator", []byte{0xAE, 0x01, 0x01, 0, 0, 0, 0xAA}, tds.ErrTruncated, 7},
		{"FEATUREEXTACK data past the end", []byte{0xAE, 0x01, 0xFF, 0xFF, 0xFF, 0xFF}, tds.ErrTruncated, 2},
		{"SESSIONSTATE Length past the end", []byte{0xE4, 0xFF, 0xFF, 0xFF, 0xFF, 0}, tds.ErrTruncated, 1},
		{"COLMETADATA count too large", []byte{0x81, 0x10, 0x00, 0, 0, 0, 0, 0, 0, 0x38, 0}, tds.ErrTruncated, 1},
		{"COLMETADATA bad type", []byte{0x81, 0x01, 0x00, 0, 0, 0, 0, 0, 0, 0x99, 0}, tds.ErrMalformed, 9},
		{"encrypted column", []byte{0x81, 0x01, 0x00, 0, 0, 0, 0, 0x00, 0x08, 0x38, 0}, tds.ErrUnexpected, 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := NewScanner(c.b, tds.Version74)
			var err error
			for err == nil {
				_, err = s.Next()
			}
			if err == io.EOF {
				t.Fatal("scanned to the end without error")
			}
			wantTDSError(t, err, c.class, c.off)
			if !strings.HasPrefix(err.Error(), "tokens: ") && !strings.HasPrefix(err.Error(), "sqltype") {
				t.Errorf("error %q lacks the layer", err)
			}
		})
	}
}

func TestNBCRowFixedTypeNull(t *testing.T) {
	// COLMETADATA with one INT4 column (not nullable), then an NBCROW that
	// marks it NULL.
	b := []byte{0x81, 0x01, 0x00, 0, 0, 0, 0, 0, 0, 0x38, 0, 0xD2, 0x01}
	s := NewScanner(b, tds.Version74)
	mustNext(t, &s, TokenColMetadata)
	// Next leaves the row open; the call that measures it reports the
	// error, which Next then keeps returning.
	for _, measure := range []struct {
		name string
		f    func(s *Scanner) error
	}{
		{"Next", func(s *Scanner) error { _, err := s.Next(); return err }},
		{"RowValues", func(s *Scanner) error { _, err := s.RowValues(nil); return err }},
		{"SkipRows", func(s *Scanner) error { _, err := s.SkipRows(); return err }},
	} {
		s := s
		mustNext(t, &s, TokenNBCRow)
		wantTDSError(t, measure.f(&s), tds.ErrMalformed, 12)
		_, err := s.Next()
		wantTDSError(t, err, tds.ErrMalformed, 12)
	}
}

func TestTypedDecodeWrongToken(t *testing.T) {
	b := golden(t, "spec_rpc_response")
	s := NewScanner(b, tds.Version74)
	var ack LoginAck
	if err := s.LoginAck(&ack); !errors.Is(err, tds.ErrUnexpected) {
		t.Errorf("LoginAck before Next: %v", err)
	}
	mustNext(t, &s, TokenDoneInProc)
	var e Message
	if err := s.Message(&e); !errors.Is(err, tds.ErrUnexpected) {
		t.Errorf("Message on DONEINPROC: %v", err)
	}
	if _, err := s.RowValues(nil); !errors.Is(err, tds.ErrUnexpected) {
		t.Errorf("RowValues on DONEINPROC: %v", err)
	}
	var d Done
	if _, err := d.decode(s.Bytes(), tds.Version74); err != nil || d.Type != TokenDoneInProc {
		t.Errorf("Done.Decode of DONEINPROC: %+v, %v", d, err)
	}
	if _, err := e.decode(s.Bytes(), tds.Version74); !errors.Is(err, tds.ErrUnexpected) {
		t.Errorf("Message.Decode of DONEINPROC: %v", err)
	}
}

func TestNoMetaData(t *testing.T) {
	// An RPC sent with fNoMetaData: the server's COLMETADATA has Count
	// 0xFFFF and the rows use the metadata the client cached.
	cached := golden(t, "spec_sql_batch_response")
	s := NewScanner(cached, tds.Version74)
	mustNext(t, &s, TokenColMetadata)
	cols := append([]Column(nil), s.Columns()...)

	b := []byte{0x81, 0xFF, 0xFF, 0xD1, 0x02, 0x00, 'h', 'i'}
	s2 := NewScanner(b, tds.Version74)
	s2.SetColumns(cols)
	mustNext(t, &s2, TokenColMetadata)
	var md ColMetadata
	if err := s2.ColMetadata(&md); err != nil || !md.NoMetaData || len(md.Columns) != 1 {
		t.Fatalf("NoMetaData = %+v, %v", md, err)
	}
	reencode(t, &s2, encoded(t)(ColMetadata{NoMetaData: true}.Append(nil, tds.Version74)))
	mustNext(t, &s2, TokenRow)
	vals, err := s2.RowValues(nil)
	if err != nil || string(vals[0].Raw()) != "hi" {
		t.Errorf("row = %+v, %v", vals, err)
	}
	var md2 ColMetadata
	if n, err := md2.decode(b, tds.Version74); err != nil || n != 3 || !md2.NoMetaData {
		t.Errorf("Decode NoMetaData = %d, %v", n, err)
	}
}

func TestSkipRowsAndReset(t *testing.T) {
	b := golden(t, "spec_sparse_column")
	s := NewScanner(b, tds.Version73B)
	mustNext(t, &s, TokenColMetadata)
	n, err := s.SkipRows()
	if err != nil || n != 10 {
		t.Fatalf("SkipRows = %d, %v", n, err)
	}
	mustNext(t, &s, TokenDone)
	if len(s.Rest()) != 0 {
		t.Errorf("Rest = %d bytes", len(s.Rest()))
	}
	s.Reset(b[:3], tds.Version74)
	if s.Columns() != nil || s.Version() != tds.Version74 {
		t.Error("Reset kept columns or version")
	}
	if _, err := s.Next(); !errors.Is(err, tds.ErrTruncated) {
		t.Errorf("truncated COLMETADATA: %v", err)
	}
}

// TestTruncatedGolden cuts every golden vector at every length and checks
// that scanning never panics and fails with ErrTruncated (or reaches the
// end exactly at a token boundary).
func TestTruncatedGolden(t *testing.T) {
	for _, c := range goldenFiles {
		full := golden(t, c.file)
		bounds := map[int]bool{0: true}
		s := NewScanner(full, c.ver)
		s.SetColumnEncryption(encryptedFiles[c.file])
		s.SetDataClassificationVersion(classificationVersion[c.file])
		for {
			if _, err := s.Next(); err != nil {
				break
			}
			bounds[start(&s)+len(s.Bytes())] = true
		}
		for n := 0; n < len(full); n++ {
			s := NewScanner(full[:n], c.ver)
			s.SetColumnEncryption(encryptedFiles[c.file])
			s.SetDataClassificationVersion(classificationVersion[c.file])
			var err error
			for err == nil {
				_, err = s.Next()
			}
			if bounds[n] {
				if err != io.EOF {
					t.Errorf("%s[:%d] (a token boundary): %v", c.file, n, err)
				}
				continue
			}
			if !errors.Is(err, tds.ErrTruncated) {
				t.Errorf("%s[:%d]: %v, want ErrTruncated", c.file, n, err)
			}
		}
	}
}

// goldenFiles lists every vector with the version it is scanned with.
var goldenFiles = []struct {
	file string
	ver  tds.Version
}{
	{"spec_login_response", tds.Version72},
	{"spec_login_response_fedauth", tds.Version74},
	{"spec_sql_batch_response", tds.Version72},
	{"spec_rpc_response", tds.Version72},
	{"spec_session_state", tds.Version74},
	{"spec_featureextack_sessionrecovery", tds.Version74},
	{"spec_featureextack_azure", tds.Version74},
	{"spec_sparse_column", tds.Version73B},
	{"spec_bulk_load", tds.Version74},
	{"nulls", tds.Version74},
	{"seed_login_response_71", tds.Version71Rev1},
	{"seed_login_response_73", tds.Version73A},
	{"seed_login_response_74", tds.Version74},
	{"login_failed", tds.Version74},
	{"stored_proc", tds.Version74},
	{"envchange_types", tds.Version74},
	{"tds71_batch", tds.Version71},
	{"browse", tds.Version74},
	{"sspi_fedauthinfo", tds.Version74},
	{"encrypted", tds.Version74},
	{"dataclassification_v1", tds.Version74},
	{"dataclassification_v2", tds.Version74},
}

// encryptedFiles are scanned with SetColumnEncryption(true).
var encryptedFiles = map[string]bool{"encrypted": true}

// classificationVersion gives the DATACLASSIFICATION_VERSION a vector is
// scanned with.
var classificationVersion = map[string]uint8{"dataclassification_v1": 1, "dataclassification_v2": 2}

func TestEncoderLimits(t *testing.T) {
	// FEATUREEXTACK drops a terminator-valued option.
	if got := AppendFeatureExtAck(nil, FeatureAck{ID: FeatureTerminator}); !bytes.Equal(got, []byte{0xAE, 0xFF}) {
		t.Errorf("terminator option written: % X", got)
	}
	// Long state values use the 0xFF + DWORD StateLen.
	long2 := bytes.Repeat([]byte{7}, 300)
	set := AppendStateData(nil, StateData{ID: 3, Value: long2})
	if !bytes.Equal(set[:6], []byte{3, 0xFF, 0x2C, 0x01, 0, 0}) {
		t.Errorf("long StateLen = % X", set[:6])
	}
	ps, err := ParseSessionStateDataSet(set)
	if err != nil {
		t.Fatal(err)
	}
	states, err := collect2(ps.States())
	require.NoError(t, err)
	if diff := cmp.Diff([]StateData{{ID: 3, Value: long2}}, states); diff != "" {
		t.Errorf("long state (-want +got):\n%s", diff)
	}
	if _, err := ParseSessionStateDataSet([]byte{1, 5, 0}); !errors.Is(err, tds.ErrTruncated) {
		t.Errorf("short state: %v", err)
	}
}

func TestSkipTo(t *testing.T) {
	b := golden(t, "stored_proc")
	s := NewScanner(b, tds.Version74)
	if tt, err := s.SkipTo(TokenReturnStatus, TokenReturnValue); err != nil || tt != TokenReturnStatus {
		t.Fatalf("SkipTo = %v, %v", tt, err)
	}
	if tt, err := s.SkipTo(TokenDoneProc); err != nil || tt != TokenDoneProc {
		t.Fatalf("SkipTo = %v, %v", tt, err)
	}
	if _, err := s.SkipTo(TokenDone); err != io.EOF {
		t.Fatalf("SkipTo past the end = %v", err)
	}
	var zero TableName
	if zero.Part(0) != nil || zero.String() != "" {
		t.Error("zero TableName has parts")
	}
}

func TestColumnEncryption(t *testing.T) {
	b := golden(t, "encrypted")
	// Without the setting, the CekTable is read as column data and fails
	// (here on its bytes 01 00 00 00 taken as UserType, Flags and a type).
	s := NewScanner(b, tds.Version74)
	_, err := s.Next()
	wantTDSError(t, err, tds.ErrMalformed, 9)

	s = NewScanner(b, tds.Version74)
	s.SetColumnEncryption(true)
	mustNext(t, &s, TokenColMetadata)
	var md ColMetadata
	if err := s.ColMetadata(&md); err != nil {
		t.Fatal(err)
	}
	if md.CekTable.Len() != 1 || len(md.Columns) != 1 || !md.ColumnEncryption {
		t.Fatalf("COLMETADATA = %+v", md)
	}
	eks := slices.Collect(md.CekTable.Entries())
	require.Len(t, eks, 1, "EK_INFO entries")
	ek := eks[0]
	if ek.DatabaseID != 5 || ek.CekID != 1 || ek.CekVersion != 1 || ek.CekMDVersion != 42 || ek.Len() != 1 {
		t.Errorf("EK_INFO = %+v", ek)
	}
	kvs := slices.Collect(ek.Values())
	require.Len(t, kvs, 1, "EncryptionKeyValues")
	kv := kvs[0]
	if !bytes.Equal(kv.EncryptedKey, []byte{0xDE, 0xAD, 0xBE, 0xEF}) {
		t.Errorf("EncryptedKey = % X", kv.EncryptedKey)
	}
	wantUCS2(t, "KeyStoreName", kv.KeyStoreName, "KS")
	wantUCS2(t, "KeyPath", kv.KeyPath, "k/1")
	wantUCS2(t, "AsymmetricAlgo", kv.AsymmetricAlgo, "RSA_OAEP")
	c := md.Columns[0]
	if c.Flags != ColNullable|ColEncrypted || c.TypeInfo.Type != sqltype.TypeBigVarBinary || c.Crypto.BaseTypeInfo.Type != sqltype.TypeInt4 ||
		c.Crypto.EncryptionAlgo != EncryptionAlgoAES256HMACSHA256 || c.Crypto.EncryptionAlgoType != EncryptionDeterministic || c.Crypto.NormVersion != 1 {
		t.Errorf("column = %+v", c)
	}
	wantUCS2(t, "ColName", c.ColName, "ssn")
	reencode(t, &s, encoded(t)(md.Append(nil, tds.Version74)))
	// Rebuild the CekTable from its parts.
	entries := AppendEKInfo(nil, EKInfo{DatabaseID: 5, CekID: 1, CekVersion: 1, CekMDVersion: 42}, kv)
	cek, err := NewCekTable(1, entries)
	if err != nil {
		t.Fatal(err)
	}
	md2 := ColMetadata{Columns: md.Columns, ColumnEncryption: true, CekTable: cek}
	reencode(t, &s, encoded(t)(md2.Append(nil, tds.Version74)))
	if _, err := NewCekTable(2, entries); !errors.Is(err, tds.ErrTruncated) {
		t.Errorf("NewCekTable with a short table: %v", err)
	}

	mustNext(t, &s, TokenRow)
	vals, err := s.RowValues(nil)
	if err != nil || !bytes.Equal(vals[0].Raw(), []byte{1, 2, 3, 4}) {
		t.Errorf("ciphertext = %+v, %v", vals, err)
	}

	mustNext(t, &s, TokenReturnValue)
	var rv ReturnValue
	if err := s.ReturnValue(&rv); err != nil {
		t.Fatal(err)
	}
	if rv.Crypto.EncryptionAlgo != EncryptionAlgoCustom || !rv.Crypto.AlgoName.Equal("X1") || rv.Crypto.EncryptionAlgoType != EncryptionRandomized ||
		rv.Crypto.BaseTypeInfo.Type != sqltype.TypeInt4 || !bytes.Equal(rv.Value.Raw(), []byte{0xAA, 0xBB}) {
		t.Errorf("RETURNVALUE = %+v", rv)
	}
	reencode(t, &s, rv.Append(nil, tds.Version74))
	mustNext(t, &s, TokenDone)
	mustEOF(t, &s)
}

func TestDataClassification(t *testing.T) {
	for _, c := range []struct {
		file    string
		version uint8
	}{{"dataclassification_v1", 1}, {"dataclassification_v2", 2}} {
		t.Run(c.file, func(t *testing.T) {
			b := golden(t, c.file)
			s := NewScanner(b, tds.Version74)
			_, err := s.Next()
			wantTDSError(t, err, tds.ErrUnexpected, 0)

			s = NewScanner(b, tds.Version74)
			s.SetDataClassificationVersion(c.version)
			mustNext(t, &s, TokenDataClassification)
			var d DataClassification
			if err := s.DataClassification(&d); err != nil {
				t.Fatal(err)
			}
			rank := c.version == 2
			if d.Labels.Len() != 1 || d.InformationTypes.Len() != 2 || d.NumColumns() != 2 {
				t.Fatalf("counts %d %d %d", d.Labels.Len(), d.InformationTypes.Len(), d.NumColumns())
			}
			if rank && d.Rank != RankMedium || !rank && d.Rank != 0 {
				t.Errorf("Rank = %d", d.Rank)
			}
			if diff := cmp.Diff([]Label{{ucs2("Confidential"), ucs2("c1")}}, slices.Collect(d.Labels.Labels()), cmpViews); diff != "" {
				t.Errorf("labels (-want +got):\n%s", diff)
			}
			var names []string
			for l := range d.InformationTypes.Labels() {
				names = append(names, l.Name.String()+"/"+l.ID.String())
			}
			if strings.Join(names, ",") != "Email/e,Name/n" {
				t.Errorf("information types %v", names)
			}
			want := [][]SensitivityProperty{
				{{0, 1, 20}},
				{{0, 0, 30}, {NoIndex, 1, RankNotDefined}},
			}
			gotCols := slices.Collect(d.Columns())
			require.Len(t, gotCols, len(want), "per-column data")
			var cols []byte
			for i, w := range want {
				col := gotCols[i]
				if col.Len() != len(w) {
					t.Fatalf("column %d: %d properties", i, col.Len())
				}
				for j := range w {
					if !rank {
						w[j].Rank = 0
					}
				}
				if diff := cmp.Diff(w, slices.Collect(col.Properties())); diff != "" {
					t.Errorf("column %d properties (-want +got):\n%s", i, diff)
				}
				cols = encoded(t)(AppendColumnSensitivity(cols, rank, w...))
			}
			reencode(t, &s, d.Append(nil))
			// Rebuild from parts.
			buf, labels, err := AppendLabels(nil, Label{ucs2("Confidential"), ucs2("c1")})
			if err != nil {
				t.Fatal(err)
			}
			_, types, err := AppendLabels(buf, Label{ucs2("Email"), ucs2("e")}, Label{ucs2("Name"), ucs2("n")})
			if err != nil {
				t.Fatal(err)
			}
			d2, err := NewDataClassification(c.version, labels, types, d.Rank, 2, cols)
			if err != nil {
				t.Fatal(err)
			}
			reencode(t, &s, d2.Append(nil))
			if _, err := NewDataClassification(c.version, labels, types, 0, 3, cols); err == nil {
				t.Error("NewDataClassification accepted a wrong column count")
			}
			mustNext(t, &s, TokenDone)
			mustEOF(t, &s)
		})
	}
	var d DataClassification
	if _, err := d.decode([]byte{0xA3}); !errors.Is(err, tds.ErrUnexpected) {
		t.Errorf("version 0: %v", err)
	}
}

func TestRowValuesAfterSetColumns(t *testing.T) {
	// Columns swapped between Next and RowValues must give an error, not
	// a panic: here an NBCROW of one column is decoded with 20 (zero
	// TypeInfos, which have no TYPE_VARBYTE form). The row is open, so
	// RowValues measures it with the new columns, and the error ends the
	// scan; measured before the swap (Span), the row keeps its end and
	// the error is RowValues' alone.
	b := golden(t, "stored_proc")
	for _, measured := range []bool{false, true} {
		s := NewScanner(b, tds.Version74)
		if _, err := s.SkipTo(TokenNBCRow); err != nil {
			t.Fatal(err)
		}
		if measured {
			s.Span()
		}
		s.SetColumns(make([]Column, 20))
		_, err := s.RowValues(nil)
		var te *tds.Error
		if !errors.As(err, &te) {
			t.Fatalf("measured %v: RowValues with other columns: %v, want a *tds.Error", measured, err)
		}
		_, nerr := s.Next()
		if measured != (nerr == nil) || !measured && !errors.As(nerr, &te) {
			t.Errorf("measured %v: Next after the failed RowValues: %v", measured, nerr)
		}
	}
}

func TestSpecFeatureExtAckAzure(t *testing.T) {
	b := golden(t, "spec_featureextack_azure")
	s := NewScanner(b, tds.Version74)
	var d Done
	for i := 0; i < 14; i++ {
		mustNext(t, &s, TokenDoneInProc)
		if err := s.Done(&d); err != nil || d.Status&DoneMore == 0 {
			t.Fatalf("DONEINPROC %d = %+v, %v", i, d, err)
		}
	}
	var ec EnvChange
	mustNext(t, &s, TokenEnvChange)
	if err := s.EnvChange(&ec); err != nil {
		t.Fatal(err)
	}
	wantUCS2(t, "database", ec.NewString(), "testdb")
	var m Message
	mustNext(t, &s, TokenInfo)
	if err := s.Message(&m); err != nil {
		t.Fatal(err)
	}
	wantUCS2(t, "ServerName", m.ServerName, "testsvr")
	wantUCS2(t, "MsgText", m.MsgText, "Changed database context to 'testdb'.")
	if _, err := s.SkipTo(TokenLoginAck); err != nil {
		t.Fatal(err)
	}
	var ack LoginAck
	if err := s.LoginAck(&ack); err != nil || ack.ProgVersion.String() != "12.0.1000" {
		t.Errorf("LOGINACK = %+v, %v", ack, err)
	}
	mustNext(t, &s, TokenEnvChange)
	if err := s.EnvChange(&ec); err != nil {
		t.Fatal(err)
	}
	if n, ok := ec.PacketSize(); n != 8000 || !ok {
		t.Errorf("PacketSize = %d, %v", n, ok)
	}
	mustNext(t, &s, TokenFeatureExtAck)
	var a FeatureExtAck
	if err := s.FeatureExtAck(&a); err != nil {
		t.Fatal(err)
	}
	var ids []FeatureID
	for o := range a.Options() {
		ids = append(ids, o.ID)
		switch o.ID {
		case FeatureSessionRecovery:
			set, err := ParseSessionStateDataSet(o.Data)
			if err != nil {
				t.Fatal(err)
			}
			states, err := collect2(set.States())
			require.NoError(t, err)
			n, last := len(states), states[len(states)-1]
			if n != 9 || last.ID != 0x0B || len(last.Value) != 71 {
				t.Errorf("%d states, last %d with %d bytes", n, last.ID, len(last.Value))
			}
		default:
			if len(o.Data) != 1 || o.Data[0] != 1 {
				t.Errorf("feature %d data % X", o.ID, o.Data)
			}
		}
	}
	if len(ids) != 4 || ids[0] != FeatureSessionRecovery || ids[1] != FeatureColumnEncryption || ids[2] != FeatureGlobalTransactions || ids[3] != FeatureAzureSQLSupport {
		t.Errorf("features %v", ids)
	}
	reencode(t, &s, a.Append(nil))
	mustNext(t, &s, TokenDone)
	mustEOF(t, &s)
}

func TestSpecBulkLoad(t *testing.T) {
	b := golden(t, "spec_bulk_load")
	s := NewScanner(b, tds.Version74)
	mustNext(t, &s, TokenColMetadata)
	c := s.Columns()
	if len(c) != 1 || c[0].TypeInfo.Type != sqltype.TypeBit || c[0].Flags.Updateable() != 1 || c[0].Flags&ColNullable == 0 {
		t.Fatalf("columns = %+v", c)
	}
	wantUCS2(t, "ColName", c[0].ColName, "c1")
	mustNext(t, &s, TokenRow)
	vals, err := s.RowValues(nil)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := vals[0].Bool(); err != nil || v {
		t.Errorf("bit = %v, %v", v, err)
	}
	reencode(t, &s, AppendRow(nil, vals[0].Wire))
	mustNext(t, &s, TokenDone)
	mustEOF(t, &s)
}

func TestNullsInEveryLengthClass(t *testing.T) {
	b := golden(t, "nulls")
	s := NewScanner(b, tds.Version74)
	mustNext(t, &s, TokenColMetadata)
	if len(s.Columns()) != 6 {
		t.Fatalf("%d columns", len(s.Columns()))
	}
	mustNext(t, &s, TokenNBCRow)
	compressed, err := s.RowValues(nil)
	if err != nil {
		t.Fatal(err)
	}
	mustNext(t, &s, TokenRow)
	full, err := s.RowValues(nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range full {
		if !compressed[i].IsNull() || !full[i].IsNull() || compressed[i].Wire != nil || full[i].Wire == nil {
			t.Errorf("column %d: NBCROW null %v, ROW null %v", i, compressed[i].IsNull(), full[i].IsNull())
		}
		if compressed[i].Type() != full[i].Type() {
			t.Errorf("column %d: types %v and %v", i, compressed[i].Type(), full[i].Type())
		}
	}
	wires := make([][]byte, len(full))
	for i := range full {
		wires[i] = full[i].Wire
	}
	reencode(t, &s, AppendRow(nil, wires...))
	mustNext(t, &s, TokenDone)
	mustEOF(t, &s)
}

func TestDoneInProcDecode(t *testing.T) {
	b := golden(t, "spec_rpc_response")
	var d Done
	if n, err := d.decode(b, tds.Version72); err != nil || n != 13 || d.Type != TokenDoneInProc || d.Status != DoneMore|DoneCount || d.RowCount != 1 {
		t.Errorf("Done.Decode of DONEINPROC = %+v, %d, %v", d, n, err)
	}
	if _, err := d.decode(b[13:], tds.Version72); !errors.Is(err, tds.ErrUnexpected) {
		t.Errorf("Done.Decode of RETURNSTATUS: %v", err)
	}
}

func TestTabNameVersionChange(t *testing.T) {
	b := golden(t, "browse")
	var tn TabName
	n, err := tn.decode(b, tds.Version74)
	if err != nil {
		t.Fatal(err)
	}
	// Re-encoded for TDS 7.1 (before revision 1), each name is one
	// US_VARCHAR: its first part.
	old := encoded(t)(tn.Append(nil, tds.Version71))
	if want := []byte{0xA4, 0x08, 0x00, 0x03, 0x00, 'd', 0, 'b', 0, 'o', 0}; !bytes.Equal(old, want) {
		t.Errorf("7.1 TABNAME = % X, want % X", old, want)
	}
	var tn71 TabName
	if _, err := tn71.decode(old, tds.Version71); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"dbo"}, tableNames(tn71)); diff != "" {
		t.Errorf("7.1 TABNAME names (-want +got):\n%s", diff)
	}
	if !bytes.Equal(encoded(t)(tn.Append(nil, tds.Version74)), b[:n]) {
		t.Error("7.4 TABNAME not re-encoded as read")
	}
}
