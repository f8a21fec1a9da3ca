package records

import (
	"strconv"
	"time"
	"unicode/utf8"
)

// cutPoint is where to cut b to at most n bytes (n <= 0: not at all) without
// splitting a valid UTF-8 character: a cut through one moves back to its
// start, so a preview never shows the halves of a rune as \x escapes.
// Bytes that are not UTF-8 anyway are cut where they fall.
func cutPoint(b []byte, n int) int {
	if n <= 0 || n >= len(b) {
		return len(b)
	}
	for s := n; s >= 0 && n-s < utf8.UTFMax; s-- {
		if !utf8.RuneStart(b[s]) {
			continue
		}
		if s == n {
			return n
		}
		if r, size := utf8.DecodeRune(b[s:]); (r != utf8.RuneError || size > 1) && s+size > n {
			return s
		}
		return n
	}
	return n
}

// HumanBytes is a size in at most five characters: 120B, 1.2K, 34K, 3.4M,
// 512M, 1.5G (powers of 1024), as the tail's SIZE column shows it.
func HumanBytes(n int64) string { return string(appendHumanBytes(nil, n)) }

func appendHumanBytes(dst []byte, n int64) []byte {
	if n < 1024 {
		return append(strconv.AppendInt(dst, n, 10), 'B')
	}
	v := float64(n)
	for _, unit := range []byte("KMGTPE") {
		v /= 1024
		if v < 9.95 {
			return append(strconv.AppendFloat(dst, v, 'f', 1, 64), unit)
		}
		if v < 1023.5 || unit == 'E' {
			return append(strconv.AppendFloat(dst, v, 'f', 0, 64), unit)
		}
	}
	return dst
}

// appendShortTime writes 15:04:05.000 for a time on now's day, in now's zone,
// and 01-02 15:04:05 for another day; nothing for the zero time.
func appendShortTime(dst []byte, t, now time.Time) []byte {
	if t.IsZero() {
		return dst
	}
	t = t.In(now.Location())
	y1, m1, d1 := t.Date()
	y2, m2, d2 := now.Date()
	if y1 == y2 && m1 == m2 && d1 == d2 {
		return t.AppendFormat(dst, "15:04:05.000")
	}
	return t.AppendFormat(dst, "01-02 15:04:05")
}

// appendRFC3339Milli writes t in UTC as 2006-01-02T15:04:05.000Z, by hand as
// it is on the path of every JSON record.
func appendRFC3339Milli(dst []byte, t time.Time) []byte {
	t = t.UTC()
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		return t.AppendFormat(dst, "2006-01-02T15:04:05.000Z07:00")
	}
	hour, minute, sec := t.Clock()
	dst = appendDigits(dst, year, 4)
	dst = append(dst, '-')
	dst = appendDigits(dst, int(month), 2)
	dst = append(dst, '-')
	dst = appendDigits(dst, day, 2)
	dst = append(dst, 'T')
	dst = appendDigits(dst, hour, 2)
	dst = append(dst, ':')
	dst = appendDigits(dst, minute, 2)
	dst = append(dst, ':')
	dst = appendDigits(dst, sec, 2)
	dst = append(dst, '.')
	dst = appendDigits(dst, t.Nanosecond()/1e6, 3)
	return append(dst, 'Z')
}

// appendDigits writes a non-negative v zero-padded to width digits.
func appendDigits(dst []byte, v, width int) []byte {
	var buf [8]byte
	i := len(buf)
	for ; width > 0 || v > 0; width-- {
		i--
		buf[i] = byte('0' + v%10)
		v /= 10
	}
	return append(dst, buf[i:]...)
}

// unixMilli is the timestamp in ms, -1 without one (as kcat prints).
func unixMilli(t time.Time) int64 {
	if t.IsZero() {
		return -1
	}
	return t.UnixMilli()
}

// validUTF8 is utf8.Valid for a string or a byte slice.
func validUTF8[T string | []byte](b T) bool {
	switch v := any(b).(type) {
	case string:
		return utf8.ValidString(v)
	case []byte:
		return utf8.Valid(v)
	}
	panic("unreachable")
}
