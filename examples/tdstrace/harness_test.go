package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "github.com/microsoft/go-mssqldb"

	"github.com/tdswire/tdswire/examples/internal/peer"
	"github.com/tdswire/tdswire/examples/server/tdsserver"
)

// The logins of the example server in these tests.
const (
	sqlUser    = "sa"
	sqlPass    = "Passw0rd!"
	ntlmDomain = "CONTOSO"
	ntlmUser   = "joe"
	ntlmPass   = "Secret1!"
)

// startServer runs examples/server on 127.0.0.1 with MARS allowed and
// returns its port; it stops when the test ends.
func startServer(t *testing.T, mode tdsserver.TLSMode) int {
	t.Helper()
	srv, err := tdsserver.New(tdsserver.Config{
		Users: []tdsserver.User{
			{Name: sqlUser, Password: sqlPass},
			{Domain: ntlmDomain, Name: ntlmUser, Password: ntlmPass},
		},
		TLS:     mode,
		MARS:    true,
		Rows:    20,
		Timeout: 20 * time.Second,
		// The clients log in to "sales" (tsql -D, the DSNs).
		Databases: []string{"master", "sales"},
	})
	if err != nil {
		t.Fatal(err)
	}
	addr, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	_, port, _ := net.SplitHostPort(addr)
	n, _ := strconv.Atoi(port)
	return n
}

// capture runs fn while tcpdump records the loopback traffic of port, and
// returns the capture file. tcpdump runs at most 60 seconds.
func capture(t *testing.T, port int, fn func()) string {
	t.Helper()
	tcpdump := peer.TCPDump(t)
	file := filepath.Join(t.TempDir(), "lo.pcap")
	// --immediate-mode and -U hand every packet to the file at once, so
	// that stopping tcpdump loses none; -s 0 keeps whole packets; -B gives
	// the kernel a 16 MB buffer, so that a loaded machine drops none.
	p, err := peer.Start(t, peer.Cmd{
		Path:    tcpdump,
		Args:    []string{"-i", "lo", "-n", "--immediate-mode", "-U", "-s", "0", "-B", "16384", "-w", file, "tcp port " + strconv.Itoa(port)},
		Timeout: 60 * time.Second,
	})
	if err != nil {
		peer.Missing(t, "tcpdump capture", "starting tcpdump: "+err.Error())
	}
	if !peer.WaitForFile(p, file, 10*time.Second) {
		r := p.Stop(os.Interrupt)
		peer.Missing(t, "tcpdump capture on lo", "tcpdump did not start capturing (it needs root or CAP_NET_RAW): "+strings.TrimSpace(r.Output()))
	}
	fn()
	// Let the last segments reach the file: on a loaded machine tcpdump
	// can lag, so wait until the file has stopped growing (at most 10 s).
	last, still := int64(-1), 0
	for deadline := time.Now().Add(10 * time.Second); still < 3 && time.Now().Before(deadline); {
		time.Sleep(150 * time.Millisecond)
		if fi, err := os.Stat(file); err == nil && fi.Size() == last {
			still++
		} else if err == nil {
			last, still = fi.Size(), 0
		}
	}
	p.Stop(os.Interrupt)
	// TDSWIRE_CAPTURE_DIR keeps the capture, as in the other tests of
	// this module: the file shipped in testdata/captures was kept so.
	if dir := os.Getenv("TDSWIRE_CAPTURE_DIR"); dir != "" {
		b, err := os.ReadFile(file)
		if err == nil {
			name := strings.NewReplacer("/", "-", " ", "_").Replace(t.Name()) + ".pcap"
			err = os.WriteFile(filepath.Join(dir, name), b, 0o644)
		}
		if err != nil {
			t.Errorf("keeping the capture: %v", err)
		}
	}
	return file
}

// captureWhole is capture, repeated (at most three times in all) while
// tdstrace finds that the capture lost packets, which tcpdump does on a
// loaded machine; fn must be able to run again.
func captureWhole(t *testing.T, port int, fn func()) string {
	t.Helper()
	for try := 1; ; try++ {
		file := capture(t, port, fn)
		tr := NewTracer(port, true)
		f, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		err = tr.Read(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		lost := false
		for _, c := range tr.tdsConvs() {
			lost = lost || c.Summarize().CaptureLoss
		}
		if !lost || try == 3 {
			return file
		}
		t.Logf("capture %d lost packets; capturing again", try)
	}
}

// goMSSQL connects go-mssqldb to the server on port, runs the queries on
// one connection and closes it. encrypt is go-mssqldb's "encrypt"
// ("disable", "false" for login-only TLS, "true" for everything). It
// returns the login's error; a query's error is only logged (the server
// answers unknown statements with an ERROR token).
func goMSSQL(t *testing.T, port int, user, pass, encrypt string, queries ...string) error {
	t.Helper()
	q := url.Values{}
	q.Set("database", "sales")
	q.Set("encrypt", encrypt)
	q.Set("TrustServerCertificate", "true")
	q.Set("app name", "tdstrace-test")
	q.Set("workstation id", "WS-TRACE")
	q.Set("dial timeout", "5")
	q.Set("connection timeout", "10")
	u := url.URL{Scheme: "sqlserver", User: url.UserPassword(user, pass), Host: "127.0.0.1:" + strconv.Itoa(port), RawQuery: q.Encode()}
	db, err := sql.Open("sqlserver", u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	for _, s := range queries {
		rows, err := conn.QueryContext(ctx, s)
		if err != nil {
			t.Logf("query %.40q: %v", s, err)
			continue
		}
		for rows.Next() {
		}
		rows.Close()
	}
	return nil
}

// trace runs tdstrace on a capture file and returns its output.
func trace(t *testing.T, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	if code := run(args, strings.NewReader(""), &out, &errb); code != 0 {
		t.Fatalf("tdstrace %v: exit %d: %s", args, code, errb.String())
	}
	return out.String()
}

// summaries reads the conversation records of a -json output.
func summaries(t *testing.T, file string, args ...string) ([]*Summary, []*FrameRecord) {
	t.Helper()
	tr := NewTracer(1433, false)
	if len(args) > 0 {
		p, _ := strconv.Atoi(args[0])
		tr = NewTracer(p, true)
	}
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := tr.Read(f); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w := bufio.NewWriter(&buf)
	tr.WriteText(w)
	w.Flush()
	t.Logf("tdstrace:\n%s", buf.String())
	var ss []*Summary
	for _, c := range tr.tdsConvs() {
		ss = append(ss, c.Summarize())
	}
	var frs []*FrameRecord
	for _, f := range tr.Frames {
		if f.Conv.pdus > 0 {
			frs = append(frs, frameRecord(f))
		}
	}
	return ss, frs
}

func itoa(i int) string { return strconv.Itoa(i) }

func netipMust(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }
