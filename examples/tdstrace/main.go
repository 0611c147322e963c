package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
)

func main() {
	// A less eager collector than the default: on the 1,000-login
	// capture of BENCHMARKS.md 400 measured faster than 100, 200, 800
	// and off. The memory limit makes it eager again before the heap
	// passes 40 MiB: a streaming trace holds only its open conversations
	// (closed ones are spooled, see spool.go), a few MiB however large
	// the capture, and the limit keeps the garbage that GC percent 400
	// lets pile up from taking the process above 64 MB.
	debug.SetGCPercent(400)
	debug.SetMemoryLimit(40 << 20)
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run is the whole program, with its streams as arguments for the tests.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("tdstrace", flag.ContinueOnError)
	fs.SetOutput(stderr)
	jsonOut := fs.Bool("json", false, "write JSON records (one object per line) instead of text")
	port := fs.Int("port", 1433, "the server's TCP port")
	hexMode := fs.Bool("hex", false, "decode one message given as hex on standard input")
	from := fs.String("from", "", "with -hex: who sent the message, client or server (default: from the packet type)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: tdstrace [-json] [-port 1433] capture.pcap")
		fmt.Fprintln(stderr, "       tdstrace -hex [-from client|server] < message.hex")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	portSet := false
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "port" {
			portSet = true
		}
	})
	w := bufio.NewWriterSize(stdout, 64<<10)
	defer w.Flush()

	if *hexMode {
		var fc *bool
		switch *from {
		case "":
		case "client", "server":
			v := *from == "client"
			fc = &v
		default:
			fmt.Fprintf(stderr, "tdstrace: -from must be client or server, not %q\n", *from)
			return 2
		}
		b, err := parseHex(stdin)
		if err != nil {
			fmt.Fprintf(stderr, "tdstrace: %v\n", err)
			return 1
		}
		if err := decodeHex(w, b, fc); err != nil {
			w.Flush()
			fmt.Fprintf(stderr, "tdstrace: %v\n", err)
			return 1
		}
		return 0
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return 2
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		fmt.Fprintf(stderr, "tdstrace: %v\n", err)
		return 1
	}
	defer f.Close()
	t := NewStreamTracer(*port, portSet, w, *jsonOut)
	if err := t.Read(f); err != nil {
		fmt.Fprintf(stderr, "tdstrace: %s: %v\n", fs.Arg(0), err)
		return 1
	}
	if err := t.Finish(); err != nil {
		fmt.Fprintf(stderr, "tdstrace: %v\n", err)
		return 1
	}
	return 0
}
