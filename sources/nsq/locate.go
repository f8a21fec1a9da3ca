package nsq

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/topicat/topicat/sources"
)

// Finding the nodes an action or a detail request is for: the ones that
// have a topic or channel, or the one named.

// view is what the source last learnt of the cluster.
type view struct {
	snap *sources.NSQSnapshot // nil before the first poll
	// addrs maps broadcast_address:tcp_port, the key lookupds know a node
	// by, to the address topicat reaches it at (a configured node keeps the
	// address it was configured under).
	addrs map[string]string
}

// view is what the last poll published. It never waits for a poll in
// progress: an action or a page must not stall behind a slow node's /stats.
func (s *Source) view() view {
	if v := s.latest.Load(); v != nil {
		return *v
	}
	return view{addrs: map[string]string{}}
}

// publishView keeps what actions and details need from a poll; it runs
// under s.mu at the end of Poll and shares nothing mutable with the poller.
func (s *Source) publishView(snap *sources.NSQSnapshot) {
	v := view{snap: snap, addrs: map[string]string{}}
	for _, n := range snap.Nodes {
		if n.BroadcastAddress != "" {
			v.addrs[net.JoinHostPort(n.BroadcastAddress, strconv.Itoa(n.TCPPort))] = n.Addr
		}
	}
	for addr, info := range s.state.infos {
		v.addrs[net.JoinHostPort(info.BroadcastAddress, strconv.Itoa(info.TCPPort))] = addr
	}
	s.latest.Store(&v)
}

// addr is the address to reach a node a lookupd lists.
func (v view) addr(p producerJSON) string {
	if a, ok := v.addrs[net.JoinHostPort(p.BroadcastAddress, strconv.Itoa(p.TCPPort))]; ok {
		return a
	}
	return net.JoinHostPort(p.BroadcastAddress, strconv.Itoa(p.HTTPPort))
}

func (v view) node(addr string) *sources.NSQNode {
	if v.snap == nil {
		return nil
	}
	for i := range v.snap.Nodes {
		if v.snap.Nodes[i].Addr == addr {
			return &v.snap.Nodes[i]
		}
	}
	return nil
}

// saw reports whether the snapshot saw topic (and channel) on n; known is
// false when n never answered, so its topics are not known.
func saw(n *sources.NSQNode, topic, channel string) (has, known bool) {
	if n == nil || (!n.Up && n.StartTime.IsZero()) {
		return false, false
	}
	for _, t := range n.Topics {
		if t.Name == topic {
			return channel == "" || slices.ContainsFunc(t.Channels, func(c sources.NSQChannelStats) bool { return c.Name == channel }), true
		}
	}
	return false, true
}

// holder is an nsqd that has the topic (or channel), or may have it and
// could not be asked.
type holder struct {
	addr string
	// err is why asking it failed: nothing was done there.
	err error
	// gone is a node the snapshot has as gone (it left every lookupd): not asked.
	gone    bool
	depth   int64
	paused  bool
	clients []clientJSON // when asked for
}

// location is where a topic or channel is.
type location struct {
	holders []holder // by address
	// lookupdErrs are the lookupds that could not say which nodes have the
	// topic, by URL: a node only they know may be missing from holders.
	lookupdErrs map[string]error
	// registered are the lookupds that have the topic (and channel)
	// registered, whether or not a node has it.
	registered map[string]bool
	// channels are the topic's channels wherever seen, for saying what
	// exists when the channel does not.
	channels  []string
	topicSeen bool
}

// locate finds the nodes that have topic (and channel): the ones the
// lookupds list for the topic, every configured node, and the nodes the
// latest snapshot saw with it (a node that died is no longer listed, and is
// a failure to show, not a node to forget). Each is asked for its own
// /stats of the topic, so an action goes only where the thing is now; with
// clients, for the channel's clients too (and then channels and topicSeen
// say nothing of a node without the channel).
func (s *Source) locate(ctx context.Context, v view, topic, channel string, clients bool) location {
	loc := location{lookupdErrs: map[string]error{}, registered: map[string]bool{}}
	var mu sync.Mutex
	listed := map[string]bool{} // the nodes to ask; true where a lookupd lists it for the topic
	add := func(addr string, byLookupd bool) { listed[addr] = listed[addr] || byLookupd }
	seen := func(names ...string) {
		for _, n := range names {
			if !slices.Contains(loc.channels, n) {
				loc.channels = append(loc.channels, n)
			}
		}
	}

	q := url.Values{"topic": {topic}}.Encode()
	s.fanOut(ctx, len(s.cfg.Lookupds), func(i int) {
		base := s.cfg.Lookupds[i]
		var l lookupJSON
		err := s.getOne(ctx, base, "/lookup?"+q, &l)
		mu.Lock()
		defer mu.Unlock()
		switch {
		case answered(err, http.StatusNotFound, "TOPIC_NOT_FOUND"):
		case err != nil:
			loc.lookupdErrs[base] = err
		default:
			loc.topicSeen = true
			seen(l.Channels...)
			loc.registered[base] = channel == "" || slices.Contains(l.Channels, channel)
			for _, p := range l.Producers {
				add(v.addr(p), true)
			}
		}
	})
	for _, a := range s.cfg.NSQDs {
		add(a, false)
	}
	var gone []string
	if v.snap != nil {
		for _, n := range v.snap.Nodes {
			if ok, _ := saw(&n, topic, channel); !ok {
				continue
			}
			if _, asked := listed[n.Addr]; n.Gone && !asked {
				gone = append(gone, n.Addr)
				continue
			}
			add(n.Addr, false)
		}
	}

	addrs := slices.Collect(maps.Keys(listed))
	found := make([]*holder, len(addrs))
	filter := ""
	if clients {
		filter = channel
	}
	s.fanOut(ctx, len(addrs), func(i int) {
		addr := addrs[i]
		st, err := s.holding(ctx, addr, topic, filter, clients)
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			// A node that did not answer is shown unless the cluster said it
			// has none of it: no lookupd lists it for the topic, and the
			// snapshot saw it without.
			has, known := saw(v.node(addr), topic, channel)
			if listed[addr] || has || !known {
				found[i] = &holder{addr: addr, err: err}
			}
			return
		}
		h := st.find(topic, channel)
		if h.topic {
			loc.topicSeen = true
		}
		seen(h.channels...)
		if h.ok {
			found[i] = &holder{addr: addr, depth: h.depth, paused: h.paused, clients: h.clients}
		}
	})
	for _, h := range found {
		if h != nil {
			loc.holders = append(loc.holders, *h)
		}
	}
	for _, a := range gone {
		loc.holders = append(loc.holders, holder{addr: a, gone: true})
	}
	slices.SortFunc(loc.holders, func(a, b holder) int { return compareAddr(a.addr, b.addr) })
	slices.Sort(loc.channels)
	return loc
}

// held is what a node's /stats has of a topic or channel.
type held struct {
	ok       bool // it has the topic, and the channel when one was asked
	topic    bool // it has the topic
	depth    int64
	paused   bool
	channels []string     // the topic's
	clients  []clientJSON // the channel's, when asked with clients
}

func (h holdingJSON) find(topic, channel string) held {
	var out held
	for _, t := range h.Topics {
		if t.Name != topic {
			continue
		}
		out.topic = true
		if channel == "" {
			out.ok, out.depth, out.paused = true, t.Depth, t.Paused
		}
		for _, c := range t.Channels {
			out.channels = append(out.channels, c.Name)
			if channel != "" && c.Name == channel {
				out.ok, out.depth, out.paused, out.clients = true, c.Depth, c.Paused, c.Clients
			}
		}
	}
	return out
}

// holding asks node addr for its /stats of topic (and channel, when given;
// the answer then lacks the topic where the channel is not), with the
// channel's clients when asked. Nothing is created by asking.
func (s *Source) holding(ctx context.Context, addr, topic, channel string, clients bool) (holdingJSON, error) {
	q := url.Values{"format": {"json"}, "topic": {topic}, "include_clients": {strconv.FormatBool(clients)}, "include_mem": {"false"}}
	if channel != "" {
		q.Set("channel", channel)
	}
	var st holdingJSON
	err := s.getOne(ctx, "http://"+addr, "/stats?"+q.Encode(), &st)
	return st, err
}

// missing says what exists when nothing has topic (or channel): the
// topic's channels, or the topics the latest snapshot or the lookupds know.
func (s *Source) missing(ctx context.Context, v view, loc location, topic, channel string) string {
	what := "topic " + topic
	if channel != "" && loc.topicSeen {
		what = "channel " + topic + "/" + channel
		if len(loc.channels) == 0 {
			return fmt.Sprintf("no nsqd has %s: topic %s has no channels", what, topic)
		}
		return fmt.Sprintf("no nsqd has %s: topic %s has %s", what, topic, nameList("channel", loc.channels))
	}
	var topics []string
	if v.snap != nil {
		for _, t := range v.snap.Topics {
			topics = append(topics, t.Name)
		}
	} else {
		var mu sync.Mutex
		s.fanOut(ctx, len(s.cfg.Lookupds), func(i int) {
			var l lookupdTopicsJSON
			if s.getOne(ctx, s.cfg.Lookupds[i], "/topics", &l) == nil {
				mu.Lock()
				for _, t := range l.Topics {
					if !slices.Contains(topics, t) {
						topics = append(topics, t)
					}
				}
				mu.Unlock()
			}
		})
		slices.Sort(topics)
	}
	msg := "no nsqd has " + what
	switch {
	case len(topics) > 0:
		msg += " (the cluster has " + nameList("topic", topics) + ")"
	case v.snap != nil || len(s.cfg.Lookupds) > 0:
		msg += " (the cluster has no topics)"
	}
	return msg
}

// nameList names things, at most ten: "topics a, b and c".
func nameList(kind string, names []string) string {
	const most = 10
	if len(names) == 1 {
		return kind + " " + names[0]
	}
	shown := names[:min(len(names), most)]
	list := strings.Join(shown[:len(shown)-1], ", ") + " and " + shown[len(shown)-1]
	if len(names) > most {
		list = strings.Join(shown, ", ") + fmt.Sprintf(" and %d more", len(names)-most)
	}
	return kind + "s " + list
}

// resolve checks that addr is a node of this cluster: in the latest
// snapshot, configured, or listed by a lookupd. It answers the address as
// the snapshot has it.
func (s *Source) resolve(ctx context.Context, v view, addr string) (string, error) {
	a, err := normalizeAddr(addr)
	if err != nil {
		return "", fmt.Errorf("%q is not an nsqd address: %v", addr, err)
	}
	if v.node(a) != nil || slices.Contains(s.cfg.NSQDs, a) {
		return a, nil
	}
	nodes, failed := s.listNodes(ctx, v)
	if slices.Contains(nodes, a) {
		return a, nil
	}
	if v.snap != nil {
		for _, n := range v.snap.Nodes {
			if !slices.Contains(nodes, n.Addr) {
				nodes = append(nodes, n.Addr)
			}
		}
	}
	slices.SortFunc(nodes, compareAddr)
	msg := "nsqd " + a + " is not a node of this cluster"
	if len(nodes) > 0 {
		msg += " (it has " + nameList("node", nodes) + ")"
	}
	if len(failed) > 0 {
		msg += "; not asked: " + joinFailures(failed)
	}
	return "", fmt.Errorf("%s", msg)
}

// listNodes are the nodes the lookupds list and the configured ones, by
// address, with the lookupds that could not be asked.
func (s *Source) listNodes(ctx context.Context, v view) ([]string, map[string]string) {
	var (
		mu     sync.Mutex
		nodes  = slices.Clone(s.cfg.NSQDs)
		failed = map[string]string{}
	)
	s.fanOut(ctx, len(s.cfg.Lookupds), func(i int) {
		var l lookupdNodesJSON
		err := s.getOne(ctx, s.cfg.Lookupds[i], "/nodes", &l)
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			failed["lookupd "+s.cfg.Lookupds[i]] = err.Error()
			return
		}
		for _, p := range l.Producers {
			if a := v.addr(p); !slices.Contains(nodes, a) {
				nodes = append(nodes, a)
			}
		}
	})
	slices.SortFunc(nodes, compareAddr)
	return nodes, failed
}

// fanOut runs do(0) … do(n-1) at once, at most the source's MaxConcurrent
// at a time. Once ctx ends the calls left run at once, so that their
// requests fail with ctx's error and say so.
func (s *Source) fanOut(ctx context.Context, n int, do func(i int)) {
	sem := make(chan struct{}, s.cfg.MaxConcurrent)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			if acquire(ctx, sem) == nil {
				defer func() { <-sem }()
			}
			do(i)
		})
	}
	wg.Wait()
}

// getOne is getJSON bounded by the per-request timeout, which a request
// that runs out of it names.
func (s *Source) getOne(ctx context.Context, base, path string, v any) error {
	ctx, cancel := withBudget(ctx, s.cfg.Timeout)
	defer cancel()
	return getJSON(ctx, s.client, base, path, v)
}

// postOne sends an empty POST to base+path?q, bounded by the per-request
// timeout. Errors are plain causes, as getJSON's.
func (s *Source) postOne(ctx context.Context, base, path string, q url.Values) error {
	ctx, cancel := withBudget(ctx, s.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+path+"?"+q.Encode(), http.NoBody)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/vnd.nsq; version=1.0")
	start := time.Now()
	resp, err := s.client.Do(req)
	if err != nil {
		return waitError(ctx, err, time.Since(start))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return statusError(resp.StatusCode, resp.Body)
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
	return nil
}
