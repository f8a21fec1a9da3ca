package nsq

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
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
	// topics are the topics the lookupds list for it, tombstoned ones apart.
	topics     map[string]bool
	tombstoned map[string]bool

	stats *statsJSON
	err   error
}

// Poll takes one snapshot. It returns an error only when nothing useful
// answered; failures of single endpoints are in the snapshot's Errors.
// Polls never overlap: a call waits for the one in progress.
func (s *Source) Poll(ctx context.Context) (*sources.NSQSnapshot, error) {
	s.mu.Lock()
	defer s.mu.Unlock()

	now := time.Now()
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	sem := make(chan struct{}, s.cfg.MaxConcurrent)

	// Discovery gets at most half of the budget, so that a stalled lookupd
	// still leaves time to ask the nodes already known.
	deadline, _ := ctx.Deadline()
	dctx, dcancel := context.WithTimeout(ctx, time.Until(deadline)/2)
	lookupds, infos := s.discover(dctx, sem)
	dcancel()
	for addr, info := range infos {
		s.state.infos[addr] = info
	}

	entries := s.gather(now, lookupds)
	s.fetchStats(ctx, sem, entries)

	snap, err := s.build(now, lookupds, entries)
	snap.Took = time.Since(now)
	s.state.prev = snap
	return snap, err
}

func acquire(ctx context.Context, sem chan struct{}) error {
	select {
	case sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// discover asks every lookupd for its nodes and topics, and every configured
// nsqd whose identity is not known yet for its /info, all at once.
func (s *Source) discover(ctx context.Context, sem chan struct{}) ([]lookupdResult, map[string]infoJSON) {
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

	var mu sync.Mutex
	infos := map[string]infoJSON{}
	for _, addr := range s.cfg.NSQDs {
		if _, ok := s.state.infos[addr]; ok {
			continue
		}
		wg.Go(func() {
			if acquire(ctx, sem) != nil {
				return
			}
			defer func() { <-sem }()
			var info infoJSON
			// A failure is not reported here: /stats, asked next, says
			// whether the node is down, and /info is retried next poll.
			if getJSON(ctx, s.client, "http://"+addr, "/info", &info) == nil {
				mu.Lock()
				infos[addr] = info
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return results, infos
}

func (s *Source) askLookupd(ctx context.Context, sem chan struct{}, base, version string) lookupdResult {
	r := lookupdResult{version: version}
	start := time.Now()
	if err := acquire(ctx, sem); err != nil {
		r.op, r.err = "nodes", plainError(err, time.Since(start))
		return r
	}
	defer func() { <-sem }()
	var nodes lookupdNodesJSON
	if err := getJSON(ctx, s.client, base, "/nodes", &nodes); err != nil {
		r.op, r.err = "nodes", err
		return r
	}
	r.nodes = nodes.Producers
	var topics lookupdTopicsJSON
	if err := getJSON(ctx, s.client, base, "/topics", &topics); err != nil {
		r.op, r.err = "topics", err
	} else {
		r.topics, r.topicsOK = topics.Topics, true
	}
	// The version is asked once, and again after the lookupd was unreachable
	// (it may have been upgraded meanwhile).
	if r.version == "" && r.err == nil {
		var info lookupdInfoJSON
		if err := getJSON(ctx, s.client, base, "/info", &info); err != nil {
			r.op, r.err = "info", err
		} else {
			r.version = info.Version
		}
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
			// Not listed now. Forget it only once every lookupd that listed it
			// before has answered without it, for ForgetAfter.
			last := s.state.listed[addr]
			vouched := slices.ContainsFunc(last.by, func(l string) bool { return failed[l] })
			if anyAnswered && !vouched && now.Sub(last.at) >= s.cfg.ForgetAfter {
				continue
			}
			e = &entry{node: identity(pn), topics: map[string]bool{}, tombstoned: map[string]bool{}}
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

// fetchStats asks every node for /stats, a bounded number at a time.
func (s *Source) fetchStats(ctx context.Context, sem chan struct{}, entries []*entry) {
	var wg sync.WaitGroup
	for _, e := range entries {
		wg.Go(func() {
			start := time.Now()
			if err := acquire(ctx, sem); err != nil {
				e.err = nodeError(e, plainError(err, time.Since(start)))
				return
			}
			defer func() { <-sem }()
			var st statsJSON
			if err := getJSON(ctx, s.client, "http://"+e.node.Addr, statsPath, &st); err != nil {
				e.err = nodeError(e, err)
				return
			}
			e.stats = &st
		})
	}
	wg.Wait()
	for _, e := range entries {
		if e.configured && e.stats != nil {
			// nsqd restarted: ask /info again, its identity may have changed.
			if info, ok := s.state.infos[e.node.Addr]; ok && info.StartTime != e.stats.StartTime {
				delete(s.state.infos, e.node.Addr)
			}
		}
	}
}

// unresolvedError is a host name that DNS does not know.
type unresolvedError struct{ host, cause string }

func (e *unresolvedError) Error() string {
	return fmt.Sprintf("host %q does not resolve: %s", e.host, e.cause)
}

// nodeError words a node failure; a broadcast address that does not resolve
// here is the usual trouble with lookupd-discovered nodes, so it is named.
func nodeError(e *entry, err error) error {
	var u *unresolvedError
	if errors.As(err, &u) && !e.configured {
		return fmt.Errorf("broadcast address %q (as registered in nsqlookupd) does not resolve from here: %s", u.host, u.cause)
	}
	return err
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
