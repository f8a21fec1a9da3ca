// Package safetext turns untrusted bytes from a cluster (topic, group, client
// and host names; message keys, values and headers) into text that is safe to
// put on a terminal: no escape sequence, no control character, no bidi
// override and no invisible character survives; each becomes a visible escape
// such as \x1b.
package safetext

import (
	"unicode"
	"unicode/utf8"
)

// Line returns s as one line of safe, visible text. Newlines and tabs are
// escaped too, so a value can never break a table row.
func Line(s string) string {
	if plainASCII(s) {
		return s
	}
	return string(AppendLine(make([]byte, 0, len(s)+8), s))
}

// AppendLine appends Line(s) to dst, for callers that build output in a byte
// buffer and should not allocate a string per field.
func AppendLine[T string | []byte](dst []byte, s T) []byte {
	for i := 0; i < len(s); {
		if c := s[i]; c >= 0x20 && c < 0x7f {
			j := i + 1
			for j < len(s) && s[j] >= 0x20 && s[j] < 0x7f {
				j++
			}
			dst = append(dst, s[i:j]...)
			i = j
			continue
		}
		r, size := DecodeRune(s[i:])
		if r == utf8.RuneError && size <= 1 {
			dst = appendHexByte(dst, s[i])
			i++
			continue
		}
		switch {
		case r == '\n':
			dst = append(dst, `\n`...)
		case r == '\r':
			dst = append(dst, `\r`...)
		case r == '\t':
			dst = append(dst, `\t`...)
		case r < 0x20 || r == 0x7f:
			dst = appendHexByte(dst, byte(r))
		case unsafeRune(r):
			dst = append(dst, `\u`...)
			dst = appendHex(dst, uint32(r), 4)
		default:
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return dst
}

// Safe reports whether r may reach a terminal as it is: false for C0 and C1
// controls, DEL, and every rune Line escapes as \uXXXX.
func Safe(r rune) bool {
	if r < utf8.RuneSelf {
		return r >= 0x20 && r != 0x7f
	}
	return !unsafeRune(r)
}

func plainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// DecodeRune is utf8.DecodeRune for either a string or a byte slice.
func DecodeRune[T string | []byte](s T) (rune, int) {
	if s[0] < utf8.RuneSelf {
		return rune(s[0]), 1
	}
	switch v := any(s).(type) {
	case string:
		return utf8.DecodeRuneInString(v)
	case []byte:
		return utf8.DecodeRune(v)
	}
	panic("unreachable")
}

func appendHexByte(dst []byte, c byte) []byte {
	return appendHex(append(dst, `\x`...), uint32(c), 2)
}

// appendHex writes v in lower-case hex, at least digits long.
func appendHex(dst []byte, v uint32, digits int) []byte {
	const hex = "0123456789abcdef"
	n := digits
	for x := v >> (4 * digits); x > 0; x >>= 4 {
		n++
	}
	for i := n - 1; i >= 0; i-- {
		dst = append(dst, hex[(v>>(4*i))&0xf])
	}
	return dst
}

// unsafeRune reports runes that move, hide or reorder text: C1 controls,
// format characters (bidi overrides and isolates, zero-width spaces and
// joiners, BOM), line and paragraph separators, and unassigned or surrogate
// code points a terminal might draw at an unknown width.
func unsafeRune(r rune) bool {
	if r >= 0x80 && r <= 0x9f {
		return true
	}
	return unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp, unicode.Cs, unicode.Co) ||
		!unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S, unicode.Zs)
}
