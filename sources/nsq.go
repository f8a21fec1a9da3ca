package sources

import "time"

// NSQSnapshot is one poll of an NSQ cluster: every nsqlookupd, every nsqd, and
// the topics and channels merged across nodes.
type NSQSnapshot struct {
	Meta
	Lookupds []Lookupd  // in configured order
	Nodes    []NSQNode  // by address
	Topics   []NSQTopic // merged across nodes, by name
}

func (s *NSQSnapshot) System() System { return NSQ }
func (s *NSQSnapshot) Metadata() Meta { return s.Meta }

// Lookupd is one nsqlookupd as the last poll saw it.
type Lookupd struct {
	Addr      string // http://host:port
	Up        bool
	DownSince time.Time
	Version   string
	Nodes     int
	Topics    int
	Err       string
}

// NSQNode is one nsqd: its identity from lookupd or /info, its health and its stats.
type NSQNode struct {
	// Addr is host:http_port, the address topicat polls.
	Addr             string
	Hostname         string
	BroadcastAddress string
	TCPPort          int
	HTTPPort         int
	Version          string
	// Health is nsqd's own word: "OK" or "NOK - …".
	Health    string
	Up        bool
	DownSince time.Time
	Err       string
	StartTime time.Time
	// Lookupds lists the lookupds that know this node; empty for a directly configured node not in any.
	Lookupds   []string
	Tombstoned []string
	// Topics are this node's stats; a node that is down keeps those of its last
	// answer, so its share of a topic is known to be missing.
	Topics []NSQTopicStats // by name
}

// NSQTopicStats is one topic on one node.
type NSQTopicStats struct {
	Name         string
	Depth        int64
	BackendDepth int64
	Messages     uint64
	Paused       bool
	Channels     []NSQChannelStats // by name
}

// NSQChannelStats is one channel on one node.
type NSQChannelStats struct {
	Name         string
	Depth        int64
	BackendDepth int64
	InFlight     int64
	Deferred     int64
	Messages     uint64
	Requeued     uint64
	TimedOut     uint64
	Clients      int
	Paused       bool
}

// NSQTopic is a topic totalled across the nodes that carry it.
type NSQTopic struct {
	Name         string
	Depth        int64
	BackendDepth int64
	InFlight     int64
	Deferred     int64
	Messages     uint64
	Paused       bool // on any node
	Nodes        []string
	Channels     []NSQChannel // by name
	// Rate is messages per second published since the previous poll (ingress); negative when unknown.
	Rate float64
	// Partial is set when a node that carried this topic did not answer the poll:
	// the totals miss its share, or are stale when no node carrying it answered.
	Partial bool
}

// NSQChannel is a channel totalled across nodes.
type NSQChannel struct {
	Topic        string
	Name         string
	Depth        int64
	BackendDepth int64
	InFlight     int64
	Deferred     int64
	Messages     uint64
	Requeued     uint64
	TimedOut     uint64
	Clients      int
	Paused       bool // on any node
	Nodes        []string
	// Rate is messages per second delivered since the previous poll (egress); negative when unknown.
	Rate    float64
	Partial bool
}
