package ntlm_test

import (
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/tdswire/tdswire/ntlm"
)

// The full NTLMv2 exchange: the client's NEGOTIATE, the server's CHALLENGE,
// the client's AUTHENTICATE, and the server's verification. In TDS the
// three messages travel in SSPI messages and the LOGIN7 SSPI field.
func Example() {
	accounts := ntlm.AccountList{{Domain: "CONTOSO", User: "joe33", Hash: ntlm.HashPassword("S3cret!")}}
	server := &ntlm.Server{
		NbComputerName: "SQL1", NbDomainName: "CONTOSO", DnsComputerName: "sql1.contoso.com",
		Lookup: accounts.Lookup,
	}
	client := &ntlm.Client{Domain: "CONTOSO", User: "joe33", Password: "S3cret!", Workstation: "10.10.10.120"}

	negotiate := client.Negotiate(nil)
	challenge, err := server.Challenge(nil, negotiate)
	if err != nil {
		fmt.Println(err)
		return
	}
	authenticate, clientKey, err := client.Authenticate(nil, negotiate, challenge)
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := server.Verify(negotiate, challenge, authenticate)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Domain+`\`+res.User, "from", res.Workstation)
	fmt.Println("MIC verified:", res.MIC)
	fmt.Println("same session key:", res.SessionKey == clientKey)

	// A wrong password fails with a typed error.
	client.Password = "guess"
	authenticate, _, _ = client.Authenticate(nil, negotiate, challenge)
	_, err = server.Verify(negotiate, challenge, authenticate)
	fmt.Println(errors.Is(err, ntlm.ErrWrongPassword))
	// Output:
	// CONTOSO\joe33 from 10.10.10.120
	// MIC verified: true
	// same session key: true
	// true
}

// A client builds its messages; Rand and Now can be fixed for tests.
func ExampleClient() {
	client := &ntlm.Client{
		Domain: "CONTOSO", User: "joe33", Password: "S3cret!", Workstation: "10.10.10.120",
	}
	negotiate := client.Negotiate(nil)
	var n ntlm.Negotiate
	if err := n.Decode(negotiate); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(n.String())
	fmt.Println(n.NegotiateFlags)

	// The server's CHALLENGE_MESSAGE would arrive here; this one comes
	// from a Server with a fixed clock.
	server := &ntlm.Server{NbComputerName: "SQL1", NbDomainName: "CONTOSO",
		Now: func() time.Time { return time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC) }}
	challenge, _ := server.Challenge(nil, negotiate)
	authenticate, _, err := client.Authenticate(nil, negotiate, challenge)
	if err != nil {
		fmt.Println(err)
		return
	}
	var a ntlm.Authenticate
	if err := a.Decode(authenticate); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(a.String())
	// Output:
	// NTLM NEGOTIATE MESSAGE
	// NTLMSSP_NEGOTIATE_UNICODE|NTLMSSP_REQUEST_TARGET|NTLMSSP_NEGOTIATE_SIGN|NTLMSSP_NEGOTIATE_NTLM|NTLMSSP_NEGOTIATE_ALWAYS_SIGN|NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY|NTLMSSP_NEGOTIATE_TARGET_INFO|NTLMSSP_NEGOTIATE_128|NTLMSSP_NEGOTIATE_KEY_EXCH|NTLMSSP_NEGOTIATE_56
	// NTLM AUTHENTICATE MESSAGE Version:NTLM v2, Domain: CONTOSO, User: joe33, Workstation: 10.10.10.120
}

// A server issues a CHALLENGE_MESSAGE naming itself in TargetInfo.
func ExampleServer_Challenge() {
	server := &ntlm.Server{NbComputerName: "SQL1", NbDomainName: "CONTOSO", DnsComputerName: "sql1.contoso.com"}
	client := &ntlm.Client{}
	challenge, err := server.Challenge(nil, client.Negotiate(nil))
	if err != nil {
		fmt.Println(err)
		return
	}
	var c ntlm.Challenge
	if err := c.Decode(challenge); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.String())
	for p, err := range c.TargetInfo.All() {
		if err != nil {
			log.Fatal(err)
		}
		if p.ID == ntlm.MsvAvTimestamp {
			fmt.Println(p.ID)
			continue
		}
		fmt.Println(p.ID, p.Text())
	}
	// Output:
	// NTLM CHALLENGE MESSAGE Target: CONTOSO
	// MsvAvNbComputerName SQL1
	// MsvAvNbDomainName CONTOSO
	// MsvAvDnsComputerName sql1.contoso.com
	// MsvAvTimestamp
}

// Channel binding ties the NTLM exchange to the TLS channel: both sides
// derive "tls-server-end-point" bindings from the server certificate
// (client: TLSServerEndPointFromState(conn.ConnectionState()); server:
// TLSServerEndPoint(cert)). Here both share one value.
func ExampleChannelBindings() {
	cb := &ntlm.ChannelBindings{ApplicationData: []byte("tls-server-end-point:...")}
	server := &ntlm.Server{NbComputerName: "SQL1", NbDomainName: "CONTOSO", ChannelBindings: cb,
		Lookup: ntlm.AccountList{{User: "joe33", Hash: ntlm.HashPassword("S3cret!")}}.Lookup}
	client := &ntlm.Client{Domain: "CONTOSO", User: "joe33", Password: "S3cret!", ChannelBindings: cb}

	negotiate := client.Negotiate(nil)
	challenge, _ := server.Challenge(nil, negotiate)
	authenticate, _, _ := client.Authenticate(nil, negotiate, challenge)
	res, err := server.Verify(negotiate, challenge, authenticate)
	fmt.Println(res.ChannelBound, err)

	client.ChannelBindings = &ntlm.ChannelBindings{ApplicationData: []byte("tls-server-end-point:other")}
	authenticate, _, _ = client.Authenticate(nil, negotiate, challenge)
	_, err = server.Verify(negotiate, challenge, authenticate)
	fmt.Println(errors.Is(err, ntlm.ErrBadBindings))
	// Output:
	// true <nil>
	// true
}
