package views

import (
	"fmt"
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
	LookupdsUp int
	DownFor    string
}

// MarshalJSON is the node's, with the row's own fields.
func (r nodeRow) MarshalJSON() ([]byte, error) {
	return sources.JoinJSON(r.NSQNode, struct {
		LookupdsUp int    `json:"lookupds_up"`
		DownFor    string `json:"down_for,omitempty"`
	}{r.LookupdsUp, r.DownFor})
}

func nsqNodes() *View {
	cols := []col[nodeRow]{
		{Column: Column{Title: "HOSTNAME", Sort: 'H', Min: 8, Max: 30}, text: func(n nodeRow) string { return n.Hostname }},
		{Column: Column{Title: "HTTP ADDRESS", Sort: 'T', Min: 12, Flex: true}, text: func(n nodeRow) string { return n.Addr }},
		{Column: Column{Title: "TCP", Sort: 'C', Min: 5, Right: true}, text: func(n nodeRow) string { return portText(n.TCPPort) }, num: func(n nodeRow) float64 { return float64(n.TCPPort) }},
		{Column: Column{Title: "VERSION", Sort: 'V', Min: 7}, text: func(n nodeRow) string { return n.Version }},
		{Column: Column{Title: "LOOKUPDS", Sort: 'L', Min: 8, Right: true}, text: func(n nodeRow) string {
			if n.LookupdsUp == 0 {
				return "–"
			}
			return fmt.Sprintf("%d/%d", len(n.Lookupds), n.LookupdsUp)
		}, num: func(n nodeRow) float64 { return float64(len(n.Lookupds)) }},
		{Column: Column{Title: "STATE", Sort: 'S', Min: 5, Max: 40}, text: func(n nodeRow) string {
			switch {
			case !n.Up:
				return strings.TrimSpace("DOWN " + n.DownFor)
			case n.Health != "" && n.Health != "OK":
				return n.Health
			}
			return "up"
		}},
		{Column: Column{Title: "TOPICS", Sort: 'O', Min: 6, Right: true}, text: func(n nodeRow) string { return num(len(n.Topics)) }, num: func(n nodeRow) float64 { return float64(len(n.Topics)) }},
		{Column: Column{Title: "TOMBSTONED", Sort: 'M', Min: 10, Max: 30}, text: func(n nodeRow) string { return strings.Join(n.Tombstoned, ",") }},
		{Column: Column{Title: "LAST ERROR", Sort: 'A', Min: 10, Max: 60}, text: func(n nodeRow) string { return n.Err }},
	}
	return define(View{Name: "nodes", Title: "Nodes", System: sources.NSQ, Help: "nsqd nodes: address, version, lookupd registration, health"}, cols,
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
				rows[i] = nodeRow{NSQNode: n, LookupdsUp: up}
				if !n.Up && !n.DownSince.IsZero() {
					rows[i].DownFor = "for " + Ago(s.Taken.Sub(n.DownSince))
				}
			}
			return rows, nil
		},
		func(n nodeRow) string { return n.Addr },
		func(n nodeRow, f findings) Status {
			st, _ := f.status(sources.NSQ, "nsqd "+n.Addr)
			return st
		})
}

func nsqTopics() *View {
	cols := []col[sources.NSQTopic]{
		{Column: Column{Title: "TOPIC", Sort: 'T', Min: 10, Flex: true}, text: func(t sources.NSQTopic) string {
			return t.Name + yes(t.Paused, " (paused)") + yes(t.Partial, " (partial)")
		}},
		{Column: Column{Title: "DEPTH", Sort: 'D', Min: 5, Right: true}, text: func(t sources.NSQTopic) string { return num(t.Depth) }, num: func(t sources.NSQTopic) float64 { return float64(t.Depth) }},
		{Column: Column{Title: "DISK", Sort: 'I', Min: 4, Right: true}, text: func(t sources.NSQTopic) string { return num(t.BackendDepth) }, num: func(t sources.NSQTopic) float64 { return float64(t.BackendDepth) }},
		{Column: Column{Title: "INFLT", Sort: 'N', Min: 5, Right: true}, text: func(t sources.NSQTopic) string { return num(t.InFlight) }, num: func(t sources.NSQTopic) float64 { return float64(t.InFlight) }},
		{Column: Column{Title: "DEFER", Sort: 'E', Min: 5, Right: true}, text: func(t sources.NSQTopic) string { return num(t.Deferred) }, num: func(t sources.NSQTopic) float64 { return float64(t.Deferred) }},
		{Column: Column{Title: "MSGS", Sort: 'M', Min: 4, Right: true}, text: func(t sources.NSQTopic) string { return num(t.Messages) }, num: func(t sources.NSQTopic) float64 { return float64(t.Messages) }},
		{Column: Column{Title: "RATE", Sort: 'R', Min: 6, Right: true}, text: func(t sources.NSQTopic) string { return rate(t.In) }, num: func(t sources.NSQTopic) float64 { return t.In }},
		{Column: Column{Title: "CHANS", Sort: 'C', Min: 5, Right: true}, text: func(t sources.NSQTopic) string { return num(len(t.Channels)) }, num: func(t sources.NSQTopic) float64 { return float64(len(t.Channels)) }},
		{Column: Column{Title: "NODES", Sort: 'O', Min: 5, Right: true}, text: func(t sources.NSQTopic) string { return num(len(t.Nodes)) }, num: func(t sources.NSQTopic) float64 { return float64(len(t.Nodes)) }},
	}
	return define(View{Name: "topics", Title: "Topics", System: sources.NSQ, Detail: "channels", Help: "NSQ topics totalled across nodes: depth, in-flight, messages, ingress rate",
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
			if st, ok := f.status(sources.NSQ, "topic "+t.Name); ok && st != Normal {
				return st
			}
			switch {
			case t.Partial: // totals miss a node's share: not a lint, but not to be trusted either
				return Warn
			case t.Paused:
				return Muted
			}
			return Normal
		})
}

func nsqChannels() *View {
	cols := []col[sources.NSQChannel]{
		{Column: Column{Title: "TOPIC", Sort: 'T', Min: 8, Max: 30}, text: func(c sources.NSQChannel) string { return c.Topic }},
		{Column: Column{Title: "CHANNEL", Sort: 'C', Min: 10, Flex: true}, text: func(c sources.NSQChannel) string {
			return c.Name + yes(sources.IsTailChannel(c.Name), " (a topicat tail)") + yes(c.Paused, " (paused)") + yes(c.Partial, " (partial)")
		}},
		{Column: Column{Title: "DEPTH", Sort: 'D', Min: 5, Right: true}, text: func(c sources.NSQChannel) string { return num(c.Depth) }, num: func(c sources.NSQChannel) float64 { return float64(c.Depth) }},
		{Column: Column{Title: "DISK", Sort: 'I', Min: 4, Right: true}, text: func(c sources.NSQChannel) string { return num(c.BackendDepth) }, num: func(c sources.NSQChannel) float64 { return float64(c.BackendDepth) }},
		{Column: Column{Title: "INFLT", Sort: 'N', Min: 5, Right: true}, text: func(c sources.NSQChannel) string { return num(c.InFlight) }, num: func(c sources.NSQChannel) float64 { return float64(c.InFlight) }},
		{Column: Column{Title: "DEFER", Sort: 'E', Min: 5, Right: true}, text: func(c sources.NSQChannel) string { return num(c.Deferred) }, num: func(c sources.NSQChannel) float64 { return float64(c.Deferred) }},
		{Column: Column{Title: "REQ", Sort: 'R', Min: 3, Right: true}, text: func(c sources.NSQChannel) string { return num(c.Requeued) }, num: func(c sources.NSQChannel) float64 { return float64(c.Requeued) }},
		{Column: Column{Title: "TIMEOUT", Sort: 'M', Min: 7, Right: true}, text: func(c sources.NSQChannel) string { return num(c.TimedOut) }, num: func(c sources.NSQChannel) float64 { return float64(c.TimedOut) }},
		{Column: Column{Title: "MSGS", Sort: 'S', Min: 4, Right: true}, text: func(c sources.NSQChannel) string { return num(c.Messages) }, num: func(c sources.NSQChannel) float64 { return float64(c.Messages) }},
		{Column: Column{Title: "RATE", Sort: 'A', Min: 6, Right: true}, text: func(c sources.NSQChannel) string { return rate(c.Out) }, num: func(c sources.NSQChannel) float64 { return c.Out }},
		{Column: Column{Title: "CLIENTS", Sort: 'L', Min: 7, Right: true}, text: func(c sources.NSQChannel) string { return num(c.Clients) }, num: func(c sources.NSQChannel) float64 { return float64(c.Clients) }},
	}
	return define(View{Name: "channels", Title: "Channels", System: sources.NSQ, Arg: "TOPIC", ArgOptional: true, Help: "NSQ channels (all, or one topic's): depth, in-flight, requeues, timeouts, clients",
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
			if st, ok := f.status(sources.NSQ, "channel "+c.Topic+"/"+c.Name); ok && st != Normal {
				return st
			}
			switch {
			case c.Partial:
				return Warn
			case c.Paused:
				return Muted
			}
			return Normal
		})
}

func nsqLookupds() *View {
	cols := []col[sources.Lookupd]{
		{Column: Column{Title: "LOOKUPD", Sort: 'L', Min: 12, Flex: true}, text: func(l sources.Lookupd) string { return l.Addr }},
		{Column: Column{Title: "STATE", Sort: 'S', Min: 5}, text: func(l sources.Lookupd) string { return yes(l.Up, "up") + yes(!l.Up, "DOWN") }},
		{Column: Column{Title: "VERSION", Sort: 'V', Min: 7}, text: func(l sources.Lookupd) string { return l.Version }},
		{Column: Column{Title: "NODES", Sort: 'N', Min: 5, Right: true}, text: func(l sources.Lookupd) string { return num(l.Nodes) }, num: func(l sources.Lookupd) float64 { return float64(l.Nodes) }},
		{Column: Column{Title: "TOPICS", Sort: 'T', Min: 6, Right: true}, text: func(l sources.Lookupd) string { return num(l.Topics) }, num: func(l sources.Lookupd) float64 { return float64(l.Topics) }},
		{Column: Column{Title: "LAST ERROR", Sort: 'A', Min: 10, Max: 60}, text: func(l sources.Lookupd) string { return l.Err }},
	}
	return define(View{Name: "lookupds", Title: "Lookupds", System: sources.NSQ, Help: "nsqlookupd instances: reachable or not, nodes and topics known"}, cols,
		func(d Data, _ string) ([]sources.Lookupd, error) {
			s, err := nsqSnap(d)
			if err != nil {
				return nil, err
			}
			return s.Lookupds, nil
		},
		func(l sources.Lookupd) string { return l.Addr },
		func(l sources.Lookupd, f findings) Status {
			st, _ := f.status(sources.NSQ, "lookupd "+l.Addr)
			return st
		})
}

func portText(p int) string {
	if p == 0 {
		return ""
	}
	return num(p)
}
