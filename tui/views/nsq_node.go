package views

import (
	"fmt"
	"slices"
	"strings"

	"github.com/topicat/topicat/sources"
)

// The nsqd page, nsqadmin's node view: identity, health, memory and GC,
// its topics and channels with their figures, the publishers connected to
// it, and which lookupds know it.

func nsqNodePage() *View {
	return page(View{Name: "node", Title: "Node", System: sources.NSQ, Arg: "ADDR",
		Help:  "one nsqd: version, start time, health, memory and GC, its topics and channels with their figures, its producers, which lookupds know it",
		Fetch: func(addr string) sources.Body { return sources.DescribeNSQNode{Node: addr} }},
		nsqNodeSummary, func(d Data, addr string) any {
			s, n, _ := FindNSQNode(d, addr)
			if n == nil {
				return nil
			}
			sub := nodeSubject{node: *n, configured: len(s.Lookupds)}
			if nd, err := detail[sources.NSQNodeDetail](d); err == nil {
				sub.memory = nd.Memory
			}
			return sub
		}, nsqNodeTopics(), nsqNodeChannels(), nsqNodeProducers())
}

// nodeSubject is a node as the page has it: without its topics (the
// sections have them), with its memory once the node answered.
type nodeSubject struct {
	node       sources.NSQNode
	configured int
	memory     *sources.NSQMemory
}

func (n nodeSubject) MarshalJSON() ([]byte, error) {
	return sources.JoinJSON(without{n.node, "topics"}, struct {
		Configured int                `json:"lookupds_configured"`
		Memory     *sources.NSQMemory `json:"memory"`
	}{n.configured, n.memory})
}

func nsqNodeSummary(d Data, addr string) ([]Field, error) {
	s, n, err := FindNSQNode(d, addr)
	if err != nil {
		return nil, err
	}
	state, st := nodeState(*n, s), nodeStatus(*n, nil)
	if n.Err != "" && !n.Up {
		state += ": " + n.Err
	}
	if n.Health != "" && state != n.Health {
		state += " · health " + n.Health
	}
	started := "?"
	if !n.StartTime.IsZero() {
		started = n.StartTime.Format("2006-01-02 15:04:05") + " (" + Ago(s.Taken.Sub(n.StartTime)) + " ago)"
	}
	fs := []Field{
		{Label: "address", Value: fmt.Sprintf("%s · hostname %s · broadcast %s · tcp %s", n.Addr, orUnknown(n.Hostname), orUnknown(n.BroadcastAddress), orUnknown(portText(n.TCPPort)))},
		{Label: "version", Value: orUnknown(n.Version) + " · started " + started},
		{Label: "state", Value: state, Status: st},
		lookupdsField(s, n),
		{Label: "topics", Value: nodeTotals(n)},
	}
	if nd, err := detail[sources.NSQNodeDetail](d); err == nil {
		if m := nd.Memory; m != nil {
			fs = append(fs,
				Field{Label: "memory", Value: fmt.Sprintf("heap in use %s · idle %s · released %s · %d objects · next GC at %s",
					sizeText(m.HeapInUseBytes), sizeText(m.HeapIdleBytes), sizeText(m.HeapReleasedBytes), m.HeapObjects, sizeText(m.NextGCBytes))},
				Field{Label: "GC", Value: fmt.Sprintf("%d runs · pauses p95 %s · p99 %s · max %s", m.GCTotalRuns, latency(m.GCPause95), latency(m.GCPause99), latency(m.GCPause100))})
		} else {
			fs = append(fs, Field{Label: "memory", Value: "not reported by this nsqd", Status: Muted})
		}
	}
	return fs, nil
}

// lookupdsField says which lookupds know a node, and which do not.
func lookupdsField(s *sources.NSQSnapshot, n *sources.NSQNode) Field {
	if len(s.Lookupds) == 0 {
		return Field{Label: "lookupds", Value: "none configured: polled directly"}
	}
	var not []string
	for _, l := range s.Lookupds {
		if !slices.Contains(n.Lookupds, l.Addr) {
			not = append(not, l.Addr+yes(!l.Up, " (down)"))
		}
	}
	v := "known to " + knownBy(len(n.Lookupds), len(s.Lookupds)) + yes(len(n.Lookupds) > 0, ": "+strings.Join(n.Lookupds, ", "))
	if len(not) > 0 {
		v += " · not to " + strings.Join(not, ", ")
	}
	st := Normal
	switch {
	case len(n.Lookupds) == 0 && !n.Gone:
		st = Bad // consumers that find nodes through lookupd never read it
	case len(not) > 0:
		st = Warn
	}
	return Field{Label: "lookupds", Value: v, Status: st}
}

// nodeTotals sums a node's topics and channels.
func nodeTotals(n *sources.NSQNode) string {
	var chans, clients int
	var depth int64
	var msgs uint64
	for _, t := range n.Topics {
		depth += t.Depth
		msgs += t.Messages
		for _, c := range t.Channels {
			chans++
			clients += c.Clients
			depth += c.Depth
		}
	}
	return fmt.Sprintf("%d · %d channels · %d messages published · %d queued in topics and channels · %d clients",
		len(n.Topics), chans, msgs, depth, clients)
}

// nodeTopicRow is a topic on the node on view.
type nodeTopicRow struct {
	sources.NSQTopicStats
	Tombstoned bool
}

func (r nodeTopicRow) MarshalJSON() ([]byte, error) {
	return sources.JoinJSON(without{r.NSQTopicStats, "channels"}, struct {
		Channels   int  `json:"channel_count"`
		Tombstoned bool `json:"tombstoned"`
	}{len(r.Channels), r.Tombstoned})
}

func nsqNodeTopics() *View {
	cols := []col[nodeTopicRow]{
		{Column: Column{Title: "TOPIC", Sort: 'T', Min: 10, Flex: true}, text: func(t nodeTopicRow) string { return t.Name }},
		{Column: Column{Title: "DEPTH", Sort: 'D', Min: 5, Right: true}, text: func(t nodeTopicRow) string { return num(t.Depth) }, num: func(t nodeTopicRow) float64 { return float64(t.Depth) }},
		{Column: Column{Title: "MEM + DISK", Sort: 'K', Min: 10, Right: true}, text: func(t nodeTopicRow) string { return memDisk(t.Depth, t.BackendDepth) }, num: func(t nodeTopicRow) float64 { return float64(t.BackendDepth) }},
		{Column: Column{Title: "MSGS", Sort: 'M', Min: 4, Right: true}, text: func(t nodeTopicRow) string { return num(t.Messages) }, num: func(t nodeTopicRow) float64 { return float64(t.Messages) }},
		{Column: Column{Title: "IN/s", Sort: 'R', Min: 6, Right: true}, text: func(t nodeTopicRow) string { return rate(t.In) }, num: func(t nodeTopicRow) float64 { return t.In }},
		{Column: Column{Title: "CHANS", Sort: 'C', Min: 5, Right: true}, text: func(t nodeTopicRow) string { return num(len(t.Channels)) }, num: func(t nodeTopicRow) float64 { return float64(len(t.Channels)) }},
		{Column: Column{Title: "PAUSED", Sort: 'U', Min: 6}, text: func(t nodeTopicRow) string { return yes(t.Paused, "paused") }},
		{Column: Column{Title: "TOMBSTONED", Sort: 'B', Min: 10}, text: func(t nodeTopicRow) string { return yes(t.Tombstoned, "tombstoned") }},
		{Column: Column{Title: "E2E", Sort: 'E', Min: 3, Max: 40}, text: func(t nodeTopicRow) string { return E2E(t.E2E) }},
	}
	return define(View{Name: "topics", Title: "Topics", System: sources.NSQ, Detail: "topic",
		Messages: func(key, _ string) (string, []int32) { return key, nil }}, cols,
		func(d Data, addr string) ([]nodeTopicRow, error) {
			_, n, err := FindNSQNode(d, addr)
			if err != nil {
				return nil, err
			}
			out := make([]nodeTopicRow, len(n.Topics))
			for i, t := range n.Topics {
				out[i] = nodeTopicRow{NSQTopicStats: t, Tombstoned: slices.Contains(n.Tombstoned, t.Name)}
			}
			return out, nil
		},
		func(t nodeTopicRow) string { return t.Name },
		func(t nodeTopicRow, _ findings) Status {
			if t.Paused || t.Tombstoned {
				return Muted
			}
			return Normal
		})
}

// nodeChannelRow is a channel on the node on view.
type nodeChannelRow struct {
	Topic string
	sources.NSQChannelStats
}

func (r nodeChannelRow) MarshalJSON() ([]byte, error) {
	return sources.JoinJSON(r.NSQChannelStats, struct {
		Topic string `json:"topic"`
	}{r.Topic})
}

func nsqNodeChannels() *View {
	cols := []col[nodeChannelRow]{
		{Column: Column{Title: "TOPIC", Sort: 'T', Min: 8, Max: 30}, text: func(c nodeChannelRow) string { return c.Topic }},
		{Column: Column{Title: "CHANNEL", Sort: 'C', Min: 10, Flex: true}, text: func(c nodeChannelRow) string {
			return c.Name + yes(sources.IsTailChannel(c.Name), " (a topicat tail)")
		}},
		{Column: Column{Title: "DEPTH", Sort: 'D', Min: 5, Right: true}, text: func(c nodeChannelRow) string { return num(c.Depth) }, num: func(c nodeChannelRow) float64 { return float64(c.Depth) }},
		{Column: Column{Title: "MEM + DISK", Sort: 'K', Min: 10, Right: true}, text: func(c nodeChannelRow) string { return memDisk(c.Depth, c.BackendDepth) }, num: func(c nodeChannelRow) float64 { return float64(c.BackendDepth) }},
		{Column: Column{Title: "INFLT", Sort: 'I', Min: 5, Right: true}, text: func(c nodeChannelRow) string { return num(c.InFlight) }, num: func(c nodeChannelRow) float64 { return float64(c.InFlight) }},
		{Column: Column{Title: "DEFER", Sort: 'F', Min: 5, Right: true}, text: func(c nodeChannelRow) string { return num(c.Deferred) }, num: func(c nodeChannelRow) float64 { return float64(c.Deferred) }},
		{Column: Column{Title: "REQ", Sort: 'Q', Min: 3, Right: true}, text: func(c nodeChannelRow) string { return num(c.Requeued) }, num: func(c nodeChannelRow) float64 { return float64(c.Requeued) }},
		{Column: Column{Title: "TIMEOUT", Sort: 'O', Min: 7, Right: true}, text: func(c nodeChannelRow) string { return num(c.TimedOut) }, num: func(c nodeChannelRow) float64 { return float64(c.TimedOut) }},
		{Column: Column{Title: "MSGS", Sort: 'M', Min: 4, Right: true}, text: func(c nodeChannelRow) string { return num(c.Messages) }, num: func(c nodeChannelRow) float64 { return float64(c.Messages) }},
		{Column: Column{Title: "IN/s", Sort: 'B', Min: 6, Right: true}, text: func(c nodeChannelRow) string { return rate(c.In) }, num: func(c nodeChannelRow) float64 { return c.In }},
		{Column: Column{Title: "OUT/s", Sort: 'A', Min: 6, Right: true}, text: func(c nodeChannelRow) string { return rate(c.Out) }, num: func(c nodeChannelRow) float64 { return c.Out }},
		{Column: Column{Title: "CLIENTS", Sort: 'L', Min: 7, Right: true}, text: func(c nodeChannelRow) string { return num(c.Clients) }, num: func(c nodeChannelRow) float64 { return float64(c.Clients) }},
		{Column: Column{Title: "PAUSED", Sort: 'U', Min: 6}, text: func(c nodeChannelRow) string { return yes(c.Paused, "paused") }},
	}
	return define(View{Name: "channels", Title: "Channels", System: sources.NSQ, Detail: "channel",
		Messages: func(key, _ string) (string, []int32) { topic, _, _ := strings.Cut(key, "/"); return topic, nil }}, cols,
		func(d Data, addr string) ([]nodeChannelRow, error) {
			_, n, err := FindNSQNode(d, addr)
			if err != nil {
				return nil, err
			}
			var out []nodeChannelRow
			for _, t := range n.Topics {
				for _, c := range t.Channels {
					out = append(out, nodeChannelRow{Topic: t.Name, NSQChannelStats: c})
				}
			}
			return out, nil
		},
		func(c nodeChannelRow) string { return c.Topic + "/" + c.Name },
		func(c nodeChannelRow, _ findings) Status {
			switch {
			case c.Paused:
				return Muted
			case c.Depth > 0 && c.Clients == 0:
				return Warn
			}
			return Normal
		})
}

// published writes what a producer published, per topic.
func published(pcs []sources.NSQPubCount) string {
	parts := make([]string, len(pcs))
	for i, p := range pcs {
		parts[i] = fmt.Sprintf("%s %d", p.Topic, p.Count)
	}
	return strings.Join(parts, ", ")
}

func nsqNodeProducers() *View {
	cols := []col[clientRow]{
		{Column: Column{Title: "HOSTNAME", Sort: 'H', Min: 8, Max: 30}, text: func(c clientRow) string { return c.Hostname }},
		{Column: Column{Title: "REMOTE ADDRESS", Sort: 'A', Min: 14, Max: 40}, text: func(c clientRow) string { return c.RemoteAddress }},
		{Column: Column{Title: "PUBLISHED", Sort: 'B', Min: 9, Flex: true}, text: func(c clientRow) string { return published(c.PubCounts) }},
		{Column: Column{Title: "CONNECTED", Sort: 'C', Min: 9, Right: true}, text: clientRow.connected, num: func(c clientRow) float64 { return float64(c.For) }},
		{Column: Column{Title: "USER AGENT", Sort: 'U', Min: 10, Max: 30}, text: func(c clientRow) string { return c.UserAgent }},
		{Column: Column{Title: "CLIENT ID", Sort: 'D', Min: 9, Max: 30}, text: func(c clientRow) string { return c.ClientID }},
		{Column: Column{Title: "TLS", Sort: 'T', Min: 3, Max: 40}, text: clientRow.tls},
		{Column: Column{Title: "COMPRESSION", Sort: 'O', Min: 11}, text: clientRow.compression},
		{Column: Column{Title: "AUTH", Sort: 'E', Min: 4, Max: 30}, text: func(c clientRow) string { return c.AuthIdentity }},
	}
	return define(View{Name: "producers", Title: "Producers", System: sources.NSQ}, cols,
		func(d Data, _ string) ([]clientRow, error) {
			nd, err := detail[sources.NSQNodeDetail](d)
			if err != nil {
				return nil, err
			}
			return clientRows(d, nd.Producers), nil
		},
		func(c clientRow) string { return c.RemoteAddress },
		nil)
}
