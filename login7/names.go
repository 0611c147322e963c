package login7

import "github.com/tdswire/tdswire/tds"

// Names holds the text fields of a LOGIN7 message, [MS-TDS] 2.2.6.4, as Go
// strings, for building one: Login7.SetNames encodes them all at once. The
// passwords are not here; they take NewPassword.
type Names struct {
	HostName   string // client machine name
	UserName   string // login name (SQL authentication)
	AppName    string // application name
	ServerName string // server name the client connected to
	CltIntName string // interface library name
	Language   string // initial language
	Database   string // initial database
	AtchDBFile string // database file to attach
}

// SetNames sets the tds.UCS2 fields of l (HostName, UserName, AppName,
// ServerName, CltIntName, Language, Database, AtchDBFile) from n, encoding
// every string as UTF-16LE into one new buffer: one allocation for all of
// them. An empty string leaves its field empty (nil). The fields never
// share bytes, so Append accepts the result.
func (l *Login7) SetNames(n Names) {
	fields := [...]struct {
		dst *tds.UCS2
		s   string
	}{
		{&l.HostName, n.HostName}, {&l.UserName, n.UserName}, {&l.AppName, n.AppName},
		{&l.ServerName, n.ServerName}, {&l.CltIntName, n.CltIntName}, {&l.Language, n.Language},
		{&l.Database, n.Database}, {&l.AtchDBFile, n.AtchDBFile},
	}
	size := 0
	for _, f := range fields {
		size += tds.UCS2Len(f.s) * 2
	}
	buf := make([]byte, 0, size)
	for _, f := range fields {
		if f.s == "" {
			*f.dst = nil
			continue
		}
		start := len(buf)
		buf = tds.AppendUCS2(buf, f.s)
		*f.dst = tds.UCS2(buf[start:len(buf):len(buf)])
	}
}
