// Package tokens decodes and encodes the token stream of TDS responses,
// [MS-TDS] 2.2.4.2 (token classes) and 2.2.7 (the tokens): what a server
// sends back for a login, an SQL batch, an RPC or an attention, and what
// proxies, test servers and trace tools need to read or write byte for
// byte.
//
// Scanner walks a message body (packet headers removed) token by token
// without allocating: Next reports each token's type and byte span, and
// typed methods decode the current token on request into values the
// caller owns:
//
//	s := tokens.NewScanner(body, tds.Version74)
//	for {
//		t, err := s.Next()
//		if err == io.EOF {
//			break
//		} else if err != nil {
//			return err
//		}
//		switch t {
//		case tokens.TokenLoginAck:
//			var ack tokens.LoginAck
//			if err := s.LoginAck(&ack); err != nil {
//				return err
//			}
//			s.SetVersion(ack.Negotiated())
//		case tokens.TokenRow, tokens.TokenNBCRow:
//			vals, err = s.RowValues(vals) // reuses vals: no allocation per row
//		}
//	}
//
// Every token type also has a stand-alone Decode (reading a token, type
// byte included, from the start of a []byte) and an Append encoder that
// computes the token's length fields. Field widths that changed between
// TDS versions take the version as a parameter: DONE, DONEPROC and
// DONEINPROC row counts (LONG before 7.2, ULONGLONG from 7.2), ERROR and
// INFO line numbers (USHORT before 7.2, LONG from 7.2), the UserType of
// COLMETADATA and RETURNVALUE (USHORT before 7.2, ULONG from 7.2), the
// table names of COLMETADATA (one US_VARCHAR before 7.2, NumParts and
// parts from 7.2) and TABNAME (multi-part from 7.1 revision 1).
//
// Column types and values (TYPE_INFO, [MS-TDS] 2.2.5.6, and TYPE_VARBYTE,
// 2.2.5.2.3) are decoded by package sqltype; ROW and NBCROW columns come
// back as sqltype.Value views with typed accessors.
//
// Views returned by decoders (tds.UCS2 strings, byte slices, iterators)
// point into the decoded buffer and are valid while the caller keeps that
// buffer unchanged. Errors are *tds.Error values with layer "tokens" (or
// "sqltype" for a failure inside a TYPE_INFO or value) and the byte offset
// of the offending field in the buffer given to the Scanner or decoder.
package tokens
