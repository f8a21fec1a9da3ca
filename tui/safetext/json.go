package safetext

import (
	"unicode/utf16"
	"unicode/utf8"
)

// AppendJSONString appends s as a JSON string literal that is also safe on a
// terminal: besides what JSON requires (quote, backslash, C0), DEL and every
// rune that is not Safe is written as \uXXXX (a surrogate pair above U+FFFF),
// so JSON printed to a terminal cannot carry a control sequence. Bytes that are
// not UTF-8 become \ufffd, as encoding/json does; callers that must keep them
// check utf8.Valid first and write base64.
func AppendJSONString[T string | []byte](dst []byte, s T) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7f && c != '"' && c != '\\' {
			j := i + 1
			for j < len(s) && s[j] >= 0x20 && s[j] < 0x7f && s[j] != '"' && s[j] != '\\' {
				j++
			}
			dst = append(dst, s[i:j]...)
			i = j
			continue
		}
		if c < utf8.RuneSelf {
			switch c {
			case '"':
				dst = append(dst, `\"`...)
			case '\\':
				dst = append(dst, `\\`...)
			case '\n':
				dst = append(dst, `\n`...)
			case '\r':
				dst = append(dst, `\r`...)
			case '\t':
				dst = append(dst, `\t`...)
			default:
				dst = appendJSONEscape(dst, rune(c))
			}
			i++
			continue
		}
		r, size := DecodeRune(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, `\ufffd`...)
		case Safe(r):
			dst = append(dst, s[i:i+size]...)
		default:
			dst = appendJSONEscape(dst, r)
		}
		i += size
	}
	return append(dst, '"')
}

// EscapeJSON rewrites JSON text (the output of encoding/json) so that no rune
// inside a string literal can act on a terminal: every rune that is not Safe
// becomes \uXXXX, and bytes that are not UTF-8 become U+FFFD, which is what a
// JSON decoder reads them as. The value the text decodes to is unchanged.
// encoding/json already escapes C0 and U+2028/U+2029 but writes C1 controls
// (U+009B, a one-byte CSI) and bidi overrides raw. Bytes outside string
// literals are copied as they are. It returns b itself when nothing changes.
func EscapeJSON(b []byte) []byte {
	var out []byte
	last := 0 // b[last:i] is still to be copied to out
	inString := false
	for i := 0; i < len(b); {
		c := b[i]
		if !inString {
			inString = c == '"'
			i++
			continue
		}
		switch {
		case c == '\\':
			i += 2 // the escaped byte; \uXXXX digits that follow are plain ASCII
			continue
		case c == '"':
			inString = false
			i++
			continue
		case c >= 0x20 && c < 0x7f:
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		invalid := r == utf8.RuneError && size == 1
		if !invalid && Safe(r) {
			i += size
			continue
		}
		if out == nil {
			out = make([]byte, 0, len(b)+16)
		}
		out = append(out, b[last:i]...)
		if invalid {
			out = utf8.AppendRune(out, utf8.RuneError)
		} else {
			out = appendJSONEscape(out, r)
		}
		i += size
		last = i
	}
	if out == nil {
		return b
	}
	return append(out, b[last:]...)
}

// appendJSONEscape writes r as \uXXXX, or as a UTF-16 surrogate pair.
func appendJSONEscape(dst []byte, r rune) []byte {
	if r > 0xffff {
		hi, lo := utf16.EncodeRune(r)
		dst = appendHex(append(dst, `\u`...), uint32(hi), 4)
		return appendHex(append(dst, `\u`...), uint32(lo), 4)
	}
	return appendHex(append(dst, `\u`...), uint32(r), 4)
}
