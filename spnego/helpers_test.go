package spnego

import (
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tdswire/tdswire/tds/tdstest"
)

// readHex reads a hand-written golden vector from testdata.
func readHex(t testing.TB, name string) []byte {
	t.Helper()
	return tdstest.ReadHex(t, filepath.Join("testdata", name))
}

// goldens lists every vector in testdata, for the fuzz seeds.
var goldens = []string{
	"negtokeninit-ntlm.hex",
	"negtokeninit2-hints.hex",
	"negtokenresp-completed.hex",
	"negtokenresp-reject.hex",
}

// cmpOpts compares decoded values field by field, views by content.
var cmpOpts = []cmp.Option{
	cmp.AllowUnexported(NegTokenInit{}, NegTokenResp{}, MechTypeList{}, Blob{}),
}

// must returns b, failing the test run on an encoding error (the values
// the tests encode are all valid).
func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}
