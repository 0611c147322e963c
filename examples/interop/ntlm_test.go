package interop

import (
	"bytes"
	"testing"

	"github.com/tdswire/tdswire/ntlm"
)

// checkNTLM decodes the SSPI token of an integrated login with tdswire's
// ntlm package: it must be an NTLM NEGOTIATE_MESSAGE ([MS-NLMP] 2.2.1.1)
// with the flags, OEM domain and workstation the client is known to send.
// The decoded message is re-encoded and decoded again to the same fields.
func checkNTLM(t *testing.T, sspi []byte, w wantNegotiate) {
	t.Helper()
	typ, err := ntlm.PeekMessageType(sspi)
	if err != nil {
		t.Fatalf("SSPI token (% x) is not an NTLM message: %v", sspi, err)
	}
	if typ != ntlm.NtLmNegotiate {
		t.Fatalf("SSPI token is an %v, want %v", typ, ntlm.NtLmNegotiate)
	}
	var m ntlm.Negotiate
	if err := m.Decode(sspi); err != nil {
		t.Fatalf("ntlm.Negotiate.Decode(% x): %v", sspi, err)
	}
	t.Logf("%v; flags %v; version %v; fixed part %d (0 = 40 bytes)", m.String(), m.NegotiateFlags, m.Version, m.HeaderLen)
	if m.NegotiateFlags != ntlm.NegotiateFlags(w.Flags) {
		t.Errorf("NegotiateFlags = %#08x (%v), want %#08x (%v)", uint32(m.NegotiateFlags), m.NegotiateFlags, w.Flags, ntlm.NegotiateFlags(w.Flags))
	}
	if string(m.DomainName) != w.Domain {
		t.Errorf("DomainName = %q, want %q", m.DomainName, w.Domain)
	}
	if string(m.Workstation) != w.Workstation {
		t.Errorf("Workstation = %q, want %q", m.Workstation, w.Workstation)
	}
	if m.HeaderLen != w.HeaderLen {
		t.Errorf("HeaderLen = %d, want %d", m.HeaderLen, w.HeaderLen)
	}
	if m.Version != w.Version {
		t.Errorf("Version = %v, want %v", m.Version, w.Version)
	}

	re, err := m.Append(nil)
	if err != nil {
		t.Fatalf("Append of the decoded NEGOTIATE: %v", err)
	}
	var m2 ntlm.Negotiate
	if err := m2.Decode(re); err != nil {
		t.Fatalf("Decode of the re-encoded NEGOTIATE (% x): %v", re, err)
	}
	if m2.NegotiateFlags != m.NegotiateFlags || !bytes.Equal(m2.DomainName, m.DomainName) ||
		!bytes.Equal(m2.Workstation, m.Workstation) || m2.Version != m.Version || m2.HeaderLen != m.HeaderLen {
		t.Errorf("re-encoded NEGOTIATE decodes differently:\n got %+v\nwant %+v", m2, m)
	}
}
