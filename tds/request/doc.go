// Package request implements the client request messages that follow
// login in [MS-TDS]: ALL_HEADERS (2.2.5.3, with the Query Notifications,
// Transaction Descriptor and Trace Activity headers of 2.2.5.3.1 to
// 2.2.5.3.3), SQL Batch (2.2.6.7), RPC Request (2.2.6.6, including
// table-valued parameters, 2.2.5.5.5, and the ParamCipherInfo of encrypted
// parameters), and Transaction Manager Request (2.2.6.9).
//
// The codecs work on a message payload: the data of all of a message's
// packets with the packet headers removed (tds.Reader reassembles it,
// tds.Writer splits it). They take the negotiated tds.Version, because
// ALL_HEADERS exists only from TDS 7.2, the Trace Activity header from 7.4,
// TVPs from 7.3, and the RPC separator changed in 7.2.
//
// Decoders fill caller-owned values and return views into the payload
// (tds.UCS2 text, sqltype.Value parameter values); they do not allocate.
// An RPC Request is read with RPCReader, a cursor over RPCs and their
// parameters:
//
//	var r request.RPCReader
//	err := r.Reset(payload, tds.Version74) // reads ALL_HEADERS
//	for rpc, err := range r.RPCs() {
//		if err != nil { ... }
//		for p, err := range r.Params() {
//			if err != nil { ... }
//			// p.Name, p.Status, p.Type (sqltype.TypeInfo), p.Value
//		}
//	}
//
// Encoders append to the caller's slice and compute every length
// (ALL_HEADERS TotalLength and HeaderLength are back-patched):
//
//	h := request.AllHeaders{TransactionDescriptor: request.AutoCommit()}
//	batch := request.SQLBatch{Headers: h, SQLText: text} // text: a tds.UCS2
//	buf, err := batch.Append(buf[:0], tds.Version74)
//	err = w.WriteMessage(tds.PacketSQLBatch, 0, buf)
//
// An RPC is built from AllHeaders.Append, RPC.Append (the procedure by
// ProcID or by ProcName), then for each parameter AppendParam followed by
// the value from the parameter's sqltype.TypeInfo encoders, with
// AppendSeparator between RPCs.
//
// Attention ([MS-TDS] 2.2.1.7, packet type tds.PacketAttention) has no
// payload at all: a client cancels the running request with
// tds.Writer.WriteAttention (a single header-only packet, the dump of
// [MS-TDS] 4.10) and then reads the response until a DONE token with
// DONE_ATTN; a server checks what it received with Attention.Decode. An
// Attention may be sent while the server is still answering; a message
// the client is itself in the middle of sending is cancelled instead with
// tds.Writer.AbortMessage (the IGNORE bit).
//
// Errors are *tds.Error values with Layer tds.LayerRequest, the byte offset of
// the offending field in the payload, and a tds sentinel (tds.ErrTruncated,
// tds.ErrMalformed, tds.ErrTooLarge, tds.ErrUnexpected); errors found in a
// TYPE_INFO or value by package sqltype are wrapped, with the offset made
// relative to the payload.
package request
