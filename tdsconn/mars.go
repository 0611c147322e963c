package tdsconn

import (
	"context"
	"errors"
	"io"
	"net"

	"github.com/tdswire/tdswire/smp"
	"github.com/tdswire/tdswire/tds"
)

// ReadMessage reads the next message of the login stream. On a
// connection that granted MARS, it first finds out whether the client
// started SMP ([MC-SMP] 2.2.1: 0x53 is never a TDS packet type); if so
// it fails with ErrNoMARS and the requests come through AcceptStream.
func (c *ServerConn) ReadMessage() (tds.Header, []byte, error) {
	if err := c.decide(); err != nil {
		return tds.Header{}, nil, err
	}
	c.mu.Lock()
	smpStarted := c.mux != nil && !c.loginSMP
	c.mu.Unlock()
	if smpStarted {
		return tds.Header{}, nil, errorf(PhaseMARS, ErrNoMARS, "the client started SMP: use AcceptStream")
	}
	return c.Stream.ReadMessage()
}

// decide reads the first byte after the login response of a connection
// that granted MARS, and starts the SMP server if it is SMID.
func (c *ServerConn) decide() error {
	c.decideMu.Lock()
	defer c.decideMu.Unlock()
	c.mu.Lock()
	done, closed := c.decided, c.closed
	c.mu.Unlock()
	if done {
		return nil
	}
	if closed {
		return errorf(PhaseMARS, ErrClosed, "connection closed")
	}
	b, conn, err := peek(c.transport)
	if err != nil {
		if err == io.EOF {
			return io.EOF
		}
		return errorf(PhaseLoggedIn, err, "reading the first request")
	}
	c.Stream.r.Reset(conn)
	c.Stream.conn = conn
	c.mu.Lock()
	defer c.mu.Unlock()
	c.decided = true
	if c.closed {
		return errorf(PhaseMARS, ErrClosed, "connection closed")
	}
	if b == smp.SMID {
		c.mux = smp.NewServer(conn, c.cfg.SMP)
	}
	return nil
}

// AcceptStream returns the next message stream: without SMP, the
// connection's own stream once, then io.EOF; with SMP, the login's
// session first if the login happened in one, then one Stream per
// session the client opens, until the connection ends (io.EOF) or ctx
// is done. Each stream has the negotiated version and packet size;
// serve them concurrently, and Close each.
func (c *ServerConn) AcceptStream(ctx context.Context) (*Stream, error) {
	if err := c.decide(); err != nil {
		return nil, err
	}
	c.mu.Lock()
	mux, handed, loginSMP := c.mux, c.handed, c.loginSMP
	c.handed = true
	c.mu.Unlock()
	if mux == nil {
		if handed {
			return nil, io.EOF
		}
		return c.Stream, nil
	}
	if loginSMP && !handed {
		return c.Stream, nil
	}
	sess, err := mux.Accept(ctx)
	if err != nil {
		if errors.Is(err, smp.ErrClosed) || errors.Is(err, smp.ErrTransport) && errors.Is(err, io.EOF) {
			return nil, io.EOF
		}
		return nil, errorf(PhaseMARS, err, "accepting an SMP session")
	}
	return c.sessionStream(sess)
}

// sessionStream makes the Stream of an SMP session.
func (c *ServerConn) sessionStream(sess *smp.Session) (*Stream, error) {
	w, err := tds.NewWriter(sess, c.packetSize)
	if err != nil {
		sess.Close()
		return nil, errorf(PhaseMARS, err, "packet writer")
	}
	w.SetSPID(c.cfg.SPID)
	r := tds.NewReader(sess)
	r.SetMaxMessageSize(cmp0(c.cfg.MaxMessageSize, tds.DefaultMaxMessageSize))
	if err := r.SetPacketSize(c.packetSize); err != nil {
		sess.Close()
		return nil, errorf(PhaseMARS, err, "packet reader")
	}
	return newStream(sess, r, w, c.Stream.v, PhaseMARS), nil
}

// Close closes the connection: the SMP multiplexer, if one runs (its
// goroutine has exited when Close returns), and the network connection.
func (c *ServerConn) Close() error {
	c.mu.Lock()
	c.closed = true
	m := c.mux
	c.mu.Unlock()
	var err error
	if m != nil {
		err = m.Close()
	}
	if cerr := c.nc.Close(); err == nil && !errors.Is(cerr, net.ErrClosed) {
		err = cerr
	}
	return err
}

// SMP reports whether the client started SMP: requests then come in the
// Streams of AcceptStream, one per session. It is known once
// AcceptStream or ReadMessage has returned.
func (c *ServerConn) SMP() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.mux != nil
}
