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
//   - SQL batches (2.2.6.7) and RPCs (2.2.6.6: sp_executesql,
//     sp_prepexec, sp_execute, sp_unprepare) with the small statement
//     table below (real COLMETADATA and ROW tokens with int, nvarchar,
//     decimal, datetime2 and NULL values); anything else with an ERROR
//     token;
//   - attention signals with DONE_ATTN (3.3.5.5);
//   - MARS over SMP ([MC-SMP]) with package smp: the FreeTDS ODBC driver
//     starts SMP right after the login response; a client that starts it
//     before LOGIN7 (carrying the login in its first session) is served
//     too.
//
// The SQL "engine" is a table of recognised statements, not a parser. A
// batch, or the statement of an RPC, is split at semicolons and line
// breaks; each piece is trimmed, its runs of white space are folded to one
// space, and it is compared case-insensitively with this list:
//
//	SELECT 1                  one int column, value 1
//	SELECT @@VERSION          one nvarchar column: VersionString
//	SELECT @@SPID             one smallint column: the connection's SPID
//	SELECT * FROM sample      SampleRows: id int, name nvarchar(50),
//	                          price decimal(10,2), created datetime2(7)
//	SELECT * FROM big         Config.Rows rows of BigRow, same columns
//	SELECT @a[, @b ...]       in an RPC only: the parameters' values as sent
//	SET ...                   accepted and ignored (drivers set options at login)
//
// Anything else is answered with ERROR 102, class 15, state 1 ("Incorrect
// syntax near '...'.", what SQL Server says for text it cannot parse), and
// an RPC to another procedure with ERROR 2812, class 16, state 62 ("Could
// not find stored procedure '...'."). sp_prepexec returns its handle in a
// RETURNVALUE (2.2.7.19).
//
// The server acknowledges no LOGIN7 feature extension (FEATUREEXTACK is
// optional, 2.2.7.11), so clients go on without them.
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
