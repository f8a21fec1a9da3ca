package kafka_test

import (
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/sources/kafka/kafkatest"
)

func TestDescribeBroker(t *testing.T) {
	c := kafkatest.NewCluster(t, kfake.BrokerConfigs(map[string]string{"message.max.bytes": "2000000"}))
	c.CreateTopics(2, 3, "orders")
	c.CreateTopics(1, 3, "audit")
	c.Produce("orders", 8)
	s := newSource(t, c.Addrs())

	res := succeed(t, s, sources.DescribeBroker{Broker: 1})
	d, ok := res.Data.(*sources.BrokerDetail)
	if !ok || d.Broker != 1 {
		t.Fatalf("Data %T %+v", res.Data, res.Data)
	}
	for _, tc := range []struct {
		name, value, source string
		isDefault, readOnly bool
	}{
		{"message.max.bytes", "2000000", "broker", false, false},
		{"broker.id", "1", "static broker config", false, true},
		{"default.replication.factor", "3", "default", true, false},
	} {
		got := configNamed(t, d.Configs, tc.name)
		if got.Value != tc.value || got.Source != tc.source || got.Default != tc.isDefault || got.ReadOnly != tc.readOnly {
			t.Errorf("%s = %+v, want %q from %q, default %v, read-only %v", tc.name, got, tc.value, tc.source, tc.isDefault, tc.readOnly)
		}
	}
	if sup := configNamed(t, d.Configs, "super.users"); !sup.Sensitive || sup.Value != "" {
		t.Errorf("a sensitive config: %+v", sup)
	}
	if len(d.LogDirs) != 1 {
		t.Fatalf("log dirs %+v", d.LogDirs)
	}
	if ld := d.LogDirs[0]; ld.Path == "" || ld.Partitions != 3 || ld.Bytes <= 0 || ld.Err != "" {
		t.Errorf("log dir %+v, want 3 partitions (kfake puts every one on every broker) and some bytes", ld)
	}
}

func TestDescribeBrokerFailures(t *testing.T) {
	c := kafkatest.NewCluster(t)
	s := newSource(t, c.Addrs())
	refused(t, s, sources.DescribeBroker{Broker: 7}, "broker 7 is not in the cluster's metadata (brokers: 0, 1, 2)")

	c.BrokerDown(2)
	t.Cleanup(func() { c.BrokerUp(2) })
	res := do(t, s, sources.DescribeBroker{Broker: 2})
	if !strings.Contains(res.Err, "broker 2") || !strings.Contains(res.Err, "configs") || !strings.Contains(res.Err, "log dirs") {
		t.Fatalf("a broker down: Err %q, want both halves' failures naming broker 2", res.Err)
	}
}
