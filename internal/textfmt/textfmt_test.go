package textfmt

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
)

type text []byte

func (t text) String() string { return string(t) }

type secret []byte

func (s secret) Format(f fmt.State, verb rune) { fmt.Fprint(f, "[REDACTED]") }

type inner struct{ A, B int }

type sample struct {
	Name   text
	Key    secret
	Raw    []byte
	Long   [40]byte
	Inner  inner
	List   []inner
	None   []byte
	hidden int
}

func (s sample) Format(f fmt.State, verb rune) {
	Format(f, verb, "sample", "SAMPLE "+s.Name.String(), func() string { return Fields("SAMPLE", s) })
}

// braces is a type whose one-line form is braced, so that it nests.
type braces struct{ A int }

func (b braces) Format(f fmt.State, verb rune) {
	Format(f, verb, "braces", "{A="+strconv.Itoa(b.A)+"}", func() string { return Fields("braces", b) })
}

// TestFormatBraced pins that %#v does not double the braces of a braced
// one-line form.
func TestFormatBraced(t *testing.T) {
	for _, c := range []struct{ verb, want string }{
		{"%v", "{A=1}"},
		{"%#v", "braces{A=1}"},
		{"%+v", "braces{A=1}"},
	} {
		if got := fmt.Sprintf(c.verb, braces{A: 1}); got != c.want {
			t.Errorf("%s: %s, want %s", c.verb, got, c.want)
		}
	}
}

func TestFormat(t *testing.T) {
	s := sample{Name: text("db"), Key: secret("pw"), Raw: []byte{1, 0xab}, Inner: inner{1, 2}, List: []inner{{3, 4}}, hidden: 7}
	s.Long[0] = 0xff
	for _, c := range []struct{ verb, want string }{
		{"%v", "SAMPLE db"},
		{"%s", "SAMPLE db"},
		{"%q", `"SAMPLE db"`},
		{"%#v", "sample{SAMPLE db}"},
		{"%+v", `SAMPLE{Name="db" Key=[REDACTED] Raw=01ab Long=ff` + strings.Repeat("00", 31) + `…(40 bytes) Inner={A=1 B=2} List=[{A=3 B=4}] None=nil}`},
	} {
		if got := fmt.Sprintf(c.verb, s); got != c.want {
			t.Errorf("%s: %s\nwant %s", c.verb, got, c.want)
		}
	}
}
