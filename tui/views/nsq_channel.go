package views

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/sources/health"
)

// The NSQ channel page, nsqadmin's channel view: a row per nsqd with a
// total, and the clients, asked of the nodes only while the page is open.

func nsqChannelPage() *View {
	return page(View{Name: "channel", Title: "Channel", System: sources.NSQ, Arg: "TOPIC/CHANNEL",
		Help: "one NSQ channel: a row per nsqd (depth, memory + disk, in flight, deferred, requeued, timed out, messages, OUT/s, clients, paused) with a total, and its clients",
		Messages: func(_, arg string) (string, []int32) {
			topic, _, _ := strings.Cut(arg, "/")
			return topic, nil
		},
		Fetch: func(arg string) sources.Body {
			topic, channel, err := SplitChannel(arg)
			if err != nil {
				return nil // the summary says what is wrong with the argument
			}
			return sources.DescribeNSQChannel{Topic: topic, Channel: channel}
		}},
		nsqChannelSummary, func(d Data, arg string) any {
			_, _, c, _ := FindNSQChannel(d, arg)
			return c
		}, nsqChannelNodes(), nsqChannelClients())
}

func nsqChannelSummary(d Data, arg string) ([]Field, error) {
	_, _, c, err := FindNSQChannel(d, arg)
	if err != nil {
		return nil, err
	}
	partial := yes(c.Partial, " at least")
	fs := []Field{
		{Label: "depth", Value: num(c.Depth) + partial + yes(c.Climbing, " "+climbMark+" climbing") + " (memory + disk " + memDisk(c.Depth, c.BackendDepth) + ")" + trend(Spark(c.Depths)),
			Status: worse(c.Climbing || c.Partial, Warn, false, Normal)},
		{Label: "flow", Value: "IN " + rate(c.In) + " · OUT " + rate(c.Out) + trend(Spark(c.Outs)) + " · drain " + Drain(c.Drain, c.Depth),
			Status: worse(c.Drain == sources.CatchUpNever && c.Depth > 0, Warn, false, Normal)},
		{Label: "messages", Value: fmt.Sprintf("%d · in flight %d · deferred %d · requeued %d · timed out %d", c.Messages, c.InFlight, c.Deferred, c.Requeued, c.TimedOut)},
		{Label: "clients", Value: fmt.Sprintf("%d · carried by %s", c.Clients, nodesLine(c.Nodes, c.Paused, c.PausedOn, nil)), Status: worse(len(c.PausedOn) > 0, Muted, false, Normal)},
	}
	if e := E2E(c.E2E); e != "" {
		fs = append(fs, Field{Label: "e2e", Value: e + " (nodes' figures weighted by count, as nsqadmin merges them)"})
	}
	if c.Partial {
		fs = append(fs, Field{Label: "partial", Value: "a node that carries it did not answer: the totals miss its share (the rows below show its last figures)", Status: Warn})
	}
	// Judged only here: the clients are not in the poll, so not in health.
	if cd, err := detail[sources.NSQChannelDetail](d); err == nil {
		for _, f := range health.NSQChannelClients(d.NSQ, cd) {
			fs = append(fs, Field{Label: "consumers", Value: f.Title + " · " + f.Fix,
				Status: worse(f.Severity >= health.Warning, Warn, false, Normal)})
		}
	}
	return fs, nil
}

// channelNode is one nsqd's share of a channel.
type channelNode struct {
	sources.NSQChannelStats
	Node, Hostname string
	Up, Gone       bool
	state, paused  string
}

// MarshalJSON writes the node's stats with where they come from.
func (n channelNode) MarshalJSON() ([]byte, error) {
	return sources.JoinJSON(n.NSQChannelStats, struct {
		Node     string `json:"node"`
		Hostname string `json:"hostname"`
		Up       bool   `json:"up"`
		Gone     bool   `json:"gone"`
	}{n.Node, n.Hostname, n.Up, n.Gone})
}

func nsqChannelNodes() *View {
	cols := []col[channelNode]{
		{Column: Column{Title: "NODE", Sort: 'N', Min: 15, Flex: true, Key: true}, text: func(n channelNode) string { return n.Node }},
		// No hostname (the nodes pane has it) and paused early: at 120
		// columns the address stays whole and the per-node pause in view.
		{Column: Column{Title: "STATE", Sort: 'S', Min: 5, Max: 20}, text: func(n channelNode) string { return n.state }},
		{Column: Column{Title: "PAUSED", Sort: 'U', Min: 6, Max: 20}, text: func(n channelNode) string { return n.paused }},
		{Column: Column{Title: "DEPTH", Sort: 'D', Min: 5, Right: true}, text: func(n channelNode) string { return num(n.Depth) }, num: func(n channelNode) float64 { return float64(n.Depth) }},
		{Column: Column{Title: "MEM + DISK", Sort: 'K', Min: 10, Right: true}, text: func(n channelNode) string { return memDisk(n.Depth, n.BackendDepth) }, num: func(n channelNode) float64 { return float64(n.BackendDepth) }},
		{Column: Column{Title: "INFLT", Sort: 'I', Min: 5, Right: true}, text: func(n channelNode) string { return num(n.InFlight) }, num: func(n channelNode) float64 { return float64(n.InFlight) }},
		{Column: Column{Title: "DEFER", Sort: 'F', Min: 5, Right: true}, text: func(n channelNode) string { return num(n.Deferred) }, num: func(n channelNode) float64 { return float64(n.Deferred) }},
		{Column: Column{Title: "REQ", Sort: 'Q', Min: 3, Right: true}, text: func(n channelNode) string { return num(n.Requeued) }, num: func(n channelNode) float64 { return float64(n.Requeued) }},
		{Column: Column{Title: "TIMEOUT", Sort: 'O', Min: 7, Right: true}, text: func(n channelNode) string { return num(n.TimedOut) }, num: func(n channelNode) float64 { return float64(n.TimedOut) }},
		{Column: Column{Title: "MSGS", Sort: 'M', Min: 4, Right: true}, text: func(n channelNode) string { return num(n.Messages) }, num: func(n channelNode) float64 { return float64(n.Messages) }},
		{Column: Column{Title: "IN/s", Sort: 'B', Min: 6, Right: true}, text: func(n channelNode) string { return rate(n.In) }, num: func(n channelNode) float64 { return n.In }},
		{Column: Column{Title: "OUT/s", Sort: 'A', Min: 6, Right: true}, text: func(n channelNode) string { return rate(n.Out) }, num: func(n channelNode) float64 { return n.Out }},
		{Column: Column{Title: "CLIENTS", Sort: 'L', Min: 7, Right: true}, text: func(n channelNode) string { return num(n.Clients) }, num: func(n channelNode) float64 { return float64(n.Clients) }},
		{Column: Column{Title: "E2E", Sort: 'E', Min: 3, Max: 40}, text: func(n channelNode) string { return E2E(n.E2E) }},
	}
	v := define(View{Name: "nodes", Title: "Nodes", System: sources.NSQ,
		Messages: func(_, arg string) (string, []int32) { topic, _, _ := strings.Cut(arg, "/"); return topic, nil }}, cols,
		func(d Data, arg string) ([]channelNode, error) {
			s, t, c, err := FindNSQChannel(d, arg)
			if err != nil {
				return nil, err
			}
			var out []channelNode
			for i := range s.Nodes {
				n := &s.Nodes[i]
				if st := nodeChannel(n, t.Name, c.Name); st != nil {
					out = append(out, channelNode{NSQChannelStats: *st, Node: n.Addr, Hostname: n.Hostname, Up: n.Up, Gone: n.Gone,
						state: nodeState(*n, s), paused: yes(st.Paused, "paused")})
				}
			}
			return out, nil
		},
		func(n channelNode) string { return n.Node },
		func(n channelNode, _ findings) Status {
			switch {
			case n.Gone, n.Paused:
				return Muted
			case !n.Up:
				return Bad
			case n.Depth > 0 && n.Clients == 0: // per node: piling up unread here
				return Warn
			}
			return Normal
		},
		noted(func(n channelNode) string {
			switch {
			case !n.Up && !n.Gone:
				return n.Node + " did not answer: its figures are those of its last answer and the total misses them"
			case !n.Paused && n.Depth > 0 && n.Clients == 0:
				return fmt.Sprintf("%s: %d messages and no client: nothing reads them on this node", n.Node, n.Depth)
			}
			return ""
		}))
	return totalled(v, cols, func(d Data, arg string) (channelNode, bool) {
		_, _, c, err := FindNSQChannel(d, arg)
		if err != nil {
			return channelNode{}, false
		}
		return channelNode{Node: "total" + yes(c.Partial, " (partial)"), Up: true, state: fmt.Sprintf("%d nodes", len(c.Nodes)), paused: PausedOn(c.Paused, c.PausedOn, c.Nodes),
			NSQChannelStats: sources.NSQChannelStats{Depth: c.Depth, BackendDepth: c.BackendDepth, InFlight: c.InFlight, Deferred: c.Deferred, Messages: c.Messages,
				Requeued: c.Requeued, TimedOut: c.TimedOut, Clients: c.Clients, In: c.In, Out: c.Out, E2E: c.E2E,
				RequeueRate: -1, TimeoutRate: -1}}, true // per node only: health judges them there
	})
}

// clientRow is a connection to an nsqd with how long it has been connected
// at the snapshot's time (-1 unknown).
type clientRow struct {
	sources.NSQClient
	For time.Duration
}

// MarshalJSON is the client's, with connected_for in seconds.
func (c clientRow) MarshalJSON() ([]byte, error) {
	var secs *float64
	if c.For >= 0 {
		s := c.For.Seconds()
		secs = &s
	}
	return sources.JoinJSON(c.NSQClient, struct {
		For *float64 `json:"connected_for"`
	}{secs})
}

func clientRows(d Data, cs []sources.NSQClient) []clientRow {
	out := make([]clientRow, len(cs))
	for i, c := range cs {
		out[i] = clientRow{NSQClient: c, For: -1}
		if d.NSQ != nil && !c.ConnectedAt.IsZero() {
			out[i].For = max(d.NSQ.Taken.Sub(c.ConnectedAt), 0)
		}
	}
	return out
}

func (c clientRow) tls() string {
	if !c.TLS {
		return ""
	}
	return strings.TrimSpace(c.TLSVersion + " " + c.TLSCipher)
}

func (c clientRow) compression() string {
	var parts []string
	if c.Deflate {
		parts = append(parts, "deflate")
	}
	if c.Snappy {
		parts = append(parts, "snappy")
	}
	return strings.Join(parts, ",")
}

func (c clientRow) sample() string {
	if c.SampleRate <= 0 {
		return ""
	}
	return strconv.Itoa(int(c.SampleRate)) + "%"
}

func (c clientRow) connected() string { return Duration(c.For) }

// clientNote is a client's whole story, every field, for a narrow screen.
func clientNote(c clientRow) string {
	return fmt.Sprintf("%s (%s) from %s on nsqd %s: client id %s, TLS %s, compression %s, sample %s, auth %s, ready %d, in flight %d, finished %d, requeued %d, messages %d, connected %s",
		c.Hostname, orUnknown(c.UserAgent), c.RemoteAddress, c.Node, c.ClientID, orNone(c.tls()), orNone(c.compression()),
		orNone(c.sample()), orNone(c.AuthIdentity), c.ReadyCount, c.InFlight, c.Finished, c.Requeued, c.Messages, c.connected())
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func nsqChannelClients() *View {
	cols := []col[clientRow]{
		{Column: Column{Title: "HOSTNAME", Sort: 'H', Min: 8, Max: 30}, text: func(c clientRow) string { return c.Hostname }},
		{Column: Column{Title: "REMOTE ADDRESS", Sort: 'A', Min: 15, Max: 40}, text: func(c clientRow) string { return c.RemoteAddress }},
		{Column: Column{Title: "NODE", Sort: 'N', Min: 15, Max: 30}, text: func(c clientRow) string { return c.Node }},
		{Column: Column{Title: "READY", Sort: 'R', Min: 5, Right: true}, text: func(c clientRow) string { return num(c.ReadyCount) }, num: func(c clientRow) float64 { return float64(c.ReadyCount) }},
		{Column: Column{Title: "INFLT", Sort: 'I', Min: 5, Right: true}, text: func(c clientRow) string { return num(c.InFlight) }, num: func(c clientRow) float64 { return float64(c.InFlight) }},
		{Column: Column{Title: "FINISHED", Sort: 'F', Min: 8, Right: true}, text: func(c clientRow) string { return num(c.Finished) }, num: func(c clientRow) float64 { return float64(c.Finished) }},
		{Column: Column{Title: "REQUEUED", Sort: 'Q', Min: 8, Right: true}, text: func(c clientRow) string { return num(c.Requeued) }, num: func(c clientRow) float64 { return float64(c.Requeued) }},
		{Column: Column{Title: "MSGS", Sort: 'M', Min: 4, Right: true}, text: func(c clientRow) string { return num(c.Messages) }, num: func(c clientRow) float64 { return float64(c.Messages) }},
		{Column: Column{Title: "CONNECTED", Sort: 'C', Min: 9, Right: true}, text: clientRow.connected, num: func(c clientRow) float64 { return float64(c.For) }},
		{Column: Column{Title: "USER AGENT", Sort: 'U', Min: 10, Max: 30}, text: func(c clientRow) string { return c.UserAgent }},
		{Column: Column{Title: "CLIENT ID", Sort: 'D', Min: 9, Max: 30}, text: func(c clientRow) string { return c.ClientID }},
		{Column: Column{Title: "TLS", Sort: 'T', Min: 3, Max: 40}, text: clientRow.tls},
		{Column: Column{Title: "COMPRESSION", Sort: 'O', Min: 11}, text: clientRow.compression},
		{Column: Column{Title: "SAMPLE", Sort: 'S', Min: 6, Right: true}, text: clientRow.sample, num: func(c clientRow) float64 { return float64(c.SampleRate) }},
		{Column: Column{Title: "AUTH", Sort: 'E', Min: 4, Max: 30}, text: func(c clientRow) string { return c.AuthIdentity }},
	}
	return define(View{Name: "clients", Title: "Clients", System: sources.NSQ}, cols,
		func(d Data, _ string) ([]clientRow, error) {
			cd, err := detail[sources.NSQChannelDetail](d)
			if err != nil {
				return nil, err
			}
			return clientRows(d, cd.Clients), nil
		},
		func(c clientRow) string { return c.Node + " " + c.RemoteAddress },
		func(c clientRow, _ findings) Status {
			if c.ReadyCount == 0 { // connected, taking nothing
				return Warn
			}
			return Normal
		},
		noted(clientNote))
}
