// Package der reads and writes the subset of ASN.1 DER (ITU-T X.690) that
// the GSS-API, SPNEGO and Kerberos V5 tokens use, on top of
// golang.org/x/crypto/cryptobyte. It is shared by the spnego and krb5
// packages, which re-export its Error type and sentinels.
//
// A Reader is a small copyable cursor over the caller's bytes that knows the
// offset of its first byte in the whole input, so every failure says where
// it happened. Reading never allocates; errors are built only on failure.
package der

import (
	"errors"
	"fmt"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// Sentinel errors classify every failure; test for them with errors.Is.
var (
	// ErrTruncated means the input ended before an element it announced.
	ErrTruncated = errors.New("truncated")
	// ErrMalformed means the bytes are not the DER the specification
	// asks for (wrong tag, non-minimal length, value out of range).
	ErrMalformed = errors.New("malformed")
	// ErrUnexpected means a well-formed value of another kind arrived (a
	// KRB-ERROR where an AP-REQ was asked for, an unknown mechanism).
	ErrUnexpected = errors.New("unexpected")
)

// Error describes a failure to decode a DER token.
//
// Offset is the byte offset of the offending element, counted from the
// start of the buffer given to the decoder.
type Error struct {
	Layer  Layer  // the decoder, e.g. LayerNegTokenInit, LayerAPReq
	Offset int64  // byte offset of the offending element
	Msg    string // what was wrong, in the specification's terms
	Err    error  // the class: ErrTruncated, ErrMalformed or ErrUnexpected
}

// Error formats the failure as "layer: at offset N: message: class".
func (e *Error) Error() string {
	return fmt.Sprintf("%s: at offset %d: %s: %v", e.Layer, e.Offset, e.Msg, e.Err)
}

// Unwrap returns the class of the failure, for errors.Is and errors.As.
func (e *Error) Unwrap() error { return e.Err }

// Errorf builds an *Error; call it only on failure paths.
func Errorf(layer Layer, offset int, class error, format string, args ...any) *Error {
	return &Error{Layer: layer, Offset: int64(offset), Msg: fmt.Sprintf(format, args...), Err: class}
}

// Layer names the decoder that reported an *Error. Its String form is the
// prefix of Error.Error ("spnego negTokenInit", "krb5 ap-req", ...).
type Layer uint8

// The layers of packages spnego and krb5.
const (
	LayerUnknown       Layer = iota // the zero Layer: not set
	LayerGSS                        // spnego: InitialContextToken ([RFC 2743] 3.1)
	LayerNegTokenInit               // spnego: NegTokenInit ([RFC 4178] 4.2.1)
	LayerNegTokenResp               // spnego: NegTokenResp ([RFC 4178] 4.2.2)
	LayerKerberosToken              // krb5: the Kerberos GSS-API token ([RFC 4121] 4.1)
	LayerAPReq                      // krb5: KRB_AP_REQ ([RFC 4120] 5.5.1)
	LayerAPRep                      // krb5: KRB_AP_REP ([RFC 4120] 5.5.2)
	LayerKRBError                   // krb5: KRB_ERROR ([RFC 4120] 5.9.1)
)

var layerNames = [...]string{
	LayerUnknown:       "der",
	LayerGSS:           "gss-api token",
	LayerNegTokenInit:  "spnego negTokenInit",
	LayerNegTokenResp:  "spnego negTokenResp",
	LayerKerberosToken: "krb5 gss-api token",
	LayerAPReq:         "krb5 ap-req",
	LayerAPRep:         "krb5 ap-rep",
	LayerKRBError:      "krb5 krb-error",
}

// String returns the layer's name as Error.Error prints it, or "Layer(N)".
func (l Layer) String() string {
	if int(l) < len(layerNames) {
		return layerNames[l]
	}
	return fmt.Sprintf("Layer(%d)", uint8(l))
}

// Tag helpers: the identifier octets of X.690 8.1.2 for tag numbers below 31.

// Context returns the identifier of a constructed context-specific tag [n].
func Context(n uint8) asn1.Tag { return asn1.Tag(n).ContextSpecific().Constructed() }

// Application returns the identifier of a constructed application tag
// [APPLICATION n].
func Application(n uint8) asn1.Tag { return asn1.Tag(n | 0x40).Constructed() }

// GeneralString is the universal tag 27 (X.680 41), used by Kerberos for
// KerberosString and Realm (RFC 4120 5.2.1).
const GeneralString = asn1.Tag(27)

// Reader reads DER elements from a byte slice that starts at offset Base of
// the whole input.
type Reader struct {
	s     cryptobyte.String
	end   int   // offset just past the last byte of s in the whole input
	Layer Layer // the decoder named in errors
}

// NewReader returns a Reader over b, whose first byte is at offset base of
// the whole input, naming layer in its errors.
func NewReader(b []byte, base int, layer Layer) Reader {
	return Reader{s: b, end: base + len(b), Layer: layer}
}

// Off returns the offset of the next unread byte in the whole input.
func (r *Reader) Off() int { return r.end - len(r.s) }

// Empty reports whether everything has been read.
func (r *Reader) Empty() bool { return len(r.s) == 0 }

// Rest returns the unread bytes (a view).
func (r *Reader) Rest() []byte { return r.s }

// Peek returns the tag of the next element, false at the end of input.
func (r *Reader) Peek() (asn1.Tag, bool) {
	if len(r.s) == 0 {
		return 0, false
	}
	return asn1.Tag(r.s[0]), true
}

// Next reads the next element, whatever its tag, and returns its tag, its
// whole encoding (identifier, length and contents) and a Reader over its
// contents.
func (r *Reader) Next(what string) (asn1.Tag, []byte, Reader, error) {
	off := r.Off()
	s0 := r.s
	var elem cryptobyte.String
	var tag asn1.Tag
	var hdr int
	if !r.s.ReadAnyASN1Element(&elem, &tag) {
		r.s = s0
		return 0, nil, Reader{}, r.diagnose(off, 0, false, what)
	}
	if tag&0x1f == 0x1f {
		return 0, nil, Reader{}, Errorf(r.Layer, off, ErrMalformed, "%s: high tag number form 0x%02x is not used here", what, elem[0])
	}
	// The header length: the identifier octet plus the length octets.
	hdr = 2
	if elem[1]&0x80 != 0 {
		hdr += int(elem[1] & 0x7f)
	}
	return tag, elem, Reader{s: elem[hdr:], end: off + len(elem), Layer: r.Layer}, nil
}

// Element reads the next element, which must have tag, and returns a Reader
// over its contents.
func (r *Reader) Element(tag asn1.Tag, what string) (Reader, error) {
	off := r.Off()
	s0 := r.s
	var body cryptobyte.String
	if !r.s.ReadASN1(&body, tag) {
		r.s = s0 // ReadASN1 may have consumed an element of another tag
		return Reader{}, r.diagnose(off, tag, true, what)
	}
	return Reader{s: body, end: r.Off(), Layer: r.Layer}, nil
}

// Optional reads the next element if it has tag; present is false (and
// nothing is read) otherwise.
func (r *Reader) Optional(tag asn1.Tag, what string) (body Reader, present bool, err error) {
	if t, ok := r.Peek(); !ok || t != tag {
		return Reader{}, false, nil
	}
	body, err = r.Element(tag, what)
	return body, err == nil, err
}

// Bytes returns the unread contents as a view and empties the Reader.
func (r *Reader) Bytes() []byte {
	b := []byte(r.s)
	r.s = r.s[len(r.s):]
	return b
}

// Done fails unless everything has been read.
func (r *Reader) Done(what string) error {
	if len(r.s) != 0 {
		return Errorf(r.Layer, r.Off(), ErrMalformed, "%d unexpected bytes after the last field of %s", len(r.s), what)
	}
	return nil
}

// Int reads an INTEGER that fits in an int64 (X.690 8.3, minimal encoding).
func (r *Reader) Int(what string) (int64, error) {
	return r.integer(asn1.INTEGER, "INTEGER", what)
}

// Enumerated reads an ENUMERATED (X.690 8.4) that fits in an int64.
func (r *Reader) Enumerated(what string) (int64, error) {
	return r.integer(asn1.ENUM, "ENUMERATED", what)
}

func (r *Reader) integer(tag asn1.Tag, kind, what string) (int64, error) {
	off := r.Off()
	body, err := r.Element(tag, what)
	if err != nil {
		return 0, err
	}
	b := body.s
	switch {
	case len(b) == 0:
		return 0, Errorf(r.Layer, off, ErrMalformed, "%s: %s with no contents octets", what, kind)
	case len(b) > 8:
		return 0, Errorf(r.Layer, off, ErrMalformed, "%s: %s of %d octets does not fit 64 bits", what, kind, len(b))
	case len(b) > 1 && (b[0] == 0 && b[1]&0x80 == 0 || b[0] == 0xff && b[1]&0x80 != 0):
		return 0, Errorf(r.Layer, off, ErrMalformed, "%s: %s not minimally encoded", what, kind)
	}
	v := int64(int8(b[0]))
	for _, c := range b[1:] {
		v = v<<8 | int64(c)
	}
	return v, nil
}

// IntIn reads an INTEGER and checks it lies in [lo, hi].
func (r *Reader) IntIn(what string, lo, hi int64) (int64, error) {
	off := r.Off()
	v, err := r.Int(what)
	if err == nil && (v < lo || v > hi) {
		err = Errorf(r.Layer, off, ErrMalformed, "%s: %d out of range [%d, %d]", what, v, lo, hi)
	}
	return v, err
}

// ExplicitInt reads [n] INTEGER constrained to [lo, hi].
func (r *Reader) ExplicitInt(n uint8, what string, lo, hi int64) (int64, error) {
	body, err := r.Element(Context(n), what)
	if err != nil {
		return 0, err
	}
	v, err := body.IntIn(what, lo, hi)
	if err != nil {
		return 0, err
	}
	return v, body.Done(what)
}

// diagnose explains why reading an element at off failed: the input ended
// (ErrTruncated), the tag was another (ErrMalformed) or the length octets
// were not DER (ErrMalformed).
func (r *Reader) diagnose(off int, want asn1.Tag, checkTag bool, what string) error {
	s := r.s
	if len(s) == 0 {
		return Errorf(r.Layer, off, ErrTruncated, "%s: input ended before the element", what)
	}
	if checkTag && asn1.Tag(s[0]) != want {
		return Errorf(r.Layer, off, ErrMalformed, "%s: tag 0x%02x, want 0x%02x", what, s[0], uint8(want))
	}
	if s[0]&0x1f == 0x1f {
		return Errorf(r.Layer, off, ErrMalformed, "%s: high tag number form 0x%02x is not used here", what, s[0])
	}
	if len(s) < 2 {
		return Errorf(r.Layer, off, ErrTruncated, "%s: input ended before the length octets", what)
	}
	l := int(s[1])
	hdr := 2
	if l&0x80 != 0 {
		n := l & 0x7f
		if n == 0 {
			return Errorf(r.Layer, off, ErrMalformed, "%s: indefinite length is not DER", what)
		}
		if n > 4 {
			return Errorf(r.Layer, off, ErrMalformed, "%s: %d length octets", what, n)
		}
		if len(s) < 2+n {
			return Errorf(r.Layer, off, ErrTruncated, "%s: input ended inside the length octets", what)
		}
		l = 0
		for _, c := range s[2 : 2+n] {
			l = l<<8 | int(c)
		}
		hdr += n
		if l < 0x80 || n > 1 && s[2] == 0 {
			return Errorf(r.Layer, off, ErrMalformed, "%s: length %d not minimally encoded", what, l)
		}
	}
	if l > len(s)-hdr {
		return Errorf(r.Layer, off, ErrTruncated, "%s: length %d but %d bytes left", what, l, len(s)-hdr)
	}
	return Errorf(r.Layer, off, ErrMalformed, "%s: not a DER element", what)
}

// Builder helpers: encoders use cryptobyte.Builder, which computes every
// length; these add the shapes the tokens repeat.

// AddExplicitInt adds [n] INTEGER v.
func AddExplicitInt(b *cryptobyte.Builder, n uint8, v int64) {
	b.AddASN1(Context(n), func(b *cryptobyte.Builder) { b.AddASN1Int64(v) })
}

// AddExplicitOctets adds [n] OCTET STRING v.
func AddExplicitOctets(b *cryptobyte.Builder, n uint8, v []byte) {
	b.AddASN1(Context(n), func(b *cryptobyte.Builder) { b.AddASN1OctetString(v) })
}

// AddExplicitString adds [n] GeneralString v.
func AddExplicitString(b *cryptobyte.Builder, n uint8, v []byte) {
	b.AddASN1(Context(n), func(b *cryptobyte.Builder) {
		b.AddASN1(GeneralString, func(b *cryptobyte.Builder) { b.AddBytes(v) })
	})
}

// Finish returns the bytes built, or panics with the builder's error: the
// encoders only build what they can (every length fits 32 bits on every
// platform the library supports), so an error is a bug in the encoder.
func Finish(b *cryptobyte.Builder) []byte {
	out, err := b.Bytes()
	if err != nil {
		panic("der: " + err.Error())
	}
	return out
}
