package sqltype

import (
	"fmt"
	"testing"

	"github.com/tdswire/tdswire/tds"
)

// TestValueFormats pins the printed forms of Decimal, XMLInfo and UDTInfo,
// written by hand: String for %v and %s, the named fields for %+v.
func TestValueFormats(t *testing.T) {
	u := func(s string) tds.UCS2 {
		b := make(tds.UCS2, 0, 2*len(s))
		for _, c := range []byte(s) {
			b = append(b, c, 0)
		}
		return b
	}
	xml := XMLInfo{SchemaPresent: true, DBName: u("d"), OwningSchema: u("dbo"), SchemaCollection: u("sc")}
	udt := UDTInfo{DBName: u("d"), SchemaName: u("dbo"), TypeName: u("p"), AssemblyQualifiedName: u("A")}
	for _, c := range []struct {
		format string
		arg    any
		want   string
	}{
		{"%v", Decimal{Negative: true, Lo: 12345, Scale: 2}, "-123.45"},
		{"%s", Decimal{Lo: 5, Scale: 0}, "5"},
		{"%+v", Decimal{Negative: true, Lo: 12345, Scale: 2}, "Decimal{Negative=true Hi=0 Lo=12345 Scale=2}"},
		{"%#v", Decimal{Lo: 7, Scale: 1}, "sqltype.Decimal{0.7}"},
		{"%q", Decimal{Lo: 7, Scale: 1}, `"0.7"`},
		{"%v", xml, "d.dbo.sc"},
		{"%+v", xml, `XMLInfo{SchemaPresent=true DBName="d" OwningSchema="dbo" SchemaCollection="sc"}`},
		{"%v", XMLInfo{}, "untyped"},
		{"%+v", XMLInfo{}, `XMLInfo{SchemaPresent=false DBName="" OwningSchema="" SchemaCollection=""}`},
		{"%v", udt, "d.dbo.p (A)"},
		{"%+v", udt, `UDTInfo{DBName="d" SchemaName="dbo" TypeName="p" AssemblyQualifiedName="A"}`},
		{"%#v", udt, "sqltype.UDTInfo{d.dbo.p (A)}"},
	} {
		if got := fmt.Sprintf(c.format, c.arg); got != c.want {
			t.Errorf("Sprintf(%q, %T):\n got %s\nwant %s", c.format, c.arg, got, c.want)
		}
	}
}
