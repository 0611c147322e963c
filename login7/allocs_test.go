package login7

import (
	"testing"

	"github.com/tdswire/tdswire/tds"
)

// TestZeroAllocs pins the promise of the package doc: decoding a LOGIN7,
// reading every view field, comparing names and the password, iterating
// FeatureExt and decoding the typed feature data allocate nothing.
func TestZeroAllocs(t *testing.T) {
	msgs := [][]byte{
		packet(t, "login7-spec-4.2.hex", tds.PacketLogin7),
		packet(t, "login7-spec-4.3-fedauth.hex", tds.PacketLogin7),
		packet(t, "login7-spec-4.16-sessionrecovery.hex", tds.PacketLogin7),
		packet(t, "login7-spec-4.20-azuresqlsupport.hex", tds.PacketLogin7),
	}
	var l Login7
	var sink int
	for _, msg := range msgs {
		allocs := testing.AllocsPerRun(100, func() {
			if err := l.Decode(msg); err != nil {
				t.Fatal(err)
			}
			for _, v := range [...]tds.UCS2{l.HostName, l.UserName, l.AppName, l.ServerName, l.CltIntName, l.Language, l.Database, l.AtchDBFile} {
				sink += v.Len()
			}
			sink += len(l.SSPI) + l.Password.Len() + l.ChangePassword.Len() + len(l.Password.Bytes())
			if l.UserName.Equal("sa") || l.Password.Equal("secret") {
				sink++
			}
			var buf [64]byte
			sink += len(l.Password.AppendClear(buf[:0]))
			sink += int(l.OptionFlags1.FloatFormat()) + int(l.OptionFlags2.UserType()) + int(l.TypeFlags.SQLType())
			for f, err := range l.FeatureExt.All() {
				if err != nil {
					t.Fatal(err)
				}
				sink += len(f.Data)
				switch f.ID {
				case FeatureFedAuth:
					var fa FedAuth
					if fa.Decode(f.Data) == nil {
						sink += len(fa.Token) + len(fa.ChannelBinding)
					}
				case FeatureSessionRecovery:
					var sr SessionRecovery
					if sr.Decode(f.Data) == nil {
						sink += len(sr.Init.StateData)
					}
				case FeatureColumnEncryption:
					var ce ColumnEncryption
					if ce.Decode(f.Data) == nil {
						sink += int(ce.Version)
					}
				case FeatureAzureSQLSupport:
					var az AzureSQLSupport
					if az.Decode(f.Data) == nil {
						sink += int(az.Flags)
					}
				}
			}
			if _, ok := l.FeatureExt.Lookup(FeatureUTF8Support); ok {
				sink++
			}
		})
		if allocs != 0 {
			t.Errorf("%d-byte LOGIN7: %v allocations per decode and read, want 0", len(msg), allocs)
		}
	}
	var m SSPIMessage
	sspi := packet(t, "sspi-spec-4.11.hex", tds.PacketSSPI)
	if allocs := testing.AllocsPerRun(100, func() { _ = m.Decode(sspi) }); allocs != 0 {
		t.Errorf("SSPI decode: %v allocations, want 0", allocs)
	}
	// Encoding into a buffer with room allocates nothing either.
	if err := l.Decode(msgs[1]); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 0, 4096)
	if allocs := testing.AllocsPerRun(100, func() {
		if _, err := l.Append(buf[:0]); err != nil {
			t.Fatal(err)
		}
	}); allocs != 0 {
		t.Errorf("Append: %v allocations, want 0", allocs)
	}
	_ = sink
}
