package ntlm

import (
	"strconv"
	"strings"
)

// NegotiateFlags is the NEGOTIATE structure of [MS-NLMP] 2.2.2.5: the 32-bit
// set of options carried in the NegotiateFlags field of all three messages.
// The spec draws bit A as the least significant bit of the little-endian
// field and bit W as the most significant.
type NegotiateFlags uint32

// The flags of [MS-NLMP] 2.2.2.5, named after the spec's alternate names.
// Bits the spec marks r1..r10 (unused) have no constant; String prints them
// in hexadecimal if they are set.
const (
	NegotiateUnicode                 NegotiateFlags = 1 << 0  // A: NTLMSSP_NEGOTIATE_UNICODE
	NegotiateOEM                     NegotiateFlags = 1 << 1  // B: NTLM_NEGOTIATE_OEM
	RequestTarget                    NegotiateFlags = 1 << 2  // C: NTLMSSP_REQUEST_TARGET
	NegotiateSign                    NegotiateFlags = 1 << 4  // D: NTLMSSP_NEGOTIATE_SIGN
	NegotiateSeal                    NegotiateFlags = 1 << 5  // E: NTLMSSP_NEGOTIATE_SEAL
	NegotiateDatagram                NegotiateFlags = 1 << 6  // F: NTLMSSP_NEGOTIATE_DATAGRAM
	NegotiateLMKey                   NegotiateFlags = 1 << 7  // G: NTLMSSP_NEGOTIATE_LM_KEY
	NegotiateNTLM                    NegotiateFlags = 1 << 9  // H: NTLMSSP_NEGOTIATE_NTLM
	NegotiateAnonymous               NegotiateFlags = 1 << 11 // J: anonymous connection (no alternate name in the spec)
	NegotiateOEMDomainSupplied       NegotiateFlags = 1 << 12 // K: NTLMSSP_NEGOTIATE_OEM_DOMAIN_SUPPLIED
	NegotiateOEMWorkstationSupplied  NegotiateFlags = 1 << 13 // L: NTLMSSP_NEGOTIATE_OEM_WORKSTATION_SUPPLIED
	NegotiateAlwaysSign              NegotiateFlags = 1 << 15 // M: NTLMSSP_NEGOTIATE_ALWAYS_SIGN
	TargetTypeDomain                 NegotiateFlags = 1 << 16 // N: NTLMSSP_TARGET_TYPE_DOMAIN
	TargetTypeServer                 NegotiateFlags = 1 << 17 // O: NTLMSSP_TARGET_TYPE_SERVER
	NegotiateExtendedSessionSecurity NegotiateFlags = 1 << 19 // P: NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY
	NegotiateIdentify                NegotiateFlags = 1 << 20 // Q: NTLMSSP_NEGOTIATE_IDENTIFY
	RequestNonNTSessionKey           NegotiateFlags = 1 << 22 // R: NTLMSSP_REQUEST_NON_NT_SESSION_KEY
	NegotiateTargetInfo              NegotiateFlags = 1 << 23 // S: NTLMSSP_NEGOTIATE_TARGET_INFO
	NegotiateVersion                 NegotiateFlags = 1 << 25 // T: NTLMSSP_NEGOTIATE_VERSION
	Negotiate128                     NegotiateFlags = 1 << 29 // U: NTLMSSP_NEGOTIATE_128
	NegotiateKeyExch                 NegotiateFlags = 1 << 30 // V: NTLMSSP_NEGOTIATE_KEY_EXCH
	Negotiate56                      NegotiateFlags = 1 << 31 // W: NTLMSSP_NEGOTIATE_56
)

// flagNames lists the named bits in ascending order, with the names
// [MS-NLMP] 2.2.2.5 gives them.
var flagNames = [...]struct {
	bit  NegotiateFlags
	name string
}{
	{NegotiateUnicode, "NTLMSSP_NEGOTIATE_UNICODE"},
	{NegotiateOEM, "NTLM_NEGOTIATE_OEM"},
	{RequestTarget, "NTLMSSP_REQUEST_TARGET"},
	{NegotiateSign, "NTLMSSP_NEGOTIATE_SIGN"},
	{NegotiateSeal, "NTLMSSP_NEGOTIATE_SEAL"},
	{NegotiateDatagram, "NTLMSSP_NEGOTIATE_DATAGRAM"},
	{NegotiateLMKey, "NTLMSSP_NEGOTIATE_LM_KEY"},
	{NegotiateNTLM, "NTLMSSP_NEGOTIATE_NTLM"},
	{NegotiateAnonymous, "NTLMSSP_ANONYMOUS"},
	{NegotiateOEMDomainSupplied, "NTLMSSP_NEGOTIATE_OEM_DOMAIN_SUPPLIED"},
	{NegotiateOEMWorkstationSupplied, "NTLMSSP_NEGOTIATE_OEM_WORKSTATION_SUPPLIED"},
	{NegotiateAlwaysSign, "NTLMSSP_NEGOTIATE_ALWAYS_SIGN"},
	{TargetTypeDomain, "NTLMSSP_TARGET_TYPE_DOMAIN"},
	{TargetTypeServer, "NTLMSSP_TARGET_TYPE_SERVER"},
	{NegotiateExtendedSessionSecurity, "NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY"},
	{NegotiateIdentify, "NTLMSSP_NEGOTIATE_IDENTIFY"},
	{RequestNonNTSessionKey, "NTLMSSP_REQUEST_NON_NT_SESSION_KEY"},
	{NegotiateTargetInfo, "NTLMSSP_NEGOTIATE_TARGET_INFO"},
	{NegotiateVersion, "NTLMSSP_NEGOTIATE_VERSION"},
	{Negotiate128, "NTLMSSP_NEGOTIATE_128"},
	{NegotiateKeyExch, "NTLMSSP_NEGOTIATE_KEY_EXCH"},
	{Negotiate56, "NTLMSSP_NEGOTIATE_56"},
}

// String lists the set flags by their [MS-NLMP] 2.2.2.5 names, lowest bit
// first, separated by '|'; set bits the spec leaves unused appear as one
// hexadecimal value at the end. The empty set prints as "0".
func (f NegotiateFlags) String() string {
	if f == 0 {
		return "0"
	}
	var sb strings.Builder
	rest := f
	for _, n := range flagNames {
		if f&n.bit == 0 {
			continue
		}
		if sb.Len() > 0 {
			sb.WriteByte('|')
		}
		sb.WriteString(n.name)
		rest &^= n.bit
	}
	if rest != 0 {
		if sb.Len() > 0 {
			sb.WriteByte('|')
		}
		sb.WriteString("0x")
		sb.WriteString(strconv.FormatUint(uint64(rest), 16))
	}
	return sb.String()
}

// Has reports whether every flag in g is set in f.
func (f NegotiateFlags) Has(g NegotiateFlags) bool { return f&g == g }
