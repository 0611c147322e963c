package tdsconn

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/tdswire/tdswire/internal/textfmt"
)

// String formats c on one line without its secrets: the Password shows
// only as "[REDACTED]" when set, and the TLS configuration, SSPI client,
// LOGIN7, SMP configuration and Trace function only as "set":
//
//	ClientConfig{Encryption="entire connection" User="sa" Password=[REDACTED] Database="db" TLS=set}
//
// Strings that are empty, numbers that are 0 and pointers that are nil
// are left out.
func (c ClientConfig) String() string {
	var sb strings.Builder
	sb.WriteString("ClientConfig{Encryption=" + strconv.Quote(c.Encryption.String()))
	str := func(name, v string) {
		if v != "" {
			sb.WriteString(" " + name + "=" + strconv.Quote(v))
		}
	}
	set := func(name string, ok bool) {
		if ok {
			sb.WriteString(" " + name + "=set")
		}
	}
	str("User", c.User)
	if c.Password != "" {
		sb.WriteString(" Password=" + textfmt.Redacted)
	}
	str("Database", c.Database)
	str("Language", c.Language)
	str("AppName", c.AppName)
	str("HostName", c.HostName)
	str("ServerName", c.ServerName)
	str("ClientInterface", c.ClientInterface)
	str("Instance", c.Instance)
	if c.TDSVersion != 0 {
		sb.WriteString(" TDSVersion=" + c.TDSVersion.String())
	}
	if c.PacketSize != 0 {
		sb.WriteString(" PacketSize=" + strconv.Itoa(c.PacketSize))
	}
	if len(c.FeatureExt) > 0 {
		sb.WriteString(" FeatureExt=" + c.FeatureExt.String())
	}
	if c.MARS {
		sb.WriteString(" MARS=true")
	}
	if c.LoginTimeout != 0 {
		sb.WriteString(" LoginTimeout=" + c.LoginTimeout.String())
	}
	if c.MaxMessageSize != 0 {
		sb.WriteString(" MaxMessageSize=" + strconv.Itoa(c.MaxMessageSize))
	}
	set("TLS", c.TLS != nil)
	set("SSPI", c.SSPI != nil)
	set("Login7", c.Login7 != nil)
	set("SMP", c.SMP != nil)
	set("Trace", c.Trace != nil)
	sb.WriteByte('}')
	return sb.String()
}

// GoString returns String with the package name, so that %#v does not
// print the password either.
func (c ClientConfig) GoString() string { return "tdsconn." + c.String() }

// Format implements fmt.Formatter so that no verb prints the password
// (fmt would otherwise print the Password field under %v and %+v): %#v
// writes GoString, %q the quoted String, every other verb String.
func (c ClientConfig) Format(f fmt.State, verb rune) {
	textfmt.Safe(f, verb, c.String(), c.GoString())
}

// String formats c on one line: `ServerConn user="sa" database="db"
// encryption="login only" MARS=false remote=192.0.2.1:50000`. It prints
// nothing of the LOGIN7 the connection keeps (which holds the password).
func (c *ServerConn) String() string {
	if c == nil {
		return "ServerConn(nil)"
	}
	s := "ServerConn user=" + strconv.Quote(c.User()) + " database=" + strconv.Quote(c.Database()) +
		" encryption=" + strconv.Quote(c.Encryption().String()) + " MARS=" + strconv.FormatBool(c.MARS())
	if nc := c.NetConn(); nc != nil && nc.RemoteAddr() != nil {
		s += " remote=" + nc.RemoteAddr().String()
	}
	return s
}

// Format implements fmt.Formatter so that no verb prints the connection's
// fields (fmt would print the kept LOGIN7 bytes, password included):
// %#v writes "&tdsconn.ServerConn{...}" around String, %q the quoted
// String, every other verb String.
func (c *ServerConn) Format(f fmt.State, verb rune) {
	s := c.String()
	textfmt.Safe(f, verb, s, "&tdsconn.ServerConn{"+s+"}")
}
