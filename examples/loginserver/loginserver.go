package loginserver

import (
	"bytes"
	"fmt"
	"io"

	"github.com/tdswire/tdswire/login7"
	"github.com/tdswire/tdswire/ntlm"
	"github.com/tdswire/tdswire/prelogin"
	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tokens"
)

// Capture is what Handle read from one client connection. The messages are
// copies, owned by the Capture; PreloginMsg holds views into Prelogin.
type Capture struct {
	Prelogin        []byte           // PRELOGIN message payload, packet headers removed
	PreloginMsg     prelogin.Message // Prelogin decoded
	PreloginHeaders []tds.Header     // one per packet of PRELOGIN
	Login           []byte           // LOGIN7 message payload, packet headers removed
	LoginHeaders    []tds.Header     // one per packet of LOGIN7
	Raw             []byte           // every byte the client sent, as sent

	// With an ntlm.Server and an integrated login (fIntSecurity): the
	// CHALLENGE_MESSAGE sent in an SSPI token, the AUTHENTICATE_MESSAGE
	// from the client's SSPI message with that message's packet headers,
	// and the outcome of ntlm.Server.Verify. A failed verification is
	// recorded here, not returned by Handle.
	Challenge    []byte
	Authenticate []byte
	SSPIHeaders  []tds.Header
	NTLMResult   *ntlm.Result
	NTLMErr      error
}

// PreloginResponse returns the server's answer to PRELOGIN as one packet
// of type 0x04 (tabular result, [MS-TDS] 2.2.2.1) with PacketID 1: VERSION
// 16.0.4000.0 (a SQL Server 2022 build), ENCRYPTION = ENCRYPT_NOT_SUP, INSTOPT = 0x00 (the
// instance matches) and MARS off, 2.2.6.5. It is built with the prelogin
// package and framed with tds.Writer.
func PreloginResponse() []byte {
	m := prelogin.Message{
		Present:    prelogin.HasVersion | prelogin.HasEncryption | prelogin.HasInstOpt | prelogin.HasMARS,
		Version:    prelogin.Version{Major: 16, Minor: 0, Build: 4000},
		Encryption: prelogin.EncryptNotSup,
		Instance:   []byte{prelogin.InstanceMatch},
	}
	payload, err := m.Append(nil)
	if err != nil {
		panic("loginserver: PRELOGIN response: " + err.Error()) // a fixed, valid message
	}
	var buf bytes.Buffer
	w, err := tds.NewWriter(&buf, tds.DefaultPacketSize)
	if err != nil {
		panic("loginserver: " + err.Error())
	}
	if err := w.WriteMessage(tds.PacketResponse, 0, payload); err != nil {
		panic("loginserver: " + err.Error())
	}
	return buf.Bytes()
}

// recorder keeps a copy of every byte read through it.
type recorder struct {
	r   io.Reader
	raw []byte
}

func (r *recorder) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	r.raw = append(r.raw, p[:n]...)
	return n, err
}

// Handle plays the server's part of one connection, c, up to LOGIN7 (and,
// when srv is not nil and the login is integrated, through the NTLM
// CHALLENGE and AUTHENTICATE). It reads with tds.Reader and writes with
// tds.Writer. It returns what it captured, also when it fails: a client
// that ends the connection early leaves a partial Capture and an error.
//
// Handle sets no deadline; the caller bounds c (net.Conn.SetDeadline).
func Handle(c io.ReadWriter, srv *ntlm.Server) (cp Capture, err error) {
	rec := &recorder{r: c}
	defer func() {
		cp.Raw = rec.raw
		cp.PreloginHeaders, cp.LoginHeaders, cp.SSPIHeaders = splitHeaders(rec.raw)
	}()
	r := tds.NewReader(rec)

	h, msg, err := r.ReadMessage()
	if err != nil {
		return cp, fmt.Errorf("reading PRELOGIN: %w", err)
	}
	if h.Type != tds.PacketPrelogin {
		return cp, fmt.Errorf("first message is %v, want %v", h.Type, tds.PacketPrelogin)
	}
	if err := notIgnored(h); err != nil {
		return cp, err
	}
	cp.Prelogin = bytes.Clone(msg) // msg is the Reader's buffer
	if err := cp.PreloginMsg.Decode(cp.Prelogin); err != nil {
		return cp, fmt.Errorf("decoding the client's PRELOGIN: %w", err)
	}
	resp, terminate := prelogin.ServerResponse(cp.PreloginMsg.Encryption, prelogin.EncryptNotSup)
	if terminate || resp != prelogin.EncryptNotSup {
		return cp, fmt.Errorf("client ENCRYPTION %v needs encryption, which this server does not offer (response %v, terminate %v)",
			cp.PreloginMsg.Encryption, resp, terminate)
	}
	w, err := tds.NewWriter(c, tds.DefaultPacketSize)
	if err != nil {
		return cp, err
	}
	if err := w.WriteMessage(tds.PacketResponse, 0, PreloginResponse()[tds.HeaderLen:]); err != nil {
		return cp, fmt.Errorf("writing the PRELOGIN response: %w", err)
	}

	h, msg, err = r.ReadMessage()
	if err != nil {
		return cp, fmt.Errorf("reading LOGIN7: %w", err)
	}
	if h.Type != tds.PacketLogin7 {
		return cp, fmt.Errorf("second message is %v, want %v", h.Type, tds.PacketLogin7)
	}
	if err := notIgnored(h); err != nil {
		return cp, err
	}
	cp.Login = bytes.Clone(msg)
	if srv == nil {
		return cp, nil
	}
	return cp, ntlmStep(r, w, srv, &cp)
}

// notIgnored refuses a login message the client cancelled with the IGNORE
// status bit ([MS-TDS] 2.2.3.1.2): tds.Reader hands it over with an empty
// payload, and a login cannot go on without it.
func notIgnored(h tds.Header) error {
	if h.Status&tds.StatusIgnore != 0 {
		return fmt.Errorf("%v message cancelled by the client (status %v)", h.Type, h.Status)
	}
	return nil
}

// ntlmStep answers an integrated login's NEGOTIATE and verifies the
// client's AUTHENTICATE.
func ntlmStep(r *tds.Reader, w *tds.Writer, srv *ntlm.Server, cp *Capture) error {
	var l login7.Login7
	if err := l.Decode(cp.Login); err != nil {
		return fmt.Errorf("decoding LOGIN7: %w", err)
	}
	if !l.OptionFlags2.IntegratedSecurity() {
		return nil
	}
	challenge, err := srv.Challenge(nil, l.SSPI)
	if err != nil {
		return fmt.Errorf("NTLM CHALLENGE for the client's NEGOTIATE: %w", err)
	}
	cp.Challenge = challenge
	tok, err := tokens.SSPI{Buffer: challenge}.Append(nil)
	if err != nil {
		return fmt.Errorf("encoding the SSPI token: %w", err)
	}
	if err := w.WriteMessage(tds.PacketResponse, 0, tok); err != nil {
		return fmt.Errorf("writing the SSPI token: %w", err)
	}
	h, msg, err := r.ReadMessage()
	if err != nil {
		return fmt.Errorf("reading the SSPI message: %w", err)
	}
	if h.Type != tds.PacketSSPI {
		return fmt.Errorf("message after the CHALLENGE is %v, want %v", h.Type, tds.PacketSSPI)
	}
	if err := notIgnored(h); err != nil {
		return err
	}
	var m login7.SSPIMessage
	if err := m.Decode(msg); err != nil {
		return fmt.Errorf("decoding the SSPI message: %w", err)
	}
	cp.Authenticate = bytes.Clone(m.Data)
	cp.NTLMResult, cp.NTLMErr = srv.Verify(l.SSPI, challenge, cp.Authenticate)
	return nil
}

// splitHeaders walks the packet headers of a client's raw bytes: the
// packets up to the first EOM are PRELOGIN's, the next ones up to EOM
// LOGIN7's, the next ones (after an NTLM CHALLENGE) the SSPI message's.
// It stops at anything it cannot walk; Handle has already reported such a
// stream.
func splitHeaders(raw []byte) (pre, login, sspi []tds.Header) {
	msgs := [3]*[]tds.Header{&pre, &login, &sspi}
	i := 0
	for off := 0; off < len(raw) && i < len(msgs); {
		var h tds.Header
		if h.Decode(raw[off:]) != nil {
			break
		}
		*msgs[i] = append(*msgs[i], h)
		off += int(h.Length)
		if h.Status&tds.StatusEOM != 0 {
			i++
		}
	}
	return pre, login, sspi
}
