package kafka

import (
	"context"
	"errors"
	"fmt"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/topicat/topicat/sources"
)

// Do carries out a request: sources.Produce sends messages; the detail
// requests and admin actions of sources/admin.go are answered by their
// handlers (detail_*.go, admin_*.go, reset.go).
func (s *Source) Do(ctx context.Context, req sources.Request) sources.Result {
	return sources.Actions{
		Produce:        s.produce,
		DescribeTopic:  s.describeTopic,
		DescribeGroup:  s.describeGroup,
		DescribeBroker: s.describeBroker,
		CreateTopic:    s.createTopic,
		DeleteTopic:    s.deleteTopic,
		AlterTopic:     s.alterTopic,
		ResetOffsets:   s.resetOffsets,
		DeleteGroup:    s.deleteGroup,
		DeleteRecords:  s.deleteRecords,
	}.Carry(ctx, req)
}

// produce sends every message and waits for all of them. Result.Err is set
// only when the request failed as a whole: bad input, a topic that does not
// exist, a partition out of range (nothing is sent then), or no message
// delivered for want of a reachable broker. Otherwise each message has its
// outcome, a failure among them hiding none of the others' deliveries.
func (s *Source) produce(ctx context.Context, p sources.Produce) sources.Result {
	var res sources.Result
	fail := func(err error) sources.Result {
		res.Err = err.Error()
		return res
	}
	codec, err := sources.ParseCodec(string(p.Compression))
	if err != nil {
		return fail(err)
	}
	acks, err := sources.ParseAcks(string(p.Acks))
	if err != nil {
		return fail(err)
	}
	switch {
	case p.Topic == "":
		return fail(errors.New("produce: no topic given"))
	case p.Defer != 0:
		return fail(errors.New("produce: Kafka has no deferred delivery (that is NSQ's)"))
	}
	ti, err := s.lookupTopic(ctx, p.Topic)
	switch {
	case errors.Is(err, errNoTopic):
		return fail(errors.New(s.unknownTopic(ctx, p.Topic)))
	case err != nil:
		return fail(err)
	}
	partitions := len(ti.partitions)
	for i, m := range p.Messages {
		if m.Partition == sources.AnyPartition || (m.Partition >= 0 && int(m.Partition) < partitions) {
			continue
		}
		err := fmt.Errorf("partition %d is out of range: %s", m.Partition, partitionCount(p.Topic, partitions))
		if len(p.Messages) > 1 {
			err = fmt.Errorf("message %d: %w", i+1, err)
		}
		return fail(err)
	}
	if len(p.Messages) == 0 {
		res.Data = []sources.Delivery{}
		return res
	}
	leader := ti.anyLeader()
	// A limit that cannot be looked up (configs not readable) leaves kgo's
	// default; only a request already cancelled stops here.
	if _, err := s.messageLimit(ctx, p.Topic, leader, false); err != nil && ctx.Err() != nil {
		return fail(err)
	}

	prod, err := s.producer(producerKey{codec: codec, acks: acks})
	if err != nil {
		return fail(err)
	}
	if acks == "all" {
		prod.loadProducerID(ctx)
	}
	rs := make([]*kgo.Record, len(p.Messages))
	index := make(map[*kgo.Record]int, len(rs))
	manual := withManualPartition(ctx)
	for i, m := range p.Messages {
		r := &kgo.Record{Topic: p.Topic, Key: m.Key, Value: m.Value, Partition: -1, Context: ctx}
		if m.Partition != sources.AnyPartition {
			r.Partition, r.Context = m.Partition, manual
		}
		if len(m.Headers) > 0 {
			r.Headers = make([]kgo.RecordHeader, len(m.Headers))
			for j, h := range m.Headers {
				r.Headers[j] = kgo.RecordHeader{Key: h.Key, Value: h.Value}
			}
		}
		rs[i] = r
		index[r] = i
	}

	deliveries := make([]sources.Delivery, len(rs))
	errs := make([]error, len(rs))
	for _, pr := range prod.cl.ProduceSync(ctx, rs...) {
		i := index[pr.Record]
		d := sources.Delivery{Partition: pr.Record.Partition, Offset: pr.Record.Offset}
		if acks == "none" {
			d.Offset = -1 // kgo cannot know it: nobody answers
		}
		if pr.Err != nil {
			errs[i] = pr.Err
			d.Offset = -1
			d.Err = s.deliveryErr(ctx, p.Topic, leader, p.Messages[i], pr.Record, pr.Err, prod)
		}
		deliveries[i] = d
	}

	res.Targets = make([]sources.TargetResult, len(rs))
	for i, d := range deliveries {
		t := sources.TargetResult{Target: fmt.Sprintf("message %d", i+1)}
		if d.Err != "" {
			t.Err = d.Err
			if d.Partition >= 0 {
				t.Detail = fmt.Sprintf("partition %d", d.Partition)
			}
		} else {
			t.Detail = d.String()
		}
		res.Targets[i] = t
	}
	res.Data = deliveries
	if whole := wholeFailure(errs, deliveries); whole != "" {
		res.Err = whole
	}
	return res
}
