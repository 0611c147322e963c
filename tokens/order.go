package tokens

import (
	"encoding/binary"

	"github.com/tdswire/tdswire/tds"
)

// Order is the ORDER token, [MS-TDS] 2.2.7.17: the result set columns of
// an ORDER BY clause. It is a view of the ColNum list; use Len and ColNum.
type Order struct {
	cols []byte // 2 bytes per column number
}

// Len returns the number of column numbers.
func (o Order) Len() int { return len(o.cols) / 2 }

// ColNum returns the i-th column number (result set columns count from 1).
func (o Order) ColNum(i int) uint16 { return binary.LittleEndian.Uint16(o.cols[2*i:]) }

// AppendOrder appends an ORDER token listing cols. At most 32767 column
// numbers fit its USHORT Length; more are refused with tds.ErrTooLarge
// and dst returned unchanged.
func AppendOrder(dst []byte, cols ...uint16) ([]byte, error) {
	if len(cols) > 0x7FFF {
		return dst, errTooLong(1, "ORDER ColNum list", len(cols), 0x7FFF, "columns")
	}
	dst, at := beginUSHORT(dst, TokenOrder)
	for _, c := range cols {
		dst = appendU16(dst, c)
	}
	return endUSHORT(dst, at), nil
}

// Append appends o as an ORDER token. Every Order fits: it is a view of
// a decoded token.
func (o Order) Append(dst []byte) []byte {
	dst, at := beginUSHORT(dst, TokenOrder)
	return endUSHORT(append(dst, o.cols...), at)
}

// DecodeOrder reads an ORDER token (type byte included) from the start of b
// and returns it with the number of bytes it used. Length must be even.
func DecodeOrder(b []byte) (Order, int, error) {
	var d Order
	n, err := d.decode(b)
	return d, n, err
}

// decode is DecodeOrder on a value the caller owns.
func (o *Order) decode(b []byte) (int, error) {
	r := reader{b: b}
	r.tokenType(TokenOrder)
	body := r.ushortBody("Length")
	if r.err != nil {
		return 0, r.err
	}
	if (len(body.b)-3)%2 != 0 {
		return 0, tds.Errorf(layer, 1, tds.ErrMalformed, "ORDER Length %d is odd; ColNum entries are 2 bytes", len(body.b)-3)
	}
	o.cols = body.take(len(body.b)-3, "ColNum")
	return len(body.b), nil
}

// Order decodes the current token, which must be ORDER, into o.
func (s *Scanner) Order(o *Order) error {
	b, err := s.current(TokenOrder)
	if err != nil {
		return err
	}
	_, err = o.decode(b)
	return rebase(err, s.cur)
}
