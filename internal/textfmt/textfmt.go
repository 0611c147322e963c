// Package textfmt holds the printing helpers behind the String and Format
// methods of tdswire's message types: one-line forms for %v and %s, and a
// detailed form for %+v that lists every exported field with views shown
// by content (UCS-2 text quoted, bytes in hex, long byte runs cut short).
//
// Fields and Format must only be used on types that hold no secret:
// Fields prints every exported field it is given. Types with secrets
// print through Safe, which never reaches their bytes (see login7.FedAuth,
// ntlm.Authenticate).
package textfmt

import (
	"encoding/hex"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
)

// MaxBytes is the number of bytes of a byte slice or array that Fields
// shows before it cuts the run short with its length.
const MaxBytes = 32

// Format implements fmt.Formatter for a type whose one-line form is line
// and whose detailed form detail builds: %+v writes detail(), %q the
// quoted line, %#v typeName{line} (typeName line when line is already
// braced, as the forms that nest in a %+v are), and every other verb line.
func Format(f fmt.State, verb rune, typeName, line string, detail func() string) {
	switch {
	case verb == 'v' && f.Flag('+'):
		io.WriteString(f, detail())
	case verb == 'v' && f.Flag('#'):
		if braced(line) {
			io.WriteString(f, typeName+line)
		} else {
			io.WriteString(f, typeName+"{"+line+"}")
		}
	case verb == 'q':
		io.WriteString(f, strconv.Quote(line))
	default:
		io.WriteString(f, line)
	}
}

// braced reports whether s is "{...}".
func braced(s string) bool { return len(s) >= 2 && s[0] == '{' && s[len(s)-1] == '}' }

// Fields renders the exported fields of the struct v (or pointer to one)
// as "name{Field=value Field=value ...}". Nested values that implement
// fmt.Formatter or fmt.Stringer print their one-line form (a byte-slice
// type with String, such as tds.UCS2, is quoted); other byte slices and
// arrays print in hex, cut after MaxBytes; nested structs recurse.
func Fields(name string, v any) string {
	var sb strings.Builder
	sb.WriteString(name)
	writeStruct(&sb, reflect.Indirect(reflect.ValueOf(v)))
	return sb.String()
}

var (
	formatterType = reflect.TypeFor[fmt.Formatter]()
	stringerType  = reflect.TypeFor[fmt.Stringer]()
)

func writeStruct(sb *strings.Builder, v reflect.Value) {
	sb.WriteByte('{')
	t := v.Type()
	first := true
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		if !first {
			sb.WriteByte(' ')
		}
		first = false
		sb.WriteString(f.Name)
		sb.WriteByte('=')
		writeValue(sb, v.Field(i))
	}
	sb.WriteByte('}')
}

func writeValue(sb *strings.Builder, v reflect.Value) {
	t := v.Type()
	isBytes := (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) && t.Elem().Kind() == reflect.Uint8
	switch {
	case t.Implements(formatterType):
		fmt.Fprintf(sb, "%v", v.Interface())
		return
	case t.Implements(stringerType):
		s := v.Interface().(fmt.Stringer).String()
		if isBytes {
			s = strconv.Quote(s)
		}
		sb.WriteString(s)
		return
	}
	switch {
	case isBytes:
		n := v.Len()
		if t.Kind() == reflect.Slice && v.IsNil() {
			sb.WriteString("nil")
			return
		}
		b := make([]byte, min(n, MaxBytes))
		reflect.Copy(reflect.ValueOf(b), v)
		sb.WriteString(hex.EncodeToString(b))
		if n > MaxBytes {
			sb.WriteString("…(" + strconv.Itoa(n) + " bytes)")
		}
	case t.Kind() == reflect.Struct:
		writeStruct(sb, v)
	case t.Kind() == reflect.Slice || t.Kind() == reflect.Array:
		if t.Kind() == reflect.Slice && v.IsNil() {
			sb.WriteString("nil")
			return
		}
		sb.WriteByte('[')
		for i := range v.Len() {
			if i > 0 {
				sb.WriteString(", ")
			}
			writeValue(sb, v.Index(i))
		}
		sb.WriteByte(']')
	case t.Kind() == reflect.String:
		sb.WriteString(strconv.Quote(v.String()))
	case t.Kind() == reflect.Pointer:
		if v.IsNil() {
			sb.WriteString("nil")
			return
		}
		writeValue(sb, v.Elem())
	default:
		fmt.Fprintf(sb, "%v", v.Interface())
	}
}
