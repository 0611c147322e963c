package main

import (
	"strconv"

	"github.com/tdswire/tdswire/tdsconn"
)

// describeRecords names the TLS records the observer found in one unit
// ("TLS Rec Layer-1 HandShake: Client Hello.") in the style of the seeds.
func describeRecords(recs []tdsconn.TLSRecord) []string {
	out := make([]string, 0, len(recs))
	for i, r := range recs {
		out = append(out, recordName(i+1, r.ContentType, r.Protected, r.Body))
	}
	return out
}

// describeTLS names the TLS records in b, a message of -hex; a record cut
// off at the end of b is named from its header.
func describeTLS(b []byte) []string {
	var out []string
	changed := false // a ChangeCipherSpec was seen: later records are protected
	for layer := 1; len(b) >= 5; layer++ {
		typ := b[0]
		n := int(b[3])<<8 | int(b[4])
		body := b[5:]
		if len(body) > n {
			body = body[:n]
		}
		out = append(out, recordName(layer, typ, changed || typ == tdsconn.TLSApplicationData, body))
		if typ == tdsconn.TLSChangeCipherSpec {
			changed = true
		}
		if len(b) < 5+n {
			break
		}
		b = b[5+n:]
	}
	return out
}

// recordName names one record, the layer-th of its unit; protected says
// the sender had changed cipher before it.
func recordName(layer int, typ uint8, protected bool, body []byte) string {
	d := "TLS Rec Layer-" + strconv.Itoa(layer) + " "
	switch typ {
	case tdsconn.TLSChangeCipherSpec:
		d += "Cipher Change Spec"
	case tdsconn.TLSAlert:
		if protected {
			d += "Encrypted Alert"
		} else if len(body) >= 2 {
			d += "Alert: level " + strconv.Itoa(int(body[0])) + ", description " + strconv.Itoa(int(body[1]))
		} else {
			d += "Alert"
		}
	case tdsconn.TLSHandshake:
		d += "HandShake:"
		if protected {
			d += " Encrypted Handshake Message."
		} else {
			d += handshakeNames(body)
		}
	case tdsconn.TLSApplicationData:
		d += "SSL Application Data"
	}
	return d
}

// handshakeNames lists the handshake messages in one record's body,
// RFC 5246 7.4 and RFC 8446 4.
func handshakeNames(b []byte) string {
	s := ""
	for len(b) >= 4 {
		n := int(b[1])<<16 | int(b[2])<<8 | int(b[3])
		s += " " + handshakeName(b[0]) + "."
		if len(b) < 4+n {
			break
		}
		b = b[4+n:]
	}
	if s == "" {
		s = " Encrypted Handshake Message."
	}
	return s
}

func handshakeName(t byte) string {
	switch t {
	case 0:
		return "Hello Request"
	case 1:
		return "Client Hello"
	case 2:
		return "Server Hello"
	case 4:
		return "New Session Ticket"
	case 8:
		return "Encrypted Extensions"
	case 11:
		return "Certificate"
	case 12:
		return "Server Key Exchange"
	case 13:
		return "Certificate Request"
	case 14:
		return "Server Hello Done"
	case 15:
		return "Certificate Verify"
	case 16:
		return "Client Key Exchange"
	case 20:
		return "Finished"
	}
	return "Handshake(" + strconv.Itoa(int(t)) + ")"
}
