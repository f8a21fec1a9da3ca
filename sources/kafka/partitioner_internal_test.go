package kafka

import (
	"context"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
)

// fixedPartitioner always picks one index and records how it was asked.
type fixedPartitioner struct {
	pick     int
	byBackup bool
	asked    *int
}

func (f fixedPartitioner) ForTopic(string) kgo.TopicPartitioner { return f }
func (fixedPartitioner) RequiresConsistency(r *kgo.Record) bool {
	return r.Key != nil
}
func (f fixedPartitioner) Partition(*kgo.Record, int) int { *f.asked++; return f.pick }

type backupPartitioner struct{ fixedPartitioner }

func (b backupPartitioner) ForTopic(string) kgo.TopicPartitioner { return b }
func (b backupPartitioner) PartitionByBackup(*kgo.Record, int, kgo.TopicBackupIter) int {
	*b.asked += 10
	return b.pick
}

func TestManualOrPartitioner(t *testing.T) {
	manual := withManualPartition(context.Background())
	for _, backup := range []bool{false, true} {
		asked := 0
		var auto kgo.Partitioner = fixedPartitioner{pick: 4, asked: &asked}
		if backup {
			auto = backupPartitioner{fixedPartitioner{pick: 4, asked: &asked}}
		}
		tp := manualOr{auto: auto}.ForTopic("orders").(kgo.TopicBackupPartitioner)

		chosen := &kgo.Record{Partition: 2, Context: manual}
		if !tp.RequiresConsistency(chosen) {
			t.Error("a chosen partition must be consistent: kgo then indexes every partition by number")
		}
		if got := tp.PartitionByBackup(chosen, 6, nil); got != 2 || asked != 0 {
			t.Errorf("chosen partition 2 → %d (wrapped partitioner asked %d)", got, asked)
		}
		// Partition 0 chosen is not "unset".
		if got := tp.Partition(&kgo.Record{Partition: 0, Context: manual}, 6); got != 0 {
			t.Errorf("chosen partition 0 → %d", got)
		}

		free := &kgo.Record{Partition: -1, Context: context.Background()}
		if tp.RequiresConsistency(free) {
			t.Error("an unkeyed free record needs no consistency")
		}
		if !tp.RequiresConsistency(&kgo.Record{Key: []byte("k")}) {
			t.Error("the wrapped partitioner's consistency for keys is lost")
		}
		want := 1
		if backup {
			want = 10
		}
		if got := tp.PartitionByBackup(free, 6, nil); got != 4 || asked != want {
			t.Errorf("free record → %d, wrapped partitioner asked %d, want 4 and %d", got, asked, want)
		}
	}
}
