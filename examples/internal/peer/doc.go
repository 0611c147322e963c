// Package peer finds the real TDS clients and capture tools that the
// examples module's interop tests drive (FreeTDS tsql, the FreeTDS ODBC
// driver through unixODBC's isql, Node.js with tedious, tshark, tcpdump),
// runs them with bounded time, and writes their configuration files into
// a test's temporary directory so that nothing global is changed.
//
// A test that needs a peer calls one of the finders (TSQL, ISQL, Tedious,
// TShark, TCPDump). When the peer is missing the test is skipped with a
// message naming what is missing and how to install it; when the
// environment variable TDSWIRE_REQUIRE_PEERS is "1" (CI sets it) the test
// fails instead, so a CI machine without its peers cannot pass silently.
//
// All peers are installed by the repository's .ci/install-peers script.
package peer
