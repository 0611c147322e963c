package tdsconn

import (
	"errors"
	"fmt"

	"github.com/tdswire/tdswire/tokens"
)

// Error is the error of every failing call of the package: the phase,
// what went wrong, and the underlying error (a *tds.Error, a TLS error,
// an I/O error, ErrRefused, a *ServerError, a context error), which
// errors.Is and errors.As reach through Unwrap.
type Error struct {
	Phase Phase
	Msg   string
	Err   error
}

// Error formats e as "tdsconn: phase: message: underlying error".
func (e *Error) Error() string {
	s := "tdsconn: " + e.Phase.String()
	if e.Msg != "" {
		s += ": " + e.Msg
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

func errorf(p Phase, err error, format string, args ...any) *Error {
	return &Error{Phase: p, Msg: fmt.Sprintf(format, args...), Err: err}
}

// Sentinel errors, reached with errors.Is through an *Error.
//
// A peer that breaks the flow (a message the flow does not allow at this
// point: a wrong packet type, a missing option, a token in the wrong
// place) fails with tds.ErrUnexpected, the one sentinel of that class in
// tdswire; a value that cannot be what its field says (an ENVCHANGE that
// is not a packet size) with tds.ErrMalformed; a LOGIN7 asking for a TDS
// version the Server does not serve with tds.ErrUnsupported.
var (
	// ErrRefused: the server refused the login (or, on the client
	// side, the server's login response carried an ERROR token and no
	// LOGINACK). The server role has sent an ERROR token before closing.
	ErrRefused = errors.New("login refused")
	// ErrEncryption: the two sides cannot agree on encryption
	// ([MS-TDS] 2.2.6.5: the connection is terminated).
	ErrEncryption = errors.New("encryption cannot be agreed")
	// ErrClosed: the connection was closed by Close.
	ErrClosed = errors.New("connection closed")
	// ErrNoMARS: a MARS operation on a connection that did not
	// negotiate MARS, or a single-stream call on one that started SMP.
	ErrNoMARS = errors.New("MARS not in use")
)

// ServerError is an ERROR token ([MS-TDS] 2.2.7.10) as an error value.
//
// On the server side, CheckSQLLogin and SSPIServer.Step may return one
// (directly or wrapped) to choose the number, state, class and text the
// client receives; any other error refuses the login with error 18456
// (SQL login) or 18452 (SSPI). On the client side, a login response with
// an ERROR token and no LOGINACK fails with the first ERROR as a
// *ServerError.
//
// It is tokens.ServerError (one type for a server's message as a Go error
// across the library): Number, State, Class and Message are what a
// refusal sets; a client also gets ServerName, ProcName and LineNumber.
type ServerError = tokens.ServerError

// Error numbers the Server sends when it refuses a login, the numbers SQL
// Server uses for the same refusals.
const (
	// ErrNumLoginFailed, 18456, class 14: "Login failed for user '...'."
	// A failed SQL login, whatever the reason, so that an unknown user
	// cannot be told from a wrong password.
	ErrNumLoginFailed = 18456
	// ErrNumUntrustedDomain, 18452, class 14: an integrated (SSPI) login
	// that did not authenticate.
	ErrNumUntrustedDomain = 18452
	// ErrNumBadLogin, 17832, class 20: the login packet is structurally
	// invalid or arrives where the flow does not allow it.
	ErrNumBadLogin = 17832
)
