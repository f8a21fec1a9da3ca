package tui

import (
	"context"
	"fmt"
	"slices"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/themes"
	"github.com/topicat/topicat/tui/page"
	"github.com/topicat/topicat/tui/produce"
	"github.com/topicat/topicat/tui/safetext"
	"github.com/topicat/topicat/tui/screen"
	"github.com/topicat/topicat/tui/table"
	"github.com/topicat/topicat/tui/tail"
	"github.com/topicat/topicat/tui/views"
)

// What the root offers screens (screen.Host).

func (m *Model) Data() views.Data                       { return m.data }
func (m *Model) Styles() themes.Styles                  { return m.styles }
func (m *Model) Now() time.Time                         { return m.now }
func (m *Model) ReadOnly() bool                         { return m.session.ReadOnly }
func (m *Model) Source(s sources.System) sources.Source { return m.session.Source(s) }
func (m *Model) Notify(msg string)                      { m.message = msg }
func (m *Model) Live(s screen.Screen) bool              { return !m.paused && m.tabs[m.active].top() == s }
func (m *Model) tabOf(s screen.Screen) (*tab, bool) {
	for _, t := range m.tabs {
		if slices.Contains(t.stack, s) {
			return t, true
		}
	}
	return nil, false
}

// Push opens a screen above the current tab's top screen and starts it.
func (m *Model) Push(s screen.Screen) tea.Cmd {
	t := m.tabs[m.active]
	t.stack = append(t.stack, s)
	m.sync()
	return s.Start()
}

// Pop closes the current tab's top screen; a tab's own table stays.
func (m *Model) Pop() {
	t := m.tabs[m.active]
	if len(t.stack) < 2 {
		return
	}
	s := t.top()
	t.stack = t.stack[:len(t.stack)-1]
	m.forget(s)
}

// forget stops a screen that left the stacks.
func (m *Model) forget(s screen.Screen) {
	s.Stop()
	delete(m.seen, s)
}

// clearStack pops every screen above a tab's own table.
func (m *Model) clearStack(t *tab) {
	for len(t.stack) > 1 {
		s := t.top()
		t.stack = t.stack[:len(t.stack)-1]
		m.forget(s)
	}
}

// Open shows a dialog over the screens.
func (m *Model) Open(d screen.Dialog) tea.Cmd {
	m.overlay = append(m.overlay, d)
	m.sync()
	return d.Start()
}

// Close removes a dialog.
func (m *Model) Close(d screen.Dialog) {
	if i := slices.Index(m.overlay, d); i >= 0 {
		m.overlay = slices.Delete(m.overlay, i, i+1)
		m.forget(d)
	}
}

// Async runs fn off the UI; its message returns to s (see screen.Host).
func (m *Model) Async(s screen.Screen, fn func(ctx context.Context) tea.Msg) tea.Cmd {
	gen, ctx := m.session.Gen, m.ctx
	return func() tea.Msg { return routedMsg{gen: gen, to: s, msg: fn(ctx)} }
}

// requestTimeout bounds one action, so a hung cluster never leaves it pending.
const requestTimeout = 30 * time.Second

// requestDoneMsg is a source's answer to a request a screen sent.
type requestDoneMsg struct {
	gen uint64
	to  screen.Screen
	res sources.Result
}

// Request hands an action to a source. It returns at once: the source carries
// it out in the Cmd's goroutine and the answer comes back to the screen that
// asked, so the UI stays responsive and shows the action as running until then.
func (m *Model) Request(s screen.Screen, sys sources.System, body sources.Body) tea.Cmd {
	m.nextID++
	req := sources.Request{ID: m.nextID, Body: body}
	gen := m.session.Gen
	src := m.session.Source(sys)
	answer := func(res sources.Result) tea.Cmd {
		res.Request = req
		return func() tea.Msg { return requestDoneMsg{gen: gen, to: s, res: res} }
	}
	switch {
	case src == nil:
		return answer(sources.Result{Err: fmt.Sprintf("%s is not configured", sys)})
	case m.session.ReadOnly && body.Action().Mutating():
		// Refused here, before any source sees it; the source is wrapped in
		// sources.ReadOnly as well.
		return answer(sources.Result{Err: sources.ErrReadOnly.Error()})
	}
	m.pending[req.ID] = req
	ctx := m.ctx
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, requestTimeout)
		defer cancel()
		start := time.Now()
		res := src.Do(ctx, req)
		res.Request = req
		if res.Took == 0 {
			res.Took = time.Since(start)
		}
		return requestDoneMsg{gen: gen, to: s, res: res}
	}
}

// finish routes an answer to the screen that asked; when that screen is gone
// the status line says how a change went.
func (m *Model) finish(msg requestDoneMsg) tea.Cmd {
	delete(m.pending, msg.res.Request.ID)
	if msg.gen != m.session.Gen {
		return nil
	}
	switch {
	case m.alive(msg.to):
		return msg.to.Update(screen.ResultMsg{Result: msg.res})
	case msg.res.Request.Action().Mutating():
		m.message = summarize(msg.res)
	}
	return nil // what a screen that is gone asked to read, nobody waits for
}

// summarize says in one line how an action went, naming what failed.
func summarize(res sources.Result) string {
	what := safetext.Line(string(res.Request.Action()) + " " + res.Request.Target())
	if res.Err != "" {
		return "✖ " + what + ": " + safetext.Line(res.Err)
	}
	failed, first := 0, ""
	for _, t := range res.Targets {
		if t.Err != "" {
			if failed == 0 {
				first = t.Target + ": " + t.Err
			}
			failed++
		}
	}
	if failed > 0 {
		return fmt.Sprintf("✖ %s failed on %d of %d: %s", what, failed, len(res.Targets), safetext.Line(first))
	}
	if len(res.Targets) == 0 {
		return "✔ " + what + " done"
	}
	return fmt.Sprintf("✔ %s done on %d of %d", what, len(res.Targets), len(res.Targets))
}

// OpenView pushes a view's screen with its argument on the current tab.
func (m *Model) OpenView(system sources.System, name, arg string) tea.Cmd {
	v := m.findView(system, name)
	if v == nil {
		m.message = fmt.Sprintf("no view %s %s", system, name)
		return nil
	}
	return m.Push(m.screenFor(v, arg))
}

// screenFor is the screen that shows a view: a page or a table.
func (m *Model) screenFor(v *views.View, arg string) screen.Screen {
	if v.IsPage() {
		return page.New(m, v, arg, m.opts.PageEvery)
	}
	return table.New(m, v, arg)
}

// OpenTail pushes a tail of a topic on the current tab.
func (m *Model) OpenTail(system sources.System, topic string, partitions []int32) tea.Cmd {
	if m.session.Source(system) == nil {
		m.message = fmt.Sprintf("%s is not configured", system)
		return nil
	}
	return m.Push(tail.New(m, tail.Config{System: system, Topic: topic, Partitions: partitions}))
}

// OpenProduce opens the produce form for a topic.
func (m *Model) OpenProduce(system sources.System, topic string) tea.Cmd {
	if m.session.ReadOnly {
		m.message = "✖ produce: " + sources.ErrReadOnly.Error()
		return nil
	}
	if m.session.Source(system) == nil {
		m.message = fmt.Sprintf("%s is not configured", system)
		return nil
	}
	return m.Open(produce.New(m, system, topic))
}
