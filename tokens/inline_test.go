package tokens

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"testing"
)

// TestInline pins that Scanner.Next and Scanner.Done stay small enough
// for the compiler to inline them into their callers (the fast paths for
// DONE tokens depend on it; see BenchmarkDoneStream). It builds this
// package with -gcflags=-m and reads the compiler's decisions, so a change
// that pushes either over the inlining budget fails here instead of
// silently slowing every scan loop.
func TestInline(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the package with the go tool; skipped with -short")
	}
	gotool := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := exec.LookPath(gotool); err != nil {
		if gotool, err = exec.LookPath("go"); err != nil {
			t.Skip("no go tool to build with: ", err)
		}
	}
	out, err := exec.Command(gotool, "build", "-gcflags=-m", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build -gcflags=-m: %v\n%s", err, out)
	}
	fns := []string{`\(\*Scanner\)\.Next`, `nextFast`}
	if mergedLoads[runtime.GOARCH] {
		// done_merged.go: Done and its body inline. Elsewhere
		// (done_bytewise.go) Done is an ordinary call, and
		// TestZeroAllocs checks that its d stays on the stack.
		fns = append(fns, `\(\*Scanner\)\.Done`, `doneFast`)
	}
	for _, fn := range fns {
		re := regexp.MustCompile(`(?m)^\S+: can inline ` + fn + `( |$)`)
		if !re.Match(out) {
			t.Errorf("%s is no longer inlinable; compiler output:\n%s", fn, grepLines(out, fn))
		}
	}
}

// mergedLoads is the build constraint of done_merged.go: the
// architectures whose compiler merges encoding/binary's byte loads.
var mergedLoads = map[string]bool{
	"386": true, "amd64": true, "arm64": true, "loong64": true,
	"ppc64": true, "ppc64le": true, "s390x": true,
}

// grepLines returns the lines of out that mention pattern.
func grepLines(out []byte, pattern string) []byte {
	re := regexp.MustCompile(`(?m)^.*` + pattern + `.*$`)
	var b []byte
	for _, l := range re.FindAll(out, -1) {
		b = append(append(b, l...), '\n')
	}
	return b
}
