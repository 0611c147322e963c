package smp

import (
	"math/bits"
	"sync"
)

// bufPool recycles the buffers that hold received DATA fields between the
// reader goroutine and Session.Read. Buffers come in power-of-two size
// classes from 512 bytes up, so a packet never pins a buffer much larger
// than itself. Each class keeps at most depth spare buffers: poolDepth,
// or a window per open session when that is more (the Mux sets it as
// sessions come and go), so that many sessions streaming at once reuse
// their buffers instead of allocating one per packet. Spares never
// outnumber the buffers those sessions could hold unread at once. The
// pool belongs to one Mux (no package-level state).
type bufPool struct {
	mu      sync.Mutex
	classes [][][]byte
	depth   int
}

const (
	poolMinShift = 9 // smallest class: 512 bytes
	poolDepth    = 64
)

func classOf(n int) int {
	if n <= 1<<poolMinShift {
		return 0
	}
	return bits.Len(uint(n-1)) - poolMinShift
}

func newBufPool(maxLen int) *bufPool {
	return &bufPool{classes: make([][][]byte, classOf(maxLen)+1), depth: poolDepth}
}

// setDepth sets the spare buffers kept per class to n, at least
// poolDepth, dropping spares beyond it.
func (p *bufPool) setDepth(n int) {
	n = max(n, poolDepth)
	p.mu.Lock()
	p.depth = n
	for c, l := range p.classes {
		if len(l) > n {
			clear(l[n:])
			p.classes[c] = l[:n]
		}
	}
	p.mu.Unlock()
}

// get returns a buffer of length n. n is at most the Mux's MaxDataLength,
// which bounds what one packet can make the Mux allocate.
func (p *bufPool) get(n int) []byte {
	c := classOf(n)
	p.mu.Lock()
	if l := len(p.classes[c]); l > 0 {
		b := p.classes[c][l-1]
		p.classes[c] = p.classes[c][:l-1]
		p.mu.Unlock()
		return b[:n]
	}
	p.mu.Unlock()
	return make([]byte, n, 1<<(c+poolMinShift))
}

// put returns b to its class; buffers of foreign sizes are dropped.
func (p *bufPool) put(b []byte) {
	if cap(b) == 0 {
		return
	}
	c := classOf(cap(b))
	if c >= len(p.classes) || cap(b) != 1<<(c+poolMinShift) {
		return
	}
	p.mu.Lock()
	if len(p.classes[c]) < p.depth {
		p.classes[c] = append(p.classes[c], b[:0])
	}
	p.mu.Unlock()
}
