package tui

import (
	"fmt"
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/topicat/topicat/tui/safetext"
)

// contextOpenedMsg is a session built for :ctx NAME, off the UI.
type contextOpenedMsg struct {
	seq     uint64
	name    string
	session *Session
	err     error
}

// contextCommand is ":ctx" (pick one of the config's contexts) and
// ":ctx NAME" (switch to one).
func (m *Model) contextCommand(args []string) tea.Cmd {
	if len(m.opts.Contexts) == 0 || m.opts.OpenContext == nil {
		m.message = ":ctx: no contexts: name them in the config file (topicat config contexts)"
		return nil
	}
	if len(args) == 0 {
		return m.Open(newCtxPicker(m))
	}
	return m.switchContext(strings.Join(args, " "))
}

// switchContext builds the session of a context in a command, never in
// Update (reading a secret may run a program), and switches to it when it
// is built.
func (m *Model) switchContext(name string) tea.Cmd {
	switch {
	case !slices.Contains(m.opts.Contexts, name):
		m.message = fmt.Sprintf(":ctx: no context %q (contexts: %s)", name, strings.Join(m.opts.Contexts, ", "))
		return nil
	case name == m.current:
		m.message = "already on " + name
		return nil
	}
	m.opening++
	seq, open, ctx := m.opening, m.opts.OpenContext, m.ctx
	m.message = "switching to " + name + "…"
	return func() tea.Msg {
		s, err := open(ctx, name)
		if ctx.Err() != nil && s != nil && s.Close != nil {
			s.Close() // the dashboard quit while it was being built
			return nil
		}
		return contextOpenedMsg{seq: seq, name: name, session: s, err: err}
	}
}

// contextOpened switches to the session :ctx asked for, unless a newer
// :ctx has been typed since: that one is closed without being shown.
func (m *Model) contextOpened(msg contextOpenedMsg) tea.Cmd {
	if msg.seq != m.opening {
		if msg.session != nil && msg.session.Close != nil {
			return func() tea.Msg { msg.session.Close(); return nil }
		}
		return nil
	}
	if msg.err != nil {
		m.message = "✖ context " + safetext.Line(msg.name) + ": " + safetext.Line(msg.err.Error())
		return nil
	}
	m.current = msg.name
	if msg.session.Label == "" {
		msg.session.Label = msg.name
	}
	return m.Switch(msg.session)
}
