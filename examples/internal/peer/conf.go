package peer

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// FreeTDSServer is one [section] of a freetds.conf: a server name that tsql
// (-S) or an ODBC DSN (Servername) can refer to.
type FreeTDSServer struct {
	Name       string // section name
	Host       string // "127.0.0.1"
	Port       int
	TDSVersion string // "7.4", "7.3", "7.1", ... (freetds.conf "tds version")
	// Extra holds further "key = value" settings, written as given
	// (e.g. "use ntlmv2" or "client charset").
	Extra map[string]string
}

// WriteFreeTDSConf writes a freetds.conf holding servers, with encryption
// off (the tests' listener answers PRELOGIN with ENCRYPT_NOT_SUP) unless a
// server's Extra sets "encryption" (off, request or require), into a
// temporary directory of t. It returns the environment entries (for
// Cmd.Env) that point FreeTDS at it and nowhere else: FREETDSCONF, with
// TDSVER, TDSHOST, TDSPORT, TDSDUMP and TDSDUMPCONFIG unset so a
// developer's own settings do not leak in.
func WriteFreeTDSConf(t testing.TB, servers ...FreeTDSServer) []string {
	t.Helper()
	var b strings.Builder
	b.WriteString("# written by tdswire's examples/internal/peer for one test\n")
	b.WriteString("[global]\n\tencryption = off\n\ttimeout = 10\n\tconnect timeout = 10\n")
	for _, s := range servers {
		fmt.Fprintf(&b, "[%s]\n\thost = %s\n\tport = %d\n", s.Name, s.Host, s.Port)
		if s.TDSVersion != "" {
			fmt.Fprintf(&b, "\ttds version = %s\n", s.TDSVersion)
		}
		if _, ok := s.Extra["encryption"]; !ok {
			b.WriteString("\tencryption = off\n")
		}
		for _, k := range sortedKeys(s.Extra) {
			fmt.Fprintf(&b, "\t%s = %s\n", k, s.Extra[k])
		}
	}
	path := filepath.Join(t.TempDir(), "freetds.conf")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatalf("writing freetds.conf: %v", err)
	}
	return []string{"FREETDSCONF=" + path, "TDSDUMP=", "TDSDUMPCONFIG=", "TDSVER=", "TDSHOST=", "TDSPORT="}
}

// ODBCDSN is one data source of an odbc.ini for the FreeTDS ODBC driver.
type ODBCDSN struct {
	Name   string // DSN name, given to isql
	Driver string // absolute path of libtdsodbc.so (ODBC.Driver)
	// Attrs are the driver's connection attributes, written as given:
	// "Server", "Port", "TDS_Version", "Database", "Encryption", ...
	Attrs map[string]string
}

// WriteODBCIni writes odbc.ini (holding dsns) and an empty odbcinst.ini
// into a temporary directory of t, and returns the environment entries
// that make unixODBC read only those: ODBCINI for the user DSN file and
// ODBCSYSINI for the directory of the system files. FREETDSCONF is pointed
// at an empty freetds.conf so the driver reads no global FreeTDS settings.
func WriteODBCIni(t testing.TB, dsns ...ODBCDSN) []string {
	t.Helper()
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("; written by tdswire's examples/internal/peer for one test\n")
	for _, d := range dsns {
		fmt.Fprintf(&b, "[%s]\nDriver = %s\n", d.Name, d.Driver)
		for _, k := range sortedKeys(d.Attrs) {
			fmt.Fprintf(&b, "%s = %s\n", k, d.Attrs[k])
		}
	}
	ini := filepath.Join(dir, "odbc.ini")
	conf := filepath.Join(dir, "freetds.conf")
	files := map[string]string{
		ini:                                b.String(),
		filepath.Join(dir, "odbcinst.ini"): "",
		conf:                               "[global]\n\tencryption = off\n",
	}
	for p, text := range files {
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatalf("writing %s: %v", p, err)
		}
	}
	return []string{"ODBCINI=" + ini, "ODBCSYSINI=" + dir, "FREETDSCONF=" + conf, "TDSDUMP=", "TDSVER="}
}

func sortedKeys(m map[string]string) []string {
	return slices.Sorted(maps.Keys(m))
}
