package tdsconn

import (
	"crypto/tls"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/tdswire/tdswire/internal/textfmt"
)

// payloadLen describes a payload by its length only: "47 bytes", or
// "none" for nil (a traced LOGIN7).
func payloadLen(b []byte) string {
	if b == nil {
		return "none"
	}
	return strconv.Itoa(len(b)) + " bytes"
}

// tlsSummary is the TLS outcome on one line, "{Version=TLS 1.3
// CipherSuite=TLS_AES_128_GCM_SHA256 ALPN="tds/8.0" ServerName="sql1"
// PeerCertificates=1}", or "nil". Nothing of the keys or certificates
// but their number prints.
func tlsSummary(cs *tls.ConnectionState) string {
	if cs == nil {
		return "nil"
	}
	return "{Version=" + tls.VersionName(cs.Version) +
		" CipherSuite=" + tls.CipherSuiteName(cs.CipherSuite) +
		" ALPN=" + strconv.Quote(cs.NegotiatedProtocol) +
		" ServerName=" + strconv.Quote(cs.ServerName) +
		" PeerCertificates=" + strconv.Itoa(len(cs.PeerCertificates)) + "}"
}

// String formats e on one line. The payload prints as its length only,
// never its bytes (an SSPI message or a login response may carry an
// authentication token):
//
//	sent Prelogin packets=1 payload=47 bytes
//	received Tabular result packets=1 payload=312 bytes
//	TLS handshake Version=TLS 1.2 CipherSuite=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
func (e TraceEvent) String() string {
	if e.TLS != nil {
		return "TLS handshake Version=" + tls.VersionName(e.TLS.Version) + " CipherSuite=" + tls.CipherSuiteName(e.TLS.CipherSuite)
	}
	dir := "received "
	if e.Sent {
		dir = "sent "
	}
	return dir + e.Header.Type.String() + " packets=" + strconv.Itoa(e.Packets) + " payload=" + payloadLen(e.Payload)
}

// Format implements fmt.Formatter so that no verb prints the payload's
// bytes (fmt would otherwise print them under %v, %x and %#v): %+v
// names every field ("TraceEvent{TLS=nil Sent=true
// Header=Header{Type=Prelogin ...} Packets=1 Payload=47 bytes}"), %#v
// writes "tdsconn.TraceEvent{...}" around String, %q the quoted String,
// every other verb (%x included) String.
func (e TraceEvent) Format(f fmt.State, verb rune) {
	textfmt.Format(f, verb, "tdsconn.TraceEvent", e.String(), func() string {
		return "TraceEvent{TLS=" + tlsSummary(e.TLS) + " Sent=" + strconv.FormatBool(e.Sent) +
			" Header=" + fmt.Sprintf("%+v", e.Header) + " Packets=" + strconv.Itoa(e.Packets) +
			" Payload=" + payloadLen(e.Payload) + "}"
	})
}

// String formats r on one line; the login response prints as its length
// only (Response holds the raw token stream):
//
//	LoginResult{TDSVersion=7.4 (0x74000004) PacketSize=4096 Database="master" Encryption="login only" MARS=false Program="Microsoft SQL Server" 16.0.1000 Infos=2 Errors=0 Response=312 bytes}
func (r LoginResult) String() string {
	var sb strings.Builder
	sb.WriteString("LoginResult{TDSVersion=" + r.TDSVersion.String() +
		" PacketSize=" + strconv.Itoa(r.PacketSize) +
		" Database=" + strconv.Quote(r.Database) +
		" Encryption=" + strconv.Quote(r.Encryption.String()) +
		" MARS=" + strconv.FormatBool(r.MARS) +
		" Program=" + strconv.Quote(r.ProgName) + " " + r.ProgVersion.String())
	if r.ServerName != "" {
		sb.WriteString(" Server=" + strconv.Quote(r.ServerName))
	}
	sb.WriteString(" Infos=" + strconv.Itoa(len(r.Infos)) + " Errors=" + strconv.Itoa(len(r.Errors)))
	if r.Routing != nil {
		sb.WriteString(" Routing=" + r.Routing.String())
	}
	if r.SSPIRounds != 0 {
		sb.WriteString(" SSPIRounds=" + strconv.Itoa(r.SSPIRounds))
	}
	sb.WriteString(" Response=" + payloadLen(r.Response) + "}")
	return sb.String()
}

// Format implements fmt.Formatter: %v, %s and %x print String, %q the
// quoted String, %#v String after "tdsconn.", and %+v
// every field, the INFO and ERROR tokens as their error text, the TLS
// state as tlsSummary and Response as its length (never the token bytes,
// which fmt would otherwise print in full under %v).
func (r LoginResult) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		io.WriteString(f, "tdsconn."+r.String())
		return
	}
	textfmt.Format(f, verb, "tdsconn.LoginResult", r.String(), func() string {
		var sb strings.Builder
		msgs := func(name string, ms []ServerError) {
			sb.WriteString(" " + name + "=[")
			for i := range ms {
				if i > 0 {
					sb.WriteString(", ")
				}
				sb.WriteString(strconv.Quote(ms[i].Error()))
			}
			sb.WriteByte(']')
		}
		sb.WriteString("LoginResult{Encryption=" + strconv.Quote(r.Encryption.String()) +
			" TLS=" + tlsSummary(r.TLS) +
			" MARS=" + strconv.FormatBool(r.MARS) +
			" Prelogin=" + fmt.Sprint(r.Prelogin) +
			" TDSVersion=" + r.TDSVersion.String() +
			" PacketSize=" + strconv.Itoa(r.PacketSize) +
			" Database=" + strconv.Quote(r.Database) +
			" Language=" + strconv.Quote(r.Language) +
			" Collation=" + r.Collation.String() +
			" ProgName=" + strconv.Quote(r.ProgName) +
			" ProgVersion=" + r.ProgVersion.String() +
			" ServerName=" + strconv.Quote(r.ServerName))
		msgs("Infos", r.Infos)
		msgs("Errors", r.Errors)
		sb.WriteString(" FeatureAcks=[")
		for i, a := range r.FeatureAcks {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString(a.String())
		}
		sb.WriteString("] Routing=")
		if r.Routing != nil {
			sb.WriteString(r.Routing.String())
		} else {
			sb.WriteString("nil")
		}
		sb.WriteString(" SSPIRounds=" + strconv.Itoa(r.SSPIRounds) + " Response=" + payloadLen(r.Response) + "}")
		return sb.String()
	})
}
