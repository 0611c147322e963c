// Package tdscmp gives the github.com/google/go-cmp options that make
// tdswire's decoded values comparable in one line of a test:
//
//	if diff := cmp.Diff(want, got, tdscmp.Options()); diff != "" {
//		t.Errorf("LOGIN7 mismatch (-want +got):\n%s", diff)
//	}
//
// Views (tds.UCS2 strings, byte slices into a message) compare by
// content, wherever their bytes live; unexported fields of tdswire's types
// take part; an empty view equals a nil one; and secrets (passwords,
// tokens, authentication responses, keys) appear in a diff only as their
// length and a SHA-256 digest prefix, never as bytes.
//
// It imports only go-cmp and the standard library, so that the tests of
// every tdswire package can use it (login7.Password is recognised by its
// type name).
//
// Importing this package pulls in go-cmp. Only tests should import it:
// tdswire's library packages, tdstest and tdstest/tdsbuild do not, so a
// program built on tdswire does not depend on go-cmp.
package tdscmp

import (
	"crypto/sha256"
	"encoding/hex"
	"reflect"
	"strings"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// modulePath is the import path prefix of tdswire's packages.
const modulePath = "github.com/tdswire/tdswire"

// Secret is how a secret shows in a diff: its length and the first bytes
// of its SHA-256 digest, enough to tell two secrets apart, not to recover
// either.
type Secret struct {
	Len    int
	Digest string
}

func secretOf(b []byte) Secret {
	sum := sha256.Sum256(b)
	return Secret{Len: len(b), Digest: hex.EncodeToString(sum[:6])}
}

// SecretFields are the names of the byte-slice and byte-array fields that
// Options redacts wherever they occur in a tdswire value: LOGIN7's SSPI
// and FEDAUTH token, NTLM responses and keys, account hashes.
var SecretFields = []string{
	"SSPI", "Token", "NtChallengeResponse", "LmChallengeResponse", "EncryptedRandomSessionKey",
	"ExportedSessionKey", "SessionKey", "SessionBaseKey", "Hash", "MIC",
}

// Options returns the options described in the package comment. The
// result may be combined with others (cmp.Options{tdscmp.Options(), ...}).
func Options() cmp.Option {
	return cmp.Options{
		Exact(),
		cmp.FilterPath(func(p cmp.Path) bool { return !isSecretField(p) }, cmpopts.EquateEmpty()),
	}
}

// Exact returns Options without the equating of empty and nil views: for
// tests where a decoder's choice between an empty view and none matters
// (an option present with no data, against an absent one).
func Exact() cmp.Option {
	return cmp.Options{
		cmp.Exporter(func(t reflect.Type) bool { return strings.HasPrefix(t.PkgPath(), modulePath) }),
		cmp.FilterPath(isPassword, cmp.Transformer("tdscmp.Password", func(v any) Secret {
			return secretOf(reflect.ValueOf(v).MethodByName("Bytes").Call(nil)[0].Bytes())
		})),
		cmp.FilterPath(isSecretField, cmp.Transformer("tdscmp.Secret", func(v any) Secret { return secretOf(bytesOf(v)) })),
	}
}

// isPassword reports a login7.Password. The type is recognised by name,
// not imported, so that every tdswire package's own tests can use Options.
func isPassword(p cmp.Path) bool {
	t := p.Last().Type()
	return t != nil && t.PkgPath() == modulePath+"/login7" && t.Name() == "Password"
}

// isSecretField reports a struct field of a tdswire type named in
// SecretFields whose type is a byte slice or array.
func isSecretField(p cmp.Path) bool {
	sf, ok := p.Last().(cmp.StructField)
	if !ok {
		return false
	}
	if len(p) < 2 || !strings.HasPrefix(p.Index(-2).Type().PkgPath(), modulePath) {
		return false
	}
	t := sf.Type()
	if (t.Kind() != reflect.Slice && t.Kind() != reflect.Array) || t.Elem().Kind() != reflect.Uint8 {
		return false
	}
	for _, n := range SecretFields {
		if sf.Name() == n {
			return true
		}
	}
	return false
}

func bytesOf(v any) []byte {
	rv := reflect.ValueOf(v)
	b := make([]byte, rv.Len())
	reflect.Copy(reflect.ValueOf(b), rv)
	return b
}
