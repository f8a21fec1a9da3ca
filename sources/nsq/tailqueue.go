package nsq

import (
	"context"
	"sync"

	"github.com/topicat/topicat/sources"
)

// The queue between go-nsq's handler and Next. It only bridges the moments
// between two reads: the tail screen drains it every frame into a ring buffer
// of its own, which is where records are kept. 4096 records is a frame or
// two at the fastest a tail reads (BenchmarkTail: ~1.3×10⁵ messages/s), and
// 8 MiB keeps big messages (nsqd takes up to 1 MiB by default) from making
// it hold more than a handful.
//
// Half full, the stream asks nsqd to stop sending (see tailStream.hold);
// what is in flight then still fits, so go-nsq never waits for room and goes
// on answering heartbeats while a reader pauses. Only big messages can fill
// the byte bound first; then the handler waits, the last resort. Either way
// further messages wait in nsqd, which drops them past its --mem-queue-size,
// since an ephemeral channel has no disk queue: a slow reader loses messages
// of its own copy, never memory of topicat or the cluster's real channels.
const (
	queueRecords = 4096
	queueBytes   = 8 << 20
)

// recordQueue is a bounded FIFO of records: push blocks while it is full,
// pop while it is empty, and close releases both.
type recordQueue struct {
	maxRecords, maxBytes int

	mu    sync.Mutex
	recs  []sources.Record // recs[head:] are queued
	head  int
	bytes int

	ready  chan struct{} // a token after a push: records may be there
	space  chan struct{} // a token after a pop: room may be there
	closed chan struct{}
	once   sync.Once
}

func newRecordQueue(maxRecords, maxBytes int) *recordQueue {
	return &recordQueue{
		maxRecords: maxRecords,
		maxBytes:   maxBytes,
		ready:      make(chan struct{}, 1),
		space:      make(chan struct{}, 1),
		closed:     make(chan struct{}),
	}
}

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// push adds r, waiting while the queue is full, and says how full the queue
// is then; ok is false once the queue is closed. A record bigger than the
// byte bound still goes into an empty queue, or it could never be read.
func (q *recordQueue) push(r sources.Record) (records, bytes int, ok bool) {
	size := r.Size()
	for {
		q.mu.Lock()
		select {
		case <-q.closed:
			q.mu.Unlock()
			return 0, 0, false
		default:
		}
		n := len(q.recs) - q.head
		if n == 0 || (n < q.maxRecords && q.bytes+size <= q.maxBytes) {
			if q.head > 0 && len(q.recs) == cap(q.recs) {
				// Slide the live records to the front rather than grow.
				q.recs = q.recs[:copy(q.recs, q.recs[q.head:])]
				clear(q.recs[len(q.recs):cap(q.recs)])
				q.head = 0
			}
			q.recs = append(q.recs, r)
			q.bytes += size
			records, bytes = n+1, q.bytes
			q.mu.Unlock()
			signal(q.ready)
			return records, bytes, true
		}
		q.mu.Unlock()
		select {
		case <-q.space:
		case <-q.closed:
			return 0, 0, false
		}
	}
}

// pop takes up to max records, waiting until there is one.
func (q *recordQueue) pop(ctx context.Context, max int) ([]sources.Record, error) {
	recs, _, _, err := q.popLeft(ctx, max)
	return recs, err
}

// popLeft is pop, also saying how full the queue is left.
func (q *recordQueue) popLeft(ctx context.Context, max int) (recs []sources.Record, records, bytes int, err error) {
	for {
		q.mu.Lock()
		select {
		case <-q.closed:
			q.mu.Unlock()
			return nil, 0, 0, sources.ErrStreamClosed
		default:
		}
		if n := len(q.recs) - q.head; n > 0 {
			k := min(n, max)
			out := make([]sources.Record, k)
			copy(out, q.recs[q.head:q.head+k])
			clear(q.recs[q.head : q.head+k]) // let the bytes go with the caller
			q.head += k
			for _, r := range out {
				q.bytes -= r.Size()
			}
			if q.head == len(q.recs) {
				q.recs, q.head = q.recs[:0], 0
			}
			left, leftBytes := len(q.recs)-q.head, q.bytes
			q.mu.Unlock()
			signal(q.space)
			if left > 0 {
				signal(q.ready) // for another reader
			}
			return out, left, leftBytes, nil
		}
		q.mu.Unlock()
		select {
		case <-q.ready:
		case <-q.closed:
			return nil, 0, 0, sources.ErrStreamClosed
		case <-ctx.Done():
			return nil, 0, 0, ctx.Err()
		}
	}
}

// close releases every waiter and the queued records.
func (q *recordQueue) close() {
	q.once.Do(func() {
		q.mu.Lock()
		close(q.closed)
		q.recs, q.head, q.bytes = nil, 0, 0
		q.mu.Unlock()
	})
}
