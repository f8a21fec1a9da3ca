package kafka_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/topicat/topicat/sources/kafka/kafkatest"
)

// The truth under faults: totals that miss partitions say so, groups do not
// vanish while a broker they depend on is down, and errors name the broker
// that failed, in words that do not send a person the wrong way.

func TestLeaderlessPartition(t *testing.T) {
	for _, tc := range []struct {
		name string
		// seen: the source polled before the fault.
		seen bool
	}{
		{"during a poll loop", true},
		{"a dashboard started during the fault", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := kafkatest.NewCluster(t)
			c.CreateTopics(3, 3, "payments")
			produced := c.Produce("payments", 300)
			s := newSource(t, c.Addrs())
			if tc.seen {
				poll(t, s)
			}
			restore := c.OfflinePartition("payments", 1)
			for i := range 2 {
				tp := topic(t, poll(t, s), "payments")
				p := tp.Partitions[1]
				if tp.Offline != 1 || !tp.Partial || tp.Messages != 300-produced[1] {
					t.Errorf("poll %d: payments = offline %d, partial %v, messages %d; want 1, true, %d", i+1, tp.Offline, tp.Partial, tp.Messages, 300-produced[1])
				}
				if p.Leader != -1 || !p.IsOffline() || p.Low != -1 || p.High != -1 || p.Rate != -1 || !strings.Contains(p.Err, "LEADER_NOT_AVAILABLE") {
					t.Errorf("poll %d: partition 1 = %+v", i+1, p)
				}
			}
			restore()
			if tp := topic(t, poll(t, s), "payments"); tp.Offline != 0 || tp.Partial || tp.Messages != 300 {
				t.Errorf("after the fault: %+v", tp)
			}
		})
	}
}

// outage is a cluster with a broker about to go down: orders' partition p
// led by broker p % 3, and three groups with lag, one coordinated by each
// broker, that committed offset 1 on every partition.
type outage struct {
	c        *kafkatest.Cluster
	produced map[int32]int64
	groups   [3]string // by coordinator
}

func newOutage(t *testing.T) *outage {
	t.Helper()
	o := &outage{c: kafkatest.NewCluster(t)}
	o.c.CreateTopics(6, 3, "orders")
	o.c.SpreadLeaders("orders")
	o.produced = o.c.Produce("orders", 600)
	commits := map[string]map[int32]int64{"orders": {}}
	for p := range int32(6) {
		commits["orders"][p] = 1
	}
	for id := range int32(3) {
		o.groups[id] = groupCoordinatedBy(t, o.c, fmt.Sprintf("billing-%d-", id), id)
		o.c.Commit(o.groups[id], commits)
	}
	return o
}

func TestOutageTotalsArePartial(t *testing.T) {
	o := newOutage(t)
	s := newSource(t, o.c.Addrs())
	if tp := topic(t, poll(t, s), "orders"); tp.Messages != 600 || tp.Partial {
		t.Fatalf("healthy: %+v", tp)
	}
	o.c.BrokerDown(2)
	snap := poll(t, s)
	tp := topic(t, snap, "orders")
	if !tp.Partial || tp.Messages != 600-o.produced[2]-o.produced[5] || tp.Offline != 0 {
		t.Errorf("orders during the outage = partial %v, messages %d, offline %d", tp.Partial, tp.Messages, tp.Offline)
	}
	for _, p := range tp.Partitions {
		onDown := p.ID%3 == 2
		if onDown != (p.High == -1) || onDown != strings.Contains(p.Err, "leader broker 2 did not answer") {
			t.Errorf("partition %d = %+v", p.ID, p)
		}
	}
	// One error, for the broker that failed, and no TLS hint: it is down,
	// not misconfigured.
	want := fmt.Sprintf("broker 2 (%s)", o.c.Addrs()[2])
	if len(snap.Errors) != 1 || snap.Errors[0].Endpoint != want {
		t.Fatalf("errors = %+v, want one for %s", snap.Errors, want)
	}
	if e := snap.Errors[0].Err; !strings.Contains(e, "closed the connection") || strings.Contains(e, "TLS") {
		t.Errorf("error = %q, want a closed connection without a TLS hint", e)
	}
	if b := broker(t, snap, 2); b.LastErr != snap.Errors[0].Err {
		t.Errorf("broker 2's last error %q, the snapshot's %q", b.LastErr, snap.Errors[0].Err)
	}
}

func TestGroupsDuringOutage(t *testing.T) {
	t.Run("known before: kept, stale, with the last figures", func(t *testing.T) {
		o := newOutage(t)
		s := newSource(t, o.c.Addrs())
		healthy := poll(t, s)
		was := group(t, healthy, o.groups[2])
		if was.Lag != 600-6 || was.Stale || was.Err != "" {
			t.Fatalf("healthy group = %+v", was)
		}
		o.c.BrokerDown(2)
		for i := range 3 {
			snap := poll(t, s)
			g := group(t, snap, o.groups[2])
			if !g.Stale || !g.StaleSince.Equal(healthy.Taken) || g.Lag != was.Lag || g.MaxLag != was.MaxLag ||
				g.Coordinator != 2 || !slices.Equal(g.Topics, was.Topics) || len(g.Partitions) != 6 {
				t.Errorf("poll %d: group = %+v, want the healthy figures, stale since %v", i+1, g, healthy.Taken)
			}
			if !strings.Contains(g.Err, "coordinator broker 2") || !strings.Contains(g.Err, "api versions") {
				t.Errorf("poll %d: error %q does not say which broker failed doing what", i+1, g.Err)
			}
			// One value per poll: the healthy one, then unknown.
			if want := append([]int64{was.Lag}, slices.Repeat([]int64{-1}, i+1)...); !slices.Equal(g.Lags, want) {
				t.Errorf("poll %d: lags = %v, want %v", i+1, g.Lags, want)
			}
			// The groups on live coordinators keep their lag, the partitions
			// led by broker 2 as last read.
			for _, id := range []int32{0, 1} {
				g := group(t, snap, o.groups[id])
				if g.Lag != was.Lag || !g.Stale || !g.StaleSince.Equal(healthy.Taken) || !strings.Contains(g.Err, "lag of 2 partitions as last read: leader broker 2 did not answer") {
					t.Errorf("poll %d: group on broker %d = %+v", i+1, id, g)
				}
			}
		}
		o.c.BrokerUp(2)
		snap := poll(t, s)
		for _, name := range o.groups {
			if g := group(t, snap, name); g.Stale || g.Err != "" || g.Lag != was.Lag || !g.StaleSince.IsZero() {
				t.Errorf("after the outage: %+v", g)
			}
		}
	})

	t.Run("first seen during the outage", func(t *testing.T) {
		o := newOutage(t)
		o.c.BrokerDown(2)
		snap := poll(t, newSource(t, o.c.Addrs())) // a dashboard started now
		// Groups on live coordinators are read, their lag known where the
		// leader answers, and the error names broker 2, not their
		// coordinator.
		for _, id := range []int32{0, 1} {
			g := group(t, snap, o.groups[id])
			want := 600 - o.produced[2] - o.produced[5] - 4
			if g.Lag != want || g.Stale || g.Coordinator != id ||
				g.Err != "lag unknown for 2 partitions: leader broker 2 did not answer" {
				t.Errorf("group on broker %d = %+v, want lag %d", id, g, want)
			}
			var unknown int
			for _, p := range g.Partitions {
				if p.End == -1 && p.Lag == -1 && p.Committed == 1 {
					unknown++
				}
			}
			if unknown != 2 {
				t.Errorf("group on broker %d: %d partitions without an end, want 2: %+v", id, unknown, g.Partitions)
			}
		}
		// Only broker 2 failed.
		if len(snap.Errors) != 1 || !strings.HasPrefix(snap.Errors[0].Endpoint, "broker 2 ") {
			t.Errorf("errors = %+v, want one, for broker 2", snap.Errors)
		}
		// A group whose coordinator is down cannot be listed by anyone: it
		// is absent, and broker 2's error says it did not answer.
		for _, g := range snap.Groups {
			if g.ID == o.groups[2] {
				t.Errorf("a group only broker 2 can list is listed: %+v", g)
			}
		}
	})
}

// TestLaggingGroupCoordinatorDown is the case: a lagging group whose
// coordinator goes down stays listed, stale, during the whole outage.
func TestLaggingGroupCoordinatorDown(t *testing.T) {
	c := kafkatest.NewCluster(t)
	c.CreateTopics(3, 3, "orders")
	c.Produce("orders", 300)
	billing := groupCoordinatedBy(t, c, "billing-", 2)
	c.Commit(billing, map[string]map[int32]int64{"orders": {0: 0, 1: 0, 2: 0}})
	s := newSource(t, c.Addrs())
	before := group(t, poll(t, s), billing)
	c.BrokerDown(2)
	for i := range 3 {
		g := group(t, poll(t, s), billing)
		if !g.Stale || g.StaleSince.IsZero() || g.Lag != 300 || g.Lag != before.Lag || g.Err == "" {
			t.Errorf("poll %d: billing = %+v", i+1, g)
		}
	}
}

// TestTopicSettingsChangeWithTopics checks the settings follow topics
// deleted and re-created under the same name.
func TestTopicSettingsFollowRecreation(t *testing.T) {
	c := kafkatest.NewCluster(t)
	c.CreateTopic("events", 1, 3, map[string]string{"cleanup.policy": "compact"})
	s := newSource(t, c.Addrs())
	if tp := topic(t, poll(t, s), "events"); tp.CleanupPolicy != "compact" {
		t.Fatalf("cleanup policy = %q", tp.CleanupPolicy)
	}
	if err := c.Fake.DeleteTopic("events"); err != nil {
		t.Fatal(err)
	}
	c.CreateTopic("events", 1, 3, nil)
	if tp := topic(t, poll(t, s), "events"); tp.CleanupPolicy != "delete" {
		t.Errorf("cleanup policy of the re-created topic = %q, want delete", tp.CleanupPolicy)
	}
}

// TestFirstSeedDown: a dashboard started while the first bootstrap broker
// closes every connection reads the cluster from the others, and blames
// only that broker.
func TestFirstSeedDown(t *testing.T) {
	c := kafkatest.NewCluster(t)
	c.CreateTopics(3, 3, "orders")
	c.SpreadLeaders("orders")
	c.Produce("orders", 30)
	c.BrokerDown(0)
	snap := poll(t, newSource(t, c.Addrs()))
	if len(snap.Errors) != 1 || !strings.HasPrefix(snap.Errors[0].Endpoint, "broker 0 ") {
		t.Errorf("errors = %+v, want one, for broker 0", snap.Errors)
	}
	for _, id := range []int32{1, 2} {
		if b := broker(t, snap, id); !b.Up {
			t.Errorf("broker %d = %+v", id, b)
		}
	}
	if tp := topic(t, snap, "orders"); !tp.Partial || tp.Messages != 20 {
		t.Errorf("orders = %+v", tp)
	}
}

// TestClusterGoneGroupsStale: when no broker answers, the groups are those
// of the last poll, marked stale since it.
func TestClusterGoneGroupsStale(t *testing.T) {
	c := kafkatest.NewCluster(t)
	c.CreateTopics(1, 3, "orders")
	c.Produce("orders", 5)
	c.Commit("billing", map[string]map[int32]int64{"orders": {0: 1}})
	s := newSource(t, c.Addrs())
	healthy := poll(t, s)
	c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for i := range 2 {
		snap, err := s.Poll(ctx)
		if err == nil {
			t.Fatal("no error from a closed cluster")
		}
		g := group(t, snap, "billing")
		if !g.Stale || !g.StaleSince.Equal(healthy.Taken) || g.Lag != 4 || !strings.HasPrefix(g.Err, "not refreshed: no broker answered") {
			t.Errorf("poll %d: billing = %+v", i+1, g)
		}
		if p := topic(t, snap, "orders").Partitions[0]; p.Rate != -1 || p.High != 5 {
			t.Errorf("poll %d: partition = %+v", i+1, p)
		}
	}
	if g := group(t, healthy, "billing"); g.Stale || g.Err != "" {
		t.Errorf("the published snapshot changed: %+v", g)
	}
}
