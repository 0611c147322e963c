package login7

import (
	"encoding/binary"
	"slices"

	"github.com/tdswire/tdswire/tds"
)

// layer is the Layer of every *tds.Error this package returns.
const layer = tds.LayerLogin7

// Sizes of the fixed part of LOGIN7, [MS-TDS] 2.2.6.4: everything up to and
// including the OffsetLength table. TDS 7.2 added ibChangePassword,
// cchChangePassword and cbSSPILong (8 bytes) to the 86 bytes of TDS 7.0
// and 7.1.
const (
	FixedLen   = 94 // TDS 7.2 and later
	FixedLen71 = 86 // TDS 7.0 and 7.1: no ChangePassword entry, no cbSSPILong
)

// MaxLength is the largest LOGIN7 message: "MUST NOT be longer than
// 128K-1 bytes", [MS-TDS] 2.2.6.4.
const MaxLength = 128*1024 - 1

// Byte offsets of the fixed-part fields, [MS-TDS] 2.2.6.4.
const (
	offLength         = 0
	offTDSVersion     = 4
	offPacketSize     = 8
	offClientProgVer  = 12
	offClientPID      = 16
	offConnectionID   = 20
	offOptionFlags1   = 24
	offOptionFlags2   = 25
	offTypeFlags      = 26
	offOptionFlags3   = 27
	offClientTimeZone = 28
	offClientLCID     = 32
	offHostName       = 36
	offUserName       = 40
	offPassword       = 44
	offAppName        = 48
	offServerName     = 52
	offExtension      = 56 // ibUnused/cbUnused before TDS 7.4
	offCltIntName     = 60
	offLanguage       = 64
	offDatabase       = 68
	offClientID       = 72
	offSSPI           = 78
	offAtchDBFile     = 82
	offChangePassword = 86
	offSSPILong       = 90
)

// Login7 is a LOGIN7 message, [MS-TDS] 2.2.6.4: the client's login
// record, the body of a packet of type 0x10.
//
// Decode fills a Login7 with views into the message bytes: the tds.UCS2
// fields, the Password fields, SSPI and FeatureExt alias the input, which
// the caller must keep unchanged while it uses them. Nothing is copied or
// converted, so decoding and reading every field allocate nothing; call
// .String() on a UCS2 view, or Password.Clear, when a Go string is wanted.
//
// Append encodes a Login7, computing Length and the whole OffsetLength
// table. A Login7 never prints its passwords: String, GoString and Format
// (every verb) show a redaction marker instead, and omit the SSPI and
// FeatureExt bytes.
type Login7 struct {
	// TDSVersion is the highest TDS version the client speaks. On the
	// wire it is a little-endian DWORD (7.4 travels as 04 00 00 74).
	TDSVersion     tds.Version
	PacketSize     uint32 // requested packet size
	ClientProgVer  uint32 // version of the client interface library
	ClientPID      uint32 // client process ID
	ConnectionID   uint32 // connection ID of the primary server
	OptionFlags1   OptionFlags1
	OptionFlags2   OptionFlags2
	TypeFlags      TypeFlags
	OptionFlags3   OptionFlags3 // a reserved byte before TDS 7.2
	ClientTimeZone int32        // unused; can be zero
	ClientLCID     uint32       // ignored by servers

	HostName   tds.UCS2 // client machine name
	UserName   tds.UCS2 // login name (SQL authentication)
	Password   Password // obfuscated password
	AppName    tds.UCS2 // application name
	ServerName tds.UCS2 // server name the client connected to
	CltIntName tds.UCS2 // interface library name
	Language   tds.UCS2 // initial language
	Database   tds.UCS2 // initial database
	ClientID   [6]byte  // client MAC address
	// SSPI is the initial SSPI (SPNEGO, NTLM or Kerberos) token when
	// fIntSecurity is set. Blobs of 65535 bytes and more use cbSSPILong.
	SSPI           []byte
	AtchDBFile     tds.UCS2 // database file to attach
	ChangePassword Password // obfuscated new password (TDS 7.2)

	// FeatureExt holds the FeatureOpt entries the extension block points
	// to (TDS 7.4, only when OptionFlags3 has fExtension), without the
	// terminator. See FeatureExt.Iter.
	FeatureExt FeatureExt
}

// entry is one decoded ib/cch pair.
type entry struct {
	at     int // offset of the ib field in the message
	off, n int // data offset and byte length
}

// Decode reads the LOGIN7 message b (a whole message, packet headers
// removed) into l, overwriting every field. It does not allocate on
// success; after a failure l holds unspecified values.
//
// Strict, because clients honour these MUSTs: Length must equal len(b)
// and be at most MaxLength; every non-empty field must lie inside the
// message and after the fixed part; an extension block must hold the
// 4-byte ibFeatureExtLong; the FeatureExt chain must stay inside the
// message and end with the 0xFF terminator. Failures are *tds.Error with
// Layer tds.LayerLogin7 and the offset of the offending table entry (or
// FeatureOpt).
//
// Lenient, because real clients differ from the canonical layout:
//   - The fixed part is 94 bytes (TDS 7.2+) or, for TDS 7.0/7.1
//     clients, 86 bytes without ibChangePassword, cchChangePassword and
//     cbSSPILong. The size is taken from where the data begins
//     (ibHostName, or the lowest non-empty offset if a client left
//     ibHostName at 0), never from TDSVersion.
//   - The offset of a zero-length field is ignored, as the specification
//     says: 0, past the end, or pointing anywhere.
//   - Offsets are not required to be ascending or even: data may come in
//     any order, FeatureExt may sit before the strings, and an odd-sized
//     SSPI blob legitimately leaves the strings after it at odd offsets.
//     (A UCS-2 range always has even length, since cch counts characters.)
//   - The per-field maximums of the "Login Data Validation Rules" (128
//     characters, cbExtension at most 255) are the server's business and
//     are not enforced; neither are flags that contradict the data
//     (fChangePassword without ChangePassword, fIntSecurity without SSPI).
//   - Without fExtension the ibUnused/cbUnused entry is ignored; with it,
//     bytes of the extension block after ibFeatureExtLong are ignored as
//     the specification tells servers, and ibFeatureExtLong 0 means no
//     FeatureExt.
//   - cbSSPI 0xFFFF with cbSSPILong 0 means 65535 bytes.
//
// Not a MUST of 2.2.6.4 but refused all the same: non-empty fields of the
// offset table (the strings, SSPI, and with fExtension the 4-byte
// ibFeatureExtLong of the extension block) must not overlap one another.
// No client shares bytes between fields, and a message that did could
// decode to more data than Append can place within 16-bit offsets (eight
// names over the same 20,000 characters). The error (ErrMalformed) is at
// the table entry of the later, in table order, of two overlapping
// fields. FeatureExt is not part of the check; it may sit
// anywhere, before the strings included.
func (l *Login7) Decode(b []byte) error {
	if len(b) < FixedLen71 {
		return tds.Errorf(layer, len(b), tds.ErrTruncated, "LOGIN7 needs at least %d bytes, have %d", FixedLen71, len(b))
	}
	length := binary.LittleEndian.Uint32(b[offLength:])
	switch {
	case length > MaxLength:
		return tds.Errorf(layer, offLength, tds.ErrTooLarge, "Length %d exceeds the LOGIN7 maximum of %d", length, MaxLength)
	case uint64(length) > uint64(len(b)):
		return tds.Errorf(layer, offLength, tds.ErrTruncated, "Length %d but the message has %d bytes", length, len(b))
	case uint64(length) < uint64(len(b)):
		return tds.Errorf(layer, offLength, tds.ErrMalformed, "Length %d but the message has %d bytes", length, len(b))
	}
	fixed := fixedLen(b)
	if fixed < 0 {
		return tds.Errorf(layer, offHostName, tds.ErrMalformed, "ibHostName %d points into the %d-byte fixed part", binary.LittleEndian.Uint16(b[offHostName:]), FixedLen71)
	}
	if len(b) < fixed {
		return tds.Errorf(layer, len(b), tds.ErrTruncated, "LOGIN7 fixed part needs %d bytes, have %d", fixed, len(b))
	}

	*l = Login7{
		TDSVersion:     tds.Version(binary.LittleEndian.Uint32(b[offTDSVersion:])),
		PacketSize:     binary.LittleEndian.Uint32(b[offPacketSize:]),
		ClientProgVer:  binary.LittleEndian.Uint32(b[offClientProgVer:]),
		ClientPID:      binary.LittleEndian.Uint32(b[offClientPID:]),
		ConnectionID:   binary.LittleEndian.Uint32(b[offConnectionID:]),
		OptionFlags1:   OptionFlags1(b[offOptionFlags1]),
		OptionFlags2:   OptionFlags2(b[offOptionFlags2]),
		TypeFlags:      TypeFlags(b[offTypeFlags]),
		OptionFlags3:   OptionFlags3(b[offOptionFlags3]),
		ClientTimeZone: int32(binary.LittleEndian.Uint32(b[offClientTimeZone:])),
		ClientLCID:     binary.LittleEndian.Uint32(b[offClientLCID:]),
		ClientID:       [6]byte(b[offClientID : offClientID+6]),
	}

	var err error
	if l.HostName, err = ucs2Field(b, offHostName, fixed, "HostName"); err != nil {
		return err
	}
	if l.UserName, err = ucs2Field(b, offUserName, fixed, "UserName"); err != nil {
		return err
	}
	var p tds.UCS2
	if p, err = ucs2Field(b, offPassword, fixed, "Password"); err != nil {
		return err
	}
	l.Password = PasswordBytes(p)
	if l.AppName, err = ucs2Field(b, offAppName, fixed, "AppName"); err != nil {
		return err
	}
	if l.ServerName, err = ucs2Field(b, offServerName, fixed, "ServerName"); err != nil {
		return err
	}
	if l.CltIntName, err = ucs2Field(b, offCltIntName, fixed, "CltIntName"); err != nil {
		return err
	}
	if l.Language, err = ucs2Field(b, offLanguage, fixed, "Language"); err != nil {
		return err
	}
	if l.Database, err = ucs2Field(b, offDatabase, fixed, "Database"); err != nil {
		return err
	}
	if l.AtchDBFile, err = ucs2Field(b, offAtchDBFile, fixed, "AtchDBFile"); err != nil {
		return err
	}
	if fixed == FixedLen {
		if p, err = ucs2Field(b, offChangePassword, fixed, "ChangePassword"); err != nil {
			return err
		}
		l.ChangePassword = PasswordBytes(p)
	}

	// SSPI: cbSSPI, or cbSSPILong when cbSSPI is USHORT_MAX and
	// cbSSPILong is not 0 (TDS 7.2 table only).
	sspiOff := int(binary.LittleEndian.Uint16(b[offSSPI:]))
	sspiLen := int(binary.LittleEndian.Uint16(b[offSSPI+2:]))
	if sspiLen == 0xFFFF && fixed == FixedLen {
		if long := binary.LittleEndian.Uint32(b[offSSPILong:]); long > 0 {
			if uint64(long) > uint64(len(b)) {
				return tds.Errorf(layer, offSSPILong, tds.ErrMalformed, "cbSSPILong %d exceeds the %d-byte message", long, len(b))
			}
			sspiLen = int(long)
		}
	}
	if l.SSPI, err = field(b, entry{offSSPI, sspiOff, sspiLen}, fixed, "SSPI"); err != nil {
		return err
	}

	if err := checkDisjoint(b, fixed, l.OptionFlags3&FExtension != 0, sspiOff, len(l.SSPI)); err != nil {
		return err
	}
	if l.OptionFlags3&FExtension != 0 {
		if err := l.decodeExtension(b, fixed); err != nil {
			return err
		}
	}
	return nil
}

// tableFields lists the offset-table entries checkDisjoint compares, in
// table order.
var tableFields = [...]struct {
	at   int
	name string
}{
	{offHostName, "HostName"}, {offUserName, "UserName"}, {offPassword, "Password"},
	{offAppName, "AppName"}, {offServerName, "ServerName"}, {offExtension, "Extension"},
	{offCltIntName, "CltIntName"}, {offLanguage, "Language"}, {offDatabase, "Database"},
	{offSSPI, "SSPI"}, {offAtchDBFile, "AtchDBFile"}, {offChangePassword, "ChangePassword"},
}

// span is the data range of one non-empty offset-table entry; field
// indexes tableFields.
type span struct {
	off, end int
	field    int
}

// fieldRange returns the data offset and byte length of tableFields[i] in
// b, with length 0 for a field that is absent or not compared: the
// extension block without fExtension, ChangePassword in a 7.0/7.1 table.
// Only the 4-byte ibFeatureExtLong of the extension block counts: the
// bytes after it are ignored (see Decode) and Append does not write them.
func fieldRange(b []byte, i, fixed int, ext bool, sspiOff, sspiLen int) (int, int) {
	at := tableFields[i].at
	switch at {
	case offExtension:
		if !ext {
			return 0, 0
		}
		return int(binary.LittleEndian.Uint16(b[at:])), min(int(binary.LittleEndian.Uint16(b[at+2:])), 4)
	case offSSPI:
		return sspiOff, sspiLen
	case offChangePassword:
		if fixed != FixedLen { // a 7.0/7.1 table ends before this entry
			return 0, 0
		}
	}
	return int(binary.LittleEndian.Uint16(b[at:])), 2 * int(binary.LittleEndian.Uint16(b[at+2:]))
}

// checkDisjoint reports a pair of non-empty offset-table fields whose data
// ranges overlap. The fields were already checked to lie inside b; sspiOff
// and sspiLen give SSPI's range (its length may come from cbSSPILong).
//
// Real clients write the data in table order, so the first pass only
// checks that each non-empty range starts at or after the end of the one
// before it. Otherwise the ranges are insertion-sorted by offset on the
// stack; after sorting, two neighbours overlap whenever any two ranges do.
func checkDisjoint(b []byte, fixed int, ext bool, sspiOff, sspiLen int) error {
	end := 0
	for i := range tableFields {
		off, n := fieldRange(b, i, fixed, ext, sspiOff, sspiLen)
		if n == 0 {
			continue
		}
		if off < end {
			return checkDisjointSorted(b, fixed, ext, sspiOff, sspiLen)
		}
		end = off + n
	}
	return nil
}

// checkDisjointSorted is checkDisjoint for data out of table order.
func checkDisjointSorted(b []byte, fixed int, ext bool, sspiOff, sspiLen int) error {
	var spans [len(tableFields)]span
	n := 0
	for i := range tableFields {
		off, size := fieldRange(b, i, fixed, ext, sspiOff, sspiLen)
		if size == 0 {
			continue
		}
		k := n
		for k > 0 && spans[k-1].off > off {
			spans[k] = spans[k-1]
			k--
		}
		spans[k] = span{off, off + size, i}
		n++
	}
	for k := 1; k < n; k++ {
		p, q := spans[k-1], spans[k]
		if q.off < p.end {
			if p.field > q.field {
				p, q = q, p
			}
			pf, qf := tableFields[p.field], tableFields[q.field]
			return tds.Errorf(layer, qf.at, tds.ErrMalformed, "%s at bytes %d-%d overlaps %s at bytes %d-%d", qf.name, q.off, q.end, pf.name, p.off, p.end)
		}
	}
	return nil
}

// fixedLen returns the size of the fixed part of the LOGIN7 message b
// (at least FixedLen71 bytes long), judged by where the variable data
// begins, or -1 if ibHostName points into the fixed part.
func fixedLen(b []byte) int {
	start := int(binary.LittleEndian.Uint16(b[offHostName:]))
	if start == 0 {
		// A client that left ibHostName at 0: take the lowest offset
		// of a non-empty UCS-2 field or SSPI, or the end of the message.
		start = len(b)
		for _, at := range [...]int{offUserName, offPassword, offAppName, offServerName, offCltIntName, offLanguage, offDatabase, offSSPI, offAtchDBFile} {
			o, n := binary.LittleEndian.Uint16(b[at:]), binary.LittleEndian.Uint16(b[at+2:])
			if n != 0 && int(o) >= FixedLen71 && int(o) < start {
				start = int(o)
			}
		}
	}
	switch {
	case start >= FixedLen:
		return FixedLen
	case start >= FixedLen71:
		return FixedLen71
	}
	return -1
}

// ucs2Field decodes the ib/cch entry at `at` as a UCS-2 view.
func ucs2Field(b []byte, at, fixed int, name string) (tds.UCS2, error) {
	off := int(binary.LittleEndian.Uint16(b[at:]))
	n := 2 * int(binary.LittleEndian.Uint16(b[at+2:]))
	return field(b, entry{at, off, n}, fixed, name)
}

// field checks entry e against the message and returns its data view, or
// nil for a zero length (whose offset is ignored).
func field(b []byte, e entry, fixed int, name string) ([]byte, error) {
	if e.n == 0 {
		return nil, nil
	}
	if e.off < fixed {
		return nil, tds.Errorf(layer, e.at, tds.ErrMalformed, "ib%s %d points into the %d-byte fixed part", name, e.off, fixed)
	}
	if e.n > len(b)-e.off {
		return nil, tds.Errorf(layer, e.at, tds.ErrMalformed, "%s at offset %d with %d bytes runs past the %d-byte message", name, e.off, e.n, len(b))
	}
	end := e.off + e.n
	return b[e.off:end:end], nil
}

// decodeExtension follows ibExtension to ibFeatureExtLong and validates
// the FeatureExt block.
func (l *Login7) decodeExtension(b []byte, fixed int) error {
	ext, err := field(b, entry{offExtension,
		int(binary.LittleEndian.Uint16(b[offExtension:])),
		int(binary.LittleEndian.Uint16(b[offExtension+2:]))}, fixed, "Extension")
	if err != nil {
		return err
	}
	if len(ext) == 0 {
		return nil
	}
	if len(ext) < 4 {
		return tds.Errorf(layer, offExtension+2, tds.ErrMalformed, "cbExtension %d is too short for the 4-byte ibFeatureExtLong", len(ext))
	}
	at := int(binary.LittleEndian.Uint16(b[offExtension:])) // where ibFeatureExtLong sits
	fe := binary.LittleEndian.Uint32(ext)
	if fe == 0 {
		return nil
	}
	if uint64(fe) < uint64(fixed) || uint64(fe) >= uint64(len(b)) {
		return tds.Errorf(layer, at, tds.ErrMalformed, "ibFeatureExtLong %d is outside the data of the %d-byte message", fe, len(b))
	}
	start := int(fe)
	n, err := scanFeatureExt(b[start:], start, true)
	if err != nil {
		return err
	}
	if n > 0 {
		l.FeatureExt = FeatureExt(b[start : start+n : start+n])
	}
	return nil
}

// Append appends the wire form of l to dst and returns the extended slice.
//
// It lays the message out as the specification's examples do: the fixed
// part (FixedLen71 bytes when TDSVersion is older than 7.2, FixedLen
// otherwise), then the data in table order (HostName, UserName, Password,
// AppName, ServerName, the 4-byte extension block when fExtension is set,
// CltIntName, Language, Database, SSPI, AtchDBFile, ChangePassword; when
// an SSPI blob would push AtchDBFile or ChangePassword beyond the reach of
// a USHORT offset, SSPI moves after them), then
// the FeatureExt block with its terminator (with fExtension set and no
// FeatureExt, ibFeatureExtLong is 0 and no block follows). An empty field gets the offset
// where the next data would start. Length, every ib/cch pair, cbSSPILong
// and ibFeatureExtLong are computed.
//
// It fails, returning dst unchanged and an *tds.Error, when a UCS-2 or
// Password view has odd length, FeatureExt is malformed or present
// without fExtension, a TDS 7.0/7.1 record carries ChangePassword or an
// SSPI blob of 64 KiB or more, an offset or count does not fit its USHORT,
// or the message would exceed MaxLength.
func (l *Login7) Append(dst []byte) ([]byte, error) {
	fixed := FixedLen
	if !l.TDSVersion.AtLeast(tds.Version72) {
		fixed = FixedLen71
		if l.ChangePassword.n != 0 {
			return dst, tds.Errorf(layer, offChangePassword, tds.ErrMalformed, "ChangePassword needs TDS 7.2 or later, TDSVersion is %s", l.TDSVersion)
		}
		if len(l.SSPI) > 0xFFFF {
			return dst, tds.Errorf(layer, offSSPI, tds.ErrTooLarge, "SSPI of %d bytes needs cbSSPILong (TDS 7.2 or later)", len(l.SSPI))
		}
	}
	ext := l.OptionFlags3&FExtension != 0
	if len(l.FeatureExt) != 0 {
		if !ext {
			return dst, tds.Errorf(layer, offOptionFlags3, tds.ErrMalformed, "FeatureExt present but OptionFlags3 lacks fExtension")
		}
		if _, err := scanFeatureExt(l.FeatureExt, 0, false); err != nil {
			return dst, err
		}
	}

	type item struct {
		at   int
		data []byte
		ucs2 bool
		name string
	}
	items := [...]item{
		{offHostName, l.HostName, true, "HostName"},
		{offUserName, l.UserName, true, "UserName"},
		{offPassword, l.Password.Bytes(), true, "Password"},
		{offAppName, l.AppName, true, "AppName"},
		{offServerName, l.ServerName, true, "ServerName"},
		{offExtension, nil, false, "Extension"},
		{offCltIntName, l.CltIntName, true, "CltIntName"},
		{offLanguage, l.Language, true, "Language"},
		{offDatabase, l.Database, true, "Database"},
		{offSSPI, l.SSPI, false, "SSPI"},
		{offAtchDBFile, l.AtchDBFile, true, "AtchDBFile"},
		{offChangePassword, l.ChangePassword.Bytes(), true, "ChangePassword"},
	}
	total := fixed
	if ext {
		total += 4 // the extension block: ibFeatureExtLong
	}
	for _, it := range items {
		if it.ucs2 && len(it.data)%2 != 0 {
			return dst, tds.Errorf(layer, it.at, tds.ErrMalformed, "%s has an odd number of bytes (%d); UCS-2 needs pairs", it.name, len(it.data))
		}
		if it.ucs2 && len(it.data) > 2*0xFFFF {
			return dst, tds.Errorf(layer, it.at, tds.ErrTooLarge, "%s of %d characters does not fit cch", it.name, len(it.data)/2)
		}
		total += len(it.data)
	}
	if len(l.FeatureExt) != 0 {
		total += len(l.FeatureExt) + 1
	}
	if total > MaxLength {
		return dst, tds.Errorf(layer, offLength, tds.ErrTooLarge, "LOGIN7 of %d bytes exceeds the maximum of %d", total, MaxLength)
	}

	base := len(dst)
	dst = appendZeros(dst, fixed)
	hdr := dst[base : base+fixed]
	binary.LittleEndian.PutUint32(hdr[offLength:], uint32(total))
	binary.LittleEndian.PutUint32(hdr[offTDSVersion:], uint32(l.TDSVersion))
	binary.LittleEndian.PutUint32(hdr[offPacketSize:], l.PacketSize)
	binary.LittleEndian.PutUint32(hdr[offClientProgVer:], l.ClientProgVer)
	binary.LittleEndian.PutUint32(hdr[offClientPID:], l.ClientPID)
	binary.LittleEndian.PutUint32(hdr[offConnectionID:], l.ConnectionID)
	hdr[offOptionFlags1] = byte(l.OptionFlags1)
	hdr[offOptionFlags2] = byte(l.OptionFlags2)
	hdr[offTypeFlags] = byte(l.TypeFlags)
	hdr[offOptionFlags3] = byte(l.OptionFlags3)
	binary.LittleEndian.PutUint32(hdr[offClientTimeZone:], uint32(l.ClientTimeZone))
	binary.LittleEndian.PutUint32(hdr[offClientLCID:], l.ClientLCID)
	copy(hdr[offClientID:], l.ClientID[:])

	// Table order, except that an SSPI blob so large that the strings after
	// it could not be addressed by a USHORT offset goes last instead.
	order := [len(items)]int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}
	if after := len(l.AtchDBFile) + l.ChangePassword.n; after != 0 {
		start := fixed
		if ext {
			start += 4
		}
		for _, it := range items[:10] {
			start += len(it.data)
		}
		if start > 0xFFFF {
			order = [len(items)]int{0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 9}
		}
	}
	extAt := 0
	for _, i := range order {
		it := items[i]
		if it.at == offChangePassword && fixed == FixedLen71 {
			continue
		}
		isExt := it.at == offExtension && ext
		off := len(dst) - base
		if off > 0xFFFF {
			if len(it.data) != 0 || isExt {
				return dst[:base], tds.Errorf(layer, it.at, tds.ErrTooLarge, "%s would start at offset %d, beyond a USHORT", it.name, off)
			}
			off = 0 // an empty field's offset is ignored by receivers
		}
		n := len(it.data)
		if it.ucs2 {
			n /= 2
		}
		if it.at == offSSPI && n >= 0xFFFF && fixed == FixedLen {
			binary.LittleEndian.PutUint32(dst[base+offSSPILong:], uint32(n))
			n = 0xFFFF
		}
		binary.LittleEndian.PutUint16(dst[base+it.at:], uint16(off))
		binary.LittleEndian.PutUint16(dst[base+it.at+2:], uint16(n))
		if isExt {
			binary.LittleEndian.PutUint16(dst[base+it.at+2:], 4)
			extAt = len(dst)
			dst = append(dst, 0, 0, 0, 0) // ibFeatureExtLong, patched below
		}
		dst = append(dst, it.data...)
	}
	if len(l.FeatureExt) != 0 {
		binary.LittleEndian.PutUint32(dst[extAt:], uint32(len(dst)-base))
		dst = append(dst, l.FeatureExt...)
		dst = append(dst, byte(FeatureTerminator))
	}
	return dst, nil
}

// appendZeros extends dst by n zero bytes to be filled in place. Unlike
// append(dst, make([]byte, n)...) it does not allocate when dst has room,
// with or without the race detector's instrumentation.
func appendZeros(dst []byte, n int) []byte {
	dst = slices.Grow(dst, n)
	l := len(dst)
	dst = dst[:l+n]
	clear(dst[l:])
	return dst
}
