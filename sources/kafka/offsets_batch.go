package kafka

import (
	"context"
	"errors"
	"fmt"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// listed is one partition's offset from a ListOffsets request, or why not.
type listed struct {
	offset int64
	err    error
}

// offsetTable is topic → partition → listed offset.
type offsetTable map[string]map[int32]listed

// get is the partition's listing; a partition never asked about is an error.
func (t offsetTable) get(topic string, p int32) listed {
	if l, ok := t[topic][p]; ok {
		return l
	}
	return listed{offset: -1, err: errors.New("missing from the answer")}
}

func (t offsetTable) set(topic string, p int32, l listed) {
	if t[topic] == nil {
		t[topic] = make(map[int32]listed)
	}
	t[topic][p] = l
}

// listOffsetsAt lists the offset at timestamp (earliest, latest, or a time in
// ms) of every given partition in one request that kgo splits per leader. A
// partition that failed carries the error, naming its leader when the leader
// did not answer; for a time, -1 means no record is that recent.
func (s *Source) listOffsetsAt(ctx context.Context, parts map[string][]int32, timestamp int64) offsetTable {
	out := make(offsetTable, len(parts))
	req := kmsg.NewPtrListOffsetsRequest()
	req.TimeoutMillis = int32(s.timeout.Milliseconds())
	for t, ps := range parts {
		rt := kmsg.NewListOffsetsRequestTopic()
		rt.Topic = t
		for _, p := range ps {
			rp := kmsg.NewListOffsetsRequestTopicPartition()
			rp.Partition = p
			rp.Timestamp = timestamp
			rt.Partitions = append(rt.Partitions, rp)
		}
		if len(rt.Partitions) > 0 {
			req.Topics = append(req.Topics, rt)
		}
	}
	if len(req.Topics) == 0 {
		return out
	}
	shards, _ := retried(ctx, func() ([]kgo.ResponseShard, error) {
		shards := s.cl.RequestSharded(ctx, req)
		return shards, unmappedShards(shards)
	}, func(error) bool { return true })
	for _, sh := range shards {
		if sh.Err != nil {
			err := s.shardErr(ctx, sh.Meta, sh.Err)
			if r, ok := sh.Req.(*kmsg.ListOffsetsRequest); ok {
				for _, t := range r.Topics {
					for _, p := range t.Partitions {
						out.set(t.Topic, p.Partition, listed{offset: -1, err: err})
					}
				}
			}
			continue
		}
		for _, t := range sh.Resp.(*kmsg.ListOffsetsResponse).Topics {
			for _, p := range t.Partitions {
				if err := kerr.ErrorForCode(p.ErrorCode); err != nil {
					out.set(t.Topic, p.Partition, listed{offset: -1, err: err})
					continue
				}
				out.set(t.Topic, p.Partition, listed{offset: p.Offset})
			}
		}
	}
	if ctx.Err() != nil { // what is missing was cut short
		for t, ps := range parts {
			for _, p := range ps {
				if _, ok := out[t][p]; !ok {
					out.set(t, p, listed{offset: -1, err: fmt.Errorf("list offsets: %w", ctx.Err())})
				}
			}
		}
	}
	return out
}

// unmappedShards is the first shard's error when no shard reached a broker:
// kgo could not learn the leaders (the broker it asked dropped the connection).
func unmappedShards(shards []kgo.ResponseShard) error {
	for _, sh := range shards {
		if sh.Err == nil || sh.Meta.NodeID >= 0 {
			return nil
		}
	}
	if len(shards) == 0 {
		return nil
	}
	return shards[0].Err
}
