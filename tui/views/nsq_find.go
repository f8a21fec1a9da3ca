package views

import (
	"fmt"
	"strings"

	"github.com/topicat/topicat/sources"
)

// FindNSQTopic is an NSQ topic of the snapshot, with the snapshot.
func FindNSQTopic(d Data, name string) (*sources.NSQSnapshot, *sources.NSQTopic, error) {
	s, err := nsqSnap(d)
	if err != nil {
		return nil, nil, err
	}
	for i := range s.Topics {
		if s.Topics[i].Name == name {
			return s, &s.Topics[i], nil
		}
	}
	return s, nil, fmt.Errorf("nsq topic %q not found", name)
}

// SplitChannel reads "TOPIC/CHANNEL" (neither name may hold a slash).
func SplitChannel(arg string) (topic, channel string, err error) {
	topic, channel, ok := strings.Cut(arg, "/")
	if !ok || topic == "" || channel == "" || strings.Contains(channel, "/") {
		return "", "", fmt.Errorf("channel %q: want TOPIC/CHANNEL, e.g. events/archive", arg)
	}
	return topic, channel, nil
}

// FindNSQChannel is an NSQ channel of the snapshot named "TOPIC/CHANNEL",
// with its topic.
func FindNSQChannel(d Data, arg string) (*sources.NSQSnapshot, *sources.NSQTopic, *sources.NSQChannel, error) {
	topic, channel, err := SplitChannel(arg)
	if err != nil {
		return nil, nil, nil, err
	}
	s, t, err := FindNSQTopic(d, topic)
	if err != nil {
		return s, nil, nil, err
	}
	for i := range t.Channels {
		if t.Channels[i].Name == channel {
			return s, t, &t.Channels[i], nil
		}
	}
	return s, t, nil, fmt.Errorf("nsq channel %q not found", arg)
}

// FindNSQNode is an nsqd of the snapshot by its address (host:http_port).
func FindNSQNode(d Data, addr string) (*sources.NSQSnapshot, *sources.NSQNode, error) {
	s, err := nsqSnap(d)
	if err != nil {
		return nil, nil, err
	}
	for i := range s.Nodes {
		if s.Nodes[i].Addr == addr {
			return s, &s.Nodes[i], nil
		}
	}
	return s, nil, fmt.Errorf("nsqd %q not found (give its HTTP address, host:port, as :nodes lists it)", addr)
}

// nodeTopic is a node's stats of a topic; nil when it has none.
func nodeTopic(n *sources.NSQNode, topic string) *sources.NSQTopicStats {
	for i := range n.Topics {
		if n.Topics[i].Name == topic {
			return &n.Topics[i]
		}
	}
	return nil
}

// nodeChannel is a node's stats of a channel; nil when it has none.
func nodeChannel(n *sources.NSQNode, topic, channel string) *sources.NSQChannelStats {
	if t := nodeTopic(n, topic); t != nil {
		for i := range t.Channels {
			if t.Channels[i].Name == channel {
				return &t.Channels[i]
			}
		}
	}
	return nil
}

// totalled adds a total row under a section's rows: on screen and in
// `get -o table`, not in its JSON, whose subject carries the totals.
func totalled[R any](v *View, cols []col[R], total func(d Data, arg string) (R, bool)) *View {
	inner := v.build
	v.build = func(d Data, arg string) ([]Row, any, error) {
		rows, data, err := inner(d, arg)
		if err != nil {
			return rows, data, err
		}
		if t, ok := total(d, arg); ok {
			r := makeRows([]R{t}, cols, func(R) string { return "" }, nil, nil, extras[R]{})[0]
			r.Total = true
			rows = append(rows, r)
		}
		return rows, data, nil
	}
	return v
}
