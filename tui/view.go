package tui

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/sources/health"
	"github.com/topicat/topicat/tui/safetext"
	"github.com/topicat/topicat/tui/screen"
	"github.com/topicat/topicat/tui/table"
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
		return m.frame(screen.Fill([]string{screen.Truncate(msg, m.width)}, max(m.height, 1)))
	}
	body, dh := m.split()
	parts := []string{m.header(), m.tabBar()}
	if m.mode == modeHelp {
		parts = append(parts, m.help(body+1+dialogRoom(dh)))
	} else {
		parts = append(parts, m.crumbs(), m.screenBody(body))
		if d := m.dialog(); d != nil {
			parts = append(parts, m.styles.Muted.Render(strings.Repeat("─", m.width)), d.View(m.width, dh))
		}
	}
	parts = append(parts, m.statusLines()...)
	parts = append(parts, m.footer())
	return m.frame(strings.Join(parts, "\n"))
}

func (m *Model) frame(content string) tea.View {
	v := tea.NewView(content)
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "topicat " + safetext.Line(m.session.Label)
	return v
}

// dialogRoom is the lines a dialog of dh lines takes, its rule included.
func dialogRoom(dh int) int {
	if dh > 0 {
		return dh + 1
	}
	return 0
}

// split divides the lines under the breadcrumbs between the top screen and
// the dialog, if one is open: the dialog gets what it asks for, the screen
// keeps at least a few lines.
func (m *Model) split() (body, dialog int) {
	avail := m.height - 2 - 1 - len(m.statusLines()) - 1
	d := m.dialog()
	if d == nil {
		return avail, 0
	}
	want := d.Height(m.width)
	dialog = min(want, max(avail-1-4, avail/2))
	return avail - dialogRoom(dialog), dialog
}

func (m *Model) screenBody(h int) string {
	s := m.top()
	if ts, ok := s.(*table.Screen); ok {
		sys := ts.System()
		if hint := m.unconfigured(sys); hint != "" {
			return screen.Fill([]string{"", m.styles.Muted.Render("  " + hint)}, h)
		}
		if _, ok := m.meta(sys); !ok && sys != "" {
			return screen.Fill([]string{"", m.styles.Muted.Render("  connecting to " + string(sys) + "…")}, h)
		}
	}
	return s.View(m.width, h)
}

// unconfigured returns how to configure a system that has no source, or "".
func (m *Model) unconfigured(s sources.System) string {
	switch {
	case s == sources.Kafka && m.session.Kafka == nil:
		return cmp.Or(m.session.KafkaHint, "Kafka is not configured: start topicat with --brokers host:9092 (-b).")
	case s == sources.NSQ && m.session.NSQ == nil:
		return cmp.Or(m.session.NSQHint, "NSQ is not configured: start topicat with --lookupd http://host:4161 or --nsqd host:4151.")
	}
	return ""
}

// header: app, context, health counts, each system's state, badges. On a
// narrow terminal it sheds decoration one step at a time before anything that
// matters: NSQ's throughput, then each system's polling age (leaving up/total),
// then the app's name (the window title has it), then words; only then is the
// line cut.
func (m *Model) header() string {
	st := m.styles
	var badges []string
	if m.paused {
		badges = append(badges, st.Badge.Render("PAUSED"))
	}
	if m.session.ReadOnly {
		badges = append(badges, st.Badge.Render("READ-ONLY"))
	}
	if m.session.Warning != "" {
		badges = append(badges, st.Badge.Render("⚠ "+safetext.Line(m.session.Warning)))
	}
	right := strings.Join(badges, " ")
	room := m.width - lipgloss.Width(right) - 1
	var line string
	for shed := range headerSteps {
		line = m.headerLine(shed)
		if lipgloss.Width(line) <= room {
			break
		}
	}
	if lipgloss.Width(line) > room {
		line = screen.Truncate(line, room)
	}
	gap := max(m.width-lipgloss.Width(line)-lipgloss.Width(right), 0)
	return line + st.Bar.Render(strings.Repeat(" ", gap)) + right
}

// What the header has shed: each step drops everything the ones before did.
const (
	shedNothing    = iota
	shedThroughput // NSQ's msg/s
	shedNSQAge     // nsq as up/total
	shedKafkaAge   // kafka as up/total
	shedName       // " topicat"
	shedWords      // "health ▲ 2" → "▲ 2", "kafka 3/3 up" → "kafka 3/3"
	headerSteps
)

func (m *Model) headerLine(shed int) string {
	st := m.styles
	var parts []string
	if shed < shedName {
		parts = append(parts, st.BarAccent.Render(" topicat"))
	}
	if m.session.Label != "" {
		parts = append(parts, m.label())
	}
	c := health.Count(m.data.Findings)
	word, healthy := "health ", "✔ healthy"
	if shed >= shedWords {
		word, healthy = "", "✔"
	}
	switch {
	case c.Errors > 0:
		parts = append(parts, st.Bar.Inherit(st.Bad).Render(fmt.Sprintf("%s✖ %d ▲ %d", word, c.Errors, c.Warnings)))
	case c.Warnings > 0:
		parts = append(parts, st.Bar.Inherit(st.Warn).Render(fmt.Sprintf("%s▲ %d", word, c.Warnings)))
	case m.data.Kafka != nil || m.data.NSQ != nil:
		parts = append(parts, st.Bar.Inherit(st.Good).Render(healthy))
	}
	for _, s := range []sources.System{sources.Kafka, sources.NSQ} {
		if m.unconfigured(s) != "" {
			continue
		}
		switch {
		case s == sources.NSQ && shed >= shedNSQAge, s == sources.Kafka && shed >= shedKafkaAge:
			parts = append(parts, st.Bar.Render(m.upOf(s, shed >= shedWords)))
		default:
			parts = append(parts, st.Bar.Render(m.freshness(s, shed < shedThroughput)))
		}
	}
	line := strings.Join(parts, st.Bar.Render(" │ "))
	if shed >= shedName {
		line = st.Bar.Render(" ") + line
	}
	return line
}

// upOf is a system's state in a few cells: "kafka 3/3 up", tersely "kafka 3/3".
func (m *Model) upOf(s sources.System, terse bool) string {
	meta, ok := m.meta(s)
	switch {
	case !ok:
		return string(s) + " …"
	case meta.LastOK.IsZero():
		return string(s) + " ✖"
	}
	var up, of int
	switch s {
	case sources.Kafka:
		for _, b := range m.data.Kafka.Brokers {
			if b.Up {
				up++
			}
		}
		of = len(m.data.Kafka.Brokers)
	case sources.NSQ:
		up, of = views.NSQNodesUp(m.data.NSQ)
	}
	if terse {
		return fmt.Sprintf("%s %d/%d", s, up, of)
	}
	return fmt.Sprintf("%s %d/%d up", s, up, of)
}

// freshness says how a system's polling is going: "kafka 3 brokers · 2s ago".
func (m *Model) freshness(s sources.System, throughput bool) string {
	meta, ok := m.meta(s)
	if !ok {
		return string(s) + " connecting…"
	}
	var size string
	switch s {
	case sources.Kafka:
		size = " " + screen.Plural(len(m.data.Kafka.Brokers), "broker")
	case sources.NSQ:
		size = " " + nsqSize(m.data.NSQ, throughput)
	}
	if meta.LastOK.IsZero() {
		return string(s) + size + " · never reached"
	}
	return string(s) + size + " · " + views.Ago(max(m.now.Sub(meta.LastOK), 0)) + " ago"
}

// nsqSize is the NSQ part of the header: the nodes, how many are up when
// not all are (gone ones are no outage), and the messages per second
// published across the cluster (nsqadmin's counter page).
func nsqSize(s *sources.NSQSnapshot, throughput bool) string {
	up, of := views.NSQNodesUp(s)
	size := screen.Plural(of, "node")
	if up < of {
		size = fmt.Sprintf("%d of %d up", up, of)
	}
	if in, ok := views.NSQIn(s); ok && throughput {
		size += " · " + views.Throughput(in)
	}
	return size
}

// tabBar names every tab. A narrow terminal loses the systems' names first,
// then, with the systems back, the names of the tabs not shown (their numbers
// stay, the keys to them), so no name is ever cut in half.
func (m *Model) tabBar() string {
	var line string
	for detail := 0; detail < 3; detail++ {
		line = m.tabLine(detail)
		if lipgloss.Width(line) <= m.width {
			return line
		}
	}
	return screen.Truncate(line, m.width)
}

func (m *Model) tabLine(detail int) string {
	var b strings.Builder
	var last sources.System = "-"
	for i, t := range m.tabs {
		if t.system != last {
			if i > 0 {
				b.WriteString(m.styles.Muted.Render(" │"))
			}
			if detail != 1 {
				label := map[sources.System]string{sources.Kafka: " Kafka", sources.NSQ: " NSQ", "": ""}[t.system]
				b.WriteString(m.styles.Accent.Render(label))
			}
			last = t.system
		}
		name := fmt.Sprintf("%d %s", i+1, t.stack[0].Title())
		b.WriteString(" ")
		switch {
		case i == m.active:
			b.WriteString(m.styles.TabActive.Render(name))
		case detail == 2:
			b.WriteString(m.styles.Tab.Render(fmt.Sprint(i + 1)))
		default:
			b.WriteString(m.styles.Tab.Render(name))
		}
	}
	return b.String()
}

// crumbs is the line above the screen: where you are, and the top screen's state.
func (m *Model) crumbs() string {
	t := m.tabs[m.active]
	trail := make([]string, len(t.stack))
	for i, s := range t.stack {
		trail[i] = s.Title()
	}
	line := " " + strings.Join(trail, " › ")
	if t.system != "" {
		line = " " + strings.ToUpper(string(t.system)) + line
	}
	info := ""
	if in, ok := t.top().(screen.Informer); ok {
		info = "  " + in.Info()
	}
	return screen.Truncate(m.styles.Accent.Render(safetext.Line(line))+m.styles.Muted.Render(info), m.width)
}

// statusLines are the endpoint errors of the newest snapshots, one line each.
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
			lines = append(lines, m.styles.Bad.Render(screen.Truncate(fmt.Sprintf(" ✖ … and %d more failing endpoints (see :health)", len(errs)-i), m.width)))
			break
		}
		lines = append(lines, m.styles.Bad.Render(screen.Truncate(" ✖ "+safetext.Line(e), m.width)))
	}
	return lines
}

// keysOnView are the bindings that apply now, in the order they are tried:
// the dialog's, or the top screen's and then the root's.
func (m *Model) keysOnView() []screen.Binding {
	if d := m.dialog(); d != nil {
		return d.Bindings()
	}
	return append(m.top().Bindings(), m.bindings()...)
}

// footer is the command line, a screen's prompt, or the last message and key
// hints: help first, since a narrow terminal cuts the end.
func (m *Model) footer() string {
	st := m.styles
	if m.mode == modeCommand {
		return st.Prompt.Render(":") + m.input.View()
	}
	if p, ok := m.top().(screen.Prompter); ok && m.dialog() == nil {
		if line, ok := p.Prompt(); ok {
			return screen.Truncate(line, m.width)
		}
	}
	// Help and the command line lead, whatever the screen: a narrow terminal cuts the end.
	bs := m.keysOnView()
	slices.SortStableFunc(bs, func(a, b screen.Binding) int { return cmp.Compare(lead(a), lead(b)) })
	var hints []string
	seen := map[string]bool{}
	for _, b := range bs {
		k := b.Key()
		if !b.Footer || seen[k] || (b.Mutating && m.session.ReadOnly) || b.Disabled != "" {
			continue
		}
		seen[k] = true
		// A binding's help may name a topic: made safe like every name.
		hints = append(hints, st.Accent.Render(k)+" "+st.Muted.Render(safetext.Line(b.Help)))
	}
	line := strings.Join(hints, "  ")
	if n := m.changesRunning(); n > 0 {
		line = st.Warn.Render(fmt.Sprintf("%d change(s) running…", n)) + "   " + line
	}
	if m.message != "" {
		msg := st.Text.Render(safetext.Line(m.message))
		// A long message must not push the help hint off a narrow terminal.
		if len(hints) > 0 && lipgloss.Width(" "+msg+"   "+line) > m.width {
			first := "   " + hints[0]
			msg = screen.Truncate(msg, max(m.width-1-lipgloss.Width(first), 1))
			return screen.Truncate(" "+msg+first, m.width)
		}
		line = msg + "   " + line
	}
	return screen.Truncate(" "+line, m.width)
}

// changesRunning counts the mutating requests not yet answered; what a
// screen reads (a page's refetch) says so on the screen itself.
func (m *Model) changesRunning() int {
	n := 0
	for _, r := range m.pending {
		if r.Action().Mutating() {
			n++
		}
	}
	return n
}

func lead(b screen.Binding) int {
	if b.Matches("?") || b.Matches(":") {
		return 0
	}
	return 1
}

// help lists every key that applies here and every command, generated from
// the bindings and the views; it fits 80×24.
func (m *Model) help(h int) string {
	st := m.styles
	lines := []string{st.Accent.Render("Keys")}
	var entries, sorts []string
	seen := map[string]bool{}
	half := (m.width - 2) / 2
	for _, b := range m.keysOnView() {
		if b.Group == screen.GroupSort {
			sorts = append(sorts, st.Accent.Render(b.Key())+" "+safetext.Line(b.Help))
			continue
		}
		id := b.Key() + b.Help
		if seen[id] || b.Help == "" {
			continue
		}
		seen[id] = true
		desc := safetext.Line(b.Help)
		switch {
		case b.Mutating && m.session.ReadOnly:
			desc += st.Muted.Render(" (refused: read-only)")
		case b.Disabled != "":
			desc += st.Muted.Render(" (" + safetext.Line(b.Disabled) + ")")
		case b.Mutating:
			desc += st.Warn.Render(" !")
		}
		entries = append(entries, views.Cell(st.Accent.Render(fmt.Sprintf("%-10s", b.Key()))+" "+desc, half, false))
	}
	for i := 0; i < len(entries); i += 2 {
		line := entries[i]
		if i+1 < len(entries) {
			line += entries[i+1]
		}
		lines = append(lines, line)
	}
	if len(sorts) > 0 {
		lines = append(lines, st.Accent.Render("Sort this pane")+st.Muted.Render("  (shift+letter; again reverses)"))
		lines = append(lines, wrapWords(sorts, m.width-2)...)
	}
	lines = append(lines, "", st.Accent.Render("Commands")+st.Muted.Render("  (: then a name; tab completes)"))
	// A view both systems have is one entry: ":topics (kafka, nsq)".
	var usages []string
	systems := map[string][]string{}
	for _, v := range m.views {
		u := v.Usage()
		if _, ok := systems[u]; !ok {
			usages = append(usages, u)
		}
		if v.System != "" {
			systems[u] = append(systems[u], string(v.System))
		}
	}
	var cmds []string
	for _, u := range usages {
		name := ":" + u
		if sys := systems[u]; len(sys) > 0 {
			name += st.Muted.Render(" (" + strings.Join(sys, ", ") + ")")
		}
		cmds = append(cmds, name)
	}
	cmds = append(cmds, ":kafka", ":nsq", ":tail [kafka|nsq] TOPIC [PARTITIONS]", ":produce [kafka|nsq] TOPIC")
	if len(m.opts.Contexts) > 0 {
		cmds = append(cmds, ":ctx [NAME]")
	}
	cmds = append(cmds, ":quit")
	lines = append(lines, wrapWords(cmds, m.width-2)...)
	lines = append(lines, "", st.Muted.Render("? or esc closes this help · ! changes the cluster"))
	for i := range lines {
		lines[i] = screen.Truncate(" "+lines[i], m.width)
	}
	return screen.Fill(lines, h)
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
