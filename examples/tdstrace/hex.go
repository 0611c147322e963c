package main

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"

	"github.com/tdswire/tdswire/ntlm"
	"github.com/tdswire/tdswire/smp"
	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tdsconn"
)

// parseHex reads bytes written as hexadecimal, as copied out of Wireshark
// ("Copy as Hex Dump": an offset, the bytes, and an ASCII column), xxd,
// the dumps of [MS-TDS] section 4 and [MS-NLMP] section 4, or as a plain
// hex stream. Per line: text after '#' is a comment; a leading offset (hex
// digits followed by ':' or '.' as xxd and the specifications write it, or
// by two spaces as Wireshark does) is dropped; then the fields that are
// hex digits in pairs are the bytes, and on a line that had an offset
// three spaces or the first other field start the ASCII column, which is
// ignored. On a line
// without an offset any other field is an error.
func parseHex(r io.Reader) ([]byte, error) {
	var out []byte
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 16<<20)
	line := 0
	for sc.Scan() {
		line++
		s := sc.Text()
		if i := strings.IndexByte(s, '#'); i >= 0 {
			s = s[:i]
		}
		s = strings.ReplaceAll(s, "\t", "    ")
		t := strings.TrimLeft(s, " ")
		if t == "" {
			continue
		}
		offset := false
		if i := strings.IndexAny(t, " :."); i > 0 && isHexString(t[:i]) {
			rest := t[i:]
			switch {
			case rest[0] == ':' || rest[0] == '.':
				t, offset = rest[1:], true
			case strings.HasPrefix(rest, "  ") && i >= 4:
				t, offset = rest, true
			}
		}
		if offset {
			// Wireshark puts three spaces before the ASCII column, which
			// may hold words that look like hex ("add", "be").
			if i := strings.Index(strings.TrimLeft(t, " "), "   "); i >= 0 {
				t = strings.TrimLeft(t, " ")[:i]
			}
		}
		for _, field := range strings.Fields(t) {
			if len(field)%2 != 0 || !isHexString(field) {
				if offset {
					break // the ASCII column
				}
				return nil, fmt.Errorf("line %d: %q is not hexadecimal bytes", line, field)
			}
			b, _ := hex.DecodeString(field)
			out = append(out, b...)
		}
	}
	return out, sc.Err()
}

func isHexString(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// decodeHex decodes one message given as bytes (TDS packets, possibly
// inside SMP packets; a bare NTLM message; TLS records) sent by the client
// (fromClient) or the server, and writes every decoded field to w.
// fromClient is nil when the direction is to be inferred from the packet
// type (tabular results come from servers, everything else from clients).
func decodeHex(w *bufio.Writer, b []byte, fromClient *bool) error {
	if len(b) == 0 {
		return errors.New("no bytes on standard input")
	}
	switch {
	case bytes.HasPrefix(b, []byte(ntlm.Signature)):
		n := decodeNTLM(b)
		fmt.Fprintf(w, "NTLM message (%d bytes)\n", len(b))
		printFields(w, reflect.ValueOf(n), 1)
		return nil
	case b[0] == 0x60 || b[0] == 0xa1:
		// A GSS-API token (RFC 2743 3.1: raw Kerberos, SPNEGO's
		// NegTokenInit) or SPNEGO's NegTokenResp (RFC 4178 4.2.2): no TDS
		// packet type has these values.
		info, kind, tok := decodeSSPI(b)
		fmt.Fprintf(w, "SSPI blob (%d bytes): %s\n", len(b), kind)
		printFields(w, reflect.ValueOf(info), 1)
		if n := decodeNTLM(tok); n != nil {
			fmt.Fprintf(w, "  NTLM message inside (%d bytes)\n", len(tok))
			printFields(w, reflect.ValueOf(n), 2)
		}
		return nil
	case tdsconn.IsTLSRecord(b):
		fmt.Fprintf(w, "TLS records (%d bytes)\n", len(b))
		for _, r := range describeTLS(b) {
			fmt.Fprintf(w, "  %s\n", r)
		}
		return nil
	}
	var msg []byte
	var first tds.Header
	packets := 0
	for len(b) > 0 {
		if b[0] == smp.SMID {
			var sh smp.Header
			data, err := sh.DecodePacket(b)
			if err != nil {
				return fmt.Errorf("SMP header: %w", err)
			}
			fmt.Fprintf(w, "SMP header: SMID 0x53, Flags %s, SID %d, Length %d, SeqNum %d, Wndw %d\n", sh.Flags, sh.SID, sh.Length, sh.SeqNum, sh.Wndw)
			b = b[sh.Length:]
			if len(data) == 0 {
				continue
			}
			b = append(append([]byte(nil), data...), b...)
			continue
		}
		var h tds.Header
		if err := h.Decode(b); err != nil {
			return fmt.Errorf("packet %d: %w", packets+1, err)
		}
		if int(h.Length) < tds.HeaderLen || int(h.Length) > len(b) {
			return fmt.Errorf("packet %d: header Length %d, but %d bytes are left", packets+1, h.Length, len(b))
		}
		if packets == 0 {
			first = h
		}
		packets++
		fmt.Fprintf(w, "TDS packet %d: Type 0x%02x (%s), Status 0x%02x (%s), Length %d, SPID %d, PacketID %d, Window %d\n",
			packets, uint8(h.Type), packetKind(h.Type), uint8(h.Status), h.Status, h.Length, h.SPID, h.PacketID, h.Window)
		msg = append(msg, b[tds.HeaderLen:h.Length]...)
		b = b[h.Length:]
		if h.Status&tds.StatusEOM != 0 && len(b) > 0 {
			fmt.Fprintf(w, "(%d bytes after the end of the message are not decoded)\n", len(b))
			break
		}
	}
	if packets == 0 {
		return nil // SMP control packets only
	}
	fc := first.Type != tds.PacketResponse
	if fromClient != nil {
		fc = *fromClient
	}
	m := decodeMessage(first.Type, fc, msg, tds.Version74)
	dir := "server"
	if fc {
		dir = "client"
	}
	fmt.Fprintf(w, "Message from the %s: %s, %d bytes\n", dir, m.Kind, len(msg))
	printFields(w, reflect.ValueOf(m), 1)
	if m.Error != "" {
		return errors.New(m.Error)
	}
	return nil
}

// printFields writes the exported, non-empty fields of a struct (through
// pointers), one per line under their JSON names, nested values indented.
func printFields(w *bufio.Writer, v reflect.Value, depth int) {
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return
		}
		v = v.Elem()
	}
	t := v.Type()
	ind := strings.Repeat("  ", depth)
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		name := strings.Split(sf.Tag.Get("json"), ",")[0]
		if name == "" || name == "-" {
			name = sf.Name
		}
		fv := v.Field(i)
		if fv.IsZero() && strings.Contains(sf.Tag.Get("json"), "omitempty") {
			continue
		}
		for fv.Kind() == reflect.Pointer && !fv.IsNil() && fv.Elem().Kind() != reflect.Struct {
			fv = fv.Elem()
		}
		switch fv.Kind() {
		case reflect.Pointer:
			if fv.IsNil() {
				continue
			}
			fmt.Fprintf(w, "%s%s:\n", ind, name)
			printFields(w, fv, depth+1)
		case reflect.Struct:
			fmt.Fprintf(w, "%s%s:\n", ind, name)
			printFields(w, fv, depth+1)
		case reflect.Slice:
			if fv.Len() == 0 {
				continue
			}
			if fv.Type().Elem().Kind() == reflect.Struct {
				for j := 0; j < fv.Len(); j++ {
					fmt.Fprintf(w, "%s%s[%d]:\n", ind, name, j)
					printFields(w, fv.Index(j), depth+1)
				}
				continue
			}
			var parts []string
			for j := 0; j < fv.Len(); j++ {
				parts = append(parts, fmt.Sprint(fv.Index(j).Interface()))
			}
			fmt.Fprintf(w, "%s%s: %s\n", ind, name, strings.Join(parts, ", "))
		case reflect.String:
			fmt.Fprintf(w, "%s%s: %q\n", ind, name, fv.String())
		default:
			fmt.Fprintf(w, "%s%s: %v\n", ind, name, fv.Interface())
		}
	}
}
