package kafka

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"sync"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/topicat/topicat/sources"
)

// resetOffsets moves a group's committed offsets, or without Execute says
// what it would do and changes nothing. Either way a group that is not Empty
// is refused, with its state and members, as Kafka would refuse the commit.
// New offsets are clamped into the partition's [log start, end], and the
// target says so. Data: []sources.OffsetChange by topic and partition;
// Targets: one per change, in the same order, with what was done or why not.
func (s *Source) resetOffsets(ctx context.Context, r sources.ResetOffsets) sources.Result {
	if err := checkReset(r); err != nil {
		if r.Group == "" {
			return failed("reset offsets: %v", err)
		}
		return failed("reset offsets of group %s: %v", r.Group, err)
	}
	ctx, cancel := actionContext(ctx)
	defer cancel()
	info, infoErr, commits, commitsErr := s.groupAndCommits(ctx, r.Group)
	switch {
	case infoErr != nil:
		return failed("reset offsets of group %s: %v", r.Group, infoErr)
	case info.busy(r.Group) != "":
		return failed("%s: stop its consumers first; Kafka refuses to move an active group's offsets", info.busy(r.Group))
	case commitsErr != nil:
		return failed("reset offsets of group %s: %v", r.Group, commitsErr)
	}
	committed := make(map[string]map[int32]int64)
	for _, c := range commits.Sorted() {
		if r.Topic != "" && c.Topic != r.Topic {
			continue
		}
		if c.Err != nil {
			return failed("reset offsets of group %s: fetch committed offset of %s: %v", r.Group, tp(c.Topic, c.Partition), c.Err)
		}
		if c.At >= 0 {
			if committed[c.Topic] == nil {
				committed[c.Topic] = make(map[int32]int64)
			}
			committed[c.Topic][c.Partition] = c.At
		}
	}

	parts, err := s.resetScope(ctx, r, info, committed)
	if err != nil {
		return failed("%v", err)
	}
	previewed := make(map[string]map[int32]sources.OffsetChange)
	if r.Execute && r.Previewed != nil {
		parts = make(map[string][]int32)
		for _, ch := range r.Previewed {
			if previewed[ch.Topic] == nil {
				previewed[ch.Topic] = make(map[int32]sources.OffsetChange)
			}
			previewed[ch.Topic][ch.Partition] = ch
			parts[ch.Topic] = append(parts[ch.Topic], ch.Partition)
		}
		for t := range parts {
			slices.Sort(parts[t])
		}
	}
	var (
		wg                  sync.WaitGroup
		lows, highs, atTime offsetTable
	)
	wg.Go(func() { lows = s.listOffsetsAt(ctx, parts, earliest) })
	wg.Go(func() { highs = s.listOffsetsAt(ctx, parts, latest) })
	if r.To == sources.ResetTime {
		wg.Go(func() { atTime = s.listOffsetsAt(ctx, parts, max(r.Time.UnixMilli(), 0)) })
	}
	wg.Wait()

	var (
		changes []sources.OffsetChange
		notes   []string
	)
	for _, t := range slices.Sorted(maps.Keys(parts)) {
		for _, p := range parts[t] {
			old, ok := committed[t][p]
			if !ok {
				old = -1
			}
			var ch sources.OffsetChange
			var note string
			if pv, ok := previewed[t][p]; ok {
				ch, note = planPreviewed(pv, old, lows.get(t, p), highs.get(t, p))
			} else {
				ch, note = planReset(r, old, lows.get(t, p), highs.get(t, p), atTime.get(t, p))
			}
			ch.Topic, ch.Partition, ch.Note = t, p, note
			changes = append(changes, ch)
			notes = append(notes, note)
		}
	}
	if r.Execute {
		s.commitReset(ctx, r.Group, changes)
	}
	res := sources.Result{Data: changes, Targets: make([]sources.TargetResult, len(changes))}
	for i, ch := range changes {
		t := sources.TargetResult{Target: tp(ch.Topic, ch.Partition), Err: ch.Err, Detail: notes[i]}
		if r.Execute && ch.Err == "" {
			t.Detail = joinNonEmpty("committed", notes[i])
		}
		if t.Err != "" {
			t.Detail = ""
		}
		res.Targets[i] = t
	}
	return res
}

// checkReset checks a reset request on its own, before anything is asked.
func checkReset(r sources.ResetOffsets) error {
	switch {
	case r.Group == "":
		return errors.New("no group given")
	case r.Partition < -1:
		return fmt.Errorf("partition %d: want a partition number, or -1 for all", r.Partition)
	case r.Partition >= 0 && r.Topic == "":
		return fmt.Errorf("partition %d: name its topic", r.Partition)
	}
	switch r.To {
	case sources.ResetEarliest, sources.ResetLatest, sources.ResetShift:
	case sources.ResetOffset:
		if r.N < 0 {
			return fmt.Errorf("offset %d: want an offset, 0 or more", r.N)
		}
	case sources.ResetTime:
		if r.Time.IsZero() {
			return errors.New("a reset to a time needs the time")
		}
	default:
		return fmt.Errorf("reset to %q: want earliest, latest, time, offset or shift", r.To)
	}
	return nil
}

// resetScope is the partitions a reset applies to: the group's committed
// ones, or every partition of the topic named (offsets are created where
// the group has none, as kafka-consumer-groups does), or the one named.
func (s *Source) resetScope(ctx context.Context, r sources.ResetOffsets, info groupNow, committed map[string]map[int32]int64) (map[string][]int32, error) {
	parts := make(map[string][]int32)
	if r.Topic == "" {
		for t, ps := range committed {
			parts[t] = slices.Sorted(maps.Keys(ps))
		}
		if len(parts) == 0 {
			if !info.exists {
				return nil, fmt.Errorf("group %q does not exist: name a topic to give it offsets", r.Group)
			}
			return nil, fmt.Errorf("group %s has no committed offsets: name a topic to give it some", r.Group)
		}
		return parts, nil
	}
	ti, err := s.lookupTopic(ctx, r.Topic)
	switch {
	case errors.Is(err, errNoTopic):
		return nil, fmt.Errorf("topic %q does not exist", r.Topic)
	case err != nil:
		return nil, fmt.Errorf("reset offsets of group %s: %v", r.Group, err)
	}
	want := []int32(nil)
	if r.Partition >= 0 {
		want = []int32{r.Partition}
	}
	ps, err := selectPartitions(r.Topic, ti.partitions, want)
	if err != nil {
		return nil, fmt.Errorf("reset offsets of group %s: %v", r.Group, err)
	}
	parts[r.Topic] = ps
	return parts, nil
}

// planReset works out one partition's move: where it goes, clamped into the
// log, and the lag before and after; note says when it was clamped.
func planReset(r sources.ResetOffsets, old int64, low, high, atTime listed) (ch sources.OffsetChange, note string) {
	ch = sources.OffsetChange{Old: old, New: -1, End: -1, LagBefore: -1, LagAfter: -1}
	switch {
	case high.err != nil:
		ch.Err = "list end offset: " + high.err.Error()
		return ch, ""
	case low.err != nil:
		ch.Err = "list start offset: " + low.err.Error()
		return ch, ""
	}
	ch.End = high.offset
	ch.LagBefore = lagOf(old, ch.End)
	var want int64
	switch r.To {
	case sources.ResetEarliest:
		want = low.offset
	case sources.ResetLatest:
		want = high.offset
	case sources.ResetOffset:
		want = r.N
	case sources.ResetTime:
		if atTime.err != nil {
			ch.Err = "list offset at " + r.Time.UTC().Format("2006-01-02T15:04:05.000Z") + ": " + atTime.err.Error()
			return ch, ""
		}
		want = atTime.offset
		if want < 0 { // no record that recent: the end
			want = high.offset
		}
	case sources.ResetShift:
		if old < 0 {
			ch.Err = "nothing committed to shift from"
			return ch, ""
		}
		want = shift(old, r.N)
	}
	ch.New = min(max(want, low.offset), high.offset)
	switch {
	case want < low.offset:
		note = fmt.Sprintf("clamped to the log start %d (%d asked)", low.offset, want)
	case want > high.offset:
		note = fmt.Sprintf("clamped to the end %d (%d asked)", high.offset, want)
	}
	ch.LagAfter = lagOf(ch.New, ch.End)
	return ch, note
}

// planPreviewed is a partition's move as the preview planned it, checked
// against the group's offset and the log now.
func planPreviewed(pv sources.OffsetChange, old int64, low, high listed) (sources.OffsetChange, string) {
	if pv.Err != "" {
		ch := sources.OffsetChange{Old: old, New: -1, End: -1, LagBefore: -1, LagAfter: -1, Err: "not previewed: " + pv.Err}
		return ch, ""
	}
	ch, note := planReset(sources.ResetOffsets{To: sources.ResetOffset, N: pv.New}, old, low, high, listed{})
	if ch.Err == "" && old != pv.Old {
		ch.Err = fmt.Sprintf("the group's offset moved from %s to %s since the preview: preview again", offsetText(pv.Old), offsetText(old))
	}
	return ch, note
}

func offsetText(o int64) string {
	if o < 0 {
		return "none"
	}
	return fmt.Sprint(o)
}

// shift is old moved by n, saturating instead of overflowing.
func shift(old, n int64) int64 {
	switch {
	case n > 0 && old > math.MaxInt64-n:
		return math.MaxInt64
	case n < 0 && old < math.MinInt64-n:
		return math.MinInt64
	}
	return old + n
}

// commitReset commits the new offsets of the changes that have one, in one
// request, and records each partition's failure in its change.
func (s *Source) commitReset(ctx context.Context, group string, changes []sources.OffsetChange) {
	var os kadm.Offsets
	for _, ch := range changes {
		if ch.Err == "" {
			os.AddOffset(ch.Topic, ch.Partition, ch.New, -1)
		}
	}
	if len(os) == 0 {
		return
	}
	// kadm looks the topics' IDs up first and, when that lookup meets a broker
	// that drops the connection, answers every partition with
	// UNKNOWN_TOPIC_OR_PARTITION: the topics were checked just before, so that
	// is tried again (a commit of the same offsets twice is the same commit).
	rs, err := retried(ctx, func() (kadm.OffsetResponses, error) {
		rs, err := s.adm.CommitOffsets(ctx, group, os)
		if err == nil && rs.Error() != nil && allUnknownTopic(rs) {
			err = errUnnamedTopics
		}
		return rs, err
	}, func(err error) bool { return unanswered(err) || errors.Is(err, errUnnamedTopics) })
	for i := range changes {
		ch := &changes[i]
		if ch.Err != "" {
			continue
		}
		r, ok := rs.Lookup(ch.Topic, ch.Partition)
		switch {
		case !ok && err != nil:
			ch.Err = "commit: " + s.shardErrText(ctx, err)
		case !ok:
			ch.Err = "commit: missing from the answer"
		case errors.Is(r.Err, kerr.UnknownMemberID), errors.Is(r.Err, kerr.IllegalGeneration), errors.Is(r.Err, kerr.RebalanceInProgress):
			ch.Err = fmt.Sprintf("commit refused (%v): consumers joined group %s since it was checked; stop them first", r.Err, group)
		case r.Err != nil:
			ch.Err = "commit: " + r.Err.Error()
		}
	}
}

// joinNonEmpty joins the non-empty parts with ", ".
func joinNonEmpty(parts ...string) string {
	out := ""
	for _, p := range parts {
		switch {
		case p == "":
		case out == "":
			out = p
		default:
			out += ", " + p
		}
	}
	return out
}

// allUnknownTopic reports whether every partition of a commit was answered
// UNKNOWN_TOPIC_OR_PARTITION.
func allUnknownTopic(rs kadm.OffsetResponses) bool {
	all := true
	rs.Each(func(o kadm.OffsetResponse) { all = all && isUnknownTopic(o.Err) })
	return all
}
