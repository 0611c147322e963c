package bench

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/tdswire/tdswire/examples/internal/peer"
)

// traceSessions is the number of sessions in the capture BenchmarkTrace
// dissects first; the synthetic one has scaleSessions.
const (
	traceSessions = 1000
	scaleSessions = 100_000
)

// BenchmarkTrace times whole processes on the same capture, in one run:
// examples/tdstrace printing its trace, against tshark -V printing its
// full dissection, both writing to /dev/null. sessions=1000 is a capture
// of 1,000 go-mssqldb sessions (login, SELECT * FROM sample, close; 12
// frames each); sessions=100000 (not with -short) is a synthetic capture
// of 100,000 sessions, 10 recorded ones repeated on new addresses
// (WriteSessions; 166 MB), written to a temporary directory. peak-MB is
// the peak RSS of the tool's process in one more run (peakRSS). Before
// timing, each tool's output of the 1,000-session capture is checked to
// show all 1,000 LOGIN7 messages, and tdstrace's of the large one all
// 100,000.
func BenchmarkTrace(b *testing.B) {
	tshark := peer.TShark(b)
	dir := b.TempDir()
	capture, err := CaptureSessions(testContext(b), traceSessions)
	if err != nil {
		b.Fatal(err)
	}
	file := filepath.Join(dir, "sessions.pcap")
	if err := os.WriteFile(file, capture, 0o644); err != nil {
		b.Fatal(err)
	}
	tdstrace := filepath.Join(dir, "tdstrace")
	if out, err := exec.Command("go", "build", "-o", tdstrace, "../tdstrace").CombinedOutput(); err != nil {
		b.Fatalf("go build tdstrace: %v\n%s", err, out)
	}
	type tool struct {
		name  string
		argv  []string
		login []byte // what the tool prints once per LOGIN7
	}
	tools := func(file string) []tool {
		return []tool{
			{"tdstrace", []string{tdstrace, file}, []byte("TDS:Login7,")},
			{"tshark", []string{tshark, "-V", "-r", file}, []byte("Type: TDS7 login")},
		}
	}
	check := func(t tool, want int) {
		out, err := exec.Command(t.argv[0], t.argv[1:]...).Output()
		if err != nil {
			b.Fatalf("%s: %v", t.name, err)
		}
		if n := bytes.Count(out, t.login); n != want {
			b.Fatalf("%s shows %d LOGIN7 messages, want %d", t.name, n, want)
		}
	}
	for _, t := range tools(file) {
		check(t, traceSessions)
	}
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer devnull.Close()
	run := func(sessions int, file string, size int64) {
		for _, t := range tools(file) {
			b.Run("sessions="+strconv.Itoa(sessions)+"/tool="+t.name, func(b *testing.B) {
				b.SetBytes(size)
				for b.Loop() {
					cmd := exec.Command(t.argv[0], t.argv[1:]...)
					cmd.Stdout = devnull
					if err := cmd.Run(); err != nil {
						b.Fatal(err)
					}
				}
				if mb, ok := peakRSS(b, t.argv, devnull); ok {
					b.ReportMetric(mb, "peak-MB")
				}
			})
		}
	}
	run(traceSessions, file, int64(len(capture)))
	if testing.Short() {
		return
	}
	big := filepath.Join(dir, "scale.pcap")
	f, err := os.Create(big)
	if err != nil {
		b.Fatal(err)
	}
	if err := WriteSessions(testContext(b), f, scaleSessions, 10); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	check(tools(big)[0], scaleSessions)
	st, err := os.Stat(big)
	if err != nil {
		b.Fatal(err)
	}
	run(scaleSessions, big, st.Size())
}

// peakRSS runs argv once more under /usr/bin/time and returns the peak
// resident set of its process in MB, or false when /usr/bin/time is
// missing. The rusage of a child started from the benchmark itself would
// not do: Linux counts the memory of the parent it was forked from, up
// to its exec, in the child's maxrss.
func peakRSS(b *testing.B, argv []string, stdout *os.File) (float64, bool) {
	if _, err := os.Stat("/usr/bin/time"); err != nil {
		return 0, false
	}
	out := filepath.Join(b.TempDir(), "rss")
	cmd := exec.Command("/usr/bin/time", append([]string{"-f", "%M", "-o", out}, argv...)...)
	cmd.Stdout = stdout
	if err := cmd.Run(); err != nil {
		b.Fatal(err)
	}
	text, err := os.ReadFile(out)
	if err != nil {
		b.Fatal(err)
	}
	kb, err := strconv.Atoi(strings.TrimSpace(string(text)))
	if err != nil {
		b.Fatalf("/usr/bin/time wrote %q", text)
	}
	return float64(kb) / 1024, true
}
