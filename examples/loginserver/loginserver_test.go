package loginserver

import (
	"bytes"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/tdswire/tdswire/login7"
	"github.com/tdswire/tdswire/ntlm"
	"github.com/tdswire/tdswire/prelogin"
	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tds/tdstest"
	"github.com/tdswire/tdswire/tds/tdstest/tdscmp"
)

func TestPreloginResponseGolden(t *testing.T) {
	want := tdstest.ReadHex(t, "testdata/prelogin-response.hex")
	if got := PreloginResponse(); !bytes.Equal(got, want) {
		t.Fatalf("PreloginResponse()\n got % x\nwant % x", got, want)
	}
}

func sqlLogin() login7.Login7 {
	return login7.Login7{
		TDSVersion: tds.Version74,
		PacketSize: 4096,
		HostName:   tds.UCS2(tds.AppendUCS2(nil, "WS1")),
		UserName:   tds.UCS2(tds.AppendUCS2(nil, "alice")),
		Password:   login7.NewPassword("S3cret!"),
		AppName:    tds.UCS2(tds.AppendUCS2(nil, "tdswire-test")),
		Database:   tds.UCS2(tds.AppendUCS2(nil, "sales")),
	}
}

// handlePipe runs Handle against sc over a net.Pipe, both ends bounded by
// a deadline, and returns Handle's results and the client's error.
func handlePipe(t *testing.T, sc *scriptedClient, srv *ntlm.Server) (Capture, error, error) {
	t.Helper()
	server, client := net.Pipe()
	deadline := time.Now().Add(10 * time.Second)
	server.SetDeadline(deadline)
	client.SetDeadline(deadline)
	clientErr := make(chan error, 1)
	go func() { clientErr <- sc.run(client) }()
	cp, err := Handle(server, srv)
	server.Close()
	return cp, err, <-clientErr
}

func TestHandleSQLLogin(t *testing.T) {
	sc := &scriptedClient{encryption: prelogin.EncryptNotSup, login: sqlLogin()}
	cp, err, cerr := handlePipe(t, sc, nil)
	require.NoError(t, err, "Handle")
	require.NoError(t, cerr, "client")
	if sc.response.Encryption != prelogin.EncryptNotSup {
		t.Errorf("client read ENCRYPTION %v, want ENCRYPT_NOT_SUP", sc.response.Encryption)
	}
	if !bytes.Equal(cp.Login, sc.sentLogin) {
		t.Errorf("captured LOGIN7 differs from the one sent")
	}
	if cp.PreloginMsg.Encryption != prelogin.EncryptNotSup {
		t.Errorf("captured PRELOGIN ENCRYPTION %v", cp.PreloginMsg.Encryption)
	}
	if len(cp.PreloginHeaders) != 1 || len(cp.LoginHeaders) != 1 || len(cp.SSPIHeaders) != 0 {
		t.Errorf("headers: PRELOGIN %v, LOGIN7 %v, SSPI %v", cp.PreloginHeaders, cp.LoginHeaders, cp.SSPIHeaders)
	}
	if n := int(cp.PreloginHeaders[0].Length) + int(cp.LoginHeaders[0].Length); n != len(cp.Raw) {
		t.Errorf("Raw holds %d bytes, the packets %d", len(cp.Raw), n)
	}
	var l login7.Login7
	require.NoError(t, l.Decode(cp.Login), "decoding the captured LOGIN7")
	if diff := cmp.Diff(sqlLogin(), l, tdscmp.Options()); diff != "" {
		t.Errorf("captured LOGIN7 (-sent +captured):\n%s", diff)
	}
	if !l.Password.Equal("S3cret!") {
		t.Errorf("decoded password is not the one sent")
	}
}

func TestHandleNTLM(t *testing.T) {
	accounts := ntlm.AccountList{{Domain: "CONTOSO", User: "joe", Hash: ntlm.HashPassword("pw1")}}
	srv := &ntlm.Server{NbComputerName: "SQL1", NbDomainName: "CONTOSO", Lookup: accounts.Lookup}
	for _, c := range []struct {
		password string
		wantErr  error
	}{{"pw1", nil}, {"pw2", ntlm.ErrWrongPassword}} {
		sc := &scriptedClient{
			encryption: prelogin.EncryptNotSup,
			login:      sqlLogin(),
			ntlm:       &ntlm.Client{Domain: "CONTOSO", User: "joe", Password: c.password, Workstation: "WS1"},
		}
		sc.login.UserName, sc.login.Password = nil, login7.Password{}
		cp, err, cerr := handlePipe(t, sc, srv)
		if err != nil || cerr != nil {
			t.Fatalf("Handle: %v; client: %v", err, cerr)
		}
		if len(cp.Challenge) == 0 || len(cp.Authenticate) == 0 || len(cp.SSPIHeaders) != 1 {
			t.Fatalf("challenge %d bytes, authenticate %d bytes, SSPI packets %v", len(cp.Challenge), len(cp.Authenticate), cp.SSPIHeaders)
		}
		if !errors.Is(cp.NTLMErr, c.wantErr) || (c.wantErr == nil) != (cp.NTLMErr == nil) {
			t.Fatalf("password %q: Verify error %v, want %v", c.password, cp.NTLMErr, c.wantErr)
		}
		if c.wantErr == nil && (cp.NTLMResult.User != "joe" || cp.NTLMResult.Workstation != "WS1") {
			t.Errorf("Verify result %+v", cp.NTLMResult)
		}
	}
}

func TestHandleRefusesEncryption(t *testing.T) {
	for _, enc := range []prelogin.Encryption{prelogin.EncryptOn, prelogin.EncryptReq} {
		sc := &scriptedClient{encryption: enc, login: sqlLogin()}
		cp, err, cerr := handlePipe(t, sc, nil)
		if err == nil || !strings.Contains(err.Error(), "needs encryption") {
			t.Errorf("client ENCRYPTION %v: Handle error %v, want a refusal", enc, err)
		}
		if cerr == nil {
			t.Errorf("client ENCRYPTION %v: the client got an answer", enc)
		}
		if cp.Login != nil {
			t.Errorf("client ENCRYPTION %v: a LOGIN7 was read", enc)
		}
	}
}

// rawPipe writes b to Handle and closes the client side.
func rawPipe(t *testing.T, b []byte) (Capture, error) {
	t.Helper()
	server, client := net.Pipe()
	server.SetDeadline(time.Now().Add(10 * time.Second))
	go func() {
		client.Write(b)
		client.Close()
	}()
	cp, err := Handle(server, nil)
	server.Close()
	return cp, err
}

func TestHandleBadStreams(t *testing.T) {
	batch := tds.Header{Type: tds.PacketSQLBatch, Status: tds.StatusEOM, Length: 10, PacketID: 1}.Append(nil)
	batch = append(batch, 'x', 0)
	for _, c := range []struct {
		name string
		in   []byte
		want string
	}{
		{"empty", nil, "reading PRELOGIN"},
		{"half a header", []byte{0x12, 0x01, 0x00}, "reading PRELOGIN"},
		{"SQL batch first", batch, "first message is SQLBatch"},
		{"PRELOGIN with IGNORE", tds.Header{Type: tds.PacketPrelogin, Status: tds.StatusEOM | tds.StatusIgnore, Length: 8, PacketID: 1}.Append(nil), "cancelled by the client"},
		{"PRELOGIN without options", tds.Header{Type: tds.PacketPrelogin, Status: tds.StatusEOM, Length: 8, PacketID: 1}.Append(nil), "decoding the client's PRELOGIN"},
	} {
		cp, err := rawPipe(t, c.in)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Handle error %v, want one containing %q", c.name, err, c.want)
		}
		if !bytes.Equal(cp.Raw, c.in) {
			t.Errorf("%s: Raw % x, want the bytes sent % x", c.name, cp.Raw, c.in)
		}
	}
}
