// Package page is the detail page screen of a topic, a group or a broker:
// summary lines about it, then one of its sections as a table, switched with
// [ and ]. What the snapshot lacks (configs, members, time lag, disk) comes
// from the page's Fetch request, asked on open and every few seconds while
// the page is on view (not under another screen, refresh not paused).
package page

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/themes"
	"github.com/topicat/topicat/tui/safetext"
	"github.com/topicat/topicat/tui/screen"
	"github.com/topicat/topicat/tui/table"
	"github.com/topicat/topicat/tui/views"
)

// RefetchEvery is how often a page on view asks again for what the
// snapshot lacks, by default.
const RefetchEvery = 10 * time.Second

// maxProblems is how many failed parts of an answer the summary lists.
const maxProblems = 3

// Screen is a detail page.
type Screen struct {
	host screen.Host
	view *views.View
	arg  string

	sections []*table.Screen
	current  int

	data      views.Data // the newest snapshot data, with the page's Detail
	detail    any
	detailErr string
	problems  []sources.TargetResult // the failed parts of the last answer
	fetching  bool
	every     time.Duration
	timing    bool          // a refetch timer runs: one a page, however often r is pressed
	stopped   chan struct{} // closed by Stop: the timer ends with the page
	fields    []views.Field
	err       error

	width, height int
}

var (
	_ screen.Screen   = (*Screen)(nil)
	_ screen.DataUser = (*Screen)(nil)
	_ screen.Sizer    = (*Screen)(nil)
	_ screen.Typist   = (*Screen)(nil)
	_ screen.Prompter = (*Screen)(nil)
	_ screen.Informer = (*Screen)(nil)
)

type refetchMsg struct{}

// New makes the page of a page view for its argument, asking again every
// so often while on view.
func New(host screen.Host, v *views.View, arg string, every time.Duration) *Screen {
	s := &Screen{host: host, view: v, arg: arg, every: every, stopped: make(chan struct{})}
	for _, sec := range v.Sections {
		s.sections = append(s.sections, table.New(host, sec, arg))
	}
	return s
}

// Title is the breadcrumb label: "Topic orders".
func (s *Screen) Title() string { return s.view.Title + " " + s.arg }

func (s *Screen) section() *table.Screen { return s.sections[s.current] }

// Start asks for what the snapshot lacks.
func (s *Screen) Start() tea.Cmd { return s.fetch() }

// Stop ends the refetch timer.
func (s *Screen) Stop() {
	select {
	case <-s.stopped:
	default:
		close(s.stopped)
	}
}

func (s *Screen) fetch() tea.Cmd {
	if s.view.Fetch == nil || s.fetching {
		return nil
	}
	body := s.view.Fetch(s.arg)
	if body == nil {
		return nil
	}
	s.fetching = true
	return s.host.Request(s, s.view.System, body)
}

// tick waits for the next refetch, or for the page to go.
func (s *Screen) tick(every time.Duration) tea.Cmd {
	s.timing = true
	return s.host.Async(s, func(ctx context.Context) tea.Msg {
		t := time.NewTimer(every)
		defer t.Stop()
		select {
		case <-t.C:
		case <-s.stopped:
		case <-ctx.Done():
		}
		return refetchMsg{}
	})
}

// Update takes the Fetch answers and hands keys to the section on view.
func (s *Screen) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case screen.ResultMsg:
		s.fetching = false
		s.problems = views.Problems(views.Data{DetailProblems: msg.Result.Targets})
		if msg.Result.Err != "" {
			s.detailErr = msg.Result.Err
		} else {
			s.detail, s.detailErr = msg.Result.Data, ""
		}
		s.rebuild()
		if !s.timing {
			return s.tick(s.every)
		}
		return nil
	case refetchMsg:
		s.timing = false
		// Under another screen or paused, a page asks nothing: it looks
		// again shortly, and fetches as soon as it is back on view.
		if !s.host.Live(s) {
			return s.tick(min(s.every, time.Second))
		}
		if cmd := s.fetch(); cmd != nil {
			return cmd
		}
		return s.tick(s.every)
	}
	return s.section().Update(msg)
}

// SetData takes a new snapshot.
func (s *Screen) SetData(d views.Data) {
	s.data = d
	s.rebuild()
}

func (s *Screen) rebuild() {
	d := s.data
	d.Detail, d.DetailProblems = s.detail, s.problems
	if s.detailErr != "" {
		d.DetailErr = errors.New(s.detailErr)
	}
	s.fields, s.err = s.view.Summary(d, s.arg)
	for _, sec := range s.sections {
		sec.SetData(d)
	}
}

// summaryLines are the summary as drawn: label and value, one a line.
func (s *Screen) summaryLines(st themes.Styles, width int) []string {
	if s.err != nil {
		return []string{st.Bad.Render(" ✖ " + safetext.Line(s.err.Error()))}
	}
	var lines []string
	for _, f := range s.fields {
		lines = append(lines, screen.Truncate(" "+st.Muted.Render(fmt.Sprintf("%-11s", f.Label))+table.StatusStyle(st, f.Status).Render(safetext.Line(f.Value)), width))
	}
	switch {
	case s.detailErr != "":
		lines = append(lines, screen.Truncate(" "+st.Bad.Render("✖ "+safetext.Line(s.detailErr)), width))
	case s.fetching && s.detail == nil:
		lines = append(lines, " "+st.Muted.Render("loading what the snapshot lacks…"))
	}
	for i, p := range s.problems {
		if i == maxProblems {
			lines = append(lines, " "+st.Bad.Render(fmt.Sprintf("✖ and %d more (topicat get %s %s -o json lists them)", len(s.problems)-i, s.view.Name, safetext.Line(s.arg))))
			break
		}
		lines = append(lines, screen.Truncate(" "+st.Bad.Render("✖ "+safetext.Line(p.Target+": "+p.Err)), width))
	}
	return lines
}

// SetSize gives the section what the summary leaves.
func (s *Screen) SetSize(w, h int) {
	s.width, s.height = w, h
	s.section().SetSize(w, s.bodyHeight(w, h))
}

func (s *Screen) bodyHeight(w, h int) int {
	return max(h-len(s.summaryLines(s.host.Styles(), w))-2, 1)
}

// Bindings: [ and ] switch sections, r asks again; the section's own keys follow.
func (s *Screen) Bindings() []screen.Binding {
	bs := []screen.Binding{
		{Keys: []string{"]"}, Label: "[ ]", Help: "next / previous section", Footer: len(s.sections) > 1, Run: func() tea.Cmd { s.switchTo(s.current + 1); return nil }},
		{Keys: []string{"["}, Label: "[", Help: "previous section", Run: func() tea.Cmd { s.switchTo(s.current - 1); return nil }},
		{Keys: []string{"r"}, Help: "refresh now", Footer: true, Run: func() tea.Cmd { s.host.Refresh(); return s.fetch() }},
	}
	return append(bs, s.section().Bindings()...)
}

func (s *Screen) switchTo(i int) {
	s.current = (i + len(s.sections)) % len(s.sections)
	s.SetSize(s.width, s.height)
}

func (s *Screen) Typing() bool           { return s.section().Typing() }
func (s *Screen) Prompt() (string, bool) { return s.section().Prompt() }
func (s *Screen) Info() string           { return s.section().Info() }

// View draws the summary, the section bar and the section on view.
func (s *Screen) View(width, height int) string {
	st := s.host.Styles()
	lines := s.summaryLines(st, width)
	var bar []string
	for i, sec := range s.view.Sections {
		name := fmt.Sprintf(" %s ", sec.Title)
		if i == s.current {
			bar = append(bar, st.TabActive.Render(name))
		} else {
			bar = append(bar, st.Tab.Render(name))
		}
	}
	lines = append(lines, "", screen.Truncate(" "+strings.Join(bar, " "), width))
	body := max(height-len(lines), 1)
	return screen.Fill(append(lines, strings.Split(s.section().View(width, body), "\n")...), height)
}
