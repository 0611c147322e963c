package tokens

import (
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/tdswire/tdswire/tds"
)

func TestServerError(t *testing.T) {
	s := NewScanner(golden(t, "login_failed"), tds.Version74)
	mustNext(t, &s, TokenError)
	var m Message
	require.NoError(t, s.Message(&m))

	err := fmt.Errorf("login: %w", m.Err())
	var se *ServerError
	require.True(t, errors.As(err, &se), "errors.As(%v, *ServerError)", err)
	want := &ServerError{Type: TokenError, Number: 18456, State: 1, Class: 14,
		Message: "Login failed for user 'sa'.", ServerName: "SQL01", LineNumber: 1}
	if diff := cmp.Diff(want, se); diff != "" {
		t.Errorf("ServerError (-want +got):\n%s", diff)
	}
	if got, wantS := se.Error(), "server error 18456, class 14, state 1, server SQL01, line 1: Login failed for user 'sa'."; got != wantS {
		t.Errorf("Error() = %q, want %q", got, wantS)
	}
	// The error owns its strings: reusing the buffer does not change it.
	clear(s.Bytes())
	if se.Message != "Login failed for user 'sa'." {
		t.Errorf("Message changed with the buffer: %q", se.Message)
	}
	// Token gives the ERROR token back.
	tok := se.Token()
	if diff := cmp.Diff(golden(t, "login_failed")[:len(encoded(t)(tok.Append(nil, tds.Version74)))], encoded(t)(tok.Append(nil, tds.Version74))); diff != "" {
		t.Errorf("Token().Append (-want +got):\n%s", diff)
	}

	info := &ServerError{Type: TokenInfo, Number: 5701, Class: 0, State: 2, Message: "Changed database context to 'master'.", ProcName: "p"}
	if got, wantS := info.Error(), "server message 5701, class 0, state 2, procedure p: Changed database context to 'master'."; got != wantS {
		t.Errorf("Error() = %q, want %q", got, wantS)
	}
	if k := info.Token().Kind(); k != TokenInfo {
		t.Errorf("INFO Token kind %v", k)
	}
}
