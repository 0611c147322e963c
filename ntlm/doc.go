// Package ntlm encodes and decodes the NT LAN Manager authentication
// messages of [MS-NLMP] and implements the NTLMv2 client and server roles
// that SQL Server's integrated authentication carries inside TDS SSPI
// messages.
//
// It implements:
//   - the messages: NEGOTIATE_MESSAGE (Negotiate, 2.2.1.1),
//     CHALLENGE_MESSAGE (Challenge, 2.2.1.2) and AUTHENTICATE_MESSAGE
//     (Authenticate, 2.2.1.3), with the NEGOTIATE flags (NegotiateFlags,
//     2.2.2.5) and VERSION (Version, 2.2.2.10);
//   - AV_PAIR lists (AVPairs, 2.2.2.1) with an allocation-free iterator and
//     appenders, and Single_Host_Data (2.2.2.2);
//   - NTLMv2 (3.3.2): NTOWFv2 and LMOWFv2, the LMv2 and NTLMv2 responses
//     with the NTLMv2_CLIENT_CHALLENGE (2.2.2.7, 2.2.2.8), the session base
//     key, the key exchange key (3.4.5.1) and the encrypted random session
//     key, and the MIC over the three messages (3.1.5.1.2);
//   - channel bindings: the MD5 of a gss_channel_bindings_struct
//     ([RFC2744] 3.11) for "tls-server-end-point" ([RFC5929] 4);
//   - Client (3.1.5.1) and Server (3.2.5.1) for connection-oriented NTLMv2.
//
// Decoders take a []byte, fill a value the caller owns and return views
// (sub-slices) into the input; they allocate nothing when the input is
// valid. Encoders append to the caller's slice and compute every length and
// offset. Errors are *Error values whose class (ErrTruncated, ErrMalformed,
// ErrWrongPassword, ErrBadMIC, ...) is reachable with errors.Is. The package
// does not depend on the TDS packages; NTLM is a protocol of its own.
//
// NTLM v1, anonymous and OEM-charset logons, and session security
// (SIGNKEY, SEALKEY, message signatures) are outside its scope.
//
// A client and a server exchange three messages:
//
//	c := &ntlm.Client{Domain: "CONTOSO", User: "joe33", Password: pw, Workstation: "WS1"}
//	s := &ntlm.Server{NbComputerName: "SQL1", NbDomainName: "CONTOSO", Lookup: accounts.Lookup}
//
//	negotiate := c.Negotiate(nil)
//	challenge, err := s.Challenge(nil, negotiate)
//	authenticate, key, err := c.Authenticate(nil, negotiate, challenge)
//	res, err := s.Verify(negotiate, challenge, authenticate) // res.SessionKey == key
//
// To look at a message without authenticating, decode it:
//
//	var a ntlm.Authenticate
//	if err := a.Decode(b); err == nil {
//		fmt.Println(a.String()) // NTLM AUTHENTICATE MESSAGE Version:NTLM v2, Domain: CONTOSO, ...
//	}
package ntlm
