package tdsserver_test

import (
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/tdswire/tdswire/examples/server/tdsserver"
	"github.com/tdswire/tdswire/prelogin"
	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tokens"
)

// closedWithin reports whether the server ends nc within d: a read
// returns EOF or a reset (not the client's own deadline).
func closedWithin(t *testing.T, nc net.Conn, d time.Duration) bool {
	t.Helper()
	nc.SetReadDeadline(time.Now().Add(d))
	buf := make([]byte, 4096)
	for {
		_, err := nc.Read(buf)
		if err == nil {
			continue
		}
		var ne net.Error
		return !(errors.As(err, &ne) && ne.Timeout())
	}
}

// trickle writes b one byte every interval until stop is closed or a
// write fails.
func trickle(nc net.Conn, b []byte, interval time.Duration, stop <-chan struct{}) {
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		case <-time.After(interval):
		}
		if _, err := nc.Write(b[i%len(b) : i%len(b)+1]); err != nil {
			return
		}
	}
}

// TestLoginTimeout: a client that trickles its PRELOGIN a byte at a time
// is closed at the login deadline, which reads do not renew.
func TestLoginTimeout(t *testing.T) {
	srv, addr := start(t, tdsserver.Config{LoginTimeout: 300 * time.Millisecond})
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	m := prelogin.Message{Present: prelogin.HasVersion | prelogin.HasEncryption, Encryption: prelogin.EncryptNotSup}
	b, _ := m.Append(nil)
	msg := tds.Header{Type: tds.PacketPrelogin, Status: tds.StatusEOM, Length: uint16(8 + len(b))}.Append(nil)
	msg = append(msg, b...)
	stop := make(chan struct{})
	defer close(stop)
	go trickle(nc, msg, 50*time.Millisecond, stop)
	start := time.Now()
	if !closedWithin(t, nc, 3*time.Second) {
		t.Fatal("the trickling client was not closed within 3s")
	}
	if el := time.Since(start); el < 250*time.Millisecond || el > 2*time.Second {
		t.Errorf("closed after %v, want about 300ms", el)
	}
	// The client sees the close before the server's goroutine counts it.
	deadline := time.Now().Add(2 * time.Second)
	for srv.Stats().LoginTimeout == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if st := srv.Stats(); st.LoginTimeout != 1 {
		t.Errorf("Stats.LoginTimeout = %d, want 1", st.LoginTimeout)
	}
}

// TestIdleTimeout: a logged-in client that trickles bytes of a message
// without completing it is closed after the idle timeout; one that sends
// whole requests more often stays.
func TestIdleTimeout(t *testing.T) {
	srv, addr := start(t, tdsserver.Config{IdleTimeout: 300 * time.Millisecond})
	dial := func() (net.Conn, stream) {
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		nc.SetDeadline(time.Now().Add(10 * time.Second))
		s := newStream(t, nc)
		preloginMARS(t, s)
		login(t, s)
		return nc, s
	}
	busy, bs := dial()
	defer busy.Close()
	idle, _ := dial()
	defer idle.Close()
	stop := make(chan struct{})
	defer close(stop)
	// A batch header announcing 200 bytes, sent one byte at a time.
	hdr := tds.Header{Type: tds.PacketSQLBatch, Status: tds.StatusEOM, Length: 200}.Append(nil)
	go trickle(idle, append(hdr, make([]byte, 192)...), 50*time.Millisecond, stop)
	start := time.Now()
	for time.Since(start) < 900*time.Millisecond {
		time.Sleep(100 * time.Millisecond)
		if got := summary(t, bs.roundTrip(t, tds.PacketSQLBatch, batch(t, "SELECT 1"))); got != "COLMETADATA 1*ROW DONE(COUNT) " {
			t.Fatalf("busy client: %s", got)
		}
	}
	if !closedWithin(t, idle, 2*time.Second) {
		t.Fatal("the trickling client was not closed")
	}
	if st := srv.Stats(); st.IdleClosed != 1 {
		t.Errorf("Stats.IdleClosed = %d, want 1", st.IdleClosed)
	}
}

// TestMaxConns: connections beyond the cap are closed at once, and the
// cap frees up when a connection ends.
func TestMaxConns(t *testing.T) {
	srv, addr := start(t, tdsserver.Config{MaxConns: 2})
	var conns []net.Conn
	for range 2 {
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		nc.SetDeadline(time.Now().Add(10 * time.Second))
		s := newStream(t, nc)
		preloginMARS(t, s)
		login(t, s)
		conns = append(conns, nc)
	}
	extra, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer extra.Close()
	if !closedWithin(t, extra, 2*time.Second) {
		t.Fatal("a third connection was served")
	}
	if st := srv.Stats(); st.Rejected != 1 {
		t.Errorf("Stats.Rejected = %d, want 1", st.Rejected)
	}
	conns[0].Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		nc.SetDeadline(time.Now().Add(5 * time.Second))
		s := newStream(t, nc)
		m := prelogin.Message{Present: prelogin.HasVersion | prelogin.HasEncryption, Encryption: prelogin.EncryptNotSup}
		b, _ := m.Append(nil)
		s.w.WriteMessage(tds.PacketPrelogin, 0, b)
		_, _, err = s.r.ReadMessage()
		nc.Close()
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no connection served after one ended")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestMaxMessageSize: a batch larger than the cap ends the connection.
func TestMaxMessageSize(t *testing.T) {
	_, addr := start(t, tdsserver.Config{MaxMessageSize: 64 << 10})
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	s := newStream(t, nc)
	preloginMARS(t, s)
	login(t, s)
	if got := summary(t, s.roundTrip(t, tds.PacketSQLBatch, batch(t, "SELECT N'"+strings.Repeat("x", 20<<10)+"'"))); got != "COLMETADATA 1*ROW DONE(COUNT) " {
		t.Fatalf("a 40 KB batch: %s", got)
	}
	go s.w.WriteMessage(tds.PacketSQLBatch, 0, batch(t, "SELECT N'"+strings.Repeat("x", 40<<10)+"'"))
	if !closedWithin(t, nc, 5*time.Second) {
		t.Fatal("an 80 KB batch did not end the connection")
	}
}

// TestFaults plays each scripted fault and checks what the client sees.
func TestFaults(t *testing.T) {
	dial := func(t *testing.T, addr string) (net.Conn, stream) {
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { nc.Close() })
		nc.SetDeadline(time.Now().Add(10 * time.Second))
		return nc, newStream(t, nc)
	}
	sendPrelogin := func(s stream) error {
		m := prelogin.Message{Present: prelogin.HasVersion | prelogin.HasEncryption, Encryption: prelogin.EncryptNotSup}
		b, _ := m.Append(nil)
		if err := s.w.WriteMessage(tds.PacketPrelogin, 0, b); err != nil {
			return err
		}
		_, _, err := s.r.ReadMessage()
		return err
	}
	t.Run("prelogin-close", func(t *testing.T) {
		_, addr := start(t, tdsserver.Config{Faults: []tdsserver.Fault{{Phase: tdsserver.PhasePrelogin, Action: tdsserver.FaultClose}}})
		_, s := dial(t, addr)
		if err := sendPrelogin(s); !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("PRELOGIN answer: %v, want EOF", err)
		}
	})
	t.Run("prelogin-delay", func(t *testing.T) {
		_, addr := start(t, tdsserver.Config{Faults: []tdsserver.Fault{{Phase: tdsserver.PhasePrelogin, Action: tdsserver.FaultDelay, Delay: 200 * time.Millisecond}}})
		_, s := dial(t, addr)
		start := time.Now()
		if err := sendPrelogin(s); err != nil || time.Since(start) < 200*time.Millisecond {
			t.Errorf("PRELOGIN answer: %v after %v, want it after 200ms", err, time.Since(start))
		}
	})
	t.Run("tls-reset", func(t *testing.T) {
		_, addr := start(t, tdsserver.Config{TLS: tdsserver.TLSRequired, Faults: []tdsserver.Fault{{Phase: tdsserver.PhaseTLS, Action: tdsserver.FaultReset}}})
		nc, s := dial(t, addr)
		m := prelogin.Message{Present: prelogin.HasVersion | prelogin.HasEncryption, Encryption: prelogin.EncryptOn}
		b, _ := m.Append(nil)
		s.w.WriteMessage(tds.PacketPrelogin, 0, b)
		if _, _, err := s.r.ReadMessage(); err != nil {
			t.Fatal(err)
		}
		// A ClientHello in a PRELOGIN packet: the server resets instead of answering.
		s.w.WriteMessage(tds.PacketPrelogin, 0, []byte{0x16, 0x03, 0x01, 0x00, 0x05, 0x01, 0x00, 0x00, 0x01, 0x00})
		if !closedWithin(t, nc, 3*time.Second) {
			t.Error("no reset in the TLS handshake")
		}
	})
	t.Run("login-transient", func(t *testing.T) {
		srv, addr := start(t, tdsserver.Config{Faults: []tdsserver.Fault{{Phase: tdsserver.PhaseLogin, Action: tdsserver.FaultError, Error: 40613, Times: 1}}})
		for i, want := range []string{"ERROR DONE(ERROR) ", "ENVCHANGE INFO ENVCHANGE ENVCHANGE INFO LOGINACK ENVCHANGE DONE(FINAL) "} {
			_, s := dial(t, addr)
			preloginMARS(t, s)
			got := strings.ReplaceAll(login(t, s), "ERROR(40613)", "ERROR")
			if got != want {
				t.Errorf("login %d: %s, want %s", i+1, got, want)
			}
		}
		if st := srv.Stats(); st.Faults != 1 || st.Logins != 1 {
			t.Errorf("stats %+v", st)
		}
	})
	t.Run("statement-transient", func(t *testing.T) {
		_, addr := start(t, tdsserver.Config{Faults: []tdsserver.Fault{{Phase: tdsserver.PhaseStatement, Action: tdsserver.FaultError, Error: 40501, Match: "from big"}}})
		_, s := dial(t, addr)
		preloginMARS(t, s)
		login(t, s)
		r := decode(t, s.roundTrip(t, tds.PacketSQLBatch, batch(t, "SELECT * FROM big")))
		if len(r.errors) != 1 || !strings.HasPrefix(r.errors[0], "40501/20/1:") {
			t.Errorf("SELECT * FROM big: %s %v", r.summary, r.errors)
		}
		if got := decode(t, s.roundTrip(t, tds.PacketSQLBatch, batch(t, "SELECT 1"))).summary; got != "COLMETADATA 1*ROW DONE(COUNT:1) " {
			t.Errorf("another statement: %s", got)
		}
	})
	t.Run("rows-reset", func(t *testing.T) {
		_, addr := start(t, tdsserver.Config{Faults: []tdsserver.Fault{{Phase: tdsserver.PhaseRows, Action: tdsserver.FaultReset, Rows: 10}}})
		nc, s := dial(t, addr)
		preloginMARS(t, s)
		login(t, s)
		s.w.WriteMessage(tds.PacketSQLBatch, 0, batch(t, "SELECT * FROM big"))
		var got []byte
		for {
			_, p, err := s.r.ReadPacket()
			if err != nil {
				break
			}
			got = append(got, p...)
		}
		sc := tokens.NewScanner(got, tds.Version74)
		rows := 0
		for {
			typ, err := sc.Next()
			if err != nil {
				break
			}
			if typ == tokens.TokenRow {
				rows++
			}
		}
		if rows != 10 || !closedWithin(t, nc, time.Second) {
			t.Errorf("%d rows before the reset, want 10", rows)
		}
	})
	t.Run("fatal", func(t *testing.T) {
		_, addr := start(t, tdsserver.Config{Faults: []tdsserver.Fault{{Phase: tdsserver.PhaseStatement, Action: tdsserver.FaultFatal, Error: 40197}}})
		nc, s := dial(t, addr)
		preloginMARS(t, s)
		login(t, s)
		r := decode(t, s.roundTrip(t, tds.PacketSQLBatch, batch(t, "SELECT 1")))
		if len(r.errors) != 1 || !strings.HasPrefix(r.errors[0], "40197/20/") {
			t.Errorf("fatal: %v", r.errors)
		}
		if !closedWithin(t, nc, 2*time.Second) {
			t.Error("the connection stayed open after a fatal error")
		}
	})
	for _, m := range []tdsserver.Malformation{tdsserver.MalformedTruncated, tdsserver.MalformedLyingLength, tdsserver.MalformedUnknownToken, tdsserver.MalformedHugeLength, tdsserver.MalformedColumnMismatch} {
		t.Run("malformed-"+m.String(), func(t *testing.T) {
			_, addr := start(t, tdsserver.Config{Faults: []tdsserver.Fault{{Phase: tdsserver.PhaseStatement, Action: tdsserver.FaultMalformed, Malformed: m}}})
			_, s := dial(t, addr)
			preloginMARS(t, s)
			login(t, s)
			msg := s.roundTrip(t, tds.PacketSQLBatch, batch(t, "SELECT 1"))
			sc := tokens.NewScanner(msg, tds.Version74)
			var derr error
			var vals []tokens.ColumnValue
			for derr == nil {
				var typ tokens.TokenType
				typ, derr = sc.Next()
				if derr == nil && (typ == tokens.TokenRow) {
					vals, derr = sc.RowValues(vals)
				}
			}
			if errors.Is(derr, io.EOF) {
				t.Errorf("%v: the response decoded cleanly: % x", m, msg)
			}
		})
	}
	t.Run("parse", func(t *testing.T) {
		f, err := tdsserver.ParseFault("login:error:error=40613,times=1,conn=2")
		if err != nil || f.Phase != tdsserver.PhaseLogin || f.Action != tdsserver.FaultError || f.Error != 40613 || f.Times != 1 || f.Conn != 2 {
			t.Errorf("ParseFault: %+v, %v", f, err)
		}
		for _, bad := range []string{"login", "nosuch:close", "login:nosuch", "login:error", "rows:reset:rows=x", "statement:malformed"} {
			if _, err := tdsserver.ParseFault(bad); err == nil {
				t.Errorf("ParseFault(%q) succeeded", bad)
			}
		}
	})
}

// TestStalledReader: a client that sends a request and stops reading,
// while the result is far larger than the socket buffers, is closed once
// a write of the server's waits Config.Timeout; with MaxConns 1 its slot
// then serves the next client.
func TestStalledReader(t *testing.T) {
	_, addr := start(t, tdsserver.Config{Rows: 2_000_000, Timeout: 300 * time.Millisecond, MaxConns: 1})
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	s := newStream(t, nc)
	preloginMARS(t, s)
	login(t, s)
	if err := s.w.WriteMessage(tds.PacketSQLBatch, 0, batch(t, "SELECT * FROM big")); err != nil {
		t.Fatal(err)
	}
	// nc reads nothing more.
	deadline := time.Now().Add(5 * time.Second)
	for {
		next, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		next.SetDeadline(time.Now().Add(5 * time.Second))
		ns := newStream(t, next)
		m := prelogin.Message{Present: prelogin.HasVersion | prelogin.HasEncryption, Encryption: prelogin.EncryptNotSup}
		b, _ := m.Append(nil)
		ns.w.WriteMessage(tds.PacketPrelogin, 0, b)
		_, _, err = ns.r.ReadMessage()
		next.Close()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the server still writes to a client that stopped reading 5s ago")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
