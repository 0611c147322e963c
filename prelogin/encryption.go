package prelogin

// Encryption is the ENCRYPTION option's byte, B_FENCRYPTION, [MS-TDS]
// 2.2.6.5 "Encryption": one of the four settings EncryptOff, EncryptOn,
// EncryptNotSup, EncryptReq, possibly combined with the flag bits
// EncryptClientCert and EncryptExt. The negotiation applies to TDS 7.x
// only; in TDS 8.0 TLS is established before PRELOGIN and the value the
// client sends is ignored.
type Encryption uint8

// The settings and flag bits of [MS-TDS] 2.2.6.5 "Encryption".
const (
	EncryptOff    Encryption = 0x00 // ENCRYPT_OFF: encryption is available but off
	EncryptOn     Encryption = 0x01 // ENCRYPT_ON: encryption is available and on
	EncryptNotSup Encryption = 0x02 // ENCRYPT_NOT_SUP: encryption is not available
	EncryptReq    Encryption = 0x03 // ENCRYPT_REQ: encryption is required

	// EncryptExt, ENCRYPT_EXT, is a reserved bit. Per [MS-TDS] appendix A
	// <36> SQL Server ignores it; Negotiate and ServerResponse ignore it
	// too.
	EncryptExt Encryption = 0x20

	// EncryptClientCert, ENCRYPT_CLIENT_CERT, is set by a client that
	// asks for certificate-based authentication, combined with
	// EncryptOff, EncryptOn or EncryptReq (0x80, 0x81, 0x83). Combined
	// with EncryptNotSup (0x82) it makes the server terminate the
	// connection.
	EncryptClientCert Encryption = 0x80
)

// flagBits are the bits of B_FENCRYPTION that are flags, not part of the
// setting.
const flagBits = EncryptExt | EncryptClientCert

// Setting returns e without its flag bits: EncryptOff, EncryptOn,
// EncryptNotSup, EncryptReq, or a value the specification does not define.
func (e Encryption) Setting() Encryption { return e &^ flagBits }

// ClientCert reports whether e has the ENCRYPT_CLIENT_CERT bit.
func (e Encryption) ClientCert() bool { return e&EncryptClientCert != 0 }

// Valid reports whether e is a setting the specification defines, with or
// without the flag bits.
func (e Encryption) Valid() bool { return e.Setting() <= EncryptReq }

// String names e as the specification does: "ENCRYPT_ON",
// "ENCRYPT_CLIENT_CERT|ENCRYPT_REQ", "ENCRYPT_EXT|ENCRYPT_OFF"; an undefined
// setting prints as hex ("ENCRYPT_CLIENT_CERT|0x05").
func (e Encryption) String() string {
	var s string
	if e&EncryptClientCert != 0 {
		s += "ENCRYPT_CLIENT_CERT|"
	}
	if e&EncryptExt != 0 {
		s += "ENCRYPT_EXT|"
	}
	switch e.Setting() {
	case EncryptOff:
		return s + "ENCRYPT_OFF"
	case EncryptOn:
		return s + "ENCRYPT_ON"
	case EncryptNotSup:
		return s + "ENCRYPT_NOT_SUP"
	case EncryptReq:
		return s + "ENCRYPT_REQ"
	}
	return s + "0x" + hex2(uint8(e.Setting()))
}

// Outcome is what the PRELOGIN exchange decides about encryption for a TDS
// 7.x connection, [MS-TDS] 2.2.6.5 "Encryption". The zero value is
// OutcomeTerminate, so an unset Outcome fails safe.
type Outcome uint8

// The outcomes of the second table of [MS-TDS] 2.2.6.5 "Encryption".
const (
	// OutcomeTerminate: the connection MUST be terminated ("Error
	// (connection terminated)").
	OutcomeTerminate Outcome = iota
	// OutcomeNoEncryption: no TLS handshake; nothing is encrypted.
	OutcomeNoEncryption
	// OutcomeLoginOnly: TLS protects the LOGIN7 packet only; the rest of
	// the connection is sent in the clear.
	OutcomeLoginOnly
	// OutcomeEntireConnection: everything after PRELOGIN is encrypted.
	OutcomeEntireConnection
)

// String returns the specification's wording for o.
func (o Outcome) String() string {
	switch o {
	case OutcomeTerminate:
		return "Error (connection terminated)"
	case OutcomeNoEncryption:
		return "No encryption"
	case OutcomeLoginOnly:
		return "Encrypt login packet only"
	case OutcomeEntireConnection:
		return "Encrypt entire connection"
	}
	return "Outcome(" + hex2(uint8(o)) + ")"
}

// Encrypted reports whether a TLS handshake follows the PRELOGIN exchange.
func (o Outcome) Encrypted() bool { return o == OutcomeLoginOnly || o == OutcomeEntireConnection }

// ServerResponse returns the ENCRYPTION value a server configured with
// setting answers to a client that sent client, and whether the server
// then terminates the connection: the first table of [MS-TDS] 2.2.6.5
// "Encryption", whose columns are the server settings ENCRYPT_OFF,
// ENCRYPT_ON and ENCRYPT_NOT_SUP:
//
//	client \ server              OFF          ON           NOT_SUP
//	ENCRYPT_OFF                  OFF          REQ          NOT_SUP
//	ENCRYPT_ON                   ON           ON           NOT_SUP, terminated
//	ENCRYPT_NOT_SUP              NOT_SUP      REQ, term.   NOT_SUP
//	ENCRYPT_REQ                  ON           ON           NOT_SUP, terminated
//	CLIENT_CERT|ENCRYPT_OFF      OFF          REQ          NOT_SUP, terminated
//	CLIENT_CERT|ENCRYPT_ON       ON           ON           NOT_SUP, terminated
//	CLIENT_CERT|ENCRYPT_NOT_SUP  REQ, term.   REQ, term.   REQ, terminated
//	CLIENT_CERT|ENCRYPT_REQ      ON           ON           NOT_SUP, terminated
//
// The table has no ENCRYPT_REQ column; a server setting of ENCRYPT_REQ is
// read as ENCRYPT_ON, the column of a server that forces encryption (it
// answers ENCRYPT_REQ to ENCRYPT_OFF). The ENCRYPT_EXT bit is ignored on
// both sides, and ENCRYPT_CLIENT_CERT in setting is ignored. A value with
// an undefined setting on either side gives (EncryptNotSup, true).
func ServerResponse(client, setting Encryption) (response Encryption, terminate bool) {
	c, s := client.Setting(), setting.Setting()
	if c > EncryptReq || s > EncryptReq {
		return EncryptNotSup, true
	}
	if s == EncryptReq {
		s = EncryptOn
	}
	if client.ClientCert() && c == EncryptNotSup {
		return EncryptReq, true
	}
	switch s {
	case EncryptNotSup:
		// Only a client that can do without encryption goes on.
		return EncryptNotSup, !(c == EncryptOff && !client.ClientCert() || c == EncryptNotSup)
	case EncryptOn:
		if c == EncryptNotSup {
			return EncryptReq, true
		}
		if c == EncryptOff {
			return EncryptReq, false
		}
		return EncryptOn, false
	default: // EncryptOff
		switch c {
		case EncryptOff:
			return EncryptOff, false
		case EncryptNotSup:
			return EncryptNotSup, false
		}
		return EncryptOn, false
	}
}

// Negotiate returns the outcome for a client that sent client in its
// PRELOGIN and read response from the server's: the second table of
// [MS-TDS] 2.2.6.5 "Encryption", which gives the client's behaviour for
// ENCRYPT_OFF and ENCRYPT_ON,
//
//	client \ response   OFF                ON / REQ             NOT_SUP
//	ENCRYPT_OFF         login packet only  entire connection    no encryption
//	ENCRYPT_ON          terminate          entire connection    terminate
//
// extended to the other client values as the rest of the section
// implies:
//
//   - ENCRYPT_REQ behaves as ENCRYPT_ON (the first table answers both
//     alike).
//   - ENCRYPT_NOT_SUP goes on unencrypted only if the server answers
//     ENCRYPT_NOT_SUP; ENCRYPT_REQ terminates (first table), and so do
//     ENCRYPT_OFF and ENCRYPT_ON, which a conforming server does not send
//     to it and which would have it expect a TLS handshake the client
//     cannot make.
//   - ENCRYPT_CLIENT_CERT with ENCRYPT_OFF, ENCRYPT_ON or ENCRYPT_REQ
//     behaves as that setting, except that the TLS handshake that carries
//     the certificate cannot happen with a server answering
//     ENCRYPT_NOT_SUP, which terminates (first table, last column).
//   - ENCRYPT_CLIENT_CERT with ENCRYPT_NOT_SUP always terminates.
//
// ENCRYPT_EXT is ignored on both sides, and so is ENCRYPT_CLIENT_CERT in
// the response (the specification never has a server send it). An
// undefined setting on either side terminates.
//
// Real clients differ only in cells a conforming server never produces:
// SqlClient, having sent ENCRYPT_NOT_SUP, goes on unencrypted unless the
// answer is ENCRYPT_REQ, and, having sent ENCRYPT_OFF, does not encrypt
// at all when answered ENCRYPT_ON. Negotiate follows the specification.
func Negotiate(client, response Encryption) Outcome {
	c, r := client.Setting(), response.Setting()
	if c > EncryptReq || r > EncryptReq {
		return OutcomeTerminate
	}
	cert := client.ClientCert()
	switch c {
	case EncryptOff:
		switch r {
		case EncryptOff:
			return OutcomeLoginOnly
		case EncryptNotSup:
			if cert {
				return OutcomeTerminate
			}
			return OutcomeNoEncryption
		}
		return OutcomeEntireConnection
	case EncryptOn, EncryptReq:
		if r == EncryptOn || r == EncryptReq {
			return OutcomeEntireConnection
		}
		return OutcomeTerminate
	default: // EncryptNotSup
		if r == EncryptNotSup && !cert {
			return OutcomeNoEncryption
		}
		return OutcomeTerminate
	}
}
