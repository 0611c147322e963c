// Package tdsbuild builds whole TDS messages from a few Go values, for the
// tests and fuzz seeds of code that speaks TDS: a PRELOGIN, a LOGIN7, a
// login response, an error response, a result set from columns and rows,
// and packets around any of them. Each builder writes the message with
// tdswire's encoders (packages prelogin, login7, tokens, tds/sqltype), so
// that its output is what a tdswire peer would send; it is no golden
// vector (see package tdstest for those).
//
// Builders append to dst like the encoders do and return the payload
// without packet headers; Packets frames it.
package tdsbuild

import (
	"fmt"
	"strconv"
	"time"

	"github.com/tdswire/tdswire/login7"
	"github.com/tdswire/tdswire/prelogin"
	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tds/sqltype"
	"github.com/tdswire/tdswire/tokens"
)

// Prelogin appends a PRELOGIN message ([MS-TDS] 2.2.6.5) with VERSION
// 16.0.0.0, the given ENCRYPTION, an empty INSTOPT (client) or
// InstanceMatch (server), THREADID 0 from a client, and MARS.
func Prelogin(dst []byte, server bool, enc prelogin.Encryption, mars bool) ([]byte, error) {
	m := prelogin.Message{
		Present:    prelogin.HasVersion | prelogin.HasEncryption | prelogin.HasInstOpt | prelogin.HasMARS,
		Version:    prelogin.Version{Major: 16},
		Encryption: enc,
		Instance:   []byte{0},
		MARS:       mars,
	}
	if server {
		m.Instance = []byte{prelogin.InstanceMatch}
	} else {
		m.Present |= prelogin.HasThreadID
	}
	return m.Append(dst)
}

// Login describes a LOGIN7 for Login7 and the login response for
// LoginResponse.
type Login struct {
	TDSVersion tds.Version // 0: tds.Version74
	PacketSize int         // 0: 4096
	HostName   string
	UserName   string
	Password   string // SQL authentication; obfuscated by login7.NewPassword
	AppName    string
	ServerName string
	Database   string
	Language   string
	// Features are the FeatureExt entries of the LOGIN7 (TDS 7.4); the
	// login response acknowledges the same feature identifiers with
	// empty data, except COLUMNENCRYPTION, acknowledged with version 1.
	Features login7.FeatureExt
}

func (l Login) version() tds.Version {
	if l.TDSVersion == 0 {
		return tds.Version74
	}
	return l.TDSVersion
}

func (l Login) packetSize() int {
	if l.PacketSize == 0 {
		return 4096
	}
	return l.PacketSize
}

// Login7 appends a LOGIN7 message ([MS-TDS] 2.2.6.4) for l: SQL
// authentication, fUseDB and fDatabase when Database is set, fSetLang
// when Language is, ODBC semantics, fExtension when there are Features.
func Login7(dst []byte, l Login) ([]byte, error) {
	m := login7.Login7{
		TDSVersion:   l.version(),
		PacketSize:   uint32(l.packetSize()),
		OptionFlags2: login7.FODBC,
		Password:     login7.NewPassword(l.Password),
		FeatureExt:   l.Features,
	}
	if l.Database != "" {
		m.OptionFlags1 |= login7.FUseDB | login7.FDatabase
	}
	if l.Language != "" {
		m.OptionFlags1 |= login7.FSetLang
		m.OptionFlags2 |= login7.FLanguage
	}
	if len(l.Features) != 0 {
		m.OptionFlags3 |= login7.FExtension
	}
	m.SetNames(login7.Names{HostName: l.HostName, UserName: l.UserName, AppName: l.AppName, ServerName: l.ServerName,
		Database: l.Database, Language: l.Language})
	return m.Append(dst)
}

// LoginResponse appends a server's answer to a successful LOGIN7 for l
// ([MS-TDS] 2.2.6.4 and 2.2.7): ENVCHANGE Database and Language when set,
// ENVCHANGE PacketSize, INFO 5701 for the database, LOGINACK for
// "Microsoft SQL Server" 16.0, FEATUREEXTACK when l has Features, and a
// final DONE. A Database or Language over 255 UTF-16 code units is the
// tokens encoder's error, with dst returned unchanged.
func LoginResponse(dst []byte, l Login) ([]byte, error) {
	v := l.version()
	start := len(dst)
	var err error
	step := func(f func([]byte) ([]byte, error)) {
		if err == nil {
			dst, err = f(dst)
		}
	}
	if l.Database != "" {
		step(tokens.EnvChange{Type: tokens.EnvDatabase, NewValue: ucs2(l.Database), OldValue: ucs2("master")}.Append)
		step(func(b []byte) ([]byte, error) {
			return tokens.Message{Type: tokens.TokenInfo, Number: 5701, State: 2, Class: 0,
				MsgText:    ucs2("Changed database context to '" + l.Database + "'."),
				ServerName: ucs2("tdsbuild"), LineNumber: 1}.Append(b, v)
		})
	}
	if l.Language != "" {
		step(tokens.EnvChange{Type: tokens.EnvLanguage, NewValue: ucs2(l.Language)}.Append)
	}
	ps := strconv.Itoa(l.packetSize())
	step(tokens.EnvChange{Type: tokens.EnvPacketSize, NewValue: ucs2(ps), OldValue: ucs2(ps)}.Append)
	step(tokens.LoginAck{Interface: 1, TDSVersion: v, ProgName: ucs2("Microsoft SQL Server"),
		ProgVersion: tokens.ProgVersion{Major: 16}}.Append)
	if err != nil {
		return dst[:start], err
	}
	if len(l.Features) != 0 {
		var acks []tokens.FeatureAck
		for f, err := range l.Features.All() {
			if err != nil {
				break
			}
			ack := tokens.FeatureAck{ID: tokens.FeatureID(f.ID)}
			if f.ID == login7.FeatureColumnEncryption {
				ack.Data = []byte{1}
			}
			acks = append(acks, ack)
		}
		dst = tokens.AppendFeatureExtAck(dst, acks...)
	}
	return tokens.Done{}.Append(dst, v), nil
}

// ErrorResponse appends the answer to a request that failed: an ERROR
// token with number, class (severity) and message, state 1, server name
// "tdsbuild", line 1, then a DONE with DONE_ERROR ([MS-TDS] 2.2.7.10,
// 2.2.7.6). A msg too long for the token is the tokens encoder's error,
// with dst returned unchanged.
func ErrorResponse(dst []byte, v tds.Version, number int32, class uint8, msg string) ([]byte, error) {
	dst, err := tokens.Message{Type: tokens.TokenError, Number: number, State: 1, Class: class,
		MsgText: ucs2(msg), ServerName: ucs2("tdsbuild"), LineNumber: 1}.Append(dst, v)
	if err != nil {
		return dst, err
	}
	return tokens.Done{Status: tokens.DoneError}.Append(dst, v), nil
}

// Column is one column of a result set.
type Column struct {
	Name     string
	Type     sqltype.TypeInfo // for example {Type: sqltype.TypeIntN, MaxLen: 4}
	Nullable bool
}

// ResultSet appends a result set ([MS-TDS] 2.2.7.4, 2.2.7.20, 2.2.7.6):
// COLMETADATA for cols, one ROW per row, and a final DONE with DONE_COUNT.
// Each row holds one Go value per column, encoded with the column's type:
// nil (NULL), bool, int, int32, int64, float64, string, []byte, time.Time,
// sqltype.Decimal or sqltype.GUID. A value the type cannot hold, or a row
// of the wrong length, is an error naming the row and column.
func ResultSet(dst []byte, v tds.Version, cols []Column, rows [][]any) ([]byte, error) {
	md := tokens.ColMetadata{Columns: make([]tokens.Column, len(cols))}
	for i, c := range cols {
		md.Columns[i] = tokens.Column{TypeInfo: c.Type, ColName: ucs2(c.Name)}
		if c.Nullable {
			md.Columns[i].Flags |= tokens.ColNullable
		}
	}
	start := len(dst)
	dst, err := md.Append(dst, v)
	if err != nil {
		return dst, err
	}
	for r, row := range rows {
		if len(row) != len(cols) {
			return dst[:start], fmt.Errorf("tdsbuild: row %d has %d values for %d columns", r, len(row), len(cols))
		}
		dst = append(dst, byte(tokens.TokenRow))
		for i, x := range row {
			ti := cols[i].Type
			var err error
			if dst, err = appendValue(dst, &ti, x); err != nil {
				return dst[:start], fmt.Errorf("tdsbuild: row %d, column %q: %w", r, cols[i].Name, err)
			}
		}
	}
	return tokens.Done{Status: tokens.DoneCount, CurCmd: 0xC1, RowCount: uint64(len(rows))}.Append(dst, v), nil
}

func appendValue(dst []byte, ti *sqltype.TypeInfo, x any) ([]byte, error) {
	switch x := x.(type) {
	case nil:
		return ti.AppendNull(dst)
	case bool:
		return ti.AppendBool(dst, x)
	case int:
		return ti.AppendInt(dst, int64(x))
	case int32:
		return ti.AppendInt(dst, int64(x))
	case int64:
		return ti.AppendInt(dst, x)
	case float64:
		return ti.AppendFloat(dst, x)
	case string:
		return ti.AppendString(dst, x)
	case []byte:
		return ti.AppendBytes(dst, x)
	case time.Time:
		return ti.AppendTime(dst, x)
	case sqltype.Decimal:
		return ti.AppendDecimal(dst, x)
	case sqltype.GUID:
		return ti.AppendGUID(dst, x)
	}
	return dst, fmt.Errorf("no encoding for a Go %T", x)
}

// Packets frames payload as a message of type typ in packets of at most
// packetSize bytes (header included; 0 means tds.DefaultPacketSize),
// numbered from 1, the last with EOM, as tds.Writer would send them.
func Packets(dst []byte, typ tds.PacketType, payload []byte, packetSize int) []byte {
	if packetSize <= tds.HeaderLen {
		packetSize = tds.DefaultPacketSize
	}
	room := packetSize - tds.HeaderLen
	id := uint8(1)
	for {
		n := min(room, len(payload))
		h := tds.Header{Type: typ, Length: uint16(tds.HeaderLen + n), PacketID: id}
		if n == len(payload) {
			h.Status = tds.StatusEOM
		}
		dst = append(h.Append(dst), payload[:n]...)
		payload = payload[n:]
		if len(payload) == 0 {
			return dst
		}
		id++
	}
}

func ucs2(s string) tds.UCS2 { return tds.UCS2(tds.AppendUCS2(nil, s)) }
