package tui

import (
	"context"
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/tui/safetext"
)

// requestTimeout bounds one action, so a hung cluster never leaves it pending.
const requestTimeout = 30 * time.Second

// resultMsg is a source's answer to a request the UI sent.
type resultMsg struct{ res sources.Result }

// request hands an action to a source. It returns at once: the source carries
// it out in the Cmd's goroutine and the answer comes back as a resultMsg, so
// the UI stays responsive and shows the action as running until then.
func (m *Model) request(src sources.Source, req sources.Request) tea.Cmd {
	m.nextID++
	req.ID = m.nextID
	m.pending[req.ID] = req
	ctx := m.ctx
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, requestTimeout)
		defer cancel()
		res := src.Do(ctx, req)
		res.Request = req
		return resultMsg{res}
	}
}

// finish takes a result in and says how it went, in one line.
func (m *Model) finish(res sources.Result) {
	delete(m.pending, res.Request.ID)
	m.message = summarize(res)
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
