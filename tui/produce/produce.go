// Package produce is the produce form: value first (several lines, or @PATH
// to send a file), key, headers, partition, compression and acks for Kafka,
// a defer for NSQ. ctrl+s sends from any field; the answer shows under the
// form ("partition 2 @ offset 90", "OK from nsqd …") and the form stays
// filled for the next send. It opens as a dialog under the screen it came
// from, so a tail above it shows the message arrive.
package produce

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/textarea"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/tui/safetext"
	"github.com/topicat/topicat/tui/screen"
)

// maxFile bounds a value read from @PATH; brokers refuse far less.
const maxFile = 64 << 20

type fieldKind int

const (
	fValue fieldKind = iota
	fKey
	fHeaders
	fPartition
	fCompression
	fAcks
	fDefer
)

var fieldNames = map[fieldKind]string{
	fValue: "value", fKey: "key", fHeaders: "headers", fPartition: "partition",
	fCompression: "compression", fAcks: "acks", fDefer: "defer",
}

// Form is the produce dialog.
type Form struct {
	host  screen.Host
	sys   sources.System
	topic string

	fields []fieldKind
	focus  int

	value, headers       textarea.Model
	key, partition, dfer textinput.Model
	codec, acks          int // indexes into sources.Codecs() and sources.AcksChoices()

	sending bool
	status  string
	bad     bool
	sent    int

	width int
}

var (
	_ screen.Dialog = (*Form)(nil)
	_ screen.Sizer  = (*Form)(nil)
)

// Messages of the form's own work.
type fileMsg struct {
	data []byte
	path string
	err  error
}

// New makes a form for a topic of a system.
func New(host screen.Host, sys sources.System, topic string) *Form {
	f := &Form{host: host, sys: sys, topic: topic}
	f.fields = []fieldKind{fValue, fKey, fHeaders, fPartition, fCompression, fAcks}
	if sys == sources.NSQ {
		f.fields = []fieldKind{fValue, fDefer}
	}
	f.value = textarea.New()
	f.value.Placeholder = "the message; @PATH sends a file (@@ for a value that starts with @)"
	f.value.ShowLineNumbers = false
	f.value.CharLimit = 0
	f.value.MaxHeight = 0
	f.value.SetHeight(valueLines)
	f.headers = textarea.New()
	f.headers.Placeholder = "one key=value per line (keys may repeat)"
	f.headers.ShowLineNumbers = false
	f.headers.CharLimit = 0
	f.headers.SetHeight(headerLines)
	f.key = newInput("none")
	f.partition = newInput("auto")
	f.dfer = newInput("none (e.g. 30s: nsqd holds the message that long)")
	return f
}

func newInput(placeholder string) textinput.Model {
	in := textinput.New()
	in.Prompt = ""
	in.Placeholder = placeholder
	return in
}

func (f *Form) Title() string  { return "Produce to " + f.topic }
func (f *Form) Start() tea.Cmd { return f.focusField(0) }
func (f *Form) Stop()          {}
func (f *Form) Typing() bool   { return true }

// Height is what the form needs: the fields and the answer line.
func (f *Form) Height(int) int { return f.lines(valueLines, headerLines) }

// The text areas' heights when there is room.
const valueLines, headerLines = 5, 2

// lines is the form's height with text areas of v and h lines: the title,
// the fields, and up to three lines of answer.
func (f *Form) lines(v, h int) int {
	if f.sys == sources.NSQ {
		return 1 + v + 1 + 3
	}
	return 1 + v + 1 + h + 1 + 3
}

// SetSize fits the inputs to the width, and in a short terminal gives the
// text areas fewer lines so the answer line stays in view.
func (f *Form) SetSize(w, h int) {
	v, hd := valueLines, headerLines
	if h < f.lines(v, hd) {
		hd = 1
		v = max(1, v-(f.lines(v, hd)-h))
	}
	f.value.SetHeight(v)
	f.headers.SetHeight(hd)
	f.width = w
	in := max(w-14, 10)
	f.value.SetWidth(in)
	f.headers.SetWidth(in)
	f.key.SetWidth(in)
	f.partition.SetWidth(10)
	f.dfer.SetWidth(in)
}

// Bindings: ctrl+s sends, tab moves, esc closes; everything else is typed.
func (f *Form) Bindings() []screen.Binding {
	busy := ""
	if f.sending {
		busy = "the last message is still being sent"
	}
	return []screen.Binding{
		{Keys: []string{"ctrl+s"}, Help: "send", Footer: true, Mutating: true, Disabled: busy, Run: f.send},
		{Keys: []string{"tab"}, Help: "next field", Footer: true, Run: func() tea.Cmd { return f.focusField(f.focus + 1) }},
		{Keys: []string{"shift+tab"}, Help: "previous field", Run: func() tea.Cmd { return f.focusField(f.focus - 1) }},
		{Keys: []string{"esc"}, Help: "close", Footer: true, Run: func() tea.Cmd { f.host.Close(f); return nil }},
	}
}

func (f *Form) focusField(i int) tea.Cmd {
	f.focus = (i + len(f.fields)) % len(f.fields)
	f.value.Blur()
	f.headers.Blur()
	f.key.Blur()
	f.partition.Blur()
	f.dfer.Blur()
	switch f.fields[f.focus] {
	case fValue:
		return f.value.Focus()
	case fHeaders:
		return f.headers.Focus()
	case fKey:
		return f.key.Focus()
	case fPartition:
		return f.partition.Focus()
	case fDefer:
		return f.dfer.Focus()
	}
	return nil
}

// Update takes typing into the focused field, the answers to a send and the
// contents of a file to send.
func (f *Form) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case screen.ResultMsg:
		f.sending = false
		f.answer(msg.Result)
		return nil
	case fileMsg:
		if msg.err != nil {
			f.sending, f.bad, f.status = false, true, msg.err.Error()
			return nil
		}
		return f.request(msg.data)
	case tea.KeyPressMsg:
		switch f.fields[f.focus] {
		case fCompression:
			f.codec = cycle(f.codec, len(sources.Codecs()), msg.String())
			return nil
		case fAcks:
			f.acks = cycle(f.acks, len(sources.AcksChoices()), msg.String())
			return nil
		}
	}
	var cmd tea.Cmd
	switch f.fields[f.focus] {
	case fValue:
		f.value, cmd = f.value.Update(msg)
	case fHeaders:
		f.headers, cmd = f.headers.Update(msg)
	case fKey:
		f.key, cmd = f.key.Update(msg)
	case fPartition:
		f.partition, cmd = f.partition.Update(msg)
	case fDefer:
		f.dfer, cmd = f.dfer.Update(msg)
	}
	return cmd
}

// cycle moves a choice with ←/→ (or h/l, space).
func cycle(i, n int, key string) int {
	switch key {
	case "left", "h":
		return (i + n - 1) % n
	case "right", "l", "space":
		return (i + 1) % n
	}
	return i
}

// send checks the form and sends its message, reading @PATH first off the UI.
func (f *Form) send() tea.Cmd {
	v := f.value.Value()
	if path, ok := strings.CutPrefix(v, "@"); ok && !strings.HasPrefix(path, "@") && !strings.Contains(path, "\n") {
		f.sending, f.bad, f.status = true, false, "reading "+path+"…"
		return f.host.Async(f, func(context.Context) tea.Msg {
			data, err := readFile(path)
			return fileMsg{data: data, path: path, err: err}
		})
	}
	if strings.HasPrefix(v, "@@") {
		v = v[1:]
	}
	return f.request([]byte(v))
}

func readFile(path string) ([]byte, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read the value from %s: %w", path, errors.Unwrap(err))
	}
	defer fh.Close()
	b, err := io.ReadAll(io.LimitReader(fh, maxFile+1))
	if err != nil {
		return nil, fmt.Errorf("read the value from %s: %w", path, err)
	}
	if len(b) > maxFile {
		return nil, fmt.Errorf("%s is over %d MiB; topicat sends files up to that size", path, maxFile>>20)
	}
	return b, nil
}

// request builds the typed request from the fields; bad input is said under
// the form and nothing is sent.
func (f *Form) request(value []byte) tea.Cmd {
	body, err := f.body(value)
	if err != nil {
		f.sending, f.bad, f.status = false, true, err.Error()
		return nil
	}
	f.sending, f.bad, f.status = true, false, "sending…"
	return f.host.Request(f, f.sys, body)
}

func (f *Form) body(value []byte) (sources.Produce, error) {
	p := sources.Produce{Topic: f.topic}
	msg := sources.Message{Value: value, Partition: sources.AnyPartition}
	if len(value) == 0 {
		return p, errors.New("the value is empty: type a message (NSQ refuses empty ones; Kafka tombstones are not sent from here)")
	}
	if f.sys == sources.NSQ {
		if d := strings.TrimSpace(f.dfer.Value()); d != "" {
			dur, err := time.ParseDuration(d)
			if err != nil || dur <= 0 {
				return p, fmt.Errorf("defer %q: want a duration such as 30s or 5m", d)
			}
			p.Defer = dur
		}
		p.Messages = []sources.Message{msg}
		return p, nil
	}
	if k := f.key.Value(); k != "" {
		msg.Key = []byte(k)
	}
	for i, line := range strings.Split(f.headers.Value(), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || k == "" {
			return p, fmt.Errorf("header line %d: want key=value, got %q", i+1, safetext.Line(line))
		}
		msg.Headers = append(msg.Headers, sources.Header{Key: k, Value: []byte(v)})
	}
	if ps := strings.TrimSpace(f.partition.Value()); ps != "" && ps != "auto" {
		n, err := strconv.ParseInt(ps, 10, 32)
		if err != nil || n < 0 {
			return p, fmt.Errorf("partition %q: want a partition number, or leave it empty to let the producer choose", ps)
		}
		msg.Partition = int32(n)
	}
	p.Compression = sources.Codecs()[f.codec]
	p.Acks = sources.AcksChoices()[f.acks]
	p.Messages = []sources.Message{msg}
	return p, nil
}

// answer shows how the send went, as producers print it.
func (f *Form) answer(res sources.Result) {
	switch {
	case res.Err != "":
		f.bad, f.status = true, res.Err
	case len(res.Targets) > 0 && res.Targets[0].Err != "":
		f.bad, f.status = true, res.Targets[0].Err
	case len(res.Targets) > 0:
		f.sent++
		f.bad, f.status = false, res.Targets[0].Detail
	default:
		f.sent++
		f.bad, f.status = false, "sent"
	}
}

// View draws the fields and the answer line.
func (f *Form) View(width, height int) string {
	st := f.host.Styles()
	label := func(k fieldKind) string {
		name := fmt.Sprintf(" %-10s", fieldNames[k])
		if f.fields[f.focus] == k {
			return st.Accent.Render("›" + name[1:])
		}
		return st.Muted.Render(name)
	}
	sys := "KAFKA"
	if f.sys == sources.NSQ {
		sys = "NSQ"
	}
	lines := []string{screen.Truncate(" "+st.Accent.Render("Produce to "+sys+" "+safetext.Line(f.topic))+
		st.Muted.Render("   ctrl+s send · tab next field · esc close"), width)}
	block := func(k fieldKind, view string) {
		for i, l := range strings.Split(view, "\n") {
			prefix := strings.Repeat(" ", 12)
			if i == 0 {
				prefix = label(k) + " "
			}
			lines = append(lines, screen.Truncate(prefix+l, width))
		}
	}
	block(fValue, f.value.View())
	if f.sys == sources.NSQ {
		block(fDefer, f.dfer.View())
	} else {
		block(fKey, f.key.View())
		block(fHeaders, f.headers.View())
		choice := func(k fieldKind, v string) string {
			s := "◂ " + v + " ▸"
			if f.fields[f.focus] == k {
				return st.Selected.Render(s)
			}
			return s
		}
		inline := func(k fieldKind) string {
			if f.fields[f.focus] == k {
				return st.Accent.Render(fieldNames[k])
			}
			return st.Muted.Render(fieldNames[k])
		}
		lines = append(lines, screen.Truncate(label(fPartition)+" "+f.partition.View()+"  "+inline(fCompression)+" "+
			choice(fCompression, string(sources.Codecs()[f.codec]))+"  "+inline(fAcks)+" "+choice(fAcks, string(sources.AcksChoices()[f.acks]))+
			st.Muted.Render("  (←/→ choose)"), width))
	}
	switch {
	case f.status == "":
		lines = append(lines, st.Muted.Render(" enter in the value starts a new line; the form stays filled after a send"))
	case f.bad: // an error says what to do: keep all of it, wrapped
		wrapped := strings.Split(ansi.Wrap("✖ "+safetext.Line(f.status), max(width-2, 10), " "), "\n")
		for _, l := range wrapped[:min(len(wrapped), 3)] {
			lines = append(lines, screen.Truncate(" "+st.Bad.Render(l), width))
		}
	case f.sending:
		lines = append(lines, " "+st.Warn.Render(safetext.Line(f.status)))
	default:
		lines = append(lines, screen.Truncate(" "+st.Good.Render(fmt.Sprintf("✔ %s", safetext.Line(f.status)))+st.Muted.Render(fmt.Sprintf("  (%d sent)", f.sent)), width))
	}
	return screen.Fill(lines, height)
}
