package dialog

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/textarea"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/tui/safetext"
	"github.com/topicat/topicat/tui/screen"
)

// FieldKind is what a form field takes.
type FieldKind int

const (
	Text   FieldKind = iota // one line
	Lines                   // several lines (configs k=v)
	Choice                  // one of Choices, with ←/→
)

// Field is one field of a form.
type Field struct {
	Label       string
	Kind        FieldKind
	Placeholder string
	Value       string   // what it starts with
	Choices     []string // for Choice
	Height      int      // for Lines; 0 means 3
}

// FormSpec is what a form asks and what it does with the answers. A form
// does no I/O: Submit turns the values into a typed request, which the host
// carries out, and Answer shows the result under the form.
type FormSpec struct {
	Title  string
	Fields []Field
	// Hint is a live remark on the values ("replication factor 1: …"), "" for none.
	Hint func(values []string) string
	// Submit makes the request from the values, or says what is wrong with them.
	Submit     func(values []string) (sources.System, sources.Body, error)
	SubmitHelp string // "create", "preview"
	// Answer turns a result into lines under the form; done closes the form
	// (its lines then go to the status line).
	Answer func(res sources.Result) (lines []string, bad, done bool)
	// Extra are more keys (apply after a preview); they get the form.
	Extra func(f *Form) []screen.Binding
	// MaxAnswer bounds the answer lines shown; 0 means 8.
	MaxAnswer int
}

// Form is a dialog of fields.
type Form struct {
	host  screen.Host
	spec  FormSpec
	texts []textinput.Model
	areas []textarea.Model
	picks []int
	focus int

	busy   bool
	sent   []string // the values of the last submit
	answer []string
	bad    bool
	width  int
}

var (
	_ screen.Dialog = (*Form)(nil)
	_ screen.Sizer  = (*Form)(nil)
)

// NewForm makes a form from its spec.
func NewForm(host screen.Host, spec FormSpec) *Form {
	f := &Form{host: host, spec: spec}
	f.texts = make([]textinput.Model, len(spec.Fields))
	f.areas = make([]textarea.Model, len(spec.Fields))
	f.picks = make([]int, len(spec.Fields))
	for i, fd := range spec.Fields {
		switch fd.Kind {
		case Text:
			in := textinput.New()
			in.Prompt = ""
			in.Placeholder = fd.Placeholder
			in.SetValue(fd.Value)
			f.texts[i] = in
		case Lines:
			a := textarea.New()
			a.ShowLineNumbers = false
			a.Placeholder = fd.Placeholder
			a.CharLimit = 0
			a.SetHeight(max(fd.Height, 1))
			if fd.Height == 0 {
				a.SetHeight(3)
			}
			a.SetValue(fd.Value)
			f.areas[i] = a
		case Choice:
			for j, c := range fd.Choices {
				if c == fd.Value {
					f.picks[i] = j
				}
			}
		}
	}
	return f
}

func (f *Form) Title() string  { return f.spec.Title }
func (f *Form) Start() tea.Cmd { return f.focusField(0) }
func (f *Form) Stop()          {}
func (f *Form) Typing() bool   { return true }

// Values are the fields' values in order.
func (f *Form) Values() []string {
	out := make([]string, len(f.spec.Fields))
	for i, fd := range f.spec.Fields {
		switch fd.Kind {
		case Text:
			out[i] = strings.TrimSpace(f.texts[i].Value())
		case Lines:
			out[i] = f.areas[i].Value()
		case Choice:
			out[i] = fd.Choices[f.picks[i]]
		}
	}
	return out
}

// Height is the title, the fields, the hint and the answer.
func (f *Form) Height(int) int {
	n := 2 // title, hint or status
	for i, fd := range f.spec.Fields {
		if fd.Kind == Lines {
			n += f.areas[i].Height()
		} else {
			n++
		}
	}
	return n + f.maxAnswer()
}

func (f *Form) maxAnswer() int {
	if f.spec.MaxAnswer > 0 {
		return f.spec.MaxAnswer
	}
	return 8
}

// SetSize fits the inputs to the width.
func (f *Form) SetSize(w, _ int) {
	f.width = w
	for i, fd := range f.spec.Fields {
		switch fd.Kind {
		case Text:
			f.texts[i].SetWidth(max(w-16, 10))
		case Lines:
			f.areas[i].SetWidth(max(w-16, 10))
		}
	}
}

// Bindings: ctrl+s submits, tab moves, esc closes, and the spec's extras.
func (f *Form) Bindings() []screen.Binding {
	busy := ""
	if f.busy {
		busy = "waiting for the answer"
	}
	bs := []screen.Binding{
		{Keys: []string{"ctrl+s"}, Help: f.spec.SubmitHelp, Footer: true, Disabled: busy, Mutating: f.submitMutates(), Run: f.submit},
		{Keys: []string{"tab"}, Help: "next field", Footer: true, Run: func() tea.Cmd { return f.focusField(f.focus + 1) }},
		{Keys: []string{"shift+tab"}, Help: "previous field", Run: func() tea.Cmd { return f.focusField(f.focus - 1) }},
		{Keys: []string{"esc"}, Help: "close", Footer: true, Run: func() tea.Cmd { f.host.Close(f); return nil }},
	}
	if f.spec.Extra != nil {
		bs = append(bs, f.spec.Extra(f)...)
	}
	return bs
}

// submitMutates asks the spec's request whether it changes the cluster, so a
// read-only session refuses the key itself (a preview does not).
func (f *Form) submitMutates() bool {
	_, body, err := f.spec.Submit(f.Values())
	return err == nil && body.Action().Mutating()
}

func (f *Form) submit() tea.Cmd {
	values := f.Values()
	sys, body, err := f.spec.Submit(values)
	if err != nil {
		f.answer, f.bad = []string{err.Error()}, true
		return nil
	}
	f.sent = values
	return f.Send(sys, body)
}

// Sent are the values the last submit was made from: what an answer is
// about, whatever the fields say now.
func (f *Form) Sent() []string { return f.sent }

// Send hands a request to the host; its answer comes back to the form.
func (f *Form) Send(sys sources.System, body sources.Body) tea.Cmd {
	f.busy, f.bad, f.answer = true, false, []string{"working…"}
	return f.host.Request(f, sys, body)
}

func (f *Form) focusField(i int) tea.Cmd {
	if len(f.spec.Fields) == 0 {
		return nil
	}
	f.focus = (i + len(f.spec.Fields)) % len(f.spec.Fields)
	for j := range f.spec.Fields {
		f.texts[j].Blur()
		f.areas[j].Blur()
	}
	switch f.spec.Fields[f.focus].Kind {
	case Text:
		return f.texts[f.focus].Focus()
	case Lines:
		return f.areas[f.focus].Focus()
	}
	return nil
}

// Update takes the typing and the answers.
func (f *Form) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case screen.ResultMsg:
		f.busy = false
		lines, bad, done := f.spec.Answer(msg.Result)
		if done {
			f.host.Close(f)
			f.host.Notify(strings.Join(lines, "; "))
			return nil
		}
		f.answer, f.bad = lines, bad
		return nil
	case tea.KeyPressMsg:
		if fd := f.spec.Fields[f.focus]; fd.Kind == Choice {
			switch msg.String() {
			case "left", "h":
				f.picks[f.focus] = (f.picks[f.focus] + len(fd.Choices) - 1) % len(fd.Choices)
			case "right", "l", "space":
				f.picks[f.focus] = (f.picks[f.focus] + 1) % len(fd.Choices)
			}
			return nil
		}
	}
	var cmd tea.Cmd
	switch f.spec.Fields[f.focus].Kind {
	case Text:
		f.texts[f.focus], cmd = f.texts[f.focus].Update(msg)
	case Lines:
		f.areas[f.focus], cmd = f.areas[f.focus].Update(msg)
	}
	return cmd
}

// View draws the fields, the hint and the answer.
func (f *Form) View(width, height int) string {
	st := f.host.Styles()
	lines := []string{screen.Truncate(" "+st.Accent.Render(safetext.Line(f.spec.Title))+st.Muted.Render("   ctrl+s "+f.spec.SubmitHelp+" · tab next field · esc close"), width)}
	for i, fd := range f.spec.Fields {
		label := fmt.Sprintf(" %-13s", fd.Label)
		if i == f.focus {
			label = st.Accent.Render("›" + label[1:])
		} else {
			label = st.Muted.Render(label)
		}
		var body string
		switch fd.Kind {
		case Text:
			body = f.texts[i].View()
		case Lines:
			body = f.areas[i].View()
		case Choice:
			body = "◂ " + fd.Choices[f.picks[i]] + " ▸"
			if i == f.focus {
				body = st.Selected.Render(body) + st.Muted.Render("  (←/→ choose)")
			}
		}
		for j, l := range strings.Split(body, "\n") {
			if j > 0 {
				label = strings.Repeat(" ", 14)
			}
			lines = append(lines, screen.Truncate(label+" "+l, width))
		}
	}
	if f.spec.Hint != nil {
		if h := f.spec.Hint(f.Values()); h != "" {
			lines = append(lines, screen.Truncate(" "+st.Warn.Render("▲ "+safetext.Line(h)), width))
		}
	}
	style := st.Text
	if f.bad {
		style = st.Bad
	}
	var answer []string
	for _, a := range f.answer {
		answer = append(answer, strings.Split(ansi.Wrap(safetext.Line(a), max(width-2, 10), " "), "\n")...)
	}
	if n := f.maxAnswer(); len(answer) > n {
		answer = append(answer[:n-1], fmt.Sprintf("… and %d more lines", len(answer)-n+1))
	}
	for _, a := range answer {
		lines = append(lines, screen.Truncate(" "+style.Render(a), width))
	}
	return screen.Fill(lines, height)
}
