package tdsconn_test

import (
	"crypto/tls"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tdsconn"
	"github.com/tdswire/tdswire/tokens"
)

// secret stands for an SSPI token in a payload: no verb may print it.
const secret = "SSPI-SECRET-TOKEN"

// checkNoSecret fails when got holds secret as text or in hex.
func checkNoSecret(t *testing.T, what, got string) {
	t.Helper()
	if strings.Contains(got, secret) || strings.Contains(strings.ToLower(got), hex.EncodeToString([]byte(secret))) {
		t.Errorf("%s prints the payload: %s", what, got)
	}
}

// TestTraceEventFormat pins the printed forms of a TraceEvent under every
// verb (written by hand): the payload prints as its length, never its
// bytes.
func TestTraceEventFormat(t *testing.T) {
	sspi := tdsconn.TraceEvent{
		Sent:    true,
		Header:  tds.Header{Type: tds.PacketSSPI, Status: tds.StatusEOM, Length: 25, PacketID: 1},
		Packets: 1,
		Payload: []byte(secret),
	}
	login := tdsconn.TraceEvent{Sent: true, Header: tds.Header{Type: tds.PacketLogin7, Status: tds.StatusEOM, Length: 200, PacketID: 1}, Packets: 1}
	hs := tdsconn.TraceEvent{TLS: &tls.ConnectionState{Version: tls.VersionTLS12, CipherSuite: tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, ServerName: "sql1"}}
	const (
		sspiLine  = "sent SSPI packets=1 payload=17 bytes"
		loginLine = "sent Login7 packets=1 payload=none"
		hsLine    = "TLS handshake Version=TLS 1.2 CipherSuite=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
	)
	for _, tc := range []struct {
		verb string
		ev   tdsconn.TraceEvent
		want string
	}{
		{"%v", sspi, sspiLine},
		{"%s", sspi, sspiLine},
		{"%x", sspi, sspiLine},
		{"%q", sspi, `"` + sspiLine + `"`},
		{"%#v", sspi, "tdsconn.TraceEvent{" + sspiLine + "}"},
		{"%+v", sspi, "TraceEvent{TLS=nil Sent=true Header=Header{Type=SSPI Status=EOM Length=25 SPID=0 PacketID=1 Window=0} Packets=1 Payload=17 bytes}"},
		{"%v", login, loginLine},
		{"%+v", login, "TraceEvent{TLS=nil Sent=true Header=Header{Type=Login7 Status=EOM Length=200 SPID=0 PacketID=1 Window=0} Packets=1 Payload=none}"},
		{"%v", hs, hsLine},
		{"%s", hs, hsLine},
		{"%x", hs, hsLine},
		{"%q", hs, `"` + hsLine + `"`},
		{"%#v", hs, "tdsconn.TraceEvent{" + hsLine + "}"},
		{"%+v", hs, `TraceEvent{TLS={Version=TLS 1.2 CipherSuite=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 ALPN="" ServerName="sql1" PeerCertificates=0} Sent=false Header=Header{Type=PacketType(0x00) Status=Normal Length=0 SPID=0 PacketID=0 Window=0} Packets=0 Payload=none}`},
	} {
		if got := fmt.Sprintf(tc.verb, tc.ev); got != tc.want {
			t.Errorf("%s of %v:\n got %s\nwant %s", tc.verb, tc.ev.Header.Type, got, tc.want)
		}
		if got := fmt.Sprintf(tc.verb, &tc.ev); got != tc.want {
			t.Errorf("%s of *TraceEvent:\n got %s\nwant %s", tc.verb, got, tc.want)
		}
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%X", "%q", "%d"} {
		for _, arg := range []any{sspi, &sspi, struct{ E tdsconn.TraceEvent }{sspi}, []tdsconn.TraceEvent{sspi}} {
			checkNoSecret(t, fmt.Sprintf("%s of %T", verb, arg), fmt.Sprintf(verb, arg))
		}
	}
}

// TestLoginResultFormat pins the printed forms of a LoginResult under
// every verb (written by hand): Response prints as its length, not as the
// token bytes.
func TestLoginResultFormat(t *testing.T) {
	r := tdsconn.LoginResult{
		Encryption:  tdsconn.EncryptionLoginOnly,
		TDSVersion:  tds.Version74,
		PacketSize:  4096,
		Database:    "master",
		Language:    "us_english",
		ProgName:    "Microsoft SQL Server",
		ProgVersion: tokens.ProgVersion{Major: 16, BuildHi: 0x03, BuildLow: 0xE8}, // build 1000
		ServerName:  "SQL01",
		Infos:       []tdsconn.ServerError{{Number: 5701, State: 2, Message: "Changed database context to 'master'.", ServerName: "SQL01", LineNumber: 1}},
		Response:    []byte(secret),
	}
	const line = `LoginResult{TDSVersion=7.4 (0x74000004) PacketSize=4096 Database="master" Encryption="login only" MARS=false Program="Microsoft SQL Server" 16.0.1000 Server="SQL01" Infos=1 Errors=0 Response=17 bytes}`
	const detail = `LoginResult{Encryption="login only" TLS=nil MARS=false Prelogin=PRELOGIN TDSVersion=7.4 (0x74000004) PacketSize=4096 Database="master" Language="us_english" Collation=LCID 0x0 flags 0x00 version 0 SortId 0 ProgName="Microsoft SQL Server" ProgVersion=16.0.1000 ServerName="SQL01" Infos=["server error 5701, class 0, state 2, server SQL01, line 1: Changed database context to 'master'."] Errors=[] FeatureAcks=[] Routing=nil SSPIRounds=0 Response=17 bytes}`
	for _, tc := range []struct{ verb, want string }{
		{"%v", line},
		{"%s", line},
		{"%x", line},
		{"%q", fmt.Sprintf("%q", line)},
		{"%#v", "tdsconn." + line},
		{"%+v", detail},
	} {
		if got := fmt.Sprintf(tc.verb, r); got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.verb, got, tc.want)
		}
		if got := fmt.Sprintf(tc.verb, &r); got != tc.want {
			t.Errorf("%s of *LoginResult:\n got %s\nwant %s", tc.verb, got, tc.want)
		}
	}
	if got, want := (tdsconn.LoginResult{}).String(), `LoginResult{TDSVersion=0x00000000 PacketSize=0 Database="" Encryption="unknown" MARS=false Program="" 0.0.0 Infos=0 Errors=0 Response=none}`; got != want {
		t.Errorf("zero LoginResult:\n got %s\nwant %s", got, want)
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%X", "%q", "%d"} {
		for _, arg := range []any{r, &r, struct{ R *tdsconn.LoginResult }{&r}} {
			checkNoSecret(t, fmt.Sprintf("%s of %T", verb, arg), fmt.Sprintf(verb, arg))
		}
	}
}
