package nsq

import (
	"encoding/json"
	"time"

	"github.com/topicat/topicat/sources"
)

// The JSON of nsqd's /stats that the detail requests and actions read:
// clients, producers, memory, and whether a node has a topic or channel.

// nodeDetailJSON is /stats with include_mem and include_clients.
type nodeDetailJSON struct {
	Memory    *memJSON      `json:"memory"` // absent before include_mem, or when not asked
	Producers producersJSON `json:"producers"`
}

// producersJSON is /stats' producers, which arrived in nsqd 1.2: absent
// before (unknown), null when there are none.
type producersJSON struct {
	known bool
	list  []clientJSON
}

func (p *producersJSON) UnmarshalJSON(b []byte) error {
	p.known = true
	return json.Unmarshal(b, &p.list)
}

type memJSON struct {
	HeapObjects       uint64 `json:"heap_objects"`
	HeapIdleBytes     uint64 `json:"heap_idle_bytes"`
	HeapInUseBytes    uint64 `json:"heap_in_use_bytes"`
	HeapReleasedBytes uint64 `json:"heap_released_bytes"`
	GCPauseUsec100    uint64 `json:"gc_pause_usec_100"`
	GCPauseUsec99     uint64 `json:"gc_pause_usec_99"`
	GCPauseUsec95     uint64 `json:"gc_pause_usec_95"`
	NextGCBytes       uint64 `json:"next_gc_bytes"`
	GCTotalRuns       uint64 `json:"gc_total_runs"`
}

func (m memJSON) memory() *sources.NSQMemory {
	return &sources.NSQMemory{
		HeapObjects:       m.HeapObjects,
		HeapIdleBytes:     m.HeapIdleBytes,
		HeapInUseBytes:    m.HeapInUseBytes,
		HeapReleasedBytes: m.HeapReleasedBytes,
		GCPause100:        time.Duration(m.GCPauseUsec100) * time.Microsecond,
		GCPause99:         time.Duration(m.GCPauseUsec99) * time.Microsecond,
		GCPause95:         time.Duration(m.GCPauseUsec95) * time.Microsecond,
		NextGCBytes:       m.NextGCBytes,
		GCTotalRuns:       m.GCTotalRuns,
	}
}

// clientJSON is one connection in /stats: a channel's consumer, or a producer.
type clientJSON struct {
	ClientID      string `json:"client_id"`
	Hostname      string `json:"hostname"`
	Version       string `json:"version"`
	RemoteAddress string `json:"remote_address"`
	State         int    `json:"state"`
	ReadyCount    int64  `json:"ready_count"`
	InFlight      int64  `json:"in_flight_count"`
	Messages      uint64 `json:"message_count"`
	Finished      uint64 `json:"finish_count"`
	Requeued      uint64 `json:"requeue_count"`
	ConnectTS     int64  `json:"connect_ts"` // Unix seconds
	SampleRate    int32  `json:"sample_rate"`
	Deflate       bool   `json:"deflate"`
	Snappy        bool   `json:"snappy"`
	UserAgent     string `json:"user_agent"`
	Authed        bool   `json:"authed"`
	AuthIdentity  string `json:"auth_identity"`
	PubCounts     []struct {
		Topic string `json:"topic"`
		Count uint64 `json:"count"`
	} `json:"pub_counts"`
	TLS        bool   `json:"tls"`
	TLSCipher  string `json:"tls_cipher_suite"`
	TLSVersion string `json:"tls_version"`
}

// client is c as connected to node (its address as the snapshot has it).
func (c clientJSON) client(node string) sources.NSQClient {
	out := sources.NSQClient{
		Node:          node,
		ClientID:      c.ClientID,
		Hostname:      c.Hostname,
		RemoteAddress: c.RemoteAddress,
		Version:       c.Version,
		UserAgent:     c.UserAgent,
		State:         c.State,
		TLS:           c.TLS,
		TLSVersion:    c.TLSVersion,
		TLSCipher:     c.TLSCipher,
		Deflate:       c.Deflate,
		Snappy:        c.Snappy,
		SampleRate:    c.SampleRate,
		Authed:        c.Authed,
		AuthIdentity:  c.AuthIdentity,
		ReadyCount:    c.ReadyCount,
		InFlight:      c.InFlight,
		Messages:      c.Messages,
		Finished:      c.Finished,
		Requeued:      c.Requeued,
	}
	if c.ConnectTS > 0 {
		out.ConnectedAt = time.Unix(c.ConnectTS, 0)
	}
	for _, p := range c.PubCounts {
		out.PubCounts = append(out.PubCounts, sources.NSQPubCount{Topic: p.Topic, Count: p.Count})
	}
	return out
}

// holdingJSON is /stats filtered to a topic (and maybe a channel): what a
// node has of it. nsqd before 1.1 ignores the filters, so callers look for
// the names themselves.
type holdingJSON struct {
	Topics []struct {
		Name     string `json:"topic_name"`
		Depth    int64  `json:"depth"`
		Paused   bool   `json:"paused"`
		Channels []struct {
			Name    string       `json:"channel_name"`
			Depth   int64        `json:"depth"`
			Paused  bool         `json:"paused"`
			Clients []clientJSON `json:"clients"`
		} `json:"channels"`
	} `json:"topics"`
}
