package tdsproxy

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tds/request"
	"github.com/tdswire/tdswire/tokens"
)

// maxText bounds the SQL text and messages quoted in a log line.
const maxText = 200

func clip(s string) string {
	if len(s) > maxText {
		return s[:maxText] + "..."
	}
	return s
}

// describe returns the log line of one relayed message.
func describe(h tds.Header, msg []byte, v tds.Version, fromClient bool) string {
	if fromClient {
		switch h.Type {
		case tds.PacketSQLBatch:
			var b request.SQLBatch
			if err := b.Decode(msg, v); err != nil {
				return fmt.Sprintf("SQLBatch (%d bytes): %v", len(msg), err)
			}
			return fmt.Sprintf("SQLBatch %q", clip(b.SQLText.String()))
		case tds.PacketRPC:
			var r request.RPCReader
			if err := r.Reset(msg, v); err != nil {
				return fmt.Sprintf("RPC (%d bytes): %v", len(msg), err)
			}
			var names []string
			for rpc, err := range r.RPCs() {
				if err != nil {
					names = append(names, "error: "+err.Error())
					break
				}
				if rpc.ProcID != 0 {
					names = append(names, rpc.ProcID.String())
				} else {
					names = append(names, rpc.ProcName.String())
				}
				for _, err := range r.Params() {
					if err != nil {
						break
					}
				}
			}
			return fmt.Sprintf("RPC %s (%d bytes)", strings.Join(names, ", "), len(msg))
		case tds.PacketAttention:
			return "ATTENTION"
		}
		return fmt.Sprintf("%v (%d bytes)", h.Type, len(msg))
	}
	if h.Type != tds.PacketResponse {
		return fmt.Sprintf("%v (%d bytes)", h.Type, len(msg))
	}
	return "Response: " + describeTokens(msg, v)
}

// describeTokens summarises a token stream: the tokens in order, runs of
// rows counted.
func describeTokens(msg []byte, v tds.Version) string {
	s := tokens.NewScanner(msg, v)
	var parts []string
	rows := 0
	flush := func() {
		if rows > 0 {
			parts = append(parts, fmt.Sprintf("%d ROW", rows))
			rows = 0
		}
	}
	for {
		t, err := s.Next()
		if err != nil {
			flush()
			if !errors.Is(err, io.EOF) {
				parts = append(parts, "undecodable: "+err.Error())
			}
			break
		}
		if t == tokens.TokenRow || t == tokens.TokenNBCRow {
			rows++
			continue
		}
		flush()
		switch t {
		case tokens.TokenColMetadata:
			cols := s.Columns()
			names := make([]string, len(cols))
			for i, c := range cols {
				names[i] = c.ColName.String()
			}
			parts = append(parts, fmt.Sprintf("COLMETADATA [%s]", clip(strings.Join(names, ", "))))
		case tokens.TokenDone, tokens.TokenDoneProc, tokens.TokenDoneInProc:
			var d tokens.Done
			if s.Done(&d) == nil {
				if d.Status&tokens.DoneCount != 0 {
					parts = append(parts, fmt.Sprintf("%v(%v, %d rows)", t, d.Status, d.RowCount))
				} else {
					parts = append(parts, fmt.Sprintf("%v(%v)", t, d.Status))
				}
			}
		case tokens.TokenError, tokens.TokenInfo:
			var m tokens.Message
			if s.Message(&m) == nil {
				parts = append(parts, fmt.Sprintf("%v %d %q", t, m.Number, clip(m.MsgText.String())))
			}
		case tokens.TokenEnvChange:
			var e tokens.EnvChange
			if s.EnvChange(&e) == nil {
				parts = append(parts, fmt.Sprintf("ENVCHANGE %v", e.Type))
			}
		default:
			parts = append(parts, t.String())
		}
	}
	return strings.Join(parts, ", ")
}
