package login7

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/tdswire/tdswire/tds"
)

// String summarizes l on one line for logs and traces: version, packet
// size, flags, the names, and the sizes of SSPI and FeatureExt. Passwords
// appear only as "[REDACTED]" (and only when present); SSPI and feature
// data are never printed.
func (l Login7) String() string {
	var sb strings.Builder
	sb.WriteString("LOGIN7 TDSVersion=")
	sb.WriteString(l.TDSVersion.String())
	sb.WriteString(" PacketSize=")
	sb.WriteString(strconv.FormatUint(uint64(l.PacketSize), 10))
	sb.WriteString(" ClientProgVer=0x")
	sb.WriteString(strconv.FormatUint(uint64(l.ClientProgVer), 16))
	sb.WriteString(" ClientPID=")
	sb.WriteString(strconv.FormatUint(uint64(l.ClientPID), 10))
	sb.WriteString(" ConnectionID=")
	sb.WriteString(strconv.FormatUint(uint64(l.ConnectionID), 10))
	sb.WriteString(" OptionFlags1=")
	sb.WriteString(l.OptionFlags1.String())
	sb.WriteString(" OptionFlags2=")
	sb.WriteString(l.OptionFlags2.String())
	sb.WriteString(" TypeFlags=")
	sb.WriteString(l.TypeFlags.String())
	sb.WriteString(" OptionFlags3=")
	sb.WriteString(l.OptionFlags3.String())
	sb.WriteString(" ClientTimeZone=")
	sb.WriteString(strconv.Itoa(int(l.ClientTimeZone)))
	sb.WriteString(" ClientLCID=0x")
	sb.WriteString(strconv.FormatUint(uint64(l.ClientLCID), 16))
	for _, f := range [...]struct {
		name string
		v    tds.UCS2
	}{
		{"HostName", l.HostName}, {"UserName", l.UserName},
	} {
		writeUCS2(&sb, f.name, f.v)
	}
	if l.Password.n != 0 {
		sb.WriteString(" Password=" + redacted)
	}
	for _, f := range [...]struct {
		name string
		v    tds.UCS2
	}{
		{"AppName", l.AppName}, {"ServerName", l.ServerName},
		{"CltIntName", l.CltIntName}, {"Language", l.Language},
		{"Database", l.Database}, {"AtchDBFile", l.AtchDBFile},
	} {
		writeUCS2(&sb, f.name, f.v)
	}
	if l.ChangePassword.n != 0 {
		sb.WriteString(" ChangePassword=" + redacted)
	}
	fmt.Fprintf(&sb, " ClientID=%02x-%02x-%02x-%02x-%02x-%02x",
		l.ClientID[0], l.ClientID[1], l.ClientID[2], l.ClientID[3], l.ClientID[4], l.ClientID[5])
	if len(l.SSPI) != 0 {
		sb.WriteString(" SSPI=" + strconv.Itoa(len(l.SSPI)) + " bytes")
	}
	if len(l.FeatureExt) != 0 {
		sb.WriteString(" FeatureExt=" + l.FeatureExt.String())
	}
	return sb.String()
}

func writeUCS2(sb *strings.Builder, name string, v tds.UCS2) {
	if len(v) == 0 {
		return
	}
	sb.WriteString(" " + name + "=")
	sb.WriteString(strconv.Quote(v.String()))
}

// GoString returns a Go-syntax-like rendering for %#v with the same
// redactions as String.
func (l Login7) GoString() string {
	return "login7.Login7{" + l.String() + "}"
}

// Format implements fmt.Formatter so that every verb is safe: %#v writes
// GoString, %q the quoted String, and every other verb (%v, %+v, %s, %x,
// %d, ...) writes String. No verb reaches the password, SSPI or feature
// bytes through reflection.
func (l Login7) Format(f fmt.State, verb rune) {
	switch {
	case verb == 'v' && f.Flag('#'):
		io.WriteString(f, l.GoString())
	case verb == 'q':
		io.WriteString(f, strconv.Quote(l.String()))
	default:
		io.WriteString(f, l.String())
	}
}
