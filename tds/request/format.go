package request

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/tdswire/tdswire/internal/textfmt"
)

// String names the flags set in o ("fWithRecomp|fNoMetaData"), "0" for
// none; undefined bits print in hex.
func (o OptionFlags) String() string {
	return flagNames(uint64(o), []flagName{
		{uint64(OptionWithRecomp), "fWithRecomp"}, {uint64(OptionNoMetaData), "fNoMetaData"}, {uint64(OptionReuseMetaData), "fReuseMetaData"},
	})
}

// String names the flags set in s ("fByRefValue|fEncrypted"), "0" for
// none; undefined bits print in hex.
func (s StatusFlags) String() string {
	return flagNames(uint64(s), []flagName{
		{uint64(StatusByRefValue), "fByRefValue"}, {uint64(StatusDefaultValue), "fDefaultValue"}, {uint64(StatusEncrypted), "fEncrypted"},
	})
}

type flagName struct {
	bit  uint64
	name string
}

func flagNames(v uint64, names []flagName) string {
	if v == 0 {
		return "0"
	}
	var sb strings.Builder
	for _, n := range names {
		if v&n.bit != 0 {
			if sb.Len() > 0 {
				sb.WriteByte('|')
			}
			sb.WriteString(n.name)
			v &^= n.bit
		}
	}
	if v != 0 {
		if sb.Len() > 0 {
			sb.WriteByte('|')
		}
		sb.WriteString("0x" + strconv.FormatUint(v, 16))
	}
	return sb.String()
}

// String formats h on one line: "ALL_HEADERS TransactionDescriptor=0x51
// OutstandingRequestCount=1", with the Query Notifications and Trace
// Activity headers when present.
func (h AllHeaders) String() string {
	var sb strings.Builder
	sb.WriteString("ALL_HEADERS TransactionDescriptor=0x" + strconv.FormatUint(h.TransactionDescriptor.Descriptor, 16) +
		" OutstandingRequestCount=" + strconv.FormatUint(uint64(h.TransactionDescriptor.OutstandingRequestCount), 10))
	if h.HasQueryNotifications {
		q := h.QueryNotifications
		sb.WriteString(" NotifyId=" + strconv.Quote(q.NotifyID.String()) + " SSBDeployment=" + strconv.Quote(q.SSBDeployment.String()))
		if q.HasTimeout {
			sb.WriteString(" NotifyTimeout=" + strconv.FormatUint(uint64(q.NotifyTimeout), 10))
		}
	}
	if h.HasTraceActivity {
		sb.WriteString(" ActivityID=" + hexString(h.TraceActivity.ActivityID[:]) + " ActivitySequence=" + strconv.FormatUint(uint64(h.TraceActivity.Sequence), 10))
	}
	return sb.String()
}

// Format implements fmt.Formatter: %v and %s print String, %+v every
// field.
func (h AllHeaders) Format(f fmt.State, verb rune) {
	textfmt.Format(f, verb, "request.AllHeaders", h.String(), func() string { return textfmt.Fields("ALL_HEADERS", h) })
}

// String formats m on one line: "SQLBatch Text=\"select 1\"", the text cut
// after 64 characters.
func (m SQLBatch) String() string {
	return "SQLBatch Text=" + quoteCut(m.SQLText.String())
}

// Format implements fmt.Formatter: %v and %s print String, %+v every
// field, headers included.
func (m SQLBatch) Format(f fmt.State, verb rune) {
	textfmt.Format(f, verb, "request.SQLBatch", m.String(), func() string { return textfmt.Fields("SQLBatch", m) })
}

// String formats m on one line: "TransMgrReq TM_BEGIN_XACT Isolation=2
// Name=\"t1\"" and so on, with the fields the request type uses.
func (m TransMgrReq) String() string {
	var sb strings.Builder
	sb.WriteString("TransMgrReq " + m.Type.String())
	switch {
	case m.NoPayload:
	case m.Type == TMBeginXact:
		sb.WriteString(" Isolation=" + strconv.Itoa(int(m.Isolation)) + " Name=" + strconv.Quote(string(m.Name)))
	case m.Type == TMCommitXact || m.Type == TMRollbackXact:
		sb.WriteString(" Name=" + strconv.Quote(string(m.Name)) + " Flags=0x" + strconv.FormatUint(uint64(m.Flags), 16))
		if m.HasBegin {
			sb.WriteString(" BeginIsolation=" + strconv.Itoa(int(m.Isolation)) + " BeginName=" + strconv.Quote(string(m.BeginName)))
		}
	case m.Type == TMSaveXact:
		sb.WriteString(" Name=" + strconv.Quote(string(m.Name)))
	default:
		sb.WriteString(" Data=" + strconv.Itoa(len(m.Data)) + " bytes")
	}
	return sb.String()
}

// Format implements fmt.Formatter: %v and %s print String, %+v every
// field.
func (m TransMgrReq) Format(f fmt.State, verb rune) {
	textfmt.Format(f, verb, "request.TransMgrReq", m.String(), func() string { return textfmt.Fields("TransMgrReq", m) })
}

// String formats rpc on one line: "RPC Sp_ExecuteSql Options=0" or "RPC
// \"dbo.proc\" Options=fWithRecomp".
func (rpc RPC) String() string {
	name := strconv.Quote(rpc.ProcName.String())
	if rpc.ProcID != 0 {
		name = rpc.ProcID.String()
	}
	return "RPC " + name + " Options=" + rpc.Options.String()
}

// Format implements fmt.Formatter: %v and %s print String, %+v every
// field.
func (rpc RPC) Format(f fmt.State, verb rune) {
	textfmt.Format(f, verb, "request.RPC", rpc.String(), func() string { return textfmt.Fields("RPC", rpc) })
}

// String formats p on one line: its name, status and type, and for a
// table-valued parameter its type name and size.
func (p Param) String() string {
	s := "PARAM " + strconv.Quote(p.Name.String()) + " Status=" + p.Status.String() + " Type=" + p.Type.Type.String()
	if p.IsTVP() {
		s += " TVP=" + p.TVP.String()
	} else if p.Value.IsNull() {
		s += " Value=NULL"
	} else {
		s += " Value=" + strconv.Itoa(p.Value.Len()) + " bytes"
	}
	return s
}

// Format implements fmt.Formatter: %v and %s print String, %+v every
// field.
func (p Param) Format(f fmt.State, verb rune) {
	textfmt.Format(f, verb, "request.Param", p.String(), func() string { return textfmt.Fields("PARAM", p) })
}

// String formats t on one line: "\"dbo\".\"tt\" columns=3 rows=2".
func (t TVP) String() string {
	return strconv.Quote(t.OwningSchema.String()) + "." + strconv.Quote(t.TypeName.String()) +
		" columns=" + strconv.Itoa(t.ncols) + " rows=" + strconv.Itoa(t.nrows)
}

// Format implements fmt.Formatter: %v and %s print String, %+v every
// exported field and the counts.
func (t TVP) Format(f fmt.State, verb rune) {
	textfmt.Format(f, verb, "request.TVP", t.String(), func() string {
		s := textfmt.Fields("TVP", t)
		return s[:len(s)-1] + " NumColumns=" + strconv.Itoa(t.ncols) + " NumRows=" + strconv.Itoa(t.nrows) + "}"
	})
}

func quoteCut(s string) string {
	const max = 64
	if r := []rune(s); len(r) > max {
		return strconv.Quote(string(r[:max])) + "…"
	}
	return strconv.Quote(s)
}

func hexString(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 2*len(b))
	for i, c := range b {
		out[2*i], out[2*i+1] = digits[c>>4], digits[c&15]
	}
	return string(out)
}

// String returns the name [MS-TDS] 2.2.6.9 gives l, without its spaces
// ("ReadCommitted", "Unchanged" for 0), or "IsolationLevel(9)" for a value
// it does not define.
func (l IsolationLevel) String() string {
	switch l {
	case IsolationUnchanged:
		return "Unchanged"
	case IsolationReadUncommitted:
		return "ReadUncommitted"
	case IsolationReadCommitted:
		return "ReadCommitted"
	case IsolationRepeatableRead:
		return "RepeatableRead"
	case IsolationSerializable:
		return "Serializable"
	case IsolationSnapshot:
		return "Snapshot"
	}
	return "IsolationLevel(" + strconv.Itoa(int(l)) + ")"
}

// String names the flags set in f ("fBeginXact"), "0" for none; reserved
// bits print in hex.
func (f XactFlags) String() string {
	return flagNames(uint64(f), []flagName{{uint64(XactBegin), "fBeginXact"}})
}

// String names the flags set in f ("fOrderAsc|fUnique"), "0" for none;
// undefined bits print in hex.
func (f OrderUniqueFlags) String() string {
	return flagNames(uint64(f), []flagName{
		{uint64(OrderAsc), "fOrderAsc"}, {uint64(OrderDesc), "fOrderDesc"}, {uint64(OrderUnique), "fUnique"},
	})
}

// String names the flags set in f ("fNullable|fDefault"), with the 2-bit
// usUpdateable field as "usUpdateable=n" when not 0, "0" for none;
// undefined bits print in hex.
func (f TVPColumnFlags) String() string {
	s := flagNames(uint64(f&^TVPUpdateableMask), []flagName{
		{uint64(TVPNullable), "fNullable"}, {uint64(TVPCaseSen), "fCaseSen"}, {uint64(TVPIdentity), "fIdentity"},
		{uint64(TVPComputed), "fComputed"}, {uint64(TVPFixedLenCLRType), "fFixedLenCLRType"}, {uint64(TVPDefault), "fDefault"},
	})
	if u := f & TVPUpdateableMask >> 2; u != 0 {
		if s == "0" {
			return "usUpdateable=" + strconv.Itoa(int(u))
		}
		s += "|usUpdateable=" + strconv.Itoa(int(u))
	}
	return s
}

// String formats c on one line: "int Flags=fNullable", with UserType when
// not 0 ("UserType=80") and the ColName when not empty (which a TVP MUST
// not send).
func (c TVPColumn) String() string {
	s := c.Type.String() + " Flags=" + c.Flags.String()
	if c.UserType != 0 {
		s += " UserType=" + strconv.FormatUint(uint64(c.UserType), 10)
	}
	if len(c.Name) > 0 {
		s += " Name=" + strconv.Quote(c.Name.String())
	}
	return s
}

// String formats a as "{ActivityID=00112233445566778899aabbccddeeff
// Sequence=1}", the GUID as its 16 bytes on the wire, in hex (braced, so
// that the form nests in AllHeaders' %+v).
func (a TraceActivity) String() string {
	return "{ActivityID=" + hexString(a.ActivityID[:]) + " Sequence=" + strconv.FormatUint(uint64(a.Sequence), 10) + "}"
}

// String lists the entries of o as "[1 fOrderAsc, 3 fOrderDesc|fUnique]":
// each column ordinal with its flags.
func (o TVPOrderUnique) String() string {
	var sb strings.Builder
	sb.WriteByte('[')
	for i := range o.Len() {
		if i > 0 {
			sb.WriteString(", ")
		}
		col, fl := o.At(i)
		sb.WriteString(strconv.Itoa(int(col)) + " " + fl.String())
	}
	sb.WriteByte(']')
	return sb.String()
}

// String lists the column ordinals of o in row order, "[2 1 3]".
func (o TVPColumnOrdering) String() string {
	var sb strings.Builder
	sb.WriteByte('[')
	for i := range o.Len() {
		if i > 0 {
			sb.WriteByte(' ')
		}
		sb.WriteString(strconv.Itoa(int(o.At(i))))
	}
	sb.WriteByte(']')
	return sb.String()
}

// String formats d as "{Descriptor=0x51 OutstandingRequestCount=1}", the
// descriptor in hex as ENVCHANGE traces show it (braced, so that the form
// nests in AllHeaders' %+v).
func (d TransactionDescriptor) String() string {
	return "{Descriptor=0x" + strconv.FormatUint(d.Descriptor, 16) +
		" OutstandingRequestCount=" + strconv.FormatUint(uint64(d.OutstandingRequestCount), 10) + "}"
}

// Format implements fmt.Formatter: %v and %s print String, %+v the same
// fields under the type's name, %q the quoted String.
func (d TransactionDescriptor) Format(f fmt.State, verb rune) {
	textfmt.Format(f, verb, "request.TransactionDescriptor", d.String(), func() string { return "TransactionDescriptor" + d.String() })
}

// String formats q as "{NotifyID=\"n1\" SSBDeployment=\"s\"
// NotifyTimeout=60000}", without NotifyTimeout when HasTimeout is false
// (braced, so that the form nests in AllHeaders' %+v).
func (q QueryNotifications) String() string {
	s := "{NotifyID=" + strconv.Quote(q.NotifyID.String()) + " SSBDeployment=" + strconv.Quote(q.SSBDeployment.String())
	if q.HasTimeout {
		s += " NotifyTimeout=" + strconv.FormatUint(uint64(q.NotifyTimeout), 10)
	}
	return s + "}"
}

// Format implements fmt.Formatter: %v and %s print String, %+v every
// field ("QueryNotifications{NotifyID=\"n1\" SSBDeployment=\"s\"
// NotifyTimeout=0 HasTimeout=false}"), %q the quoted String.
func (q QueryNotifications) Format(f fmt.State, verb rune) {
	textfmt.Format(f, verb, "request.QueryNotifications", q.String(), func() string { return textfmt.Fields("QueryNotifications", q) })
}

// Format implements fmt.Formatter: %v and %s print String, %+v the same
// fields under the type's name, %q the quoted String.
func (a TraceActivity) Format(f fmt.State, verb rune) {
	textfmt.Format(f, verb, "request.TraceActivity", a.String(), func() string { return "TraceActivity" + a.String() })
}

// String formats c as "{Type=int EncryptionAlgo=1 EncryptionType=2
// DatabaseID=5 CekID=7 CekVersion=1 CekMDVersion=9 NormVersion=1}", with
// AlgoName after EncryptionAlgo when EncryptionAlgo is 0 (braced, so that
// the form nests in Param's %+v). A ParamCipherInfo holds no key, only
// which key encrypted the value.
func (c CipherInfo) String() string {
	return c.fields(c.Type.String())
}

// fields formats c with its TYPE_INFO printed as ti.
func (c CipherInfo) fields(ti string) string {
	var sb strings.Builder
	sb.WriteString("{Type=" + ti + " EncryptionAlgo=" + strconv.Itoa(int(c.EncryptionAlgo)))
	if c.EncryptionAlgo == 0 {
		sb.WriteString(" AlgoName=" + strconv.Quote(c.AlgoName.String()))
	}
	sb.WriteString(" EncryptionType=" + strconv.Itoa(int(c.EncryptionType)) +
		" DatabaseID=" + strconv.FormatUint(uint64(c.DatabaseID), 10) +
		" CekID=" + strconv.FormatUint(uint64(c.CekID), 10) +
		" CekVersion=" + strconv.FormatUint(uint64(c.CekVersion), 10) +
		" CekMDVersion=" + strconv.FormatUint(c.CekMDVersion, 10) +
		" NormVersion=" + strconv.Itoa(int(c.NormVersion)) + "}")
	return sb.String()
}

// Format implements fmt.Formatter: %v and %s print String, %+v the same
// fields under the type's name with the TYPE_INFO in its detailed form,
// %q the quoted String.
func (c CipherInfo) Format(f fmt.State, verb rune) {
	textfmt.Format(f, verb, "request.CipherInfo", c.String(), func() string {
		return "CipherInfo" + c.fields(fmt.Sprintf("%+v", c.Type))
	})
}
