package tail

import (
	"github.com/charmbracelet/x/ansi"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/tui/views"
)

// fit lays the columns out for the rows on screen: each as wide as its widest
// visible cell within its rule; NSQ messages have no key or headers, so those
// columns give their room to the value.
func fit(sys sources.System, cols []views.Column, rows [][]string, width int) []int {
	natural := make([]int, len(cols))
	for i, c := range cols {
		natural[i] = max(c.Min, ansi.StringWidth(c.Title))
	}
	for _, r := range rows {
		for i, c := range r {
			natural[i] = max(natural[i], ansi.StringWidth(c))
		}
	}
	for i, c := range cols {
		switch {
		case c.Flex:
			natural[i] = c.Min
		case c.Max > 0:
			natural[i] = min(natural[i], max(c.Max, ansi.StringWidth(c.Title)))
		}
	}
	if sys == sources.NSQ {
		natural[2], natural[3] = 0, 0
	}
	return views.Fit(cols, natural, width)
}
