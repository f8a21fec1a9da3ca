package nsq

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/topicat/topicat/sources"
)

// build turns what this poll gathered, and the previous snapshot, into a new
// immutable snapshot. Nothing reachable from the previous snapshot is
// modified; unchanged parts are shared.
func (s *Source) build(now time.Time, lookupds []lookupdResult, entries []*entry, regs []lookupdRegistrations) (*sources.NSQSnapshot, error) {
	prev := s.state.prev
	snap := &sources.NSQSnapshot{}
	snap.Seq, snap.Taken = 1, now
	prevLookupds := map[string]*sources.Lookupd{}
	prevNodes := map[string]*sources.NSQNode{}
	dt := -1.0 // seconds since the previous poll
	if prev != nil {
		snap.Seq, snap.LastOK = prev.Seq+1, prev.LastOK
		dt = now.Sub(prev.Taken).Seconds()
		for i := range prev.Lookupds {
			prevLookupds[prev.Lookupds[i].Addr] = &prev.Lookupds[i]
		}
		for i := range prev.Nodes {
			prevNodes[prev.Nodes[i].Addr] = &prev.Nodes[i]
		}
	}
	var errs []sources.EndpointError

	lookupdsUp := 0
	snap.Lookupds = make([]sources.Lookupd, len(s.cfg.Lookupds))
	for i, url := range s.cfg.Lookupds {
		r := lookupds[i]
		l := sources.Lookupd{Addr: url, Version: r.version}
		pl := prevLookupds[url]
		if r.err != nil {
			ee := sources.EndpointError{Endpoint: "lookupd " + url, Op: r.op, Err: r.err.Error()}
			errs = append(errs, ee)
			l.Err = ee.String()
		}
		if r.err != nil && r.op == "nodes" {
			// What it knew before is no figure of now.
			l.DownSince, l.Nodes, l.Topics = now, -1, -1
			if pl != nil {
				l.Version = pl.Version
				if !pl.Up && !pl.DownSince.IsZero() {
					l.DownSince = pl.DownSince
				}
			}
		} else {
			lookupdsUp++
			l.Up = true
			l.Nodes = len(r.nodes)
			if r.topicsOK {
				l.Topics = len(r.topics)
			} else {
				l.Topics = countTopics(r.nodes)
			}
		}
		snap.Lookupds[i] = l
	}

	nodesUp, expected := 0, 0
	var firstNodeErr string
	snap.Nodes = make([]sources.NSQNode, len(entries))
	counts := make([][]topicCounts, len(entries))
	for i, e := range entries {
		n := e.node
		n.Tombstoned = slices.Sorted(maps.Keys(e.tombstoned))
		pn := prevNodes[n.Addr]
		switch st := e.stats; {
		case st != nil:
			nodesUp++
			expected++
			n.Up = true
			n.Health = st.Health
			if st.Version != "" {
				n.Version = st.Version
			}
			if st.StartTime > 0 {
				n.StartTime = time.Unix(st.StartTime, 0)
			}
			// Rates only against the same nsqd run: a restart zeroes the counters.
			var before []sources.NSQTopicStats
			if pn != nil && pn.Up && pn.StartTime.Equal(n.StartTime) {
				before = pn.Topics
			}
			n.Topics, counts[i] = nodeTopics(st.Topics, before, dt)
		case isGone(e, pn):
			// It left every lookupd that knew it, then stopped answering:
			// decommissioned, not failing. Its last figures stay for its page
			// and count in no total.
			n.Gone, n.GoneSince = true, now
			if pn.Gone {
				n.GoneSince = pn.GoneSince
			}
			n.Topics, n.StartTime = lastAnswer(pn), pn.StartTime
		default:
			expected++
			ee := sources.EndpointError{Endpoint: "nsqd " + n.Addr, Op: "stats", Err: e.err.Error()}
			errs = append(errs, ee)
			n.Err = ee.String()
			if firstNodeErr == "" {
				firstNodeErr = n.Err
			}
			n.DownSince = now
			if pn != nil {
				if !pn.Up && !pn.Gone && !pn.DownSince.IsZero() {
					n.DownSince = pn.DownSince
				}
				// The last topics seen on it: they say what the totals now miss.
				n.Topics, n.StartTime = lastAnswer(pn), pn.StartTime
			}
		}
		snap.Nodes[i] = n
	}

	snap.Topics = mergeTopics(prev, snap.Nodes, entries, counts, dt)
	addTrends(prev, snap.Topics, s.state.times)

	snap.Inactive, snap.InactiveAt = nil, time.Time{}
	if prev != nil {
		snap.Inactive, snap.InactiveAt = prev.Inactive, prev.InactiveAt
	}
	if inactive, ok := inactiveList(regs, snap.Nodes, s.cfg.Lookupds); ok {
		snap.Inactive, snap.InactiveAt = inactive, now
	}
	for _, r := range regs {
		if r.err == nil {
			continue
		}
		ee := sources.EndpointError{Endpoint: "lookupd " + r.lookupd, Op: "lookup", Err: r.err.Error()}
		errs = append(errs, ee)
		if l := &snap.Lookupds[slices.Index(s.cfg.Lookupds, r.lookupd)]; l.Err == "" {
			l.Err = ee.String()
		}
	}

	var prevErrs []sources.EndpointError
	if prev != nil {
		prevErrs = prev.Errors
	}
	snap.Errors = sources.TrackErrors(prevErrs, errs, now)

	if nodesUp > 0 || lookupdsUp > 0 {
		snap.LastOK = now
	}
	var err error
	switch {
	case expected > 0 && nodesUp == 0:
		err = fmt.Errorf("nsq: none of %d nsqd answered; first: %s", expected, firstNodeErr)
	case lookupdsUp == 0 && nodesUp == 0 && len(errs) > 0:
		err = fmt.Errorf("nsq: no lookupd answered and no nsqd is known; first: %s", errs[0])
	}
	return snap, err
}

// isGone tells a decommissioned node from a failed one: it did not answer,
// every lookupd which knew it let go of it, and it held no messages at its
// last answer. lookupd drops a node whose connection closed, and a crashed
// nsqd's connections close as a stopped one's do, so only an empty node is
// surely retired: one that held messages is down, its share of the totals
// missing, whatever the lookupds say. A configured node is never gone: the
// user asked for it.
func isGone(e *entry, pn *sources.NSQNode) bool {
	if e.configured || e.listed || e.vouched || pn == nil {
		return false
	}
	return pn.Gone || (pn.Up && pn.Queued() == 0)
}

// lastAnswer is what a node that did not answer keeps of its last answer:
// its figures, with no rates, as they are no rates of now. Shared once
// they are so.
func lastAnswer(pn *sources.NSQNode) []sources.NSQTopicStats {
	if !pn.Up {
		return pn.Topics
	}
	out := make([]sources.NSQTopicStats, len(pn.Topics))
	for i, t := range pn.Topics {
		t.In = -1
		t.Channels = slices.Clone(t.Channels)
		for j := range t.Channels {
			t.Channels[j].In, t.Channels[j].Out = -1, -1
		}
		out[i] = t
	}
	return out
}

func countTopics(nodes []producerJSON) int {
	seen := map[string]bool{}
	for _, p := range nodes {
		for _, t := range p.Topics {
			seen[t] = true
		}
	}
	return len(seen)
}
