package tdsserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/tdswire/tdswire/smp"
	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tds/request"
	"github.com/tdswire/tdswire/tdsconn"
)

// Received is one message a client sent, decoded, as Server.Received
// records it when Config.Record is set.
type Received struct {
	Conn    int64 // connection number (Session.ID), from 1
	Time    time.Time
	Type    tds.PacketType
	Payload []byte // a copy of the message payload
	// Decoded is, by Type: *prelogin.Message, *login7.Login7 (printing it
	// never shows the password), string (the SQL batch text),
	// []RecordedRPC, *request.TransMgrReq, nil for an attention or bulk
	// load. Views in it point into Payload.
	Decoded any
	// Headers is the ALL_HEADERS of a batch, RPC or transaction manager
	// request (TDS 7.2 and later).
	Headers request.AllHeaders
}

// RecordedRPC is one RPC of a recorded RPC request.
type RecordedRPC struct {
	Name   string
	ProcID request.ProcID
	Params []request.Param
}

// DefaultRecordLimit is how many messages Server.Received keeps unless
// Config.RecordLimit says otherwise; older ones are dropped.
const DefaultRecordLimit = 10000

func (s *Server) record(r Received) {
	if !s.cfg.Record {
		return
	}
	s.recMu.Lock()
	defer s.recMu.Unlock()
	limit := s.cfg.RecordLimit
	if limit <= 0 {
		limit = DefaultRecordLimit
	}
	if len(s.rec) >= limit {
		n := copy(s.rec, s.rec[1:])
		s.rec = s.rec[:n]
	}
	s.rec = append(s.rec, r)
}

// Received returns the messages recorded so far (Config.Record), oldest
// first.
func (s *Server) Received() []Received {
	s.recMu.Lock()
	defer s.recMu.Unlock()
	return append([]Received(nil), s.rec...)
}

// ResetReceived forgets the recorded messages.
func (s *Server) ResetReceived() {
	s.recMu.Lock()
	s.rec = nil
	s.recMu.Unlock()
}

// inMsg is one message from the reader goroutine.
type inMsg struct {
	h   tds.Header
	msg []byte
	err error
}

// inflight is the request being answered, shared with the reader
// goroutine, which turns an attention into a cancellation.
type inflight struct {
	mu      sync.Mutex
	running bool
	attn    bool
	cancel  context.CancelFunc
}

func (f *inflight) attention() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.attn
}

// serveRequests answers the requests of one logged-in TDS stream until
// the client goes away. closeStream ends the stream (for the idle timeout).
func (c *conn) serveRequests(st *tdsconn.Stream) error {
	s := c.s
	v := c.sess.Version
	closeStream := st.Close
	var fl inflight
	msgs := make(chan inMsg)
	stop := make(chan struct{})
	var readers sync.WaitGroup
	readers.Add(1)
	go func() {
		defer readers.Done()
		var bufs [2][]byte
		k := 0
		for {
			h, msg, err := st.ReadMessage()
			if err == nil && h.Type == tds.PacketAttention {
				fl.mu.Lock()
				if fl.running && !fl.attn {
					fl.attn = true
					fl.cancel()
					fl.mu.Unlock()
					s.st.attn.Add(1)
					s.record(Received{Conn: c.id, Time: time.Now(), Type: h.Type})
					c.log("TDS:Attention received while answering: cancelling")
					continue
				}
				fl.mu.Unlock()
			}
			if err == nil {
				// The handler may still use the previous message's
				// buffer; alternate between two.
				bufs[k] = append(bufs[k][:0], msg...)
				msg = bufs[k]
				k = 1 - k
			}
			if err != nil {
				// The client is gone: a handler still running (a WAITFOR,
				// a long result) is cancelled rather than left waiting.
				fl.mu.Lock()
				if fl.running && fl.cancel != nil {
					fl.cancel()
				}
				fl.mu.Unlock()
			}
			select {
			case msgs <- inMsg{h, msg, err}:
			case <-stop:
				return
			}
			if err != nil {
				return
			}
		}
	}()
	defer func() {
		close(stop)
		closeStream()
		readers.Wait()
	}()

	rw := newResponseWriter(st, v, s.cfg.ServerName)
	var idle *time.Timer
	for {
		if s.cfg.IdleTimeout > 0 {
			// Armed while waiting for a whole message: bytes that trickle
			// in without completing one do not renew it.
			idle = time.AfterFunc(s.cfg.IdleTimeout, func() {
				c.log("idle for %v: closing", s.cfg.IdleTimeout)
				s.st.idle.Add(1)
				closeStream()
			})
		}
		var m inMsg
		select {
		case m = <-msgs:
		case <-c.ctx.Done():
			if idle != nil {
				idle.Stop()
			}
			return nil
		}
		if idle != nil && !idle.Stop() {
			return nil // the idle timeout closed the stream
		}
		if m.err != nil {
			if errors.Is(m.err, io.EOF) || errors.Is(m.err, io.ErrUnexpectedEOF) || errors.Is(m.err, smp.ErrClosed) {
				return nil
			}
			return m.err
		}
		if err := c.handle(rw, &fl, m.h, m.msg); err != nil {
			return err
		}
	}
}

// handle answers one message.
func (c *conn) handle(rw *ResponseWriter, fl *inflight, h tds.Header, msg []byte) error {
	s := c.s
	v := c.sess.Version
	rec := Received{Conn: c.id, Time: time.Now(), Type: h.Type}
	if s.cfg.Record {
		rec.Payload = append([]byte(nil), msg...)
	}
	var reqs []Request
	switch h.Type {
	case tds.PacketAttention:
		// An attention after the response was complete: acknowledge it
		// alone ([MS-TDS] 3.3.5.5).
		var attn request.Attention
		if err := attn.Decode(msg); err != nil {
			return fmt.Errorf("decoding an attention: %w", err)
		}
		s.st.attn.Add(1)
		s.record(rec)
		c.log("TDS:Attention received: %v", h)
		rw.reset(nil, nil)
		return rw.finish(SQLBatch, true, true)
	case tds.PacketSQLBatch:
		var b request.SQLBatch
		if err := b.Decode(msg, v); err != nil {
			return fmt.Errorf("decoding a SQL batch: %w", err)
		}
		s.st.batches.Add(1)
		sql := b.SQLText.String()
		c.log("TDS:SQLBatch received: %v; %q", h, sql)
		rec.Decoded, rec.Headers = sql, b.Headers
		reqs = append(reqs, Request{Kind: SQLBatch, Header: h, Payload: msg, Headers: b.Headers, SQL: sql})
	case tds.PacketRPC:
		var rr request.RPCReader
		if err := rr.Reset(msg, v); err != nil {
			return fmt.Errorf("decoding an RPC request: %w", err)
		}
		s.st.rpcs.Add(1)
		i := 0
		for rpc, err := range rr.RPCs() {
			if err != nil {
				return fmt.Errorf("decoding an RPC request: %w", err)
			}
			call := &RPCCall{Name: rpc.ProcName.String(), ProcID: rpc.ProcID, Options: rpc.Options, Index: i}
			i++
			if rpc.ProcID != 0 {
				call.Name = rpc.ProcID.String()
			}
			for p, err := range rr.Params() {
				if err != nil {
					return fmt.Errorf("decoding an RPC request: %w", err)
				}
				call.Params = append(call.Params, *p)
			}
			c.log("TDS:RPCRequest received: %v; %s with %d parameters", h, call.Name, len(call.Params))
			reqs = append(reqs, Request{Kind: RPC, Header: h, Payload: msg, Headers: rr.Headers, RPC: call})
		}
		rec.Headers = rr.Headers
		if s.cfg.Record {
			// Decoded again from the recorded copy so its views stay valid.
			var rr2 request.RPCReader
			var out []RecordedRPC
			if rr2.Reset(rec.Payload, v) == nil {
				for rpc, err := range rr2.RPCs() {
					if err != nil {
						break
					}
					n := rpc.ProcName.String()
					if rpc.ProcID != 0 {
						n = rpc.ProcID.String()
					}
					rc := RecordedRPC{Name: n, ProcID: rpc.ProcID}
					for p, err := range rr2.Params() {
						if err != nil {
							break
						}
						rc.Params = append(rc.Params, *p)
					}
					out = append(out, rc)
				}
			}
			rec.Decoded = out
		}
	case tds.PacketTransactionManager:
		var m request.TransMgrReq
		if err := m.Decode(msg, v); err != nil {
			return fmt.Errorf("decoding a transaction manager request: %w", err)
		}
		s.st.tm.Add(1)
		c.log("TDS:TransactionManager received: %v; %v", h, m.Type)
		rec.Headers = m.Headers
		if s.cfg.Record {
			var m2 request.TransMgrReq
			if m2.Decode(rec.Payload, v) == nil {
				rec.Decoded = &m2
			}
		}
		reqs = append(reqs, Request{Kind: TransactionManager, Header: h, Payload: msg, Headers: m.Headers, TM: &m})
	case tds.PacketBulkLoad:
		c.log("TDS:BulkLoad received: %v; %d bytes", h, len(msg))
		reqs = append(reqs, Request{Kind: BulkLoad, Header: h, Payload: msg})
	default:
		return fmt.Errorf("unexpected %v message from a logged-in client", h.Type)
	}
	s.record(rec)

	c.cs.busy.Add(1)
	defer c.cs.busy.Add(-1)
	ctx, cancel := context.WithCancel(c.ctx)
	defer cancel()
	fl.mu.Lock()
	fl.running, fl.attn, fl.cancel = true, false, cancel
	fl.mu.Unlock()
	rw.reset(ctx, fl.attention)
	handler := s.handler
	for i := range reqs {
		req := &reqs[i]
		req.Session = c.sess
		if i > 0 {
			rw.nextRPC()
			rw.resetCall(ctx, fl.attention)
		}
		if !fl.attention() {
			if f := c.statementFault(req); f != nil {
				if err := c.applyStatementFault(ctx, rw, req, f); err != nil {
					return err
				}
			} else {
				handler.ServeTDS(ctx, rw, req)
			}
		}
		last := i == len(reqs)-1
		if last {
			fl.mu.Lock()
			fl.running = false
			fl.mu.Unlock()
		}
		attn := fl.attention()
		if err := rw.finish(req.Kind, attn, last || attn); err != nil {
			return err
		}
		if attn {
			c.log("response ended with DONE_ATTN")
			break
		}
	}
	fl.mu.Lock()
	fl.running, fl.attn = false, false
	fl.mu.Unlock()
	return nil
}
