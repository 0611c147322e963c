package peer_test

import (
	"context"
	"fmt"
	"os/exec"
	"time"

	"github.com/tdswire/tdswire/examples/internal/peer"
)

// Run a peer process with a bounded time and collect what it printed. In a
// test, find the peer with a finder such as peer.TSQL(t) first, which
// skips (or, with TDSWIRE_REQUIRE_PEERS=1, fails) when it is missing.
func ExampleRun() {
	sh, err := exec.LookPath("sh")
	if err != nil {
		fmt.Println(err)
		return
	}
	r := peer.Run(context.Background(), peer.Cmd{
		Path:    sh,
		Args:    []string{"-c", "echo connected to $TDSHOST"},
		Env:     []string{"TDSHOST=127.0.0.1"},
		Timeout: 10 * time.Second,
	})
	fmt.Printf("%s(err %v, timed out %v)\n", r.Stdout, r.Err, r.TimedOut)
	// Output:
	// connected to 127.0.0.1
	// (err <nil>, timed out false)
}
