package views

import (
	"io"
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// Gap is the space between columns.
const Gap = 2

// Width is the display width of a safe cell: its length when it is ASCII
// (safe text has no control characters, so each byte is one cell), else
// what grapheme segmentation says, which costs far more.
func Width(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return ansi.StringWidth(s)
		}
	}
	return len(s)
}

// NaturalWidths is the width each column wants: its widest cell or title,
// within the column's Min and Max. It walks every row, so callers compute it
// when the data changes, not on every frame.
func NaturalWidths(t Table) []int {
	w := make([]int, len(t.Columns))
	for i, c := range t.Columns {
		w[i] = max(c.Min, ansi.StringWidth(c.Title))
	}
	for _, r := range t.Rows {
		for i, cell := range r.Cells {
			w[i] = max(w[i], Width(cell))
		}
	}
	for i, c := range t.Columns {
		if c.Max > 0 {
			w[i] = min(w[i], max(c.Max, ansi.StringWidth(c.Title)))
		}
	}
	return w
}

// Fit lays columns out in a total width: flex columns grow to fill it; when it
// is too narrow, the widest columns shrink first, down to their minimum, and
// columns that still do not fit get width 0.
// A total of 0 or less means no limit.
func Fit(cols []Column, natural []int, total int) []int {
	w := append([]int(nil), natural...)
	if total <= 0 || len(w) == 0 {
		return w
	}
	used := func() int {
		s, n := 0, 0
		for _, x := range w {
			if x > 0 {
				s += x
				n++
			}
		}
		return s + Gap*max(n-1, 0)
	}
	if extra := total - used(); extra > 0 {
		flex := 0
		for _, c := range cols {
			if c.Flex {
				flex++
			}
		}
		for i, c := range cols {
			if c.Flex && flex > 0 {
				share := extra / flex
				w[i] += share
				extra -= share
				flex--
			}
		}
		return w
	}
	// Take from the widest column, one cell at a time, so a long prose column
	// gives way before a short name is cut; key columns last.
	shrink := func(keys bool) {
		for over := used() - total; over > 0; over-- {
			widest := -1
			for i := range w {
				if cols[i].Key == keys && w[i] > cols[i].Min && (widest < 0 || w[i] > w[widest]) {
					widest = i
				}
			}
			if widest < 0 {
				return
			}
			w[widest]--
		}
	}
	shrink(false)
	// Then drop columns from the right, sparing the keys for now.
	for i := len(w) - 1; i > 0 && used() > total; i-- {
		if !cols[i].Key {
			w[i] = 0
		}
	}
	shrink(true)
	for i := len(w) - 1; i > 0 && used() > total; i-- {
		w[i] = 0
	}
	if used() > total {
		w[0] = total
	}
	return w
}

// Cell pads or truncates a safe cell to exactly width display cells.
func Cell(s string, width int, right bool) string {
	if width <= 0 {
		return ""
	}
	sw := Width(s)
	if sw > width {
		s = ansi.Truncate(s, width, "…")
		sw = ansi.StringWidth(s)
	}
	pad := strings.Repeat(" ", width-sw)
	if right {
		return pad + s
	}
	return s + pad
}

// Line joins one row's cells laid out in widths.
func Line(cells []string, cols []Column, widths []int) string {
	var b strings.Builder
	first := true
	for i, cell := range cells {
		if widths[i] <= 0 {
			continue
		}
		if !first {
			b.WriteString(strings.Repeat(" ", Gap))
		}
		first = false
		b.WriteString(Cell(cell, widths[i], cols[i].Right))
	}
	return b.String()
}

// WriteTable prints a table as plain aligned text, the form of `topicat get`.
func WriteTable(w io.Writer, t Table, rows []Row) error {
	widths := NaturalWidths(Table{Columns: t.Columns, Rows: rows})
	titles := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		titles[i] = c.Title
	}
	var b strings.Builder
	b.WriteString(strings.TrimRight(Line(titles, t.Columns, widths), " "))
	b.WriteByte('\n')
	for _, r := range rows {
		b.WriteString(strings.TrimRight(Line(r.Cells, t.Columns, widths), " "))
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}
