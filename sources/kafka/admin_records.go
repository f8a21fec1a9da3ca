package kafka

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/topicat/topicat/sources"
)

// deleteRecords deletes a partition's records before an offset: its log
// start moves there. An offset past the end is refused before anything is
// sent, with the end; one at or before the log start changes nothing and
// sends nothing.
// Targets: the partition, with its new log start; Data: the new log start
// (int64).
func (s *Source) deleteRecords(ctx context.Context, d sources.DeleteRecords) sources.Result {
	switch {
	case d.Topic == "":
		return failed("delete records: no topic given")
	case d.Partition < 0:
		return failed("delete records of %s: partition %d: want a partition number", d.Topic, d.Partition)
	case d.Before < 0:
		return failed("delete records of %s: offset %d: want an offset", tp(d.Topic, d.Partition), d.Before)
	}
	ctx, cancel := actionContext(ctx)
	defer cancel()
	ti, err := s.lookupTopic(ctx, d.Topic)
	switch {
	case errors.Is(err, errNoTopic):
		return failed("topic %q does not exist", d.Topic)
	case err != nil:
		return failed("delete records of %s: %v", tp(d.Topic, d.Partition), err)
	}
	if _, err := selectPartitions(d.Topic, ti.partitions, []int32{d.Partition}); err != nil {
		return failed("delete records: %v", err)
	}
	parts := map[string][]int32{d.Topic: {d.Partition}}
	var lows, highs offsetTable
	var wg sync.WaitGroup
	wg.Go(func() { lows = s.listOffsetsAt(ctx, parts, earliest) })
	wg.Go(func() { highs = s.listOffsetsAt(ctx, parts, latest) })
	wg.Wait()
	low, high := lows.get(d.Topic, d.Partition), highs.get(d.Topic, d.Partition)
	switch {
	case high.err != nil:
		return failed("delete records of %s: list end offset: %v", tp(d.Topic, d.Partition), high.err)
	case low.err != nil:
		return failed("delete records of %s: list start offset: %v", tp(d.Topic, d.Partition), low.err)
	case d.Before > high.offset:
		return failed("delete records of %s: offset %d is past the end of the partition (%d): give %d or less", tp(d.Topic, d.Partition), d.Before, high.offset, high.offset)
	case d.Before <= low.offset: // Kafka would do nothing (or, some brokers, refuse it)
		t := sources.TargetResult{Target: tp(d.Topic, d.Partition), Detail: fmt.Sprintf("nothing before offset %d: the log starts at %d", d.Before, low.offset)}
		return sources.Result{Targets: []sources.TargetResult{t}, Data: low.offset}
	}
	var os kadm.Offsets
	os.AddOffset(d.Topic, d.Partition, d.Before, -1)
	rs, err := s.adm.DeleteRecords(ctx, os)
	t := sources.TargetResult{Target: tp(d.Topic, d.Partition)}
	if err != nil && len(rs) == 0 {
		return failed("delete records of %s: %s", t.Target, s.shardErrText(ctx, err))
	}
	r, ok := rs.Lookup(d.Topic, d.Partition)
	switch {
	case !ok && err != nil:
		t.Err = s.shardErrText(ctx, err)
	case !ok:
		t.Err = "missing from the answer"
	case r.Err != nil:
		t.Err = r.Err.Error()
	default:
		t.Detail = fmt.Sprintf("records before offset %d deleted: the log starts at %d", d.Before, r.LowWatermark)
		return sources.Result{Targets: []sources.TargetResult{t}, Data: r.LowWatermark}
	}
	return sources.Result{Targets: []sources.TargetResult{t}}
}
