package tokens_test

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tds/sqltype"
	"github.com/tdswire/tdswire/tds/tdstest"
	"github.com/tdswire/tdswire/tokens"
)

// readVector loads a golden vector for the examples.
func readVector(name string) []byte {
	text, err := os.ReadFile("testdata/" + name + ".hex")
	if err != nil {
		panic(err)
	}
	b, err := tdstest.ParseHex(string(text))
	if err != nil {
		panic(err)
	}
	return b
}

// A client reads the login response: environment changes, messages,
// LOGINACK (whose version the rest of the connection uses) and DONE.
func ExampleScanner_loginResponse() {
	body := readVector("seed_login_response_74") // the message body, packet headers removed
	s := tokens.NewScanner(body, tds.Version74)
	for {
		t, err := s.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		switch t {
		case tokens.TokenEnvChange:
			var ec tokens.EnvChange
			if err := s.EnvChange(&ec); err != nil {
				fmt.Println("error:", err)
				return
			}
			switch ec.Type {
			case tokens.EnvDatabase:
				fmt.Printf("database %s -> %s\n", ec.OldString(), ec.NewString())
			case tokens.EnvPacketSize:
				n, _ := ec.PacketSize()
				fmt.Println("packet size", n)
			default:
				fmt.Println("environment change:", ec.Type)
			}
		case tokens.TokenInfo, tokens.TokenError:
			var m tokens.Message
			if err := s.Message(&m); err != nil {
				fmt.Println("error:", err)
				return
			}
			fmt.Printf("%v %d: %s\n", t, m.Number, m.MsgText)
		case tokens.TokenLoginAck:
			var ack tokens.LoginAck
			if err := s.LoginAck(&ack); err != nil {
				fmt.Println("error:", err)
				return
			}
			s.SetVersion(ack.Negotiated())
			fmt.Printf("logged in: TDS %v, %s %v\n", ack.Negotiated(), ack.ProgName.String()[:20], ack.ProgVersion)
		case tokens.TokenDone:
			var d tokens.Done
			if err := s.Done(&d); err != nil {
				fmt.Println("error:", err)
				return
			}
			fmt.Println("done:", d.Status)
		default:
			fmt.Println("skipped", t)
		}
	}
	// Output:
	// database master -> AdventureWorks
	// INFO 5701: Changed database context to 'AdventureWorks'.
	// environment change: SQLCollation
	// logged in: TDS 7.4 (0x74000004), Microsoft SQL Server 15.0.2000
	// packet size 8000
	// skipped FEATUREEXTACK
	// done: FINAL
}

// Reading rows: COLMETADATA installs the columns, and RowValues gives
// typed value views of each ROW or NBCROW without allocating once vals has
// grown to the column count.
func ExampleScanner_RowValues() {
	body := readVector("stored_proc")
	s := tokens.NewScanner(body, tds.Version74)
	var vals []tokens.ColumnValue
	for {
		t, err := s.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		switch t {
		case tokens.TokenColMetadata:
			for _, c := range s.Columns() {
				fmt.Printf("column %s %v\n", c.ColName, c.TypeInfo.Type)
			}
		case tokens.TokenRow, tokens.TokenNBCRow:
			if vals, err = s.RowValues(vals); err != nil {
				fmt.Println("error:", err)
				return
			}
			for _, v := range vals {
				switch {
				case v.IsNull():
					fmt.Println("  NULL")
				case v.Type() == sqltype.TypeInt4:
					n, _ := v.Int64()
					fmt.Println(" ", n)
				default:
					u, _ := v.UCS2()
					fmt.Println(" ", u)
				}
			}
		case tokens.TokenDoneInProc:
			var d tokens.Done
			_ = s.Done(&d)
			fmt.Printf("statement done: %d rows\n", d.RowCount)
		case tokens.TokenReturnStatus:
			var rs tokens.ReturnStatus
			_ = s.ReturnStatus(&rs)
			fmt.Println(rs)
		}
	}
	// Output:
	// column id INT4TYPE
	//   1
	//   2
	// statement done: 2 rows
	// column name NVARCHARTYPE
	//   Anna
	//   NULL
	// statement done: 2 rows
	// RETURNSTATUS 0
}

// A server or test double builds a response with the Append encoders,
// which compute every length field.
func ExampleDone_Append() {
	v := tds.Version74
	b, err := tokens.Message{
		Type:       tokens.TokenError,
		Number:     18456,
		State:      1,
		Class:      14,
		MsgText:    tds.UCS2(tds.AppendUCS2(nil, "Login failed for user 'sa'.")),
		LineNumber: 1,
	}.Append(nil, v)
	if err != nil {
		panic(err) // a MsgText over 65535 code units, a name over 255
	}
	b = tokens.Done{Status: tokens.DoneError}.Append(b, v)
	fmt.Printf("% X\n", b[:9])
	fmt.Printf("% X\n", b[len(b)-13:])
	// Output:
	// AA 44 00 18 48 00 00 01 0E
	// FD 02 00 00 00 00 00 00 00 00 00 00 00
}

// A driver returns a server's ERROR token as a Go error; the caller finds
// it with errors.As. The error owns its strings, so the response buffer
// can be reused.
func ExampleMessage_Err() {
	v := tds.Version74
	resp, err := tokens.Message{
		Type:       tokens.TokenError,
		Number:     208,
		State:      1,
		Class:      16,
		MsgText:    tds.UCS2(tds.AppendUCS2(nil, "Invalid object name 'nope'.")),
		ServerName: tds.UCS2(tds.AppendUCS2(nil, "SQL01")),
		LineNumber: 1,
	}.Append(nil, v)
	if err != nil {
		panic(err)
	}
	resp = tokens.Done{Status: tokens.DoneError}.Append(resp, v)

	query := func() error {
		s := tokens.NewScanner(resp, v)
		for {
			t, err := s.Next()
			if err != nil {
				return err // io.EOF: no error token
			}
			if t == tokens.TokenError {
				var m tokens.Message
				if err := s.Message(&m); err != nil {
					return err
				}
				return fmt.Errorf("query: %w", m.Err())
			}
		}
	}
	err = query()
	var se *tokens.ServerError
	if errors.As(err, &se) {
		fmt.Println(se.Number, se.Class, se.Message)
	}
	fmt.Println(err)
	// Output:
	// 208 16 Invalid object name 'nope'.
	// query: server error 208, class 16, state 1, server SQL01, line 1: Invalid object name 'nope'.
}

// Printing a response: every token value prints itself on one line, and
// the Scanner prints its current token.
func ExampleScanner_String() {
	v := tds.Version74
	b, err := tokens.EnvChange{Type: tokens.EnvDatabase, NewValue: tds.AppendUCS2(nil, "AdventureWorks"), OldValue: tds.AppendUCS2(nil, "master")}.Append(nil)
	if err != nil {
		panic(err) // a database name over 255 code units
	}
	b = tokens.Done{Type: tokens.TokenDoneProc, Status: tokens.DoneMore | tokens.DoneCount, RowCount: 1}.Append(b, v)
	s := tokens.NewScanner(b, v)
	for {
		if _, err := s.Next(); err != nil {
			break
		}
		fmt.Println(s.String())
	}
	// Output:
	// ENVCHANGE Database master -> AdventureWorks
	// DONEPROC(MORE|COUNT) rows=1
}
