package kafka

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/topicat/topicat/sources"
)

// deliveryErr says why a message was not delivered, in words a user acts on.
func (s *Source) deliveryErr(ctx context.Context, topic string, leader int32, m sources.Message, r *kgo.Record, err error, prod *producer) string {
	switch {
	case errors.Is(err, kerr.MessageTooLarge), errors.Is(err, kerr.RecordListTooLarge):
		return s.tooLarge(ctx, topic, leader, m)
	case errors.Is(err, kerr.UnknownTopicOrPartition), errors.Is(err, kerr.UnknownTopicID):
		return s.unknownTopic(ctx, topic)
	}
	// The partition's leader, when kgo knows it: its trouble, and its
	// address for wording a closed connection.
	at, leaderID := anyBroker, int32(-1)
	if r.Partition >= 0 {
		if id, _, lerr := prod.cl.PartitionLeader(topic, r.Partition); lerr == nil && id >= 0 {
			at, leaderID = brokerAt(id), id
		}
	}
	var text string
	switch {
	case errors.Is(err, context.Canceled):
		text = "cancelled before Kafka confirmed it (it may or may not have been written)"
	case errors.Is(err, context.DeadlineExceeded):
		text = "not confirmed in time (it may or may not have been written)"
	case errors.Is(err, kgo.ErrRecordRetries):
		text = fmt.Sprintf("not delivered after %d tries", produceRetries+1)
	case errors.Is(err, kgo.ErrRecordTimeout):
		text = fmt.Sprintf("not delivered within %v", produceTimeout)
	case errors.Is(err, kgo.ErrClientClosed):
		return "not delivered: topicat is closing the connection"
	default:
		text = s.connErr(ctx, at, err).Error()
	}
	// A retry limit or timeout hides the cause; the leader's last error is it.
	if leaderID >= 0 {
		switch why := prod.trouble.ofBroker(leaderID); {
		case why == "":
		case strings.HasSuffix(why, ": "+text): // the same error, now with its broker
			text = fmt.Sprintf("the leader of partition %d, %s", r.Partition, why)
		default:
			text += fmt.Sprintf("; the leader of partition %d, %s", r.Partition, why)
		}
	}
	return text
}

// tooLarge explains a message the topic does not take: its size, the limit,
// and where the limit comes from, looked up afresh (it may have changed).
func (s *Source) tooLarge(ctx context.Context, topic string, leader int32, m sources.Message) string {
	size := int64(messageSize(m))
	prev, hadPrev := s.limits.get(topic)
	l, err := s.messageLimit(ctx, topic, leader, true)
	if err != nil {
		return fmt.Sprintf("message too large: %s bytes of key, value and headers is more than %s takes (its max.message.bytes, or the brokers' message.max.bytes; looking it up failed: %v)",
			digits(size), topic, err)
	}
	if hadPrev && prev.bytes > 0 && prev.bytes != l.bytes && size+batchFraming <= l.bytes {
		return fmt.Sprintf("message too large for the limit %s had until now (%s bytes); it is now %s bytes (%s): send it again",
			topic, digits(prev.bytes), digits(l.bytes), l.from)
	}
	return fmt.Sprintf("message too large: %s bytes of key, value and headers; %s takes at most %s bytes per batch (%s). Kafka measures the batch after compression, with about %d bytes of framing: compress it, send less, or raise the limit",
		digits(size), topic, digits(l.bytes), l.from, batchFraming)
}

// batchFraming is about what a batch of one record adds to the record's key,
// value and headers: the batch header (61 bytes) and the record's own fields.
const batchFraming = 70

func messageSize(m sources.Message) int {
	n := len(m.Key) + len(m.Value)
	for _, h := range m.Headers {
		n += len(h.Key) + len(h.Value)
	}
	return n
}

// unknownTopic says that a topic does not exist, and whether the brokers
// would have created it for a client that asked (topicat never asks).
func (s *Source) unknownTopic(ctx context.Context, topic string) string {
	msg := fmt.Sprintf("topic %q does not exist", topic)
	v, err := s.brokerConfig(ctx, -1, "auto.create.topics.enable")
	switch {
	case err != nil:
		return msg + "; topicat does not create topics: create it first"
	case v == "true":
		return msg + "; the brokers create topics on first use (auto.create.topics.enable=true) but topicat does not: create it first"
	case v == "false":
		return msg + " and the brokers do not create topics on first use (auto.create.topics.enable=false): create it first"
	}
	return msg + "; topicat does not create topics (the brokers do not report auto.create.topics.enable): create it first"
}

// wholeFailure is the request's error when no message was delivered and the
// reason is not the messages' own (their size): nothing was reachable.
func wholeFailure(errs []error, ds []sources.Delivery) string {
	for _, err := range errs {
		if err == nil || errors.Is(err, kerr.MessageTooLarge) || errors.Is(err, kerr.RecordListTooLarge) {
			return ""
		}
	}
	if len(ds) == 0 {
		return ""
	}
	if len(ds) == 1 {
		return "not delivered: " + ds[0].Err
	}
	return fmt.Sprintf("none of the %d messages was delivered: %s", len(ds), ds[0].Err)
}

// digits writes n with thousands separators: 1048588 → "1,048,588".
func digits(n int64) string {
	s := strconv.FormatInt(n, 10)
	start := 0
	if n < 0 {
		start = 1
	}
	out := []byte(s[:start])
	for i := start; i < len(s); i++ {
		if i > start && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}
