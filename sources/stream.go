package sources

import (
	"context"
	"errors"
	"strings"
	"time"
)

// Record is one message read from a topic, Kafka or NSQ. Its byte slices are
// its own (never shared with a client library's buffers), so holding a record
// holds only its own bytes.
type Record struct {
	Topic string
	// Partition and Offset are Kafka's; -1 for NSQ.
	Partition int32
	Offset    int64
	// Timestamp is the Kafka record timestamp or the time nsqd took the message.
	Timestamp time.Time
	Key       []byte // nil when the record has no key
	Value     []byte
	Headers   []Header
	// ID, Attempts and Node are NSQ's: the message ID, how many times nsqd
	// has delivered it, and the nsqd (TCP address) it came from.
	ID       string
	Attempts uint16
	Node     string
}

// Size is the bytes the record carries: key, value and headers.
func (r *Record) Size() int {
	n := len(r.Key) + len(r.Value)
	for _, h := range r.Headers {
		n += len(h.Key) + len(h.Value)
	}
	return n
}

// TailSpec says what a stream reads.
type TailSpec struct {
	Topic string
	// Partitions are the Kafka partitions to read; nil means every partition.
	Partitions []int32
	// Range is where to start and, for a bounded read, where to stop. Its
	// zero value starts at the oldest offset; NSQ takes only newest.
	Range Range
	// Now resolves relative times in Range ("-10m"); zero means time.Now.
	Now time.Time
}

// Stream is a topic's messages as a source reads them, handed over in batches.
// A bounded read ends with io.EOF once every selected partition reached its end.
type Stream interface {
	// Next blocks until records are ready and returns at most max of them, in
	// order per partition. It returns io.EOF when a bounded read is complete,
	// ErrStreamClosed after Close, or ctx's error. It also returns, with no
	// records and no error, when Problem changed since the last return, so a
	// caller that reads Problem after each Next sees trouble while nothing
	// arrives. Next is not called from two goroutines at once.
	Next(ctx context.Context, max int) ([]Record, error)
	// Describe says in one line what is read and how, for the screen's header:
	// "partitions 0-5, from offset -10 per partition, no consumer group".
	Describe() string
	// Problem is the latest trouble the stream is riding out ("broker 2:
	// connection refused, retrying"), or "" when reading goes well. Next only
	// returns errors that end the stream.
	Problem() string
	// Close stops reading and releases the connections; a blocked Next returns.
	Close()
}

// TailChannelPrefix starts the name of every NSQ channel a topicat tail
// opens (always #ephemeral), so that the panes can say whose they are.
const TailChannelPrefix = "topicat-"

// IsTailChannel reports whether an NSQ channel is a topicat tail's own.
func IsTailChannel(name string) bool {
	return strings.HasPrefix(name, TailChannelPrefix) && strings.HasSuffix(name, "#ephemeral")
}

// ErrStreamClosed is what Next returns once the stream is closed.
var ErrStreamClosed = errors.New("stream closed")
