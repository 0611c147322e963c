// Package interop holds tdswire's real-client tests: a fake server on
// 127.0.0.1 answers each client's PRELOGIN with ENCRYPT_NOT_SUP, reads the
// LOGIN7 message the client sends, and closes. The tests then check that
// message three ways: its packet framing, Wireshark's dissection of it
// (tshark, an oracle independent of tdswire), and tdswire's own decoders
// (login7, and ntlm for the SSPI NEGOTIATE of integrated logins).
//
// The clients are go-mssqldb (SQL authentication and its NTLM provider),
// FreeTDS tsql (TDS 7.4, 7.3 and 7.1, SQL and NTLM logins), the FreeTDS
// ODBC driver through unixODBC's isql (TDS 7.4 and 7.2), and tedious (SQL
// at TDS 7.4 and 7.1, and NTLM). A test whose client or tool is missing is
// skipped, or fails when TDSWIRE_REQUIRE_PEERS=1; .ci/install-peers
// installs them all.
//
// The NTLM logins are also carried through the whole NTLMv2 exchange: the
// fake server answers the NEGOTIATE with a CHALLENGE from ntlm.Server in
// an SSPI token and verifies the client's AUTHENTICATE. FreeTDS and
// go-mssqldb verify; go-mssqldb's NTLMv2 timestamp and tedious's whole
// response depart from [MS-NLMP] in ways the tests pin down (see
// TestGoMSSQLNTLMTimestamp, TestTediousNTLMResponse).
//
// TestRealClientLongAppName makes LOGIN7 span two packets (go-mssqldb and
// tedious; FreeTDS truncates the name instead).
//
// TestWireMatchesCapture records a login on the loopback interface with
// tcpdump and checks the bytes on the wire are those the server read.
//
// The other half of the package points the same clients at the example
// server (examples/server/tdsserver, started in-process on 127.0.0.1:0)
// and checks whole sessions: go-mssqldb (TestGoMSSQLQueries,
// TestGoMSSQLLoginFailed), tsql (TestTSQLQueries, TestTSQLLoginFailed),
// tedious with its sp_executesql path (TestTediousQueries,
// TestTediousLoginFailed), and MARS through the FreeTDS ODBC driver and
// isql (TestMARSISQL): logins with and without TLS, SQL and NTLM, every
// value of the sample table, the errors 18456 and 3701, and what the server
// counted (Server.Stats: TLS handshakes, NTLM logins, batches, RPCs, SMP
// SYN and DATA packets).
//
// Set TDSWIRE_CAPTURE_DIR to a directory to keep the raw bytes of every
// capture there (name.raw, name.prelogin, name.login7).
//
// The package has no non-test code besides this comment.
package interop
