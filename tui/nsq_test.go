package tui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/tui/actions"
	"github.com/topicat/topicat/tui/dialog"
)

const (
	nsqA, nsqB = "10.0.0.5:4151", "10.0.0.6:4151"
	lookupd1   = "http://10.0.0.9:4161"
	lookupd2   = "http://10.0.0.10:4161"
)

// nsqDeep is two nodes, one of them down, known to one lookupd of two;
// events/archive paused on one node only, events/push piling up unread.
func nsqDeep() *sources.NSQSnapshot {
	stats := func(archivePaused bool, pushDepth int64) []sources.NSQTopicStats {
		return []sources.NSQTopicStats{{Name: "events", Depth: 2, BackendDepth: 1, Messages: 600, In: 3, Channels: []sources.NSQChannelStats{
			{Name: "archive", Depth: 5, Messages: 600, Clients: 1, Paused: archivePaused, In: 3, Out: 3},
			{Name: "push", Depth: pushDepth, Messages: 600, In: 3, Out: 0},
		}}}
	}
	both := []string{nsqA, nsqB}
	return &sources.NSQSnapshot{
		Meta: sources.Meta{Seq: 3, Taken: t0, LastOK: t0},
		Lookupds: []sources.Lookupd{{Addr: lookupd1, Up: true, Version: "1.3.0", Nodes: 2, Topics: 1},
			{Addr: lookupd2, Up: false, DownSince: t0.Add(-time.Minute), Nodes: -1, Topics: -1, Err: "connection refused"}},
		Nodes: []sources.NSQNode{
			{Addr: nsqA, Hostname: "nsq-a", TCPPort: 4150, Up: true, Health: "OK", Version: "1.3.0", StartTime: t0.Add(-2 * time.Hour), Lookupds: []string{lookupd1}, Topics: stats(true, 30)},
			{Addr: nsqB, Hostname: "nsq-b", Up: false, DownSince: t0.Add(-90 * time.Second), Err: "stats: connection refused", Lookupds: []string{lookupd1}, Topics: stats(false, 10)},
		},
		Topics: []sources.NSQTopic{{Name: "events", Depth: 4, BackendDepth: 2, Messages: 1200, In: 6, Ins: []float64{5, 6}, Depths: []int64{4, 4}, Nodes: both, Partial: true,
			Channels: []sources.NSQChannel{
				{Topic: "events", Name: "archive", Depth: 10, Messages: 1200, Clients: 2, PausedOn: []string{nsqA}, Nodes: both, In: 6, Out: 6, Drain: sources.CatchUpSteady},
				{Topic: "events", Name: "push", Depth: 40, Messages: 1200, Nodes: both, In: 6, Out: 0, Climbing: true, Drain: sources.CatchUpNever},
			}}},
		Inactive: []sources.NSQInactive{{Topic: "retired", Lookupds: []string{lookupd1}}},
	}
}

// nsqAdmin answers the NSQ detail and admin requests as a source would: a
// target per node.
func nsqAdmin(req sources.Request) sources.Result {
	perNode := func(detail string) sources.Result {
		return sources.Result{Targets: []sources.TargetResult{{Target: "nsqd " + nsqA, Detail: detail}, {Target: "nsqd " + nsqB, Detail: detail}}}
	}
	switch b := req.Body.(type) {
	case sources.DescribeNSQChannel:
		return sources.Result{Data: &sources.NSQChannelDetail{Topic: b.Topic, Channel: b.Channel, Clients: []sources.NSQClient{
			{Node: nsqA, ClientID: "w1", Hostname: "worker-1", RemoteAddress: "10.1.0.1:51000", UserAgent: "go-nsq/1.1.0", ReadyCount: 8, InFlight: 1, Finished: 590, Messages: 591, ConnectedAt: t0.Add(-10 * time.Minute)},
		}}}
	case sources.DescribeNSQNode:
		return sources.Result{Data: &sources.NSQNodeDetail{Node: b.Node, Memory: &sources.NSQMemory{HeapInUseBytes: 5 << 20, GCTotalRuns: 7},
			Producers: []sources.NSQClient{{Node: b.Node, Hostname: "api-1", RemoteAddress: "10.2.0.1:6000", PubCounts: []sources.NSQPubCount{{Topic: "events", Count: 1200}}}}}}
	case sources.NSQPause:
		return perNode(string(b.Action()) + "d")
	case sources.NSQEmpty:
		return perNode("emptied")
	case sources.NSQDelete:
		return perNode("deleted")
	case sources.NSQTombstone:
		return sources.Result{Targets: []sources.TargetResult{{Target: "lookupd " + lookupd1, Detail: "tombstoned"}, {Target: "nsqd " + b.Node, Detail: "deleted topic " + b.Topic}}}
	case sources.NSQCreate:
		return sources.Result{Targets: []sources.TargetResult{{Target: "lookupd " + lookupd1, Detail: "created"}, {Target: "nsqd " + nsqA, Detail: "created"},
			{Target: "nsqd " + nsqB, Err: "create " + b.Target() + ": connection refused"}}}
	}
	return sources.Result{Err: sources.ErrUnsupported.Error()}
}

func nsqHarness(t *testing.T, configure func(*Options)) *harness {
	h := newHarness(t, 160, 40, configure)
	h.send(snapshotMsg{1, h.nsq, nsqDeep()})
	h.nsq.answer = nsqAdmin
	return h
}

func describesOf[B sources.Body](f *fakeSource) int {
	n := 0
	for _, r := range f.requests() {
		if _, ok := r.Body.(B); ok {
			n++
		}
	}
	return n
}

// TestNSQHeaderAndPanes: the header counts the nodes up and the cluster's
// messages per second; the panes tell per-node truth.
func TestNSQHeaderAndPanes(t *testing.T) {
	h := nsqHarness(t, nil)
	h.keys("4")
	s := h.screen()
	mustContain(t, s, "nsq 1 of 2 up · 6.0 msg/s", "1/2", "DOWN for 1m")
	h.keys("6")
	s = h.screen()
	mustContain(t, s, "IN/s", "OUT/s", "DRAIN", "paused on 1 of 2", "40 ▲", "never", "holds")
	mustNotContain(t, s, "RATE")
	h.keys(":")
	h.typeText("lookupds")
	h.keys("enter", "down")
	mustContain(t, h.screen(), "NSQ Nodes › Lookupds", "DOWN for 1m", "INACTIVE", "what it knows now is unknown")
	h.keys(":")
	h.typeText("inactive")
	h.keys("enter")
	mustContain(t, h.screen(), "Inactive", "retired", "no node carries it")
}

// TestNSQTopicPage: Enter on a topic opens its page: a row per node and a
// total, then its channels; Enter on a channel opens the channel's page,
// whose clients are asked for while it is open, and only then.
func TestNSQTopicPage(t *testing.T) {
	h := nsqHarness(t, func(o *Options) { o.PageEvery = time.Millisecond })
	h.keys("5", "enter")
	s := h.screen()
	mustContain(t, s, "NSQ Topics › Topic events", "4 at least (memory + disk 2 + 2)", "IN 6.0/s", "carried by 2 nodes",
		"NODE", "MEM + DISK", nsqA, nsqB, "DOWN for 1m", "total (partial)", "1200")
	h.keys("]")
	mustContain(t, h.screen(), "archive", "push", "paused on 1 of 2", "40 ▲")
	if n := describesOf[sources.DescribeNSQChannel](h.nsq); n != 0 {
		t.Fatalf("clients asked for %d times before a channel page opened", n)
	}
	h.keys("enter")
	s = h.screen()
	mustContain(t, s, "Topic events › Channel events/archive", "IN 6.0/s · OUT 6.0/s · drain holds", "2 · carried by 2 nodes · paused on 1 of 2 (10.0.0.5:4151)")
	h.until("refetches while on view", func() bool { return describesOf[sources.DescribeNSQChannel](h.nsq) >= 3 })
	h.keys("]")
	mustContain(t, h.untilScreen("worker-1"), "10.1.0.1:51000", "go-nsq/1.1.0", "10m", "591")
	h.keys("esc")
	h.until("no request in flight", func() bool { return len(h.m.pending) == 0 })
	before := describesOf[sources.DescribeNSQChannel](h.nsq)
	for deadline := time.After(200 * time.Millisecond); ; { // what is in flight lands; nothing new is asked
		select {
		case msg := <-h.inbox:
			h.sendAndRun(msg)
			continue
		case <-deadline:
		}
		break
	}
	if n := describesOf[sources.DescribeNSQChannel](h.nsq); n != before {
		t.Fatalf("clients asked for %d more times after the channel page closed", n-before)
	}
}

// TestNSQNodePage: Enter on a node: identity, lookupds, memory and GC,
// its topics and channels, its producers.
func TestNSQNodePage(t *testing.T) {
	h := nsqHarness(t, nil)
	h.keys("4", "enter")
	s := h.untilScreen("NSQ Nodes › Node 10.0.0.5:4151", "heap in use 5.0 MiB")
	mustContain(t, s, "hostname nsq-a", "1.3.0 · started", "(2h0m ago)", "known to 1/2: http://10.0.0.9:4161 · not to http://10.0.0.10:4161 (down)",
		"7 runs", "Topics", "Channels", "Producers", "events")
	h.keys("]")
	mustContain(t, h.screen(), "archive", "push", "paused")
	h.keys("]")
	mustContain(t, h.screen(), "api-1", "events 1200")
	h.keys(":")
	h.typeText("node " + nsqB)
	h.keys("enter")
	mustContain(t, h.untilScreen("Node 10.0.0.6:4151"), "DOWN for 1m: stats: connection refused")
}

// TestNSQPauseEmptyDelete: the keys on topics and channels, from the list
// and from the pages, build the typed requests; destructive ones only after
// the name is typed; the answer is on the status line, per node.
func TestNSQPauseEmptyDelete(t *testing.T) {
	h := nsqHarness(t, nil)
	h.keys("6") // channels: archive (paused on one node), push
	mustContain(t, h.screen(), "z unpause channel (paused on 1 of 2)")
	h.keys("z")
	h.untilScreen("✔ nsq.unpause channel events/archive done on 2 of 2")
	if p := h.last(h.nsq).Body.(sources.NSQPause); !p.Unpause || p.Topic != "events" || p.Channel != "archive" {
		t.Fatalf("pause request %+v: want unpause everywhere", p)
	}
	h.keys("down", "z")
	h.untilScreen("✔ nsq.pause channel events/push done on 2 of 2")
	if p := h.last(h.nsq).Body.(sources.NSQPause); p.Unpause || p.Channel != "push" {
		t.Fatalf("pause request %+v", p)
	}

	n := len(h.nsq.requests())
	h.keys("ctrl+e")
	mustContain(t, h.screen(), "Empty channel events/push", "queued, in flight and deferred", "40 messages on 2 nodes", "Type events/push to confirm")
	h.keys("esc")
	mustContain(t, h.screen(), "cancelled: nothing was changed")
	h.keys("ctrl+e")
	h.confirm("events/push")
	h.untilScreen("✔ nsq.empty channel events/push done on 2 of 2")
	if e := h.last(h.nsq).Body.(sources.NSQEmpty); e.Topic != "events" || e.Channel != "push" {
		t.Fatalf("empty request %+v", e)
	}
	h.keys("ctrl+x")
	mustContain(t, h.screen(), "Delete channel events/push", "from every lookupd, then from every node")
	h.confirm("events/push")
	h.untilScreen("✔ nsq.delete channel events/push done on 2 of 2")
	if len(h.nsq.requests()) != n+2 {
		t.Fatalf("%d requests for an empty, a cancel and a delete", len(h.nsq.requests())-n)
	}

	// The topic, from its page: pause, empty, delete act on it.
	h.keys("5", "enter", "z")
	h.untilScreen("✔ nsq.pause topic events done on 2 of 2")
	h.keys("ctrl+x")
	mustContain(t, h.screen(), "Delete topic events", "Type events to confirm")
	h.confirm("events")
	h.untilScreen("✔ nsq.delete topic events done on 2 of 2")
	if d := h.last(h.nsq).Body.(sources.NSQDelete); d.Topic != "events" || d.Channel != "" {
		t.Fatalf("delete request %+v", d)
	}
}

// TestNSQTombstoneFromTheTopicPage: ctrl+t on a node's row tombstones the
// topic there, after its name is typed; the total row is no node.
func TestNSQTombstoneFromTheTopicPage(t *testing.T) {
	h := nsqHarness(t, nil)
	h.keys("5", "enter", "down") // the second node's row
	h.keys("ctrl+t")
	mustContain(t, h.screen(), "Tombstone topic events on nsqd 10.0.0.6:4151", "retires the topic from one node", "17 messages there", "Type events to confirm")
	h.confirm("events")
	h.untilScreen("✔ nsq.tombstone topic events on nsqd 10.0.0.6:4151 done on 2 of 2")
	if tb := h.last(h.nsq).Body.(sources.NSQTombstone); tb.Topic != "events" || tb.Node != nsqB {
		t.Fatalf("tombstone request %+v", tb)
	}
	h.keys("down", "ctrl+t") // the total
	mustContain(t, h.screen(), "select a node's row")
	if h.m.dialog() != nil {
		t.Fatal("a tombstone of the total row opened")
	}
}

// TestNSQCreateForm: n creates a topic and a channel on the nodes as well
// as in lookupd; a node that failed keeps the form open and says which.
func TestNSQCreateForm(t *testing.T) {
	h := nsqHarness(t, nil)
	h.keys("5", "n")
	mustContain(t, h.screen(), "New NSQ topic", "every nsqd up", "keeps what is published to it")
	h.typeText("orders")
	h.keys("tab")
	h.typeText("billing")
	h.keys("ctrl+s")
	s := h.untilScreen("✖ nsqd 10.0.0.6:4151: create channel orders/billing: connection refused")
	mustContain(t, s, "lookupd http://10.0.0.9:4161: created", "New NSQ topic")
	if c := h.last(h.nsq).Body.(sources.NSQCreate); c.Topic != "orders" || c.Channel != "billing" || c.Node != "" {
		t.Fatalf("create request %+v", c)
	}
	h.keys("esc", "6", "n")
	mustContain(t, h.screen(), "New NSQ channel", "events") // the row's topic
	h.keys("tab")
	h.typeText("x/y")
	h.keys("ctrl+s")
	mustContain(t, h.screen(), "a name holds no /")
}

// TestNSQAdminKeysUnderReadOnly: every NSQ key that changes the cluster is
// refused read-only, reaches no source and opens nothing; pages still read.
func TestNSQAdminKeysUnderReadOnly(t *testing.T) {
	h := nsqHarness(t, func(o *Options) { o.ReadOnly = true })
	for _, step := range [][]string{{"5", "z"}, {"5", "ctrl+e"}, {"5", "ctrl+x"}, {"5", "n"}, {"6", "z"}, {"6", "n"},
		{"5", "enter", "ctrl+t"}, {"5", "enter", "]", "ctrl+x"}} {
		h.keys("esc", "esc")
		h.keys(step...)
		mustContain(t, h.screen(), "refused: topicat runs read-only")
		if h.m.dialog() != nil {
			t.Fatalf("%v opened a dialog under read-only", step)
		}
	}
	h.keys("esc", "esc", "6", "enter", "]")
	h.untilScreen("worker-1") // reading is allowed
	for _, r := range h.nsq.requests() {
		if r.Action().Mutating() {
			t.Fatalf("%s reached the source under read-only", r.Action())
		}
	}
	mustNotContain(t, h.screen(), "z pause", "z unpause")
}

// TestNSQDialogsAsData: the dialogs the keys open can be reached and named,
// for the read-only walk of every binding.
func TestNSQDialogsAsData(t *testing.T) {
	h := nsqHarness(t, nil)
	for name, open := range map[string]func() tea.Cmd{
		"empty":     func() tea.Cmd { return actions.EmptyNSQ(h.m, "events", "") },
		"delete":    func() tea.Cmd { return actions.DeleteNSQ(h.m, "events", "push") },
		"tombstone": func() tea.Cmd { return actions.Tombstone(h.m, "events", nsqA) },
	} {
		open()
		c, ok := h.m.dialog().(*dialog.Confirm)
		if !ok {
			t.Fatalf("%s opened %T, want a confirmation", name, h.m.dialog())
		}
		if !strings.Contains(h.screen(), "Type events") {
			t.Fatalf("%s does not ask for the name:\n%s", name, h.screen())
		}
		h.m.Close(c)
	}
}
