package kafka

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// A time-lag fetch reads a little of each partition: Kafka returns at least
// the first batch at the offset whatever the limits (KIP-74), so these only
// keep a busy partition from sending more than that.
const (
	timeLagFetchBytes     = 1 << 20
	timeLagPartitionBytes = 64 << 10
)

// lagAsk is a partition whose next unread record's time is wanted: the
// record at the group's committed offset.
type lagAsk struct {
	topic     string
	partition int32
	offset    int64
}

// recordTimes returns the timestamp of the record at each ask's offset (the
// first record at or after it, should compaction have removed it), from the
// Source's cache or from one small fetch per leader, sent at once. Fetched
// times are cached until the group's offset moves.
func (s *Source) recordTimes(ctx context.Context, group string, asks []lagAsk, meta topicsMeta) (map[lagAsk]time.Time, map[lagAsk]error) {
	cache := s.timeLags()
	times := make(map[lagAsk]time.Time, len(asks))
	errs := make(map[lagAsk]error)
	byLeader := make(map[int32][]lagAsk)
	for _, a := range asks {
		ti := meta.topics[a.topic]
		if at, ok := cache.get(lagKey{group, a.topic, a.partition}, a.offset, ti.id); ok {
			times[a] = at
			continue
		}
		if leader, ok := ti.leaders[a.partition]; ok && leader >= 0 {
			byLeader[leader] = append(byLeader[leader], a)
		} else {
			errs[a] = errors.New("no leader to read the record from")
		}
	}
	var (
		mu sync.Mutex
		wg sync.WaitGroup
	)
	for leader, as := range byLeader {
		wg.Go(func() {
			got, failed := s.fetchRecordTimes(ctx, leader, as, meta)
			mu.Lock()
			defer mu.Unlock()
			for a, at := range got {
				times[a] = at
				cache.put(lagKey{group, a.topic, a.partition}, a.offset, meta.topics[a.topic].id, at)
			}
			for a, err := range failed {
				errs[a] = err
			}
		})
	}
	wg.Wait()
	return times, errs
}

// fetchRecordTimes asks one leader, in one Fetch, for the first record at or
// after each ask's offset and returns the records' timestamps.
func (s *Source) fetchRecordTimes(ctx context.Context, leader int32, asks []lagAsk, meta topicsMeta) (map[lagAsk]time.Time, map[lagAsk]error) {
	times := make(map[lagAsk]time.Time, len(asks))
	errs := make(map[lagAsk]error)
	req := kmsg.NewPtrFetchRequest()
	req.MaxWaitMillis = 0 // what is there now; never wait for more
	req.MaxBytes = timeLagFetchBytes
	want := make(map[string]map[int32]lagAsk)
	index := make(map[string]int)
	for _, a := range asks {
		i, ok := index[a.topic]
		if !ok {
			i = len(req.Topics)
			index[a.topic] = i
			rt := kmsg.NewFetchRequestTopic()
			rt.Topic = a.topic
			rt.TopicID = meta.topics[a.topic].id // Fetch v13+ names topics by ID
			req.Topics = append(req.Topics, rt)
			want[a.topic] = make(map[int32]lagAsk)
		}
		rp := kmsg.NewFetchRequestTopicPartition()
		rp.Partition = a.partition
		rp.FetchOffset = a.offset
		rp.PartitionMaxBytes = timeLagPartitionBytes
		req.Topics[i].Partitions = append(req.Topics[i].Partitions, rp)
		want[a.topic][a.partition] = a
	}
	failAll := func(err error) (map[lagAsk]time.Time, map[lagAsk]error) {
		for _, a := range asks {
			errs[a] = err
		}
		return times, errs
	}
	resp, err := req.RequestWith(ctx, s.cl.Broker(int(leader)))
	if err == nil {
		err = kerr.ErrorForCode(resp.ErrorCode)
	}
	if err != nil {
		return failAll(fmt.Errorf("fetch from leader broker %d: %w", leader, err))
	}
	dec := kgo.DefaultDecompressor()
	for _, t := range resp.Topics {
		topic := t.Topic
		if topic == "" {
			topic = meta.names[t.TopicID]
		}
		for i := range t.Partitions {
			rp := &t.Partitions[i]
			a, ok := want[topic][rp.Partition]
			if !ok {
				continue
			}
			fp, _ := kgo.ProcessFetchPartition(kgo.ProcessFetchPartitionOpts{Topic: topic, Partition: rp.Partition, Offset: a.offset}, rp, dec, nil)
			if fp.Err != nil {
				errs[a] = fmt.Errorf("fetch from leader broker %d: %w", leader, fp.Err)
				continue
			}
			found := false
			for _, r := range fp.Records {
				if r.Offset >= a.offset {
					times[a], found = r.Timestamp, true
					break
				}
			}
			if !found {
				errs[a] = fmt.Errorf("no record at offset %d in what leader broker %d sent", a.offset, leader)
			}
		}
	}
	for _, a := range asks {
		if _, ok := times[a]; !ok && errs[a] == nil {
			errs[a] = fmt.Errorf("fetch from leader broker %d: partition missing from the answer", leader)
		}
	}
	return times, errs
}
