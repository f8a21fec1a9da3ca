package tui

import (
	"slices"
	"strings"

	"github.com/charmbracelet/x/ansi"
	"unicode"

	"github.com/topicat/topicat/themes"
	"github.com/topicat/topicat/tui/views"
)

// pane shows one view as a scrollable, filterable, sortable table. All the work
// over rows (build, filter, sort, width measurement) happens in setData and the
// key handlers; render only lays out the visible window.
type pane struct {
	view *views.View
	arg  string

	table   views.Table
	err     error
	rows    []views.Row // filtered and sorted
	natural []int
	dirty   bool
	notes   bool // some row has a Note: room is kept for it under the table

	cursor, top int
	filter      string
	sortCol     int
	desc        bool
	sortKeys    []rune // the shift+letter that sorts each column
}

// reservedSortKeys are capitals kept free for actions to come (P: produce).
const reservedSortKeys = "P"

// newPane makes a pane for a view; capitals in taken are not used for sorting.
func newPane(v *views.View, arg, taken string) *pane {
	p := &pane{view: v, arg: arg, sortCol: -1, dirty: true}
	used := map[rune]bool{}
	for _, r := range reservedSortKeys + taken {
		used[r] = true
	}
	p.sortKeys = make([]rune, len(v.Columns))
	for i, c := range v.Columns {
		for _, r := range strings.ToUpper(c.Title) {
			if unicode.IsLetter(r) && r < unicode.MaxASCII && !used[r] {
				used[r] = true
				p.sortKeys[i] = r
				break
			}
		}
	}
	return p
}

// title is the breadcrumb label of the pane.
func (p *pane) title() string {
	if p.arg != "" {
		return p.view.Title + " of " + p.arg
	}
	return p.view.Title
}

// setData rebuilds the table from new data, keeping the selected row.
func (p *pane) setData(d views.Data) {
	selected := p.selectedKey()
	p.table, _, p.err = p.view.Build(d, p.arg)
	p.natural = views.NaturalWidths(p.table)
	p.notes = slices.ContainsFunc(p.table.Rows, func(r views.Row) bool { return r.Note != "" })
	p.dirty = false
	p.apply(selected)
}

// apply filters and sorts the rows and puts the cursor back on key if it is still there.
func (p *pane) apply(key string) {
	lower := strings.ToLower(p.filter)
	sorted := p.table.Sorted(p.sortCol, p.desc)
	p.rows = p.rows[:0]
	for _, r := range sorted {
		if r.Matches(lower) {
			p.rows = append(p.rows, r)
		}
	}
	if key != "" {
		for i, r := range p.rows {
			if r.Key == key {
				p.cursor = i
				break
			}
		}
	}
	p.clamp()
}

func (p *pane) selectedKey() string {
	if p.cursor >= 0 && p.cursor < len(p.rows) {
		return p.rows[p.cursor].Key
	}
	return ""
}

func (p *pane) setFilter(f string) {
	key := p.selectedKey()
	p.filter = f
	p.apply(key)
}

// sortBy sorts by the column whose key is r; the same key again reverses.
func (p *pane) sortBy(r rune) bool {
	for i, k := range p.sortKeys {
		if k == r {
			if p.sortCol == i {
				p.desc = !p.desc
			} else {
				p.sortCol, p.desc = i, false
			}
			p.apply(p.selectedKey())
			return true
		}
	}
	return false
}

func (p *pane) move(delta int) {
	p.cursor += delta
	p.clamp()
}

// noteLines is the selected row's note wrapped to width w, in at most a third
// of the pane's height h (at least 3 lines); a note cut short ends with "…".
func (p *pane) noteLines(w, h int) []string {
	if !p.notes || len(p.rows) == 0 || h < 6 {
		return nil
	}
	lines := strings.Split(ansi.Wrap(p.rows[p.cursor].Note, max(w-2, 1), " "), "\n")
	if limit := max(3, h/3); len(lines) > limit {
		lines = lines[:limit]
		lines[limit-1] = ansi.Truncate(lines[limit-1], max(w-3, 1), "") + "…"
	}
	return lines
}

// rowsIn is how many rows fit in a pane of w×h (its header row included).
func (p *pane) rowsIn(w, h int) int {
	return h - 1 - len(p.noteLines(w, h))
}

// follow moves the window of body rows so the cursor stays in it; the window
// only moves when it must.
func (p *pane) follow(body int) {
	if body <= 0 {
		return
	}
	if p.cursor < p.top {
		p.top = p.cursor
	}
	if p.cursor >= p.top+body {
		p.top = p.cursor - body + 1
	}
	p.top = max(0, min(p.top, len(p.rows)-body))
}

func (p *pane) clamp() {
	p.cursor = max(0, min(p.cursor, len(p.rows)-1))
}

// render draws the header row and the visible rows in exactly height lines.
func (p *pane) render(st themes.Styles, width, height int) string {
	if height <= 0 {
		return ""
	}
	lines := make([]string, 0, height)
	if p.err != nil {
		lines = append(lines, st.Muted.Render(views.Cell(p.err.Error(), width, false)))
		return fill(lines, height)
	}
	const marker = 2 // "▸ " before the selected row
	natural := p.natural
	if p.sortCol >= 0 { // room for the sort arrow
		natural = append([]int(nil), natural...)
		natural[p.sortCol] = max(natural[p.sortCol], ansi.StringWidth(p.table.Columns[p.sortCol].Title)+1)
	}
	widths := views.Fit(p.table.Columns, natural, width-marker)
	titles := make([]string, len(p.table.Columns))
	for i, c := range p.table.Columns {
		t := c.Title
		if i == p.sortCol {
			t += map[bool]string{false: "▲", true: "▼"}[p.desc]
		}
		titles[i] = t
	}
	lines = append(lines, st.TableHeader.Render(views.Cell("  "+views.Line(titles, p.table.Columns, widths), width, false)))
	note := p.noteLines(width, height)
	body := height - 1 - len(note)
	if len(p.rows) == 0 {
		msg := "no rows"
		if p.filter != "" {
			msg = "no rows match the filter " + p.filter
		}
		lines = append(lines, st.Muted.Render("  "+msg))
		return fill(lines, height)
	}
	top := max(0, min(p.top, len(p.rows)-body))
	for i := top; i < len(p.rows) && i < top+body; i++ {
		r := p.rows[i]
		text := views.Line(r.Cells, p.table.Columns, widths)
		if i == p.cursor {
			lines = append(lines, st.Selected.Render(views.Cell("▸ "+text, width, false)))
			continue
		}
		lines = append(lines, rowStyle(st, r.Status).Render(views.Cell("  "+text, width, false)))
	}
	if len(note) > 0 { // the selected row's note, at the bottom
		lines = fillLines(lines, 1+body)
		for _, l := range note {
			lines = append(lines, st.Muted.Render("  "+l))
		}
	}
	return fill(lines, height)
}

func rowStyle(st themes.Styles, s views.Status) interface{ Render(...string) string } {
	switch s {
	case views.Bad:
		return st.Bad
	case views.Warn:
		return st.Warn
	case views.Good:
		return st.Good
	case views.Muted:
		return st.Muted
	}
	return st.Text
}

// fillLines pads lines to n.
func fillLines(lines []string, n int) []string {
	for len(lines) < n {
		lines = append(lines, "")
	}
	return lines
}

// fill pads or cuts lines to height so the layout below never jumps.
func fill(lines []string, height int) string {
	if height <= 0 {
		return ""
	}
	for len(lines) < height {
		lines = append(lines, "")
	}
	return strings.Join(lines[:height], "\n")
}
