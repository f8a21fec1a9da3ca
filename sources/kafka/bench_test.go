package kafka_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/sources/kafka"
	"github.com/topicat/topicat/sources/kafka/kafkatest"
)

// benchCluster seeds a cluster with topics of the given partition counts
// (names topic-00000…), two records per partition, and groups each with
// committed offset 1 on every partition of topicsPerGroup topics.
func benchCluster(b *testing.B, partitions []int32, groups, topicsPerGroup int) (*kafkatest.Cluster, []string) {
	b.Helper()
	c := kafkatest.NewCluster(b)
	names := make([]string, len(partitions))
	byCount := make(map[int32][]string)
	for i, n := range partitions {
		names[i] = fmt.Sprintf("topic-%05d", i)
		byCount[n] = append(byCount[n], names[i])
	}
	for n, ts := range byCount {
		c.CreateTopics(n, 3, ts...) // one CreateTopics request per partition count
	}
	var rs []*kgo.Record
	for i, n := range names {
		for p := range partitions[i] {
			rs = append(rs, &kgo.Record{Topic: n, Partition: p, Value: []byte("v")}, &kgo.Record{Topic: n, Partition: p, Value: []byte("v")})
		}
	}
	c.ProduceRecords(rs...)
	for g := range groups {
		offsets := make(map[string]map[int32]int64)
		for k := range topicsPerGroup {
			i := (g*topicsPerGroup + k) % len(names)
			offsets[names[i]] = make(map[int32]int64)
			for p := range partitions[i] {
				offsets[names[i]][p] = 1
			}
		}
		c.Commit(fmt.Sprintf("group-%04d", g), offsets)
	}
	return c, names
}

func benchPoll(b *testing.B, s *kafka.Source) *sources.KafkaSnapshot {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	snap, err := s.Poll(ctx)
	if err != nil || !snap.OK() {
		b.Fatalf("poll: %v %+v", err, snap.Errors)
	}
	return snap
}

func benchSource(b *testing.B, c *kafkatest.Cluster) *kafka.Source {
	b.Helper()
	s, err := kafka.New(kafka.Config{Brokers: c.Addrs(), ClientID: "topicat-bench", Timeout: 5 * time.Minute})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(s.Close)
	return s
}

// BenchmarkPoll measures one full poll (metadata, liveness, start and end
// offsets, groups, commits, lag, and the group history: statuses, trends,
// catch-up) of 1,000 topics × 10 partitions and 50 groups with committed
// offsets, once the history holds a whole window. The settings are cached
// then, as in all but one poll of every 30s.
func BenchmarkPoll(b *testing.B) {
	const (
		topics     = 1000
		partitions = 10
		groups     = 50
	)
	counts := make([]int32, topics)
	for i := range counts {
		counts[i] = partitions
	}
	c, _ := benchCluster(b, counts, groups, 20)
	s := benchSource(b, c)
	snap := benchPoll(b, s) // also checks the set-up before measuring
	if len(snap.Topics) != topics || len(snap.Groups) != groups || snap.Groups[0].Lag != 200 || snap.Topics[0].Messages != 20 {
		b.Fatalf("set-up poll: %d topics, %d groups, %+v", len(snap.Topics), len(snap.Groups), snap.Groups[0])
	}
	for range 10 { // a whole window of history
		benchPoll(b, s)
	}
	b.ReportAllocs()
	for b.Loop() {
		benchPoll(b, s)
	}
}

// BenchmarkPollLarge is kafbat's freeze (kafbat-ui #1776): 9,000 topics,
// 39,000 partitions and 2,200 groups. first-poll-ms is the first poll, which
// also reads every topic's settings; the loop measures the polls after.
func BenchmarkPollLarge(b *testing.B) {
	counts := make([]int32, 9000)
	for i := range counts {
		counts[i] = 3 // 7,500 × 3 + 1,500 × 11 = 39,000
		if i%6 == 0 {
			counts[i] = 11
		}
	}
	c, _ := benchCluster(b, counts, 2200, 5)
	s := benchSource(b, c)
	start := time.Now()
	snap := benchPoll(b, s)
	first := time.Since(start)
	var parts int
	for _, t := range snap.Topics {
		parts += len(t.Partitions)
	}
	if len(snap.Topics) != 9000 || parts != 39000 || len(snap.Groups) != 2200 || snap.Topics[0].MinInsync < 0 {
		b.Fatalf("set-up poll: %d topics, %d partitions, %d groups", len(snap.Topics), parts, len(snap.Groups))
	}
	b.ReportAllocs()
	for b.Loop() {
		benchPoll(b, s)
	}
	b.ReportMetric(float64(first.Milliseconds()), "first-poll-ms")
}
