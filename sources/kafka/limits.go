package kafka

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Kafka refuses a record batch larger than the topic's max.message.bytes
// (which falls back to the brokers' message.max.bytes), measured after
// compression. kgo refuses, before sending, a record that alone makes a batch
// larger than its ProducerBatchMaxBytes, measured before compression, and
// never builds a larger batch; its default is 1,000,012 bytes.
//
// topicat sizes kgo's limit per topic to the topic's own limit, looked up once
// per topic before the first message to it is sent:
//   - a topic whose limit was raised above kgo's default takes the messages it
//     allows (kgo's default would refuse them);
//   - an uncompressed batch never exceeds the topic's limit, so one large
//     message cannot make the broker refuse a batch of small ones with it;
//   - a message larger than the limit is refused before it is sent, even when
//     it would compress below it, as librdkafka (kcat) does too.
//
// kgo asks for the limit once per partition and keeps it: when a topic's limit
// changes while topicat runs, the broker's refusal reveals it, the limit is
// looked up again, and the topic is purged from the producer clients so that
// the next produce uses the new one.

// kgoBatchMaxBytes is kgo's default ProducerBatchMaxBytes, used when a topic's
// limit could not be looked up.
const kgoBatchMaxBytes = 1_000_012

// maxBatchBytes is the highest limit given to kgo: below its 100 MiB ceiling
// on one request (BrokerMaxWriteBytes), with room for the request around it.
const maxBatchBytes = 99 << 20

// messageLimit is a topic's message size limit and where it is set, in words.
type messageLimit struct {
	bytes int64
	from  string
}

// messageLimits caches each topic's limit for the producer clients.
type messageLimits struct {
	mu     sync.Mutex
	topics map[string]messageLimit
}

func (m *messageLimits) get(topic string) (messageLimit, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	l, ok := m.topics[topic]
	return l, ok
}

// put stores a topic's limit and reports whether it differs from the one
// stored before.
func (m *messageLimits) put(topic string, l messageLimit) (changed bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.topics == nil {
		m.topics = make(map[string]messageLimit)
	}
	prev, had := m.topics[topic]
	m.topics[topic] = l
	return had && prev.bytes != l.bytes
}

// keep stores a topic's limit unless one is known already.
func (m *messageLimits) keep(topic string, l messageLimit) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.topics[topic]; ok {
		return
	}
	if m.topics == nil {
		m.topics = make(map[string]messageLimit)
	}
	m.topics[topic] = l
}

// batchMaxBytes is kgo's ProducerBatchMaxBytesFn: the topic's limit as looked
// up, within what kgo accepts.
func (m *messageLimits) batchMaxBytes(topic string) int32 {
	l, ok := m.get(topic)
	if !ok || l.bytes <= 0 {
		return kgoBatchMaxBytes
	}
	return int32(min(max(l.bytes, 512), maxBatchBytes))
}

// messageLimit returns the topic's limit, looked up once (or again when fresh).
// leader is a broker to ask for the brokers' default when the topic sets none.
func (s *Source) messageLimit(ctx context.Context, topic string, leader int32, fresh bool) (messageLimit, error) {
	if l, ok := s.limits.get(topic); ok && !fresh {
		return l, nil
	}
	l, err := s.describeLimit(ctx, topic, leader)
	if err != nil {
		if ctx.Err() == nil {
			// Not readable (ACLs, a broker down): kgo's default stands, and
			// the next request does not ask again; a refusal for size asks
			// afresh.
			s.limits.keep(topic, messageLimit{})
		}
		return messageLimit{}, err
	}
	if s.limits.put(topic, l) {
		// kgo keeps the limit it was given per partition until the topic is
		// purged; in-flight records of the topic fail with the purge.
		s.opened.eachProducer(func(cl *kgo.Client) { cl.PurgeTopicsFromProducing(topic) })
	}
	return l, nil
}

// describeLimit asks the cluster for the topic's limit.
func (s *Source) describeLimit(ctx context.Context, topic string, leader int32) (messageLimit, error) {
	rcs, err := s.adm.DescribeTopicConfigs(ctx, topic)
	if err != nil {
		return messageLimit{}, s.byBroker(ctx, "describe configs of "+topic, err)
	}
	rc, err := rcs.On(topic, nil)
	if err == nil {
		err = rc.Err
	}
	if err != nil {
		return messageLimit{}, fmt.Errorf("describe configs of %s: %w", topic, err)
	}
	return s.limitFrom(ctx, topic, rc.Configs, leader)
}

// limitFrom reads the limit from a topic's configs; when the topic does not
// set its own, the brokers' message.max.bytes is what counts, and is asked of
// the broker itself (a topic's description need not carry it right).
func (s *Source) limitFrom(ctx context.Context, topic string, configs []kadm.Config, leader int32) (messageLimit, error) {
	for _, c := range configs {
		if c.Key != "max.message.bytes" || c.Value == nil {
			continue
		}
		n, err := strconv.ParseInt(*c.Value, 10, 64)
		if err != nil {
			return messageLimit{}, fmt.Errorf("max.message.bytes of %s: %q is not a number", topic, *c.Value)
		}
		if c.Source == kmsg.ConfigSourceDynamicTopicConfig {
			return messageLimit{bytes: n, from: "max.message.bytes set on topic " + topic}, nil
		}
		from := fmt.Sprintf("the brokers' message.max.bytes (%s sets no max.message.bytes of its own)", topic)
		if b, err := s.brokerMessageMax(ctx, leader); err == nil && b > 0 {
			n = b
		}
		return messageLimit{bytes: n, from: from}, nil
	}
	b, err := s.brokerMessageMax(ctx, leader)
	if err != nil {
		return messageLimit{}, err
	}
	return messageLimit{bytes: b, from: "the brokers' message.max.bytes"}, nil
}

// brokerMessageMax is broker id's message.max.bytes.
func (s *Source) brokerMessageMax(ctx context.Context, id int32) (int64, error) {
	v, err := s.brokerConfig(ctx, id, "message.max.bytes")
	if err != nil {
		return 0, err
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("message.max.bytes of broker %d: %q is not a number", id, v)
	}
	return n, nil
}

// brokerConfig is one config of broker id (any broker when id < 0) as the
// broker reports it; "" with no error when it does not report that key.
func (s *Source) brokerConfig(ctx context.Context, id int32, key string) (string, error) {
	if id < 0 {
		bs, err := s.adm.ListBrokers(ctx)
		if err != nil || len(bs) == 0 {
			return "", fmt.Errorf("list brokers: %w", cmp.Or(s.connErr(ctx, anyBroker, err), errors.New("none")))
		}
		id = bs[0].NodeID
	}
	rcs, err := s.adm.DescribeBrokerConfigs(ctx, id)
	if err != nil {
		return "", s.byBroker(ctx, fmt.Sprintf("describe configs of broker %d", id), err)
	}
	rc, err := rcs.On(strconv.Itoa(int(id)), nil)
	if err == nil {
		err = rc.Err
	}
	if err != nil {
		return "", fmt.Errorf("describe configs of broker %d: %w", id, err)
	}
	for _, c := range rc.Configs {
		if c.Key == key {
			return c.MaybeValue(), nil
		}
	}
	return "", nil
}
