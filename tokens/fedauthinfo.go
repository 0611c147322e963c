package tokens

import (
	"encoding/binary"

	"github.com/tdswire/tdswire/tds"
)

// FedAuthInfo identifiers, [MS-TDS] 2.2.7.12.
const (
	FedAuthInfoSTSURL uint8 = 0x01 // STSURL: token endpoint URL (UTF-16LE)
	FedAuthInfoSPN    uint8 = 0x02 // SPN: service principal name (UTF-16LE)
)

// FedAuthInfoOpt is one piece of federated authentication information,
// [MS-TDS] 2.2.7.12: an identifier and its data (a view).
type FedAuthInfoOpt struct {
	ID   uint8
	Data []byte
}

// FedAuthInfo is the FEDAUTHINFO token, [MS-TDS] 2.2.7.12 (TDS 7.4): what
// the client needs to obtain a federated authentication token. It is a
// view; use Len and Option.
type FedAuthInfo struct {
	body []byte // from CountOfInfoIDs to the end of the token
	n    int
}

// Len returns CountOfInfoIDs.
func (f FedAuthInfo) Len() int { return f.n }

// Option returns option i (0 <= i < Len), its data located through
// FedAuthInfoDataOffset; DecodeFedAuthInfo has checked every offset.
func (f FedAuthInfo) Option(i int) FedAuthInfoOpt {
	e := f.body[4+9*i:]
	n := binary.LittleEndian.Uint32(e[1:])
	off := binary.LittleEndian.Uint32(e[5:])
	return FedAuthInfoOpt{ID: e[0], Data: f.body[off : off+n : off+n]}
}

// DecodeFedAuthInfo reads a FEDAUTHINFO token (type byte included) from the
// start of b and returns it with the number of bytes it used. Every
// option's data must lie within the token, after the option table.
func DecodeFedAuthInfo(b []byte) (FedAuthInfo, int, error) {
	var d FedAuthInfo
	n, err := d.decode(b)
	return d, n, err
}

// decode is DecodeFedAuthInfo on a value the caller owns.
func (f *FedAuthInfo) decode(b []byte) (int, error) {
	r := reader{b: b}
	r.tokenType(TokenFedAuthInfo)
	if r.err != nil {
		return 0, r.err
	}
	n, err := dwordLen(b)
	if err != nil {
		return 0, err
	}
	body := b[5:n:n]
	br := reader{b: body}
	count := br.u32("CountOfInfoIDs")
	if br.err != nil {
		return 0, rebase(br.err, 5)
	}
	if uint64(count) > uint64(len(body)-4)/9 {
		return 0, tds.Errorf(layer, 5, tds.ErrMalformed, "CountOfInfoIDs %d does not fit the %d-byte token", count, len(body))
	}
	table := 4 + 9*int(count)
	for i := 0; i < int(count); i++ {
		e := body[4+9*i:]
		dl := uint64(binary.LittleEndian.Uint32(e[1:]))
		do := uint64(binary.LittleEndian.Uint32(e[5:]))
		if do < uint64(table) || do+dl > uint64(len(body)) {
			return 0, tds.Errorf(layer, 5+4+9*i+1, tds.ErrMalformed, "FedAuthInfo %d: data at %d+%d lies outside %d..%d", i, do, dl, table, len(body))
		}
	}
	*f = FedAuthInfo{body: body, n: int(count)}
	return n, nil
}

// AppendFedAuthInfo appends a FEDAUTHINFO token holding opts, with the
// data laid out after the option table in order and the lengths and
// offsets computed.
func AppendFedAuthInfo(dst []byte, opts ...FedAuthInfoOpt) []byte {
	dst = append(dst, byte(TokenFedAuthInfo), 0, 0, 0, 0)
	at := len(dst) - 4
	dst = appendU32(dst, uint32(len(opts)))
	off := 4 + 9*len(opts)
	for _, o := range opts {
		dst = append(dst, o.ID)
		dst = appendU32(dst, uint32(len(o.Data)))
		dst = appendU32(dst, uint32(off))
		off += len(o.Data)
	}
	for _, o := range opts {
		dst = append(dst, o.Data...)
	}
	binary.LittleEndian.PutUint32(dst[at:], uint32(len(dst)-at-4))
	return dst
}

// Append appends f as a FEDAUTHINFO token, re-laying its data in option
// order.
func (f FedAuthInfo) Append(dst []byte) []byte {
	dst = append(dst, byte(TokenFedAuthInfo), 0, 0, 0, 0)
	at := len(dst) - 4
	dst = appendU32(dst, uint32(f.n))
	off := 4 + 9*f.n
	for i := 0; i < f.n; i++ {
		o := f.Option(i)
		dst = append(dst, o.ID)
		dst = appendU32(dst, uint32(len(o.Data)))
		dst = appendU32(dst, uint32(off))
		off += len(o.Data)
	}
	for i := 0; i < f.n; i++ {
		dst = append(dst, f.Option(i).Data...)
	}
	binary.LittleEndian.PutUint32(dst[at:], uint32(len(dst)-at-4))
	return dst
}

// FedAuthInfo decodes the current token, which must be FEDAUTHINFO, into
// f.
func (s *Scanner) FedAuthInfo(f *FedAuthInfo) error {
	b, err := s.current(TokenFedAuthInfo)
	if err != nil {
		return err
	}
	_, err = f.decode(b)
	return rebase(err, s.cur)
}
