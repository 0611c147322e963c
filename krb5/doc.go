// Package krb5 decodes and encodes the Kerberos V5 messages that SQL
// Server's integrated authentication carries inside SSPI blobs: the
// client's AP-REQ, the server's AP-REP (mutual authentication) and
// KRB-ERROR, in their GSS-API framing.
//
// It implements:
//   - the Kerberos GSS-API context token (GSSToken): the framing of
//     [RFC 2743] 3.1 with the Kerberos OID and the two-byte TOK_ID of
//     [RFC 4121] 4.1 (01 00 AP-REQ, 02 00 AP-REP, 03 00 KRB-ERROR);
//   - KRB_AP_REQ (APReq, [RFC 4120] 5.5.1) with its Ticket (5.3),
//     APOptions (use-session-key, mutual-required) and the authenticator's
//     EncryptedData (5.2.9);
//   - KRB_AP_REP (APRep, 5.5.2);
//   - KRB_ERROR (KRBError, 5.9.1) with the error codes of 7.5.9
//     (ErrorCode, named and explained);
//   - PrincipalName (5.2.2) with the name types of 6.2, KerberosTime
//     (5.2.3), and encryption types by number and name (EType: [RFC 3961]
//     8, [RFC 3962] 7, [RFC 4757] and [RFC 8009] 8).
//
// The package does not decrypt or check anything: a ticket's enc-part is
// encrypted in the service's key and an authenticator in the session key,
// which it never sees. Cipher texts are opaque bytes (Cipher) that print as
// their length only.
//
// Decoders take a []byte, fill a value the caller owns and return views
// into the input; they allocate nothing. Encoders append to the caller's
// slice and compute every length; they refuse (with ErrMalformed) values
// the decoders would refuse, such as a pvno other than 5. Errors are *Error values (the same type
// as spnego's) with the offset of the offending element and a class
// (ErrTruncated, ErrMalformed, ErrUnexpected) reachable with errors.Is.
//
// To read the AP-REQ a client sent (raw, or SPNEGO's mechToken):
//
//	var tok krb5.GSSToken
//	var req krb5.APReq
//	if err := tok.Decode(b); err == nil && tok.ID == krb5.TokAPReq {
//		if err := req.Decode(tok.Message); err == nil {
//			fmt.Println(req.Ticket.SName, "@", string(req.Ticket.Realm)) // MSSQLSvc/sql1.contoso.com:1433 @ CONTOSO.COM
//			kvno, _ := req.Ticket.EncPart.KVNO()
//			fmt.Println(req.Ticket.EncPart.EType, kvno)                     // aes256-cts-hmac-sha1-96 3
//			fmt.Println(req.Options.MutualRequired())                       // true
//		}
//	}
//
// [RFC 2743]: https://www.rfc-editor.org/rfc/rfc2743
// [RFC 3961]: https://www.rfc-editor.org/rfc/rfc3961
// [RFC 3962]: https://www.rfc-editor.org/rfc/rfc3962
// [RFC 4120]: https://www.rfc-editor.org/rfc/rfc4120
// [RFC 4121]: https://www.rfc-editor.org/rfc/rfc4121
// [RFC 4757]: https://www.rfc-editor.org/rfc/rfc4757
// [RFC 8009]: https://www.rfc-editor.org/rfc/rfc8009
package krb5
