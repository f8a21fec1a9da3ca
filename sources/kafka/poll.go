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

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/topicat/topicat/sources"
)

// pollState is what one poll hands to the next.
type pollState struct {
	seq    uint64
	lastOK time.Time
	prev   *sources.KafkaSnapshot
	// hist is the recent polls behind rates, trends and group statuses.
	hist *history
	// settings are the topic and broker settings last read.
	settings settingsCache
	// missingSince is when each broker listed although metadata no longer
	// names it was first missed from metadata.
	missingSince map[int32]time.Time
	// budget is how long the current poll may run, for "timed out after".
	budget time.Duration
	// introduced are the brokers kgo was last told about, by ID.
	introduced []int32
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
	if s.state.hist == nil {
		s.state.hist = newHistory(start)
	}
	s.state.settings.init()

	meta, err := s.metadata(ctx)
	if err != nil {
		return s.unreachable(start, err)
	}

	slices.SortFunc(meta.Brokers, func(a, b kmsg.MetadataResponseBroker) int { return cmp.Compare(a.NodeID, b.NodeID) })
	s.closed.learn(meta.Brokers)
	gone := s.missing(meta, start)
	missing := make(map[int32]bool, len(gone))
	for _, b := range gone {
		missing[b.ID] = true
	}
	probed := s.probeAll(ctx, meta.Brokers)
	down := make(map[int32]bool, len(probed.fails))
	var up []int32
	for _, f := range probed.fails {
		down[f.broker] = true
	}
	for _, b := range meta.Brokers {
		if !down[b.NodeID] {
			up = append(up, b.NodeID)
		}
	}

	parts, starts, ends := planOffsets(meta, down, missing)
	topicNames := topicNamesOf(meta)

	plan := s.state.settings.plan(meta, up, meta.ControllerID, start)
	var (
		wg         sync.WaitGroup
		startFails []failure
		endFails   []failure
		groupsData groupsResult
		settings   settingsResult
	)
	wg.Go(func() { startFails = s.listOffsets(ctx, earliest, parts, starts) })
	wg.Go(func() { endFails = s.listOffsets(ctx, latest, parts, ends) })
	if !s.skipGroups {
		wg.Go(func() {
			groupsData = s.fetchGroups(ctx, groupsInput{up: up, batchedFetch: probed.batchedFetch, topicNames: topicNames})
		})
	}
	wg.Go(func() { settings = s.readSettings(ctx, plan) })
	wg.Wait()
	s.state.settings.apply(plan, settings, start)

	// Merged in a fixed order, each list sorted by broker, so that the error
	// kept for a broker does not depend on which request finished first. A
	// broker missing from metadata comes first: that is the failure kept.
	fails := missingFailures(gone)
	fails = append(fails, probed.fails...)
	for _, fs := range [][]failure{startFails, endFails} {
		slices.SortFunc(fs, func(a, b failure) int { return cmp.Compare(a.broker, b.broker) })
		fails = append(fails, fs...)
	}
	fails = append(fails, groupsData.fails...)
	if settings.fail != nil {
		fails = append(fails, *settings.fail)
	}

	snap := &sources.KafkaSnapshot{
		ClusterID:  deref(meta.ClusterID),
		Controller: meta.ControllerID,
		Cluster:    s.state.settings.cluster,
	}
	if snap.Controller < 0 {
		snap.Controller = -1
	}
	byBroker := firstFailures(fails)
	snap.Brokers = s.brokers(meta, gone, byBroker, start)
	snap.Topics = s.topics(meta, starts, ends, start)
	snap.Groups = s.groups(groupsBuild{read: groupsData, ends: ends, fails: byBroker, now: start, seq: s.state.seq})
	countReplicas(snap)
	s.state.hist.forget(s.state.seq)

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

// metadata asks for the whole cluster's metadata: a direct request, not
// kadm's cached one, because the snapshot must show what the cluster says
// now. It is sent to one broker at a time rather than through the client:
// kgo keeps every topic of a metadata answer passing through it in its own
// cache, a third of the client's time in a poll of 40,000 partitions, and
// this source addresses its requests to brokers itself. kgo only needs the
// brokers' addresses: introduce tells it. The brokers that answered the last
// poll are asked first, then the seeds; one that does not answer gets a
// third of the poll, so that two more can be asked.
func (s *Source) metadata(ctx context.Context) (*kmsg.MetadataResponse, error) {
	var targets []*kgo.Broker
	if prev := s.state.prev; prev != nil {
		for _, b := range prev.Brokers {
			if b.Up {
				targets = append(targets, s.cl.Broker(int(b.ID)))
			}
		}
	}
	targets = append(targets, s.cl.SeedBrokers()...)
	targets = targets[:min(len(targets), 10)]
	var err error
	for i, b := range targets {
		actx, cancel := ctx, context.CancelFunc(func() {})
		if i < len(targets)-1 {
			actx, cancel = context.WithTimeout(ctx, s.probeTimeout)
		}
		var meta *kmsg.MetadataResponse
		meta, err = kmsg.NewPtrMetadataRequest().RequestWith(actx, b)
		cancel()
		if err == nil {
			err = kerr.ErrorForCode(meta.ErrorCode)
		}
		if err == nil {
			s.introduce(ctx, meta)
			return meta, nil
		}
		if ctx.Err() != nil {
			break
		}
	}
	return nil, s.closed.explainSeeds(ctx, s.timedOut(ctx, err))
}

// introduce makes sure kgo knows every broker meta lists, so that requests
// to a broker by ID go straight to it. kgo would otherwise look a broker up
// by itself at the first request, through a broker of its choosing, which
// may be the one that is down; and the request would fail in its name. The
// lookup here asks for no topic, which kgo then leaves out of its cache, and
// tries the brokers in kgo's rotation until one answers, each for a third of
// the poll. It is needed again only when the brokers listed change.
func (s *Source) introduce(ctx context.Context, meta *kmsg.MetadataResponse) {
	ids := make([]int32, len(meta.Brokers))
	for i, b := range meta.Brokers {
		ids[i] = b.NodeID
	}
	slices.Sort(ids)
	if slices.Equal(ids, s.state.introduced) {
		return
	}
	for range min(max(len(ids), 2), 10) {
		actx, cancel := context.WithTimeout(ctx, s.probeTimeout)
		req := kmsg.NewPtrMetadataRequest()
		req.Topics = []kmsg.MetadataRequestTopic{} // brokers only
		_, err := req.RequestWith(actx, s.cl)
		cancel()
		if err == nil {
			s.state.introduced = ids
			return
		}
		if ctx.Err() != nil {
			return
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

// brokerErr is err from a request to broker id, reworded for a person: a
// timeout as "timed out after", a closed connection as what it was.
func (s *Source) brokerErr(ctx context.Context, id int32, err error) error {
	return s.connErr(ctx, brokerAt(id), s.timedOut(ctx, err))
}

// unreachable answers a poll in which no broker answered metadata: the
// previous data, every broker marked down, and the error.
func (s *Source) unreachable(start time.Time, err error) (*sources.KafkaSnapshot, error) {
	snap := &sources.KafkaSnapshot{Controller: -1, Cluster: s.state.settings.cluster}
	if prev := s.state.prev; prev != nil {
		snap.ClusterID = prev.ClusterID
		snap.Controller = prev.Controller
		// A rate is a figure of now, and now is unknown. Snapshots are
		// immutable: what changes is copied.
		snap.Topics = slices.Clone(prev.Topics)
		for i := range snap.Topics {
			t := &snap.Topics[i]
			t.Rate = -1
			t.Partitions = slices.Clone(t.Partitions)
			for j := range t.Partitions {
				t.Partitions[j].Rate = -1
			}
		}
		snap.Groups = slices.Clone(prev.Groups)
		for i := range snap.Groups {
			g := &snap.Groups[i]
			if !g.Stale {
				g.Stale, g.StaleSince = true, prev.Taken
			}
			g.Err = "not refreshed: no broker answered: " + err.Error()
		}
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

// probed is what the liveness checks found.
type probed struct {
	fails []failure
	// batchedFetch are the brokers whose OffsetFetch takes many groups in
	// one request (v8, Kafka 3.0).
	batchedFetch map[int32]bool
}

// probeAll probes every broker at once.
func (s *Source) probeAll(ctx context.Context, brokers []kmsg.MetadataResponseBroker) probed {
	errs := make([]error, len(brokers))
	versions := make([]*kmsg.ApiVersionsResponse, len(brokers))
	var wg sync.WaitGroup
	for i, b := range brokers {
		wg.Go(func() { versions[i], errs[i] = s.probe(ctx, b.NodeID) })
	}
	wg.Wait()
	res := probed{batchedFetch: make(map[int32]bool, len(brokers))}
	for i, err := range errs {
		if err != nil {
			res.fails = append(res.fails, failure{brokers[i].NodeID, "api versions", err})
			continue
		}
		res.batchedFetch[brokers[i].NodeID] = maxVersion(versions[i], kmsg.OffsetFetch) >= 8
		s.closed.plaintext(brokers[i].NodeID, time.Now())
	}
	return res
}

// maxVersion is the highest version of key the broker and this client
// both speak; -1 when the broker does not know key.
func maxVersion(resp *kmsg.ApiVersionsResponse, key kmsg.Key) int16 {
	for _, k := range resp.ApiKeys {
		if k.ApiKey == int16(key) {
			return min(k.MaxVersion, key.Request().MaxVersion())
		}
	}
	return -1
}

// probe asks one broker for its API versions, the cheapest request there is,
// to learn whether it answers at all, and what it speaks.
func (s *Source) probe(ctx context.Context, id int32) (*kmsg.ApiVersionsResponse, error) {
	pctx, cancel := context.WithTimeout(ctx, s.probeTimeout)
	defer cancel()
	resp, err := kmsg.NewPtrApiVersionsRequest().RequestWith(pctx, s.cl.Broker(int(id)))
	switch {
	case err == nil:
		return resp, nil
	case ctx.Err() != nil: // the poll's own deadline came first
		return nil, s.brokerErr(ctx, id, err)
	case errors.Is(err, context.DeadlineExceeded):
		return nil, fmt.Errorf("no answer within %v", s.probeTimeout)
	}
	// Within the probe's time: a closed connection may be checked for TLS.
	return nil, s.connErr(pctx, brokerAt(id), s.timedOut(ctx, err))
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

// topics builds the snapshot's topics: partitions with their watermarks and
// rates, the totals, and the settings last read. A partition whose offsets
// could not be read makes its topic Partial.
func (s *Source) topics(meta *kmsg.MetadataResponse, starts, ends polledOffsets, now time.Time) []sources.Topic {
	h, seq := s.state.hist, s.state.seq
	out := make([]sources.Topic, 0, len(meta.Topics))
	// One backing array for every partition's replica lists, and one for
	// the partitions.
	var nIDs, nParts int
	for _, mt := range meta.Topics {
		nParts += len(mt.Partitions)
		for _, mp := range mt.Partitions {
			nIDs += len(mp.Replicas) + len(mp.ISR) + len(mp.OfflineReplicas)
		}
	}
	ids := make([]int32, 0, nIDs)
	clone := func(xs []int32) []int32 {
		n := len(ids)
		ids = append(ids, xs...)
		return ids[n:len(ids):len(ids)]
	}
	partsArena := make([]sources.Partition, 0, nParts)
	// One backing array for every topic's Rates.
	ratesArena := make([]float64, 0, len(meta.Topics)*historyLen)
	for _, mt := range meta.Topics {
		if mt.Topic == nil {
			continue // an answer about a topic ID we never asked for
		}
		t := sources.Topic{Name: *mt.Topic, Internal: mt.IsInternal, Rate: -1}
		if mt.ErrorCode != 0 {
			t.Err = kerr.ErrorForCode(mt.ErrorCode).Error()
		}
		ts := s.state.settings.topic(t.Name, mt.TopicID)
		t.CleanupPolicy, t.RetentionMs, t.MinInsync, t.MaxMessageBytes = ts.cleanupPolicy, ts.retentionMs, ts.minInsync, ts.maxMessageBytes

		th := h.topic(t.Name, mt.TopicID, maxPartition(mt.Partitions)+1, seq)
		n := len(partsArena)
		rateKnown := false
		for _, mp := range mt.Partitions {
			p := sources.Partition{
				ID:              mp.Partition,
				Leader:          mp.Leader,
				Replicas:        clone(mp.Replicas),
				ISR:             clone(mp.ISR),
				OfflineReplicas: clone(mp.OfflineReplicas),
				Low:             -1,
				High:            -1,
				Rate:            -1,
			}
			var metaErr error
			if mp.ErrorCode != 0 {
				metaErr = kerr.ErrorForCode(mp.ErrorCode)
			}
			switch {
			case p.Leader < 0 || errors.Is(metaErr, kerr.LeaderNotAvailable):
				p.Leader = -1 // Kafka says so too; kfake's faults leave it 0
				p.Err = "no leader"
				if metaErr != nil {
					p.Err = metaErr.Error()
				}
			default: // includes partitions skipped because their leader is down, with the reason
				p.Low, p.High, p.Err = offsetsOf(starts, ends, t.Name, p.ID)
				if metaErr != nil {
					p.Err = strings.Join(slices.DeleteFunc([]string{metaErr.Error(), p.Err}, func(e string) bool { return e == "" }), "; ")
				}
			}
			p.Rate = th.observe(p.ID, p.High, h.at(now))
			if p.Rate >= 0 {
				t.Rate = max(t.Rate, 0) + p.Rate
				rateKnown = true
			}
			if p.Low >= 0 && p.High >= 0 {
				t.Messages += p.High - p.Low
			} else {
				t.Partial = true
			}
			t.ReplicationFactor = max(t.ReplicationFactor, len(p.Replicas))
			if p.UnderReplicated() {
				t.UnderReplicated++
			}
			if p.IsOffline() {
				t.Offline++
			}
			partsArena = append(partsArena, p)
		}
		t.Partitions = partsArena[n:len(partsArena):len(partsArena)]
		if !rateKnown {
			t.Rate = -1
		}
		slices.SortFunc(t.Partitions, func(a, b sources.Partition) int { return cmp.Compare(a.ID, b.ID) })
		th.rates.push(t.Rate)
		n = len(ratesArena)
		ratesArena = th.rates.appendTo(ratesArena)
		t.Rates = ratesArena[n:len(ratesArena):len(ratesArena)]
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b sources.Topic) int { return strings.Compare(a.Name, b.Name) })
	return out
}

func maxPartition(ps []kmsg.MetadataResponseTopicPartition) int {
	m := -1
	for _, p := range ps {
		m = max(m, int(p.Partition))
	}
	return m
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
