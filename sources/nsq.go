package sources

import (
	"encoding/json"
	"time"
)

// NSQSnapshot is one poll of an NSQ cluster: every nsqlookupd, every nsqd, and
// the topics and channels merged across nodes.
type NSQSnapshot struct {
	Meta
	Lookupds []Lookupd  `json:"lookupds"` // in configured order
	Nodes    []NSQNode  `json:"nodes"`    // by address
	Topics   []NSQTopic `json:"topics"`   // merged across nodes, by name
}

func (s *NSQSnapshot) System() System { return NSQ }
func (s *NSQSnapshot) Metadata() Meta { return s.Meta }

// Lookupd is one nsqlookupd as the last poll saw it.
type Lookupd struct {
	Addr      string    `json:"addr"` // http://host:port
	Up        bool      `json:"up"`
	DownSince time.Time `json:"down_since"`
	Version   string    `json:"version"`
	Nodes     int       `json:"nodes"`
	Topics    int       `json:"topics"`
	Err       string    `json:"error,omitempty"`
}

// NSQNode is one nsqd: its identity from lookupd or /info, its health and its stats.
type NSQNode struct {
	// Addr is host:http_port, the address topicat polls.
	Addr             string `json:"addr"`
	Hostname         string `json:"hostname"`
	BroadcastAddress string `json:"broadcast_address"`
	TCPPort          int    `json:"tcp_port"`
	HTTPPort         int    `json:"http_port"`
	Version          string `json:"version"`
	// Health is nsqd's own word: "OK" or "NOK - …".
	Health    string    `json:"health"`
	Up        bool      `json:"up"`
	DownSince time.Time `json:"down_since"`
	Err       string    `json:"error,omitempty"`
	StartTime time.Time `json:"start_time"`
	// Lookupds lists the lookupds that know this node; empty for a directly configured node not in any.
	Lookupds   []string `json:"lookupds"`
	Tombstoned []string `json:"tombstoned"`
	// Topics are this node's stats; a node that is down keeps those of its last
	// answer, so its share of a topic is known to be missing.
	Topics []NSQTopicStats `json:"topics"` // by name
}

// NSQTopicStats is one topic on one node.
type NSQTopicStats struct {
	Name         string            `json:"name"`
	Depth        int64             `json:"depth"`
	BackendDepth int64             `json:"backend_depth"`
	Messages     uint64            `json:"messages"`
	Paused       bool              `json:"paused"`
	Channels     []NSQChannelStats `json:"channels"` // by name
}

// NSQChannelStats is one channel on one node.
type NSQChannelStats struct {
	Name         string `json:"name"`
	Depth        int64  `json:"depth"`
	BackendDepth int64  `json:"backend_depth"`
	InFlight     int64  `json:"in_flight"`
	Deferred     int64  `json:"deferred"`
	Messages     uint64 `json:"messages"`
	Requeued     uint64 `json:"requeued"`
	TimedOut     uint64 `json:"timed_out"`
	Clients      int    `json:"clients"`
	Paused       bool   `json:"paused"`
}

// NSQTopic is a topic totalled across the nodes that carry it.
type NSQTopic struct {
	Name         string       `json:"name"`
	Depth        int64        `json:"depth"`
	BackendDepth int64        `json:"backend_depth"`
	InFlight     int64        `json:"in_flight"`
	Deferred     int64        `json:"deferred"`
	Messages     uint64       `json:"messages"`
	Paused       bool         `json:"paused"` // on any node
	Nodes        []string     `json:"nodes"`
	Channels     []NSQChannel `json:"channels"` // by name
	// Rate is messages per second published since the previous poll (ingress); negative when unknown.
	Rate float64 `json:"rate"`
	// Partial is set when a node that carried this topic did not answer the poll:
	// the totals miss its share, or are stale when no node carrying it answered.
	Partial bool `json:"partial"`
}

// NSQChannel is a channel totalled across nodes.
type NSQChannel struct {
	Topic        string   `json:"topic"`
	Name         string   `json:"name"`
	Depth        int64    `json:"depth"`
	BackendDepth int64    `json:"backend_depth"`
	InFlight     int64    `json:"in_flight"`
	Deferred     int64    `json:"deferred"`
	Messages     uint64   `json:"messages"`
	Requeued     uint64   `json:"requeued"`
	TimedOut     uint64   `json:"timed_out"`
	Clients      int      `json:"clients"`
	Paused       bool     `json:"paused"` // on any node
	Nodes        []string `json:"nodes"`
	// Rate is messages per second delivered since the previous poll (egress); negative when unknown.
	Rate    float64 `json:"rate"`
	Partial bool    `json:"partial"`
}

// JSON: see the conventions above KafkaSnapshot's MarshalJSON.

func (s NSQSnapshot) MarshalJSON() ([]byte, error) {
	type plain NSQSnapshot
	return json.Marshal(struct {
		plain
		metaJSON
		Lookupds []Lookupd  `json:"lookupds"`
		Nodes    []NSQNode  `json:"nodes"`
		Topics   []NSQTopic `json:"topics"`
	}{plain(s), s.Meta.json(), jsonList(s.Lookupds), jsonList(s.Nodes), jsonList(s.Topics)})
}

func (l Lookupd) MarshalJSON() ([]byte, error) {
	type plain Lookupd
	return json.Marshal(struct {
		plain
		DownSince *time.Time `json:"down_since"`
		Version   *string    `json:"version"`
	}{plain(l), jsonTime(l.DownSince), jsonText(l.Version)})
}

func (n NSQNode) MarshalJSON() ([]byte, error) {
	type plain NSQNode
	return json.Marshal(struct {
		plain
		TCPPort    *int            `json:"tcp_port"`
		HTTPPort   *int            `json:"http_port"`
		Version    *string         `json:"version"`
		Health     *string         `json:"health"`
		DownSince  *time.Time      `json:"down_since"`
		StartTime  *time.Time      `json:"start_time"`
		Lookupds   []string        `json:"lookupds"`
		Tombstoned []string        `json:"tombstoned"`
		Topics     []NSQTopicStats `json:"topics"`
	}{plain(n), jsonPort(n.TCPPort), jsonPort(n.HTTPPort), jsonText(n.Version), jsonText(n.Health), jsonTime(n.DownSince), jsonTime(n.StartTime),
		jsonList(n.Lookupds), jsonList(n.Tombstoned), jsonList(n.Topics)})
}

func (t NSQTopicStats) MarshalJSON() ([]byte, error) {
	type plain NSQTopicStats
	return json.Marshal(struct {
		plain
		Channels []NSQChannelStats `json:"channels"`
	}{plain(t), jsonList(t.Channels)})
}

func (t NSQTopic) MarshalJSON() ([]byte, error) {
	type plain NSQTopic
	return json.Marshal(struct {
		plain
		Nodes    []string     `json:"nodes"`
		Channels []NSQChannel `json:"channels"`
		Rate     *float64     `json:"rate"`
	}{plain(t), jsonList(t.Nodes), jsonList(t.Channels), Known(t.Rate)})
}

func (c NSQChannel) MarshalJSON() ([]byte, error) {
	type plain NSQChannel
	return json.Marshal(struct {
		plain
		Nodes []string `json:"nodes"`
		Rate  *float64 `json:"rate"`
	}{plain(c), jsonList(c.Nodes), Known(c.Rate)})
}
