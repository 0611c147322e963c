package main

import (
	"bufio"
	"encoding/json"
	"net/netip"
	"os"
)

// A streaming Tracer retires each conversation once the connection has
// closed and its last frame is written: its explanation (text or JSON
// record) is written to a spool file right away, and the Conv, with
// everything it decoded, is dropped. Finish copies the spooled
// explanations out in conversation order, among those of the
// conversations still open, so that the output is the same as when every
// Conv is kept; memory follows the open conversations, not the capture
// (an index entry of 12 bytes per conversation excepted).
type spool struct {
	f   *os.File // unlinked temporary file, nil until the first retire
	w   *bufio.Writer
	enc *json.Encoder
	off int64     // bytes written to f
	at  []spooled // by Conv.ID-1
	buf []byte    // copySpooled's, reused
	err error
}

// spooled locates one conversation's explanation in the spool file.
type spooled struct {
	off int64
	n   int32
}

// fileCounter writes to the spool file, counting the bytes.
type fileCounter struct{ s *spool }

func (c fileCounter) Write(p []byte) (int, error) {
	n, err := c.s.f.Write(p)
	c.s.off += int64(n)
	return n, err
}

// pos is the spool offset of the next byte written to w.
func (sp *spool) pos() int64 { return sp.off + int64(sp.w.Buffered()) }

// over reports whether f, just written, is the last frame c can expect: a
// reset, or the ACK of the second FIN by the other end. Frames after it
// (retransmissions) would start a new conversation.
func (c *Conv) over(f *Frame) bool {
	if c.rst[0] != nil || c.rst[1] != nil {
		return true
	}
	if c.fin[0] == nil || c.fin[1] == nil {
		return false
	}
	last := c.fin[0]
	if c.fin[1].Number > last.Number {
		last = c.fin[1]
	}
	return f.Number > last.Number && f.Side != last.Side && f.Flags&tcpACK != 0
}

// retire writes the explanation of c, a closed conversation whose frames
// are all written, to the spool and forgets c.
func (t *Tracer) retire(c *Conv) {
	if c.retired {
		return
	}
	c.retired = true
	key := [2]netip.AddrPort{c.Addr[0], c.Addr[1]}
	if c.Addr[1].Compare(c.Addr[0]) < 0 {
		key = [2]netip.AddrPort{c.Addr[1], c.Addr[0]}
	}
	if t.byKey[key] == c {
		delete(t.byKey, key)
	}
	t.Convs[c.ID-1] = nil
	if c.pdus == 0 {
		return // not TDS: no explanation
	}
	sp := &t.spool
	if sp.err != nil {
		t.err = sp.err
		return
	}
	if sp.f == nil {
		f, err := os.CreateTemp("", "tdstrace-spool-*")
		if err != nil {
			t.err, sp.err = err, err
			return
		}
		os.Remove(f.Name()) // the open file lives on, and goes with the process
		sp.f = f
		sp.w = bufio.NewWriterSize(fileCounter{sp}, 64<<10)
	}
	start := sp.pos()
	s := &t.sum
	c.summarize(s, t.json)
	if t.json {
		if sp.enc == nil {
			sp.enc = json.NewEncoder(sp.w)
		}
		sp.err = sp.enc.Encode(s)
	} else {
		sp.w.WriteByte('\n')
		t.line = writeSummary(sp.w, s, t.line)
	}
	if sp.err != nil {
		t.err = sp.err
		return
	}
	for len(sp.at) < c.ID {
		sp.at = append(sp.at, spooled{})
	}
	sp.at[c.ID-1] = spooled{off: start, n: int32(sp.pos() - start)}
}

// copySpooled writes the spooled explanation of the conversation at index
// i of Convs to t.out, reporting whether there was one.
func (t *Tracer) copySpooled(i int) bool {
	sp := &t.spool
	if i >= len(sp.at) || sp.at[i].n == 0 || t.err != nil {
		return false
	}
	if sp.w.Buffered() > 0 {
		if t.err = sp.w.Flush(); t.err != nil {
			return true
		}
	}
	if n := int(sp.at[i].n); cap(sp.buf) < n {
		sp.buf = make([]byte, n)
	}
	b := sp.buf[:sp.at[i].n]
	if _, t.err = sp.f.ReadAt(b, sp.at[i].off); t.err == nil {
		_, t.err = t.out.Write(b)
	}
	return true
}

// closeSpool releases the spool file.
func (t *Tracer) closeSpool() {
	if t.spool.f != nil {
		t.spool.f.Close()
		t.spool = spool{}
	}
}
