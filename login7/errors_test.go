package login7

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/tdswire/tdswire/tds"
)

func put16(off int, v uint16) func([]byte) []byte {
	return func(b []byte) []byte { binary.LittleEndian.PutUint16(b[off:], v); return b }
}

func put32(off int, v uint32) func([]byte) []byte {
	return func(b []byte) []byte { binary.LittleEndian.PutUint32(b[off:], v); return b }
}

func both(fs ...func([]byte) []byte) func([]byte) []byte {
	return func(b []byte) []byte {
		for _, f := range fs {
			b = f(b)
		}
		return b
	}
}

// checkErr asserts err is a *tds.Error of layer "login7" at offset with
// class want.
func checkErr(t *testing.T, name string, err error, want error, offset int64) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: error %v, want class %v", name, err, want)
		return
	}
	var te *tds.Error
	if !errors.As(err, &te) || te.Layer != layer || te.Offset != offset {
		t.Errorf("%s: error %#v, want layer %q at offset %d", name, err, layer, offset)
	}
}

func TestDecodeErrors(t *testing.T) {
	spec42 := packet(t, "login7-spec-4.2.hex", tds.PacketLogin7)
	spec416 := packet(t, "login7-spec-4.16-sessionrecovery.hex", tds.PacketLogin7)
	for _, c := range []struct {
		name   string
		base   []byte
		mutate func([]byte) []byte
		want   error
		offset int64
	}{
		{"shorter than the 7.1 fixed part", spec42, func(b []byte) []byte { return b[:50] }, tds.ErrTruncated, 50},
		{"empty", spec42, func(b []byte) []byte { return b[:0] }, tds.ErrTruncated, 0},
		{"Length beyond the message", spec42, put32(0, 0x89), tds.ErrTruncated, 0},
		{"Length short of the message", spec42, put32(0, 0x87), tds.ErrMalformed, 0},
		{"trailing byte after Length", spec42, func(b []byte) []byte { return append(b, 0) }, tds.ErrMalformed, 0},
		{"Length over 128K-1", spec42, put32(0, MaxLength+1), tds.ErrTooLarge, 0},
		{"ibHostName into the fixed part", spec42, put16(offHostName, 0x40), tds.ErrMalformed, offHostName},
		{"7.2 table, message shorter than it", spec42, func(b []byte) []byte { b = b[:90]; binary.LittleEndian.PutUint32(b, 90); return b }, tds.ErrTruncated, 90},
		{"UserName runs past the end", spec42, put16(offUserName+2, 100), tds.ErrMalformed, offUserName},
		{"AppName offset past the end", spec42, put16(offAppName, 0x1000), tds.ErrMalformed, offAppName},
		{"CltIntName inside the fixed part", spec42, put16(offCltIntName, 0x10), tds.ErrMalformed, offCltIntName},
		{"Password past the end", spec42, put16(offPassword+2, 20), tds.ErrMalformed, offPassword},
		{"ServerName past the end", spec42, put16(offServerName+2, 20), tds.ErrMalformed, offServerName},
		{"Language past the end", spec42, put16(offLanguage+2, 1), tds.ErrMalformed, offLanguage},
		{"Database past the end", spec42, put16(offDatabase+2, 1), tds.ErrMalformed, offDatabase},
		{"AtchDBFile past the end", spec42, put16(offAtchDBFile+2, 1), tds.ErrMalformed, offAtchDBFile},
		{"HostName one character too long", spec42, put16(offHostName+2, 0x26), tds.ErrMalformed, offHostName},
		{"SSPI past the end", spec42, both(put16(offSSPI, 0x84), put16(offSSPI+2, 10)), tds.ErrMalformed, offSSPI},
		{"cbSSPILong beyond the message", spec42, both(put16(offSSPI+2, 0xFFFF), put32(offSSPILong, 0x10000)), tds.ErrMalformed, offSSPILong},
		{"cbSSPI 0xFFFF, cbSSPILong 0", spec42, put16(offSSPI+2, 0xFFFF), tds.ErrMalformed, offSSPI},
		{"ChangePassword past the end", spec42, put16(offChangePassword+2, 1), tds.ErrMalformed, offChangePassword},
		{"cbExtension too short", spec416, put16(offExtension+2, 2), tds.ErrMalformed, offExtension + 2},
		{"extension block past the end", spec416, put16(offExtension, 0x200), tds.ErrMalformed, offExtension},
		{"ibFeatureExtLong past the end", spec416, put32(128, 0x1000), tds.ErrMalformed, 128},
		{"ibFeatureExtLong into the fixed part", spec416, put32(128, 0x10), tds.ErrMalformed, 128},
		{"FeatureDataLen past the end", spec416, put32(153, 0x1000), tds.ErrTruncated, 153},
		{"no terminator", spec416, func(b []byte) []byte { b = b[:len(b)-1]; binary.LittleEndian.PutUint32(b, uint32(len(b))); return b }, tds.ErrTruncated, 260},
		{"terminator replaced by a feature id", spec416, func(b []byte) []byte { b[len(b)-1] = 0x05; return b }, tds.ErrTruncated, 260},
	} {
		b := c.mutate(bytes.Clone(c.base))
		var l Login7
		checkErr(t, c.name, l.Decode(b), c.want, c.offset)
	}
}

func TestDecodeLeniencies(t *testing.T) {
	spec42 := packet(t, "login7-spec-4.2.hex", tds.PacketLogin7)
	for _, c := range []struct {
		name   string
		mutate func([]byte) []byte
	}{
		{"empty Password at offset 0", put16(offPassword, 0)},
		{"empty ServerName at offset 0xFFFF", put16(offServerName, 0xFFFF)},
		{"empty Database pointing into the fixed part", put16(offDatabase, 3)},
		{"ibUnused garbage without fExtension", both(put16(offExtension, 0xFFFF), put16(offExtension+2, 0xFFFF))},
		{"fChangePassword without a new password", func(b []byte) []byte { b[offOptionFlags3] = byte(FChangePassword); return b }},
		{"fExtension with cbExtension 0", func(b []byte) []byte { b[offOptionFlags3] = byte(FExtension); return b }},
	} {
		var l Login7
		if err := l.Decode(c.mutate(bytes.Clone(spec42))); err != nil {
			t.Errorf("%s: %v", c.name, err)
		} else if !l.HostName.Equal("skostov1") || !l.CltIntName.Equal("ODBC") {
			t.Errorf("%s: fields changed", c.name)
		}
	}
	// fExtension with ibFeatureExtLong 0: no FeatureExt.
	spec416 := packet(t, "login7-spec-4.16-sessionrecovery.hex", tds.PacketLogin7)
	b := put32(128, 0)(bytes.Clone(spec416))
	var l Login7
	if err := l.Decode(b); err != nil || l.FeatureExt != nil {
		t.Errorf("ibFeatureExtLong 0: %v, FeatureExt % x", err, l.FeatureExt)
	}
	// An extension block longer than 4 bytes: the rest is ignored.
	b = put16(offExtension+2, 8)(bytes.Clone(spec416))
	if err := l.Decode(b); err != nil || len(l.FeatureExt) != 0x67+5 {
		t.Errorf("cbExtension 8: %v", err)
	}
	// A terminator-only FeatureExt is accepted and yields no features.
	b = put32(128, 260)(bytes.Clone(spec416))
	if err := l.Decode(b); err != nil || len(l.FeatureExt) != 0 {
		t.Errorf("terminator only: %v", err)
	}
}

func TestEncodeErrors(t *testing.T) {
	for _, c := range []struct {
		name   string
		l      Login7
		want   error
		offset int64
	}{
		{"odd HostName", Login7{TDSVersion: tds.Version74, HostName: tds.UCS2{'a'}}, tds.ErrMalformed, offHostName},
		{"odd Password", Login7{TDSVersion: tds.Version74, Password: PasswordBytes([]byte{1, 2, 3})}, tds.ErrMalformed, offPassword},
		{"FeatureExt without fExtension", Login7{TDSVersion: tds.Version74, FeatureExt: FeatureExt(nil).Add(FeatureUTF8Support, []byte{1})}, tds.ErrMalformed, offOptionFlags3},
		{"FeatureExt with a terminator inside", Login7{TDSVersion: tds.Version74, OptionFlags3: FExtension, FeatureExt: FeatureExt{0xFF}}, tds.ErrMalformed, 0},
		{"FeatureExt truncated", Login7{TDSVersion: tds.Version74, OptionFlags3: FExtension, FeatureExt: FeatureExt{1, 9, 0, 0, 0}}, tds.ErrTruncated, 1},
		{"ChangePassword in TDS 7.1", Login7{TDSVersion: tds.Version71, ChangePassword: NewPassword("x")}, tds.ErrMalformed, offChangePassword},
		{"64 KiB SSPI in TDS 7.1", Login7{TDSVersion: tds.Version71, SSPI: make([]byte, 0x10000)}, tds.ErrTooLarge, offSSPI},
		{"over 128K-1", Login7{TDSVersion: tds.Version74, SSPI: make([]byte, MaxLength)}, tds.ErrTooLarge, offLength},
		{"string beyond a USHORT offset", Login7{TDSVersion: tds.Version74, HostName: make(tds.UCS2, 0xFF00), UserName: make(tds.UCS2, 0x200), AppName: u("a")}, tds.ErrTooLarge, offAppName},
		{"extension block beyond a USHORT offset", Login7{TDSVersion: tds.Version74, OptionFlags3: FExtension, HostName: make(tds.UCS2, 0xFF00), UserName: make(tds.UCS2, 0x200)}, tds.ErrTooLarge, offExtension},
		{"cch overflow", Login7{TDSVersion: tds.Version74, HostName: make(tds.UCS2, 2*0x10000)}, tds.ErrTooLarge, offHostName},
	} {
		dst := []byte{1, 2, 3}
		got, err := c.l.Append(dst)
		checkErr(t, c.name, err, c.want, c.offset)
		if !bytes.Equal(got, []byte{1, 2, 3}) {
			t.Errorf("%s: dst changed to %d bytes", c.name, len(got))
		}
	}
}

func TestFeatureExtErrors(t *testing.T) {
	for _, c := range []struct {
		name   string
		b      []byte
		want   error
		offset int64
	}{
		{"empty", nil, tds.ErrTruncated, 0},
		{"no terminator", []byte{0x0A, 1, 0, 0, 0, 1}, tds.ErrTruncated, 6},
		{"short header", []byte{0x0A, 1, 0}, tds.ErrTruncated, 0},
		{"data past the end", []byte{0x0A, 3, 0, 0, 0, 1, 0xFF}, tds.ErrTruncated, 1},
		{"huge FeatureDataLen", []byte{0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}, tds.ErrTruncated, 1},
	} {
		_, _, err := DecodeFeatureExt(c.b)
		checkErr(t, c.name, err, c.want, c.offset)
	}
	fe, n, err := DecodeFeatureExt([]byte{0x05, 0, 0, 0, 0, 0xFF, 0x99})
	if err != nil || n != 6 || len(fe) != 5 {
		t.Fatalf("DecodeFeatureExt: %v %d % x", err, n, fe)
	}
	// A hand-built malformed FeatureExt stops the iterator with an error.
	for _, c := range []struct {
		fe     FeatureExt
		want   error
		offset int64
	}{
		{FeatureExt{0x05, 0, 0, 0, 0, 0xFF}, tds.ErrMalformed, 5},
		{FeatureExt{0x05, 0, 0, 0, 0, 0x01, 0}, tds.ErrTruncated, 5},
		{FeatureExt{0x05, 3, 0, 0, 0, 1}, tds.ErrTruncated, 1},
	} {
		var last error
		errs := 0
		for _, err := range c.fe.All() {
			if last != nil {
				t.Error("iterator went on after yielding an error")
			}
			last = err
			if err != nil {
				errs++
			}
		}
		checkErr(t, "iterator", last, c.want, c.offset)
		if errs != 1 {
			t.Errorf("iterator yielded %d errors, want one", errs)
		}
	}
	if _, ok := (FeatureExt{}).Lookup(FeatureFedAuth); ok {
		t.Error("Lookup in an empty FeatureExt")
	}
}

func TestFeatureDataErrors(t *testing.T) {
	var fa FedAuth
	var sr SessionRecovery
	var ce ColumnEncryption
	var az AzureSQLSupport
	var u8 UTF8Support
	var dc DataClassification
	for _, c := range []struct {
		name   string
		err    error
		want   error
		offset int64
	}{
		{"FedAuth empty", fa.Decode(nil), tds.ErrTruncated, 0},
		{"FedAuth reserved library", fa.Decode([]byte{0xFE}), tds.ErrMalformed, 0},
		{"FedAuth ADAL long", fa.Decode([]byte{0x04, 1, 2}), tds.ErrMalformed, 1},
		{"FedAuth ADAL short", fa.Decode([]byte{0x04}), tds.ErrMalformed, 1},
		{"FedAuth no token length", fa.Decode([]byte{0x02, 1, 0}), tds.ErrTruncated, 1},
		{"FedAuth empty token", fa.Decode([]byte{0x02, 0, 0, 0, 0}), tds.ErrMalformed, 1},
		{"FedAuth token past the end", fa.Decode([]byte{0x02, 5, 0, 0, 0, 1}), tds.ErrTruncated, 1},
		{"FedAuth security token odd nonce", fa.Decode(append([]byte{0x02, 1, 0, 0, 0, 1}, make([]byte, 31)...)), tds.ErrMalformed, 6},
		{"FedAuth Live ID without signature", fa.Decode(append([]byte{0x01, 1, 0, 0, 0, 1}, make([]byte, 63)...)), tds.ErrTruncated, 6},
		{"SessionRecovery short Length", sr.Decode([]byte{1, 0}), tds.ErrTruncated, 0},
		{"SessionRecovery Length past the end", sr.Decode([]byte{9, 0, 0, 0, 0}), tds.ErrTruncated, 0},
		{"SessionRecovery empty set", sr.Decode([]byte{0, 0, 0, 0}), tds.ErrTruncated, 4},
		{"SessionRecovery database past its set", sr.Decode([]byte{2, 0, 0, 0, 1, 'a'}), tds.ErrTruncated, 4},
		{"SessionRecovery no collation byte", sr.Decode([]byte{1, 0, 0, 0, 0}), tds.ErrTruncated, 5},
		{"SessionRecovery collation of 4", sr.Decode([]byte{2, 0, 0, 0, 0, 4}), tds.ErrMalformed, 5},
		{"SessionRecovery collation past its set", sr.Decode([]byte{3, 0, 0, 0, 0, 5, 1}), tds.ErrTruncated, 5},
		{"SessionRecovery no language byte", sr.Decode([]byte{2, 0, 0, 0, 0, 0}), tds.ErrTruncated, 6},
		{"SessionRecovery state without StateLen", sr.Decode([]byte{4, 0, 0, 0, 0, 0, 0, 7}), tds.ErrTruncated, 7},
		{"SessionRecovery StateLen past the set", sr.Decode([]byte{5, 0, 0, 0, 0, 0, 0, 7, 1}), tds.ErrTruncated, 8},
		{"SessionRecovery long StateLen cut", sr.Decode([]byte{6, 0, 0, 0, 0, 0, 0, 7, 0xFF, 0}), tds.ErrTruncated, 8},
		{"SessionRecovery long StateLen past the set", sr.Decode([]byte{9, 0, 0, 0, 0, 0, 0, 7, 0xFF, 1, 0, 0, 0}), tds.ErrTruncated, 8},
		{"SessionRecovery no ToBe", sr.Decode([]byte{3, 0, 0, 0, 0, 0, 0}), tds.ErrTruncated, 7},
		{"SessionRecovery trailing bytes", sr.Decode([]byte{3, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 9}), tds.ErrMalformed, 14},
		{"ColumnEncryption empty", ce.Decode(nil), tds.ErrMalformed, 0},
		{"ColumnEncryption version 0", ce.Decode([]byte{0}), tds.ErrMalformed, 0},
		{"AzureSQLSupport two bytes", az.Decode([]byte{1, 1}), tds.ErrMalformed, 0},
		{"UTF8Support two bytes", u8.Decode([]byte{1, 0}), tds.ErrMalformed, 0},
		{"DataClassification empty", dc.Decode(nil), tds.ErrTruncated, 0},
		{"DataClassification version 0", dc.Decode([]byte{0}), tds.ErrMalformed, 0},
		{"DataClassification v2 with data", dc.Decode([]byte{2, 1}), tds.ErrMalformed, 1},
	} {
		checkErr(t, c.name, c.err, c.want, c.offset)
	}
	if err := dc.Decode([]byte{3, 1, 2}); err != nil || dc.Version != 3 || len(dc.VersionSpecific) != 2 {
		t.Errorf("DataClassification v3: %v %+v", err, dc)
	}
	for _, c := range []struct {
		name string
		s    SessionRecovery
	}{
		{"odd database", SessionRecovery{Reconnect: true, Init: SessionRecoveryData{Database: tds.UCS2{1}}}},
		{"256-character language", SessionRecovery{Reconnect: true, ToBe: SessionRecoveryData{Language: make(tds.UCS2, 512)}}},
		{"3-byte collation", SessionRecovery{Reconnect: true, Init: SessionRecoveryData{Collation: []byte{1, 2, 3}}}},
		{"bad state data", SessionRecovery{Reconnect: true, ToBe: SessionRecoveryData{StateData: []byte{1}}}},
	} {
		if got, err := c.s.Append([]byte{7}); err == nil || !bytes.Equal(got, []byte{7}) {
			t.Errorf("SessionRecovery %s: encoded, err %v", c.name, err)
		}
	}
	if got, err := (SessionRecovery{}).Append(nil); err != nil || len(got) != 0 {
		t.Errorf("empty SessionRecovery encodes as % x, %v", got, err)
	}
}
