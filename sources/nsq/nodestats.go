package nsq

import (
	"slices"
	"strings"

	"github.com/topicat/topicat/sources"
)

// topicCounts are what merging needs of a node's topic beyond its figures:
// the messages published since the node's previous answer (-1 unknown),
// kept whole so that totals carry no float residue, and the number of E2E
// samples that weighs its percentiles. Parallel to the node's Topics.
type topicCounts struct {
	in    int64
	e2e   int
	chans []channelCounts // parallel to the topic's Channels
}

// channelCounts are a channel's: messages in and out since the previous
// answer (-1 unknown) and its E2E samples.
type channelCounts struct {
	in, out int64
	e2e     int
}

// nodeTopics converts a node's /stats topics, sorted by name, with the rates
// since before: the node's previous answer in the same nsqd run, nil when
// there is none (rates unknown). dt is the seconds between the two.
//
// Rates follow nsq_stat: in is Δmessage_count; out is what came in minus
// what the channel holds more (depth, in flight, deferred), never negative
// (requeues raise what it holds without new messages). The requeue and
// timeout rates are Δrequeue_count and Δtimeout_count. A topic or channel
// absent from the previous answer has no rate yet: a channel created on a
// topic with a backlog receives the whole backlog at once, which is no rate
// of the last interval. Counters that went back (deleted and re-created)
// make it unknown too.
func nodeTopics(in []topicJSON, before []sources.NSQTopicStats, dt float64) ([]sources.NSQTopicStats, []topicCounts) {
	slices.SortFunc(in, func(a, b topicJSON) int { return strings.Compare(a.Name, b.Name) })
	out := make([]sources.NSQTopicStats, len(in))
	counts := make([]topicCounts, len(in))
	known := before != nil && dt > 0
	for i := range in {
		t := &in[i]
		var pt *sources.NSQTopicStats
		tc := topicCounts{in: -1, e2e: e2eCount(t.E2E)}
		if known {
			pt = findTopicStats(before, t.Name)
			if pt != nil && t.MessageCount >= pt.Messages {
				tc.in = int64(t.MessageCount - pt.Messages)
			}
		}
		// The channels' rates are known where the topic's is: a topic that
		// was re-created has new channels too.
		chansKnown := tc.in >= 0

		slices.SortFunc(t.Channels, func(a, b channelJSON) int { return strings.Compare(a.Name, b.Name) })
		chans := make([]sources.NSQChannelStats, len(t.Channels))
		tc.chans = make([]channelCounts, len(t.Channels))
		for j := range t.Channels {
			c := &t.Channels[j]
			cs := sources.NSQChannelStats{
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
				E2E:          percentiles(c.E2E),
			}
			cc := channelCounts{in: -1, out: -1, e2e: e2eCount(c.E2E)}
			requeues, timeouts := int64(-1), int64(-1)
			if chansKnown {
				if pc := findChannelStats(pt.Channels, c.Name); pc != nil {
					cc.in, cc.out = channelMoves(cs, *pc)
					// A message count that went back is a re-created channel,
					// whose other counters restarted too, higher or not.
					if cc.in >= 0 {
						requeues, timeouts = counted(cs.Requeued, pc.Requeued), counted(cs.TimedOut, pc.TimedOut)
					}
				}
			}
			cs.In, cs.Out = rate(cc.in, dt), rate(cc.out, dt)
			cs.RequeueRate, cs.TimeoutRate = rate(requeues, dt), rate(timeouts, dt)
			chans[j], tc.chans[j] = cs, cc
		}
		out[i] = sources.NSQTopicStats{
			Name:         t.Name,
			Depth:        t.Depth,
			BackendDepth: t.BackendDepth,
			Messages:     t.MessageCount,
			MessageBytes: t.MessageBytes,
			Paused:       t.Paused,
			In:           rate(tc.in, dt),
			E2E:          percentiles(t.E2E),
			Channels:     chans,
		}
		counts[i] = tc
	}
	return out, counts
}

// channelMoves is what came into a channel and what left it since pc, its
// previous figures; -1 each when its counter went back.
func channelMoves(c, pc sources.NSQChannelStats) (in, out int64) {
	if c.Messages < pc.Messages {
		return -1, -1
	}
	in = int64(c.Messages - pc.Messages)
	held := c.Depth + c.InFlight + c.Deferred
	return in, max(in-(held-(pc.Depth+pc.InFlight+pc.Deferred)), 0)
}

// counted is what a counter grew by since before; -1 when it went back.
func counted(now, before uint64) int64 {
	if now < before {
		return -1
	}
	return int64(now - before)
}

// rate is n messages over dt seconds; -1 when n is unknown.
func rate(n int64, dt float64) float64 {
	if n < 0 || dt <= 0 {
		return -1
	}
	return float64(n) / dt
}

func findTopicStats(ts []sources.NSQTopicStats, name string) *sources.NSQTopicStats {
	i, ok := slices.BinarySearchFunc(ts, name, func(t sources.NSQTopicStats, n string) int { return strings.Compare(t.Name, n) })
	if !ok {
		return nil
	}
	return &ts[i]
}

func findChannelStats(cs []sources.NSQChannelStats, name string) *sources.NSQChannelStats {
	i, ok := slices.BinarySearchFunc(cs, name, func(c sources.NSQChannelStats, n string) int { return strings.Compare(c.Name, n) })
	if !ok {
		return nil
	}
	return &cs[i]
}
