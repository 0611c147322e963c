package login7

import (
	"testing"

	"github.com/tdswire/tdswire/tds"
)

func benchDecode(b *testing.B, name string) {
	msg := packet(b, name, tds.PacketLogin7)
	var l Login7
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		if err := l.Decode(msg); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeSpec42 decodes the SQL-authentication login of [MS-TDS] 4.2.
func BenchmarkDecodeSpec42(b *testing.B) { benchDecode(b, "login7-spec-4.2.hex") }

// BenchmarkDecodeSpec43FedAuth decodes the 2 KB federated-authentication
// login of [MS-TDS] 4.3 (FeatureExt chain validated on the way).
func BenchmarkDecodeSpec43FedAuth(b *testing.B) { benchDecode(b, "login7-spec-4.3-fedauth.hex") }

// BenchmarkDecodeAndRead decodes the [MS-TDS] 4.20 login, compares the
// user name and password, and walks and decodes its features, as a server
// would.
func BenchmarkDecodeAndRead(b *testing.B) {
	msg := packet(b, "login7-spec-4.20-azuresqlsupport.hex", tds.PacketLogin7)
	var l Login7
	b.ReportAllocs()
	for b.Loop() {
		if err := l.Decode(msg); err != nil {
			b.Fatal(err)
		}
		if !l.UserName.Equal("cloudsa") || l.Password.Equal("x") {
			b.Fatal("fields")
		}
		for f, err := range l.FeatureExt.All() {
			if err != nil {
				b.Fatal(err)
			}
			if f.ID == FeatureColumnEncryption {
				var ce ColumnEncryption
				if err := ce.Decode(f.Data); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
}

// BenchmarkAppend encodes a SQL-authentication login with two features
// into a reused buffer.
func BenchmarkAppend(b *testing.B) {
	l := Login7{
		TDSVersion:   tds.Version74,
		PacketSize:   4096,
		OptionFlags1: FUseDB | FDatabase | FSetLang,
		OptionFlags2: FLanguage | FODBC,
		OptionFlags3: FExtension,
		HostName:     u("client-host"),
		UserName:     u("sa"),
		Password:     NewPassword("Passw0rd!"),
		AppName:      u("tdswire"),
		ServerName:   u("db.example.com"),
		CltIntName:   u("tdswire"),
		Database:     u("master"),
		FeatureExt:   FeatureExt(nil).Add(FeatureUTF8Support, []byte{1}).Add(FeatureColumnEncryption, []byte{1}),
	}
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = l.Append(buf[:0]); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(buf)))
}

// BenchmarkAppendPassword obfuscates a password into a reused buffer.
func BenchmarkAppendPassword(b *testing.B) {
	buf := make([]byte, 0, 64)
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendPassword(buf[:0], "Passw0rd!")
	}
}
