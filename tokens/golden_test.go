package tokens

import (
	"bytes"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tds/sqltype"
)

func TestSpecLoginResponse(t *testing.T) {
	b := golden(t, "spec_login_response")
	s := NewScanner(b, tds.Version72)
	// The tokens of the [MS-TDS] 4.3 login response, as its text gives
	// them, each compared whole and re-encoded byte for byte.
	wantEnv := []EnvChange{
		{Type: EnvDatabase, NewValue: ucs2("master"), OldValue: ucs2("master")},
		{Type: EnvSQLCollation, NewValue: []byte{0x09, 0x04, 0xD0, 0x00, 0x34}},
		{Type: EnvLanguage, NewValue: ucs2("us_english")},
		{Type: EnvPacketSize, NewValue: ucs2("4096"), OldValue: ucs2("4096")},
	}
	wantInfo := []Message{
		{Type: TokenInfo, Number: 5701, State: 2, MsgText: ucs2("Changed database context to 'master'.")},
		{Type: TokenInfo, Number: 5703, State: 1, MsgText: ucs2("Changed language setting to us_english.")},
	}
	envChange := func(want EnvChange) EnvChange {
		t.Helper()
		mustNext(t, &s, TokenEnvChange)
		var ec EnvChange
		require.NoError(t, s.EnvChange(&ec))
		if diff := cmp.Diff(want, ec, cmpViews); diff != "" {
			t.Errorf("ENVCHANGE (-want +got):\n%s", diff)
		}
		reencode(t, &s, encoded(t)(ec.Append(nil)))
		return ec
	}

	envChange(wantEnv[0])

	mustNext(t, &s, TokenInfo)
	info, n, err := DecodeMessage(s.Bytes(), s.Version())
	require.NoError(t, err)
	require.Equal(t, len(s.Bytes()), n)
	if diff := cmp.Diff(wantInfo[0], info, cmpViews); diff != "" {
		t.Errorf("INFO (-want +got):\n%s", diff)
	}
	reencode(t, &s, encoded(t)(info.Append(nil, s.Version())))

	ec := envChange(wantEnv[1])
	if c, ok := ec.Collation(); !ok || c.LCID() != 0x0409 || c.SortID() != 0x34 {
		t.Errorf("Collation() = %v, %v", c, ok)
	}
	envChange(wantEnv[2])
	ec = envChange(wantEnv[3])
	if n, ok := ec.PacketSize(); !ok || n != 4096 {
		t.Errorf("PacketSize = %d, %v", n, ok)
	}

	var m Message
	mustNext(t, &s, TokenInfo)
	require.NoError(t, s.Message(&m))
	if diff := cmp.Diff(wantInfo[1], m, cmpViews); diff != "" {
		t.Errorf("INFO (-want +got):\n%s", diff)
	}
	reencode(t, &s, encoded(t)(m.Append(nil, s.Version())))

	var ack LoginAck
	mustNext(t, &s, TokenLoginAck)
	require.NoError(t, s.LoginAck(&ack))
	wantAck := LoginAck{Interface: InterfaceTSQL, TDSVersion: tds.Version72, ProgName: ucs2("Microsoft SQL Server\x00\x00")}
	if diff := cmp.Diff(wantAck, ack, cmpViews); diff != "" {
		t.Errorf("LOGINACK (-want +got):\n%s", diff)
	}
	if ack.Negotiated() != tds.Version72 || !ack.Program().Equal("Microsoft SQL Server") {
		t.Errorf("Negotiated() = %v, Program() = %q", ack.Negotiated(), ack.Program().String())
	}
	reencode(t, &s, encoded(t)(ack.Append(nil)))

	var d Done
	mustNext(t, &s, TokenDone)
	require.NoError(t, s.Done(&d))
	if diff := cmp.Diff(Done{Type: TokenDone}, d); diff != "" || d.Status.String() != "FINAL" {
		t.Errorf("DONE %v (-want +got):\n%s", d.Status, diff)
	}
	reencode(t, &s, d.Append(nil, s.Version()))
	mustEOF(t, &s)
}

func TestSeedLoginResponses(t *testing.T) {
	cases := []struct {
		file     string
		ver      tds.Version
		prog     ProgVersion
		progStr  string
		server   string
		line     int32
		extra    []TokenType // tokens between INFO and the end, in order
		doneSize int
	}{
		{"seed_login_response_71", tds.Version71Rev1, ProgVersion{8, 0, 0x07, 0xF7}, "8.0.2039", "", 0,
			[]TokenType{TokenLoginAck, TokenDone}, 9},
		{"seed_login_response_73", tds.Version73A, ProgVersion{10, 0, 0x06, 0x40}, "10.0.1600", "", 0,
			[]TokenType{TokenLoginAck, TokenDone}, 13},
		{"seed_login_response_74", tds.Version74, ProgVersion{15, 0, 0x07, 0xD0}, "15.0.2000", "SQL01", 1,
			[]TokenType{TokenEnvChange, TokenLoginAck, TokenEnvChange, TokenFeatureExtAck, TokenDone}, 13},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			b := golden(t, c.file)
			s := NewScanner(b, c.ver)

			var ec EnvChange
			mustNext(t, &s, TokenEnvChange)
			if err := s.EnvChange(&ec); err != nil {
				t.Fatal(err)
			}
			if ec.Type != EnvDatabase {
				t.Errorf("Type = %v", ec.Type)
			}
			wantUCS2(t, "new database", ec.NewString(), "AdventureWorks")
			wantUCS2(t, "old database", ec.OldString(), "master")
			reencode(t, &s, encoded(t)(ec.Append(nil)))

			var m Message
			mustNext(t, &s, TokenInfo)
			if err := s.Message(&m); err != nil {
				t.Fatal(err)
			}
			if m.Number != 5701 || m.State != 2 || m.Class != 0 || m.LineNumber != c.line {
				t.Errorf("INFO = %+v", m)
			}
			wantUCS2(t, "MsgText", m.MsgText, "Changed database context to 'AdventureWorks'.")
			wantUCS2(t, "ServerName", m.ServerName, c.server)
			reencode(t, &s, encoded(t)(m.Append(nil, c.ver)))

			for _, want := range c.extra {
				mustNext(t, &s, want)
				switch want {
				case TokenLoginAck:
					var ack LoginAck
					if err := s.LoginAck(&ack); err != nil {
						t.Fatal(err)
					}
					if ack.TDSVersion != c.ver || ack.Negotiated() != c.ver || ack.Interface != InterfaceTSQL {
						t.Errorf("LOGINACK version %v, interface %d; want %v", ack.TDSVersion, ack.Interface, c.ver)
					}
					if ack.ProgVersion != c.prog || ack.ProgVersion.String() != c.progStr {
						t.Errorf("ProgVersion = %v, want %v", ack.ProgVersion, c.progStr)
					}
					wantUCS2(t, "ProgName", ack.ProgName, "Microsoft SQL Server\x00\x00")
					reencode(t, &s, encoded(t)(ack.Append(nil)))
					s.SetVersion(ack.Negotiated())
				case TokenEnvChange:
					if err := s.EnvChange(&ec); err != nil {
						t.Fatal(err)
					}
					if ec.Type == EnvPacketSize {
						if n, ok := ec.PacketSize(); n != 8000 || !ok {
							t.Errorf("PacketSize = %d, %v", n, ok)
						}
						wantUCS2(t, "old packet size", ec.OldString(), "4096")
					}
					reencode(t, &s, encoded(t)(ec.Append(nil)))
				case TokenFeatureExtAck:
					var a FeatureExtAck
					if err := s.FeatureExtAck(&a); err != nil {
						t.Fatal(err)
					}
					if diff := cmp.Diff([]FeatureAck{{FeatureUTF8Support, []byte{1}}}, slices.Collect(a.Options())); diff != "" {
						t.Errorf("FEATUREEXTACK options (-want +got):\n%s", diff)
					}
					reencode(t, &s, AppendFeatureExtAck(nil, FeatureAck{FeatureUTF8Support, []byte{1}}))
				case TokenDone:
					if len(s.Bytes()) != c.doneSize {
						t.Errorf("DONE is %d bytes, want %d", len(s.Bytes()), c.doneSize)
					}
					var d Done
					if err := s.Done(&d); err != nil || d != (Done{Type: TokenDone}) {
						t.Errorf("DONE = %+v, %v", d, err)
					}
					reencode(t, &s, d.Append(nil, c.ver))
				}
			}
			mustEOF(t, &s)
		})
	}
}

func TestLoginFailed(t *testing.T) {
	b := golden(t, "login_failed")
	s := NewScanner(b, tds.Version74)
	mustNext(t, &s, TokenError)
	var e Message
	require.NoError(t, s.Message(&e))
	want := Message{Type: TokenError, Number: 18456, State: 1, Class: 14,
		MsgText: ucs2("Login failed for user 'sa'."), ServerName: ucs2("SQL01"), LineNumber: 1}
	if diff := cmp.Diff(want, e, cmpViews); diff != "" {
		t.Errorf("ERROR (-want +got):\n%s", diff)
	}
	reencode(t, &s, encoded(t)(e.Append(nil, tds.Version74)))

	mustNext(t, &s, TokenDone)
	var d Done
	require.NoError(t, s.Done(&d))
	if diff := cmp.Diff(Done{Type: TokenDone, Status: DoneError}, d); diff != "" || d.Status.String() != "ERROR" {
		t.Errorf("DONE %v (-want +got):\n%s", d.Status, diff)
	}
	mustEOF(t, &s)
}

func TestSpecRPCResponse(t *testing.T) {
	b := golden(t, "spec_rpc_response")
	s := NewScanner(b, tds.Version72)
	var d Done
	mustNext(t, &s, TokenDoneInProc)
	if err := s.Done(&d); err != nil {
		t.Fatal(err)
	}
	if d.Status != DoneMore|DoneCount || d.CurCmd != 0xC1 || d.RowCount != 1 || d.Status.String() != "MORE|COUNT" {
		t.Errorf("DONEINPROC = %+v (%v)", d, d.Status)
	}
	if d.Type != TokenDoneInProc {
		t.Errorf("DONEINPROC decoded with Type %v", d.Type)
	}
	reencode(t, &s, d.Append(nil, tds.Version72))

	mustNext(t, &s, TokenReturnStatus)
	var rs ReturnStatus
	if err := s.ReturnStatus(&rs); err != nil || rs != 0 {
		t.Errorf("RETURNSTATUS = %d, %v", rs, err)
	}
	reencode(t, &s, rs.Append(nil))

	mustNext(t, &s, TokenDoneProc)
	if err := s.Done(&d); err != nil {
		t.Fatal(err)
	}
	if d.Status != DoneFinal || d.CurCmd != 0xE0 || d.RowCount != 0 {
		t.Errorf("DONEPROC = %+v", d)
	}
	var dp Done
	if _, err := dp.decode(s.Bytes(), tds.Version72); err != nil || dp != d || dp.Type != TokenDoneProc {
		t.Errorf("Done.Decode of DONEPROC = %+v, %v", dp, err)
	}
	reencode(t, &s, dp.Append(nil, tds.Version72))
	mustEOF(t, &s)
}

func TestSpecSessionState(t *testing.T) {
	b := golden(t, "spec_session_state")
	s := NewScanner(b, tds.Version74)
	var d Done
	mustNext(t, &s, TokenDone)
	if err := s.Done(&d); err != nil || d.Status != DoneMore || d.CurCmd != 0xBE {
		t.Errorf("DONE = %+v, %v", d, err)
	}
	mustNext(t, &s, TokenSessionState)
	var ss SessionState
	if err := s.SessionState(&ss); err != nil {
		t.Fatal(err)
	}
	if ss.SeqNo != 1 || !ss.Recoverable() {
		t.Errorf("SESSIONSTATE = %+v", ss)
	}
	states, err := collect2(ss.States.States())
	require.NoError(t, err)
	if diff := cmp.Diff([]StateData{{ID: 9, Value: []byte{0xFF, 0xFF, 0xFF, 0xFF}}}, states); diff != "" {
		t.Errorf("state data (-want +got):\n%s", diff)
	}
	reencode(t, &s, ss.Append(nil))
	mustNext(t, &s, TokenDone)
	if err := s.Done(&d); err != nil || d.Status != DoneFinal || d.CurCmd != 0xFD {
		t.Errorf("DONE = %+v, %v", d, err)
	}
	mustEOF(t, &s)
}

func TestSpecFeatureExtAckSessionRecovery(t *testing.T) {
	b := golden(t, "spec_featureextack_sessionrecovery")
	types := scanTypes(t, b, tds.Version74)
	sameTypes(t, types, TokenEnvChange, TokenInfo, TokenEnvChange, TokenEnvChange, TokenInfo,
		TokenLoginAck, TokenEnvChange, TokenFeatureExtAck, TokenDone)

	s := NewScanner(b, tds.Version74)
	for {
		tt, err := s.Next()
		if err != nil {
			t.Fatal(err)
		}
		if tt == TokenFeatureExtAck {
			break
		}
	}
	var a FeatureExtAck
	if err := s.FeatureExtAck(&a); err != nil {
		t.Fatal(err)
	}
	opts := slices.Collect(a.Options())
	require.Len(t, opts, 1, "feature ack options")
	opt := opts[0]
	if opt.ID != FeatureSessionRecovery || len(opt.Data) != 0x2E {
		t.Fatalf("option = %v, %d bytes", opt.ID, len(opt.Data))
	}
	set, err := ParseSessionStateDataSet(opt.Data)
	if err != nil {
		t.Fatal(err)
	}
	wantIDs := []uint8{0, 2, 4, 5, 6, 7, 8, 9}
	wantLens := []int{9, 2, 1, 4, 1, 1, 8, 4}
	states, err := collect2(set.States())
	require.NoError(t, err)
	var gotIDs []uint8
	var gotLens []int
	for _, st := range states {
		gotIDs, gotLens = append(gotIDs, st.ID), append(gotLens, len(st.Value))
	}
	if diff := cmp.Diff(wantIDs, gotIDs); diff != "" {
		t.Errorf("state IDs (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantLens, gotLens); diff != "" {
		t.Errorf("state lengths (-want +got):\n%s", diff)
	}
	// Rebuild the option from its parts.
	var data []byte
	for _, st := range states {
		data = AppendStateData(data, st)
	}
	reencode(t, &s, AppendFeatureExtAck(nil, FeatureAck{FeatureSessionRecovery, data}))
	reencode(t, &s, a.Append(nil))
}

// TestSpecFeatureExtAckDumpErratum feeds the [MS-TDS] 4.17 dump as printed,
// with its stray byte after the collation ENVCHANGE, and expects the
// scanner to stop at that byte: 0x00 is no token, and its class
// (variable count) cannot be skipped.
func TestSpecFeatureExtAckDumpErratum(t *testing.T) {
	fixed := golden(t, "spec_featureextack_sessionrecovery")
	// ENVCHANGE database (30) + INFO (91) + collation ENVCHANGE (11).
	at := 30 + 91 + 11
	if !bytes.Equal(fixed[at-11:at], []byte{0xE3, 0x08, 0x00, 0x07, 0x05, 0x09, 0x04, 0xD0, 0x00, 0x34, 0x00}) {
		t.Fatalf("collation ENVCHANGE not where expected: % X", fixed[at-11:at])
	}
	printed := append(append(append([]byte{}, fixed[:at]...), 0x00), fixed[at:]...)
	s := NewScanner(printed, tds.Version74)
	var err error
	for i := 0; i < 3; i++ {
		if _, err = s.Next(); err != nil {
			t.Fatalf("token %d: %v", i, err)
		}
	}
	_, err = s.Next()
	wantTDSError(t, err, tds.ErrMalformed, at)
	if _, again := s.Next(); again != err {
		t.Errorf("error not sticky: %v", again)
	}
}

func TestSpecSQLBatchResponse(t *testing.T) {
	b := golden(t, "spec_sql_batch_response")
	s := NewScanner(b, tds.Version72)
	mustNext(t, &s, TokenColMetadata)
	var md ColMetadata
	if err := s.ColMetadata(&md); err != nil {
		t.Fatal(err)
	}
	if md.NoMetaData || len(md.Columns) != 1 {
		t.Fatalf("COLMETADATA = %+v", md)
	}
	c := md.Columns[0]
	if c.UserType != 0 || c.Flags != ColComputed || c.TypeInfo.Type != sqltype.TypeBigVarChar || c.TypeInfo.MaxLen != 3 {
		t.Errorf("column = %+v", c)
	}
	if c.TypeInfo.Collation != (sqltype.Collation{0x09, 0x04, 0xD0, 0x00, 0x34}) {
		t.Errorf("collation = % X", c.TypeInfo.Collation)
	}
	wantUCS2(t, "ColName", c.ColName, "bar")
	reencode(t, &s, encoded(t)(md.Append(nil, tds.Version72)))

	mustNext(t, &s, TokenRow)
	vals, err := s.RowValues(nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(vals) != 1 || vals[0].IsNull() || string(vals[0].Raw()) != "foo" || !bytes.Equal(vals[0].Wire, []byte{3, 0, 'f', 'o', 'o'}) {
		t.Errorf("row = %+v", vals)
	}
	reencode(t, &s, AppendRow(nil, vals[0].Wire))

	mustNext(t, &s, TokenDone)
	var d Done
	if err := s.Done(&d); err != nil || d.Status != DoneCount || d.CurCmd != 0xC1 || d.RowCount != 1 {
		t.Errorf("DONE = %+v, %v", d, err)
	}
	mustEOF(t, &s)
}

func TestSpecSparseColumn(t *testing.T) {
	b := golden(t, "spec_sparse_column")
	s := NewScanner(b, tds.Version73B)
	mustNext(t, &s, TokenColMetadata)
	cols := s.Columns()
	if len(cols) != 2 {
		t.Fatalf("%d columns", len(cols))
	}
	if cols[0].Flags != ColNullable|0x8 || cols[0].Flags.Updateable() != 2 || cols[0].TypeInfo.Type != sqltype.TypeIntN {
		t.Errorf("column 0 = %+v", cols[0])
	}
	if cols[1].Flags&ColSparseColumnSet == 0 || cols[1].TypeInfo.Type != sqltype.TypeXML {
		t.Errorf("column 1 = %+v", cols[1])
	}
	wantUCS2(t, "column 1 name", cols[1].ColName, "sparsePropertySet")
	var md ColMetadata
	if err := s.ColMetadata(&md); err != nil {
		t.Fatal(err)
	}
	reencode(t, &s, encoded(t)(md.Append(nil, tds.Version73B)))

	xml := []string{
		"<sparseProp1>1000</sparseProp1><sparseProp2>foo</sparseProp2>",
		"<sparseProp1>1000</sparseProp1>",
		"<sparseProp2>abcd</sparseProp2>",
	}
	var vals []ColumnValue
	for id := 1; id <= 10; id++ {
		tt, err := s.Next()
		if err != nil {
			t.Fatal(err)
		}
		want := TokenRow
		if id > 3 {
			want = TokenNBCRow
		}
		if tt != want {
			t.Fatalf("row %d is %v, want %v", id, tt, want)
		}
		if vals, err = s.RowValues(vals); err != nil {
			t.Fatal(err)
		}
		if len(vals) != 2 {
			t.Fatalf("row %d: %d values", id, len(vals))
		}
		if n, err := vals[0].Int64(); err != nil || n != int64(id) {
			t.Errorf("row %d: id = %d, %v", id, n, err)
		}
		if id <= 3 {
			if !vals[1].IsPLP() || !ucs2(xml[id-1]).Equal(tds.UCS2(vals[1].AppendBytes(nil)).String()) {
				t.Errorf("row %d: xml = %q", id, tds.UCS2(vals[1].AppendBytes(nil)).String())
			}
			reencode(t, &s, AppendRow(nil, vals[0].Wire, vals[1].Wire))
		} else {
			if !vals[1].IsNull() || vals[1].Wire != nil {
				t.Errorf("row %d: xml not NULL", id)
			}
			reencode(t, &s, AppendNBCRow(nil, vals[0].Wire, vals[1].Wire))
		}
	}
	mustNext(t, &s, TokenDone)
	var d Done
	if err := s.Done(&d); err != nil || d.RowCount != 10 {
		t.Errorf("DONE = %+v, %v", d, err)
	}
	mustEOF(t, &s)
}

func TestStoredProcResponse(t *testing.T) {
	b := golden(t, "stored_proc")
	s := NewScanner(b, tds.Version74)
	types := scanTypes(t, b, tds.Version74)
	sameTypes(t, types,
		TokenColMetadata, TokenRow, TokenRow, TokenDoneInProc,
		TokenColMetadata, TokenRow, TokenNBCRow, TokenDoneInProc,
		TokenReturnStatus, TokenReturnValue, TokenDoneProc)

	mustNext(t, &s, TokenColMetadata)
	if c := s.Columns(); len(c) != 1 || c[0].TypeInfo.Type != sqltype.TypeInt4 {
		t.Fatalf("columns = %+v", c)
	}
	var vals []ColumnValue
	for want := int64(1); want <= 2; want++ {
		mustNext(t, &s, TokenRow)
		var err error
		if vals, err = s.RowValues(vals); err != nil {
			t.Fatal(err)
		}
		if n, err := vals[0].Int64(); err != nil || n != want {
			t.Errorf("id = %d, %v; want %d", n, err, want)
		}
	}
	var d Done
	mustNext(t, &s, TokenDoneInProc)
	if err := s.Done(&d); err != nil || d.RowCount != 2 || d.Status != DoneMore|DoneCount {
		t.Errorf("DONEINPROC = %+v, %v", d, err)
	}

	mustNext(t, &s, TokenColMetadata)
	if c := s.Columns(); len(c) != 1 || c[0].TypeInfo.Type != sqltype.TypeNVarChar || c[0].Flags != ColNullable {
		t.Fatalf("columns = %+v", c)
	}
	mustNext(t, &s, TokenRow)
	vals, err := s.RowValues(vals)
	if err != nil {
		t.Fatal(err)
	}
	if got := tds.UCS2(vals[0].Raw()); !got.Equal("Anna") {
		t.Errorf("name = %q", got.String())
	}
	mustNext(t, &s, TokenNBCRow)
	if vals, err = s.RowValues(vals); err != nil {
		t.Fatal(err)
	}
	if len(vals) != 1 || !vals[0].IsNull() || vals[0].Wire != nil {
		t.Errorf("NBCROW value = %+v", vals)
	}
	reencode(t, &s, AppendNBCRow(nil, nil))
	mustNext(t, &s, TokenDoneInProc)

	mustNext(t, &s, TokenReturnStatus)
	if rs := ReturnStatus(-1); s.ReturnStatus(&rs) != nil || rs != 0 {
		t.Errorf("RETURNSTATUS = %d, %v", rs, s.ReturnStatus(&rs))
	}
	mustNext(t, &s, TokenReturnValue)
	var rv ReturnValue
	if err := s.ReturnValue(&rv); err != nil {
		t.Fatal(err)
	}
	if rv.ParamOrdinal != 1 || rv.Status != ReturnOutputParam || rv.Flags != ColNullable || rv.TypeInfo.Type != sqltype.TypeIntN {
		t.Errorf("RETURNVALUE = %+v", rv)
	}
	wantUCS2(t, "ParamName", rv.ParamName, "@out")
	if n, err := rv.Value.Int64(); err != nil || n != 42 {
		t.Errorf("value = %d, %v", n, err)
	}
	reencode(t, &s, rv.Append(nil, tds.Version74))
	mustNext(t, &s, TokenDoneProc)
	if err := s.Done(&d); err != nil || d.CurCmd != 0xE0 {
		t.Errorf("DONEPROC = %+v, %v", d, err)
	}
	mustEOF(t, &s)
}
