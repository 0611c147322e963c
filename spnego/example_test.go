package spnego_test

import (
	"fmt"

	"github.com/tdswire/tdswire/spnego"
)

// A client with no Kerberos ticket offers Kerberos first but sends an NTLM
// token: the SPN of the server is probably missing.
func ExampleClassify() {
	sspi := spnego.NegTokenInit{
		MechTypes: spnego.NewMechTypeList(spnego.MechMSKerberos, spnego.MechKerberos, spnego.MechNTLM),
		MechToken: spnego.Opaque("NTLMSSP\x00\x01\x00\x00\x00\x07\x82\x08\xa2"),
	}.Append(nil)

	blob, err := spnego.Classify(sspi)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(blob.Kind)
	fmt.Println("offered:", blob.Init.MechTypes)
	fmt.Println("token for:", blob.Mech, blob.Token)
	if blob.Init.MechTypes.First().Mech().IsKerberos() && blob.Mech == spnego.MechNTLM {
		fmt.Println("Kerberos offered but not used")
	}
	// Output:
	// SPNEGO NegTokenInit
	// offered: [MS Kerberos, Kerberos, NTLM]
	// token for: NTLM <16 bytes>
	// Kerberos offered but not used
}

// A server accepts the client's Kerberos token and answers with the AP-REP.
func ExampleNegTokenResp_Append() {
	apRep := []byte{0x60, 0x0d /* ... a Kerberos GSS-API token ... */}
	resp := spnego.NegTokenResp{
		SupportedMech: spnego.MechKerberos.OID(),
		ResponseToken: apRep,
	}
	resp.SetNegState(spnego.AcceptCompleted)
	b, err := resp.Append(nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("% x\n", b[:8])
	var back spnego.NegTokenResp
	fmt.Println(back.Decode(b), back)
	// Output:
	// a1 1a 30 18 a0 03 0a 01
	// <nil> NegTokenResp negState=accept-completed supportedMech=Kerberos responseToken=<2 bytes>
}
