package kafka_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/sources/health"
	"github.com/topicat/topicat/sources/kafka/kafkatest"
)

// demoTopics is the demo's Kafka traffic (sources/demo): partitions,
// replication factor and records per second (its per-tick figures × 10).
var demoTopics = []struct {
	name       string
	partitions int32
	rf         int16
	perSecond  int
}{
	{"orders", 6, 3, 30},
	{"payments", 3, 3, 20},
	{"clickstream", 12, 3, 80},
	{"audit-log", 2, 1, 10},
}

// consumer moves a group's committed offsets the way a consumer would:
// reading partitions in turn, each as far as it can within a quota.
type consumer struct {
	group     string
	topics    []string
	perSecond int // 0: keeps up with everything
	committed map[string]map[int32]int64
	next      int // the partition to read from first, round-robin
}

func (c *consumer) step(t *testing.T, cl *kafkatest.Cluster, ends map[string]map[int32]int64) {
	t.Helper()
	type tp struct {
		topic string
		p     int32
	}
	var all []tp
	for _, topic := range c.topics {
		for p := range int32(len(ends[topic])) {
			all = append(all, tp{topic, p})
		}
	}
	quota := c.perSecond
	for i := range all {
		x := all[(c.next+i)%len(all)]
		if c.committed[x.topic] == nil {
			c.committed[x.topic] = make(map[int32]int64)
		}
		have := ends[x.topic][x.p] - c.committed[x.topic][x.p]
		if c.perSecond > 0 {
			have = min(have, int64(quota))
			quota -= int(have)
		}
		c.committed[x.topic][x.p] += have
		if c.perSecond > 0 && quota == 0 {
			c.next = (c.next + i + 1) % len(all)
			break
		}
	}
	cl.Commit(c.group, c.committed)
}

// TestDemoTrafficShape runs the demo's traffic on kfake, a second of it per
// step, polling once per step: analytics (reads clickstream slower than it
// is written) comes out WARN with a growing lag and no catch-up, billing
// (keeps up) OK, and audit-archiver (committed once, then stopped) STOP.
func TestDemoTrafficShape(t *testing.T) {
	c := kafkatest.NewCluster(t)
	ends := make(map[string]map[int32]int64)
	produce := func(name string, n int) {
		for p, k := range c.Produce(name, n) {
			ends[name][p] += k
		}
	}
	for _, dt := range demoTopics {
		c.CreateTopics(dt.partitions, dt.rf, dt.name)
		ends[dt.name] = make(map[int32]int64)
		produce(dt.name, 4*dt.perSecond) // the demo's backlog
	}
	c.Commit("audit-archiver", map[string]map[int32]int64{"audit-log": {0: 5, 1: 5}})
	billing := &consumer{group: "billing", topics: []string{"orders", "payments"}, committed: map[string]map[int32]int64{}}
	analytics := &consumer{group: "analytics", topics: []string{"clickstream"}, perSecond: 50, committed: map[string]map[int32]int64{}}

	s := newSource(t, c.Addrs())
	const steps = 14 // more than a window of polls and of commits
	var snap *sources.KafkaSnapshot
	for range steps {
		for _, dt := range demoTopics {
			produce(dt.name, dt.perSecond)
		}
		billing.step(t, c, ends)
		analytics.step(t, c, ends)
		snap = poll(t, s)
	}

	a := group(t, snap, "analytics")
	if a.Status != sources.StatusWarn || a.CatchUp != sources.CatchUpNever {
		t.Errorf("analytics: status %q, catch-up %v; want WARN, never", a.Status, a.CatchUp)
	}
	if len(a.Lags) != 10 || !slices.IsSorted(a.Lags) || a.Lags[0] >= a.Lags[9] || a.Lags[9] != a.Lag {
		t.Errorf("analytics: lags %v (lag %d), want ten growing to the lag", a.Lags, a.Lag)
	}
	b := group(t, snap, "billing")
	if b.Status != sources.StatusOK || b.Lag != 0 || b.CatchUp != 0 || len(b.Lags) != 10 || slices.Max(b.Lags) != 0 {
		t.Errorf("billing: status %q, lag %d, catch-up %v, lags %v; want OK, 0, 0, zeros", b.Status, b.Lag, b.CatchUp, b.Lags)
	}
	for _, p := range b.Partitions {
		if p.Status != sources.StatusOK {
			t.Errorf("billing %s/%d: %q", p.Topic, p.Partition, p.Status)
		}
	}
	if g := group(t, snap, "audit-archiver"); g.Status != sources.StatusStop || g.CatchUp != sources.CatchUpNever {
		t.Errorf("audit-archiver: status %q, catch-up %v; want STOP, never", g.Status, g.CatchUp)
	}

	// Rates: one per poll in the window, the first poll's unknown gone.
	for _, dt := range demoTopics {
		tp := topic(t, snap, dt.name)
		if len(tp.Rates) != 10 || slices.Min(tp.Rates) <= 0 || tp.Rates[9] != tp.Rate {
			t.Errorf("%s: rates %v, rate %v", dt.name, tp.Rates, tp.Rate)
		}
		for _, p := range tp.Partitions {
			if p.Rate <= 0 {
				t.Errorf("%s/%d: rate %v", dt.name, p.ID, p.Rate)
			}
		}
	}

	// The health pane says what the statuses mean.
	var titles []string
	for _, f := range health.Kafka(snap) {
		titles = append(titles, f.Severity.String()+" "+f.Subject+": "+f.Title)
	}
	for _, want := range []string{
		"warning group analytics: lag growing (WARN)",
		"error group audit-archiver: stopped (STOP)",
		"warning topic audit-log: replication factor 1",
	} {
		if !slices.ContainsFunc(titles, func(s string) bool { return strings.HasPrefix(s, want) }) {
			t.Errorf("no finding %q in %q", want, titles)
		}
	}
	if slices.ContainsFunc(titles, func(s string) bool { return strings.Contains(s, "group billing") }) {
		t.Errorf("a finding about billing, which keeps up: %q", titles)
	}
}

func TestStallAndRewind(t *testing.T) {
	c := kafkatest.NewCluster(t)
	c.CreateTopics(2, 3, "orders")
	c.Produce("orders", 20)
	// stuck: a live member holds the partitions and never commits.
	c.Commit("stuck", map[string]map[int32]int64{"orders": {0: 1, 1: 1}})
	c.JoinGroup("stuck", "orders")
	c.Commit("reset", map[string]map[int32]int64{"orders": {0: 8, 1: 8}})
	s := newSource(t, c.Addrs())

	for i := range 10 {
		c.Produce("orders", 4)
		snap := poll(t, s)
		g := group(t, snap, "stuck")
		want := sources.StatusUnknown // not accused before a whole window
		if i == 9 {
			want = sources.StatusStall
		}
		if g.Status != want {
			t.Errorf("poll %d: stuck is %q, want %q", i+1, g.Status, want)
		}
		for _, p := range g.Partitions {
			if p.Member == "" {
				t.Errorf("poll %d: stuck %s/%d has no member", i+1, p.Topic, p.Partition)
			}
		}
	}
	c.Commit("reset", map[string]map[int32]int64{"orders": {0: 2, 1: 9}})
	g := group(t, poll(t, s), "reset")
	if g.Status != sources.StatusRewind || g.Partitions[0].Status != sources.StatusRewind || g.Partitions[1].Status == sources.StatusRewind {
		t.Errorf("reset = %q, partitions %+v; want REWIND on partition 0 only", g.Status, g.Partitions)
	}
}
