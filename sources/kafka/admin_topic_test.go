package kafka_test

import (
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/sources/kafka/kafkatest"
)

func TestCreateTopic(t *testing.T) {
	c := kafkatest.NewCluster(t)
	c.CreateTopics(1, 3, "taken")
	s := newSource(t, c.Addrs())

	tests := []struct {
		name      string
		body      sources.CreateTopic
		refusal   string // the whole request's error
		targetErr string
		detail    string
	}{
		{name: "with configs", body: sources.CreateTopic{Topic: "orders", Partitions: 6, ReplicationFactor: 3, Configs: map[string]string{"retention.ms": "3600000", "cleanup.policy": "compact"}},
			detail: "created: 6 partitions, replication factor 3, cleanup.policy=compact, retention.ms=3600000"},
		{name: "a replication factor below 3 is allowed", body: sources.CreateTopic{Topic: "audit", Partitions: 1, ReplicationFactor: 1},
			detail: "created: 1 partition, replication factor 1"},
		{name: "more copies than brokers", body: sources.CreateTopic{Topic: "wide", Partitions: 2, ReplicationFactor: 4},
			refusal: "create topic wide: replication factor 4 is more than the cluster's 3 live brokers (0, 1, 2): at most 3"},
		{name: "no partitions", body: sources.CreateTopic{Topic: "empty", Partitions: 0, ReplicationFactor: 1},
			refusal: "0 partitions: want at least 1"},
		{name: "no name", body: sources.CreateTopic{Partitions: 1, ReplicationFactor: 1}, refusal: "no name given"},
		{name: "already there", body: sources.CreateTopic{Topic: "taken", Partitions: 1, ReplicationFactor: 1}, targetErr: "already exists"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.refusal != "" {
				refused(t, s, tc.body, tc.refusal)
				if tc.body.Topic != "" {
					if _, ok := topicMeta(t, c, tc.body.Topic); ok {
						t.Fatalf("%s was created anyway", tc.body.Topic)
					}
				}
				return
			}
			res := do(t, s, tc.body)
			if res.Err != "" || len(res.Targets) != 1 || res.Targets[0].Target != "topic "+tc.body.Topic {
				t.Fatalf("result %+v", res)
			}
			if got := res.Targets[0]; got.Err != tc.targetErr || got.Detail != tc.detail {
				t.Fatalf("target %+v, want err %q detail %q", got, tc.targetErr, tc.detail)
			}
			if tc.targetErr != "" {
				return
			}
			// The effect, as Kafka has it.
			replicas, ok := topicMeta(t, c, tc.body.Topic)
			if !ok || len(replicas) != int(tc.body.Partitions) {
				t.Fatalf("%s in metadata: %v", tc.body.Topic, replicas)
			}
			for p, rs := range replicas {
				if len(rs) != int(tc.body.ReplicationFactor) {
					t.Errorf("%s/%d has replicas %v, want %d", tc.body.Topic, p, rs, tc.body.ReplicationFactor)
				}
			}
			for k, v := range tc.body.Configs {
				if kc := topicConfig(t, c, tc.body.Topic, k); kc.MaybeValue() != v || kc.Source != kmsg.ConfigSourceDynamicTopicConfig {
					t.Errorf("%s: %s = %q from %v", tc.body.Topic, k, kc.MaybeValue(), kc.Source)
				}
			}
		})
	}
}

func TestDeleteTopic(t *testing.T) {
	c := kafkatest.NewCluster(t)
	c.CreateTopics(2, 3, "old")
	c.Produce("old", 4)
	s := newSource(t, c.Addrs())

	res := succeed(t, s, sources.DeleteTopic{Topic: "old"})
	if res.Targets[0].Target != "topic old" || res.Targets[0].Detail != "deleted" {
		t.Errorf("targets %+v", res.Targets)
	}
	if _, ok := topicMeta(t, c, "old"); ok {
		t.Fatal("old is still in metadata")
	}
	res = do(t, s, sources.DeleteTopic{Topic: "old"})
	if res.Err != "" || len(res.Targets) != 1 || res.Targets[0].Err != "does not exist" {
		t.Fatalf("deleting it again: %+v", res)
	}
	refused(t, s, sources.DeleteTopic{}, "no name given")
}

func TestAlterTopic(t *testing.T) {
	c := kafkatest.NewCluster(t)
	c.CreateTopic("orders", 3, 3, map[string]string{"cleanup.policy": "compact"})
	s := newSource(t, c.Addrs())
	partitions := func() int {
		replicas, ok := topicMeta(t, c, "orders")
		if !ok {
			t.Fatal("orders is gone")
		}
		return len(replicas)
	}

	tests := []struct {
		name    string
		body    sources.AlterTopic
		refusal string
		targets []sources.TargetResult
		after   int // partitions, as Kafka has them
	}{
		{name: "more partitions", body: sources.AlterTopic{Topic: "orders", Partitions: 5},
			targets: []sources.TargetResult{{Target: "topic orders partitions", Detail: "3 → 5 partitions"}}, after: 5},
		{name: "fewer partitions", body: sources.AlterTopic{Topic: "orders", Partitions: 2},
			refusal: "alter topic orders: orders has 5 partitions (0-4) and Kafka cannot remove partitions: give 5 or more", after: 5},
		{name: "as many partitions", body: sources.AlterTopic{Topic: "orders", Partitions: 5},
			targets: []sources.TargetResult{{Target: "topic orders partitions", Detail: "already 5 partitions: nothing to add"}}, after: 5},
		{name: "set and delete configs", body: sources.AlterTopic{Topic: "orders", SetConfigs: map[string]string{"retention.ms": "1234"}, DeleteConfigs: []string{"cleanup.policy"}},
			targets: []sources.TargetResult{{Target: "topic orders configs", Detail: "set retention.ms=1234; deleted cleanup.policy (back to the default)"}}, after: 5},
		{name: "both at once", body: sources.AlterTopic{Topic: "orders", Partitions: 6, SetConfigs: map[string]string{"retention.ms": "99"}},
			targets: []sources.TargetResult{{Target: "topic orders partitions", Detail: "5 → 6 partitions"}, {Target: "topic orders configs", Detail: "set retention.ms=99"}}, after: 6},
		{name: "a config set and deleted", body: sources.AlterTopic{Topic: "orders", SetConfigs: map[string]string{"retention.ms": "1"}, DeleteConfigs: []string{"retention.ms"}},
			refusal: "retention.ms is both set and deleted", after: 6},
		{name: "nothing to change", body: sources.AlterTopic{Topic: "orders"}, refusal: "nothing to change", after: 6},
		{name: "no such topic", body: sources.AlterTopic{Topic: "nope", Partitions: 9}, refusal: `topic "nope" does not exist`, after: 6},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.refusal != "" {
				refused(t, s, tc.body, tc.refusal)
			} else {
				res := succeed(t, s, tc.body)
				if len(res.Targets) != len(tc.targets) {
					t.Fatalf("targets %+v, want %+v", res.Targets, tc.targets)
				}
				for i, want := range tc.targets {
					if res.Targets[i] != want {
						t.Errorf("target %d: %+v, want %+v", i, res.Targets[i], want)
					}
				}
			}
			if got := partitions(); got != tc.after {
				t.Errorf("Kafka has %d partitions, want %d", got, tc.after)
			}
		})
	}
	if kc := topicConfig(t, c, "orders", "retention.ms"); kc.MaybeValue() != "99" || kc.Source != kmsg.ConfigSourceDynamicTopicConfig {
		t.Errorf("retention.ms = %q from %v", kc.MaybeValue(), kc.Source)
	}
	if kc := topicConfig(t, c, "orders", "cleanup.policy"); kc.MaybeValue() != "delete" || kc.Source != kmsg.ConfigSourceDefaultConfig {
		t.Errorf("cleanup.policy = %q from %v, want its default back", kc.MaybeValue(), kc.Source)
	}
	if res := do(t, s, sources.AlterTopic{Topic: "orders", SetConfigs: map[string]string{"": "x"}}); !strings.Contains(res.Err, "a config with no name") {
		t.Errorf("an empty config name: %+v", res)
	}
}
