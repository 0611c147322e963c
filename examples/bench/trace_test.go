package bench

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/tdswire/tdswire/examples/internal/peer"
)

// traceSessions is the number of sessions in the capture BenchmarkTrace
// dissects.
const traceSessions = 1000

// BenchmarkTrace times whole processes on the same capture of 1,000
// go-mssqldb sessions (login, SELECT * FROM sample, 9 frames each), in one
// run: examples/tdstrace printing its trace, against tshark -V printing
// its full dissection. Both write to /dev/null. Before timing, each tool's
// output is checked to show all 1,000 LOGIN7 messages.
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
	tools := []struct {
		name  string
		argv  []string
		login []byte // what the tool prints once per LOGIN7
	}{
		{"tdstrace", []string{tdstrace, file}, []byte("TDS:Login7,")},
		{"tshark", []string{tshark, "-V", "-r", file}, []byte("Type: TDS7 login")},
	}
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer devnull.Close()
	for _, tool := range tools {
		out, err := exec.Command(tool.argv[0], tool.argv[1:]...).Output()
		if err != nil {
			b.Fatalf("%s: %v", tool.name, err)
		}
		if n := bytes.Count(out, tool.login); n != traceSessions {
			b.Fatalf("%s shows %d LOGIN7 messages, want %d", tool.name, n, traceSessions)
		}
	}
	for _, tool := range tools {
		b.Run("tool="+tool.name, func(b *testing.B) {
			b.SetBytes(int64(len(capture)))
			for b.Loop() {
				cmd := exec.Command(tool.argv[0], tool.argv[1:]...)
				cmd.Stdout = devnull
				if err := cmd.Run(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
