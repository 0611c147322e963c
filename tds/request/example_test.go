package request_test

import (
	"bytes"
	"fmt"
	"log"

	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tds/request"
	"github.com/tdswire/tdswire/tds/sqltype"
)

// Build a SQL Batch inside a transaction: the Transaction Descriptor
// header carries the descriptor the server sent in its ENVCHANGE when the
// transaction began, and tds.Writer frames the payload as packets.
func ExampleSQLBatch_Append() {
	batch := request.SQLBatch{
		Headers: request.AllHeaders{
			TransactionDescriptor: request.TransactionDescriptor{
				Descriptor:              0x0000000100000051, // from ENVCHANGE type 8 (Begin Transaction)
				OutstandingRequestCount: 1,
			},
		},
		SQLText: tds.UCS2(tds.AppendUCS2(nil, "select 1")),
	}
	payload, err := batch.Append(nil, tds.Version74)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("% x\n", payload[:22])
	fmt.Printf("% x\n", payload[22:])

	var wire bytes.Buffer
	w, _ := tds.NewWriter(&wire, tds.DefaultPacketSize)
	if err := w.WriteMessage(tds.PacketSQLBatch, 0, payload); err != nil {
		fmt.Println(err)
		return
	}
	var ph tds.Header
	_ = ph.Decode(wire.Bytes())
	fmt.Println(ph)
	// Output:
	// 16 00 00 00 12 00 00 00 02 00 51 00 00 00 01 00 00 00 01 00 00 00
	// 73 00 65 00 6c 00 65 00 63 00 74 00 20 00 31 00
	// SQLBatch, SPID = 0, PacketID = 1, Status = EOM, Length = 46
}

// Iterate over the parameters of an sp_executesql call without
// allocating: names, types and values are views into the payload.
func ExampleRPCReader() {
	h := request.AllHeaders{TransactionDescriptor: request.AutoCommit()}
	nv := sqltype.TypeInfo{Type: sqltype.TypeNVarChar, MaxLen: 8000}
	in := sqltype.TypeInfo{Type: sqltype.TypeIntN, MaxLen: 4}
	payload, _ := h.Append(nil, tds.Version74)
	payload, _ = request.RPC{ProcID: request.ProcExecuteSQL}.Append(payload)
	payload, _ = request.AppendParam(payload, tds.Version74, "", 0, &nv)
	payload, _ = nv.AppendString(payload, "select @a + 1")
	payload, _ = request.AppendParam(payload, tds.Version74, "", 0, &nv)
	payload, _ = nv.AppendString(payload, "@a int")
	payload, _ = request.AppendParam(payload, tds.Version74, "@a", 0, &in)
	payload, _ = in.AppendInt(payload, 41)

	var r request.RPCReader
	if err := r.Reset(payload, tds.Version74); err != nil {
		fmt.Println(err)
		return
	}
	for rpc, err := range r.RPCs() {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("call", rpc.ProcID)
		for p, err := range r.Params() {
			if err != nil {
				log.Fatal(err)
			}
			switch p.Type.Type {
			case sqltype.TypeNVarChar:
				s, _ := p.Value.UCS2()
				fmt.Printf("  %q %v = %q\n", p.Name.String(), p.Type.Type, s.String())
			default:
				x, _ := p.Value.Int64()
				fmt.Printf("  %q %v = %d\n", p.Name.String(), p.Type.Type, x)
			}
		}
	}
	// Output:
	// call Sp_ExecuteSql
	//   "" NVARCHARTYPE = "select @a + 1"
	//   "" NVARCHARTYPE = "@a int"
	//   "@a" INTNTYPE = 41
}

// Begin a transaction with a Transaction Manager Request instead of
// T-SQL; the server answers with an ENVCHANGE carrying the descriptor.
func ExampleTransMgrReq() {
	m := request.TransMgrReq{
		Headers:   request.AllHeaders{TransactionDescriptor: request.AutoCommit()},
		Type:      request.TMBeginXact,
		Isolation: request.IsolationSnapshot,
	}
	payload, err := m.Append(nil, tds.Version74)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("% x\n", payload[22:])

	var back request.TransMgrReq
	if err := back.Decode(payload, tds.Version74); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(back.Type, back.Isolation == request.IsolationSnapshot)
	// Output:
	// 05 00 05 00
	// TM_BEGIN_XACT true
}

// Attention has no payload: tds.Writer sends it as one header-only packet,
// and the receiver checks it with Attention.Decode.
func Example_attention() {
	var wire bytes.Buffer
	w, _ := tds.NewWriter(&wire, tds.DefaultPacketSize)
	if err := w.WriteAttention(); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("% x\n", wire.Bytes())
	h, payload, _ := tds.NewReader(&wire).ReadMessage()
	var attn request.Attention
	fmt.Println(h.Type, attn.Decode(payload))
	// Output:
	// 06 01 00 08 00 00 01 00
	// Attention <nil>
}
