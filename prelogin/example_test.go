package prelogin_test

import (
	"encoding/hex"
	"fmt"

	"github.com/tdswire/tdswire/prelogin"
	"github.com/tdswire/tdswire/tds"
)

// A client builds its PRELOGIN request, appends it after a packet header
// and sends it as packet type 0x12. This reproduces the request of
// [MS-TDS] 4.1.
func ExampleMessage_Append() {
	req := prelogin.Message{
		Present:    prelogin.HasVersion | prelogin.HasEncryption | prelogin.HasThreadID | prelogin.HasMARS,
		Version:    prelogin.Version{Major: 9},
		Encryption: prelogin.EncryptOn,
		ThreadID:   3512,
		MARS:       true,
	}
	req.SetInstanceName("") // INSTOPT: the default instance, a lone 0x00

	buf := make([]byte, tds.HeaderLen, 64) // room for the header, filled below
	buf, err := req.Append(buf)
	if err != nil {
		fmt.Println(err)
		return
	}
	h := tds.Header{Type: tds.PacketPrelogin, Status: tds.StatusEOM, Length: uint16(len(buf)), PacketID: 1}
	h.Append(buf[:0])

	fmt.Println(h)
	fmt.Print(hex.Dump(buf))
	// Output:
	// Prelogin, SPID = 0, PacketID = 1, Status = EOM, Length = 47
	// 00000000  12 01 00 2f 00 00 01 00  00 00 1a 00 06 01 00 20  |.../........... |
	// 00000010  00 01 02 00 21 00 01 03  00 22 00 04 04 00 26 00  |....!...."....&.|
	// 00000020  01 ff 09 00 00 00 00 00  01 00 b8 0d 00 00 01     |...............|
}

// A client reads the server's PRELOGIN response (the data of a type 0x04
// packet) and decides what the connection does next.
func ExampleMessage_Decode() {
	data, _ := hex.DecodeString("" +
		"00001a0006" + "0100200001" + "0200210001" + "0300220000" + "0400220001" + "ff" +
		"0f0007d00000" + "03" + "00" + "00")

	var resp prelogin.Message
	if err := resp.Decode(data); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("server version:", resp.Version)
	fmt.Println("options:", resp.Present)
	fmt.Println("encryption:", resp.Encryption)
	fmt.Println("instance matches:", resp.Instance[0] == prelogin.InstanceMatch)
	fmt.Println("MARS:", resp.MARS)

	sent := prelogin.EncryptOff
	fmt.Println("outcome:", prelogin.Negotiate(sent, resp.Encryption))
	// Output:
	// server version: 15.0.2000.0
	// options: VERSION|ENCRYPTION|INSTOPT|THREADID|MARS
	// encryption: ENCRYPT_REQ
	// instance matches: true
	// MARS: false
	// outcome: Encrypt entire connection
}

// A trace tool lists the raw option table, undefined tokens included.
func ExampleEntries() {
	data, _ := hex.DecodeString("" +
		"0000100006" + "0900160002" + "0100180001" + "ff" +
		"0e0000000000" + "abcd" + "02")
	for e, err := range prelogin.Entries(data) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("entry at %2d: %-12v at %d: % x\n", e.At, e.Token, e.Offset, e.Data)
	}
	// Output:
	// entry at  0: VERSION      at 16: 0e 00 00 00 00 00
	// entry at  5: Option(0x09) at 22: ab cd
	// entry at 10: ENCRYPTION   at 24: 02
}

// A server answers a client's ENCRYPTION according to its own setting.
func ExampleServerResponse() {
	for _, client := range []prelogin.Encryption{
		prelogin.EncryptOff,
		prelogin.EncryptNotSup,
		prelogin.EncryptClientCert | prelogin.EncryptOn,
	} {
		resp, terminate := prelogin.ServerResponse(client, prelogin.EncryptOn)
		fmt.Printf("%v -> %v, terminate %v\n", client, resp, terminate)
	}
	// Output:
	// ENCRYPT_OFF -> ENCRYPT_REQ, terminate false
	// ENCRYPT_NOT_SUP -> ENCRYPT_REQ, terminate true
	// ENCRYPT_CLIENT_CERT|ENCRYPT_ON -> ENCRYPT_ON, terminate false
}

// A Message prints one line for traces, and every field under %+v.
func ExampleMessage_String() {
	data, _ := hex.DecodeString("" +
		"00001a0006" + "0100200001" + "0200210001" + "0300220004" + "0400260001" + "ff" +
		"090000000000" + "01" + "00" + "b80d0000" + "01")
	var m prelogin.Message
	if err := m.Decode(data); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m)
	fmt.Printf("%+v\n", m)
	// Output:
	// PRELOGIN Version=9.0.0.0 Encryption=ENCRYPT_ON Instance="" ThreadID=3512 MARS=true
	// PRELOGIN{Present=VERSION|ENCRYPTION|INSTOPT|THREADID|MARS Version=9.0.0.0 Encryption=ENCRYPT_ON Instance=00 ThreadID=3512 ThreadIDEmpty=false MARS=true TraceID={ConnectionID=00000000000000000000000000000000 ActivityID=00000000000000000000000000000000 ActivitySequence=0} FedAuthRequired=false Nonce=0000000000000000000000000000000000000000000000000000000000000000 Unknown=nil}
}
