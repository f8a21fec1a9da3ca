package sources

import (
	"encoding/json"
	"strconv"
	"time"
)

// NSQSnapshot is one poll of an NSQ cluster: every nsqlookupd, every nsqd, and
// the topics and channels merged across nodes.
type NSQSnapshot struct {
	Meta
	Lookupds []Lookupd  `json:"lookupds"` // in configured order
	Nodes    []NSQNode  `json:"nodes"`    // by address
	Topics   []NSQTopic `json:"topics"`   // merged across nodes, by name
	// Inactive are the topics and channels the lookupds have registered
	// with no node producing them (nsqadmin's "lookup" page), read every
	// few polls; InactiveAt is when (zero before the first reading).
	Inactive   []NSQInactive `json:"inactive"`
	InactiveAt time.Time     `json:"inactive_at"`
}

// NSQInactive is a topic, or a channel of one, registered in lookupds that
// know no node producing it.
type NSQInactive struct {
	Topic    string   `json:"topic"`
	Channel  string   `json:"channel,omitempty"` // "" for the topic itself
	Lookupds []string `json:"lookupds"`          // which lookupds list it
}

func (s *NSQSnapshot) System() System { return NSQ }
func (s *NSQSnapshot) Metadata() Meta { return s.Meta }

// Lookupd is one nsqlookupd as the last poll saw it.
type Lookupd struct {
	Addr      string    `json:"addr"` // http://host:port
	Up        bool      `json:"up"`
	DownSince time.Time `json:"down_since"`
	Version   string    `json:"version"`
	// Nodes and Topics are what it knows now; -1 while it is down (what it
	// knew before is no figure of now).
	Nodes  int    `json:"nodes"`
	Topics int    `json:"topics"`
	Err    string `json:"error,omitempty"`
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
	// Gone is a node that stopped answering after every lookupd that knew it
	// let it go (a clean shutdown de-registers it): decommissioned, not
	// down. It is listed from GoneSince for a while, then dropped.
	Gone      bool      `json:"gone"`
	GoneSince time.Time `json:"gone_since"`
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
	Name         string `json:"name"`
	Depth        int64  `json:"depth"` // memory and disk; memory is Depth - BackendDepth
	BackendDepth int64  `json:"backend_depth"`
	Messages     uint64 `json:"messages"`
	// MessageBytes is what was published, in bytes; 0 from nsqd before 1.2.
	MessageBytes uint64 `json:"message_bytes"`
	Paused       bool   `json:"paused"`
	// In is messages per second published to it on this node since the
	// previous poll; negative when unknown.
	In float64 `json:"in_rate"`
	// E2E are nsqd's end-to-end processing latency percentiles, when it
	// is started with --e2e-processing-latency-percentile; nil otherwise.
	E2E      []Percentile      `json:"e2e"`
	Channels []NSQChannelStats `json:"channels"` // by name
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
	// In is messages per second copied into the channel, Out messages per
	// second that left it (finished: in minus what it holds more), on this
	// node since the previous poll; negative when unknown.
	In  float64 `json:"in_rate"`
	Out float64 `json:"out_rate"`
	// RequeueRate and TimeoutRate are requeues and timeouts per second on
	// this node since the previous poll, negative when unknown: Requeued
	// and TimedOut count from nsqd's start, so cannot tell a storm now from
	// one long over.
	RequeueRate float64      `json:"requeue_rate"`
	TimeoutRate float64      `json:"timeout_rate"`
	E2E         []Percentile `json:"e2e"`
}

// Percentile is one end-to-end latency percentile: the time from publish
// to finish under which Quantile of messages fall.
type Percentile struct {
	Quantile float64       `json:"quantile"`
	Value    time.Duration `json:"value"`
}

// NSQTopic is a topic totalled across the nodes that carry it.
type NSQTopic struct {
	Name         string `json:"name"`
	Depth        int64  `json:"depth"`
	BackendDepth int64  `json:"backend_depth"`
	InFlight     int64  `json:"in_flight"`
	Deferred     int64  `json:"deferred"`
	Messages     uint64 `json:"messages"`
	MessageBytes uint64 `json:"message_bytes"`
	// Paused is set when every node that carries it has it paused;
	// PausedOn lists the nodes that do (paused on 1 of 3 is not paused).
	Paused     bool         `json:"paused"`
	PausedOn   []string     `json:"paused_on"`
	Nodes      []string     `json:"nodes"`
	Tombstoned []string     `json:"tombstoned"` // nodes a lookupd lists it tombstoned on
	Channels   []NSQChannel `json:"channels"`   // by name
	// In is messages per second published since the previous poll; negative
	// when unknown. Ins are the rates of the recent polls, oldest first, and
	// Depths the depths, for trends (unknown ones negative).
	In     float64   `json:"in_rate"`
	Ins    []float64 `json:"in_rates"`
	Depths []int64   `json:"depths"`
	// Climbing is set when the depth grew at each of the last polls.
	Climbing bool `json:"climbing"`
	// E2E merges the nodes' percentiles weighted by their counts, as
	// nsqadmin does (not a true merge).
	E2E []Percentile `json:"e2e"`
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
	Paused       bool     `json:"paused"` // on every node that carries it
	PausedOn     []string `json:"paused_on"`
	Nodes        []string `json:"nodes"`
	// In and Out are messages per second into and out of the channel since
	// the previous poll (nsq_stat's ingress and egress); negative when
	// unknown. Outs and Depths are the recent polls', oldest first.
	In     float64   `json:"in_rate"`
	Out    float64   `json:"out_rate"`
	Outs   []float64 `json:"out_rates"`
	Depths []int64   `json:"depths"`
	// Climbing is set when the depth grew at each of the last polls.
	Climbing bool `json:"climbing"`
	// Drain estimates the time to empty the channel: depth ÷ (Out − In).
	// 0 when empty; CatchUpNever when it grows; CatchUpSteady when it holds;
	// CatchUpUnknown before there are enough polls.
	Drain   time.Duration `json:"drain"`
	E2E     []Percentile  `json:"e2e"`
	Partial bool          `json:"partial"`
}

// JSON: see the conventions above KafkaSnapshot's MarshalJSON.

func (s NSQSnapshot) MarshalJSON() ([]byte, error) {
	type plain NSQSnapshot
	return json.Marshal(struct {
		plain
		metaJSON
		Lookupds   []Lookupd     `json:"lookupds"`
		Nodes      []NSQNode     `json:"nodes"`
		Topics     []NSQTopic    `json:"topics"`
		Inactive   []NSQInactive `json:"inactive"`
		InactiveAt *time.Time    `json:"inactive_at"`
	}{plain(s), s.Meta.json(), jsonList(s.Lookupds), jsonList(s.Nodes), jsonList(s.Topics), jsonList(s.Inactive), jsonTime(s.InactiveAt)})
}

func (i NSQInactive) MarshalJSON() ([]byte, error) {
	type plain NSQInactive
	return json.Marshal(struct {
		plain
		Lookupds []string `json:"lookupds"`
	}{plain(i), jsonList(i.Lookupds)})
}

func (l Lookupd) MarshalJSON() ([]byte, error) {
	type plain Lookupd
	return json.Marshal(struct {
		plain
		DownSince *time.Time `json:"down_since"`
		Version   *string    `json:"version"`
		Nodes     *int       `json:"nodes"`
		Topics    *int       `json:"topics"`
	}{plain(l), jsonTime(l.DownSince), jsonText(l.Version), Known(l.Nodes), Known(l.Topics)})
}

// MarshalJSON writes the value in seconds, as every duration.
func (p Percentile) MarshalJSON() ([]byte, error) { return p.appendJSON(make([]byte, 0, 48)), nil }

func (p Percentile) appendJSON(b []byte) []byte {
	b = append(b, `{"quantile":`...)
	b = appendJSONFloat(b, p.Quantile)
	b = append(b, `,"value":`...)
	b = appendJSONFloat(b, p.Value.Seconds())
	return append(b, '}')
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
		GoneSince  *time.Time      `json:"gone_since"`
		StartTime  *time.Time      `json:"start_time"`
		Lookupds   []string        `json:"lookupds"`
		Tombstoned []string        `json:"tombstoned"`
		Topics     []NSQTopicStats `json:"topics"`
	}{plain(n), jsonPort(n.TCPPort), jsonPort(n.HTTPPort), jsonText(n.Version), jsonText(n.Health), jsonTime(n.DownSince), jsonTime(n.GoneSince), jsonTime(n.StartTime),
		jsonList(n.Lookupds), jsonList(n.Tombstoned), jsonList(n.Topics)})
}

// The topics and channels, per node and merged, write their JSON by hand,
// as Kafka's Topic does: `get nsq topics -o json` at 12,000 channels spent
// most of its output time in reflection and in re-validating each nested
// MarshalJSON's output. The keys are in the order encoding/json gave them
// (TestNSQJSONAsReflection holds the two equal).

func (t NSQTopicStats) MarshalJSON() ([]byte, error) {
	return t.appendJSON(make([]byte, 0, 256+200*len(t.Channels))), nil
}

func (t NSQTopicStats) appendJSON(b []byte) []byte {
	b = append(b, `{"name":`...)
	b = appendJSONString(b, t.Name)
	b = append(b, `,"depth":`...)
	b = strconv.AppendInt(b, t.Depth, 10)
	b = append(b, `,"backend_depth":`...)
	b = strconv.AppendInt(b, t.BackendDepth, 10)
	b = append(b, `,"messages":`...)
	b = strconv.AppendUint(b, t.Messages, 10)
	b = append(b, `,"message_bytes":`...)
	b = strconv.AppendUint(b, t.MessageBytes, 10)
	b = append(b, `,"paused":`...)
	b = strconv.AppendBool(b, t.Paused)
	b = append(b, `,"in_rate":`...)
	b = appendKnownFloat(b, t.In)
	b = append(b, `,"e2e":`...)
	b = appendPercentiles(b, t.E2E)
	b = append(b, `,"channels":[`...)
	for i, c := range t.Channels {
		if i > 0 {
			b = append(b, ',')
		}
		b = c.appendJSON(b)
	}
	return append(b, "]}"...)
}

func (c NSQChannelStats) MarshalJSON() ([]byte, error) {
	return c.appendJSON(make([]byte, 0, 256)), nil
}

func (c NSQChannelStats) appendJSON(b []byte) []byte {
	b = append(b, `{"name":`...)
	b = appendJSONString(b, c.Name)
	b = append(b, `,"depth":`...)
	b = strconv.AppendInt(b, c.Depth, 10)
	b = append(b, `,"backend_depth":`...)
	b = strconv.AppendInt(b, c.BackendDepth, 10)
	b = append(b, `,"in_flight":`...)
	b = strconv.AppendInt(b, c.InFlight, 10)
	b = append(b, `,"deferred":`...)
	b = strconv.AppendInt(b, c.Deferred, 10)
	b = append(b, `,"messages":`...)
	b = strconv.AppendUint(b, c.Messages, 10)
	b = append(b, `,"requeued":`...)
	b = strconv.AppendUint(b, c.Requeued, 10)
	b = append(b, `,"timed_out":`...)
	b = strconv.AppendUint(b, c.TimedOut, 10)
	b = append(b, `,"clients":`...)
	b = strconv.AppendInt(b, int64(c.Clients), 10)
	b = append(b, `,"paused":`...)
	b = strconv.AppendBool(b, c.Paused)
	b = append(b, `,"in_rate":`...)
	b = appendKnownFloat(b, c.In)
	b = append(b, `,"out_rate":`...)
	b = appendKnownFloat(b, c.Out)
	b = append(b, `,"requeue_rate":`...)
	b = appendKnownFloat(b, c.RequeueRate)
	b = append(b, `,"timeout_rate":`...)
	b = appendKnownFloat(b, c.TimeoutRate)
	b = append(b, `,"e2e":`...)
	b = appendPercentiles(b, c.E2E)
	return append(b, '}')
}

func (t NSQTopic) MarshalJSON() ([]byte, error) {
	return t.appendJSON(make([]byte, 0, 384+400*len(t.Channels))), nil
}

func (t NSQTopic) appendJSON(b []byte) []byte {
	b = append(b, `{"name":`...)
	b = appendJSONString(b, t.Name)
	b = append(b, `,"depth":`...)
	b = strconv.AppendInt(b, t.Depth, 10)
	b = append(b, `,"backend_depth":`...)
	b = strconv.AppendInt(b, t.BackendDepth, 10)
	b = append(b, `,"in_flight":`...)
	b = strconv.AppendInt(b, t.InFlight, 10)
	b = append(b, `,"deferred":`...)
	b = strconv.AppendInt(b, t.Deferred, 10)
	b = append(b, `,"messages":`...)
	b = strconv.AppendUint(b, t.Messages, 10)
	b = append(b, `,"message_bytes":`...)
	b = strconv.AppendUint(b, t.MessageBytes, 10)
	b = append(b, `,"paused":`...)
	b = strconv.AppendBool(b, t.Paused)
	b = append(b, `,"climbing":`...)
	b = strconv.AppendBool(b, t.Climbing)
	b = append(b, `,"partial":`...)
	b = strconv.AppendBool(b, t.Partial)
	b = append(b, `,"paused_on":`...)
	b = appendStrings(b, t.PausedOn)
	b = append(b, `,"nodes":`...)
	b = appendStrings(b, t.Nodes)
	b = append(b, `,"tombstoned":`...)
	b = appendStrings(b, t.Tombstoned)
	b = append(b, `,"channels":[`...)
	for i, c := range t.Channels {
		if i > 0 {
			b = append(b, ',')
		}
		b = c.appendJSON(b)
	}
	b = append(b, `],"in_rate":`...)
	b = appendKnownFloat(b, t.In)
	b = append(b, `,"in_rates":`...)
	b = appendKnownFloats(b, t.Ins)
	b = append(b, `,"depths":`...)
	b = appendKnownInts(b, t.Depths)
	b = append(b, `,"e2e":`...)
	b = appendPercentiles(b, t.E2E)
	return append(b, '}')
}

func (c NSQChannel) MarshalJSON() ([]byte, error) { return c.appendJSON(make([]byte, 0, 400)), nil }

// appendJSON writes Drain as seconds, null when unknown, with drain_never
// when the channel grows and holds_steady when it holds (drain null then too).
func (c NSQChannel) appendJSON(b []byte) []byte {
	b = append(b, `{"topic":`...)
	b = appendJSONString(b, c.Topic)
	b = append(b, `,"name":`...)
	b = appendJSONString(b, c.Name)
	b = append(b, `,"depth":`...)
	b = strconv.AppendInt(b, c.Depth, 10)
	b = append(b, `,"backend_depth":`...)
	b = strconv.AppendInt(b, c.BackendDepth, 10)
	b = append(b, `,"in_flight":`...)
	b = strconv.AppendInt(b, c.InFlight, 10)
	b = append(b, `,"deferred":`...)
	b = strconv.AppendInt(b, c.Deferred, 10)
	b = append(b, `,"messages":`...)
	b = strconv.AppendUint(b, c.Messages, 10)
	b = append(b, `,"requeued":`...)
	b = strconv.AppendUint(b, c.Requeued, 10)
	b = append(b, `,"timed_out":`...)
	b = strconv.AppendUint(b, c.TimedOut, 10)
	b = append(b, `,"clients":`...)
	b = strconv.AppendInt(b, int64(c.Clients), 10)
	b = append(b, `,"paused":`...)
	b = strconv.AppendBool(b, c.Paused)
	b = append(b, `,"climbing":`...)
	b = strconv.AppendBool(b, c.Climbing)
	b = append(b, `,"partial":`...)
	b = strconv.AppendBool(b, c.Partial)
	b = append(b, `,"paused_on":`...)
	b = appendStrings(b, c.PausedOn)
	b = append(b, `,"nodes":`...)
	b = appendStrings(b, c.Nodes)
	b = append(b, `,"in_rate":`...)
	b = appendKnownFloat(b, c.In)
	b = append(b, `,"out_rate":`...)
	b = appendKnownFloat(b, c.Out)
	b = append(b, `,"out_rates":`...)
	b = appendKnownFloats(b, c.Outs)
	b = append(b, `,"depths":`...)
	b = appendKnownInts(b, c.Depths)
	b = append(b, `,"drain":`...)
	if c.Drain >= 0 {
		b = appendJSONFloat(b, c.Drain.Seconds())
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"drain_never":`...)
	b = strconv.AppendBool(b, c.Drain == CatchUpNever)
	b = append(b, `,"holds_steady":`...)
	b = strconv.AppendBool(b, c.Drain == CatchUpSteady)
	b = append(b, `,"e2e":`...)
	b = appendPercentiles(b, c.E2E)
	return append(b, '}')
}

// appendStrings writes xs as a list; nil is an empty one.
func appendStrings(b []byte, xs []string) []byte {
	b = append(b, '[')
	for i, x := range xs {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, x)
	}
	return append(b, ']')
}

func appendKnownFloats(b []byte, fs []float64) []byte {
	b = append(b, '[')
	for i, f := range fs {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendKnownFloat(b, f)
	}
	return append(b, ']')
}

func appendKnownInts(b []byte, ns []int64) []byte {
	b = append(b, '[')
	for i, n := range ns {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendKnownInt(b, n)
	}
	return append(b, ']')
}

func appendPercentiles(b []byte, ps []Percentile) []byte {
	b = append(b, '[')
	for i, p := range ps {
		if i > 0 {
			b = append(b, ',')
		}
		b = p.appendJSON(b)
	}
	return append(b, ']')
}
