package tokens

import (
	"iter"

	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tds/sqltype"
)

// Encryption algorithms of CryptoMetaData, [MS-TDS] 2.2.7.4.
const (
	EncryptionAlgoCustom           uint8 = 0 // named by AlgoName
	EncryptionAlgoAES256HMACSHA512 uint8 = 1 // AEAD_AES_256_CBC_HMAC_SHA512
	EncryptionAlgoAES256HMACSHA256 uint8 = 2 // AEAD_AES_256_CBC_HMAC_SHA256
)

// Encryption algorithm types of CryptoMetaData, [MS-TDS] 2.2.7.4.
const (
	EncryptionDeterministic uint8 = 1
	EncryptionRandomized    uint8 = 2
)

// CryptoMetadata describes an encrypted column of COLMETADATA or an
// encrypted RETURNVALUE, [MS-TDS] 2.2.7.4 and 2.2.7.19 (TDS 7.4 with
// column encryption): the plaintext type and how the value is encrypted.
// Ordinal, the row of the CekTable holding the key, is sent in
// COLMETADATA only.
type CryptoMetadata struct {
	Ordinal            uint16 // COLMETADATA only
	UserType           uint32 // of the plaintext
	BaseTypeInfo       sqltype.TypeInfo
	EncryptionAlgo     uint8    // EncryptionAlgoCustom, ...AES256HMACSHA512, ...AES256HMACSHA256
	AlgoName           tds.UCS2 // B_VARCHAR, sent only when EncryptionAlgo is EncryptionAlgoCustom
	EncryptionAlgoType uint8    // EncryptionDeterministic or EncryptionRandomized
	NormVersion        uint8    // normalization version, from 1
}

// cryptoMetadata reads a CryptoMetaData; ordinal says whether it starts
// with Ordinal (COLMETADATA) or not (RETURNVALUE).
func (r *reader) cryptoMetadata(c *CryptoMetadata, ordinal bool) {
	*c = CryptoMetadata{}
	if ordinal {
		c.Ordinal = r.u16("Ordinal")
	}
	c.UserType = r.u32("UserType")
	if r.err != nil {
		return
	}
	ti, n, err := sqltype.DecodeTypeInfo(r.b[r.off:])
	c.BaseTypeInfo = ti
	if err != nil {
		r.err = rebase(err, r.off)
		return
	}
	r.off += n
	c.EncryptionAlgo = r.u8("EncryptionAlgo")
	if r.err == nil && c.EncryptionAlgo == EncryptionAlgoCustom {
		c.AlgoName = r.bVarchar("AlgoName")
	}
	c.EncryptionAlgoType = r.u8("EncryptionAlgoType")
	c.NormVersion = r.u8("NormVersion")
}

func (c *CryptoMetadata) append(dst []byte, ordinal bool) []byte {
	if ordinal {
		dst = appendU16(dst, c.Ordinal)
	}
	dst = appendU32(dst, c.UserType)
	dst = c.BaseTypeInfo.Append(dst)
	dst = append(dst, c.EncryptionAlgo)
	if c.EncryptionAlgo == EncryptionAlgoCustom {
		dst = appendBVarchar(dst, c.AlgoName)
	}
	return append(dst, c.EncryptionAlgoType, c.NormVersion)
}

// CekTable is the table of column encryption keys at the start of an
// encrypted COLMETADATA, [MS-TDS] 2.2.7.4 (EkValueCount and EK_INFO
// entries, 2.2.5.7). It is a view; range over Entries.
type CekTable struct {
	n    int
	data []byte // the EK_INFO entries
}

// Len returns EkValueCount, the number of entries.
func (c CekTable) Len() int { return c.n }

// Entries returns an iterator over the EK_INFO entries.
func (c CekTable) Entries() iter.Seq[EKInfo] { return seq(c.data, (*reader).ekInfo) }

// EKInfo is one EK_INFO entry of a CekTable, [MS-TDS] 2.2.5.7: a column
// encryption key, with its ciphertexts under one or more master keys
// (range over Values).
type EKInfo struct {
	DatabaseID   uint32
	CekID        uint32
	CekVersion   uint32
	CekMDVersion uint64
	count        int
	values       []byte
}

// Len returns Count, the number of EncryptionKeyValue elements (Len, like
// CekTable.Len and LabelList.Len, for every view's element count).
func (e EKInfo) Len() int { return e.count }

// Values returns an iterator over the encrypted values of the key.
func (e EKInfo) Values() iter.Seq[EncryptionKeyValue] { return seq(e.values, (*reader).keyValue) }

// EncryptionKeyValue is one ciphertext of a column encryption key,
// [MS-TDS] 2.2.5.7, with the location of the master key that protects it.
type EncryptionKeyValue struct {
	EncryptedKey   []byte   // US_VARBYTE
	KeyStoreName   tds.UCS2 // B_VARCHAR
	KeyPath        tds.UCS2 // US_VARCHAR
	AsymmetricAlgo tds.UCS2 // B_VARCHAR
}

func (r *reader) keyValue() EncryptionKeyValue {
	var k EncryptionKeyValue
	k.EncryptedKey = r.usVarbyte("EncryptedKey")
	k.KeyStoreName = r.bVarchar("KeyStoreName")
	k.KeyPath = r.usVarchar("KeyPath")
	k.AsymmetricAlgo = r.bVarchar("AsymmetricAlgo")
	return k
}

func (r *reader) ekInfo() EKInfo {
	var e EKInfo
	e.DatabaseID = r.u32("DatabaseId")
	e.CekID = r.u32("CekId")
	e.CekVersion = r.u32("CekVersion")
	e.CekMDVersion = r.u64("CekMDVersion")
	e.count = int(r.u8("Count"))
	start := r.off
	for i := 0; i < e.count && r.err == nil; i++ {
		r.keyValue()
	}
	if r.err != nil {
		return EKInfo{}
	}
	e.values = r.b[start:r.off:r.off]
	return e
}

// cekTable reads EkValueCount and the entries.
func (r *reader) cekTable() CekTable {
	n := int(r.u16("EkValueCount"))
	start := r.off
	for i := 0; i < n && r.err == nil; i++ {
		r.ekInfo()
	}
	if r.err != nil {
		return CekTable{}
	}
	return CekTable{n: n, data: r.b[start:r.off:r.off]}
}

// AppendEKInfo appends one EK_INFO entry, [MS-TDS] 2.2.5.7, built from
// e's key identifiers (its Values are ignored) and values (at most 255).
// Concatenate entries and pass them to NewCekTable.
func AppendEKInfo(dst []byte, e EKInfo, values ...EncryptionKeyValue) []byte {
	dst = appendU32(dst, e.DatabaseID)
	dst = appendU32(dst, e.CekID)
	dst = appendU32(dst, e.CekVersion)
	dst = appendU64(dst, e.CekMDVersion)
	values = values[:min(len(values), 0xFF)]
	dst = append(dst, byte(len(values)))
	for _, k := range values {
		dst = appendUSVarbyte(dst, k.EncryptedKey)
		dst = appendBVarchar(dst, k.KeyStoreName)
		dst = appendUSVarchar(dst, k.KeyPath)
		dst = appendBVarchar(dst, k.AsymmetricAlgo)
	}
	return dst
}

// NewCekTable checks that entries holds n EK_INFO entries (as
// AppendEKInfo writes them) and returns the CekTable viewing it.
func NewCekTable(n int, entries []byte) (CekTable, error) {
	r := reader{b: entries}
	for i := 0; i < n && r.err == nil; i++ {
		r.ekInfo()
	}
	if r.err == nil && (n > 0xFFFF || r.off != len(entries)) {
		r.err = tds.Errorf(layer, r.off, tds.ErrMalformed, "%d bytes after %d EK_INFO entries", len(entries)-r.off, n)
	}
	if r.err != nil {
		return CekTable{}, r.err
	}
	return CekTable{n: n, data: entries[:len(entries):len(entries)]}, nil
}
