package spnego

import "testing"

func BenchmarkClassify(b *testing.B) {
	init := readHex(b, "negtokeninit-ntlm.hex")
	b.ReportAllocs()
	b.SetBytes(int64(len(init)))
	for b.Loop() {
		if _, err := Classify(init); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNegTokenRespAppend(b *testing.B) {
	r := NegTokenResp{SupportedMech: MechKerberos.OID(), ResponseToken: make(Opaque, 160)}
	r.SetNegState(AcceptCompleted)
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = r.Append(buf[:0])
	}
}
