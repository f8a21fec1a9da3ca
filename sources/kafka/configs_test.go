package kafka_test

import (
	"context"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/topicat/topicat/sources/kafka/kafkatest"
)

func TestSettings(t *testing.T) {
	c := kafkatest.NewCluster(t, kfake.BrokerConfigs(map[string]string{
		"default.replication.factor": "1",
		"min.insync.replicas":        "2",
	}))
	c.CreateTopic("ledger", 3, 3, map[string]string{
		"cleanup.policy":    "compact",
		"retention.ms":      "-1",
		"max.message.bytes": "2048",
	})
	c.CreateTopic("audit", 2, 3, map[string]string{"min.insync.replicas": "3", "retention.ms": "3600000"})
	describes := c.CountRequests(kmsg.DescribeConfigs)
	s := newSource(t, c.Addrs())

	snap := poll(t, s)
	for _, tc := range []struct {
		topic     string
		cleanup   string
		retention int64
		minISR    int
		maxBytes  int64
	}{
		// retention.ms -1 is Kafka's "forever"; -1 means unknown here.
		{"ledger", "compact", math.MaxInt64, 2, 2048},
		{"audit", "delete", 3600000, 3, 1048588},
	} {
		tp := topic(t, snap, tc.topic)
		if tp.CleanupPolicy != tc.cleanup || tp.RetentionMs != tc.retention || tp.MinInsync != tc.minISR || tp.MaxMessageBytes != tc.maxBytes {
			t.Errorf("%s: settings %q %d %d %d, want %q %d %d %d", tc.topic,
				tp.CleanupPolicy, tp.RetentionMs, tp.MinInsync, tp.MaxMessageBytes, tc.cleanup, tc.retention, tc.minISR, tc.maxBytes)
		}
	}
	// kfake does not report auto.create.topics.enable: unknown, and said so.
	cc := snap.Cluster
	if cc.DefaultReplicationFactor != 1 || cc.AutoCreateTopics != nil || cc.MinInsyncReplicas != 2 || cc.MessageMaxBytes != 1048588 ||
		!strings.Contains(cc.Err, "did not report auto.create.topics.enable") {
		t.Errorf("cluster = %+v", cc)
	}

	// Settings are read in one request, then again only every 30s; a topic
	// new since is read at the next poll, in one request of its own.
	if n := describes(); n != 1 {
		t.Errorf("%d DescribeConfigs requests for the first poll, want 1", n)
	}
	poll(t, s)
	if n := describes(); n != 1 {
		t.Errorf("%d DescribeConfigs requests after the second poll, want still 1", n)
	}
	c.CreateTopic("fresh", 1, 3, map[string]string{"cleanup.policy": "compact,delete"})
	snap = poll(t, s)
	if n := describes(); n != 2 {
		t.Errorf("%d DescribeConfigs requests after a topic was created, want 2", n)
	}
	if tp := topic(t, snap, "fresh"); tp.CleanupPolicy != "compact,delete" || tp.MinInsync != 2 {
		t.Errorf("fresh: %+v", tp)
	}
	if snap.Cluster != cc {
		t.Errorf("cluster settings changed between readings: %+v, was %+v", snap.Cluster, cc)
	}
}

func TestSettingsAutoCreate(t *testing.T) {
	c := kafkatest.NewCluster(t, kfake.BrokerConfigs(map[string]string{"default.replication.factor": "1"}))
	c.BrokerConfig("auto.create.topics.enable", "true")
	cc := poll(t, newSource(t, c.Addrs())).Cluster
	if cc.DefaultReplicationFactor != 1 || cc.AutoCreateTopics == nil || !*cc.AutoCreateTopics || cc.Err != "" {
		t.Errorf("cluster = %+v", cc)
	}
}

func TestSettingsUnreadable(t *testing.T) {
	c := kafkatest.NewCluster(t)
	c.CreateTopics(1, 3, "orders")
	for id := range 3 {
		c.Fake.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.DescribeConfigs}, Resource: strconv.Itoa(id), Err: kerr.ClusterAuthorizationFailed, Count: -1})
	}
	c.Fake.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.DescribeConfigs}, Resource: "orders", Err: kerr.TopicAuthorizationFailed, Count: -1})
	describes := c.CountRequests(kmsg.DescribeConfigs)
	s := newSource(t, c.Addrs())
	snap := poll(t, s)
	cc := snap.Cluster
	if cc.DefaultReplicationFactor != -1 || cc.AutoCreateTopics != nil || cc.MinInsyncReplicas != -1 || cc.MessageMaxBytes != -1 ||
		!strings.Contains(cc.Err, "CLUSTER_AUTHORIZATION_FAILED") || !strings.Contains(cc.Err, "broker") {
		t.Errorf("cluster = %+v", cc)
	}
	if tp := topic(t, snap, "orders"); tp.CleanupPolicy != "" || tp.RetentionMs != -1 || tp.MinInsync != -1 || tp.MaxMessageBytes != -1 {
		t.Errorf("orders = %+v, want its settings unknown", tp)
	}
	if !snap.OK() {
		t.Errorf("a refused DescribeConfigs is not a broker failure: %+v", snap.Errors)
	}
	// The refused topic waits for the next full reading; the broker
	// settings, never read, are asked for again.
	poll(t, s)
	if n := describes(); n != 2 {
		t.Errorf("%d DescribeConfigs requests in two polls, want 2", n)
	}
}

func TestSettingsBeforeAnyAnswer(t *testing.T) {
	s := newSource(t, []string{closedPort(t)})
	snap, err := s.Poll(context.Background())
	if err == nil {
		t.Fatal("no error from a closed port")
	}
	if cc := snap.Cluster; cc.DefaultReplicationFactor != -1 || cc.AutoCreateTopics != nil || cc.MinInsyncReplicas != -1 || cc.MessageMaxBytes != -1 || cc.Err != "not read yet" {
		t.Errorf("cluster = %+v, want unknown", cc)
	}
}
