package main

import "strconv"

// TLS record content types, RFC 5246 6.2.1 (and RFC 8446 5.1).
const (
	tlsChangeCipherSpec = 20
	tlsAlert            = 21
	tlsHandshake        = 22
	tlsApplicationData  = 23
)

// isTLS reports whether b starts with a TLS record header: a content type
// of 20 to 23 and a protocol version of 3.x (SSL 3.0 to TLS 1.3). TDS
// packet types never take the values 20 to 23 ([MS-TDS] 2.2.3.1.1), so a
// stream position that starts so holds TLS, not TDS.
func isTLS(b []byte) bool {
	return len(b) >= 5 && b[0] >= tlsChangeCipherSpec && b[0] <= tlsApplicationData && b[1] == 3 && b[2] <= 4
}

// tlsState follows one direction of a TLS connection far enough to tell
// cleartext handshake messages from encrypted ones.
type tlsState struct {
	changedCipher bool // a ChangeCipherSpec was sent: later handshake records are encrypted
	records       int  // records seen so far in this direction
}

// describeTLS names the records in b ("TLS Rec Layer-1 HandShake: Client
// Hello.") in the style of the seeds; a record cut off at the end of b is
// named from its header. It updates st when st is not nil.
func describeTLS(b []byte, st *tlsState) []string {
	var local tlsState
	if st == nil {
		st = &local
	}
	var out []string
	layer := 0
	for len(b) >= 5 {
		typ := b[0]
		n := int(b[3])<<8 | int(b[4])
		body := b[5:]
		if len(body) > n {
			body = body[:n]
		}
		layer++
		st.records++
		d := "TLS Rec Layer-" + strconv.Itoa(layer) + " "
		switch typ {
		case tlsChangeCipherSpec:
			d += "Cipher Change Spec"
			st.changedCipher = true
		case tlsAlert:
			if st.changedCipher {
				d += "Encrypted Alert"
			} else if len(body) >= 2 {
				d += "Alert: level " + strconv.Itoa(int(body[0])) + ", description " + strconv.Itoa(int(body[1]))
			} else {
				d += "Alert"
			}
		case tlsHandshake:
			d += "HandShake:"
			if st.changedCipher {
				d += " Encrypted Handshake Message."
			} else {
				d += handshakeNames(body)
			}
		case tlsApplicationData:
			d += "SSL Application Data"
		}
		out = append(out, d)
		if len(b) < 5+n {
			break
		}
		b = b[5+n:]
	}
	return out
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
