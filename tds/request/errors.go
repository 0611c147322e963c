package request

import (
	"errors"

	"github.com/tdswire/tdswire/tds"
)

// layer is the Layer of every *tds.Error this package returns.
const layer = tds.LayerRequest

func errf(off int, class error, format string, args ...any) error {
	return tds.Errorf(layer, off, class, format, args...)
}

// wrapAt re-reports an error of a decoder that ran on b[base:] (package
// sqltype counts offsets from the slice it was given) at the offset of
// the offending byte in the whole message. The inner error stays in the
// chain, so errors.Is reaches its sentinel and errors.As its *tds.Error.
func wrapAt(base int, what string, err error) error {
	off := base
	var te *tds.Error
	if errors.As(err, &te) {
		off += int(te.Offset)
	}
	return &tds.Error{Layer: layer, Offset: int64(off), Msg: what, Err: err}
}
