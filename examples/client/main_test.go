package main

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/tdswire/tdswire/examples/server/tdsserver"
)

// TestMain runs main instead of the tests when the test binary is started
// by TestClientCommand as the client command.
func TestMain(m *testing.M) {
	if os.Getenv("TDSWIRE_CLIENT_MAIN") == "1" {
		os.Args = append([]string{"client"}, strings.Split(os.Getenv("TDSWIRE_CLIENT_ARGS"), "\x1f")...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestClientCommand runs the command against the example server: a
// successful login prints every step, a failed one exits with status 1.
func TestClientCommand(t *testing.T) {
	srv, err := tdsserver.New(tdsserver.Config{Users: []tdsserver.User{{Name: "sa", Password: "Passw0rd!"}, {Domain: "CONTOSO", Name: "joe", Password: "Secret1!"}}, TLS: tdsserver.TLSLogin})
	if err != nil {
		t.Fatal(err)
	}
	addr, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	run := func(args ...string) (string, error) {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "TDSWIRE_CLIENT_MAIN=1", "TDSWIRE_CLIENT_ARGS="+strings.Join(append([]string{"-addr", addr}, args...), "\x1f"))
		cmd.WaitDelay = 10 * time.Second
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := run("-user", `CONTOSO\joe`, "-password", "Secret1!", "-tls", "-query", "SELECT @@VERSION", "-tds", "7.3")
	if err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	for _, want := range []string{
		"> TDS:Prelogin, Version = 7.3 (0x730b0003), SPID = 0, PacketID = 1, Flags=EOM",
		"Step 3. SSL/TLS handshake",
		"Step 5. NTLM challenge and response packets",
		"LOGINACK: TDS 7.3 (0x730b0003)",
		"ROW: " + tdsserver.VersionString,
		"Step 8. Close",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	out, err = run("-user", "sa", "-password", "nope")
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 || !strings.Contains(out, "client: server error 18456, class 14, state 1: Login failed for user 'sa'.") {
		t.Errorf("wrong password: %v:\n%s", err, out)
	}
	if _, err := run("-tds", "6.0"); !errors.As(err, &ee) || ee.ExitCode() != 2 {
		t.Errorf("-tds 6.0: %v, want exit status 2", err)
	}
}
