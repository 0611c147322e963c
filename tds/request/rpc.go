package request

import (
	"encoding/binary"
	"iter"
	"strconv"

	"github.com/tdswire/tdswire/tds"
	"github.com/tdswire/tdswire/tds/sqltype"
)

// ProcID is the ProcID of an RPC Request that names a special stored
// procedure by number instead of by name, [MS-TDS] 2.2.6.6 (the
// ProcIDSwitch form of NameLenProcID).
type ProcID uint16

// The special stored procedures of [MS-TDS] 2.2.6.6.
const (
	ProcCursor          ProcID = 1  // Sp_Cursor
	ProcCursorOpen      ProcID = 2  // Sp_CursorOpen
	ProcCursorPrepare   ProcID = 3  // Sp_CursorPrepare
	ProcCursorExecute   ProcID = 4  // Sp_CursorExecute
	ProcCursorPrepExec  ProcID = 5  // Sp_CursorPrepExec
	ProcCursorUnprepare ProcID = 6  // Sp_CursorUnprepare
	ProcCursorFetch     ProcID = 7  // Sp_CursorFetch
	ProcCursorOption    ProcID = 8  // Sp_CursorOption
	ProcCursorClose     ProcID = 9  // Sp_CursorClose
	ProcExecuteSQL      ProcID = 10 // Sp_ExecuteSql
	ProcPrepare         ProcID = 11 // Sp_Prepare
	ProcExecute         ProcID = 12 // Sp_Execute
	ProcPrepExec        ProcID = 13 // Sp_PrepExec
	ProcPrepExecRPC     ProcID = 14 // Sp_PrepExecRpc
	ProcUnprepare       ProcID = 15 // Sp_Unprepare
)

var procNames = [...]string{
	ProcCursor:          "Sp_Cursor",
	ProcCursorOpen:      "Sp_CursorOpen",
	ProcCursorPrepare:   "Sp_CursorPrepare",
	ProcCursorExecute:   "Sp_CursorExecute",
	ProcCursorPrepExec:  "Sp_CursorPrepExec",
	ProcCursorUnprepare: "Sp_CursorUnprepare",
	ProcCursorFetch:     "Sp_CursorFetch",
	ProcCursorOption:    "Sp_CursorOption",
	ProcCursorClose:     "Sp_CursorClose",
	ProcExecuteSQL:      "Sp_ExecuteSql",
	ProcPrepare:         "Sp_Prepare",
	ProcExecute:         "Sp_Execute",
	ProcPrepExec:        "Sp_PrepExec",
	ProcPrepExecRPC:     "Sp_PrepExecRpc",
	ProcUnprepare:       "Sp_Unprepare",
}

// Known reports whether p is one of the numbers [MS-TDS] 2.2.6.6 lists.
func (p ProcID) Known() bool { return p >= ProcCursor && p <= ProcUnprepare }

// String returns the name [MS-TDS] 2.2.6.6 gives p ("Sp_ExecuteSql"), or
// "ProcID(16)" for a number it does not list.
func (p ProcID) String() string {
	if p.Known() {
		return procNames[p]
	}
	return "ProcID(" + strconv.Itoa(int(p)) + ")"
}

// OptionFlags is the OptionFlags USHORT of an RPC Request, [MS-TDS]
// 2.2.6.6, in least significant bit order. The 13 reserved bits are kept
// as received so that a decoded request re-encodes byte for byte.
type OptionFlags uint16

// The option bits of [MS-TDS] 2.2.6.6.
const (
	OptionWithRecomp    OptionFlags = 0x0001 // fWithRecomp: execute WITH RECOMPILE
	OptionNoMetaData    OptionFlags = 0x0002 // fNoMetaData: the server may answer with NoMetaData (2.2.7.4)
	OptionReuseMetaData OptionFlags = 0x0004 // fReuseMetaData: metadata unchanged since the previous call
)

// StatusFlags is the StatusFlags byte of an RPC parameter, [MS-TDS]
// 2.2.6.6, in least significant bit order. Reserved bits are kept as
// received.
type StatusFlags uint8

// The parameter status bits of [MS-TDS] 2.2.6.6.
const (
	StatusByRefValue   StatusFlags = 0x01 // fByRefValue: an OUTPUT parameter
	StatusDefaultValue StatusFlags = 0x02 // fDefaultValue: use the parameter's default
	StatusEncrypted    StatusFlags = 0x08 // fEncrypted: the value is encrypted (TDS 7.4, column encryption)
)

// Separator is what ends one RPCReqBatch in an RPC Request that carries
// several, [MS-TDS] 2.2.6.6.
type Separator uint8

// The separators of [MS-TDS] 2.2.6.6. BatchFlag is 0x80 before TDS 7.2
// and 0xFF from 7.2; NoExecFlag exists from 7.2 and asks the server not to
// execute the RPC it follows (the server returns an error and DONEPROC for
// it and goes on with the next).
const (
	NoSeparator   Separator = 0x00 // the message ended after the RPC
	BatchFlag     Separator = 0xFF // BatchFlag, TDS 7.2 and later
	NoExecFlag    Separator = 0xFE // NoExecFlag, TDS 7.2 and later
	BatchFlagTDS7 Separator = 0x80 // BatchFlag before TDS 7.2
)

// String names the separator as [MS-TDS] 2.2.6.6 does.
func (s Separator) String() string {
	switch s {
	case NoSeparator:
		return "none"
	case BatchFlag, BatchFlagTDS7:
		return "BatchFlag"
	case NoExecFlag:
		return "NoExecFlag"
	}
	return "Separator(0x" + hex4(uint16(s))[2:] + ")"
}

// isSeparator reports whether c starts a separator at version v rather
// than a parameter (whose first byte is its name's B_VARCHAR length).
func isSeparator(c byte, v tds.Version) bool {
	if v.AtLeast(tds.Version72) {
		return c == byte(BatchFlag) || c == byte(NoExecFlag)
	}
	return c == byte(BatchFlagTDS7)
}

// maxProcNameBytes is the limit [MS-TDS] 2.2.6.6 sets on ProcName: "no
// more than 1046 bytes".
const maxProcNameBytes = 1046

// procIDSwitch is the ProcIDSwitch of NameLenProcID, 2.2.6.6.
const procIDSwitch = 0xFFFF

// RPC is the head of one RPCReqBatch, [MS-TDS] 2.2.6.6: the procedure,
// by name (ProcName, a US_VARCHAR) or by number (ProcIDSwitch and
// ProcID), and the OptionFlags. Its parameters follow; RPCReader.Params
// reads them.
//
// ProcID 0 means the name form; a decoded ProcName is a view into the
// input.
type RPC struct {
	ProcName tds.UCS2
	ProcID   ProcID
	Options  OptionFlags
}

// Append appends the NameLenProcID and OptionFlags of rpc and returns the
// extended slice, the one encoder of an RPCReqBatch head. With ProcID 0
// it writes ProcName as a US_VARCHAR (an error with tds.ErrTooLarge above
// 1046 bytes, or tds.ErrMalformed for an odd byte length); otherwise
// ProcIDSwitch (0xFFFF) and ProcID, which cannot fail. On failure dst is
// returned unchanged. A procedure called often keeps its ProcName, built
// once with tds.AppendUCS2, so that Append allocates nothing.
func (rpc RPC) Append(dst []byte) ([]byte, error) {
	if rpc.ProcID != 0 {
		dst = binary.LittleEndian.AppendUint16(dst, procIDSwitch)
		dst = binary.LittleEndian.AppendUint16(dst, uint16(rpc.ProcID))
		return binary.LittleEndian.AppendUint16(dst, uint16(rpc.Options)), nil
	}
	if len(rpc.ProcName) > maxProcNameBytes {
		return dst, errf(0, tds.ErrTooLarge, "ProcName of %d bytes above the %d allowed", len(rpc.ProcName), maxProcNameBytes)
	}
	if len(rpc.ProcName)%2 != 0 {
		return dst, errf(0, tds.ErrMalformed, "ProcName of odd byte length %d", len(rpc.ProcName))
	}
	dst = binary.LittleEndian.AppendUint16(dst, uint16(len(rpc.ProcName)/2))
	dst = append(dst, rpc.ProcName...)
	return binary.LittleEndian.AppendUint16(dst, uint16(rpc.Options)), nil
}

// AppendSeparator appends s (BatchFlag, BatchFlagTDS7 or NoExecFlag) as it
// is valid at version v, the one encoder of the separators between the
// RPCs of one request: from TDS 7.2 BatchFlag (0xFF) and NoExecFlag
// (0xFE), before it BatchFlagTDS7 (0x80); it SHOULD NOT follow the last
// RPC. NoSeparator appends nothing. A separator of another version
// (NoExecFlag before 7.2, 0x80 from 7.2) is refused with tds.ErrUnexpected
// and dst returned unchanged.
func AppendSeparator(dst []byte, v tds.Version, s Separator) ([]byte, error) {
	if s == NoSeparator {
		return dst, nil
	}
	if !isSeparator(byte(s), v) {
		return dst, errf(0, tds.ErrUnexpected, "%v (0x%02x) is not a separator at TDS %v", s, uint8(s), v)
	}
	return append(dst, byte(s)), nil
}

// Param is one ParameterData of an RPC Request, [MS-TDS] 2.2.6.6, as
// RPCReader.Params decodes it. Name, the UCS2 fields of Type, Value,
// TVP and Cipher are views into the message, valid while the caller keeps
// it unchanged.
type Param struct {
	// Name is the parameter name (ParamMetaData's B_VARCHAR, "@p1"),
	// empty for a positional parameter.
	Name tds.UCS2
	// Status holds fByRefValue, fDefaultValue and fEncrypted.
	Status StatusFlags
	// Type is the TYPE_INFO, in the RPC form of 2.2.5.5.2. For a
	// table-valued parameter Type.Type is sqltype.TypeTVP and the rest of
	// Type is zero; TVP holds the TVP_TYPE_INFO.
	Type sqltype.TypeInfo
	// Value is the ParamLenData (TYPE_VARBYTE), read with the accessors
	// of package sqltype. Zero for a TVP, whose rows are part of the TVP.
	Value sqltype.Value
	// TVP is set when Type.Type is sqltype.TypeTVP (TDS 7.3), 2.2.5.5.5.
	TVP TVP
	// Cipher is the ParamCipherInfo, present when Status has
	// StatusEncrypted (TDS 7.4).
	Cipher CipherInfo
}

// IsTVP reports whether p is a table-valued parameter.
func (p *Param) IsTVP() bool { return p.Type.Type == sqltype.TypeTVP }

// maxParamNameChars is the longest parameter name accepted, in UTF-16
// code units: SQL Server's identifier limit (sysname, 128 characters).
// The B_VARCHAR of ParamMetaData ([MS-TDS] 2.2.6.6) could count to 255,
// but from TDS 7.2 a length byte of 0xFE or 0xFF reads as NoExecFlag or
// BatchFlag, so the limit also keeps every name clear of the separators.
const maxParamNameChars = 128

// Append re-encodes p as ParameterData and returns the extended slice:
// name, status, TYPE_INFO and value (or the TVP_TYPE_INFO exactly as
// received), and the ParamCipherInfo when StatusEncrypted is set. A
// decoded Param re-encodes to the bytes it came from. On failure dst is
// returned unchanged.
//
// A name of more than 128 UTF-16 code units (SQL Server's identifier
// limit, which the decoder also enforces) is refused with tds.ErrTooLarge:
// Append does not know the TDS version, and at 254 or 255 the length byte
// would read as NoExecFlag or BatchFlag from TDS 7.2. A name of exactly
// 128 starts with 0x80, the BatchFlag before TDS 7.2; for TDS 7.0 and 7.1
// messages write the name with AppendParamName, which is given the
// version and refuses it there.
func (p *Param) Append(dst []byte) ([]byte, error) {
	start := len(dst)
	if len(p.Name)%2 != 0 {
		return dst, errf(0, tds.ErrMalformed, "parameter name of odd byte length %d", len(p.Name))
	}
	if len(p.Name)/2 > maxParamNameChars {
		return dst, errf(0, tds.ErrTooLarge, "parameter name of %d UTF-16 units above the %d allowed", len(p.Name)/2, maxParamNameChars)
	}
	dst = append(dst, byte(len(p.Name)/2))
	dst = append(dst, p.Name...)
	dst = append(dst, byte(p.Status))
	var err error
	if p.IsTVP() {
		if len(p.TVP.raw) == 0 {
			return dst[:start], errf(0, tds.ErrMalformed, "TVP parameter without a decoded TVP_TYPE_INFO (build one with AppendTVPTypeInfo)")
		}
		dst = append(dst, p.TVP.raw...)
	} else {
		dst = p.Type.AppendParam(dst)
		if dst, err = p.Type.AppendParamValue(dst, p.Value); err != nil {
			return dst[:start], wrapAt(0, "parameter value", err)
		}
	}
	if p.Status&StatusEncrypted != 0 {
		if dst, err = p.Cipher.Append(dst); err != nil {
			return dst[:start], err
		}
	}
	return dst, nil
}

// AppendParamName appends the ParamMetaData that precedes a TYPE_INFO:
// the name (a Go string, written as a B_VARCHAR; "" for a positional
// parameter) and StatusFlags, [MS-TDS] 2.2.6.6. For a TVP follow it with
// AppendTVPTypeInfo. A name of more than 128 UTF-16 code units (SQL
// Server's identifier limit, which the decoder enforces; longer lengths
// could also read as a BatchFlag or NoExecFlag) is refused with
// tds.ErrTooLarge, as is a name of exactly 128 before TDS 7.2, where 0x80
// is the BatchFlag. On failure dst is returned unchanged.
func AppendParamName(dst []byte, v tds.Version, name string, status StatusFlags) ([]byte, error) {
	n := tds.UCS2Len(name)
	if n > maxParamNameChars || isSeparator(byte(n), v) {
		return dst, errf(0, tds.ErrTooLarge, "parameter name of %d UTF-16 units cannot be sent at TDS %v", n, v)
	}
	dst = append(dst, byte(n))
	dst = tds.AppendUCS2(dst, name)
	return append(dst, byte(status)), nil
}

// AppendParam appends the ParamMetaData of a parameter: name, status and
// the RPC form of ti's TYPE_INFO ([MS-TDS] 2.2.6.6, 2.2.5.6). Follow it
// with the value, written by ti's encoders (ti.AppendInt, ti.AppendString,
// ti.AppendParamNull, ...). Errors as for AppendParamName.
func AppendParam(dst []byte, v tds.Version, name string, status StatusFlags, ti *sqltype.TypeInfo) ([]byte, error) {
	dst, err := AppendParamName(dst, v, name, status)
	if err != nil {
		return dst, err
	}
	return ti.AppendParam(dst), nil
}

// CipherInfo is the ParamCipherInfo of an encrypted RPC parameter,
// [MS-TDS] 2.2.6.6 (TDS 7.4, sent only when StatusEncrypted is set): the
// TYPE_INFO of the plaintext and how it was encrypted.
type CipherInfo struct {
	Type           sqltype.TypeInfo // the original TYPE_INFO
	EncryptionAlgo uint8            // 1: AEAD_AES_256_CBC_HMAC_SHA512; 0: custom, named by AlgoName
	AlgoName       tds.UCS2         // B_VARCHAR, present only when EncryptionAlgo is 0
	EncryptionType uint8            // 1 deterministic, 2 randomized
	DatabaseID     uint32           // DatabaseId
	CekID          uint32           // CekId
	CekVersion     uint32           // CekVersion
	CekMDVersion   uint64           // CekMDVersion
	NormVersion    uint8            // MUST be 1
}

// cipherTail is the size of the fixed fields after AlgoName.
const cipherTail = 1 + 4 + 4 + 4 + 8 + 1

// decode reads a ParamCipherInfo at b[off:]; it returns the new offset.
// Fields are read in the order of the ParamCipherInfo rule of 2.2.6.6
// (TYPE_INFO, EncryptionAlgo, [AlgoName], EncryptionType, DatabaseId,
// CekId, CekVersion, CekMDVersion, NormVersion). NormVersion is not
// checked (the field is reserved for future use; leniency).
func (c *CipherInfo) decode(b []byte, off int) (int, error) {
	*c = CipherInfo{}
	ti, n, err := sqltype.DecodeParamTypeInfo(b[off:])
	c.Type = ti
	if err != nil {
		return 0, wrapAt(off, "ParamCipherInfo TYPE_INFO", err)
	}
	off += n
	if off >= len(b) {
		return 0, errf(off, tds.ErrTruncated, "ParamCipherInfo: missing EncryptionAlgo")
	}
	c.EncryptionAlgo = b[off]
	off++
	if c.EncryptionAlgo == 0 {
		if c.AlgoName, off, err = bVarchar(b, off, "ParamCipherInfo AlgoName"); err != nil {
			return 0, err
		}
	}
	if len(b)-off < cipherTail {
		return 0, errf(off, tds.ErrTruncated, "ParamCipherInfo: need %d bytes after EncryptionAlgo, have %d", cipherTail, len(b)-off)
	}
	c.EncryptionType = b[off]
	c.DatabaseID = binary.LittleEndian.Uint32(b[off+1:])
	c.CekID = binary.LittleEndian.Uint32(b[off+5:])
	c.CekVersion = binary.LittleEndian.Uint32(b[off+9:])
	c.CekMDVersion = binary.LittleEndian.Uint64(b[off+13:])
	c.NormVersion = b[off+21]
	return off + cipherTail, nil
}

// Append appends c as a ParamCipherInfo, [MS-TDS] 2.2.6.6. AlgoName is
// written only when EncryptionAlgo is 0 (and must then fit a B_VARCHAR).
func (c *CipherInfo) Append(dst []byte) ([]byte, error) {
	start := len(dst)
	dst = c.Type.AppendParam(dst)
	dst = append(dst, c.EncryptionAlgo)
	if c.EncryptionAlgo == 0 {
		if len(c.AlgoName) > 2*0xFF || len(c.AlgoName)%2 != 0 {
			return dst[:start], errf(0, tds.ErrMalformed, "AlgoName of %d bytes does not fit a B_VARCHAR", len(c.AlgoName))
		}
		dst = append(dst, byte(len(c.AlgoName)/2))
		dst = append(dst, c.AlgoName...)
	}
	dst = append(dst, c.EncryptionType)
	dst = binary.LittleEndian.AppendUint32(dst, c.DatabaseID)
	dst = binary.LittleEndian.AppendUint32(dst, c.CekID)
	dst = binary.LittleEndian.AppendUint32(dst, c.CekVersion)
	dst = binary.LittleEndian.AppendUint64(dst, c.CekMDVersion)
	return append(dst, c.NormVersion), nil
}

// bVarchar reads a B_VARCHAR (a BYTELEN count of UTF-16 code units, then
// the text) at b[off:], returning a view and the offset after it.
func bVarchar(b []byte, off int, what string) (tds.UCS2, int, error) {
	if off >= len(b) {
		return nil, 0, errf(off, tds.ErrTruncated, "%s: missing B_VARCHAR length", what)
	}
	n := 2 * int(b[off])
	if len(b)-off-1 < n {
		return nil, 0, errf(off, tds.ErrTruncated, "%s: B_VARCHAR of %d bytes, %d present", what, n, len(b)-off-1)
	}
	s := b[off+1 : off+1+n : off+1+n]
	return tds.UCS2(s), off + 1 + n, nil
}

// RPCReader decodes an RPC Request message, [MS-TDS] 2.2.6.6, as a
// cursor over the caller's bytes in the manner of dnsmessage.Parser:
// Reset reads ALL_HEADERS, RPCs iterates over each RPCReqBatch, Params
// over the parameters of the current one. A decoding failure is yielded
// once, by whichever iterator met it, and ends both. Nothing is decoded
// twice and, except as noted for table-valued parameters, nothing is
// allocated.
//
//	var r request.RPCReader
//	if err := r.Reset(payload, version); err != nil { ... }
//	for rpc, err := range r.RPCs() {
//		if err != nil { ... }
//		for p, err := range r.Params() {
//			if err != nil { ... }
//			// p.Name, p.Type, p.Value
//		}
//		sep := r.Separator()
//	}
//
// Parameters are told from separators by their first byte: at TDS 7.2
// and later 0xFF (BatchFlag) and 0xFE (NoExecFlag) end an RPC, before 7.2
// 0x80 does. Those bytes are never valid parameter-name lengths for SQL
// Server (names are at most 128 characters), with one exception that
// this reader resolves as a separator: a 128-character name before TDS
// 7.2. A name longer than 128 characters is refused with tds.ErrTooLarge
// (so every decoded Param re-encodes with Param.Append). A separator
// after the last RPC is accepted (the server MUST ignore a trailing
// BatchFlag).
//
// Checked besides what sqltype checks in TYPE_INFO and values: every
// length against the bytes present; ProcName at most 1046 bytes; a
// ProcIDSwitch with ProcID 0 (no such procedure; other unlisted numbers are
// accepted for trace tools, see ProcID.Known); at least one RPCReqBatch;
// TVPs only from TDS 7.3 with fByRefValue and fDefaultValue clear (MUSTs of
// 2.2.6.6); fEncrypted only from TDS 7.4.
//
// The EnclavePackage of 2.2.6.6 (TDS 7.4, sent only when enclave
// computations were negotiated, and not recognisable from the bytes) is
// not decoded.
//
// To check the rows of a table-valued parameter the reader keeps the
// column types in a buffer of its own, grown (by append, one column at a
// time as each is decoded) on the first TVP with more columns than before
// and reused after: a reader that is reused does not allocate once warm.
//
// An RPCReader is not safe for concurrent use. The zero value is ready for
// Reset.
type RPCReader struct {
	// Headers is the ALL_HEADERS Reset decoded (zero before TDS 7.2).
	Headers AllHeaders

	b     []byte
	v     tds.Version
	off   int
	nRPC  int
	ready bool      // Reset has been called
	inRPC bool      // parameters of the current RPC may follow
	sep   Separator // what ended the last finished RPC
	err   error
	told  bool  // err has been yielded
	param Param // the parameter Params yields
	tvp   tvpScratch
}

// Reset starts decoding the RPC Request message payload b (the data of
// all its packets, without packet headers) for version v and reads its
// ALL_HEADERS into r.Headers. The previous message is forgotten; r's
// scratch buffer is kept.
func (r *RPCReader) Reset(b []byte, v tds.Version) error {
	r.b, r.v, r.nRPC, r.inRPC, r.sep, r.err, r.told, r.ready = b, v, 0, false, NoSeparator, nil, false, true
	n, err := decodeHeaders(&r.Headers, b, v)
	if err != nil {
		r.err = err
		return err
	}
	r.off = n
	return nil
}

// RPCs returns an iterator over the RPCReqBatch entries of the message
// given to Reset, each the head of one call (its name or ProcID and
// OptionFlags). Parameters of an RPC that the loop body did not read with
// Params are skipped (and checked) before the next one. A decoding
// failure is yielded once (with a zero RPC) and ends the iteration; so
// does a failure Params already yielded. Before Reset it yields nothing.
func (r *RPCReader) RPCs() iter.Seq2[RPC, error] {
	return func(yield func(RPC, error) bool) {
		for {
			var rpc RPC
			if !r.nextRPC(&rpc) {
				if r.err != nil && !r.told {
					r.told = true
					yield(RPC{}, r.err)
				}
				return
			}
			if !yield(rpc, nil) {
				return
			}
		}
	}
}

// Params returns an iterator over the parameters of the current RPC (the
// one RPCs last yielded). The yielded *Param is owned by r and overwritten
// by the next step; its views point into the message. A decoding failure
// is yielded once (with a nil *Param) and ends the iteration, and RPCs
// after it. When the iteration ends, Separator says what ended the RPC.
func (r *RPCReader) Params() iter.Seq2[*Param, error] {
	return func(yield func(*Param, error) bool) {
		for {
			if !r.nextParam(&r.param) {
				if r.err != nil && !r.told {
					r.told = true
					yield(nil, r.err)
				}
				return
			}
			if !yield(&r.param, nil) {
				return
			}
		}
	}
}

// Separator returns what ended the most recent RPC once its Params
// iteration has ended: BatchFlag, NoExecFlag, BatchFlagTDS7, or
// NoSeparator at the end of the message.
func (r *RPCReader) Separator() Separator { return r.sep }

// Offset returns the offset in the message of the next byte the reader
// will decode.
func (r *RPCReader) Offset() int { return r.off }

// nextRPC decodes the head of the next RPCReqBatch into rpc and returns
// true, or returns false at the end of the message or on an error (in
// r.err). Parameters of the previous RPC that were not read are skipped
// (and checked).
func (r *RPCReader) nextRPC(rpc *RPC) bool {
	if r.err != nil || !r.ready {
		return false
	}
	if r.inRPC {
		for r.nextParam(&r.param) {
		}
		if r.err != nil {
			return false
		}
	}
	if r.off == len(r.b) {
		if r.nRPC == 0 {
			r.err = errf(r.off, tds.ErrTruncated, "RPC Request without an RPCReqBatch")
		}
		return false
	}
	b, off := r.b, r.off
	*rpc = RPC{}
	if len(b)-off < 2 {
		r.err = errf(off, tds.ErrTruncated, "NameLenProcID: need 2 bytes, have %d", len(b)-off)
		return false
	}
	n := binary.LittleEndian.Uint16(b[off:])
	if n == procIDSwitch {
		if len(b)-off < 4 {
			r.err = errf(off+2, tds.ErrTruncated, "ProcID after ProcIDSwitch: need 2 bytes, have %d", len(b)-off-2)
			return false
		}
		rpc.ProcID = ProcID(binary.LittleEndian.Uint16(b[off+2:]))
		if rpc.ProcID == 0 {
			r.err = errf(off+2, tds.ErrMalformed, "ProcID 0 after ProcIDSwitch names no procedure")
			return false
		}
		off += 4
	} else {
		if 2*int(n) > maxProcNameBytes {
			r.err = errf(off, tds.ErrTooLarge, "ProcName of %d bytes above the %d allowed", 2*int(n), maxProcNameBytes)
			return false
		}
		if len(b)-off-2 < 2*int(n) {
			r.err = errf(off, tds.ErrTruncated, "ProcName of %d bytes, %d present", 2*int(n), len(b)-off-2)
			return false
		}
		rpc.ProcName = tds.UCS2(b[off+2 : off+2+2*int(n) : off+2+2*int(n)])
		off += 2 + 2*int(n)
	}
	if len(b)-off < 2 {
		r.err = errf(off, tds.ErrTruncated, "OptionFlags: need 2 bytes, have %d", len(b)-off)
		return false
	}
	rpc.Options = OptionFlags(binary.LittleEndian.Uint16(b[off:]))
	r.off = off + 2
	r.nRPC++
	r.inRPC = true
	r.sep = NoSeparator
	return true
}

// nextParam decodes the next parameter of the current RPC into p and
// returns true, or returns false when the RPC has no more parameters (see
// Separator) or on an error (in r.err).
func (r *RPCReader) nextParam(p *Param) bool {
	if r.err != nil || !r.inRPC {
		return false
	}
	b, off := r.b, r.off
	if off == len(b) {
		r.inRPC = false
		r.sep = NoSeparator
		return false
	}
	if isSeparator(b[off], r.v) {
		r.inRPC = false
		r.sep = Separator(b[off])
		r.off = off + 1
		return false
	}
	n, err := r.decodeParam(p, off)
	if err != nil {
		r.err = err
		*p = Param{}
		return false
	}
	r.off = n
	return true
}

// decodeParam reads one ParameterData at r.b[off:] into p and returns the
// offset after it.
func (r *RPCReader) decodeParam(p *Param, off int) (int, error) {
	b, v := r.b, r.v
	*p = Param{}
	start := off
	var err error
	if p.Name, off, err = bVarchar(b, off, "ParamMetaData name"); err != nil {
		return 0, err
	}
	if n := len(p.Name) / 2; n > maxParamNameChars {
		return 0, errf(start, tds.ErrTooLarge, "parameter name of %d characters above SQL Server's %d", n, maxParamNameChars)
	}
	if off >= len(b) {
		return 0, errf(off, tds.ErrTruncated, "parameter %q: missing StatusFlags", p.Name.String())
	}
	p.Status = StatusFlags(b[off])
	if p.Status&StatusEncrypted != 0 && !v.AtLeast(tds.Version74) {
		return 0, errf(off, tds.ErrUnexpected, "parameter at %d: fEncrypted before TDS 7.4 (version %v)", start, v)
	}
	off++
	if off >= len(b) {
		return 0, errf(off, tds.ErrTruncated, "parameter at %d: missing TYPE_INFO", start)
	}
	if sqltype.TypeID(b[off]) == sqltype.TypeTVP {
		if !v.AtLeast(tds.Version73A) {
			return 0, errf(off, tds.ErrUnexpected, "TVP parameter before TDS 7.3 (version %v); the server MUST reject it", v)
		}
		if p.Status&(StatusByRefValue|StatusDefaultValue) != 0 {
			return 0, errf(off-1, tds.ErrMalformed, "TVP parameter with StatusFlags 0x%02x: fByRefValue and fDefaultValue MUST be zero", uint8(p.Status))
		}
		p.Type.Type = sqltype.TypeTVP
		if off, err = p.TVP.decode(b, off, &r.tvp); err != nil {
			return 0, err
		}
	} else {
		ti, n, err := sqltype.DecodeParamTypeInfo(b[off:])
		p.Type = ti
		if err != nil {
			return 0, wrapAt(off, "parameter TYPE_INFO", err)
		}
		off += n
		p.Value, n, err = p.Type.DecodeParamValue(b[off:])
		if err != nil {
			return 0, wrapAt(off, "parameter value (ParamLenData)", err)
		}
		off += n
	}
	if p.Status&StatusEncrypted != 0 {
		if off, err = p.Cipher.decode(b, off); err != nil {
			return 0, err
		}
	}
	return off, nil
}
