package tui

import (
	"cmp"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/sources/health"
	"github.com/topicat/topicat/tui/safetext"
	"github.com/topicat/topicat/tui/views"
)

// maxErrorLines bounds the endpoint errors the status area shows, so a cluster
// in trouble never floods the screen.
const maxErrorLines = 3

// Smallest terminal the dashboard lays out in; below it, it says so.
const minWidth, minHeight = 30, 8

// View draws the whole screen. It only lays out what Update prepared.
func (m *Model) View() tea.View {
	if m.width < minWidth || m.height < minHeight {
		msg := fmt.Sprintf("topicat: the terminal is %d×%d; it needs at least %d×%d", m.width, m.height, minWidth, minHeight)
		return m.frame(fill([]string{truncate(msg, m.width)}, max(m.height, 1)))
	}
	header := m.header()
	tabs := m.tabBar()
	status := m.statusLines()
	footer := m.footer()
	body := m.bodyHeight()
	var content string
	if m.mode == modeHelp {
		content = m.help(body + 1)
	} else {
		content = m.crumbs() + "\n" + m.paneBody(body)
	}
	parts := []string{header, tabs, content}
	parts = append(parts, status...)
	parts = append(parts, footer)
	return m.frame(strings.Join(parts, "\n"))
}

func (m *Model) frame(content string) tea.View {
	v := tea.NewView(content)
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "topicat " + safetext.Line(m.opts.Context)
	return v
}

// bodyHeight is the number of lines the pane gets, header row included: the
// screen less header, tabs, breadcrumbs, status lines and footer.
func (m *Model) bodyHeight() int {
	return m.height - 2 - 1 - len(m.statusLines()) - 1
}

func (m *Model) paneBody(h int) string {
	p := m.current()
	if hint := m.unconfigured(p.view.System); hint != "" {
		return fill([]string{"", m.styles.Muted.Render("  " + hint)}, h)
	}
	if _, ok := m.meta(p.view.System); !ok && p.view.System != "" {
		return fill([]string{"", m.styles.Muted.Render("  connecting to " + string(p.view.System) + "…")}, h)
	}
	return p.render(m.styles, m.width, h)
}

// unconfigured returns how to configure a system that has no source, or "".
func (m *Model) unconfigured(s sources.System) string {
	switch {
	case s == sources.Kafka && m.opts.Kafka == nil:
		return cmp.Or(m.opts.KafkaHint, "Kafka is not configured: start topicat with --brokers host:9092 (-b).")
	case s == sources.NSQ && m.opts.NSQ == nil:
		return cmp.Or(m.opts.NSQHint, "NSQ is not configured: start topicat with --lookupd http://host:4161 or --nsqd host:4151.")
	}
	return ""
}

// header: app, context, health counts, per-system freshness, badges; what
// matters most comes first, since a narrow terminal cuts the end.
func (m *Model) header() string {
	st := m.styles
	sep := st.Bar.Render(" │ ")
	parts := []string{st.BarAccent.Render(" topicat")}
	if m.opts.Context != "" {
		parts = append(parts, st.Bar.Render(safetext.Line(m.opts.Context)))
	}
	c := health.Count(m.data.Findings)
	switch {
	case c.Errors > 0:
		parts = append(parts, st.Bar.Inherit(st.Bad).Render(fmt.Sprintf("health ✖ %d ▲ %d", c.Errors, c.Warnings)))
	case c.Warnings > 0:
		parts = append(parts, st.Bar.Inherit(st.Warn).Render(fmt.Sprintf("health ▲ %d", c.Warnings)))
	case m.data.Kafka != nil || m.data.NSQ != nil:
		parts = append(parts, st.Bar.Inherit(st.Good).Render("✔ healthy"))
	}
	for _, s := range []sources.System{sources.Kafka, sources.NSQ} {
		if m.unconfigured(s) != "" {
			continue
		}
		parts = append(parts, st.Bar.Render(m.freshness(s)))
	}
	line := strings.Join(parts, sep)
	var badges []string
	if m.paused {
		badges = append(badges, st.Badge.Render("PAUSED"))
	}
	if m.opts.ReadOnly {
		badges = append(badges, st.Badge.Render("READ-ONLY"))
	}
	right := strings.Join(badges, " ")
	gap := m.width - lipgloss.Width(line) - lipgloss.Width(right)
	if gap < 1 {
		line = truncate(line, m.width-lipgloss.Width(right)-1)
		gap = max(m.width-lipgloss.Width(line)-lipgloss.Width(right), 0)
	}
	return line + st.Bar.Render(strings.Repeat(" ", gap)) + right
}

// freshness says how a system's polling is going: "kafka 3 brokers · 2s ago".
func (m *Model) freshness(s sources.System) string {
	meta, ok := m.meta(s)
	if !ok {
		return string(s) + " connecting…"
	}
	var size string
	switch s {
	case sources.Kafka:
		if k := m.data.Kafka; k != nil {
			size = plural(len(k.Brokers), " broker")
		}
	case sources.NSQ:
		if n := m.data.NSQ; n != nil {
			size = plural(len(n.Nodes), " node")
		}
	}
	if meta.LastOK.IsZero() {
		return string(s) + size + " · never reached"
	}
	return string(s) + size + " · " + views.Ago(max(m.now.Sub(meta.LastOK), 0)) + " ago"
}

func (m *Model) tabBar() string {
	var b strings.Builder
	var last sources.System = "-"
	for i, p := range m.tabs {
		if p.view.System != last {
			if i > 0 {
				b.WriteString(m.styles.Muted.Render(" │"))
			}
			label := map[sources.System]string{sources.Kafka: " Kafka", sources.NSQ: " NSQ", "": ""}[p.view.System]
			b.WriteString(m.styles.Accent.Render(label))
			last = p.view.System
		}
		name := fmt.Sprintf("%d %s", i+1, p.view.Title)
		b.WriteString(" ")
		if i == m.active {
			b.WriteString(m.styles.TabActive.Render(name))
		} else {
			b.WriteString(m.styles.Tab.Render(name))
		}
	}
	return truncate(b.String(), m.width)
}

// crumbs is the line above the table: where you are, filter, sort, row count.
func (m *Model) crumbs() string {
	trail := []string{m.tabs[m.active].title()}
	for _, p := range m.stack {
		trail = append(trail, p.title())
	}
	sys := m.current().view.System
	line := " " + strings.ToUpper(string(sys)) + " " + strings.Join(trail, " › ")
	if sys == "" {
		line = " " + strings.Join(trail, " › ")
	}
	p := m.current()
	info := " " + plural(len(p.rows), " row")
	if p.filter != "" {
		info = fmt.Sprintf("  %d of %d rows  filter: %s", len(p.rows), len(p.table.Rows), safetext.Line(p.filter))
	}
	if p.sortCol >= 0 {
		info += "  sorted by " + p.table.Columns[p.sortCol].Title + map[bool]string{false: " ▲", true: " ▼"}[p.desc]
	}
	return truncate(m.styles.Accent.Render(safetext.Line(line))+m.styles.Muted.Render(info), m.width)
}

// statusLines are the endpoint errors of the newest snapshots, one line each,
// plus the state of anything still loading.
func (m *Model) statusLines() []string {
	var errs []string
	for _, s := range []sources.System{sources.Kafka, sources.NSQ} {
		if m.unconfigured(s) != "" {
			continue
		}
		meta, ok := m.meta(s)
		if !ok {
			continue
		}
		for _, e := range meta.Errors {
			errs = append(errs, fmt.Sprintf("%s %s (since %s)", s, e.String(), e.Since.Format("15:04:05")))
		}
	}
	var lines []string
	for i, e := range errs {
		if i == maxErrorLines-1 && len(errs) > maxErrorLines {
			lines = append(lines, m.styles.Bad.Render(truncate(fmt.Sprintf(" ✖ … and %d more failing endpoints (see :health)", len(errs)-i), m.width)))
			break
		}
		lines = append(lines, m.styles.Bad.Render(truncate(" ✖ "+safetext.Line(e), m.width)))
	}
	return lines
}

// footer is the input line in command and filter mode, else the last message
// and key hints.
func (m *Model) footer() string {
	st := m.styles
	switch m.mode {
	case modeCommand:
		return st.Prompt.Render(":") + m.input.View()
	case modeFilter:
		return st.Prompt.Render("/") + m.input.View()
	}
	var hints []string
	for _, k := range m.keys.hints() {
		h := k.Help()
		hints = append(hints, st.Accent.Render(h.Key)+" "+st.Muted.Render(h.Desc))
	}
	line := strings.Join(hints, "  ")
	if n := len(m.pending); n > 0 {
		line = st.Warn.Render(fmt.Sprintf("%d action(s) running…", n)) + "   " + line
	}
	if m.message != "" {
		line = st.Text.Render(safetext.Line(m.message)) + "   " + line
	}
	return truncate(" "+line, m.width)
}

// help is the overlay listing every key and command, generated from the key
// map and the views; it fits 80×24.
func (m *Model) help(h int) string {
	st := m.styles
	var lines []string
	lines = append(lines, st.Accent.Render("Keys"))
	var all []key.Binding
	for _, g := range m.keys.groups() {
		all = append(all, g...)
	}
	half := (m.width - 2) / 2
	for i := 0; i < len(all); i += 2 {
		line := helpEntry(st.Accent, all[i], half)
		if i+1 < len(all) {
			line += helpEntry(st.Accent, all[i+1], half)
		}
		lines = append(lines, line)
	}
	var sorts []string
	p := m.current()
	for i, c := range p.table.Columns {
		if r := p.sortKeys[i]; r != 0 {
			sorts = append(sorts, st.Accent.Render(string(r))+" "+c.Title)
		}
	}
	lines = append(lines, st.Accent.Render("Sort this pane")+st.Muted.Render("  (shift+letter; again reverses)"))
	lines = append(lines, wrapWords(sorts, m.width-2)...)
	lines = append(lines, "", st.Accent.Render("Commands")+st.Muted.Render("  (: then a name; tab completes)"))
	var cmds []string
	for _, v := range m.views {
		name := ":" + v.Name
		switch {
		case v.ArgOptional:
			name += " [" + v.Arg + "]"
		case v.Arg != "":
			name += " " + v.Arg
		}
		if v.System != "" {
			name += st.Muted.Render(" (" + string(v.System) + ")")
		}
		cmds = append(cmds, name)
	}
	cmds = append(cmds, ":kafka", ":nsq", ":nsq topics", ":quit")
	lines = append(lines, wrapWords(cmds, m.width-2)...)
	lines = append(lines, "", st.Muted.Render("? or esc closes this help"))
	for i := range lines {
		lines[i] = truncate(" "+lines[i], m.width)
	}
	return fill(lines, h)
}

func helpEntry(accent lipgloss.Style, k key.Binding, width int) string {
	h := k.Help()
	return views.Cell(accent.Render(fmt.Sprintf("%-10s", h.Key))+" "+h.Desc, width, false)
}

// wrapWords joins items with two spaces into lines no wider than width.
func wrapWords(items []string, width int) []string {
	var lines []string
	cur := ""
	for _, it := range items {
		if cur != "" && lipgloss.Width(cur)+2+lipgloss.Width(it) > width {
			lines = append(lines, cur)
			cur = ""
		}
		if cur != "" {
			cur += "  "
		}
		cur += it
	}
	if cur != "" {
		lines = append(lines, cur)
	}
	return lines
}

func truncate(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if lipgloss.Width(s) <= w {
		return s
	}
	return ansi.Truncate(s, w, "…")
}

// plural writes " 1 node", " 2 nodes".
func plural(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf(" %d%s", n, noun)
	}
	return fmt.Sprintf(" %d%ss", n, noun)
}
