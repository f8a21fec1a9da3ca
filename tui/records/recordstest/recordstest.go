// Package recordstest holds hostile message bytes, for tests of every path
// that puts a message on a terminal (records' own, the tail screen's, the
// binary's end to end), and a check that output is terminal-safe.
package recordstest

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Sample is one hostile payload.
type Sample struct {
	Name string
	Data []byte
}

// Hostile returns payloads written to take over a terminal or to break a
// layout. Each call returns fresh slices.
func Hostile() []Sample {
	return []Sample{
		{"csi clear and home", []byte("before\x1b[2J\x1b[Hafter")},
		{"csi cursor moves", []byte("\x1b[10A\x1b[5C\x1b[1;1Hx\x1b[K")},
		{"sgr colours", []byte("\x1b[31;1mred\x1b[0m")},
		{"osc 52 clipboard write", []byte("\x1b]52;c;aGVsbG8=\x07")},
		{"osc 52 with st", []byte("\x1b]52;c;aGVsbG8=\x1b\\")},
		{"osc 0 title", []byte("\x1b]0;pwned\x07title")},
		{"osc 8 hyperlink", []byte("\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\")},
		{"dcs", []byte("\x1bP1$r0m\x1b\\")},
		{"c1 csi", []byte("a\u009b2Jb\u009d0;t\u009c")},
		{"raw 8-bit c1 bytes", []byte("a\x9b2Jb")},
		{"bidi override", []byte("user\u202etxt.exe\u202c")},
		{"bidi isolates", []byte("\u2066a\u2067b\u2068c\u2069")},
		{"nul", []byte("a\x00b\x00")},
		{"bell backspace del", []byte("a\x07\x08\x7fb")},
		{"newlines and tabs", []byte("line1\nline2\r\n\tindented\rover")},
		{"invalid utf8", []byte("ok\xff\xfe\xc3(\xe2\x82mid\xf0\x9f\x98")},
		{"long line", []byte(strings.Repeat("0123456789", 10_000))},
		{"cjk wide", []byte("日本語のテキスト、中文字符，한국어 텍스트")},
		{"zero width", []byte("a\u200bb\u200cc\u200dd\ufeffe\u2060f")},
		{"combining marks", []byte("e\u0301a\u0308\u0327o\u0302\u0303\u0304")},
		{"emoji zwj sequence", []byte("family 👨\u200d👩\u200d👧\u200d👦 flag 🏳\ufe0f\u200d🌈 skin 👍🏽")},
		{"regional indicators", []byte("🇯🇵🇫🇷🇺")},
		{"line and paragraph separators", []byte("a\u2028b\u2029c\u0085d")},
		{"private use and unassigned", []byte("\ue000\U000F0000\u0378\U000E0001")},
		{"lone combining after escape", []byte("\x00\u0301\x1b\ufe0f")},
		{"json with escapes", []byte(`{"k":"\u001b[2J","\u202e":"\u009b"}`)},
		{"json with raw hostile strings", []byte("{\"k\u202e\":\"v\u009b\u200d\",\"n\":[1,2]}")},
		{"binary", []byte{0x0a, 0x05, 'h', 'e', 'l', 'l', 'o', 0x10, 0x96, 0x01, 0x1a, 0x00, 0xff}},
	}
}

// FindUnsafe returns the byte offset and rune of the first thing in s that
// must not reach a terminal: ESC and every other C0 control except those in
// allow (such as "\n"), DEL, C1 controls, format characters (bidi, zero
// width), line and paragraph separators, surrogates, private use and
// unassigned code points, and bytes that are not UTF-8 (as utf8.RuneError).
// It returns -1 when s is safe.
func FindUnsafe(s, allow string) (int, rune) {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		bad := false
		switch {
		case r == utf8.RuneError && size == 1:
			bad = true
		case r < 0x20 || r == 0x7f:
			bad = !strings.ContainsRune(allow, r)
		case r >= 0x80 && r <= 0x9f:
			bad = true
		case unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp, unicode.Cs, unicode.Co):
			bad = true
		case r >= 0x80 && !unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S, unicode.Zs):
			bad = true
		}
		if bad {
			return i, r
		}
		i += size
	}
	return -1, 0
}
