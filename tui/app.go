// Package tui is the dashboard's root: it routes keys and messages to
// screens (a stack per tab and an overlay for dialogs) and draws what frames
// them — header, tabs, breadcrumbs, status line, `:` command line, help. It
// never talks to a cluster: snapshots arrive as messages from sources, user
// actions leave as typed requests, and streams are opened by the screens that
// show them through the Host the root implements.
package tui

import (
	"context"
	"slices"
	"time"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/sources/health"
	"github.com/topicat/topicat/themes"
	"github.com/topicat/topicat/tui/page"
	"github.com/topicat/topicat/tui/screen"
	"github.com/topicat/topicat/tui/table"
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
	// PageEvery is how often a detail page asks again for what the
	// snapshot lacks; 0 means page.RefetchEvery.
	PageEvery time.Duration
	// Colour is the header's colour for the context (see ParseColour);
	// Warning a badge such as "TLS NOT VERIFIED"; Close stops the first
	// session's sources (see Session).
	Colour, Warning string
	Close           func()
	// Contexts are the config file's contexts, Current the one open;
	// OpenContext builds a session for one, off the UI (see :ctx).
	Contexts    []string
	Current     string
	OpenContext func(ctx context.Context, name string) (*Session, error)
	// ContextNotes are a few words after a context's name in the picker,
	// for a choice that is not the config file's (the demo's own clusters).
	ContextNotes map[string]string
}

// Session is one connection to clusters, behind one value: the sources,
// whether actions are allowed, what to call it, and a generation number, so
// that switching to another session drops every message of the old one.
type Session struct {
	Label      string
	ReadOnly   bool
	Kafka, NSQ sources.Source
	// KafkaHint and NSQHint say how to configure a missing system.
	KafkaHint, NSQHint string
	// Close stops the session's sources; nil when the caller stops them.
	// It runs off the UI, after every screen of the session has stopped.
	Close func()
	// Gen is set by the model when the session starts.
	Gen uint64
	// Colour is the label's colour in the header (see ParseColour);
	// Warning is shown as a badge, e.g. when TLS is not verified.
	Colour, Warning string
}

// Source is the session's source of a system, nil when not configured.
func (s *Session) Source(sys sources.System) sources.Source {
	switch sys {
	case sources.Kafka:
		return s.Kafka
	case sources.NSQ:
		return s.NSQ
	}
	return nil
}

// Sources are the configured sources.
func (s *Session) Sources() []sources.Source {
	var out []sources.Source
	for _, src := range []sources.Source{s.Kafka, s.NSQ} {
		if src != nil {
			out = append(out, src)
		}
	}
	return out
}

type mode int

const (
	modeNormal mode = iota
	modeCommand
	modeHelp
)

// Messages the model receives from outside Update.
type (
	// snapshotMsg carries the session and source it came from, so a late
	// snapshot of a replaced session is dropped.
	snapshotMsg struct {
		gen  uint64
		src  sources.Source
		snap sources.Snapshot
	}
	// routedMsg is a screen's asynchronous answer, delivered to that screen
	// wherever it is, or dropped if it is gone.
	routedMsg struct {
		gen uint64
		to  screen.Screen
		msg tea.Msg
	}
	clockMsg time.Time
)

const msgRefreshing = "refreshing…"

// tab is one tab's stack of screens; the first is the tab's own table.
type tab struct {
	system sources.System
	name   string
	stack  []screen.Screen
}

func (t *tab) top() screen.Screen { return t.stack[len(t.stack)-1] }

// tabViews are the panes reachable with tab and the number keys, in order.
var tabViews = []struct {
	system sources.System
	name   string
}{
	{sources.Kafka, "brokers"}, {sources.Kafka, "topics"}, {sources.Kafka, "groups"},
	{sources.NSQ, "nodes"}, {sources.NSQ, "topics"}, {sources.NSQ, "channels"},
	{"", "health"},
}

// Model is the root of the dashboard.
type Model struct {
	opts    Options
	session *Session
	styles  themes.Styles
	now     time.Time

	views   []*views.View
	tabs    []*tab
	active  int
	overlay []screen.Dialog

	data    views.Data
	dataGen int
	// seen is the data generation each screen last got.
	seen map[screen.Screen]int

	paused bool
	mode   mode
	input  textinput.Model
	// pending are the requests sent to sources and not yet answered.
	pending map[uint64]sources.Request
	nextID  uint64
	// ctx ends the work in flight when the program stops.
	ctx     context.Context
	message string // the answer to the last command, one line
	// current is the config context on view; opening counts :ctx
	// requests, so that only the newest one's session is switched to.
	current string
	opening uint64

	width, height int
}

var _ screen.Host = (*Model)(nil)

// New builds the root model.
func New(o Options) *Model {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.PageEvery == 0 {
		o.PageEvery = page.RefetchEvery
	}
	m := &Model{
		opts:    o,
		styles:  o.Palette.Styles(true),
		now:     o.Now(),
		views:   views.All(),
		input:   textinput.New(),
		seen:    map[screen.Screen]int{},
		pending: map[uint64]sources.Request{},
		ctx:     context.Background(),
		message: o.Message,
		width:   80,
		height:  24,
	}
	m.session = &Session{Label: o.Context, ReadOnly: o.ReadOnly, Kafka: o.Kafka, NSQ: o.NSQ, KafkaHint: o.KafkaHint, NSQHint: o.NSQHint,
		Colour: o.Colour, Warning: o.Warning, Close: o.Close, Gen: 1}
	m.current = o.Current
	for _, t := range tabViews {
		v := m.findView(t.system, t.name)
		m.tabs = append(m.tabs, &tab{system: t.system, name: t.name, stack: []screen.Screen{table.New(m, v, "")}})
	}
	m.input.Prompt = ""
	m.input.CharLimit = 200
	if o.Kafka == nil && o.NSQ != nil { // open on a system that is there
		m.active = slices.IndexFunc(m.tabs, func(t *tab) bool { return t.system == sources.NSQ })
	}
	m.sync()
	return m
}

func (m *Model) findView(system sources.System, name string) *views.View {
	for _, v := range m.views {
		if v.System == system && v.Name == name {
			return v
		}
	}
	return nil
}

// Init asks the terminal for its background and starts listening to the sources.
func (m *Model) Init() tea.Cmd {
	cmds := []tea.Cmd{tea.RequestBackgroundColor, tick()}
	for _, s := range m.session.Sources() {
		cmds = append(cmds, wait(m.session.Gen, s))
	}
	return tea.Batch(cmds...)
}

// wait delivers a source's next snapshot as a message; Update re-arms it.
func wait(gen uint64, s sources.Source) tea.Cmd {
	return func() tea.Msg {
		snap, ok := <-s.Updates()
		if !ok {
			return nil // the source stopped
		}
		return snapshotMsg{gen, s, snap}
	}
}

// tick keeps "updated 3s ago" honest; it is one cheap message a second.
func tick() tea.Cmd {
	return tea.Tick(time.Second, func(t time.Time) tea.Msg { return clockMsg(t) })
}

// top is the screen keys go to when no dialog is open.
func (m *Model) top() screen.Screen { return m.tabs[m.active].top() }

func (m *Model) dialog() screen.Dialog {
	if n := len(m.overlay); n > 0 {
		return m.overlay[n-1]
	}
	return nil
}

// Update handles one message.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	cmd := m.update(msg)
	m.sync()
	return m, cmd
}

func (m *Model) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
	case tea.BackgroundColorMsg:
		m.styles = m.opts.Palette.Styles(msg.IsDark())
	case clockMsg:
		m.now = m.opts.Now()
		return tick()
	case snapshotMsg:
		if msg.gen != m.session.Gen || !slices.Contains(m.session.Sources(), msg.src) {
			return nil
		}
		m.apply(msg.snap)
		m.now = m.opts.Now()
		if m.message == msgRefreshing {
			m.message = ""
		}
		return wait(msg.gen, msg.src)
	case routedMsg:
		if msg.gen != m.session.Gen || !m.alive(msg.to) {
			if d, ok := msg.msg.(screen.Discarder); ok {
				go d.Discard()
			}
			return nil
		}
		return msg.to.Update(msg.msg)
	case requestDoneMsg:
		return m.finish(msg)
	case contextOpenedMsg:
		return m.contextOpened(msg)
	case tea.MouseWheelMsg:
		return m.top().Update(msg)
	case tea.PasteMsg:
		if m.mode == modeCommand {
			return m.updateCommand(msg)
		}
		if d := m.dialog(); d != nil {
			return d.Update(msg)
		}
		return m.top().Update(msg)
	case tea.KeyPressMsg:
		return m.key(msg)
	}
	return nil
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
	m.dataGen++
}

// sync gives the screens on view their size and, when it changed, the data;
// screens out of view catch up when they come back.
func (m *Model) sync() {
	top := m.top()
	if u, ok := top.(screen.DataUser); ok && m.seen[top] != m.dataGen {
		u.SetData(m.data)
		m.seen[top] = m.dataGen
	}
	body, dh := m.split()
	if sz, ok := top.(screen.Sizer); ok {
		sz.SetSize(m.width, body)
	}
	if d := m.dialog(); d != nil {
		if sz, ok := d.(screen.Sizer); ok {
			sz.SetSize(m.width, dh)
		}
	}
}

// alive reports whether a screen is still on a stack or in the overlay.
func (m *Model) alive(s screen.Screen) bool {
	for _, d := range m.overlay {
		if screen.Screen(d) == s {
			return true
		}
	}
	for _, t := range m.tabs {
		if slices.Contains(t.stack, s) {
			return true
		}
	}
	return false
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

func (m *Model) configured(s sources.System) bool { return m.session.Source(s) != nil }

// key routes a key: ctrl+c always quits; then the command line or help if
// open; then the dialog on top (it takes every key); then the top screen's
// bindings (or every key while it is typing); then the root's bindings; what
// is left goes to the top screen's Update.
func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	k := msg.String()
	if k == "ctrl+c" {
		return tea.Quit
	}
	switch m.mode {
	case modeHelp:
		if k == "?" || k == "esc" || k == "q" {
			m.mode = modeNormal
		}
		return nil
	case modeCommand:
		return m.updateCommand(msg)
	}
	if d := m.dialog(); d != nil {
		if b, ok := screen.Find(d.Bindings(), k); ok {
			return m.run(b)
		}
		return d.Update(msg)
	}
	s := m.top()
	if t, ok := s.(screen.Typist); ok && t.Typing() {
		return s.Update(msg)
	}
	if b, ok := screen.Find(s.Bindings(), k); ok {
		return m.run(b)
	}
	if b, ok := screen.Find(m.bindings(), k); ok {
		return m.run(b)
	}
	return s.Update(msg)
}

// run carries out a binding, unless it is disabled here or would change a
// cluster under --read-only: then it says why.
func (m *Model) run(b screen.Binding) tea.Cmd {
	switch {
	case b.Mutating && m.session.ReadOnly:
		m.message = "✖ " + b.Help + ": " + sources.ErrReadOnly.Error()
		return nil
	case b.Disabled != "":
		m.message = b.Help + ": " + b.Disabled
		return nil
	case b.Run == nil:
		return nil
	}
	return b.Run()
}

func (m *Model) switchTab(i int) {
	m.active = (i + len(m.tabs)) % len(m.tabs)
}

// Switch replaces the session: every screen of the old one stops (its tails
// close), the old sources are closed off the UI, the data and requests in
// flight are forgotten, and the tabs start over on the new session's first
// system. Anything the old session still sends is dropped by generation.
func (m *Model) Switch(s *Session) tea.Cmd {
	old := m.session
	m.stopAll()
	s.Gen = old.Gen + 1
	m.session = s
	m.data = views.Data{}
	m.dataGen++
	m.seen = map[screen.Screen]int{}
	m.pending = map[uint64]sources.Request{}
	m.paused = false
	m.mode = modeNormal
	for _, t := range m.tabs { // the tables start afresh: no filter or sort of another cluster
		t.stack = []screen.Screen{table.New(m, m.findView(t.system, t.name), "")}
	}
	m.active = 0
	if s.Kafka == nil && s.NSQ != nil {
		m.active = slices.IndexFunc(m.tabs, func(t *tab) bool { return t.system == sources.NSQ })
	}
	m.message = "switched to " + s.Label
	cmds := []tea.Cmd{}
	for _, src := range s.Sources() {
		cmds = append(cmds, wait(s.Gen, src))
	}
	if old.Close != nil {
		cmds = append(cmds, func() tea.Msg { old.Close(); return nil })
	}
	return tea.Batch(cmds...)
}

// Run starts the dashboard on the terminal and returns when the user quits or ctx ends.
func Run(ctx context.Context, o Options, extra ...tea.ProgramOption) error {
	opts := append([]tea.ProgramOption{tea.WithContext(ctx)}, extra...)
	m := New(o)
	// Ends with the program: a :ctx session still being built then closes
	// itself (switchContext) instead of polling on unseen.
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	m.ctx = runCtx
	_, err := tea.NewProgram(m, opts...).Run()
	stop()
	m.stopAll()
	if m.session.Close != nil { // the session on view when the user quit
		m.session.Close()
	}
	if err != nil && ctx.Err() != nil {
		return nil // cancelled from outside: not the user's problem
	}
	return err
}

// stopAll stops every screen, so streams close before the sources do.
func (m *Model) stopAll() {
	for _, d := range m.overlay {
		d.Stop()
	}
	m.overlay = nil
	for _, t := range m.tabs {
		for _, s := range t.stack {
			s.Stop()
		}
		t.stack = t.stack[:1]
	}
}
