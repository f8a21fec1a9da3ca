package tui

import (
	"context"
	"fmt"
	"image/color"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/themes"
)

var t0 = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

// fakeSource records the controls the UI sends; snapshots are fed to Update directly.
type fakeSource struct {
	system    sources.System
	refreshes int
	paused    bool
	updates   chan sources.Snapshot
}

func (f *fakeSource) System() sources.System           { return f.system }
func (f *fakeSource) Updates() <-chan sources.Snapshot { return f.updates }
func (f *fakeSource) Refresh()                         { f.refreshes++ }
func (f *fakeSource) SetPaused(p bool)                 { f.paused = p }
func (f *fakeSource) Do(context.Context, sources.Request) sources.Result {
	return sources.Result{Err: sources.ErrUnsupported.Error()}
}

func kafkaSnap() *sources.KafkaSnapshot {
	s := &sources.KafkaSnapshot{
		Meta:       sources.Meta{Seq: 1, Taken: t0, LastOK: t0.Add(-2 * time.Second)},
		ClusterID:  "c1",
		Controller: 1,
		Brokers: []sources.Broker{
			{ID: 1, Host: "10.0.0.1", Port: 9092, Up: true, Leaders: 4},
			{ID: 2, Host: "10.0.0.2", Port: 9092, Up: false, DownSince: t0.Add(-3 * time.Minute), LastErr: "connection refused"},
			{ID: 3, Host: "10.0.0.3", Port: 9092, Up: true, Leaders: 5},
		},
		Groups: []sources.Group{{ID: "billing", State: "Stable", Members: 2, Lag: 5}},
	}
	for i, name := range []string{"audit-log", "orders", "payments"} {
		s.Topics = append(s.Topics, sources.Topic{
			Name: name, ReplicationFactor: 3 - 2*boolInt(i == 0), Messages: int64(1000 * (i + 1)), Rate: float64(i),
			Partitions: []sources.Partition{{ID: 0, Leader: 1, Replicas: []int32{1, 2, 3}, ISR: []int32{1, 3}, Low: 0, High: 10}},
		})
	}
	return s
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func nsqSnap() *sources.NSQSnapshot {
	return &sources.NSQSnapshot{
		Meta:     sources.Meta{Seq: 1, Taken: t0, LastOK: t0},
		Lookupds: []sources.Lookupd{{Addr: "http://10.0.0.9:4161", Up: true}},
		Nodes:    []sources.NSQNode{{Addr: "10.0.0.5:4151", Hostname: "nsq-a", Up: true, Health: "OK", Version: "1.3.0", Lookupds: []string{"http://10.0.0.9:4161"}}},
		Topics: []sources.NSQTopic{{Name: "events", Messages: 99, Channels: []sources.NSQChannel{
			{Topic: "events", Name: "archive", Clients: 1}, {Topic: "events", Name: "push", Depth: 40},
		}}},
	}
}

type harness struct {
	t       testing.TB
	m       *Model
	kafka   *fakeSource
	nsq     *fakeSource
	w, h    int
	lastCmd tea.Cmd
}

func newHarness(t testing.TB, w, h int, configure func(*Options)) *harness {
	t.Helper()
	p, err := themes.Load(themes.Default)
	if err != nil {
		t.Fatal(err)
	}
	hs := &harness{t: t, kafka: &fakeSource{system: sources.Kafka}, nsq: &fakeSource{system: sources.NSQ}, w: w, h: h}
	o := Options{Context: "prod-eu", Palette: p, Kafka: hs.kafka, NSQ: hs.nsq, Now: func() time.Time { return t0 }}
	if configure != nil {
		configure(&o)
	}
	hs.m = New(o)
	hs.send(tea.WindowSizeMsg{Width: w, Height: h})
	return hs
}

func (h *harness) send(msg tea.Msg) {
	h.t.Helper()
	_, h.lastCmd = h.m.Update(msg)
}

func (h *harness) keys(keys ...string) {
	h.t.Helper()
	for _, k := range keys {
		h.send(keyPress(k))
	}
}

func (h *harness) typeText(s string) {
	for _, r := range s {
		h.send(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

func keyPress(k string) tea.KeyPressMsg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	}
	r := []rune(k)[0]
	if r >= 'A' && r <= 'Z' {
		return tea.KeyPressMsg{Code: r + 32, ShiftedCode: r, Text: k, Mod: tea.ModShift}
	}
	return tea.KeyPressMsg{Code: r, Text: k}
}

// screen is the view as the user reads it, with the layout checks every screen must pass.
func (h *harness) screen() string {
	h.t.Helper()
	raw := h.m.View().Content
	plain := ansi.Strip(raw)
	lines := strings.Split(plain, "\n")
	if len(lines) != h.h {
		h.t.Fatalf("screen has %d lines, want %d:\n%s", len(lines), h.h, plain)
	}
	for i, l := range lines {
		if w := ansi.StringWidth(l); w > h.w {
			h.t.Fatalf("line %d is %d cells wide, over %d: %q", i, w, h.w, l)
		}
	}
	return plain
}

func (h *harness) fed() *harness {
	h.send(snapshotMsg{h.kafka, kafkaSnap()})
	h.send(snapshotMsg{h.nsq, nsqSnap()})
	return h
}

func mustContain(t *testing.T, screen string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(screen, w) {
			t.Fatalf("screen lacks %q:\n%s", w, screen)
		}
	}
}

func mustNotContain(t *testing.T, screen string, bad ...string) {
	t.Helper()
	for _, b := range bad {
		if strings.Contains(screen, b) {
			t.Fatalf("screen shows %q:\n%s", b, screen)
		}
	}
}

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
	mustContain(t, h.screen(), "Partitions of orders", "1,2,3", "1,3")
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
		{"channels events", []string{"NSQ Channels › Channels of events", "archive", "push"}},
		{"brokers 10.0.0.3", []string{"KAFKA Brokers", "1 of 3 rows"}},
		{"lookupds", []string{"NSQ Nodes › Lookupds", "10.0.0.9:4161"}},
		{"channels", []string{"NSQ Channels", "archive", "push"}},
		{"health", []string{"Health", "broker is down", "replication factor 1", "depth 40 and no clients"}},
		{"nonsense", []string{`unknown command "nonsense"`}},
		{"partitions", []string{":partitions needs TOPIC"}},
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
	for _, k := range h.m.keys.hints() {
		mustContain(t, s, k.Help().Desc)
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
	h.send(snapshotMsg{h.kafka, kafkaSnap()})
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
	h.send(snapshotMsg{h.kafka, s})
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
	h.send(snapshotMsg{h.kafka, s})
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
	h.send(snapshotMsg{h.kafka, s})
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
	h.send(snapshotMsg{h.kafka, s})
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

func quits(cmd tea.Cmd) bool {
	if cmd == nil {
		return false
	}
	_, ok := cmd().(tea.QuitMsg)
	return ok
}

// actionSource answers requests as a real source would, per target.
type actionSource struct {
	fakeSource
	got []sources.Request
}

func (a *actionSource) Do(_ context.Context, req sources.Request) sources.Result {
	a.got = append(a.got, req)
	return sources.Result{Request: req, Targets: []sources.TargetResult{{Target: "nsqd a:4151"}, {Target: "nsqd b:4151", Err: "connection refused"}}}
}

func TestRequestsRunOutsideUpdateAndReportPerTarget(t *testing.T) {
	src := &actionSource{fakeSource: fakeSource{system: sources.NSQ}}
	h := newHarness(t, 100, 30, func(o *Options) { o.NSQ = src }).fed()
	cmd := h.m.request(src, sources.Request{Action: "nsq.channel.pause", Target: "events/archive"})
	if len(src.got) != 0 {
		t.Fatal("the request ran inside Update")
	}
	mustContain(t, h.screen(), "1 action(s) running")
	h.send(cmd())
	if len(src.got) != 1 || src.got[0].ID == 0 {
		t.Fatalf("requests reaching the source: %+v", src.got)
	}
	s := h.screen()
	mustContain(t, s, "✖ nsq.channel.pause events/archive failed on 1 of 2: nsqd b:4151: connection refused")
	mustNotContain(t, s, "running")
}

func TestReadOnlyRefusalIsShown(t *testing.T) {
	src := &actionSource{fakeSource: fakeSource{system: sources.NSQ}}
	h := newHarness(t, 120, 30, func(o *Options) { o.NSQ = sources.ReadOnly(src); o.ReadOnly = true }).fed()
	h.send(h.m.request(h.m.opts.NSQ, sources.Request{Action: "nsq.topic.delete", Target: "events"})())
	if len(src.got) != 0 {
		t.Fatal("a mutating request reached the source in read-only mode")
	}
	mustContain(t, h.screen(), "✖ nsq.topic.delete events: refused: topicat runs read-only")
}

func TestThemeFollowsTheBackground(t *testing.T) {
	h := newHarness(t, 100, 30, nil).fed()
	dark := h.m.View().Content
	h.send(tea.BackgroundColorMsg{Color: color.White})
	if light := h.m.View().Content; light == dark {
		t.Fatal("the default theme did not change for a light background")
	}
	mustContain(t, h.screen(), "10.0.0.1:9092")
}

func TestCommandCompletion(t *testing.T) {
	h := newHarness(t, 100, 30, nil).fed()
	h.keys(":")
	h.typeText("chan")
	h.keys("tab", "enter")
	mustContain(t, h.screen(), "NSQ Channels")
}

func TestStartMessage(t *testing.T) {
	h := newHarness(t, 120, 30, func(o *Options) { o.Message = "demo: kcat -b 127.0.0.1:1234" }).fed()
	mustContain(t, h.screen(), "demo: kcat -b 127.0.0.1:1234")
	h.keys("2")
	mustContain(t, h.screen(), "demo: kcat -b")
	h.keys(":", "esc")
	mustNotContain(t, h.screen(), "demo: kcat -b")
}

func TestOpensOnAConfiguredSystem(t *testing.T) {
	h := newHarness(t, 100, 30, func(o *Options) { o.Kafka = nil })
	h.send(snapshotMsg{h.nsq, nsqSnap()})
	mustContain(t, h.screen(), "NSQ Nodes", "nsq-a")
}

func TestHealthShowsTheWholeFindingOfTheSelectedRow(t *testing.T) {
	h := newHarness(t, 80, 24, nil).fed()
	h.keys("7")
	s := h.screen()
	mustContain(t, s, "broker 2: broker is down. Why it matters:", "What to do:", "check the broker process")
	h.keys("down")
	mustContain(t, h.screen(), "replication factor 1. Why it matters")
	h.keys("G") // the last row stays visible above the note
	mustContain(t, h.screen(), "▸ warning")
}

func TestLongNotesAreCutVisibly(t *testing.T) {
	h := newHarness(t, 40, 14, nil)
	s := kafkaSnap()
	s.LastOK = time.Time{}
	s.Errors = []sources.EndpointError{{Endpoint: "bootstrap 127.0.0.1:1", Err: strings.Repeat("connection refused ", 10)}}
	h.send(snapshotMsg{h.kafka, s})
	h.keys("7", "down") // after "broker 2", the "kafka cluster" finding
	mustContain(t, h.screen(), "kafka cluster: no broker has", "…")
	h = newHarness(t, 200, 40, nil)
	h.send(snapshotMsg{h.kafka, s})
	h.keys("7", "down")
	mustContain(t, h.screen(), "themselves.")
}
