package smp

import (
	"bufio"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"sync"
)

// The "shared" transport of BenchmarkMuxVsTCP is the bound any
// multiplexer over one socket works under, with none of SMP's work: N
// streams share one loopback TCP connection, each Write sends one frame
// (a 4-byte stream number and a 4-byte length, then the bytes) under a
// mutex with one writev, and one goroutine per end reads the frames and
// reads each payload straight into the buffer its stream's Read is
// waiting with, so no byte is copied in user space beyond what bufio
// read ahead with a header. There are no windows, no acknowledgements
// and no deadlines. It serves only the benchmark's pattern: each stream
// reads whole frames, and Read is called before the frame's payload is
// needed (the reader waits for it).

// sharedConn is one end of the shared connection.
type sharedConn struct {
	conn    net.Conn
	wmu     sync.Mutex
	streams map[uint32]*sharedStream
	mu      sync.Mutex // guards streams
	accept  chan *sharedStream
	done    chan struct{}
}

// sharedStream is one stream of a sharedConn.
type sharedStream struct {
	c    *sharedConn
	id   uint32
	hdr  [8]byte
	vec  net.Buffers
	want chan []byte // Read's buffer, for the reader
	got  chan int    // what the reader put into it; -1: the connection ended
	left int         // bytes of the current frame not yet read
}

func newSharedConn(conn net.Conn) *sharedConn {
	c := &sharedConn{conn: conn, streams: make(map[uint32]*sharedStream), accept: make(chan *sharedStream, 1024), done: make(chan struct{})}
	go c.readLoop()
	return c
}

// stream returns stream id, making it (and, on the serving end, handing
// it to accept) if new.
func (c *sharedConn) stream(id uint32, announce bool) *sharedStream {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.streams[id]
	if s == nil {
		s = &sharedStream{c: c, id: id, want: make(chan []byte, 1), got: make(chan int, 1)}
		c.streams[id] = s
		if announce {
			c.accept <- s
		}
	}
	return s
}

func (c *sharedConn) readLoop() {
	defer close(c.done)
	r := bufio.NewReaderSize(c.conn, readBufSize) // as the Mux reads
	var hb [8]byte
	for {
		if _, err := io.ReadFull(r, hb[:]); err != nil {
			return
		}
		s := c.stream(binary.LittleEndian.Uint32(hb[:]), true)
		left := int(binary.LittleEndian.Uint32(hb[4:]))
		for left > 0 {
			var p []byte
			select {
			case p = <-s.want:
			case <-c.done:
				return
			}
			p = p[:min(len(p), left)]
			if _, err := io.ReadFull(r, p); err != nil {
				s.got <- -1
				return
			}
			left -= len(p)
			s.got <- len(p)
		}
	}
}

func (s *sharedStream) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	select {
	case s.want <- p:
	case <-s.c.done:
		return 0, io.EOF
	}
	select {
	case n := <-s.got:
		if n < 0 {
			return 0, io.ErrUnexpectedEOF
		}
		return n, nil
	case <-s.c.done:
		return 0, io.EOF
	}
}

func (s *sharedStream) Write(p []byte) (int, error) {
	if uint64(len(p)) > 1<<31 {
		return 0, errors.New("shared stream: frame too long")
	}
	s.c.wmu.Lock()
	defer s.c.wmu.Unlock()
	binary.LittleEndian.PutUint32(s.hdr[:], s.id)
	binary.LittleEndian.PutUint32(s.hdr[4:], uint32(len(p)))
	s.vec = append(s.vec[:0], s.hdr[:], p)
	if _, err := s.vec.WriteTo(s.c.conn); err != nil {
		return 0, err
	}
	return len(p), nil
}
