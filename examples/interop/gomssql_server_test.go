package interop

import (
	"context"
	"database/sql"
	"errors"
	"net/url"
	"strings"
	"testing"

	mssql "github.com/microsoft/go-mssqldb"

	"github.com/tdswire/tdswire/examples/server/tdsserver"
)

// goMSSQLDB opens a database/sql handle on the example server with
// go-mssqldb. encrypt is go-mssqldb's "encrypt" value ("disable", "false"
// for login-only TLS, "true" for the whole connection).
func goMSSQLDB(t *testing.T, s *exampleServer, user, pass, encrypt string) *sql.DB {
	t.Helper()
	q := url.Values{}
	q.Set("database", "sales")
	q.Set("encrypt", encrypt)
	q.Set("TrustServerCertificate", "true")
	q.Set("dial timeout", "5")
	q.Set("connection timeout", "10")
	u := url.URL{Scheme: "sqlserver", User: url.UserPassword(user, pass), Host: s.addr, RawQuery: q.Encode()}
	db, err := sql.Open("sqlserver", u.String())
	if err != nil {
		t.Fatalf("sql.Open: %v", err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db
}

// TestGoMSSQLQueries logs go-mssqldb in to the example server without
// encryption, with login-only TLS, with full TLS, with SQL authentication
// and with NTLM, and reads every value of the sample table.
func TestGoMSSQLQueries(t *testing.T) {
	cases := []struct {
		name    string
		mode    tdsserver.TLSMode
		encrypt string
		user    string
		pass    string
		tls     bool
		ntlm    bool
	}{
		{"sql/no-tls", tdsserver.TLSOff, "disable", sqlUser, sqlPassword, false, false},
		{"sql/login-tls", tdsserver.TLSLogin, "false", sqlUser, sqlPassword, true, false},
		{"sql/full-tls", tdsserver.TLSLogin, "true", sqlUser, sqlPassword, true, false},
		{"sql/required", tdsserver.TLSRequired, "false", sqlUser, sqlPassword, true, false},
		{"ntlm/no-tls", tdsserver.TLSOff, "disable", ntlmDomain + `\` + ntlmUser, ntlmPass, false, true},
		{"ntlm/full-tls", tdsserver.TLSRequired, "true", ntlmDomain + `\` + ntlmUser, ntlmPass, true, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := startExampleServer(t, c.mode)
			db := goMSSQLDB(t, s, c.user, c.pass, c.encrypt)
			ctx, cancel := context.WithTimeout(context.Background(), clientTimeout)
			defer cancel()

			var one int64
			if err := db.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
				t.Fatalf("SELECT 1 = %d, %v", one, err)
			}
			var version string
			if err := db.QueryRowContext(ctx, "select @@version").Scan(&version); err != nil || version != tdsserver.VersionString {
				t.Fatalf("SELECT @@VERSION = %q, %v", version, err)
			}
			checkGoMSSQLSample(ctx, t, db)

			// Parameters go through sp_executesql (an RPC).
			var n int64
			var str string
			if err := db.QueryRowContext(ctx, "SELECT @p1, @p2", 42, "héllo").Scan(&n, &str); err != nil || n != 42 || str != "héllo" {
				t.Fatalf("SELECT @p1, @p2 = %d, %q, %v", n, str, err)
			}
			var null sql.NullString
			if err := db.QueryRowContext(ctx, "SELECT @p1", sql.NullString{}).Scan(&null); err != nil || null.Valid {
				t.Fatalf("SELECT @p1 with NULL = %+v, %v", null, err)
			}

			// A statement the server does not know is an ERROR token.
			_, err := db.ExecContext(ctx, "DROP TABLE nothing")
			var me mssql.Error
			if !errors.As(err, &me) || me.Number != 3701 || me.Class != 11 {
				t.Fatalf("bad statement: %v (%#v), want error 3701 class 11", err, err)
			}

			big := 0
			rows, err := db.QueryContext(ctx, "SELECT * FROM big")
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				big++
			}
			if err := rows.Err(); err != nil || big != 50 {
				t.Fatalf("SELECT * FROM big: %d rows, %v", big, err)
			}
			rows.Close()

			st := s.Stats()
			if st.Logins < 1 || (st.TLS > 0) != c.tls || (st.NTLMLogins > 0) != c.ntlm || st.RPCs < 2 || st.ClientErrors != 0 {
				t.Errorf("server stats %+v: want TLS %v, NTLM %v, RPCs and no errors", st, c.tls, c.ntlm)
			}
		})
	}
}

// checkGoMSSQLSample reads SELECT * FROM sample and compares every value,
// NULLs included, with tdsserver.SampleRows.
func checkGoMSSQLSample(ctx context.Context, t *testing.T, db *sql.DB) {
	t.Helper()
	rows, err := db.QueryContext(ctx, "SELECT * FROM sample")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	types, err := rows.ColumnTypes()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ct := range types {
		got = append(got, ct.Name()+" "+ct.DatabaseTypeName())
	}
	if want := "[id INT name NVARCHAR price DECIMAL created DATETIME2]"; sprint(got) != want {
		t.Errorf("columns %v, want %s", got, want)
	}
	if p, s, ok := types[2].DecimalSize(); !ok || p != 10 || s != 2 {
		t.Errorf("price decimal size %d,%d,%v, want 10,2", p, s, ok)
	}
	want := tdsserver.SampleRows()
	i := 0
	for ; rows.Next(); i++ {
		var (
			id      int64
			name    sql.NullString
			price   sql.NullString // go-mssqldb returns decimal as its text
			created sql.NullTime
		)
		if err := rows.Scan(&id, &name, &price, &created); err != nil {
			t.Fatal(err)
		}
		if i >= len(want) {
			continue
		}
		w := want[i]
		if id != int64(w.ID) {
			t.Errorf("row %d id %d, want %d", i, id, w.ID)
		}
		if name.Valid != (w.Name != nil) || (w.Name != nil && name.String != *w.Name) {
			t.Errorf("row %d name %+v, want %v", i, name, w.Name)
		}
		if price.Valid != (w.Price != nil) || (w.Price != nil && price.String != w.Price.String()) {
			t.Errorf("row %d price %+v, want %v", i, price, w.Price)
		}
		if created.Valid != (w.Created != nil) || (w.Created != nil && !created.Time.Equal(*w.Created)) {
			t.Errorf("row %d created %+v, want %v", i, created, w.Created)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if i != len(want) {
		t.Errorf("%d rows, want %d", i, len(want))
	}
}

// TestGoMSSQLLoginFailed checks that a wrong password, an unknown user and
// a wrong NTLM password get error 18456, class 14, state 1.
func TestGoMSSQLLoginFailed(t *testing.T) {
	s := startExampleServer(t, tdsserver.TLSLogin)
	for _, c := range []struct{ user, pass, name string }{
		{sqlUser, "wrong", sqlUser},
		{"nobody", sqlPassword, "nobody"},
		{ntlmDomain + `\` + ntlmUser, "wrong", ntlmDomain + `\` + ntlmUser},
	} {
		db := goMSSQLDB(t, s, c.user, c.pass, "false")
		ctx, cancel := context.WithTimeout(context.Background(), clientTimeout)
		err := db.PingContext(ctx)
		cancel()
		var me mssql.Error
		if errors.As(err, &me) && len(me.All) > 0 {
			// go-mssqldb prefixes "login error: " to Message; All has
			// the ERROR tokens as they came.
			me = me.All[len(me.All)-1]
		}
		if me.Number != 18456 || me.Class != 14 || me.State != 1 ||
			me.Message != "Login failed for user '"+c.name+"'." {
			t.Errorf("user %q: %v (%#v), want error 18456 class 14 state 1", c.user, err, err)
		}
	}
	if st := s.Stats(); st.LoginFailed != 3 || st.Logins != 0 {
		t.Errorf("server stats %+v, want 3 failed logins", st)
	}
}

// TestGoMSSQLStrict logs go-mssqldb in with encrypt=strict (TDS 8.0: TLS
// from the first byte, ALPN tds/8.0) to the example server in its strict
// mode, and checks that a TDS 7.x login (encrypt=true) is refused there
// with a login error rather than a silent close.
func TestGoMSSQLStrict(t *testing.T) {
	cert, err := tdsserver.SelfSignedCertificate()
	if err != nil {
		t.Fatal(err)
	}
	s := startExampleServer(t, tdsserver.TLSStrict, func(c *tdsserver.Config) { c.Certificate = &cert })
	open := func(encrypt string) *sql.DB {
		q := url.Values{}
		q.Set("database", "sales")
		q.Set("encrypt", encrypt)
		q.Set("TrustServerCertificate", "true")
		// go-mssqldb verifies the certificate in strict mode whatever
		// TrustServerCertificate says: give it the server's.
		q.Set("certificate", certFile(t, cert))
		q.Set("dial timeout", "5")
		q.Set("connection timeout", "10")
		u := url.URL{Scheme: "sqlserver", User: url.UserPassword(sqlUser, sqlPassword), Host: s.addr, RawQuery: q.Encode()}
		db, err := sql.Open("sqlserver", u.String())
		if err != nil {
			t.Fatal(err)
		}
		db.SetMaxOpenConns(1)
		t.Cleanup(func() { db.Close() })
		return db
	}
	ctx, cancel := context.WithTimeout(context.Background(), clientTimeout)
	defer cancel()
	var n int
	var name string
	if err := open("strict").QueryRowContext(ctx, "SELECT 42, DB_NAME()").Scan(&n, &name); err != nil {
		t.Fatalf("strict query: %v", err)
	}
	if n != 42 || name != "sales" {
		t.Fatalf("strict query = %d, %q; want 42, sales", n, name)
	}
	s.mu.Lock()
	log := strings.Join(s.log, "\n")
	s.mu.Unlock()
	if !strings.Contains(log, "encryption strict") {
		t.Errorf("server log does not show a strict login:\n%s", log)
	}
	// The refusal is an ERROR token where go-mssqldb waits for a PRELOGIN
	// response, so the driver reports a PRELOGIN it cannot parse; the
	// server's log says what it sent.
	if err := open("true").PingContext(ctx); err == nil {
		t.Fatal("TDS 7.x login to a strict server succeeded")
	}
	s.mu.Lock()
	log = strings.Join(s.log, "\n")
	s.mu.Unlock()
	if !strings.Contains(log, "server error 18456") || !strings.Contains(log, "requires TDS 8.0") {
		t.Errorf("server log does not show the refusal of a TDS 7.x client:\n%s", log)
	}
}
