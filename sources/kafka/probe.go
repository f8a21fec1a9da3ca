package kafka

import (
	"context"
	"errors"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// A bounded read ends when each partition reaches its end. Records tell when
// they reach it; control records too, as the stream keeps them. What no record
// tells is an end inside a stretch that holds nothing: batches emptied by
// compaction, which kgo skips without a word, so the stream would wait for a
// record that never comes. When Next has waited a while, a probe asks the
// leader for what lies between the partition's position and its end, and
// kgo's own batch walk says the offset a fetch would continue from.

const (
	// probeBytes bounds one probe's answer; empty batches are small, so one
	// answer walks a long compacted stretch.
	probeBytes = 1 << 20
	// probeRounds bounds the fetches of one probe.
	probeRounds = 4
	// probeTimeout bounds one probe, or a look at the topic's metadata.
	probeTimeout = 10 * time.Second
)

// probePending probes the bounded partitions still pending whose position has
// not moved since they were last probed.
func (st *stream) probePending(ctx context.Context) {
	var finished []int32
	for p, pr := range st.parts {
		if pr.done || pr.probed == pr.next {
			continue
		}
		done, err := st.probe(ctx, p, pr)
		if err != nil {
			continue // kgo reports broker trouble; the next look tries again
		}
		pr.probed = pr.next
		if !done {
			continue
		}
		pr.done = true
		st.pending--
		finished = append(finished, p)
	}
	if len(finished) > 0 && st.pending > 0 {
		st.cl.RemoveConsumePartitions(map[string][]int32{st.topic: finished})
	}
}

// probe reports whether no record lies between partition p's position and its
// end, so that the partition is done.
func (st *stream) probe(ctx context.Context, p int32, pr *partRead) (bool, error) {
	leader, _, err := st.cl.PartitionLeader(st.topic, p)
	if err != nil {
		return false, err
	}
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	from := pr.next
	for range probeRounds {
		req := kmsg.NewPtrFetchRequest()
		req.MaxBytes = probeBytes
		rt := kmsg.NewFetchRequestTopic()
		rt.Topic, rt.TopicID = st.topic, st.topicID // the version chosen decides which is sent
		rp := kmsg.NewFetchRequestTopicPartition()
		rp.Partition = p
		rp.FetchOffset = from
		rp.PartitionMaxBytes = probeBytes
		rt.Partitions = append(rt.Partitions, rp)
		req.Topics = append(req.Topics, rt)
		resp, err := req.RequestWith(ctx, st.cl.Broker(int(leader)))
		if err != nil {
			return false, err
		}
		if len(resp.Topics) != 1 || len(resp.Topics[0].Partitions) != 1 {
			return false, errors.New("probe: unexpected fetch answer")
		}
		fp, next := kgo.ProcessFetchPartition(kgo.ProcessFetchPartitionOpts{
			KeepControlRecords: true,
			Offset:             from,
			Topic:              st.topic,
			Partition:          p,
		}, &resp.Topics[0].Partitions[0], kgo.DefaultDecompressor(), nil)
		if fp.Err != nil {
			return false, fp.Err
		}
		for _, r := range fp.Records {
			if !r.Attrs.IsControl() {
				return r.Offset >= pr.end, nil // the first record decides
			}
		}
		if next >= pr.end {
			return true, nil
		}
		if next <= from {
			return false, nil // caught up short of the end: records are still to come
		}
		from = next
	}
	return false, nil
}

// topicID looks the topic up in fresh metadata: its ID, or exists false when
// the cluster does not know it.
func topicID(ctx context.Context, cl *kgo.Client, topic string) (id [16]byte, exists bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	req := kmsg.NewPtrMetadataRequest()
	rt := kmsg.NewMetadataRequestTopic()
	rt.Topic = kmsg.StringPtr(topic)
	req.Topics = append(req.Topics, rt)
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		return id, false, err
	}
	for _, t := range resp.Topics {
		if t.Topic == nil || *t.Topic != topic {
			continue
		}
		switch err := kerr.ErrorForCode(t.ErrorCode); {
		case err == nil:
			return t.TopicID, true, nil
		case errors.Is(err, kerr.UnknownTopicOrPartition):
			return id, false, nil
		default:
			return id, false, err
		}
	}
	return id, false, errors.New("topic missing from the metadata answer")
}
