package screen

import (
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/topicat/topicat/themes"
	"github.com/topicat/topicat/tui/safetext"
)

// Filter is the / line a screen filters its rows with: typed in the footer
// and applied as it changes; enter keeps it, esc clears it.
type Filter struct {
	input  textinput.Model
	active bool
	err    error
	hint   string
	// apply takes the text typed so far; an error (a bad regex) is shown
	// beside the input and leaves the rows as they were.
	apply func(string) error
}

// NewFilter makes a filter line that applies what is typed with apply; hint
// says what the text matches.
func NewFilter(hint string, apply func(string) error) Filter {
	in := textinput.New()
	in.Prompt = ""
	in.CharLimit = 500
	return Filter{input: in, hint: hint, apply: apply}
}

// Open starts typing, from the filter in force.
func (f *Filter) Open(current string) tea.Cmd {
	f.active, f.err = true, nil
	f.input.SetValue(current)
	f.input.CursorEnd()
	return f.input.Focus()
}

// Active reports whether the line is taking keys.
func (f *Filter) Active() bool { return f.active }

// Update takes a key or a paste while active.
func (f *Filter) Update(msg tea.Msg) tea.Cmd {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		switch k.String() {
		case "esc":
			f.close()
			f.err = f.apply("")
			return nil
		case "enter":
			f.close()
			return nil
		}
	}
	var cmd tea.Cmd
	f.input, cmd = f.input.Update(msg)
	f.err = f.apply(f.input.Value())
	return cmd
}

func (f *Filter) close() {
	f.active = false
	f.input.Blur()
}

// Prompt is the footer line while typing.
func (f *Filter) Prompt(st themes.Styles) (string, bool) {
	if !f.active {
		return "", false
	}
	line := st.Prompt.Render("/") + f.input.View()
	switch {
	case f.err != nil:
		line += "  " + st.Bad.Render(safetext.Line(f.err.Error()))
	case f.hint != "":
		line += "  " + st.Muted.Render(f.hint)
	}
	return line, true
}
