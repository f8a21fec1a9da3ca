// Package message is the message detail screen: one record's topic, position,
// time, key and every header, and its value pretty-printed when it is JSON,
// else as text, else as a hex dump, with a key to switch between them. It
// holds its own copy of the record, so the tail's buffer may move on.
package message

import (
	"bytes"
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/tui/records"
	"github.com/topicat/topicat/tui/safetext"
	"github.com/topicat/topicat/tui/screen"
	"github.com/topicat/topicat/tui/views"
)

// Screen shows one message.
type Screen struct {
	host screen.Host
	sys  sources.System
	rec  sources.Record

	mode  records.Mode // what the user asked for
	used  records.Mode // what the value was shown as
	lines []string     // the whole page, safe text, built for width
	built int          // the width lines were built for; 0 when stale
	top   int

	width, height int
}

var (
	_ screen.Screen = (*Screen)(nil)
	_ screen.Sizer  = (*Screen)(nil)
)

// New makes the detail screen of a record.
func New(host screen.Host, sys sources.System, r sources.Record) *Screen {
	return &Screen{host: host, sys: sys, rec: r, mode: records.Auto}
}

// Title names the message by its position.
func (s *Screen) Title() string {
	if s.sys == sources.NSQ {
		return "Message " + safetext.Line(s.rec.ID)
	}
	return fmt.Sprintf("Message %d@%d", s.rec.Partition, s.rec.Offset)
}

func (s *Screen) Start() tea.Cmd         { return nil }
func (s *Screen) Stop()                  {}
func (s *Screen) Update(tea.Msg) tea.Cmd { return nil }
func (s *Screen) body() int              { return max(s.height, 1) }
func (s *Screen) maxTop() int            { return max(0, len(s.lines)-s.body()) }
func (s *Screen) scroll(d int) func() tea.Cmd {
	return func() tea.Cmd { s.top = max(0, min(s.top+d, s.maxTop())); return nil }
}

// SetSize rebuilds the page when the width changed; View only reads it.
func (s *Screen) SetSize(w, h int) {
	s.width, s.height = w, h
	if s.built != w {
		s.build()
	}
	s.top = min(s.top, s.maxTop())
}

// Bindings scroll, switch the value's form and copy.
func (s *Screen) Bindings() []screen.Binding {
	page := max(s.body()-1, 1)
	next := map[records.Mode]string{records.JSON: "text", records.Text: "hex", records.Hex: "JSON"}[s.used]
	return []screen.Binding{
		{Keys: []string{"up", "k"}, Label: "↑/k", Help: "scroll up", Run: s.scroll(-1)},
		{Keys: []string{"down", "j"}, Label: "↓/j", Help: "scroll down", Run: s.scroll(1)},
		{Keys: []string{"pgup", "ctrl+u", "ctrl+b"}, Label: "ctrl+u", Help: "page up", Run: s.scroll(-page)},
		{Keys: []string{"pgdown", "ctrl+d", "ctrl+f", "space"}, Label: "ctrl+d", Help: "page down", Run: s.scroll(page)},
		{Keys: []string{"home", "g"}, Label: "g", Help: "top", Run: func() tea.Cmd { s.top = 0; return nil }},
		{Keys: []string{"end", "G"}, Label: "G", Help: "bottom", Run: func() tea.Cmd { s.top = s.maxTop(); return nil }},
		{Keys: []string{"v"}, Help: "show the value as " + next, Footer: true, Run: s.cycle},
		{Keys: []string{"y"}, Help: "copy value", Footer: true, Run: func() tea.Cmd { return Copy(s.host, &s.rec, false) }},
		{Keys: []string{"Y"}, Help: "copy message as JSON", Footer: true, Run: func() tea.Cmd { return Copy(s.host, &s.rec, true) }},
	}
}

func (s *Screen) cycle() tea.Cmd {
	s.mode = map[records.Mode]records.Mode{records.JSON: records.Text, records.Text: records.Hex, records.Hex: records.JSON}[s.used]
	s.build()
	return nil
}

// build lays out the page for the current width and mode.
func (s *Screen) build() {
	w := max(s.width-2, 20)
	r := &s.rec
	var lines []string
	field := func(name, value string) { lines = append(lines, fmt.Sprintf("%-9s %s", name, value)) }
	field("topic", safetext.Line(r.Topic))
	if s.sys == sources.NSQ {
		field("id", safetext.Line(r.ID))
		field("attempts", fmt.Sprint(r.Attempts))
		field("nsqd", safetext.Line(r.Node))
	} else {
		field("partition", fmt.Sprint(r.Partition))
		field("offset", fmt.Sprint(r.Offset))
	}
	if !r.Timestamp.IsZero() {
		field("time", r.Timestamp.UTC().Format("2006-01-02 15:04:05.000 UTC")+" ("+when(s.host.Now().Sub(r.Timestamp))+")")
	}
	field("size", fmt.Sprintf("key %s · value %s · %s", records.HumanBytes(int64(len(r.Key))), records.HumanBytes(int64(len(r.Value))), screen.Plural(len(r.Headers), "header")))
	if s.sys == sources.Kafka {
		switch {
		case r.Key == nil:
			field("key", "(none)")
		default:
			key, _ := records.Render(r.Key, records.Auto, w-10)
			for i, l := range key {
				if i == 0 {
					field("key", l)
				} else {
					field("", l)
				}
			}
		}
		for i, h := range r.Headers {
			name := ""
			if i == 0 {
				name = "headers"
			}
			val, _ := records.Render(h.Value, records.Text, w-10)
			text := safetext.Line(h.Key) + " ="
			if len(val) > 0 {
				text += " " + val[0]
			}
			field(name, text)
			for _, l := range val[min(1, len(val)):] {
				field("", "  "+l)
			}
		}
	}
	value, used := records.Render(r.Value, s.mode, w)
	s.used = used
	how := map[records.Mode]string{records.JSON: "JSON", records.Text: "text", records.Hex: "hex dump"}[used]
	if s.mode == records.Auto {
		how += " (as it reads best)"
	}
	lines = append(lines, "", fmt.Sprintf("── value · %s · %s ──", how, records.HumanBytes(int64(len(r.Value)))))
	lines = append(lines, value...)
	s.lines, s.built = lines, s.width
}

// View draws the visible part of the page.
func (s *Screen) View(width, height int) string {
	st := s.host.Styles()
	out := make([]string, 0, height)
	for i := s.top; i < len(s.lines) && len(out) < height; i++ {
		out = append(out, screen.Truncate(" "+st.Text.Render(s.lines[i]), width))
	}
	return screen.Fill(out, height)
}

// maxCopy is the most sent to the clipboard: terminals drop OSC 52 writes
// much beyond this.
const maxCopy = 512 << 10

// Copy puts a record's value, or the whole record as JSON, on the clipboard
// with OSC 52, which works over SSH. It is the only way message bytes reach
// the clipboard: the operator pressed the key. A value holding control
// characters is copied with them escaped as the screen shows them, since a
// paste of ESC or a bracketed-paste end into a shell could run commands.
func Copy(host screen.Host, r *sources.Record, asJSON bool) tea.Cmd {
	b, what, note := r.Value, "the value", ""
	switch {
	case asJSON:
		b, what = records.AppendJSON(nil, r), "the message as JSON"
	case !pasteSafe(b):
		b, note = defuse(b), "; its control characters are escaped (Y copies JSON)"
	}
	if len(b) > maxCopy {
		host.Notify(fmt.Sprintf("✖ %s is %s: too large for the clipboard over OSC 52 (terminals take about %s); save it from the tail with s", what, records.HumanBytes(int64(len(b))), records.HumanBytes(maxCopy)))
		return nil
	}
	host.Notify(fmt.Sprintf("copied %s (%s) to the clipboard with OSC 52%s", what, records.HumanBytes(int64(len(b))), note))
	return tea.SetClipboard(string(b))
}

// pasteSafe reports whether b is text that pastes as typed: valid UTF-8 with
// no control or format characters but newlines and tabs.
func pasteSafe(b []byte) bool {
	for _, r := range string(b) {
		if r != '\n' && r != '\t' && !safetext.Safe(r) {
			return false
		}
	}
	return true
}

// defuse escapes a value's unsafe characters line by line, keeping its lines.
func defuse(b []byte) []byte {
	var out []byte
	for i, line := range bytes.Split(b, []byte("\n")) {
		if i > 0 {
			out = append(out, '\n')
		}
		out = safetext.AppendLine(out, line)
	}
	return out
}

// when says how long ago d was, as the panes do.
func when(d time.Duration) string {
	if d < 0 {
		return "in the future"
	}
	return views.Ago(d) + " ago"
}
