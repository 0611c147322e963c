package ntlm

import (
	"encoding/hex"
	"strconv"
)

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
