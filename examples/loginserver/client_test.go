package loginserver

import (
	"errors"
	"net"

	"github.com/tdswire/tdswire/login7"
	"github.com/tdswire/tdswire/ntlm"
	"github.com/tdswire/tdswire/prelogin"
	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tokens"
)

// scriptedClient is a minimal TDS client built from tdswire's encoders,
// for driving Handle over a net.Pipe. It records what it sent and read.
type scriptedClient struct {
	encryption prelogin.Encryption
	login      login7.Login7
	ntlm       *ntlm.Client // answers a CHALLENGE when set

	sentLogin []byte           // the LOGIN7 payload it sent
	response  prelogin.Message // the server's PRELOGIN response
}

// run plays the client's side on c and closes it.
func (sc *scriptedClient) run(c net.Conn) error {
	defer c.Close()
	w, err := tds.NewWriter(c, tds.DefaultPacketSize)
	if err != nil {
		return err
	}
	r := tds.NewReader(c)
	req := prelogin.Message{
		Present:    prelogin.HasVersion | prelogin.HasEncryption,
		Version:    prelogin.Version{Major: 1},
		Encryption: sc.encryption,
	}
	req.SetInstanceName("")
	payload, err := req.Append(nil)
	if err != nil {
		return err
	}
	if err := w.WriteMessage(tds.PacketPrelogin, 0, payload); err != nil {
		return err
	}
	h, msg, err := r.ReadMessage()
	if err != nil {
		return err
	}
	if h.Type != tds.PacketResponse {
		return errors.New("PRELOGIN answered with " + h.Type.String())
	}
	if err := sc.response.Decode(append([]byte(nil), msg...)); err != nil {
		return err
	}
	if sc.ntlm != nil {
		sc.login.SSPI = sc.ntlm.Negotiate(nil)
		sc.login.OptionFlags2 |= login7.FIntSecurity
	}
	if sc.sentLogin, err = sc.login.Append(nil); err != nil {
		return err
	}
	if err := w.WriteMessage(tds.PacketLogin7, 0, sc.sentLogin); err != nil {
		return err
	}
	if sc.ntlm == nil {
		return nil
	}
	if _, msg, err = r.ReadMessage(); err != nil {
		return err
	}
	tok, _, err := tokens.DecodeSSPI(msg)
	if err != nil {
		return err
	}
	auth, _, err := sc.ntlm.Authenticate(nil, sc.login.SSPI, tok.Buffer)
	if err != nil {
		return err
	}
	return w.WriteMessage(tds.PacketSSPI, 0, auth)
}
