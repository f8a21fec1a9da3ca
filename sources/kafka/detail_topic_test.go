package kafka_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/sources/kafka/kafkatest"
)

func topicDetailOf(t *testing.T, res sources.Result) *sources.TopicDetail {
	t.Helper()
	d, ok := res.Data.(*sources.TopicDetail)
	if !ok {
		t.Fatalf("Data is %T, want *sources.TopicDetail (Err %q)", res.Data, res.Err)
	}
	return d
}

func configNamed(t *testing.T, cs []sources.Config, name string) sources.Config {
	t.Helper()
	for _, c := range cs {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no config %s among %d", name, len(cs))
	return sources.Config{}
}

func TestDescribeTopic(t *testing.T) {
	c := kafkatest.NewCluster(t)
	c.CreateTopic("orders", 3, 3, map[string]string{"retention.ms": "3600000"})
	for p := range int32(3) {
		c.Fill("orders", p, 10+int(p), nil)
	}
	s := newSource(t, c.Addrs())

	res := succeed(t, s, sources.DescribeTopic{Topic: "orders"})
	d := topicDetailOf(t, res)
	if d.Topic != "orders" || d.LogDirsErr != "" {
		t.Fatalf("detail %+v", d)
	}
	if !slices.IsSortedFunc(d.Configs, func(a, b sources.Config) int { return strings.Compare(a.Name, b.Name) }) {
		t.Errorf("configs not sorted by name")
	}
	for _, tc := range []struct {
		name, value, source string
		isDefault           bool
	}{
		{"retention.ms", "3600000", "topic", false},
		{"cleanup.policy", "delete", "default", true},
	} {
		got := configNamed(t, d.Configs, tc.name)
		if got.Value != tc.value || got.Source != tc.source || got.Default != tc.isDefault {
			t.Errorf("%s = %+v, want value %q source %q default %v", tc.name, got, tc.value, tc.source, tc.isDefault)
		}
	}
	// What Kafka reports of the same config.
	if kc := topicConfig(t, c, "orders", "retention.ms"); kc.MaybeValue() != configNamed(t, d.Configs, "retention.ms").Value {
		t.Errorf("retention.ms: kadm %q", kc.MaybeValue())
	}

	// kfake reports every partition on every broker: kept as the brokers say.
	sizes := make(map[int32]map[int32]int64)
	for _, r := range d.Replicas {
		if r.Dir == "" || r.Bytes <= 0 {
			t.Errorf("replica %+v", r)
		}
		if sizes[r.Partition] == nil {
			sizes[r.Partition] = make(map[int32]int64)
		}
		sizes[r.Partition][r.Broker] = r.Bytes
	}
	for p := range int32(3) {
		if len(sizes[p]) != 3 {
			t.Errorf("partition %d: sizes from brokers %v, want all 3", p, sizes[p])
		}
	}
	// More records, more bytes.
	if !(sizes[0][0] < sizes[1][0] && sizes[1][0] < sizes[2][0]) {
		t.Errorf("sizes do not grow with the records: %v", sizes)
	}
}

func TestDescribeTopicFailures(t *testing.T) {
	c := kafkatest.NewCluster(t)
	c.CreateTopics(3, 3, "orders")
	c.Produce("orders", 9)
	s := newSource(t, c.Addrs())

	refused(t, s, sources.DescribeTopic{Topic: "nope"}, `topic "nope" does not exist`)
	refused(t, s, sources.DescribeTopic{}, "no topic given")

	// A broker down: its log dirs are missing and said so; the others' stay.
	c.BrokerDown(2)
	t.Cleanup(func() { c.BrokerUp(2) })
	res := do(t, s, sources.DescribeTopic{Topic: "orders"})
	if res.Err != "" {
		t.Fatalf("one broker down failed the whole request: %s", res.Err)
	}
	d := topicDetailOf(t, res)
	if !strings.Contains(d.LogDirsErr, "broker 2") {
		t.Errorf("LogDirsErr %q does not name broker 2", d.LogDirsErr)
	}
	brokers := map[int32]bool{}
	for _, r := range d.Replicas {
		brokers[r.Broker] = true
	}
	if brokers[2] || !brokers[0] || !brokers[1] {
		t.Errorf("replicas from brokers %v, want 0 and 1", brokers)
	}
	// Configs come from any broker; if the one asked was the dead one, the
	// failure is a target naming it, never silence.
	if len(d.Configs) == 0 && (len(res.Targets) != 1 || !strings.Contains(res.Targets[0].Err, "broker 2")) {
		t.Errorf("no configs and no failure naming broker 2: %+v", res.Targets)
	}
}
