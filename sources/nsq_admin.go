package sources

import (
	"encoding/json"
	"time"
)

// The NSQ detail pages and admin actions, as typed requests, as nsqadmin
// has them. Describe* change nothing; every other action is refused under
// --read-only. An action on a topic or channel runs on every node that has
// it at once (and on every lookupd where nsqadmin does), and answers one
// target per node or lookupd ("nsqd 10.0.0.5:4151", "lookupd http://…"):
// a partial failure is shown, never lost.
const (
	ActionNSQDescribeNode    Action = "nsq.node.describe"
	ActionNSQDescribeChannel Action = "nsq.channel.describe"
	ActionNSQPause           Action = "nsq.pause"
	ActionNSQUnpause         Action = "nsq.unpause"
	ActionNSQEmpty           Action = "nsq.empty"
	ActionNSQDelete          Action = "nsq.delete"
	ActionNSQTombstone       Action = "nsq.tombstone"
	ActionNSQCreate          Action = "nsq.create"
)

// nsqTarget names a topic, or a channel of it.
func nsqTarget(topic, channel string) string {
	if channel == "" {
		return "topic " + topic
	}
	return "channel " + topic + "/" + channel
}

// DescribeNSQNode asks one nsqd for what its page shows beyond the
// snapshot: memory and GC figures, and its producers (the publishers
// connected to it). Answer: *NSQNodeDetail.
type DescribeNSQNode struct{ Node string } // its Addr

func (d DescribeNSQNode) Action() Action { return ActionNSQDescribeNode }
func (d DescribeNSQNode) Target() string { return "nsqd " + d.Node }

// NSQNodeDetail is one nsqd's memory and producers.
type NSQNodeDetail struct {
	Node      string      `json:"node"`
	Memory    *NSQMemory  `json:"memory"` // nil when nsqd does not report it
	Producers []NSQClient `json:"producers"`
}

// NSQMemory is nsqd's Go runtime memory and GC figures (/stats include_mem).
type NSQMemory struct {
	HeapObjects       uint64        `json:"heap_objects"`
	HeapIdleBytes     uint64        `json:"heap_idle_bytes"`
	HeapInUseBytes    uint64        `json:"heap_in_use_bytes"`
	HeapReleasedBytes uint64        `json:"heap_released_bytes"`
	GCPause100        time.Duration `json:"gc_pause_100"`
	GCPause99         time.Duration `json:"gc_pause_99"`
	GCPause95         time.Duration `json:"gc_pause_95"`
	NextGCBytes       uint64        `json:"next_gc_bytes"`
	GCTotalRuns       uint64        `json:"gc_total_runs"`
}

// MarshalJSON writes the pauses in seconds.
func (m NSQMemory) MarshalJSON() ([]byte, error) {
	type plain NSQMemory
	return json.Marshal(struct {
		plain
		GCPause100 float64 `json:"gc_pause_100"`
		GCPause99  float64 `json:"gc_pause_99"`
		GCPause95  float64 `json:"gc_pause_95"`
	}{plain(m), m.GCPause100.Seconds(), m.GCPause99.Seconds(), m.GCPause95.Seconds()})
}

// DescribeNSQChannel asks the nodes that carry a channel for its clients
// (include_clients, never in the regular poll: it is what makes /stats slow
// on big deployments). Answer: *NSQChannelDetail; a node that failed is a
// failed target.
type DescribeNSQChannel struct{ Topic, Channel string }

func (d DescribeNSQChannel) Action() Action { return ActionNSQDescribeChannel }
func (d DescribeNSQChannel) Target() string { return nsqTarget(d.Topic, d.Channel) }

// NSQChannelDetail is a channel's clients on every node.
type NSQChannelDetail struct {
	Topic   string      `json:"topic"`
	Channel string      `json:"channel"`
	Clients []NSQClient `json:"clients"` // by node, then remote address
}

// NSQClient is one connection to an nsqd: a consumer of a channel, or a
// producer of the node.
type NSQClient struct {
	Node          string `json:"node"` // the nsqd it is connected to
	ClientID      string `json:"client_id"`
	Hostname      string `json:"hostname"`
	RemoteAddress string `json:"remote_address"`
	Version       string `json:"version"`
	UserAgent     string `json:"user_agent"`
	// State is nsqd's: 3 is subscribed.
	State        int       `json:"state"`
	TLS          bool      `json:"tls"`
	TLSVersion   string    `json:"tls_version"`
	TLSCipher    string    `json:"tls_cipher_suite"`
	Deflate      bool      `json:"deflate"`
	Snappy       bool      `json:"snappy"`
	SampleRate   int32     `json:"sample_rate"`
	Authed       bool      `json:"authed"`
	AuthIdentity string    `json:"auth_identity"`
	ReadyCount   int64     `json:"ready_count"`
	InFlight     int64     `json:"in_flight"`
	Messages     uint64    `json:"messages"`
	Finished     uint64    `json:"finished"`
	Requeued     uint64    `json:"requeued"`
	ConnectedAt  time.Time `json:"connected_at"`
	// PubCounts are what a producer published, per topic.
	PubCounts []NSQPubCount `json:"pub_counts"`
}

// NSQPubCount is how many messages a producer published to a topic.
type NSQPubCount struct {
	Topic string `json:"topic"`
	Count uint64 `json:"count"`
}

func (c NSQClient) MarshalJSON() ([]byte, error) {
	type plain NSQClient
	return json.Marshal(struct {
		plain
		ConnectedAt *time.Time    `json:"connected_at"`
		PubCounts   []NSQPubCount `json:"pub_counts"`
	}{plain(c), jsonTime(c.ConnectedAt), jsonList(c.PubCounts)})
}

// NSQPause pauses (or with Unpause resumes) a topic or a channel on every
// node that has it.
type NSQPause struct {
	Topic, Channel string
	Unpause        bool
}

func (p NSQPause) Action() Action {
	if p.Unpause {
		return ActionNSQUnpause
	}
	return ActionNSQPause
}
func (p NSQPause) Target() string { return nsqTarget(p.Topic, p.Channel) }

// NSQEmpty drops every queued message of a topic or a channel on every
// node that has it.
type NSQEmpty struct{ Topic, Channel string }

func (e NSQEmpty) Action() Action { return ActionNSQEmpty }
func (e NSQEmpty) Target() string { return nsqTarget(e.Topic, e.Channel) }

// NSQDelete deletes a topic or a channel: from every lookupd, then from
// every node that has it, as nsqadmin does.
type NSQDelete struct{ Topic, Channel string }

func (d NSQDelete) Action() Action { return ActionNSQDelete }
func (d NSQDelete) Target() string { return nsqTarget(d.Topic, d.Channel) }

// NSQTombstone tombstones a topic on one node: every lookupd stops handing
// that node out for it, then the node deletes it, so it can be retired
// without consumers finding it again.
type NSQTombstone struct{ Topic, Node string }

func (t NSQTombstone) Action() Action { return ActionNSQTombstone }
func (t NSQTombstone) Target() string { return "topic " + t.Topic + " on nsqd " + t.Node }

// NSQCreate creates a topic, or a channel of it, in every lookupd and on
// the nodes as well (nsqadmin only registers it in lookupd: #1248): on
// Node when given, else on every node up.
type NSQCreate struct{ Topic, Channel, Node string }

func (c NSQCreate) Action() Action { return ActionNSQCreate }
func (c NSQCreate) Target() string { return nsqTarget(c.Topic, c.Channel) }
