package smp

import (
	"context"
	"fmt"
	"io"
	"net"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
)

// BenchmarkMuxVsTCP runs the same work over N sessions of one Mux and over
// N separate TCP connections, both on loopback TCP: N concurrent streams,
// each sending a request of size bytes and reading an echoed response of
// the same size, over and over. An iteration is one round trip of one
// stream (2 × size bytes), taken from a counter shared by all streams, so
// the streams run until the work is done and each counts what it did:
// min/mean is the slowest stream's count over the mean count (1 is
// perfectly fair), ops/stream the mean count (min/mean is only meaningful
// when that is well above 1). Compare with benchstat -col /transport.
func BenchmarkMuxVsTCP(b *testing.B) {
	for _, size := range []int{4 << 10, 64 << 10} {
		for _, n := range []int{1, 10, 100, 1000} {
			for _, tr := range []string{"smp", "tcp", "shared"} {
				b.Run(fmt.Sprintf("size=%dKiB/streams=%d/transport=%s", size>>10, n, tr), func(b *testing.B) {
					streams := openStreams(b, tr, n, func(rw io.ReadWriter) { echo(rw, size) })
					runStreams(b, streams, size)
				})
			}
		}
	}
}

// BenchmarkIdleSession reports the memory one idle stream costs, both
// ends together, as B/stream: 1,000 SMP sessions opened and accepted on
// one Mux pair, or 1,000 loopback TCP connections dialed and accepted,
// nothing sent, no goroutine per stream. It counts the Go heap and stacks
// after a GC; a TCP connection's kernel socket structures are not
// included. An iteration opens and closes the 1,000 streams.
func BenchmarkIdleSession(b *testing.B) {
	const n = 1000
	for _, tr := range []string{"smp", "tcp"} {
		b.Run("transport="+tr, func(b *testing.B) {
			var perStream float64
			for range b.N {
				before := liveBytes()
				closeAll := openIdle(b, tr, n)
				perStream = float64(liveBytes()-before) / n
				closeAll()
			}
			b.ReportMetric(perStream, "B/stream")
		})
	}
}

// liveBytes is the heap in use plus goroutine stacks, after a GC.
func liveBytes() int64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc + ms.StackInuse)
}

// echo reads requests of size bytes from rw and writes each back, until
// rw fails or ends.
func echo(rw io.ReadWriter, size int) {
	buf := make([]byte, size)
	for {
		if _, err := io.ReadFull(rw, buf); err != nil {
			return
		}
		if _, err := rw.Write(buf); err != nil {
			return
		}
	}
}

// loopback returns both ends of one loopback TCP connection.
func loopback(tb testing.TB, l net.Listener) (client, server net.Conn) {
	tb.Helper()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			tb.Error(err)
		}
		accepted <- c
	}()
	client, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		tb.Fatal(err)
	}
	server = <-accepted
	if server == nil {
		tb.FailNow()
	}
	return client, server
}

// openStreams opens n streams over transport "smp" (sessions of one Mux
// pair on one loopback TCP connection) or "tcp" (n loopback TCP
// connections) and runs serve on the server end of each in its own
// goroutine. It returns the client ends; cleanup closes everything and
// waits for the goroutines.
func openStreams(b *testing.B, transport string, n int, serve func(io.ReadWriter)) []io.ReadWriter {
	b.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	var wg sync.WaitGroup
	var closers []io.Closer
	b.Cleanup(func() {
		for _, c := range slices.Backward(closers) {
			c.Close()
		}
		l.Close()
		wg.Wait()
	})
	streams := make([]io.ReadWriter, n)
	switch transport {
	case "tcp":
		for i := range streams {
			c, s := loopback(b, l)
			closers = append(closers, c, s)
			streams[i] = c
			wg.Add(1)
			go func() { defer wg.Done(); serve(s) }()
		}
	case "smp":
		c, s := loopback(b, l)
		cfg := &Config{MaxSessions: n}
		client, server := NewClient(c, cfg), NewServer(s, cfg)
		closers = append(closers, server, client)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range n {
				ss, err := server.Accept(context.Background())
				if err != nil {
					return
				}
				wg.Add(1)
				go func() { defer wg.Done(); serve(ss) }()
			}
		}()
		for i := range streams {
			cs, err := client.Open(context.Background())
			if err != nil {
				b.Fatal(err)
			}
			streams[i] = cs
		}
	case "shared":
		c, s := loopback(b, l)
		closers = append(closers, c, s)
		client, server := newSharedConn(c), newSharedConn(s)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range n {
				var ss *sharedStream
				select {
				case ss = <-server.accept:
				case <-server.done:
					return
				}
				wg.Add(1)
				go func() { defer wg.Done(); serve(ss) }()
			}
		}()
		for i := range streams {
			streams[i] = client.stream(uint32(i), false)
		}
	default:
		b.Fatalf("unknown transport %q", transport)
	}
	return streams
}

// openIdle opens n idle streams as openStreams does, without a goroutine
// per stream, and returns a function that closes them.
func openIdle(b *testing.B, transport string, n int) func() {
	b.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	var closers []io.Closer
	switch transport {
	case "tcp":
		for range n {
			c, s := loopback(b, l)
			closers = append(closers, c, s)
		}
	case "smp":
		c, s := loopback(b, l)
		cfg := &Config{MaxSessions: n}
		client, server := NewClient(c, cfg), NewServer(s, cfg)
		closers = append(closers, server, client)
		accepted := make(chan error, 1)
		go func() {
			for range n {
				if _, err := server.Accept(context.Background()); err != nil {
					accepted <- err
					return
				}
			}
			accepted <- nil
		}()
		for range n {
			if _, err := client.Open(context.Background()); err != nil {
				b.Fatal(err)
			}
		}
		if err := <-accepted; err != nil {
			b.Fatal(err)
		}
	default:
		b.Fatalf("unknown transport %q", transport)
	}
	return func() {
		for _, c := range closers {
			c.Close()
		}
	}
}

// runStreams times b.N round trips of size bytes shared among streams, each
// stream in its own goroutine, and reports min/mean and ops/stream.
func runStreams(b *testing.B, streams []io.ReadWriter, size int) {
	var left atomic.Int64
	left.Store(int64(b.N))
	counts := make([]int64, len(streams))
	var wg sync.WaitGroup
	b.ReportAllocs()
	b.SetBytes(int64(2 * size))
	b.ResetTimer()
	for i, rw := range streams {
		wg.Add(1)
		go func() {
			defer wg.Done()
			msg := make([]byte, size)
			buf := make([]byte, size)
			msg[0], msg[size-1] = byte(i), byte(i>>8)
			for left.Add(-1) >= 0 {
				if _, err := rw.Write(msg); err != nil {
					b.Error(err)
					return
				}
				if _, err := io.ReadFull(rw, buf); err != nil {
					b.Error(err)
					return
				}
				if buf[0] != msg[0] || buf[size-1] != msg[size-1] {
					b.Errorf("stream %d: the response is not this stream's request", i)
					return
				}
				counts[i]++
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	var sum int64
	for _, c := range counts {
		sum += c
	}
	mean := float64(sum) / float64(len(counts))
	if mean > 0 {
		b.ReportMetric(float64(slices.Min(counts))/mean, "min/mean")
	}
	b.ReportMetric(mean, "ops/stream")
}
