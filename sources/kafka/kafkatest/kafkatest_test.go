package kafkatest_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/topicat/topicat/sources/kafka/kafkatest"
)

func metadata(t *testing.T, c *kafkatest.Cluster) *kmsg.MetadataResponse {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	resp, err := kmsg.NewPtrMetadataRequest().RequestWith(ctx, c.Client())
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func partition(t *testing.T, resp *kmsg.MetadataResponse, topic string, p int32) kmsg.MetadataResponseTopicPartition {
	t.Helper()
	for _, rt := range resp.Topics {
		if rt.Topic != nil && *rt.Topic == topic {
			for _, rp := range rt.Partitions {
				if rp.Partition == p {
					return rp
				}
			}
		}
	}
	t.Fatalf("%s/%d not in metadata", topic, p)
	return kmsg.MetadataResponseTopicPartition{}
}

func TestSeedAndFaults(t *testing.T) {
	c := kafkatest.NewCluster(t)
	if n := len(c.Addrs()); n != 3 {
		t.Fatalf("%d brokers", n)
	}
	c.CreateTopics(3, 3, "orders")
	counts := c.Produce("orders", 7)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ends, err := c.Admin().ListEndOffsets(ctx, "orders")
	if err != nil {
		t.Fatal(err)
	}
	for p, n := range counts {
		if o, _ := ends.Lookup("orders", p); o.Offset != n {
			t.Errorf("orders/%d: end %d, produced %d", p, o.Offset, n)
		}
	}

	leader := partition(t, metadata(t, c), "orders", 1).Leader
	restoreISR := c.UnderReplicated("orders", 1, []int32{leader})
	restoreOffline := c.OfflinePartition("orders", 2)
	md := metadata(t, c)
	if p := partition(t, md, "orders", 1); !slices.Equal(p.ISR, []int32{leader}) || len(p.Replicas) != 3 {
		t.Errorf("under-replicated: %+v", p)
	}
	if p := partition(t, md, "orders", 2); p.ErrorCode != kerr.LeaderNotAvailable.Code {
		t.Errorf("offline: %+v", p)
	}
	restoreISR()
	restoreOffline()
	md = metadata(t, c)
	if p := partition(t, md, "orders", 1); len(p.ISR) != 3 {
		t.Errorf("ISR after restore: %+v", p)
	}
	if p := partition(t, md, "orders", 2); p.ErrorCode != 0 {
		t.Errorf("offline after restore: %+v", p)
	}

	c.BrokerDown(2)
	if _, err := kmsg.NewPtrApiVersionsRequest().RequestWith(ctx, c.Client().Broker(2)); err == nil {
		t.Error("a down broker answered")
	}
	c.BrokerUp(2)
	// The first request may land on the connection the fault killed: kgo
	// retries that on a new one.
	if _, err := c.Client().Broker(2).RetriableRequest(ctx, kmsg.NewPtrApiVersionsRequest()); err != nil {
		t.Errorf("broker back up: %v", err)
	}
}

func brokerIDs(resp *kmsg.MetadataResponse) []int32 {
	var ids []int32
	for _, b := range resp.Brokers {
		ids = append(ids, b.NodeID)
	}
	slices.Sort(ids)
	return ids
}

func TestOmitBroker(t *testing.T) {
	c := kafkatest.NewCluster(t)
	c.CreateTopics(3, 3, "orders")
	controller := metadata(t, c).ControllerID

	restore := c.OmitBroker(controller)
	md := metadata(t, c)
	want := slices.DeleteFunc([]int32{0, 1, 2}, func(id int32) bool { return id == controller })
	if got := brokerIDs(md); !slices.Equal(got, want) {
		t.Errorf("brokers with %d omitted = %v, want %v", controller, got, want)
	}
	if md.ControllerID != want[0] {
		t.Errorf("controller = %d, want the lowest listed, %d", md.ControllerID, want[0])
	}
	// Partitions still name it, as Kafka's do for a broker whose session expired.
	if p := partition(t, md, "orders", 0); !slices.Contains(p.Replicas, controller) {
		t.Errorf("replicas no longer name the omitted broker: %+v", p)
	}

	restore()
	if got := brokerIDs(metadata(t, c)); !slices.Equal(got, []int32{0, 1, 2}) {
		t.Errorf("brokers after restore = %v", got)
	}
}

func TestBrokerConfigAndCount(t *testing.T) {
	c := kafkatest.NewCluster(t, kfake.BrokerConfigs(map[string]string{"default.replication.factor": "1"}))
	count := c.CountRequests(kmsg.DescribeConfigs)
	describe := func(names ...string) map[string]string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		req := kmsg.NewPtrDescribeConfigsRequest()
		rr := kmsg.NewDescribeConfigsRequestResource()
		rr.ResourceType, rr.ResourceName, rr.ConfigNames = kmsg.ConfigResourceTypeBroker, "1", names
		req.Resources = append(req.Resources, rr)
		resp, err := req.RequestWith(ctx, c.Client().Broker(1))
		if err != nil || len(resp.Resources) != 1 || resp.Resources[0].ErrorCode != 0 {
			t.Fatalf("describe configs: %v %+v", err, resp)
		}
		got := make(map[string]string)
		for _, rc := range resp.Resources[0].Configs {
			if rc.Value != nil {
				got[rc.Name] = *rc.Value
			}
		}
		return got
	}
	if got := describe("default.replication.factor", "auto.create.topics.enable"); got["default.replication.factor"] != "1" || len(got) != 1 {
		t.Errorf("kfake's own settings = %v; want default.replication.factor 1 and no auto.create.topics.enable", got)
	}
	restore := c.BrokerConfig("auto.create.topics.enable", "true")
	if got := describe("default.replication.factor", "auto.create.topics.enable"); got["auto.create.topics.enable"] != "true" || got["default.replication.factor"] != "1" {
		t.Errorf("with the setting added = %v", got)
	}
	if got := describe("message.max.bytes"); len(got) != 1 || got["auto.create.topics.enable"] != "" {
		t.Errorf("added setting answered although not asked for: %v", got)
	}
	restore()
	if got := describe("auto.create.topics.enable"); len(got) != 0 {
		t.Errorf("after restore = %v", got)
	}
	// Four asked; the two while the setting was added were forwarded once each.
	if n := count(); n != 6 {
		t.Errorf("%d DescribeConfigs requests counted, want 6", n)
	}
}
