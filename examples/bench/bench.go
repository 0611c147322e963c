package bench

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"net/url"
	"sync"
	"time"

	mssql "github.com/microsoft/go-mssqldb" // also registers the "sqlserver" driver

	"github.com/tdswire/tdswire/examples/internal/pcap"
	"github.com/tdswire/tdswire/examples/server/tdsserver"
	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tokens"
)

// User and Password are the SQL login of the benchmark server.
const (
	User     = "bench"
	Password = "Bench!2026"
)

// BigQuery is the statement whose result set the row benchmarks read.
const BigQuery = "SELECT * FROM big"

// Server is an example TDS server on a loopback port whose connections'
// server-to-client bytes are recorded, so that a response a client read
// can be decoded again from the very bytes it received.
type Server struct {
	srv  *tdsserver.Server
	ln   net.Listener
	done chan error

	mu   sync.Mutex
	last *recConn   // the most recently accepted connection
	all  []*recConn // every connection, when recording all
	keep bool       // record every connection in all
}

// StartServer starts tdsserver without encryption (PRELOGIN answers
// ENCRYPT_NOT_SUP, so every byte after it travels in clear) with a big
// table of rows rows and the wide tables of WideHandler, on 127.0.0.1.
func StartServer(rows int) (*Server, error) {
	srv, err := tdsserver.New(tdsserver.Config{
		Users:   []tdsserver.User{{Name: User, Password: Password}},
		TLS:     tdsserver.TLSOff,
		Rows:    rows,
		Handler: WideHandler(tdsserver.DefaultHandler()),
	})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{srv: srv, ln: ln, done: make(chan error, 1)}
	go func() { s.done <- srv.Serve(recListener{ln, s}) }()
	return s, nil
}

// Addr is the server's host:port.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// DSN is a go-mssqldb connection string for the server: SQL
// authentication, no encryption.
func (s *Server) DSN() string { return dsn(s.Addr()) }

// dsn is the go-mssqldb connection string for addr: SQL authentication as
// User, no encryption.
func dsn(addr string) string {
	q := url.Values{}
	q.Set("encrypt", "disable")
	q.Set("dial timeout", "5")
	q.Set("app name", "tdswire-bench")
	u := url.URL{Scheme: "sqlserver", User: url.UserPassword(User, Password), Host: addr, RawQuery: q.Encode()}
	return u.String()
}

// Close stops the server.
func (s *Server) Close() error {
	err := s.srv.Close()
	if serr := <-s.done; err == nil && !errors.Is(serr, tdsserver.ErrServerClosed) {
		err = serr
	}
	return err
}

// conversations returns every recorded connection's conversation, in
// the order they were accepted.
func (s *Server) conversations() [][]pcap.Segment {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([][]pcap.Segment, 0, len(s.all))
	for _, c := range s.all {
		c.mu.Lock()
		out = append(out, c.segs)
		c.mu.Unlock()
	}
	return out
}

// recorded returns what the server wrote on its most recent connection.
func (s *Server) recorded() []byte {
	s.mu.Lock()
	c := s.last
	s.mu.Unlock()
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return bytes.Clone(c.out.Bytes())
}

type recListener struct {
	net.Listener
	s *Server
}

func (l recListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	rc := &recConn{Conn: c}
	l.s.mu.Lock()
	l.s.last = rc
	if l.s.keep {
		l.s.all = append(l.s.all, rc)
	}
	l.s.mu.Unlock()
	return rc, nil
}

// recConn records the bytes written to the client, and the whole
// conversation in order as pcap segments.
type recConn struct {
	net.Conn
	mu   sync.Mutex
	out  bytes.Buffer
	segs []pcap.Segment
}

func (c *recConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	c.out.Write(p)
	c.add(false, p)
	c.mu.Unlock()
	return c.Conn.Write(p)
}

func (c *recConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.mu.Lock()
	c.add(true, p[:n])
	c.mu.Unlock()
	return n, err
}

// add appends p to the conversation, merging it into the last segment
// when it goes the same way. The caller holds c.mu.
func (c *recConn) add(fromClient bool, p []byte) {
	if len(p) == 0 {
		return
	}
	if n := len(c.segs); n > 0 && c.segs[n-1].FromClient == fromClient {
		c.segs[n-1].Payload = append(c.segs[n-1].Payload, p...)
		return
	}
	c.segs = append(c.segs, pcap.Segment{FromClient: fromClient, Payload: bytes.Clone(p)})
}

// Row is one row of the big table as go-mssqldb and DecodeRows both
// produce it: the Go values a client works with.
type Row struct {
	ID      int64
	Name    string
	Price   string // decimal(10,2) as text, as go-mssqldb scans it into a string
	Created time.Time
}

// Sum folds rows into a checksum that the two readers must agree on.
type Sum struct {
	Rows    int
	IDs     int64
	Chars   int
	Price   int // total length of the decimal texts
	Seconds int64
}

// Add folds r into s.
func (s *Sum) Add(r *Row) {
	s.Rows++
	s.IDs += r.ID
	s.Chars += len(r.Name)
	s.Price += len(r.Price)
	s.Seconds += r.Created.Unix()
}

// QueryRows reads BigQuery through go-mssqldb's database/sql driver,
// scanning every row into a Row and calling f on it (the Row is reused;
// f may be nil), and returns the checksum.
func QueryRows(ctx context.Context, db *sql.DB, f func(*Row)) (Sum, error) {
	var sum Sum
	rs, err := db.QueryContext(ctx, BigQuery)
	if err != nil {
		return sum, err
	}
	defer rs.Close()
	var r Row
	for rs.Next() {
		if err := rs.Scan(&r.ID, &r.Name, &r.Price, &r.Created); err != nil {
			return sum, err
		}
		sum.Add(&r)
		if f != nil {
			f(&r)
		}
	}
	return sum, rs.Err()
}

// CaptureResponse runs BigQuery once through go-mssqldb on a new
// connection to s and returns the server-to-client messages of that
// connection (PRELOGIN response, login response, query response), each
// as its TDS packets, headers included, and what go-mssqldb read. The
// last message is the query's response.
func CaptureResponse(ctx context.Context, s *Server, f func(*Row)) ([][]byte, Sum, error) {
	return capture(s, func(db *sql.DB) (Sum, error) { return QueryRows(ctx, db, f) })
}

// capture opens a go-mssqldb connection to s, runs read on it once, and
// returns the server-to-client messages of that connection (PRELOGIN
// response, login response, query response) with what read returned.
func capture[T any](s *Server, read func(*sql.DB) (T, error)) ([][]byte, T, error) {
	var zero T
	db, err := sql.Open("sqlserver", s.DSN())
	if err != nil {
		return nil, zero, err
	}
	db.SetMaxOpenConns(1)
	sum, err := read(db)
	db.Close()
	if err != nil {
		return nil, sum, err
	}
	msgs, err := splitMessages(s.recorded())
	if err != nil {
		return nil, sum, err
	}
	if len(msgs) != 3 {
		return nil, sum, fmt.Errorf("the server wrote %d messages, want 3 (PRELOGIN, login and query responses)", len(msgs))
	}
	return msgs, sum, nil
}

// splitMessages cuts a server-to-client stream into its messages, each
// as its packets.
func splitMessages(out []byte) ([][]byte, error) {
	r := tds.NewReader(bytes.NewReader(out))
	r.SetMaxMessageSize(1 << 30)
	var msgs [][]byte
	for {
		at := r.Offset()
		_, _, err := r.ReadMessage()
		if err == io.EOF {
			return msgs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("server stream: %w", err)
		}
		msgs = append(msgs, out[at:r.Offset()])
	}
}

// Replay is a server that plays recorded server messages back: on each
// connection it answers the client's first message with script[0], the
// second with script[1], and every later one with the last message of the
// script. Replaying a captured go-mssqldb session (PRELOGIN, login, one
// query) lets the same client run the query again and again against a
// server that does nothing but read requests and write bytes.
type Replay struct {
	ln     net.Listener
	script [][]byte
	wg     sync.WaitGroup
}

// StartReplay listens on 127.0.0.1 and serves script.
func StartReplay(script [][]byte) (*Replay, error) {
	if len(script) == 0 {
		return nil, errors.New("empty script")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Replay{ln: ln, script: script}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.wg.Add(1)
			go func() {
				defer p.wg.Done()
				defer c.Close()
				p.serve(c)
			}()
		}
	}()
	return p, nil
}

func (p *Replay) serve(c net.Conn) {
	r := tds.NewReader(c)
	for i := 0; ; i++ {
		if _, _, err := r.ReadMessage(); err != nil {
			return
		}
		if _, err := c.Write(p.script[min(i, len(p.script)-1)]); err != nil {
			return
		}
	}
}

// DSN is a go-mssqldb connection string for the replay server.
func (p *Replay) DSN() string { return dsn(p.ln.Addr().String()) }

// Close stops listening and waits for the connections to end (close the
// clients first).
func (p *Replay) Close() error {
	err := p.ln.Close()
	p.wg.Wait()
	return err
}

// Decoder turns a captured response (TDS packets) into rows with tdswire:
// tds.Reader reassembles the message, the tokens Scanner walks it, and
// RowValues and the sqltype accessors give the Go values. Its buffers are
// reused from one call to the next.
type Decoder struct {
	src  bytes.Reader
	r    *tds.Reader
	s    tokens.Scanner
	vals []tokens.ColumnValue
	dec  []byte
}

// NewDecoder returns a Decoder for TDS 7.4 responses.
func NewDecoder() *Decoder {
	d := &Decoder{}
	d.r = tds.NewReader(&d.src)
	d.r.SetMaxMessageSize(1 << 30)
	return d
}

// DecodeRows decodes the response packets into rows, calling f on each
// (the Row is reused), and returns the checksum. With f nil it only
// checksums.
func (d *Decoder) DecodeRows(packets []byte, f func(*Row)) (Sum, error) {
	var sum Sum
	d.src.Reset(packets)
	d.r.Reset(&d.src)
	_, msg, err := d.r.ReadMessage()
	if err != nil {
		return sum, err
	}
	d.s.Reset(msg, tds.Version74)
	var r Row
	for {
		t, err := d.s.Next()
		if err == io.EOF {
			return sum, nil
		}
		if err != nil {
			return sum, err
		}
		if t != tokens.TokenRow && t != tokens.TokenNBCRow {
			continue
		}
		if d.vals, err = d.s.RowValues(d.vals); err != nil {
			return sum, err
		}
		if len(d.vals) != 4 {
			return sum, fmt.Errorf("row of %d columns, want 4", len(d.vals))
		}
		if r.ID, err = d.vals[0].Int64(); err != nil {
			return sum, err
		}
		u, err := d.vals[1].UCS2()
		if err != nil {
			return sum, err
		}
		r.Name = u.String()
		dec, err := d.vals[2].Decimal()
		if err != nil {
			return sum, err
		}
		d.dec = dec.AppendText(d.dec[:0])
		r.Price = string(d.dec)
		if r.Created, err = d.vals[3].Time(); err != nil {
			return sum, err
		}
		sum.Add(&r)
		if f != nil {
			f(&r)
		}
	}
}

// CountRows decodes the response packets down to value views only: every
// row's values are decoded (RowValues) and the id is read as an integer,
// but nothing is converted to a string or a time. It returns the number
// of rows.
func (d *Decoder) CountRows(packets []byte) (int, error) {
	d.src.Reset(packets)
	d.r.Reset(&d.src)
	_, msg, err := d.r.ReadMessage()
	if err != nil {
		return 0, err
	}
	d.s.Reset(msg, tds.Version74)
	n := 0
	var ids int64
	for {
		t, err := d.s.Next()
		if err == io.EOF {
			if ids <= 0 && n > 0 {
				return n, errors.New("ids do not add up")
			}
			return n, nil
		}
		if err != nil {
			return n, err
		}
		if t != tokens.TokenRow && t != tokens.TokenNBCRow {
			continue
		}
		if d.vals, err = d.s.RowValues(d.vals); err != nil {
			return n, err
		}
		if len(d.vals) != 4 {
			return n, fmt.Errorf("row of %d columns, want 4", len(d.vals))
		}
		id, err := d.vals[0].Int64()
		if err != nil {
			return n, err
		}
		ids += id
		n++
	}
}

// TraceQuery is what each session of a capture runs after its login.
const TraceQuery = "SELECT * FROM sample"

// CaptureSessions records n go-mssqldb sessions against a new server
// (each: PRELOGIN, LOGIN7, the login response, TraceQuery and its result,
// then the close) and returns them as one pcap file, the sessions one
// after another, each on its own client address and port, closed with
// FINs, and with the server on port 1433 so that both tdstrace and tshark
// dissect it as TDS without being told the port.
func CaptureSessions(ctx context.Context, n int) ([]byte, error) {
	var out bytes.Buffer
	if err := WriteSessions(ctx, &out, n, n); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// WriteSessions writes a pcap file of n sessions to w, as CaptureSessions
// returns, but records only distinct sessions (at most n) and repeats
// them in turn, each repetition on its own client address and port and a
// second after the previous one: a synthetic capture as large as wanted
// (100,000 sessions are about 150 MB) from a few real ones, written as
// it is made.
func WriteSessions(ctx context.Context, w io.Writer, n, distinct int) error {
	convs, err := recordSessions(ctx, min(n, distinct))
	if err != nil {
		return err
	}
	if len(convs) == 0 {
		return errors.New("no session recorded")
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	var one bytes.Buffer
	start := time.Date(2026, 11, 21, 5, 0, 0, 0, time.UTC)
	server := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, 0, 1}), 1433)
	for i := range n {
		one.Reset()
		c := pcap.Conversation{
			Client: netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(1 + i>>8), byte(i)}), uint16(40000+i%20000)),
			Server: server,
			Start:  start.Add(time.Duration(i) * time.Second),
			Close:  true,
		}
		if err := pcap.Write(&one, c, convs[i%len(convs)]); err != nil {
			return err
		}
		b := one.Bytes()
		if i > 0 {
			b = b[24:] // one file header for the whole capture
		}
		if _, err := bw.Write(b); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// recordSessions records n go-mssqldb sessions against a new server and
// returns their conversations.
func recordSessions(ctx context.Context, n int) ([][]pcap.Segment, error) {
	s, err := StartServer(10)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.keep = true
	s.mu.Unlock()
	conn, err := mssql.NewConnector(s.DSN())
	if err != nil {
		s.Close()
		return nil, err
	}
	db := sql.OpenDB(conn)
	db.SetMaxIdleConns(0) // a new connection, and login, for every session
	for i := 0; i < n; i++ {
		rs, err := db.QueryContext(ctx, TraceQuery)
		if err == nil {
			for rs.Next() {
			}
			err = rs.Err()
			rs.Close()
		}
		if err != nil {
			db.Close()
			s.Close()
			return nil, err
		}
	}
	db.Close()
	if err := s.Close(); err != nil {
		return nil, err
	}
	return s.conversations(), nil
}
