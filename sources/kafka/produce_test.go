package kafka_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/sources/kafka"
	"github.com/topicat/topicat/sources/kafka/kafkatest"
)

func doProduce(t testing.TB, s *kafka.Source, p sources.Produce) sources.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	res := s.Do(ctx, sources.Request{ID: 7, Body: p})
	if res.Request.ID != 7 || res.Request.Target() != p.Topic {
		t.Errorf("result for request %+v", res.Request)
	}
	return res
}

func deliveries(t testing.TB, res sources.Result) []sources.Delivery {
	t.Helper()
	ds, ok := res.Data.([]sources.Delivery)
	if !ok {
		t.Fatalf("Data = %#v, want []sources.Delivery", res.Data)
	}
	if len(ds) != len(res.Targets) {
		t.Fatalf("%d deliveries, %d targets", len(ds), len(res.Targets))
	}
	for i, d := range ds {
		tr := res.Targets[i]
		if want := fmt.Sprintf("message %d", i+1); tr.Target != want {
			t.Errorf("target %d = %q, want %q", i, tr.Target, want)
		}
		if d.Err == "" && (tr.Detail != d.String() || tr.Err != "") {
			t.Errorf("target %d = %+v for delivery %+v", i, tr, d)
		}
		if d.Err != "" && tr.Err != d.Err {
			t.Errorf("target %d = %+v for failed delivery %+v", i, tr, d)
		}
	}
	return ds
}

// compressible is a value that every codec shrinks, so that kgo does send
// the batch compressed (it sends a batch raw when compressing does not help).
var compressible = bytes.Repeat([]byte("topicat "), 200)

// TestProduceCodecsAndAcks produces with each codec and each acks level,
// to a chosen partition and to any partition, and reads the batches back with
// an independent kgo consumer to see the codec on the wire.
func TestProduceCodecsAndAcks(t *testing.T) {
	c := kafkatest.NewCluster(t)
	s := newSource(t, c.Addrs())
	codecs := map[sources.Codec]uint8{"": 0, "none": 0, "gzip": 1, "snappy": 2, "lz4": 3, "zstd": 4}
	for codec, code := range codecs {
		for _, acks := range []sources.Acks{"", "all", "leader", "none", "1"} {
			topic := fmt.Sprintf("t-%s-%s", cmpOr(string(codec), "default"), cmpOr(string(acks), "default"))
			t.Run(topic, func(t *testing.T) {
				c.CreateTopics(3, 3, topic)
				msgs := []sources.Message{
					{Key: []byte("k1"), Value: compressible, Partition: 2},
					{Key: []byte("k2"), Value: compressible, Partition: sources.AnyPartition},
					{Value: compressible, Partition: sources.AnyPartition, Headers: []sources.Header{{Key: "a", Value: []byte("1")}, {Key: "a", Value: []byte("2")}}},
				}
				res := doProduce(t, s, sources.Produce{Topic: topic, Compression: codec, Acks: acks, Messages: msgs})
				if res.Failed() {
					t.Fatalf("produce: %+v", res)
				}
				ds := deliveries(t, res)
				if ds[0].Partition != 2 {
					t.Errorf("message 1 went to partition %d, want 2", ds[0].Partition)
				}
				for i, d := range ds {
					switch {
					case d.Partition < 0 || d.Partition > 2:
						t.Errorf("message %d: partition %d", i+1, d.Partition)
					case acks == "none" && (d.Offset != -1 || !strings.Contains(d.String(), "offset not known")):
						t.Errorf("message %d with acks=none: %+v (%s)", i+1, d, d)
					case acks != "none" && (d.Offset < 0 || !strings.Contains(d.String(), "@ offset")):
						t.Errorf("message %d: %+v (%s)", i+1, d, d)
					}
				}
				got := consumeRaw(t, c, topic, len(msgs))
				for _, r := range got {
					if r.Attrs.CompressionType() != code {
						t.Errorf("record %d@%d compressed with codec %d, want %d", r.Partition, r.Offset, r.Attrs.CompressionType(), code)
					}
				}
			})
		}
	}
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// consumeRaw reads n records of topic with a plain kgo consumer.
func consumeRaw(t testing.TB, c *kafkatest.Cluster, topic string, n int) []*kgo.Record {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.Addrs()...), kgo.ConsumeTopics(topic))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	var out []*kgo.Record
	for len(out) < n {
		fs := cl.PollFetches(ctx)
		if err := fs.Err0(); err != nil {
			t.Fatalf("consume %s: %v", topic, err)
		}
		out = append(out, fs.Records()...)
	}
	return out
}

// TestProducePartitions: a chosen partition is honoured in every partition,
// mixed with messages kgo places; keyed messages stay together.
func TestProducePartitions(t *testing.T) {
	c := kafkatest.NewCluster(t)
	c.CreateTopics(6, 3, "orders")
	s := newSource(t, c.Addrs())
	var msgs []sources.Message
	for p := range int32(6) {
		msgs = append(msgs,
			sources.Message{Value: []byte(fmt.Sprint(p)), Partition: p},
			sources.Message{Key: []byte("same"), Value: []byte("keyed"), Partition: sources.AnyPartition})
	}
	res := doProduce(t, s, sources.Produce{Topic: "orders", Messages: msgs})
	if res.Failed() {
		t.Fatalf("produce: %+v", res)
	}
	ds := deliveries(t, res)
	keyed := ds[1].Partition
	for i, d := range ds {
		switch {
		case msgs[i].Partition >= 0 && d.Partition != msgs[i].Partition:
			t.Errorf("message %d: partition %d, want %d", i+1, d.Partition, msgs[i].Partition)
		case msgs[i].Partition < 0 && d.Partition != keyed:
			t.Errorf("message %d with key %q: partition %d, others with it went to %d", i+1, msgs[i].Key, d.Partition, keyed)
		}
	}
	// Offsets are those of the partition's log, in order.
	st := openTail(t, s, sources.TailSpec{Topic: "orders", Range: mustRange(t, "oldest:newest")})
	at := make(map[string]bool)
	for _, r := range readToEOF(t, st, 100) {
		at[fmt.Sprintf("%d@%d", r.Partition, r.Offset)] = true
	}
	for i, d := range ds {
		if !at[fmt.Sprintf("%d@%d", d.Partition, d.Offset)] {
			t.Errorf("message %d delivered to %s, not found there", i+1, d)
		}
	}
}

// TestProduceRequestErrors: requests refused as a whole, before anything is sent.
func TestProduceRequestErrors(t *testing.T) {
	// The brokers would create a topic for a client that asked: topicat never asks.
	c := kafkatest.NewCluster(t, kfake.AllowAutoTopicCreation())
	c.CreateTopics(6, 3, "orders")
	s := newSource(t, c.Addrs())
	one := []sources.Message{{Value: []byte("v"), Partition: sources.AnyPartition}}
	for _, tc := range []struct {
		body sources.Body
		want string
	}{
		{sources.Produce{Topic: "nope", Messages: one}, `topic "nope" does not exist`},
		{sources.Produce{Topic: "orders", Messages: []sources.Message{{Partition: 9}}}, "partition 9 is out of range: orders has 6 partitions (0-5)"},
		{sources.Produce{Topic: "orders", Messages: []sources.Message{{Partition: 1}, {Partition: -3}}}, "message 2: partition -3 is out of range: orders has 6 partitions (0-5)"},
		{sources.Produce{Topic: "orders", Messages: one, Compression: "brotli"}, `compression "brotli"`},
		{sources.Produce{Topic: "orders", Messages: one, Acks: "2"}, `acks "2"`},
		{sources.Produce{Messages: one}, "no topic"},
		{otherBody{}, sources.ErrUnsupported.Error()},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), waitFor)
		res := s.Do(ctx, sources.Request{Body: tc.body})
		cancel()
		if !strings.Contains(res.Err, tc.want) || len(res.Targets) != 0 {
			t.Errorf("Do(%+v) = %+v, want the request refused with %q", tc.body, res, tc.want)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	topics, err := c.Admin().ListTopics(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if topics.Has("nope") {
		t.Error("producing to a missing topic created it")
	}
	ends, err := c.Admin().ListEndOffsets(ctx, "orders")
	if err != nil {
		t.Fatal(err)
	}
	ends.Each(func(o kadm.ListedOffset) {
		if o.Offset != 0 {
			t.Errorf("orders/%d has %d records after refused requests", o.Partition, o.Offset)
		}
	})
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// TestProduceTooLarge: a message over the topic's limit fails with its size,
// the limit and where the limit is set; the others in the request are
// delivered, and later requests work.
func TestProduceTooLarge(t *testing.T) {
	t.Run("set on the topic", func(t *testing.T) {
		c := kafkatest.NewCluster(t)
		c.CreateTopic("small", 3, 3, map[string]string{"max.message.bytes": "10000"})
		s := newSource(t, c.Addrs())
		for _, codec := range []sources.Codec{"none", "gzip", "zstd"} {
			res := doProduce(t, s, sources.Produce{Topic: "small", Compression: codec, Messages: []sources.Message{
				{Value: []byte("before"), Partition: 0},
				{Value: randomBytes(20000), Partition: 0},
				{Value: []byte("after"), Partition: 0},
			}})
			ds := deliveries(t, res)
			if res.Err != "" || ds[0].Err != "" || ds[2].Err != "" || ds[0].Offset < 0 || ds[2].Offset < 0 {
				t.Errorf("%s: the messages that fit: %+v", codec, res)
			}
			for _, want := range []string{"20,000 bytes", "at most 10,000 bytes", "max.message.bytes set on topic small", "after compression"} {
				if !strings.Contains(ds[1].Err, want) {
					t.Errorf("%s: error %q lacks %q", codec, ds[1].Err, want)
				}
			}
		}
	})

	t.Run("the brokers' default", func(t *testing.T) {
		c := kafkatest.NewCluster(t, kfake.BrokerConfigs(map[string]string{"message.max.bytes": "20000"}))
		c.CreateTopics(1, 3, "plain")
		s := newSource(t, c.Addrs())
		res := doProduce(t, s, sources.Produce{Topic: "plain", Messages: []sources.Message{{Value: randomBytes(30000), Partition: 0}}})
		ds := deliveries(t, res)
		for _, want := range []string{"30,000 bytes", "at most 20,000 bytes", "the brokers' message.max.bytes", "plain sets no max.message.bytes"} {
			if !strings.Contains(ds[0].Err, want) {
				t.Errorf("error %q lacks %q", ds[0].Err, want)
			}
		}
		if res.Err != "" {
			t.Errorf("a message too large failed the whole request: %q", res.Err)
		}
	})

	t.Run("raised above kgo's default", func(t *testing.T) {
		c := kafkatest.NewCluster(t)
		c.CreateTopic("big", 1, 3, map[string]string{"max.message.bytes": "3000000"})
		s := newSource(t, c.Addrs())
		value := randomBytes(1_500_000)
		res := doProduce(t, s, sources.Produce{Topic: "big", Compression: "lz4", Messages: []sources.Message{{Value: value, Partition: 0}, {Value: []byte("small"), Partition: 0}}})
		if res.Failed() {
			t.Fatalf("produce: %+v", res)
		}
		// And the tail reads it back whole, larger than a fetch's share per partition.
		st := openTail(t, s, sources.TailSpec{Topic: "big", Range: mustRange(t, "oldest:newest")})
		recs := readToEOF(t, st, 10)
		if len(recs) != 2 || !bytes.Equal(recs[0].Value, value) || string(recs[1].Value) != "small" {
			t.Errorf("read back %d records", len(recs))
		}
	})

	t.Run("changed while topicat runs", func(t *testing.T) {
		c := kafkatest.NewCluster(t)
		c.CreateTopic("moving", 1, 3, map[string]string{"max.message.bytes": "1000000"})
		s := newSource(t, c.Addrs())
		if res := doProduce(t, s, sources.Produce{Topic: "moving", Messages: []sources.Message{{Value: []byte("x"), Partition: 0}}}); res.Failed() {
			t.Fatalf("first produce: %+v", res)
		}
		setTopicConfig(t, c, "moving", "max.message.bytes", "10000")
		// The producer still sizes batches for the old limit: the broker
		// refuses, and the error gives the new one.
		res := doProduce(t, s, sources.Produce{Topic: "moving", Messages: []sources.Message{{Value: randomBytes(50000), Partition: 0}}})
		if ds := deliveries(t, res); !strings.Contains(ds[0].Err, "at most 10,000 bytes") {
			t.Errorf("after lowering the limit: %q", ds[0].Err)
		}
		setTopicConfig(t, c, "moving", "max.message.bytes", "100000")
		// Now topicat's own limit is the lower one: it refuses, says the
		// limit moved, and the next attempt goes through.
		msg := []sources.Message{{Value: randomBytes(50000), Partition: 0}}
		res = doProduce(t, s, sources.Produce{Topic: "moving", Messages: msg})
		if ds := deliveries(t, res); !strings.Contains(ds[0].Err, "send it again") || !strings.Contains(ds[0].Err, "100,000 bytes") {
			t.Errorf("after raising the limit: %q", ds[0].Err)
		}
		if res := doProduce(t, s, sources.Produce{Topic: "moving", Messages: msg}); res.Failed() {
			t.Errorf("sent again: %+v", res)
		}
	})
}

func setTopicConfig(t testing.TB, c *kafkatest.Cluster, topic, key, value string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	resps, err := c.Admin().AlterTopicConfigs(ctx, []kadm.AlterConfig{{Name: key, Value: kadm.StringPtr(value)}}, topic)
	if err == nil {
		_, err = resps.On(topic, nil)
	}
	if err != nil {
		t.Fatalf("set %s=%s on %s: %v", key, value, topic, err)
	}
}

// TestProduceBrokerDown: messages for partitions led by a down broker fail
// naming the broker; the others are delivered. With nothing reachable the
// request fails as a whole.
func TestProduceBrokerDown(t *testing.T) {
	c := kafkatest.NewCluster(t)
	c.CreateTopics(3, 3, "orders")
	c.SpreadLeaders("orders")
	s := newSource(t, c.Addrs())
	const down = 1
	c.BrokerDown(down)
	var msgs []sources.Message
	for p := range int32(3) {
		msgs = append(msgs, sources.Message{Value: []byte("v"), Partition: p})
	}
	res := doProduce(t, s, sources.Produce{Topic: "orders", Messages: msgs})
	ds := deliveries(t, res)
	for p, d := range ds {
		onDown := p == down
		switch {
		case onDown && !strings.Contains(d.Err, fmt.Sprintf("broker %d (", down)):
			t.Errorf("partition %d on the down broker: %+v", p, d)
		case onDown && (!strings.Contains(d.Err, "closed the connection") || strings.Contains(d.Err, "TLS")):
			t.Errorf("partition %d on the down broker: %q, want a closed connection without a TLS hint", p, d.Err)
		case !onDown && (d.Err != "" || d.Offset != 0):
			t.Errorf("partition %d on a live broker: %+v", p, d)
		}
	}
	if res.Err != "" {
		t.Errorf("a partial failure failed the whole request: %q", res.Err)
	}

	res = doProduce(t, s, sources.Produce{Topic: "orders", Messages: []sources.Message{msgs[1], msgs[1]}})
	if !strings.Contains(res.Err, "none of the 2 messages was delivered") || !strings.Contains(res.Err, fmt.Sprintf("broker %d", down)) {
		t.Errorf("nothing reachable: %+v", res)
	}
	c.BrokerUp(down)
	if res := doProduce(t, s, sources.Produce{Topic: "orders", Messages: msgs}); res.Failed() {
		t.Errorf("after the broker came back: %+v", res)
	}
}
