// Package login7 encodes and decodes the client's login messages of the
// Tabular Data Stream protocol: LOGIN7 ([MS-TDS] 2.2.6.4) with its
// OffsetLength table, password obfuscation and FeatureExt block, and the
// SSPI message ([MS-TDS] 2.2.6.8) that continues integrated
// authentication.
//
// The codecs work on whole message bodies; splitting them into packets
// (type 0x10 for LOGIN7, 0x11 for SSPI) and reassembling them is the tds
// package's job.
//
// Decoding fills a caller-owned Login7 with views into the input: the
// strings stay UTF-16LE (tds.UCS2), the passwords stay obfuscated
// (Password), and the FeatureExt block is validated and iterated in
// place, so that a server reading a login allocates nothing until it asks
// for a Go string:
//
//	var l login7.Login7
//	if err := l.Decode(msg); err != nil {
//		return err // *tds.Error, Layer tds.LayerLogin7, with the offending offset
//	}
//	if l.UserName.Equal("sa") && l.Password.Equal(secret) { ... }
//	for f, err := range l.FeatureExt.All() {
//		if err != nil { ... } // only for a FeatureExt built by hand
//		switch f.ID {
//		case login7.FeatureFedAuth:
//			var fa login7.FedAuth
//			err := fa.Decode(f.Data)
//			...
//		}
//	}
//
// Encoding appends to a caller's slice and computes Length, every offset
// and count, cbSSPILong and ibFeatureExtLong:
//
//	l := login7.Login7{
//		TDSVersion: tds.Version74,
//		PacketSize: 4096,
//		Password:   login7.NewPassword("secret"),
//		...
//	}
//	l.SetNames(login7.Names{UserName: "sa", AppName: "app", Database: "db"})
//	msg, err := l.Append(buf[:0])
//
// The decoder is lenient where real clients (SqlClient, go-mssqldb,
// FreeTDS, tedious) depart from the canonical layout and strict on the
// MUSTs they honour; Login7.Decode lists both. A Login7 and a Password
// never print a password, whatever the fmt verb.
package login7
