package kafka

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// polledOffsets are one kind of offset (log start or end) of every partition a
// poll's metadata lists, by topic and partition ID. The table is sized from
// metadata before the requests go out and backed by one array; each
// partition is written by the one request to its leader, so the requests
// fill it at once without a lock.
type polledOffsets map[string][]mark

// mark is one partition's offset, or why it is unknown.
type mark struct {
	offset int64 // -1 when unknown
	err    error
}

// errNotAnswered is the reason of a partition no answer mentioned.
var errNotAnswered = errors.New("list offsets: partition missing from the answer")

func newPolledOffsets(meta *kmsg.MetadataResponse) polledOffsets {
	n := 0
	for _, t := range meta.Topics {
		n += maxPartition(t.Partitions) + 1
	}
	all := make([]mark, n)
	for i := range all {
		all[i] = mark{offset: -1, err: errNotAnswered}
	}
	w := make(polledOffsets, len(meta.Topics))
	for _, t := range meta.Topics {
		if t.Topic == nil {
			continue
		}
		k := maxPartition(t.Partitions) + 1
		w[*t.Topic], all = all[:k:k], all[k:]
	}
	return w
}

// set records partition p of topic t; a partition metadata did not list is
// ignored.
func (w polledOffsets) set(t string, p int32, m mark) {
	if ps := w[t]; p >= 0 && int(p) < len(ps) {
		ps[p] = m
	}
}

// lookup is partition p of topic t: its offset, or why it is unknown.
func (w polledOffsets) lookup(t string, p int32) (int64, error) {
	ps := w[t]
	if p < 0 || int(p) >= len(ps) {
		return -1, errNotAnswered
	}
	return ps[p].offset, ps[p].err
}

// planOffsets says which partitions to ask each leader for: those with a
// leader that answered, as a request to a dead leader would only wait out
// retries and fail. The tables it returns already hold the reason of the
// others, which the topics and the group lag then report.
func planOffsets(meta *kmsg.MetadataResponse, down, missing map[int32]bool) (byLeader map[int32]map[string][]int32, starts, ends polledOffsets) {
	byLeader = make(map[int32]map[string][]int32)
	starts, ends = newPolledOffsets(meta), newPolledOffsets(meta)
	for _, t := range meta.Topics {
		if t.Topic == nil {
			continue
		}
		for _, p := range t.Partitions {
			var why error
			switch {
			case t.ErrorCode != 0:
				why = kerr.ErrorForCode(t.ErrorCode)
			case p.ErrorCode != 0 && (p.Leader < 0 || errors.Is(kerr.ErrorForCode(p.ErrorCode), kerr.LeaderNotAvailable)):
				why = kerr.ErrorForCode(p.ErrorCode)
			case p.Leader < 0:
				why = errors.New("no leader")
			case down[p.Leader]:
				why = fmt.Errorf("leader broker %d did not answer", p.Leader)
			case missing[p.Leader]:
				why = fmt.Errorf("leader broker %d is not in the cluster's metadata", p.Leader)
			default:
				// Also a partition with another error (REPLICA_NOT_AVAILABLE):
				// its leader still serves it.
				if byLeader[p.Leader] == nil {
					byLeader[p.Leader] = make(map[string][]int32)
				}
				byLeader[p.Leader][*t.Topic] = append(byLeader[p.Leader][*t.Topic], p.Partition)
				continue
			}
			starts.set(*t.Topic, p.Partition, mark{offset: -1, err: why})
			ends.set(*t.Topic, p.Partition, mark{offset: -1, err: why})
		}
	}
	return byLeader, starts, ends
}

// topicNamesOf names the topics of meta by ID.
func topicNamesOf(meta *kmsg.MetadataResponse) map[[16]byte]string {
	names := make(map[[16]byte]string, len(meta.Topics))
	for _, t := range meta.Topics {
		if t.Topic != nil && t.TopicID != [16]byte{} {
			names[t.TopicID] = *t.Topic
		}
	}
	return names
}

// listOffsets lists the earliest or latest offset of the given partitions
// into w, by leader: one request to each leader, all at once. The leaders
// are those of this poll's metadata; asking kgo to find them could send a
// metadata request to a broker that is down, and fail partitions whose
// leader is up. It returns the leaders that failed.
func (s *Source) listOffsets(ctx context.Context, timestamp int64, byLeader map[int32]map[string][]int32, w polledOffsets) []failure {
	var (
		mu    sync.Mutex
		wg    sync.WaitGroup
		fails []failure
	)
	for leader, parts := range byLeader {
		wg.Go(func() {
			resp, err := s.listLeaderOffsets(ctx, leader, timestamp, parts)
			if err != nil {
				err = s.brokerErr(ctx, leader, err)
				werr := fmt.Errorf("list offsets on broker %d: %w", leader, err)
				for t, ps := range parts {
					for _, p := range ps {
						w.set(t, p, mark{offset: -1, err: werr})
					}
				}
				mu.Lock()
				fails = append(fails, failure{leader, "list offsets", err})
				mu.Unlock()
				return
			}
			for _, t := range resp.Topics {
				if _, asked := parts[t.Topic]; !asked {
					continue // not ours to write: another leader's
				}
				for _, p := range t.Partitions {
					m := mark{offset: p.Offset}
					if p.ErrorCode != 0 {
						m = mark{offset: -1, err: fmt.Errorf("list offsets on broker %d: %w", leader, kerr.ErrorForCode(p.ErrorCode))}
					}
					w.set(t.Topic, p.Partition, m)
				}
			}
		})
	}
	wg.Wait()
	return fails
}

func (s *Source) listLeaderOffsets(ctx context.Context, leader int32, timestamp int64, parts map[string][]int32) (*kmsg.ListOffsetsResponse, error) {
	n := 0
	for _, ps := range parts {
		n += len(ps)
	}
	req := kmsg.NewPtrListOffsetsRequest()
	req.TimeoutMillis = int32(s.timeout.Milliseconds())
	req.Topics = make([]kmsg.ListOffsetsRequestTopic, 0, len(parts))
	all := make([]kmsg.ListOffsetsRequestTopicPartition, 0, n) // one array for every partition
	for t, ps := range parts {
		rt := kmsg.NewListOffsetsRequestTopic()
		rt.Topic = t
		start := len(all)
		for _, p := range ps {
			rp := kmsg.NewListOffsetsRequestTopicPartition()
			rp.Partition = p
			rp.Timestamp = timestamp
			all = append(all, rp)
		}
		rt.Partitions = all[start:len(all):len(all)]
		req.Topics = append(req.Topics, rt)
	}
	return req.RequestWith(ctx, s.cl.Broker(int(leader)))
}

// offsetsOf is a partition's log start and end offsets, -1 each when
// unknown, with why.
func offsetsOf(starts, ends polledOffsets, topic string, p int32) (low, high int64, errText string) {
	low, lowErr := starts.lookup(topic, p)
	high, highErr := ends.lookup(topic, p)
	switch {
	case lowErr == nil && highErr == nil:
		return low, high, ""
	case lowErr == nil:
		return low, -1, highErr.Error()
	case highErr == nil:
		return -1, high, lowErr.Error()
	case lowErr.Error() == highErr.Error():
		return -1, -1, lowErr.Error()
	}
	return -1, -1, strings.Join([]string{lowErr.Error(), highErr.Error()}, "; ")
}
