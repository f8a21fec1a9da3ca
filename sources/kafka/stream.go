package kafka

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/topicat/topicat/sources"
)

// Fetch sizing: what a stream may hold in memory however fast the topic is.
//
// kgo buffers whole fetch responses until Next drains them, and counts a
// fetch as in flight until then, so at most maxConcurrentFetches responses
// of at most fetchMaxBytes each are held: 4 × 8 MiB = 32 MiB as read from the
// wire (a compressed batch takes more once decompressed). One partition gives
// at most fetchMaxPartitionBytes to a response, so a busy partition cannot
// starve the others, and a single partition still moves 4 MiB per round trip,
// which is what a fast tail of one partition needs. A record larger than
// these limits is still fetched whole: Kafka always returns at least the
// first batch of a partition (KIP-74).
const (
	fetchMaxBytes          = 8 << 20
	fetchMaxPartitionBytes = 4 << 20
	maxConcurrentFetches   = 4
	// fetchMaxWait is how long a broker holds a fetch that has nothing to
	// send. With fetches limited in number, a broker holding one delays the
	// others' turn: keep it short so new records elsewhere wait little.
	fetchMaxWait = 500 * time.Millisecond
)

// idleTick is how often a Next that is waiting for records looks after what
// records alone cannot tell: a bounded partition whose last offsets hold no
// record, a topic deleted under the stream.
const idleTick = time.Second

// topicCheckEvery is how often an idle stream asks whether its topic still
// exists (a deleted topic's partitions may simply fall silent).
const topicCheckEvery = 5 * time.Second

// stream reads one topic's partitions with its own kgo client.
type stream struct {
	src     *Source
	topic   string
	topicID [16]byte
	cl      *kgo.Client // nil when nothing was left to read at open
	bounded bool
	desc    string
	trouble *trouble

	closeOnce sync.Once
	closed    chan struct{}

	// mu serialises Next and guards what it changes.
	mu        sync.Mutex
	parts     map[int32]*partRead
	pending   int // bounded partitions not done yet
	fatal     error
	lastCheck time.Time // of the topic's existence
	reported  string    // the Problem as the last Next returned
}

// partRead is one partition's progress.
type partRead struct {
	end    int64 // exclusive, for a bounded read
	from   int64 // the first offset to return
	next   int64 // the offset after the last one seen, record or control
	done   bool
	probed int64 // next when last probed; -1 never
}

func (s *Source) openStream(plan tailPlan, spec sources.TailSpec) (*stream, error) {
	st := &stream{
		src:     s,
		topic:   plan.topic,
		topicID: plan.topicID,
		bounded: spec.Range.HasEnd,
		trouble: newTrouble(s.closed),
		closed:  make(chan struct{}),
		parts:   make(map[int32]*partRead, len(plan.parts)),
	}
	st.desc = describe(plan, spec)
	consume := make(map[int32]kgo.Offset, len(plan.parts))
	for _, pp := range plan.parts {
		pr := &partRead{end: pp.end, from: pp.start, next: min(pp.start, pp.high), probed: -1}
		st.parts[pp.partition] = pr
		if st.bounded && pp.start >= pp.end {
			pr.done = true
			continue
		}
		st.pending++
		// Fetching past the high watermark would be out of range: start
		// there and skip what lies before the offset asked for.
		consume[pp.partition] = kgo.NewOffset().At(pr.next)
	}
	if len(consume) > 0 {
		opts := append(slices.Clone(s.conn),
			kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{plan.topic: consume}),
			kgo.FetchMaxBytes(fetchMaxBytes),
			kgo.FetchMaxPartitionBytes(fetchMaxPartitionBytes),
			kgo.MaxConcurrentFetches(maxConcurrentFetches),
			kgo.FetchMaxWait(fetchMaxWait),
			// Control records (transaction markers) come back so that a
			// bounded read sees its partitions reach an end they occupy;
			// Next never returns them.
			kgo.KeepControlRecords(),
			// Retryable fetch errors come back too, for Problem, and so
			// that a deleted topic is noticed.
			kgo.KeepRetryableFetchErrors(),
			kgo.MetadataMinAge(time.Second),
			kgo.WithHooks(st.trouble),
		)
		cl, err := kgo.NewClient(opts...)
		if err != nil {
			return nil, fmt.Errorf("tail %s: create client: %w", plan.topic, err)
		}
		st.cl = cl
	}
	if !s.opened.addStream(st) {
		st.shut()
		return nil, errSourceClosed
	}
	return st, nil
}

// Describe says what is read and how, in one line.
func (st *stream) Describe() string { return st.desc }

// Problem is the latest trouble the client is riding out, or "".
func (st *stream) Problem() string { return st.trouble.latest() }

// Close stops reading; a blocked Next returns ErrStreamClosed.
func (st *stream) Close() {
	st.shut()
	st.src.opened.removeStream(st)
}

func (st *stream) shut() {
	st.closeOnce.Do(func() {
		close(st.closed)
		if st.cl != nil {
			st.cl.Close()
		}
	})
}

func (st *stream) isClosed() bool {
	select {
	case <-st.closed:
		return true
	default:
		return false
	}
}

// Next returns the next records, at most max of them (max <= 0: whatever is
// buffered), each owning its bytes.
func (st *stream) Next(ctx context.Context, max int) ([]sources.Record, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	for {
		switch {
		case st.isClosed():
			return nil, sources.ErrStreamClosed
		case st.fatal != nil:
			return nil, st.fatal
		case st.bounded && st.pending == 0:
			return nil, io.EOF
		case ctx.Err() != nil:
			return nil, ctx.Err()
		}
		pollCtx, cancel := context.WithTimeout(ctx, idleTick)
		fs := st.cl.PollRecords(pollCtx, max)
		idle := pollCtx.Err() != nil && ctx.Err() == nil
		cancel()
		if out := st.take(ctx, fs); len(out) > 0 {
			st.reported = st.Problem()
			return out, nil
		}
		// Trouble is said before looking after the topic: the look goes
		// through the same client, and waits on the broker in trouble.
		if p := st.Problem(); p != st.reported { // said while nothing arrives
			st.reported = p
			return nil, nil
		}
		if idle {
			st.lookAfter(ctx)
		}
	}
}

// take copies the polled records out of kgo's buffers, drops those a bounded
// read must not return, and deals with the fetch errors.
func (st *stream) take(ctx context.Context, fs kgo.Fetches) []sources.Record {
	var (
		out      []sources.Record
		finished []int32
	)
	for i := range fs {
		for j := range fs[i].Topics {
			ft := &fs[i].Topics[j]
			for k := range ft.Partitions {
				fp := &ft.Partitions[k]
				if fp.Err != nil {
					st.fetchErr(ctx, fp.Partition, fp.Err)
				}
				if len(fp.Records) == 0 {
					continue
				}
				st.trouble.clear(partitionKey(fp.Partition))
				pr := st.parts[fp.Partition]
				if pr == nil || pr.done {
					continue
				}
				if out == nil {
					out = make([]sources.Record, 0, fs.NumRecords())
				}
				for _, r := range fp.Records {
					if st.bounded && r.Offset >= pr.end {
						break // and the partition is done, below
					}
					pr.next = r.Offset + 1
					if !r.Attrs.IsControl() && r.Offset >= pr.from {
						out = append(out, copyRecord(r, st.topic))
					}
				}
				if st.bounded && (pr.next >= pr.end || fp.Records[len(fp.Records)-1].Offset >= pr.end) {
					pr.done = true
					st.pending--
					finished = append(finished, fp.Partition)
				}
			}
		}
	}
	if len(finished) > 0 && st.pending > 0 {
		// Stop fetching what is done; records past the end would only be dropped.
		st.cl.RemoveConsumePartitions(map[string][]int32{st.topic: finished})
	}
	return out
}

// copyRecord makes a record that owns its bytes: kgo's slices point into the
// decompressed batch, which one record kept by the UI would hold whole. Key,
// value and header values share one allocation.
func copyRecord(r *kgo.Record, topic string) sources.Record {
	n := len(r.Key) + len(r.Value)
	for _, h := range r.Headers {
		n += len(h.Value)
	}
	buf := make([]byte, n)
	take := func(b []byte) []byte {
		if b == nil {
			return nil // a null key or value stays null, not empty
		}
		c := buf[:len(b):len(b)]
		copy(c, b)
		buf = buf[len(b):]
		return c
	}
	out := sources.Record{
		Topic:     topic,
		Partition: r.Partition,
		Offset:    r.Offset,
		Timestamp: r.Timestamp,
		Key:       take(r.Key),
		Value:     take(r.Value),
	}
	if len(r.Headers) > 0 {
		out.Headers = make([]sources.Header, len(r.Headers))
		for i, h := range r.Headers {
			// kgo decodes header keys into strings of their own.
			out.Headers[i] = sources.Header{Key: h.Key, Value: take(h.Value)}
		}
	}
	return out
}

// fetchErr sorts a fetch error: trouble to ride out, or the end of the stream.
func (st *stream) fetchErr(ctx context.Context, partition int32, err error) {
	var dataLoss *kgo.ErrDataLoss
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		// Injected by PollRecords when its context ends: not the cluster's.
	case errors.Is(err, kgo.ErrClientClosed):
		// Close is under way; Next answers ErrStreamClosed.
	case errors.Is(err, kerr.UnknownTopicOrPartition), errors.Is(err, kerr.UnknownTopicID):
		st.trouble.set(partitionKey(partition), fmt.Sprintf("partition %d: %v", partition, err))
		st.checkTopic(ctx, time.Second)
	case errors.As(err, &dataLoss):
		// kgo has already moved on to what the log still holds.
		st.trouble.set(partitionKey(partition), fmt.Sprintf("partition %d: records were lost: %v", partition, err))
	case kerr.IsRetriable(err):
		st.trouble.set(partitionKey(partition), fmt.Sprintf("partition %d: %v", partition, err))
	default:
		st.fatal = fmt.Errorf("read %s partition %d: %w", st.topic, partition, st.src.connErr(ctx, anyBroker, err))
	}
}

func partitionKey(p int32) string { return "partition " + strconv.Itoa(int(p)) }

// lookAfter runs while Next waits: it ends bounded partitions whose last
// offsets hold no record, and notices a topic deleted under the stream.
func (st *stream) lookAfter(ctx context.Context) {
	if st.bounded {
		st.probePending(ctx)
	}
	st.checkTopic(ctx, topicCheckEvery)
}

// checkTopic asks the cluster whether the topic still exists, at most once per
// every; a topic deleted, or deleted and created again, ends the stream.
func (st *stream) checkTopic(ctx context.Context, every time.Duration) {
	if st.fatal != nil || time.Since(st.lastCheck) < every {
		return
	}
	st.lastCheck = time.Now()
	id, exists, err := topicID(ctx, st.cl, st.topic)
	switch {
	case err != nil:
		return // the broker trouble is reported as it is
	case !exists:
		st.fatal = fmt.Errorf("topic %q was deleted", st.topic)
	case id != st.topicID && st.topicID != [16]byte{} && id != [16]byte{}:
		st.fatal = fmt.Errorf("topic %q was deleted and created again; open the tail again to read the new one", st.topic)
	}
}

// Compile-time check that stream satisfies sources.Stream.
var _ sources.Stream = (*stream)(nil)
