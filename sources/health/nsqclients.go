package health

import (
	"fmt"

	"github.com/topicat/topicat/sources"
)

// NSQChannelClients returns the findings about a channel's clients. Only
// the channel's page fetches them (sources.DescribeNSQChannel): the regular
// poll never asks nsqd for clients, which is what makes /stats slow on big
// clusters (nsq #920), so these are not among NSQ's findings nor in `get
// health`. The snapshot gives the channel's depth on each node.
func NSQChannelClients(s *sources.NSQSnapshot, d *sources.NSQChannelDetail) []Finding {
	if s == nil || d == nil || len(d.Clients) == 0 {
		return nil
	}
	subject := "channel " + d.Topic + "/" + d.Channel
	depth := map[string]int64{}
	for _, n := range s.Nodes {
		if !n.Up {
			continue
		}
		for _, t := range n.Topics {
			if t.Name != d.Topic {
				continue
			}
			for _, c := range t.Channels {
				if c.Name == d.Channel {
					depth[n.Addr] = c.Depth
				}
			}
		}
	}
	var nodes []string         // with clients, as the detail lists them
	ready := map[string]bool{} // whether a client there is ready
	anyReady := false
	for _, c := range d.Clients {
		if _, ok := ready[c.Node]; !ok {
			nodes = append(nodes, c.Node)
		}
		ready[c.Node] = ready[c.Node] || c.ReadyCount > 0
		anyReady = anyReady || c.ReadyCount > 0
	}
	fs := &list{system: sources.NSQ}
	if !anyReady {
		var waiting int64
		for _, n := range nodes {
			waiting += depth[n]
		}
		sev, why := Info, "the consumers are connected but take nothing: go-nsq sets every connection's ready count to 0 while it backs off after failed messages, and a consumer with max-in-flight 0 takes nothing"
		if waiting > 0 {
			sev, why = Warning, why+fmt.Sprintf("; depth %d waits", waiting)
		}
		fs.add(sev, subject, Quantity(len(d.Clients), "client")+" connected, none ready (ready count 0)", why,
			"check the consumers' logs for the failures that make them back off, and their max-in-flight")
		return fs.sorted()
	}
	var starved []string
	var waiting int64
	for _, n := range nodes {
		if !ready[n] && depth[n] > 0 {
			starved, waiting = append(starved, n), waiting+depth[n]
		}
	}
	if len(starved) > 0 {
		fs.add(Info, subject, fmt.Sprintf("no client ready on %s with depth %d", list5(starved), waiting),
			"go-nsq gives ready counts to at most max-in-flight connections: below the number of nsqd, the nodes take turns and their messages wait meanwhile",
			"raise the consumers' max-in-flight to at least the number of nsqd they connect to")
	}
	return fs.sorted()
}
