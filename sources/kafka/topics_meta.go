package kafka

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// topicsMeta is what one metadata request says of several topics.
type topicsMeta struct {
	topics map[string]topicInfo
	names  map[[16]byte]string // topic ID → name
	errs   map[string]error    // per topic: errNoTopic or what the broker said
}

// lookupTopics asks for the metadata of the named topics now (nil: every
// topic), in one request, never creating one. A topic the cluster does not
// know is errNoTopic in errs; the error is for the request as a whole.
func (s *Source) lookupTopics(ctx context.Context, names []string) (topicsMeta, error) {
	req := kmsg.NewPtrMetadataRequest()
	req.AllowAutoTopicCreation = false
	if names != nil {
		req.Topics = []kmsg.MetadataRequestTopic{} // none asked is "no topics", not "all"
		for _, n := range names {
			rt := kmsg.NewMetadataRequestTopic()
			rt.Topic = kmsg.StringPtr(n)
			req.Topics = append(req.Topics, rt)
		}
	}
	var (
		resp *kmsg.MetadataResponse
		err  error
	)
	// Each try goes to the next broker in kgo's rotation (see lookupTries).
	for range lookupTries {
		resp, err = req.RequestWith(ctx, s.cl)
		if err == nil || ctx.Err() != nil || isDialErr(err) {
			break
		}
	}
	if err != nil {
		return topicsMeta{}, fmt.Errorf("metadata: %w", s.connErr(ctx, anyBroker, err))
	}
	s.closed.learn(resp.Brokers)
	m := topicsMeta{
		topics: make(map[string]topicInfo, len(resp.Topics)),
		names:  make(map[[16]byte]string, len(resp.Topics)),
		errs:   make(map[string]error),
	}
	for _, t := range resp.Topics {
		if t.Topic == nil {
			continue
		}
		switch err := kerr.ErrorForCode(t.ErrorCode); {
		case errors.Is(err, kerr.UnknownTopicOrPartition):
			m.errs[*t.Topic] = errNoTopic
			continue
		case err != nil:
			m.errs[*t.Topic] = err
			continue
		}
		info := topicInfo{id: t.TopicID, leaders: make(map[int32]int32, len(t.Partitions))}
		for _, p := range t.Partitions {
			info.partitions = append(info.partitions, p.Partition)
			info.leaders[p.Partition] = p.Leader
		}
		slices.Sort(info.partitions)
		m.topics[*t.Topic] = info
		m.names[t.TopicID] = *t.Topic
	}
	for _, n := range names {
		if _, ok := m.topics[n]; !ok && m.errs[n] == nil {
			m.errs[n] = errNoTopic
		}
	}
	return m, nil
}
