package kafka_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/topicat/topicat/sources/kafka/kafkatest"
)

// BenchmarkPoll measures one full poll (metadata, liveness, start and end
// offsets, groups, commits, lag) of 1,000 topics × 10 partitions and 50
// groups with committed offsets.
func BenchmarkPoll(b *testing.B) {
	const (
		topics     = 1000
		partitions = 10
		groups     = 50
	)
	c := kafkatest.NewCluster(b)
	names := make([]string, topics)
	for i := range names {
		names[i] = fmt.Sprintf("topic-%04d", i)
	}
	c.CreateTopics(partitions, 3, names...) // one CreateTopics request
	var rs []*kgo.Record
	for _, n := range names {
		for p := range int32(partitions) {
			rs = append(rs, &kgo.Record{Topic: n, Partition: p, Value: []byte("v")}, &kgo.Record{Topic: n, Partition: p, Value: []byte("v")})
		}
	}
	c.ProduceRecords(rs...)
	// Each group has committed offset 1 (one behind) on 20 topics.
	for g := range groups {
		offsets := make(map[string]map[int32]int64)
		for _, n := range names[g*20 : g*20+20] {
			offsets[n] = make(map[int32]int64)
			for p := range int32(partitions) {
				offsets[n][p] = 1
			}
		}
		c.Commit(fmt.Sprintf("group-%02d", g), offsets)
	}

	s := newSource(b, c.Addrs())
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	snap, err := s.Poll(ctx) // also checks the set-up before measuring
	if err != nil || len(snap.Topics) != topics || len(snap.Groups) != groups || snap.Groups[0].Lag != 200 || snap.Topics[0].Messages != 20 {
		b.Fatalf("set-up poll: err %v, %d topics, %d groups, %+v", err, len(snap.Topics), len(snap.Groups), snap.Groups[0])
	}
	b.ReportAllocs()
	for b.Loop() {
		if snap, err := s.Poll(ctx); err != nil || !snap.OK() {
			b.Fatalf("poll: %v %+v", err, snap.Errors)
		}
	}
}
