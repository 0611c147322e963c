// Package tdsserver is a TDS server built only from tdswire's codecs, a
// test server for driver authors in the manner of net/http/httptest: it
// logs clients in, answers what drivers send on their default settings,
// lets a test script its own answers with a Handler, plays faults, and
// records every message it receives.
//
// # Connection
//
// The login is tdsconn.Accept's: PRELOGIN ([MS-TDS] 2.2.6.5) with the
// ENCRYPTION answer of its TLSMode, TLS for the login packet only or the
// whole connection (or TDS 8.0 strict), LOGIN7 (2.2.6.4) with or without
// a PRELOGIN before it, TDS 7.0 to 8.0, then:
//
//   - SQL logins against Config.Users or Config.CheckSQLLogin; integrated
//     logins with the built-in NTLM check of the DOMAIN\name users
//     (tdsconn.NTLMServer; a failed AUTHENTICATE is 18456) or any
//     SSPIServer from Config.NewSSPI (SPNEGO, Kerberos);
//   - the login database must be one of Config.Databases (else 4060);
//   - the login response as SQL Server sends it (4.3), FEATUREEXTACK for
//     the Config.FeatureAcks the client asked for, and ENVCHANGE 20 when
//     Config.Route sends the client elsewhere (the server then closes);
//     a refusal is ERROR 18456, class 14, state 1;
//   - MARS over SMP ([MC-SMP]), started after the login response or
//     before LOGIN7: each session is served as its own request stream.
//
// Limits: Config.LoginTimeout bounds the whole login (not renewed by
// reads), Config.IdleTimeout closes a connection that sends no whole
// message for that long (a byte now and then does not keep it open),
// Config.MaxConns caps connections, Config.MaxMessageSize caps a message.
//
// # Requests
//
// Every SQL batch, RPC, transaction manager request and bulk load goes to
// Config.Handler (DefaultHandler() when nil) with a ResponseWriter that
// streams tokens in the client's TDS version and packet size, sets
// DONE_MORE where more follows, completes a response the handler leaves
// open, and ends it with DONE_ATTN when the client sends an attention
// (3.3.5.5; the handler's context is cancelled).
//
// # The default handler
//
// A batch is split into statements (at ';' and before a statement
// keyword; comments and white space anywhere), each answered with its own
// DONE. It stops at the first error, which is SQL Server's error for it.
// It answers:
//
//	SET ...                        accepted (NOCOUNT, IMPLICIT_TRANSACTIONS
//	                               and TEXTSIZE are remembered)
//	USE db                         ENVCHANGE 1, INFO 5701; 911 if unknown
//	BEGIN TRAN[SACTION] [name]     ENVCHANGE 8 with a new descriptor
//	COMMIT [TRAN|WORK]             ENVCHANGE 9 at the outermost; 3902
//	ROLLBACK [TRAN|WORK] [name]    ENVCHANGE 10 (a savepoint name keeps it); 3903
//	SAVE TRAN name                 a savepoint; 628 outside a transaction
//	IF cond stmt [ELSE stmt]       comparisons of expressions, AND, OR, NOT, IS NULL
//	SELECT expr [AS alias], ...    literals, @@variables, RPC parameters,
//	                               CAST, CONVERT, SERVERPROPERTY, DB_NAME ...
//	                               typed as SQL Server types them (int, numeric(p,s),
//	                               varchar(n), nvarchar(n), float, sql_variant ...)
//	SELECT [TOP n] cols|*|COUNT(*) FROM sample|big [WHERE cond]
//	PRINT, RAISERROR, THROW        INFO or ERROR
//	WAITFOR DELAY 'hh:mm:ss'       ended early by an attention
//	DECLARE ...                    accepted
//
// and 102 (syntax), 105, 137, 195, 207, 208 (unknown table), 245, 2812
// (unknown procedure), 3701 (DROP), 262 (CREATE, ALTER), 8134 and 8115
// for what it cannot do. The tables:
//
//	sample    SampleRows: id int, name nvarchar(50), price decimal(10,2),
//	          created datetime2(7)
//	big       Config.Rows rows of BigRow, same columns
//
// RPCs: sp_executesql, sp_prepare (ProcID 11), sp_execute, sp_prepexec and
// sp_unprepare by ProcID or name, with parameter values named or unnamed
// (bound by position to the definition list, as SQL Server does);
// others get 2812. Transaction manager requests (2.2.6.9): TM_BEGIN_XACT,
// TM_COMMIT_XACT and TM_ROLLBACK_XACT (with fBeginXact), TM_SAVE_XACT;
// the distributed ones get 8501 (MSDTC unavailable).
//
// Clients speaking TDS 7.1 to 7.4 are served; datetime2 goes to clients
// before 7.3 as nvarchar text, as SQL Server does. Deviations: a batch
// runs up to its first error (SQL Server refuses a batch with a syntax
// error before running any of it); decimal arithmetic is done in float.
//
// # Faults
//
// Config.Faults scripts misbehaviour per connection (Fault.Conn), per
// statement (Fault.Match) and for a number of strikes (Fault.Times):
// delays, a close or reset at PRELOGIN, in the TLS handshake, at LOGIN7
// or after N rows, the transient errors of TransientErrors at login or on
// a statement, a fatal error then close, and malformed responses.
//
// Use:
//
//	srv, err := tdsserver.New(tdsserver.Config{
//		Users: []tdsserver.User{{Name: "sa", Password: "Passw0rd!"}},
//		TLS:   tdsserver.TLSLogin,
//	})
//	addr, err := srv.Start("127.0.0.1:0")
//	defer srv.Close()
//
// It is a test peer, not a database: there is no storage and every
// connection sees the same generated tables.
package tdsserver
