package sqltype

import (
	"fmt"
	"strconv"
	"time"

	"github.com/tdswire/tdswire/internal/textfmt"
	"github.com/tdswire/tdswire/tds"
)

// Any returns the value as the natural Go value of its type, for a
// caller that wants the value without knowing the type in advance:
//   - nil for NULL;
//   - int64 for tinyint, smallint, int, bigint ([MS-TDS] 2.2.5.5.1.1);
//   - bool for bit;
//   - float64 for real and float (2.2.5.5.1.5);
//   - Decimal for decimal and numeric (2.2.5.5.1.6), and for money and
//     smallmoney with Scale 4 (2.2.5.5.1.4);
//   - GUID for uniqueidentifier (2.2.5.5.1.7);
//   - time.Time for the date/time types, as Time returns it (2.2.5.5.1.8);
//   - string for nchar, nvarchar, ntext and xml (UTF-16LE converted), and
//     for char, varchar, text and json (their bytes unconverted: UTF-8
//     when Collation().UTF8(), else in the collation's code page);
//   - []byte for binary, varbinary, image, UDT and vector values: a view
//     of the data, or a copy when a PLP value spans several chunks.
//
// A sql_variant gives the value of its base type. A malformed value is an
// error, as from the typed accessor. Any allocates (the interface value,
// and the string of a character value).
func (v Value) Any() (any, error) {
	if v.null {
		return nil, nil
	}
	switch t := v.typ; {
	case t == TypeInt1 || t == TypeInt2 || t == TypeInt4 || t == TypeInt8 || t == TypeIntN:
		return v.Int64()
	case t == TypeBit || t == TypeBitN:
		return v.Bool()
	case t == TypeFloat4 || t == TypeFloat8 || t == TypeFloatN:
		return v.Float64()
	case isDecimal(t):
		return v.Decimal()
	case t == TypeMoney || t == TypeMoney4 || t == TypeMoneyN:
		m, err := v.Money()
		if err != nil {
			return nil, err
		}
		d := Decimal{Scale: 4, Lo: uint64(m)}
		if m < 0 {
			d.Negative, d.Lo = true, uint64(-m) // -MinInt64 wraps to its own magnitude as a uint64
		}
		return d, nil
	case t == TypeGUID:
		return v.GUID()
	case isTimeType(t):
		return v.Time()
	case t == TypeNChar || t == TypeNVarChar || t == TypeNText || t == TypeXML:
		return v.anyUCS2(), nil
	case t == TypeBigChar || t == TypeBigVarChar || t == TypeText || t == TypeChar || t == TypeVarChar || t == TypeJSON:
		if !v.plp {
			return string(v.data), nil
		}
		return string(v.AppendBytes(nil)), nil
	case t == TypeBigBinary || t == TypeBigVarBinary || t == TypeImage || t == TypeBinary || t == TypeVarBinary || t == TypeUDT || t == TypeVector:
		if b, err := v.contiguous("Any"); err == nil {
			return b, nil
		}
		return v.AppendBytes(nil), nil
	}
	return nil, v.want("Any", false)
}

// anyUCS2 is Any for the UTF-16LE types, PLP values included.
func (v Value) anyUCS2() string {
	if !v.plp {
		return tds.UCS2(v.data).String()
	}
	return tds.UCS2(v.AppendBytes(nil)).String()
}

// maxPrintBytes is how much of a binary or character value String shows.
const maxPrintBytes = 64

// String returns the value in a one-line trace form: NULL, 42, 3.5,
// "text" (quoted, cut after 64 bytes of data with the total length
// added), 0x0102 for binary data, a date/time in RFC 3339 form, a decimal
// in plain notation, a GUID in its canonical text form; a malformed value
// prints as its type and the error.
func (v Value) String() string {
	if v.null {
		return "NULL"
	}
	t := v.typ
	switch {
	case t == TypeNChar || t == TypeNVarChar || t == TypeNText || t == TypeXML:
		return quoteCut(v.anyUCS2(), v.Len()/2)
	case t == TypeBigChar || t == TypeBigVarChar || t == TypeText || t == TypeChar || t == TypeVarChar || t == TypeJSON:
		return quoteCut(string(v.AppendBytes(nil)), v.Len())
	}
	x, err := v.Any()
	if err != nil {
		return "<" + t.String() + ": " + err.Error() + ">"
	}
	switch x := x.(type) {
	case int64:
		return strconv.FormatInt(x, 10)
	case bool:
		if x {
			return "1"
		}
		return "0"
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case Decimal:
		return x.String()
	case GUID:
		return x.String()
	case time.Time:
		if t == TypeDateTimeOffsetN {
			if off, err := v.ZoneOffset(); err == nil {
				return x.In(time.FixedZone("", 60*off)).Format(time.RFC3339Nano)
			}
		}
		return x.Format(time.RFC3339Nano)
	case []byte:
		return hexCut(x)
	}
	return fmt.Sprint(x)
}

// Format prints String for %v and %s, and with %+v the type, the wire
// form (PLP, variant) and the length too: "NVARCHARTYPE len=6 "abc"".
func (v Value) Format(f fmt.State, verb rune) {
	switch {
	case verb == 'v' && f.Flag('+'):
		s := v.typ.String()
		if v.variant {
			s = "SSVARIANTTYPE(" + s + ")"
		}
		if v.plp {
			s += " PLP"
		}
		if !v.null {
			s += " len=" + strconv.Itoa(v.Len())
		}
		fmt.Fprintf(f, "%s %s", s, v.String())
	case verb == 'q':
		fmt.Fprintf(f, "%q", v.String())
	default:
		fmt.Fprint(f, v.String())
	}
}

// quoteCut quotes s, cut after maxPrintBytes bytes, and notes the total
// length (in characters for n) when it was cut.
func quoteCut(s string, n int) string {
	if len(s) <= maxPrintBytes {
		return strconv.Quote(s)
	}
	return strconv.Quote(s[:maxPrintBytes]) + "..." + "(" + strconv.Itoa(n) + " chars)"
}

// hexCut prints b as 0x hex, cut after maxPrintBytes bytes.
func hexCut(b []byte) string {
	const digits = "0123456789ABCDEF"
	n := min(len(b), maxPrintBytes)
	out := make([]byte, 0, 2+2*n+24)
	out = append(out, "0x"...)
	for _, c := range b[:n] {
		out = append(out, digits[c>>4], digits[c&15])
	}
	if n < len(b) {
		out = append(out, "...("...)
		out = strconv.AppendInt(out, int64(len(b)), 10)
		out = append(out, " bytes)"...)
	}
	return string(out)
}

// String returns the SQL Server name of the type, as a CREATE TABLE
// would declare it: "int", "nvarchar(50)", "varbinary(max)",
// "decimal(10,2)", "datetime2(7)"; a nullable type (INTNTYPE, FLTNTYPE,
// ...) by its length ("bigint" for INTNTYPE of 8 bytes); a UDT by its
// TYPE_NAME; a byte [MS-TDS] 2.2.5.4 does not define as TypeID(0x..).
func (ti TypeInfo) String() string {
	n := int64(ti.MaxLen)
	sized := func(name string, unit int64) string {
		if ti.MaxLen == MaxLenMax && plpCapable(ti.Type) {
			return name + "(max)"
		}
		return name + "(" + strconv.FormatInt(n/unit, 10) + ")"
	}
	scaled := func(name string) string { return name + "(" + strconv.Itoa(int(ti.Scale)) + ")" }
	bySize := func(names map[int64]string, fallback string) string {
		if s, ok := names[n]; ok {
			return s
		}
		return fallback
	}
	switch ti.Type {
	case TypeInt1:
		return "tinyint"
	case TypeBit, TypeBitN:
		return "bit"
	case TypeInt2:
		return "smallint"
	case TypeInt4:
		return "int"
	case TypeInt8:
		return "bigint"
	case TypeIntN:
		return bySize(map[int64]string{1: "tinyint", 2: "smallint", 4: "int", 8: "bigint"}, "int")
	case TypeDateTime4:
		return "smalldatetime"
	case TypeDateTime:
		return "datetime"
	case TypeDateTimeN:
		return bySize(map[int64]string{4: "smalldatetime"}, "datetime")
	case TypeFloat4:
		return "real"
	case TypeFloat8:
		return "float"
	case TypeFloatN:
		return bySize(map[int64]string{4: "real"}, "float")
	case TypeMoney:
		return "money"
	case TypeMoney4:
		return "smallmoney"
	case TypeMoneyN:
		return bySize(map[int64]string{4: "smallmoney"}, "money")
	case TypeDecimal, TypeDecimalN:
		return "decimal(" + strconv.Itoa(int(ti.Precision)) + "," + strconv.Itoa(int(ti.Scale)) + ")"
	case TypeNumeric, TypeNumericN:
		return "numeric(" + strconv.Itoa(int(ti.Precision)) + "," + strconv.Itoa(int(ti.Scale)) + ")"
	case TypeGUID:
		return "uniqueidentifier"
	case TypeDateN:
		return "date"
	case TypeTimeN:
		return scaled("time")
	case TypeDateTime2N:
		return scaled("datetime2")
	case TypeDateTimeOffsetN:
		return scaled("datetimeoffset")
	case TypeChar, TypeBigChar:
		return sized("char", 1)
	case TypeVarChar, TypeBigVarChar:
		return sized("varchar", 1)
	case TypeBinary, TypeBigBinary:
		return sized("binary", 1)
	case TypeVarBinary, TypeBigVarBinary:
		return sized("varbinary", 1)
	case TypeNChar:
		return sized("nchar", 2)
	case TypeNVarChar:
		return sized("nvarchar", 2)
	case TypeText:
		return "text"
	case TypeNText:
		return "ntext"
	case TypeImage:
		return "image"
	case TypeXML:
		return "xml"
	case TypeJSON:
		return "json"
	case TypeVariant:
		return "sql_variant"
	case TypeVector:
		return "vector"
	case TypeUDT:
		if len(ti.UDT.TypeName) > 0 {
			return ti.UDT.TypeName.String()
		}
		return "udt"
	case TypeNull:
		return "null"
	case TypeTVP:
		return "table"
	}
	return ti.Type.String()
}

// Format prints String for %v and %s; %+v adds the wire details: the
// type token, MaxLen, and the collation, XML schema or UDT names when
// present ("nvarchar(50) {NVARCHARTYPE MaxLen=100 Collation=LCID 0x409
// flags 0x0D version 0 SortId 52}").
func (ti TypeInfo) Format(f fmt.State, verb rune) {
	if verb != 'v' || !f.Flag('+') {
		if verb == 'q' {
			fmt.Fprintf(f, "%q", ti.String())
			return
		}
		fmt.Fprint(f, ti.String())
		return
	}
	fmt.Fprintf(f, "%s {%v MaxLen=%d", ti.String(), ti.Type, ti.MaxLen)
	if isDecimal(ti.Type) {
		fmt.Fprintf(f, " Precision=%d Scale=%d", ti.Precision, ti.Scale)
	}
	if hasCollation(ti.Type) {
		fmt.Fprintf(f, " Collation=%v", ti.Collation)
	}
	if ti.XML.SchemaPresent {
		fmt.Fprintf(f, " Schema=%s.%s.%s", ti.XML.DBName, ti.XML.OwningSchema, ti.XML.SchemaCollection)
	}
	if ti.Type == TypeUDT {
		fmt.Fprintf(f, " UDT=%s.%s.%s Assembly=%q", ti.UDT.DBName, ti.UDT.SchemaName, ti.UDT.TypeName, ti.UDT.AssemblyQualifiedName.String())
	}
	fmt.Fprint(f, "}")
}

// String lists the set flags joined by "|" ("IgnoreCase|IgnoreKana|
// IgnoreWidth"), FRESERVEDBIT as "0x80", and "0" when none is set.
func (f CollationFlags) String() string {
	names := [...]string{"IgnoreCase", "IgnoreAccent", "IgnoreKana", "IgnoreWidth", "Binary", "Binary2", "UTF8"}
	s := ""
	for i, n := range names {
		if f&(1<<i) != 0 {
			if s != "" {
				s += "|"
			}
			s += n
		}
	}
	if f&0x80 != 0 {
		if s != "" {
			s += "|"
		}
		s += "0x80"
	}
	if s == "" {
		return "0"
	}
	return s
}

// String joins the parts with "." ("master.dbo.t"), or "" for an empty
// TableName.
func (tn TableName) String() string {
	s := ""
	for i := 0; i < tn.NumParts(); i++ {
		if i > 0 {
			s += "."
		}
		s += tn.Part(i).String()
	}
	return s
}

// String returns the schema collection the XML is typed by
// ("d.dbo.sc"), or "untyped".
func (x XMLInfo) String() string {
	if !x.SchemaPresent {
		return "untyped"
	}
	return x.DBName.String() + "." + x.OwningSchema.String() + "." + x.SchemaCollection.String()
}

// String returns the UDT's three-part name ("d.dbo.p"), with its assembly
// when sent ("d.dbo.p (A, Version=1.0)").
func (u UDTInfo) String() string {
	s := u.DBName.String() + "." + u.SchemaName.String() + "." + u.TypeName.String()
	if len(u.AssemblyQualifiedName) > 0 {
		s += " (" + u.AssemblyQualifiedName.String() + ")"
	}
	return s
}

// Format implements fmt.Formatter: %v and %s print String, %+v names the
// fields ("Decimal{Negative=true Hi=0 Lo=12345 Scale=2}"), %q the quoted
// String.
func (d Decimal) Format(f fmt.State, verb rune) {
	textfmt.Format(f, verb, "sqltype.Decimal", d.String(), func() string { return textfmt.Fields("Decimal", d) })
}

// Format implements fmt.Formatter: %v and %s print String, %+v every
// field ("XMLInfo{SchemaPresent=true DBName=\"d\" OwningSchema=\"dbo\"
// SchemaCollection=\"sc\"}"), %q the quoted String.
func (x XMLInfo) Format(f fmt.State, verb rune) {
	textfmt.Format(f, verb, "sqltype.XMLInfo", x.String(), func() string { return textfmt.Fields("XMLInfo", x) })
}

// Format implements fmt.Formatter: %v and %s print String, %+v every
// field ("UDTInfo{DBName=\"d\" SchemaName=\"dbo\" TypeName=\"p\"
// AssemblyQualifiedName=\"\"}"), %q the quoted String.
func (u UDTInfo) Format(f fmt.State, verb rune) {
	textfmt.Format(f, verb, "sqltype.UDTInfo", u.String(), func() string { return textfmt.Fields("UDTInfo", u) })
}
