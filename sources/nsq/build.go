package nsq

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/topicat/topicat/sources"
)

// build turns what this poll gathered, and the previous snapshot, into a new
// immutable snapshot. Nothing reachable from the previous snapshot is
// modified; unchanged parts are shared.
func (s *Source) build(now time.Time, lookupds []lookupdResult, entries []*entry) (*sources.NSQSnapshot, error) {
	prev := s.state.prev
	snap := &sources.NSQSnapshot{}
	snap.Seq, snap.Taken = 1, now
	prevLookupds := map[string]*sources.Lookupd{}
	prevNodes := map[string]*sources.NSQNode{}
	if prev != nil {
		snap.Seq, snap.LastOK = prev.Seq+1, prev.LastOK
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
			l.DownSince = now
			if pl != nil {
				// Last known figures, so the pane still says what it was.
				l.Version, l.Nodes, l.Topics = pl.Version, pl.Nodes, pl.Topics
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

	nodesUp := 0
	var firstNodeErr string
	snap.Nodes = make([]sources.NSQNode, len(entries))
	for i, e := range entries {
		n := e.node
		n.Tombstoned = slices.Sorted(maps.Keys(e.tombstoned))
		pn := prevNodes[n.Addr]
		if st := e.stats; st != nil {
			nodesUp++
			n.Up = true
			n.Health = st.Health
			if st.Version != "" {
				n.Version = st.Version
			}
			if st.StartTime > 0 {
				n.StartTime = time.Unix(st.StartTime, 0)
			}
			n.Topics = convertTopics(st.Topics)
		} else {
			ee := sources.EndpointError{Endpoint: "nsqd " + n.Addr, Op: "stats", Err: e.err.Error()}
			errs = append(errs, ee)
			n.Err = ee.String()
			if firstNodeErr == "" {
				firstNodeErr = n.Err
			}
			n.DownSince = now
			if pn != nil {
				if !pn.Up && !pn.DownSince.IsZero() {
					n.DownSince = pn.DownSince
				}
				// The last topics seen on it: they say what the totals now miss.
				n.Topics, n.StartTime = pn.Topics, pn.StartTime
			}
		}
		snap.Nodes[i] = n
	}

	snap.Topics = mergeTopics(prev, now, snap.Nodes, entries)
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
	case len(entries) > 0 && nodesUp == 0:
		err = fmt.Errorf("nsq: none of %d nsqd answered; first: %s", len(entries), firstNodeErr)
	case lookupdsUp == 0 && nodesUp == 0:
		err = fmt.Errorf("nsq: no lookupd answered and no nsqd is known; first: %s", errs[0])
	}
	return snap, err
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

func convertTopics(in []topicJSON) []sources.NSQTopicStats {
	out := make([]sources.NSQTopicStats, len(in))
	for i, t := range in {
		chans := make([]sources.NSQChannelStats, len(t.Channels))
		for j, c := range t.Channels {
			chans[j] = sources.NSQChannelStats{
				Name:         c.Name,
				Depth:        c.Depth,
				BackendDepth: c.BackendDepth,
				InFlight:     c.InFlight,
				Deferred:     c.Deferred,
				Messages:     c.MessageCount,
				Requeued:     c.RequeueCount,
				TimedOut:     c.TimeoutCount,
				Clients:      c.clients(),
				Paused:       c.Paused,
			}
		}
		slices.SortFunc(chans, func(a, b sources.NSQChannelStats) int { return strings.Compare(a.Name, b.Name) })
		out[i] = sources.NSQTopicStats{
			Name:         t.Name,
			Depth:        t.Depth,
			BackendDepth: t.BackendDepth,
			Messages:     t.MessageCount,
			Paused:       t.Paused,
			Channels:     chans,
		}
	}
	slices.SortFunc(out, func(a, b sources.NSQTopicStats) int { return strings.Compare(a.Name, b.Name) })
	return out
}

type topicAcc struct {
	t        sources.NSQTopic
	in       uint64 // messages published since the previous poll, over nodes where that is known
	inKnown  bool
	channels map[string]*channelAcc
}

type channelAcc struct {
	c        sources.NSQChannel
	out      int64 // messages that left the channel since the previous poll
	outKnown bool
}

// mergeTopics totals topics and channels over the nodes that answered, with
// rates from the previous snapshot. A topic or channel that a silent node
// carries is marked Partial; one that only silent nodes carry keeps its last
// totals (marked Partial, rate unknown) rather than showing zeros that would
// read as "empty".
func mergeTopics(prev *sources.NSQSnapshot, now time.Time, nodes []sources.NSQNode, entries []*entry) []sources.NSQTopic {
	dt := -1.0
	prevUp := map[string]*sources.NSQNode{}
	prevTopics := map[string]*sources.NSQTopic{}
	if prev != nil {
		dt = now.Sub(prev.Taken).Seconds()
		for i := range prev.Nodes {
			if prev.Nodes[i].Up {
				prevUp[prev.Nodes[i].Addr] = &prev.Nodes[i]
			}
		}
		for i := range prev.Topics {
			prevTopics[prev.Topics[i].Name] = &prev.Topics[i]
		}
	}

	accs := map[string]*topicAcc{}
	for _, n := range nodes {
		if !n.Up {
			continue
		}
		// Deltas only against the same nsqd run: a restart zeroes the counters.
		var before map[string]*sources.NSQTopicStats
		if pn := prevUp[n.Addr]; pn != nil && pn.StartTime.Equal(n.StartTime) {
			before = indexTopics(pn.Topics)
		}
		for ti := range n.Topics {
			t := &n.Topics[ti]
			a := accs[t.Name]
			if a == nil {
				a = &topicAcc{t: sources.NSQTopic{Name: t.Name}, channels: map[string]*channelAcc{}}
				accs[t.Name] = a
			}
			a.t.Depth += t.Depth
			a.t.BackendDepth += t.BackendDepth
			a.t.Messages += t.Messages
			a.t.Paused = a.t.Paused || t.Paused
			a.t.Nodes = append(a.t.Nodes, n.Addr)

			var pt *sources.NSQTopicStats
			var beforeCh map[string]*sources.NSQChannelStats
			if before != nil {
				pt = before[t.Name]
				switch {
				case pt == nil: // created since the previous poll: every message is new
					a.in += t.Messages
					a.inKnown = true
				case t.Messages >= pt.Messages:
					a.in += t.Messages - pt.Messages
					a.inKnown = true
					beforeCh = indexChannels(pt.Channels)
				}
				// else: deleted and recreated; this node's share is unknown.
			}

			for ci := range t.Channels {
				c := &t.Channels[ci]
				ca := a.channels[c.Name]
				if ca == nil {
					ca = &channelAcc{c: sources.NSQChannel{Topic: t.Name, Name: c.Name}}
					a.channels[c.Name] = ca
				}
				ca.c.Depth += c.Depth
				ca.c.BackendDepth += c.BackendDepth
				ca.c.InFlight += c.InFlight
				ca.c.Deferred += c.Deferred
				ca.c.Messages += c.Messages
				ca.c.Requeued += c.Requeued
				ca.c.TimedOut += c.TimedOut
				ca.c.Clients += c.Clients
				ca.c.Paused = ca.c.Paused || c.Paused
				ca.c.Nodes = append(ca.c.Nodes, n.Addr)

				if before == nil || (pt != nil && beforeCh == nil) {
					continue
				}
				var out int64
				if pc := beforeCh[c.Name]; pc == nil {
					out = int64(c.Messages) - c.Depth
				} else if c.Messages >= pc.Messages {
					out = int64(c.Messages-pc.Messages) - (c.Depth - pc.Depth)
				} else {
					continue
				}
				// Requeues raise depth without new messages; a negative egress
				// would read as "unknown", and nothing left the channel anyway.
				ca.out += max(out, 0)
				ca.outKnown = true
			}
		}
	}

	// What the silent nodes carry, from the lookupds and from the last poll.
	partial := map[string]map[string]bool{} // topic → channels
	for i, n := range nodes {
		if n.Up {
			continue
		}
		for t := range entries[i].topics {
			if partial[t] == nil {
				partial[t] = map[string]bool{}
			}
		}
		for _, t := range n.Topics {
			if partial[t.Name] == nil {
				partial[t.Name] = map[string]bool{}
			}
			for _, c := range t.Channels {
				partial[t.Name][c.Name] = true
			}
		}
	}

	out := make([]sources.NSQTopic, 0, len(accs)+len(partial))
	for name, a := range accs {
		pt := prevTopics[name]
		t := a.t
		t.In = -1
		if pt != nil && a.inKnown && dt > 0 {
			t.In = float64(a.in) / dt
		}
		chans, isPartial := partial[name]
		t.Partial = isPartial
		t.Channels = make([]sources.NSQChannel, 0, len(a.channels))
		for cname, ca := range a.channels {
			c := ca.c
			c.In, c.Out = -1, -1
			if pt != nil && ca.outKnown && dt > 0 && hasChannel(pt, cname) {
				c.Out = float64(ca.out) / dt
			}
			c.Partial = chans[cname]
			t.Channels = append(t.Channels, c)
		}
		for cname := range chans {
			if a.channels[cname] == nil && pt != nil {
				if pc := findChannel(pt, cname); pc != nil {
					t.Channels = append(t.Channels, stale(*pc))
				}
			}
		}
		out = append(out, finishTopic(t))
	}
	for name := range partial {
		if accs[name] != nil {
			continue
		}
		t := sources.NSQTopic{Name: name, In: -1, Partial: true}
		if pt := prevTopics[name]; pt != nil {
			t = *pt
			t.In, t.Partial = -1, true
			t.Channels = make([]sources.NSQChannel, len(pt.Channels))
			for i, c := range pt.Channels {
				t.Channels[i] = stale(c)
			}
		}
		out = append(out, finishTopic(t))
	}
	slices.SortFunc(out, func(a, b sources.NSQTopic) int { return strings.Compare(a.Name, b.Name) })
	return out
}

func stale(c sources.NSQChannel) sources.NSQChannel {
	c.In, c.Out, c.Partial = -1, -1, true
	return c
}

// finishTopic sorts channels and nodes and totals in-flight and deferred,
// which nsqd reports per channel only.
func finishTopic(t sources.NSQTopic) sources.NSQTopic {
	slices.SortFunc(t.Channels, func(a, b sources.NSQChannel) int { return strings.Compare(a.Name, b.Name) })
	t.InFlight, t.Deferred = 0, 0
	for i := range t.Channels {
		t.Channels[i].Nodes = sortedAddrs(t.Channels[i].Nodes)
		t.InFlight += t.Channels[i].InFlight
		t.Deferred += t.Channels[i].Deferred
	}
	t.Nodes = sortedAddrs(t.Nodes)
	return t
}

// sortedAddrs sorts a copy, if needed: the slice may belong to a published snapshot.
func sortedAddrs(a []string) []string {
	if slices.IsSortedFunc(a, compareAddr) {
		return a
	}
	a = slices.Clone(a)
	slices.SortFunc(a, compareAddr)
	return a
}

func hasChannel(t *sources.NSQTopic, name string) bool { return findChannel(t, name) != nil }

func findChannel(t *sources.NSQTopic, name string) *sources.NSQChannel {
	i, ok := slices.BinarySearchFunc(t.Channels, name, func(c sources.NSQChannel, n string) int { return cmp.Compare(c.Name, n) })
	if !ok {
		return nil
	}
	return &t.Channels[i]
}

func indexTopics(ts []sources.NSQTopicStats) map[string]*sources.NSQTopicStats {
	m := make(map[string]*sources.NSQTopicStats, len(ts))
	for i := range ts {
		m[ts[i].Name] = &ts[i]
	}
	return m
}

func indexChannels(cs []sources.NSQChannelStats) map[string]*sources.NSQChannelStats {
	m := make(map[string]*sources.NSQChannelStats, len(cs))
	for i := range cs {
		m[cs[i].Name] = &cs[i]
	}
	return m
}
