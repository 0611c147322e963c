package ntlm

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/tdswire/tdswire/internal/textfmt"
)

// Authenticate and NTLMv2Response print through fmt.Formatter so that no
// verb reaches the responses (an NTProofStr with its blob is an
// offline-crackable NetNTLMv2 hash), the encrypted session key or the MIC:
// %#v writes GoString, %q the quoted String, every other verb String. The
// methods have value receivers, so a value and a pointer print alike and
// fmt calls them for the exported fields of any struct that holds one;
// the limits of NTHash's Format (unexported fields, %p of a value) apply.

// GoString returns a Go-syntax-like rendering of a for %#v: the names, the
// flags and the layout, with the responses and the session key as
// their lengths and the MIC as a placeholder.
func (a Authenticate) GoString() string {
	u := a.NegotiateFlags&NegotiateUnicode != 0
	mic := "none"
	if a.MIC != [16]byte{} {
		mic = redacted
	}
	return "ntlm.Authenticate{LmChallengeResponse:" + textfmt.RedactedLen(a.LmChallengeResponse) +
		", NtChallengeResponse:" + textfmt.RedactedLen(a.NtChallengeResponse) +
		", DomainName:" + strconv.Quote(describe(a.DomainName, u)) +
		", UserName:" + strconv.Quote(describe(a.UserName, u)) +
		", Workstation:" + strconv.Quote(describe(a.Workstation, u)) +
		", EncryptedRandomSessionKey:" + textfmt.RedactedLen(a.EncryptedRandomSessionKey) +
		", NegotiateFlags:0x" + strconv.FormatUint(uint64(a.NegotiateFlags), 16) +
		", Version:" + strconv.Quote(a.Version.String()) +
		", MIC:" + mic + ", HeaderLen:" + strconv.Itoa(a.HeaderLen) + "}"
}

// Format implements fmt.Formatter: no verb prints a response, the
// encrypted session key or the MIC.
func (a Authenticate) Format(f fmt.State, verb rune) { textfmt.Safe(f, verb, a.String(), a.GoString()) }

// String describes r without NTProofStr, for example
// "NTLMv2_RESPONSE NTProofStr=[REDACTED] TimeStamp=133000000000000000
// AvPairs=64 bytes".
func (r NTLMv2Response) String() string {
	return "NTLMv2_RESPONSE NTProofStr=" + redacted +
		" TimeStamp=" + strconv.FormatUint(r.TimeStamp, 10) +
		" AvPairs=" + strconv.Itoa(len(r.AvPairs)) + " bytes"
}

// GoString returns a Go-syntax-like rendering for %#v without NTProofStr.
func (r NTLMv2Response) GoString() string {
	return "ntlm.NTLMv2Response{Response:" + redacted +
		", RespType:" + strconv.Itoa(int(r.RespType)) + ", HiRespType:" + strconv.Itoa(int(r.HiRespType)) +
		", TimeStamp:" + strconv.FormatUint(r.TimeStamp, 10) +
		", AvPairs:" + strconv.Itoa(len(r.AvPairs)) + " bytes}"
}

// Format implements fmt.Formatter: no verb prints NTProofStr.
func (r NTLMv2Response) Format(f fmt.State, verb rune) {
	textfmt.Safe(f, verb, r.String(), r.GoString())
}

// accountView and accountListView have the fields of Account and
// AccountList without their methods, so that Format can print them with
// fmt's own formatting (Hash redacts itself).
type (
	accountView     Account
	accountListView []Account
)

// GoString returns a in Go syntax with Hash as a placeholder.
func (a Account) GoString() string {
	return "ntlm.Account" + strings.TrimPrefix(fmt.Sprintf("%#v", accountView(a)), "ntlm.accountView")
}

// Format implements fmt.Formatter: every verb formats a as fmt would,
// Hash printing as its placeholder. Without it a *Account held in a
// struct field or an interface and printed with a verb that does not
// suit a pointer (%s, %q, ...) would be shown by reflection, hash bytes
// included.
func (a Account) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		io.WriteString(f, a.GoString())
		return
	}
	fmt.Fprintf(f, fmt.FormatString(f, verb), accountView(a))
}

// GoString returns l in Go syntax with every Hash as a placeholder.
func (l AccountList) GoString() string {
	return "ntlm.AccountList" + strings.TrimPrefix(fmt.Sprintf("%#v", accountListView(l)), "ntlm.accountListView")
}

// Format implements fmt.Formatter for the same reason as Account.Format.
func (l AccountList) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		io.WriteString(f, l.GoString())
		return
	}
	fmt.Fprintf(f, fmt.FormatString(f, verb), accountListView(l))
}
