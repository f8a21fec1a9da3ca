package kafka

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/topicat/topicat/sources"
)

// pollState is what one poll hands to the next.
type pollState struct {
	seq    uint64
	lastOK time.Time
	prev   *sources.KafkaSnapshot
	// highs are the high watermarks the last poll could read, and when, for rates.
	highs   map[string]topicHighs
	highsAt time.Time
	// missingSince is when each broker listed although metadata no longer
	// names it was first missed from metadata.
	missingSince map[int32]time.Time
	// budget is how long the current poll may run, for "timed out after".
	budget time.Duration
}

type topicHighs struct {
	id    [16]byte // a topic deleted and re-created gets a new ID
	highs map[int32]int64
}

// Offset listing timestamps (Kafka's special values).
const (
	earliest int64 = -2
	latest   int64 = -1
)

// errNotInMetadata is why a broker the cluster's metadata no longer lists is
// shown down: Kafka drops a dead broker from the list once its session
// expires, and a decommissioned one for good.
var errNotInMetadata = errors.New("not in the cluster's metadata (its session expired or it was removed)")

// forgetMissingAfter is how long a broker that metadata no longer lists, and
// that no partition names any more, stays listed as down: long enough to be
// seen, and then a decommissioned broker goes away.
const forgetMissingAfter = 5 * time.Minute

// failure is one broker failing one operation in a poll.
type failure struct {
	broker int32
	op     string
	err    error
}

// answered reports whether the broker answered (with an error code) rather
// than not at all: only a broker that does not answer is marked down.
func answered(err error) bool {
	var ke *kerr.Error
	return errors.As(err, &ke)
}

func (s *Source) takeSnapshot(ctx context.Context) (*sources.KafkaSnapshot, error) {
	start := time.Now()
	s.state.seq++

	meta, err := s.metadata(ctx)
	if err != nil {
		return s.unreachable(start, err)
	}

	slices.SortFunc(meta.Brokers, func(a, b kmsg.MetadataResponseBroker) int { return cmp.Compare(a.NodeID, b.NodeID) })
	gone := s.missing(meta, start)
	missing := make(map[int32]bool, len(gone))
	for _, b := range gone {
		missing[b.ID] = true
	}
	probed := s.probeAll(ctx, meta.Brokers)
	down := make(map[int32]bool, len(probed))
	var up []int32
	for _, f := range probed {
		down[f.broker] = true
	}
	for _, b := range meta.Brokers {
		if !down[b.NodeID] {
			up = append(up, b.NodeID)
		}
	}

	// Only partitions with a leader that answered: a request to a dead
	// leader would only wait out retries and fail. The others get the reason,
	// which group lag then reports.
	parts := make(map[string][]int32)
	skipped := make(kadm.ListedOffsets)
	for _, t := range meta.Topics {
		if t.Topic == nil {
			continue
		}
		for _, p := range t.Partitions {
			var why error
			switch {
			case t.ErrorCode != 0:
				why = kerr.ErrorForCode(t.ErrorCode)
			case p.ErrorCode != 0:
				why = kerr.ErrorForCode(p.ErrorCode)
			case p.Leader < 0:
				why = errors.New("no leader")
			case down[p.Leader]:
				why = fmt.Errorf("leader broker %d did not answer", p.Leader)
			case missing[p.Leader]:
				why = fmt.Errorf("leader broker %d is not in the cluster's metadata", p.Leader)
			default:
				parts[*t.Topic] = append(parts[*t.Topic], p.Partition)
				continue
			}
			if skipped[*t.Topic] == nil {
				skipped[*t.Topic] = make(map[int32]kadm.ListedOffset)
			}
			skipped[*t.Topic][p.Partition] = kadm.ListedOffset{Topic: *t.Topic, Partition: p.Partition, Offset: -1, Err: why}
		}
	}

	var (
		wg         sync.WaitGroup
		starts     offsetsResult
		ends       offsetsResult
		groupsData groupsResult
	)
	wg.Go(func() { starts = s.listOffsets(ctx, earliest, parts) })
	wg.Go(func() { ends = s.listOffsets(ctx, latest, parts) })
	wg.Go(func() { groupsData = s.fetchGroups(ctx, up) })
	wg.Wait()
	for t, ps := range skipped {
		for p, o := range ps {
			starts.set(t, p, o)
			ends.set(t, p, o)
		}
	}

	// Merged in a fixed order so that the error kept for a broker does not
	// depend on which request finished first. A broker missing from
	// metadata comes first: that is the failure kept for it.
	fails := missingFailures(gone)
	fails = append(fails, probed...)
	fails = append(fails, starts.fails...)
	fails = append(fails, ends.fails...)
	fails = append(fails, groupsData.fails...)

	snap := &sources.KafkaSnapshot{
		ClusterID:  deref(meta.ClusterID),
		Controller: meta.ControllerID,
	}
	if snap.Controller < 0 {
		snap.Controller = -1
	}
	byBroker := firstFailures(fails)
	snap.Brokers = s.brokers(meta, gone, byBroker, start)
	snap.Topics = s.topics(meta, starts.listed, ends.listed, start)
	snap.Groups = s.groups(groupsData, starts.listed, ends.listed, byBroker)
	countReplicas(snap)

	s.state.lastOK = start
	snap.Meta = sources.Meta{
		Seq:    s.state.seq,
		Taken:  start,
		LastOK: start,
		Errors: s.endpointErrors(snap.Brokers, byBroker, start),
	}
	snap.Took = time.Since(start)
	s.state.prev = snap
	return snap, nil
}

// metadata asks any broker for the whole cluster's metadata. It is a direct
// request, not kadm's cached one: the snapshot must show what the cluster says
// now. kgo also refreshes its own metadata from the answer, so the requests
// that follow go to the leaders this poll sees.
func (s *Source) metadata(ctx context.Context) (*kmsg.MetadataResponse, error) {
	// kgo moves on to another broker by itself only after a dial error; a
	// broker that accepts connections and drops them would fail the whole
	// poll. Each attempt goes to the next broker in kgo's rotation.
	tries := len(s.seeds)
	if prev := s.state.prev; prev != nil {
		tries += len(prev.Brokers)
	}
	tries = min(max(tries, 2), 10)
	for i := 1; ; i++ {
		meta, err := kmsg.NewPtrMetadataRequest().RequestWith(ctx, s.cl)
		if err == nil {
			err = kerr.ErrorForCode(meta.ErrorCode)
		}
		if err == nil || i >= tries || ctx.Err() != nil || isDialErr(err) {
			return meta, s.timedOut(ctx, err)
		}
	}
}

func isDialErr(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// timeoutError is an error the poll's deadline caused, worded as a person
// would; the cause stays wrapped for errors.Is.
type timeoutError struct {
	after time.Duration
	cause error
}

func (e *timeoutError) Error() string { return fmt.Sprintf("timed out after %v", e.after) }
func (e *timeoutError) Unwrap() error { return e.cause }

// timedOut rewords err as "timed out after <the poll's budget>" when the
// poll's deadline caused it, and returns any other error as it is.
func (s *Source) timedOut(ctx context.Context, err error) error {
	if err == nil || !errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return err
	}
	if _, ok := errors.AsType[*timeoutError](err); ok {
		return err
	}
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		return &timeoutError{after: s.state.budget, cause: err}
	}
	return err
}

// timedOutShards is timedOut for each shard of a kadm error.
func (s *Source) timedOutShards(ctx context.Context, err error) error {
	if se, ok := errors.AsType[*kadm.ShardErrors](err); ok {
		for i := range se.Errs {
			se.Errs[i].Err = s.timedOut(ctx, se.Errs[i].Err)
		}
		return err
	}
	return s.timedOut(ctx, err)
}

// unreachable answers a poll in which no broker answered metadata: the
// previous data, every broker marked down, and the error.
func (s *Source) unreachable(start time.Time, err error) (*sources.KafkaSnapshot, error) {
	snap := &sources.KafkaSnapshot{Controller: -1}
	if prev := s.state.prev; prev != nil {
		snap.ClusterID = prev.ClusterID
		snap.Controller = prev.Controller
		// Snapshots are immutable, so the partitions and groups are shared;
		// a rate is a figure of now, and now is unknown.
		snap.Topics = slices.Clone(prev.Topics)
		for i := range snap.Topics {
			snap.Topics[i].Rate = -1
		}
		snap.Groups = prev.Groups
		snap.Brokers = make([]sources.Broker, len(prev.Brokers))
		for i, b := range prev.Brokers {
			if b.Up || b.DownSince.IsZero() {
				b.DownSince = start
			}
			b.Up = false
			b.LastErr = err.Error()
			snap.Brokers[i] = b
		}
	}
	var prevErrs []sources.EndpointError
	if s.state.prev != nil {
		prevErrs = s.state.prev.Errors
	}
	snap.Meta = sources.Meta{
		Seq:    s.state.seq,
		Taken:  start,
		LastOK: s.state.lastOK,
		Errors: sources.TrackErrors(prevErrs, []sources.EndpointError{{
			Endpoint: "bootstrap " + strings.Join(s.seeds, ","),
			Op:       "metadata",
			Err:      err.Error(),
		}}, start),
	}
	snap.Took = time.Since(start)
	s.state.prev = snap
	return snap, fmt.Errorf("metadata: %w", err)
}

// probeAll probes every broker at once and returns the failures by broker ID.
func (s *Source) probeAll(ctx context.Context, brokers []kmsg.MetadataResponseBroker) []failure {
	errs := make([]error, len(brokers))
	var wg sync.WaitGroup
	for i, b := range brokers {
		wg.Go(func() { errs[i] = s.probe(ctx, b.NodeID) })
	}
	wg.Wait()
	var fails []failure
	for i, err := range errs {
		if err != nil {
			fails = append(fails, failure{brokers[i].NodeID, "api versions", err})
		}
	}
	return fails
}

// probe asks one broker for its API versions, the cheapest request there is,
// to learn whether it answers at all.
func (s *Source) probe(ctx context.Context, id int32) error {
	pctx, cancel := context.WithTimeout(ctx, s.probeTimeout)
	defer cancel()
	_, err := kmsg.NewPtrApiVersionsRequest().RequestWith(pctx, s.cl.Broker(int(id)))
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil: // the poll's own deadline came first
		return s.timedOut(ctx, err)
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("no answer within %v", s.probeTimeout)
	}
	return err
}

type offsetsResult struct {
	listed kadm.ListedOffsets
	fails  []failure
}

func (r *offsetsResult) set(t string, p int32, o kadm.ListedOffset) {
	if r.listed[t] == nil {
		r.listed[t] = make(map[int32]kadm.ListedOffset)
	}
	o.Topic, o.Partition = t, p
	r.listed[t][p] = o
}

// listOffsets lists the earliest or latest offset of every given partition
// in one request; kgo splits it into one request per leader.
func (s *Source) listOffsets(ctx context.Context, timestamp int64, parts map[string][]int32) offsetsResult {
	res := offsetsResult{listed: make(kadm.ListedOffsets, len(parts))}
	if len(parts) == 0 {
		return res
	}
	req := kmsg.NewPtrListOffsetsRequest()
	req.TimeoutMillis = int32(s.timeout.Milliseconds())
	for t, ps := range parts {
		rt := kmsg.NewListOffsetsRequestTopic()
		rt.Topic = t
		for _, p := range ps {
			rp := kmsg.NewListOffsetsRequestTopicPartition()
			rp.Partition = p
			rp.Timestamp = timestamp
			rt.Partitions = append(rt.Partitions, rp)
		}
		req.Topics = append(req.Topics, rt)
	}
	set := res.set
	for _, sh := range s.cl.RequestSharded(ctx, req) {
		if sh.Err != nil {
			sh.Err = s.timedOut(ctx, sh.Err)
			err := fmt.Errorf("list offsets: %w", sh.Err)
			if r, ok := sh.Req.(*kmsg.ListOffsetsRequest); ok {
				for _, t := range r.Topics {
					for _, p := range t.Partitions {
						set(t.Topic, p.Partition, kadm.ListedOffset{Offset: -1, Err: err})
					}
				}
			}
			if sh.Meta.NodeID >= 0 { // -1: kgo could not map the piece to a broker
				res.fails = append(res.fails, failure{sh.Meta.NodeID, "list offsets", sh.Err})
			}
			continue
		}
		resp := sh.Resp.(*kmsg.ListOffsetsResponse)
		for _, t := range resp.Topics {
			for _, p := range t.Partitions {
				var err error
				if p.ErrorCode != 0 {
					err = fmt.Errorf("list offsets: %w", kerr.ErrorForCode(p.ErrorCode))
				}
				set(t.Topic, p.Partition, kadm.ListedOffset{
					Timestamp:   p.Timestamp,
					Offset:      p.Offset,
					LeaderEpoch: p.LeaderEpoch,
					Err:         err,
				})
			}
		}
	}
	return res
}

// brokerFailure is the failure kept for a broker in one poll.
type brokerFailure struct {
	op   string
	err  error
	down bool
}

// firstFailures keeps one failure per broker: the first that shows it down
// if any, else the first.
func firstFailures(fails []failure) map[int32]brokerFailure {
	out := make(map[int32]brokerFailure)
	for _, f := range fails {
		down := !answered(f.err)
		if prev, ok := out[f.broker]; ok && (prev.down || !down) {
			continue
		}
		out[f.broker] = brokerFailure{op: f.op, err: f.err, down: down}
	}
	return out
}

// brokerEndpoint names a broker as errors do; by ID alone when its address is
// unknown (a broker only partitions name).
func brokerEndpoint(id int32, host string, port int32) string {
	if host == "" {
		return fmt.Sprintf("broker %d", id)
	}
	return fmt.Sprintf("broker %d (%s)", id, net.JoinHostPort(host, strconv.Itoa(int(port))))
}

// missing returns the brokers to list although metadata does not: those of
// the previous snapshot, with the address it knew, and those that partitions
// still name, by ID alone if never seen. Kafka drops a dead broker from the
// list once its session expires, and a dashboard must still show it down. A
// broker no partition names is forgotten once it has been missing for more
// than forgetMissingAfter: it was decommissioned. The result is sorted by ID.
func (s *Source) missing(meta *kmsg.MetadataResponse, now time.Time) []sources.Broker {
	listed := make(map[int32]bool, len(meta.Brokers))
	for _, b := range meta.Brokers {
		listed[b.NodeID] = true
	}
	named := make(map[int32]bool)
	for _, t := range meta.Topics {
		for _, p := range t.Partitions {
			if p.ErrorCode == 0 && p.Leader >= 0 { // with an error, the leader is meaningless
				named[p.Leader] = true
			}
			for _, ids := range [][]int32{p.Replicas, p.ISR, p.OfflineReplicas} {
				for _, id := range ids {
					named[id] = true
				}
			}
		}
	}
	known := make(map[int32]sources.Broker)
	if s.state.prev != nil {
		for _, b := range s.state.prev.Brokers {
			known[b.ID] = b
		}
	}
	candidates := make(map[int32]bool)
	for id := range known {
		candidates[id] = true
	}
	for id := range named {
		candidates[id] = true
	}

	var out []sources.Broker
	since := make(map[int32]time.Time)
	for _, id := range slices.Sorted(maps.Keys(candidates)) {
		if listed[id] || id < 0 {
			continue
		}
		first, ok := s.state.missingSince[id]
		if !ok {
			first = now
		}
		if !named[id] && now.Sub(first) > forgetMissingAfter {
			continue
		}
		since[id] = first
		prev := known[id]
		out = append(out, sources.Broker{ID: id, Host: prev.Host, Port: prev.Port, Rack: prev.Rack})
	}
	s.state.missingSince = since
	return out
}

// missingFailures is the one failure of each broker missing from metadata.
func missingFailures(gone []sources.Broker) []failure {
	fails := make([]failure, len(gone))
	for i, b := range gone {
		fails[i] = failure{b.ID, "metadata", errNotInMetadata}
	}
	return fails
}

// brokers lists the brokers metadata names and those it no longer does
// (gone), each down if it failed without answering, by ID.
func (s *Source) brokers(meta *kmsg.MetadataResponse, gone []sources.Broker, fails map[int32]brokerFailure, now time.Time) []sources.Broker {
	prevDown := make(map[int32]time.Time)
	if s.state.prev != nil {
		for _, b := range s.state.prev.Brokers {
			if !b.Up {
				prevDown[b.ID] = b.DownSince
			}
		}
	}
	out := make([]sources.Broker, 0, len(meta.Brokers)+len(gone))
	for _, mb := range meta.Brokers {
		out = append(out, sources.Broker{ID: mb.NodeID, Host: mb.Host, Port: mb.Port, Rack: deref(mb.Rack)})
	}
	out = append(out, gone...)
	for i := range out {
		b := &out[i]
		b.Up = true
		if f, ok := fails[b.ID]; ok && f.down {
			b.Up = false
			b.LastErr = f.err.Error()
			b.DownSince = now
			if t, ok := prevDown[b.ID]; ok && !t.IsZero() {
				b.DownSince = t
			}
		}
	}
	slices.SortFunc(out, func(a, b sources.Broker) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

func (s *Source) topics(meta *kmsg.MetadataResponse, starts, ends kadm.ListedOffsets, now time.Time) []sources.Topic {
	highs := make(map[string]topicHighs, len(meta.Topics))
	out := make([]sources.Topic, 0, len(meta.Topics))
	for _, mt := range meta.Topics {
		if mt.Topic == nil {
			continue // an answer about a topic ID we never asked for
		}
		t := sources.Topic{Name: *mt.Topic, Internal: mt.IsInternal, Rate: -1}
		if mt.ErrorCode != 0 {
			t.Err = kerr.ErrorForCode(mt.ErrorCode).Error()
		}
		th := topicHighs{id: mt.TopicID, highs: make(map[int32]int64, len(mt.Partitions))}
		t.Partitions = make([]sources.Partition, 0, len(mt.Partitions))
		for _, mp := range mt.Partitions {
			p := sources.Partition{
				ID:              mp.Partition,
				Leader:          mp.Leader,
				Replicas:        slices.Clone(mp.Replicas),
				ISR:             slices.Clone(mp.ISR),
				OfflineReplicas: slices.Clone(mp.OfflineReplicas),
				Low:             -1,
				High:            -1,
			}
			switch {
			case mp.ErrorCode != 0:
				err := kerr.ErrorForCode(mp.ErrorCode)
				p.Err = err.Error()
				if errors.Is(err, kerr.LeaderNotAvailable) {
					p.Leader = -1 // Kafka says so too; kfake's faults leave it 0
				}
			case p.Leader < 0:
				p.Leader = -1
			default: // includes partitions skipped because their leader is down, with the reason
				p.Low, p.High, p.Err = offsetsOf(starts, ends, t.Name, p.ID)
			}
			if p.High >= 0 {
				th.highs[p.ID] = p.High
			}
			if p.Low >= 0 && p.High >= 0 {
				t.Messages += p.High - p.Low
			}
			t.ReplicationFactor = max(t.ReplicationFactor, len(p.Replicas))
			if p.UnderReplicated() {
				t.UnderReplicated++
			}
			if p.IsOffline() {
				t.Offline++
			}
			t.Partitions = append(t.Partitions, p)
		}
		slices.SortFunc(t.Partitions, func(a, b sources.Partition) int { return cmp.Compare(a.ID, b.ID) })
		t.Rate = rate(s.state.highs[t.Name], th, now.Sub(s.state.highsAt))
		highs[t.Name] = th
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b sources.Topic) int { return strings.Compare(a.Name, b.Name) })
	s.state.highs, s.state.highsAt = highs, now
	return out
}

func offsetsOf(starts, ends kadm.ListedOffsets, topic string, p int32) (low, high int64, errText string) {
	low, high = -1, -1
	var errs []string
	for _, x := range []struct {
		list kadm.ListedOffsets
		dst  *int64
	}{{starts, &low}, {ends, &high}} {
		o, ok := x.list.Lookup(topic, p)
		switch {
		case !ok:
			errs = append(errs, "list offsets: partition missing from the answer")
		case o.Err != nil:
			errs = append(errs, o.Err.Error())
		default:
			*x.dst = o.Offset
		}
	}
	if len(errs) == 2 && errs[0] == errs[1] {
		errs = errs[:1]
	}
	return low, high, strings.Join(errs, "; ")
}

// rate is messages per second produced to a topic between two polls, from the
// partitions whose high watermark both polls read; -1 when unknown.
func rate(prev, cur topicHighs, elapsed time.Duration) float64 {
	if prev.highs == nil || prev.id != cur.id || elapsed <= 0 {
		return -1
	}
	var delta int64
	known := false
	for p, h := range cur.highs {
		ph, ok := prev.highs[p]
		if !ok {
			continue
		}
		if h < ph {
			return -1 // the log went back (truncated or re-created): no honest figure
		}
		delta += h - ph
		known = true
	}
	if !known {
		return -1
	}
	return float64(delta) / elapsed.Seconds()
}

// countReplicas fills in how many partitions each broker leads and hosts.
func countReplicas(snap *sources.KafkaSnapshot) {
	idx := make(map[int32]int, len(snap.Brokers))
	for i, b := range snap.Brokers {
		idx[b.ID] = i
	}
	for _, t := range snap.Topics {
		for _, p := range t.Partitions {
			if i, ok := idx[p.Leader]; ok {
				snap.Brokers[i].Leaders++
			}
			for _, r := range p.Replicas {
				if i, ok := idx[r]; ok {
					snap.Brokers[i].Replicas++
				}
			}
		}
	}
}

// endpointErrors turns the poll's failures into one error per broker.
func (s *Source) endpointErrors(brokers []sources.Broker, fails map[int32]brokerFailure, now time.Time) []sources.EndpointError {
	var cur []sources.EndpointError
	known := make(map[int32]bool, len(brokers))
	for _, b := range brokers {
		known[b.ID] = true
		if f, ok := fails[b.ID]; ok {
			cur = append(cur, sources.EndpointError{Endpoint: brokerEndpoint(b.ID, b.Host, b.Port), Op: f.op, Err: f.err.Error()})
		}
	}
	// A coordinator or leader missing from the broker list still failed.
	for _, id := range slices.Sorted(maps.Keys(fails)) {
		if !known[id] {
			f := fails[id]
			cur = append(cur, sources.EndpointError{Endpoint: fmt.Sprintf("broker %d", id), Op: f.op, Err: f.err.Error()})
		}
	}
	var prev []sources.EndpointError
	if s.state.prev != nil {
		prev = s.state.prev.Errors
	}
	return sources.TrackErrors(prev, cur, now)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
