package tui

import (
	"fmt"
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/tui/safetext"
	"github.com/topicat/topicat/tui/screen"
	"github.com/topicat/topicat/tui/table"
	"github.com/topicat/topicat/tui/views"
)

// bindings are the root's keys, as data: they apply wherever the top screen
// does not take the key itself.
func (m *Model) bindings() []screen.Binding {
	depth := len(m.tabs[m.active].stack)
	quit := "quit"
	if depth > 1 {
		quit = "back (quit at the top)"
	}
	bs := []screen.Binding{
		{Keys: []string{"?"}, Help: "help", Footer: true, Run: func() tea.Cmd { m.mode = modeHelp; return nil }},
		{Keys: []string{":"}, Help: "command (:topics, :tail …)", Footer: true, Run: m.startCommand},
		{Keys: []string{"tab", "right", "l"}, Label: "tab", Help: "next pane", Run: func() tea.Cmd { m.switchTab(m.active + 1); return nil }},
		{Keys: []string{"shift+tab", "left", "h"}, Label: "shift+tab", Help: "previous pane", Run: func() tea.Cmd { m.switchTab(m.active - 1); return nil }},
		{Keys: []string{"esc"}, Help: "back", Footer: depth > 1, Disabled: yes(depth < 2, "nothing to go back to"), Run: func() tea.Cmd { m.Pop(); return nil }},
		{Keys: []string{"r", "ctrl+r"}, Label: "r", Help: "refresh now", Footer: true, Run: func() tea.Cmd { m.Refresh(); return nil }},
		{Keys: []string{"p"}, Help: "pause/resume refresh", Footer: true, Run: m.togglePause},
		{Keys: []string{"q"}, Help: quit, Footer: true, Run: func() tea.Cmd {
			if len(m.tabs[m.active].stack) > 1 {
				m.Pop()
				return nil
			}
			return tea.Quit
		}},
		{Keys: []string{"ctrl+c"}, Help: "quit"},
	}
	// One binding per digit; the help shows them as one line.
	for i := range m.tabs {
		bs = append(bs, screen.Binding{Keys: []string{fmt.Sprint(i + 1)}, Label: fmt.Sprintf("1-%d", len(m.tabs)), Help: "jump to pane",
			Run: func() tea.Cmd { m.switchTab(i); return nil }})
	}
	return bs
}

func yes(b bool, s string) string {
	if b {
		return s
	}
	return ""
}

// Refresh asks every source for a poll now (screen.Host).
func (m *Model) Refresh() {
	for _, s := range m.session.Sources() {
		s.Refresh()
	}
	m.message = msgRefreshing
}

func (m *Model) togglePause() tea.Cmd {
	m.paused = !m.paused
	for _, s := range m.session.Sources() {
		s.SetPaused(m.paused)
	}
	m.message = map[bool]string{true: "refresh paused: p resumes, r polls once", false: "refresh resumed"}[m.paused]
	return nil
}

func (m *Model) startCommand() tea.Cmd {
	m.mode = modeCommand
	m.input.SetValue("")
	m.input.SetSuggestions(m.commandNames())
	m.input.ShowSuggestions = true
	m.message = ""
	return m.input.Focus()
}

func (m *Model) updateCommand(msg tea.Msg) tea.Cmd {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		switch k.String() {
		case "esc":
			m.mode = modeNormal
			m.input.Blur()
			return nil
		case "enter":
			m.mode = modeNormal
			m.input.Blur()
			return m.command(m.input.Value())
		}
	}
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(msg)
	return cmd
}

// commandNames are the words `:` completes.
func (m *Model) commandNames() []string {
	names := []string{"kafka", "nsq", "quit", "help", "tail", "produce", "ctx"}
	for _, c := range m.opts.Contexts {
		names = append(names, "ctx "+c)
	}
	for _, v := range m.views {
		if !slices.Contains(names, v.Name) {
			names = append(names, v.Name)
		}
		if v.System != "" {
			names = append(names, string(v.System)+" "+v.Name)
		}
	}
	return names
}

// command carries out a `:` command: a view as `topicat get` names it
// ("partitions orders", "nsq topics", "topics ord" to filter), or
// quit, help, tail TOPIC, produce TOPIC.
func (m *Model) command(line string) tea.Cmd {
	words := strings.Fields(line)
	if len(words) == 0 {
		return nil
	}
	switch words[0] {
	case "q", "quit", "q!":
		return tea.Quit
	case "help", "?":
		m.mode = modeHelp
		return nil
	case "tail", "produce":
		return m.topicCommand(words[0], words[1:])
	case "ctx", "context":
		return m.contextCommand(words[1:])
	}
	current := m.systemOnScreen()
	t, err := views.Lookup(m.views, ":", words, m.configured, current)
	if err != nil {
		m.message = safetext.Line(err.Error())
		return nil
	}
	if t.View == nil { // ":kafka": the system's first tab
		m.switchTab(slices.IndexFunc(m.tabs, func(tb *tab) bool { return tb.system == t.System }))
		return nil
	}
	// A tab's own view is switched to (its argument filters it); any other
	// view opens above the tab it belongs to, as Enter would.
	if i := slices.IndexFunc(m.tabs, func(tb *tab) bool { return tb.system == t.View.System && tb.name == t.View.Name }); i >= 0 && (t.Arg == "" || t.View.Arg == "") {
		m.switchTab(i)
		tb := m.tabs[i]
		m.clearStack(tb)
		tb.stack[0].(*table.Screen).SetFilter(t.Arg)
		return nil
	}
	home := slices.IndexFunc(m.tabs, func(tb *tab) bool {
		return tb.system == t.View.System && m.findView(tb.system, tb.name).Detail == t.View.Name
	})
	if home < 0 && t.View.Home != "" {
		home = slices.IndexFunc(m.tabs, func(tb *tab) bool { return tb.system == t.View.System && tb.name == t.View.Home })
	}
	if home < 0 {
		home = slices.IndexFunc(m.tabs, func(tb *tab) bool { return tb.system == t.View.System })
	}
	m.switchTab(home)
	m.clearStack(m.tabs[home])
	return m.Push(m.screenFor(t.View, t.Arg))
}

// systemOnScreen is the system of the screen on view, "" for both.
func (m *Model) systemOnScreen() sources.System {
	if ts, ok := m.tabs[m.active].stack[0].(*table.Screen); ok {
		return ts.System()
	}
	return ""
}

// topicCommand is ":tail [kafka|nsq] TOPIC [PARTITIONS]" and ":produce [kafka|nsq] TOPIC".
func (m *Model) topicCommand(verb string, words []string) tea.Cmd {
	usage := fmt.Sprintf(":%s [kafka|nsq] TOPIC", verb)
	if verb == "tail" {
		usage += " [PARTITIONS]"
	}
	sys, words, err := sources.PickSystem(words, m.configured, m.systemOnScreen())
	if err != nil {
		m.message = fmt.Sprintf(":%s: %v (%s)", verb, err, usage)
		return nil
	}
	var partitions []int32
	if verb == "tail" && len(words) == 2 && sys == sources.Kafka {
		if partitions, err = sources.ParsePartitions(words[1]); err != nil {
			m.message = err.Error()
			return nil
		}
		words = words[:1]
	}
	if len(words) != 1 {
		m.message = fmt.Sprintf(":%s needs one topic: %s", verb, usage)
		return nil
	}
	if verb == "produce" && m.session.ReadOnly {
		m.message = "✖ produce: " + sources.ErrReadOnly.Error()
		return nil
	}
	// Above the system's topics, where t and P would have been pressed; the
	// command is checked before anything on that tab is closed.
	home := slices.IndexFunc(m.tabs, func(tb *tab) bool { return tb.system == sys && tb.name == "topics" })
	m.switchTab(home)
	m.clearStack(m.tabs[home])
	if verb == "tail" {
		return m.OpenTail(sys, words[0], partitions)
	}
	return m.OpenProduce(sys, words[0])
}
