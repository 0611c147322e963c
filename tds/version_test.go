package tds_test

import (
	"testing"

	"github.com/tdswire/tdswire/tds"
)

// TestVersionServerForms covers the LOGINACK TDSVersion values that SQL
// Server 7.0 and 2000 send ([MS-TDS] 2.2.7.14, appendix A <69>: "server to
// client" 0x07000000 and 0x07010000).
func TestVersionServerForms(t *testing.T) {
	if tds.Version70Server != 0x07000000 || tds.Version71Server != 0x07010000 {
		t.Fatalf("constants = %#x, %#x", uint32(tds.Version70Server), uint32(tds.Version71Server))
	}
	for _, c := range []struct {
		v    tds.Version
		want string
	}{
		{tds.Version70Server, "7.0 (0x07000000)"},
		{tds.Version71Server, "7.1 (0x07010000)"},
		{0x07020000, "0x07020000"}, // not named by the note
	} {
		if got := c.v.String(); got != c.want {
			t.Errorf("Version(%#x).String() = %q, want %q", uint32(c.v), got, c.want)
		}
	}
	if !tds.Version70Server.Known() || !tds.Version71Server.Known() {
		t.Error("server forms not Known")
	}
}

// TestVersionServerFormsRank checks that AtLeast treats each server form
// exactly as its client-side equivalent against every named version.
func TestVersionServerFormsRank(t *testing.T) {
	order := []tds.Version{
		tds.Version70, tds.Version71, tds.Version71Rev1, tds.Version72,
		tds.Version73A, tds.Version73B, tds.Version74, tds.Version80,
	}
	for _, p := range [][2]tds.Version{
		{tds.Version70Server, tds.Version70},
		{tds.Version71Server, tds.Version71},
	} {
		srv, cli := p[0], p[1]
		for _, w := range order {
			if got, want := srv.AtLeast(w), cli.AtLeast(w); got != want {
				t.Errorf("%v.AtLeast(%v) = %v, want %v (as %v)", srv, w, got, want, cli)
			}
			if got, want := w.AtLeast(srv), w.AtLeast(cli); got != want {
				t.Errorf("%v.AtLeast(%v) = %v, want %v (as %v)", w, srv, got, want, cli)
			}
		}
	}
	if !tds.Version71Server.AtLeast(tds.Version70Server) || tds.Version70Server.AtLeast(tds.Version71Server) {
		t.Error("7.0 and 7.1 server forms misordered")
	}
}
