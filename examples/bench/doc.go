// Package bench measures tdswire side by side with the clients and tools
// it is meant to beat, each comparison in one benchmark run so that the
// ratio, not the drifting absolute time of a shared machine, is the
// result (see BENCHMARKS.md at the repository root for figures and
// commands):
//
//   - BenchmarkRows: go-mssqldb reading SELECT * FROM big (int,
//     nvarchar(50), decimal(10,2), datetime2(7); 100,000 rows) from the
//     example server (examples/server/tdsserver) over loopback TCP,
//     against the tokens Scanner decoding the very same response bytes,
//     captured from that server, from their TDS packets to Go values.
//   - BenchmarkLogins: logins per second of go-mssqldb and of the example
//     client built on tdswire (examples/client/tdsclient) against the same
//     server.
//   - BenchmarkTrace: whole-process time of examples/tdstrace against
//     tshark -V on the same pcap of 1,000 go-mssqldb sessions
//     (CaptureSessions records them from the server's side).
//
// The helpers here (StartServer, CaptureResponse, Decoder, CaptureSessions) are what the
// benchmarks and their cross-checking tests share: the tokens decoder must
// read the same rows go-mssqldb reads before its speed means anything.
package bench
