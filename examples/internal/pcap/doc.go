// Package pcap writes a TCP conversation as a classic libpcap capture file
// so that Wireshark's tshark can dissect bytes a test captured from a real
// client. The interop tests use tshark's TDS, LOGIN7 and NTLMSSP
// dissectors as an oracle independent of tdswire's own decoders.
//
// The file uses link type LINKTYPE_RAW (101): every record is an IPv4
// packet with a TCP segment, starting with a three-way handshake so that
// tshark's TCP reassembly sees a complete stream. Checksums are computed
// (IPv4) or left zero (TCP, which tshark does not verify by default).
package pcap
