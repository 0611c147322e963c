package ntlm

import (
	"bytes"
	"errors"
	"testing"
)

// TestAppendTooLarge checks that every message encoder refuses a payload
// field longer than its 16-bit Len ([MS-NLMP] 2.2.1) with ErrTooLarge at the
// offset of the field's Len/MaxLen/BufferOffset triple, leaves dst as it
// was, and accepts the longest field that fits.
func TestAppendTooLarge(t *testing.T) {
	big, limit := make([]byte, 0x10000), make([]byte, 0xffff)
	type appender func(dst []byte) ([]byte, error)
	neg := func(domain, ws []byte) appender {
		m := Negotiate{NegotiateFlags: NegotiateOEMDomainSupplied | NegotiateOEMWorkstationSupplied, DomainName: domain, Workstation: ws}
		return m.Append
	}
	chal := func(name, info []byte) appender {
		c := Challenge{NegotiateFlags: NegotiateTargetInfo, TargetName: name, TargetInfo: info}
		return c.Append
	}
	auth := func(set func(*Authenticate)) appender {
		a := Authenticate{NegotiateFlags: NegotiateKeyExch}
		set(&a)
		return a.Append
	}
	for _, c := range []struct {
		name   string
		f      appender
		offset int64 // -1: must succeed
	}{
		{"Negotiate DomainName", neg(big, nil), 16},
		{"Negotiate Workstation", neg(nil, big), 24},
		{"Negotiate both at the limit", neg(limit, limit), -1},
		{"Challenge TargetName", chal(big, nil), 12},
		{"Challenge TargetInfo", chal(nil, big), 40},
		{"Challenge at the limit", chal(limit, limit), -1},
		{"Authenticate LmChallengeResponse", auth(func(a *Authenticate) { a.LmChallengeResponse = big }), 12},
		{"Authenticate NtChallengeResponse", auth(func(a *Authenticate) { a.NtChallengeResponse = big }), 20},
		{"Authenticate DomainName", auth(func(a *Authenticate) { a.DomainName = big }), 28},
		{"Authenticate UserName", auth(func(a *Authenticate) { a.UserName = big }), 36},
		{"Authenticate Workstation", auth(func(a *Authenticate) { a.Workstation = big }), 44},
		{"Authenticate EncryptedRandomSessionKey", auth(func(a *Authenticate) { a.EncryptedRandomSessionKey = big }), 52},
		{"Authenticate at the limit", auth(func(a *Authenticate) { a.UserName, a.NtChallengeResponse = limit, limit }), -1},
	} {
		dst := []byte("prefix")
		out, err := c.f(dst)
		if c.offset < 0 {
			if err != nil || len(out) < len(dst)+2*0xffff {
				t.Errorf("%s: %d bytes, %v", c.name, len(out), err)
			}
			continue
		}
		var e *Error
		if !errors.Is(err, ErrTooLarge) || !errors.As(err, &e) || e.Offset != c.offset {
			t.Errorf("%s: %v, want ErrTooLarge at offset %d", c.name, err, c.offset)
		}
		if !bytes.Equal(out, dst) {
			t.Errorf("%s: dst changed to %d bytes", c.name, len(out))
		}
	}
	// A field dropped because its flag is clear cannot be too large.
	m := Negotiate{NegotiateFlags: NegotiateOEMWorkstationSupplied, DomainName: big}
	if _, err := m.Append(nil); err != nil {
		t.Errorf("unflagged DomainName: %v", err)
	}
	a := Authenticate{EncryptedRandomSessionKey: big}
	if _, err := a.Append(nil); err != nil {
		t.Errorf("EncryptedRandomSessionKey without KEY_EXCH: %v", err)
	}
}

// TestAppendAllocs pins that the encoders do not allocate when dst has
// room.
func TestAppendAllocs(t *testing.T) {
	var n Negotiate
	var c Challenge
	var a Authenticate
	if err := n.Decode(readHex(t, "negotiate-version.hex")); err != nil {
		t.Fatal(err)
	}
	if err := c.Decode(readHex(t, "challenge-4.2.4.3.hex")); err != nil {
		t.Fatal(err)
	}
	if err := a.Decode(readHex(t, "authenticate-seed.hex")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 0, 4096)
	for _, tc := range []struct {
		name string
		f    func()
	}{
		{"Negotiate", func() { buf, _ = n.Append(buf[:0]) }},
		{"Challenge", func() { buf, _ = c.Append(buf[:0]) }},
		{"Authenticate", func() { buf, _ = a.Append(buf[:0]) }},
		{"AppendAVPair", func() { buf, _ = AppendAVPair(buf[:0], MsvAvNbDomainName, c.TargetName) }},
		{"AppendAVPairString", func() { buf, _ = AppendAVPairString(buf[:0], MsvAvNbDomainName, "CONTOSO") }},
	} {
		tc.f()
		if allocs := testing.AllocsPerRun(100, tc.f); allocs != 0 {
			t.Errorf("%s: %v allocations per run, want 0", tc.name, allocs)
		}
	}
}

// TestRolesTooLarge checks that the client and server roles report a
// configured name too long for an AV_PAIR instead of cutting it.
func TestRolesTooLarge(t *testing.T) {
	long := string(make([]byte, 0x8000)) // 32768 code units: 65536 bytes
	c, s := testPair()
	s.DnsTreeName = long
	neg := c.Negotiate(nil)
	if out, err := s.Challenge([]byte("x"), neg); !errors.Is(err, ErrTooLarge) || string(out) != "x" {
		t.Errorf("Server.Challenge with a 32768-character DnsTreeName: %q, %v", out, err)
	}
	c, s = testPair()
	c.TargetName = long
	neg = c.Negotiate(nil)
	ch, err := s.Challenge(nil, neg)
	if err != nil {
		t.Fatal(err)
	}
	if out, _, err := c.Authenticate([]byte("x"), neg, ch); !errors.Is(err, ErrTooLarge) || string(out) != "x" {
		t.Errorf("Client.Authenticate with a 32768-character TargetName: %q, %v", out, err)
	}
}
