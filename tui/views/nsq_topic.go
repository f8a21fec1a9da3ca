package views

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/topicat/topicat/sources"
)

// The NSQ topic page, nsqadmin's topic view: a row per nsqd with a total,
// the topic's channels, end-to-end latency where nsqd measures it.

func nsqTopicPage() *View {
	return page(View{Name: "topic", Title: "Topic", System: sources.NSQ, Arg: "TOPIC",
		Help:     "one NSQ topic: a row per nsqd (depth, memory + disk, messages, IN/s, channels, paused, tombstoned) with a total, its channels, E2E latency",
		Messages: func(_, topic string) (string, []int32) { return topic, nil }},
		nsqTopicSummary, func(d Data, name string) any {
			if _, t, _ := FindNSQTopic(d, name); t != nil {
				return without{t, "channels"} // the section of that name has them
			}
			return nil
		}, nsqTopicNodes(), nsqTopicChannels())
}

func nsqTopicSummary(d Data, name string) ([]Field, error) {
	_, t, err := FindNSQTopic(d, name)
	if err != nil {
		return nil, err
	}
	partial := yes(t.Partial, " at least")
	fs := []Field{
		{Label: "depth", Value: num(t.Depth) + partial + yes(t.Climbing, " "+climbMark+" climbing") + " (memory + disk " + memDisk(t.Depth, t.BackendDepth) + ")" + trend(Spark(t.Depths)),
			Status: worse(t.Climbing || t.Partial, Warn, false, Normal)},
		{Label: "messages", Value: num(t.Messages) + partial + yes(t.MessageBytes > 0, " ("+sizeText(t.MessageBytes)+")") + " · IN " + rate(t.In) + trend(Spark(t.Ins))},
		{Label: "channels", Value: fmt.Sprintf("%d · in flight %d · deferred %d", len(t.Channels), t.InFlight, t.Deferred)},
		{Label: "carried by", Value: nodesLine(t.Nodes, t.Paused, t.PausedOn, t.Tombstoned), Status: worse(len(t.PausedOn) > 0, Muted, false, Normal)},
	}
	if e := E2E(t.E2E); e != "" {
		fs = append(fs, Field{Label: "e2e", Value: e + " (nodes' figures weighted by count, as nsqadmin merges them)"})
	}
	if t.Partial {
		fs = append(fs, Field{Label: "partial", Value: "a node that carries it did not answer: the totals miss its share (the rows below show its last figures)", Status: Warn})
	}
	return fs, nil
}

// nodesLine says how many nodes carry a topic or channel and where it is
// paused or tombstoned.
func nodesLine(nodes []string, paused bool, pausedOn, tombstoned []string) string {
	line := fmt.Sprintf("%d nodes", len(nodes))
	if len(nodes) == 1 {
		line = "1 node"
	}
	if p := PausedOn(paused, pausedOn, nodes); p != "" {
		line += " · " + p + " (" + strings.Join(pausedOn, ", ") + ")"
	}
	if len(tombstoned) > 0 {
		line += " · tombstoned on " + strings.Join(tombstoned, ", ")
	}
	return line
}

// topicNode is one nsqd's share of a topic: its stats when it carries it,
// and a node that a lookupd lists the topic tombstoned on.
type topicNode struct {
	Node, Hostname string
	Up, Gone       bool
	Tombstoned     bool
	Stats          *sources.NSQTopicStats // nil: the node does not carry it
	channels       int
	state, paused  string
}

// MarshalJSON writes the node's stats of the topic (its channels are the
// channel page's) with where they come from.
func (n topicNode) MarshalJSON() ([]byte, error) {
	head := struct {
		Node       string `json:"node"`
		Hostname   string `json:"hostname"`
		Up         bool   `json:"up"`
		Gone       bool   `json:"gone"`
		Tombstoned bool   `json:"tombstoned"`
		Carries    bool   `json:"carries"`
	}{n.Node, n.Hostname, n.Up, n.Gone, n.Tombstoned, n.Stats != nil}
	if n.Stats == nil {
		return json.Marshal(head)
	}
	b, err := sources.JoinJSON(head, without{n.Stats, "channels"})
	if err != nil {
		return nil, err
	}
	return sources.JoinJSON(json.RawMessage(b), struct {
		Channels int `json:"channel_count"`
	}{n.channels})
}

// stat shows one figure of a node's stats, "–" where it has none.
func stat(f func(*sources.NSQTopicStats) string) func(topicNode) string {
	return func(n topicNode) string {
		if n.Stats == nil {
			return "–"
		}
		return f(n.Stats)
	}
}

// statNum sorts by one figure of a node's stats, first where it has none.
func statNum(f func(*sources.NSQTopicStats) float64) func(topicNode) float64 {
	return func(n topicNode) float64 {
		if n.Stats == nil {
			return -1
		}
		return f(n.Stats)
	}
}

func nsqTopicNodes() *View {
	cols := []col[topicNode]{
		{Column: Column{Title: "NODE", Sort: 'N', Min: 15, Flex: true, Key: true}, text: func(n topicNode) string { return n.Node }},
		{Column: Column{Title: "HOSTNAME", Sort: 'H', Min: 8, Max: 24}, text: func(n topicNode) string { return n.Hostname }},
		{Column: Column{Title: "STATE", Sort: 'S', Min: 5, Max: 20}, text: func(n topicNode) string { return n.state }},
		{Column: Column{Title: "DEPTH", Sort: 'D', Min: 5, Right: true}, text: stat(func(t *sources.NSQTopicStats) string { return num(t.Depth) }),
			num: statNum(func(t *sources.NSQTopicStats) float64 { return float64(t.Depth) })},
		{Column: Column{Title: "MEM + DISK", Sort: 'K', Min: 10, Right: true}, text: stat(func(t *sources.NSQTopicStats) string { return memDisk(t.Depth, t.BackendDepth) }),
			num: statNum(func(t *sources.NSQTopicStats) float64 { return float64(t.BackendDepth) })},
		{Column: Column{Title: "MSGS", Sort: 'M', Min: 4, Right: true}, text: stat(func(t *sources.NSQTopicStats) string { return num(t.Messages) }),
			num: statNum(func(t *sources.NSQTopicStats) float64 { return float64(t.Messages) })},
		{Column: Column{Title: "IN/s", Sort: 'R', Min: 6, Right: true}, text: stat(func(t *sources.NSQTopicStats) string { return rate(t.In) }),
			num: statNum(func(t *sources.NSQTopicStats) float64 { return t.In })},
		{Column: Column{Title: "CHANS", Sort: 'C', Min: 5, Right: true}, text: func(n topicNode) string { return yes(n.Stats == nil, "–") + yes(n.Stats != nil, num(n.channels)) },
			num: func(n topicNode) float64 { return float64(n.channels) }},
		{Column: Column{Title: "PAUSED", Sort: 'U', Min: 6, Max: 20}, text: func(n topicNode) string { return n.paused }},
		{Column: Column{Title: "TOMBSTONED", Sort: 'B', Min: 10}, text: func(n topicNode) string { return yes(n.Tombstoned, "tombstoned") }},
		{Column: Column{Title: "E2E", Sort: 'E', Min: 3, Max: 40}, text: stat(func(t *sources.NSQTopicStats) string { return E2E(t.E2E) })},
	}
	v := define(View{Name: "nodes", Title: "Nodes", System: sources.NSQ,
		Messages: func(_, topic string) (string, []int32) { return topic, nil }}, cols,
		func(d Data, name string) ([]topicNode, error) {
			s, t, err := FindNSQTopic(d, name)
			if err != nil {
				return nil, err
			}
			var out []topicNode
			for i := range s.Nodes {
				n := &s.Nodes[i]
				st := nodeTopic(n, name)
				tomb := slices.Contains(t.Tombstoned, n.Addr)
				if st == nil && !tomb {
					continue
				}
				tn := topicNode{Node: n.Addr, Hostname: n.Hostname, Up: n.Up, Gone: n.Gone, Tombstoned: tomb, Stats: st, state: nodeState(*n, s)}
				if st != nil {
					tn.channels, tn.paused = len(st.Channels), yes(st.Paused, "paused")
				}
				out = append(out, tn)
			}
			return out, nil
		},
		func(n topicNode) string { return n.Node },
		func(n topicNode, _ findings) Status {
			switch {
			case n.Gone, n.Tombstoned || n.paused != "":
				return Muted
			case !n.Up:
				return Bad
			}
			return Normal
		},
		noted(func(n topicNode) string {
			switch {
			case !n.Up && !n.Gone:
				return n.Node + " did not answer: its figures are those of its last answer and the total misses them"
			case n.Tombstoned && n.Stats == nil:
				return n.Node + ": tombstoned in the lookupds and deleted from the node"
			case n.Tombstoned:
				return n.Node + ": tombstoned in the lookupds: consumers that find it through them no longer read it here"
			}
			return ""
		}))
	return totalled(v, cols, func(d Data, name string) (topicNode, bool) {
		_, t, err := FindNSQTopic(d, name)
		if err != nil {
			return topicNode{}, false
		}
		return topicNode{Node: "total" + yes(t.Partial, " (partial)"), Up: true, channels: len(t.Channels), paused: PausedOn(t.Paused, t.PausedOn, t.Nodes),
			state: fmt.Sprintf("%d nodes", len(t.Nodes)),
			Stats: &sources.NSQTopicStats{Depth: t.Depth, BackendDepth: t.BackendDepth, Messages: t.Messages, In: t.In, E2E: t.E2E}}, true
	})
}

func nsqTopicChannels() *View {
	cols := []col[sources.NSQChannel]{
		{Column: Column{Title: "CHANNEL", Sort: 'C', Min: 10, Flex: true}, text: func(c sources.NSQChannel) string {
			return c.Name + yes(sources.IsTailChannel(c.Name), " (a topicat tail)") + yes(c.Partial, " (partial)")
		}},
		{Column: Column{Title: "DEPTH", Sort: 'D', Min: 5, Right: true}, text: func(c sources.NSQChannel) string { return depthText(c.Depth, c.Climbing) }, num: func(c sources.NSQChannel) float64 { return float64(c.Depth) }},
		{Column: Column{Title: "MEM + DISK", Sort: 'K', Min: 10, Right: true}, text: func(c sources.NSQChannel) string { return memDisk(c.Depth, c.BackendDepth) }, num: func(c sources.NSQChannel) float64 { return float64(c.BackendDepth) }},
		{Column: Column{Title: "INFLT", Sort: 'N', Min: 5, Right: true}, text: func(c sources.NSQChannel) string { return num(c.InFlight) }, num: func(c sources.NSQChannel) float64 { return float64(c.InFlight) }},
		{Column: Column{Title: "DEFER", Sort: 'F', Min: 5, Right: true}, text: func(c sources.NSQChannel) string { return num(c.Deferred) }, num: func(c sources.NSQChannel) float64 { return float64(c.Deferred) }},
		{Column: Column{Title: "REQ", Sort: 'Q', Min: 3, Right: true}, text: func(c sources.NSQChannel) string { return num(c.Requeued) }, num: func(c sources.NSQChannel) float64 { return float64(c.Requeued) }},
		{Column: Column{Title: "TIMEOUT", Sort: 'O', Min: 7, Right: true}, text: func(c sources.NSQChannel) string { return num(c.TimedOut) }, num: func(c sources.NSQChannel) float64 { return float64(c.TimedOut) }},
		{Column: Column{Title: "MSGS", Sort: 'M', Min: 4, Right: true}, text: func(c sources.NSQChannel) string { return num(c.Messages) }, num: func(c sources.NSQChannel) float64 { return float64(c.Messages) }},
		{Column: Column{Title: "OUT/s", Sort: 'A', Min: 6, Right: true}, text: func(c sources.NSQChannel) string { return rate(c.Out) }, num: func(c sources.NSQChannel) float64 { return c.Out }},
		{Column: Column{Title: "DRAIN", Sort: 'H', Min: 5, Right: true}, text: func(c sources.NSQChannel) string { return Drain(c.Drain, c.Depth) }, num: func(c sources.NSQChannel) float64 { return catchUpRank(c.Drain) }},
		{Column: Column{Title: "CLIENTS", Sort: 'L', Min: 7, Right: true}, text: func(c sources.NSQChannel) string { return num(c.Clients) }, num: func(c sources.NSQChannel) float64 { return float64(c.Clients) }},
		{Column: Column{Title: "PAUSED", Sort: 'U', Min: 6, Max: 20}, text: func(c sources.NSQChannel) string { return PausedOn(c.Paused, c.PausedOn, c.Nodes) }},
		{Column: Column{Title: "E2E", Sort: 'E', Min: 3, Max: 40}, text: func(c sources.NSQChannel) string { return E2E(c.E2E) }},
	}
	return define(View{Name: "channels", Title: "Channels", System: sources.NSQ, Detail: "channel",
		Messages: func(_, topic string) (string, []int32) { return topic, nil }}, cols,
		func(d Data, name string) ([]sources.NSQChannel, error) {
			_, t, err := FindNSQTopic(d, name)
			if err != nil {
				return nil, err
			}
			return t.Channels, nil
		},
		func(c sources.NSQChannel) string { return c.Topic + "/" + c.Name },
		func(c sources.NSQChannel, f findings) Status {
			return pausedStatus(f, "channel "+c.Topic+"/"+c.Name, c.Partial, c.Paused)
		},
		noted(func(c sources.NSQChannel) string {
			return pausedNote(c.Topic+"/"+c.Name, c.Partial, c.Paused, c.PausedOn, c.Nodes)
		}))
}
