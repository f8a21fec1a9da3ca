package tui

import (
	"fmt"

	tea "charm.land/bubbletea/v2"

	"github.com/topicat/topicat/tui/safetext"
	"github.com/topicat/topicat/tui/screen"
)

// ctxPicker is :ctx with no name: the config's contexts in the overlay,
// the current one marked; enter switches to the one under the cursor.
type ctxPicker struct {
	m       *Model
	names   []string
	current string
	cursor  int
}

var _ screen.Dialog = (*ctxPicker)(nil)

func newCtxPicker(m *Model) *ctxPicker {
	p := &ctxPicker{m: m, names: m.opts.Contexts, current: m.current}
	for i, n := range p.names {
		if n == p.current {
			p.cursor = i
		}
	}
	return p
}

func (p *ctxPicker) Title() string          { return "Contexts" }
func (p *ctxPicker) Start() tea.Cmd         { return nil }
func (p *ctxPicker) Stop()                  {}
func (p *ctxPicker) Update(tea.Msg) tea.Cmd { return nil }
func (p *ctxPicker) Height(int) int         { return min(len(p.names), 10) + 2 }
func (p *ctxPicker) move(d int) tea.Cmd {
	p.cursor = (p.cursor + d + len(p.names)) % len(p.names)
	return nil
}
func (p *ctxPicker) chosen() string { return p.names[p.cursor] }
func (p *ctxPicker) close()         { p.m.Close(p) }
func (p *ctxPicker) Bindings() []screen.Binding {
	return []screen.Binding{
		{Keys: []string{"enter"}, Help: "switch to this context", Footer: true, Run: func() tea.Cmd {
			p.close()
			return p.m.switchContext(p.chosen())
		}},
		{Keys: []string{"down", "j"}, Label: "↓", Help: "next", Run: func() tea.Cmd { return p.move(1) }},
		{Keys: []string{"up", "k"}, Label: "↑", Help: "previous", Run: func() tea.Cmd { return p.move(-1) }},
		{Keys: []string{"esc", "q"}, Label: "esc", Help: "cancel", Footer: true, Run: func() tea.Cmd { p.close(); return nil }},
	}
}

// View lists the contexts in a window that keeps the cursor in view.
func (p *ctxPicker) View(width, height int) string {
	st := p.m.styles
	lines := []string{screen.Truncate(" "+st.Accent.Render("Contexts")+st.Muted.Render("  enter switches · esc cancels · * is open"), width)}
	rows := max(height-1, 1)
	top := screen.Window(0, p.cursor, rows, len(p.names))
	for i := top; i < min(top+rows, len(p.names)); i++ {
		mark := " "
		if p.names[i] == p.current {
			mark = "*"
		}
		line := fmt.Sprintf(" %s %s", mark, safetext.Line(p.names[i]))
		if note := p.m.opts.ContextNotes[p.names[i]]; note != "" {
			line += "  " + st.Muted.Render(safetext.Line(note))
		}
		if i == p.cursor {
			line = st.Selected.Render(line + " ")
		}
		lines = append(lines, screen.Truncate(line, width))
	}
	return screen.Fill(lines, height)
}
