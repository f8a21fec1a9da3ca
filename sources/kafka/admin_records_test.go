package kafka_test

import (
	"testing"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/sources/kafka/kafkatest"
)

func TestDeleteRecords(t *testing.T) {
	c := kafkatest.NewCluster(t)
	c.CreateTopics(3, 3, "orders")
	for p := range int32(3) {
		c.Fill("orders", p, 10, nil)
	}
	s := newSource(t, c.Addrs())

	tests := []struct {
		name    string
		body    sources.DeleteRecords
		refusal string
		detail  string
		starts  map[int32]int64 // log starts after, as Kafka lists them
	}{
		{name: "before an offset", body: sources.DeleteRecords{Topic: "orders", Partition: 1, Before: 4},
			detail: "records before offset 4 deleted: the log starts at 4", starts: map[int32]int64{0: 0, 1: 4, 2: 0}},
		{name: "before the start: nothing moves", body: sources.DeleteRecords{Topic: "orders", Partition: 1, Before: 2},
			detail: "nothing before offset 2: the log starts at 4", starts: map[int32]int64{1: 4}},
		{name: "everything", body: sources.DeleteRecords{Topic: "orders", Partition: 2, Before: 10},
			detail: "records before offset 10 deleted: the log starts at 10", starts: map[int32]int64{0: 0, 2: 10}},
		{name: "past the end", body: sources.DeleteRecords{Topic: "orders", Partition: 0, Before: 11},
			refusal: "delete records of orders/0: offset 11 is past the end of the partition (10): give 10 or less", starts: map[int32]int64{0: 0}},
		{name: "no such partition", body: sources.DeleteRecords{Topic: "orders", Partition: 3, Before: 1},
			refusal: "orders has 3 partitions (0-2); no partition 3"},
		{name: "no such topic", body: sources.DeleteRecords{Topic: "nope", Partition: 0, Before: 1}, refusal: `topic "nope" does not exist`},
		{name: "a negative offset", body: sources.DeleteRecords{Topic: "orders", Partition: 0, Before: -1}, refusal: "offset -1: want an offset"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.refusal != "" {
				refused(t, s, tc.body, tc.refusal)
			} else {
				res := succeed(t, s, tc.body)
				if len(res.Targets) != 1 || res.Targets[0].Target != tc.body.Target() || res.Targets[0].Detail != tc.detail {
					t.Fatalf("targets %+v, want %q", res.Targets, tc.detail)
				}
				if low, ok := res.Data.(int64); !ok || low != tc.starts[tc.body.Partition] {
					t.Errorf("Data %v (%T), want the new log start %d", res.Data, res.Data, tc.starts[tc.body.Partition])
				}
			}
			got := startOffsets(t, c, "orders")
			for p, want := range tc.starts {
				if got[p] != want {
					t.Errorf("orders/%d starts at %d, want %d", p, got[p], want)
				}
			}
		})
	}
}
