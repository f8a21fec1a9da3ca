package kafka_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/sources/kafka"
	"github.com/topicat/topicat/sources/kafka/kafkatest"
)

// do sends one request to the source; the deadline only bounds a hang.
func do(t testing.TB, s *kafka.Source, body sources.Body) sources.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res := s.Do(ctx, sources.Request{ID: 7, Body: body})
	if res.Request.Body == nil || res.Request.ID != 7 {
		t.Fatalf("the result does not carry its request: %+v", res.Request)
	}
	return res
}

// succeed is do for a request that must succeed on every target.
func succeed(t testing.TB, s *kafka.Source, body sources.Body) sources.Result {
	t.Helper()
	res := do(t, s, body)
	if res.Failed() {
		t.Fatalf("%T %+v failed: %q %+v", body, body, res.Err, res.Targets)
	}
	return res
}

// refused is do for a request that must fail as a whole with want in its error.
func refused(t testing.TB, s *kafka.Source, body sources.Body, want string) {
	t.Helper()
	res := do(t, s, body)
	if !strings.Contains(res.Err, want) {
		t.Fatalf("%T %+v: Err %q, want it to say %q (targets %+v)", body, body, res.Err, want, res.Targets)
	}
	if len(res.Targets) != 0 {
		t.Fatalf("a refused request has targets: %+v", res.Targets)
	}
}

// admCtx bounds one check through kadm.
func admCtx(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// committedOffsets are a group's commits as Kafka has them: topic → partition → offset.
func committedOffsets(t testing.TB, c *kafkatest.Cluster, group string) map[string]map[int32]int64 {
	t.Helper()
	rs, err := c.Admin().FetchOffsets(admCtx(t), group)
	if errors.Is(err, kerr.GroupIDNotFound) {
		return map[string]map[int32]int64{}
	}
	if err != nil {
		t.Fatalf("fetch offsets of %s: %v", group, err)
	}
	out := make(map[string]map[int32]int64)
	rs.Each(func(o kadm.OffsetResponse) {
		if o.Err != nil {
			t.Fatalf("fetch offsets of %s: %s/%d: %v", group, o.Topic, o.Partition, o.Err)
		}
		if out[o.Topic] == nil {
			out[o.Topic] = make(map[int32]int64)
		}
		out[o.Topic][o.Partition] = o.At
	})
	return out
}

// startOffsets are a topic's log starts as Kafka lists them.
func startOffsets(t testing.TB, c *kafkatest.Cluster, topic string) map[int32]int64 {
	t.Helper()
	return listedOffsets(t, c, topic, true)
}

func endOffsets(t testing.TB, c *kafkatest.Cluster, topic string) map[int32]int64 {
	t.Helper()
	return listedOffsets(t, c, topic, false)
}

func listedOffsets(t testing.TB, c *kafkatest.Cluster, topic string, start bool) map[int32]int64 {
	t.Helper()
	list := c.Admin().ListEndOffsets
	if start {
		list = c.Admin().ListStartOffsets
	}
	ls, err := list(admCtx(t), topic)
	if err != nil {
		t.Fatalf("list offsets of %s: %v", topic, err)
	}
	out := make(map[int32]int64)
	ls.Each(func(o kadm.ListedOffset) {
		if o.Err != nil {
			t.Fatalf("list offsets of %s/%d: %v", topic, o.Partition, o.Err)
		}
		out[o.Partition] = o.Offset
	})
	return out
}

// topicMeta is a topic as the cluster's metadata describes it now (kadm's
// would come from the client's cache): its partitions' replicas; ok is false
// when it does not exist.
func topicMeta(t testing.TB, c *kafkatest.Cluster, topic string) (replicas map[int32][]int32, ok bool) {
	t.Helper()
	req := kmsg.NewPtrMetadataRequest()
	rt := kmsg.NewMetadataRequestTopic()
	rt.Topic = kmsg.StringPtr(topic)
	req.Topics = append(req.Topics, rt)
	resp, err := req.RequestWith(admCtx(t), c.Client())
	if err != nil {
		t.Fatalf("metadata: %v", err)
	}
	for _, mt := range resp.Topics {
		if mt.Topic == nil || *mt.Topic != topic || mt.ErrorCode != 0 {
			continue
		}
		replicas = make(map[int32][]int32)
		for _, p := range mt.Partitions {
			replicas[p.Partition] = p.Replicas
		}
		return replicas, true
	}
	return nil, false
}

// topicConfig is one config of a topic as Kafka describes it.
func topicConfig(t testing.TB, c *kafkatest.Cluster, topic, key string) kadm.Config {
	t.Helper()
	rcs, err := c.Admin().DescribeTopicConfigs(admCtx(t), topic)
	if err != nil {
		t.Fatalf("describe configs of %s: %v", topic, err)
	}
	rc, err := rcs.On(topic, nil)
	if err != nil || rc.Err != nil {
		t.Fatalf("describe configs of %s: %v %v", topic, err, rc.Err)
	}
	for _, cfg := range rc.Configs {
		if cfg.Key == key {
			return cfg
		}
	}
	t.Fatalf("%s has no config %s", topic, key)
	return kadm.Config{}
}

// minuteStamps times the record at offset o o minutes after 2020-01-01, so a
// test knows how old each record is.
var epoch = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

func minuteStamps(o int64) time.Time { return epoch.Add(time.Duration(o) * time.Minute) }
