package login7

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tds/tdstest"
	"github.com/tdswire/tdswire/tds/tdstest/tdscmp"
)

// packet reads a golden packet (header + message), checks the header
// against the bytes, and returns the message body.
func packet(t testing.TB, name string, typ tds.PacketType) []byte {
	t.Helper()
	b := tdstest.ReadHex(t, "testdata/"+name)
	var h tds.Header
	if err := h.Decode(b); err != nil {
		t.Fatalf("%s: header: %v", name, err)
	}
	if h.Type != typ || h.Status != tds.StatusEOM || int(h.Length) != len(b) {
		t.Fatalf("%s: header %v does not describe the %d-byte packet", name, h, len(b))
	}
	return b[tds.HeaderLen:]
}

func u(s string) tds.UCS2 {
	if s == "" {
		return nil
	}
	return tds.UCS2(tds.AppendUCS2(nil, s))
}

// diffLogin7 compares two Login7 values whole, views by content and the
// passwords by digest, and returns cmp's report (-a +b), or "".
func diffLogin7(a, b *Login7) string {
	return cmp.Diff(*a, *b, tdscmp.Options())
}

func TestDecodeSpec42(t *testing.T) {
	msg := packet(t, "login7-spec-4.2.hex", tds.PacketLogin7)
	require.Len(t, msg, 0x88, "Length says 0x88")
	var l Login7
	require.NoError(t, l.Decode(msg))
	// Every field as the golden file's comments give it ([MS-TDS] 4.2).
	want := Login7{
		TDSVersion:    tds.Version72,
		PacketSize:    4096,
		ClientProgVer: 0x07000000,
		ClientPID:     256,
		OptionFlags1:  0xE0,
		OptionFlags2:  0x03,
		ClientLCID:    0x0409,
		HostName:      u("skostov1"),
		UserName:      u("sa"),
		AppName:       u("OSQL-32"),
		CltIntName:    u("ODBC"),
		ClientID:      [6]byte{0x00, 0x50, 0x8B, 0xE2, 0xB7, 0x8F},
	}
	if diff := diffLogin7(&want, &l); diff != "" {
		t.Errorf("Decode mismatch (-want +got):\n%s", diff)
	}
	f1 := l.OptionFlags1
	assert.Equal(t, OrderX86, f1.ByteOrder())
	assert.Equal(t, CharsetASCII, f1.CharSet())
	assert.Equal(t, FloatIEEE754, f1.FloatFormat())
	assert.False(t, f1.DumpLoadOff())
	assert.True(t, f1.UseDB())
	assert.True(t, f1.InitDBFatal())
	assert.True(t, f1.SetLang())
	f2 := l.OptionFlags2
	assert.True(t, f2.InitLangFatal())
	assert.True(t, f2.ODBC())
	assert.False(t, f2.TranBoundary())
	assert.False(t, f2.CacheConnect())
	assert.Equal(t, UserNormal, f2.UserType())
	assert.False(t, f2.IntegratedSecurity())
}

// TestEncodeSpec42 builds the 4.2 login from values and expects the
// example's bytes exactly: its layout is the canonical one (data in table
// order, empty fields pointing at the next data).
func TestEncodeSpec42(t *testing.T) {
	want := packet(t, "login7-spec-4.2.hex", tds.PacketLogin7)
	l := Login7{
		TDSVersion:    tds.Version72,
		PacketSize:    4096,
		ClientProgVer: 0x07000000,
		ClientPID:     256,
		OptionFlags1:  FUseDB | FDatabase | FSetLang,
		OptionFlags2:  FLanguage | FODBC,
		ClientLCID:    0x0409,
		HostName:      u("skostov1"),
		UserName:      u("sa"),
		AppName:       u("OSQL-32"),
		CltIntName:    u("ODBC"),
		ClientID:      [6]byte{0x00, 0x50, 0x8B, 0xE2, 0xB7, 0x8F},
	}
	got, err := l.Append(nil)
	require.NoError(t, err)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("Append mismatch (-want +got):\n%s", diff)
	}
	var back Login7
	require.NoError(t, back.Decode(want))
	if diff := diffLogin7(&l, &back); diff != "" {
		t.Errorf("round trip (-encoded +decoded):\n%s", diff)
	}
	again, err := back.Append([]byte{0xAA})
	if err != nil {
		t.Fatal(err)
	}
	if again[0] != 0xAA || !bytes.Equal(again[1:], want) {
		t.Fatalf("decode/encode of the golden bytes differs")
	}
}

func TestSpec416SessionRecovery(t *testing.T) {
	msg := packet(t, "login7-spec-4.16-sessionrecovery.hex", tds.PacketLogin7)
	var l Login7
	if err := l.Decode(msg); err != nil {
		t.Fatal(err)
	}
	if l.TDSVersion != tds.Version74 || l.OptionFlags3 != FExtension || !l.OptionFlags3.Extension() {
		t.Fatalf("TDSVersion %v OptionFlags3 %v", l.TDSVersion, l.OptionFlags3)
	}
	if len(l.HostName) != 0 || !l.UserName.Equal("sa") || !l.AppName.Equal("OSQL-32") ||
		!l.CltIntName.Equal("ODBC") || !l.Database.Equal("tempdb") || len(l.ServerName) != 0 {
		t.Fatalf("strings: %v", l)
	}
	// The example's password bytes are all zero (blanked): 0x00 de-obfuscates to 0x5A.
	if l.Password.Len() != 8 || !l.Password.Equal("\u5A5A\u5A5A\u5A5A\u5A5A\u5A5A\u5A5A\u5A5A\u5A5A") {
		t.Fatalf("Password of %d characters does not decode as the blanked value", l.Password.Len())
	}
	var feats []Feature
	for f, err := range l.FeatureExt.All() {
		if err != nil {
			t.Fatal(err)
		}
		feats = append(feats, f)
	}
	if len(feats) != 1 {
		t.Fatalf("%d features, want 1", len(feats))
	}
	f := feats[0]
	if f.ID != FeatureSessionRecovery || len(f.Data) != 0x67 {
		t.Fatalf("first feature %v", f)
	}
	var sr SessionRecovery
	if err := sr.Decode(f.Data); err != nil {
		t.Fatal(err)
	}
	if !sr.Reconnect || !sr.Init.Database.Equal("master") || !sr.Init.Language.Equal("us_english") ||
		!bytes.Equal(sr.Init.Collation, []byte{0x09, 0x04, 0xD0, 0x00, 0x34}) || len(sr.Init.StateData) != 86-40 {
		t.Fatalf("InitSessionRecoveryData: %+v", sr.Init)
	}
	if !bytes.Equal(sr.Init.StateData[:11], []byte{0x00, 0x09, 0x00, 0x60, 0x81, 0x14, 0xFF, 0xE7, 0xFF, 0xFF, 0x00}) {
		t.Fatalf("first SessionStateData % x", sr.Init.StateData[:11])
	}
	if len(sr.ToBe.Database) != 0 || len(sr.ToBe.Collation) != 0 || len(sr.ToBe.Language) != 0 ||
		!bytes.Equal(sr.ToBe.StateData, []byte{0x09, 0x04, 0x28, 0x23, 0x00, 0x00}) {
		t.Fatalf("SessionRecoveryDataToBe: %+v", sr.ToBe)
	}
	data, err := sr.Append(nil)
	if err != nil || !bytes.Equal(data, f.Data) {
		t.Fatalf("SessionRecovery re-encodes as % x, %v", data, err)
	}
	// The layout is canonical: re-encoding gives the example's bytes.
	got, err := l.Append(nil)
	if err != nil || !bytes.Equal(got, msg) {
		t.Fatalf("re-encoded (%v)\n% x\nwant\n% x", err, got, msg)
	}
}

func TestSpec420AzureSQLSupport(t *testing.T) {
	msg := packet(t, "login7-spec-4.20-azuresqlsupport.hex", tds.PacketLogin7)
	var l Login7
	if err := l.Decode(msg); err != nil {
		t.Fatal(err)
	}
	if l.PacketSize != 8000 || l.ClientProgVer != 0x06000000 || l.ClientPID != 7574 || l.ClientLCID != 0 {
		t.Errorf("fixed fields: %v", l)
	}
	if !l.TypeFlags.ReadOnlyIntent() || l.TypeFlags.OLEDB() || l.TypeFlags.SQLType() != SQLDefault {
		t.Errorf("TypeFlags %v", l.TypeFlags)
	}
	const provider = ".Net SqlClient Data Provider"
	if !l.HostName.Equal("ZLIN6CLIENT2") || !l.UserName.Equal("cloudsa") || l.Password.Len() != 8 ||
		!l.AppName.Equal(provider) || !l.CltIntName.Equal(provider) || !l.Database.Equal("testdb") ||
		!l.ServerName.Equal("e2f8876ad658.local.onebox.control.zlinheka6dev4.onebox.xdb.mscds.com,37008") {
		t.Errorf("strings: %v", l)
	}
	if l.ClientID != [6]byte{0xC2, 0xCC, 0x3D, 0x20, 0xB7, 0xAB} {
		t.Errorf("ClientID % x", l.ClientID)
	}
	type feat struct {
		id FeatureID
		n  int
	}
	var got []feat
	for f, err := range l.FeatureExt.All() {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, feat{f.ID, len(f.Data)})
		switch f.ID {
		case FeatureSessionRecovery:
			var sr SessionRecovery
			if err := sr.Decode(f.Data); err != nil || sr.Reconnect {
				t.Errorf("SESSIONRECOVERY: %v %+v", err, sr)
			}
		case FeatureColumnEncryption:
			var ce ColumnEncryption
			if err := ce.Decode(f.Data); err != nil || ce.Version != 1 {
				t.Errorf("COLUMNENCRYPTION: %v %+v", err, ce)
			}
		case FeatureAzureSQLSupport:
			var az AzureSQLSupport
			if err := az.Decode(f.Data); err != nil || !az.FailoverPartnerReadOnly() {
				t.Errorf("AZURESQLSUPPORT: %v %+v", err, az)
			}
		}
	}
	want := []feat{{FeatureSessionRecovery, 0}, {FeatureColumnEncryption, 1}, {FeatureGlobalTransactions, 0}, {FeatureAzureSQLSupport, 1}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("features %v, want %v", got, want)
	}
	// Not canonical: ibSSPI, ibAtchDBFile and ibChangePassword are 0x1AB
	// (odd, inside FeatureExt) for empty fields. Re-encoding moves exactly
	// those three offsets to 0x1A8 and keeps every value.
	re, err := l.Append(nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(re) != len(msg) {
		t.Fatalf("re-encoded to %d bytes, want %d", len(re), len(msg))
	}
	for i := range msg {
		moved := i == offSSPI || i == offAtchDBFile || i == offChangePassword
		if moved && (msg[i] != 0xAB || re[i] != 0xA8) || !moved && msg[i] != re[i] {
			t.Errorf("byte %d: golden %#02x, re-encoded %#02x", i, msg[i], re[i])
		}
	}
	var back Login7
	if err := back.Decode(re); err != nil {
		t.Fatal(err)
	}
	if d := diffLogin7(&l, &back); d != "" {
		t.Fatal(d)
	}
}

func TestSpec43FedAuth(t *testing.T) {
	msg := packet(t, "login7-spec-4.3-fedauth.hex", tds.PacketLogin7)
	var l Login7
	if err := l.Decode(msg); err != nil {
		t.Fatal(err)
	}
	if l.ClientPID != 0x3740 || !l.HostName.Equal("DANBENED3-XGZUO") || !l.AppName.Equal("SQLCMD") ||
		!l.ServerName.Equal("cloud.dev.mscds.com,1435") || !l.CltIntName.Equal("ODBC") ||
		len(l.UserName) != 0 || l.Password.Len() != 0 || len(l.SSPI) != 0 {
		t.Fatalf("fields: %v", l)
	}
	data, ok := l.FeatureExt.Lookup(FeatureFedAuth)
	if !ok || len(data) != 0x73E {
		t.Fatalf("FEDAUTH data %d bytes, ok %v", len(data), ok)
	}
	var fa FedAuth
	if err := fa.Decode(data); err != nil {
		t.Fatal(err)
	}
	if fa.Library != FedAuthLiveIDCompactToken || !fa.Echo || len(fa.Token) != 0x6E2 || !fa.HasNonce {
		t.Fatalf("FedAuth library %v echo %v token %d", fa.Library, fa.Echo, len(fa.Token))
	}
	if !tds.UCS2(fa.Token[:8]).Equal("t=Ew") {
		t.Errorf("token starts % x", fa.Token[:8])
	}
	if fa.Nonce[0] != 0xDF || fa.Nonce[31] != 0x1D || fa.Signature[0] != 0x0D || fa.Signature[31] != 0x8F {
		t.Errorf("Nonce % x Signature % x", fa.Nonce, fa.Signature)
	}
	if len(fa.ChannelBinding) != 23 || string(fa.ChannelBinding[:12]) != "tls-unique: " {
		t.Errorf("ChannelBinding %q", fa.ChannelBinding)
	}
	again, err := fa.Append(nil)
	if err != nil || !bytes.Equal(again, data) {
		t.Fatalf("FedAuth re-encodes differently: %v", err)
	}
	// Not canonical: the empty UserName, Password, SSPI and ChangePassword
	// have offset 0; re-encoding gives them the running offset (0x7C after
	// HostName, 0xC4 after CltIntName).
	re, err := l.Append(nil)
	if err != nil {
		t.Fatal(err)
	}
	moved := map[int]byte{offUserName: 0x7C, offPassword: 0x7C, offSSPI: 0xC4, offChangePassword: 0xC4}
	for i := range msg {
		w, ok := moved[i]
		if ok && (msg[i] != 0 || re[i] != w) || !ok && msg[i] != re[i] {
			t.Errorf("byte %d: golden %#02x, re-encoded %#02x", i, msg[i], re[i])
		}
	}
}

func TestTDS71ShortFixedPart(t *testing.T) {
	msg := tdstest.ReadHex(t, "testdata/login7-tds71-short.hex")
	var l Login7
	if err := l.Decode(msg); err != nil {
		t.Fatal(err)
	}
	want := Login7{
		TDSVersion:     tds.Version71Rev1,
		PacketSize:     512,
		ClientProgVer:  0x01020304,
		ClientPID:      0x1234,
		OptionFlags1:   FUseDB,
		OptionFlags2:   FODBC,
		TypeFlags:      TypeFlags(0).WithSQLType(SQLTSQL),
		ClientTimeZone: -60,
		ClientLCID:     0x0407,
		HostName:       u("h1"),
		UserName:       u("u"),
		Password:       PasswordBytes([]byte{0xA2, 0xA5}),
		AppName:        u("a"),
		ServerName:     u("s"),
		CltIntName:     u("c"),
		Database:       u("db"),
		ClientID:       [6]byte{1, 2, 3, 4, 5, 6},
	}
	if d := diffLogin7(&l, &want); d != "" {
		t.Fatal(d)
	}
	if l.Password.Clear() != "p" {
		t.Errorf("password does not de-obfuscate to \"p\"")
	}
	got, err := want.Append(nil)
	if err != nil || !bytes.Equal(got, msg) {
		t.Fatalf("encoded (%v)\n% x\nwant\n% x", err, got, msg)
	}
}

func TestLenientLayout(t *testing.T) {
	msg := tdstest.ReadHex(t, "testdata/login7-lenient-layout.hex")
	var l Login7
	if err := l.Decode(msg); err != nil {
		t.Fatal(err)
	}
	if !l.HostName.Equal("h") || len(l.UserName) != 0 || len(l.ServerName) != 0 {
		t.Fatalf("strings: %v", l)
	}
	data, ok := l.FeatureExt.Lookup(FeatureUTF8Support)
	var u8 UTF8Support
	if !ok || u8.Decode(data) != nil || !u8.Supported() {
		t.Fatalf("UTF8_SUPPORT %v % x", ok, data)
	}
	if !l.OptionFlags2.IntegratedSecurity() || !l.OptionFlags3.UnknownCollationHandling() {
		t.Fatalf("flags %v %v", l.OptionFlags2, l.OptionFlags3)
	}
	re, err := l.Append(nil)
	if err != nil {
		t.Fatal(err)
	}
	var back Login7
	if err := back.Decode(re); err != nil {
		t.Fatal(err)
	}
	if d := diffLogin7(&l, &back); d != "" {
		t.Fatal(d)
	}
	// ibHostName left at 0 (against the MUST) while data exists: the fixed
	// part is judged from the other offsets.
	zero := bytes.Clone(re)
	binary.LittleEndian.PutUint16(zero[offHostName:], 0)
	binary.LittleEndian.PutUint16(zero[offHostName+2:], 0)
	if err := back.Decode(zero); err != nil || len(back.HostName) != 0 || len(back.FeatureExt) == 0 {
		t.Fatalf("ibHostName 0: %v", err)
	}
}

func TestRoundTripBuilt(t *testing.T) {
	fa, err := FedAuth{Library: FedAuthSecurityToken, Echo: true, Token: []byte("token"), HasNonce: true, Nonce: [32]byte{1, 2, 3}}.Append(nil)
	if err != nil {
		t.Fatal(err)
	}
	sr, err := SessionRecovery{Reconnect: true,
		Init: SessionRecoveryData{Database: u("db"), Collation: []byte{1, 2, 3, 4, 5}, Language: u("english"), StateData: []byte{1, 0xFF, 2, 0, 0, 0, 7, 8}},
		ToBe: SessionRecoveryData{StateData: []byte{1, 1, 9}},
	}.Append(nil)
	if err != nil {
		t.Fatal(err)
	}
	var fe FeatureExt
	fe = fe.Add(FeatureSessionRecovery, sr)
	fe = fe.Add(FeatureFedAuth, fa)
	fe = fe.Add(FeatureColumnEncryption, ColumnEncryption{Version: 2}.Append(nil))
	fe = fe.Add(FeatureDataClassification, DataClassification{Version: 2}.Append(nil))
	fe = fe.Add(FeatureUTF8Support, UTF8Support{Flags: 1}.Append(nil))
	fe = fe.Add(FeatureAzureSQLDNSCaching, nil)
	fe = fe.Add(FeatureID(0x42), []byte("unknown feature kept"))
	sspi := bytes.Repeat([]byte{0x60, 0x82}, 40000) // 80000 bytes: needs cbSSPILong
	l := Login7{
		TDSVersion:     tds.Version74,
		PacketSize:     32767,
		ClientProgVer:  7,
		ClientPID:      99,
		ConnectionID:   5,
		OptionFlags1:   OptionFlags1(0).WithByteOrder(Order68000).WithCharSet(CharsetEBCDIC).WithFloatFormat(FloatND5000) | FDumpLoad,
		OptionFlags2:   OptionFlags2(FIntSecurity).WithUserType(UserSQLRepl),
		TypeFlags:      FOLEDB | FReadOnlyIntent,
		OptionFlags3:   FChangePassword | FSendYukonBinaryXML | FUserInstance | FExtension,
		ClientTimeZone: -480,
		ClientLCID:     0x0409,
		HostName:       u("host\U0001F600"),
		UserName:       u("user"),
		Password:       NewPassword("old pässword"),
		AppName:        u("app"),
		ServerName:     u("srv,1433"),
		CltIntName:     u("go"),
		Language:       u("us_english"),
		Database:       u("master"),
		ClientID:       [6]byte{6, 5, 4, 3, 2, 1},
		SSPI:           sspi,
		AtchDBFile:     u(`C:\db.mdf`),
		ChangePassword: NewPassword("new"),
		FeatureExt:     fe,
	}
	b, err := l.Append(nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := binary.LittleEndian.Uint16(b[offSSPI+2:]); got != 0xFFFF {
		t.Errorf("cbSSPI = %#x, want 0xFFFF", got)
	}
	if got := binary.LittleEndian.Uint32(b[offSSPILong:]); got != 80000 {
		t.Errorf("cbSSPILong = %d, want 80000", got)
	}
	// The 80000-byte blob would push AtchDBFile and ChangePassword past a
	// USHORT offset, so it is laid out after them.
	ibSSPI := binary.LittleEndian.Uint16(b[offSSPI:])
	ibAtch := binary.LittleEndian.Uint16(b[offAtchDBFile:])
	ibChange := binary.LittleEndian.Uint16(b[offChangePassword:])
	if !(ibAtch < ibChange && ibChange < ibSSPI) || int(ibSSPI)+80000+len(fe)+1 != len(b) {
		t.Errorf("layout: ibAtchDBFile %#x ibChangePassword %#x ibSSPI %#x, message %d bytes", ibAtch, ibChange, ibSSPI, len(b))
	}
	var back Login7
	if err := back.Decode(b); err != nil {
		t.Fatal(err)
	}
	if d := diffLogin7(&l, &back); d != "" {
		t.Fatal(d)
	}
	if back.Password.Clear() != "old pässword" || !back.ChangePassword.Equal("new") || back.ChangePassword.Equal("ne") || back.ChangePassword.Equal("new!") {
		t.Fatal("passwords do not round-trip")
	}
	f1, f2 := back.OptionFlags1, back.OptionFlags2
	if f1.ByteOrder() != Order68000 || f1.CharSet() != CharsetEBCDIC || f1.FloatFormat() != FloatND5000 || !f1.DumpLoadOff() ||
		f2.UserType() != UserSQLRepl || !f2.IntegratedSecurity() {
		t.Fatalf("flags %v %v", f1, f2)
	}
	tf, f3 := back.TypeFlags, back.OptionFlags3
	if !tf.OLEDB() || !tf.ReadOnlyIntent() || !f3.ChangePassword() || !f3.SendYukonBinaryXML() || !f3.UserInstance() || f3.UnknownCollationHandling() {
		t.Fatalf("flags %v %v", tf, f3)
	}
	var ids []FeatureID
	for f, err := range back.FeatureExt.All() {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, f.ID)
	}
	if fmt.Sprint(ids) != "[SESSIONRECOVERY FEDAUTH COLUMNENCRYPTION DATACLASSIFICATION UTF8_SUPPORT AZURESQLDNSCACHING FeatureID(0x42)]" {
		t.Fatalf("features %v", ids)
	}
	var gotFA FedAuth
	data, _ := back.FeatureExt.Lookup(FeatureFedAuth)
	if err := gotFA.Decode(data); err != nil || string(gotFA.Token) != "token" || !gotFA.HasNonce || gotFA.Nonce[2] != 3 || !gotFA.Echo {
		t.Fatalf("FedAuth %v %+v", err, gotFA)
	}
	var gotSR SessionRecovery
	data, _ = back.FeatureExt.Lookup(FeatureSessionRecovery)
	if err := gotSR.Decode(data); err != nil || !gotSR.Init.Language.Equal("english") || len(gotSR.ToBe.StateData) != 3 {
		t.Fatalf("SessionRecovery %v %+v", err, gotSR)
	}

	// fExtension with no FeatureExt: ibFeatureExtLong is written as 0.
	l2 := Login7{TDSVersion: tds.Version74, OptionFlags3: FExtension, HostName: u("h")}
	b2, err := l2.Append(nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(b2) != FixedLen+2+4 || binary.LittleEndian.Uint32(b2[FixedLen+2:]) != 0 {
		t.Fatalf("extension block % x", b2[FixedLen:])
	}
	if err := back.Decode(b2); err != nil || back.FeatureExt != nil || !back.OptionFlags3.Extension() {
		t.Fatalf("decode: %v", err)
	}
}

func TestFedAuthLayouts(t *testing.T) {
	for _, fa := range []FedAuth{
		{Library: FedAuthADAL, Echo: true, Workflow: FedAuthWorkflowIntegrated},
		{Library: FedAuthADAL, Workflow: FedAuthWorkflowPassword},
		{Library: FedAuthSecurityToken, Token: []byte{1}},
		{Library: FedAuthLiveIDCompactToken, Token: []byte{1, 2}, HasNonce: true, Nonce: [32]byte{9}, Signature: [32]byte{31: 7}},
		{Library: FedAuthLiveIDCompactToken, Token: []byte{1, 2}, HasNonce: true, ChannelBinding: []byte("cbt"), Signature: [32]byte{8}},
	} {
		b, err := fa.Append(nil)
		if err != nil {
			t.Fatal(err)
		}
		var got FedAuth
		if err := got.Decode(b); err != nil {
			t.Fatalf("%+v: %v", fa, err)
		}
		if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", fa) {
			t.Errorf("got %+v, want %+v", got, fa)
		}
	}
	// Hand-written ADAL block: Options 0x05 = library 2 << 1 | echo, Workflow 0x01.
	var fa FedAuth
	if err := fa.Decode([]byte{0x05, 0x01}); err != nil || fa.Library != FedAuthADAL || !fa.Echo || fa.Workflow != FedAuthWorkflowPassword {
		t.Fatalf("ADAL: %v %+v", err, fa)
	}
	if _, err := (FedAuth{Library: 0x7F}).Append(nil); !errors.Is(err, tds.ErrMalformed) {
		t.Errorf("reserved library encoded: %v", err)
	}
	for _, bad := range []FedAuth{
		{Library: FedAuthSecurityToken},
		{Library: FedAuthADAL, Token: []byte{1}},
		{Library: FedAuthADAL, HasNonce: true},
		{Library: FedAuthSecurityToken, Token: []byte{1}, Nonce: [32]byte{1}},
		{Library: FedAuthSecurityToken, Token: []byte{1}, Signature: [32]byte{1}},
		{Library: FedAuthSecurityToken, Token: []byte{1}, Workflow: FedAuthWorkflowPassword},
		{Library: FedAuthLiveIDCompactToken, Token: []byte{1}},
		{Library: FedAuthLiveIDCompactToken, Token: []byte{1}, HasNonce: true, Workflow: 1},
		{Library: 3, Token: []byte{1}},
	} {
		if got, err := bad.Append([]byte{9}); !errors.Is(err, tds.ErrMalformed) || len(got) != 1 {
			t.Errorf("%+v encoded: %v", bad, err)
		}
	}
}

func TestPasswordObfuscation(t *testing.T) {
	// [MS-TDS] 2.2.6.4: swap nibbles, then XOR 0xA5. Worked by hand:
	// 's' 0x73 -> 0x37 ^ 0xA5 = 0x92; 'a' 0x61 -> 0x16 ^ 0xA5 = 0xB3;
	// the high byte 0x00 -> 0x00 ^ 0xA5 = 0xA5.
	p := NewPassword("sa")
	if !bytes.Equal(p.Bytes(), []byte{0x92, 0xA5, 0xB3, 0xA5}) {
		t.Fatalf("NewPassword(\"sa\") = % x", p.Bytes())
	}
	if p.Len() != 2 || p.Clear() != "sa" || !p.Equal("sa") || p.Equal("s") || p.Equal("sb") || p.Equal("sa ") {
		t.Fatal("Password accessors disagree")
	}
	if got := tds.UCS2(p.AppendClear(nil)); !got.Equal("sa") {
		t.Fatalf("AppendClear = % x", got)
	}
	for b := 0; b < 256; b++ {
		if deobfuscate(obfuscate(byte(b))) != byte(b) {
			t.Fatalf("byte %#x does not round-trip", b)
		}
	}
	if !NewPassword("x\U0001F600").Equal("x\U0001F600") {
		t.Fatal("surrogate pair password")
	}
}

func TestNeverPrintsPassword(t *testing.T) {
	const clear = "Sup3rS3cret"
	l := Login7{TDSVersion: tds.Version74, UserName: u("sa"), Password: NewPassword(clear), ChangePassword: NewPassword(clear + "2")}
	b, err := l.Append(nil)
	if err != nil {
		t.Fatal(err)
	}
	var dec Login7
	if err := dec.Decode(b); err != nil {
		t.Fatal(err)
	}
	obf := dec.Password.Bytes()
	forbidden := []string{
		clear, string(u(clear)), string(obf),
		fmt.Sprintf("%x", obf), fmt.Sprintf("% x", obf), fmt.Sprintf("%X", obf), fmt.Sprintf("% X", obf),
		fmt.Sprint([]byte(obf)), fmt.Sprintf("%#v", []byte(obf)), fmt.Sprintf("%q", string(obf)),
		fmt.Sprintf("%d", obf[:4]),
	}
	type wrapper struct {
		L Login7
		P *Password
	}
	values := map[string]any{
		"Login7": dec, "*Login7": &dec, "Password": dec.Password, "*Password": &dec.Password,
		"ChangePassword": dec.ChangePassword, "wrapper": wrapper{dec, &dec.Password}, "[]Password": []Password{dec.Password},
		// fmt cannot call methods through unexported fields: it falls back
		// to reflection, which must find only pointers.
		"hidden": struct{ l Login7 }{dec}, "hiddenPtr": struct{ l *Login7 }{&dec},
	}
	verbs := []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "% x", "%d", "%T %v", "%10.3v", "%-v", "%b", "%o", "%c", "%U", "%p"}
	for name, v := range values {
		for _, verb := range verbs {
			out := fmt.Sprintf(verb, v)
			for _, bad := range forbidden {
				if bytes.Contains([]byte(out), []byte(bad)) {
					t.Errorf("%s with %s prints password material %q: %s", name, verb, bad, out)
				}
			}
		}
		for _, out := range []string{fmt.Sprint(v), fmt.Sprintln(v)} {
			if bytes.Contains([]byte(out), []byte(clear)) || bytes.Contains([]byte(out), obf) {
				t.Errorf("%s: Sprint prints the password", name)
			}
		}
	}
	if dec.Password.String() != redacted || dec.ChangePassword.GoString() != `login7.Password("[REDACTED]")` {
		t.Errorf("Password String/GoString: %s %s", dec.Password.String(), dec.ChangePassword.GoString())
	}
	if s := dec.String(); !bytes.Contains([]byte(s), []byte("Password="+redacted)) || !bytes.Contains([]byte(s), []byte(`UserName="sa"`)) {
		t.Errorf("String = %s", s)
	}
}

func TestFlagStrings(t *testing.T) {
	for _, c := range []struct {
		got, want string
	}{
		{OptionFlags1(0xE0).String(), "fUseDB|fDatabase|fSetLang"},
		{OptionFlags1(0).String(), "0"},
		{OptionFlags1(0x07).String(), "fByteOrder|fChar|fFloat=FLOAT_VAX"},
		{OptionFlags1(0x0C).String(), "fFloat=FloatFormat(3)"},
		{OptionFlags1(0x10).String(), "fDumpLoad"},
		{OptionFlags2(0x03).String(), "fLanguage|fODBC"},
		{OptionFlags2(0xAC).String(), "fTranBoundary|fCacheConnect|fUserType=USER_REMUSER|fIntSecurity"},
		{OptionFlags2(0x70).String(), "fUserType=UserType(7)"},
		{TypeFlags(0x31).String(), "fSQLType=SQL_TSQL|fOLEDB|fReadOnlyIntent"},
		{TypeFlags(0xC2).String(), "fSQLType=SQLType(2)|0xc0"},
		{OptionFlags3(0x1F).String(), "fChangePassword|fSendYukonBinaryXML|fUserInstance|fUnknownCollationHandling|fExtension"},
		{OptionFlags3(0x80).String(), "0x80"},
		{OptionFlags3(0).String(), "0"},
		{Order68000.String() + OrderX86.String() + ByteOrder(2).String(), "ORDER_68000ORDER_X86ByteOrder(2)"},
		{CharsetASCII.String() + CharsetEBCDIC.String() + CharSet(5).String(), "CHARSET_ASCIICHARSET_EBCDICCharSet(5)"},
		{FloatIEEE754.String() + FloatND5000.String(), "FLOAT_IEEE_754ND5000"},
		{UserNormal.String() + UserServer.String() + UserSQLRepl.String(), "USER_NORMALUSER_SERVERUSER_SQLREPL"},
		{SQLDefault.String(), "SQL_DFLT"},
		{FeatureFedAuth.String(), "FEDAUTH"},
		{FeatureTerminator.String(), "TERMINATOR"},
		{FeatureID(3).String(), "FeatureID(0x03)"},
		{FeatureEnhancedRoutingSupport.String(), "ENHANCEDROUTINGSUPPORT"},
		{FedAuthADAL.String() + FedAuthSecurityToken.String() + FedAuthLiveIDCompactToken.String(), "ADALSecurityTokenLiveIDCompactToken"},
		{FedAuthLibrary(0x7F).String(), "FedAuthLibrary(0x7f)"},
		{FedAuthWorkflowPassword.String() + FedAuthWorkflowIntegrated.String() + FedAuthWorkflow(9).String(), "UserPasswordIntegratedFedAuthWorkflow(0x09)"},
		{Feature{ID: FeatureFedAuth, Data: make([]byte, 3)}.String(), "FEDAUTH (3 bytes)"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
	if f := OptionFlags2(0xFF).WithUserType(UserNormal); f != 0x8F {
		t.Errorf("WithUserType cleared to %#x", f)
	}
	if f := OptionFlags1(0xFF).WithFloatFormat(FloatIEEE754).WithCharSet(CharsetASCII).WithByteOrder(OrderX86); f != 0xF0 {
		t.Errorf("With* cleared to %#x", f)
	}
	if f := TypeFlags(0xFF).WithSQLType(SQLDefault); f != 0xF0 {
		t.Errorf("WithSQLType cleared to %#x", f)
	}
}

func TestSSPIMessage(t *testing.T) {
	body := packet(t, "sspi-spec-4.11.hex", tds.PacketSSPI)
	var m SSPIMessage
	if err := m.Decode(body); err != nil {
		t.Fatal(err)
	}
	// The annotation and the header agree on 86 bytes of raw token; there
	// is no US_VARCHAR length prefix despite the parameter table.
	if len(m.Data) != 86 || string(m.Data[:8]) != "NTLMSSP\x00" || m.Data[85] != 0x4F {
		t.Fatalf("SSPIData %d bytes % x", len(m.Data), m.Data[:8])
	}
	if got := m.Append(nil); !bytes.Equal(got, body) {
		t.Fatal("SSPI message does not re-encode")
	}
	if err := m.Decode(nil); !errors.Is(err, tds.ErrTruncated) {
		t.Fatalf("empty SSPI message: %v", err)
	}
}

// TestUTF8SupportNoData decodes a LOGIN7 whose UTF8_SUPPORT request has
// FeatureDataLen 0 (testdata/login7-utf8-nodata.hex), checks that it
// announces support, and that the empty feature survives re-encoding
// (Append lays the strings out before FeatureExt, so the bytes move).
func TestUTF8SupportNoData(t *testing.T) {
	msg := tdstest.ReadHex(t, "testdata/login7-utf8-nodata.hex")
	var l Login7
	if err := l.Decode(msg); err != nil {
		t.Fatal(err)
	}
	data, ok := l.FeatureExt.Lookup(FeatureUTF8Support)
	if !ok || len(data) != 0 {
		t.Fatalf("UTF8_SUPPORT present %v, data % x", ok, data)
	}
	var u8 UTF8Support
	if err := u8.Decode(data); err != nil {
		t.Fatal(err)
	}
	if u8 != (UTF8Support{NoData: true}) || !u8.Supported() {
		t.Fatalf("decoded %+v, Supported %v", u8, u8.Supported())
	}
	if got := u8.Append([]byte{}); len(got) != 0 {
		t.Fatalf("Append wrote % x, want nothing", got)
	}
	re, err := l.Append(nil)
	if err != nil {
		t.Fatal(err)
	}
	var back Login7
	if err := back.Decode(re); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(back.FeatureExt, []byte{0x0A, 0, 0, 0, 0}) || !back.HostName.Equal("h") {
		t.Fatalf("re-encoded FeatureExt % x, HostName %q", back.FeatureExt, back.HostName.String())
	}
	for _, c := range []struct {
		in   []byte
		want UTF8Support
		ok   bool
	}{
		{[]byte{0}, UTF8Support{}, false},
		{[]byte{1}, UTF8Support{Flags: 1}, true},
		{[]byte{0xFE}, UTF8Support{Flags: 0xFE}, false},
	} {
		var u UTF8Support
		if err := u.Decode(c.in); err != nil || u != c.want || u.Supported() != c.ok {
			t.Errorf("Decode(% x) = %+v, %v; Supported %v", c.in, u, err, u.Supported())
		}
	}
}

func TestSetNames(t *testing.T) {
	var l Login7
	l.SetNames(Names{HostName: "h", UserName: "sa", AppName: "app", ServerName: "srv", CltIntName: "lib", Language: "", Database: "db", AtchDBFile: "f.mdf"})
	for _, c := range []struct {
		name string
		got  tds.UCS2
		want string
	}{
		{"HostName", l.HostName, "h"}, {"UserName", l.UserName, "sa"}, {"AppName", l.AppName, "app"},
		{"ServerName", l.ServerName, "srv"}, {"CltIntName", l.CltIntName, "lib"}, {"Language", l.Language, ""},
		{"Database", l.Database, "db"}, {"AtchDBFile", l.AtchDBFile, "f.mdf"},
	} {
		if !c.got.Equal(c.want) || len(c.got) != cap(c.got) {
			t.Errorf("%s = %q (cap %d), want %q", c.name, c.got.String(), cap(c.got), c.want)
		}
	}
	if l.Language != nil {
		t.Error("empty Language is not nil")
	}
	if n := testing.AllocsPerRun(10, func() { l.SetNames(Names{UserName: "sa", Database: "db"}) }); n != 1 {
		t.Errorf("SetNames: %v allocations, want 1", n)
	}
	msg, err := l.Append(nil)
	if err != nil {
		t.Fatal(err)
	}
	var back Login7
	if err := back.Decode(msg); err != nil || !back.UserName.Equal("sa") || !back.Database.Equal("db") {
		t.Fatalf("round trip: %v %v", err, back)
	}
}

func TestFeatureStrings(t *testing.T) {
	for _, c := range []struct {
		v    fmt.Stringer
		want string
	}{
		{ColumnEncryption{Version: 1}, "COLUMNENCRYPTION Version=1"},
		{AzureSQLSupport{Flags: 1}, "AZURESQLSUPPORT Flags=0x01"},
		{UTF8Support{Flags: 1}, "UTF8_SUPPORT Supported=true Flags=0x01"},
		{UTF8Support{NoData: true}, "UTF8_SUPPORT Supported=true NoData"},
		{DataClassification{Version: 2, VersionSpecific: []byte{1}}, "DATACLASSIFICATION Version=2 VersionSpecific=1 bytes"},
		{SessionRecovery{Reconnect: true, Init: SessionRecoveryData{Database: tds.UCS2(tds.AppendUCS2(nil, "db"))}},
			`SESSIONRECOVERY Reconnect=true Init={Database="db" Language="" Collation=0 bytes StateData=0 bytes} ToBe={Database="" Language="" Collation=0 bytes StateData=0 bytes}`},
	} {
		if got := c.v.String(); got != c.want {
			t.Errorf("String %q, want %q", got, c.want)
		}
	}
	sr := SessionRecovery{Init: SessionRecoveryData{Collation: []byte{9, 4, 0xd0, 0, 0x34}}}
	if got := fmt.Sprintf("%+v", sr); !strings.Contains(got, "Collation=0904d00034") {
		t.Errorf("%%+v %q", got)
	}
}
