package peer

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"
)

// SystemPython is the interpreter Debian's python3-* modules are built
// for (PATH's python3 may be another one, such as a pyenv shim).
const SystemPython = "/usr/bin/python3"

// PythonModule returns SystemPython once it can import module (Debian
// package pkg), or reports the peer missing.
func PythonModule(t testing.TB, module, pkg string) string {
	t.Helper()
	if _, err := os.Stat(SystemPython); err != nil {
		Missing(t, "python3", fmt.Sprintf("%s not found (Debian package python3)", SystemPython))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if r := Run(ctx, Cmd{Path: SystemPython, Args: []string{"-c", "import " + module}}); r.Err != nil {
		Missing(t, "python "+module, fmt.Sprintf("%s cannot import %s: %v %s (Debian package %s)", SystemPython, module, r.Err, r.Output(), pkg))
	}
	return SystemPython
}

// PerlDBDSybase returns the path of perl once it loads DBD::Sybase
// (Debian package libdbd-sybase-perl), or reports the peer missing.
func PerlDBDSybase(t testing.TB) string {
	t.Helper()
	perl := lookPath(t, "perl", "perl")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if r := Run(ctx, Cmd{Path: perl, Args: []string{"-MDBD::Sybase", "-e", "1"}}); r.Err != nil {
		Missing(t, "DBD::Sybase", fmt.Sprintf("perl cannot load DBD::Sybase: %v %s (Debian package libdbd-sybase-perl)", r.Err, r.Output()))
	}
	return perl
}
