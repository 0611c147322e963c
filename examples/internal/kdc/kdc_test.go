package kdc

import (
	"os"
	"strings"
	"testing"
)

func TestRealm(t *testing.T) {
	r := Start(t, Config{Services: []string{"MSSQLSvc/localhost:1433"}})
	if r.User != "joe@TDSWIRE.TEST" || r.Port == 0 {
		t.Errorf("realm %+v", r)
	}
	if fi, err := os.Stat(r.Keytab); err != nil || fi.Size() == 0 {
		t.Fatalf("keytab: %v", err)
	}
	out := r.GetTicket("MSSQLSvc/localhost:1433")
	if !strings.Contains(out, "MSSQLSvc/localhost:1433@TDSWIRE.TEST: kvno = 2") {
		t.Errorf("kvno output %q", out)
	}
	r.Rekey("MSSQLSvc/localhost:1433")
	if out := r.Admin("getprinc MSSQLSvc/localhost:1433"); !strings.Contains(out, "vno 3") {
		t.Errorf("after Rekey: %s", out)
	}
}
