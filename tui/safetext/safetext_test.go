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
