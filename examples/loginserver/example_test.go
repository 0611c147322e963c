package loginserver_test

import (
	"fmt"
	"net"
	"time"

	"github.com/tdswire/tdswire/examples/loginserver"
	"github.com/tdswire/tdswire/login7"
	"github.com/tdswire/tdswire/prelogin"
	"github.com/tdswire/tdswire/tds"
)

// A client sends PRELOGIN and LOGIN7; Handle answers PRELOGIN and captures
// LOGIN7, which login7 decodes. The client here is written with tdswire's
// encoders; the interop tests point go-mssqldb, FreeTDS and tedious at the
// same server.
func ExampleHandle() {
	server, client := net.Pipe()
	server.SetDeadline(time.Now().Add(10 * time.Second))
	client.SetDeadline(time.Now().Add(10 * time.Second))

	go func() {
		defer client.Close()
		w, _ := tds.NewWriter(client, tds.DefaultPacketSize)
		r := tds.NewReader(client)
		req := prelogin.Message{
			Present:    prelogin.HasVersion | prelogin.HasEncryption,
			Encryption: prelogin.EncryptNotSup,
		}
		b, _ := req.Append(nil)
		w.WriteMessage(tds.PacketPrelogin, 0, b)
		r.ReadMessage() // the server's PRELOGIN response
		l := login7.Login7{
			TDSVersion: tds.Version74,
			PacketSize: 4096,
			UserName:   tds.UCS2(tds.AppendUCS2(nil, "alice")),
			Password:   login7.NewPassword("secret"),
			AppName:    tds.UCS2(tds.AppendUCS2(nil, "example-app")),
			Database:   tds.UCS2(tds.AppendUCS2(nil, "sales")),
		}
		b, _ = l.Append(nil)
		w.WriteMessage(tds.PacketLogin7, 0, b)
	}()

	cp, err := loginserver.Handle(server, nil)
	server.Close()
	if err != nil {
		fmt.Println(err)
		return
	}
	var l login7.Login7
	if err := l.Decode(cp.Login); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(l.TDSVersion, l.UserName.String(), l.AppName.String(), l.Database.String(), l.Password.Equal("secret"))
	// Output: 7.4 (0x74000004) alice example-app sales true
}
