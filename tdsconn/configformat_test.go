package tdsconn_test

import (
	"crypto/tls"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tdsconn"
)

// TestClientConfigPrintsNoPassword pins that no fmt verb prints the
// Password of a ClientConfig, and its printed form (written by hand).
func TestClientConfigPrintsNoPassword(t *testing.T) {
	c := tdsconn.ClientConfig{
		Encryption:   tdsconn.EncryptionFull,
		TLS:          &tls.Config{ServerName: "sql1"},
		User:         "sa",
		Password:     "hunter2",
		Database:     "db",
		TDSVersion:   tds.Version74,
		LoginTimeout: 5 * time.Second,
	}
	const want = `ClientConfig{Encryption="entire connection" User="sa" Password=[REDACTED] Database="db" TDSVersion=7.4 (0x74000004) LoginTimeout=5s TLS=set}`
	if got := fmt.Sprint(c); got != want {
		t.Errorf("Sprint:\n got %s\nwant %s", got, want)
	}
	if got := fmt.Sprintf("%#v", &c); got != "tdsconn."+want {
		t.Errorf("%%#v:\n got %s\nwant tdsconn.%s", got, want)
	}
	if got, want := (tdsconn.ClientConfig{}).String(), `ClientConfig{Encryption="unknown"}`; got != want {
		t.Errorf("zero ClientConfig: %s, want %s", got, want)
	}
	for _, verb := range []string{"%v", "%+v", "%s", "%q", "%x", "%X", "%#v"} {
		for _, arg := range []any{c, &c, struct{ C tdsconn.ClientConfig }{c}} {
			got := fmt.Sprintf(verb, arg)
			if strings.Contains(got, "hunter2") || strings.Contains(strings.ToLower(got), fmt.Sprintf("%x", "hunter2")) {
				t.Errorf("%s of %T prints the password: %s", verb, arg, got)
			}
		}
	}
}
