package ntlm

import (
	"encoding/hex"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/tdswire/tdswire/internal/textfmt"
)

// Format implements fmt.Formatter: %v and %s print String, %+v every
// field (the server challenge in hex, TargetInfo pair by pair), %q the
// quoted String. A CHALLENGE_MESSAGE holds no secret: its nonce travels in
// clear.
func (c Challenge) Format(f fmt.State, verb rune) {
	textfmt.Format(f, verb, "ntlm.Challenge", c.String(), c.detail)
}

// detail is the %+v form of c.
func (c Challenge) detail() string {
	var sb strings.Builder
	sb.WriteString("NTLM CHALLENGE MESSAGE{TargetName=")
	sb.WriteString(strconv.Quote(describe(c.TargetName, c.NegotiateFlags&NegotiateUnicode != 0)))
	sb.WriteString(" NegotiateFlags=" + c.NegotiateFlags.String())
	sb.WriteString(" ServerChallenge=" + hex.EncodeToString(c.ServerChallenge[:]))
	sb.WriteString(" TargetInfo=" + c.TargetInfo.String())
	sb.WriteString(" Version=" + c.Version.String())
	sb.WriteString(" HeaderLen=" + strconv.Itoa(c.HeaderLen) + "}")
	return sb.String()
}

// Format implements fmt.Formatter: %v and %s print String, %+v every
// field, %q the quoted String.
func (m Negotiate) Format(f fmt.State, verb rune) {
	textfmt.Format(f, verb, "ntlm.Negotiate", m.String(), m.detail)
}

// detail is the %+v form of m.
func (m Negotiate) detail() string {
	return "NTLM NEGOTIATE MESSAGE{NegotiateFlags=" + m.NegotiateFlags.String() +
		" DomainName=" + strconv.Quote(describe(m.DomainName, false)) +
		" Workstation=" + strconv.Quote(describe(m.Workstation, false)) +
		" Version=" + m.Version.String() +
		" HeaderLen=" + strconv.Itoa(m.HeaderLen) + "}"
}

// String lists the pairs of l before MsvAvEOL, "[MsvAvNbDomainName=\"D\",
// MsvAvTimestamp=8 bytes]",
// or says where the list is malformed.
func (l AVPairs) String() string {
	var sb strings.Builder
	sb.WriteByte('[')
	for p, err := range l.All() {
		if err != nil {
			if sb.Len() > 1 {
				sb.WriteString(", ")
			}
			sb.WriteString("malformed: " + err.Error())
			break
		}
		if sb.Len() > 1 {
			sb.WriteString(", ")
		}
		sb.WriteString(p.String())
	}
	sb.WriteByte(']')
	return sb.String()
}

// String formats p as "MsvAvNbDomainName=\"CONTOSO\"" for the text pairs,
// "MsvAvFlags=0x00000002" for MsvAvFlags, and the value's length for the
// others (timestamps, channel bindings, Single_Host_Data).
func (p AVPair) String() string {
	switch p.ID {
	case MsvAvNbComputerName, MsvAvNbDomainName, MsvAvDnsComputerName, MsvAvDnsDomainName, MsvAvDnsTreeName, MsvAvTargetName:
		return p.ID.String() + "=" + strconv.Quote(p.Text())
	case MsvAvFlags:
		if v, ok := p.Uint32(); ok {
			return p.ID.String() + "=0x" + strconv.FormatUint(uint64(v)|1<<32, 16)[1:]
		}
	}
	return p.ID.String() + "=" + strconv.Itoa(len(p.Value)) + " bytes"
}

// String formats d as "Single_Host_Data Size=48 CustomData=<hex>
// MachineID=<hex>".
func (d SingleHostData) String() string {
	return "Single_Host_Data Size=" + strconv.FormatUint(uint64(d.Size), 10) +
		" CustomData=" + hex.EncodeToString(d.CustomData[:]) + " MachineID=" + hex.EncodeToString(d.MachineID[:])
}

// Format implements fmt.Formatter: %v and %s print String, %+v the pairs
// one by one in their detailed form ("AVPairs[AVPair{...}, ...]"), %q the
// quoted String.
func (l AVPairs) Format(f fmt.State, verb rune) {
	textfmt.Format(f, verb, "ntlm.AVPairs", l.String(), func() string {
		var sb strings.Builder
		sb.WriteString("AVPairs[")
		for p, err := range l.All() {
			if sb.Len() > len("AVPairs[") {
				sb.WriteString(", ")
			}
			if err != nil {
				sb.WriteString("malformed: " + err.Error())
				break
			}
			sb.WriteString(p.detail())
		}
		sb.WriteByte(']')
		return sb.String()
	})
}

// Format implements fmt.Formatter: %v and %s print String, %+v the ID,
// the length and the value ("AVPair{ID=MsvAvTimestamp Len=8
// Value=0080...}": text pairs quoted, MsvAvFlags in hex, other values as
// hex bytes cut after textfmt.MaxBytes; no AV_PAIR holds a secret), %q
// the quoted String.
func (p AVPair) Format(f fmt.State, verb rune) {
	textfmt.Format(f, verb, "ntlm.AVPair", p.String(), p.detail)
}

// detail is the %+v form of p.
func (p AVPair) detail() string {
	v := ""
	switch p.ID {
	case MsvAvNbComputerName, MsvAvNbDomainName, MsvAvDnsComputerName, MsvAvDnsDomainName, MsvAvDnsTreeName, MsvAvTargetName:
		v = strconv.Quote(p.Text())
	default:
		if x, ok := p.Uint32(); ok && p.ID == MsvAvFlags {
			v = "0x" + strconv.FormatUint(uint64(x)|1<<32, 16)[1:]
		} else {
			n := min(len(p.Value), textfmt.MaxBytes)
			v = hex.EncodeToString(p.Value[:n])
			if n < len(p.Value) {
				v += "…"
			}
		}
	}
	return "AVPair{ID=" + p.ID.String() + " Len=" + strconv.Itoa(len(p.Value)) + " Value=" + v + "}"
}

// Format implements fmt.Formatter: %v and %s print String, %+v names the
// fields ("SingleHostData{Size=48 CustomData=<hex> MachineID=<hex>}"),
// %q the quoted String.
func (d SingleHostData) Format(f fmt.State, verb rune) {
	textfmt.Format(f, verb, "ntlm.SingleHostData", d.String(), func() string { return textfmt.Fields("SingleHostData", d) })
}

// plainVersion is Version without methods, for its Go syntax.
type plainVersion Version

// Format implements fmt.Formatter: %v and %s print String, %+v names the
// fields ("Version{ProductMajorVersion=10 ProductMinorVersion=0
// ProductBuild=19041 NTLMRevisionCurrent=15}"), %#v the Go syntax
// ("ntlm.Version{ProductMajorVersion:0xa, ...}", as before Version had a
// Format, so a Client's %#v is unchanged), %q the quoted String.
func (v Version) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		s := fmt.Sprintf("%#v", plainVersion(v))
		io.WriteString(f, "ntlm.Version"+strings.TrimPrefix(s, "ntlm.plainVersion"))
		return
	}
	textfmt.Format(f, verb, "ntlm.Version", v.String(), func() string { return textfmt.Fields("Version", v) })
}
