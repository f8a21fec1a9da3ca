package kafka_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/sources/kafka"
	"github.com/topicat/topicat/sources/kafka/kafkatest"
)

// newSource polls c. The timeout only bounds a poll that hangs; nothing
// asserts on durations.
func newSource(t testing.TB, addrs []string) *kafka.Source {
	t.Helper()
	s, err := kafka.New(kafka.Config{Brokers: addrs, ClientID: "topicat-test", Timeout: 10 * time.Second})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

func poll(t testing.TB, s *kafka.Source) *sources.KafkaSnapshot {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	snap, err := s.Poll(ctx)
	if err != nil {
		t.Fatalf("Poll: %v", err)
	}
	if snap == nil {
		t.Fatal("Poll returned a nil snapshot")
	}
	return snap
}

func topic(t testing.TB, snap *sources.KafkaSnapshot, name string) sources.Topic {
	t.Helper()
	for _, tp := range snap.Topics {
		if tp.Name == name {
			return tp
		}
	}
	t.Fatalf("topic %q not in snapshot", name)
	return sources.Topic{}
}

func group(t testing.TB, snap *sources.KafkaSnapshot, id string) sources.Group {
	t.Helper()
	for _, g := range snap.Groups {
		if g.ID == id {
			return g
		}
	}
	t.Fatalf("group %q not in snapshot", id)
	return sources.Group{}
}

func broker(t testing.TB, snap *sources.KafkaSnapshot, id int32) sources.Broker {
	t.Helper()
	for _, b := range snap.Brokers {
		if b.ID == id {
			return b
		}
	}
	t.Fatalf("broker %d not in snapshot", id)
	return sources.Broker{}
}

func brokerIDs(snap *sources.KafkaSnapshot) []int32 {
	var ids []int32
	for _, b := range snap.Brokers {
		ids = append(ids, b.ID)
	}
	return ids
}

func sumHigh(t sources.Topic) int64 {
	var n int64
	for _, p := range t.Partitions {
		n += p.High
	}
	return n
}

// groupCoordinatedBy finds a group name whose coordinator is broker id.
func groupCoordinatedBy(t testing.TB, c *kafkatest.Cluster, prefix string, id int32) string {
	t.Helper()
	for i := range 1000 {
		name := prefix + strconv.Itoa(i)
		if c.Fake.CoordinatorFor(name) == id {
			return name
		}
	}
	t.Fatalf("no group name coordinated by broker %d", id)
	return ""
}

func TestNewRejectsBadAddresses(t *testing.T) {
	for _, tc := range []struct {
		addrs []string
		want  string // in the error; "" means New succeeds
	}{
		{nil, "no broker addresses"},
		{[]string{"", "  "}, "no broker addresses"},
		{[]string{"foo"}, `kafka: broker address "foo": missing port`},
		{[]string{"127.0.0.1:9092", "foo"}, `broker address "foo": missing port`},
		{[]string{":9092"}, `broker address ":9092": missing host`},
		{[]string{"foo:bar"}, `broker address "foo:bar": port must be a number`},
		{[]string{"foo:0"}, `broker address "foo:0": port must be a number`},
		{[]string{"foo:70000"}, `broker address "foo:70000": port must be a number`},
		{[]string{"a:1:2"}, `broker address "a:1:2"`},
		{[]string{"kafka-1.internal:9092", " 10.0.0.2:9093 ", "[::1]:9094"}, ""},
	} {
		t.Run(fmt.Sprint(tc.addrs), func(t *testing.T) {
			s, err := kafka.New(kafka.Config{Brokers: tc.addrs})
			if tc.want == "" {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				s.Close()
				return
			}
			if err == nil {
				s.Close()
				t.Fatalf("New accepted %q", tc.addrs)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not contain %q", err, tc.want)
			}
		})
	}
}

// otherBody is an action the Kafka source does not carry out.
type otherBody struct{}

func (otherBody) Action() sources.Action { return "other" }
func (otherBody) Target() string         { return "x" }

func TestSourceContract(t *testing.T) {
	c := kafkatest.NewCluster(t)
	s := newSource(t, c.Addrs())
	if s.System() != sources.Kafka {
		t.Errorf("System() = %q", s.System())
	}
	res := s.Do(context.Background(), sources.Request{Body: otherBody{}})
	if res.Err != sources.ErrUnsupported.Error() || res.Request.Target() != "x" {
		t.Errorf("Do = %+v", res)
	}

	// The loop publishes a first snapshot at once.
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); s.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	select {
	case snap := <-s.Updates():
		ks, ok := snap.(*sources.KafkaSnapshot)
		if !ok || ks.System() != sources.Kafka || ks.Seq != 1 || len(ks.Brokers) != 3 {
			t.Fatalf("first update = %#v", snap)
		}
	case <-time.After(time.Minute): // a failsafe for a hung test, not a measurement
		t.Fatal("no snapshot from Run")
	}
}

func TestHealthyCluster(t *testing.T) {
	c := kafkatest.NewCluster(t, kfake.ClusterID("test-cluster"))
	c.CreateTopics(3, 3, "orders")
	c.CreateTopics(2, 2, "payments")
	c.CreateTopic("audit", 1, 1, nil)
	c.CreateInternalTopic("__consumer_offsets", 2, 3)
	produced := map[string]map[int32]int64{
		"orders":   c.Produce("orders", 31),
		"payments": c.Produce("payments", 7),
	}
	// An Empty group behind the end on two of three partitions and caught up
	// on the third: orders has 11, 10, 10 records.
	c.Commit("billing", map[string]map[int32]int64{"orders": {0: 4, 1: 10, 2: 1}})
	// Lag counts committed partitions only: 11−8.
	c.Commit("partial", map[string]map[int32]int64{"orders": {0: 8}})

	snap := poll(t, newSource(t, c.Addrs()))

	if snap.ClusterID != "test-cluster" {
		t.Errorf("ClusterID = %q", snap.ClusterID)
	}
	if snap.Controller < 0 || snap.Controller > 2 {
		t.Errorf("Controller = %d", snap.Controller)
	}
	if snap.Seq != 1 || !snap.OK() || !snap.LastOK.Equal(snap.Taken) || snap.Took <= 0 {
		t.Errorf("Meta = %+v", snap.Meta)
	}

	// Brokers: sorted, all up, at the addresses the cluster listens on.
	if got := brokerIDs(snap); !slices.Equal(got, []int32{0, 1, 2}) {
		t.Fatalf("broker IDs = %v", got)
	}
	var addrs []string
	var leaders, replicas int
	for _, b := range snap.Brokers {
		if !b.Up || b.LastErr != "" || !b.DownSince.IsZero() {
			t.Errorf("broker %d: %+v", b.ID, b)
		}
		addrs = append(addrs, net.JoinHostPort(b.Host, strconv.Itoa(int(b.Port))))
		leaders += b.Leaders
		replicas += b.Replicas
	}
	if want := c.Addrs(); !slices.Equal(addrs, want) {
		t.Errorf("broker addresses = %v, want %v", addrs, want)
	}
	// 3+2+1+2 partitions; 3·3 + 2·2 + 1·1 + 2·3 replicas.
	if leaders != 8 || replicas != 20 {
		t.Errorf("leaders %d, replicas %d; want 8, 20", leaders, replicas)
	}

	// Topics: sorted by name, internal flagged, RF, partitions and watermarks.
	var names []string
	for _, tp := range snap.Topics {
		names = append(names, tp.Name)
	}
	if want := []string{"__consumer_offsets", "audit", "orders", "payments"}; !slices.Equal(names, want) {
		t.Fatalf("topics = %v, want %v", names, want)
	}
	for _, tc := range []struct {
		name       string
		partitions int
		rf         int
		internal   bool
		messages   int64
	}{
		{"__consumer_offsets", 2, 3, true, 0},
		{"audit", 1, 1, false, 0},
		{"orders", 3, 3, false, 31},
		{"payments", 2, 2, false, 7},
	} {
		tp := topic(t, snap, tc.name)
		if len(tp.Partitions) != tc.partitions || tp.ReplicationFactor != tc.rf || tp.Internal != tc.internal ||
			tp.Messages != tc.messages || tp.Rate != -1 || tp.UnderReplicated != 0 || tp.Offline != 0 || tp.Err != "" {
			t.Errorf("topic %s = %+v", tc.name, tp)
		}
		for i, p := range tp.Partitions {
			if p.ID != int32(i) {
				t.Errorf("%s: partition %d at index %d", tc.name, p.ID, i)
			}
			if want := c.Fake.LeaderFor(tc.name, p.ID); p.Leader != want {
				t.Errorf("%s/%d: leader %d, want %d", tc.name, p.ID, p.Leader, want)
			}
			if len(p.Replicas) != tc.rf || !slices.Contains(p.Replicas, p.Leader) || !slices.Equal(p.ISR, p.Replicas) ||
				len(p.OfflineReplicas) != 0 || p.Err != "" {
				t.Errorf("%s/%d = %+v", tc.name, p.ID, p)
			}
			if p.Low != 0 || p.High != produced[tc.name][p.ID] {
				t.Errorf("%s/%d: watermarks %d..%d, want 0..%d", tc.name, p.ID, p.Low, p.High, produced[tc.name][p.ID])
			}
		}
	}

	// The group: lag (11−4) + (10−10) + (10−1) = 16, the largest 9.
	if len(snap.Groups) != 2 || snap.Groups[0].ID != "billing" || snap.Groups[1].ID != "partial" {
		t.Fatalf("groups = %+v", snap.Groups)
	}
	for _, tc := range []struct {
		id          string
		lag, maxLag int64
	}{
		{"billing", 16, 9},
		{"partial", 3, 3},
	} {
		g := group(t, snap, tc.id)
		if g.State != "Empty" || g.Members != 0 || !slices.Equal(g.Topics, []string{"orders"}) ||
			g.Coordinator != c.Fake.CoordinatorFor(tc.id) || g.Lag != tc.lag || g.MaxLag != tc.maxLag || g.Err != "" {
			t.Errorf("group = %+v, want lag %d, max %d", g, tc.lag, tc.maxLag)
		}
	}
}

func TestStableGroup(t *testing.T) {
	c := kafkatest.NewCluster(t)
	c.CreateTopics(2, 3, "orders")
	c.CreateTopics(1, 3, "refunds")
	c.Produce("orders", 10) // 5 and 5
	c.Produce("refunds", 4) // 4
	// Committed while the group is Empty (a live group refuses admin
	// commits); the commit on a topic no member is assigned still counts.
	c.Commit("shipper", map[string]map[int32]int64{"orders": {0: 2}, "refunds": {0: 1}})
	c.JoinGroup("shipper", "orders")

	g := group(t, poll(t, newSource(t, c.Addrs())), "shipper")
	// Lag counts committed partitions: orders/0 5−2, refunds/0 4−1; orders/1
	// is assigned but has no commit yet.
	if g.State != "Stable" || g.ProtocolType != "consumer" || g.Protocol != "range" || g.Members != 1 ||
		!slices.Equal(g.Topics, []string{"orders", "refunds"}) || g.Lag != 6 || g.MaxLag != 3 || g.Err != "" {
		t.Errorf("group = %+v", g)
	}
}

func TestConsumerProtocolGroup(t *testing.T) {
	c := kafkatest.NewCluster(t)
	c.CreateTopics(2, 3, "orders")
	c.Produce("orders", 10) // 5 and 5
	c.Commit("fulfil", map[string]map[int32]int64{"orders": {0: 1, 1: 4}})
	c.JoinConsumerGroup("fulfil", "orders")

	g := group(t, poll(t, newSource(t, c.Addrs())), "fulfil")
	if g.State != "Stable" || g.ProtocolType != "consumer" || g.Protocol == "" || g.Members != 1 ||
		!slices.Equal(g.Topics, []string{"orders"}) || g.Lag != 5 || g.MaxLag != 4 || g.Err != "" {
		t.Errorf("group = %+v", g)
	}
}

// TestGroupWithoutCommits: a group that has committed nothing is not caught
// up: its lag is unknown (-1, null in JSON, "?" on screen) and it has no
// status, however many polls see it.
func TestGroupWithoutCommits(t *testing.T) {
	for _, tc := range []struct {
		name string
		join func(c *kafkatest.Cluster, group string, topics ...string) *kgo.Client
	}{
		{"classic", (*kafkatest.Cluster).JoinGroup},
		{"KIP-848", (*kafkatest.Cluster).JoinConsumerGroup},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := kafkatest.NewCluster(t)
			c.CreateTopics(2, 3, "orders")
			c.Produce("orders", 10)
			tc.join(c, "idle", "orders")
			s := newSource(t, c.Addrs())
			for i := range 3 {
				g := group(t, poll(t, s), "idle")
				if g.State != "Stable" || g.Members != 1 || g.Err != "" {
					t.Fatalf("poll %d: group = %+v", i+1, g)
				}
				if g.Lag != -1 || g.MaxLag != -1 || len(g.Partitions) != 0 || g.Status != sources.StatusUnknown || g.CatchUp != sources.CatchUpUnknown {
					t.Errorf("poll %d: lag %d, max %d, partitions %v, status %q, catch-up %v: want the lag unknown and no status",
						i+1, g.Lag, g.MaxLag, g.Partitions, g.Status, g.CatchUp)
				}
				if slices.ContainsFunc(g.Lags, func(l int64) bool { return l != -1 }) {
					t.Errorf("poll %d: lag history %v, want only unknowns", i+1, g.Lags)
				}
				js, err := json.Marshal(g)
				if err != nil || !strings.Contains(string(js), `"lag":null`) || !strings.Contains(string(js), `"status":null`) {
					t.Errorf("poll %d: JSON %s (%v), want lag and status null", i+1, js, err)
				}
			}
		})
	}
}

func TestRate(t *testing.T) {
	c := kafkatest.NewCluster(t)
	c.CreateTopics(3, 3, "orders", "idle")
	c.Produce("orders", 9)
	s := newSource(t, c.Addrs())

	first := poll(t, s)
	c.Produce("orders", 25)
	second := poll(t, s)

	if r := topic(t, first, "orders").Rate; r != -1 {
		t.Errorf("first poll rate = %v, want -1", r)
	}
	o1, o2 := topic(t, first, "orders"), topic(t, second, "orders")
	if got := sumHigh(o2) - sumHigh(o1); got != 25 {
		t.Fatalf("Σhigh grew by %d, want 25", got)
	}
	want := 25 / second.Taken.Sub(first.Taken).Seconds()
	if got := o2.Rate; got <= 0 || math.Abs(got-want) > 1e-9*want {
		t.Errorf("rate = %v, want %v (25 records / time between polls)", got, want)
	}
	if r := topic(t, second, "idle").Rate; r != 0 {
		t.Errorf("idle topic rate = %v, want 0", r)
	}

	// Re-created with fewer records: the watermarks went back, no rate.
	if err := c.Fake.DeleteTopic("orders"); err != nil {
		t.Fatal(err)
	}
	c.CreateTopics(3, 3, "orders")
	c.Produce("orders", 3)
	if r := topic(t, poll(t, s), "orders").Rate; r != -1 {
		t.Errorf("rate after re-creation = %v, want -1", r)
	}
}

func TestBrokerDown(t *testing.T) {
	c := kafkatest.NewCluster(t)
	c.CreateTopics(6, 3, "orders")
	produced := c.Produce("orders", 60)
	onDown := groupCoordinatedBy(t, c, "on-down-", 1)
	onUp := groupCoordinatedBy(t, c, "on-up-", 0)
	// onUp commits on partitions led by each broker: its lag stays known
	// except where the leader is down.
	commits := make(map[int32]int64)
	for p := range int32(6) {
		commits[p] = 1
	}
	c.Commit(onDown, map[string]map[int32]int64{"orders": commits})
	c.Commit(onUp, map[string]map[int32]int64{"orders": commits})
	s := newSource(t, c.Addrs())
	healthy := poll(t, s)

	c.BrokerDown(1)
	down1 := poll(t, s)
	down2 := poll(t, s)

	for i, snap := range []*sources.KafkaSnapshot{down1, down2} {
		b := broker(t, snap, 1)
		if b.Up || b.LastErr == "" || b.DownSince.IsZero() {
			t.Errorf("poll %d: broker 1 = %+v", i+1, b)
		}
		for _, id := range []int32{0, 2} {
			if b := broker(t, snap, id); !b.Up || b.LastErr != "" {
				t.Errorf("poll %d: broker %d = %+v", i+1, id, b)
			}
		}
		want := fmt.Sprintf("broker 1 (%s)", c.Addrs()[1])
		if len(snap.Errors) != 1 || snap.Errors[0].Endpoint != want || snap.Errors[0].Op == "" || snap.Errors[0].Err == "" {
			t.Fatalf("poll %d: errors = %+v, want one for %s", i+1, snap.Errors, want)
		}
		if !snap.Errors[0].Since.Equal(b.DownSince) {
			t.Errorf("poll %d: error since %v, broker down since %v", i+1, snap.Errors[0].Since, b.DownSince)
		}
		if !snap.LastOK.Equal(snap.Taken) {
			t.Errorf("poll %d: LastOK %v, Taken %v", i+1, snap.LastOK, snap.Taken)
		}

		// Every partition is still listed; those led by the live brokers
		// keep their watermarks.
		tp := topic(t, snap, "orders")
		if len(tp.Partitions) != 6 || !slices.Equal(brokerIDs(snap), []int32{0, 1, 2}) {
			t.Fatalf("poll %d: topic %+v", i+1, tp)
		}
		var onLive int64
		for _, p := range tp.Partitions {
			switch {
			case p.Leader == 1 && (p.High != -1 || p.Err == ""):
				t.Errorf("poll %d: partition %d on the down broker = %+v", i+1, p.ID, p)
			case p.Leader != 1 && (p.High != produced[p.ID] || p.Err != ""):
				t.Errorf("poll %d: partition %d on a live broker = %+v", i+1, p.ID, p)
			case p.Leader != 1:
				onLive += p.High
			}
		}
		if tp.Messages != onLive {
			t.Errorf("poll %d: messages %d, want %d from the live leaders", i+1, tp.Messages, onLive)
		}

		// The group on a live coordinator is fresh where the leader
		// answered; where it did not, the end offset is the last one read,
		// and the group says so (stale since the healthy poll). The group
		// on the down broker is carried whole from the last poll, marked.
		var onDownLeader int
		for _, p := range tp.Partitions {
			if p.Leader == 1 {
				onDownLeader++
			}
		}
		wantErr := fmt.Sprintf("lag of %d partition", onDownLeader)
		stale := onDownLeader > 0
		if g, was := group(t, snap, onUp), group(t, healthy, onUp); g.Coordinator != 0 || g.Lag != was.Lag ||
			g.Stale != stale || stale != g.StaleSince.Equal(healthy.Taken) ||
			stale != strings.Contains(g.Err, wantErr) || stale != strings.Contains(g.Err, "leader broker 1 did not answer") {
			t.Errorf("poll %d: group on live coordinator = %+v", i+1, g)
		}
		g, was := group(t, snap, onDown), group(t, healthy, onDown)
		if g.Err == "" || g.Lag != was.Lag || g.Coordinator != 1 || !g.Stale || !g.StaleSince.Equal(healthy.Taken) {
			t.Errorf("poll %d: group on down coordinator = %+v", i+1, g)
		}
	}
	if s1, s2 := broker(t, down1, 1).DownSince, broker(t, down2, 1).DownSince; !s1.Equal(s2) || !s1.Equal(down1.Taken) {
		t.Errorf("down since %v then %v, want both %v", s1, s2, down1.Taken)
	}

	c.BrokerUp(1)
	back := poll(t, s)
	if !back.OK() {
		t.Errorf("errors after recovery: %+v", back.Errors)
	}
	for _, b := range back.Brokers {
		if !b.Up || !b.DownSince.IsZero() || b.LastErr != "" {
			t.Errorf("broker after recovery = %+v", b)
		}
	}
	if tp := topic(t, back, "orders"); tp.Messages != 60 {
		t.Errorf("messages after recovery = %d", tp.Messages)
	}
	if g := group(t, back, onDown); g.Err != "" {
		t.Errorf("group after recovery = %+v", g)
	}
}

func TestPartitionFaults(t *testing.T) {
	c := kafkatest.NewCluster(t)
	c.CreateTopics(3, 3, "orders", "payments")
	c.Produce("payments", 30)
	s := newSource(t, c.Addrs())
	first := topic(t, poll(t, s), "orders")

	leader := first.Partitions[2].Leader
	follower := first.Partitions[0].Replicas[1] // replicas start with the leader
	restoreOffline := c.OfflinePartition("payments", 1)
	restoreISR := c.UnderReplicated("orders", 2, []int32{leader})
	restoreOfflineReplica := c.OfflineReplicas("orders", 0, []int32{follower})
	snap := poll(t, s)

	pay := topic(t, snap, "payments")
	if p := pay.Partitions[1]; p.Leader != -1 || !p.IsOffline() || p.Err == "" || p.High != -1 {
		t.Errorf("offline partition = %+v", p)
	}
	if pay.Offline != 1 || pay.UnderReplicated != 0 || pay.Messages != 20 {
		t.Errorf("payments = %+v", pay)
	}
	orders := topic(t, snap, "orders")
	if p := orders.Partitions[2]; !slices.Equal(p.ISR, []int32{leader}) || !p.UnderReplicated() || p.Leader != leader || p.Err != "" {
		t.Errorf("under-replicated partition = %+v", p)
	}
	if p := orders.Partitions[0]; !slices.Equal(p.OfflineReplicas, []int32{follower}) || slices.Contains(p.ISR, follower) || !p.UnderReplicated() {
		t.Errorf("partition with an offline replica = %+v", p)
	}
	if orders.UnderReplicated != 2 || orders.Offline != 0 {
		t.Errorf("orders = %+v", orders)
	}
	if !snap.OK() {
		t.Errorf("a partition fault is not an endpoint error: %+v", snap.Errors)
	}

	restoreOffline()
	restoreISR()
	restoreOfflineReplica()
	snap = poll(t, s)
	for _, name := range []string{"orders", "payments"} {
		if tp := topic(t, snap, name); tp.Offline != 0 || tp.UnderReplicated != 0 {
			t.Errorf("%s after restore = %+v", name, tp)
		}
	}
}

// closedPort returns a 127.0.0.1 address nothing listens on.
func closedPort(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestUnreachable(t *testing.T) {
	addr := closedPort(t)
	s := newSource(t, []string{addr})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	snap, err := s.Poll(ctx)
	if err == nil || !strings.Contains(err.Error(), "connection refused") || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Poll error = %v, want a refused connection", err)
	}
	if snap == nil || snap.Seq != 1 || len(snap.Brokers)+len(snap.Topics)+len(snap.Groups) != 0 || !snap.LastOK.IsZero() {
		t.Fatalf("snapshot = %+v", snap)
	}
	if len(snap.Errors) != 1 || snap.Errors[0].Endpoint != "bootstrap "+addr || snap.Errors[0].Op != "metadata" ||
		!strings.Contains(snap.Errors[0].Err, "connection refused") {
		t.Errorf("errors = %+v", snap.Errors)
	}
}

func TestClusterGone(t *testing.T) {
	c := kafkatest.NewCluster(t)
	c.CreateTopics(3, 3, "orders")
	c.Produce("orders", 5)
	s := newSource(t, c.Addrs())
	healthy := poll(t, s)
	c.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var downSince []time.Time
	for i := range 2 {
		snap, err := s.Poll(ctx)
		if err == nil {
			t.Fatalf("poll %d: no error from a closed cluster", i+1)
		}
		if !snap.LastOK.Equal(healthy.Taken) || len(snap.Errors) != 1 || snap.Errors[0].Op != "metadata" {
			t.Errorf("poll %d: meta = %+v", i+1, snap.Meta)
		}
		if tp := topic(t, snap, "orders"); tp.Messages != 5 || tp.Rate != -1 || len(tp.Partitions) != 3 {
			t.Errorf("poll %d: previous data lost: %+v", i+1, tp)
		}
		for _, b := range snap.Brokers {
			if b.Up || b.LastErr == "" {
				t.Errorf("poll %d: broker = %+v", i+1, b)
			}
		}
		downSince = append(downSince, broker(t, snap, 0).DownSince)
	}
	if !downSince[0].Equal(downSince[1]) || downSince[0].IsZero() {
		t.Errorf("down since %v then %v", downSince[0], downSince[1])
	}
}

// notInMetadata is the reason given for a broker metadata no longer lists.
const notInMetadata = "not in the cluster's metadata (its session expired or it was removed)"

func TestBrokerMissingFromMetadata(t *testing.T) {
	const gone int32 = 2
	for _, tc := range []struct {
		name string
		// seen: the source polled the healthy cluster first, so it knows
		// broker 2's address.
		seen bool
		// downFirst: broker 2 stopped answering a poll before metadata
		// dropped it, as a crashed broker does until its session expires.
		downFirst bool
		// vanish takes broker 2 out of metadata; back returns it.
		vanish func(t *testing.T, c *kafkatest.Cluster) (back func())
		// named: partitions still name broker 2 (Kafka keeps a dead broker
		// in the replicas; a removed one is in none).
		named bool
	}{
		{
			name: "session expired after it stopped answering", seen: true, downFirst: true, named: true,
			vanish: func(t *testing.T, c *kafkatest.Cluster) func() {
				restore := c.OmitBroker(gone)
				return func() { restore(); c.BrokerUp(gone) }
			},
		},
		{
			name: "dropped from metadata while answering", seen: true, named: true,
			vanish: func(t *testing.T, c *kafkatest.Cluster) func() { return c.OmitBroker(gone) },
		},
		{
			name: "never listed, named only by partitions", named: true,
			vanish: func(t *testing.T, c *kafkatest.Cluster) func() { return c.OmitBroker(gone) },
		},
		{
			name: "removed from the cluster", seen: true,
			vanish: func(t *testing.T, c *kafkatest.Cluster) func() {
				if err := c.Fake.RemoveNode(gone); err != nil {
					t.Fatal(err)
				}
				return func() {
					if _, _, err := c.Fake.AddNode(gone, 0); err != nil {
						t.Fatal(err)
					}
				}
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := kafkatest.NewCluster(t)
			c.CreateTopics(6, 3, "orders")
			produced := c.Produce("orders", 60)
			onGone := groupCoordinatedBy(t, c, "on-gone-", gone)
			c.Commit(onGone, map[string]map[int32]int64{"orders": {0: 1}})
			s := newSource(t, c.Addrs())

			var healthy *sources.KafkaSnapshot
			if tc.seen {
				healthy = poll(t, s)
			}
			var wantSince time.Time // DownSince and the error's Since
			if tc.downFirst {
				c.BrokerDown(gone)
				wantSince = poll(t, s).Taken
			}
			back := tc.vanish(t, c)
			first, second := poll(t, s), poll(t, s)
			if wantSince.IsZero() {
				wantSince = first.Taken
			}

			wantHost, wantPort, wantEndpoint := "", int32(0), fmt.Sprintf("broker %d", gone)
			if tc.seen {
				was := broker(t, healthy, gone)
				wantHost, wantPort = was.Host, was.Port
				wantEndpoint = fmt.Sprintf("broker %d (%s)", gone, net.JoinHostPort(was.Host, strconv.Itoa(int(was.Port))))
			}
			for i, snap := range []*sources.KafkaSnapshot{first, second} {
				if got := brokerIDs(snap); !slices.Equal(got, []int32{0, 1, 2}) {
					t.Fatalf("poll %d: broker IDs = %v", i+1, got)
				}
				b := broker(t, snap, gone)
				if b.Up || b.LastErr != notInMetadata || !b.DownSince.Equal(wantSince) || b.Host != wantHost || b.Port != wantPort {
					t.Errorf("poll %d: broker %d = %+v, want down since %v at %q:%d", i+1, gone, b, wantSince, wantHost, wantPort)
				}
				for _, id := range []int32{0, 1} {
					if b := broker(t, snap, id); !b.Up || b.LastErr != "" {
						t.Errorf("poll %d: broker %d = %+v", i+1, id, b)
					}
				}
				// kfake keeps naming a removed node as controller; OmitBroker
				// names another, as Kafka would.
				if tc.named && snap.Controller == gone {
					t.Errorf("poll %d: controller is the missing broker", i+1)
				}
				if len(snap.Errors) != 1 {
					t.Fatalf("poll %d: errors = %+v, want one for broker %d", i+1, snap.Errors, gone)
				}
				if e := snap.Errors[0]; e.Endpoint != wantEndpoint || e.Op != "metadata" || e.Err != notInMetadata || !e.Since.Equal(wantSince) {
					t.Errorf("poll %d: error = %+v, want %s: metadata: %s since %v", i+1, e, wantEndpoint, notInMetadata, wantSince)
				}

				// Its replicas and leaderships are counted; a partition it
				// still leads has no offsets, with the reason.
				tp := topic(t, snap, "orders")
				var leads, hosts, leaders int
				for _, p := range tp.Partitions {
					if slices.Contains(p.Replicas, gone) {
						hosts++
					}
					for _, b := range snap.Brokers {
						if b.ID == p.Leader {
							leaders++
						}
					}
					if p.Leader == gone {
						leads++
						if p.High != -1 || !strings.Contains(p.Err, "leader broker 2 is not in the cluster's metadata") {
							t.Errorf("poll %d: partition %d led by the missing broker = %+v", i+1, p.ID, p)
						}
					} else if p.High != produced[p.ID] || p.Err != "" {
						t.Errorf("poll %d: partition %d = %+v", i+1, p.ID, p)
					}
				}
				if tc.named != (hosts > 0) {
					t.Fatalf("poll %d: %d partitions name broker %d; the case says named=%v", i+1, hosts, gone, tc.named)
				}
				if b.Leaders != leads || b.Replicas != hosts || leaders != len(tp.Partitions) {
					t.Errorf("poll %d: broker %d leads %d and hosts %d, want %d and %d; %d of %d partitions have a listed leader",
						i+1, gone, b.Leaders, b.Replicas, leads, hosts, leaders, len(tp.Partitions))
				}

				// Its groups are kept from the last poll, marked.
				if tc.seen && tc.named {
					want := fmt.Sprintf("not refreshed: coordinator broker %d is %s", gone, notInMetadata)
					if g := group(t, snap, onGone); g.Err != want || g.Coordinator != gone {
						t.Errorf("poll %d: group on the missing broker = %+v, want error %q", i+1, g, want)
					}
				}
			}

			back()
			again := poll(t, s)
			if !again.OK() {
				t.Errorf("errors once listed again: %+v", again.Errors)
			}
			for _, b := range again.Brokers {
				if !b.Up || b.LastErr != "" || !b.DownSince.IsZero() || b.Host == "" || b.Port == 0 {
					t.Errorf("broker once listed again = %+v", b)
				}
			}
			if !slices.Equal(brokerIDs(again), []int32{0, 1, 2}) {
				t.Errorf("broker IDs once listed again = %v", brokerIDs(again))
			}
		})
	}
}

// silentListener accepts connections on 127.0.0.1 and never answers.
func silentListener(t *testing.T) []string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	t.Cleanup(func() { ln.Close(); <-done })
	return []string{ln.Addr().String()}
}

// hungCluster is a kfake cluster whose brokers hold every request unanswered
// until the test ends.
func hungCluster(t *testing.T) []string {
	c := kafkatest.NewCluster(t)
	release := make(chan struct{})
	c.Fake.Control(func(kmsg.Request) (kmsg.Response, error, bool) {
		c.Fake.KeepControl()
		c.Fake.SleepControl(func() { <-release })
		return nil, errors.New("kafkatest: released at the end of the test"), true
	})
	t.Cleanup(func() { close(release) }) // runs before the cluster's Close
	return c.Addrs()
}

func TestTimeoutWording(t *testing.T) {
	const timeout = 300 * time.Millisecond
	for _, tc := range []struct {
		name  string
		addrs func(t *testing.T) []string
	}{
		{"a listener that never answers", silentListener},
		{"a kfake cluster that never answers", hungCluster},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := kafka.New(kafka.Config{Brokers: tc.addrs(t), Timeout: timeout})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(s.Close)
			// The source's own timeout ends the poll; this one is a failsafe.
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			t.Cleanup(cancel)

			snap, err := s.Poll(ctx)
			if err == nil || err.Error() != "metadata: timed out after 300ms" || !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("Poll error = %v, want %q wrapping context.DeadlineExceeded", err, "metadata: timed out after 300ms")
			}
			if len(snap.Errors) != 1 || snap.Errors[0].Op != "metadata" || snap.Errors[0].Err != "timed out after 300ms" {
				t.Errorf("errors = %+v", snap.Errors)
			}
		})
	}
}
