package main

import (
	"strconv"
	"strings"
)

// KerberosSummary is the Kerberos part of a conversation: the client's
// AP-REQ and the server's answer.
type KerberosSummary struct {
	SPN                string  `json:"spn"`   // the service principal the ticket is for
	Realm              string  `json:"realm"` // the ticket's realm
	TicketEType        string  `json:"ticket_etype"`
	KVNO               *uint32 `json:"kvno,omitempty"`
	AuthenticatorEType string  `json:"authenticator_etype"`
	MutualRequired     bool    `json:"mutual_required"`
	// Reply is the server's Kerberos answer: "AP-REP", "KRB-ERROR", or
	// "none" (no Kerberos token came back).
	Reply        string `json:"reply"`
	ReplyEType   string `json:"reply_etype,omitempty"`   // the AP-REP's enc-part etype
	ErrorName    string `json:"error_name,omitempty"`    // the KRB-ERROR's code name (RFC 4120 7.5.9)
	ErrorMeaning string `json:"error_meaning,omitempty"` // and meaning
	ErrorCode    *int32 `json:"error_code,omitempty"`    // and number
	ErrorAdvice  string `json:"error_explanation,omitempty"`
}

// SPNEGOSummary is the SPNEGO negotiation of a conversation (RFC 4178).
type SPNEGOSummary struct {
	Offered   []string `json:"offered"`             // the client's mechTypes, preferred first
	TokenMech string   `json:"token_mech"`          // the mechanism of the client's first token
	Chosen    string   `json:"chosen,omitempty"`    // the server's supportedMech
	NegState  string   `json:"neg_state,omitempty"` // the server's last negState
}

// sspiSeen is one SSPI blob of the login, in order.
type sspiSeen struct {
	info       *SSPIInfo
	fromClient bool
}

// noteSSPI records an SSPI blob of the login exchange.
func (c *Conv) noteSSPI(info *SSPIInfo, fromClient bool) {
	if info != nil && len(c.sspis) < 16 {
		c.sspis = append(c.sspis, sspiSeen{info, fromClient})
	}
}

// summarizeSSPI fills the authentication scheme, the Kerberos and SPNEGO
// parts and the diagnoses of s from the SSPI blobs of the login.
func (c *Conv) summarizeSSPI(s *Summary) {
	switch {
	case strings.HasPrefix(s.Authentication, "SQL"):
		s.AuthScheme = "SQL"
	case strings.HasPrefix(s.Authentication, "NTLM"):
		s.AuthScheme = "NTLM"
	case strings.HasPrefix(s.Authentication, "Kerberos"):
		s.AuthScheme = "KERBEROS"
	}
	var k *KerberosSummary
	var sp *SPNEGOSummary
	clientFirst := true
	for _, x := range c.sspis {
		in := x.info
		if x.fromClient && clientFirst {
			clientFirst = false
			if in.Kind == "SPNEGO NegTokenInit" {
				sp = &SPNEGOSummary{Offered: in.MechsOffered, TokenMech: in.Mech}
				if sp.TokenMech == "" {
					sp.TokenMech = "none"
				}
			}
		}
		if !x.fromClient && in.Kind == "SPNEGO NegTokenResp" && sp != nil {
			if in.SupportedMech != "" {
				sp.Chosen = in.SupportedMech
			}
			if in.NegState != "" {
				sp.NegState = in.NegState
			}
		}
		kr := in.Kerberos
		if kr == nil {
			continue
		}
		switch {
		case x.fromClient && kr.Message == "AP-REQ" && kr.SPN != "" && k == nil:
			k = &KerberosSummary{SPN: kr.SPN, Realm: kr.Realm, TicketEType: kr.TicketEType, KVNO: kr.KVNO,
				AuthenticatorEType: kr.AuthenticatorEType, Reply: "none"}
			if kr.MutualRequired != nil {
				k.MutualRequired = *kr.MutualRequired
			}
		case !x.fromClient && k != nil && kr.Message == "AP-REP":
			k.Reply, k.ReplyEType = "AP-REP", kr.EncPartEType
		case !x.fromClient && kr.Message == "KRB-ERROR":
			if k == nil {
				k = &KerberosSummary{SPN: kr.SPN, Realm: kr.Realm}
			}
			k.Reply, k.ErrorName, k.ErrorMeaning, k.ErrorCode, k.ErrorAdvice = "KRB-ERROR", kr.ErrorName, kr.ErrorMeaning, kr.ErrorCode, kr.Explanation
		}
	}
	s.Kerberos, s.SPNEGO = k, sp

	var d []string
	if k != nil && c.login != nil {
		// go-mssqldb 1.11.2 derives the SPN from a CNAME lookup and cuts
		// the last character of a name returned without a trailing dot.
		host, _, _ := strings.Cut(strings.TrimPrefix(k.SPN, "MSSQLSvc/"), ":")
		if sn := c.login.ServerName; host != "" && len(sn) == len(host)+1 && strings.HasPrefix(strings.ToLower(sn), strings.ToLower(host)) {
			d = append(d, "the SPN's host "+host+" is the server name of LOGIN7 ("+sn+") one character short: the client derived the SPN wrongly (go-mssqldb 1.11.2 cuts the last character of a host name its CNAME lookup returns without a trailing dot); the service needs that SPN too, or the client an explicit ServerSPN")
		}
	}
	if sp != nil && sp.TokenMech == "NTLM" && s.AuthScheme == "NTLM" && offersKerberos(sp.Offered) {
		d = append(d, "Kerberos not used: the client offered Kerberos but sent NTLM (an SPN for this server is probably missing)")
	}
	if k != nil {
		switch {
		case k.Reply == "KRB-ERROR":
			msg := "the server refused the Kerberos ticket with " + k.ErrorName
			if k.ErrorMeaning != "" {
				msg += " (" + k.ErrorMeaning + ")"
			}
			if k.ErrorAdvice != "" {
				msg += ": " + k.ErrorAdvice
			}
			d = append(d, msg)
		case s.Login == "failed":
			msg := "the server refused the Kerberos login (error " + strconv.Itoa(int(s.ErrorNumber)) + ") without a KRB-ERROR: it could not verify the ticket for " + k.SPN + "@" + k.Realm
			if k.KVNO != nil {
				msg += " (key version " + strconv.FormatUint(uint64(*k.KVNO), 10) + ")"
			}
			msg += "; its keytab or service account may lack that SPN or key version"
			d = append(d, msg)
		case k.MutualRequired && k.Reply == "none" && s.Login == "succeeded":
			d = append(d, "the client asked for mutual authentication but no AP-REP came back")
		}
	}
	s.Diagnoses = d
}

func offersKerberos(mechs []string) bool {
	for _, m := range mechs {
		if m == "Kerberos" || m == "MS Kerberos" {
			return true
		}
	}
	return false
}

// appendSSPISummary appends the text lines of the Kerberos and SPNEGO
// parts and the diagnoses.
func appendSSPISummary(b []byte, s *Summary) []byte {
	if s.AuthScheme != "" {
		b = field(b, "Auth scheme:    ", s.AuthScheme)
	}
	if k := s.Kerberos; k != nil {
		v := "SPN " + k.SPN + ", realm " + k.Realm
		if k.TicketEType != "" {
			v += ", ticket " + k.TicketEType
			if k.KVNO != nil {
				v += " kvno " + strconv.FormatUint(uint64(*k.KVNO), 10)
			}
			v += ", authenticator " + k.AuthenticatorEType
			if k.MutualRequired {
				v += ", mutual authentication asked"
			} else {
				v += ", no mutual authentication"
			}
		}
		switch k.Reply {
		case "AP-REP":
			v += "; server answered AP-REP (" + k.ReplyEType + ")"
		case "KRB-ERROR":
			v += "; server answered KRB-ERROR " + k.ErrorName
		default:
			v += "; no Kerberos answer from the server"
		}
		b = field(b, "Kerberos:       ", v)
	}
	if sp := s.SPNEGO; sp != nil {
		v := "offered [" + strings.Join(sp.Offered, ", ") + "], first token " + sp.TokenMech
		if sp.Chosen != "" {
			v += ", server chose " + sp.Chosen
		}
		if sp.NegState != "" {
			v += " (" + sp.NegState + ")"
		}
		b = field(b, "SPNEGO:         ", v)
	}
	for _, d := range s.Diagnoses {
		b = field(b, "Diagnosis:      ", d)
	}
	return b
}
