package ntlm

import (
	"encoding/hex"
	"fmt"
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
