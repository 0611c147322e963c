package tokens

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/tdswire/tdswire/tds"
)

// Printing. Every token and value type of the package has a String method
// giving a one-line trace form ("DONE(MORE|COUNT) rows=3", "ENVCHANGE
// Database master -> AdventureWorks") and a Format method: %v and %s print
// String, %q quotes it, %+v prints the detailed form (every field, on one
// line), and every other verb (%#v, %x, %d, ...) prints String too, so
// that no verb dumps the raw views a value holds (FEATUREEXTACK data, SSPI
// blobs (see redact.go), encrypted keys, session state). Strings allocate.

// format implements Format for the package's types.
func format(f fmt.State, verb rune, short string, detail func() string) {
	switch {
	case verb == 'v' && f.Flag('+') && detail != nil:
		f.Write([]byte(detail()))
	case verb == 'q':
		f.Write([]byte(strconv.Quote(short)))
	default:
		f.Write([]byte(short))
	}
}

// q quotes a UCS-2 view for a trace line.
func q(s tds.UCS2) string { return strconv.Quote(s.String()) }

// orEmpty prints a UCS-2 value, or "" for an empty one.
func orEmpty(s tds.UCS2) string {
	if len(s) == 0 {
		return `""`
	}
	return s.String()
}

// bytesLen prints the length of a view that is never dumped.
func bytesLen(n int) string {
	if n == 1 {
		return "1 byte"
	}
	return strconv.Itoa(n) + " bytes"
}

// String returns the specification's name of c ("VARIABLE_COUNT",
// "ZERO_LENGTH", "VARIABLE", "FIXED"), [MS-TDS] 2.2.4.2.1.
func (c Class) String() string {
	switch c {
	case ClassVariableCount:
		return "VARIABLE_COUNT"
	case ClassZeroLength:
		return "ZERO_LENGTH"
	case ClassVariable:
		return "VARIABLE"
	case ClassFixed:
		return "FIXED"
	}
	return "Class(0x" + hex2(uint8(c)) + ")"
}

// String returns "DONE(MORE|COUNT) rows=3": the token type, the status
// bits, the row count when DoneCount is set, and CurCmd when not 0.
func (d Done) String() string {
	s := d.Kind().String() + "(" + d.Status.String() + ")"
	if d.Status&DoneCount != 0 {
		s += " rows=" + strconv.FormatUint(d.RowCount, 10)
	}
	if d.CurCmd != 0 {
		s += " cmd=0x" + hex2(uint8(d.CurCmd>>8)) + hex2(uint8(d.CurCmd))
	}
	return s
}

// Format prints String; %+v prints every field.
func (d Done) Format(f fmt.State, verb rune) {
	format(f, verb, d.String(), func() string {
		return fmt.Sprintf("%v Status=%v (0x%04X) CurCmd=%d RowCount=%d", d.Kind(), d.Status, uint16(d.Status), d.CurCmd, d.RowCount)
	})
}

// String returns "ERROR 18456 class=14 state=1 server=SQL01 line=1: Login
// failed for user 'sa'." (INFO for an INFO token), leaving out an empty
// server or procedure name and a zero line.
func (m Message) String() string {
	var b strings.Builder
	b.WriteString(m.Kind().String())
	b.WriteByte(' ')
	b.WriteString(strconv.FormatInt(int64(m.Number), 10))
	b.WriteString(" class=" + strconv.Itoa(int(m.Class)) + " state=" + strconv.Itoa(int(m.State)))
	if len(m.ServerName) > 0 {
		b.WriteString(" server=" + m.ServerName.String())
	}
	if len(m.ProcName) > 0 {
		b.WriteString(" proc=" + m.ProcName.String())
	}
	if m.LineNumber != 0 {
		b.WriteString(" line=" + strconv.FormatInt(int64(m.LineNumber), 10))
	}
	b.WriteString(": ")
	b.WriteString(m.MsgText.String())
	return b.String()
}

// Format prints String; %+v prints every field, strings quoted.
func (m Message) Format(f fmt.State, verb rune) {
	format(f, verb, m.String(), func() string {
		return fmt.Sprintf("%v Number=%d State=%d Class=%d MsgText=%s ServerName=%s ProcName=%s LineNumber=%d",
			m.Kind(), m.Number, m.State, m.Class, q(m.MsgText), q(m.ServerName), q(m.ProcName), m.LineNumber)
	})
}

// Program returns ProgName without the trailing NULs some servers pad it
// with ("Microsoft SQL Server\x00\x00" gives "Microsoft SQL Server"), a
// view.
func (a LoginAck) Program() tds.UCS2 {
	p := a.ProgName
	for len(p) >= 2 && p[len(p)-2] == 0 && p[len(p)-1] == 0 {
		p = p[:len(p)-2]
	}
	return p
}

// String returns "LOGINACK TDS 7.4 (0x74000004), Microsoft SQL Server
// 15.0.2000" (the negotiated version, the program without its trailing
// NULs).
func (a LoginAck) String() string {
	return "LOGINACK TDS " + a.Negotiated().String() + ", " + a.Program().String() + " " + a.ProgVersion.String()
}

// Format prints String; %+v prints every field.
func (a LoginAck) Format(f fmt.State, verb rune) {
	format(f, verb, a.String(), func() string {
		return fmt.Sprintf("LOGINACK Interface=%d TDSVersion=%v ProgName=%s ProgVersion=%v",
			a.Interface, a.TDSVersion, q(a.Program()), a.ProgVersion)
	})
}

// String returns the change in a trace form: "ENVCHANGE Database master
// -> AdventureWorks" for the string types, the collation, descriptor or
// routing target for the types that carry one, and the value lengths
// otherwise (DTC tokens and addresses are not dumped).
func (e EnvChange) String() string {
	s := "ENVCHANGE " + e.Type.String()
	switch e.Type.kind() {
	case kindBVarchar:
		return s + " " + orEmpty(e.OldString()) + " -> " + orEmpty(e.NewString())
	case kindRouting:
		if r, ok := e.Routing(); ok {
			return s + " " + r.String()
		}
	}
	if c, ok := e.Collation(); ok {
		return s + " " + c.String()
	}
	if d, ok := e.Descriptor(); ok {
		return s + " descriptor=0x" + strconv.FormatUint(d, 16)
	}
	return s + " new=" + bytesLen(len(e.NewValue)) + " old=" + bytesLen(len(e.OldValue))
}

// Format prints String; %+v adds the value lengths.
func (e EnvChange) Format(f fmt.State, verb rune) {
	format(f, verb, e.String(), func() string {
		return fmt.Sprintf("%v (Type %d, new %s, old %s)", e.String(), uint8(e.Type), bytesLen(len(e.NewValue)), bytesLen(len(e.OldValue)))
	})
}

// String returns "tcp:srv2,1433" (with "/db2" for enhanced routing).
func (r Routing) String() string {
	s := "tcp:" + r.AlternateServer.String() + "," + strconv.Itoa(int(r.Port))
	if len(r.AlternateDatabase) > 0 {
		s += "/" + r.AlternateDatabase.String()
	}
	if r.Protocol != 0 {
		s = "protocol " + strconv.Itoa(int(r.Protocol)) + " " + s
	}
	return s
}

var featureNames = map[FeatureID]string{
	FeatureSessionRecovery:    "SESSIONRECOVERY",
	FeatureFedAuth:            "FEDAUTH",
	FeatureColumnEncryption:   "COLUMNENCRYPTION",
	FeatureGlobalTransactions: "GLOBALTRANSACTIONS",
	FeatureAzureSQLSupport:    "AZURESQLSUPPORT",
	FeatureDataClassification: "DATACLASSIFICATION",
	FeatureUTF8Support:        "UTF8_SUPPORT",
	FeatureAzureSQLDNSCaching: "AZURESQLDNSCACHING",
	FeatureJSONSupport:        "JSONSUPPORT",
	FeatureVectorSupport:      "VECTORSUPPORT",
	FeatureEnhancedRouting:    "ENHANCEDROUTINGSUPPORT",
	FeatureTerminator:         "TERMINATOR",
}

// String returns the specification's name of id ("UTF8_SUPPORT"), or
// "FeatureID(0x42)" for an undefined one.
func (id FeatureID) String() string {
	if n, ok := featureNames[id]; ok {
		return n
	}
	return "FeatureID(0x" + hex2(uint8(id)) + ")"
}

// String returns "UTF8_SUPPORT(1 byte)": the feature and the length of
// its data, never the data (a FEDAUTH acknowledgement carries a nonce and
// a signature).
func (o FeatureAck) String() string { return o.ID.String() + "(" + bytesLen(len(o.Data)) + ")" }

// Format prints String under every verb: the data is never dumped.
func (o FeatureAck) Format(f fmt.State, verb rune) { format(f, verb, o.String(), nil) }

// String returns "FEATUREEXTACK SESSIONRECOVERY(46 bytes) UTF8_SUPPORT(1
// byte)": each acknowledged feature with the length of its data.
func (a FeatureExtAck) String() string {
	s := "FEATUREEXTACK"
	for o := range a.Options() {
		s += " " + o.String()
	}
	return s
}

// Format prints String under every verb (%+v adds the feature numbers);
// the acknowledgement data is never dumped.
func (a FeatureExtAck) Format(f fmt.State, verb rune) {
	format(f, verb, a.String(), func() string {
		s := "FEATUREEXTACK"
		for o := range a.Options() {
			s += fmt.Sprintf(" %v(0x%02X, %s)", o.ID, uint8(o.ID), bytesLen(len(o.Data)))
		}
		return s
	})
}

var columnFlagNames = [...]struct {
	bit  ColumnFlags
	name string
}{
	{ColNullable, "NULLABLE"},
	{ColCaseSen, "CASESEN"},
	{ColIdentity, "IDENTITY"},
	{ColComputed, "COMPUTED"},
	{ColFixedLenCLRType, "FIXEDLENCLRTYPE"},
	{ColSparseColumnSet, "SPARSECOLUMNSET"},
	{ColEncrypted, "ENCRYPTED"},
	{ColHidden, "HIDDEN"},
	{ColKey, "KEY"},
	{ColNullableUnknown, "NULLABLEUNKNOWN"},
}

// String lists the set flags joined by "|" ("NULLABLE|IDENTITY"), with
// usUpdateable as "UPDATEABLE=n" when not 0 and the other bits as hex;
// "0" when none is set.
func (fl ColumnFlags) String() string {
	var parts []string
	for _, n := range columnFlagNames {
		if fl&n.bit != 0 {
			parts = append(parts, n.name)
			fl &^= n.bit
		}
	}
	if u := fl.Updateable(); u != 0 {
		parts = append(parts, "UPDATEABLE="+strconv.Itoa(int(u)))
		fl &^= ColUpdateableMask
	}
	if fl != 0 {
		parts = append(parts, "0x"+hex2(uint8(fl>>8))+hex2(uint8(fl)))
	}
	if len(parts) == 0 {
		return "0"
	}
	return strings.Join(parts, "|")
}

// String returns "name nvarchar(40) NULL": the column name, its SQL type
// (the plaintext type for an encrypted column, marked ENCRYPTED), and NULL
// when nullable.
func (c Column) String() string {
	s := c.ColName.String() + " "
	if c.Crypto != nil {
		s += c.Crypto.BaseTypeInfo.String() + " ENCRYPTED"
	} else {
		s += c.TypeInfo.String()
	}
	if c.Flags&ColNullable != 0 {
		s += " NULL"
	}
	return s
}

// Format prints String; %+v prints every field.
func (c Column) Format(f fmt.State, verb rune) {
	format(f, verb, c.String(), func() string {
		s := fmt.Sprintf("%s UserType=%d Flags=%v TypeInfo=%+v", q(c.ColName), c.UserType, c.Flags, c.TypeInfo)
		if c.TableName.NumParts() > 0 {
			s += " TableName=" + c.TableName.String()
		}
		if c.Crypto != nil {
			s += fmt.Sprintf(" Crypto={%+v}", *c.Crypto)
		}
		return s
	})
}

// String returns "COLMETADATA 2 columns: id int, name nvarchar(40) NULL",
// or "COLMETADATA NoMetaData".
func (m ColMetadata) String() string {
	if m.NoMetaData {
		return "COLMETADATA NoMetaData"
	}
	var b strings.Builder
	b.WriteString("COLMETADATA " + strconv.Itoa(len(m.Columns)) + " columns")
	for i := range m.Columns {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString(", ")
		}
		b.WriteString(m.Columns[i].String())
	}
	return b.String()
}

// Format prints String; %+v prints every field of every column.
func (m ColMetadata) Format(f fmt.State, verb rune) {
	format(f, verb, m.String(), func() string {
		if m.NoMetaData {
			return "COLMETADATA NoMetaData"
		}
		// A Builder, not +=: a COLMETADATA may hold 4,096 columns.
		var b strings.Builder
		b.WriteString("COLMETADATA Count=" + strconv.Itoa(len(m.Columns)))
		if m.ColumnEncryption {
			b.WriteString(" " + m.CekTable.String())
		}
		for i := range m.Columns {
			fmt.Fprintf(&b, " [%d %+v]", i, m.Columns[i])
		}
		return b.String()
	})
}

// String returns "CekTable(1 entries)".
func (c CekTable) String() string { return "CekTable(" + strconv.Itoa(c.n) + " entries)" }

// String returns "EK_INFO db=5 cek=1 v1 md=42 (1 values)".
func (e EKInfo) String() string {
	return fmt.Sprintf("EK_INFO db=%d cek=%d v%d md=%d (%d values)", e.DatabaseID, e.CekID, e.CekVersion, e.CekMDVersion, e.count)
}

// String returns where the master key lies and the algorithm, with the
// length of the encrypted key, never its bytes: "KS k/1 RSA_OAEP (4-byte
// encrypted key)".
func (k EncryptionKeyValue) String() string {
	return k.KeyStoreName.String() + " " + k.KeyPath.String() + " " + k.AsymmetricAlgo.String() +
		" (" + strconv.Itoa(len(k.EncryptedKey)) + "-byte encrypted key)"
}

// Format prints String under every verb: the encrypted key is not dumped.
func (k EncryptionKeyValue) Format(f fmt.State, verb rune) { format(f, verb, k.String(), nil) }

// String returns the plaintext type and the encryption of a column:
// "int AEAD_AES_256_CBC_HMAC_SHA256 deterministic cek=0 norm=1".
func (c CryptoMetadata) String() string {
	algo := "algo " + strconv.Itoa(int(c.EncryptionAlgo))
	switch c.EncryptionAlgo {
	case EncryptionAlgoCustom:
		algo = c.AlgoName.String()
	case EncryptionAlgoAES256HMACSHA512:
		algo = "AEAD_AES_256_CBC_HMAC_SHA512"
	case EncryptionAlgoAES256HMACSHA256:
		algo = "AEAD_AES_256_CBC_HMAC_SHA256"
	}
	kind := "type " + strconv.Itoa(int(c.EncryptionAlgoType))
	switch c.EncryptionAlgoType {
	case EncryptionDeterministic:
		kind = "deterministic"
	case EncryptionRandomized:
		kind = "randomized"
	}
	return fmt.Sprintf("%v %s %s cek=%d norm=%d", c.BaseTypeInfo, algo, kind, c.Ordinal, c.NormVersion)
}

// Format prints String; %+v adds UserType and the TYPE_INFO details.
func (c CryptoMetadata) Format(f fmt.State, verb rune) {
	format(f, verb, c.String(), func() string {
		return fmt.Sprintf("%s UserType=%d BaseTypeInfo=%+v", c.String(), c.UserType, c.BaseTypeInfo)
	})
}

// String returns "RETURNSTATUS 0".
func (rs ReturnStatus) String() string { return "RETURNSTATUS " + strconv.FormatInt(int64(rs), 10) }

// String returns "RETURNVALUE @out int = 42" (UDF for a function's return
// value).
func (rv ReturnValue) String() string {
	kind := ""
	if rv.Status == ReturnUDFValue {
		kind = " UDF"
	}
	return "RETURNVALUE" + kind + " " + rv.ParamName.String() + " " + rv.TypeInfo.String() + " = " + rv.Value.String()
}

// Format prints String; %+v prints every field.
func (rv ReturnValue) Format(f fmt.State, verb rune) {
	format(f, verb, rv.String(), func() string {
		s := fmt.Sprintf("RETURNVALUE ParamOrdinal=%d ParamName=%s Status=0x%02X UserType=%d Flags=%v TypeInfo=%+v Value=%+v",
			rv.ParamOrdinal, q(rv.ParamName), rv.Status, rv.UserType, rv.Flags, rv.TypeInfo, rv.Value)
		if rv.Flags&ColEncrypted != 0 {
			s += fmt.Sprintf(" Crypto={%+v}", rv.Crypto)
		}
		return s
	})
}

// String returns "OFFSET id=0x0123 at=12".
func (o Offset) String() string {
	return "OFFSET id=0x" + hex2(uint8(o.Identifier>>8)) + hex2(uint8(o.Identifier)) + " at=" + strconv.Itoa(int(o.OffsetLen))
}

// Format prints String; %+v names the fields as the token does:
// "OFFSET Identifier=0x0123 OffSetLen=12".
func (o Offset) Format(f fmt.State, verb rune) {
	format(f, verb, o.String(), func() string {
		return "OFFSET Identifier=0x" + hex2(uint8(o.Identifier>>8)) + hex2(uint8(o.Identifier)) + " OffSetLen=" + strconv.Itoa(int(o.OffsetLen))
	})
}

// String returns "ORDER 1,3".
func (o Order) String() string {
	s := "ORDER "
	for i := 0; i < o.Len(); i++ {
		if i > 0 {
			s += ","
		}
		s += strconv.Itoa(int(o.ColNum(i)))
	}
	return s
}

// Format prints String under every verb.
func (o Order) Format(f fmt.State, verb rune) { format(f, verb, o.String(), nil) }

// String lists the status bits joined by "|" ("EXPRESSION|HIDDEN"), or
// "0".
func (st ColInfoStatus) String() string {
	var parts []string
	for _, n := range [...]struct {
		bit  ColInfoStatus
		name string
	}{{ColInfoExpression, "EXPRESSION"}, {ColInfoKey, "KEY"}, {ColInfoHidden, "HIDDEN"}, {ColInfoDifferentName, "DIFFERENT_NAME"}} {
		if st&n.bit != 0 {
			parts = append(parts, n.name)
			st &^= n.bit
		}
	}
	if st != 0 {
		parts = append(parts, "0x"+hex2(uint8(st)))
	}
	if len(parts) == 0 {
		return "0"
	}
	return strings.Join(parts, "|")
}

// String returns "2:t1 as val KEY": the column number, its table number
// (or "expr"), its base name when different, and the status bits.
func (p ColProperty) String() string {
	s := strconv.Itoa(int(p.ColNum)) + ":"
	if p.TableNum == 0 {
		s += "expr"
	} else {
		s += "t" + strconv.Itoa(int(p.TableNum))
	}
	if p.Status&ColInfoDifferentName != 0 {
		s += " as " + p.ColName.String()
	}
	if st := p.Status &^ ColInfoDifferentName; st != 0 {
		s += " " + st.String()
	}
	return s
}

// String returns "COLINFO 1:t1, 2:t1 as val, 3:expr EXPRESSION".
func (c ColInfo) String() string {
	s := "COLINFO"
	sep := " "
	for p := range c.Properties() {
		s += sep + p.String()
		sep = ", "
	}
	return s
}

// Format prints String under every verb.
func (c ColInfo) Format(f fmt.State, verb rune) { format(f, verb, c.String(), nil) }

// String returns "TABNAME dbo.t1, dbo.t2".
func (t TabName) String() string {
	s := "TABNAME"
	sep := " "
	for n := range t.Names() {
		s += sep + n.String()
		sep = ", "
	}
	return s
}

// Format prints String under every verb.
func (t TabName) Format(f fmt.State, verb rune) { format(f, verb, t.String(), nil) }

// Format prints String under every verb.
func (t TableName) Format(f fmt.State, verb rune) { format(f, verb, t.String(), nil) }

// String returns "state 9 (4 bytes)": the identifier and the length of
// the value, never the value.
func (d StateData) String() string {
	return "state " + strconv.Itoa(int(d.ID)) + " (" + bytesLen(len(d.Value)) + ")"
}

// Format prints String under every verb: session state is not dumped.
func (d StateData) Format(f fmt.State, verb rune) { format(f, verb, d.String(), nil) }

// String lists the states of d ("states 0, 2, 9"), or says where it is
// malformed.
func (d SessionStateDataSet) String() string {
	s := "states"
	sep := " "
	for st, err := range d.States() {
		if err != nil {
			return s + sep + "<" + err.Error() + ">"
		}
		s += sep + strconv.Itoa(int(st.ID))
		sep = ", "
	}
	return s
}

// Format prints String; %+v adds each value's length. No verb dumps the
// values.
func (d SessionStateDataSet) Format(f fmt.State, verb rune) {
	format(f, verb, d.String(), func() string {
		s := "states"
		for st, err := range d.States() {
			if err != nil {
				return s + " <" + err.Error() + ">"
			}
			s += " " + st.String()
		}
		return s
	})
}

// String returns "SESSIONSTATE seq=1 recoverable states 9".
func (x SessionState) String() string {
	s := "SESSIONSTATE seq=" + strconv.FormatUint(uint64(x.SeqNo), 10)
	if x.Recoverable() {
		s += " recoverable"
	}
	return s + " " + x.States.String()
}

// Format prints String; %+v adds Status and the length of each state. No
// verb dumps the state values.
func (x SessionState) Format(f fmt.State, verb rune) {
	format(f, verb, x.String(), func() string {
		return fmt.Sprintf("SESSIONSTATE SeqNo=%d Status=0x%02X %+v", x.SeqNo, x.Status, x.States)
	})
}

// String returns "STSURL=\"https://...\"" or "SPN=\"...\"" (the data as
// UTF-16LE text), or the identifier and length for another option.
func (o FedAuthInfoOpt) String() string {
	switch o.ID {
	case FedAuthInfoSTSURL:
		return "STSURL=" + q(tds.UCS2(o.Data))
	case FedAuthInfoSPN:
		return "SPN=" + q(tds.UCS2(o.Data))
	}
	return "info 0x" + hex2(o.ID) + "(" + bytesLen(len(o.Data)) + ")"
}

// Format prints String under every verb.
func (o FedAuthInfoOpt) Format(f fmt.State, verb rune) { format(f, verb, o.String(), nil) }

// String returns "FEDAUTHINFO STSURL=\"...\" SPN=\"...\"".
func (f FedAuthInfo) String() string {
	s := "FEDAUTHINFO"
	for i := 0; i < f.Len(); i++ {
		s += " " + f.Option(i).String()
	}
	return s
}

// Format prints String under every verb.
func (f FedAuthInfo) Format(st fmt.State, verb rune) { format(st, verb, f.String(), nil) }

// String returns "Confidential (c1)".
func (l Label) String() string { return l.Name.String() + " (" + l.ID.String() + ")" }

// String returns "[Confidential (c1), Public (p1)]".
func (l LabelList) String() string {
	s := "["
	for x := range l.Labels() {
		if len(s) > 1 {
			s += ", "
		}
		s += x.String()
	}
	return s + "]"
}

// Format prints String under every verb.
func (l LabelList) Format(f fmt.State, verb rune) { format(f, verb, l.String(), nil) }

// String returns "label 0 type 1 rank 20" (NoIndex as "-").
func (p SensitivityProperty) String() string {
	idx := func(i uint16) string {
		if i == NoIndex {
			return "-"
		}
		return strconv.Itoa(int(i))
	}
	return "label " + idx(p.LabelIndex) + " type " + idx(p.InfoTypeIndex) + " rank " + strconv.Itoa(int(p.Rank))
}

// String returns "{label 0 type 1 rank 20; label - type 1 rank -1}".
func (c ColumnSensitivity) String() string {
	s := "{"
	for p := range c.Properties() {
		if len(s) > 1 {
			s += "; "
		}
		s += p.String()
	}
	return s + "}"
}

// Format prints String under every verb.
func (c ColumnSensitivity) Format(f fmt.State, verb rune) { format(f, verb, c.String(), nil) }

// String returns "DATACLASSIFICATION v2 rank=20 labels=1 types=2
// columns=2".
func (d DataClassification) String() string {
	s := "DATACLASSIFICATION v" + strconv.Itoa(int(d.Version))
	if d.Version >= 2 {
		s += " rank=" + strconv.Itoa(int(d.Rank))
	}
	return s + " labels=" + strconv.Itoa(d.Labels.Len()) + " types=" + strconv.Itoa(d.InformationTypes.Len()) + " columns=" + strconv.Itoa(d.ncols)
}

// Format prints String; %+v lists the labels, information types and
// per-column properties.
func (d DataClassification) Format(f fmt.State, verb rune) {
	format(f, verb, d.String(), func() string {
		s := d.String() + " Labels=" + d.Labels.String() + " InformationTypes=" + d.InformationTypes.String() + " Columns=["
		first := true
		for c := range d.Columns() {
			if !first {
				s += ", "
			}
			first = false
			s += c.String()
		}
		return s + "]"
	})
}

// String returns the trace form of the current token, as the value its
// typed decoder gives prints it ("DONE(FINAL)", "ROW 3 columns"), or the
// decoding error. It decodes the token (and allocates); it is meant for
// traces and debugging, not for the scanning loop.
func (s *Scanner) String() string {
	s.settle()
	if s.end <= s.cur {
		return "no current token"
	}
	var x fmt.Stringer
	var err error
	switch s.typ {
	case TokenDone, TokenDoneProc, TokenDoneInProc:
		var d Done
		err, x = s.Done(&d), d
	case TokenError, TokenInfo:
		var m Message
		err, x = s.Message(&m), m
	case TokenLoginAck:
		var a LoginAck
		err, x = s.LoginAck(&a), a
	case TokenEnvChange:
		var e EnvChange
		err, x = s.EnvChange(&e), e
	case TokenFeatureExtAck:
		var a FeatureExtAck
		err, x = s.FeatureExtAck(&a), a
	case TokenColMetadata:
		var m ColMetadata
		err, x = s.ColMetadata(&m), m
	case TokenReturnStatus:
		var rs ReturnStatus
		err = s.ReturnStatus(&rs)
		x = rs
	case TokenReturnValue:
		var rv ReturnValue
		err, x = s.ReturnValue(&rv), rv
	case TokenOffset:
		var o Offset
		err, x = s.Offset(&o), o
	case TokenSSPI:
		var sp SSPI
		err, x = s.SSPI(&sp), sp
	case TokenOrder:
		var o Order
		err, x = s.Order(&o), o
	case TokenColInfo:
		var c ColInfo
		err, x = s.ColInfo(&c), c
	case TokenTabName:
		var t TabName
		err, x = s.TabName(&t), t
	case TokenSessionState:
		var ss SessionState
		err, x = s.SessionState(&ss), ss
	case TokenFedAuthInfo:
		var f FedAuthInfo
		err, x = s.FedAuthInfo(&f), f
	case TokenDataClassification:
		var d DataClassification
		err, x = s.DataClassification(&d), d
	case TokenRow, TokenNBCRow:
		vals, rerr := s.RowValues(nil)
		if rerr != nil {
			return s.typ.String() + " <" + rerr.Error() + ">"
		}
		parts := make([]string, len(vals))
		for i := range vals {
			parts[i] = vals[i].Value.String()
		}
		return s.typ.String() + " " + strings.Join(parts, ", ")
	default:
		return s.typ.String() + " (" + bytesLen(s.end-s.cur) + ")"
	}
	if err != nil {
		return s.typ.String() + " <" + err.Error() + ">"
	}
	return x.String()
}

// Format prints String; %+v names the fields: "ProgVersion{Major=15
// Minor=0 BuildHi=7 BuildLow=208}".
func (p ProgVersion) Format(f fmt.State, verb rune) {
	format(f, verb, p.String(), func() string {
		return fmt.Sprintf("ProgVersion{Major=%d Minor=%d BuildHi=%d BuildLow=%d}", p.Major, p.Minor, p.BuildHi, p.BuildLow)
	})
}

// Format prints String; %+v names the fields: "Routing{Protocol=0
// Port=1433 AlternateServer=\"srv2\" AlternateDatabase=\"\"}".
func (r Routing) Format(f fmt.State, verb rune) {
	format(f, verb, r.String(), func() string {
		return fmt.Sprintf("Routing{Protocol=%d Port=%d AlternateServer=%s AlternateDatabase=%s}", r.Protocol, r.Port, q(r.AlternateServer), q(r.AlternateDatabase))
	})
}

// Format prints String; %+v names the fields: "ColProperty{ColNum=2
// TableNum=1 Status=KEY|DIFFERENT_NAME ColName=\"val\"}".
func (p ColProperty) Format(f fmt.State, verb rune) {
	format(f, verb, p.String(), func() string {
		return fmt.Sprintf("ColProperty{ColNum=%d TableNum=%d Status=%v ColName=%s}", p.ColNum, p.TableNum, p.Status, q(p.ColName))
	})
}

// Format prints String; %+v names the fields: "Label{Name=\"Confidential\"
// ID=\"c1\"}".
func (l Label) Format(f fmt.State, verb rune) {
	format(f, verb, l.String(), func() string { return "Label{Name=" + q(l.Name) + " ID=" + q(l.ID) + "}" })
}

// Format prints String; %+v names the fields:
// "SensitivityProperty{LabelIndex=0 InfoTypeIndex=1 Rank=20}".
func (p SensitivityProperty) Format(f fmt.State, verb rune) {
	format(f, verb, p.String(), func() string {
		return fmt.Sprintf("SensitivityProperty{LabelIndex=%d InfoTypeIndex=%d Rank=%d}", p.LabelIndex, p.InfoTypeIndex, p.Rank)
	})
}
