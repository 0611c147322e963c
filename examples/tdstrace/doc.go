// Command tdstrace explains a TDS capture the way the network-trace
// articles about SQL Server logins do: one line per frame, then, for each
// conversation, the authentication used, what TLS covered, the TDS
// version, the time spent in each step, the MARS sessions and how the
// connection ended.
//
// Usage, from the examples module:
//
//	go run ./tdstrace [-json] [-port 1433] capture.pcap
//	go run ./tdstrace -hex [-from client|server] < message.hex
//
// It reads pcap and pcapng files (gzip-compressed pcap too) with
// gopacket's pcapgo readers into reused buffers, decodes the link
// (Ethernet, Linux SLL, BSD loopback, raw IP), IP and TCP layers with a
// gopacket DecodingLayerParser over preallocated layer values (capture.go;
// nothing is allocated per frame), puts each direction of a TCP
// connection back in order itself, and hands it to a tdsconn.Observer,
// which follows the connection flow: TDS packets and messages ([MS-TDS]
// 2.2.3), TLS records inside PRELOGIN packets (2.2.6.5, 3.2.5.2) or on
// TCP, the login and its SSPI rounds, SMP packets of MARS connections
// ([MC-SMP] 2.2). tdstrace decodes each message the observer names with
// tdswire (2.2.6, 2.2.7, NTLM messages in SSPI tokens, [MS-NLMP] 2.2.1)
// and explains the conversation from what the observer says.
//
// The server side of a connection is the end using -port (1433 by
// default). When -port is not given and a connection does not use 1433,
// the side that sends PRELOGIN first is the client.
//
// With -json the output is one JSON object per line: a "frame" record
// (FrameRecord) for every frame of a TDS conversation, then a
// "conversation" record (Summary) for every conversation. With -hex,
// tdstrace decodes one message written as hexadecimal on standard input
// (Wireshark's "Copy as Hex Dump", xxd, the [MS-TDS] section 4 dumps or a
// plain hex stream) and prints every field tdswire decodes, except
// LOGIN7's passwords.
package main
