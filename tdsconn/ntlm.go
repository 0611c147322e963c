package tdsconn

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/tdswire/tdswire/login7"
	"github.com/tdswire/tdswire/ntlm"
	"github.com/tdswire/tdswire/tds"
)

// NTLMServer returns a ServerConfig.NewSSPI that authenticates raw NTLM
// ([MS-NLMP] 3.2: NEGOTIATE in LOGIN7's SSPI field, CHALLENGE in an SSPI
// token, AUTHENTICATE in an SSPI message, [MS-TDS] 4.11) with s. A token
// that is not an NTLM message (SPNEGO, Kerberos) fails the login with
// 18452. The SSPIServer it makes also implements NTLMResult.
func NTLMServer(s *ntlm.Server) func(ctx context.Context, l *login7.Login7) (SSPIServer, error) {
	return func(ctx context.Context, l *login7.Login7) (SSPIServer, error) {
		return &ntlmServer{s: s}, nil
	}
}

// NTLMResult is implemented by the SSPIServer of NTLMServer: what
// ntlm.Server.Verify learnt, once the exchange is done.
type NTLMResult interface {
	Result() *ntlm.Result
}

type ntlmServer struct {
	s         *ntlm.Server
	negotiate []byte
	challenge []byte
	res       *ntlm.Result
}

var errNotNTLM = errors.New("SSPI token is not an NTLM message")

func (n *ntlmServer) Step(ctx context.Context, in []byte) ([]byte, bool, error) {
	if !bytes.HasPrefix(in, []byte(ntlm.Signature)) {
		return nil, false, errNotNTLM
	}
	if n.negotiate == nil {
		n.negotiate = bytes.Clone(in)
		ch, err := n.s.Challenge(nil, n.negotiate)
		if err != nil {
			return nil, false, fmt.Errorf("NTLM NEGOTIATE: %w", err)
		}
		n.challenge = ch
		return ch, false, nil
	}
	res, err := n.s.Verify(n.negotiate, n.challenge, in)
	if err != nil {
		return nil, false, fmt.Errorf("NTLM AUTHENTICATE: %w", err)
	}
	n.res = res
	return nil, true, nil
}

func (n *ntlmServer) User() string {
	if n.res == nil {
		return ""
	}
	if n.res.Domain != "" {
		return n.res.Domain + `\` + n.res.User
	}
	return n.res.User
}

func (n *ntlmServer) Result() *ntlm.Result { return n.res }

// NTLMClient returns an SSPIClient that runs the client side of raw NTLM
// with c: NEGOTIATE first, then the AUTHENTICATE computed from the
// server's CHALLENGE ([MS-NLMP] 3.1.5). A call with a nil token starts a
// new exchange, so one NTLMClient serves successive logins (one at a
// time) of a ClientConfig.
func NTLMClient(c *ntlm.Client) SSPIClient { return &ntlmClient{c: c} }

type ntlmClient struct {
	c         *ntlm.Client
	negotiate []byte
}

func (n *ntlmClient) Step(ctx context.Context, in []byte) ([]byte, bool, error) {
	if in == nil {
		n.negotiate = n.c.Negotiate(nil)
		return n.negotiate, false, nil
	}
	if n.negotiate == nil {
		return nil, false, fmt.Errorf("%w: NTLM CHALLENGE before NEGOTIATE", tds.ErrUnexpected)
	}
	auth, _, err := n.c.Authenticate(nil, n.negotiate, in)
	if err != nil {
		return nil, false, err
	}
	return auth, true, nil
}
