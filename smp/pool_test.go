package smp

import "testing"

// TestPoolDepth checks the spare-buffer limit: poolDepth at least, a
// larger depth while many sessions are open, trimmed back when they go.
func TestPoolDepth(t *testing.T) {
	p := newBufPool(DefaultMaxDataLength)
	spares := func() int {
		p.mu.Lock()
		defer p.mu.Unlock()
		return len(p.classes[classOf(DefaultMaxDataLength)])
	}
	fill := func(n int) {
		bufs := make([][]byte, n)
		for i := range bufs {
			bufs[i] = p.get(DefaultMaxDataLength)
		}
		for _, b := range bufs {
			p.put(b)
		}
	}
	fill(100)
	if got := spares(); got != poolDepth {
		t.Errorf("default depth: %d spares, want %d", got, poolDepth)
	}
	p.setDepth(400) // 100 sessions with a window of 4
	fill(300)
	if got := spares(); got != 300 {
		t.Errorf("depth 400: %d spares after 300 returned, want 300", got)
	}
	p.setDepth(8) // below poolDepth: raised to it, the rest dropped
	if got := spares(); got != poolDepth {
		t.Errorf("depth back to the minimum: %d spares, want %d", got, poolDepth)
	}
	fill(100)
	if got := spares(); got != poolDepth {
		t.Errorf("after the trim: %d spares, want %d", got, poolDepth)
	}
}
