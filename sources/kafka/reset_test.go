package kafka_test

import (
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/sources/kafka/kafkatest"
)

// resetCluster has orders (3 partitions of 10 records, the record at offset o
// stamped minuteStamps(o), orders/2 starting at 3), other (1 partition of 4)
// and fresh (2 partitions of 5, which no group has committed to).
func resetCluster(t *testing.T) *kafkatest.Cluster {
	t.Helper()
	c := kafkatest.NewCluster(t)
	c.CreateTopics(3, 3, "orders")
	c.CreateTopics(1, 3, "other")
	c.CreateTopics(2, 3, "fresh")
	for p := range int32(3) {
		c.Fill("orders", p, 10, minuteStamps)
	}
	c.Fill("other", 0, 4, nil)
	c.Fill("fresh", 0, 5, nil)
	c.Fill("fresh", 1, 5, nil)
	if err := c.Fake.DeleteRecords("orders", 2, 3); err != nil {
		t.Fatal(err)
	}
	return c
}

// resetBase is what each case's group has committed before the reset.
func resetBase() map[string]map[int32]int64 {
	return map[string]map[int32]int64{"orders": {0: 5, 1: 8, 2: 4}, "other": {0: 1}}
}

var resetEnds = map[string]int64{"orders": 10, "other": 4, "fresh": 5}

// moved is one partition's expected move.
type moved struct {
	topic     string
	partition int32
	old, new  int64
	note, err string
}

func TestResetOffsets(t *testing.T) {
	c := resetCluster(t)
	s := newSource(t, c.Addrs())
	tests := []struct {
		name  string
		reset sources.ResetOffsets // Group and Execute are set per run
		want  []moved              // in order: by topic, then partition
	}{
		{"earliest, whole group", sources.ResetOffsets{Partition: -1, To: sources.ResetEarliest},
			[]moved{{"orders", 0, 5, 0, "", ""}, {"orders", 1, 8, 0, "", ""}, {"orders", 2, 4, 3, "", ""}, {"other", 0, 1, 0, "", ""}}},
		{"latest, one topic", sources.ResetOffsets{Topic: "orders", Partition: -1, To: sources.ResetLatest},
			[]moved{{"orders", 0, 5, 10, "", ""}, {"orders", 1, 8, 10, "", ""}, {"orders", 2, 4, 10, "", ""}}},
		{"a time, one partition", sources.ResetOffsets{Topic: "orders", Partition: 1, To: sources.ResetTime, Time: minuteStamps(6)},
			[]moved{{"orders", 1, 8, 6, "", ""}}},
		{"a time between records", sources.ResetOffsets{Topic: "orders", Partition: 0, To: sources.ResetTime, Time: minuteStamps(2).Add(time.Second)},
			[]moved{{"orders", 0, 5, 3, "", ""}}},
		{"a time after every record: the end", sources.ResetOffsets{Topic: "orders", Partition: 0, To: sources.ResetTime, Time: minuteStamps(100)},
			[]moved{{"orders", 0, 5, 10, "", ""}}},
		{"an offset", sources.ResetOffsets{Topic: "orders", Partition: -1, To: sources.ResetOffset, N: 7},
			[]moved{{"orders", 0, 5, 7, "", ""}, {"orders", 1, 8, 7, "", ""}, {"orders", 2, 4, 7, "", ""}}},
		{"an offset past the end", sources.ResetOffsets{Topic: "orders", Partition: 0, To: sources.ResetOffset, N: 20},
			[]moved{{"orders", 0, 5, 10, "clamped to the end 10 (20 asked)", ""}}},
		{"an offset before the log start", sources.ResetOffsets{Topic: "orders", Partition: 2, To: sources.ResetOffset, N: 1},
			[]moved{{"orders", 2, 4, 3, "clamped to the log start 3 (1 asked)", ""}}},
		{"shift back, whole group", sources.ResetOffsets{Partition: -1, To: sources.ResetShift, N: -3},
			[]moved{{"orders", 0, 5, 2, "", ""}, {"orders", 1, 8, 5, "", ""}, {"orders", 2, 4, 3, "clamped to the log start 3 (1 asked)", ""}, {"other", 0, 1, 0, "clamped to the log start 0 (-2 asked)", ""}}},
		{"shift forward, one topic", sources.ResetOffsets{Topic: "orders", Partition: -1, To: sources.ResetShift, N: 4},
			[]moved{{"orders", 0, 5, 9, "", ""}, {"orders", 1, 8, 10, "clamped to the end 10 (12 asked)", ""}, {"orders", 2, 4, 8, "", ""}}},
		{"a topic the group never committed to", sources.ResetOffsets{Topic: "fresh", Partition: -1, To: sources.ResetLatest},
			[]moved{{"fresh", 0, -1, 5, "", ""}, {"fresh", 1, -1, 5, "", ""}}},
		{"a shift with nothing to shift from", sources.ResetOffsets{Topic: "fresh", Partition: -1, To: sources.ResetShift, N: 1},
			[]moved{{"fresh", 0, -1, -1, "", "nothing committed to shift from"}, {"fresh", 1, -1, -1, "", "nothing committed to shift from"}}},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			group := fmt.Sprintf("g%d", i)
			c.Commit(group, resetBase())
			r := tc.reset
			r.Group = group

			// The preview: what would happen, and nothing happens.
			checkChanges(t, do(t, s, r), tc.want, false)
			if got := committedOffsets(t, c, group); !equalOffsets(got, resetBase()) {
				t.Fatalf("the preview changed the offsets: %v", got)
			}

			r.Execute = true
			checkChanges(t, do(t, s, r), tc.want, true)
			want := resetBase()
			for _, m := range tc.want {
				if m.err != "" {
					continue
				}
				if want[m.topic] == nil {
					want[m.topic] = map[int32]int64{}
				}
				want[m.topic][m.partition] = m.new
			}
			if got := committedOffsets(t, c, group); !equalOffsets(got, want) {
				t.Fatalf("Kafka has %v, want %v", got, want)
			}
		})
	}
}

// checkChanges compares a reset's answer with the moves expected: the data,
// and a target per change in the same order saying what was done or why not.
func checkChanges(t *testing.T, res sources.Result, want []moved, executed bool) {
	t.Helper()
	if res.Err != "" {
		t.Fatalf("Err %q", res.Err)
	}
	changes, ok := res.Data.([]sources.OffsetChange)
	if !ok || len(changes) != len(want) || len(res.Targets) != len(want) {
		t.Fatalf("changes %+v, targets %+v; want %+v", res.Data, res.Targets, want)
	}
	for i, w := range want {
		ch, tr := changes[i], res.Targets[i]
		end := resetEnds[w.topic]
		wantCh := sources.OffsetChange{Topic: w.topic, Partition: w.partition, Old: w.old, New: w.new, End: end,
			LagBefore: lagFrom(w.old, end), LagAfter: lagFrom(w.new, end), Note: w.note, Err: w.err}
		if ch != wantCh {
			t.Errorf("change %d: %+v\nwant      %+v", i, ch, wantCh)
		}
		wantDetail := w.note
		if executed && w.err == "" {
			wantDetail = strings.TrimSuffix("committed, "+w.note, ", ")
		}
		if tr.Target != fmt.Sprintf("%s/%d", w.topic, w.partition) || tr.Err != w.err || tr.Detail != wantDetail {
			t.Errorf("target %d: %+v, want detail %q err %q", i, tr, wantDetail, w.err)
		}
	}
}

func lagFrom(o, end int64) int64 {
	if o < 0 {
		return -1
	}
	return end - o
}

func equalOffsets(a, b map[string]map[int32]int64) bool {
	return maps.EqualFunc(a, b, func(x, y map[int32]int64) bool { return maps.Equal(x, y) })
}

// TestResetOffsetsRefusals: what is refused changes nothing and says why.
func TestResetOffsetsRefusals(t *testing.T) {
	c := resetCluster(t)
	c.JoinGroup("live", "orders")
	c.Commit("idle", resetBase())
	s := newSource(t, c.Addrs())

	tests := []struct {
		name  string
		reset sources.ResetOffsets
		want  string
	}{
		{"an active group", sources.ResetOffsets{Group: "live", Partition: -1, To: sources.ResetEarliest},
			"group live is Stable with 1 member: stop its consumers first; Kafka refuses to move an active group's offsets"},
		{"an active group, one topic", sources.ResetOffsets{Group: "live", Topic: "orders", Partition: -1, To: sources.ResetLatest},
			"group live is Stable with 1 member: stop its consumers first"},
		{"a group with no offsets", sources.ResetOffsets{Group: "ghost", Partition: -1, To: sources.ResetEarliest},
			`group "ghost" does not exist: name a topic to give it offsets`},
		{"no such topic", sources.ResetOffsets{Group: "idle", Topic: "nope", Partition: -1, To: sources.ResetEarliest}, `topic "nope" does not exist`},
		{"no such partition", sources.ResetOffsets{Group: "idle", Topic: "orders", Partition: 3, To: sources.ResetEarliest}, "orders has 3 partitions (0-2); no partition 3"},
		{"a partition without its topic", sources.ResetOffsets{Group: "idle", Partition: 1, To: sources.ResetEarliest}, "partition 1: name its topic"},
		{"a negative offset", sources.ResetOffsets{Group: "idle", Partition: -1, To: sources.ResetOffset, N: -4}, "offset -4: want an offset"},
		{"no time", sources.ResetOffsets{Group: "idle", Partition: -1, To: sources.ResetTime}, "a reset to a time needs the time"},
		{"an unknown kind", sources.ResetOffsets{Group: "idle", Partition: -1, To: "sideways"}, `reset to "sideways"`},
		{"no group", sources.ResetOffsets{Partition: -1, To: sources.ResetEarliest}, "no group given"},
	}
	for _, tc := range tests {
		for _, execute := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s execute=%v", tc.name, execute), func(t *testing.T) {
				r := tc.reset
				r.Execute = execute
				refused(t, s, r, tc.want)
			})
		}
	}
	if got := committedOffsets(t, c, "idle"); !equalOffsets(got, resetBase()) {
		t.Errorf("idle's offsets moved: %v", got)
	}
	if got := committedOffsets(t, c, "live"); len(got) != 0 {
		t.Errorf("live got offsets: %v", got)
	}
}

// TestResetOffsetsKIP848: a group on KIP-848's protocol is refused while its
// member is in, and reset once it has left.
func TestResetOffsetsKIP848(t *testing.T) {
	c := resetCluster(t)
	cl := c.JoinConsumerGroup("next", "orders")
	s := newSource(t, c.Addrs())
	r := sources.ResetOffsets{Group: "next", Topic: "orders", Partition: -1, To: sources.ResetOffset, N: 6, Execute: true}
	refused(t, s, r, "group next is Stable with 1 member: stop its consumers first")

	cl.Close() // the member leaves
	for deadline := time.Now().Add(30 * time.Second); ; {
		gs, err := c.Admin().DescribeConsumerGroups(admCtx(t), "next")
		if err == nil && gs["next"].State == "Empty" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the group never became Empty: %+v %v", gs["next"], err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	checkChanges(t, do(t, s, r), []moved{{"orders", 0, -1, 6, "", ""}, {"orders", 1, -1, 6, "", ""}, {"orders", 2, -1, 6, "", ""}}, true)
	if got := committedOffsets(t, c, "next"); !equalOffsets(got, map[string]map[int32]int64{"orders": {0: 6, 1: 6, 2: 6}}) {
		t.Fatalf("Kafka has %v", got)
	}
}

// TestResetOffsetsAppliesThePreview: an execute carrying its preview commits
// the previewed offsets even after the log moved on, and refuses a partition
// whose committed offset changed since the preview.
func TestResetOffsetsAppliesThePreview(t *testing.T) {
	c := resetCluster(t)
	s := newSource(t, c.Addrs())
	c.Commit("g", resetBase())

	preview := do(t, s, sources.ResetOffsets{Group: "g", Partition: -1, To: sources.ResetLatest})
	previewed, _ := preview.Data.([]sources.OffsetChange)
	if preview.Err != "" || len(previewed) != 4 {
		t.Fatalf("preview: %+v", preview)
	}
	c.Fill("other", 0, 3, nil)                                  // the end moves from 4 to 7
	c.Commit("g", map[string]map[int32]int64{"orders": {1: 9}}) // someone commits orders/1 meanwhile

	res := do(t, s, sources.ResetOffsets{Group: "g", Partition: -1, To: sources.ResetLatest, Execute: true, Previewed: previewed})
	if res.Err != "" {
		t.Fatalf("Err %q", res.Err)
	}
	want := map[string]map[int32]int64{"orders": {0: 10, 1: 9, 2: 10}, "other": {0: 4}}
	if got := committedOffsets(t, c, "g"); !equalOffsets(got, want) {
		t.Errorf("Kafka has %v, want %v (the previewed offsets, orders/1 left alone)", got, want)
	}
	for _, tr := range res.Targets {
		wantErr := ""
		if tr.Target == "orders/1" {
			wantErr = "the group's offset moved from 8 to 9 since the preview: preview again"
		}
		if tr.Err != wantErr {
			t.Errorf("%s: error %q, want %q", tr.Target, tr.Err, wantErr)
		}
	}
}
