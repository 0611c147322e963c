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
//	var vals []tokens.ColumnValue
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
//			if vals, err = s.RowValues(vals); err != nil { // reuses vals: no allocation per row
//				return err
//			}
//			use(vals)
//		}
//	}
//
// Every token type also has a stand-alone decoder, DecodeT (DecodeDone,
// DecodeLoginAck, ...), which reads a token, type byte included, from the
// start of a []byte and returns it with the number of bytes it used, and
// an Append encoder that computes the token's length fields. Iterators
// over the parts of a token (FeatureExtAck.Options, TabName.Names, ...)
// are range-over-func iter.Seq values; Scanner.Next, the one exception,
// keeps its allocation-free (TokenType, error) form with io.EOF at the end,
// because it is the inner loop of every reader and is pinned inline: the
// same DONE loop over an iter.Seq2 wrapping Next costs more
// (BenchmarkDoneStreamForms; figures in BENCHMARKS.md). Field widths that
// changed between TDS versions take the version as a parameter: DONE, DONEPROC and
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
// Two tokens depend on features negotiated at login that the token stream
// does not repeat: with COLUMNENCRYPTION, COLMETADATA carries a CekTable
// (Scanner.SetColumnEncryption), and DATACLASSIFICATION is laid out per
// the acknowledged DATACLASSIFICATION_VERSION
// (Scanner.SetDataClassificationVersion). ALTMETADATA and ALTROW (COMPUTE
// BY, deprecated in TDS 7.4) are reported as unsupported
// (tds.ErrUnsupported).
//
// Where the specification is unclear or its examples disagree with it,
// the package follows the normative text and says so: the examples of
// [MS-TDS] 4.17 carry a stray byte after the collation ENVCHANGE (the
// packet Length agrees with the text, not the dump); ENVCHANGE types 12
// and 17 put the transaction descriptor on different sides in the table
// and in the notes of 2.2.7.9 (EnvChange.Descriptor accepts both);
// ENVCHANGE type 15 counts only its Type in Length (decoded as specified,
// and a Length covering the data is accepted too); RETURNVALUE lists
// ParamName before ParamOrdinal in its rules but not in its definition
// (the definition's order is used); the SSPI rule says US_VARBYTE while
// its parameter table says B_VARBYTE (the rule is used); DONE's class
// bits give 8 data bytes, true only before TDS 7.2.
//
// Every token and value type prints itself: String gives a one-line trace
// form ("DONEPROC(MORE|COUNT) rows=1", "ENVCHANGE Database master ->
// AdventureWorks"), %+v every field, and no verb prints private bytes
// (FEATUREEXTACK data, SSPI blobs, encrypted keys, session state);
// Scanner.String prints the current token. A server's ERROR or INFO
// becomes a Go error with Message.Err, a *ServerError found with
// errors.As; *tds.Error is the other error type, for malformed input.
//
// Views returned by decoders (tds.UCS2 strings, byte slices, iterators)
// point into the decoded buffer and are valid while the caller keeps that
// buffer unchanged. Errors are *tds.Error values with Layer
// tds.LayerTokens (or tds.LayerSQLType for a failure inside a TYPE_INFO or
// value) and the byte offset of the offending field in the buffer given to
// the Scanner or decoder.
package tokens
