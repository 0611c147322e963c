package interop

import (
	"bytes"
	"encoding/binary"
	"slices"
	"testing"

	"github.com/tdswire/tdswire/login7"
	"github.com/tdswire/tdswire/tds"
)

// checkLogin7 decodes the captured LOGIN7 with tdswire's login7 package
// and compares it with what the client was configured to send. It also
// re-encodes the decoded value and checks that the result decodes to the
// same fields (the byte layout may differ: clients place FeatureExt and
// SSPI differently from Login7.Append's canonical order). It returns the
// decoded message for further checks.
func checkLogin7(t *testing.T, cp capture, w wantLogin) *login7.Login7 {
	t.Helper()
	var l login7.Login7
	if err := l.Decode(cp.Login); err != nil {
		t.Fatalf("login7.Decode of the client's LOGIN7 (% x): %v", cp.Login, err)
	}
	t.Logf("%v", l)
	if l.TDSVersion != w.Version {
		t.Errorf("TDSVersion = %v, want %v", l.TDSVersion, w.Version)
	}
	if l.PacketSize != w.PacketSize {
		t.Errorf("PacketSize = %d, want %d", l.PacketSize, w.PacketSize)
	}
	for _, f := range []struct {
		name string
		got  tds.UCS2
		want string
	}{
		{"HostName", l.HostName, w.Host},
		{"UserName", l.UserName, w.User},
		{"AppName", l.AppName, w.App},
		{"ServerName", l.ServerName, w.Server},
		{"CltIntName", l.CltIntName, w.Library},
		{"Language", l.Language, w.Language},
		{"Database", l.Database, w.Database},
	} {
		if !f.got.Equal(f.want) {
			t.Errorf("%s = %q, want %q", f.name, f.got.String(), f.want)
		}
	}
	if !l.Password.Equal(w.Password) {
		t.Errorf("Password de-obfuscates to %q, want %q", l.Password.Clear(), w.Password)
	}
	if got := l.OptionFlags2.IntegratedSecurity(); got != w.IntSecurity {
		t.Errorf("OptionFlags2 %v: fIntSecurity %v, want %v", l.OptionFlags2, got, w.IntSecurity)
	}
	if w.IntSecurity != (len(l.SSPI) > 0) {
		t.Errorf("SSPI holds %d bytes; fIntSecurity wanted %v", len(l.SSPI), w.IntSecurity)
	}
	if len(l.AtchDBFile) != 0 || l.ChangePassword.Len() != 0 {
		t.Errorf("AtchDBFile %q, ChangePassword of %d bytes: no client was asked for either", l.AtchDBFile.String(), l.ChangePassword.Len())
	}
	var ids []login7.FeatureID
	for f, err := range l.FeatureExt.All() {
		if err != nil {
			t.Fatalf("FeatureExt iteration: %v", err)
		}
		ids = append(ids, f.ID)
		if f.ID == login7.FeatureUTF8Support {
			var u login7.UTF8Support
			if err := u.Decode(f.Data); err != nil || !u.Supported() {
				t.Errorf("UTF8_SUPPORT data % x: supported %v, err %v", f.Data, u.Supported(), err)
			}
		}
	}
	if !slices.Equal(ids, w.Features) {
		t.Errorf("FeatureExt IDs %v, want %v", ids, w.Features)
	}
	if l.OptionFlags3.Extension() != w.Extension {
		t.Errorf("OptionFlags3 %v: fExtension %v, want %v", l.OptionFlags3, l.OptionFlags3.Extension(), w.Extension)
	}
	if len(l.FeatureExt) > 0 {
		// Where the clients put the blocks: the 4-byte extension block
		// (ibExtension) among the strings, in table order, and the
		// FeatureExt block it points to (ibFeatureExtLong) last, after
		// SSPI, so that it ends the message with its terminator.
		ibExt := int(binary.LittleEndian.Uint16(cp.Login[56:]))
		feAt := int(binary.LittleEndian.Uint32(cp.Login[ibExt:]))
		if end := feAt + len(l.FeatureExt) + 1; end != len(cp.Login) {
			t.Errorf("FeatureExt at %d ends at %d, not at the end of the %d-byte message", feAt, end, len(cp.Login))
		}
		t.Logf("extension block at %d, FeatureExt at %d of %d bytes", ibExt, feAt, len(cp.Login))
	}

	re, err := l.Append(nil)
	if err != nil {
		t.Fatalf("Append of the decoded LOGIN7: %v", err)
	}
	var l2 login7.Login7
	if err := l2.Decode(re); err != nil {
		t.Fatalf("Decode of the re-encoded LOGIN7: %v", err)
	}
	if !sameLogin(&l, &l2) {
		t.Errorf("re-encoded LOGIN7 decodes differently:\n got %v\nwant %v", l2, l)
	}
	return &l
}

// sameLogin compares every field of two decoded LOGIN7 messages.
func sameLogin(a, b *login7.Login7) bool {
	return a.TDSVersion == b.TDSVersion && a.PacketSize == b.PacketSize &&
		a.ClientProgVer == b.ClientProgVer && a.ClientPID == b.ClientPID &&
		a.ConnectionID == b.ConnectionID && a.OptionFlags1 == b.OptionFlags1 &&
		a.OptionFlags2 == b.OptionFlags2 && a.TypeFlags == b.TypeFlags &&
		a.OptionFlags3 == b.OptionFlags3 && a.ClientTimeZone == b.ClientTimeZone &&
		a.ClientLCID == b.ClientLCID && a.ClientID == b.ClientID &&
		bytes.Equal(a.HostName, b.HostName) && bytes.Equal(a.UserName, b.UserName) &&
		a.Password.Clear() == b.Password.Clear() && bytes.Equal(a.AppName, b.AppName) &&
		bytes.Equal(a.ServerName, b.ServerName) && bytes.Equal(a.CltIntName, b.CltIntName) &&
		bytes.Equal(a.Language, b.Language) && bytes.Equal(a.Database, b.Database) &&
		bytes.Equal(a.SSPI, b.SSPI) && bytes.Equal(a.AtchDBFile, b.AtchDBFile) &&
		a.ChangePassword.Clear() == b.ChangePassword.Clear() && bytes.Equal(a.FeatureExt, b.FeatureExt)
}
