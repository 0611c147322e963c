package sqltype

import (
	"encoding/binary"
	"time"

	"github.com/tdswire/tdswire/tds"
)

// Day counts between the epochs of [MS-TDS] 2.2.5.5.1.8 and the Unix
// epoch: 0001-01-01 (date, datetime2) is 719162 days before 1970-01-01,
// 1900-01-01 (datetime, smalldatetime) 25567 days before it.
const (
	daysYear1To1970 = 719162
	days1900To1970  = 25567
	secondsPerDay   = 86400
	nanosPerSecond  = 1_000_000_000
)

// pow10 returns 10^n for n up to 18.
func pow10(n uint8) int64 {
	x := int64(1)
	for ; n > 0; n-- {
		x *= 10
	}
	return x
}

// le reads an unsigned little-endian integer of up to 8 bytes.
func le(b []byte) uint64 {
	var x uint64
	for i := len(b) - 1; i >= 0; i-- {
		x = x<<8 | uint64(b[i])
	}
	return x
}

func appendLE(dst []byte, x uint64, n int) []byte {
	for i := 0; i < n; i++ {
		dst = append(dst, byte(x>>(8*i)))
	}
	return dst
}

// unixTime builds a UTC time from Unix days and nanoseconds of the day.
func unixTime(unixDays, nanos int64) time.Time {
	return time.Unix(unixDays*secondsPerDay+nanos/nanosPerSecond, nanos%nanosPerSecond).UTC()
}

func isTimeType(t TypeID) bool {
	switch t {
	case TypeDateTime, TypeDateTime4, TypeDateTimeN, TypeDateN, TypeTimeN, TypeDateTime2N, TypeDateTimeOffsetN:
		return true
	}
	return false
}

// Time returns a date/time value as a time.Time in UTC, [MS-TDS]
// 2.2.5.5.1.8:
//   - datetime, smalldatetime (DATETIMETYPE, DATETIM4TYPE, DATETIMNTYPE):
//     days since 1900-01-01 and 1/300 s (rounded to the nearest
//     nanosecond) or minutes since midnight;
//   - date: midnight of that day;
//   - time(n): that time of day on 0001-01-01;
//   - datetime2(n): the date and time;
//   - datetimeoffset(n): the instant. The specification does not say in
//     which zone the datetime2 part is; SQL Server sends it in UTC, and
//     Time reads it so. ZoneOffset returns the offset that goes with it.
//
// It does not allocate.
func (v Value) Time() (time.Time, error) {
	if err := v.want("Time", isTimeType(v.typ)); err != nil {
		return time.Time{}, err
	}
	d := v.data
	switch v.typ {
	case TypeDateTime, TypeDateTime4, TypeDateTimeN:
		switch len(d) {
		case 4:
			days := int64(binary.LittleEndian.Uint16(d))
			mins := int64(binary.LittleEndian.Uint16(d[2:]))
			if mins >= 24*60 {
				return time.Time{}, errf(0, tds.ErrMalformed, "smalldatetime minutes %d exceed a day", mins)
			}
			return unixTime(days-days1900To1970, mins*60*nanosPerSecond), nil
		case 8:
			days := int64(int32(binary.LittleEndian.Uint32(d)))
			ticks := int64(binary.LittleEndian.Uint32(d[4:]))
			if ticks >= 300*secondsPerDay {
				return time.Time{}, errf(0, tds.ErrMalformed, "datetime 1/300 s count %d exceeds a day", ticks)
			}
			return unixTime(days-days1900To1970, (ticks*nanosPerSecond+150)/300), nil
		}
		return time.Time{}, errf(0, tds.ErrMalformed, "%v value of %d bytes", v.typ, len(d))
	case TypeDateN:
		if len(d) != 3 {
			return time.Time{}, errf(0, tds.ErrMalformed, "DATENTYPE value of %d bytes", len(d))
		}
		return unixTime(int64(le(d))-daysYear1To1970, 0), nil
	}
	days, nanos, _, err := v.dateTime2()
	if err != nil {
		return time.Time{}, err
	}
	return unixTime(days-daysYear1To1970, nanos), nil
}

// dateTime2 splits a time(n), datetime2(n) or datetimeoffset(n) value into
// days since 0001-01-01, nanoseconds since midnight and offset minutes.
func (v Value) dateTime2() (days, nanos int64, offset int, err error) {
	d := v.data
	tl := scaleLen(v.scale)
	if tl == 0 || len(d) != timeValueLen(v.typ, v.scale) {
		return 0, 0, 0, errf(0, tds.ErrMalformed, "%v value of %d bytes for scale %d", v.typ, len(d), v.scale)
	}
	ticks := le(d[:tl])
	if ticks >= uint64(secondsPerDay*pow10(v.scale)) {
		return 0, 0, 0, errf(0, tds.ErrMalformed, "%v time of day %d exceeds a day at scale %d", v.typ, ticks, v.scale)
	}
	nanos = int64(ticks) * pow10(9-v.scale)
	if v.typ == TypeTimeN {
		return 0, nanos, 0, nil
	}
	days = int64(le(d[tl : tl+3]))
	if v.typ == TypeDateTimeOffsetN {
		offset = int(int16(binary.LittleEndian.Uint16(d[tl+3:])))
		if offset < -840 || offset > 840 {
			return 0, 0, 0, errf(0, tds.ErrMalformed, "datetimeoffset offset %d minutes outside -840..840", offset)
		}
	}
	return days, nanos, offset, nil
}

// TimeOfDay returns the time part of a time(n), datetime2(n) or
// datetimeoffset(n) value as the duration since midnight, [MS-TDS]
// 2.2.5.5.1.8.
func (v Value) TimeOfDay() (time.Duration, error) {
	t := v.typ
	if err := v.want("TimeOfDay", t == TypeTimeN || t == TypeDateTime2N || t == TypeDateTimeOffsetN); err != nil {
		return 0, err
	}
	_, nanos, _, err := v.dateTime2()
	return time.Duration(nanos), err
}

// ZoneOffset returns the time zone offset of a datetimeoffset(n) value in
// minutes east of UTC, [MS-TDS] 2.2.5.5.1.8. Time and ZoneOffset together
// give the local time: t.In(time.FixedZone("", 60*offset)) (which
// allocates). (Offset, elsewhere in tdswire, is a byte position.)
func (v Value) ZoneOffset() (minutes int, err error) {
	if err := v.want("ZoneOffset", v.typ == TypeDateTimeOffsetN); err != nil {
		return 0, err
	}
	_, _, off, err := v.dateTime2()
	return off, err
}

// civil returns the days since 1970-01-01 and nanoseconds since midnight
// of the wall clock of t in its own location.
func civil(t time.Time) (unixDays, nanos int64) {
	y, m, d := t.Date()
	unixDays = time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / secondsPerDay
	h, mi, s := t.Clock()
	return unixDays, (int64(h)*3600+int64(mi)*60+int64(s))*nanosPerSecond + int64(t.Nanosecond())
}

// AppendTime appends a date/time value of this type, [MS-TDS]
// 2.2.5.5.1.8, from the wall clock of t in its location (for
// datetimeoffset: the UTC instant and t's offset, which must be whole
// minutes within ±14 hours):
//   - datetime: 1753-01-01 to 9999-12-31, rounded to the nearest 1/300 s;
//   - smalldatetime: 1900-01-01 00:00 to 2079-06-06 23:59 (day 65535,
//     minute 1439, the largest the two USHORTs hold), rounded to the
//     minute (30 seconds round up, so 2079-06-06 23:59:30 is out of range);
//   - date: 0001-01-01 to 9999-12-31, the time of day dropped;
//   - time(n), datetime2(n), datetimeoffset(n): fractions below 10^-n s are
//     dropped (truncated).
func (ti *TypeInfo) AppendTime(dst []byte, t time.Time) ([]byte, error) {
	typ := ti.Type
	size := 0
	switch typ {
	case TypeDateTime, TypeDateTime4:
		size = fixedSize(typ)
	case TypeDateTimeN:
		size = int(ti.MaxLen)
	case TypeDateN, TypeTimeN, TypeDateTime2N, TypeDateTimeOffsetN:
		if ti.Scale > 7 {
			return dst, errf(0, tds.ErrMalformed, "%v scale %d above 7", typ, ti.Scale)
		}
	default:
		return dst, typeErr(typ, "a time")
	}
	offset := 0
	if typ == TypeDateTimeOffsetN {
		_, zs := t.Zone()
		if zs%60 != 0 || zs < -840*60 || zs > 840*60 {
			return dst, errf(0, tds.ErrTooLarge, "zone offset %d s is not whole minutes within ±840", zs)
		}
		offset = zs / 60
		t = t.UTC()
	}
	udays, nanos := civil(t)
	days := udays + daysYear1To1970 // since 0001-01-01
	var buf [10]byte
	var data []byte
	switch size {
	case 8:
		ticks := (nanos*300 + nanosPerSecond/2) / nanosPerSecond
		d := udays + days1900To1970
		if ticks == 300*secondsPerDay {
			ticks, d = 0, d+1
		}
		if d < -53690 || d > 2958463 { // 1753-01-01 .. 9999-12-31
			return dst, errf(0, tds.ErrTooLarge, "%v out of the datetime range 1753..9999", t)
		}
		binary.LittleEndian.PutUint32(buf[:], uint32(int32(d)))
		binary.LittleEndian.PutUint32(buf[4:], uint32(ticks))
		data = buf[:8]
	case 4:
		mins := (nanos + 30*nanosPerSecond) / (60 * nanosPerSecond)
		d := udays + days1900To1970
		if mins == 24*60 {
			mins, d = 0, d+1
		}
		if d < 0 || d > 65535 { // 2079-06-06 23:59 at most (day 65535, minute 1439)
			return dst, errf(0, tds.ErrTooLarge, "%v out of the smalldatetime range", t)
		}
		binary.LittleEndian.PutUint16(buf[:], uint16(d))
		binary.LittleEndian.PutUint16(buf[2:], uint16(mins))
		data = buf[:4]
	case 0:
		if days < 0 || days > 3652058 { // 9999-12-31
			return dst, errf(0, tds.ErrTooLarge, "%v out of the date range 0001..9999", t)
		}
		data = buf[:0]
		if typ != TypeDateN {
			data = appendLE(data, uint64(nanos/pow10(9-ti.Scale)), scaleLen(ti.Scale))
		}
		if typ != TypeTimeN {
			data = appendLE(data, uint64(days), 3)
		}
		if typ == TypeDateTimeOffsetN {
			data = binary.LittleEndian.AppendUint16(data, uint16(int16(offset)))
		}
	default:
		return dst, errf(0, tds.ErrMalformed, "DATETIMNTYPE of length %d", size)
	}
	return ti.appendData(dst, data)
}
