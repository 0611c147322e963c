package tokens

import (
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/tdswire/tdswire/tds"
)

// trace scans a golden stream and returns the String of every token.
func trace(t *testing.T, file string, v tds.Version) []string {
	t.Helper()
	s := NewScanner(golden(t, file), v)
	s.SetColumnEncryption(encryptedFiles[file])
	s.SetDataClassificationVersion(classificationVersion[file])
	var lines []string
	for {
		tt, err := s.Next()
		if err == io.EOF {
			return lines
		}
		require.NoError(t, err, "scanning %s", file)
		if tt == TokenLoginAck {
			var a LoginAck
			require.NoError(t, s.LoginAck(&a))
			s.SetVersion(a.Negotiated())
		}
		lines = append(lines, s.String())
	}
}

// TestTrace checks the one-line trace forms against the fields of the
// golden vectors (as their testdata comments give them).
func TestTrace(t *testing.T) {
	cases := []struct {
		file string
		ver  tds.Version
		want []string
	}{
		{"seed_login_response_74", tds.Version74, []string{
			"ENVCHANGE Database master -> AdventureWorks",
			"INFO 5701 class=0 state=2 server=SQL01 line=1: Changed database context to 'AdventureWorks'.",
			"ENVCHANGE SQLCollation LCID 0x409 flags 0x0D version 0 SortId 52",
			"LOGINACK TDS 7.4 (0x74000004), Microsoft SQL Server 15.0.2000",
			"ENVCHANGE PacketSize 4096 -> 8000",
			"FEATUREEXTACK UTF8_SUPPORT(1 byte)",
			"DONE(FINAL)",
		}},
		{"login_failed", tds.Version74, []string{
			"ERROR 18456 class=14 state=1 server=SQL01 line=1: Login failed for user 'sa'.",
			"DONE(ERROR)",
		}},
		{"stored_proc", tds.Version74, []string{
			"COLMETADATA 1 columns: id int",
			"ROW 1",
			"ROW 2",
			"DONEINPROC(MORE|COUNT) rows=2 cmd=0x00c1",
			"COLMETADATA 1 columns: name nvarchar(20) NULL",
			`ROW "Anna"`,
			"NBCROW NULL",
			"DONEINPROC(MORE|COUNT) rows=2 cmd=0x00c1",
			"RETURNSTATUS 0",
			"RETURNVALUE @out int = 42",
			"DONEPROC(FINAL) cmd=0x00e0",
		}},
		{"spec_login_response", tds.Version72, []string{
			"ENVCHANGE Database master -> master",
			"INFO 5701 class=0 state=2: Changed database context to 'master'.",
			"ENVCHANGE SQLCollation LCID 0x409 flags 0x0D version 0 SortId 52",
			`ENVCHANGE Language "" -> us_english`,
			"ENVCHANGE PacketSize 4096 -> 4096",
			"INFO 5703 class=0 state=1: Changed language setting to us_english.",
			"LOGINACK TDS 7.2 (0x72090002), Microsoft SQL Server 0.0.0",
			"DONE(FINAL)",
		}},
		{"browse", tds.Version74, []string{
			"TABNAME dbo.t1",
			"COLINFO 1:t1, 2:t1 as val, 3:expr EXPRESSION",
			"ORDER 1,2",
		}},
		{"spec_session_state", tds.Version74, []string{
			"DONE(MORE) cmd=0x00be",
			"SESSIONSTATE seq=1 recoverable states 9",
			"DONE(FINAL) cmd=0x00fd",
		}},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			got := trace(t, c.file, c.ver)
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Errorf("trace (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEnvChangeTrace(t *testing.T) {
	want := []string{
		`ENVCHANGE CharacterSet "" -> iso_1`,
		`ENVCHANGE SortLocaleID "" -> 1033`,
		`ENVCHANGE SortFlags "" -> 196609`,
		"ENVCHANGE BeginTransaction descriptor=0x1a00000001",
		"ENVCHANGE CommitTransaction descriptor=0x1a00000001",
		"ENVCHANGE RollbackTransaction descriptor=0x1a00000001",
		"ENVCHANGE EnlistDTCTransaction descriptor=0x1a00000002",
		"ENVCHANGE DefectTransaction descriptor=0x1a00000003",
		`ENVCHANGE RealTimeLogShipping "" -> PARTNER`,
		"ENVCHANGE PromoteTransaction new=4 bytes old=0 bytes",
		"ENVCHANGE TransactionManagerAddress new=4 bytes old=0 bytes",
		"ENVCHANGE TransactionEnded descriptor=0x1a00000004",
		"ENVCHANGE ResetConnectionAck new=0 bytes old=0 bytes",
		`ENVCHANGE UserInstance "" -> INST`,
		"ENVCHANGE Routing tcp:srv2,1433",
		"ENVCHANGE EnhancedRouting tcp:srv2,1433/db2",
		"ENVCHANGE EnvChangeType(14) new=2 bytes old=0 bytes",
	}
	if diff := cmp.Diff(want, trace(t, "envchange_types", tds.Version74)); diff != "" {
		t.Errorf("trace (-want +got):\n%s", diff)
	}
}

// TestDetailedFormat checks %+v, and that the NULs after ProgName, the
// data of FEATUREEXTACK options and other private bytes never print.
func TestDetailedFormat(t *testing.T) {
	ack := LoginAck{Interface: 1, TDSVersion: tds.Version74, ProgName: ucs2("Microsoft SQL Server\x00\x00"), ProgVersion: ProgVersion{15, 0, 7, 0xD0}}
	if got, want := ack.Program().String(), "Microsoft SQL Server"; got != want {
		t.Errorf("Program() = %q, want %q", got, want)
	}
	if got, want := fmt.Sprintf("%+v", ack), `LOGINACK Interface=1 TDSVersion=7.4 (0x74000004) ProgName="Microsoft SQL Server" ProgVersion=15.0.2000`; got != want {
		t.Errorf("%%+v = %q, want %q", got, want)
	}
	if got := fmt.Sprint(ack); strings.Contains(got, "\x00") {
		t.Errorf("LOGINACK prints its NULs: %q", got)
	}

	d := Done{Type: TokenDoneProc, Status: DoneMore | DoneCount, CurCmd: 0xC1, RowCount: 3}
	if got, want := fmt.Sprintf("%+v", d), "DONEPROC Status=MORE|COUNT (0x0011) CurCmd=193 RowCount=3"; got != want {
		t.Errorf("%%+v = %q, want %q", got, want)
	}
	if got, want := fmt.Sprintf("%v|%s|%q", d, d, d), `DONEPROC(MORE|COUNT) rows=3 cmd=0x00c1|DONEPROC(MORE|COUNT) rows=3 cmd=0x00c1|"DONEPROC(MORE|COUNT) rows=3 cmd=0x00c1"`; got != want {
		t.Errorf("%%v|%%s|%%q = %q, want %q", got, want)
	}

	m := Message{Type: TokenInfo, Number: 5701, State: 2, MsgText: ucs2("x"), ServerName: ucs2("SQL01"), ProcName: ucs2("p"), LineNumber: 3}
	if got, want := fmt.Sprintf("%+v", m), `INFO Number=5701 State=2 Class=0 MsgText="x" ServerName="SQL01" ProcName="p" LineNumber=3`; got != want {
		t.Errorf("%%+v = %q, want %q", got, want)
	}

	// Private bytes: FEATUREEXTACK data (a FEDAUTH nonce and signature),
	// session state values, encrypted keys, SSPI blobs.
	secret := []byte("NONCE-SIGNATURE-0123456789")
	var a FeatureExtAck
	_, err := a.decode(AppendFeatureExtAck(nil, FeatureAck{FeatureFedAuth, secret}))
	require.NoError(t, err)
	ss := SessionState{SeqNo: 1, Status: 1, States: SessionStateDataSet(AppendStateData(nil, StateData{ID: 9, Value: secret}))}
	kv := EncryptionKeyValue{EncryptedKey: secret, KeyStoreName: ucs2("KS"), KeyPath: ucs2("k/1"), AsymmetricAlgo: ucs2("RSA_OAEP")}
	ct, err := NewCekTable(1, AppendEKInfo(nil, EKInfo{DatabaseID: 5, CekID: 1, CekVersion: 1, CekMDVersion: 42}, kv))
	require.NoError(t, err)
	var ek EKInfo
	for e := range ct.Entries() {
		ek = e
	}
	sc := NewScanner(encoded(t)(SSPI{Buffer: secret}.Append(nil)), tds.Version74)
	_, err = sc.Next()
	require.NoError(t, err)
	values := []any{a, &a, FeatureAck{FeatureFedAuth, secret}, ss, &ss, StateData{ID: 9, Value: secret}, ss.States, kv, &kv, SSPI{Buffer: secret},
		ct, &ct, ek, &ek, ColMetadata{ColumnEncryption: true, CekTable: ct}, sc, &sc}
	for _, v := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d"} {
			got := fmt.Sprintf(verb, v)
			if strings.Contains(got, "NONCE") || strings.Contains(strings.ToUpper(got), "4E4F4E4345") || strings.Contains(got, "78 79 78 67 69") ||
				strings.Contains(strings.ToLower(got), "0x4e, 0x4f, 0x4e") {
				t.Errorf("%s of %T prints the private bytes: %s", verb, v, got)
			}
		}
	}
	if got, want := fmt.Sprintf("%+v", a), "FEATUREEXTACK FEDAUTH(0x02, 26 bytes)"; got != want {
		t.Errorf("%%+v = %q, want %q", got, want)
	}
	for _, c := range []struct {
		format string
		arg    any
		want   string
	}{
		{"%v", ct, "CekTable(1 entries)"},
		{"%#v", ct, "CekTable(1 entries)"},
		{"%+v", ct, "CekTable{EK_INFO db=5 cek=1 v1 md=42 (1 values) [KS k/1 RSA_OAEP (26-byte encrypted key)]}"},
		{"%v", ek, "EK_INFO db=5 cek=1 v1 md=42 (1 values)"},
		{"%#v", ek, "EK_INFO db=5 cek=1 v1 md=42 (1 values)"},
		{"%v", sc, "SSPI (26 bytes)"},
		{"%#v", &sc, "SSPI (26 bytes)"},
		{"%+v", sc, "SSPI (26 bytes)"},
		{"%v", Offset{Identifier: 0x0123, OffsetLen: 12}, "OFFSET id=0x0123 at=12"},
		{"%+v", Offset{Identifier: 0x0123, OffsetLen: 12}, "OFFSET Identifier=0x0123 OffSetLen=12"},
		{"%#v", Offset{Identifier: 0x0123, OffsetLen: 12}, "OFFSET id=0x0123 at=12"},
		{"%v", ProgVersion{Major: 15, BuildHi: 7, BuildLow: 208}, "15.0.2000"},
		{"%+v", ProgVersion{Major: 15, BuildHi: 7, BuildLow: 208}, "ProgVersion{Major=15 Minor=0 BuildHi=7 BuildLow=208}"},
		{"%v", Routing{Port: 1433, AlternateServer: ucs2("srv2")}, "tcp:srv2,1433"},
		{"%+v", Routing{Port: 1433, AlternateServer: ucs2("srv2")}, `Routing{Protocol=0 Port=1433 AlternateServer="srv2" AlternateDatabase=""}`},
		{"%#v", Routing{Port: 1433, AlternateServer: ucs2("srv2")}, "tcp:srv2,1433"},
		{"%+v", ColProperty{ColNum: 2, TableNum: 1, Status: ColInfoKey | ColInfoDifferentName, ColName: ucs2("val")}, `ColProperty{ColNum=2 TableNum=1 Status=KEY|DIFFERENT_NAME ColName="val"}`},
		{"%+v", Label{Name: ucs2("Confidential"), ID: ucs2("c1")}, `Label{Name="Confidential" ID="c1"}`},
		{"%v", Label{Name: ucs2("Confidential"), ID: ucs2("c1")}, "Confidential (c1)"},
		{"%+v", SensitivityProperty{LabelIndex: 0, InfoTypeIndex: 1, Rank: 20}, "SensitivityProperty{LabelIndex=0 InfoTypeIndex=1 Rank=20}"},
		{"%v", SensitivityProperty{LabelIndex: NoIndex, InfoTypeIndex: 1, Rank: -1}, "label - type 1 rank -1"},
	} {
		if got := fmt.Sprintf(c.format, c.arg); got != c.want {
			t.Errorf("Sprintf(%q, %T) = %q, want %q", c.format, c.arg, got, c.want)
		}
	}
}
