// Package nsqtest runs small NSQ clusters in-process for tests (real nsqd and
// nsqlookupd through nsqembed) and offers helpers to shape them over nsqd's
// own HTTP API: create topics and channels, publish, pause, consume.
// Everything started is stopped by t.Cleanup.
package nsqtest

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	gonsq "github.com/nsqio/go-nsq"

	"github.com/topicat/topicat/sources/nsq/nsqembed"
)

// WaitTimeout bounds every wait in this package; generous because test
// machines are shared and noisy, and a wait returns as soon as it holds.
const WaitTimeout = 20 * time.Second

// Cluster is a set of in-process nsqlookupd and nsqd, every nsqd registered
// with every lookupd. Its methods are for the test's goroutine.
type Cluster struct {
	t        testing.TB
	lookupds []*lookupd
	nodes    []*node
	conns    *connTracker
	client   *http.Client
}

type lookupd struct {
	l                 *nsqembed.Lookupd
	httpAddr, tcpAddr string
	up                bool
}

type node struct {
	opts              nsqembed.NSQDOptions
	d                 *nsqembed.NSQD
	httpAddr, tcpAddr string
	up                bool
	// relays carry the node's connections to the lookupds. An in-process
	// nsqd (v1.3.0) leaves them open when it stops, so the lookupds would go
	// on listing it; cutting them is what a dying process does.
	relays []*relay
}

// Option changes how NewCluster starts the nsqd.
type Option func(*nsqembed.NSQDOptions)

// MemQueueSize makes topics and channels spill to disk past n messages, so
// backend depth shows.
func MemQueueSize(n int64) Option { return func(o *nsqembed.NSQDOptions) { o.MemQueueSize = n } }

// MaxMsgSize lowers the nsqd's --max-msg-size to n bytes.
func MaxMsgSize(n int64) Option { return func(o *nsqembed.NSQDOptions) { o.MaxMsgSize = n } }

// MsgTimeout makes nsqd deliver a message again after d in flight.
func MsgTimeout(d time.Duration) Option { return func(o *nsqembed.NSQDOptions) { o.MsgTimeout = d } }

// NoE2E turns off the end-to-end latency percentiles (nsqd's default), which
// nsqembed otherwise turns on and which make /stats costly on big nodes.
func NoE2E() Option { return func(o *nsqembed.NSQDOptions) { o.NoE2E = true } }

// BroadcastAddress makes the nsqd register under addr in the lookupds
// (which hand it to consumers and to topicat) instead of 127.0.0.1.
func BroadcastAddress(addr string) Option {
	return func(o *nsqembed.NSQDOptions) { o.BroadcastAddress = addr }
}

// TLSRequired starts the nsqd with --tls-required: its plain HTTP port
// answers 403 TLS_REQUIRED, so the Cluster's own helpers cannot shape it.
func TLSRequired() Option { return func(o *nsqembed.NSQDOptions) { o.TLSRequired = true } }

// TLSCert serves TLS with the given PEM certificate and key (made by the
// test, signed by a CA of its own) instead of a self-signed one; combine
// with TLSRequired to refuse plaintext.
func TLSCert(certFile, keyFile string) Option {
	return func(o *nsqembed.NSQDOptions) { o.TLSCert, o.TLSKey = certFile, keyFile }
}

// AuthServer makes the nsqd ask the auth server at addr (host:port of an
// HTTP server answering GET /auth) about every TCP client's secret.
func AuthServer(addr string) Option {
	return func(o *nsqembed.NSQDOptions) { o.AuthHTTPAddresses = []string{addr} }
}

// OnNode applies opts to nsqd i only.
func OnNode(i int, opts ...Option) Option {
	return func(o *nsqembed.NSQDOptions) {
		// NewCluster numbers the nodes' IDs from 1 before applying options.
		if o.ID == int64(i+1) {
			for _, opt := range opts {
				opt(o)
			}
		}
	}
}

// NewCluster starts the lookupds, then the nsqd, and waits until every lookupd
// lists every nsqd.
func NewCluster(t testing.TB, lookupds, nodes int, opts ...Option) *Cluster {
	t.Helper()
	// Data directories of our own, so that RestartNSQD finds a node's topics
	// again; made first so that they are removed after the nodes stopped.
	dirs := make([]string, nodes)
	for i := range dirs {
		dirs[i] = t.TempDir()
	}
	c := &Cluster{t: t, conns: &connTracker{conns: map[string]map[*trackedConn]bool{}}}
	c.client = &http.Client{Transport: &http.Transport{DialContext: c.conns.dial, MaxIdleConnsPerHost: 16}}
	t.Cleanup(c.close)

	for range lookupds {
		l, err := nsqembed.StartLookupd("127.0.0.1:0", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("nsqtest: %v", err)
		}
		c.lookupds = append(c.lookupds, &lookupd{l: l, httpAddr: l.HTTPAddr(), tcpAddr: l.TCPAddr(), up: true})
	}
	for i := range nodes {
		o := nsqembed.NSQDOptions{ID: int64(i + 1), DataPath: dirs[i]}
		for _, opt := range opts {
			opt(&o)
		}
		n := &node{opts: o}
		c.nodes = append(c.nodes, n)
		c.startNode(n)
	}
	c.WaitRegistered()
	return c
}

func (c *Cluster) startNode(n *node) {
	c.t.Helper()
	c.closeRelays(n) // those of a halted run
	n.opts.Lookupds = nil
	for _, l := range c.lookupds {
		r, err := startRelay(l.tcpAddr)
		if err != nil {
			c.t.Fatalf("nsqtest: %v", err)
		}
		n.relays = append(n.relays, r)
		n.opts.Lookupds = append(n.opts.Lookupds, r.addr())
	}
	d, err := nsqembed.StartNSQD(n.opts)
	if err != nil {
		c.closeRelays(n)
		c.t.Fatalf("nsqtest: %v", err)
	}
	n.d, n.up = d, true
	n.httpAddr, n.tcpAddr = d.HTTPAddr(), d.TCPAddr()
	// Pin the ports so that a restart comes back where it was.
	n.opts.HTTPAddr, n.opts.TCPAddr = n.httpAddr, n.tcpAddr
}

// registeredAddr is the node's HTTP address as the lookupds list it:
// broadcast_address:http_port.
func (n *node) registeredAddr() string {
	_, port, _ := net.SplitHostPort(n.httpAddr)
	return net.JoinHostPort(cmp.Or(n.opts.BroadcastAddress, "127.0.0.1"), port)
}

func (c *Cluster) closeRelays(n *node) {
	for _, r := range n.relays {
		r.close()
	}
	n.relays = nil
}

func (c *Cluster) close() {
	for _, n := range c.nodes {
		if n.up {
			n.d.Close()
		}
		c.closeRelays(n)
	}
	for _, l := range c.lookupds {
		l.l.Close()
	}
	c.client.CloseIdleConnections()
	c.conns.closeAll()
}

// HTTPClient is the client to poll this cluster with. Stopping a node closes
// its connections, as a dying process would: an in-process nsqd or lookupd
// otherwise keeps answering on keep-alive connections after it stopped.
func (c *Cluster) HTTPClient() *http.Client { return c.client }

// LookupdURLs are the lookupds' HTTP APIs as http://host:port.
func (c *Cluster) LookupdURLs() []string {
	var out []string
	for _, l := range c.lookupds {
		out = append(out, "http://"+l.httpAddr)
	}
	return out
}

// HTTPAddr is nsqd i's HTTP API as host:port.
func (c *Cluster) HTTPAddr(i int) string { return c.nodes[i].httpAddr }

// TCPAddr is nsqd i's TCP address.
func (c *Cluster) TCPAddr(i int) string { return c.nodes[i].tcpAddr }

// HTTPSAddr is nsqd i's HTTPS API as host:port; "" unless it runs with TLSRequired.
func (c *Cluster) HTTPSAddr(i int) string { return c.nodes[i].d.HTTPSAddr() }

// RegisterInLookupd registers a topic, or a channel of one when channel is
// not "", in lookupd i only (/topic/create, /channel/create): a registration
// no nsqd produces, as nsqadmin's create form leaves.
func (c *Cluster) RegisterInLookupd(i int, topic, channel string) {
	c.t.Helper()
	l := NSQD{Addr: c.lookupds[i].httpAddr, Client: c.client}
	q := url.Values{"topic": {topic}}
	path := "/topic/create"
	if channel != "" {
		q.Set("channel", channel)
		path = "/channel/create"
	}
	l.Post(c.t, path, q, nil)
}

// StopNSQD stops nsqd i and cuts its connections, as a dying process would;
// the lookupds drop it at once (WaitRegistered waits for that), so a poll
// may see it stop answering after it left them, as a node shut down on
// purpose does. Use HaltNSQD for a node that fails while still listed.
// On a halted node it cuts what HaltNSQD left: the lookupds drop it.
func (c *Cluster) StopNSQD(i int) {
	n := c.nodes[i]
	if n.up {
		n.d.Close()
		n.up = false
	}
	c.closeRelays(n)
	c.conns.closeTo(n.httpAddr)
}

// HaltNSQD stops nsqd i as a host that drops off the network does: it
// answers nothing, and the lookupds go on listing it because its
// connections to them stay open, until StopNSQD(i) cuts them.
func (c *Cluster) HaltNSQD(i int) {
	n := c.nodes[i]
	if !n.up {
		return
	}
	// An in-process nsqd leaves its lookupd connections (the relays) open
	// when it exits.
	n.d.Close()
	n.up = false
	c.conns.closeTo(n.httpAddr)
}

// DecommissionNSQD takes nsqd i out as an operator retiring it: it leaves
// every lookupd first, and stops answering only once none lists it.
func (c *Cluster) DecommissionNSQD(i int) {
	c.t.Helper()
	n := c.nodes[i]
	c.closeRelays(n)
	c.WaitLookupds("nsqd "+n.httpAddr+" to leave every lookupd", func(ps []Producer) bool {
		return !slices.ContainsFunc(ps, func(p Producer) bool { return p.HTTPPort == c.httpPort(i) })
	})
	c.StopNSQD(i)
}

func (c *Cluster) httpPort(i int) int {
	_, p, _ := net.SplitHostPort(c.nodes[i].httpAddr)
	port, _ := strconv.Atoi(p)
	return port
}

// RestartNSQD starts nsqd i again on the same ports and data directory (its
// topics and channels come back, its counters start from zero) and waits
// until every running lookupd lists it.
func (c *Cluster) RestartNSQD(i int) {
	c.t.Helper()
	c.StopNSQD(i)
	c.startNode(c.nodes[i])
	c.WaitRegistered()
}

// StopLookupd stops lookupd i.
func (c *Cluster) StopLookupd(i int) {
	l := c.lookupds[i]
	if !l.up {
		return
	}
	l.l.Close()
	l.up = false
	c.conns.closeTo(l.httpAddr)
}

// RestartLookupd starts a stopped lookupd i again on the same ports, with
// no registrations: each nsqd registers again at its next heartbeat (nsqd
// pings its lookupds every 15s).
func (c *Cluster) RestartLookupd(i int) {
	c.t.Helper()
	l := c.lookupds[i]
	if l.up {
		return
	}
	nl, err := nsqembed.StartLookupd(l.tcpAddr, l.httpAddr)
	if err != nil {
		c.t.Fatalf("nsqtest: restart lookupd %d: %v", i, err)
	}
	l.l, l.up = nl, true
}

// Producer is one node as lookupd's /nodes lists it.
type Producer struct {
	BroadcastAddress string   `json:"broadcast_address"`
	TCPPort          int      `json:"tcp_port"`
	HTTPPort         int      `json:"http_port"`
	Topics           []string `json:"topics"`
	Tombstones       []bool   `json:"tombstones"`
}

// HTTPAddr is broadcast_address:http_port.
func (p Producer) HTTPAddr() string {
	return net.JoinHostPort(p.BroadcastAddress, fmt.Sprint(p.HTTPPort))
}

// LookupdNodes is lookupd i's /nodes.
func (c *Cluster) LookupdNodes(i int) ([]Producer, error) {
	var v struct {
		Producers []Producer `json:"producers"`
	}
	err := getJSON(c.client, "http://"+c.lookupds[i].httpAddr+"/nodes", &v)
	return v.Producers, err
}

// WaitLookupds waits until cond holds for the /nodes of every running lookupd.
func (c *Cluster) WaitLookupds(what string, cond func(producers []Producer) bool) {
	c.t.Helper()
	WaitFor(c.t, what, func() bool {
		for i, l := range c.lookupds {
			if !l.up {
				continue
			}
			ps, err := c.LookupdNodes(i)
			if err != nil || !cond(ps) {
				return false
			}
		}
		return true
	})
}

// WaitRegistered waits until every running lookupd lists exactly the running nsqd.
func (c *Cluster) WaitRegistered() {
	c.t.Helper()
	want := map[string]bool{}
	for _, n := range c.nodes {
		if n.up {
			want[n.registeredAddr()] = true
		}
	}
	c.WaitLookupds("every nsqd registered in every lookupd", func(ps []Producer) bool {
		if len(ps) != len(want) {
			return false
		}
		for _, p := range ps {
			if !want[p.HTTPAddr()] {
				return false
			}
		}
		return true
	})
}

// WaitTopic waits until every running lookupd lists topic on each of the given nodes.
func (c *Cluster) WaitTopic(topic string, nodes ...int) {
	c.t.Helper()
	c.WaitLookupds("topic "+topic+" registered", func(ps []Producer) bool {
		for _, i := range nodes {
			found := false
			for _, p := range ps {
				if p.HTTPAddr() == c.nodes[i].registeredAddr() {
					for _, t := range p.Topics {
						found = found || t == topic
					}
				}
			}
			if !found {
				return false
			}
		}
		return true
	})
}

// NSQD is nsqd i, to shape and read through its HTTP API.
func (c *Cluster) NSQD(i int) NSQD { return NSQD{Addr: c.nodes[i].httpAddr, Client: c.client} }

// CreateTopic creates a topic on nsqd i.
func (c *Cluster) CreateTopic(i int, topic string) { c.t.Helper(); c.NSQD(i).CreateTopic(c.t, topic) }

// CreateChannel creates a topic and a channel on it on nsqd i.
func (c *Cluster) CreateChannel(i int, topic, channel string) {
	c.t.Helper()
	c.NSQD(i).CreateChannel(c.t, topic, channel)
}

// Publish publishes messages to a topic on nsqd i.
func (c *Cluster) Publish(i int, topic string, msgs ...string) {
	c.t.Helper()
	c.NSQD(i).Publish(c.t, topic, msgs...)
}

// PauseChannel pauses a channel on nsqd i.
func (c *Cluster) PauseChannel(i int, topic, channel string) {
	c.t.Helper()
	c.NSQD(i).Post(c.t, "/channel/pause", url.Values{"topic": {topic}, "channel": {channel}}, nil)
}

// PauseTopic pauses a topic on nsqd i.
func (c *Cluster) PauseTopic(i int, topic string) {
	c.t.Helper()
	c.NSQD(i).Post(c.t, "/topic/pause", url.Values{"topic": {topic}}, nil)
}

// Stats reads /stats of nsqd i.
func (c *Cluster) Stats(i int) Stats { c.t.Helper(); return c.NSQD(i).Stats(c.t) }

// Populate creates the same topics ("topic-000"…) with the same channels
// ("channel-0"…) on every running nsqd and publishes messages to each topic
// on each node, many nodes and topics at a time: the shape of a big cluster, quickly.
func (c *Cluster) Populate(topics, channels, messages int) {
	c.t.Helper()
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
		sem  = make(chan struct{}, 16)
	)
	for i, nd := range c.nodes {
		if !nd.up {
			continue
		}
		n := c.NSQD(i)
		for ti := range topics {
			topic := fmt.Sprintf("topic-%03d", ti)
			wg.Go(func() {
				sem <- struct{}{}
				defer func() { <-sem }()
				// In this order: a message is only copied to channels that exist.
				err := n.post("/topic/create", url.Values{"topic": {topic}}, nil)
				for ci := 0; ci < channels && err == nil; ci++ {
					err = n.post("/channel/create", url.Values{"topic": {topic}, "channel": {fmt.Sprintf("channel-%d", ci)}}, nil)
				}
				if err == nil && messages > 0 {
					err = n.post("/mpub", url.Values{"topic": {topic}}, []byte(strings.Join(Messages(messages), "\n")))
				}
				if err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			})
		}
	}
	wg.Wait()
	if len(errs) > 0 {
		c.t.Fatalf("nsqtest: populate: %d topics failed, first: %v", len(errs), errs[0])
	}
}

// Consume subscribes a go-nsq consumer to topic/channel on every running nsqd;
// see ConsumeOn.
func (c *Cluster) Consume(topic, channel string, h gonsq.Handler) *gonsq.Consumer {
	c.t.Helper()
	var nodes []int
	for i, n := range c.nodes {
		if n.up {
			nodes = append(nodes, i)
		}
	}
	return c.ConsumeOn(nodes, topic, channel, h)
}

// ConsumeOn subscribes a go-nsq consumer to topic/channel on the given nsqd,
// directly (no lookupd polling), which creates the topic and the channel
// there; it waits until each node counts it as a client, and stops it at
// cleanup. MaxInFlight is the number of nodes, so each connection gets a
// ready count of one.
func (c *Cluster) ConsumeOn(nodes []int, topic, channel string, h gonsq.Handler) *gonsq.Consumer {
	c.t.Helper()
	var addrs, httpAddrs []string
	for _, i := range nodes {
		addrs = append(addrs, c.nodes[i].tcpAddr)
		httpAddrs = append(httpAddrs, c.nodes[i].httpAddr)
	}
	cfg := gonsq.NewConfig()
	cfg.MaxInFlight = max(1, len(addrs))
	cons, err := gonsq.NewConsumer(topic, channel, cfg)
	if err != nil {
		c.t.Fatalf("nsqtest: consumer %s/%s: %v", topic, channel, err)
	}
	cons.SetLogger(log.New(io.Discard, "", 0), gonsq.LogLevelError)
	cons.AddHandler(h)
	c.t.Cleanup(func() {
		if r, ok := h.(interface{ Release() }); ok {
			r.Release()
		}
		cons.Stop()
		<-cons.StopChan
	})
	if err := cons.ConnectToNSQDs(addrs); err != nil {
		c.t.Fatalf("nsqtest: consumer %s/%s: connect: %v", topic, channel, err)
	}
	for _, a := range httpAddrs {
		WaitFor(c.t, "consumer on "+topic+"/"+channel+" at "+a, func() bool {
			ch, ok := NSQD{Addr: a, Client: c.client}.FindChannel(c.t, topic, channel)
			return ok && ch.ClientCount > 0
		})
	}
	return cons
}

// Producer is a go-nsq producer on nsqd i's TCP port, independent of
// topicat's code, stopped at cleanup.
func (c *Cluster) Producer(i int) *gonsq.Producer {
	c.t.Helper()
	p, err := gonsq.NewProducer(c.nodes[i].tcpAddr, gonsq.NewConfig())
	if err != nil {
		c.t.Fatalf("nsqtest: producer for %s: %v", c.nodes[i].tcpAddr, err)
	}
	p.SetLogger(log.New(io.Discard, "", 0), gonsq.LogLevelError)
	c.t.Cleanup(p.Stop)
	return p
}

// HasTopic reports whether nsqd i carries topic.
func (c *Cluster) HasTopic(i int, topic string) bool {
	c.t.Helper()
	for _, tp := range c.Stats(i).Topics {
		if tp.Name == topic {
			return true
		}
	}
	return false
}

// Received is a message as a Collector got it.
type Received struct {
	Body     string
	Node     string // the nsqd's TCP address
	Attempts uint16
}

// Collector is a handler that finishes and keeps every message.
type Collector struct {
	mu   sync.Mutex
	msgs []Received
}

// Collect makes a Collector.
func Collect() *Collector { return &Collector{} }

// HandleMessage keeps the message.
func (c *Collector) HandleMessage(m *gonsq.Message) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.msgs = append(c.msgs, Received{Body: string(m.Body), Node: m.NSQDAddress, Attempts: m.Attempts})
	return nil
}

// Messages are the messages received so far.
func (c *Collector) Messages() []Received {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Received(nil), c.msgs...)
}

// Wait waits until n messages have arrived and returns them.
func (c *Collector) Wait(t testing.TB, n int) []Received {
	t.Helper()
	WaitFor(t, fmt.Sprintf("%d messages", n), func() bool { return len(c.Messages()) >= n })
	return c.Messages()
}

// Holder is a handler that keeps every message in flight (until nsqd's
// message timeout, a minute by default), so that in-flight counts stay put.
type Holder struct {
	mu       sync.Mutex
	msgs     []*gonsq.Message
	released bool
}

// Hold makes a Holder. Consume releases it before stopping the consumer,
// which otherwise waits for the held messages.
func Hold() *Holder { return &Holder{} }

// HandleMessage keeps the message, or finishes it once released.
func (h *Holder) HandleMessage(m *gonsq.Message) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.released {
		m.DisableAutoResponse()
		h.msgs = append(h.msgs, m)
	}
	return nil
}

// Release finishes every message held, and from then on every message at once.
func (h *Holder) Release() {
	h.mu.Lock()
	msgs := h.msgs
	h.msgs, h.released = nil, true
	h.mu.Unlock()
	for _, m := range msgs {
		m.Finish()
	}
}

// Finish is a handler that finishes every message at once.
func Finish() gonsq.Handler {
	return gonsq.HandlerFunc(func(*gonsq.Message) error { return nil })
}

// NSQD is one nsqd's HTTP API.
type NSQD struct {
	Addr string // host:port
	// Client should drop its connections when the node stops (Cluster's
	// does); nil means http.DefaultClient, fine for a node that never stops.
	Client *http.Client
}

func (n NSQD) client() *http.Client {
	if n.Client == nil {
		return http.DefaultClient
	}
	return n.Client
}

// CreateTopic creates a topic.
func (n NSQD) CreateTopic(t testing.TB, topic string) {
	t.Helper()
	n.Post(t, "/topic/create", url.Values{"topic": {topic}}, nil)
}

// CreateChannel creates a topic, then a channel on it.
func (n NSQD) CreateChannel(t testing.TB, topic, channel string) {
	t.Helper()
	n.CreateTopic(t, topic)
	n.Post(t, "/channel/create", url.Values{"topic": {topic}, "channel": {channel}}, nil)
}

// Publish publishes messages (which must not contain newlines) to a topic:
// one with /pub, more with one /mpub. It returns once nsqd has copied them
// into every channel of the topic, which it does in its own goroutine: a poll
// right after a publish would otherwise see channel figures still rising.
func (n NSQD) Publish(t testing.TB, topic string, msgs ...string) {
	t.Helper()
	if len(msgs) == 0 {
		return
	}
	before := map[string]uint64{}
	for _, tp := range n.Stats(t).Topics {
		if tp.Name == topic {
			for _, c := range tp.Channels {
				before[c.Name] = c.MessageCount
			}
		}
	}
	if len(msgs) == 1 {
		n.Post(t, "/pub", url.Values{"topic": {topic}}, []byte(msgs[0]))
	} else {
		n.Post(t, "/mpub", url.Values{"topic": {topic}}, []byte(strings.Join(msgs, "\n")))
	}
	want := uint64(len(msgs))
	WaitFor(t, "topic "+topic+" on "+n.Addr+" to copy its messages into its channels", func() bool {
		for _, tp := range n.Stats(t).Topics {
			if tp.Name != topic {
				continue
			}
			if tp.Paused { // a paused topic copies nothing until unpaused
				return true
			}
			for _, c := range tp.Channels {
				// A channel's message count rises as nsqd puts a message into it:
				// the topic's depth falls a moment before the last copy lands.
				if b, ok := before[c.Name]; ok && c.MessageCount < b+want {
					return false
				}
			}
			return tp.Depth == 0 || len(tp.Channels) == 0
		}
		return false
	})
}

// Post sends a POST and fails the test unless it answers 200.
func (n NSQD) Post(t testing.TB, path string, q url.Values, body []byte) {
	t.Helper()
	if err := n.post(path, q, body); err != nil {
		t.Fatalf("nsqtest: %v", err)
	}
}

func (n NSQD) post(path string, q url.Values, body []byte) error {
	u := "http://" + n.Addr + path + "?" + q.Encode()
	resp, err := n.client().Post(u, "application/octet-stream", bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("POST %s: %w", u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("POST %s: HTTP %d: %s", u, resp.StatusCode, b)
	}
	return nil
}

// Stats reads /stats (without clients).
func (n NSQD) Stats(t testing.TB) Stats {
	t.Helper()
	var s Stats
	if err := getJSON(n.client(), "http://"+n.Addr+"/stats?format=json&include_clients=false", &s); err != nil {
		t.Fatalf("nsqtest: stats of %s: %v", n.Addr, err)
	}
	return s
}

// FindChannel finds one channel in /stats.
func (n NSQD) FindChannel(t testing.TB, topic, channel string) (ChannelStats, bool) {
	t.Helper()
	for _, tp := range n.Stats(t).Topics {
		if tp.Name != topic {
			continue
		}
		for _, ch := range tp.Channels {
			if ch.Name == channel {
				return ch, true
			}
		}
	}
	return ChannelStats{}, false
}

// Messages makes n distinct messages.
func Messages(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("message %d", i)
	}
	return out
}

// Stats is the part of nsqd's /stats that tests compare against.
type Stats struct {
	StartTime int64        `json:"start_time"`
	Topics    []TopicStats `json:"topics"`
}

// TopicStats is one topic in nsqd's /stats.
type TopicStats struct {
	Name         string         `json:"topic_name"`
	Depth        int64          `json:"depth"`
	BackendDepth int64          `json:"backend_depth"`
	MessageCount uint64         `json:"message_count"`
	Paused       bool           `json:"paused"`
	Channels     []ChannelStats `json:"channels"`
}

// ChannelStats is one channel in nsqd's /stats.
type ChannelStats struct {
	Name          string `json:"channel_name"`
	Depth         int64  `json:"depth"`
	BackendDepth  int64  `json:"backend_depth"`
	InFlightCount int64  `json:"in_flight_count"`
	DeferredCount int64  `json:"deferred_count"`
	MessageCount  uint64 `json:"message_count"`
	RequeueCount  uint64 `json:"requeue_count"`
	TimeoutCount  uint64 `json:"timeout_count"`
	ClientCount   int    `json:"client_count"`
	Paused        bool   `json:"paused"`
}

// WaitFor polls cond until it holds, failing the test after WaitTimeout.
func WaitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(WaitTimeout)
	for delay := time.Millisecond; !cond(); delay = min(2*delay, 50*time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("nsqtest: gave up after %s waiting for %s", WaitTimeout, what)
		}
		time.Sleep(delay)
	}
}

func getJSON(client *http.Client, u string, v any) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: HTTP %d", u, resp.StatusCode)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

// connTracker remembers the client connections by remote address, so that
// stopping an in-process server can close them.
type connTracker struct {
	mu    sync.Mutex
	conns map[string]map[*trackedConn]bool
}

type trackedConn struct {
	net.Conn
	tr   *connTracker
	addr string
	once sync.Once
}

func (c *trackedConn) Close() error {
	c.once.Do(func() {
		c.tr.mu.Lock()
		delete(c.tr.conns[c.addr], c)
		c.tr.mu.Unlock()
	})
	return c.Conn.Close()
}

func (tr *connTracker) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	tc := &trackedConn{Conn: conn, tr: tr, addr: addr}
	tr.mu.Lock()
	if tr.conns[addr] == nil {
		tr.conns[addr] = map[*trackedConn]bool{}
	}
	tr.conns[addr][tc] = true
	tr.mu.Unlock()
	return tc, nil
}

func (tr *connTracker) closeTo(addr string) {
	tr.mu.Lock()
	var cs []*trackedConn
	for c := range tr.conns[addr] {
		cs = append(cs, c)
	}
	tr.mu.Unlock()
	for _, c := range cs {
		c.Close()
	}
}

func (tr *connTracker) closeAll() {
	tr.mu.Lock()
	var addrs []string
	for a := range tr.conns {
		addrs = append(addrs, a)
	}
	tr.mu.Unlock()
	for _, a := range addrs {
		tr.closeTo(a)
	}
}

// relay forwards TCP connections from a port of its own to target, and cuts
// them all on close.
type relay struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	conns  map[net.Conn]bool
	closed bool
	wg     sync.WaitGroup
}

func startRelay(target string) (*relay, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("relay to %s: %w", target, err)
	}
	r := &relay{ln: ln, target: target, conns: map[net.Conn]bool{}}
	r.wg.Go(r.serve)
	return r, nil
}

func (r *relay) addr() string { return r.ln.Addr().String() }

func (r *relay) serve() {
	for {
		in, err := r.ln.Accept()
		if err != nil {
			return
		}
		out, err := net.DialTimeout("tcp", r.target, 5*time.Second)
		if err != nil || !r.track(in, out) {
			in.Close()
			if out != nil {
				out.Close()
			}
			continue
		}
		pipe := func(dst, src net.Conn) {
			io.Copy(dst, src)
			dst.Close()
			src.Close()
		}
		r.wg.Go(func() { pipe(out, in) })
		r.wg.Go(func() { pipe(in, out) })
	}
}

func (r *relay) track(cs ...net.Conn) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return false
	}
	for _, c := range cs {
		r.conns[c] = true
	}
	return true
}

func (r *relay) close() {
	r.ln.Close()
	r.mu.Lock()
	r.closed = true
	for c := range r.conns {
		c.Close()
	}
	r.mu.Unlock()
	r.wg.Wait()
}
