package kafka

import (
	"context"
	"errors"
	"fmt"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// errNoTopic is the cluster saying that a topic does not exist.
var errNoTopic = errors.New("topic does not exist")

// lookupTries is how many brokers a topic lookup tries: kgo moves on to
// another broker by itself only after a dial error, and a broker that accepts
// connections and drops them would fail the lookup (the poll works around it
// the same way). Each attempt goes to the next broker in kgo's rotation.
const lookupTries = 5

// topicInfo is what Tail and Do need to know of a topic.
type topicInfo struct {
	id         [16]byte
	partitions []int32 // sorted
	leaders    map[int32]int32
}

// lookupTopic asks for the topic's metadata now (not kgo's cache: a tail or a
// produce acts on what the cluster says). It never asks brokers to create the
// topic. A topic the cluster does not know is errNoTopic.
func (s *Source) lookupTopic(ctx context.Context, topic string) (topicInfo, error) {
	m, err := s.lookupTopics(ctx, []string{topic})
	if err != nil {
		return topicInfo{}, fmt.Errorf("look up topic %s: %w", topic, err)
	}
	switch err := m.errs[topic]; {
	case errors.Is(err, errNoTopic):
		return topicInfo{}, errNoTopic
	case err != nil:
		return topicInfo{}, fmt.Errorf("look up topic %s: %w", topic, err)
	}
	return m.topics[topic], nil
}

// anyLeader is a broker to ask about the topic: the leader of its lowest
// partition that has one, or -1.
func (ti topicInfo) anyLeader() int32 {
	for _, p := range ti.partitions {
		if l := ti.leaders[p]; l >= 0 {
			return l
		}
	}
	return -1
}

// listPartitionOffsets lists the offset at timestamp (earliest, latest, or a
// time in ms) of the given partitions in one request, which kgo splits per
// leader. A partition that failed (its leader is down) is an error naming it
// and its leader; for a time, -1 means no record is that recent.
func (s *Source) listPartitionOffsets(ctx context.Context, topic string, parts []int32, timestamp int64) (map[int32]int64, error) {
	req := kmsg.NewPtrListOffsetsRequest()
	req.TimeoutMillis = int32(s.timeout.Milliseconds())
	rt := kmsg.NewListOffsetsRequestTopic()
	rt.Topic = topic
	for _, p := range parts {
		rp := kmsg.NewListOffsetsRequestTopicPartition()
		rp.Partition = p
		rp.Timestamp = timestamp
		rt.Partitions = append(rt.Partitions, rp)
	}
	req.Topics = append(req.Topics, rt)
	out := make(map[int32]int64, len(parts))
	failed := make(map[int32]error)
	for _, sh := range s.cl.RequestSharded(ctx, req) {
		if sh.Err != nil {
			err := s.shardErr(ctx, sh.Meta, sh.Err)
			if r, ok := sh.Req.(*kmsg.ListOffsetsRequest); ok {
				for _, t := range r.Topics {
					for _, p := range t.Partitions {
						failed[p.Partition] = err
					}
				}
			}
			continue
		}
		for _, t := range sh.Resp.(*kmsg.ListOffsetsResponse).Topics {
			for _, p := range t.Partitions {
				if err := kerr.ErrorForCode(p.ErrorCode); err != nil {
					failed[p.Partition] = err
					continue
				}
				out[p.Partition] = p.Offset
			}
		}
	}
	var errs []error
	for _, p := range parts {
		if _, ok := out[p]; ok {
			continue
		}
		err := failed[p]
		switch {
		case ctx.Err() != nil:
			err = ctx.Err()
		case err == nil:
			err = errors.New("missing from the answer")
		}
		errs = append(errs, fmt.Errorf("partition %d: %w", p, err))
	}
	return out, errors.Join(errs...)
}
