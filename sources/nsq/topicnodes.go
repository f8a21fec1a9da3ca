package nsq

import (
	"context"
	"net"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"time"
)

// topicNode is an nsqd that carries a topic.
type topicNode struct {
	http string // host:port of the HTTP API
	// tcp is broadcast_address:tcp_port, where consumers connect; "" when
	// the node's /info did not answer.
	tcp string
	// checked is true when the node's own /stats said it carries the topic
	// (a configured node); a lookupd may lag behind a deletion.
	checked bool
}

// key identifies the node across lookupds and configuration, as nsqadmin does.
func (n topicNode) key() string {
	if n.tcp != "" {
		return n.tcp
	}
	return n.http
}

// topicSearch is what the lookupds and configured nsqd said about a topic.
type topicSearch struct {
	nodes []topicNode // sorted by key
	// failed maps an endpoint ("lookupd http://…", "nsqd host:port") to why
	// it did not answer.
	failed map[string]string
	// complete is true when every endpoint answered, so a node missing from
	// nodes really does not carry the topic (as far as the cluster tells).
	complete bool
}

// lookupJSON is nsqlookupd's /lookup?topic=T.
type lookupJSON struct {
	Channels  []string       `json:"channels"`
	Producers []producerJSON `json:"producers"`
}

// findTopic asks every lookupd (/lookup) and every configured nsqd (/stats
// of that topic) which nodes carry topic. Nothing is created: neither call
// makes a topic exist. infos caches configured nodes' /info by address; it
// may be nil, and is written only once the questions are answered, so the
// caller must not share it with another findTopic running at the same time.
func (s *Source) findTopic(ctx context.Context, topic string, infos map[string]infoJSON) topicSearch {
	var (
		mu     sync.Mutex
		wg     sync.WaitGroup
		found  = map[string]topicNode{}
		failed = map[string]string{}
		fresh  = map[string]infoJSON{}
		sem    = make(chan struct{}, s.cfg.MaxConcurrent)
	)
	fail := func(endpoint string, err error) {
		mu.Lock()
		failed[endpoint] = err.Error()
		mu.Unlock()
	}
	add := func(n topicNode, configured bool) {
		mu.Lock()
		defer mu.Unlock()
		// A configured node keeps the address it was configured under.
		if old, ok := found[n.key()]; ok && !configured {
			n.http, n.checked = old.http, old.checked
		}
		found[n.key()] = n
	}
	q := url.Values{"topic": {topic}}.Encode()
	start := time.Now()

	for _, base := range s.cfg.Lookupds {
		wg.Go(func() {
			if acquire(ctx, sem) != nil {
				fail("lookupd "+base, plainError(ctx.Err(), time.Since(start)))
				return
			}
			defer func() { <-sem }()
			var l lookupJSON
			err := getJSON(ctx, s.client, base, "/lookup?"+q, &l)
			if answered(err, 404, "TOPIC_NOT_FOUND") {
				return
			}
			if err != nil {
				fail("lookupd "+base, err)
				return
			}
			for _, p := range l.Producers {
				add(topicNode{
					http: net.JoinHostPort(p.BroadcastAddress, strconv.Itoa(p.HTTPPort)),
					tcp:  net.JoinHostPort(p.BroadcastAddress, strconv.Itoa(p.TCPPort)),
				}, false)
			}
		})
	}
	for _, addr := range s.cfg.NSQDs {
		wg.Go(func() {
			if acquire(ctx, sem) != nil {
				fail("nsqd "+addr, plainError(ctx.Err(), time.Since(start)))
				return
			}
			defer func() { <-sem }()
			base := "http://" + addr
			st, carries, err := s.topicStats(ctx, addr, topic)
			if err != nil {
				fail("nsqd "+addr, err)
				return
			}
			if !carries {
				return
			}
			info, ok := infos[addr]
			if !ok || info.StartTime != st.StartTime {
				if err := getJSON(ctx, s.client, base, "/info", &info); err != nil {
					// Without /info the node is still a place to publish to;
					// a tail cannot reach it until /info answers.
					add(topicNode{http: addr, checked: true}, true)
					return
				}
				mu.Lock()
				fresh[addr] = info
				mu.Unlock()
			}
			add(topicNode{http: addr, tcp: net.JoinHostPort(info.BroadcastAddress, strconv.Itoa(info.TCPPort)), checked: true}, true)
		})
	}
	wg.Wait()

	if infos != nil {
		for a, info := range fresh {
			infos[a] = info
		}
	}
	r := topicSearch{failed: failed, complete: len(failed) == 0}
	for _, n := range found {
		r.nodes = append(r.nodes, n)
	}
	slices.SortFunc(r.nodes, func(a, b topicNode) int { return compareAddr(a.key(), b.key()) })
	return r
}

// topicStats asks nsqd addr (HTTP) whether it carries topic, without creating it.
func (s *Source) topicStats(ctx context.Context, addr, topic string) (statsJSON, bool, error) {
	var st statsJSON
	q := url.Values{"topic": {topic}}.Encode()
	if err := getJSON(ctx, s.client, "http://"+addr, "/stats?format=json&include_clients=false&include_mem=false&"+q, &st); err != nil {
		return st, false, err
	}
	// nsqd before 1.1 ignores the topic filter: look for it ourselves.
	return st, slices.ContainsFunc(st.Topics, func(t topicJSON) bool { return t.Name == topic }), nil
}
