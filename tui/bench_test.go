package tui

import (
	"fmt"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/topicat/topicat/sources"
)

// bigKafka is a snapshot of 1,000 topics × 10 partitions.
func bigKafka() *sources.KafkaSnapshot {
	s := kafkaSnap()
	s.Topics = make([]sources.Topic, 1000)
	for i := range s.Topics {
		t := sources.Topic{Name: fmt.Sprintf("service-%04d.events", i), ReplicationFactor: 3, Messages: int64(i * 1000), Rate: float64(i)}
		for p := range int32(10) {
			t.Partitions = append(t.Partitions, sources.Partition{ID: p, Leader: p % 3, Replicas: []int32{0, 1, 2}, ISR: []int32{0, 1, 2}, Low: 0, High: int64(i * 100)})
		}
		s.Topics[i] = t
	}
	return s
}

// BenchmarkTopicsView is the cost of one frame of the topics pane with 10,000
// partitions behind it: what every key press and message pays.
func BenchmarkTopicsView(b *testing.B) {
	h, _ := benchModel(b)
	b.ResetTimer()
	for b.Loop() {
		_ = h.m.View()
	}
}

// BenchmarkSnapshotApply is the cost of taking in a new 10,000-partition
// snapshot: findings, and the visible pane's rows rebuilt, filtered and sorted.
func BenchmarkSnapshotApply(b *testing.B) {
	h, snap := benchModel(b)
	b.ResetTimer()
	for b.Loop() {
		h.m.Update(snapshotMsg{h.kafka, snap})
	}
}

func benchModel(b *testing.B) (*harness, *sources.KafkaSnapshot) {
	h := newHarness(b, 120, 40, nil)
	snap := bigKafka()
	h.m.Update(snapshotMsg{h.kafka, snap})
	h.m.Update(keyPress("2"))
	h.m.Update(keyPress("M")) // sorted, as a user would have it
	if len(h.m.current().rows) != 1000 {
		b.Fatalf("pane has %d rows", len(h.m.current().rows))
	}
	h.m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	return h, snap
}
