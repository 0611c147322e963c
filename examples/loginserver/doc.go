// Package loginserver plays the server's side of a TDS login far enough
// to capture what a client sends, using tdswire's codecs end to end: it
// reads the client's PRELOGIN ([MS-TDS] 2.2.6.5) with tds.Reader and the
// prelogin package, answers that it supports no encryption
// (ENCRYPT_NOT_SUP, so the rest travels in clear), reads the LOGIN7
// message (2.2.6.4) and, for an integrated login, can carry the NTLM
// exchange one step further: it answers the NEGOTIATE in LOGIN7 with an
// ntlm.Server CHALLENGE in an SSPI token (2.2.7.22) and verifies the
// AUTHENTICATE that comes back in an SSPI message (2.2.6.8). It never
// sends LOGINACK: the client is then told the connection closed.
//
// It is the fake server of the interop tests, which point real clients
// (go-mssqldb, FreeTDS, tedious) at it, and a compact example of a server
// built on tdswire:
//
//	ln, _ := net.Listen("tcp", "127.0.0.1:0")
//	c, _ := ln.Accept()
//	c.SetDeadline(time.Now().Add(10 * time.Second))
//	cp, err := loginserver.Handle(c, nil)
//	c.Close()
//	var l login7.Login7
//	err = l.Decode(cp.Login)
//	fmt.Println(l.UserName.String(), l.AppName.String())
//
// Only a connection that stays unencrypted can be captured this way: a
// client that requires encryption (ENCRYPT_ON or ENCRYPT_REQ in its
// PRELOGIN) is refused, as [MS-TDS] 2.2.6.5 says a server without
// encryption must.
package loginserver
