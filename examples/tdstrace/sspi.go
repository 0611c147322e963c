package main

import (
	"strconv"
	"strings"

	"github.com/tdswire/tdswire/krb5"
	"github.com/tdswire/tdswire/spnego"
)

// SSPIInfo is what an SSPI blob (LOGIN7's SSPI field, an SSPI message or
// an SSPI token) carries, as spnego.Classify and package krb5 read it: the
// kind of blob, SPNEGO's negotiation, and the Kerberos message inside.
type SSPIInfo struct {
	Kind          string        `json:"kind"`                     // NTLM, Kerberos, SPNEGO NegTokenInit, SPNEGO NegTokenResp, NegoEx, ...
	Mech          string        `json:"mech,omitempty"`           // the mechanism of the token inside
	MechsOffered  []string      `json:"mechs_offered,omitempty"`  // NegTokenInit mechTypes, preferred first (RFC 4178 4.2.1)
	NegState      string        `json:"neg_state,omitempty"`      // NegTokenResp negState (RFC 4178 4.2.2)
	SupportedMech string        `json:"supported_mech,omitempty"` // the mechanism the server chose
	MechListMIC   bool          `json:"mech_list_mic,omitempty"`
	NegHints      string        `json:"neg_hints,omitempty"` // NegTokenInit2 hintName ([MS-SPNG] 2.2.1)
	Kerberos      *KerberosInfo `json:"kerberos,omitempty"`
	Error         string        `json:"error,omitempty"`
}

// KerberosInfo is a Kerberos V5 message of an SSPI blob (RFC 4120 5.5.1,
// 5.5.2, 5.9.1): what travels in clear. Cipher texts are not shown.
type KerberosInfo struct {
	Message            string  `json:"message"`                       // AP-REQ, AP-REP, KRB-ERROR
	SPN                string  `json:"spn,omitempty"`                 // the ticket's sname (the SPN), or the error's
	Realm              string  `json:"realm,omitempty"`               // the ticket's (or the error's) realm
	NameType           string  `json:"name_type,omitempty"`           // the sname's name-type
	TicketEType        string  `json:"ticket_etype,omitempty"`        // the ticket enc-part's etype
	KVNO               *uint32 `json:"kvno,omitempty"`                // the key version of the service key
	AuthenticatorEType string  `json:"authenticator_etype,omitempty"` // the authenticator's etype
	MutualRequired     *bool   `json:"mutual_required,omitempty"`     // ap-options mutual-required
	EncPartEType       string  `json:"enc_part_etype,omitempty"`      // an AP-REP's enc-part etype
	ErrorCode          *int32  `json:"error_code,omitempty"`          // a KRB-ERROR's error-code
	ErrorName          string  `json:"error_name,omitempty"`          // its RFC 4120 7.5.9 name
	ErrorMeaning       string  `json:"error_meaning,omitempty"`       // its RFC 4120 7.5.9 meaning
	Explanation        string  `json:"explanation,omitempty"`         // what it usually means for a SQL Server
	EText              string  `json:"e_text,omitempty"`
	STime              string  `json:"stime,omitempty"`
}

// decodeSSPI classifies an SSPI blob and describes it. kind is the short
// name the conversation summary uses ("NTLM", "NTLM (SPNEGO)", "Kerberos",
// "Kerberos (SPNEGO)", "SPNEGO", "NegoEx", "SSPI"); ntlmTok is the NTLM
// message inside it, nil if none.
func decodeSSPI(b []byte) (info *SSPIInfo, kind string, ntlmTok []byte) {
	if len(b) == 0 {
		return nil, "", nil
	}
	c, err := spnego.Classify(b)
	info = &SSPIInfo{Kind: c.Kind.String()}
	if err != nil {
		info.Error = err.Error()
		return info, "SSPI", nil
	}
	mech := c.Mech
	switch c.Kind {
	case spnego.KindSPNEGOInit:
		for o := range c.Init.MechTypes.All() {
			info.MechsOffered = append(info.MechsOffered, mechName(o))
		}
		info.MechListMIC = c.Init.MechListMIC != nil
		if h, ok := c.Init.NegHints(); ok {
			info.NegHints = string(h.HintName)
		}
	case spnego.KindSPNEGOResp:
		if st, ok := c.Resp.NegState(); ok {
			info.NegState = st.String()
		}
		if c.Resp.SupportedMech != nil {
			info.SupportedMech = mechName(c.Resp.SupportedMech)
			if mech == spnego.MechUnknown {
				mech = c.Resp.SupportedMech.Mech()
			}
		}
		info.MechListMIC = c.Resp.MechListMIC != nil
	case spnego.KindUnknown:
		return info, "SSPI", nil
	}
	if mech != spnego.MechUnknown {
		info.Mech = mech.String()
	}
	if mech == spnego.MechNTLM && len(c.Token) > 0 {
		ntlmTok = c.Token
	}
	if mech.IsKerberos() && len(c.Token) > 0 {
		info.Kerberos = decodeKerberos(c.Token)
	}
	spnegoWrapped := c.Kind == spnego.KindSPNEGOInit || c.Kind == spnego.KindSPNEGOResp
	switch {
	case mech == spnego.MechNTLM && spnegoWrapped:
		kind = "NTLM (SPNEGO)"
	case mech == spnego.MechNTLM:
		kind = "NTLM"
	case mech.IsKerberos() && spnegoWrapped:
		kind = "Kerberos (SPNEGO)"
	case mech.IsKerberos():
		kind = "Kerberos"
	case mech == spnego.MechNegoEx:
		kind = "NegoEx"
	case spnegoWrapped:
		kind = "SPNEGO"
	default:
		kind = "SSPI"
	}
	return info, kind, ntlmTok
}

// mechName names a mechanism OID, dotted when tdswire does not know it.
func mechName(o spnego.OID) string {
	if m := o.Mech(); m != spnego.MechUnknown {
		return m.String()
	}
	return o.String()
}

// decodeKerberos describes the Kerberos GSS-API token tok.
func decodeKerberos(tok []byte) *KerberosInfo {
	var g krb5.GSSToken
	if err := g.Decode(tok); err != nil {
		return &KerberosInfo{Message: "invalid", Explanation: err.Error()}
	}
	k := &KerberosInfo{Message: g.ID.String()}
	switch g.ID {
	case krb5.TokAPReq:
		var m krb5.APReq
		if err := m.Decode(g.Message); err != nil {
			k.Message, k.Explanation = k.Message+" (undecodable)", err.Error()
			return k
		}
		k.SPN, k.Realm, k.NameType = m.Ticket.SName.String(), string(m.Ticket.Realm), m.Ticket.SName.Type.String()
		k.TicketEType, k.AuthenticatorEType = m.Ticket.EncPart.EType.String(), m.Authenticator.EType.String()
		if v, ok := m.Ticket.EncPart.KVNO(); ok {
			k.KVNO = &v
		}
		mutual := m.Options.MutualRequired()
		k.MutualRequired = &mutual
	case krb5.TokAPRep:
		var m krb5.APRep
		if err := m.Decode(g.Message); err != nil {
			k.Message, k.Explanation = k.Message+" (undecodable)", err.Error()
			return k
		}
		k.EncPartEType = m.EncPart.EType.String()
	case krb5.TokKRBError:
		var m krb5.KRBError
		if err := m.Decode(g.Message); err != nil {
			k.Message, k.Explanation = k.Message+" (undecodable)", err.Error()
			return k
		}
		code := int32(m.ErrorCode)
		k.ErrorCode, k.ErrorName, k.ErrorMeaning = &code, m.ErrorCode.String(), m.ErrorCode.Meaning()
		k.Explanation = krbErrorAdvice(m.ErrorCode)
		k.SPN, k.Realm, k.NameType = m.SName.String(), string(m.Realm), m.SName.Type.String()
		k.EText, k.STime = string(m.EText), m.STime.String()
	}
	return k
}

// krbErrorAdvice says what a Kerberos error code usually means when a SQL
// Server answers a login with it.
func krbErrorAdvice(c krb5.ErrorCode) string {
	switch c {
	case krb5.KRBAPErrModified:
		return "the ticket was encrypted with a key the service does not have: the SPN is registered to another account, or duplicated"
	case krb5.KRBAPErrSkew:
		return "the client's and the server's clocks differ by more than the allowed skew (5 minutes by default): synchronize them"
	case krb5.KRBAPErrTktExpired:
		return "the service ticket has expired: the client must get a new one (kinit, or klist purge on Windows)"
	case krb5.KRBAPErrBadkeyver:
		return "the ticket is encrypted with a key version the service does not have: its password changed after its keytab was made"
	case krb5.KRBAPErrNokey, krb5.KRBAPErrNotUs:
		return "the ticket is for another service: the client asked for the wrong SPN, or the SPN belongs to another account"
	case krb5.KRBAPErrBadIntegrity:
		return "the authenticator did not decrypt with the ticket's session key"
	case krb5.KRBAPErrRepeat:
		return "the same authenticator arrived twice (a replay, or a client retrying with it)"
	case krb5.KDCErrSPrincipalUnknown:
		return "the KDC knows no such SPN: register it for the service account (setspn -S MSSQLSvc/host:port account)"
	}
	return ""
}

// sspiBrief is the one-line form of an SSPI blob in frame descriptions:
// "Kerberos AP-REQ MSSQLSvc/host:1433@REALM (ticket aes256-cts-hmac-sha1-96
// kvno 2, mutual authentication)", "SPNEGO NegTokenResp accept-completed,
// Kerberos AP-REP (aes256-cts-hmac-sha1-96)", ...; "" for raw NTLM, which
// the NTLM fields describe.
func sspiBrief(info *SSPIInfo) string {
	if info == nil || info.Kind == "NTLM" {
		return ""
	}
	var b strings.Builder
	switch info.Kind {
	case "SPNEGO NegTokenInit":
		b.WriteString("SPNEGO NegTokenInit offering [")
		b.WriteString(strings.Join(info.MechsOffered, ", "))
		b.WriteString("]")
		if info.Mech != "" {
			b.WriteString(" with a " + info.Mech + " token")
		}
	case "SPNEGO NegTokenResp":
		b.WriteString("SPNEGO NegTokenResp")
		if info.NegState != "" {
			b.WriteString(" " + info.NegState)
		}
		if info.SupportedMech != "" {
			b.WriteString(", chose " + info.SupportedMech)
		} else if info.Mech != "" {
			b.WriteString(", " + info.Mech + " token")
		}
	default:
		b.WriteString(info.Kind)
	}
	if k := info.Kerberos; k != nil {
		if b.Len() > 0 && info.Kind != "Kerberos" {
			b.WriteString(": ")
		} else {
			b.WriteString(" ")
		}
		b.WriteString(kerberosBrief(k))
	}
	return b.String()
}

func kerberosBrief(k *KerberosInfo) string {
	switch k.Message {
	case "AP-REQ":
		s := "AP-REQ " + k.SPN + "@" + k.Realm + " (ticket " + k.TicketEType
		if k.KVNO != nil {
			s += " kvno " + strconv.FormatUint(uint64(*k.KVNO), 10)
		}
		s += ", authenticator " + k.AuthenticatorEType
		if k.MutualRequired != nil && *k.MutualRequired {
			s += ", mutual authentication"
		}
		return s + ")"
	case "AP-REP":
		return "AP-REP (" + k.EncPartEType + ")"
	case "KRB-ERROR":
		s := "KRB-ERROR " + k.ErrorName
		if k.ErrorMeaning != "" {
			s += " (" + k.ErrorMeaning + ")"
		}
		return s
	}
	s := k.Message
	if k.Explanation != "" {
		s += ": " + k.Explanation
	}
	return s
}
