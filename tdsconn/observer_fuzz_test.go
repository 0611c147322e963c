package tdsconn

import (
	"encoding/binary"
	"path/filepath"
	"strings"
	"testing"
)

// encodeScript writes chunks as the fuzz target reads them: a direction
// byte (its low bit), a little-endian uint16 length, the bytes.
func encodeScript(chunks []chunk) []byte {
	var b []byte
	for _, c := range chunks {
		for len(c.b) > 0 {
			n := min(len(c.b), 0xffff)
			b = append(b, byte(c.dir))
			b = binary.LittleEndian.AppendUint16(b, uint16(n))
			b = append(b, c.b[:n]...)
			c.b = c.b[n:]
		}
	}
	return b
}

func decodeScript(b []byte) []chunk {
	var out []chunk
	for len(b) >= 3 {
		d := Direction(b[0] & 1)
		n := int(binary.LittleEndian.Uint16(b[1:]))
		b = b[3:]
		n = min(n, len(b))
		out = append(out, chunk{d, b[:n]})
		b = b[n:]
	}
	return out
}

// run feeds chunks cut by split and returns the events described and
// the errors, checking the Observer's invariants on the way.
func fuzzRun(t *testing.T, chunks []chunk, split func([]byte) [][]byte, maxMsg int) []string {
	var o Observer
	o.SetMaxMessageSize(maxMsg)
	var got []string
	var next [2]int64
	for _, c := range chunks {
		for _, piece := range split(c.b) {
			for ev, err := range o.Events(c.dir, piece) {
				if err != nil {
					if o.Err(c.dir) != err {
						t.Fatalf("Err(%v) = %v, Next returned %v", c.dir, o.Err(c.dir), err)
					}
					got = append(got, "error "+err.Error())
					continue
				}
				if ev.Dir != c.dir || ev.Len <= 0 || ev.Offset < next[c.dir] && !ev.InSMP {
					t.Fatalf("event %+v: direction, length or offset wrong (next offset %d)", ev, next[c.dir])
				}
				if !ev.InSMP {
					next[c.dir] = ev.Offset + int64(ev.Len)
				}
				if len(ev.Payload) > maxMsg {
					t.Fatalf("payload of %d bytes past the %d limit", len(ev.Payload), maxMsg)
				}
				got = append(got, describe(ev))
			}
			for _, d := range []Direction{ClientToServer, ServerToClient} {
				if n := o.Buffered(d); n > 3*maxMsg+3*(1<<16) {
					t.Fatalf("Buffered(%v) = %d with a %d limit", d, n, maxMsg)
				}
			}
		}
	}
	_ = o.Encryption()
	_ = o.Phase()
	return got
}

// FuzzObserver feeds hostile bytes in both directions. Seeds: the
// hand-written conversations of testdata and the PRELOGIN, LOGIN7 and
// MARS vectors they are made of. It checks that nothing panics, that
// memory stays within the bound, and that how the bytes are cut does
// not change what the Observer says.
func FuzzObserver(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.conv"))
	for _, file := range files {
		chunks := readConv(f, filepath.Base(file))
		f.Add(encodeScript(chunks))
		for i := range chunks { // each message alone, from either side
			f.Add(encodeScript(chunks[i : i+1]))
			f.Add(encodeScript([]chunk{{1 - chunks[i].dir, chunks[i].b}}))
		}
	}
	f.Fuzz(func(t *testing.T, script []byte) {
		chunks := decodeScript(script)
		for _, maxMsg := range []int{300, 1 << 20} {
			a := fuzzRun(t, chunks, whole, maxMsg)
			b := fuzzRun(t, chunks, bytewise, maxMsg)
			if strings.Join(a, "\n") != strings.Join(b, "\n") {
				t.Fatalf("max %d: fed whole:\n%s\nfed a byte at a time:\n%s", maxMsg, strings.Join(a, "\n"), strings.Join(b, "\n"))
			}
		}
	})
}
