package kafka

import (
	"context"

	"github.com/twmb/franz-go/pkg/kgo"
)

// A produce request mixes messages that name their partition with messages
// that let the producer choose. kgo's partitioner is client-wide, so one
// partitioner serves both: a record marked as manual goes to the partition it
// names, any other to the choice of kgo's default partitioner (by key hash,
// else sticky batches spread by how backed up each partition is).

// manualKey marks, in a record's Context, a record whose Partition is chosen.
type manualKey struct{}

// withManualPartition marks ctx's records as naming their own partition.
func withManualPartition(ctx context.Context) context.Context {
	return context.WithValue(ctx, manualKey{}, true)
}

func isManual(r *kgo.Record) bool {
	return r.Context != nil && r.Context.Value(manualKey{}) != nil
}

// defaultPartitioner is kgo's own default, named here because the option
// replaces it.
func defaultPartitioner() kgo.Partitioner {
	return kgo.UniformBytesPartitioner(64<<10, true, true, nil)
}

// manualOr sends manual records to their partition and the others through
// the partitioner it wraps.
type manualOr struct{ auto kgo.Partitioner }

func (m manualOr) ForTopic(topic string) kgo.TopicPartitioner {
	return &manualOrTopic{auto: m.auto.ForTopic(topic)}
}

// manualOrTopic implements kgo.TopicBackupPartitioner so that a wrapped
// partitioner that balances by backlog (the default does) keeps doing so.
// It passes on no OnNewBatch: the default has none, and a wrapped one would be
// told of batches its records did not start.
type manualOrTopic struct{ auto kgo.TopicPartitioner }

// RequiresConsistency is true for a manual record: kgo then offers every
// partition, indexed by number, not only those it can write to now.
func (p *manualOrTopic) RequiresConsistency(r *kgo.Record) bool {
	return isManual(r) || p.auto.RequiresConsistency(r)
}

func (p *manualOrTopic) Partition(r *kgo.Record, n int) int {
	if isManual(r) {
		return int(r.Partition)
	}
	return p.auto.Partition(r, n)
}

func (p *manualOrTopic) PartitionByBackup(r *kgo.Record, n int, backup kgo.TopicBackupIter) int {
	if isManual(r) {
		return int(r.Partition)
	}
	if b, ok := p.auto.(kgo.TopicBackupPartitioner); ok {
		return b.PartitionByBackup(r, n, backup)
	}
	return p.auto.Partition(r, n)
}

var _ kgo.TopicBackupPartitioner = (*manualOrTopic)(nil)
