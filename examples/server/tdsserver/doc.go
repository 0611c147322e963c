// Package tdsserver is a small TDS server built only from tdswire's codecs,
// for trying real SQL Server drivers against the library. It answers:
//
//   - PRELOGIN ([MS-TDS] 2.2.6.5) with its VERSION, the ENCRYPTION answer
//     of the first table of 2.2.6.5 for its TLSMode, and MARS when the
//     client asks and Config.MARS allows;
//   - TLS inside PRELOGIN packets (tds.ServerHandshake, 3.3.5.1), for the
//     login packet only or for the whole connection, as negotiated;
//   - LOGIN7 (2.2.6.4) with SQL authentication against Config.Users, or
//     NTLM (integrated security): the NEGOTIATE_MESSAGE in LOGIN7 gets a
//     CHALLENGE_MESSAGE in an SSPI token (2.2.7.22) and the
//     AUTHENTICATE_MESSAGE in the SSPI message (2.2.6.8) is verified by
//     ntlm.Server;
//   - a successful login with ENVCHANGE (database, collation, language,
//     packet size), INFO 5701 "Changed database context to '...'." and
//     5703, LOGINACK and DONE (the order of SQL Server, 4.3); a failed one
//     with ERROR 18456, class 14, state 1, "Login failed for user '...'.";
//   - SQL batches (2.2.6.7) and sp_executesql RPCs (2.2.6.6) with the
//     small statement table described on engine (real COLMETADATA and ROW
//     tokens with int, nvarchar, decimal, datetime2 and NULL values);
//     anything else with an ERROR token;
//   - attention signals with DONE_ATTN (3.3.5.5);
//   - MARS over SMP ([MC-SMP]) with package smp, whether the client starts
//     SMP before LOGIN7 (FreeTDS) or after the login response.
//
// Clients speaking TDS 7.1 to 7.4 are served; the result sets follow the
// client's version (datetime2 goes to clients before 7.3 as nvarchar text,
// as SQL Server does).
//
// Use:
//
//	srv, err := tdsserver.New(tdsserver.Config{
//		Users: []tdsserver.User{{Name: "sa", Password: "Passw0rd!"}},
//		TLS:   tdsserver.TLSLogin,
//	})
//	ln, err := net.Listen("tcp", "127.0.0.1:0")
//	go srv.Serve(ln)
//	defer srv.Close()
//
// It is an example and a test peer, not a database: there is no storage,
// no SQL parser, and every connection sees the same fixed tables.
package tdsserver
