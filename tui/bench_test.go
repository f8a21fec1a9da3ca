package tui

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/tui/table"
	"github.com/topicat/topicat/tui/tail"
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
		h.m.Update(snapshotMsg{1, h.kafka, snap})
	}
}

func benchModel(b *testing.B) (*harness, *sources.KafkaSnapshot) {
	h := newHarness(b, 120, 40, nil)
	snap := bigKafka()
	h.m.Update(snapshotMsg{1, h.kafka, snap})
	h.m.Update(keyPress("2"))
	h.m.Update(keyPress("M")) // sorted, as a user would have it
	if n := h.m.top().(*table.Screen).Info(); n[:11] != "1000 rows  " {
		b.Fatalf("pane has %s", n)
	}
	h.m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	return h, snap
}

// BenchmarkTailIngest is the tail screen taking in batches of 100-byte
// records into its ring buffer, as the stream hands them over (1,000 a
// batch), with a key press and a frame drawn after every batch: the UI stays
// answering while it ingests. It reports records/s.
func BenchmarkTailIngest(b *testing.B) {
	for _, filter := range []string{"", "order-7"} {
		b.Run("filter="+filter, func(b *testing.B) {
			h := newHarness(b, 160, 50, nil)
			sc := tail.New(h.m, tail.Config{System: sources.Kafka, Topic: "orders"})
			h.m.tabs[h.m.active].stack = append(h.m.tabs[h.m.active].stack, sc) // pushed, not started: batches are fed below
			if filter != "" {
				h.m.Update(keyPress("/"))
				for _, r := range filter {
					h.m.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
				}
				h.m.Update(keyPress("enter"))
			}
			const batch = 1000
			recs := make([]sources.Record, batch)
			value := []byte(`{"order_id":123456789,"customer":"c-4242","items":3,"total_cents":12345,"note":"` + strings.Repeat("x", 20) + `"}`)[:100]
			for i := range recs {
				recs[i] = sources.Record{Topic: "orders", Partition: int32(i % 6), Offset: int64(i), Timestamp: t0, Key: fmt.Appendf(nil, "order-%d", i%10), Value: value}
			}
			keys := []tea.KeyPressMsg{keyPress("k"), keyPress("j"), keyPress("G")}
			b.ResetTimer()
			start := time.Now()
			for i := 0; b.Loop(); i++ {
				sc.Ingest(recs)
				h.m.Update(keys[i%len(keys)])
				_ = h.m.View()
			}
			b.ReportMetric(float64(b.N*batch)/time.Since(start).Seconds(), "records/s")
		})
	}
}

// hugeKafka is kafbat's freezing size (#1776): 9,000 topics, 39,000
// partitions, 2,200 groups.
func hugeKafka() *sources.KafkaSnapshot {
	s := kafkaSnap()
	s.Topics = make([]sources.Topic, 9000)
	parts := 0
	for i := range s.Topics {
		n := 4 + i%2 // 4 or 5 partitions: 39,000 in all with the extra below
		if i < 1500 {
			n++
		}
		t := sources.Topic{Name: fmt.Sprintf("team-%03d.service-%04d.events", i%300, i), ReplicationFactor: 3, Messages: int64(i * 1000), Rate: float64(i % 100),
			Rates: []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, CleanupPolicy: "delete", RetentionMs: 604800000, MinInsync: 2}
		for p := range int32(n) {
			t.Partitions = append(t.Partitions, sources.Partition{ID: p, Leader: p % 3, Replicas: []int32{0, 1, 2}, ISR: []int32{0, 1, 2}, Low: 0, High: int64(i * 100)})
		}
		parts += n
		s.Topics[i] = t
	}
	s.Groups = make([]sources.Group, 2200)
	for i := range s.Groups {
		g := sources.Group{ID: fmt.Sprintf("consumer-%04d", i), State: "Stable", Members: 3, Topics: []string{s.Topics[i].Name}, Lag: int64(i), MaxLag: int64(i),
			Status: sources.StatusOK, Lags: []int64{1, 2, 3, 2, 1, 0, 1, 2, 3, 4}, CatchUp: time.Minute}
		for _, p := range s.Topics[i].Partitions {
			g.Partitions = append(g.Partitions, sources.GroupPartition{Topic: s.Topics[i].Name, Partition: p.ID, Committed: 10, End: 20, Lag: 10, Status: sources.StatusOK})
		}
		s.Groups[i] = g
	}
	return s
}

// BenchmarkHugeCluster is the dashboard at 9,000 topics, 39,000 partitions
// and 2,200 groups: taking in a snapshot, one frame of the topics pane, a
// keystroke of the filter, a sort. It reports the heap the model holds.
func BenchmarkHugeCluster(b *testing.B) {
	snap := hugeKafka()
	setup := func(b *testing.B) *harness {
		h := newHarness(b, 160, 50, nil)
		h.m.Update(snapshotMsg{1, h.kafka, snap})
		h.m.Update(keyPress("2"))
		return h
	}
	b.Run("apply", func(b *testing.B) {
		h := setup(b)
		var ms runtime.MemStats
		for b.Loop() {
			h.m.Update(snapshotMsg{1, h.kafka, snap})
		}
		runtime.GC()
		runtime.ReadMemStats(&ms)
		b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-MB")
	})
	b.Run("view", func(b *testing.B) {
		h := setup(b)
		for b.Loop() {
			_ = h.m.View()
		}
	})
	b.Run("filter-keystroke", func(b *testing.B) {
		h := setup(b)
		h.m.Update(keyPress("/"))
		keys := []tea.KeyPressMsg{{Code: '7', Text: "7"}, {Code: tea.KeyBackspace}}
		for i := 0; b.Loop(); i++ {
			h.m.Update(keys[i%2])
			_ = h.m.View()
		}
	})
	b.Run("sort", func(b *testing.B) {
		h := setup(b)
		for b.Loop() {
			h.m.Update(keyPress("M"))
			_ = h.m.View()
		}
	})
	b.Run("groups-view", func(b *testing.B) {
		h := setup(b)
		h.m.Update(keyPress("3"))
		for b.Loop() {
			h.m.Update(keyPress("j"))
			_ = h.m.View()
		}
	})
}
