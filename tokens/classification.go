package tokens

import (
	"iter"

	"github.com/tdswire/tdswire/tds"
)

// Sensitivity ranks of DATACLASSIFICATION, [MS-TDS] 2.2.7.5.
const (
	RankNotDefined int32 = -1
	RankNone       int32 = 0
	RankLow        int32 = 10
	RankMedium     int32 = 20
	RankHigh       int32 = 30
	RankCritical   int32 = 40
)

// NoIndex is the SensitivityLabelIndex or InformationTypeIndex that means
// "none", [MS-TDS] 2.2.7.5.
const NoIndex uint16 = 0xFFFF

// Label is a sensitivity label or an information type of
// DATACLASSIFICATION, [MS-TDS] 2.2.7.5: a readable name and an identifier
// (both B_VARCHAR views).
type Label struct {
	Name tds.UCS2
	ID   tds.UCS2
}

// LabelList is a view of the SensitivityLabels or InformationTypes of
// DATACLASSIFICATION; range over Labels.
type LabelList struct {
	n    int
	data []byte
}

// Len returns the number of labels.
func (l LabelList) Len() int { return l.n }

// Labels returns an iterator over the labels.
func (l LabelList) Labels() iter.Seq[Label] { return seq(l.data, (*reader).label) }

func (r *reader) label() Label {
	var l Label
	l.Name = r.bVarchar("label name")
	l.ID = r.bVarchar("label id")
	return l
}

func (r *reader) labelList() LabelList {
	n := int(r.u16("label count"))
	start := r.off
	for i := 0; i < n && r.err == nil; i++ {
		r.label()
	}
	if r.err != nil {
		return LabelList{}
	}
	return LabelList{n: n, data: r.b[start:r.off:r.off]}
}

// SensitivityProperty links a result column to a sensitivity label and an
// information type, [MS-TDS] 2.2.7.5. Rank is sent with
// DATACLASSIFICATION_VERSION 2 only.
type SensitivityProperty struct {
	LabelIndex    uint16 // index into SensitivityLabels, or NoIndex
	InfoTypeIndex uint16 // index into InformationTypes, or NoIndex
	Rank          int32
}

// ColumnSensitivity is a view of the sensitivity properties of one result
// column; range over Properties.
type ColumnSensitivity struct {
	n    int
	data []byte
	rank bool
}

// Len returns NumSensitivityProperties.
func (c ColumnSensitivity) Len() int { return c.n }

// Properties returns an iterator over the properties.
func (c ColumnSensitivity) Properties() iter.Seq[SensitivityProperty] {
	return seq(c.data, func(r *reader) SensitivityProperty {
		p := SensitivityProperty{LabelIndex: r.u16("LabelIndex"), InfoTypeIndex: r.u16("InfoTypeIndex")}
		if c.rank {
			p.Rank = int32(r.u32("Rank"))
		}
		return p
	})
}

func (r *reader) columnSensitivity(rank bool) ColumnSensitivity {
	n := int(r.u16("NumSensitivityProperties"))
	size := 4
	if rank {
		size = 8
	}
	data := r.take(n*size, "SensitivityProperty")
	if r.err != nil {
		return ColumnSensitivity{}
	}
	return ColumnSensitivity{n: n, data: data, rank: rank}
}

// DataClassification is the DATACLASSIFICATION token, [MS-TDS] 2.2.7.5
// (TDS 7.4): the sensitivity classification of a result set's columns.
// Its layout depends on the DATACLASSIFICATION_VERSION the server
// acknowledged in FEATUREEXTACK (2.2.7.11): version 2 adds a rank for the
// query and for each property. Version is an input to DecodeDataClassification and Append.
type DataClassification struct {
	Version          uint8 // DATACLASSIFICATION_VERSION: 1 or 2
	Labels           LabelList
	InformationTypes LabelList
	Rank             int32 // version 2 only: the query's sensitivity rank
	columns          []byte
	ncols            int
}

// NumColumns returns NumResultSetColumns: 0 when the server sent no
// per-column data, otherwise the column count of COLMETADATA.
func (d DataClassification) NumColumns() int { return d.ncols }

// Columns returns an iterator over the per-column data.
func (d DataClassification) Columns() iter.Seq[ColumnSensitivity] {
	rank := d.Version >= 2
	return seq(d.columns, func(r *reader) ColumnSensitivity { return r.columnSensitivity(rank) })
}

// DecodeDataClassification reads a DATACLASSIFICATION token (type byte
// included) from the start of b in the layout of the negotiated
// DATACLASSIFICATION_VERSION version (1 or 2; other values are rejected),
// and returns it with the number of bytes it used.
func DecodeDataClassification(b []byte, version uint8) (DataClassification, int, error) {
	var d DataClassification
	d.Version = version
	n, err := d.decode(b)
	return d, n, err
}

// decode is DecodeDataClassification on a value the caller owns.
func (d *DataClassification) decode(b []byte) (int, error) {
	if d.Version != 1 && d.Version != 2 {
		return 0, tds.Errorf(layer, 0, tds.ErrUnexpected, "DATACLASSIFICATION_VERSION %d: only 1 and 2 are defined", d.Version)
	}
	r := reader{b: b}
	r.tokenType(TokenDataClassification)
	x := DataClassification{Version: d.Version}
	x.Labels = r.labelList()
	x.InformationTypes = r.labelList()
	rank := d.Version >= 2
	if rank {
		x.Rank = int32(r.u32("SensitivityRank"))
	}
	x.ncols = int(r.u16("NumResultSetColumns"))
	start := r.off
	for i := 0; i < x.ncols && r.err == nil; i++ {
		r.columnSensitivity(rank)
	}
	if r.err != nil {
		return 0, r.err
	}
	x.columns = b[start:r.off:r.off]
	*d = x
	return r.off, nil
}

// Append appends d as a DATACLASSIFICATION token in the layout of
// d.Version (version 2 writes the ranks). Build its parts with
// AppendLabels and AppendColumnSensitivity and wrap them with
// NewDataClassification. Every DataClassification fits: its parts are
// views that NewDataClassification or the decoder has checked.
func (d DataClassification) Append(dst []byte) []byte {
	dst = append(dst, byte(TokenDataClassification))
	dst = appendU16(dst, uint16(d.Labels.n))
	dst = append(dst, d.Labels.data...)
	dst = appendU16(dst, uint16(d.InformationTypes.n))
	dst = append(dst, d.InformationTypes.data...)
	if d.Version >= 2 {
		dst = appendU32(dst, uint32(d.Rank))
	}
	dst = appendU16(dst, uint16(d.ncols))
	return append(dst, d.columns...)
}

// AppendLabels appends the encoding of labels (count and names) and
// returns the extended buffer and a LabelList viewing the appended bytes.
// More than 65535 labels, or a Name or ID over 255 code units, is refused
// with tds.ErrTooLarge (odd byte length with tds.ErrMalformed) and buf
// returned unchanged; offsets count from the first label.
func AppendLabels(buf []byte, labels ...Label) ([]byte, LabelList, error) {
	if len(labels) > 0xFFFF {
		return buf, LabelList{}, errTooLong(0, "label count", len(labels), 0xFFFF, "labels")
	}
	start := len(buf)
	var err error
	for _, l := range labels {
		if buf, err = fieldBVarchar(buf, start, "Label Name", l.Name); err == nil {
			buf, err = fieldBVarchar(buf, start, "Label Id", l.ID)
		}
		if err != nil {
			return buf[:start], LabelList{}, err
		}
	}
	return buf, LabelList{n: len(labels), data: buf[start:len(buf):len(buf)]}, nil
}

// AppendColumnSensitivity appends one column's NumSensitivityProperties
// and properties (with their ranks when rank is set, for version 2) to
// buf. Concatenate one per result column and pass them to
// NewDataClassification. More than 65535 properties are refused with
// tds.ErrTooLarge and buf returned unchanged.
func AppendColumnSensitivity(buf []byte, rank bool, props ...SensitivityProperty) ([]byte, error) {
	if len(props) > 0xFFFF {
		return buf, errTooLong(0, "NumSensitivityProperties", len(props), 0xFFFF, "properties")
	}
	buf = appendU16(buf, uint16(len(props)))
	for _, p := range props {
		buf = appendU16(buf, p.LabelIndex)
		buf = appendU16(buf, p.InfoTypeIndex)
		if rank {
			buf = appendU32(buf, uint32(p.Rank))
		}
	}
	return buf, nil
}

// NewDataClassification assembles a DataClassification of the given
// version from label lists, a query rank (version 2) and ncols columns of
// per-column data built with AppendColumnSensitivity, checking that
// columns holds exactly that.
func NewDataClassification(version uint8, labels, infoTypes LabelList, rank int32, ncols int, columns []byte) (DataClassification, error) {
	r := reader{b: columns}
	for i := 0; i < ncols && r.err == nil; i++ {
		r.columnSensitivity(version >= 2)
	}
	if r.err == nil && (ncols > 0xFFFF || r.off != len(columns)) {
		r.err = tds.Errorf(layer, r.off, tds.ErrMalformed, "%d bytes after %d columns of sensitivity data", len(columns)-r.off, ncols)
	}
	if r.err != nil {
		return DataClassification{}, r.err
	}
	return DataClassification{Version: version, Labels: labels, InformationTypes: infoTypes, Rank: rank,
		columns: columns[:len(columns):len(columns)], ncols: ncols}, nil
}

// SetDataClassificationVersion tells s the DATACLASSIFICATION_VERSION the
// server acknowledged in FEATUREEXTACK ([MS-TDS] 2.2.7.11), 1 or 2, so
// that DATACLASSIFICATION tokens ([MS-TDS] 2.2.7.5), whose layout depends
// on it, can be measured; 0 (the default) makes them an error.
func (s *Scanner) SetDataClassificationVersion(v uint8) { s.dcv = v }

// dataClassificationLen measures a DATACLASSIFICATION token.
func (s *Scanner) dataClassificationLen(b []byte) (int, error) {
	if s.dcv == 0 {
		return 0, tds.Errorf(layer, 0, tds.ErrUnexpected, "DATACLASSIFICATION without a negotiated DATACLASSIFICATION_VERSION (see SetDataClassificationVersion)")
	}
	d := DataClassification{Version: s.dcv}
	return d.decode(b)
}

// DataClassification decodes the current token, which must be
// DATACLASSIFICATION, into d, in the layout of the version set with
// SetDataClassificationVersion.
func (s *Scanner) DataClassification(d *DataClassification) error {
	b, err := s.current(TokenDataClassification)
	if err != nil {
		return err
	}
	d.Version = s.dcv
	_, err = d.decode(b)
	return rebase(err, s.cur)
}
