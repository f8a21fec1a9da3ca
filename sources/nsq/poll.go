package nsq

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/topicat/topicat/sources"
)

// lookupdResult is what one lookupd said in this poll.
type lookupdResult struct {
	nodes    []producerJSON
	topics   []string
	topicsOK bool
	version  string
	op       string // what failed
	err      error
}

// entry is one nsqd to poll, gathered from the configuration, the lookupds and
// the previous snapshot.
type entry struct {
	node       sources.NSQNode // identity and lookupd membership; the rest is filled after /stats
	configured bool
	listed     bool // a lookupd listed it in this poll
	// vouched is set for a node no lookupd lists now while one that listed
	// it before did not answer: its absence says nothing.
	vouched bool
	// topics are the topics the lookupds list for it, tombstoned ones apart.
	topics     map[string]bool
	tombstoned map[string]bool

	stats *statsJSON
	err   error
}

// Poll takes one snapshot. It returns an error only when nothing useful
// answered; failures of single endpoints are in the snapshot's Errors.
// Polls never overlap: a call waits for the one in progress.
//
// The whole poll is bounded by the configured timeout. The nodes known
// already (configured, or in the previous snapshot) are asked for /stats at
// once, while the lookupds are asked which nodes there are: a slow lookupd
// delays only the nodes that it alone makes known, and a stalled node
// delays nothing else.
func (s *Source) Poll(ctx context.Context) (*sources.NSQSnapshot, error) {
	s.mu.Lock()
	defer s.mu.Unlock()

	now := time.Now()
	ctx, cancel := withBudget(ctx, s.cfg.Timeout)
	defer cancel()
	f := &statsFetch{ctx: ctx, s: s, sem: make(chan struct{}, s.cfg.MaxConcurrent), results: map[string]*statsResult{}}
	for _, addr := range s.cfg.NSQDs {
		f.start(addr, true)
	}
	if p := s.state.prev; p != nil {
		for _, n := range p.Nodes {
			f.start(n.Addr, false)
		}
	}
	lookupds := s.discover(ctx, f.sem)
	// A node a lookupd lists under the name of a configured one whose /info
	// is not in yet is asked twice this once; gather then keeps one.
	known := map[string]bool{}
	for _, info := range s.state.infos {
		known[net.JoinHostPort(info.BroadcastAddress, strconv.Itoa(info.TCPPort))] = true
	}
	for _, r := range lookupds {
		for _, p := range r.nodes {
			if !known[net.JoinHostPort(p.BroadcastAddress, strconv.Itoa(p.TCPPort))] {
				f.start(net.JoinHostPort(p.BroadcastAddress, strconv.Itoa(p.HTTPPort)), false)
			}
		}
	}
	var (
		regs     []lookupdRegistrations
		readRegs sync.WaitGroup
	)
	if !s.cfg.SkipInactive && s.inactiveDue(now, lookupds) {
		s.state.inactiveTried = now
		readRegs.Go(func() { regs = s.readRegistrations(ctx, lookupds) })
	}
	f.wg.Wait()
	readRegs.Wait()
	for addr, r := range f.results {
		if r.info != nil {
			s.state.infos[addr] = *r.info
		}
	}

	entries := s.gather(now, lookupds)
	for _, e := range entries {
		r := f.results[e.node.Addr]
		if r == nil {
			// Listed under an identity learnt in this very poll (a configured
			// node that came back with a new broadcast address): asked next poll.
			r = &statsResult{err: errors.New("not asked yet: its address changed during this poll")}
		}
		e.stats = r.st
		if r.err != nil {
			e.err = nodeError(e, r.err)
		}
	}
	s.state.times = pushTime(s.state.times, now)
	snap, err := s.build(now, lookupds, entries, regs)
	snap.Took = time.Since(now)
	s.state.prev = snap
	s.publishView(snap)
	return snap, err
}

// statsFetch asks nodes for /stats, each at most once per poll, a bounded
// number at a time. Results are read after wg.Wait.
type statsFetch struct {
	ctx     context.Context
	s       *Source
	sem     chan struct{}
	wg      sync.WaitGroup
	results map[string]*statsResult // by address; written by the poll's goroutine only
}

type statsResult struct {
	st   *statsJSON
	err  error
	info *infoJSON // a configured node's identity, asked after /stats when it is not known or the node restarted
}

func (f *statsFetch) start(addr string, configured bool) {
	if _, ok := f.results[addr]; ok {
		return
	}
	r := &statsResult{}
	f.results[addr] = r
	cached, haveInfo := f.s.state.infos[addr]
	f.wg.Go(func() {
		start := time.Now()
		if err := acquire(f.ctx, f.sem); err != nil {
			r.err = waitError(f.ctx, err, time.Since(start))
			return
		}
		defer func() { <-f.sem }()
		var st statsJSON
		if err := getJSON(f.ctx, f.s.client, "http://"+addr, statsPath, &st); err != nil {
			r.err = err
			return
		}
		r.st = &st
		// Asked of a node that answers, so a stalled one holds up nothing.
		// A failure is not reported: the node answered /stats, and /info is
		// asked again next poll.
		if configured && (!haveInfo || cached.StartTime != st.StartTime) {
			var info infoJSON
			if getJSON(f.ctx, f.s.client, "http://"+addr, "/info", &info) == nil {
				r.info = &info
			}
		}
	})
}

func acquire(ctx context.Context, sem chan struct{}) error {
	select {
	case sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// discover asks every lookupd for its nodes and topics, all at once.
func (s *Source) discover(ctx context.Context, sem chan struct{}) []lookupdResult {
	results := make([]lookupdResult, len(s.cfg.Lookupds))
	prevVersion := map[string]string{}
	if p := s.state.prev; p != nil {
		for _, l := range p.Lookupds {
			if l.Up {
				prevVersion[l.Addr] = l.Version
			}
		}
	}
	var wg sync.WaitGroup
	for i, base := range s.cfg.Lookupds {
		wg.Go(func() {
			results[i] = s.askLookupd(ctx, sem, base, prevVersion[base])
		})
	}
	wg.Wait()
	return results
}

// askLookupd asks one lookupd its nodes, its topics and, once (and again
// after it was unreachable: it may have been upgraded), its version, the
// three at once: one round trip rather than three before the nodes it
// alone makes known can be asked.
func (s *Source) askLookupd(ctx context.Context, sem chan struct{}, base, version string) lookupdResult {
	r := lookupdResult{version: version}
	var (
		nodes           lookupdNodesJSON
		topics          lookupdTopicsJSON
		info            lookupdInfoJSON
		topicsErr, iErr error
		wg              sync.WaitGroup
		start           = time.Now()
		ask             = func(path string, v any) error {
			if err := acquire(ctx, sem); err != nil {
				return waitError(ctx, err, time.Since(start))
			}
			defer func() { <-sem }()
			return getJSON(ctx, s.client, base, path, v)
		}
	)
	wg.Go(func() { topicsErr = ask("/topics", &topics) })
	if version == "" {
		wg.Go(func() { iErr = ask("/info", &info) })
	}
	nodesErr := ask("/nodes", &nodes)
	wg.Wait()
	switch {
	case nodesErr != nil:
		// Unreachable: what else it said is no reading of now.
		r.op, r.err = "nodes", nodesErr
		return r
	case topicsErr != nil:
		r.op, r.err = "topics", topicsErr
	case iErr != nil:
		r.op, r.err = "info", iErr
	}
	r.nodes = nodes.Producers
	if topicsErr == nil {
		r.topics, r.topicsOK = topics.Topics, true
	}
	if version == "" && iErr == nil {
		r.version = info.Version
	}
	return r
}

// gather builds the list of nsqd to poll: the configured ones, those any
// lookupd lists (merged on broadcast_address:tcp_port, as nsqadmin does), and
// those of the previous snapshot that are not to be forgotten yet.
func (s *Source) gather(now time.Time, lookupds []lookupdResult) []*entry {
	byAddr := map[string]*entry{}
	byKey := map[string]*entry{} // broadcast_address:tcp_port
	prevNodes := map[string]*sources.NSQNode{}
	if p := s.state.prev; p != nil {
		for i := range p.Nodes {
			prevNodes[p.Nodes[i].Addr] = &p.Nodes[i]
		}
	}

	for _, addr := range s.cfg.NSQDs {
		e := &entry{configured: true, topics: map[string]bool{}, tombstoned: map[string]bool{}}
		e.node.Addr = addr
		if info, ok := s.state.infos[addr]; ok {
			e.node.Hostname = info.Hostname
			e.node.BroadcastAddress = info.BroadcastAddress
			e.node.TCPPort = info.TCPPort
			e.node.HTTPPort = info.HTTPPort
			e.node.Version = info.Version
			byKey[net.JoinHostPort(info.BroadcastAddress, strconv.Itoa(info.TCPPort))] = e
		}
		byAddr[addr] = e
	}

	anyAnswered := false
	for i, r := range lookupds {
		if r.err != nil && r.op == "nodes" {
			continue
		}
		anyAnswered = true
		url := s.cfg.Lookupds[i]
		for _, p := range r.nodes {
			key := net.JoinHostPort(p.BroadcastAddress, strconv.Itoa(p.TCPPort))
			e := byKey[key]
			if e == nil {
				addr := net.JoinHostPort(p.BroadcastAddress, strconv.Itoa(p.HTTPPort))
				e = byAddr[addr]
				if e == nil {
					e = &entry{topics: map[string]bool{}, tombstoned: map[string]bool{}}
					e.node.Addr = addr
					byAddr[addr] = e
				}
				byKey[key] = e
			}
			if e.node.BroadcastAddress == "" {
				e.node.Hostname = p.Hostname
				e.node.BroadcastAddress = p.BroadcastAddress
				e.node.TCPPort = p.TCPPort
				e.node.HTTPPort = p.HTTPPort
				e.node.Version = p.Version
			}
			if !slices.Contains(e.node.Lookupds, url) {
				e.node.Lookupds = append(e.node.Lookupds, url)
			}
			e.listed = true
			for j, t := range p.Topics {
				if j < len(p.Tombstones) && p.Tombstones[j] {
					e.tombstoned[t] = true
				} else {
					e.topics[t] = true
				}
			}
		}
	}

	failed := map[string]bool{}
	for i, r := range lookupds {
		if r.err != nil && r.op == "nodes" {
			failed[s.cfg.Lookupds[i]] = true
		}
	}
	for addr, pn := range prevNodes {
		e := byAddr[addr]
		if e == nil {
			// Not listed now. A node that answered last time gets this poll to
			// answer again (or to be found gone). One that did not is forgotten
			// ForgetAfter after it was last listed or last answered, once every
			// lookupd that listed it has answered without it, unless it held
			// messages: those are stranded, and the totals stay partial until
			// it is back.
			last := s.state.listed[addr]
			vouched := slices.ContainsFunc(last.by, func(l string) bool { return failed[l] })
			quiet := last.at
			if since := failingSince(pn); since.After(quiet) {
				quiet = since
			}
			if anyAnswered && !vouched && !pn.Up && now.Sub(quiet) >= s.cfg.ForgetAfter && pn.Queued() == 0 {
				continue
			}
			e = &entry{node: identity(pn), vouched: vouched, topics: map[string]bool{}, tombstoned: map[string]bool{}}
			byAddr[addr] = e
		}
		if e.node.BroadcastAddress == "" && e.node.Hostname == "" {
			id := identity(pn)
			id.Lookupds = e.node.Lookupds
			e.node = id
		}
		if !anyAnswered {
			for _, t := range pn.Tombstoned {
				e.tombstoned[t] = true
			}
		}
	}

	entries := make([]*entry, 0, len(byAddr))
	for addr, e := range byAddr {
		// Lookupds in configured order, whatever order they were learnt in.
		slices.SortFunc(e.node.Lookupds, func(a, b string) int {
			return slices.Index(s.cfg.Lookupds, a) - slices.Index(s.cfg.Lookupds, b)
		})
		if e.listed {
			s.state.listed[addr] = listing{at: now, by: e.node.Lookupds}
		}
		entries = append(entries, e)
	}
	for addr := range s.state.listed {
		if byAddr[addr] == nil {
			delete(s.state.listed, addr)
		}
	}
	slices.SortFunc(entries, func(a, b *entry) int { return compareAddr(a.node.Addr, b.node.Addr) })
	return entries
}

// failingSince is when a node that did not answer the previous poll
// started failing; zero for one that answered.
func failingSince(n *sources.NSQNode) time.Time {
	if n.Gone {
		return n.GoneSince
	}
	return n.DownSince
}

// identity is what is worth keeping of a node that did not answer.
func identity(n *sources.NSQNode) sources.NSQNode {
	return sources.NSQNode{
		Addr:             n.Addr,
		Hostname:         n.Hostname,
		BroadcastAddress: n.BroadcastAddress,
		TCPPort:          n.TCPPort,
		HTTPPort:         n.HTTPPort,
		Version:          n.Version,
	}
}

// unresolvedError is a host name that DNS does not know.
type unresolvedError struct{ host, cause string }

func (e *unresolvedError) Error() string {
	return fmt.Sprintf("host %q does not resolve: %s", e.host, e.cause)
}

// nodeError words a node failure; a broadcast address that does not resolve
// here is the usual trouble with lookupd-discovered nodes, so it is named
// with the lookupds that hand it out.
func nodeError(e *entry, err error) error {
	var u *unresolvedError
	if !errors.As(err, &u) || e.configured {
		return err
	}
	who := "the lookupds listed"
	switch ls := e.node.Lookupds; len(ls) {
	case 0:
	case 1:
		who = "lookupd " + ls[0] + " lists"
	default:
		who = "lookupds " + strings.Join(ls, ", ") + " list"
	}
	return fmt.Errorf("%s nsqd at %s, which does not resolve: %s", who, e.node.Addr, u.cause)
}

// compareAddr orders host:port addresses by host, then by port as a number.
func compareAddr(a, b string) int {
	ha, pa, errA := net.SplitHostPort(a)
	hb, pb, errB := net.SplitHostPort(b)
	if errA != nil || errB != nil || ha != hb {
		if errA == nil && errB == nil {
			a, b = ha, hb
		}
		switch {
		case a < b:
			return -1
		case a > b:
			return 1
		}
		return 0
	}
	na, _ := strconv.Atoi(pa)
	nb, _ := strconv.Atoi(pb)
	return na - nb
}
