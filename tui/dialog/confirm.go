package dialog

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/topicat/topicat/tui/safetext"
	"github.com/topicat/topicat/tui/screen"
)

// ArmDelay is how long a confirmation waits before Enter confirms, so that
// an Enter already on its way (typed ahead, a paste) cannot confirm.
const ArmDelay = 500 * time.Millisecond

// Confirm asks for a destructive action to be confirmed by typing the name
// of what it destroys, as the screen shows that name (after safetext).
type Confirm struct {
	host    screen.Host
	title   string
	what    []string // what will happen, one line each
	name    string   // as shown: safe text
	input   textinput.Model
	opened  time.Time
	armIn   time.Duration
	err     string
	confirm func() tea.Cmd
	width   int
}

var (
	_ screen.Dialog = (*Confirm)(nil)
	_ screen.Sizer  = (*Confirm)(nil)
)

// NewConfirm makes a confirmation: title, what will happen, the name to
// type, and what to do once it is typed.
func NewConfirm(host screen.Host, title string, what []string, name string, confirm func() tea.Cmd) *Confirm {
	in := textinput.New()
	in.Prompt = "› "
	in.CharLimit = 1024
	return &Confirm{host: host, title: title, what: what, name: safetext.Line(name), input: in, armIn: ArmDelay, confirm: confirm}
}

// SetArmDelay changes how long Enter waits to confirm (tests).
func (c *Confirm) SetArmDelay(d time.Duration) { c.armIn = d }

func (c *Confirm) Title() string { return c.title }

// Start notes when the dialog opened, for the arming pause.
func (c *Confirm) Start() tea.Cmd {
	c.opened = time.Now()
	return c.input.Focus()
}

func (c *Confirm) Stop()            {}
func (c *Confirm) Typing() bool     { return true }
func (c *Confirm) SetSize(w, _ int) { c.width = w; c.input.SetWidth(max(w-6, 10)) }

// Height: title, what happens, the prompt, the input, the answer line.
func (c *Confirm) Height(w int) int { return 4 + len(c.lines(w)) }

func (c *Confirm) lines(w int) []string {
	var out []string
	for _, l := range c.what {
		out = append(out, strings.Split(ansi.Wrap(safetext.Line(l), max(w-3, 10), " "), "\n")...)
	}
	return out[:min(len(out), 10)]
}

// Bindings: enter confirms once the typed name matches, esc cancels.
func (c *Confirm) Bindings() []screen.Binding {
	return []screen.Binding{
		{Keys: []string{"enter"}, Help: "confirm", Footer: true, Run: c.enter},
		{Keys: []string{"esc"}, Help: "cancel", Footer: true, Run: func() tea.Cmd { c.host.Close(c); c.host.Notify("cancelled: nothing was changed"); return nil }},
	}
}

func (c *Confirm) enter() tea.Cmd {
	switch {
	case time.Since(c.opened) < c.armIn:
		c.err = fmt.Sprintf("not yet: read what will happen; Enter confirms after %s", c.armIn)
		return nil
	case c.input.Value() != c.name:
		c.err = "the name does not match; type it exactly as shown, or esc to cancel"
		return nil
	}
	c.host.Close(c)
	return c.confirm()
}

// Update takes the typing.
func (c *Confirm) Update(msg tea.Msg) tea.Cmd {
	switch msg.(type) {
	case tea.KeyPressMsg, tea.PasteMsg:
		var cmd tea.Cmd
		c.input, cmd = c.input.Update(msg)
		c.err = ""
		return cmd
	}
	return nil
}

// View draws what will happen and asks for the name.
func (c *Confirm) View(width, height int) string {
	st := c.host.Styles()
	lines := []string{screen.Truncate(" "+st.Bad.Render("⚠ "+safetext.Line(c.title)), width)}
	for _, l := range c.lines(width) {
		lines = append(lines, screen.Truncate("  "+l, width))
	}
	lines = append(lines,
		screen.Truncate(" Type "+st.Accent.Render(c.name)+" to confirm, esc to cancel:", width),
		" "+c.input.View())
	if c.err != "" {
		lines = append(lines, screen.Truncate(" "+st.Warn.Render(c.err), width))
	}
	return screen.Fill(lines, height)
}
