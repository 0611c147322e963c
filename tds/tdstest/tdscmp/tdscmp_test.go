package tdscmp_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/tdswire/tdswire/login7"
	"github.com/tdswire/tdswire/ntlm"
	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tds/request"
	"github.com/tdswire/tdswire/tds/tdstest"
	"github.com/tdswire/tdswire/tds/tdstest/tdsbuild"
	"github.com/tdswire/tdswire/tds/tdstest/tdscmp"
)

func decodeLogin(t testing.TB, b []byte) login7.Login7 {
	var l login7.Login7
	require.NoError(t, l.Decode(b))
	return l
}

func TestLogin7(t *testing.T) {
	b, err := tdsbuild.Login7(nil, tdsbuild.Login{UserName: "sa", Password: "hunter2hunter2", Database: "db",
		Features: login7.FeatureExt(nil).Add(login7.FeatureFedAuth, []byte{2, 0, 0, 0, 0})})
	require.NoError(t, err)
	a := decodeLogin(t, b)
	c := decodeLogin(t, append([]byte(nil), b...)) // same content, other bytes
	if diff := cmp.Diff(a, c, tdscmp.Options()); diff != "" {
		t.Errorf("equal messages differ:\n%s", diff)
	}
	b2, err := tdsbuild.Login7(nil, tdsbuild.Login{UserName: "sb", Password: "hunter3hunter3", Database: "db"})
	require.NoError(t, err)
	d := decodeLogin(t, b2)
	diff := cmp.Diff(a, d, tdscmp.Options())
	for _, want := range []string{"UserName", "Password", "Digest"} {
		if !strings.Contains(diff, want) {
			t.Errorf("diff lacks %q:\n%s", want, diff)
		}
	}
	if strings.Contains(diff, "hunter") {
		t.Errorf("diff shows the password:\n%s", diff)
	}
}

func TestSecretFields(t *testing.T) {
	x := ntlm.Authenticate{NtChallengeResponse: []byte("proof-of-password-1")}
	y := ntlm.Authenticate{NtChallengeResponse: []byte("proof-of-password-2")}
	diff := cmp.Diff(x, y, tdscmp.Options())
	if diff == "" || strings.Contains(diff, "proof") || !strings.Contains(diff, "Digest") {
		t.Errorf("NtChallengeResponse diff:\n%s", diff)
	}
}

func TestViewsAndUnexported(t *testing.T) {
	seeds := tdstest.Seeds(tdstest.KindRPC)
	for _, s := range seeds {
		if s.Name != "tds-request/rpc-tvp-ordered" {
			continue
		}
		params := func(b []byte) []request.Param {
			var r request.RPCReader
			require.NoError(t, r.Reset(b, s.TDSVersion))
			var ps []request.Param
			for _, err := range r.RPCs() {
				require.NoError(t, err)
				for p, err := range r.Params() {
					require.NoError(t, err)
					ps = append(ps, *p)
				}
			}
			return ps
		}
		a, b := params(s.Message()), params(append([]byte(nil), s.Message()...))
		if diff := cmp.Diff(a, b, tdscmp.Options()); diff != "" {
			t.Errorf("same RPC from two buffers:\n%s", diff)
		}
		return
	}
	t.Fatal("seed missing")
}

func TestEmptyEqualsNil(t *testing.T) {
	if diff := cmp.Diff(request.SQLBatch{SQLText: tds.UCS2{}}, request.SQLBatch{}, tdscmp.Options()); diff != "" {
		t.Errorf("empty and nil views differ:\n%s", diff)
	}
	if cmp.Equal(request.SQLBatch{SQLText: tds.UCS2{}}, request.SQLBatch{}, tdscmp.Exact()) {
		t.Error("Exact equates an empty view with nil")
	}
}

// Compare two decoded LOGIN7 messages in one line. cmp's diff text is not
// stable, so the example prints only what it contains.
func ExampleOptions() {
	msg1, _ := tdsbuild.Login7(nil, tdsbuild.Login{UserName: "sa", Password: "hunter2", Database: "sales"})
	msg2, _ := tdsbuild.Login7(nil, tdsbuild.Login{UserName: "sa", Password: "hunter3", Database: "sales"})
	var want, got login7.Login7
	_ = want.Decode(msg1)
	_ = got.Decode(msg2)

	diff := cmp.Diff(want, got, tdscmp.Options())
	fmt.Println("differ:", diff != "")
	fmt.Println("names the field:", strings.Contains(diff, "Password"))
	fmt.Println("shows the password:", strings.Contains(diff, "hunter"))
	fmt.Println("same message, other buffer:", cmp.Equal(want, decodeCopy(msg1), tdscmp.Options()))
	// Output:
	// differ: true
	// names the field: true
	// shows the password: false
	// same message, other buffer: true
}

func decodeCopy(b []byte) login7.Login7 {
	var l login7.Login7
	_ = l.Decode(append([]byte(nil), b...))
	return l
}
