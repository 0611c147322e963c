package tdsconn

import (
	"errors"
	"io"
	"net"
	"sync"
	"time"

	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tokens"
)

// Stream is one TDS message stream after login: the connection itself,
// or one SMP session of a MARS connection ([MC-SMP]). It frames messages
// with the packet size and SPID the login negotiated, and knows the TDS
// version tokens are encoded with.
//
// Reading and writing may happen in two goroutines at once (a server
// reads an ATTENTION while it streams a result; a client sends one while
// it reads), but each direction has one user at a time.
type Stream struct {
	r     *tds.Reader
	w     *tds.Writer
	conn  net.Conn // the transport: TCP, TLS, an SMP session, or a wrapper
	v     tds.Version
	phase Phase

	closeOnce sync.Once
	closeErr  error
	onClose   func() error // closes what the stream runs over; nil: conn.Close
}

func newStream(conn net.Conn, r *tds.Reader, w *tds.Writer, v tds.Version, phase Phase) *Stream {
	return &Stream{r: r, w: w, conn: conn, v: v, phase: phase}
}

// Version returns the negotiated TDS version: the LOGINACK's, mapped to
// the client-side form by tokens.LoginAck.Negotiated.
func (s *Stream) Version() tds.Version { return s.v }

// PacketSize returns the packet size the stream writes with.
func (s *Stream) PacketSize() int { return s.w.PacketSize() }

// SetPacketSize applies a packet size to both directions: the largest
// packet accepted and the size of packets written ([MS-TDS] 2.2.3.1.3).
// The package calls it when the login negotiates a size; call it again
// only for a later ENVCHANGE packet size.
func (s *Stream) SetPacketSize(n int) error {
	if err := s.w.SetPacketSize(n); err != nil {
		return errorf(s.phase, err, "packet size %d", n)
	}
	if err := s.r.SetPacketSize(n); err != nil {
		return errorf(s.phase, err, "packet size %d", n)
	}
	return nil
}

// SetMaxMessageSize bounds the payload ReadMessage reassembles (see
// tds.Reader.SetMaxMessageSize); n <= 0 restores tds.DefaultMaxMessageSize.
func (s *Stream) SetMaxMessageSize(n int) { s.r.SetMaxMessageSize(n) }

// ReadMessage reads the next whole message. The payload is a view of the
// stream's buffer, valid until the next read. A clean end of the stream
// before a message is io.EOF, unwrapped; anything else is an *Error.
// An ATTENTION from the client is a message like any other: check
// h.Type == tds.PacketAttention (IsAttention).
func (s *Stream) ReadMessage() (tds.Header, []byte, error) {
	h, b, err := s.r.ReadMessage()
	if err != nil {
		return h, nil, s.readErr(err, "reading a message")
	}
	return h, b, nil
}

// ReadPacket reads one packet, for results too large to hold as one
// message (see tds.Reader.ReadPacket). The data is valid until the next
// read.
func (s *Stream) ReadPacket() (tds.Header, []byte, error) {
	h, b, err := s.r.ReadPacket()
	if err != nil {
		return h, nil, s.readErr(err, "reading a packet")
	}
	return h, b, nil
}

func (s *Stream) readErr(err error, what string) error {
	if err == io.EOF {
		return io.EOF
	}
	if errors.Is(err, net.ErrClosed) {
		err = errors.Join(ErrClosed, err)
	}
	return errorf(s.phase, err, "%s", what)
}

// WriteMessage writes payload as one message of type t, split into
// packets of the negotiated size.
func (s *Stream) WriteMessage(t tds.PacketType, payload []byte) error {
	if err := s.w.WriteMessage(t, 0, payload); err != nil {
		return errorf(s.phase, err, "writing a %v message", t)
	}
	return nil
}

// WriteMessageStatus is WriteMessage with status bits besides EOM for
// the message's packets (RESETCONNECTION, RESETCONNECTIONSKIPTRAN,
// [MS-TDS] 2.2.3.1.2), as a proxy forwards them.
func (s *Stream) WriteMessageStatus(t tds.PacketType, status tds.Status, payload []byte) error {
	if err := s.w.WriteMessage(t, status&^tds.StatusEOM, payload); err != nil {
		return errorf(s.phase, err, "writing a %v message", t)
	}
	return nil
}

// BeginMessageStatus is BeginMessage with status bits besides EOM.
func (s *Stream) BeginMessageStatus(t tds.PacketType, status tds.Status) error {
	if err := s.w.BeginMessage(t, status&^tds.StatusEOM); err != nil {
		return errorf(s.phase, err, "starting a %v message", t)
	}
	return nil
}

// BeginMessage starts a message of type t to be streamed with Write and
// ended with EndMessage (or AbortMessage): a response of any length goes
// out packet by packet, without the whole of it in memory. Token
// encoders append to a caller's slice, so a server appends a few rows to
// a scratch buffer, Writes it, and reuses the buffer.
func (s *Stream) BeginMessage(t tds.PacketType) error {
	if err := s.w.BeginMessage(t, 0); err != nil {
		return errorf(s.phase, err, "starting a %v message", t)
	}
	return nil
}

// Write appends p to the message begun with BeginMessage, sending each
// packet as it fills.
func (s *Stream) Write(p []byte) (int, error) {
	n, err := s.w.Write(p)
	if err != nil {
		return n, errorf(s.phase, err, "writing a message")
	}
	return n, nil
}

// EndMessage sends the last packet (with EOM) of the current message.
func (s *Stream) EndMessage() error {
	if err := s.w.EndMessage(); err != nil {
		return errorf(s.phase, err, "ending a message")
	}
	return nil
}

// AbortMessage ends the current message with the IGNORE bit, telling the
// peer to discard it ([MS-TDS] 2.2.3.1.2).
func (s *Stream) AbortMessage() error {
	if err := s.w.AbortMessage(); err != nil {
		return errorf(s.phase, err, "aborting a message")
	}
	return nil
}

// WriteAttention sends an ATTENTION message (client side, [MS-TDS]
// 2.2.1.7). ClientConn.Cancel also waits for the acknowledgement.
func (s *Stream) WriteAttention() error {
	if err := s.w.WriteAttention(); err != nil {
		return errorf(s.phase, err, "writing an attention")
	}
	return nil
}

// WriteAttentionAck sends the server's acknowledgement of an attention:
// a response message holding a DONE token with DONE_ATTN ([MS-TDS]
// 2.2.1.7, 3.3.5.7).
func (s *Stream) WriteAttentionAck() error {
	var b [16]byte
	return s.WriteMessage(tds.PacketResponse, tokens.Done{Status: tokens.DoneAttn}.Append(b[:0], s.v))
}

// IsAttention reports whether h is the header of an ATTENTION message.
func IsAttention(h tds.Header) bool { return h.Type == tds.PacketAttention }

// SetDeadline sets the read and write deadline of the transport (for an
// SMP session, of the session).
func (s *Stream) SetDeadline(t time.Time) error { return s.conn.SetDeadline(t) }

// SetReadDeadline sets the read deadline of the transport.
func (s *Stream) SetReadDeadline(t time.Time) error { return s.conn.SetReadDeadline(t) }

// SetWriteDeadline sets the write deadline of the transport.
func (s *Stream) SetWriteDeadline(t time.Time) error { return s.conn.SetWriteDeadline(t) }

// Close closes the stream: an SMP session, or the whole connection for a
// stream that is the connection. It is safe to call more than once.
func (s *Stream) Close() error {
	s.closeOnce.Do(func() {
		if s.onClose != nil {
			s.closeErr = s.onClose()
		} else {
			s.closeErr = s.conn.Close()
		}
	})
	return s.closeErr
}

// peekConn returns pre before reading from Conn: a byte read to tell
// what comes next (TLS, PRELOGIN, LOGIN7, SMP) given back.
type peekConn struct {
	net.Conn
	pre []byte
}

func (c *peekConn) Read(p []byte) (int, error) {
	if len(c.pre) > 0 {
		n := copy(p, c.pre)
		c.pre = c.pre[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}

// peek reads one byte of conn and returns it with a conn that gives it
// back.
func peek(conn net.Conn) (byte, net.Conn, error) {
	var b [1]byte
	if _, err := io.ReadFull(conn, b[:]); err != nil {
		return 0, conn, err
	}
	return b[0], &peekConn{Conn: conn, pre: b[:]}, nil
}
