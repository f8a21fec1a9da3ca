package kafka

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Groups are read from their coordinators directly: ListGroups names each
// group's coordinator (a broker lists the groups it coordinates), and the
// describe and offset requests go to that broker. Going through kadm would
// first ask some broker to find each coordinator; when the broker asked is
// the one that is down, a group on a live coordinator loses its figures and
// the error blames the wrong broker.

type listedGroup struct {
	coordinator  int32
	protocolType string
	state        string
	groupType    string // classic, consumer (KIP-848), share, streams; empty before Kafka 3.8
}

// describedGroup is what a describe call says about one group, whichever
// protocol it speaks.
type describedGroup struct {
	state        string
	protocolType string
	protocol     string
	members      int
	assigned     []string // topics assigned to members
	// owners is the member holding each partition; nil when the
	// assignment cannot be read (a protocol other than consumer).
	owners map[topicPartition]owner
	err    error
}

// owner is the member holding a partition.
type owner struct {
	member string // member ID: unique in the group
	client string // client ID: what a person knows it by
}

// committedOffset is one partition a group has committed.
type committedOffset struct {
	topic     string
	partition int32
	offset    int64
	err       error
}

// fetchedOffsets are a group's committed offsets, sorted, or why they could
// not be read.
type fetchedOffsets struct {
	offsets []committedOffset
	err     error
}

type groupsResult struct {
	listed map[string]listedGroup
	// listedBy are the brokers whose groups are all in listed.
	listedBy  map[int32]bool
	described map[string]describedGroup
	// fetched has every group that commits offsets (not share groups).
	fetched map[string]fetchedOffsets
	fails   []failure
}

// groupsInput is what reading the groups needs from the rest of the poll.
type groupsInput struct {
	up []int32
	// batchedFetch are the brokers whose OffsetFetch takes many groups at
	// once (v8, Kafka 3.0).
	batchedFetch map[int32]bool
	// topicNames names topics by ID: KIP-848 assignments and OffsetFetch v10
	// name topics by ID only.
	topicNames map[[16]byte]string
}

// fetchGroups lists the groups of every broker that answered, then asks each
// coordinator, at once, to describe its groups and for their offsets.
func (s *Source) fetchGroups(ctx context.Context, in groupsInput) groupsResult {
	res := groupsResult{
		listed:    make(map[string]listedGroup),
		listedBy:  make(map[int32]bool),
		described: make(map[string]describedGroup),
		fetched:   make(map[string]fetchedOffsets),
	}
	var (
		mu sync.Mutex
		wg sync.WaitGroup
	)
	// ListGroups must reach every broker; asked of each live one at once, so
	// that a down broker is not asked and cannot stall the poll.
	for _, id := range in.up {
		wg.Go(func() {
			resp, err := kmsg.NewPtrListGroupsRequest().RequestWith(ctx, s.cl.Broker(int(id)))
			if err == nil {
				err = kerr.ErrorForCode(resp.ErrorCode)
			}
			err = s.brokerErr(ctx, id, err)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				res.fails = append(res.fails, failure{id, "list groups", err})
				return
			}
			res.listedBy[id] = true
			for _, g := range resp.Groups {
				res.listed[g.Group] = listedGroup{
					coordinator:  id,
					protocolType: g.ProtocolType,
					state:        g.GroupState,
					groupType:    g.GroupType,
				}
			}
		})
	}
	wg.Wait()

	byCoordinator := make(map[int32][]string)
	for name, l := range res.listed {
		byCoordinator[l.coordinator] = append(byCoordinator[l.coordinator], name)
	}
	for id, names := range byCoordinator {
		slices.Sort(names)
		wg.Go(func() {
			r := s.readGroups(ctx, id, names, res.listed, in)
			mu.Lock()
			defer mu.Unlock()
			maps.Copy(res.described, r.described)
			maps.Copy(res.fetched, r.fetched)
			res.fails = append(res.fails, r.fails...)
		})
	}
	wg.Wait()
	// Sorted: the failure kept for a broker must not depend on which
	// request finished first.
	slices.SortStableFunc(res.fails, func(a, b failure) int { return cmp.Compare(a.broker, b.broker) })
	return res
}

// coordinatorResult is what one coordinator said about its groups.
type coordinatorResult struct {
	described map[string]describedGroup
	fetched   map[string]fetchedOffsets
	fails     []failure
}

// readGroups describes the groups broker id coordinates and fetches their
// offsets, the requests at once: each protocol has its own describe request;
// share groups commit no offsets, and streams groups are not described yet
// (ListGroups has their state).
func (s *Source) readGroups(ctx context.Context, id int32, names []string, listed map[string]listedGroup, in groupsInput) coordinatorResult {
	var classic, consumer, withOffsets []string
	for _, name := range names {
		switch listed[name].groupType {
		case "", "classic":
			classic = append(classic, name)
		case "consumer":
			consumer = append(consumer, name)
		}
		if listed[name].groupType != "share" {
			withOffsets = append(withOffsets, name)
		}
	}
	var (
		wg                 sync.WaitGroup
		classicR, consumeR coordinatorResult
		fetched            map[string]fetchedOffsets
		fetchFail          *failure
	)
	if len(classic) > 0 {
		wg.Go(func() { classicR = s.describeClassic(ctx, id, classic) })
	}
	if len(consumer) > 0 {
		wg.Go(func() { consumeR = s.describeConsumer(ctx, id, consumer, in.topicNames) })
	}
	if len(withOffsets) > 0 {
		wg.Go(func() { fetched, fetchFail = s.fetchOffsets(ctx, id, withOffsets, in.batchedFetch[id], in.topicNames) })
	}
	wg.Wait()
	out := coordinatorResult{described: classicR.described, fetched: fetched}
	if out.described == nil {
		out.described = make(map[string]describedGroup)
	}
	maps.Copy(out.described, consumeR.described)
	out.fails = append(classicR.fails, consumeR.fails...)
	if fetchFail != nil {
		out.fails = append(out.fails, *fetchFail)
	}
	return out
}

// failAll records that the coordinator could not describe any of the groups.
func (out *coordinatorResult) failAll(id int32, names []string, err error) {
	for _, name := range names {
		out.described[name] = describedGroup{err: fmt.Errorf("describe group on broker %d: %w", id, err)}
	}
	out.fails = append(out.fails, failure{id, "describe groups", err})
}

// describeClassic describes classic groups, reading each consumer member's
// assignment.
func (s *Source) describeClassic(ctx context.Context, id int32, names []string) coordinatorResult {
	out := coordinatorResult{described: make(map[string]describedGroup, len(names))}
	req := kmsg.NewPtrDescribeGroupsRequest()
	req.Groups = names
	resp, err := req.RequestWith(ctx, s.cl.Broker(int(id)))
	if err != nil {
		out.failAll(id, names, s.brokerErr(ctx, id, err))
		return out
	}
	for _, g := range resp.Groups {
		if err := kerr.ErrorForCode(g.ErrorCode); err != nil {
			out.described[g.Group] = describedGroup{err: fmt.Errorf("describe group on broker %d: %w", id, err)}
			continue
		}
		d := describedGroup{state: g.State, protocolType: g.ProtocolType, protocol: g.Protocol, members: len(g.Members)}
		if g.ProtocolType == "consumer" {
			d.owners = make(map[topicPartition]owner)
			topics := make(map[string]bool)
			for _, m := range g.Members {
				var a kmsg.ConsumerMemberAssignment
				if len(m.MemberAssignment) == 0 || a.ReadFrom(m.MemberAssignment) != nil {
					continue // joined but not yet assigned, or an assignment we cannot read
				}
				for _, t := range a.Topics {
					topics[t.Topic] = true
					for _, p := range t.Partitions {
						d.owners[topicPartition{t.Topic, p}] = owner{m.MemberID, m.ClientID}
					}
				}
			}
			d.assigned = slices.Sorted(maps.Keys(topics))
		}
		out.described[g.Group] = d
	}
	return out
}

// describeConsumer describes KIP-848 groups; their assignments name topics
// by ID (kfake sends only the ID; Kafka sends both).
func (s *Source) describeConsumer(ctx context.Context, id int32, names []string, topicNames map[[16]byte]string) coordinatorResult {
	out := coordinatorResult{described: make(map[string]describedGroup, len(names))}
	req := kmsg.NewPtrConsumerGroupDescribeRequest()
	req.Groups = names
	resp, err := req.RequestWith(ctx, s.cl.Broker(int(id)))
	if err != nil {
		out.failAll(id, names, s.brokerErr(ctx, id, err))
		return out
	}
	for _, g := range resp.Groups {
		if err := kerr.ErrorForCode(g.ErrorCode); err != nil {
			out.described[g.Group] = describedGroup{err: fmt.Errorf("describe group on broker %d: %w", id, err)}
			continue
		}
		d := describedGroup{state: g.State, protocolType: "consumer", protocol: g.AssignorName, members: len(g.Members),
			owners: make(map[topicPartition]owner)}
		topics := make(map[string]bool)
		for _, m := range g.Members {
			for _, t := range m.Assignment.TopicPartitions {
				name := cmp.Or(t.Topic, topicNames[t.TopicID])
				if name == "" {
					continue
				}
				topics[name] = true
				for _, p := range t.Partitions {
					d.owners[topicPartition{name, p}] = owner{m.MemberID, m.ClientID}
				}
			}
		}
		d.assigned = slices.Sorted(maps.Keys(topics))
		out.described[g.Group] = d
	}
	return out
}

// fetchOffsets fetches the committed offsets of groups from their
// coordinator: in one request when it takes many groups (batched), else one
// request per group, a few at a time.
func (s *Source) fetchOffsets(ctx context.Context, id int32, names []string, batched bool, topicNames map[[16]byte]string) (map[string]fetchedOffsets, *failure) {
	out := make(map[string]fetchedOffsets, len(names))
	if batched {
		req := kmsg.NewPtrOffsetFetchRequest()
		for _, name := range names {
			g := kmsg.NewOffsetFetchRequestGroup()
			g.Group = name // Topics nil: every topic the group committed
			req.Groups = append(req.Groups, g)
		}
		resp, err := req.RequestWith(ctx, s.cl.Broker(int(id)))
		if err != nil {
			return failAll(out, names, id, s.brokerErr(ctx, id, err))
		}
		for _, g := range resp.Groups {
			out[g.Group] = groupOffsets(id, g, topicNames)
		}
		for _, name := range names {
			if _, ok := out[name]; !ok {
				out[name] = fetchedOffsets{err: fmt.Errorf("fetch offsets on broker %d: the group is missing from the answer", id)}
			}
		}
		return out, nil
	}

	var (
		mu    sync.Mutex
		wg    sync.WaitGroup
		first *failure
		sem   = make(chan struct{}, 8) // a broker before Kafka 3.0 gets a few requests at a time
	)
	for _, name := range names {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			req := kmsg.NewPtrOffsetFetchRequest()
			req.Group = name // before v8
			g := kmsg.NewOffsetFetchRequestGroup()
			g.Group = name // v8 and later, should the broker answer in those
			req.Groups = append(req.Groups, g)
			resp, err := req.RequestWith(ctx, s.cl.Broker(int(id)))
			var fo fetchedOffsets
			switch {
			case err != nil:
				err = s.brokerErr(ctx, id, err)
				fo.err = fmt.Errorf("fetch offsets on broker %d: %w", id, err)
			case resp.Version >= 8 && len(resp.Groups) == 1:
				fo = groupOffsets(id, resp.Groups[0], topicNames)
			default:
				fo = groupOffsets(id, oldOffsets(resp), topicNames)
			}
			mu.Lock()
			defer mu.Unlock()
			out[name] = fo
			if err != nil && first == nil {
				first = &failure{id, "fetch offsets", err}
			}
		})
	}
	wg.Wait()
	return out, first
}

func failAll(out map[string]fetchedOffsets, names []string, id int32, err error) (map[string]fetchedOffsets, *failure) {
	for _, name := range names {
		out[name] = fetchedOffsets{err: fmt.Errorf("fetch offsets on broker %d: %w", id, err)}
	}
	return out, &failure{id, "fetch offsets", err}
}

// oldOffsets puts an answer from before v8 in the shape of v8's.
func oldOffsets(resp *kmsg.OffsetFetchResponse) kmsg.OffsetFetchResponseGroup {
	g := kmsg.NewOffsetFetchResponseGroup()
	g.ErrorCode = resp.ErrorCode
	for _, t := range resp.Topics {
		gt := kmsg.NewOffsetFetchResponseGroupTopic()
		gt.Topic = t.Topic
		for _, p := range t.Partitions {
			gp := kmsg.NewOffsetFetchResponseGroupTopicPartition()
			gp.Partition, gp.Offset, gp.ErrorCode = p.Partition, p.Offset, p.ErrorCode
			gt.Partitions = append(gt.Partitions, gp)
		}
		g.Topics = append(g.Topics, gt)
	}
	return g
}

// groupOffsets reads one group's answer: its committed partitions, sorted.
func groupOffsets(id int32, g kmsg.OffsetFetchResponseGroup, topicNames map[[16]byte]string) fetchedOffsets {
	if err := kerr.ErrorForCode(g.ErrorCode); err != nil {
		return fetchedOffsets{err: fmt.Errorf("fetch offsets on broker %d: %w", id, err)}
	}
	var out fetchedOffsets
	for _, t := range g.Topics {
		name := cmp.Or(t.Topic, topicNames[t.TopicID])
		if name == "" {
			continue // a topic deleted since: nothing to show it under
		}
		for _, p := range t.Partitions {
			c := committedOffset{topic: name, partition: p.Partition, offset: p.Offset}
			if err := kerr.ErrorForCode(p.ErrorCode); err != nil {
				c.offset, c.err = -1, fmt.Errorf("fetch offsets on broker %d: %w", id, err)
			} else if p.Offset < 0 {
				continue // no commit for this partition after all
			}
			out.offsets = append(out.offsets, c)
		}
	}
	slices.SortFunc(out.offsets, func(a, b committedOffset) int {
		return cmp.Or(cmp.Compare(a.topic, b.topic), cmp.Compare(a.partition, b.partition))
	})
	return out
}
