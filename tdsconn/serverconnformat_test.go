package tdsconn

import (
	"fmt"
	"strings"
	"testing"
)

// TestServerConnPrintsNoLogin pins that no fmt verb prints the LOGIN7 a
// ServerConn keeps (its password bytes), and the printed form (written
// by hand).
func TestServerConnPrintsNoLogin(t *testing.T) {
	c := &ServerConn{user: "sa", database: "db", enc: EncryptionLoginOnly, loginBuf: []byte("SECRET-LOGIN7")}
	const want = `ServerConn user="sa" database="db" encryption="login only" MARS=false`
	if got := fmt.Sprint(c); got != want {
		t.Errorf("Sprint = %s, want %s", got, want)
	}
	if got := fmt.Sprintf("%#v", c); got != "&tdsconn.ServerConn{"+want+"}" {
		t.Errorf("%%#v = %s", got)
	}
	if got := fmt.Sprint((*ServerConn)(nil)); got != "ServerConn(nil)" {
		t.Errorf("nil: %s", got)
	}
	for _, verb := range []string{"%v", "%+v", "%s", "%q", "%x", "%X", "%d", "%#v"} {
		got := fmt.Sprintf(verb, c)
		if strings.Contains(got, "SECRET") || strings.Contains(strings.ToLower(got), "534543524554") || strings.Contains(got, "83 69 67 82 69 84") {
			t.Errorf("%s prints the LOGIN7: %s", verb, got)
		}
	}
}
