package login7

import (
	"encoding/hex"
	"fmt"
	"strconv"

	"github.com/tdswire/tdswire/internal/textfmt"
)

// String formats c as "COLUMNENCRYPTION Version=1".
func (c ColumnEncryption) String() string {
	return "COLUMNENCRYPTION Version=" + strconv.Itoa(int(c.Version))
}

// String formats a as "AZURESQLSUPPORT Flags=0x01".
func (a AzureSQLSupport) String() string {
	return "AZURESQLSUPPORT Flags=0x" + hex2(a.Flags)
}

// String formats u as "UTF8_SUPPORT Supported=true Flags=0x01", or with
// NoData when the feature came without data.
func (u UTF8Support) String() string {
	if u.NoData {
		return "UTF8_SUPPORT Supported=true NoData"
	}
	return "UTF8_SUPPORT Supported=" + strconv.FormatBool(u.Supported()) + " Flags=0x" + hex2(u.Flags)
}

// String formats d as "DATACLASSIFICATION Version=2 VersionSpecific=0
// bytes".
func (d DataClassification) String() string {
	return "DATACLASSIFICATION Version=" + strconv.Itoa(int(d.Version)) + " VersionSpecific=" + strconv.Itoa(len(d.VersionSpecific)) + " bytes"
}

// String formats s on one line: whether it is a reconnection, and the
// database and language of the initial and to-be states.
func (s SessionRecovery) String() string {
	return "SESSIONRECOVERY Reconnect=" + strconv.FormatBool(s.Reconnect) + " Init={" + recoveryLine(s.Init) + "} ToBe={" + recoveryLine(s.ToBe) + "}"
}

// Format implements fmt.Formatter: %v and %s print String, %+v every
// field (the collations in hex). No verb prints the session state values,
// only their lengths (see SessionRecoveryData.Format).
func (s SessionRecovery) Format(f fmt.State, verb rune) {
	textfmt.Format(f, verb, "login7.SessionRecovery", s.String(), func() string {
		return "SESSIONRECOVERY{Reconnect=" + strconv.FormatBool(s.Reconnect) + " Init=" + s.Init.detail() + " ToBe=" + s.ToBe.detail() + "}"
	})
}

// String formats d as "Database=\"db\" Language=\"us_english\"
// Collation=5 bytes StateData=12 bytes".
func (d SessionRecoveryData) String() string { return recoveryLine(d) }

// Format implements fmt.Formatter: %v and %s print String, %q the quoted
// String, %+v adds the collation in hex. The state values (the
// SessionStateDataSet, as private as the SESSIONSTATE token's, which
// package tokens never prints) show only as their length under every verb.
func (d SessionRecoveryData) Format(f fmt.State, verb rune) {
	textfmt.Format(f, verb, "login7.SessionRecoveryData", d.String(), d.detail)
}

// detail is the %+v form of d.
func (d SessionRecoveryData) detail() string {
	return "{Database=" + strconv.Quote(d.Database.String()) + " Collation=" + hex.EncodeToString(d.Collation) +
		" Language=" + strconv.Quote(d.Language.String()) + " StateData=" + strconv.Itoa(len(d.StateData)) + " bytes}"
}

// recoveryLine formats d as "Database=\"db\" Language=\"us_english\"
// Collation=5 bytes StateData=12 bytes".
func recoveryLine(d SessionRecoveryData) string {
	return "Database=" + strconv.Quote(d.Database.String()) + " Language=" + strconv.Quote(d.Language.String()) +
		" Collation=" + strconv.Itoa(len(d.Collation)) + " bytes StateData=" + strconv.Itoa(len(d.StateData)) + " bytes"
}

// Format implements fmt.Formatter: %v and %s print String, %+v names the
// field ("COLUMNENCRYPTION{Version=1}"), %q the quoted String.
func (c ColumnEncryption) Format(f fmt.State, verb rune) {
	textfmt.Format(f, verb, "login7.ColumnEncryption", c.String(), func() string {
		return "COLUMNENCRYPTION{Version=" + strconv.Itoa(int(c.Version)) + "}"
	})
}

// Format implements fmt.Formatter: %v and %s print String, %+v the flags
// and what they say ("AZURESQLSUPPORT{Flags=0x01
// FailoverPartnerReadOnly=true}"), %q the quoted String.
func (a AzureSQLSupport) Format(f fmt.State, verb rune) {
	textfmt.Format(f, verb, "login7.AzureSQLSupport", a.String(), func() string {
		return "AZURESQLSUPPORT{Flags=0x" + hex2(a.Flags) + " FailoverPartnerReadOnly=" + strconv.FormatBool(a.FailoverPartnerReadOnly()) + "}"
	})
}

// Format implements fmt.Formatter: %v and %s print String, %+v every
// field ("UTF8_SUPPORT{Flags=0x01 NoData=false Supported=true}"), %q the
// quoted String.
func (u UTF8Support) Format(f fmt.State, verb rune) {
	textfmt.Format(f, verb, "login7.UTF8Support", u.String(), func() string {
		return "UTF8_SUPPORT{Flags=0x" + hex2(u.Flags) + " NoData=" + strconv.FormatBool(u.NoData) + " Supported=" + strconv.FormatBool(u.Supported()) + "}"
	})
}

// Format implements fmt.Formatter: %v and %s print String, %+v every
// field, the version-specific data in hex cut after textfmt.MaxBytes
// ("DATACLASSIFICATION{Version=3 VersionSpecific=0102}"; it holds no
// credential), %q the quoted String.
func (d DataClassification) Format(f fmt.State, verb rune) {
	textfmt.Format(f, verb, "login7.DataClassification", d.String(), func() string {
		return textfmt.Fields("DATACLASSIFICATION", d)
	})
}
