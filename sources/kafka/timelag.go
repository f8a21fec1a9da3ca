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

// A time-lag fetch reads a little of each partition. Kafka guarantees only
// the first partition of a Fetch its first batch beyond these limits
// (KIP-74): with batches over timeLagPartitionBytes, or more partitions than
// timeLagFetchBytes holds, the others come back empty. Those are asked again,
// in fetches of their own, until each has its record; every round answers at
// least the first partition of each fetch, so it ends.
const (
	timeLagFetchBytes     = 1 << 20
	timeLagPartitionBytes = 64 << 10
	// timeLagFetches is how many fetches a leader gets at once: each round
	// answers at least that many partitions, and holds at most that many
	// answers of timeLagFetchBytes (or of one batch larger than that).
	timeLagFetches = 4
)

// lagAsk is a partition whose next unread record's time is wanted: the
// record at the group's committed offset.
type lagAsk struct {
	topic     string
	partition int32
	offset    int64
}

// lagFound is what reading at a committed offset found: the time of the
// record there (the first at or after it), or that only control records
// (transaction markers) lie between it and the end, so that the group has
// read every record there is.
type lagFound struct {
	at       time.Time
	caughtUp bool
}

// recordTimes returns what is at each ask's offset, from the Source's cache
// or from small fetches to each leader, the leaders at once. Fetched times
// are cached until the group's offset moves; being caught up is not (a
// record may come next).
func (s *Source) recordTimes(ctx context.Context, group string, asks []lagAsk, meta topicsMeta) (map[lagAsk]lagFound, map[lagAsk]error) {
	cache := s.timeLags()
	found := make(map[lagAsk]lagFound, len(asks))
	errs := make(map[lagAsk]error)
	byLeader := make(map[int32][]lagAsk)
	for _, a := range asks {
		ti := meta.topics[a.topic]
		if at, ok := cache.get(lagKey{group, a.topic, a.partition}, a.offset, ti.id); ok {
			found[a] = lagFound{at: at}
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
			for a, f := range got {
				found[a] = f
				if !f.caughtUp {
					cache.put(lagKey{group, a.topic, a.partition}, a.offset, meta.topics[a.topic].id, f.at)
				}
			}
			for a, err := range failed {
				errs[a] = err
			}
		})
	}
	wg.Wait()
	return found, errs
}

// askRead is one ask being read: from is where the next fetch reads, its
// offset at first, then past the control records read so far.
type askRead struct {
	lagAsk
	from int64
}

// lagStep is what one fetch said of one ask.
type lagStep struct {
	found lagFound
	done  bool  // found holds the answer
	from  int64 // where to read next; moved past control records
	err   error
}

// fetchRecordTimes asks one leader for the first record at or after each
// ask's offset, in rounds of at most timeLagFetches fetches at once, until
// every ask has its answer or an error, or a round answers nothing more.
func (s *Source) fetchRecordTimes(ctx context.Context, leader int32, asks []lagAsk, meta topicsMeta) (map[lagAsk]lagFound, map[lagAsk]error) {
	found := make(map[lagAsk]lagFound, len(asks))
	errs := make(map[lagAsk]error)
	pending := make([]askRead, len(asks))
	for i, a := range asks {
		pending[i] = askRead{lagAsk: a, from: a.offset}
	}
	for len(pending) > 0 && ctx.Err() == nil {
		chunks := split(pending, timeLagFetches)
		steps := make([][]lagStep, len(chunks))
		var wg sync.WaitGroup
		for i, chunk := range chunks {
			wg.Go(func() { steps[i] = s.fetchRound(ctx, leader, chunk, meta) })
		}
		wg.Wait()
		var next []askRead
		progress := false
		for i, chunk := range chunks {
			for j, r := range chunk {
				st := steps[i][j]
				switch {
				case st.err != nil:
					errs[r.lagAsk] = st.err
				case st.done:
					found[r.lagAsk] = st.found
				default:
					progress = progress || st.from > r.from
					r.from = st.from
					next = append(next, r)
					continue
				}
				progress = true
			}
		}
		if !progress {
			for _, r := range next {
				errs[r.lagAsk] = fmt.Errorf("no record at offset %d in what leader broker %d sent", r.from, leader)
			}
			return found, errs
		}
		pending = next
	}
	for _, r := range pending {
		errs[r.lagAsk] = fmt.Errorf("fetch from leader broker %d: %w", leader, ctx.Err())
	}
	return found, errs
}

// split cuts rs into at most n runs of about the same length.
func split(rs []askRead, n int) [][]askRead {
	n = min(n, len(rs))
	out := make([][]askRead, 0, n)
	for i := range n {
		out = append(out, rs[i*len(rs)/n:(i+1)*len(rs)/n])
	}
	return out
}

// fetchRound sends one Fetch for reads to the leader and says, per read, in
// order, what it found.
func (s *Source) fetchRound(ctx context.Context, leader int32, reads []askRead, meta topicsMeta) []lagStep {
	steps := make([]lagStep, len(reads))
	req := kmsg.NewPtrFetchRequest()
	req.MaxWaitMillis = 0 // what is there now; never wait for more
	req.MaxBytes = timeLagFetchBytes
	want := make(map[string]map[int32]int) // → index in reads
	index := make(map[string]int)
	for k, r := range reads {
		steps[k].from = r.from
		i, ok := index[r.topic]
		if !ok {
			i = len(req.Topics)
			index[r.topic] = i
			rt := kmsg.NewFetchRequestTopic()
			rt.Topic = r.topic
			rt.TopicID = meta.topics[r.topic].id // Fetch v13+ names topics by ID
			req.Topics = append(req.Topics, rt)
			want[r.topic] = make(map[int32]int)
		}
		rp := kmsg.NewFetchRequestTopicPartition()
		rp.Partition = r.partition
		rp.FetchOffset = r.from
		rp.PartitionMaxBytes = timeLagPartitionBytes
		req.Topics[i].Partitions = append(req.Topics[i].Partitions, rp)
		want[r.topic][r.partition] = k
	}
	resp, err := req.RequestWith(ctx, s.cl.Broker(int(leader)))
	if err != nil {
		err = s.connErr(ctx, brokerAt(leader), err)
	} else {
		err = kerr.ErrorForCode(resp.ErrorCode)
	}
	if err != nil {
		for k := range steps {
			steps[k].err = fmt.Errorf("fetch from leader broker %d: %w", leader, err)
		}
		return steps
	}
	dec := kgo.DefaultDecompressor()
	for _, t := range resp.Topics {
		topic := t.Topic
		if topic == "" {
			topic = meta.names[t.TopicID]
		}
		for i := range t.Partitions {
			rp := &t.Partitions[i]
			k, ok := want[topic][rp.Partition]
			if !ok {
				continue
			}
			steps[k] = readStep(leader, reads[k], rp, dec)
		}
	}
	// A partition missing from the answer (the fetch was full) keeps its
	// place for the next round.
	return steps
}

// readStep reads one partition's answer: the first record at or after the
// read's offset, or how far control records took it; at or past the high
// watermark with no record, the group has read everything there is.
func readStep(leader int32, r askRead, rp *kmsg.FetchResponseTopicPartition, dec kgo.Decompressor) lagStep {
	fp, next := kgo.ProcessFetchPartition(kgo.ProcessFetchPartitionOpts{Topic: r.topic, Partition: r.partition, Offset: r.from}, rp, dec, nil)
	if fp.Err != nil {
		return lagStep{err: fmt.Errorf("fetch from leader broker %d: %w", leader, fp.Err)}
	}
	for _, rec := range fp.Records { // control records are left out
		if rec.Offset >= r.from {
			return lagStep{found: lagFound{at: rec.Timestamp}, done: true}
		}
	}
	from := max(next, r.from)
	if from >= rp.HighWatermark {
		return lagStep{found: lagFound{caughtUp: true}, done: true}
	}
	return lagStep{from: from}
}
