package nsq

import (
	"cmp"
	"slices"
	"strings"

	"github.com/topicat/topicat/sources"
)

type topicAcc struct {
	t  sources.NSQTopic
	in int64 // messages published since the previous poll, over the nodes
	// inMissing: a node that carries it has no rate yet (restarted, or new
	// to it). A sum without its share would read as a fall in the rate, so
	// the merged rate is unknown instead.
	inMissing bool
	e2e       e2eMerge
	channels  map[string]*channelAcc
}

type channelAcc struct {
	c                     sources.NSQChannel
	in, out               int64 // over the nodes; unknown when one's is (see topicAcc)
	inMissing, outMissing bool
	e2e                   e2eMerge
}

// partialMark is what a silent node may hold of one topic: the channels its
// last answer had, or every channel when only a lookupd told of the topic.
type partialMark struct {
	all      bool
	channels map[string]bool
}

// mergeTopics totals topics and channels over the nodes that answered, with
// rates from each node's counts. A topic or channel that a down node carries
// (or may carry: a node never heard from may carry any) is marked Partial;
// one that only down nodes carry keeps its last totals (marked Partial, rate
// unknown) rather than showing zeros that would read as "empty". A gone
// node is no share of any total.
func mergeTopics(prev *sources.NSQSnapshot, nodes []sources.NSQNode, entries []*entry, counts [][]topicCounts, dt float64) []sources.NSQTopic {
	accs := map[string]*topicAcc{}
	for i, n := range nodes {
		if !n.Up {
			continue
		}
		for ti := range n.Topics {
			t, tc := &n.Topics[ti], &counts[i][ti]
			a := accs[t.Name]
			if a == nil {
				a = &topicAcc{t: sources.NSQTopic{Name: t.Name}, channels: map[string]*channelAcc{}}
				accs[t.Name] = a
			}
			a.t.Depth += t.Depth
			a.t.BackendDepth += t.BackendDepth
			a.t.Messages += t.Messages
			a.t.MessageBytes += t.MessageBytes
			a.t.Nodes = append(a.t.Nodes, n.Addr)
			if t.Paused {
				a.t.PausedOn = append(a.t.PausedOn, n.Addr)
			}
			if tc.in >= 0 {
				a.in += tc.in
			} else {
				a.inMissing = true
			}
			a.e2e.add(t.E2E, tc.e2e)

			for ci := range t.Channels {
				c, cc := &t.Channels[ci], &tc.chans[ci]
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
				ca.c.Nodes = append(ca.c.Nodes, n.Addr)
				if c.Paused {
					ca.c.PausedOn = append(ca.c.PausedOn, n.Addr)
				}
				if cc.in >= 0 {
					ca.in += cc.in
				} else {
					ca.inMissing = true
				}
				if cc.out >= 0 {
					ca.out += cc.out
				} else {
					ca.outMissing = true
				}
				ca.e2e.add(c.E2E, cc.e2e)
			}
		}
	}

	partial, everything := silentShares(nodes, entries)
	tombstoned := map[string][]string{}
	for i, n := range nodes {
		for _, t := range n.Tombstoned {
			tombstoned[t] = append(tombstoned[t], nodes[i].Addr)
		}
	}
	prevTopics := map[string]*sources.NSQTopic{}
	if prev != nil {
		for i := range prev.Topics {
			prevTopics[prev.Topics[i].Name] = &prev.Topics[i]
		}
	}

	out := make([]sources.NSQTopic, 0, len(accs)+len(partial))
	for name, a := range accs {
		t := a.t
		t.In = -1
		if !a.inMissing {
			t.In = rate(a.in, dt)
		}
		t.Paused = pausedEverywhere(t.PausedOn, t.Nodes)
		t.E2E = a.e2e.result()
		mark, isPartial := partial[name]
		t.Partial = isPartial || everything
		t.Channels = make([]sources.NSQChannel, 0, len(a.channels))
		for cname, ca := range a.channels {
			c := ca.c
			c.In, c.Out = -1, -1
			if !ca.inMissing {
				c.In = rate(ca.in, dt)
			}
			if !ca.outMissing {
				c.Out = rate(ca.out, dt)
			}
			c.Paused = pausedEverywhere(c.PausedOn, c.Nodes)
			c.E2E = ca.e2e.result()
			c.Partial = everything || mark.all || mark.channels[cname]
			t.Channels = append(t.Channels, c)
		}
		// Channels that only silent nodes carry keep their last totals.
		if pt := prevTopics[name]; pt != nil && isPartial {
			for _, pc := range pt.Channels {
				if a.channels[pc.Name] == nil && (mark.all || mark.channels[pc.Name]) {
					t.Channels = append(t.Channels, stale(pc))
				}
			}
		}
		t.Tombstoned = tombstoned[name]
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
		t.Tombstoned = tombstoned[name]
		out = append(out, finishTopic(t))
	}
	slices.SortFunc(out, func(a, b sources.NSQTopic) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// silentShares is what the down nodes may hold: by topic, from the lookupds'
// listing and from their last answer. everything is set when a down node
// was never heard from and no lookupd lists its topics: any topic may miss
// its share.
func silentShares(nodes []sources.NSQNode, entries []*entry) (partial map[string]partialMark, everything bool) {
	partial = map[string]partialMark{}
	mark := func(topic string) partialMark {
		m, ok := partial[topic]
		if !ok {
			m = partialMark{channels: map[string]bool{}}
		}
		return m
	}
	for i, n := range nodes {
		if n.Up || n.Gone {
			continue
		}
		e := entries[i]
		if !e.listed && n.Topics == nil {
			everything = true
		}
		for _, t := range n.Topics {
			m := mark(t.Name)
			for _, c := range t.Channels {
				m.channels[c.Name] = true
			}
			partial[t.Name] = m
		}
		for t := range e.topics {
			m := mark(t)
			// Only the lookupd tells of it: which channels is not known.
			if findTopicStats(n.Topics, t) == nil {
				m.all = true
			}
			partial[t] = m
		}
	}
	return partial, everything
}

// pausedEverywhere: paused on every node that carries it, not on some.
func pausedEverywhere(pausedOn, nodes []string) bool {
	return len(pausedOn) > 0 && len(pausedOn) == len(nodes)
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
		c := &t.Channels[i]
		c.Nodes, c.PausedOn = sortedAddrs(c.Nodes), sortedAddrs(c.PausedOn)
		t.InFlight += c.InFlight
		t.Deferred += c.Deferred
	}
	t.Nodes, t.PausedOn, t.Tombstoned = sortedAddrs(t.Nodes), sortedAddrs(t.PausedOn), sortedAddrs(t.Tombstoned)
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

func findChannel(t *sources.NSQTopic, name string) *sources.NSQChannel {
	i, ok := slices.BinarySearchFunc(t.Channels, name, func(c sources.NSQChannel, n string) int { return cmp.Compare(c.Name, n) })
	if !ok {
		return nil
	}
	return &t.Channels[i]
}
