// Package spnego decodes and encodes what Windows authentication puts in
// TDS's SSPI fields (LOGIN7's SSPI data, the SSPI message of packet type
// 0x11 and the SSPI token 0xED): the GSS-API initial context token framing,
// the SPNEGO negotiation tokens, and the mechanism object identifiers, and
// it classifies any such blob as raw NTLMSSP, SPNEGO or raw Kerberos.
//
// It implements:
//   - the mechanism-independent token format of [RFC 2743] 3.1
//     (InitialContextToken), and the mechanism OIDs SQL Server's clients
//     use: Kerberos V5 ([RFC 4121] 1.2.840.113554.1.2.2), Microsoft's
//     Kerberos ([MS-KILE] 1.2.840.48018.1.2.2), NTLM ([MS-NLMP]
//     1.3.6.1.4.1.311.2.2.10), SPNEGO ([RFC 4178] 1.3.6.1.5.5.2) and NegoEx
//     ([MS-NEGOEX] 1.3.6.1.4.1.311.2.2.30) (Mech, OID);
//   - SPNEGO ([RFC 4178] 4.2): NegTokenInit (4.2.1), including the
//     NegTokenInit2 form with negHints that Windows servers send
//     ([MS-SPNG] 2.2.1), and NegTokenResp (4.2.2) with its negState;
//   - Classify, which tells what an SSPI blob is and finds the mechanism
//     token inside it.
//
// Decoders take a []byte, fill a value the caller owns and return views
// (sub-slices) into the input: they allocate nothing, and the views stay
// valid as long as the caller keeps the input unchanged. Encoders append
// to the caller's slice and compute every length. Errors are *Error values
// saying which element was wrong and at which offset, with a class
// (ErrTruncated, ErrMalformed, ErrUnexpected) reachable with errors.Is.
// DER is read and written with golang.org/x/crypto/cryptobyte.
//
// Mechanism tokens and MICs are opaque bytes (Opaque): they print as their
// length only, under every fmt verb. The package does not run the
// mechanisms; package ntlm does NTLM and package krb5 decodes Kerberos
// messages.
//
// To see what a client sent in LOGIN7's SSPI field:
//
//	blob, err := spnego.Classify(sspi)
//	switch blob.Kind {
//	case spnego.KindSPNEGOInit:
//		for oid := range blob.Init.MechTypes.All() {
//			fmt.Println("offered", oid.Mech(), oid)
//		}
//		fmt.Println("optimistic token for", blob.Mech) // Kerberos, or NTLM
//	case spnego.KindKerberos:
//		fmt.Println("raw Kerberos token", blob.TokenID) // 0x0100: AP-REQ
//	case spnego.KindNTLM:
//		fmt.Println("raw NTLMSSP message")
//	}
//
// [RFC 2743]: https://www.rfc-editor.org/rfc/rfc2743
// [RFC 4121]: https://www.rfc-editor.org/rfc/rfc4121
// [RFC 4178]: https://www.rfc-editor.org/rfc/rfc4178
// [MS-SPNG]: https://learn.microsoft.com/openspecs/windows_protocols/ms-spng
// [MS-KILE]: https://learn.microsoft.com/openspecs/windows_protocols/ms-kile
// [MS-NLMP]: https://learn.microsoft.com/openspecs/windows_protocols/ms-nlmp
// [MS-NEGOEX]: https://learn.microsoft.com/openspecs/windows_protocols/ms-negoex
package spnego
