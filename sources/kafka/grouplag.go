package kafka

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/topicat/topicat/sources"
)

// groupsBuild is what turning a poll's group answers into the snapshot's
// groups needs.
type groupsBuild struct {
	read  groupsResult
	ends  polledOffsets // this poll's end offsets
	fails map[int32]brokerFailure
	now   time.Time
	seq   uint64
}

// groups builds the snapshot's groups. A group whose figures cannot be read
// this poll keeps those of the last poll that read them, marked stale with
// the reason; it is never dropped while its coordinator does not answer.
func (s *Source) groups(b groupsBuild) []sources.Group {
	h := s.state.hist
	var prev map[string]*sources.Group
	var prevTaken time.Time
	if p := s.state.prev; p != nil {
		prev = make(map[string]*sources.Group, len(p.Groups))
		for i := range p.Groups {
			prev[p.Groups[i].ID] = &p.Groups[i]
		}
		prevTaken = p.Taken
	}
	out := make([]sources.Group, 0, len(b.read.listed))
	// One backing array for every group's Lags.
	lagsArena := make([]int64, 0, (len(b.read.listed)+len(prev))*historyLen)
	lags := func(gh *groupHist) []int64 {
		n := len(lagsArena)
		lagsArena = gh.lags.appendTo(lagsArena)
		return lagsArena[n:len(lagsArena):len(lagsArena)]
	}

	for name, l := range b.read.listed {
		gh := h.group(name, b.seq)
		fo, hasOffsets := b.read.fetched[name]
		if hasOffsets && fo.err != nil {
			if pg := prev[name]; pg != nil {
				g := carry(*pg, prevTaken, "not refreshed: "+fo.err.Error(), gh)
				g.State, g.Coordinator = l.state, l.coordinator // ListGroups answered: these are fresh
				g.Lags = lags(gh)
				out = append(out, g)
				continue
			}
		}
		g := s.group(name, l, b, gh)
		g.Lags = lags(gh)
		out = append(out, g)
	}
	// A coordinator that did not answer cannot list its groups: keep them
	// from the previous poll, marked, rather than have them vanish.
	for _, pg := range prev {
		if _, ok := b.read.listed[pg.ID]; ok || b.read.listedBy[pg.Coordinator] {
			continue
		}
		f, ok := b.fails[pg.Coordinator]
		if !ok {
			continue // its coordinator answered and no longer lists it: deleted
		}
		var why string
		if errors.Is(f.err, errNotInMetadata) {
			why = fmt.Sprintf("not refreshed: coordinator broker %d is %v", pg.Coordinator, f.err)
		} else {
			why = fmt.Sprintf("not refreshed: coordinator broker %d failed %s: %v", pg.Coordinator, f.op, f.err)
		}
		gh := h.group(pg.ID, b.seq)
		g := carry(*pg, prevTaken, why, gh)
		g.Lags = lags(gh)
		out = append(out, g)
	}
	slices.SortFunc(out, func(a, b sources.Group) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// carry is a group from the previous snapshot, whose figures this poll
// could not read: stale since the poll that last read them, with why.
func carry(pg sources.Group, prevTaken time.Time, why string, gh *groupHist) sources.Group {
	if !pg.Stale {
		pg.Stale, pg.StaleSince = true, prevTaken
	}
	pg.Err = why
	gh.lags.push(-1)
	return pg
}

// group builds one group its coordinator answered for.
func (s *Source) group(name string, l listedGroup, b groupsBuild, gh *groupHist) sources.Group {
	grp := sources.Group{
		ID:           name,
		State:        l.state,
		ProtocolType: l.protocolType,
		Coordinator:  l.coordinator,
		CatchUp:      sources.CatchUpUnknown,
	}
	var (
		assigned []string
		owners   map[topicPartition]owner
	)
	if d, ok := b.read.described[name]; ok && d.err != nil {
		grp.Err = d.err.Error()
	} else if ok {
		grp.State = d.state
		grp.ProtocolType = cmp.Or(d.protocolType, grp.ProtocolType)
		grp.Protocol = d.protocol
		grp.Members = d.members
		assigned, owners = d.assigned, d.owners
	}
	fo, hasOffsets := b.read.fetched[name]
	switch {
	case !hasOffsets: // a share group: no committed offsets
		grp.Lag, grp.MaxLag = -1, -1
		grp.Topics = assigned
		gh.lags.push(-1)
		return grp
	case fo.err != nil: // and no earlier figures to keep
		grp.Lag, grp.MaxLag = -1, -1
		grp.Topics = assigned
		grp.Err = cmp.Or(grp.Err, fo.err.Error())
		gh.lags.push(-1)
		return grp
	}

	topics := make(map[string]bool, len(assigned)+1)
	for _, t := range assigned {
		topics[t] = true
	}
	for _, c := range fo.offsets {
		topics[c.topic] = true
	}
	grp.Topics = slices.Sorted(maps.Keys(topics))

	lr := s.partitionLags(&grp, fo.offsets, owners, b, gh)
	if len(fo.offsets) == 0 {
		// Nothing committed: the lag is unknown, not 0, and there is
		// nothing to judge (sources.StatusUnknown: "no offsets").
		grp.Lag, grp.MaxLag = -1, -1
		gh.lags.push(-1)
		return grp
	}
	rs := judge(&grp, lr.hists, owners, b.seq)

	total := grp.Lag
	switch {
	case lr.unknown > 0 && lr.unknown == len(fo.offsets):
		grp.Lag, grp.MaxLag = -1, -1
		total = -1
	case lr.unknown > 0 || lr.stale > 0:
		total = -1 // not this poll's figure: a gap in the trend
	}
	if lr.unknown > 0 {
		grp.Err = cmp.Or(grp.Err, fmt.Sprintf("lag unknown for %d %s: %s", lr.unknown, plural(lr.unknown, "partition"), lr.unknownWhy))
	}
	if lr.stale > 0 {
		grp.Stale, grp.StaleSince = true, lr.staleSince
		grp.Err = cmp.Or(grp.Err, fmt.Sprintf("lag of %d %s as last read: %s", lr.stale, plural(lr.stale, "partition"), lr.staleWhy))
	}
	if lr.unknown > 0 || lr.stale > 0 {
		grp.CatchUp = sources.CatchUpUnknown
	}
	gh.lags.push(total)
	if lr.moved {
		gh.commitLags.push(total)
	}
	var lbuf, cl [historyLen]int64
	grp.CatchUp = steadied(grp.CatchUp, gh.lags.appendTo(lbuf[:0]), rs.span, rs.slack())
	grp.Status = worse(grp.Status, judgeGroupTrend(gh.lags.appendTo(lbuf[:0]), gh.commitLags.appendTo(cl[:0])))
	return grp
}

// lagRead is what reading a group's partitions found.
type lagRead struct {
	// hists are the partitions' histories, in grp.Partitions' order; nil
	// for a partition whose commit could not be read.
	hists                []*partHist
	unknown, stale       int // partitions without an end offset, and with the last one read
	unknownWhy, staleWhy string
	staleSince           time.Time
	moved                bool // some committed offset moved since the last poll
}

// partitionLags fills the group's partitions and lag from its commits and
// this poll's end offsets (or, for a partition whose leader did not answer,
// the end last read), and records them in the group's history.
func (s *Source) partitionLags(grp *sources.Group, commits []committedOffset, owners map[topicPartition]owner, b groupsBuild, gh *groupHist) lagRead {
	h := s.state.hist
	now := h.at(b.now)
	lr := lagRead{hists: make([]*partHist, 0, len(commits))}
	grp.Partitions = make([]sources.GroupPartition, 0, len(commits))
	for _, c := range commits {
		gp := sources.GroupPartition{Topic: c.topic, Partition: c.partition, Committed: c.offset, End: -1, Lag: -1,
			Member: owners[topicPartition{c.topic, c.partition}].client}
		if c.err != nil {
			lr.unknown++
			lr.unknownWhy = cmp.Or(lr.unknownWhy, c.err.Error())
			if ph, _ := gh.part(c.topic, c.partition); ph.polls.len() > 0 {
				ph.seen = b.seq // still committed: its history stays
			}
			grp.Partitions = append(grp.Partitions, gp)
			lr.hists = append(lr.hists, nil)
			continue
		}
		end, endErr := b.ends.lookup(c.topic, c.partition)
		if endErr == nil {
			gp.End = end
		} else if high, at := h.topics[c.topic].lastHigh(c.partition); high >= 0 {
			// The end as last read: the lag is then at least what is shown.
			gp.End = high
			lr.stale++
			lr.staleWhy = cmp.Or(lr.staleWhy, endErr.Error())
			if t := h.time(at); lr.staleSince.IsZero() || t.Before(lr.staleSince) {
				lr.staleSince = t
			}
		} else {
			lr.unknown++
			lr.unknownWhy = cmp.Or(lr.unknownWhy, endErr.Error())
		}
		if gp.Lag = lagOf(gp.Committed, gp.End); gp.Lag >= 0 {
			grp.Lag += gp.Lag
			grp.MaxLag = max(grp.MaxLag, gp.Lag)
		}
		ph, created := gh.part(c.topic, c.partition)
		// A first commit on a partition of a group already known is a
		// commit too, for the group's window.
		lr.moved = lr.moved || (created && gh.lags.len() > 0)
		if endErr != nil {
			end = -1 // this poll did not read it
		}
		lr.moved = ph.observe(pollObs{seq: b.seq, at: now, committed: c.offset, end: end}) || lr.moved
		grp.Partitions = append(grp.Partitions, gp)
		lr.hists = append(lr.hists, ph)
	}
	gh.forgetUnseen(b.seq)
	return lr
}

// judge gives each partition its status, the group the worst of them, and
// the group its catch-up time; it returns the rates behind that.
func judge(grp *sources.Group, hists []*partHist, owners map[topicPartition]owner, seq uint64) rates {
	// Who made progress within the window: each member over the
	// partitions it holds, and the group over all of them.
	var (
		groupProgress  bool
		memberProgress map[string]bool
	)
	for i, ph := range hists {
		if ph == nil || !ph.movedWithin(seq) {
			continue
		}
		groupProgress = true
		if o, ok := owners[topicPartition{grp.Partitions[i].Topic, grp.Partitions[i].Partition}]; ok {
			if memberProgress == nil {
				memberProgress = make(map[string]bool)
			}
			memberProgress[o.member] = true
		}
	}
	var (
		rs   rates
		buf  [historyLen]pollObs
		cbuf [historyLen]commitObs
	)
	for i, ph := range hists {
		if ph == nil {
			continue
		}
		gp := &grp.Partitions[i]
		o, held := owners[topicPartition{gp.Topic, gp.Partition}]
		progressing := memberProgress[o.member]
		if !held && (owners == nil || grp.Members == 0) {
			// No assignment to read, or no members (offsets committed
			// by a client outside the group protocol): whoever commits
			// for the group commits for this partition too.
			progressing = groupProgress
		}
		v := ph.view(seq, ph.polls.last().at, held, progressing, &buf, &cbuf)
		gp.Status = judgePartition(v)
		grp.Status = worse(grp.Status, gp.Status)
		rs.add(v.polls)
	}
	grp.CatchUp = rs.catchUp(grp.Lag)
	return rs
}

// lagOf is how far a group is behind in a partition: the end minus the
// committed offset, never below 0 (a commit past the end is caught up), as
// kadm counts it; -1 when either is unknown (nothing committed, or the end
// not read). Every lag of the source is this one.
func lagOf(committed, end int64) int64 {
	if committed < 0 || end < 0 {
		return -1
	}
	return max(end-committed, 0)
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
