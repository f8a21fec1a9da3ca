// Package table is the dashboard's table screen: one view of the snapshots
// (brokers, topics, channels, findings…) as a scrollable, filterable,
// sortable table. All the work over rows (build, filter, sort, width
// measurement) happens when data or keys arrive; View only lays out the
// visible window.
package table

import (
	"fmt"
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/themes"
	"github.com/topicat/topicat/tui/actions"
	"github.com/topicat/topicat/tui/safetext"
	"github.com/topicat/topicat/tui/screen"
	"github.com/topicat/topicat/tui/views"
)

// Screen shows one view as a table.
type Screen struct {
	host screen.Host
	view *views.View
	arg  string

	table   views.Table
	detail  any // the page's Fetch answer, for the keys that act on it
	err     error
	rows    []views.Row // filtered and sorted
	natural []int
	notes   bool // some row has a Note: room is kept for it under the table

	cursor, top int
	filter      string
	sortCol     int
	desc        bool

	line screen.Filter // the / input
	// showOptional shows the rows the view hides by default (internal topics).
	showOptional bool
	hidden       int // optional rows left out

	width, height int
}

var (
	_ screen.Screen   = (*Screen)(nil)
	_ screen.DataUser = (*Screen)(nil)
	_ screen.Typist   = (*Screen)(nil)
	_ screen.Prompter = (*Screen)(nil)
	_ screen.Informer = (*Screen)(nil)
)

// New makes a table screen for a view and its argument ("" for none); an
// argument to a view that takes none filters its rows.
func New(host screen.Host, v *views.View, arg string) *Screen {
	s := &Screen{host: host, view: v, arg: arg, sortCol: -1}
	s.line = screen.NewFilter("", func(f string) error { s.setFilter(f); return nil })
	if v.Arg == "" {
		s.arg, s.filter = "", arg
	}
	return s
}

// Def is the view the table shows.
func (s *Screen) Def() *views.View { return s.view }

// Arg is the view's argument.
func (s *Screen) Arg() string { return s.arg }

// Title is the breadcrumb label.
func (s *Screen) Title() string {
	if s.arg != "" {
		return s.view.Title + " of " + s.arg
	}
	return s.view.Title
}

func (s *Screen) Start() tea.Cmd { return nil }
func (s *Screen) Stop()          {}

// Typing reports whether the filter input has the keys.
func (s *Screen) Typing() bool { return s.line.Active() }

// Prompt is the filter being typed, for the footer.
func (s *Screen) Prompt() (string, bool) { return s.line.Prompt(s.host.Styles()) }

// Info is the row count, filter and sort, for the breadcrumb line.
func (s *Screen) Info() string {
	info := screen.Plural(len(s.rows), "row")
	if s.filter != "" {
		info = fmt.Sprintf("%d of %d rows  filter: %s", len(s.rows), len(s.table.Rows), safetext.Line(s.filter))
	}
	if s.sortCol >= 0 {
		info += "  sorted by " + s.table.Columns[s.sortCol].Title + map[bool]string{false: " ▲", true: " ▼"}[s.desc]
	}
	if s.hidden > 0 {
		info += fmt.Sprintf("  %s hidden: %d (i shows them)", s.view.Optional, s.hidden)
	}
	return info
}

// SetData rebuilds the table from new data, keeping the selected row.
func (s *Screen) SetData(d views.Data) {
	selected := s.selectedKey()
	s.table, _, s.err = s.view.Build(d, s.arg)
	s.detail = d.Detail
	s.natural = views.NaturalWidths(s.table)
	s.notes = slices.ContainsFunc(s.table.Rows, func(r views.Row) bool { return r.Note != "" })
	s.apply(selected)
}

// SetSize keeps the cursor in the window, so View only reads.
func (s *Screen) SetSize(w, h int) {
	s.width, s.height = w, h
	s.top = screen.Window(s.top, s.cursor, s.rowsIn(w, h), len(s.rows))
}

// Bindings are the table's keys; the sort letters come from the columns.
func (s *Screen) Bindings() []screen.Binding {
	body := max(s.rowsIn(s.width, s.height), 1)
	bs := []screen.Binding{
		{Keys: []string{"up", "k"}, Label: "↑/k", Help: "up", Run: s.moveBy(-1)},
		{Keys: []string{"down", "j"}, Label: "↓/j", Help: "down", Run: s.moveBy(1)},
		{Keys: []string{"pgup", "ctrl+u", "ctrl+b"}, Label: "ctrl+u", Help: "page up", Run: s.moveBy(-body)},
		{Keys: []string{"pgdown", "ctrl+d", "ctrl+f", "space"}, Label: "ctrl+d", Help: "page down", Run: s.moveBy(body)},
		{Keys: []string{"home", "g"}, Label: "g", Help: "first row", Run: func() tea.Cmd { s.cursor = 0; return nil }},
		{Keys: []string{"end", "G"}, Label: "G", Help: "last row", Run: s.moveBy(len(s.rows))},
		{Keys: []string{"/"}, Help: "filter rows", Footer: true, Run: func() tea.Cmd { return s.line.Open(s.filter) }},
	}
	if s.filter != "" {
		bs = append(bs, screen.Binding{Keys: []string{"esc"}, Help: "clear filter", Footer: true, Run: func() tea.Cmd { s.setFilter(""); return nil }})
	}
	if s.view.Optional != "" {
		help := "show " + s.view.Optional
		if s.showOptional {
			help = "hide " + s.view.Optional
		}
		bs = append(bs, screen.Binding{Keys: []string{"i"}, Help: help, Run: func() tea.Cmd {
			s.showOptional = !s.showOptional
			s.apply(s.selectedKey())
			return nil
		}})
	}
	if s.view.Detail != "" {
		bs = append(bs, screen.Binding{Keys: []string{"enter"}, Help: "open " + s.view.Detail, Footer: true, Disabled: s.noRow(), Run: s.open})
	}
	if s.view.Messages != nil {
		bs = append(bs,
			screen.Binding{Keys: []string{"t"}, Help: "tail messages", Footer: true, Disabled: s.noRow(), Run: s.tail},
			screen.Binding{Keys: []string{"P"}, Help: "produce a message", Footer: true, Mutating: true, Disabled: s.noRow(), Run: s.produce},
		)
	}
	bs = append(bs, actions.For(s.host, s.view, s.detail, s.arg, s.selectedKey())...)
	for i, c := range s.view.Columns {
		if c.Sort != 0 {
			bs = append(bs, screen.Binding{Keys: []string{string(c.Sort)}, Help: c.Title, Group: screen.GroupSort, Run: s.sortBy(i)})
		}
	}
	return bs
}

func (s *Screen) noRow() string {
	if len(s.rows) == 0 {
		return "no row is selected"
	}
	return ""
}

func (s *Screen) moveBy(n int) func() tea.Cmd {
	return func() tea.Cmd { s.move(n); return nil }
}

func (s *Screen) open() tea.Cmd {
	return s.host.OpenView(s.view.System, s.view.Detail, s.selectedKey())
}

func (s *Screen) target() (string, []int32) {
	return s.view.Messages(s.selectedKey(), s.arg)
}

func (s *Screen) tail() tea.Cmd {
	topic, parts := s.target()
	return s.host.OpenTail(s.view.System, topic, parts)
}

func (s *Screen) produce() tea.Cmd {
	topic, _ := s.target()
	return s.host.OpenProduce(s.view.System, topic)
}

// System is the system of the table's view ("" for both).
func (s *Screen) System() sources.System { return s.view.System }

func (s *Screen) sortBy(col int) func() tea.Cmd {
	return func() tea.Cmd {
		if s.sortCol == col {
			s.desc = !s.desc
		} else {
			s.sortCol, s.desc = col, false
		}
		s.apply(s.selectedKey())
		return nil
	}
}

// Update takes the filter's typing and the mouse wheel.
func (s *Screen) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.MouseWheelMsg:
		switch msg.Button {
		case tea.MouseWheelUp:
			s.move(-3)
		case tea.MouseWheelDown:
			s.move(3)
		}
	case tea.KeyPressMsg:
		if s.line.Active() {
			return s.line.Update(msg)
		}
		if t := msg.Text; len(t) == 1 && t[0] >= 'A' && t[0] <= 'Z' {
			s.host.Notify(fmt.Sprintf("no column sorts with %s here (? lists the letters)", t))
		}
	case tea.PasteMsg:
		if s.line.Active() {
			return s.line.Update(msg)
		}
	}
	return nil
}

// apply filters and sorts the rows and puts the cursor back on key if it is still there.
func (s *Screen) apply(key string) {
	lower := strings.ToLower(s.filter)
	sorted := s.table.Sorted(s.sortCol, s.desc)
	s.rows, s.hidden = s.rows[:0], 0
	for _, r := range sorted {
		switch {
		case r.Optional && !s.showOptional:
			s.hidden++
		case r.Matches(lower):
			s.rows = append(s.rows, r)
		}
	}
	if key != "" {
		for i, r := range s.rows {
			if r.Key == key {
				s.cursor = i
				break
			}
		}
	}
	s.clamp()
}

func (s *Screen) selectedKey() string {
	if s.cursor >= 0 && s.cursor < len(s.rows) {
		return s.rows[s.cursor].Key
	}
	return ""
}

// SetFilter filters the rows as / would.
func (s *Screen) SetFilter(f string) { s.setFilter(f) }

func (s *Screen) setFilter(f string) {
	key := s.selectedKey()
	s.filter = f
	s.apply(key)
}

func (s *Screen) move(delta int) {
	s.cursor += delta
	s.clamp()
}

func (s *Screen) clamp() {
	s.cursor = max(0, min(s.cursor, len(s.rows)-1))
}

// noteLines is the selected row's note wrapped to width w, in at most a third
// of the screen's height h (at least 3 lines); a note cut short ends with "…".
func (s *Screen) noteLines(w, h int) []string {
	if !s.notes || len(s.rows) == 0 || h < 6 {
		return nil
	}
	lines := strings.Split(ansi.Wrap(s.rows[s.cursor].Note, max(w-2, 1), " "), "\n")
	if limit := max(3, h/3); len(lines) > limit {
		lines = lines[:limit]
		lines[limit-1] = ansi.Truncate(lines[limit-1], max(w-3, 1), "") + "…"
	}
	return lines
}

// rowsIn is how many rows fit in a screen of w×h (its header row excluded).
func (s *Screen) rowsIn(w, h int) int {
	return h - 1 - len(s.noteLines(w, h))
}

// View draws the header row and the visible rows in exactly height lines.
func (s *Screen) View(width, height int) string {
	st := s.host.Styles()
	if height <= 0 {
		return ""
	}
	lines := make([]string, 0, height)
	if s.err != nil {
		lines = append(lines, st.Muted.Render(views.Cell(s.err.Error(), width, false)))
		return screen.Fill(lines, height)
	}
	const marker = 2 // "▸ " before the selected row
	natural := s.natural
	if s.sortCol >= 0 { // room for the sort arrow
		natural = slices.Clone(natural)
		natural[s.sortCol] = max(natural[s.sortCol], ansi.StringWidth(s.table.Columns[s.sortCol].Title)+1)
	}
	widths := views.Fit(s.table.Columns, natural, width-marker)
	titles := make([]string, len(s.table.Columns))
	for i, c := range s.table.Columns {
		t := c.Title
		if i == s.sortCol {
			t += map[bool]string{false: "▲", true: "▼"}[s.desc]
		}
		titles[i] = t
	}
	lines = append(lines, st.TableHeader.Render(views.Cell("  "+views.Line(titles, s.table.Columns, widths), width, false)))
	note := s.noteLines(width, height)
	body := height - 1 - len(note)
	if len(s.rows) == 0 {
		msg := "no rows"
		if s.filter != "" {
			msg = "no rows match the filter " + safetext.Line(s.filter)
		}
		lines = append(lines, st.Muted.Render("  "+msg))
		return screen.Fill(lines, height)
	}
	top := max(0, min(s.top, len(s.rows)-body))
	for i := top; i < len(s.rows) && i < top+body; i++ {
		r := s.rows[i]
		text := views.Line(r.Cells, s.table.Columns, widths)
		if i == s.cursor {
			lines = append(lines, st.Selected.Render(views.Cell("▸ "+text, width, false)))
			continue
		}
		lines = append(lines, StatusStyle(st, r.Status).Render(views.Cell("  "+text, width, false)))
	}
	if len(note) > 0 { // the selected row's note, at the bottom
		for len(lines) < 1+body {
			lines = append(lines, "")
		}
		for _, l := range note {
			lines = append(lines, st.Muted.Render("  "+l))
		}
	}
	return screen.Fill(lines, height)
}

// StatusStyle is the palette entry a row or a summary value of that status is drawn in.
func StatusStyle(st themes.Styles, s views.Status) interface{ Render(...string) string } {
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
