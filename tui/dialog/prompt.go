// Package dialog holds the small dialogs screens open in the overlay. They do
// no I/O: they hand what was typed to the screen that opened them, which turns
// it into work.
package dialog

import (
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/topicat/topicat/tui/safetext"
	"github.com/topicat/topicat/tui/screen"
)

// Prompt asks for one line: a file name, a start point.
type Prompt struct {
	host  screen.Host
	title string
	hint  string
	input textinput.Model
	// submit takes the line; an error keeps the prompt open and shows why.
	submit func(string) (tea.Cmd, error)
	err    string
	width  int
}

var (
	_ screen.Dialog = (*Prompt)(nil)
	_ screen.Sizer  = (*Prompt)(nil)
)

// NewPrompt makes a prompt with a title, a hint under the input, and the
// value to start from.
func NewPrompt(host screen.Host, title, hint, value string, submit func(string) (tea.Cmd, error)) *Prompt {
	in := textinput.New()
	in.Prompt = "› "
	in.CharLimit = 4096
	in.SetValue(value)
	in.CursorEnd()
	return &Prompt{host: host, title: title, hint: hint, input: in, submit: submit}
}

func (p *Prompt) Title() string    { return p.title }
func (p *Prompt) Start() tea.Cmd   { return p.input.Focus() }
func (p *Prompt) Stop()            {}
func (p *Prompt) Height(w int) int { return 2 + len(p.note(w)) }
func (p *Prompt) SetSize(w, _ int) { p.width = w; p.input.SetWidth(max(w-4, 10)) }
func (p *Prompt) Typing() bool     { return true }

// Bindings: enter submits, esc cancels; every other key is typed.
func (p *Prompt) Bindings() []screen.Binding {
	return []screen.Binding{
		{Keys: []string{"enter"}, Help: "ok", Footer: true, Run: func() tea.Cmd {
			cmd, err := p.submit(p.input.Value())
			if err != nil {
				p.err = err.Error()
				return nil
			}
			p.host.Close(p)
			return cmd
		}},
		{Keys: []string{"esc"}, Help: "cancel", Footer: true, Run: func() tea.Cmd { p.host.Close(p); return nil }},
	}
}

// Update takes the typing.
func (p *Prompt) Update(msg tea.Msg) tea.Cmd {
	switch msg.(type) {
	case tea.KeyPressMsg, tea.PasteMsg:
		var cmd tea.Cmd
		p.input, cmd = p.input.Update(msg)
		p.err = ""
		return cmd
	}
	return nil
}

// note is the error, or else the hint, wrapped to the width in at most 4 lines.
func (p *Prompt) note(width int) []string {
	text := p.hint
	if p.err != "" {
		text = "✖ " + safetext.Line(p.err)
	}
	lines := strings.Split(ansi.Wrap(text, max(width-2, 10), " "), "\n")
	return lines[:min(len(lines), 4)]
}

// View draws the title, the input and the hint or the error.
func (p *Prompt) View(width, height int) string {
	st := p.host.Styles()
	lines := []string{
		screen.Truncate(" "+st.Accent.Render(safetext.Line(p.title)), width),
		" " + p.input.View(),
	}
	style := st.Muted
	if p.err != "" {
		style = st.Bad
	}
	for _, l := range p.note(width) {
		lines = append(lines, screen.Truncate(" "+style.Render(l), width))
	}
	return screen.Fill(lines, height)
}
