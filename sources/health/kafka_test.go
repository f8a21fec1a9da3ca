package health

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/topicat/topicat/sources"
)

var t0 = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

// cluster3 is a healthy 3-broker snapshot to build cases on.
func cluster3() *sources.KafkaSnapshot {
	return &sources.KafkaSnapshot{
		Meta:    sources.Meta{LastOK: t0, Taken: t0},
		Brokers: []sources.Broker{{ID: 0, Up: true, Leaders: 4}, {ID: 1, Up: true, Leaders: 4}, {ID: 2, Up: true, Leaders: 4}},
		Cluster: sources.ClusterConfig{DefaultReplicationFactor: 3, AutoCreateTopics: new(false), MinInsyncReplicas: 1, MessageMaxBytes: 1048588},
	}
}

// parts are partitions with replicas 0,1,2 and the given ISRs (nil: all),
// leader the first of the ISR, each holding n messages.
func parts(n int64, isrs ...[]int32) []sources.Partition {
	out := make([]sources.Partition, len(isrs))
	for i, isr := range isrs {
		if isr == nil {
			isr = []int32{0, 1, 2}
		}
		out[i] = sources.Partition{ID: int32(i), Leader: isr[0], Replicas: []int32{0, 1, 2}, ISR: isr, Low: 0, High: n}
	}
	return out
}

func TestKafkaFindings(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(s *sources.KafkaSnapshot)
		want []string // severity, subject and the start of the title
		// why and fix must mention these (the first finding wanted)
		why, fix string
	}{
		{"healthy", func(*sources.KafkaSnapshot) {}, nil, "", ""},
		{"ISR below the topic's min.insync.replicas", func(s *sources.KafkaSnapshot) {
			s.Topics = []sources.Topic{{Name: "payments", ReplicationFactor: 3, MinInsync: 2, UnderReplicated: 2,
				Partitions: parts(10, nil, []int32{1}, []int32{2})}}
		}, []string{"error topic payments: 2 partitions below min.insync.replicas (2)", "warning topic payments: 2 under-replicated"},
			"partitions 1, 2 have fewer than 2 replicas in sync: acks=all producers", "bring brokers 0, 1, 2 back in sync"},
		{"ISR below the brokers' min.insync.replicas when the topic's is unknown", func(s *sources.KafkaSnapshot) {
			s.Cluster.MinInsyncReplicas = 2
			s.Topics = []sources.Topic{{Name: "payments", ReplicationFactor: 3, MinInsync: -1, UnderReplicated: 1,
				Partitions: parts(10, []int32{0})}}
		}, []string{"error topic payments: 1 partition below min.insync.replicas (2)", "warning topic payments: 1 under-replicated"},
			"NOT_ENOUGH_REPLICAS", "brokers 1, 2"},
		{"an offline partition is not counted again below min.insync", func(s *sources.KafkaSnapshot) {
			p := parts(10, []int32{0})
			p[0].Leader, p[0].ISR = -1, nil
			s.Topics = []sources.Topic{{Name: "payments", ReplicationFactor: 3, MinInsync: 2, Offline: 1, UnderReplicated: 1, Partial: true, Partitions: p}}
		}, []string{"error topic payments: 1 offline partition", "warning topic payments: 1 under-replicated"}, "", ""},
		{"replication factor below min.insync.replicas", func(s *sources.KafkaSnapshot) {
			s.Topics = []sources.Topic{{Name: "audit", ReplicationFactor: 2, MinInsync: 3, Partitions: parts(10, nil)}}
		}, []string{"error topic audit: replication factor 2 below min.insync.replicas 3"}, "never", "raise the replication factor"},
		{"default.replication.factor 1 with auto-created topics", func(s *sources.KafkaSnapshot) {
			s.Cluster.DefaultReplicationFactor, s.Cluster.AutoCreateTopics = 1, new(true)
		}, []string{"error kafka cluster: default.replication.factor is 1 and topics are auto-created"},
			"creates it with one replica", "auto.create.topics.enable=false"},
		{"default.replication.factor 1, auto-creation unknown", func(s *sources.KafkaSnapshot) {
			s.Cluster.DefaultReplicationFactor, s.Cluster.AutoCreateTopics = 1, nil
			s.Cluster.Err = "broker 0 did not report auto.create.topics.enable"
		}, []string{"warning kafka cluster: default.replication.factor is 1"},
			"whether topics are auto-created is unknown (broker 0 did not report auto.create.topics.enable)", "default.replication.factor=3"},
		{"default.replication.factor 1, auto-creation off", func(s *sources.KafkaSnapshot) {
			s.Cluster.DefaultReplicationFactor = 1
		}, []string{"info kafka cluster: default.replication.factor is 1"}, "", ""},
		{"default.replication.factor 1 on a one-broker cluster: nothing to replicate to", func(s *sources.KafkaSnapshot) {
			s.Cluster.DefaultReplicationFactor, s.Cluster.AutoCreateTopics = 1, new(true)
			s.Brokers = s.Brokers[:1]
		}, nil, "", ""},
		{"broker settings unreadable", func(s *sources.KafkaSnapshot) {
			s.Cluster = sources.ClusterConfig{DefaultReplicationFactor: -1, MinInsyncReplicas: -1, MessageMaxBytes: -1, Err: "describe configs on broker 0: CLUSTER_AUTHORIZATION_FAILED"}
		}, []string{"info kafka cluster: broker settings unknown"}, "CLUSTER_AUTHORIZATION_FAILED", "DescribeConfigs"},
		{"leader imbalance", func(s *sources.KafkaSnapshot) {
			s.Brokers[0].Leaders, s.Brokers[1].Leaders, s.Brokers[2].Leaders = 10, 1, 1
		}, []string{"warning broker 0: leads 10 partitions, 2.5× its share"}, "10 of 12 partitions", "preferred leader election"},
		{"a small difference is no imbalance", func(s *sources.KafkaSnapshot) {
			s.Brokers[0].Leaders, s.Brokers[1].Leaders, s.Brokers[2].Leaders = 3, 1, 1
		}, nil, "", ""},
		{"a down broker's leaderships moved: the live ones share them", func(s *sources.KafkaSnapshot) {
			s.Brokers[2].Up, s.Brokers[0].Leaders, s.Brokers[1].Leaders, s.Brokers[2].Leaders = false, 6, 6, 0
		}, []string{"error broker 2: broker is down"}, "cannot be listed", ""},
		{"partition skew", func(s *sources.KafkaSnapshot) {
			p := parts(100, nil, nil, nil, nil)
			p[2].High = 2000
			s.Topics = []sources.Topic{{Name: "clicks", ReplicationFactor: 3, Messages: 2300, Partitions: p}}
		}, []string{"warning topic clicks: partition 2 holds 3.5× the average"}, "2000 of 2300 messages", "record keys"},
		{"skew on a small topic is noise", func(s *sources.KafkaSnapshot) {
			p := parts(10, nil, nil)
			p[1].High = 500
			s.Topics = []sources.Topic{{Name: "clicks", ReplicationFactor: 3, Messages: 510, Partitions: p}}
		}, nil, "", ""},
		{"partial topic", func(s *sources.KafkaSnapshot) {
			p := parts(100, nil, nil, nil)
			p[1].Low, p[1].High, p[1].Err = -1, -1, "leader broker 1 did not answer"
			s.Topics = []sources.Topic{{Name: "orders", ReplicationFactor: 3, Messages: 200, Partial: true, Partitions: p}}
		}, []string{"warning topic orders: offsets of 1 partition unreadable"}, "partition 1, so they read low: leader broker 1 did not answer", "leaders"},
		{"group WARN", func(s *sources.KafkaSnapshot) {
			s.Groups = []sources.Group{{ID: "analytics", State: "Stable", Members: 1, Lag: 740, Status: sources.StatusWarn, CatchUp: sources.CatchUpNever}}
		}, []string{"warning group analytics: lag growing (WARN), lag 740, never catches up at this pace"}, "slower than the producers", "add consumers"},
		{"group STALL", func(s *sources.KafkaSnapshot) {
			s.Groups = []sources.Group{{ID: "stuck", State: "Stable", Members: 1, Lag: 40, Status: sources.StatusStall,
				Partitions: []sources.GroupPartition{{Topic: "orders", Partition: 0, Status: sources.StatusStall}, {Topic: "orders", Partition: 1, Status: sources.StatusOK}}}}
		}, []string{"error group stuck: stalled (STALL), lag 40"}, "on orders/0 has not moved", "logs"},
		{"group STOP: no second finding for its empty state", func(s *sources.KafkaSnapshot) {
			s.Groups = []sources.Group{{ID: "audit-archiver", State: "Empty", Lag: 170, Status: sources.StatusStop}}
		}, []string{"error group audit-archiver: stopped (STOP), lag 170"}, "no consumer reads them", "start the group's consumers"},
		{"group REWIND", func(s *sources.KafkaSnapshot) {
			s.Groups = []sources.Group{{ID: "reset", State: "Empty", Status: sources.StatusRewind}}
		}, []string{"warning group reset: offsets went back (REWIND)"}, "processed again", "old offsets"},
		{"coordinator unreachable", func(s *sources.KafkaSnapshot) {
			s.Brokers[2].Up = false
			s.Groups = []sources.Group{{ID: "billing", State: "Stable", Coordinator: 2, Lag: 302, Stale: true, StaleSince: t0.Add(-time.Minute),
				Err: "not refreshed: coordinator broker 2 failed api versions: the broker closed the connection before answering"}}
		}, []string{"error broker 2: broker is down", "error group billing: coordinator broker 2 unreachable"},
			"the 1 consumer group it coordinates cannot be read", ""},
		{"stale because a leader is down", func(s *sources.KafkaSnapshot) {
			s.Groups = []sources.Group{{ID: "billing", State: "Stable", Coordinator: 0, Lag: 302, Stale: true, StaleSince: t0.Add(-time.Minute),
				Err: "lag of 2 partitions as last read: leader broker 2 did not answer"}}
		}, []string{"warning group billing: figures stale since at 2026-01-01T11:59:00Z"}, "leader broker 2 did not answer", "failing broker"},
		{"figures incomplete", func(s *sources.KafkaSnapshot) {
			s.Groups = []sources.Group{{ID: "billing", State: "Stable", Lag: 30, Err: "lag unknown for 2 partitions: leader broker 2 did not answer"}}
		}, []string{"warning group billing: figures incomplete"}, "may read low", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := cluster3()
			tc.edit(s)
			fs := Kafka(s)
			got := titles(fs)
			if len(got) != len(tc.want) {
				t.Fatalf("findings %q, want %q", got, tc.want)
			}
			for i, w := range tc.want {
				if !strings.HasPrefix(got[i], w) {
					t.Errorf("finding %d = %q, want %q…", i, got[i], w)
				}
			}
			if len(fs) > 0 && (!strings.Contains(fs[0].Why, tc.why) || !strings.Contains(fs[0].Fix, tc.fix) || fs[0].Why == "" || fs[0].Fix == "") {
				t.Errorf("why %q, fix %q; want them to mention %q and %q", fs[0].Why, fs[0].Fix, tc.why, tc.fix)
			}
		})
	}
}

func TestKafkaFindingsEveryOneExplained(t *testing.T) {
	s := cluster3()
	s.Cluster.DefaultReplicationFactor, s.Cluster.AutoCreateTopics = 1, new(true)
	s.Brokers[0].Leaders = 20
	s.Groups = []sources.Group{{ID: "a", Status: sources.StatusWarn}, {ID: "b", Status: sources.StatusStall}, {ID: "c", Status: sources.StatusStop}, {ID: "d", Status: sources.StatusRewind}}
	fs := Kafka(s)
	if len(fs) != 6 {
		t.Fatalf("findings %q", titles(fs))
	}
	for _, f := range fs {
		if f.Why == "" || f.Fix == "" || f.Subject == "" || f.System != sources.Kafka {
			t.Errorf("finding without its explanation: %+v", f)
		}
	}
	if !slices.IsSortedFunc(fs, func(a, b Finding) int { return int(b.Severity) - int(a.Severity) }) {
		t.Errorf("not worst first: %q", titles(fs))
	}
}
