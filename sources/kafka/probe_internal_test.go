package kafka

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/sources/kafka/kafkatest"
)

// TestProbe checks the probe that ends a bounded partition whose last offsets
// hold no record, on the two shapes kfake can make: a commit marker, and
// offsets emptied by compaction. (Reads of these topics end on the records
// and control records alone; the probe is the safety net for what kfake never
// leaves: compacted-away offsets at the very end of a log.)
func TestProbe(t *testing.T) {
	c := kafkatest.NewCluster(t)
	c.CreateTopics(1, 1, "txn")
	c.CreateTopic("compacted", 1, 1, map[string]string{"cleanup.policy": "compact"})
	c.ProduceTransaction("txn", 0, "a", "b", "c") // offsets 0-2, the marker at 3
	// Offsets 0-7 hold keys x a b c a b c y; compaction empties 1-3.
	for _, k := range []string{"x", "a", "b", "c", "a", "b", "c", "y"} {
		c.ProduceRecords(&kgo.Record{Topic: "compacted", Key: []byte(k), Value: []byte(k)})
	}
	c.Fake.Compact()
	s, err := New(Config{Brokers: c.Addrs(), Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	for _, tc := range []struct {
		topic     string
		next, end int64
		done      bool
	}{
		{"txn", 3, 4, true},        // only the commit marker is left
		{"txn", 2, 4, false},       // a record is left
		{"txn", 4, 5, false},       // waiting for records to come
		{"compacted", 1, 4, true},  // 1-3 are gone
		{"compacted", 2, 3, true},  // inside the gap
		{"compacted", 1, 5, false}, // 4 is a record
		{"compacted", 0, 4, false}, // 0 is a record
		{"compacted", 8, 9, false}, // waiting for records to come
	} {
		st, err := s.Tail(ctx, sources.TailSpec{Topic: tc.topic, Range: sources.Range{Start: sources.Position{Kind: sources.PosOldest}}})
		if err != nil {
			t.Fatal(err)
		}
		// The stream's client learns the leader from its first metadata.
		var done bool
		for {
			done, err = st.(*stream).probe(ctx, 0, &partRead{next: tc.next, end: tc.end})
			if err == nil || ctx.Err() != nil {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		st.Close()
		if err != nil || done != tc.done {
			t.Errorf("%s from %d to %d: done %v (%v), want %v", tc.topic, tc.next, tc.end, done, err, tc.done)
		}
	}
}
