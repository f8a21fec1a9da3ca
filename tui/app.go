// Package tui is the dashboard: one root model that owns navigation, the
// header and the status line, and panes that render views of the newest
// snapshots. It never talks to a cluster: snapshots arrive as messages from
// sources, and user actions leave as requests.
package tui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/sources/health"
	"github.com/topicat/topicat/themes"
	"github.com/topicat/topicat/tui/safetext"
	"github.com/topicat/topicat/tui/views"
)

// Options configures the dashboard.
type Options struct {
	// Context names the cluster or config context in the header.
	Context  string
	ReadOnly bool
	Palette  themes.Palette
	// Kafka and NSQ are the sources; nil for a system that is not configured.
	Kafka, NSQ sources.Source
	// Hints say how to configure a missing system, shown in its panes.
	KafkaHint, NSQHint string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Message is shown in the footer until the first command, e.g. the demo's addresses.
	Message string
}

type mode int

const (
	modeNormal mode = iota
	modeCommand
	modeFilter
	modeHelp
)

// Messages the model receives from outside Update.
type (
	// snapshotMsg carries the source it came from, so a late snapshot of a
	// source that has since been replaced (a context switch) is dropped.
	snapshotMsg struct {
		src  sources.Source
		snap sources.Snapshot
	}
	clockMsg time.Time
)

const msgRefreshing = "refreshing…"

// Model is the root of the dashboard.
type Model struct {
	opts   Options
	keys   keyMap
	styles themes.Styles
	now    time.Time

	views []*views.View
	tabs  []*pane
	// stack holds the detail panes opened with Enter above the active tab; Esc pops.
	stack  []*pane
	active int

	data   views.Data
	paused bool
	mode   mode
	input  textinput.Model
	// pending are the requests sent to sources and not yet answered.
	pending map[uint64]sources.Request
	nextID  uint64
	// ctx ends the requests in flight when the program stops.
	ctx     context.Context
	message string // the answer to the last command, one line

	width, height int
}

// tabViews are the panes reachable with tab and the number keys, in order.
type tabView struct {
	system sources.System
	name   string
}

var tabViews = []tabView{
	{sources.Kafka, "brokers"}, {sources.Kafka, "topics"}, {sources.Kafka, "groups"},
	{sources.NSQ, "nodes"}, {sources.NSQ, "topics"}, {sources.NSQ, "channels"},
	{"", "health"},
}

// New builds the root model.
func New(o Options) *Model {
	if o.Now == nil {
		o.Now = time.Now
	}
	m := &Model{
		opts:    o,
		keys:    defaultKeys(),
		styles:  o.Palette.Styles(true),
		now:     o.Now(),
		views:   views.All(),
		input:   textinput.New(),
		pending: map[uint64]sources.Request{},
		ctx:     context.Background(),
		message: o.Message,
		width:   80,
		height:  24,
	}
	for _, t := range tabViews {
		m.tabs = append(m.tabs, newPane(m.findView(t.system, t.name), "", m.keys.capitals()))
	}
	m.input.Prompt = ""
	m.input.CharLimit = 200
	if o.Kafka == nil && o.NSQ != nil { // open on a system that is there
		m.active = slices.IndexFunc(tabViews, func(t tabView) bool { return t.system == sources.NSQ })
	}
	m.refreshPanes()
	return m
}

func (m *Model) findView(system sources.System, name string) *views.View {
	for _, v := range m.views {
		if v.System == system && v.Name == name {
			return v
		}
	}
	panic(fmt.Sprintf("tui: no view %s/%s", system, name)) // a programming error in tabViews
}

// Init asks the terminal for its background and starts listening to the sources.
func (m *Model) Init() tea.Cmd {
	cmds := []tea.Cmd{tea.RequestBackgroundColor, tick()}
	for _, s := range m.sources() {
		cmds = append(cmds, wait(s))
	}
	return tea.Batch(cmds...)
}

func (m *Model) sources() []sources.Source {
	var out []sources.Source
	for _, s := range []sources.Source{m.opts.Kafka, m.opts.NSQ} {
		if s != nil {
			out = append(out, s)
		}
	}
	return out
}

// wait delivers a source's next snapshot as a message; Update re-arms it.
func wait(s sources.Source) tea.Cmd {
	return func() tea.Msg {
		snap, ok := <-s.Updates()
		if !ok {
			return nil // the source stopped
		}
		return snapshotMsg{s, snap}
	}
}

// tick keeps "updated 3s ago" honest; it is one cheap message a second.
func tick() tea.Cmd {
	return tea.Tick(time.Second, func(t time.Time) tea.Msg { return clockMsg(t) })
}

func (m *Model) current() *pane {
	if n := len(m.stack); n > 0 {
		return m.stack[n-1]
	}
	return m.tabs[m.active]
}

// Update handles one message.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	model, cmd := m.update(msg)
	// The window follows the cursor here, so View only reads state.
	p := m.current()
	p.follow(p.rowsIn(m.width, m.bodyHeight()))
	return model, cmd
}

func (m *Model) update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
	case tea.BackgroundColorMsg:
		m.styles = m.opts.Palette.Styles(msg.IsDark())
	case clockMsg:
		m.now = m.opts.Now()
		return m, tick()
	case snapshotMsg:
		if !slices.Contains(m.sources(), msg.src) {
			return m, nil
		}
		m.apply(msg.snap)
		m.now = m.opts.Now()
		if m.message == msgRefreshing {
			m.message = ""
		}
		return m, wait(msg.src)
	case resultMsg:
		m.finish(msg.res)
	case tea.MouseWheelMsg:
		switch msg.Button {
		case tea.MouseWheelUp:
			m.current().move(-3)
		case tea.MouseWheelDown:
			m.current().move(3)
		}
	case tea.PasteMsg:
		if m.mode == modeCommand || m.mode == modeFilter {
			return m.updateInput(msg)
		}
	case tea.KeyPressMsg:
		return m.key(msg)
	}
	return m, nil
}

// apply takes a new snapshot into the model. It is the only place data changes.
func (m *Model) apply(s sources.Snapshot) {
	switch s := s.(type) {
	case *sources.KafkaSnapshot:
		m.data.Kafka = s
	case *sources.NSQSnapshot:
		m.data.NSQ = s
	}
	m.data.Findings = health.All(m.data.Kafka, m.data.NSQ)
	m.refreshPanes()
}

// meta is the newest snapshot's metadata of a system; false before the first.
func (m *Model) meta(s sources.System) (sources.Meta, bool) {
	switch {
	case s == sources.Kafka && m.data.Kafka != nil:
		return m.data.Kafka.Meta, true
	case s == sources.NSQ && m.data.NSQ != nil:
		return m.data.NSQ.Meta, true
	}
	return sources.Meta{}, false
}

// refreshPanes rebuilds the pane on screen and marks the others stale, so a
// snapshot costs one table build, not one per pane.
func (m *Model) refreshPanes() {
	for _, p := range m.tabs {
		p.dirty = true
	}
	for _, p := range m.stack {
		p.dirty = true
	}
	m.current().setData(m.data)
}

func (m *Model) show() {
	if p := m.current(); p.dirty {
		p.setData(m.data)
	}
}

func (m *Model) key(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	if key.Matches(msg, m.keys.ForceQuit) {
		return m, tea.Quit
	}
	switch m.mode {
	case modeHelp:
		if key.Matches(msg, m.keys.Help, m.keys.Back, m.keys.Quit) {
			m.mode = modeNormal
		}
		return m, nil
	case modeCommand, modeFilter:
		return m.updateInput(msg)
	}
	p := m.current()
	body := p.rowsIn(m.width, m.bodyHeight())
	switch {
	case key.Matches(msg, m.keys.Quit):
		if len(m.stack) > 0 {
			m.back()
			return m, nil
		}
		return m, tea.Quit
	case key.Matches(msg, m.keys.Back):
		if p.filter != "" {
			p.setFilter("")
		} else {
			m.back()
		}
	case key.Matches(msg, m.keys.Help):
		m.mode = modeHelp
	case key.Matches(msg, m.keys.Command):
		return m, m.startInput(modeCommand, "")
	case key.Matches(msg, m.keys.Filter):
		return m, m.startInput(modeFilter, p.filter)
	case key.Matches(msg, m.keys.Up):
		p.move(-1)
	case key.Matches(msg, m.keys.Down):
		p.move(1)
	case key.Matches(msg, m.keys.PageUp):
		p.move(-max(body, 1))
	case key.Matches(msg, m.keys.PageDown):
		p.move(max(body, 1))
	case key.Matches(msg, m.keys.Top):
		p.cursor = 0
	case key.Matches(msg, m.keys.Bottom):
		p.move(len(p.rows))
	case key.Matches(msg, m.keys.NextTab):
		m.switchTab(m.active + 1)
	case key.Matches(msg, m.keys.PrevTab):
		m.switchTab(m.active - 1 + len(m.tabs))
	case key.Matches(msg, m.keys.Jump):
		m.switchTab(int(msg.Code - '1'))
	case key.Matches(msg, m.keys.Open):
		m.open()
	case key.Matches(msg, m.keys.Refresh):
		for _, s := range m.sources() {
			s.Refresh()
		}
		m.message = msgRefreshing
	case key.Matches(msg, m.keys.Pause):
		m.paused = !m.paused
		for _, s := range m.sources() {
			s.SetPaused(m.paused)
		}
		m.message = map[bool]string{true: "refresh paused: p resumes, r polls once", false: "refresh resumed"}[m.paused]
	default:
		// Capitals sort; match the text, since terminals differ in how they report shift.
		if t := msg.Text; len(t) == 1 && t[0] >= 'A' && t[0] <= 'Z' {
			if r := rune(t[0]); !p.sortBy(r) {
				m.message = fmt.Sprintf("no column sorts with %c here", r)
			}
		}
	}
	return m, nil
}

func (m *Model) switchTab(i int) {
	m.active = i % len(m.tabs)
	m.stack = nil
	m.show()
}

func (m *Model) back() {
	if n := len(m.stack); n > 0 {
		m.stack = m.stack[:n-1]
		m.show()
	}
}

// open pushes the detail view of the selected row, if the view has one.
func (m *Model) open() {
	p := m.current()
	if p.view.Detail == "" || len(p.rows) == 0 {
		return
	}
	m.push(m.findView(p.view.System, p.view.Detail), p.rows[p.cursor].Key)
}

func (m *Model) push(v *views.View, arg string) {
	np := newPane(v, arg, m.keys.capitals())
	m.stack = append(m.stack, np)
	np.setData(m.data)
}

func (m *Model) startInput(md mode, value string) tea.Cmd {
	m.mode = md
	m.input.SetValue(value)
	m.input.CursorEnd()
	if md == modeCommand {
		m.input.SetSuggestions(m.commandNames())
		m.input.ShowSuggestions = true
	} else {
		m.input.SetSuggestions(nil)
		m.input.ShowSuggestions = false
	}
	m.message = ""
	return m.input.Focus()
}

func (m *Model) updateInput(msg tea.Msg) (tea.Model, tea.Cmd) {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		switch k.String() {
		case "esc":
			if m.mode == modeFilter {
				m.current().setFilter("")
			}
			m.mode = modeNormal
			m.input.Blur()
			return m, nil
		case "enter":
			md := m.mode
			m.mode = modeNormal
			m.input.Blur()
			if md == modeCommand {
				return m, m.run(m.input.Value())
			}
			return m, nil
		}
	}
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(msg)
	if m.mode == modeFilter {
		m.current().setFilter(m.input.Value())
	}
	return m, cmd
}

// commandNames are the words `:` completes.
func (m *Model) commandNames() []string {
	names := []string{"kafka", "nsq", "quit", "help"}
	seen := map[string]bool{}
	for _, v := range m.views {
		if !seen[v.Name] {
			seen[v.Name] = true
			names = append(names, v.Name)
		}
		if v.System != "" {
			names = append(names, string(v.System)+" "+v.Name)
		}
	}
	return names
}

// run carries out a `:` command: a view name, optionally qualified by system
// and followed by an argument (":partitions orders", ":nsq topics").
func (m *Model) run(line string) tea.Cmd {
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
	}
	system := m.current().view.System
	if w := sources.System(words[0]); w == sources.Kafka || w == sources.NSQ {
		system, words = w, words[1:]
		if len(words) == 0 {
			for i, t := range tabViews {
				if t.system == system {
					m.switchTab(i)
					return nil
				}
			}
		}
	}
	name, arg := words[0], strings.Join(words[1:], " ")
	v := m.resolve(system, name)
	if v == nil {
		m.message = fmt.Sprintf("unknown command %q: try :%s", safetext.Line(line), strings.Join([]string{"brokers", "topics", "groups", "nodes", "channels", "health"}, " :"))
		return nil
	}
	if v.Arg != "" && !v.ArgOptional && arg == "" {
		m.message = fmt.Sprintf(":%s needs %s (e.g. select a row and press enter)", v.Name, v.Arg)
		return nil
	}
	// A view with an argument opens as Enter would, above the tab it belongs
	// to (:partitions orders sits on Topics); an argument to a view that takes
	// none filters it.
	home := slices.IndexFunc(tabViews, func(t tabView) bool { return t.system == v.System && t.name == v.Name })
	if home < 0 {
		home = slices.IndexFunc(m.tabs, func(p *pane) bool { return p.view.System == v.System && p.view.Detail == v.Name })
	}
	if home < 0 { // else the first tab of its system
		home = slices.IndexFunc(tabViews, func(t tabView) bool { return t.system == v.System })
	}
	m.switchTab(home)
	switch {
	case arg != "" && v.Arg != "":
		m.push(v, arg)
	case arg != "":
		m.current().setFilter(arg)
	case m.tabs[home].view != v:
		m.push(v, arg)
	}
	return nil
}

// resolve finds a view by name, preferring the given system when both have one.
func (m *Model) resolve(system sources.System, name string) *views.View {
	var found *views.View
	for _, v := range m.views {
		if v.Name != name {
			continue
		}
		if v.System == system || v.System == "" {
			return v
		}
		if found == nil {
			found = v
		}
	}
	return found
}

// Run starts the dashboard on the terminal and returns when the user quits or ctx ends.
func Run(ctx context.Context, o Options, extra ...tea.ProgramOption) error {
	opts := append([]tea.ProgramOption{tea.WithContext(ctx)}, extra...)
	m := New(o)
	m.ctx = ctx
	_, err := tea.NewProgram(m, opts...).Run()
	if err != nil && ctx.Err() != nil {
		return nil // cancelled from outside: not the user's problem
	}
	return err
}
