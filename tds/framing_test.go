package tds_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tds/tdstest"
)

// seq600 is the payload of testdata/stream-sqlbatch-600-in-512.hex: byte i
// is i mod 256.
func seqBytes(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

func newWriter(t testing.TB, w io.Writer, size int) *tds.Writer {
	t.Helper()
	tw, err := tds.NewWriter(w, size)
	if err != nil {
		t.Fatalf("NewWriter(%d): %v", size, err)
	}
	return tw
}

func TestWriterGoldenSplit(t *testing.T) {
	want := tdstest.ReadHex(t, "testdata/stream-sqlbatch-600-in-512.hex")
	if len(want) != 512+104 {
		t.Fatalf("golden stream has %d bytes, want 616", len(want))
	}
	payload := seqBytes(600)

	var buf bytes.Buffer
	w := newWriter(t, &buf, 512)
	if err := w.WriteMessage(tds.PacketSQLBatch, 0, payload); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Fatalf("WriteMessage wrote\n% x\nwant\n% x", buf.Bytes(), want)
	}

	// The streaming form gives the same bytes whatever the chunking.
	for _, chunk := range []int{1, 7, 503, 504, 505, 600} {
		buf.Reset()
		if err := w.BeginMessage(tds.PacketSQLBatch, 0); err != nil {
			t.Fatal(err)
		}
		for p := payload; len(p) > 0; {
			k := min(chunk, len(p))
			if n, err := w.Write(p[:k]); err != nil || n != k {
				t.Fatalf("Write = %d, %v", n, err)
			}
			p = p[k:]
		}
		if err := w.EndMessage(); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(buf.Bytes(), want) {
			t.Fatalf("chunk %d: streamed bytes differ from the golden stream", chunk)
		}
	}
}

func TestWriterGoldenSpecMessages(t *testing.T) {
	for _, c := range []struct {
		file string
		typ  tds.PacketType
	}{
		{"msg-prelogin-request.hex", tds.PacketPrelogin},
		{"msg-sqlbatch.hex", tds.PacketSQLBatch},
		{"header-attention.hex", tds.PacketAttention},
	} {
		want := tdstest.ReadHex(t, "testdata/"+c.file)
		var buf bytes.Buffer
		w := newWriter(t, &buf, tds.DefaultPacketSize)
		if err := w.WriteMessage(c.typ, 0, want[tds.HeaderLen:]); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(buf.Bytes(), want) {
			t.Errorf("%s: wrote\n% x\nwant\n% x", c.file, buf.Bytes(), want)
		}
	}
}

// TestWriterServerFrame238 writes the header of trace frame 238 with the
// settings a server uses: its SPID (0 before login) and PacketID from 0.
func TestWriterServerFrame238(t *testing.T) {
	want := tdstest.ReadHex(t, "testdata/header-response-sspi-frame238.hex")
	var buf bytes.Buffer
	w := newWriter(t, &buf, tds.DefaultPacketSize)
	w.SetFirstPacketID(0)
	if err := w.WriteMessage(tds.PacketResponse, 0, make([]byte, 196-8)); err != nil {
		t.Fatal(err)
	}
	if got := buf.Bytes()[:tds.HeaderLen]; !bytes.Equal(got, want) {
		t.Fatalf("header % x, want % x", got, want)
	}
	buf.Reset()
	w.SetSPID(315)
	w.SetFirstPacketID(tds.FirstPacketID)
	if err := w.WriteMessage(tds.PacketResponse, 0, make([]byte, 353-8)); err != nil {
		t.Fatal(err)
	}
	if got, want := buf.Bytes()[:tds.HeaderLen], tdstest.ReadHex(t, "testdata/header-response-spid315.hex"); !bytes.Equal(got, want) {
		t.Fatalf("header % x, want % x", got, want)
	}
}

// packets splits a written stream into its headers, checking that the
// lengths chain up to the end exactly.
func packets(t *testing.T, b []byte) []tds.Header {
	t.Helper()
	var hs []tds.Header
	for len(b) > 0 {
		var h tds.Header
		if err := h.Decode(b); err != nil {
			t.Fatal(err)
		}
		if int(h.Length) > len(b) {
			t.Fatalf("packet Length %d, %d bytes left", h.Length, len(b))
		}
		hs = append(hs, h)
		b = b[h.Length:]
	}
	return hs
}

func TestWriterPacketRules(t *testing.T) {
	for _, c := range []struct {
		size, payload int
		lengths       []uint16
	}{
		{512, 0, []uint16{8}},
		{512, 1, []uint16{9}},
		{512, 504, []uint16{512}},
		{512, 505, []uint16{512, 9}},
		{512, 1008, []uint16{512, 512}},
		{4096, 10000, []uint16{4096, 4096, 8 + 10000 - 2*4088}},
		{32767, 40000, []uint16{32767, 8 + 40000 - 32759}},
	} {
		var buf bytes.Buffer
		w := newWriter(t, &buf, c.size)
		w.SetSPID(96)
		if err := w.WriteMessage(tds.PacketRPC, tds.StatusResetConnection, seqBytes(c.payload)); err != nil {
			t.Fatal(err)
		}
		hs := packets(t, buf.Bytes())
		if len(hs) != len(c.lengths) {
			t.Fatalf("size %d payload %d: %d packets, want %d", c.size, c.payload, len(hs), len(c.lengths))
		}
		for i, h := range hs {
			last := i == len(hs)-1
			wantStatus := tds.Status(0)
			if i == 0 {
				wantStatus |= tds.StatusResetConnection
			}
			if last {
				wantStatus |= tds.StatusEOM
			}
			if h.Type != tds.PacketRPC || h.Length != c.lengths[i] || h.Status != wantStatus ||
				h.SPID != 96 || h.PacketID != uint8(1+i) || h.Window != 0 {
				t.Errorf("size %d payload %d packet %d: %v (window %d), want Length %d Status %v PacketID %d SPID 96",
					c.size, c.payload, i, h, h.Window, c.lengths[i], wantStatus, 1+i)
			}
		}
	}
}

func TestWriterPacketIDWraps(t *testing.T) {
	var buf bytes.Buffer
	w := newWriter(t, &buf, 512)
	const n = 300
	if err := w.WriteMessage(tds.PacketBulkLoad, 0, make([]byte, n*504)); err != nil {
		t.Fatal(err)
	}
	hs := packets(t, buf.Bytes())
	if len(hs) != n {
		t.Fatalf("%d packets, want %d", len(hs), n)
	}
	for i, h := range hs {
		if want := uint8((1 + i) % 256); h.PacketID != want {
			t.Fatalf("packet %d: PacketID %d, want %d", i, h.PacketID, want)
		}
	}
	if hs[254].PacketID != 255 || hs[255].PacketID != 0 || hs[256].PacketID != 1 {
		t.Fatalf("wrap: %d %d %d", hs[254].PacketID, hs[255].PacketID, hs[256].PacketID)
	}
	// The next message starts again at the first PacketID.
	buf.Reset()
	if err := w.WriteMessage(tds.PacketSQLBatch, 0, []byte{1}); err != nil {
		t.Fatal(err)
	}
	if hs := packets(t, buf.Bytes()); hs[0].PacketID != 1 {
		t.Fatalf("next message PacketID %d, want 1", hs[0].PacketID)
	}
}

func TestWriterPacketSizeBounds(t *testing.T) {
	for _, c := range []struct {
		size int
		err  error
	}{
		{0, tds.ErrMalformed}, {-1, tds.ErrMalformed}, {511, tds.ErrMalformed},
		{512, nil}, {4096, nil}, {32767, nil},
		{32768, tds.ErrTooLarge}, {65535, tds.ErrTooLarge}, {1 << 20, tds.ErrTooLarge},
	} {
		_, err := tds.NewWriter(io.Discard, c.size)
		if c.err == nil {
			if err != nil {
				t.Errorf("NewWriter(%d) = %v", c.size, err)
			}
		} else {
			var te *tds.Error
			if !errors.As(err, &te) || !errors.Is(err, c.err) {
				t.Errorf("NewWriter(%d) = %v, want *tds.Error %v", c.size, err, c.err)
			}
		}
		w := newWriter(t, io.Discard, 4096)
		if err := w.SetPacketSize(c.size); (err == nil) != (c.err == nil) || (c.err != nil && !errors.Is(err, c.err)) {
			t.Errorf("SetPacketSize(%d) = %v, want %v", c.size, err, c.err)
		}
		if c.err != nil && w.PacketSize() != 4096 {
			t.Errorf("failed SetPacketSize(%d) changed the size to %d", c.size, w.PacketSize())
		}
	}
}

func TestWriterSetPacketSize(t *testing.T) {
	var buf bytes.Buffer
	w := newWriter(t, &buf, 512)
	if err := w.SetPacketSize(8000); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteMessage(tds.PacketSQLBatch, 0, make([]byte, 9000)); err != nil {
		t.Fatal(err)
	}
	hs := packets(t, buf.Bytes())
	if len(hs) != 2 || hs[0].Length != 8000 || hs[1].Length != 8+9000-7992 {
		t.Fatalf("packets %v", hs)
	}
	if err := w.SetPacketSize(600); err != nil {
		t.Fatal(err)
	}
	buf.Reset()
	if err := w.WriteMessage(tds.PacketSQLBatch, 0, make([]byte, 700)); err != nil {
		t.Fatal(err)
	}
	if hs := packets(t, buf.Bytes()); len(hs) != 2 || hs[0].Length != 600 {
		t.Fatalf("after shrinking: %v", hs)
	}
	if err := w.BeginMessage(tds.PacketSQLBatch, 0); err != nil {
		t.Fatal(err)
	}
	if err := w.SetPacketSize(4096); !errors.Is(err, tds.ErrUnexpected) {
		t.Fatalf("SetPacketSize inside a message = %v, want ErrUnexpected", err)
	}
}

func TestWriterMisuse(t *testing.T) {
	w := newWriter(t, io.Discard, 512)
	if _, err := w.Write([]byte{1}); !errors.Is(err, tds.ErrUnexpected) {
		t.Errorf("Write outside a message = %v", err)
	}
	if err := w.EndMessage(); !errors.Is(err, tds.ErrUnexpected) {
		t.Errorf("EndMessage outside a message = %v", err)
	}
	if err := w.AbortMessage(); !errors.Is(err, tds.ErrUnexpected) {
		t.Errorf("AbortMessage outside a message = %v", err)
	}
	if err := w.BeginMessage(tds.PacketSQLBatch, tds.StatusIgnore|tds.StatusEOM); !errors.Is(err, tds.ErrMalformed) {
		t.Errorf("BeginMessage with IGNORE = %v", err)
	}
	if err := w.BeginMessage(tds.PacketSQLBatch, 0); err != nil {
		t.Fatal(err)
	}
	if err := w.BeginMessage(tds.PacketSQLBatch, 0); !errors.Is(err, tds.ErrUnexpected) {
		t.Errorf("nested BeginMessage = %v", err)
	}
	if err := w.Reset(io.Discard); !errors.Is(err, tds.ErrUnexpected) {
		t.Errorf("Reset inside a message = %v", err)
	}
	if err := w.ResetAfterFirstPacket(io.Discard); !errors.Is(err, tds.ErrUnexpected) {
		t.Errorf("ResetAfterFirstPacket inside a message = %v", err)
	}
}

func TestWriterEOMInStatusIsDropped(t *testing.T) {
	var buf bytes.Buffer
	w := newWriter(t, &buf, 512)
	if err := w.WriteMessage(tds.PacketSQLBatch, tds.StatusEOM|tds.StatusResetConnectionSkipTran, make([]byte, 600)); err != nil {
		t.Fatal(err)
	}
	hs := packets(t, buf.Bytes())
	if hs[0].Status != tds.StatusResetConnectionSkipTran || hs[1].Status != tds.StatusEOM {
		t.Fatalf("statuses %v, %v", hs[0].Status, hs[1].Status)
	}
}

func TestWriterAbort(t *testing.T) {
	var buf bytes.Buffer
	w := newWriter(t, &buf, 512)
	// Nothing sent yet: the buffered data is dropped, nothing is written.
	if err := w.BeginMessage(tds.PacketSQLBatch, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(make([]byte, 504)); err != nil {
		t.Fatal(err)
	}
	if err := w.AbortMessage(); err != nil {
		t.Fatal(err)
	}
	if buf.Len() != 0 {
		t.Fatalf("abort before any packet wrote %d bytes", buf.Len())
	}
	// One packet sent: the abort packet is IGNORE|EOM with no data and the
	// next PacketID ([MS-TDS] 2.2.1.7).
	if err := w.BeginMessage(tds.PacketSQLBatch, tds.StatusResetConnection); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(make([]byte, 600)); err != nil {
		t.Fatal(err)
	}
	if err := w.AbortMessage(); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	if len(b) != 512+8 {
		t.Fatalf("wrote %d bytes, want 520", len(b))
	}
	if got, want := b[512:], []byte{0x01, 0x03, 0x00, 0x08, 0x00, 0x00, 0x02, 0x00}; !bytes.Equal(got, want) {
		t.Fatalf("abort packet % x, want % x", got, want)
	}
	if b[1] != byte(tds.StatusResetConnection) {
		t.Fatalf("first packet status %#x", b[1])
	}
	// The aborted stream reads back as an ignored message.
	r := tds.NewReader(bytes.NewReader(b))
	h, p, err := r.ReadMessage()
	if err != nil || h.Status != tds.StatusResetConnection|tds.StatusEOM|tds.StatusIgnore || len(p) != 0 {
		t.Fatalf("ReadMessage = %v, %d bytes, %v", h, len(p), err)
	}
}

type failWriter struct {
	n   int // successful writes before failing
	err error
}

func (f *failWriter) Write(p []byte) (int, error) {
	if f.n == 0 {
		return 0, f.err
	}
	f.n--
	return len(p), nil
}

func TestWriterIOError(t *testing.T) {
	boom := errors.New("boom")
	w := newWriter(t, &failWriter{n: 1, err: boom}, 512)
	err := w.WriteMessage(tds.PacketSQLBatch, 0, make([]byte, 2000))
	var te *tds.Error
	if !errors.As(err, &te) || !errors.Is(err, boom) || te.Offset != 512 {
		t.Fatalf("WriteMessage = %v, want *tds.Error wrapping boom at offset 512", err)
	}
	// The failed message is closed; a new one can begin.
	if err := w.BeginMessage(tds.PacketSQLBatch, 0); err != nil {
		t.Fatalf("BeginMessage after failure = %v", err)
	}
}

func TestWriterResetAfterFirstPacket(t *testing.T) {
	var a, b bytes.Buffer
	w := newWriter(t, &a, 512)
	if err := w.ResetAfterFirstPacket(&b); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteMessage(tds.PacketLogin7, 0, seqBytes(1200)); err != nil {
		t.Fatal(err)
	}
	if a.Len() != 512 || b.Len() != 512+8+1200-2*504 {
		t.Fatalf("first destination %d bytes, second %d", a.Len(), b.Len())
	}
	if err := w.WriteMessage(tds.PacketSQLBatch, 0, []byte{1}); err != nil {
		t.Fatal(err)
	}
	if a.Len() != 512 {
		t.Fatal("the switch did not stick")
	}
	if err := w.Reset(&a); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteMessage(tds.PacketSQLBatch, 0, []byte{1}); err != nil || a.Len() != 512+9 {
		t.Fatalf("after Reset: %v, %d bytes", err, a.Len())
	}
	// The reader side: first packet from one source, the rest from another.
	r := tds.NewReader(bytes.NewReader(a.Bytes()[:512]))
	r.ResetAfterFirstPacket(bytes.NewReader(b.Bytes()))
	h, p, err := r.ReadMessage()
	if err != nil || h.Type != tds.PacketLogin7 || !bytes.Equal(p, seqBytes(1200)) {
		t.Fatalf("ReadMessage across sources = %v, %d bytes, %v", h, len(p), err)
	}
	if h, p, err = r.ReadMessage(); err != nil || h.Type != tds.PacketSQLBatch || len(p) != 1 {
		t.Fatalf("second message = %v, %v", h, err)
	}
}

func TestWriterAllocs(t *testing.T) {
	w := newWriter(t, io.Discard, 512)
	payload := make([]byte, 5000)
	if n := testing.AllocsPerRun(50, func() {
		if err := w.WriteMessage(tds.PacketSQLBatch, 0, payload); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("WriteMessage allocates %v times, want 0", n)
	}
	if n := testing.AllocsPerRun(50, func() {
		_ = w.BeginMessage(tds.PacketBulkLoad, 0)
		for i := 0; i < 10; i++ {
			_, _ = w.Write(payload[:333])
		}
		_ = w.EndMessage()
	}); n != 0 {
		t.Errorf("streamed message allocates %v times, want 0", n)
	}
}

func TestReaderGoldenSplit(t *testing.T) {
	stream := tdstest.ReadHex(t, "testdata/stream-sqlbatch-600-in-512.hex")
	r := tds.NewReader(bytes.NewReader(stream))
	h, p, err := r.ReadMessage()
	if err != nil {
		t.Fatal(err)
	}
	want := tds.Header{Type: tds.PacketSQLBatch, Status: tds.StatusEOM, Length: 512, PacketID: 1}
	if h != want || !bytes.Equal(p, seqBytes(600)) {
		t.Fatalf("ReadMessage = %v, %d bytes", h, len(p))
	}
	if r.Offset() != int64(len(stream)) {
		t.Fatalf("Offset = %d, want %d", r.Offset(), len(stream))
	}
	if _, _, err := r.ReadMessage(); err != io.EOF {
		t.Fatalf("at the end: %v, want io.EOF itself", err)
	}

	r = tds.NewReader(bytes.NewReader(stream))
	h1, p1, err := r.ReadPacket()
	if err != nil || h1.Status != 0 || h1.Length != 512 || len(p1) != 504 || !bytes.Equal(p1, seqBytes(504)) {
		t.Fatalf("ReadPacket 1 = %v, %d bytes, %v", h1, len(p1), err)
	}
	h2, p2, err := r.ReadPacket()
	if err != nil || h2.Status != tds.StatusEOM || h2.PacketID != 2 || len(p2) != 96 || p2[0] != byte(504%256) {
		t.Fatalf("ReadPacket 2 = %v, %d bytes, %v", h2, len(p2), err)
	}
	if _, _, err := r.ReadPacket(); err != io.EOF {
		t.Fatalf("ReadPacket at the end: %v", err)
	}
}

func TestReaderGoldenSpecMessages(t *testing.T) {
	var stream []byte
	files := []string{"msg-prelogin-request.hex", "msg-sqlbatch.hex", "header-attention.hex"}
	for _, f := range files {
		stream = append(stream, tdstest.ReadHex(t, "testdata/"+f)...)
	}
	r := tds.NewReader(bytes.NewReader(stream))
	for _, f := range files {
		want := tdstest.ReadHex(t, "testdata/"+f)
		h, p, err := r.ReadMessage()
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if h.Append(nil)[0] != want[0] || int(h.Length) != len(want) || !bytes.Equal(p, want[tds.HeaderLen:]) {
			t.Fatalf("%s: %v, payload % x", f, h, p)
		}
	}
	if _, _, err := r.ReadMessage(); err != io.EOF {
		t.Fatalf("end: %v", err)
	}
}

func TestReaderIgnore(t *testing.T) {
	stream := tdstest.ReadHex(t, "testdata/stream-ignore.hex")
	r := tds.NewReader(bytes.NewReader(stream))
	h, p, err := r.ReadMessage()
	if err != nil || h.Type != tds.PacketSQLBatch || h.Status != tds.StatusEOM|tds.StatusIgnore || len(p) != 0 || h.Length != 12 {
		t.Fatalf("ignored message = %v, % x, %v", h, p, err)
	}
	if h, _, err = r.ReadMessage(); err != nil || h.Type != tds.PacketAttention {
		t.Fatalf("after the ignored message: %v, %v", h, err)
	}

	r = tds.NewReader(bytes.NewReader(stream))
	r.SetSkipIgnored(true)
	if h, p, err = r.ReadMessage(); err != nil || h.Type != tds.PacketAttention || h.Status != tds.StatusEOM || len(p) != 0 {
		t.Fatalf("skipping: %v, %v", h, err)
	}
	if _, _, err = r.ReadMessage(); err != io.EOF {
		t.Fatalf("end: %v", err)
	}

	// IGNORE without EOM breaks "0x01 MUST also be set".
	bad := []byte{0x01, 0x02, 0x00, 0x09, 0, 0, 1, 0, 0xaa, 0x01, 0x01, 0x00, 0x08, 0, 0, 2, 0}
	_, _, err = tds.NewReader(bytes.NewReader(bad)).ReadMessage()
	var te *tds.Error
	if !errors.As(err, &te) || !errors.Is(err, tds.ErrMalformed) || te.Offset != 1 {
		t.Fatalf("IGNORE without EOM = %v, want ErrMalformed at 1", err)
	}
}

func TestReaderTruncated(t *testing.T) {
	stream := tdstest.ReadHex(t, "testdata/stream-sqlbatch-600-in-512.hex")
	for cut := 0; cut < len(stream); cut++ {
		r := tds.NewReader(bytes.NewReader(stream[:cut]))
		_, _, err := r.ReadMessage()
		if cut == 0 {
			if err != io.EOF {
				t.Fatalf("empty stream: %v, want io.EOF", err)
			}
			continue
		}
		var te *tds.Error
		if !errors.As(err, &te) || !errors.Is(err, io.ErrUnexpectedEOF) || !errors.Is(err, tds.ErrTruncated) {
			t.Fatalf("cut at %d: %v, want truncation", cut, err)
		}
		if te.Offset != int64(cut) {
			t.Fatalf("cut at %d: offset %d", cut, te.Offset)
		}
	}
}

func TestReaderTypeChange(t *testing.T) {
	stream := tdstest.ReadHex(t, "testdata/stream-sqlbatch-600-in-512.hex")
	stream[512] = byte(tds.PacketRPC) // second packet claims to be RPC
	_, _, err := tds.NewReader(bytes.NewReader(stream)).ReadMessage()
	var te *tds.Error
	if !errors.As(err, &te) || !errors.Is(err, tds.ErrUnexpected) || te.Offset != 512 {
		t.Fatalf("type change = %v, want ErrUnexpected at 512", err)
	}
}

func TestReaderLimits(t *testing.T) {
	stream := tdstest.ReadHex(t, "testdata/stream-sqlbatch-600-in-512.hex")

	r := tds.NewReader(bytes.NewReader(stream))
	r.SetMaxMessageSize(600)
	if _, p, err := r.ReadMessage(); err != nil || len(p) != 600 {
		t.Fatalf("max 600: %d bytes, %v", len(p), err)
	}
	r = tds.NewReader(bytes.NewReader(stream))
	r.SetMaxMessageSize(599)
	_, _, err := r.ReadMessage()
	var te *tds.Error
	if !errors.As(err, &te) || !errors.Is(err, tds.ErrTooLarge) || te.Offset != 512+2 {
		t.Fatalf("max 599: %v, want ErrTooLarge at 514", err)
	}

	r = tds.NewReader(bytes.NewReader(stream))
	if err := r.SetPacketSize(511); !errors.Is(err, tds.ErrMalformed) {
		t.Fatalf("SetPacketSize(511) = %v", err)
	}
	if err := r.SetPacketSize(512); err != nil {
		t.Fatal(err)
	}
	if _, _, err := r.ReadMessage(); err != nil {
		t.Fatalf("packet size 512: %v", err)
	}
	big := []byte{0x04, 0x01, 0x02, 0x01, 0, 0, 1, 0} // Length 513
	r = tds.NewReader(bytes.NewReader(big))
	_ = r.SetPacketSize(512)
	if _, _, err := r.ReadMessage(); !errors.As(err, &te) || !errors.Is(err, tds.ErrTooLarge) || te.Offset != 2 {
		t.Fatalf("Length 513 over 512: %v", err)
	}
	if _, _, err := tds.NewReader(bytes.NewReader([]byte{0x04, 0x01, 0xff, 0xff, 0, 0, 1, 0})).ReadPacket(); !errors.Is(err, tds.ErrTooLarge) {
		t.Fatalf("Length 65535: %v", err)
	}
	short := []byte{0x04, 0x01, 0x00, 0x07, 0, 0, 1, 0}
	if _, _, err := tds.NewReader(bytes.NewReader(short)).ReadMessage(); !errors.As(err, &te) || !errors.Is(err, tds.ErrMalformed) || te.Offset != 2 {
		t.Fatalf("Length 7: %v", err)
	}
}

// endless yields non-EOM packets of maximum size forever.
type endless struct{ pos int }

func (e *endless) Read(p []byte) (int, error) {
	const plen = tds.MaxPacketSize
	for i := range p {
		k := e.pos % plen
		switch k {
		case 0:
			p[i] = byte(tds.PacketResponse)
		case 2:
			p[i] = plen >> 8
		case 3:
			p[i] = plen & 0xff
		default:
			p[i] = 0
		}
		e.pos++
	}
	return len(p), nil
}

func TestReaderEndlessMessage(t *testing.T) {
	src := &endless{}
	r := tds.NewReader(src)
	r.SetMaxMessageSize(1 << 20)
	_, _, err := r.ReadMessage()
	if !errors.Is(err, tds.ErrTooLarge) {
		t.Fatalf("endless message: %v, want ErrTooLarge", err)
	}
	// The Reader stops within one packet of the limit.
	if src.pos > 1<<20+2*tds.MaxPacketSize {
		t.Fatalf("read %d bytes for a 1 MiB limit", src.pos)
	}
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

func TestReaderIOError(t *testing.T) {
	boom := errors.New("boom")
	stream := tdstest.ReadHex(t, "testdata/stream-sqlbatch-600-in-512.hex")
	for _, cut := range []int{0, 3, 8, 100, 512, 515} {
		r := tds.NewReader(io.MultiReader(bytes.NewReader(stream[:cut]), errReader{boom}))
		_, _, err := r.ReadMessage()
		var te *tds.Error
		if !errors.As(err, &te) || !errors.Is(err, boom) || te.Offset != int64(cut) {
			t.Fatalf("cut %d: %v, want boom at %d", cut, err, cut)
		}
	}
}

// countingReader records how many bytes were taken from it.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

func TestReaderDoesNotReadAhead(t *testing.T) {
	var buf bytes.Buffer
	w := newWriter(t, &buf, 512)
	for i := 0; i < 3; i++ {
		if err := w.WriteMessage(tds.PacketResponse, 0, seqBytes(700*i)); err != nil {
			t.Fatal(err)
		}
	}
	total := 0
	src := &countingReader{r: bytes.NewReader(buf.Bytes())}
	r := tds.NewReader(src)
	for i := 0; i < 3; i++ {
		h, p, err := r.ReadMessage()
		if err != nil || len(p) != 700*i || !bytes.Equal(p, seqBytes(700*i)) {
			t.Fatalf("message %d: %v, %d bytes, %v", i, h, len(p), err)
		}
		total += 8 * max(1, (700*i+503)/504)
		total += 700 * i
		if src.n != total {
			t.Fatalf("after message %d the source gave %d bytes, the messages hold %d", i, src.n, total)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	for _, size := range []int{512, 4096, 32767} {
		w := newWriter(t, &buf, size)
		w.SetSPID(57)
		r := tds.NewReader(&buf)
		for _, n := range []int{0, 1, size - 9, size - 8, size - 7, 3*(size-8) + 5, 100000} {
			for _, st := range []tds.Status{0, tds.StatusResetConnection, tds.StatusResetConnectionSkipTran | 0x40} {
				payload := seqBytes(n)
				if err := w.WriteMessage(tds.PacketRPC, st, payload); err != nil {
					t.Fatal(err)
				}
				h, p, err := r.ReadMessage()
				if err != nil {
					t.Fatalf("size %d n %d: %v", size, n, err)
				}
				if h.Type != tds.PacketRPC || h.Status != st|tds.StatusEOM || h.SPID != 57 || h.PacketID != 1 || !bytes.Equal(p, payload) {
					t.Fatalf("size %d n %d: %v, %d bytes", size, n, h, len(p))
				}
				if buf.Len() != 0 {
					t.Fatalf("%d bytes left over", buf.Len())
				}
			}
		}
	}
}

func TestReaderAllocs(t *testing.T) {
	var buf bytes.Buffer
	w := newWriter(t, &buf, 512)
	if err := w.WriteMessage(tds.PacketResponse, 0, seqBytes(5000)); err != nil {
		t.Fatal(err)
	}
	stream := buf.Bytes()
	br := bytes.NewReader(stream)
	r := tds.NewReader(br)
	if _, _, err := r.ReadMessage(); err != nil { // grow the buffer once
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(50, func() {
		br.Reset(stream)
		if _, _, err := r.ReadMessage(); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("ReadMessage allocates %v times, want 0", n)
	}
	if n := testing.AllocsPerRun(50, func() {
		br.Reset(stream)
		if _, _, err := r.ReadPacket(); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("ReadPacket allocates %v times, want 0", n)
	}
}

func TestErrorString(t *testing.T) {
	_, _, err := tds.NewReader(bytes.NewReader([]byte{1, 1, 0})).ReadMessage()
	if got := fmt.Sprint(err); got != "tds reader: at offset 3: stream ended 3 bytes into a packet header: truncated: unexpected EOF" {
		t.Fatalf("error text %q", got)
	}
}

func TestReaderResetAndDefaults(t *testing.T) {
	a := tdstest.ReadHex(t, "testdata/header-attention.hex")
	b := tdstest.ReadHex(t, "testdata/msg-sqlbatch.hex")
	r := tds.NewReader(bytes.NewReader(a))
	r.SetMaxMessageSize(10)
	r.SetMaxMessageSize(0) // back to DefaultMaxMessageSize
	if h, _, err := r.ReadMessage(); err != nil || h.Type != tds.PacketAttention {
		t.Fatalf("first source: %v, %v", h, err)
	}
	r.Reset(bytes.NewReader(b))
	h, p, err := r.ReadMessage()
	if err != nil || h.Type != tds.PacketSQLBatch || len(p) != 84 {
		t.Fatalf("after Reset: %v, %d bytes, %v", h, len(p), err)
	}
	if r.Offset() != int64(len(a)+len(b)) {
		t.Fatalf("Offset %d, want %d (the stream offset runs on across Reset)", r.Offset(), len(a)+len(b))
	}
}
