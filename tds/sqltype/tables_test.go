package sqltype

import "testing"

// refFixedSize is fixedSize as a switch (its form before the table): the
// size of the fixed-length types of 2.2.5.4.2 and
// 0 for every other type.
func refFixedSize(t TypeID) int {
	switch t {
	case TypeInt1, TypeBit:
		return 1
	case TypeInt2:
		return 2
	case TypeInt4, TypeDateTime4, TypeFloat4, TypeMoney4:
		return 4
	case TypeMoney, TypeDateTime, TypeFloat8, TypeInt8:
		return 8
	}
	return 0
}

// refTypeClass is typeClass as a switch (its form before the table): the
// class of the TYPE_INFO length, before the PLP forms of
// BIGVARCHARTYPE, BIGVARBINARYTYPE and NVARCHARTYPE are told apart by
// their maximum length.
func refTypeClass(t TypeID) LenClass {
	switch t {
	case TypeNull:
		return LenZero
	case TypeInt1, TypeBit, TypeInt2, TypeInt4, TypeDateTime4, TypeFloat4,
		TypeMoney, TypeDateTime, TypeFloat8, TypeMoney4, TypeInt8:
		return LenFixed
	case TypeGUID, TypeIntN, TypeDecimal, TypeNumeric, TypeBitN, TypeDecimalN,
		TypeNumericN, TypeFloatN, TypeMoneyN, TypeDateTimeN, TypeChar,
		TypeVarChar, TypeBinary, TypeVarBinary:
		return LenByte
	case TypeDateN, TypeTimeN, TypeDateTime2N, TypeDateTimeOffsetN:
		return LenScale
	case TypeBigVarBinary, TypeBigVarChar, TypeBigBinary, TypeBigChar,
		TypeNVarChar, TypeNChar, TypeVector:
		return LenUShort
	case TypeImage, TypeNText, TypeVariant, TypeText:
		return LenLong
	case TypeXML, TypeUDT, TypeJSON:
		return LenPLP
	}
	return LenInvalid
}

// TestTypeTables checks the lookup tables typeClass and fixedSize read
// against the switches they replaced, for every TypeID.
func TestTypeTables(t *testing.T) {
	for i := 0; i < 256; i++ {
		id := TypeID(i)
		if got, want := typeClass(id), refTypeClass(id); got != want {
			t.Errorf("typeClass(%v) = %v, want %v", id, got, want)
		}
		if got, want := fixedSize(id), refFixedSize(id); got != want {
			t.Errorf("fixedSize(%v) = %d, want %d", id, got, want)
		}
	}
}
