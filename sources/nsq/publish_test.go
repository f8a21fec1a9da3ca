package nsq_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/sources/nsq"
	"github.com/topicat/topicat/sources/nsq/nsqtest"
)

func produce(topic string, values ...string) sources.Produce {
	p := sources.Produce{Topic: topic}
	for _, v := range values {
		p.Messages = append(p.Messages, sources.Message{Value: []byte(v), Partition: sources.AnyPartition})
	}
	return p
}

func do(t testing.TB, src *nsq.Source, body sources.Body) sources.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), nsqtest.WaitTimeout)
	defer cancel()
	res := src.Do(ctx, sources.Request{ID: 42, Body: body})
	if res.Request.ID != 42 || res.Request.Body == nil {
		t.Errorf("result carries request %+v, want the one sent", res.Request)
	}
	return res
}

// delivered checks that every message went to the node, and says so.
func delivered(t testing.TB, res sources.Result, n int, node string) {
	t.Helper()
	if res.Err != "" || res.Failed() {
		t.Fatalf("publish failed: %+v", res)
	}
	ds, ok := res.Data.([]sources.Delivery)
	if !ok || len(ds) != n || len(res.Targets) != n {
		t.Fatalf("result %+v, want %d deliveries and targets", res, n)
	}
	for i, d := range ds {
		want := sources.TargetResult{Target: "message " + strconv.Itoa(i+1), Detail: "OK from nsqd " + node}
		if d != (sources.Delivery{Partition: -1, Offset: -1, Node: node}) || !strings.HasPrefix(res.Targets[i].Detail, want.Detail) ||
			res.Targets[i].Target != want.Target || res.Targets[i].Err != "" {
			t.Errorf("message %d: delivery %+v, target %+v, want %+v", i+1, d, res.Targets[i], want)
		}
	}
}

func receivedBodies(rs []nsqtest.Received) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Body)
	}
	slices.Sort(out)
	return out
}

// Messages published through the source reach an independent consumer on a
// real channel exactly as sent; deferred ones wait in nsqd first.
func TestPublish(t *testing.T) {
	c := nsqtest.NewCluster(t, 1, 1)
	got := nsqtest.Collect()
	c.ConsumeOn([]int{0}, "orders", "real", got)
	c.WaitTopic("orders", 0)
	modes := map[string]nsq.Config{
		"lookupd": {Lookupds: c.LookupdURLs()},
		"nsqd":    {NSQDs: []string{c.HTTPAddr(0)}},
	}
	tests := []struct {
		name    string
		values  []string
		deferBy time.Duration
	}{
		{"one", []string{"hello"}, 0},
		// Several go in one binary /mpub: newlines and any byte are fine.
		{"several", []string{"line 1\nline 2", "\x00\xff binary", strings.Repeat("x", 100_000), "last"}, 0},
		{"deferred", []string{"later 1", "later 2"}, 2 * time.Second},
	}
	seen := 0
	for _, mode := range []string{"lookupd", "nsqd"} {
		src := newSource(t, c, modes[mode])
		for _, tc := range tests {
			t.Run(mode+"/"+tc.name, func(t *testing.T) {
				values := make([]string, len(tc.values))
				for i, v := range tc.values {
					values[i] = mode + " " + v
				}
				p := produce("orders", values...)
				p.Defer = tc.deferBy
				delivered(t, do(t, src, p), len(values), c.HTTPAddr(0))
				if tc.deferBy > 0 {
					nsqtest.WaitFor(t, "the messages deferred in nsqd", func() bool {
						ch, _ := c.NSQD(0).FindChannel(t, "orders", "real")
						return ch.DeferredCount == int64(len(values))
					})
				}
				seen += len(values)
				rs := got.Wait(t, seen)
				if len(rs) != seen {
					t.Fatalf("%d messages received, want %d", len(rs), seen)
				}
				slices.Sort(values)
				if b := receivedBodies(rs[seen-len(values):]); !slices.Equal(b, values) {
					t.Errorf("received %q\nwant %q", b, values)
				}
			})
		}
	}
}

// Consecutive requests go round the nodes that carry the topic; a node
// without it is not used.
func TestPublishRoundRobin(t *testing.T) {
	c := nsqtest.NewCluster(t, 1, 4)
	for i := range 3 {
		c.CreateTopic(i, "orders")
	}
	c.WaitTopic("orders", 0, 1, 2)
	src := newSource(t, c, nsq.Config{Lookupds: c.LookupdURLs()})
	var nodes []string
	for i := range 6 {
		res := do(t, src, produce("orders", fmt.Sprint("message ", i), "and another"))
		ds := res.Data.([]sources.Delivery)
		delivered(t, res, 2, ds[0].Node)
		nodes = append(nodes, ds[0].Node)
	}
	for i := range 3 {
		if nodes[i] != nodes[i+3] || nodes[i] == nodes[(i+1)%3] {
			t.Errorf("requests went to %v, want three nodes in turn", nodes)
			break
		}
	}
	slices.Sort(nodes)
	want := []string{c.HTTPAddr(0), c.HTTPAddr(0), c.HTTPAddr(1), c.HTTPAddr(1), c.HTTPAddr(2), c.HTTPAddr(2)}
	slices.SortFunc(want, strings.Compare)
	if !slices.Equal(nodes, want) {
		t.Errorf("requests went to %v, want each of nodes 0-2 twice", nodes)
	}
	if c.HasTopic(3, "orders") {
		t.Errorf("node 3, without the topic, got messages")
	}
}

// A topic no node carries is refused, unless the request asks to create it:
// then the publish creates it on the first node that answers, and says so.
func TestPublishCreatesTopic(t *testing.T) {
	c := nsqtest.NewCluster(t, 1, 2)
	tests := []struct {
		name  string
		cfg   nsq.Config
		topic string
		node  int
	}{
		{"lookupd", nsq.Config{Lookupds: c.LookupdURLs()}, "new-by-lookupd", -1},
		{"nsqd", nsq.Config{NSQDs: []string{c.HTTPAddr(1), c.HTTPAddr(0)}}, "new-by-nsqd", 1},
		{"first nsqd down", nsq.Config{NSQDs: []string{"127.0.0.1:1", c.HTTPAddr(0)}}, "new-past-a-dead-node", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := newSource(t, c, tc.cfg)
			// Not asked to create it: refused, and no node has it.
			if res := do(t, src, produce(tc.topic, "first")); !strings.Contains(res.Err, "does not exist on any nsqd") || c.HasTopic(0, tc.topic) || c.HasTopic(1, tc.topic) {
				t.Fatalf("an unknown topic without CreateTopic: %+v", res)
			}
			p := produce(tc.topic, "first")
			p.CreateTopic = true
			res := do(t, src, p)
			ds, _ := res.Data.([]sources.Delivery)
			if res.Failed() || len(ds) != 1 {
				t.Fatalf("result %+v", res)
			}
			node := slices.Index([]string{c.HTTPAddr(0), c.HTTPAddr(1)}, ds[0].Node)
			if node < 0 || (tc.node >= 0 && node != tc.node) {
				t.Fatalf("published to %s, want node %d", ds[0].Node, tc.node)
			}
			want := "OK from nsqd " + ds[0].Node + "; topic " + tc.topic + " created there by this publish: no nsqd had it"
			if tc.name == "first nsqd down" {
				want = "OK from nsqd " + ds[0].Node + "; topic " + tc.topic +
					" created there by this publish: no nsqd that answered had it (nsqd 127.0.0.1:1: connection refused)"
			}
			if res.Targets[0].Detail != want {
				t.Errorf("detail\n got %q\nwant %q", res.Targets[0].Detail, want)
			}
			if !c.HasTopic(node, tc.topic) || c.HasTopic(1-node, tc.topic) {
				t.Errorf("topic on node 0: %v, node 1: %v; want only on node %d", c.HasTopic(0, tc.topic), c.HasTopic(1, tc.topic), node)
			}
		})
	}
}

// What NSQ has no room for is refused before anything is sent.
func TestPublishRefused(t *testing.T) {
	c := nsqtest.NewCluster(t, 1, 1)
	c.CreateTopic(0, "orders")
	c.WaitTopic("orders", 0)
	src := newSource(t, c, nsq.Config{Lookupds: c.LookupdURLs()})
	const refused = "refused before sending anything: "
	with := func(change func(*sources.Produce)) sources.Produce {
		p := produce("orders", "a", "b", "c")
		change(&p)
		return p
	}
	tests := []struct {
		name string
		body sources.Produce
		want string
	}{
		{"key", with(func(p *sources.Produce) { p.Messages[1].Key = []byte("k") }),
			"message 2 has a key, and NSQ messages have none: a body only"},
		{"headers", with(func(p *sources.Produce) { p.Messages[0].Headers = []sources.Header{{Key: "h", Value: []byte("v")}} }),
			"message 1 has headers, and NSQ messages have none: a body only"},
		{"partition", with(func(p *sources.Produce) { p.Messages[2].Partition = 0 }),
			"message 3 is for partition 0, and NSQ topics have no partitions"},
		{"empty", with(func(p *sources.Produce) { p.Messages[1].Value = nil }),
			"message 2 is empty, and nsqd refuses empty messages (MSG_EMPTY)"},
		{"several", with(func(p *sources.Produce) { p.Messages[0].Value, p.Messages[2].Key = nil, []byte("k") }),
			"message 1 is empty, and nsqd refuses empty messages (MSG_EMPTY) (and 1 more like it)"},
		{"compression", with(func(p *sources.Produce) { p.Compression = "gzip" }),
			`compression "gzip" is a Kafka setting: NSQ publishes each message as it is (leave it at none)`},
		{"acks", with(func(p *sources.Produce) { p.Acks = "leader" }),
			`acks "leader" is a Kafka setting: nsqd answers once it has taken the message (leave it at all)`},
		{"negative defer", with(func(p *sources.Produce) { p.Defer = -time.Second }), "a defer of -1s is negative"},
		{"no messages", sources.Produce{Topic: "orders"}, "nothing to publish: the request has no messages"},
		{"bad topic", produce("orders!", "a"),
			`"orders!" is not an NSQ topic name: 1 to 64 of a-z A-Z 0-9 . _ - (optionally ending in #ephemeral)`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := do(t, src, tc.body)
			if res.Err != refused+tc.want || len(res.Targets) != 0 || res.Data != nil {
				t.Errorf("result %+v\nwant Err %q", res, refused+tc.want)
			}
		})
	}
	// Allowed: Kafka's defaults spelled out, and an empty key.
	ok := produce("orders", "a")
	ok.Compression, ok.Acks, ok.Messages[0].Key = "none", "all", []byte{}
	delivered(t, do(t, src, &ok), 1, c.HTTPAddr(0))
	if n := c.Stats(0).Topics; len(n) != 1 || n[0].MessageCount != 1 {
		t.Errorf("topics %+v, want orders with the one message allowed", n)
	}
}

// A message over nsqd's --max-msg-size fails with both sizes; the others
// of its request still go through.
func TestPublishTooBig(t *testing.T) {
	c := nsqtest.NewCluster(t, 1, 1, nsqtest.MaxMsgSize(1024))
	got := nsqtest.Collect()
	c.ConsumeOn([]int{0}, "orders", "real", got)
	src := newSource(t, c, nsq.Config{NSQDs: []string{c.HTTPAddr(0)}})
	node := c.HTTPAddr(0)
	tooBig := "message of 2000 bytes is over nsqd " + node + "'s --max-msg-size of 1024 bytes"

	res := do(t, src, produce("orders", strings.Repeat("x", 2000)))
	if res.Err != "" || len(res.Targets) != 1 || res.Targets[0].Err != tooBig || res.Targets[0].Detail != tooBig ||
		res.Data.([]sources.Delivery)[0] != (sources.Delivery{Partition: -1, Offset: -1, Err: tooBig}) {
		t.Errorf("result %+v\nwant message 1 failed with %q", res, tooBig)
	}

	res = do(t, src, produce("orders", "small 1", strings.Repeat("y", 2000), strings.Repeat("z", 1024)))
	if res.Err != "" || len(res.Targets) != 3 || res.Targets[1].Err != tooBig ||
		res.Targets[0].Err != "" || res.Targets[2].Err != "" || res.Targets[2].Detail != "OK from nsqd "+node {
		t.Errorf("result %+v\nwant message 2 failed with %q, the others OK", res, tooBig)
	}
	want := []string{"small 1", strings.Repeat("z", 1024)}
	if b := receivedBodies(got.Wait(t, 2)); !slices.Equal(b, want) {
		t.Errorf("received %d messages, want the two that fit", len(b))
	}
}

// A defer over nsqd's --max-req-timeout fails the request, saying both.
func TestPublishDeferTooLong(t *testing.T) {
	c := nsqtest.NewCluster(t, 0, 1)
	c.CreateTopic(0, "orders")
	src := newSource(t, c, nsq.Config{NSQDs: []string{c.HTTPAddr(0)}})
	p := produce("orders", "a", "b")
	p.Defer = 2 * time.Hour
	res := do(t, src, p)
	want := "a defer of 2h0m0s is over nsqd " + c.HTTPAddr(0) + "'s --max-req-timeout of 1h0m0s"
	if res.Err != want || len(res.Targets) != 2 || res.Targets[0].Err != want || res.Targets[1].Err != want {
		t.Errorf("result %+v\nwant %q", res, want)
	}
	if n := c.Stats(0).Topics[0].MessageCount; n != 0 {
		t.Errorf("%d messages taken", n)
	}
}

// A node that cannot be reached is skipped for the next; with none left the
// request fails, naming each node and why.
func TestPublishNodeDown(t *testing.T) {
	c := nsqtest.NewCluster(t, 0, 1)
	c.CreateTopic(0, "orders")
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadAddr := dead.Addr().String()
	dead.Close()
	// A lookupd that still lists a node which has gone away.
	lookupd, _ := staleLookupd(t, deadAddr, c.HTTPAddr(0))
	src := newSource(t, c, nsq.Config{Lookupds: []string{lookupd}})
	for i := range 4 { // round robin starts on each node in turn
		delivered(t, do(t, src, produce("orders", fmt.Sprint("m", i))), 1, c.HTTPAddr(0))
	}

	c.StopNSQD(0)
	res := do(t, src, produce("orders", "a", "b"))
	if res.Err == "" || !strings.HasPrefix(res.Err, "no nsqd reachable: nsqd ") || !strings.Contains(res.Err, "nsqd "+deadAddr+": connection refused") ||
		!strings.Contains(res.Err, "nsqd "+c.HTTPAddr(0)+": connection refused") || len(res.Targets) != 2 || res.Targets[1].Err != res.Err {
		t.Errorf("result %+v, want both nodes named as refusing", res)
	}
}

// staleLookupd answers /lookup with the given nsqd, "HTTP-ADDR" or
// "HTTP-ADDR TCP-ADDR" (a TCP port made up when left out), whatever they
// carry: a lookupd that has not heard yet that a node went away or dropped
// the topic. lookups counts the questions.
func staleLookupd(t testing.TB, nodes ...string) (addr string, lookups *atomic.Int64) {
	t.Helper()
	type producer struct {
		BroadcastAddress string `json:"broadcast_address"`
		HTTPPort         int    `json:"http_port"`
		TCPPort          int    `json:"tcp_port"`
	}
	var ps []producer
	for _, n := range nodes {
		httpAddr, tcpAddr, _ := strings.Cut(n, " ")
		host, port, _ := net.SplitHostPort(httpAddr)
		p := producer{BroadcastAddress: host}
		p.HTTPPort, _ = strconv.Atoi(port)
		p.TCPPort = p.HTTPPort + 1
		if _, port, err := net.SplitHostPort(tcpAddr); err == nil {
			p.TCPPort, _ = strconv.Atoi(port)
		}
		ps = append(ps, p)
	}
	lookups = new(atomic.Int64)
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/lookup" {
			http.NotFound(w, r)
			return
		}
		lookups.Add(1)
		json.NewEncoder(w).Encode(map[string]any{"channels": []string{}, "producers": ps})
	}))
	t.Cleanup(s.Close)
	return s.URL, lookups
}
