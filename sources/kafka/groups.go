package kafka

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/topicat/topicat/sources"
)

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
	err          error
}

type groupsResult struct {
	listed map[string]listedGroup
	// listedBy are the brokers whose groups are all in listed.
	listedBy  map[int32]bool
	described map[string]describedGroup
	fetched   kadm.FetchOffsetsResponses
	fails     []failure
}

// fetchGroups lists the groups of every broker that answered, then describes
// them and fetches their committed offsets, each in one batch that kgo splits
// per coordinator.
func (s *Source) fetchGroups(ctx context.Context, brokers []int32) groupsResult {
	res := groupsResult{
		listed:    make(map[string]listedGroup),
		listedBy:  make(map[int32]bool),
		described: make(map[string]describedGroup),
	}
	var (
		mu sync.Mutex
		wg sync.WaitGroup
	)
	// ListGroups must reach every broker; asked of each live one at once, so
	// that a down broker is not asked and cannot stall the poll.
	for _, id := range brokers {
		wg.Go(func() {
			resp, err := kmsg.NewPtrListGroupsRequest().RequestWith(ctx, s.cl.Broker(int(id)))
			if err == nil {
				err = kerr.ErrorForCode(resp.ErrorCode)
			}
			err = s.timedOut(ctx, err)
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
	slices.SortFunc(res.fails, func(a, b failure) int { return cmp.Compare(a.broker, b.broker) })

	// Each protocol has its own describe request. Share groups commit no
	// offsets; streams groups are not described yet (ListGroups has their state).
	var classic, consumer, withOffsets []string
	for _, name := range slices.Sorted(maps.Keys(res.listed)) {
		switch res.listed[name].groupType {
		case "", "classic":
			classic = append(classic, name)
		case "consumer":
			consumer = append(consumer, name)
		}
		if res.listed[name].groupType != "share" {
			withOffsets = append(withOffsets, name)
		}
	}
	// Empty name lists are skipped: kadm takes "no groups" to mean "all groups".
	var (
		classicDesc  kadm.DescribedGroups
		classicErr   error
		consumerDesc kadm.DescribedConsumerGroups
		consumerErr  error
	)
	if len(classic) > 0 {
		wg.Go(func() { classicDesc, classicErr = s.adm.DescribeGroups(ctx, classic...) })
	}
	if len(consumer) > 0 {
		wg.Go(func() { consumerDesc, consumerErr = s.adm.DescribeConsumerGroups(ctx, consumer...) })
	}
	if len(withOffsets) > 0 {
		wg.Go(func() { res.fetched = s.adm.FetchManyOffsets(ctx, withOffsets...) })
	}
	wg.Wait()
	classicErr = s.timedOutShards(ctx, classicErr)
	consumerErr = s.timedOutShards(ctx, consumerErr)
	for name, r := range res.fetched {
		if r.Err != nil {
			r.Err = s.timedOut(ctx, r.Err)
			res.fetched[name] = r
		}
	}

	for name, d := range classicDesc {
		res.described[name] = describedGroup{
			state:        d.State,
			protocolType: d.ProtocolType,
			protocol:     d.Protocol,
			members:      len(d.Members),
			assigned:     d.AssignedPartitions().Topics(),
			err:          describeErr(d.Err),
		}
	}
	for name, d := range consumerDesc {
		res.described[name] = describedGroup{
			state:        d.State,
			protocolType: "consumer",
			protocol:     d.AssignorName,
			members:      len(d.Members),
			// kfake names assigned topics by ID only, which kadm drops as "";
			// Kafka sends both.
			assigned: slices.DeleteFunc(d.AssignedPartitions().Topics(), func(t string) bool { return t == "" }),
			err:      describeErr(d.Err),
		}
	}
	res.fails = append(res.fails, res.describeFailures(classic, classicErr)...)
	res.fails = append(res.fails, res.describeFailures(consumer, consumerErr)...)

	// FetchManyOffsets reports errors per group only; a group's failure is
	// its coordinator's when the coordinator did not answer at all.
	seen := make(map[int32]bool)
	for _, name := range withOffsets {
		r := res.fetched[name]
		if r.Err == nil || answered(r.Err) {
			continue
		}
		if c := res.listed[name].coordinator; !seen[c] {
			seen[c] = true
			res.fails = append(res.fails, failure{c, "fetch offsets", r.Err})
		}
	}
	return res
}

func describeErr(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("describe group: %w", err)
}

// describeFailures records a failed describe on the groups it covered and
// returns the coordinators that failed.
func (res *groupsResult) describeFailures(names []string, err error) []failure {
	if err == nil {
		return nil
	}
	se, ok := errors.AsType[*kadm.ShardErrors](err)
	if !ok { // e.g. an authorization error: no group was described
		for _, name := range names {
			res.described[name] = describedGroup{err: describeErr(err)}
		}
		return nil
	}
	var fails []failure
	for _, e := range se.Errs {
		var covered []string
		switch r := e.Req.(type) {
		case *kmsg.DescribeGroupsRequest:
			covered = r.Groups
		case *kmsg.ConsumerGroupDescribeRequest:
			covered = r.Groups
		}
		for _, name := range covered {
			res.described[name] = describedGroup{err: describeErr(e.Err)}
		}
		if e.Broker.NodeID >= 0 {
			fails = append(fails, failure{e.Broker.NodeID, "describe groups", e.Err})
		}
	}
	return fails
}

func (s *Source) groups(g groupsResult, starts, ends kadm.ListedOffsets, fails map[int32]brokerFailure) []sources.Group {
	out := make([]sources.Group, 0, len(g.listed))
	for name, l := range g.listed {
		grp := sources.Group{
			ID:           name,
			State:        l.state,
			ProtocolType: l.protocolType,
			Coordinator:  l.coordinator,
		}
		var assigned []string
		if d, ok := g.described[name]; ok && d.err != nil {
			grp.Err = d.err.Error()
		} else if ok {
			grp.State = d.state
			grp.ProtocolType = cmp.Or(d.protocolType, grp.ProtocolType)
			grp.Protocol = d.protocol
			grp.Members = d.members
			assigned = d.assigned
		}
		commits, fetched := g.fetched[name]
		switch {
		case !fetched: // a share group: no committed offsets
			grp.Lag, grp.MaxLag = -1, -1
			grp.Topics = assigned
		case commits.Err != nil:
			grp.Lag, grp.MaxLag = -1, -1
			grp.Topics = assigned
			grp.Err = cmp.Or(grp.Err, "fetch offsets: "+commits.Err.Error())
		default:
			// Members are left out on purpose: lag is counted over committed
			// partitions only, and kadm reads commits alone for them.
			lag := kadm.CalculateGroupLagWithStartOffsets(kadm.DescribedGroup{Group: name}, commits.Fetched, starts, ends)
			lagGroup(&grp, commits.Fetched, lag, assigned)
		}
		out = append(out, grp)
	}
	// A down coordinator's groups cannot be listed: keep them from the
	// previous poll, marked, rather than have them vanish.
	if prev := s.state.prev; prev != nil {
		for _, pg := range prev.Groups {
			if _, ok := g.listed[pg.ID]; ok || g.listedBy[pg.Coordinator] {
				continue
			}
			f, ok := fails[pg.Coordinator]
			if !ok {
				continue // its coordinator answered and no longer lists it: deleted
			}
			if errors.Is(f.err, errNotInMetadata) {
				pg.Err = fmt.Sprintf("not refreshed: coordinator broker %d is %v", pg.Coordinator, f.err)
			} else {
				pg.Err = fmt.Sprintf("not refreshed: coordinator broker %d failed %s: %v", pg.Coordinator, f.op, f.err)
			}
			out = append(out, pg)
		}
	}
	slices.SortFunc(out, func(a, b sources.Group) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// lagGroup sums the lag of the group's committed partitions and lists the
// topics it committed to or is assigned. kadm's figures clamp a commit past
// the end to zero.
func lagGroup(grp *sources.Group, commits kadm.OffsetResponses, lag kadm.GroupLag, assigned []string) {
	topics := make(map[string]bool, len(commits)+len(assigned))
	for _, t := range assigned {
		topics[t] = true
	}
	var unknown int
	var firstErr error
	for _, c := range commits.Sorted() { // sorted: the same error is reported poll after poll
		if c.Err == nil && c.At < 0 {
			continue // no commit for this partition after all
		}
		topics[c.Topic] = true
		l, ok := lag.Lookup(c.Topic, c.Partition)
		err := c.Err
		switch {
		case err == nil && !ok:
			err = errors.New("no offsets listed")
		case err == nil:
			err = l.Err
		}
		if err != nil || l.Lag < 0 {
			unknown++
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		grp.Lag += l.Lag
		grp.MaxLag = max(grp.MaxLag, l.Lag)
	}
	grp.Topics = slices.Sorted(maps.Keys(topics))
	if unknown > 0 && grp.Err == "" {
		grp.Err = fmt.Sprintf("lag unknown for %d %s: %v", unknown, plural(unknown, "partition"), firstErr)
	}
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
