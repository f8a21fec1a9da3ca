package screen

import (
	"fmt"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// Fill pads or cuts lines to exactly height, so the layout below never jumps.
func Fill(lines []string, height int) string {
	if height <= 0 {
		return ""
	}
	for len(lines) < height {
		lines = append(lines, "")
	}
	return strings.Join(lines[:height], "\n")
}

// Truncate cuts styled text to w cells, ending in "…" when cut.
func Truncate(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if lipgloss.Width(s) <= w {
		return s
	}
	return ansi.Truncate(s, w, "…")
}

// Plural writes "1 node", "2 nodes".
func Plural(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// Count writes big numbers with thousands separators: 1,234,567.
func Count[T ~int | ~int64 | ~uint64](n T) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// Window is the first index to show so that cursor stays within body rows
// of n, moving the window from top only when it must.
func Window(top, cursor, body, n int) int {
	if body <= 0 {
		return 0
	}
	if cursor < top {
		top = cursor
	}
	if cursor >= top+body {
		top = cursor - body + 1
	}
	return max(0, min(top, n-body))
}
