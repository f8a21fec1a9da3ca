package tui

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/topicat/topicat/sources"
)

// ctxHarness is a dashboard on context prod-eu of a config with staging
// too; opening staging gives a session on k2 whose Close is counted.
type ctxHarness struct {
	*harness
	k2                  *fakeSource
	oldClosed, newClose atomic.Int32
	opened              atomic.Int32
	openErr             error
}

func newCtxHarness(t *testing.T) *ctxHarness {
	c := &ctxHarness{k2: &fakeSource{system: sources.Kafka}}
	c.harness = newHarness(t, 120, 30, func(o *Options) {
		o.Contexts, o.Current = []string{"prod-eu", "staging"}, "prod-eu"
		o.Close = func() { c.oldClosed.Add(1) }
		o.OpenContext = func(_ context.Context, name string) (*Session, error) {
			c.opened.Add(1)
			if c.openErr != nil {
				return nil, c.openErr
			}
			if name != "staging" {
				return &Session{Label: name, Kafka: &fakeSource{system: sources.Kafka}}, nil
			}
			return &Session{Label: "STAGING eu", Colour: "green", Kafka: c.k2, Close: func() { c.newClose.Add(1) }}, nil
		}
	})
	c.fed()
	return c
}

func (c *ctxHarness) command(line string) {
	c.t.Helper()
	c.keys(":")
	c.typeText(line)
	c.keys("enter")
}

// TestContextCommandSwitches: :ctx lists the contexts, :ctx NAME builds the
// new session off the UI and switches to it on its first pane; the old
// session's tail closes, its sources are closed, and what it still sends
// (a snapshot, a request's answer) is dropped.
func TestContextCommandSwitches(t *testing.T) {
	c := newCtxHarness(t)
	st := openTail(t, c.harness)
	oldTop := c.m.top()

	// :ctx lists the contexts, the open one marked; enter on another switches.
	c.command("ctx")
	mustContain(t, c.screen(), "Contexts  enter switches", "* prod-eu", "  staging")
	c.keys("down", "enter")
	s := c.untilScreen("STAGING eu", "connecting to kafka…", "switched to STAGING eu")
	mustContain(t, s, "KAFKA Brokers") // the first pane
	mustNotContain(t, s, "prod-eu", "Tail orders")
	c.until("the old session's tail stream to close", st.isClosed)
	c.until("the old session to close", func() bool { return c.oldClosed.Load() == 1 })
	if c.m.current != "staging" {
		t.Fatalf("current context %q, want staging", c.m.current)
	}

	// The old session's snapshot and answers are dropped.
	c.send(snapshotMsg{1, c.kafka, kafkaSnap()})
	c.send(requestDoneMsg{gen: 1, to: oldTop, res: sources.Result{Err: "from the old session"}})
	s = c.screen()
	mustContain(t, s, "connecting to kafka…")
	mustNotContain(t, s, "from the old session", "10.0.0.1:9092")
	// The new one's are taken.
	c.send(snapshotMsg{2, c.k2, kafkaSnap()})
	mustContain(t, c.screen(), "10.0.0.1:9092")

	c.command("ctx")
	mustContain(t, c.screen(), "  prod-eu", "* staging")
	c.keys("esc")
	mustNotContain(t, c.screen(), "Contexts  enter switches")

	// :ctx NAME switches back without the list.
	c.command("ctx prod-eu")
	c.untilScreen("switched to prod-eu")
	c.until("the staging session to close", func() bool { return c.newClose.Load() == 1 })
}

func TestContextCommandRefusals(t *testing.T) {
	tests := []struct {
		line, want string
	}{
		{"ctx prod-eu", "already on prod-eu"},
		{"ctx nope", `:ctx: no context "nope" (contexts: prod-eu, staging)`},
	}
	for _, tc := range tests {
		t.Run(tc.line, func(t *testing.T) {
			c := newCtxHarness(t)
			c.command(tc.line)
			mustContain(t, c.screen(), tc.want, "prod-eu")
			if n := c.opened.Load(); n != 0 {
				t.Fatalf("opened %d sessions", n)
			}
		})
	}
	t.Run("no contexts", func(t *testing.T) {
		h := newHarness(t, 120, 30, nil).fed()
		h.keys(":")
		h.typeText("ctx staging")
		h.keys("enter")
		mustContain(t, h.screen(), ":ctx: no contexts")
	})
}

// TestContextThatFailsToOpenKeepsTheOld: a context whose session cannot be
// built says why and leaves the one on view running.
func TestContextThatFailsToOpenKeepsTheOld(t *testing.T) {
	c := newCtxHarness(t)
	c.openErr = errors.New("Kafka TLS: read TLS CA file: open /nope/ca.pem: no such file or directory")
	c.command("ctx staging")
	s := c.untilScreen("✖ context staging: Kafka TLS: read TLS CA file")
	mustContain(t, s, "prod-eu", "10.0.0.1:9092")
	if c.oldClosed.Load() != 0 || c.m.current != "prod-eu" {
		t.Fatalf("the old session was closed (%d) or left (%q)", c.oldClosed.Load(), c.m.current)
	}
}

// TestContextOpenedLateIsClosed: a session opened for a :ctx that a newer
// :ctx overtook is closed, never shown.
func TestContextOpenedLateIsClosed(t *testing.T) {
	c := newCtxHarness(t)
	c.command("ctx staging")
	first := c.lastCmd // building the first session
	c.m.opening++      // a second :ctx was typed meanwhile
	msg := first()
	c.sendAndRun(msg)
	// Enter started a build too (the harness runs what keys return): that
	// session is overtaken as well, and may close first.
	c.until("the overtaken session to close", func() bool { return c.newClose.Load() >= 1 })
	mustContain(t, c.screen(), "prod-eu", "10.0.0.1:9092")
	mustNotContain(t, c.screen(), "STAGING")
}

// TestHeaderShowsColourAndTLSWarning: the label is drawn on the context's
// colour and an unverified TLS connection is a badge.
func TestHeaderShowsColourAndTLSWarning(t *testing.T) {
	h := newHarness(t, 120, 30, func(o *Options) {
		o.Colour, o.Warning = "red", "KAFKA TLS NOT VERIFIED"
	}).fed()
	mustContain(t, h.screen(), " prod-eu ", "⚠ KAFKA TLS NOT VERIFIED")
	plain := newHarness(t, 120, 30, nil).fed()
	if h.m.header() == plain.m.header() {
		t.Fatal("a coloured context's header looks like an uncoloured one")
	}
}

func TestParseColour(t *testing.T) {
	for _, ok := range []string{"", "red", "Green", "#ff0000", "208", "grey"} {
		if _, err := ParseColour(ok); err != nil {
			t.Errorf("ParseColour(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"pinkish", "#ff00", "256", "-1"} {
		if _, err := ParseColour(bad); err == nil {
			t.Errorf("ParseColour(%q) accepted", bad)
		}
	}
}
