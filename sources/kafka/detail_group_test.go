package kafka_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/sources/kafka/kafkatest"
)

func groupDetailOf(t *testing.T, res sources.Result) *sources.GroupDetail {
	t.Helper()
	d, ok := res.Data.(*sources.GroupDetail)
	if !ok {
		t.Fatalf("Data is %T, want *sources.GroupDetail (Err %q)", res.Data, res.Err)
	}
	return d
}

func partitionOf(t *testing.T, d *sources.GroupDetail, topic string, p int32) sources.GroupPartitionDetail {
	t.Helper()
	for _, gp := range d.Partitions {
		if gp.Topic == topic && gp.Partition == p {
			return gp
		}
	}
	t.Fatalf("%s/%d not in %+v", topic, p, d.Partitions)
	return sources.GroupPartitionDetail{}
}

// describeTimed describes a group and returns the times around the call, to
// bound a time lag without asserting on the clock.
func describeTimed(t *testing.T, s interface {
	Do(context.Context, sources.Request) sources.Result
}, group string) (d *sources.GroupDetail, res sources.Result, before, after time.Time) {
	t.Helper()
	before = time.Now()
	res = s.Do(context.Background(), sources.Request{Body: sources.DescribeGroup{Group: group}})
	after = time.Now()
	if res.Failed() {
		t.Fatalf("describe %s: %q %+v", group, res.Err, res.Targets)
	}
	return groupDetailOf(t, res), res, before, after
}

// checkTimeLag: the lag of a record stamped at is what passed between at and
// the call, bounded by the times around it.
func checkTimeLag(t *testing.T, gp sources.GroupPartitionDetail, at, before, after time.Time) {
	t.Helper()
	if gp.TimeLag < before.Sub(at) || gp.TimeLag > after.Sub(at) {
		t.Errorf("%s/%d: time lag %v, want between %v and %v (record at %v)", gp.Topic, gp.Partition, gp.TimeLag, before.Sub(at), after.Sub(at), at)
	}
}

// TestDescribeGroupTimeLag: per partition, the committed offset, end, lag and
// the age of the record at the committed offset, read from records of known
// timestamps; 0 when caught up, -1 (said why) when the commit lies before
// the log start.
func TestDescribeGroupTimeLag(t *testing.T) {
	c := kafkatest.NewCluster(t)
	c.CreateTopics(4, 3, "events")
	for p := range int32(4) {
		c.Fill("events", p, 10, minuteStamps)
	}
	if err := c.Fake.DeleteRecords("events", 3, 6); err != nil {
		t.Fatal(err)
	}
	c.Commit("billing", map[string]map[int32]int64{"events": {0: 3, 1: 10, 2: 7, 3: 2}})
	s := newSource(t, c.Addrs())

	d, res, before, after := describeTimed(t, s, "billing")
	if d.Group != "billing" || d.State != "Empty" || len(d.Members) != 0 || d.Coordinator != c.Fake.CoordinatorFor("billing") {
		t.Errorf("group %+v", d)
	}
	tests := []struct {
		p              int32
		committed, lag int64
		timeLagOf      int64 // the offset whose record's age is the time lag; -1: none
		wantTimeLag    time.Duration
		note           string
	}{
		{p: 0, committed: 3, lag: 7, timeLagOf: 3},
		{p: 1, committed: 10, lag: 0, timeLagOf: -1, wantTimeLag: 0},
		{p: 2, committed: 7, lag: 3, timeLagOf: 7},
		{p: 3, committed: 2, lag: 8, timeLagOf: -1, wantTimeLag: -1, note: "before the log start 6"},
	}
	for _, tc := range tests {
		gp := partitionOf(t, d, "events", tc.p)
		if gp.Committed != tc.committed || gp.End != 10 || gp.Lag != tc.lag || gp.Member != "" {
			t.Errorf("events/%d: %+v, want committed %d, end 10, lag %d", tc.p, gp.GroupPartition, tc.committed, tc.lag)
		}
		if tc.timeLagOf >= 0 {
			checkTimeLag(t, gp, minuteStamps(tc.timeLagOf), before, after)
		} else if gp.TimeLag != tc.wantTimeLag {
			t.Errorf("events/%d: time lag %v, want %v", tc.p, gp.TimeLag, tc.wantTimeLag)
		}
		if tc.note != "" && !slices.ContainsFunc(res.Targets, func(tr sources.TargetResult) bool {
			return tr.Target == fmt.Sprintf("events/%d", tc.p) && strings.Contains(tr.Detail, tc.note)
		}) {
			t.Errorf("events/%d: no note saying %q: %+v", tc.p, tc.note, res.Targets)
		}
	}
	refused(t, s, sources.DescribeGroup{Group: "nope"}, `group "nope" does not exist`)
}

// TestDescribeGroupCachesRecordTimes: the record at a committed offset is
// fetched once, then served from the Source's cache until the offset moves.
func TestDescribeGroupCachesRecordTimes(t *testing.T) {
	c := kafkatest.NewCluster(t)
	c.CreateTopics(2, 3, "events")
	for p := range int32(2) {
		c.Fill("events", p, 10, minuteStamps)
	}
	c.Commit("g", map[string]map[int32]int64{"events": {0: 2, 1: 5}})
	var fetched atomic.Int64 // partitions asked for in Fetch requests
	c.Fake.ControlKey(int16(kmsg.Fetch), func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.Fake.KeepControl()
		for _, t := range req.(*kmsg.FetchRequest).Topics {
			fetched.Add(int64(len(t.Partitions)))
		}
		return nil, nil, false
	})
	s := newSource(t, c.Addrs())

	steps := []struct {
		name    string
		commit  map[string]map[int32]int64
		group   string
		fetched int64 // partitions fetched in all, after the step
		lagOf   map[int32]int64
	}{
		{"first look fetches both", nil, "g", 2, map[int32]int64{0: 2, 1: 5}},
		{"offsets still: nothing fetched", nil, "g", 2, map[int32]int64{0: 2, 1: 5}},
		{"one offset moved: that one fetched", map[string]map[int32]int64{"events": {0: 3}}, "g", 3, map[int32]int64{0: 3, 1: 5}},
		{"another group at the same offset has its own entry", map[string]map[int32]int64{"events": {0: 3}}, "h", 4, map[int32]int64{0: 3}},
		{"and keeps it", nil, "h", 4, map[int32]int64{0: 3}},
	}
	for _, st := range steps {
		if st.commit != nil {
			c.Commit(st.group, st.commit)
		}
		d, _, before, after := describeTimed(t, s, st.group)
		if got := fetched.Load(); got != st.fetched {
			t.Errorf("%s: %d partitions fetched in all, want %d", st.name, got, st.fetched)
		}
		for p, o := range st.lagOf {
			checkTimeLag(t, partitionOf(t, d, "events", p), minuteStamps(o), before, after)
		}
	}
}

// TestDescribeGroupMembers: a live classic group's members, their decoded
// assignment, and each partition's owner, with kadm's view to compare.
func TestDescribeGroupMembers(t *testing.T) {
	c := kafkatest.NewCluster(t)
	c.CreateTopics(3, 3, "orders")
	start := time.Now().Truncate(time.Millisecond) // records are stamped in ms
	c.Produce("orders", 30)
	cl := c.JoinGroup("live", "orders")
	ctx := admCtx(t)
	var commitErr error
	cl.CommitOffsetsSync(ctx, map[string]map[int32]kgo.EpochOffset{"orders": {0: {Epoch: -1, Offset: 4}}},
		func(_ *kgo.Client, _ *kmsg.OffsetCommitRequest, _ *kmsg.OffsetCommitResponse, err error) {
			commitErr = err
		})
	if commitErr != nil {
		t.Fatal(commitErr)
	}
	s := newSource(t, c.Addrs())

	d, _, _, after := describeTimed(t, s, "live")
	described, err := c.Admin().DescribeGroups(ctx, "live")
	if err != nil {
		t.Fatal(err)
	}
	kg := described["live"]
	if d.State != "Stable" || d.ProtocolType != "consumer" || d.Protocol != "range" || d.Coordinator != kg.Coordinator.NodeID {
		t.Errorf("group %+v; kadm %s %s %s %d", d, kg.State, kg.ProtocolType, kg.Protocol, kg.Coordinator.NodeID)
	}
	if len(d.Members) != 1 || len(kg.Members) != 1 {
		t.Fatalf("members %+v", d.Members)
	}
	m := d.Members[0]
	want := []sources.TopicPartitions{{Topic: "orders", Partitions: []int32{0, 1, 2}}}
	if m.ID != kg.Members[0].MemberID || m.ClientID != kg.Members[0].ClientID || m.Host != kg.Members[0].ClientHost ||
		len(m.Assigned) != 1 || m.Assigned[0].Topic != "orders" || !slices.Equal(m.Assigned[0].Partitions, want[0].Partitions) {
		t.Errorf("member %+v, want assigned %v", m, want)
	}
	// Every assigned partition is listed with its owner, committed or not.
	gp := partitionOf(t, d, "orders", 0)
	if gp.Committed != 4 || gp.End != 10 || gp.Lag != 6 || gp.Member != m.ClientID {
		t.Errorf("orders/0: %+v", gp.GroupPartition)
	}
	if gp.TimeLag < 0 || gp.TimeLag > after.Sub(start) {
		t.Errorf("orders/0: time lag %v of a record produced since %v", gp.TimeLag, after.Sub(start))
	}
	for _, p := range []int32{1, 2} {
		gp := partitionOf(t, d, "orders", p)
		if gp.Committed != -1 || gp.Lag != -1 || gp.TimeLag != -1 || gp.End != 10 || gp.Member != m.ClientID {
			t.Errorf("orders/%d (assigned, nothing committed): %+v %v", p, gp.GroupPartition, gp.TimeLag)
		}
	}
}

// TestDescribeGroupKIP848: a group on the consumer protocol of KIP-848, whose
// assignment kfake names by topic ID alone.
func TestDescribeGroupKIP848(t *testing.T) {
	c := kafkatest.NewCluster(t)
	c.CreateTopics(2, 3, "orders")
	c.JoinConsumerGroup("next", "orders")
	s := newSource(t, c.Addrs())
	// The member's assignment reaches the group as it reconciles.
	var d *sources.GroupDetail
	for deadline := time.Now().Add(30 * time.Second); ; {
		d, _, _, _ = describeTimed(t, s, "next")
		if len(d.Members) == 1 && len(d.Members[0].Assigned) == 1 && len(d.Members[0].Assigned[0].Partitions) == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the member never showed its assignment: %+v", d)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if d.ProtocolType != "consumer" || d.State != "Stable" {
		t.Errorf("group %+v", d)
	}
	if a := d.Members[0].Assigned[0]; a.Topic != "orders" || !slices.Equal(a.Partitions, []int32{0, 1}) {
		t.Errorf("assigned %+v", a)
	}
	for _, p := range []int32{0, 1} {
		if gp := partitionOf(t, d, "orders", p); gp.Member != d.Members[0].ClientID || gp.Committed != -1 {
			t.Errorf("orders/%d: %+v", p, gp.GroupPartition)
		}
	}
}

// TestDescribeGroupLeaderDown: a partition whose leader does not answer has
// unknown figures and a failed target naming it; the others are whole.
func TestDescribeGroupLeaderDown(t *testing.T) {
	c := kafkatest.NewCluster(t)
	c.CreateTopics(3, 3, "events")
	c.SpreadLeaders("events") // broker p leads partition p
	for p := range int32(3) {
		c.Fill("events", p, 5, minuteStamps)
	}
	c.Commit("billing", map[string]map[int32]int64{"events": {0: 1, 1: 1, 2: 1}})
	coordinator := c.Fake.CoordinatorFor("billing")
	down := int32(0)
	for down == coordinator {
		down++
	}
	s := newSource(t, c.Addrs())
	c.BrokerDown(down)
	t.Cleanup(func() { c.BrokerUp(down) })

	res := do(t, s, sources.DescribeGroup{Group: "billing"})
	if res.Err != "" {
		t.Fatalf("one leader down failed the whole describe: %s", res.Err)
	}
	d := groupDetailOf(t, res)
	bad := partitionOf(t, d, "events", down)
	if bad.End != -1 || bad.Lag != -1 || bad.TimeLag != -1 || bad.Committed != 1 {
		t.Errorf("events/%d behind a dead leader: %+v %v", down, bad.GroupPartition, bad.TimeLag)
	}
	target := fmt.Sprintf("events/%d", down)
	if !slices.ContainsFunc(res.Targets, func(tr sources.TargetResult) bool {
		return tr.Target == target && strings.Contains(tr.Err, "broker")
	}) {
		t.Errorf("no failed target for %s naming its broker: %+v", target, res.Targets)
	}
	for p := range int32(3) {
		if p == down {
			continue
		}
		if gp := partitionOf(t, d, "events", p); gp.End != 5 || gp.Lag != 4 || gp.TimeLag <= 0 {
			t.Errorf("events/%d: %+v %v", p, gp.GroupPartition, gp.TimeLag)
		}
	}
}

// TestDescribeGroupTimeLagAtScale: every partition of a large group gets its
// time lag although one fetch cannot hold them all: Kafka (and kfake) give
// only the first partition of a fetch a batch over its per-partition limit,
// and fill a fetch's total limit partition by partition.
func TestDescribeGroupTimeLagAtScale(t *testing.T) {
	const partitions = 90
	for _, tc := range []struct {
		name string
		// valueBytes is each record's value, random so that compression
		// keeps it that large; two records per partition.
		valueBytes int
	}{
		{"batches over the per-partition limit", 100_000},
		{"more partitions than a fetch holds", 30_000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := kafkatest.NewCluster(t)
			c.CreateTopics(partitions, 3, "big")
			rng := rand.NewChaCha8([32]byte{1})
			var rs []*kgo.Record
			commits := make(map[int32]int64, partitions)
			for p := range int32(partitions) {
				for o := range int64(2) {
					v := make([]byte, tc.valueBytes)
					_, _ = rng.Read(v) // never fails
					rs = append(rs, &kgo.Record{Topic: "big", Partition: p, Value: v, Timestamp: minuteStamps(o)})
				}
				commits[p] = 1 // mid-way: the record at offset 1 is next
			}
			c.ProduceRecords(rs...)
			c.Commit("wide", map[string]map[int32]int64{"big": commits})
			s := newSource(t, c.Addrs())

			d, res, before, after := describeTimed(t, s, "wide")
			if len(res.Targets) != 0 {
				t.Errorf("targets %+v, want none", res.Targets)
			}
			unknown := 0
			for p := range int32(partitions) {
				gp := partitionOf(t, d, "big", p)
				if gp.TimeLag < 0 {
					unknown++
					continue
				}
				checkTimeLag(t, gp, minuteStamps(1), before, after)
			}
			if unknown > 0 {
				t.Errorf("time lag unknown for %d of %d partitions", unknown, partitions)
			}
		})
	}
}

// TestDescribeGroupTimeLagAtTransactionMarker: a group committed where only
// control records (transaction markers) remain before the end has read every
// record: time lag 0, no failure. One committed at a marker with records
// after it is as old as the next record, whether the fetch that reads the
// marker brings that record too or it takes another (a batch larger than a
// fetch gives a partition after its first batch).
func TestDescribeGroupTimeLagAtTransactionMarker(t *testing.T) {
	c := kafkatest.NewCluster(t)
	c.CreateTopics(3, 3, "txn")
	for p := range int32(3) {
		c.ProduceTransaction("txn", p, "a", "b", "c") // offsets 0-2, the marker at 3, end 4
	}
	small := c.Fill("txn", 1, 2, minuteStamps)
	large := make([]byte, 100_000)
	_, _ = rand.NewChaCha8([32]byte{1}).Read(large) // random: compression keeps it large
	c.ProduceRecords(&kgo.Record{Topic: "txn", Partition: 2, Value: large, Timestamp: minuteStamps(4)})
	c.Commit("reader", map[string]map[int32]int64{"txn": {0: 3, 1: 3, 2: 3}})
	s := newSource(t, c.Addrs())

	d, res, before, after := describeTimed(t, s, "reader")
	if len(res.Targets) != 0 {
		t.Errorf("targets %+v, want none", res.Targets)
	}
	for _, tc := range []struct {
		name      string
		p         int32
		end, lag  int64
		timeLagOf int64 // the offset whose record's age is the time lag; -1: caught up
	}{
		{"only the marker left", 0, 4, 1, -1},
		{"small records after the marker", 1, 6, 3, small},
		{"a large record after the marker", 2, 5, 2, 4},
	} {
		gp := partitionOf(t, d, "txn", tc.p)
		if gp.Committed != 3 || gp.End != tc.end || gp.Lag != tc.lag {
			t.Errorf("%s: %+v, want committed 3, end %d, lag %d", tc.name, gp.GroupPartition, tc.end, tc.lag)
		}
		switch {
		case tc.timeLagOf >= 0:
			checkTimeLag(t, gp, minuteStamps(tc.timeLagOf), before, after)
		case gp.TimeLag != 0:
			t.Errorf("%s: time lag %v, want 0: the group has read every record", tc.name, gp.TimeLag)
		}
	}
}
