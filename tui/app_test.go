package tui

import (
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/topicat/topicat/sources"
)

func TestFirstScreenAt80x24(t *testing.T) {
	h := newHarness(t, 80, 24, nil)
	mustContain(t, h.screen(), "kafka connecting…", "connecting to kafka…")
	h.fed()
	s := h.screen()
	mustContain(t, s, "topicat", "prod-eu", "kafka 3 brokers · 2s ago", "1 Brokers", "NSQ",
		"10.0.0.1:9092", "DOWN for 3m", "connection ref", "health ✖ 1 ▲ 2")
}

func TestNavigation(t *testing.T) {
	h := newHarness(t, 100, 30, nil).fed()
	h.keys("2")
	mustContain(t, h.screen(), "KAFKA Topics", "audit-log", "orders", "payments")
	h.keys("down", "enter")
	mustContain(t, h.screen(), "KAFKA Topics › Topic orders", "Partitions", "1,2,3", "1,3")
	h.keys("esc")
	mustContain(t, h.screen(), "KAFKA Topics")
	h.keys("enter", "q") // q in a detail goes back, not out
	if quits(h.lastCmd) {
		t.Fatal("q in a detail pane quit")
	}
	mustContain(t, h.screen(), "KAFKA Topics")
	h.keys("tab")
	mustContain(t, h.screen(), "KAFKA Groups", "billing")
	h.keys("tab")
	mustContain(t, h.screen(), "NSQ Nodes", "nsq-a", "1/1")
	h.keys("q")
	if !quits(h.lastCmd) {
		t.Fatal("q at the top level does not quit")
	}
}

func TestCommandMode(t *testing.T) {
	tests := []struct {
		command string
		want    []string
	}{
		{"nodes", []string{"NSQ Nodes", "nsq-a"}},
		{"nsq topics", []string{"NSQ Topics", "events"}},
		{"topics", []string{"KAFKA Topics", "payments"}},
		{"partitions payments", []string{"KAFKA Topics › Partitions of payments"}},
		{"topic payments", []string{"KAFKA Topics › Topic payments", "Configs"}},
		{"group billing", []string{"KAFKA Groups › Group billing", "Members"}},
		{"broker 2", []string{"KAFKA Brokers › Broker 2", "DOWN since"}},
		{"channels events", []string{"NSQ Topics › Channels of events", "archive", "push"}},
		{"brokers 10.0.0.3", []string{"KAFKA Brokers", "1 of 3 rows"}},
		{"lookupds", []string{"NSQ Nodes › Lookupds", "10.0.0.9:4161"}},
		{"channels", []string{"NSQ Channels", "archive", "push"}},
		{"health", []string{"Health", "broker is down", "replication factor 1", "depth 40 and no clients"}},
		{"nonsense", []string{`unknown view "nonsense"`}},
		{"partitions", []string{":partitions needs TOPIC"}},
		{"tail orders", []string{"KAFKA Topics › Tail orders"}},
		{"tail orders 0,2-3", []string{"KAFKA Topics › Tail orders [0,2-3]", "partitions 0,2-3"}},
		{"tail orders x", []string{`"x" is not a partition number`}},
		{"tail nsq events", []string{"NSQ Topics › Tail events"}},
	}
	for _, tc := range tests {
		t.Run(tc.command, func(t *testing.T) {
			h := newHarness(t, 120, 30, nil).fed()
			h.keys(":")
			mustContain(t, h.screen(), ":")
			h.typeText(tc.command)
			h.keys("enter")
			mustContain(t, h.screen(), tc.want...)
		})
	}
}

func TestFilter(t *testing.T) {
	h := newHarness(t, 100, 30, nil).fed()
	h.keys("2", "/")
	h.typeText("pay")
	s := h.screen()
	mustContain(t, s, "payments", "1 of 3 rows")
	mustNotContain(t, s, "audit-log")
	h.keys("enter") // keep the filter, back to the table
	mustContain(t, h.screen(), "filter: pay")
	h.keys("esc") // esc clears it
	mustContain(t, h.screen(), "audit-log", "3 rows")
}

func TestSortByShiftLetter(t *testing.T) {
	h := newHarness(t, 100, 30, nil).fed()
	h.keys("2", "M") // MESSAGES
	s := h.screen()
	if strings.Index(s, "audit-log") > strings.Index(s, "payments") {
		t.Fatalf("ascending sort by messages put payments first:\n%s", s)
	}
	mustContain(t, s, "sorted by MESSAGES ▲")
	h.keys("M")
	s = h.screen()
	if strings.Index(s, "payments") > strings.Index(s, "audit-log") {
		t.Fatalf("second M did not reverse:\n%s", s)
	}
	mustContain(t, s, "MESSAGES▼")
}

func TestHelpOverlayFromKeyMap(t *testing.T) {
	h := newHarness(t, 80, 24, nil).fed()
	h.keys("?")
	s := h.screen()
	for _, b := range h.m.bindings() {
		mustContain(t, s, b.Help)
	}
	mustContain(t, s, ":brokers", ":channels", "? or esc closes", "Sort this pane", "I ID", "A ADDRESS")
	h.keys("esc")
	mustNotContain(t, h.screen(), "? or esc closes")
}

func TestRefreshAndPauseReachTheSources(t *testing.T) {
	h := newHarness(t, 100, 30, nil).fed()
	h.keys("r")
	if h.kafka.refreshes != 1 || h.nsq.refreshes != 1 {
		t.Fatalf("refresh reached kafka %d, nsq %d times", h.kafka.refreshes, h.nsq.refreshes)
	}
	h.keys("p")
	if !h.kafka.paused || !h.nsq.paused {
		t.Fatal("pause did not reach the sources")
	}
	mustContain(t, h.screen(), "PAUSED")
	h.keys("p")
	if h.kafka.paused {
		t.Fatal("second p did not resume")
	}
}

func TestUnconfiguredSystemSaysHow(t *testing.T) {
	h := newHarness(t, 100, 30, func(o *Options) { o.NSQ = nil })
	h.send(snapshotMsg{1, h.kafka, kafkaSnap()})
	h.keys("4")
	mustContain(t, h.screen(), "NSQ is not configured", "--lookupd")
}

func TestReadOnlyBadge(t *testing.T) {
	h := newHarness(t, 100, 30, func(o *Options) { o.ReadOnly = true }).fed()
	mustContain(t, h.screen(), "READ-ONLY")
}

func TestErrorsNeverFlood(t *testing.T) {
	h := newHarness(t, 100, 30, nil)
	s := kafkaSnap()
	for i := range 40 {
		s.Errors = append(s.Errors, sources.EndpointError{Endpoint: fmt.Sprintf("broker %d", i), Op: "list offsets", Err: "refused", Since: t0})
	}
	h.send(snapshotMsg{1, h.kafka, s})
	screen := h.screen()
	if n := strings.Count(screen, "✖ kafka broker"); n != maxErrorLines-1 {
		t.Fatalf("%d endpoint error lines, want %d:\n%s", n, maxErrorLines-1, screen)
	}
	mustContain(t, screen, "and 38 more failing endpoints")
}

func TestHostileNamesStayText(t *testing.T) {
	h := newHarness(t, 120, 30, nil)
	s := kafkaSnap()
	s.Topics[0].Name = "evil\x1b]0;pwned\x07\x1b[2J\u202e"
	s.Errors = []sources.EndpointError{{Endpoint: "broker 9", Err: "bad\x1b[31m", Since: t0}}
	h.send(snapshotMsg{1, h.kafka, s})
	h.keys("2")
	raw := h.m.View().Content
	for _, bad := range []string{"\x1b]0;", "\x1b[2J", "\u202e", "\x07", "\x1b[31mbad"} {
		if strings.Contains(raw, bad) {
			t.Fatalf("raw view carries %q", bad)
		}
	}
	mustContain(t, h.screen(), `evil\x1b]0;pwned\x07\x1b[2J\u202e`)
}

func TestResizeAndScroll(t *testing.T) {
	h := newHarness(t, 100, 30, nil)
	s := kafkaSnap()
	s.Topics = nil
	for i := range 200 {
		s.Topics = append(s.Topics, sources.Topic{Name: fmt.Sprintf("topic-%03d", i), ReplicationFactor: 3})
	}
	h.send(snapshotMsg{1, h.kafka, s})
	h.keys("2")
	h.w, h.h = 60, 15
	h.send(tea.WindowSizeMsg{Width: 60, Height: 15})
	mustContain(t, h.screen(), "topic-000")
	h.keys("G")
	s2 := h.screen()
	mustContain(t, s2, "▸ topic-199")
	mustNotContain(t, s2, "topic-000")
	h.keys("g")
	h.send(tea.MouseWheelMsg{Button: tea.MouseWheelDown})
	mustContain(t, h.screen(), "▸ topic-003")
	// The selection follows its row across refreshes.
	h.send(snapshotMsg{1, h.kafka, s})
	mustContain(t, h.screen(), "▸ topic-003")
}

func TestCtrlCAlwaysQuits(t *testing.T) {
	h := newHarness(t, 80, 24, nil).fed()
	h.keys("/") // even while typing a filter
	h.keys("ctrl+c")
	if !quits(h.lastCmd) {
		t.Fatal("ctrl+c did not quit")
	}
}

func TestTinyTerminalsNeverCrash(t *testing.T) {
	for _, size := range [][2]int{{1, 1}, {10, 2}, {80, 3}, {29, 24}, {30, 8}, {40, 9}} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			h := newHarness(t, size[0], size[1], nil).fed()
			for _, k := range []string{"?", "esc", "2", "enter", "down", ":", "esc", "/", "esc", "7"} {
				h.keys(k)
				h.screen()
			}
		})
	}
}

func TestSortKeysNeverShadowKeys(t *testing.T) {
	h := newHarness(t, 120, 30, nil).fed()
	h.keys("3", "G") // G is "last row", not "sort by GROUP"
	mustNotContain(t, h.screen(), "sorted by GROUP")
	h.keys("R") // GROUP takes the next free letter of its title
	mustContain(t, h.screen(), "sorted by GROUP")
	h.keys("8") // only as many jump keys as tabs
	mustContain(t, h.screen(), "KAFKA Groups")
}
