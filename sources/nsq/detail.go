package nsq

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/topicat/topicat/sources"
)

// noChannel is a channel name nsqd cannot have (':' is outside its rule).
// /stats filtered to it lists every topic's channels as absent, so its
// include_clients=true answer carries the node's producers without the
// clients of every channel, which is what makes /stats slow on big nodes.
const noChannel = "topicat:none"

// describeNode answers the node page: nsqd's memory and GC figures, and its
// producers (the publishers connected to it) with what each published.
// nsqd 1.3 lists at most one topic in a producer's pub_counts when /stats
// is not filtered to a topic. Data: *sources.NSQNodeDetail.
func (s *Source) describeNode(ctx context.Context, d sources.DescribeNSQNode) sources.Result {
	v := s.view()
	addr, err := s.resolve(ctx, v, d.Node)
	if err != nil {
		return sources.Result{Err: "describe nsqd: " + err.Error()}
	}
	q := url.Values{"format": {"json"}, "include_mem": {"true"}, "include_clients": {"true"}, "channel": {noChannel}}
	var st nodeDetailJSON
	if err := s.getOne(ctx, "http://"+addr, "/stats?"+q.Encode(), &st); err != nil {
		return sources.Result{Err: fmt.Sprintf("describe nsqd %s: %v", addr, err)}
	}
	detail := &sources.NSQNodeDetail{Node: addr}
	if st.Memory != nil {
		detail.Memory = st.Memory.memory()
	}
	if st.Producers.known {
		detail.Producers = make([]sources.NSQClient, 0, len(st.Producers.list))
		for _, p := range st.Producers.list {
			detail.Producers = append(detail.Producers, p.client(addr))
		}
		slices.SortFunc(detail.Producers, compareClients)
	}
	return sources.Result{Data: detail}
}

// describeChannel answers the channel page: the clients of the channel on
// every node that has it, asked of those nodes only and at once. A node
// that did not answer is a failed target. Data: *sources.NSQChannelDetail.
func (s *Source) describeChannel(ctx context.Context, d sources.DescribeNSQChannel) sources.Result {
	attempt := "describe " + d.Target()
	if d.Channel == "" {
		return sources.Result{Err: attempt + ": no channel given"}
	}
	if err := checkNames(d.Topic, d.Channel); err != nil {
		return sources.Result{Err: attempt + ": " + err.Error()}
	}
	v := s.view()
	loc := s.locate(ctx, v, d.Topic, d.Channel, true)
	if len(loc.holders) == 0 {
		// Asked with a channel filter, the nodes did not say what they
		// have of the topic: ask again, to name what exists.
		return s.nowhere(ctx, v, s.locate(ctx, v, d.Topic, d.Channel, false), attempt, d.Topic, d.Channel)
	}
	detail := &sources.NSQChannelDetail{Topic: d.Topic, Channel: d.Channel, Clients: []sources.NSQClient{}}
	targets := s.lookupdFailures(loc, d.Topic)
	for _, h := range loc.holders {
		switch {
		case h.gone:
			targets = append(targets, sources.TargetResult{Target: nsqdTarget(h.addr), Detail: "not asked: it left the cluster (no lookupd lists it any more)"})
		case h.err != nil:
			targets = append(targets, sources.TargetResult{Target: nsqdTarget(h.addr), Err: fmt.Sprintf("%s: %v", attempt, h.err)})
		default:
			for _, c := range h.clients {
				detail.Clients = append(detail.Clients, c.client(h.addr))
			}
		}
	}
	slices.SortFunc(detail.Clients, compareClients)
	return sources.Result{Data: detail, Targets: targets}
}

// compareClients orders clients by node, then remote address.
func compareClients(a, b sources.NSQClient) int {
	if c := compareAddr(a.Node, b.Node); c != 0 {
		return c
	}
	if c := compareAddr(a.RemoteAddress, b.RemoteAddress); c != 0 {
		return c
	}
	return strings.Compare(a.ClientID, b.ClientID)
}
