package krb5

import "testing"

func BenchmarkDecodeAPReq(b *testing.B) {
	raw := readHex(b, "apreq-freetds.hex")
	var tok GSSToken
	var req APReq
	b.ReportAllocs()
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if tok.Decode(raw) != nil || req.Decode(tok.Message) != nil {
			b.Fatal("decode")
		}
	}
}
