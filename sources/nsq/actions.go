package nsq

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/topicat/topicat/sources"
)

// The admin actions, as nsqadmin has them, run on every node (and lookupd)
// at once, each answering one target: a partial failure is one failed
// target among the others, never lost.

// checkNames refuses what nsqd would: names outside its rule.
func checkNames(topic, channel string) error {
	if err := checkTopicName(topic); err != nil {
		return err
	}
	if channel != "" && !validName(channel) {
		return fmt.Errorf("%q is not an NSQ channel name: 1 to 64 of a-z A-Z 0-9 . _ - (optionally ending in #ephemeral)", channel)
	}
	return nil
}

// nsqQuery is the query naming topic, and channel when given.
func nsqQuery(topic, channel string) url.Values {
	q := url.Values{"topic": {topic}}
	if channel != "" {
		q.Set("channel", channel)
	}
	return q
}

// endpoint is the nsqd or lookupd API a path is under: /topic/… or /channel/….
func endpoint(channel, verb string) string {
	if channel == "" {
		return "/topic/" + verb
	}
	return "/channel/" + verb
}

// inWords says what a failed request means, with nsqd's answer in words.
func inWords(err error, topic, channel string) string {
	switch {
	case answered(err, http.StatusNotFound, "TOPIC_NOT_FOUND"):
		return "no topic " + topic + " on this node"
	case answered(err, http.StatusNotFound, "CHANNEL_NOT_FOUND"):
		return "no channel " + topic + "/" + channel + " on this node"
	case answered(err, http.StatusInternalServerError, "INTERNAL_ERROR"):
		return "nsqd failed to do it (INTERNAL_ERROR; its log says why)"
	case answered(err, http.StatusServiceUnavailable, "EXITING"):
		return "nsqd is shutting down (EXITING)"
	}
	return err.Error()
}

func nsqdTarget(addr string) string    { return "nsqd " + addr }
func lookupdTarget(base string) string { return "lookupd " + base }

// onHolders does one nsqd request on every node that has the thing, at
// once, and answers a target per node, by address. attempt says what was
// attempted ("pause topic orders"); do answers the target's detail.
func (s *Source) onHolders(ctx context.Context, loc location, topic, channel, attempt string, do func(h holder) (string, error)) []sources.TargetResult {
	out := make([]sources.TargetResult, len(loc.holders))
	s.fanOut(ctx, len(loc.holders), func(i int) {
		h := loc.holders[i]
		t := sources.TargetResult{Target: nsqdTarget(h.addr)}
		switch {
		case h.gone:
			t.Detail = "not asked: it left the cluster (no lookupd lists it any more)"
		case h.err != nil:
			t.Err = fmt.Sprintf("%s: not sent: could not ask it whether it has the %s: %v", attempt, kindOf(channel), h.err)
		default:
			detail, err := do(h)
			if err != nil {
				t.Err = attempt + ": " + inWords(err, topic, channel)
			} else {
				t.Detail = detail
			}
		}
		out[i] = t
	})
	return out
}

func kindOf(channel string) string {
	if channel == "" {
		return "topic"
	}
	return "channel"
}

// lookupdFailures are the lookupds that could not say where the topic is,
// as failed targets: a node only they know was not reached.
func (s *Source) lookupdFailures(loc location, topic string) []sources.TargetResult {
	var out []sources.TargetResult
	for _, base := range s.cfg.Lookupds {
		if err, ok := loc.lookupdErrs[base]; ok {
			out = append(out, sources.TargetResult{Target: lookupdTarget(base), Err: lookupFailed(topic, err)})
		}
	}
	return out
}

func lookupFailed(topic string, err error) string {
	return fmt.Sprintf("could not ask it which nsqd have topic %s: %v; a node only it knows was not reached", topic, err)
}

// nowhere is the refusal when no node has the thing (and, for a delete, no
// lookupd has it registered): it names what exists.
func (s *Source) nowhere(ctx context.Context, v view, loc location, attempt, topic, channel string) sources.Result {
	msg := attempt + ": " + s.missing(ctx, v, loc, topic, channel)
	if len(loc.lookupdErrs) > 0 {
		failed := map[string]string{}
		for base, err := range loc.lookupdErrs {
			failed[lookupdTarget(base)] = err.Error()
		}
		msg += "; not asked: " + joinFailures(failed)
	}
	return sources.Result{Err: msg + "; nothing was changed"}
}

// pause pauses or unpauses a topic or channel on every node that has it.
func (s *Source) pause(ctx context.Context, p sources.NSQPause) sources.Result {
	verb := "pause"
	if p.Unpause {
		verb = "unpause"
	}
	attempt := verb + " " + p.Target()
	if err := checkNames(p.Topic, p.Channel); err != nil {
		return sources.Result{Err: attempt + ": " + err.Error()}
	}
	v := s.view()
	loc := s.locate(ctx, v, p.Topic, p.Channel, false)
	if len(loc.holders) == 0 {
		return s.nowhere(ctx, v, loc, attempt, p.Topic, p.Channel)
	}
	path, q := endpoint(p.Channel, verb), nsqQuery(p.Topic, p.Channel)
	targets := s.lookupdFailures(loc, p.Topic)
	targets = append(targets, s.onHolders(ctx, loc, p.Topic, p.Channel, attempt, func(h holder) (string, error) {
		if err := s.postOne(ctx, "http://"+h.addr, path, q); err != nil {
			return "", err
		}
		if h.paused != p.Unpause {
			return verb + "d (it already was)", nil
		}
		return verb + "d", nil
	})...)
	return sources.Result{Targets: targets}
}

// empty drops the queued messages of a topic or channel on every node that has it.
func (s *Source) empty(ctx context.Context, e sources.NSQEmpty) sources.Result {
	attempt := "empty " + e.Target()
	if err := checkNames(e.Topic, e.Channel); err != nil {
		return sources.Result{Err: attempt + ": " + err.Error()}
	}
	v := s.view()
	loc := s.locate(ctx, v, e.Topic, e.Channel, false)
	if len(loc.holders) == 0 {
		return s.nowhere(ctx, v, loc, attempt, e.Topic, e.Channel)
	}
	path, q := endpoint(e.Channel, "empty"), nsqQuery(e.Topic, e.Channel)
	targets := s.lookupdFailures(loc, e.Topic)
	targets = append(targets, s.onHolders(ctx, loc, e.Topic, e.Channel, attempt, func(h holder) (string, error) {
		if err := s.postOne(ctx, "http://"+h.addr, path, q); err != nil {
			return "", err
		}
		return fmt.Sprintf("emptied (%d queued before)", h.depth), nil
	})...)
	return sources.Result{Targets: targets}
}

// delete deletes a topic or channel as nsqadmin does: the nodes that have
// it are found first (the lookupds forget them next), then it is deleted
// from every lookupd, then from those nodes. A registration in lookupds
// that no node has is deleted too (nsqadmin's inactive topics).
func (s *Source) delete(ctx context.Context, d sources.NSQDelete) sources.Result {
	attempt := "delete " + d.Target()
	if err := checkNames(d.Topic, d.Channel); err != nil {
		return sources.Result{Err: attempt + ": " + err.Error()}
	}
	v := s.view()
	loc := s.locate(ctx, v, d.Topic, d.Channel, false)
	registered := slices.ContainsFunc(s.cfg.Lookupds, func(b string) bool { return loc.registered[b] })
	if len(loc.holders) == 0 && !registered {
		return s.nowhere(ctx, v, loc, attempt, d.Topic, d.Channel)
	}
	path, q := endpoint(d.Channel, "delete"), nsqQuery(d.Topic, d.Channel)

	targets := make([]sources.TargetResult, len(s.cfg.Lookupds))
	s.fanOut(ctx, len(s.cfg.Lookupds), func(i int) {
		base := s.cfg.Lookupds[i]
		t := sources.TargetResult{Target: lookupdTarget(base), Detail: "deleted"}
		err := s.postOne(ctx, base, path, q)
		switch {
		case answered(err, http.StatusNotFound, "CHANNEL_NOT_FOUND"):
			t.Detail = "not registered here"
		case err != nil:
			t.Detail, t.Err = "", attempt+": "+err.Error()
		}
		if lerr, ok := loc.lookupdErrs[base]; ok && t.Err == "" {
			t.Detail, t.Err = "", t.Detail+" here, but "+lookupFailed(d.Topic, lerr)
		}
		targets[i] = t
	})
	targets = append(targets, s.onHolders(ctx, loc, d.Topic, d.Channel, attempt, func(h holder) (string, error) {
		return "deleted", s.postOne(ctx, "http://"+h.addr, path, q)
	})...)
	return sources.Result{Targets: targets}
}

// tombstone tombstones a topic on one node, as nsqadmin does: every
// lookupd marks the node tombstoned for the topic (so consumers stop being
// sent there), then the node deletes the topic. Each lookupd's /nodes is
// read back: nsqlookupd answers OK even when it matched no node.
func (s *Source) tombstone(ctx context.Context, t sources.NSQTombstone) sources.Result {
	attempt := "tombstone topic " + t.Topic + " on nsqd " + t.Node
	if err := checkNames(t.Topic, ""); err != nil {
		return sources.Result{Err: attempt + ": " + err.Error()}
	}
	if len(s.cfg.Lookupds) == 0 {
		return sources.Result{Err: attempt + ": a tombstone is kept by nsqlookupd, and no lookupd is configured; nothing was changed"}
	}
	v := s.view()
	addr, err := s.resolve(ctx, v, t.Node)
	if err != nil {
		return sources.Result{Err: attempt + ": " + err.Error()}
	}
	attempt = "tombstone topic " + t.Topic + " on nsqd " + addr
	// A node that does not answer may be the very one being retired: the
	// lookupds that still list it with the topic take the tombstone all the
	// same, and the node is a failed target.
	st, unasked := s.holding(ctx, addr, t.Topic, "", false)
	if unasked == nil && !st.find(t.Topic, "").ok {
		return sources.Result{Err: fmt.Sprintf("%s: nsqd %s has no topic %s; nothing was changed", attempt, addr, t.Topic)}
	}
	// The node as lookupds know it (broadcast_address:tcp_port), for a
	// node configured under another address.
	var info infoJSON
	self := ""
	if unasked == nil && s.getOne(ctx, "http://"+addr, "/info", &info) == nil {
		self = net.JoinHostPort(info.BroadcastAddress, strconv.Itoa(info.TCPPort))
	}
	isNode := func(p producerJSON) bool {
		return v.addr(p) == addr || net.JoinHostPort(p.BroadcastAddress, strconv.Itoa(p.TCPPort)) == self
	}

	targets := make([]sources.TargetResult, len(s.cfg.Lookupds)+1)
	s.fanOut(ctx, len(s.cfg.Lookupds), func(i int) {
		base := s.cfg.Lookupds[i]
		detail, err := s.tombstoneOn(ctx, base, t.Topic, addr, isNode)
		targets[i] = sources.TargetResult{Target: lookupdTarget(base), Detail: detail}
		if err != nil {
			targets[i] = sources.TargetResult{Target: lookupdTarget(base), Err: attempt + ": " + err.Error()}
		}
	})
	node := sources.TargetResult{Target: nsqdTarget(addr)}
	switch {
	case unasked != nil:
		node.Err = fmt.Sprintf("delete topic %s: not sent: could not ask it whether it has the topic: %v", t.Topic, unasked)
	case slices.ContainsFunc(targets[:len(s.cfg.Lookupds)], func(t sources.TargetResult) bool { return t.Err == "" }):
		if err := s.postOne(ctx, "http://"+addr, "/topic/delete", nsqQuery(t.Topic, "")); err != nil {
			node.Err = "delete topic " + t.Topic + ": " + inWords(err, t.Topic, "")
		} else {
			node.Detail = "deleted topic " + t.Topic
		}
	default:
		// As nsqadmin: without a tombstone, consumers would keep being sent
		// to a node that no longer has the topic.
		node.Detail = "topic " + t.Topic + " not deleted: no lookupd took the tombstone"
	}
	targets[len(targets)-1] = node
	return sources.Result{Targets: targets}
}

// tombstoneOn tombstones topic on one lookupd for node addr, the one
// isNode matches, and reads its /nodes back to see that it did.
func (s *Source) tombstoneOn(ctx context.Context, base, topic, addr string, isNode func(producerJSON) bool) (string, error) {
	find := func() (*producerJSON, error) {
		var l lookupdNodesJSON
		if err := s.getOne(ctx, base, "/nodes", &l); err != nil {
			return nil, fmt.Errorf("could not list its nodes: %w", err)
		}
		for i, p := range l.Producers {
			if isNode(p) {
				return &l.Producers[i], nil
			}
		}
		return nil, nil
	}
	p, err := find()
	if err != nil {
		return "", err
	}
	if p == nil || !slices.Contains(p.Topics, topic) {
		return fmt.Sprintf("does not list topic %s on nsqd %s: nothing to tombstone", topic, addr), nil
	}
	// nsqlookupd compares node with broadcast_address:http_port as it
	// prints them: an IPv6 address goes without brackets.
	node := p.BroadcastAddress + ":" + strconv.Itoa(p.HTTPPort)
	if err := s.postOne(ctx, base, "/topic/tombstone", url.Values{"topic": {topic}, "node": {node}}); err != nil {
		return "", err
	}
	if p, err = find(); err != nil {
		return "", fmt.Errorf("tombstone sent, but %w", err)
	}
	if p != nil {
		if i := slices.Index(p.Topics, topic); i >= 0 && (i >= len(p.Tombstones) || !p.Tombstones[i]) {
			return "", fmt.Errorf("it answered OK, yet lists topic %s on nsqd %s (node %s) not tombstoned", topic, addr, node)
		}
	}
	return "tombstoned", nil
}

// create creates a topic or channel in every lookupd and on the nodes too
// (nsqadmin registers it in lookupd only: #1248): on the node named, else
// on every node the lookupds list and every configured one. nsqd creates a
// channel only in a topic it has, so the topic is created first.
func (s *Source) create(ctx context.Context, c sources.NSQCreate) sources.Result {
	attempt := "create " + c.Target()
	if err := checkNames(c.Topic, c.Channel); err != nil {
		return sources.Result{Err: attempt + ": " + err.Error()}
	}
	v := s.view()
	var (
		nodes  []string
		failed map[string]string // lookupds that could not list their nodes
	)
	if c.Node != "" {
		addr, err := s.resolve(ctx, v, c.Node)
		if err != nil {
			return sources.Result{Err: attempt + ": " + err.Error()}
		}
		nodes = []string{addr}
	} else {
		nodes, failed = s.listNodes(ctx, v)
		if len(nodes) == 0 && len(failed) == len(s.cfg.Lookupds) {
			return sources.Result{Err: attempt + ": no nsqd to create it on: " + joinFailures(failed) + "; nothing was changed"}
		}
	}

	nl := len(s.cfg.Lookupds)
	targets := make([]sources.TargetResult, nl+len(nodes))
	q := nsqQuery(c.Topic, c.Channel)
	s.fanOut(ctx, len(targets), func(i int) {
		var t sources.TargetResult
		if i < nl {
			base := s.cfg.Lookupds[i]
			t = sources.TargetResult{Target: lookupdTarget(base), Detail: "created"}
			if err := s.postOne(ctx, base, endpoint(c.Channel, "create"), q); err != nil {
				t = sources.TargetResult{Target: lookupdTarget(base), Err: attempt + ": " + err.Error()}
			} else if why, ok := failed[lookupdTarget(base)]; ok {
				t.Detail, t.Err = "", "created here, but could not list its nodes: "+why+"; a node only it knows was not asked"
			}
		} else {
			addr := nodes[i-nl]
			t = sources.TargetResult{Target: nsqdTarget(addr)}
			detail, err := s.createOn(ctx, addr, c.Topic, c.Channel)
			if err != nil {
				t.Err = attempt + ": " + inWords(err, c.Topic, c.Channel)
			} else {
				t.Detail = detail
			}
		}
		targets[i] = t
	})
	return sources.Result{Targets: targets}
}

// createOn creates topic (and channel) on one node, saying whether it was
// there already.
func (s *Source) createOn(ctx context.Context, addr, topic, channel string) (string, error) {
	st, err := s.holding(ctx, addr, topic, "", false)
	if err != nil {
		return "", fmt.Errorf("could not ask it whether it has the %s: %w", kindOf(channel), err)
	}
	h := st.find(topic, channel)
	if h.ok {
		return "already there", nil
	}
	base := "http://" + addr
	if !h.topic {
		if err := s.postOne(ctx, base, "/topic/create", nsqQuery(topic, "")); err != nil {
			return "", err
		}
	}
	if channel == "" {
		return "created", nil
	}
	if err := s.postOne(ctx, base, "/channel/create", nsqQuery(topic, channel)); err != nil {
		return "", err
	}
	if !h.topic {
		return "created, with topic " + topic, nil
	}
	return "created", nil
}
