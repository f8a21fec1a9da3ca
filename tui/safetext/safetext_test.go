package safetext

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

func TestLine(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "orders-v2.events_1", "orders-v2.events_1"},
		{"unicode kept", "zamówienia-日本", "zamówienia-日本"},
		{"csi clear screen", "a\x1b[2Jb", `a\x1b[2Jb`},
		{"osc title", "\x1b]0;pwned\x07", `\x1b]0;pwned\x07`},
		{"osc 52 clipboard", "\x1b]52;c;ZWNobyBoaQ==\x1b\\", `\x1b]52;c;ZWNobyBoaQ==\x1b\`},
		{"c1 csi", "a\u009b31mb", `a\u009b31mb`},
		{"newline tab cr", "a\nb\tc\rd", `a\nb\tc\rd`},
		{"nul and del", "a\x00b\x7f", `a\x00b\x7f`},
		{"bidi override", "abc\u202edcba", `abc\u202edcba`},
		{"zero width space", "a\u200bb", `a\u200bb`},
		{"invalid utf8", "a\xff\xfeb", `a\xff\xfeb`},
		{"line separator", "a\u2028b", `a\u2028b`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Line(tc.in); got != tc.want {
				t.Fatalf("Line(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestPlainASCIIDoesNotAllocate(t *testing.T) {
	s := "orders.events-v1"
	if n := testing.AllocsPerRun(100, func() { _ = Line(s) }); n != 0 {
		t.Fatalf("Line on plain ASCII allocated %v times", n)
	}
}

// FuzzLine holds the promise the package makes: whatever the input, the output
// is valid UTF-8 with no ESC, no C0 or C1 control and no invisible or
// reordering character, and its display width is what a terminal will draw.
func FuzzLine(f *testing.F) {
	for _, s := range []string{"", "plain", "\x1b[31mred", "\x1b]8;;http://x\x1b\\link", "\u202e\u2066", "\xc2\x9b", "日本\u200d語", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := Line(in)
		if !utf8.ValidString(out) {
			t.Fatalf("invalid UTF-8 out of %q: %q", in, out)
		}
		for _, r := range out {
			if r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) {
				t.Fatalf("control %U survived in %q (from %q)", r, out, in)
			}
			if unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp) {
				t.Fatalf("format character %U survived in %q", r, out)
			}
		}
		if strings.ContainsRune(out, 0x1b) {
			t.Fatalf("ESC survived in %q", out)
		}
		// Stripping escape sequences must change nothing: there are none.
		if ansi.Strip(out) != out {
			t.Fatalf("output still parses as escape sequences: %q", out)
		}
		// Escaping is stable: safe text passes through unchanged.
		if again := Line(out); again != out {
			t.Fatalf("Line is not idempotent: %q -> %q", out, again)
		}
	})
}

func TestAppendLineMatchesLine(t *testing.T) {
	for _, s := range []string{"", "plain", "a\x1b[2Jb\n", "日本\u202e\xff\u200d", "\U000F0000\U0010FFFF"} {
		if got := string(AppendLine([]byte(">"), s)); got != ">"+Line(s) {
			t.Errorf("AppendLine(%q) = %q, want %q", s, got, ">"+Line(s))
		}
		if got := string(AppendLine(nil, []byte(s))); got != Line(s) {
			t.Errorf("AppendLine([]byte %q) = %q, want %q", s, got, Line(s))
		}
	}
	if got := Line("\U000F0000"); got != `\uf0000` {
		t.Errorf("private use above the BMP: %q", got)
	}
}

func TestAppendLineDoesNotAllocate(t *testing.T) {
	dst := make([]byte, 0, 256)
	in := []byte("key-1 日本 \x1b[2J \u202e \xff")
	if n := testing.AllocsPerRun(100, func() { _ = AppendLine(dst[:0], in) }); n != 0 {
		t.Fatalf("AppendLine allocated %v times", n)
	}
}

func TestSafe(t *testing.T) {
	for _, tc := range []struct {
		r    rune
		want bool
	}{
		{'a', true}, {' ', true}, {'日', true}, {0x0301, true}, {0xfffd, true},
		{0x1b, false}, {'\n', false}, {0x7f, false}, {0x9b, false}, {0x202e, false},
		{0x200b, false}, {0x200d, false}, {0x2028, false}, {0xfeff, false}, {0xe000, false},
		{0x378, false}, // unassigned
	} {
		if got := Safe(tc.r); got != tc.want {
			t.Errorf("Safe(%U) = %v, want %v", tc.r, got, tc.want)
		}
	}
}
