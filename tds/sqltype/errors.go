package sqltype

import "github.com/tdswire/tdswire/tds"

// layer is the Layer of every *tds.Error this package returns.
const layer = tds.LayerSQLType

func errf(off int, class error, format string, args ...any) error {
	return tds.Errorf(layer, off, class, format, args...)
}
