package tokens

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tds/sqltype"
)

// units returns n UTF-16 code units of 'x'.
func units(n int) tds.UCS2 { return tds.UCS2(bytes.Repeat([]byte{'x', 0}, n)) }

// TestAppendRefusesOverlong checks every encoder whose input can exceed
// a length prefix: at the limit it encodes and decodes back, one past it
// returns a *tds.Error of the expected class at the field's offset with
// dst unchanged (no field is cut short).
func TestAppendRefusesOverlong(t *testing.T) {
	v := tds.Version74
	prefix := []byte{0xDE, 0xAD} // bytes already in dst, which must survive
	cases := []struct {
		name   string
		append func(dst []byte) ([]byte, error)
		class  error
		offset int64 // from the token's first byte
	}{
		{"ENVCHANGE B_VARCHAR NewValue", func(d []byte) ([]byte, error) {
			return EnvChange{Type: EnvDatabase, NewValue: units(256)}.Append(d)
		}, tds.ErrTooLarge, 4},
		{"ENVCHANGE B_VARCHAR OldValue", func(d []byte) ([]byte, error) {
			return EnvChange{Type: EnvLanguage, NewValue: units(255), OldValue: units(256)}.Append(d)
		}, tds.ErrTooLarge, 4 + 1 + 510},
		{"ENVCHANGE odd UTF-16", func(d []byte) ([]byte, error) {
			return EnvChange{Type: EnvDatabase, NewValue: []byte{'x'}}.Append(d)
		}, tds.ErrMalformed, 4},
		{"ENVCHANGE B_VARBYTE", func(d []byte) ([]byte, error) {
			return EnvChange{Type: EnvSQLCollation, NewValue: make([]byte, 256)}.Append(d)
		}, tds.ErrTooLarge, 4},
		{"ENVCHANGE promote OldValue", func(d []byte) ([]byte, error) {
			return EnvChange{Type: EnvPromoteTran, NewValue: make([]byte, 10), OldValue: make([]byte, 256)}.Append(d)
		}, tds.ErrTooLarge, 4 + 4 + 10},
		{"ENVCHANGE routing US_VARBYTE", func(d []byte) ([]byte, error) {
			return EnvChange{Type: EnvRouting, NewValue: make([]byte, 0x10000)}.Append(d)
		}, tds.ErrTooLarge, 4},
		{"ENVCHANGE routing Length", func(d []byte) ([]byte, error) {
			return EnvChange{Type: EnvRouting, NewValue: make([]byte, 0xFFFF), OldValue: []byte{1}}.Append(d)
		}, tds.ErrTooLarge, 1},
		{"ENVCHANGE unknown type Length", func(d []byte) ([]byte, error) {
			return EnvChange{Type: 0x7F, NewValue: make([]byte, 0xFFFF)}.Append(d)
		}, tds.ErrTooLarge, 1},
		{"LOGINACK ProgName", func(d []byte) ([]byte, error) {
			return LoginAck{ProgName: units(256)}.Append(d)
		}, tds.ErrTooLarge, 8},
		{"ERROR ServerName", func(d []byte) ([]byte, error) {
			return Message{MsgText: units(1), ServerName: units(256)}.Append(d, v)
		}, tds.ErrTooLarge, 9 + 2 + 2},
		{"INFO ProcName", func(d []byte) ([]byte, error) {
			return Message{Type: TokenInfo, ProcName: units(256)}.Append(d, v)
		}, tds.ErrTooLarge, 9 + 2 + 1},
		{"ERROR MsgText prefix", func(d []byte) ([]byte, error) {
			return Message{MsgText: units(0x10000)}.Append(d, v)
		}, tds.ErrTooLarge, 9},
		{"ERROR Length", func(d []byte) ([]byte, error) {
			return Message{MsgText: units(40000)}.Append(d, v)
		}, tds.ErrTooLarge, 1},
		{"SSPI", func(d []byte) ([]byte, error) {
			return SSPI{Buffer: make([]byte, 0x10000)}.Append(d)
		}, tds.ErrTooLarge, 1},
		{"ORDER", func(d []byte) ([]byte, error) {
			return AppendOrder(d, make([]uint16, 0x8000)...)
		}, tds.ErrTooLarge, 1},
		{"COLINFO ColName", func(d []byte) ([]byte, error) {
			return AppendColInfo(d, ColProperty{ColNum: 1, Status: ColInfoDifferentName, ColName: units(256)})
		}, tds.ErrTooLarge, 6},
		{"COLINFO Length", func(d []byte) ([]byte, error) {
			return AppendColInfo(d, make([]ColProperty, 0x5556)...) // 3 bytes each
		}, tds.ErrTooLarge, 1},
		{"TABNAME Length", func(d []byte) ([]byte, error) {
			_, name, err := AppendTableName(nil, strings.Repeat("t", 0x7FFF))
			if err != nil {
				return d, err
			}
			return AppendTabName(d, v, name, name)
		}, tds.ErrTooLarge, 1},
		{"COLMETADATA ColName", func(d []byte) ([]byte, error) {
			return ColMetadata{Columns: []Column{{TypeInfo: sqltype.TypeInfo{Type: sqltype.TypeInt4}, ColName: units(256)}}}.Append(d, v)
		}, tds.ErrTooLarge, 1 + 2 + 4 + 2 + 1},
		{"COLMETADATA Count", func(d []byte) ([]byte, error) {
			return ColMetadata{Columns: make([]Column, 0xFFFF)}.Append(d, v)
		}, tds.ErrTooLarge, 1},
		{"COLMETADATA encrypted column without Crypto", func(d []byte) ([]byte, error) {
			return ColMetadata{ColumnEncryption: true, Columns: []Column{{Flags: ColEncrypted, TypeInfo: sqltype.TypeInfo{Type: sqltype.TypeInt4}}}}.Append(d, v)
		}, tds.ErrMalformed, 1 + 2 + 2 + 4 + 2 + 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dst := append(make([]byte, 0, 8), prefix...)
			got, err := c.append(dst)
			var te *tds.Error
			if !errors.As(err, &te) || !errors.Is(err, c.class) {
				t.Fatalf("err = %v, want a *tds.Error of class %v", err, c.class)
			}
			if te.Layer != tds.LayerTokens || te.Offset != c.offset {
				t.Errorf("error at %v offset %d, want %v offset %d", te.Layer, te.Offset, tds.LayerTokens, c.offset)
			}
			if !bytes.Equal(got, prefix) {
				t.Errorf("dst = % X, want it unchanged (% X)", got[:min(len(got), 16)], prefix)
			}
		})
	}
}

// TestAppendPartsRefuseOverlong checks the part builders: on error buf is
// returned unchanged and the view is empty.
func TestAppendPartsRefuseOverlong(t *testing.T) {
	buf := []byte{1, 2, 3}
	check := func(name string, got []byte, err error) {
		t.Helper()
		if !errors.Is(err, tds.ErrTooLarge) {
			t.Errorf("%s: err = %v, want tds.ErrTooLarge", name, err)
		}
		if !bytes.Equal(got, buf) {
			t.Errorf("%s: buf = % X, want it unchanged", name, got[:min(len(got), 16)])
		}
	}
	got, tn, err := AppendTableName(buf, make([]string, 256)...)
	check("AppendTableName NumParts", got, err)
	got, tn2, err := AppendTableName(buf, "dbo", strings.Repeat("p", 0x10000))
	check("AppendTableName PartName", got, err)
	if tn.NumParts() != 0 || tn2.NumParts() != 0 {
		t.Errorf("TableName views %d, %d parts after an error", tn.NumParts(), tn2.NumParts())
	}
	got, ll, err := AppendLabels(buf, Label{Name: ucs2("ok"), ID: units(256)})
	check("AppendLabels Id", got, err)
	got, ll2, err := AppendLabels(buf, make([]Label, 0x10000)...)
	check("AppendLabels count", got, err)
	if ll.Len() != 0 || ll2.Len() != 0 {
		t.Errorf("LabelList views %d, %d labels after an error", ll.Len(), ll2.Len())
	}
	got, err = AppendColumnSensitivity(buf, true, make([]SensitivityProperty, 0x10000)...)
	check("AppendColumnSensitivity", got, err)
}

// TestAppendAtLimits encodes every field at its largest length and decodes
// it back unchanged: the limits are the prefixes', not lower.
func TestAppendAtLimits(t *testing.T) {
	v := tds.Version74
	e := EnvChange{Type: EnvDatabase, NewValue: units(255), OldValue: units(255)}
	var ge EnvChange
	if _, err := ge.decode(encoded(t)(e.Append(nil))); err != nil || !bytes.Equal(ge.NewValue, e.NewValue) || !bytes.Equal(ge.OldValue, e.OldValue) {
		t.Errorf("ENVCHANGE at 255 code units: %v", err)
	}
	a := LoginAck{ProgName: units(255)}
	var ga LoginAck
	if _, err := ga.decode(encoded(t)(a.Append(nil))); err != nil || ga.ProgName.Len() != 255 {
		t.Errorf("LOGINACK ProgName %d units, %v", ga.ProgName.Len(), err)
	}
	// The longest MsgText that keeps ERROR within its Length: the body is
	// Number 4, State 1, Class 1, 2+2n, 1+0, 1+0, LineNumber 4.
	n := (0xFFFF - 14) / 2
	m := Message{MsgText: units(n)}
	b := encoded(t)(m.Append(nil, v))
	var gm Message
	if k, err := gm.decode(b, v); err != nil || k != len(b) || gm.MsgText.Len() != n {
		t.Errorf("ERROR MsgText %d units (%d of %d bytes), %v", gm.MsgText.Len(), k, len(b), err)
	}
	x := SSPI{Buffer: make([]byte, 0xFFFF)}
	var gx SSPI
	if _, err := gx.decode(encoded(t)(x.Append(nil))); err != nil || len(gx.Buffer) != 0xFFFF {
		t.Errorf("SSPI %d bytes, %v", len(gx.Buffer), err)
	}
	var o Order
	if _, err := o.decode(encoded(t)(AppendOrder(nil, make([]uint16, 0x7FFF)...))); err != nil || o.Len() != 0x7FFF {
		t.Errorf("ORDER %d columns, %v", o.Len(), err)
	}
}
