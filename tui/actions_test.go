package tui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/tui/dialog"
)

// kafkaAdmin answers the admin and detail requests as a source would.
func kafkaAdmin(req sources.Request) sources.Result {
	switch b := req.Body.(type) {
	case sources.DescribeTopic:
		return sources.Result{Data: &sources.TopicDetail{Topic: b.Topic,
			Configs:  []sources.Config{{Name: "cleanup.policy", Value: "delete", Source: "default", Default: true}, {Name: "retention.ms", Value: "3600000", Source: "topic"}},
			Replicas: []sources.ReplicaSize{{Partition: 0, Broker: 1, Dir: "/data", Bytes: 2048}}}}
	case sources.DescribeGroup:
		return sources.Result{Data: &sources.GroupDetail{Group: b.Group, State: "Stable",
			Members:    []sources.GroupMember{{ID: "m-1", ClientID: "billing-1", Host: "/10.0.0.7", Assigned: []sources.TopicPartitions{{Topic: "orders", Partitions: []int32{0}}}}},
			Partitions: []sources.GroupPartitionDetail{{GroupPartition: sources.GroupPartition{Topic: "orders", Partition: 0, Committed: 5, End: 10, Lag: 5, Member: "billing-1"}, TimeLag: 90 * time.Second}}}}
	case sources.CreateTopic, sources.DeleteTopic, sources.AlterTopic, sources.DeleteGroup:
		return sources.Result{Targets: []sources.TargetResult{{Target: b.(sources.Body).Target(), Detail: "done"}}}
	case sources.ResetOffsets:
		return sources.Result{Data: []sources.OffsetChange{{Topic: "orders", Partition: 0, Old: 5, New: 0, End: 10, LagBefore: 5, LagAfter: 10}},
			Targets: []sources.TargetResult{{Target: "orders/0", Detail: "5 → 0"}}}
	}
	return sources.Result{Err: sources.ErrUnsupported.Error()}
}

func (h *harness) confirm(name string) {
	h.t.Helper()
	c, ok := h.m.dialog().(*dialog.Confirm)
	if !ok {
		h.t.Fatalf("no confirmation open; screen:\n%s", h.screen())
	}
	c.SetArmDelay(0)
	h.typeText(name)
	h.keys("enter")
}

func (h *harness) last(f *fakeSource) sources.Request {
	h.t.Helper()
	reqs := f.requests()
	if len(reqs) == 0 {
		h.t.Fatal("no request reached the source")
	}
	return reqs[len(reqs)-1]
}

func TestTopicPageShowsWhatTheSnapshotLacks(t *testing.T) {
	h := newHarness(t, 140, 40, func(o *Options) {}).fed()
	h.kafka.answer = kafkaAdmin
	h.keys("2", "down", "enter")
	s := h.untilScreen("Topic orders", "on disk", "2.0 KiB in 1 replicas")
	mustContain(t, s, "partitions", "RF 3", "Partitions", "Configs", "Groups", "Disk", "1,2,3")
	h.keys("]")
	s = h.screen()
	mustContain(t, s, "retention.ms", "3600000", "topic", "cleanup.policy")
	h.keys("]")
	mustContain(t, h.screen(), "GROUP")
	h.keys("]")
	mustContain(t, h.screen(), "/data", "2.0 KiB")
}

func TestGroupPageShowsMembersAndTimeLag(t *testing.T) {
	h := newHarness(t, 140, 40, nil).fed()
	h.kafka.answer = kafkaAdmin
	h.keys("3", "enter")
	s := h.untilScreen("Group billing", "1m")
	mustContain(t, s, "COMMITTED", "TIME LAG", "billing-1")
	h.keys("]")
	mustContain(t, h.screen(), "billing-1", "/10.0.0.7", "orders 0")
}

func TestCreateAlterDeleteTopic(t *testing.T) {
	h := newHarness(t, 140, 40, nil).fed()
	h.kafka.answer = kafkaAdmin
	h.keys("2", "n")
	mustContain(t, h.screen(), "New Kafka topic", "ctrl+s create")
	h.typeText("orders.v2")
	h.keys("tab", "tab")
	h.sendAndRun(keyPress("backspace"))
	h.typeText("1")
	mustContain(t, h.screen(), "replication factor 1: losing 1 broker(s) takes partitions offline")
	h.keys("tab")
	h.typeText("retention.ms=1000")
	h.keys("ctrl+s")
	h.untilScreen("✔ created topic orders.v2: 6 partitions, replication factor 1")
	c := h.last(h.kafka).Body.(sources.CreateTopic)
	if c.Topic != "orders.v2" || c.Partitions != 6 || c.ReplicationFactor != 1 || c.Configs["retention.ms"] != "1000" {
		t.Fatalf("create request %+v", c)
	}

	h.keys("down", "e")
	mustContain(t, h.screen(), "Alter topic orders", "now 1")
	h.typeText("12")
	h.keys("ctrl+s")
	h.untilScreen("✔ altered topic orders")
	if a := h.last(h.kafka).Body.(sources.AlterTopic); a.Partitions != 12 {
		t.Fatalf("alter request %+v", a)
	}

	h.keys("ctrl+x")
	mustContain(t, h.screen(), "Delete topic orders", "2000 messages", "Type orders to confirm")
	c2 := h.m.dialog().(*dialog.Confirm)
	h.keys("enter") // at once: not armed
	mustContain(t, h.screen(), "not yet")
	c2.SetArmDelay(0)
	h.typeText("order")
	h.keys("enter")
	mustContain(t, h.screen(), "the name does not match")
	n := len(h.kafka.requests())
	h.typeText("s")
	h.keys("enter")
	h.until("the delete", func() bool { return len(h.kafka.requests()) > n })
	if d := h.last(h.kafka).Body.(sources.DeleteTopic); d.Topic != "orders" {
		t.Fatalf("delete request %+v", d)
	}
	h.untilScreen("✔ kafka.topic.delete topic orders done on 1 of 1")
}

func TestResetOffsetsPreviewsThenApplies(t *testing.T) {
	h := newHarness(t, 140, 40, nil)
	snap := kafkaSnap()
	snap.Groups[0].State, snap.Groups[0].Members = "Empty", 0
	h.send(snapshotMsg{1, h.kafka, snap})
	h.kafka.answer = kafkaAdmin
	h.keys("3", "o")
	mustContain(t, h.screen(), "Reset the offsets of group billing", "ctrl+s preview")
	h.keys("tab", "tab")
	h.typeText("earliest")
	h.keys("ctrl+e") // nothing previewed yet
	mustContain(t, h.screen(), "preview first")
	h.keys("ctrl+s")
	s := h.untilScreen("orders/0", "5 → 0", "5 → 10", "ctrl+e applies this")
	if r := h.last(h.kafka).Body.(sources.ResetOffsets); r.Execute || r.To != sources.ResetEarliest || r.Partition != -1 {
		t.Fatalf("preview request %+v", r)
	}
	_ = s
	h.keys("ctrl+e")
	h.confirm("billing")
	h.untilScreen("✔ reset the offsets of group billing in 1 partitions")
	if r := h.last(h.kafka).Body.(sources.ResetOffsets); !r.Execute || r.To != sources.ResetEarliest || len(r.Previewed) != 1 || r.Previewed[0].New != 0 {
		t.Fatalf("apply request %+v: want the previewed plan with it", r)
	}
}

// TestResetOffsetsFieldChangedWhilePreviewing: a field changed while the
// preview is on its way makes the preview stale, not appliable.
func TestResetOffsetsFieldChangedWhilePreviewing(t *testing.T) {
	h := newHarness(t, 140, 40, nil)
	snap := kafkaSnap()
	snap.Groups[0].State, snap.Groups[0].Members = "Empty", 0
	h.send(snapshotMsg{1, h.kafka, snap})
	h.kafka.answer = kafkaAdmin
	h.keys("3", "o", "tab", "tab")
	h.typeText("earliest")
	h.keys("ctrl+s") // the answer waits in the inbox
	for range "earliest" {
		h.sendAndRun(keyPress("backspace"))
	}
	h.typeText("latest")
	h.untilScreen("ctrl+e applies this")
	n := len(h.kafka.requests())
	h.keys("ctrl+e")
	mustContain(t, h.screen(), "preview first")
	if _, ok := h.m.dialog().(*dialog.Confirm); ok || len(h.kafka.requests()) != n {
		t.Fatal("a preview of earliest could be applied while the field says latest")
	}
}

func TestEditConfigStartsFromItsValue(t *testing.T) {
	h := newHarness(t, 140, 40, nil).fed()
	h.kafka.answer = kafkaAdmin
	h.keys("2", "down", "enter")
	h.untilScreen("Topic orders", "on disk")
	h.keys("]", "down") // Configs, on retention.ms (set on the topic)
	mustContain(t, h.screen(), "retention.ms")
	h.keys("e")
	mustContain(t, h.screen(), "Set retention.ms of topic orders", "3600000")
	n := len(h.kafka.requests())
	h.keys("enter") // a stray enter changes nothing
	mustContain(t, h.screen(), "retention.ms is already 3600000")
	for range "3600000" {
		h.sendAndRun(keyPress("backspace"))
	}
	h.keys("enter") // nor does an emptied field
	mustContain(t, h.screen(), "want a value")
	if len(h.kafka.requests()) != n {
		t.Fatalf("requests sent: %+v", h.kafka.requests()[n:])
	}
	h.typeText("-1")
	h.keys("enter")
	h.until("the alter", func() bool { return len(h.kafka.requests()) > n })
	if a := h.last(h.kafka).Body.(sources.AlterTopic); a.SetConfigs["retention.ms"] != "-1" || len(a.DeleteConfigs) != 0 {
		t.Fatalf("alter request %+v", a)
	}

	// Back to the default: the name typed to confirm.
	h.keys("ctrl+x")
	mustContain(t, h.screen(), "Return retention.ms of topic orders to its default", "Type retention.ms to confirm")
	h.confirm("retention.ms")
	h.until("the reset", func() bool { return len(h.kafka.requests()) > n+1 })
	if a := h.last(h.kafka).Body.(sources.AlterTopic); len(a.DeleteConfigs) != 1 || a.DeleteConfigs[0] != "retention.ms" || len(a.SetConfigs) != 0 {
		t.Fatalf("reset request %+v", a)
	}

	// A config the topic does not set has no override to remove.
	h.keys("up", "ctrl+x")
	mustContain(t, h.screen(), "the topic does not set cleanup.policy")
}

func TestAdminKeysUnderReadOnly(t *testing.T) {
	h := newHarness(t, 140, 40, func(o *Options) { o.ReadOnly = true }).fed()
	h.kafka.answer = kafkaAdmin
	for _, k := range []string{"n", "e", "ctrl+x"} {
		h.keys("2", k)
		mustContain(t, h.screen(), "refused: topicat runs read-only")
		if h.m.dialog() != nil {
			t.Fatalf("%s opened a dialog under read-only", k)
		}
	}
	// A reset previews read-only, and refuses to apply.
	h.keys("3", "o", "tab", "tab")
	h.typeText("latest")
	h.keys("ctrl+s")
	h.untilScreen("ctrl+e applies this")
	h.keys("ctrl+e")
	mustContain(t, h.screen(), "refused: topicat runs read-only")
	for _, r := range h.kafka.requests() {
		if r.Action().Mutating() {
			t.Fatalf("%s reached the source under read-only", r.Action())
		}
	}
	if !strings.Contains(h.screen(), "Reset the offsets") {
		t.Fatal("the form closed")
	}
}

func describes(f *fakeSource) int {
	n := 0
	for _, r := range f.requests() {
		if _, ok := r.Body.(sources.DescribeTopic); ok {
			n++
		}
	}
	return n
}

func isRefetch(msg tea.Msg) bool {
	r, ok := msg.(routedMsg)
	return ok && fmt.Sprintf("%T", r.msg) == "page.refetchMsg"
}

// TestPageRefetchesOnOneTimer: however often r is pressed, a page has one
// refetch timer, and it ends with the page.
func TestPageRefetchesOnOneTimer(t *testing.T) {
	h := newHarness(t, 140, 40, func(o *Options) { o.PageEvery = time.Hour }).fed()
	h.kafka.answer = kafkaAdmin
	h.keys("2", "down", "enter")
	h.untilScreen("Topic orders", "on disk")
	for i := range 3 {
		h.keys("r")
		h.until("the refetch's answer", func() bool { return describes(h.kafka) == i+2 && h.m.changesRunning() == 0 && len(h.m.pending) == 0 })
	}
	h.keys("esc") // the page goes: its timer returns at once
	timers := 0
	for deadline := time.After(500 * time.Millisecond); ; {
		select {
		case msg := <-h.inbox:
			if isRefetch(msg) {
				timers++
			}
			h.sendAndRun(msg)
			continue
		case <-deadline:
		}
		break
	}
	if timers != 1 {
		t.Fatalf("%d refetch timers ran for one page, want 1", timers)
	}
	if n := describes(h.kafka); n != 4 {
		t.Fatalf("%d describes, want 4 (open and three r)", n)
	}
	mustNotContain(t, h.screen(), "kafka.topic.describe")
}

// TestPageUnderAnotherScreenAsksNothing: a page refetches while on view,
// stops under a tail, and starts again when it is back on top.
func TestPageUnderAnotherScreenAsksNothing(t *testing.T) {
	h := newHarness(t, 140, 40, func(o *Options) { o.PageEvery = time.Millisecond }).fed()
	h.kafka.answer = kafkaAdmin
	h.keys("2", "down", "enter")
	h.until("refetches", func() bool { return describes(h.kafka) >= 3 })
	h.keys("t") // a tail of the topic over the page
	h.untilScreen("fake stream of orders")
	h.until("no request in flight", func() bool { return len(h.m.pending) == 0 })
	before := describes(h.kafka)
	deadline := time.After(30 * time.Second) // bounds a hang; measures nothing
	for checks := 0; checks < 20; {
		select {
		case msg := <-h.inbox:
			if isRefetch(msg) {
				checks++
			}
			h.sendAndRun(msg)
		case <-deadline:
			t.Fatalf("the page looked %d times in 30s", checks)
		}
	}
	if n := describes(h.kafka); n != before {
		t.Fatalf("the page asked %d times while under the tail", n-before)
	}
	h.keys("esc")
	h.until("refetches again", func() bool { return describes(h.kafka) > before })
}

// TestPageShowsWhatFailed: a part of the answer that failed is on the page,
// and a request that failed is what the sections that needed it say.
func TestPageShowsWhatFailed(t *testing.T) {
	h := newHarness(t, 140, 40, nil).fed()
	h.kafka.answer = func(req sources.Request) sources.Result {
		return sources.Result{Data: &sources.TopicDetail{Topic: "orders"},
			Targets: []sources.TargetResult{{Target: "topic orders configs", Err: "describe configs: broker 2 is down"}}}
	}
	h.keys("2", "down", "enter")
	h.untilScreen("Topic orders", "✖ topic orders configs: describe configs: broker 2 is down")

	h.kafka.answer = func(req sources.Request) sources.Result {
		return sources.Result{Err: "describe topic orders: no broker answered"}
	}
	h.keys("esc", "enter", "]")
	s := h.untilScreen("✖ describe topic orders: no broker answered")
	if strings.Count(s, "no broker answered") < 2 || strings.Contains(s, "loading") {
		t.Fatalf("the Configs section does not say why it is empty:\n%s", s)
	}
}

// TestBrokerPageOfNoBroker: a page of something that is not a broker ID
// says so and asks the cluster nothing.
func TestBrokerPageOfNoBroker(t *testing.T) {
	h := newHarness(t, 140, 40, nil).fed()
	h.kafka.answer = kafkaAdmin
	h.keys(":")
	h.typeText("broker x")
	h.keys("enter")
	mustContain(t, h.screen(), `broker "x": want a broker id`)
	if n := len(h.kafka.requests()); n != 0 {
		t.Fatalf("%d requests for broker x: %+v", n, h.kafka.requests())
	}
}
