package tui

import (
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/themes"
)

var t0 = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

// fakeSource records what the UI asks of it. Snapshots are fed to Update
// directly; tails get a fakeStream the test pushes records into; requests
// are answered by answer (ErrUnsupported when nil).
type fakeSource struct {
	system    sources.System
	refreshes int
	paused    bool
	updates   chan sources.Snapshot

	mu      sync.Mutex
	done    []sources.Request
	tails   []sources.TailSpec
	streams []*fakeStream
	answer  func(sources.Request) sources.Result
	tailErr error
}

func (f *fakeSource) System() sources.System           { return f.system }
func (f *fakeSource) Updates() <-chan sources.Snapshot { return f.updates }
func (f *fakeSource) Refresh()                         { f.refreshes++ }
func (f *fakeSource) SetPaused(p bool)                 { f.paused = p }

func (f *fakeSource) Do(_ context.Context, req sources.Request) sources.Result {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.done = append(f.done, req)
	if f.answer != nil {
		return f.answer(req)
	}
	return sources.Result{Err: sources.ErrUnsupported.Error()}
}

func (f *fakeSource) Tail(_ context.Context, spec sources.TailSpec) (sources.Stream, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tails = append(f.tails, spec)
	if f.tailErr != nil {
		return nil, f.tailErr
	}
	st := &fakeStream{ch: make(chan []sources.Record, 16), closed: make(chan struct{}), desc: "fake stream of " + spec.Topic}
	f.streams = append(f.streams, st)
	return st, nil
}

func (f *fakeSource) requests() []sources.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]sources.Request(nil), f.done...)
}

func (f *fakeSource) stream(t testing.TB, i int) *fakeStream {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if i >= len(f.streams) {
		t.Fatalf("%d streams opened, want stream %d", len(f.streams), i)
	}
	return f.streams[i]
}

// fakeStream hands out the batches the test pushes.
type fakeStream struct {
	ch     chan []sources.Record
	closed chan struct{}
	once   sync.Once
	desc   string
}

func (s *fakeStream) push(recs ...sources.Record) { s.ch <- recs }
func (s *fakeStream) end()                        { close(s.ch) }
func (s *fakeStream) Describe() string            { return s.desc }
func (s *fakeStream) Problem() string             { return "" }
func (s *fakeStream) Close()                      { s.once.Do(func() { close(s.closed) }) }
func (s *fakeStream) isClosed() bool {
	select {
	case <-s.closed:
		return true
	default:
		return false
	}
}

func (s *fakeStream) Next(ctx context.Context, max int) ([]sources.Record, error) {
	select {
	case b, ok := <-s.ch:
		if !ok {
			return nil, io.EOF
		}
		return b, nil
	case <-s.closed:
		return nil, sources.ErrStreamClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
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
		rf := 3
		if i == 0 {
			rf = 1
		}
		s.Topics = append(s.Topics, sources.Topic{
			Name: name, ReplicationFactor: rf, Messages: int64(1000 * (i + 1)), Rate: float64(i),
			Partitions: []sources.Partition{{ID: 0, Leader: 1, Replicas: []int32{1, 2, 3}, ISR: []int32{1, 3}, Low: 0, High: 10}},
		})
	}
	return s
}

func nsqSnap() *sources.NSQSnapshot {
	return &sources.NSQSnapshot{
		Meta:     sources.Meta{Seq: 1, Taken: t0, LastOK: t0},
		Lookupds: []sources.Lookupd{{Addr: "http://10.0.0.9:4161", Up: true}},
		Nodes: []sources.NSQNode{{Addr: "10.0.0.5:4151", Hostname: "nsq-a", Up: true, Health: "OK", Version: "1.3.0", Lookupds: []string{"http://10.0.0.9:4161"},
			// Health judges topics and channels on each node.
			Topics: []sources.NSQTopicStats{{Name: "events", Messages: 99, Channels: []sources.NSQChannelStats{{Name: "archive", Clients: 1}, {Name: "push", Depth: 40}}}}}},
		Topics: []sources.NSQTopic{{Name: "events", Messages: 99, Channels: []sources.NSQChannel{
			{Topic: "events", Name: "archive", Clients: 1}, {Topic: "events", Name: "push", Depth: 40},
		}}},
	}
}

// harness drives the root model as the program would: messages into
// Update, commands run in goroutines, their messages back into Update, all
// in the test's goroutine.
type harness struct {
	t       testing.TB
	m       *Model
	kafka   *fakeSource
	nsq     *fakeSource
	w, h    int
	lastCmd tea.Cmd
	inbox   chan tea.Msg
}

func newHarness(t testing.TB, w, h int, configure func(*Options)) *harness {
	t.Helper()
	p, err := themes.Load(themes.Default)
	if err != nil {
		t.Fatal(err)
	}
	hs := &harness{t: t, kafka: &fakeSource{system: sources.Kafka}, nsq: &fakeSource{system: sources.NSQ}, w: w, h: h,
		inbox: make(chan tea.Msg, 64)}
	o := Options{Context: "prod-eu", Palette: p, Kafka: hs.kafka, NSQ: hs.nsq, Now: func() time.Time { return t0 }}
	if configure != nil {
		configure(&o)
	}
	hs.m = New(o)
	t.Cleanup(hs.m.stopAll)
	hs.send(tea.WindowSizeMsg{Width: w, Height: h})
	return hs
}

// send hands a message to Update and keeps the command it returns.
func (h *harness) send(msg tea.Msg) {
	h.t.Helper()
	_, h.lastCmd = h.m.Update(msg)
}

// sendAndRun hands a message to Update and runs what it returns in the background.
func (h *harness) sendAndRun(msg tea.Msg) {
	h.t.Helper()
	h.send(msg)
	h.start(h.lastCmd)
}

// start runs a command as the program would, off the test's goroutine.
func (h *harness) start(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	go func() {
		switch msg := cmd().(type) {
		case nil:
		case tea.BatchMsg:
			for _, c := range msg {
				h.start(c)
			}
		default:
			h.inbox <- msg
		}
	}()
}

// until delivers the background commands' messages until cond holds. The
// deadline only bounds a hang; it measures nothing.
func (h *harness) until(what string, cond func() bool) {
	h.t.Helper()
	deadline := time.After(30 * time.Second)
	for !cond() {
		select {
		case msg := <-h.inbox:
			h.sendAndRun(msg)
		case <-deadline:
			h.t.Fatalf("waited 30s for %s; screen:\n%s", what, h.screen())
		}
	}
}

// untilScreen delivers messages until every text is on the screen.
func (h *harness) untilScreen(texts ...string) string {
	h.t.Helper()
	var s string
	h.until("the screen to show "+strings.Join(texts, ", "), func() bool {
		s = h.screen()
		for _, t := range texts {
			if !strings.Contains(s, t) {
				return false
			}
		}
		return true
	})
	return s
}

func (h *harness) keys(keys ...string) {
	h.t.Helper()
	for _, k := range keys {
		h.sendAndRun(keyPress(k))
	}
}

func (h *harness) typeText(s string) {
	for _, r := range s {
		h.sendAndRun(tea.KeyPressMsg{Code: r, Text: string(r)})
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
	case "shift+tab":
		return tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	case "ctrl+s":
		return tea.KeyPressMsg{Code: 's', Mod: tea.ModCtrl}
	case "ctrl+r":
		return tea.KeyPressMsg{Code: 'r', Mod: tea.ModCtrl}
	case "ctrl+u":
		return tea.KeyPressMsg{Code: 'u', Mod: tea.ModCtrl}
	case "ctrl+d":
		return tea.KeyPressMsg{Code: 'd', Mod: tea.ModCtrl}
	case "ctrl+b":
		return tea.KeyPressMsg{Code: 'b', Mod: tea.ModCtrl}
	case "ctrl+f":
		return tea.KeyPressMsg{Code: 'f', Mod: tea.ModCtrl}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	case "ctrl+x":
		return tea.KeyPressMsg{Code: 'x', Mod: tea.ModCtrl}
	case "ctrl+e":
		return tea.KeyPressMsg{Code: 'e', Mod: tea.ModCtrl}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "left":
		return tea.KeyPressMsg{Code: tea.KeyLeft}
	case "right":
		return tea.KeyPressMsg{Code: tea.KeyRight}
	case "pgup":
		return tea.KeyPressMsg{Code: tea.KeyPgUp}
	case "pgdown":
		return tea.KeyPressMsg{Code: tea.KeyPgDown}
	case "home":
		return tea.KeyPressMsg{Code: tea.KeyHome}
	case "end":
		return tea.KeyPressMsg{Code: tea.KeyEnd}
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
	h.send(snapshotMsg{1, h.kafka, kafkaSnap()})
	h.send(snapshotMsg{1, h.nsq, nsqSnap()})
	return h
}

func mustContain(t testing.TB, screen string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(screen, w) {
			t.Fatalf("screen lacks %q:\n%s", w, screen)
		}
	}
}

func mustNotContain(t testing.TB, screen string, bad ...string) {
	t.Helper()
	for _, b := range bad {
		if strings.Contains(screen, b) {
			t.Fatalf("screen shows %q:\n%s", b, screen)
		}
	}
}

func quits(cmd tea.Cmd) bool {
	if cmd == nil {
		return false
	}
	_, ok := cmd().(tea.QuitMsg)
	return ok
}
