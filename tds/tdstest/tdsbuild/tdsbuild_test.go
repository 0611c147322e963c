package tdsbuild_test

import (
	"bytes"
	"fmt"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tdswire/tdswire/login7"
	"github.com/tdswire/tdswire/prelogin"
	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tds/sqltype"
	"github.com/tdswire/tdswire/tds/tdstest/tdsbuild"
	"github.com/tdswire/tdswire/tokens"
)

func TestPrelogin(t *testing.T) {
	for _, server := range []bool{false, true} {
		b, err := tdsbuild.Prelogin(nil, server, prelogin.EncryptOn, true)
		require.NoError(t, err)
		var m prelogin.Message
		require.NoError(t, m.Decode(b))
		assert.Equal(t, prelogin.EncryptOn, m.Encryption)
		assert.True(t, m.MARS)
		assert.Equal(t, !server, m.Present.Has(prelogin.OptionThreadID))
	}
}

func TestLogin(t *testing.T) {
	l := tdsbuild.Login{UserName: "sa", Password: "pw", AppName: "app", Database: "db", Language: "us_english",
		Features: login7.FeatureExt(nil).Add(login7.FeatureColumnEncryption, []byte{1})}
	b, err := tdsbuild.Login7(nil, l)
	require.NoError(t, err)
	var m login7.Login7
	require.NoError(t, m.Decode(b))
	assert.True(t, m.UserName.Equal("sa"))
	assert.True(t, m.Password.Equal("pw"))
	assert.True(t, m.Database.Equal("db"))
	assert.Equal(t, tds.Version74, m.TDSVersion)
	assert.NotZero(t, m.OptionFlags3&login7.FExtension)

	resp, err := tdsbuild.LoginResponse(nil, l)
	require.NoError(t, err)
	var types []tokens.TokenType
	s := tokens.NewScanner(resp, tds.Version74)
	for {
		tt, err := s.Next()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		types = append(types, tt)
	}
	assert.Equal(t, fmt.Sprint([]tokens.TokenType{tokens.TokenEnvChange, tokens.TokenInfo, tokens.TokenEnvChange, tokens.TokenEnvChange,
		tokens.TokenLoginAck, tokens.TokenFeatureExtAck, tokens.TokenDone}), fmt.Sprint(types))
}

func TestErrorResponse(t *testing.T) {
	b, err := tdsbuild.ErrorResponse(nil, tds.Version74, 208, 16, "Invalid object name 'x'.")
	require.NoError(t, err)
	s := tokens.NewScanner(b, tds.Version74)
	tt, err := s.Next()
	require.NoError(t, err)
	require.Equal(t, tokens.TokenError, tt)
	var m tokens.Message
	require.NoError(t, s.Message(&m))
	assert.Equal(t, int32(208), m.Number)
	assert.Equal(t, uint8(16), m.Class)
	assert.True(t, m.MsgText.Equal("Invalid object name 'x'."))
	tt, err = s.Next()
	require.NoError(t, err)
	require.Equal(t, tokens.TokenDone, tt)
	var d tokens.Done
	require.NoError(t, s.Done(&d))
	assert.NotZero(t, d.Status&tokens.DoneError)
}

func TestResultSet(t *testing.T) {
	cols := []tdsbuild.Column{
		{Name: "id", Type: sqltype.TypeInfo{Type: sqltype.TypeIntN, MaxLen: 4}},
		{Name: "name", Type: sqltype.TypeInfo{Type: sqltype.TypeNVarChar, MaxLen: 100, Collation: sqltype.NewCollation(0x0409, 0, 0, 52)}, Nullable: true},
	}
	b, err := tdsbuild.ResultSet(nil, tds.Version74, cols, [][]any{{1, "one"}, {2, nil}})
	require.NoError(t, err)
	s := tokens.NewScanner(b, tds.Version74)
	var got []string
	var vals []tokens.ColumnValue
	for {
		tt, err := s.Next()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		switch tt {
		case tokens.TokenRow:
			vals, err = s.RowValues(vals)
			require.NoError(t, err)
			id, err := vals[0].Value.Int64()
			require.NoError(t, err)
			name := "NULL"
			if !vals[1].Value.IsNull() {
				u, err := vals[1].Value.UCS2()
				require.NoError(t, err)
				name = u.String()
			}
			got = append(got, fmt.Sprint(id, " ", name))
		case tokens.TokenDone:
			var d tokens.Done
			require.NoError(t, s.Done(&d))
			assert.Equal(t, uint64(2), d.RowCount)
		}
	}
	assert.Equal(t, []string{"1 one", "2 NULL"}, got)

	_, err = tdsbuild.ResultSet(nil, tds.Version74, cols, [][]any{{1}})
	assert.Error(t, err, "short row")
	_, err = tdsbuild.ResultSet(nil, tds.Version74, cols, [][]any{{struct{}{}, "x"}})
	assert.Error(t, err, "unencodable value")
}

func TestPackets(t *testing.T) {
	payload := bytes.Repeat([]byte{7}, 1000)
	b := tdsbuild.Packets(nil, tds.PacketSQLBatch, payload, 512)
	require.Len(t, b, 1000+2*tds.HeaderLen)
	r := tds.NewReader(bytes.NewReader(b))
	h, got, err := r.ReadMessage()
	require.NoError(t, err)
	assert.Equal(t, tds.PacketSQLBatch, h.Type)
	assert.Equal(t, payload, got)
}

// A driver's fuzz target can seed itself with built messages as well as
// with the golden corpus.
func Example() {
	login, _ := tdsbuild.Login7(nil, tdsbuild.Login{UserName: "sa", Password: "secret", Database: "db"})
	resp, _ := tdsbuild.LoginResponse(nil, tdsbuild.Login{Database: "db"})
	wire := tdsbuild.Packets(nil, tds.PacketLogin7, login, 0)
	var l login7.Login7
	if err := l.Decode(login); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(wire) == len(login)+tds.HeaderLen, l.UserName.String(), l.Database.String(), l.Password)
	s := tokens.NewScanner(resp, tds.Version74)
	for {
		tt, err := s.Next()
		if err != nil {
			break
		}
		fmt.Print(tt, " ")
	}
	fmt.Println()
	// Output:
	// true sa db [REDACTED]
	// ENVCHANGE INFO ENVCHANGE LOGINACK DONE
}

// TestLoginRedacted pins that no fmt verb prints a Login's password, and
// what the printed form is (written by hand).
func TestLoginRedacted(t *testing.T) {
	l := tdsbuild.Login{TDSVersion: tds.Version74, UserName: "sa", Password: "hunter2", Database: "db",
		Features: login7.FeatureExt(nil).Add(login7.FeatureUTF8Support, []byte{1})}
	want := `Login{TDSVersion=7.4 (0x74000004) PacketSize=0 HostName="" UserName="sa" Password="[REDACTED]" AppName="" ServerName="" Database="db" Language="" Features=[UTF8_SUPPORT (1 bytes)]}`
	for _, verb := range []string{"%v", "%+v", "%s", "%#v", "%q", "%x", "%X", "%d"} {
		got := fmt.Sprintf(verb, l)
		if bytes.Contains([]byte(got), []byte("hunter2")) || bytes.Contains([]byte(got), []byte(fmt.Sprintf("%x", "hunter2"))) {
			t.Errorf("%s prints the password: %s", verb, got)
		}
		if got2 := fmt.Sprintf(verb, &l); got2 != got {
			t.Errorf("%s of *Login = %s, of Login %s", verb, got2, got)
		}
	}
	assert.Equal(t, want, fmt.Sprint(l))
	assert.Equal(t, "tdsbuild."+want, fmt.Sprintf("%#v", l))
	assert.Equal(t, `Login{TDSVersion=0x00000000 PacketSize=0 HostName="" UserName="" Password="" AppName="" ServerName="" Database="" Language="" Features=[]}`, tdsbuild.Login{}.String())
}
