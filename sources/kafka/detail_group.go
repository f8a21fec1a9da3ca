package kafka

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/topicat/topicat/sources"
)

// describeGroup answers the group page: state, protocol, coordinator, the
// members with their assignment, and per partition (committed or assigned)
// the committed offset, end, lag, owner and how old the next unread message
// is. A partition's figure that could not be read is -1, with a failed
// target naming the partition and why. Data: *sources.GroupDetail.
func (s *Source) describeGroup(ctx context.Context, d sources.DescribeGroup) sources.Result {
	if d.Group == "" {
		return failed("describe group: no group given")
	}
	ctx, cancel := actionContext(ctx)
	defer cancel()
	info, infoErr, commits, commitsErr := s.groupAndCommits(ctx, d.Group)
	if infoErr != nil {
		return failed("group %s: %v", d.Group, infoErr)
	}
	pg := &groupPage{detail: &sources.GroupDetail{
		Group:        d.Group,
		State:        info.state,
		ProtocolType: info.protocolType,
		Protocol:     info.protocol,
		Coordinator:  info.coordinator,
	}}
	if commitsErr != nil {
		pg.fail("group "+d.Group+" offsets", commitsErr.Error())
	}
	committed := pg.committed(commits)
	if !info.exists && len(committed) == 0 && commitsErr == nil {
		return failed("group %q does not exist", d.Group)
	}
	if !info.exists {
		pg.detail.State = "Empty" // offsets alone: Kafka describes such a group as Empty
	}

	// Every topic the group committed to or is assigned; all of them when an
	// assignment names a topic by ID alone, to learn its name.
	lookup := slices.Collect(maps.Keys(committed))
	for _, m := range info.members {
		for _, a := range m.assigned {
			lookup = append(lookup, a.Topic)
		}
	}
	slices.Sort(lookup)
	lookup = slices.Compact(lookup)
	if info.unnamed() {
		lookup = nil
	}
	meta, err := s.lookupTopics(ctx, lookup)
	if err != nil {
		pg.fail("group "+d.Group+" topics", err.Error())
	}
	pg.detail.Members = info.sourcesMembers(meta.names)

	parts := pg.partitions(committed)
	known := make(map[string][]int32, len(parts))
	for t, ps := range parts {
		if _, ok := meta.topics[t]; ok {
			known[t] = ps
		}
	}
	var (
		wg          sync.WaitGroup
		lows, highs offsetTable
	)
	wg.Go(func() { lows = s.listOffsetsAt(ctx, known, earliest) })
	wg.Go(func() { highs = s.listOffsetsAt(ctx, known, latest) })
	wg.Wait()
	asks := pg.positions(parts, committed, meta, lows, highs)
	found, errs := s.recordTimes(ctx, d.Group, asks, meta)
	pg.timeLags(found, errs, time.Now())
	return sources.Result{Data: pg.detail, Targets: pg.targets}
}

// groupPage is a group page's answer as it is put together.
type groupPage struct {
	detail  *sources.GroupDetail
	targets []sources.TargetResult
}

// note says something about a target that is not a failure.
func (pg *groupPage) note(target, detail string) {
	pg.targets = append(pg.targets, sources.TargetResult{Target: target, Detail: detail})
}

func (pg *groupPage) fail(target, err string) {
	pg.targets = append(pg.targets, sources.TargetResult{Target: target, Err: err})
}

// committed are the group's commits (topic → partition → offset); a
// partition whose commit could not be read is a failed target.
func (pg *groupPage) committed(commits kadm.OffsetResponses) map[string]map[int32]int64 {
	out := make(map[string]map[int32]int64)
	for _, c := range commits.Sorted() {
		switch {
		case c.Err != nil:
			pg.fail(tp(c.Topic, c.Partition), "fetch committed offset: "+c.Err.Error())
		case c.At >= 0:
			if out[c.Topic] == nil {
				out[c.Topic] = make(map[int32]int64)
			}
			out[c.Topic][c.Partition] = c.At
		}
	}
	return out
}

// partitions are those the group has committed or its members are
// assigned, sorted per topic.
func (pg *groupPage) partitions(committed map[string]map[int32]int64) map[string][]int32 {
	parts := make(map[string][]int32)
	for _, m := range pg.detail.Members {
		for _, a := range m.Assigned {
			parts[a.Topic] = append(parts[a.Topic], a.Partitions...)
		}
	}
	for t, ps := range committed {
		for p := range ps {
			parts[t] = append(parts[t], p)
		}
	}
	for t, ps := range parts {
		slices.Sort(ps)
		parts[t] = slices.Compact(ps)
	}
	return parts
}

// positions fills in each partition's committed offset, end, lag and owner,
// and the time lags that need no record read: 0 when caught up, -1 when
// unknown. It returns the partitions whose next record's time is wanted.
func (pg *groupPage) positions(parts map[string][]int32, committed map[string]map[int32]int64, meta topicsMeta, lows, highs offsetTable) []lagAsk {
	owners := make(map[string]map[int32]string)
	for _, m := range pg.detail.Members {
		for _, a := range m.Assigned {
			if owners[a.Topic] == nil {
				owners[a.Topic] = make(map[int32]string)
			}
			for _, p := range a.Partitions {
				owners[a.Topic][p] = m.ClientID
			}
		}
	}
	var asks []lagAsk
	for _, t := range slices.Sorted(maps.Keys(parts)) {
		_, known := meta.topics[t]
		switch err := meta.errs[t]; {
		case errors.Is(err, errNoTopic):
			pg.note("topic "+t, "does not exist any more; the group's commits to it remain")
		case err != nil:
			pg.fail("topic "+t, "metadata: "+err.Error())
		}
		for _, p := range parts[t] {
			c, ok := committed[t][p]
			if !ok {
				c = -1
			}
			gp := sources.GroupPartitionDetail{
				GroupPartition: sources.GroupPartition{Topic: t, Partition: p, Committed: c, End: -1, Lag: -1, Member: owners[t][p]},
				TimeLag:        -1,
			}
			if known {
				if ask, ok := pg.position(&gp, lows.get(t, p), highs.get(t, p)); ok {
					asks = append(asks, ask)
				}
			}
			pg.detail.Partitions = append(pg.detail.Partitions, gp)
		}
	}
	return asks
}

// position fills in one partition's end and lag; ok when the time lag needs
// the record at the committed offset.
func (pg *groupPage) position(gp *sources.GroupPartitionDetail, low, high listed) (lagAsk, bool) {
	name := tp(gp.Topic, gp.Partition)
	if high.err != nil {
		pg.fail(name, "list end offset: "+high.err.Error())
		return lagAsk{}, false
	}
	gp.End = high.offset
	gp.Lag = lagOf(gp.Committed, gp.End)
	switch c := gp.Committed; {
	case c < 0:
	case c >= gp.End:
		gp.TimeLag = 0
	case low.err == nil && c < low.offset:
		pg.note(name, fmt.Sprintf("committed offset %d is before the log start %d (records deleted): the next message read depends on the consumers' reset policy", c, low.offset))
	default:
		return lagAsk{topic: gp.Topic, partition: gp.Partition, offset: c}, true
	}
	return lagAsk{}, false
}

// timeLags sets each partition's time lag from the time of the record at its
// committed offset, 0 when only control records are left to read; a record
// that could not be read is a failed target.
func (pg *groupPage) timeLags(found map[lagAsk]lagFound, errs map[lagAsk]error, now time.Time) {
	for i := range pg.detail.Partitions {
		gp := &pg.detail.Partitions[i]
		a := lagAsk{topic: gp.Topic, partition: gp.Partition, offset: gp.Committed}
		if f, ok := found[a]; ok {
			gp.TimeLag = 0
			if !f.caughtUp {
				gp.TimeLag = max(now.Sub(f.at), 0) // a producer's clock ahead of ours is no lag
			}
		} else if err, ok := errs[a]; ok {
			pg.fail(tp(gp.Topic, gp.Partition), "time lag: "+err.Error())
		}
	}
}
