package login7

import (
	"strconv"
	"strings"
)

// OptionFlags1 is LOGIN7's OptionFlags1 byte, [MS-TDS] 2.2.6.4, in least
// significant bit order: fByteOrder (bit 0), fChar (bit 1), fFloat (bits
// 2-3), fDumpLoad (bit 4), fUseDB (bit 5), fDatabase (bit 6), fSetLang
// (bit 7). Build values by OR-ing the F* bits and the With* setters; read
// them with the named accessors.
type OptionFlags1 uint8

// The bits and bit groups of OptionFlags1, [MS-TDS] 2.2.6.4.
const (
	FByteOrder OptionFlags1 = 0x01 // 1 = ORDER_68000, 0 = ORDER_X86
	FChar      OptionFlags1 = 0x02 // 1 = CHARSET_EBCDIC, 0 = CHARSET_ASCII
	FFloat     OptionFlags1 = 0x0C // 2-bit field: FloatFormat
	FDumpLoad  OptionFlags1 = 0x10 // 1 = DUMPLOAD_OFF, 0 = DUMPLOAD_ON
	FUseDB     OptionFlags1 = 0x20 // 1 = USE_DB_ON
	FDatabase  OptionFlags1 = 0x40 // 1 = INIT_DB_FATAL, 0 = INIT_DB_WARN
	FSetLang   OptionFlags1 = 0x80 // 1 = SET_LANG_ON
)

// ByteOrder is the fByteOrder value of OptionFlags1, [MS-TDS] 2.2.6.4: the
// byte order the client uses for numeric and datetime data.
type ByteOrder uint8

// The fByteOrder values of [MS-TDS] 2.2.6.4.
const (
	OrderX86   ByteOrder = 0 // ORDER_X86
	Order68000 ByteOrder = 1 // ORDER_68000
)

// String returns the specification's name, "ORDER_X86" or "ORDER_68000".
func (o ByteOrder) String() string {
	if o == Order68000 {
		return "ORDER_68000"
	}
	if o == OrderX86 {
		return "ORDER_X86"
	}
	return "ByteOrder(" + strconv.Itoa(int(o)) + ")"
}

// CharSet is the fChar value of OptionFlags1, [MS-TDS] 2.2.6.4: the
// character set used on the client.
type CharSet uint8

// The fChar values of [MS-TDS] 2.2.6.4.
const (
	CharsetASCII  CharSet = 0 // CHARSET_ASCII
	CharsetEBCDIC CharSet = 1 // CHARSET_EBCDIC
)

// String returns the specification's name, "CHARSET_ASCII" or
// "CHARSET_EBCDIC".
func (c CharSet) String() string {
	if c == CharsetEBCDIC {
		return "CHARSET_EBCDIC"
	}
	if c == CharsetASCII {
		return "CHARSET_ASCII"
	}
	return "CharSet(" + strconv.Itoa(int(c)) + ")"
}

// FloatFormat is the 2-bit fFloat value of OptionFlags1, [MS-TDS]
// 2.2.6.4: the client's floating point representation.
type FloatFormat uint8

// The fFloat values of [MS-TDS] 2.2.6.4. The value 3 is not defined.
const (
	FloatIEEE754 FloatFormat = 0 // FLOAT_IEEE_754
	FloatVAX     FloatFormat = 1 // FLOAT_VAX
	FloatND5000  FloatFormat = 2 // ND5000
)

// String returns the specification's name ("FLOAT_IEEE_754", "FLOAT_VAX",
// "ND5000"), or "FloatFormat(3)" for the undefined value.
func (f FloatFormat) String() string {
	switch f {
	case FloatIEEE754:
		return "FLOAT_IEEE_754"
	case FloatVAX:
		return "FLOAT_VAX"
	case FloatND5000:
		return "ND5000"
	}
	return "FloatFormat(" + strconv.Itoa(int(f)) + ")"
}

// ByteOrder returns the fByteOrder bit.
func (f OptionFlags1) ByteOrder() ByteOrder { return ByteOrder(f & FByteOrder) }

// CharSet returns the fChar bit.
func (f OptionFlags1) CharSet() CharSet { return CharSet(f & FChar >> 1) }

// FloatFormat returns the fFloat field.
func (f OptionFlags1) FloatFormat() FloatFormat { return FloatFormat(f & FFloat >> 2) }

// DumpLoadOff reports whether fDumpLoad is set, which the specification
// names DUMPLOAD_OFF (dump/load and BCP capabilities not needed).
func (f OptionFlags1) DumpLoadOff() bool { return f&FDumpLoad != 0 }

// UseDB reports fUseDB (USE_DB_ON): the client wants a warning (an
// ENVCHANGE) when a USE statement changes the database.
func (f OptionFlags1) UseDB() bool { return f&FUseDB != 0 }

// InitDBFatal reports fDatabase (INIT_DB_FATAL): the login fails if the
// initial database cannot be set.
func (f OptionFlags1) InitDBFatal() bool { return f&FDatabase != 0 }

// SetLang reports fSetLang (SET_LANG_ON): the client wants warnings on
// language changes.
func (f OptionFlags1) SetLang() bool { return f&FSetLang != 0 }

// WithByteOrder returns f with fByteOrder set to o.
func (f OptionFlags1) WithByteOrder(o ByteOrder) OptionFlags1 {
	return f&^FByteOrder | OptionFlags1(o)&FByteOrder
}

// WithCharSet returns f with fChar set to c.
func (f OptionFlags1) WithCharSet(c CharSet) OptionFlags1 {
	return f&^FChar | OptionFlags1(c)<<1&FChar
}

// WithFloatFormat returns f with fFloat set to x.
func (f OptionFlags1) WithFloatFormat(x FloatFormat) OptionFlags1 {
	return f&^FFloat | OptionFlags1(x)<<2&FFloat
}

// String lists the non-default fields by their flag names, for example
// "fUseDB|fDatabase|fSetLang" for 0xE0, "fFloat=FLOAT_VAX" for 0x04, and
// "0" when every field has its zero value.
func (f OptionFlags1) String() string {
	var parts []string
	if f&FByteOrder != 0 {
		parts = append(parts, "fByteOrder")
	}
	if f&FChar != 0 {
		parts = append(parts, "fChar")
	}
	if f&FFloat != 0 {
		parts = append(parts, "fFloat="+f.FloatFormat().String())
	}
	parts = flagNames(parts, uint8(f), flags1Names[:])
	return joinFlags(parts)
}

var flags1Names = [...]flagName{
	{uint8(FDumpLoad), "fDumpLoad"},
	{uint8(FUseDB), "fUseDB"},
	{uint8(FDatabase), "fDatabase"},
	{uint8(FSetLang), "fSetLang"},
}

// OptionFlags2 is LOGIN7's OptionFlags2 byte, [MS-TDS] 2.2.6.4, in least
// significant bit order: fLanguage (bit 0), fODBC (bit 1), fTranBoundary
// (bit 2, removed in TDS 7.2), fCacheConnect (bit 3, removed in TDS 7.2),
// fUserType (bits 4-6), fIntSecurity (bit 7).
type OptionFlags2 uint8

// The bits and bit groups of OptionFlags2, [MS-TDS] 2.2.6.4.
const (
	FLanguage     OptionFlags2 = 0x01 // 1 = INIT_LANG_FATAL, 0 = INIT_LANG_WARN
	FODBC         OptionFlags2 = 0x02 // 1 = ODBC_ON
	FTranBoundary OptionFlags2 = 0x04 // reserved since TDS 7.2
	FCacheConnect OptionFlags2 = 0x08 // reserved since TDS 7.2
	FUserType     OptionFlags2 = 0x70 // 3-bit field: UserType
	FIntSecurity  OptionFlags2 = 0x80 // 1 = INTEGRATED_SECURITY_ON
)

// UserType is the 3-bit fUserType value of OptionFlags2, [MS-TDS]
// 2.2.6.4: the kind of user connecting.
type UserType uint8

// The fUserType values of [MS-TDS] 2.2.6.4. Values 4 to 7 are not
// defined.
const (
	UserNormal   UserType = 0 // USER_NORMAL: regular logins
	UserServer   UserType = 1 // USER_SERVER: reserved
	UserRemUser  UserType = 2 // USER_REMUSER: distributed query login
	UserSQLRepl  UserType = 3 // USER_SQLREPL: replication login
	userTypeMask UserType = 7
)

// String returns the specification's name ("USER_NORMAL", ...), or
// "UserType(5)" for an undefined value.
func (u UserType) String() string {
	switch u {
	case UserNormal:
		return "USER_NORMAL"
	case UserServer:
		return "USER_SERVER"
	case UserRemUser:
		return "USER_REMUSER"
	case UserSQLRepl:
		return "USER_SQLREPL"
	}
	return "UserType(" + strconv.Itoa(int(u)) + ")"
}

// InitLangFatal reports fLanguage (INIT_LANG_FATAL): the login fails if
// the initial language cannot be set.
func (f OptionFlags2) InitLangFatal() bool { return f&FLanguage != 0 }

// ODBC reports fODBC (ODBC_ON): the client is an ODBC driver.
func (f OptionFlags2) ODBC() bool { return f&FODBC != 0 }

// TranBoundary reports the fTranBoundary bit (reserved since TDS 7.2).
func (f OptionFlags2) TranBoundary() bool { return f&FTranBoundary != 0 }

// CacheConnect reports the fCacheConnect bit (reserved since TDS 7.2).
func (f OptionFlags2) CacheConnect() bool { return f&FCacheConnect != 0 }

// UserType returns the fUserType field.
func (f OptionFlags2) UserType() UserType { return UserType(f & FUserType >> 4) }

// IntegratedSecurity reports fIntSecurity (INTEGRATED_SECURITY_ON): the
// client authenticates with SSPI data instead of a user name and password.
func (f OptionFlags2) IntegratedSecurity() bool { return f&FIntSecurity != 0 }

// WithUserType returns f with fUserType set to u.
func (f OptionFlags2) WithUserType(u UserType) OptionFlags2 {
	return f&^FUserType | OptionFlags2(u&userTypeMask)<<4
}

// String lists the set bits by their flag names ("fLanguage|fODBC" for
// 0x03), the user type when it is not USER_NORMAL, and "0" for none.
func (f OptionFlags2) String() string {
	var parts []string
	parts = flagNames(parts, uint8(f), flags2Names[:])
	if f&FUserType != 0 {
		parts = append(parts, "fUserType="+f.UserType().String())
	}
	if f&FIntSecurity != 0 {
		parts = append(parts, "fIntSecurity")
	}
	return joinFlags(parts)
}

var flags2Names = [...]flagName{
	{uint8(FLanguage), "fLanguage"},
	{uint8(FODBC), "fODBC"},
	{uint8(FTranBoundary), "fTranBoundary"},
	{uint8(FCacheConnect), "fCacheConnect"},
}

// TypeFlags is LOGIN7's TypeFlags byte, [MS-TDS] 2.2.6.4, in least
// significant bit order: fSQLType (bits 0-3), fOLEDB (bit 4, TDS 7.2),
// fReadOnlyIntent (bit 5, TDS 7.4), two reserved bits.
type TypeFlags uint8

// The bits and bit groups of TypeFlags, [MS-TDS] 2.2.6.4.
const (
	FSQLType        TypeFlags = 0x0F // 4-bit field: SQLType
	FOLEDB          TypeFlags = 0x10 // 1 = OLEDB_ON
	FReadOnlyIntent TypeFlags = 0x20 // application intent is read-only
)

// SQLType is the 4-bit fSQLType value of TypeFlags, [MS-TDS] 2.2.6.4: the
// type of SQL the client sends.
type SQLType uint8

// The fSQLType values of [MS-TDS] 2.2.6.4.
const (
	SQLDefault SQLType = 0 // SQL_DFLT
	SQLTSQL    SQLType = 1 // SQL_TSQL
)

// String returns the specification's name ("SQL_DFLT", "SQL_TSQL"), or
// "SQLType(9)" for an undefined value.
func (s SQLType) String() string {
	switch s {
	case SQLDefault:
		return "SQL_DFLT"
	case SQLTSQL:
		return "SQL_TSQL"
	}
	return "SQLType(" + strconv.Itoa(int(s)) + ")"
}

// SQLType returns the fSQLType field.
func (f TypeFlags) SQLType() SQLType { return SQLType(f & FSQLType) }

// OLEDB reports fOLEDB (OLEDB_ON): the client is an OLE DB provider.
func (f TypeFlags) OLEDB() bool { return f&FOLEDB != 0 }

// ReadOnlyIntent reports fReadOnlyIntent: the application intent of the
// connection is read-only.
func (f TypeFlags) ReadOnlyIntent() bool { return f&FReadOnlyIntent != 0 }

// WithSQLType returns f with fSQLType set to s.
func (f TypeFlags) WithSQLType(s SQLType) TypeFlags {
	return f&^FSQLType | TypeFlags(s)&FSQLType
}

// String lists the fields by their flag names ("fSQLType=SQL_TSQL|fOLEDB"),
// with reserved bits in hex and "0" for none.
func (f TypeFlags) String() string {
	var parts []string
	if f&FSQLType != 0 {
		parts = append(parts, "fSQLType="+f.SQLType().String())
	}
	parts = flagNames(parts, uint8(f), typeFlagsNames[:])
	if rest := uint8(f) &^ 0x3F; rest != 0 {
		parts = append(parts, "0x"+strconv.FormatUint(uint64(rest), 16))
	}
	return joinFlags(parts)
}

var typeFlagsNames = [...]flagName{
	{uint8(FOLEDB), "fOLEDB"},
	{uint8(FReadOnlyIntent), "fReadOnlyIntent"},
}

// OptionFlags3 is LOGIN7's OptionFlags3 byte (TDS 7.2 and later; a
// reserved byte before), [MS-TDS] 2.2.6.4, in least significant bit order
// as the stream definition lists it: fChangePassword (bit 0),
// fSendYukonBinaryXML (bit 1), fUserInstance (bit 2),
// fUnknownCollationHandling (bit 3), fExtension (bit 4), three reserved
// bits. (The BIT declarations before the rule list fUserInstance ahead
// of fSendYukonBinaryXML; positions follow the OptionFlags3 composition
// rule itself, as does the parameter table.)
type OptionFlags3 uint8

// The bits of OptionFlags3, [MS-TDS] 2.2.6.4.
const (
	FChangePassword           OptionFlags3 = 0x01 // the login changes the password
	FSendYukonBinaryXML       OptionFlags3 = 0x02 // XML is returned as binary XML
	FUserInstance             OptionFlags3 = 0x04 // spawn a user instance
	FUnknownCollationHandling OptionFlags3 = 0x08 // any collation may be sent
	FExtension                OptionFlags3 = 0x10 // ibExtension/cbExtension are used
)

// ChangePassword reports fChangePassword.
func (f OptionFlags3) ChangePassword() bool { return f&FChangePassword != 0 }

// SendYukonBinaryXML reports fSendYukonBinaryXML.
func (f OptionFlags3) SendYukonBinaryXML() bool { return f&FSendYukonBinaryXML != 0 }

// UserInstance reports fUserInstance.
func (f OptionFlags3) UserInstance() bool { return f&FUserInstance != 0 }

// UnknownCollationHandling reports fUnknownCollationHandling.
func (f OptionFlags3) UnknownCollationHandling() bool {
	return f&FUnknownCollationHandling != 0
}

// Extension reports fExtension: the ibExtension/cbExtension entry points
// to an extension block that holds the FeatureExt offset.
func (f OptionFlags3) Extension() bool { return f&FExtension != 0 }

// String lists the set bits by their flag names ("fExtension" for 0x10),
// reserved bits in hex, and "0" for none.
func (f OptionFlags3) String() string {
	parts := flagNames(nil, uint8(f), flags3Names[:])
	if rest := uint8(f) &^ 0x1F; rest != 0 {
		parts = append(parts, "0x"+strconv.FormatUint(uint64(rest), 16))
	}
	return joinFlags(parts)
}

var flags3Names = [...]flagName{
	{uint8(FChangePassword), "fChangePassword"},
	{uint8(FSendYukonBinaryXML), "fSendYukonBinaryXML"},
	{uint8(FUserInstance), "fUserInstance"},
	{uint8(FUnknownCollationHandling), "fUnknownCollationHandling"},
	{uint8(FExtension), "fExtension"},
}

type flagName struct {
	bit  uint8
	name string
}

func flagNames(parts []string, v uint8, names []flagName) []string {
	for _, n := range names {
		if v&n.bit != 0 {
			parts = append(parts, n.name)
		}
	}
	return parts
}

func joinFlags(parts []string) string {
	if len(parts) == 0 {
		return "0"
	}
	return strings.Join(parts, "|")
}
