package health_test

import (
	"encoding/json"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/sources/health"
)

// The JSON shape of what `topicat get -o json` prints: the snapshot types
// of sources and the findings. They are tested here, the one package that
// holds both systems' snapshots and the findings, rather than in sources.

var jsonT0 = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

// fields decodes v's JSON into a map.
func fields(t *testing.T, v any) map[string]any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal %T: %v", v, err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("unmarshal %s: %v", b, err)
	}
	return m
}

// shape is what one value's JSON must hold: keys with the values they must
// have (nil: null), keys that must be absent, and nothing else.
type shape struct {
	name   string
	value  any
	want   map[string]any
	absent []string
}

func checkShapes(t *testing.T, shapes []shape) {
	t.Helper()
	for _, tc := range shapes {
		t.Run(tc.name, func(t *testing.T) {
			got := fields(t, tc.value)
			for k, w := range tc.want {
				g, ok := got[k]
				if !ok {
					t.Errorf("key %q missing from %v", k, got)
					continue
				}
				if w == anything {
					continue
				}
				wb, _ := json.Marshal(w)
				gb, _ := json.Marshal(g)
				if string(wb) != string(gb) {
					t.Errorf("%s = %s, want %s", k, gb, wb)
				}
			}
			for _, k := range tc.absent {
				if _, ok := got[k]; ok {
					t.Errorf("key %q present: %v", k, got[k])
				}
			}
			for k := range got {
				if _, ok := tc.want[k]; !ok {
					t.Errorf("unexpected key %q (%v)", k, got[k])
				}
			}
		})
	}
}

// anything accepts any value under a key that must be present.
var anything = &struct{ any bool }{}

func TestKafkaJSON(t *testing.T) {
	part := sources.Partition{ID: 1, Leader: -1, Replicas: []int32{0, 1}, ISR: []int32{0}, Low: -1, High: -1, Rate: -1, Err: "LEADER_NOT_AVAILABLE"}
	gp := sources.GroupPartition{Topic: "orders", Partition: 1, Committed: 5, End: -1, Lag: -1}
	checkShapes(t, []shape{
		{"snapshot", sources.KafkaSnapshot{ClusterID: "c", Controller: -1}, map[string]any{
			"cluster_id": "c", "controller": nil, "brokers": []any{}, "topics": []any{}, "groups": []any{}, "cluster": anything,
			// Meta is embedded: its fields are the snapshot's (named by Meta).
			"seq": anything, "taken": anything, "took": anything, "last_ok": anything, "errors": anything,
		}, nil},
		{"cluster settings unknown", sources.ClusterConfig{DefaultReplicationFactor: -1, MinInsyncReplicas: -1, MessageMaxBytes: -1, Err: "no answer"}, map[string]any{
			"default_replication_factor": nil, "auto_create_topics": nil, "min_insync_replicas": nil, "message_max_bytes": nil, "error": "no answer",
		}, nil},
		{"cluster settings known", sources.ClusterConfig{DefaultReplicationFactor: 1, AutoCreateTopics: new(true), MinInsyncReplicas: 2, MessageMaxBytes: 1048588}, map[string]any{
			"default_replication_factor": 1, "auto_create_topics": true, "min_insync_replicas": 2, "message_max_bytes": 1048588,
		}, []string{"error"}},
		{"broker up", sources.Broker{ID: 1, Host: "k1", Port: 9092, Up: true, Leaders: 3, Replicas: 9}, map[string]any{
			"id": 1, "host": "k1", "port": 9092, "up": true, "down_since": nil, "leaders": 3, "replicas": 9,
		}, []string{"rack", "last_error"}},
		{"broker down, address unknown", sources.Broker{ID: 2, Rack: "r2", DownSince: jsonT0, LastErr: "EOF"}, map[string]any{
			"id": 2, "host": "", "port": nil, "rack": "r2", "up": false, "down_since": "2026-01-01T12:00:00Z", "last_error": "EOF", "leaders": 0, "replicas": 0,
		}, nil},
		{"topic, figures unknown", sources.Topic{Name: "orders", Partitions: []sources.Partition{part}, ReplicationFactor: 2, Offline: 1, Rate: -1,
			Rates: []float64{-1, 2.5}, Partial: true, RetentionMs: -1, MinInsync: -1, MaxMessageBytes: -1}, map[string]any{
			"name": "orders", "internal": false, "partitions": anything, "replication_factor": 2, "under_replicated": 0, "offline": 1,
			"messages": 0, "rate": nil, "rates": []any{nil, 2.5}, "partial": true,
			"cleanup_policy": nil, "retention_ms": nil, "min_insync_replicas": nil, "max_message_bytes": nil,
		}, []string{"error"}},
		{"topic kept forever", sources.Topic{Name: "ledger", Rate: 0, CleanupPolicy: "compact", RetentionMs: math.MaxInt64, MinInsync: 2, MaxMessageBytes: 2048, Err: "x"}, map[string]any{
			"name": "ledger", "internal": false, "partitions": []any{}, "replication_factor": 0, "under_replicated": 0, "offline": 0,
			"messages": 0, "rate": 0, "rates": []any{}, "partial": false,
			"cleanup_policy": "compact", "retention_ms": -1, "min_insync_replicas": 2, "max_message_bytes": 2048, "error": "x",
		}, nil},
		{"leaderless partition", part, map[string]any{
			"id": 1, "leader": nil, "replicas": []any{0, 1}, "isr": []any{0}, "offline_replicas": []any{},
			"low": nil, "high": nil, "rate": nil, "error": "LEADER_NOT_AVAILABLE",
		}, nil},
		{"group falling behind", sources.Group{ID: "analytics", State: "Stable", ProtocolType: "consumer", Protocol: "range", Coordinator: 0, Members: 1,
			Topics: []string{"clicks"}, Lag: 740, MaxLag: 123, Status: sources.StatusWarn, Lags: []int64{-1, 700, 740}, CatchUp: sources.CatchUpNever}, map[string]any{
			"id": "analytics", "state": "Stable", "protocol_type": "consumer", "protocol": "range", "coordinator": 0, "members": 1,
			"topics": []any{"clicks"}, "lag": 740, "max_lag": 123, "partitions": []any{}, "stale": false, "stale_since": nil,
			"status": "WARN", "lags": []any{nil, 700, 740}, "catch_up": nil, "catch_up_never": true, "keeps_up": false,
		}, []string{"error"}},
		{"group stale, catching up", sources.Group{ID: "billing", Coordinator: 2, Lag: -1, MaxLag: -1, Partitions: []sources.GroupPartition{gp},
			Stale: true, StaleSince: jsonT0, CatchUp: 90 * time.Second, Err: "not refreshed"}, map[string]any{
			"id": "billing", "state": "", "protocol_type": "", "protocol": "", "coordinator": 2, "members": 0,
			"topics": []any{}, "lag": nil, "max_lag": nil, "partitions": anything, "stale": true, "stale_since": "2026-01-01T12:00:00Z",
			"status": nil, "lags": []any{}, "catch_up": 90, "catch_up_never": false, "keeps_up": false, "error": "not refreshed",
		}, nil},
		{"group catch-up unknown", sources.Group{ID: "x", Coordinator: -1, CatchUp: sources.CatchUpUnknown}, map[string]any{
			"id": "x", "state": "", "protocol_type": "", "protocol": "", "coordinator": nil, "members": 0,
			"topics": []any{}, "lag": 0, "max_lag": 0, "partitions": []any{}, "stale": false, "stale_since": nil,
			"status": nil, "lags": []any{}, "catch_up": nil, "catch_up_never": false, "keeps_up": false,
		}, nil},
		{"group partition, end unknown", gp, map[string]any{
			"topic": "orders", "partition": 1, "committed": 5, "end": nil, "lag": nil, "member": nil, "status": nil,
		}, nil},
		{"group partition held", sources.GroupPartition{Topic: "orders", Committed: 5, End: 9, Lag: 4, Member: "svc-1", Status: sources.StatusOK}, map[string]any{
			"topic": "orders", "partition": 0, "committed": 5, "end": 9, "lag": 4, "member": "svc-1", "status": "OK",
		}, nil},
	})
}

func TestNSQJSON(t *testing.T) {
	checkShapes(t, []shape{
		{"snapshot", sources.NSQSnapshot{}, map[string]any{
			"lookupds": []any{}, "nodes": []any{}, "topics": []any{}, "inactive": []any{}, "inactive_at": nil,
			"seq": anything, "taken": anything, "took": anything, "last_ok": anything, "errors": anything,
		}, nil},
		{"lookupd down", sources.Lookupd{Addr: "http://l:4161", DownSince: jsonT0, Nodes: -1, Topics: -1, Err: "refused"}, map[string]any{
			"addr": "http://l:4161", "up": false, "down_since": "2026-01-01T12:00:00Z", "version": nil, "nodes": nil, "topics": nil, "error": "refused",
		}, nil},
		{"lookupd up", sources.Lookupd{Addr: "http://l:4161", Up: true, Version: "1.3.0", Nodes: 2, Topics: 3}, map[string]any{
			"addr": "http://l:4161", "up": true, "down_since": nil, "version": "1.3.0", "nodes": 2, "topics": 3,
		}, []string{"error"}},
		{"node known from lookupd only", sources.NSQNode{Addr: "n:4151", BroadcastAddress: "n"}, map[string]any{
			"addr": "n:4151", "hostname": "", "broadcast_address": "n", "tcp_port": nil, "http_port": nil, "version": nil, "health": nil,
			"up": false, "down_since": nil, "gone": false, "gone_since": nil, "start_time": nil, "lookupds": []any{}, "tombstoned": []any{}, "topics": []any{},
		}, []string{"error"}},
		{"node up", sources.NSQNode{Addr: "n:4151", TCPPort: 4150, HTTPPort: 4151, Version: "1.3.0", Health: "OK", Up: true, StartTime: jsonT0,
			Lookupds: []string{"http://l:4161"}, Topics: []sources.NSQTopicStats{{Name: "events"}}}, map[string]any{
			"addr": "n:4151", "hostname": "", "broadcast_address": "", "tcp_port": 4150, "http_port": 4151, "version": "1.3.0", "health": "OK",
			"up": true, "down_since": nil, "gone": false, "gone_since": nil, "start_time": "2026-01-01T12:00:00Z", "lookupds": []any{"http://l:4161"}, "tombstoned": []any{}, "topics": anything,
		}, []string{"error"}},
		{"topic stats", sources.NSQTopicStats{Name: "events", Depth: 3, BackendDepth: 1, Messages: 9, Paused: true, In: -1}, map[string]any{
			"name": "events", "depth": 3, "backend_depth": 1, "messages": 9, "message_bytes": 0, "paused": true, "in_rate": nil, "e2e": []any{}, "channels": []any{},
		}, nil},
		{"channel stats", sources.NSQChannelStats{Name: "archive", Depth: 1, InFlight: 2, Deferred: 3, Messages: 4, Requeued: 5, TimedOut: 6, Clients: 7, In: 1.5, Out: -1,
			RequeueRate: 0.5, TimeoutRate: -1}, map[string]any{
			"name": "archive", "depth": 1, "backend_depth": 0, "in_flight": 2, "deferred": 3, "messages": 4, "requeued": 5, "timed_out": 6, "clients": 7, "paused": false,
			"in_rate": 1.5, "out_rate": nil, "requeue_rate": 0.5, "timeout_rate": nil, "e2e": []any{},
		}, nil},
		{"topic, rate unknown", sources.NSQTopic{Name: "events", In: -1, Ins: []float64{-1, 2}, Depths: []int64{3, -1}, Partial: true,
			E2E: []sources.Percentile{{Quantile: 0.99, Value: 1500 * time.Millisecond}}}, map[string]any{
			"name": "events", "depth": 0, "backend_depth": 0, "in_flight": 0, "deferred": 0, "messages": 0, "message_bytes": 0, "paused": false, "paused_on": []any{},
			"nodes": []any{}, "tombstoned": []any{}, "channels": []any{}, "in_rate": nil, "in_rates": []any{nil, 2}, "depths": []any{3, nil}, "climbing": false,
			"e2e": []any{map[string]any{"quantile": 0.99, "value": 1.5}}, "partial": true,
		}, nil},
		{"channel", sources.NSQChannel{Topic: "events", Name: "archive", Clients: 1, Nodes: []string{"n:4151"}, PausedOn: []string{"n:4151"}, In: 3, Out: 2, Drain: sources.CatchUpNever}, map[string]any{
			"topic": "events", "name": "archive", "depth": 0, "backend_depth": 0, "in_flight": 0, "deferred": 0, "messages": 0, "requeued": 0,
			"timed_out": 0, "clients": 1, "paused": false, "paused_on": []any{"n:4151"}, "nodes": []any{"n:4151"}, "in_rate": 3, "out_rate": 2,
			"out_rates": []any{}, "depths": []any{}, "climbing": false, "drain": nil, "drain_never": true, "holds_steady": false, "e2e": []any{}, "partial": false,
		}, nil},
	})
}

func TestFindingJSON(t *testing.T) {
	checkShapes(t, []shape{
		{"finding", health.Finding{Severity: health.Error, System: sources.Kafka, Subject: "broker 2", Title: "broker is down", Why: "w", Fix: "f"}, map[string]any{
			"severity": "error", "system": "kafka", "subject": "broker 2", "title": "broker is down", "why": "w", "fix": "f",
		}, nil},
	})
	// A list of findings is what `get health -o json` prints.
	b, err := json.Marshal([]health.Finding{{Severity: health.Warning}, {Severity: health.Info}})
	if err != nil || !slices.Contains([]string{`[{"severity":"warning","system":"","subject":"","title":"","why":"","fix":""},{"severity":"info","system":"","subject":"","title":"","why":"","fix":""}]`}, string(b)) {
		t.Errorf("findings = %s, %v", b, err)
	}
}
