package kafka

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/topicat/topicat/sources"
)

// producerKey is what kgo fixes per client rather than per record: the
// compression codec and the acknowledgements.
type producerKey struct {
	codec sources.Codec
	acks  sources.Acks
}

// producer is a producer client and the broker trouble it has met, to explain
// a message that could not be delivered.
type producer struct {
	cl      *kgo.Client
	trouble *trouble
}

// Retries of a produce. kgo would retry forever by default; a person waiting
// on a produce form wants an answer: a broker that does not take a batch
// after these tries, or within produceTimeout, fails its messages, and the
// error names the broker and what it answered.
const (
	produceRetries = 8
	produceTimeout = 30 * time.Second
)

// produceBackoff paces retries: 100 ms doubling to 1 s, so the tries above
// span about 5 s.
func produceBackoff(tries int) time.Duration {
	return min(100*time.Millisecond<<min(max(tries-1, 0), 4), time.Second)
}

// producer returns the cached producer client for key, creating it on first use.
func (s *Source) producer(key producerKey) (*producer, error) {
	return s.opened.producer(key, func() (*producer, error) {
		tr := newTrouble(s.closed)
		opts := append(slices.Clone(s.conn),
			kgo.ProducerBatchCompression(codecOf(key.codec)),
			kgo.RecordPartitioner(manualOr{auto: defaultPartitioner()}),
			kgo.ProducerBatchMaxBytesFn(s.limits.batchMaxBytes),
			// Do checks that the topic exists first; one deleted in the
			// meantime fails at once rather than after kgo's 4 tries.
			kgo.UnknownTopicRetries(1),
			kgo.RecordRetries(produceRetries),
			kgo.RetryBackoffFn(produceBackoff),
			kgo.RecordDeliveryTimeout(produceTimeout),
			kgo.MetadataMinAge(time.Second),
			kgo.WithHooks(tr),
		)
		switch key.acks {
		case "leader":
			// Idempotent writes need acks from all in-sync replicas.
			opts = append(opts, kgo.RequiredAcks(kgo.LeaderAck()), kgo.DisableIdempotentWrite())
		case "none":
			opts = append(opts, kgo.RequiredAcks(kgo.NoAck()), kgo.DisableIdempotentWrite())
		default:
			opts = append(opts, kgo.RequiredAcks(kgo.AllISRAcks()),
				// Without this, kgo keeps a message whose fate is unsure
				// (sent, then the connection died) until the broker answers,
				// however long: a person asked for an answer. The cost is a
				// possible duplicate if they send it again.
				kgo.AllowIdempotentProduceCancellation())
		}
		cl, err := kgo.NewClient(opts...)
		if err != nil {
			return nil, fmt.Errorf("create producer client: %w", err)
		}
		return &producer{cl: cl, trouble: tr}, nil
	})
}

// loadProducerID makes sure an idempotent producer has its producer ID. kgo
// asks one broker for it when the first record is produced and, if that
// broker drops the connection rather than refusing it, fails every buffered
// record; asked here, a failure moves on to the next broker in kgo's rotation.
// Once loaded, the ID is kept and this returns at once. A failure left is
// reported by the records themselves.
func (p *producer) loadProducerID(ctx context.Context) {
	for range lookupTries {
		if _, _, err := p.cl.ProducerID(ctx); err == nil || ctx.Err() != nil {
			return
		}
	}
}

// codecOf is kgo's codec for a codec name; "" and "none" mean none (kgo's
// default would be snappy).
func codecOf(c sources.Codec) kgo.CompressionCodec {
	switch c {
	case "gzip":
		return kgo.GzipCompression()
	case "snappy":
		return kgo.SnappyCompression()
	case "lz4":
		return kgo.Lz4Compression()
	case "zstd":
		return kgo.ZstdCompression()
	}
	return kgo.NoCompression()
}
