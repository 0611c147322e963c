package prelogin

import "testing"

// The first table of [MS-TDS] 2.2.6.5 "Encryption", transcribed cell by
// cell from 02-messages/08-packet-header-message-type.md:
//
//	"Depending upon whether the server has encryption available and
//	enabled, the server responds with an ENCRYPTION value in the response
//	according to the following table."
//
// Columns: the server is set to ENCRYPT_OFF, ENCRYPT_ON, ENCRYPT_NOT_SUP.
// A cell is the value returned and whether the text adds "(connection
// terminated)".
//
// Erratum noted: the prose before the table says "The client sends the
// server the value ENCRYPT_OFF, ENCRYPT_NOT_SUP, or ENCRYPT_ON", yet the
// table has a row for a client sending ENCRYPT_REQ (and ENCRYPT_CLIENT_CERT
// may be combined with ENCRYPT_REQ). The table is followed here.
type cell struct {
	resp Encryption
	term bool
}

var serverTable = []struct {
	client Encryption
	cells  [3]cell // server set to OFF, ON, NOT_SUP
}{
	{EncryptOff, [3]cell{{EncryptOff, false}, {EncryptReq, false}, {EncryptNotSup, false}}},
	{EncryptOn, [3]cell{{EncryptOn, false}, {EncryptOn, false}, {EncryptNotSup, true}}},
	{EncryptNotSup, [3]cell{{EncryptNotSup, false}, {EncryptReq, true}, {EncryptNotSup, false}}},
	{EncryptReq, [3]cell{{EncryptOn, false}, {EncryptOn, false}, {EncryptNotSup, true}}},
	{EncryptClientCert | EncryptOff, [3]cell{{EncryptOff, false}, {EncryptReq, false}, {EncryptNotSup, true}}},
	{EncryptClientCert | EncryptOn, [3]cell{{EncryptOn, false}, {EncryptOn, false}, {EncryptNotSup, true}}},
	{EncryptClientCert | EncryptNotSup, [3]cell{{EncryptReq, true}, {EncryptReq, true}, {EncryptReq, true}}},
	{EncryptClientCert | EncryptReq, [3]cell{{EncryptOn, false}, {EncryptOn, false}, {EncryptNotSup, true}}},
}

var serverSettings = [3]Encryption{EncryptOff, EncryptOn, EncryptNotSup}

func TestServerResponseTable(t *testing.T) {
	for _, row := range serverTable {
		for i, s := range serverSettings {
			resp, term := ServerResponse(row.client, s)
			if resp != row.cells[i].resp || term != row.cells[i].term {
				t.Errorf("client %v, server set to %v: got %v, terminate %v; table says %v, terminate %v",
					row.client, s, resp, term, row.cells[i].resp, row.cells[i].term)
			}
		}
	}
}

// TestServerResponseExtensions pins the choices ServerResponse makes
// outside the table.
func TestServerResponseExtensions(t *testing.T) {
	// A server set to ENCRYPT_REQ answers as the ENCRYPT_ON column.
	for _, row := range serverTable {
		r1, t1 := ServerResponse(row.client, EncryptReq)
		r2, t2 := ServerResponse(row.client, EncryptOn)
		if r1 != r2 || t1 != t2 {
			t.Errorf("client %v: setting ENCRYPT_REQ gives %v %v, ENCRYPT_ON gives %v %v", row.client, r1, t1, r2, t2)
		}
		// ENCRYPT_EXT is ignored on both sides.
		for _, s := range serverSettings {
			r1, t1 := ServerResponse(row.client|EncryptExt, s|EncryptExt)
			r2, t2 := ServerResponse(row.client, s)
			if r1 != r2 || t1 != t2 {
				t.Errorf("client %v, server %v: ENCRYPT_EXT changes the answer", row.client, s)
			}
		}
	}
	for _, bad := range []Encryption{0x04, 0x10, 0x40, 0x84} {
		if r, term := ServerResponse(bad, EncryptOff); r != EncryptNotSup || !term {
			t.Errorf("client 0x%02x: got %v %v, want ENCRYPT_NOT_SUP, terminate", uint8(bad), r, term)
		}
		if r, term := ServerResponse(EncryptOff, bad); r != EncryptNotSup || !term {
			t.Errorf("setting 0x%02x: got %v %v, want ENCRYPT_NOT_SUP, terminate", uint8(bad), r, term)
		}
	}
}

// The second table of [MS-TDS] 2.2.6.5 "Encryption":
//
//	"Assuming that the client is capable of encryption, the server
//	requires the client to behave in the following manner."
//
// Rows: the client sent ENCRYPT_OFF, ENCRYPT_ON. Columns: the server
// returned ENCRYPT_OFF, ENCRYPT_ON, ENCRYPT_REQ, ENCRYPT_NOT_SUP.
func TestNegotiateTable(t *testing.T) {
	responses := [4]Encryption{EncryptOff, EncryptOn, EncryptReq, EncryptNotSup}
	table := []struct {
		client Encryption
		want   [4]Outcome
	}{
		{EncryptOff, [4]Outcome{OutcomeLoginOnly, OutcomeEntireConnection, OutcomeEntireConnection, OutcomeNoEncryption}},
		{EncryptOn, [4]Outcome{OutcomeTerminate, OutcomeEntireConnection, OutcomeEntireConnection, OutcomeTerminate}},
	}
	for _, row := range table {
		for i, r := range responses {
			if got := Negotiate(row.client, r); got != row.want[i] {
				t.Errorf("client %v, server returned %v: got %q, table says %q", row.client, r, got, row.want[i])
			}
		}
	}
}

// TestNegotiateExtensions pins the rows Negotiate adds for the client
// values the second table leaves out, every cell.
func TestNegotiateExtensions(t *testing.T) {
	responses := [4]Encryption{EncryptOff, EncryptOn, EncryptReq, EncryptNotSup}
	const (
		T = OutcomeTerminate
		N = OutcomeNoEncryption
		L = OutcomeLoginOnly
		A = OutcomeEntireConnection
	)
	table := []struct {
		client Encryption
		want   [4]Outcome
	}{
		{EncryptReq, [4]Outcome{T, A, A, T}},
		{EncryptNotSup, [4]Outcome{T, T, T, N}},
		{EncryptClientCert | EncryptOff, [4]Outcome{L, A, A, T}},
		{EncryptClientCert | EncryptOn, [4]Outcome{T, A, A, T}},
		{EncryptClientCert | EncryptReq, [4]Outcome{T, A, A, T}},
		{EncryptClientCert | EncryptNotSup, [4]Outcome{T, T, T, T}},
	}
	for _, row := range table {
		for i, r := range responses {
			if got := Negotiate(row.client, r); got != row.want[i] {
				t.Errorf("client %v, server returned %v: got %q, want %q", row.client, r, got, row.want[i])
			}
			// ENCRYPT_EXT anywhere and ENCRYPT_CLIENT_CERT in the
			// response change nothing.
			if got := Negotiate(row.client|EncryptExt, r|EncryptExt|EncryptClientCert); got != row.want[i] {
				t.Errorf("client %v, server returned %v with flag bits: got %q, want %q", row.client, r, got, row.want[i])
			}
		}
	}
	for _, bad := range []Encryption{0x04, 0x1F, 0x40, 0xFF} {
		if got := Negotiate(bad, EncryptOn); got != T {
			t.Errorf("client 0x%02x: got %q, want terminate", uint8(bad), got)
		}
		if got := Negotiate(EncryptOff, bad); got != T {
			t.Errorf("response 0x%02x: got %q, want terminate", uint8(bad), got)
		}
	}
}

// TestTablesAgree checks the two tables against each other through the
// two functions: every cell of the first table that says "(connection
// terminated)" is one where the client, reading that answer, must
// terminate, and every other cell lets the client go on.
func TestTablesAgree(t *testing.T) {
	for _, row := range serverTable {
		for i, s := range serverSettings {
			c := row.cells[i]
			out := Negotiate(row.client, c.resp)
			if (out == OutcomeTerminate) != c.term {
				t.Errorf("client %v, server set to %v: server answers %v (terminate %v) but the client's outcome is %q",
					row.client, s, c.resp, c.term, out)
			}
		}
	}
}

func TestEncryptionMethods(t *testing.T) {
	cases := []struct {
		e       Encryption
		s       string
		setting Encryption
		cert    bool
		valid   bool
	}{
		{EncryptOff, "ENCRYPT_OFF", EncryptOff, false, true},
		{EncryptOn, "ENCRYPT_ON", EncryptOn, false, true},
		{EncryptNotSup, "ENCRYPT_NOT_SUP", EncryptNotSup, false, true},
		{EncryptReq, "ENCRYPT_REQ", EncryptReq, false, true},
		{0x80, "ENCRYPT_CLIENT_CERT|ENCRYPT_OFF", EncryptOff, true, true},
		{0x81, "ENCRYPT_CLIENT_CERT|ENCRYPT_ON", EncryptOn, true, true},
		{0x83, "ENCRYPT_CLIENT_CERT|ENCRYPT_REQ", EncryptReq, true, true},
		{0x21, "ENCRYPT_EXT|ENCRYPT_ON", EncryptOn, false, true},
		{0xA3, "ENCRYPT_CLIENT_CERT|ENCRYPT_EXT|ENCRYPT_REQ", EncryptReq, true, true},
		{0x85, "ENCRYPT_CLIENT_CERT|0x05", 0x05, true, false},
		{0x40, "0x40", 0x40, false, false},
	}
	for _, c := range cases {
		if c.e.String() != c.s || c.e.Setting() != c.setting || c.e.ClientCert() != c.cert || c.e.Valid() != c.valid {
			t.Errorf("0x%02x: String %q Setting %v ClientCert %v Valid %v; want %q %v %v %v",
				uint8(c.e), c.e.String(), c.e.Setting(), c.e.ClientCert(), c.e.Valid(), c.s, c.setting, c.cert, c.valid)
		}
	}
	outcomes := []struct {
		o   Outcome
		s   string
		enc bool
	}{
		{OutcomeTerminate, "Error (connection terminated)", false},
		{OutcomeNoEncryption, "No encryption", false},
		{OutcomeLoginOnly, "Encrypt login packet only", true},
		{OutcomeEntireConnection, "Encrypt entire connection", true},
		{Outcome(9), "Outcome(09)", false},
	}
	for _, c := range outcomes {
		if c.o.String() != c.s || c.o.Encrypted() != c.enc {
			t.Errorf("Outcome %d: %q %v, want %q %v", c.o, c.o.String(), c.o.Encrypted(), c.s, c.enc)
		}
	}
	var zero Outcome
	if zero != OutcomeTerminate {
		t.Errorf("the zero Outcome is %q, want terminate", zero)
	}
}

// TestTablesAgreeEverywhere extends TestTablesAgree to every client byte
// and every defined server setting (with any flag bits): whenever
// ServerResponse lets the connection go on, Negotiate on its answer does
// too, and whenever it terminates, so does Negotiate. (A server with an
// undefined setting terminates for a reason of its own, which its answer
// cannot tell the client.)
func TestTablesAgreeEverywhere(t *testing.T) {
	for c := 0; c < 256; c++ {
		for s := 0; s < 256; s++ {
			client, setting := Encryption(c), Encryption(s)
			if !setting.Valid() {
				if _, term := ServerResponse(client, setting); !term {
					t.Errorf("undefined setting 0x%02x does not terminate", s)
				}
				continue
			}
			resp, term := ServerResponse(client, setting)
			if !resp.Valid() {
				t.Fatalf("ServerResponse(0x%02x, 0x%02x) answers undefined 0x%02x", c, s, uint8(resp))
			}
			if got := Negotiate(client, resp) == OutcomeTerminate; got != term {
				t.Errorf("client 0x%02x, setting 0x%02x: server answers %v, terminate %v; client outcome %v",
					c, s, resp, term, Negotiate(client, resp))
			}
		}
	}
}
