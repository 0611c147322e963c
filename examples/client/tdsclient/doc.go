// Package tdsclient logs in to a SQL Server, or to the tdswire example
// server, step by step with tdswire's codecs, and prints each step the way
// the network-trace seeds describe a login: the driver handshake (PRELOGIN,
// [MS-TDS] 2.2.6.5), the SSL/TLS handshake carried in PRELOGIN packets
// (tds.ClientHandshake), the login packet (LOGIN7, 2.2.6.4), the NTLM
// challenge and response for a DOMAIN\user login (SSPI token 2.2.7.22 and
// SSPI message 2.2.6.8, package ntlm), the login confirmation (LOGINACK,
// ENVCHANGE, INFO; 2.2.7), one SQL batch (2.2.6.7) with its response
// (COLMETADATA, ROW, DONE), and the close.
//
//	res, err := tdsclient.Run(ctx, tdsclient.Config{
//		Addr: "127.0.0.1:14330", User: "sa", Password: "Passw0rd!",
//		Query: "SELECT 1", Out: os.Stdout,
//	})
//
// Packet lines follow the seeds' trace format, prefixed with > for what
// the client sent and < for what it received:
//
//	> TDS:Prelogin, Version = 7.4 (0x74000004), SPID = 0, PacketID = 1, Flags=EOM ...
//
// The client is an example, not a driver: one batch, no MARS, and with
// TLS it does not verify the server's certificate.
package tdsclient
