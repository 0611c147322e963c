// Package tdstest is a kit for tests of code that speaks TDS, tdswire's
// own and other projects' (drivers, proxies, test servers):
//
//   - the golden vectors of every tdswire package as a seed corpus, with the
//     context each decodes in (TDS version, column encryption, data
//     classification version, direction) in machine-readable form: Corpus,
//     Seeds, and AddSeeds for a fuzz target (corpus/manifest.json lists
//     them; the .hex files beside it are copies of the packages' hand-written
//     testdata, whose comments cite the specification for each byte);
//   - ParseHex and ReadHex, which read those commented .hex files.
//
// A fuzz target seeds itself in three lines:
//
//	func FuzzParseResponse(f *testing.F) {
//		tdstest.AddSeeds(f, tdstest.KindTokens)
//		f.Fuzz(func(t *testing.T, b []byte) { parseResponse(b) })
//	}
//
// Structure-aware builders (a login response, a result set from columns
// and rows, an error response, a PRELOGIN, a LOGIN7) are in package
// tdstest/tdsbuild, and go-cmp options that compare tdswire's values by
// content are in tdstest/tdscmp (which imports go-cmp; this package
// imports only the standard library and package tds, so that every
// tdswire package's tests can use it).
package tdstest
