package records

import (
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/topicat/topicat/tui/records/recordstest"
	"github.com/topicat/topicat/tui/safetext"
)

// FuzzRender: whatever the value, mode and width, every line is safe text and
// fits (hex lines aside, which ignore width, and widths too narrow for a wide
// character).
func FuzzRender(f *testing.F) {
	for _, s := range recordstest.Hostile() {
		if len(s.Data) < 1000 {
			f.Add(s.Data, uint8(0), uint8(20))
		}
	}
	f.Add([]byte(`{"a":[1,{"b":"\u202e"}]}`), uint8(1), uint8(9))
	f.Fuzz(func(t *testing.T, b []byte, mode, width uint8) {
		w := int(width%120) + 2
		lines, used := Render(b, Mode(mode%4), w)
		for _, l := range lines {
			if i, c := recordstest.FindUnsafe(l, ""); i >= 0 {
				t.Fatalf("unsafe %U in %q", c, l)
			}
			if safetext.Line(l) != l {
				t.Fatalf("not safe text: %q", l)
			}
			if lw := ansi.StringWidth(l); used != Hex && lw > w && lw > 2 {
				t.Fatalf("line %q is %d wide in %d", l, lw, w)
			}
		}
	})
}

// FuzzParseFormat: any format parses or fails cleanly, and when the format's
// own text is safe, its output for a hostile record is too (but for the tabs
// and line breaks its escapes ask for).
func FuzzParseFormat(f *testing.F) {
	for _, s := range []string{`%t %p %o %k %s\n`, `%%%`, `\`, `%h|%T|%K|%S|%i|%a`} {
		f.Add(s)
	}
	records := hostileRecords([]byte("\x1b[2J\u202e\u009b\xff"))
	f.Fuzz(func(t *testing.T, s string) {
		fm, err := ParseFormat(s)
		if err != nil {
			return
		}
		if i, _ := recordstest.FindUnsafe(s, ""); i >= 0 {
			return
		}
		for _, r := range records {
			out := string(fm.Append(nil, r, true))
			if i, c := recordstest.FindUnsafe(out, "\n\t\r"); i >= 0 {
				t.Fatalf("unsafe %U in %q from format %q", c, out, s)
			}
		}
	})
}
