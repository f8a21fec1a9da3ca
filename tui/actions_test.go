package tui

import (
	"strings"
	"testing"
	"time"

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
	if r := h.last(h.kafka).Body.(sources.ResetOffsets); !r.Execute || r.To != sources.ResetEarliest {
		t.Fatalf("apply request %+v", r)
	}
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
