package views

import (
	"fmt"
	"slices"
	"strings"

	"github.com/topicat/topicat/sources"
)

func nsqSnap(d Data) (*sources.NSQSnapshot, error) {
	if d.NSQ == nil {
		return nil, ErrNotConfigured{sources.NSQ}
	}
	return d.NSQ, nil
}

// nodeRow adds what a node row needs from the snapshot around it.
type nodeRow struct {
	sources.NSQNode
	// LookupdsUp are the lookupds that answered the poll; Configured all of
	// them: a node known to 1 of 2 reads 1/2 whether the other is down or
	// has lost it.
	LookupdsUp, Configured int
	DownFor                string
	state                  string // the STATE cell
}

// MarshalJSON is the node's, with the row's own fields.
func (r nodeRow) MarshalJSON() ([]byte, error) {
	return sources.JoinJSON(r.NSQNode, struct {
		LookupdsUp int    `json:"lookupds_up"`
		Configured int    `json:"lookupds_configured"`
		DownFor    string `json:"down_for,omitempty"`
	}{r.LookupdsUp, r.Configured, r.DownFor})
}

// NSQNodesUp counts the nodes that answered the last poll among those not
// gone (decommissioned nodes are no outage).
func NSQNodesUp(s *sources.NSQSnapshot) (up, of int) {
	for _, n := range s.Nodes {
		if n.Gone {
			continue
		}
		of++
		if n.Up {
			up++
		}
	}
	return up, of
}

// NSQIn is the cluster's messages per second published, all topics
// together (nsqadmin's counter page); false before any rate is known.
func NSQIn(s *sources.NSQSnapshot) (float64, bool) {
	sum, known := 0.0, false
	for _, t := range s.Topics {
		if t.In >= 0 {
			sum, known = sum+t.In, true
		}
	}
	return sum, known
}

// nodeState is a node's STATE cell: up, DOWN for…, gone for…, or nsqd's
// own word on its health.
func nodeState(n sources.NSQNode, s *sources.NSQSnapshot) string {
	switch {
	case n.Gone && !n.GoneSince.IsZero():
		return "gone for " + Ago(s.Taken.Sub(n.GoneSince))
	case n.Gone:
		return "gone"
	case !n.Up && !n.DownSince.IsZero():
		return "DOWN for " + Ago(s.Taken.Sub(n.DownSince))
	case !n.Up:
		return "DOWN"
	case n.Health != "" && n.Health != "OK":
		return n.Health
	}
	return "up"
}

func nodeStatus(n sources.NSQNode, f findings) Status {
	if st, ok := f.status(sources.NSQ, "nsqd "+n.Addr); ok && st != Normal {
		return st
	}
	switch {
	case n.Gone: // decommissioned: info, not an outage
		return Muted
	case !n.Up:
		return Bad
	case n.Health != "" && n.Health != "OK":
		return Warn
	}
	return Normal
}

// knownBy writes the lookupds that know a node of those configured: 1/2.
func knownBy(known, configured int) string {
	if configured == 0 {
		return "–"
	}
	return fmt.Sprintf("%d/%d", known, configured)
}

func nsqNodes() *View {
	cols := []col[nodeRow]{
		{Column: Column{Title: "HOSTNAME", Sort: 'H', Min: 8, Max: 30}, text: func(n nodeRow) string { return n.Hostname }},
		{Column: Column{Title: "HTTP ADDRESS", Sort: 'T', Min: 12, Flex: true, Key: true}, text: func(n nodeRow) string { return n.Addr }},
		{Column: Column{Title: "TCP", Sort: 'C', Min: 5, Right: true}, text: func(n nodeRow) string { return portText(n.TCPPort) }, num: func(n nodeRow) float64 { return float64(n.TCPPort) }},
		{Column: Column{Title: "VERSION", Sort: 'V', Min: 7}, text: func(n nodeRow) string { return n.Version }},
		{Column: Column{Title: "LOOKUPDS", Sort: 'L', Min: 8, Right: true}, text: func(n nodeRow) string { return knownBy(len(n.Lookupds), n.Configured) }, num: func(n nodeRow) float64 { return float64(len(n.Lookupds)) }},
		{Column: Column{Title: "STATE", Sort: 'S', Min: 5, Max: 40}, text: func(n nodeRow) string { return n.state }},
		{Column: Column{Title: "TOPICS", Sort: 'O', Min: 6, Right: true}, text: func(n nodeRow) string { return num(len(n.Topics)) }, num: func(n nodeRow) float64 { return float64(len(n.Topics)) }},
		{Column: Column{Title: "TOMBSTONED", Sort: 'M', Min: 10, Max: 30}, text: func(n nodeRow) string { return strings.Join(n.Tombstoned, ",") }},
		{Column: Column{Title: "LAST ERROR", Sort: 'A', Min: 10, Max: 60}, text: func(n nodeRow) string { return n.Err }},
	}
	return define(View{Name: "nodes", Title: "Nodes", System: sources.NSQ, Detail: "node",
		Help: "nsqd nodes: address, version, how many lookupds know each, state and health"}, cols,
		func(d Data, _ string) ([]nodeRow, error) {
			s, err := nsqSnap(d)
			if err != nil {
				return nil, err
			}
			up := 0
			for _, l := range s.Lookupds {
				if l.Up {
					up++
				}
			}
			rows := make([]nodeRow, len(s.Nodes))
			for i, n := range s.Nodes {
				rows[i] = nodeRow{NSQNode: n, LookupdsUp: up, Configured: len(s.Lookupds), state: nodeState(n, s)}
				if !n.Up && !n.Gone && !n.DownSince.IsZero() {
					rows[i].DownFor = "for " + Ago(s.Taken.Sub(n.DownSince))
				}
			}
			return rows, nil
		},
		func(n nodeRow) string { return n.Addr },
		func(n nodeRow, f findings) Status { return nodeStatus(n.NSQNode, f) },
		noted(func(n nodeRow) string {
			switch {
			case n.Gone:
				return n.Addr + ": left every lookupd that knew it and stopped answering: decommissioned, not down; it is dropped from the list soon"
			case !n.Up:
				return n.Addr + ": " + n.Err + " (its figures are those of its last answer)"
			case n.Configured > 0 && len(n.Lookupds) < n.Configured:
				return fmt.Sprintf("%s: known to %d of %d lookupds: consumers that find nodes through the others do not read it", n.Addr, len(n.Lookupds), n.Configured)
			}
			return ""
		}))
}

func nsqTopics() *View {
	cols := []col[sources.NSQTopic]{
		{Column: Column{Title: "TOPIC", Sort: 'T', Min: 10, Flex: true, Key: true}, text: func(t sources.NSQTopic) string { return t.Name + yes(t.Partial, " (partial)") }},
		{Column: Column{Title: "DEPTH", Sort: 'D', Min: 5, Right: true}, text: func(t sources.NSQTopic) string { return depthText(t.Depth, t.Climbing) + yes(t.Partial, "?") }, num: func(t sources.NSQTopic) float64 { return float64(t.Depth) }},
		{Column: Column{Title: "DEPTH TREND", Min: 5, Max: 12}, text: func(t sources.NSQTopic) string { return Spark(t.Depths) }},
		{Column: Column{Title: "IN/s", Sort: 'R', Min: 6, Right: true}, text: func(t sources.NSQTopic) string { return rate(t.In) + yes(t.Partial && t.In >= 0, "?") }, num: func(t sources.NSQTopic) float64 { return t.In }},
		{Column: Column{Title: "IN TREND", Min: 5, Max: 12}, text: func(t sources.NSQTopic) string { return Spark(t.Ins) }},
		{Column: Column{Title: "MSGS", Sort: 'M', Min: 4, Right: true}, text: func(t sources.NSQTopic) string { return num(t.Messages) + yes(t.Partial, "?") }, num: func(t sources.NSQTopic) float64 { return float64(t.Messages) }},
		{Column: Column{Title: "CHANS", Sort: 'C', Min: 5, Right: true}, text: func(t sources.NSQTopic) string { return num(len(t.Channels)) }, num: func(t sources.NSQTopic) float64 { return float64(len(t.Channels)) }},
		{Column: Column{Title: "NODES", Sort: 'O', Min: 5, Right: true}, text: func(t sources.NSQTopic) string { return num(len(t.Nodes)) }, num: func(t sources.NSQTopic) float64 { return float64(len(t.Nodes)) }},
		{Column: Column{Title: "PAUSED", Sort: 'U', Min: 6, Max: 20}, text: func(t sources.NSQTopic) string { return PausedOn(t.Paused, t.PausedOn, t.Nodes) }, num: func(t sources.NSQTopic) float64 { return float64(len(t.PausedOn)) }},
		// In flight and deferred are the channels' figures: the Channels pane
		// has them, and leaving them out keeps a topic's name whole at 100 columns.
		{Column: Column{Title: "DISK", Sort: 'I', Min: 4, Right: true}, text: func(t sources.NSQTopic) string { return num(t.BackendDepth) }, num: func(t sources.NSQTopic) float64 { return float64(t.BackendDepth) }},
	}
	return define(View{Name: "topics", Title: "Topics", System: sources.NSQ, Detail: "topic",
		Help:     "NSQ topics totalled across nodes: depth and its trend, messages in per second and its trend, channels, nodes, where paused",
		Messages: func(key, _ string) (string, []int32) { return key, nil }}, cols,
		func(d Data, _ string) ([]sources.NSQTopic, error) {
			s, err := nsqSnap(d)
			if err != nil {
				return nil, err
			}
			return s.Topics, nil
		},
		func(t sources.NSQTopic) string { return t.Name },
		func(t sources.NSQTopic, f findings) Status {
			return pausedStatus(f, "topic "+t.Name, t.Partial, t.Paused)
		},
		noted(func(t sources.NSQTopic) string { return pausedNote(t.Name, t.Partial, t.Paused, t.PausedOn, t.Nodes) }))
}

func nsqChannels() *View {
	// The Mins keep what tells a channel's story whole (a trend's ten polls,
	// "paused on 1 of 3"): on a narrow screen the counters on the right
	// are left out rather than every column cut.
	cols := []col[sources.NSQChannel]{
		{Column: Column{Title: "TOPIC", Sort: 'T', Min: 10, Max: 30, Key: true}, text: func(c sources.NSQChannel) string { return c.Topic }},
		{Column: Column{Title: "CHANNEL", Sort: 'C', Min: 10, Flex: true, Key: true}, text: func(c sources.NSQChannel) string {
			return c.Name + yes(sources.IsTailChannel(c.Name), " (a topicat tail)") + yes(c.Partial, " (partial)")
		}},
		{Column: Column{Title: "DEPTH", Sort: 'D', Min: 5, Right: true}, text: func(c sources.NSQChannel) string { return depthText(c.Depth, c.Climbing) + yes(c.Partial, "?") }, num: func(c sources.NSQChannel) float64 { return float64(c.Depth) }},
		{Column: Column{Title: "DEPTH TREND", Min: 11, Max: 12}, text: func(c sources.NSQChannel) string { return Spark(c.Depths) }},
		{Column: Column{Title: "IN/s", Sort: 'B', Min: 6, Right: true}, text: func(c sources.NSQChannel) string { return rate(c.In) }, num: func(c sources.NSQChannel) float64 { return c.In }},
		{Column: Column{Title: "OUT/s", Sort: 'A', Min: 6, Right: true}, text: func(c sources.NSQChannel) string { return rate(c.Out) }, num: func(c sources.NSQChannel) float64 { return c.Out }},
		{Column: Column{Title: "OUT TREND", Min: 10, Max: 12}, text: func(c sources.NSQChannel) string { return Spark(c.Outs) }},
		{Column: Column{Title: "DRAIN", Sort: 'H', Min: 5, Right: true}, text: func(c sources.NSQChannel) string { return Drain(c.Drain, c.Depth) }, num: func(c sources.NSQChannel) float64 { return catchUpRank(c.Drain) }},
		{Column: Column{Title: "CLIENTS", Sort: 'L', Min: 7, Right: true}, text: func(c sources.NSQChannel) string { return num(c.Clients) }, num: func(c sources.NSQChannel) float64 { return float64(c.Clients) }},
		{Column: Column{Title: "PAUSED", Sort: 'U', Min: 16, Max: 20}, text: func(c sources.NSQChannel) string { return PausedOn(c.Paused, c.PausedOn, c.Nodes) }, num: func(c sources.NSQChannel) float64 { return float64(len(c.PausedOn)) }},
		{Column: Column{Title: "INFLT", Sort: 'N', Min: 5, Right: true}, text: func(c sources.NSQChannel) string { return num(c.InFlight) }, num: func(c sources.NSQChannel) float64 { return float64(c.InFlight) }},
		{Column: Column{Title: "DEFER", Sort: 'E', Min: 5, Right: true}, text: func(c sources.NSQChannel) string { return num(c.Deferred) }, num: func(c sources.NSQChannel) float64 { return float64(c.Deferred) }},
		{Column: Column{Title: "REQ", Sort: 'R', Min: 3, Right: true}, text: func(c sources.NSQChannel) string { return num(c.Requeued) }, num: func(c sources.NSQChannel) float64 { return float64(c.Requeued) }},
		{Column: Column{Title: "TIMEOUT", Sort: 'M', Min: 7, Right: true}, text: func(c sources.NSQChannel) string { return num(c.TimedOut) }, num: func(c sources.NSQChannel) float64 { return float64(c.TimedOut) }},
		{Column: Column{Title: "MSGS", Sort: 'S', Min: 4, Right: true}, text: func(c sources.NSQChannel) string { return num(c.Messages) }, num: func(c sources.NSQChannel) float64 { return float64(c.Messages) }},
		{Column: Column{Title: "DISK", Sort: 'I', Min: 4, Right: true}, text: func(c sources.NSQChannel) string { return num(c.BackendDepth) }, num: func(c sources.NSQChannel) float64 { return float64(c.BackendDepth) }},
	}
	return define(View{Name: "channels", Title: "Channels", System: sources.NSQ, Arg: "TOPIC", ArgOptional: true, Detail: "channel", Home: "topics",
		Help: "NSQ channels (all, or one topic's): depth and its trend, messages in and out per second, time to drain, clients, where paused",
		// A channel's messages are its topic's: a tail reads the topic on a channel of its own.
		Messages: func(key, _ string) (string, []int32) { topic, _, _ := strings.Cut(key, "/"); return topic, nil }}, cols,
		func(d Data, topic string) ([]sources.NSQChannel, error) {
			s, err := nsqSnap(d)
			if err != nil {
				return nil, err
			}
			var out []sources.NSQChannel
			found := topic == ""
			for _, t := range s.Topics {
				if topic == "" || t.Name == topic {
					found = true
					out = append(out, t.Channels...)
				}
			}
			if !found {
				return nil, fmt.Errorf("nsq topic %q not found", topic)
			}
			return out, nil
		},
		func(c sources.NSQChannel) string { return c.Topic + "/" + c.Name },
		func(c sources.NSQChannel, f findings) Status {
			return pausedStatus(f, "channel "+c.Topic+"/"+c.Name, c.Partial, c.Paused)
		},
		noted(func(c sources.NSQChannel) string {
			return pausedNote(c.Topic+"/"+c.Name, c.Partial, c.Paused, c.PausedOn, c.Nodes)
		}))
}

// pausedStatus colours a topic or channel row: a finding first, then
// partial totals, then paused everywhere (muted: quiet on purpose).
func pausedStatus(f findings, subject string, partial, paused bool) Status {
	if st, ok := f.status(sources.NSQ, subject); ok && st != Normal {
		return st
	}
	switch {
	case partial: // totals miss a node's share: not a lint, but not to be trusted either
		return Warn
	case paused:
		return Muted
	}
	return Normal
}

func pausedNote(name string, partial, paused bool, on, nodes []string) string {
	var parts []string
	if partial {
		parts = append(parts, "a node that carries it did not answer: its totals miss that node's share (marked ?)")
	}
	if len(on) > 0 && !paused {
		parts = append(parts, fmt.Sprintf("paused on %d of %d nodes (%s); the others deliver", len(on), len(nodes), strings.Join(on, ", ")))
	}
	if len(parts) == 0 {
		return ""
	}
	return name + ": " + strings.Join(parts, "; ")
}

// lookupdRow adds what a lookupd row needs from the snapshot around it.
type lookupdRow struct {
	sources.Lookupd
	// Inactive counts the registrations it lists with no producer; -1 while it is down.
	Inactive int
	state    string
}

// MarshalJSON is the lookupd's, with its count of inactive registrations.
func (r lookupdRow) MarshalJSON() ([]byte, error) {
	return sources.JoinJSON(r.Lookupd, struct {
		Inactive *int `json:"inactive"`
	}{sources.Known(r.Inactive)})
}

func nsqLookupds() *View {
	cols := []col[lookupdRow]{
		{Column: Column{Title: "LOOKUPD", Sort: 'L', Min: 12, Flex: true}, text: func(l lookupdRow) string { return l.Addr }},
		{Column: Column{Title: "STATE", Sort: 'S', Min: 5, Max: 20}, text: func(l lookupdRow) string { return l.state }},
		{Column: Column{Title: "VERSION", Sort: 'V', Min: 7}, text: func(l lookupdRow) string { return l.Version }},
		{Column: Column{Title: "NODES", Sort: 'N', Min: 5, Right: true}, text: func(l lookupdRow) string { return count(l.Nodes) }, num: func(l lookupdRow) float64 { return float64(l.Nodes) }},
		{Column: Column{Title: "TOPICS", Sort: 'T', Min: 6, Right: true}, text: func(l lookupdRow) string { return count(l.Topics) }, num: func(l lookupdRow) float64 { return float64(l.Topics) }},
		{Column: Column{Title: "INACTIVE", Sort: 'I', Min: 8, Right: true}, text: func(l lookupdRow) string { return count(l.Inactive) }, num: func(l lookupdRow) float64 { return float64(l.Inactive) }},
		{Column: Column{Title: "LAST ERROR", Sort: 'A', Min: 10, Max: 60}, text: func(l lookupdRow) string { return l.Err }},
	}
	return define(View{Name: "lookupds", Title: "Lookupds", System: sources.NSQ,
		Help: "nsqlookupd instances: reachable or not, version, nodes and topics known now, registrations with no producer (:inactive lists them)"}, cols,
		func(d Data, _ string) ([]lookupdRow, error) {
			s, err := nsqSnap(d)
			if err != nil {
				return nil, err
			}
			rows := make([]lookupdRow, len(s.Lookupds))
			for i, l := range s.Lookupds {
				rows[i] = lookupdRow{Lookupd: l, Inactive: -1, state: "up"}
				switch {
				case l.Up:
					rows[i].Inactive = 0
					for _, in := range s.Inactive {
						if slices.Contains(in.Lookupds, l.Addr) {
							rows[i].Inactive++
						}
					}
				case !l.DownSince.IsZero():
					rows[i].state = "DOWN for " + Ago(s.Taken.Sub(l.DownSince))
				default:
					rows[i].state = "DOWN"
				}
			}
			return rows, nil
		},
		func(l lookupdRow) string { return l.Addr },
		func(l lookupdRow, f findings) Status {
			if st, ok := f.status(sources.NSQ, "lookupd "+l.Addr); ok && st != Normal {
				return st
			}
			if !l.Up {
				return Bad
			}
			return Normal
		},
		noted(func(l lookupdRow) string {
			if l.Up {
				return ""
			}
			return l.Addr + ": does not answer: what it knows now is unknown (?), not what it knew before"
		}))
}

// count is a count that is negative when unknown.
func count(n int) string {
	if n < 0 {
		return "?"
	}
	return num(n)
}

func portText(p int) string {
	if p == 0 {
		return ""
	}
	return num(p)
}
