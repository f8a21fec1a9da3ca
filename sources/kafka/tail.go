package kafka

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/topicat/topicat/sources"
)

// partPlan is one partition's read as resolved when a stream opens.
type partPlan struct {
	partition  int32
	start, end int64 // end only counts for a bounded read
	// high is the high watermark when the stream opened: fetching starts
	// there when start lies beyond it.
	high int64
}

// tailPlan is a stream's read of a topic, partition by partition.
type tailPlan struct {
	topic   string
	topicID [16]byte
	// all are the topic's partitions, to tell "every partition" from a selection.
	all   []int32
	parts []partPlan
}

// Tail opens a stream of a topic's records. It reads the partitions directly
// with a client of its own: no consumer group, no commits, nothing on the
// cluster changes. ctx bounds the opening only; the stream lives until Close
// (or the source's Close).
func (s *Source) Tail(ctx context.Context, spec sources.TailSpec) (sources.Stream, error) {
	plan, err := s.planTail(ctx, spec)
	if err != nil {
		return nil, err
	}
	return s.openStream(plan, spec)
}

// planTail resolves spec's range in every selected partition from one listing
// of the topic's start offsets, one of its end offsets, and one by time per
// time in the range.
func (s *Source) planTail(ctx context.Context, spec sources.TailSpec) (tailPlan, error) {
	topic := spec.Topic
	if topic == "" {
		return tailPlan{}, errors.New("tail: no topic given")
	}
	ti, err := s.lookupTopic(ctx, topic)
	switch {
	case errors.Is(err, errNoTopic):
		return tailPlan{}, fmt.Errorf("topic %q does not exist", topic)
	case err != nil:
		return tailPlan{}, err
	}
	plan := tailPlan{topic: topic, topicID: ti.id, all: ti.partitions}
	selected, err := selectPartitions(topic, plan.all, spec.Partitions)
	if err != nil {
		return tailPlan{}, err
	}
	if len(selected) == 0 {
		return tailPlan{}, errors.New(partitionCount(topic, 0))
	}

	rng := spec.Range
	var (
		wg                        sync.WaitGroup
		lows, highs, starts, ends map[int32]int64
		errs                      [4]error
	)
	list := func(dst *map[int32]int64, errp *error, what string, timestamp int64) {
		wg.Go(func() {
			*dst, *errp = s.listPartitionOffsets(ctx, topic, selected, timestamp)
			if *errp != nil {
				*errp = fmt.Errorf("list %s of %s: %w", what, topic, *errp)
			}
		})
	}
	list(&lows, &errs[0], "start offsets", earliest)
	list(&highs, &errs[1], "end offsets", latest)
	if rng.Start.Kind == sources.PosTime {
		list(&starts, &errs[2], "offsets at "+rng.Start.String(), max(rng.Start.Time.UnixMilli(), 0))
	}
	if rng.HasEnd && rng.End.Kind == sources.PosTime {
		list(&ends, &errs[3], "offsets at "+rng.End.String(), max(rng.End.Time.UnixMilli(), 0))
	}
	wg.Wait()
	if err := errors.Join(errs[:]...); err != nil {
		return tailPlan{}, err
	}

	for _, p := range selected {
		// No record at or after a time: the end.
		w := watermarks{low: lows[p], high: highs[p], startAt: orEnd(starts, p, highs[p]), endAt: orEnd(ends, p, highs[p])}
		pp := partPlan{partition: p, start: startOffset(rng.Start, w), high: w.high}
		if rng.HasEnd {
			pp.end = endOffset(rng.End, w, pp.start)
		}
		plan.parts = append(plan.parts, pp)
	}
	return plan, nil
}

// selectPartitions checks a selection against the topic's partitions; nil
// selects them all.
func selectPartitions(topic string, all, want []int32) ([]int32, error) {
	if want == nil {
		return all, nil
	}
	var missing []string
	for _, p := range want {
		if _, found := slices.BinarySearch(all, p); !found {
			missing = append(missing, fmt.Sprint(p))
		}
	}
	if len(missing) > 0 {
		no := "no partition "
		if len(missing) > 1 {
			no = "no partitions "
		}
		return nil, fmt.Errorf("%s; %s%s", partitionCount(topic, len(all)), no, strings.Join(missing, ", "))
	}
	out := slices.Clone(want)
	slices.Sort(out)
	return slices.Compact(out), nil
}

// partitionCount says how many partitions a topic has: "orders has 6 partitions (0-5)".
func partitionCount(topic string, n int) string {
	switch n {
	case 0:
		return topic + " has no partitions"
	case 1:
		return topic + " has 1 partition (0)"
	}
	return fmt.Sprintf("%s has %d partitions (0-%d)", topic, n, n-1)
}

// orEnd is a partition's offset by time, or end when no record is that recent.
func orEnd(byTime map[int32]int64, p int32, end int64) int64 {
	if o, ok := byTime[p]; ok && o >= 0 {
		return o
	}
	return end
}
