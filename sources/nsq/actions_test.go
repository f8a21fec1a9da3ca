package nsq_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/sources/nsq"
	"github.com/topicat/topicat/sources/nsq/nsqembed"
	"github.com/topicat/topicat/sources/nsq/nsqtest"
)

// outcome is what a test expects of one target: its detail, or a part of
// its error.
type outcome struct{ detail, err string }

func done(detail string) outcome             { return outcome{detail: detail} }
func failed(part string) outcome             { return outcome{err: part} }
func nsqdT(c *nsqtest.Cluster, i int) string { return "nsqd " + c.HTTPAddr(i) }
func lookupdT(c *nsqtest.Cluster, i int) string {
	return "lookupd " + c.LookupdURLs()[i]
}

// checkTargets checks that res answered exactly the targets wanted.
func checkTargets(t *testing.T, res sources.Result, want map[string]outcome) {
	t.Helper()
	if res.Err != "" {
		t.Fatalf("%s %s failed as a whole: %s", res.Request.Action(), res.Request.Target(), res.Err)
	}
	got := map[string]sources.TargetResult{}
	for _, tr := range res.Targets {
		if _, dup := got[tr.Target]; dup {
			t.Errorf("target %s answered twice: %+v", tr.Target, res.Targets)
		}
		got[tr.Target] = tr
	}
	for name, w := range want {
		tr, ok := got[name]
		switch {
		case !ok:
			t.Errorf("no target %s in %+v", name, res.Targets)
		case w.err != "" && !strings.Contains(tr.Err, w.err):
			t.Errorf("target %s = %+v, want an error with %q", name, tr, w.err)
		case w.err == "" && (tr.Err != "" || tr.Detail != w.detail):
			t.Errorf("target %s = %+v, want done: %q", name, tr, w.detail)
		}
	}
	for name, tr := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("unexpected target %+v", tr)
		}
	}
}

// nodeChannelStats is a channel in nsqd i's own /stats.
func nodeChannelStats(t *testing.T, c *nsqtest.Cluster, i int, topic, channel string) (nsqtest.ChannelStats, bool) {
	t.Helper()
	return c.NSQD(i).FindChannel(t, topic, channel)
}

func nodeTopicStats(t *testing.T, c *nsqtest.Cluster, i int, topic string) (nsqtest.TopicStats, bool) {
	t.Helper()
	for _, tp := range c.Stats(i).Topics {
		if tp.Name == topic {
			return tp, true
		}
	}
	return nsqtest.TopicStats{}, false
}

// lookupdGet reads one of a lookupd's endpoints; it answers the HTTP status.
func lookupdGet(t *testing.T, c *nsqtest.Cluster, i int, path string, v any) int {
	t.Helper()
	resp, err := c.HTTPClient().Get(c.LookupdURLs()[i] + path)
	if err != nil {
		t.Fatalf("lookupd %d %s: %v", i, path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatalf("lookupd %d %s: %v", i, path, err)
		}
	}
	return resp.StatusCode
}

// lookupdTopics are the topics lookupd i has registered.
func lookupdTopics(t *testing.T, c *nsqtest.Cluster, i int) []string {
	t.Helper()
	var v struct{ Topics []string }
	lookupdGet(t, c, i, "/topics", &v)
	return v.Topics
}

// lookupdChannels are the channels of topic lookupd i has registered.
func lookupdChannels(t *testing.T, c *nsqtest.Cluster, i int, topic string) []string {
	t.Helper()
	var v struct{ Channels []string }
	lookupdGet(t, c, i, "/channels?topic="+url.QueryEscape(topic), &v)
	return v.Channels
}

// lookupProducers are the nsqd (HTTP addresses) lookupd i hands out for topic.
func lookupProducers(t *testing.T, c *nsqtest.Cluster, i int, topic string) []string {
	t.Helper()
	var v struct{ Producers []nsqtest.Producer }
	if lookupdGet(t, c, i, "/lookup?topic="+url.QueryEscape(topic), &v) == http.StatusNotFound {
		return nil
	}
	var out []string
	for _, p := range v.Producers {
		out = append(out, p.HTTPAddr())
	}
	slices.SortFunc(out, byAddr)
	return out
}

// actionCluster is two lookupds and three nsqd:
//
//	orders on nodes 0,1,2: channel billing everywhere, channel archive on 0 and 1
//	events on node 0 and 1: no channel, so its messages stay in the topic
//
// with messages published on every node.
func actionCluster(t *testing.T, opts ...nsqtest.Option) (*nsqtest.Cluster, *nsq.Source) {
	t.Helper()
	c := nsqtest.NewCluster(t, 2, 3, opts...)
	for i := range 3 {
		c.CreateChannel(i, "orders", "billing")
	}
	c.CreateChannel(0, "orders", "archive")
	c.CreateChannel(1, "orders", "archive")
	c.CreateTopic(0, "events")
	c.CreateTopic(1, "events")
	for i := range 3 {
		c.Publish(i, "orders", nsqtest.Messages(5+i)...)
	}
	c.Publish(0, "events", nsqtest.Messages(3)...)
	c.Publish(1, "events", nsqtest.Messages(4)...)
	c.WaitTopic("orders", 0, 1, 2)
	c.WaitTopic("events", 0, 1)
	return c, newSource(t, c, nsq.Config{Lookupds: c.LookupdURLs()})
}

func TestPauseUnpause(t *testing.T) {
	c, src := actionCluster(t)
	cases := []struct {
		name    string
		channel string // "" for the topic
		nodes   []int  // the nodes that have it
	}{
		{"channel on two of three nodes", "archive", []int{0, 1}},
		{"topic", "", []int{0, 1, 2}},
	}
	paused := func(i int, channel string) bool {
		if channel == "" {
			tp, _ := nodeTopicStats(t, c, i, "orders")
			return tp.Paused
		}
		ch, _ := nodeChannelStats(t, c, i, "orders", channel)
		return ch.Paused
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// Paused on the first node already: pausing says so there.
			if tc.channel == "" {
				c.PauseTopic(tc.nodes[0], "orders")
			} else {
				c.PauseChannel(tc.nodes[0], "orders", tc.channel)
			}
			want := map[string]outcome{}
			for j, i := range tc.nodes {
				want[nsqdT(c, i)] = done("paused")
				if j == 0 {
					want[nsqdT(c, i)] = done("paused (it already was)")
				}
			}
			checkTargets(t, do(t, src, sources.NSQPause{Topic: "orders", Channel: tc.channel}), want)
			for _, i := range tc.nodes {
				if !paused(i, tc.channel) {
					t.Errorf("node %d: not paused in its /stats", i)
				}
			}
			if tc.channel != "" {
				if ch, _ := nodeChannelStats(t, c, 2, "orders", "billing"); ch.Paused {
					t.Errorf("node 2 orders/billing paused: only %s was asked", tc.channel)
				}
			}

			for _, i := range tc.nodes {
				want[nsqdT(c, i)] = done("unpaused")
			}
			checkTargets(t, do(t, src, sources.NSQPause{Topic: "orders", Channel: tc.channel, Unpause: true}), want)
			for _, i := range tc.nodes {
				if paused(i, tc.channel) {
					t.Errorf("node %d: still paused in its /stats", i)
				}
			}
		})
	}
}

func TestEmpty(t *testing.T) {
	c, src := actionCluster(t)

	t.Run("channel", func(t *testing.T) {
		want := map[string]outcome{}
		for _, i := range []int{0, 1} {
			ch, _ := nodeChannelStats(t, c, i, "orders", "archive")
			if ch.Depth == 0 {
				t.Fatalf("node %d orders/archive has no depth to empty", i)
			}
			want[nsqdT(c, i)] = done(fmt.Sprintf("emptied (%d queued before)", ch.Depth))
		}
		checkTargets(t, do(t, src, sources.NSQEmpty{Topic: "orders", Channel: "archive"}), want)
		for i := range 3 {
			if ch, ok := nodeChannelStats(t, c, i, "orders", "archive"); ok && ch.Depth != 0 {
				t.Errorf("node %d orders/archive depth %d after empty", i, ch.Depth)
			}
			if ch, _ := nodeChannelStats(t, c, i, "orders", "billing"); ch.Depth != int64(5+i) {
				t.Errorf("node %d orders/billing depth %d, want %d: only archive was emptied", i, ch.Depth, 5+i)
			}
		}
	})

	t.Run("topic", func(t *testing.T) {
		checkTargets(t, do(t, src, sources.NSQEmpty{Topic: "events"}), map[string]outcome{
			nsqdT(c, 0): done("emptied (3 queued before)"),
			nsqdT(c, 1): done("emptied (4 queued before)"),
		})
		for _, i := range []int{0, 1} {
			if tp, _ := nodeTopicStats(t, c, i, "events"); tp.Depth != 0 {
				t.Errorf("node %d events depth %d after empty", i, tp.Depth)
			}
		}
	})
}

func TestDelete(t *testing.T) {
	c, src := actionCluster(t)

	t.Run("channel", func(t *testing.T) {
		checkTargets(t, do(t, src, sources.NSQDelete{Topic: "orders", Channel: "archive"}), map[string]outcome{
			lookupdT(c, 0): done("deleted"),
			lookupdT(c, 1): done("deleted"),
			nsqdT(c, 0):    done("deleted"),
			nsqdT(c, 1):    done("deleted"),
		})
		for i := range 3 {
			if _, ok := nodeChannelStats(t, c, i, "orders", "archive"); ok {
				t.Errorf("node %d still has orders/archive", i)
			}
			if _, ok := nodeChannelStats(t, c, i, "orders", "billing"); !ok {
				t.Errorf("node %d lost orders/billing", i)
			}
		}
		for i := range 2 {
			if chs := lookupdChannels(t, c, i, "orders"); slices.Contains(chs, "archive") || !slices.Contains(chs, "billing") {
				t.Errorf("lookupd %d channels of orders %v, want billing without archive", i, chs)
			}
		}
	})

	t.Run("topic", func(t *testing.T) {
		checkTargets(t, do(t, src, sources.NSQDelete{Topic: "orders"}), map[string]outcome{
			lookupdT(c, 0): done("deleted"),
			lookupdT(c, 1): done("deleted"),
			nsqdT(c, 0):    done("deleted"),
			nsqdT(c, 1):    done("deleted"),
			nsqdT(c, 2):    done("deleted"),
		})
		for i := range 3 {
			if c.HasTopic(i, "orders") {
				t.Errorf("node %d still has orders", i)
			}
		}
		for i := range 2 {
			if ts := lookupdTopics(t, c, i); slices.Contains(ts, "orders") || !slices.Contains(ts, "events") {
				t.Errorf("lookupd %d topics %v, want events without orders", i, ts)
			}
		}
	})

	t.Run("registered in lookupds only", func(t *testing.T) {
		for i := range 2 {
			resp, err := c.HTTPClient().Post(c.LookupdURLs()[i]+"/topic/create?topic=ghost", "", nil)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
		}
		checkTargets(t, do(t, src, sources.NSQDelete{Topic: "ghost"}), map[string]outcome{
			lookupdT(c, 0): done("deleted"),
			lookupdT(c, 1): done("deleted"),
		})
		for i := range 2 {
			if ts := lookupdTopics(t, c, i); slices.Contains(ts, "ghost") {
				t.Errorf("lookupd %d still has ghost: %v", i, ts)
			}
		}
	})
}

// watchTombstones passes requests on to lookupd i and, as each tombstone
// of topic goes by, notes what that lookupd's /nodes says of node and
// whether node still has the topic: the lookupd's word, before the node
// deletes the topic and unregisters it.
func watchTombstones(t *testing.T, c *nsqtest.Cluster, i int, topic string, node int) (string, func() []string) {
	t.Helper()
	u, err := url.Parse(c.LookupdURLs()[i])
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(u)
	proxy.Transport = c.HTTPClient().Transport
	var (
		mu   sync.Mutex
		seen []string
	)
	note := func() string {
		ps, err := c.LookupdNodes(i)
		if err != nil {
			return err.Error()
		}
		var st nsqtest.Stats
		resp, err := c.HTTPClient().Get("http://" + c.HTTPAddr(node) + "/stats?format=json&topic=" + url.QueryEscape(topic))
		if err != nil {
			return err.Error()
		}
		defer resp.Body.Close()
		if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
			return err.Error()
		}
		for _, p := range ps {
			if j := slices.Index(p.Topics, topic); j >= 0 && p.HTTPAddr() == c.HTTPAddr(node) {
				return fmt.Sprintf("tombstoned %v, node has the topic: %v", p.Tombstones[j], len(st.Topics) == 1)
			}
		}
		return "node not listed with the topic"
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		proxy.ServeHTTP(w, r)
		if r.URL.Path == "/topic/tombstone" {
			n := note()
			mu.Lock()
			seen = append(seen, n)
			mu.Unlock()
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(seen)
	}
}

// Tombstoning tells every lookupd first, then deletes the topic on the
// node; nsqlookupd matches the node as broadcast_address:http_port, an IPv6
// address without brackets.
func TestTombstone(t *testing.T) {
	ipv6 := func(o *nsqembed.NSQDOptions) {
		o.BroadcastAddress, o.HTTPAddr, o.TCPAddr = "::1", "[::1]:0", "[::1]:0"
	}
	cases := []struct {
		name string
		opts []nsqtest.Option
	}{
		{"IPv4", nil},
		{"IPv6", []nsqtest.Option{ipv6}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := actionCluster(t, tc.opts...)
			watched, seen := watchTombstones(t, c, 0, "orders", 1)
			src := newSource(t, c, nsq.Config{Lookupds: []string{watched, c.LookupdURLs()[1]}})
			checkTargets(t, do(t, src, sources.NSQTombstone{Topic: "orders", Node: c.HTTPAddr(1)}), map[string]outcome{
				"lookupd " + watched: done("tombstoned"),
				lookupdT(c, 1):       done("tombstoned"),
				nsqdT(c, 1):          done("deleted topic orders"),
			})
			if got := seen(); !slices.Equal(got, []string{"tombstoned true, node has the topic: true"}) {
				t.Errorf("as the tombstone reached lookupd 0: %q, want it tombstoned there before the node deleted the topic", got)
			}
			for i := range 3 {
				if c.HasTopic(i, "orders") != (i != 1) {
					t.Errorf("node %d has orders: %v", i, c.HasTopic(i, "orders"))
				}
			}
			want := []string{c.HTTPAddr(0), c.HTTPAddr(2)}
			slices.SortFunc(want, byAddr)
			for i := range 2 {
				if got := lookupProducers(t, c, i, "orders"); !slices.Equal(got, want) {
					t.Errorf("lookupd %d hands out %v for orders, want %v", i, got, want)
				}
				nodes, err := c.LookupdNodes(i)
				if err != nil {
					t.Fatal(err)
				}
				for _, p := range nodes {
					// Node 1 lists orders tombstoned until its unregistration
					// arrives, then not at all; never as a topic to consume.
					j := slices.Index(p.Topics, "orders")
					active := j >= 0 && !p.Tombstones[j]
					if active != (p.HTTPAddr() != c.HTTPAddr(1)) {
						t.Errorf("lookupd %d /nodes: %s lists orders %v tombstones %v", i, p.HTTPAddr(), p.Topics, p.Tombstones)
					}
				}
			}
		})
	}
}

// A node that stopped answering while the lookupds still list it (the one
// being retired) is tombstoned in every lookupd all the same, and is one
// failed target.
func TestTombstoneHaltedNode(t *testing.T) {
	c, src := actionCluster(t)
	c.HaltNSQD(1)
	checkTargets(t, do(t, src, sources.NSQTombstone{Topic: "orders", Node: c.HTTPAddr(1)}), map[string]outcome{
		lookupdT(c, 0): done("tombstoned"),
		lookupdT(c, 1): done("tombstoned"),
		nsqdT(c, 1):    failed("delete topic orders: not sent: could not ask it whether it has the topic: connection refused"),
	})
	want := []string{c.HTTPAddr(0), c.HTTPAddr(2)}
	slices.SortFunc(want, byAddr)
	for i := range 2 {
		if got := lookupProducers(t, c, i, "orders"); !slices.Equal(got, want) {
			t.Errorf("lookupd %d hands out %v for orders, want %v", i, got, want)
		}
		nodes, err := c.LookupdNodes(i)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range nodes {
			j := slices.Index(p.Topics, "orders")
			if tombstoned := j >= 0 && p.Tombstones[j]; tombstoned != (p.HTTPAddr() == c.HTTPAddr(1)) {
				t.Errorf("lookupd %d /nodes: %s lists orders %v tombstones %v", i, p.HTTPAddr(), p.Topics, p.Tombstones)
			}
		}
	}
}

func TestCreate(t *testing.T) {
	c, src := actionCluster(t)

	t.Run("topic on every node", func(t *testing.T) {
		checkTargets(t, do(t, src, sources.NSQCreate{Topic: "fresh"}), map[string]outcome{
			lookupdT(c, 0): done("created"),
			lookupdT(c, 1): done("created"),
			nsqdT(c, 0):    done("created"),
			nsqdT(c, 1):    done("created"),
			nsqdT(c, 2):    done("created"),
		})
		for i := range 3 {
			if !c.HasTopic(i, "fresh") {
				t.Errorf("node %d has no topic fresh", i)
			}
		}
		for i := range 2 {
			if !slices.Contains(lookupdTopics(t, c, i), "fresh") {
				t.Errorf("lookupd %d has no topic fresh", i)
			}
		}
	})

	t.Run("channel and its topic on one node", func(t *testing.T) {
		checkTargets(t, do(t, src, sources.NSQCreate{Topic: "solo", Channel: "work", Node: c.HTTPAddr(1)}), map[string]outcome{
			lookupdT(c, 0): done("created"),
			lookupdT(c, 1): done("created"),
			nsqdT(c, 1):    done("created, with topic solo"),
		})
		for i := range 3 {
			_, ok := nodeChannelStats(t, c, i, "solo", "work")
			if ok != (i == 1) || c.HasTopic(i, "solo") != (i == 1) {
				t.Errorf("node %d has solo/work: %v, want it on node 1 only", i, ok)
			}
		}
		for i := range 2 {
			if !slices.Contains(lookupdChannels(t, c, i, "solo"), "work") {
				t.Errorf("lookupd %d has no channel solo/work", i)
			}
		}
	})

	t.Run("channel where the topic is, and again", func(t *testing.T) {
		want := map[string]outcome{lookupdT(c, 0): done("created"), lookupdT(c, 1): done("created"),
			nsqdT(c, 0): done("created"), nsqdT(c, 1): done("created"), nsqdT(c, 2): done("created")}
		checkTargets(t, do(t, src, sources.NSQCreate{Topic: "orders", Channel: "audit"}), want)
		for i := range 3 {
			if _, ok := nodeChannelStats(t, c, i, "orders", "audit"); !ok {
				t.Errorf("node %d has no orders/audit", i)
			}
		}
		for i := range 3 {
			want[nsqdT(c, i)] = done("already there")
		}
		checkTargets(t, do(t, src, sources.NSQCreate{Topic: "orders", Channel: "audit"}), want)
	})
}

// A node that stopped since the last poll is one failed target among the
// ones done, though the lookupds no longer list it; the others carry the
// action out all the same.
func TestActionNodeStopped(t *testing.T) {
	c, src := actionCluster(t)
	poll(t, src)
	c.StopNSQD(2)
	c.WaitRegistered()
	cases := []struct {
		body    sources.Body
		lookupd string // each lookupd's outcome, "" when they are not asked
		node    string // nodes 0 and 1's outcome
		stopped string // node 2's error
		check   func(i int) bool
	}{
		{sources.NSQPause{Topic: "orders"}, "", "paused",
			"pause topic orders: not sent: could not ask it whether it has the topic: connection refused",
			func(i int) bool { tp, _ := nodeTopicStats(t, c, i, "orders"); return tp.Paused }},
		{sources.NSQEmpty{Topic: "orders", Channel: "billing"}, "", "",
			"empty channel orders/billing: not sent: could not ask it whether it has the channel: connection refused",
			func(i int) bool { ch, ok := nodeChannelStats(t, c, i, "orders", "billing"); return ok && ch.Depth == 0 }},
		{sources.NSQDelete{Topic: "orders", Channel: "billing"}, "deleted", "deleted",
			"delete channel orders/billing: not sent: could not ask it whether it has the channel: connection refused",
			func(i int) bool { _, ok := nodeChannelStats(t, c, i, "orders", "billing"); return !ok }},
	}
	for _, tc := range cases {
		t.Run(string(tc.body.Action()), func(t *testing.T) {
			want := map[string]outcome{nsqdT(c, 2): failed(tc.stopped)}
			for i := range 2 {
				want[nsqdT(c, i)] = done(tc.node)
				if tc.node == "" { // emptied, with its own depth
					ch, _ := nodeChannelStats(t, c, i, "orders", "billing")
					if ch.Depth == 0 {
						t.Fatalf("node %d orders/billing has no depth to empty", i)
					}
					want[nsqdT(c, i)] = done(fmt.Sprintf("emptied (%d queued before)", ch.Depth))
				}
				if tc.lookupd != "" {
					want[lookupdT(c, i)] = done(tc.lookupd)
				}
			}
			res := do(t, src, tc.body)
			checkTargets(t, res, want)
			if !res.Failed() {
				t.Error("result not marked failed")
			}
			for i := range 2 {
				if !tc.check(i) {
					t.Errorf("node %d: %s %s not done, as its /stats shows", i, tc.body.Action(), tc.body.Target())
				}
			}
		})
	}
}

// vanishOn puts a proxy in front of nsqd i that, as a POST to path goes by,
// first deletes topic (or its channel) on the node: the node had it when
// asked, and no longer has it when told what to do.
func vanishOn(t *testing.T, c *nsqtest.Cluster, i int, path, topic, channel string) string {
	t.Helper()
	proxy := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: c.HTTPAddr(i)})
	proxy.Transport = c.HTTPClient().Transport
	del, q := "/topic/delete", url.Values{"topic": {topic}}
	if channel != "" {
		del = "/channel/delete"
		q.Set("channel", channel)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == path {
			resp, err := c.HTTPClient().Post("http://"+c.HTTPAddr(i)+del+"?"+q.Encode(), "", nil)
			if err != nil || resp.StatusCode != http.StatusOK {
				t.Errorf("deleting behind the source's back: %v %v", resp, err)
			}
			if err == nil {
				resp.Body.Close()
			}
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String()
}

// A topic or channel gone from a node between the look and the action is
// that node's failure, in words; the other nodes carry it out.
func TestActionNodeAnswers(t *testing.T) {
	cases := []struct {
		name, path string
		body       sources.Body
		err        string
	}{
		{"topic", "/topic/pause", sources.NSQPause{Topic: "orders"}, "pause topic orders: no topic orders on this node"},
		{"channel", "/channel/empty", sources.NSQEmpty{Topic: "orders", Channel: "billing"},
			"empty channel orders/billing: no channel orders/billing on this node"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := actionCluster(t)
			channel := ""
			if e, ok := tc.body.(sources.NSQEmpty); ok {
				channel = e.Channel
			}
			proxied := vanishOn(t, c, 0, tc.path, "orders", channel)
			src := newSource(t, c, nsq.Config{NSQDs: []string{proxied, c.HTTPAddr(1), c.HTTPAddr(2)}})
			want := map[string]outcome{"nsqd " + proxied: failed(tc.err)}
			for i := 1; i < 3; i++ {
				want[nsqdT(c, i)] = done("paused")
				if channel != "" {
					want[nsqdT(c, i)] = done(fmt.Sprintf("emptied (%d queued before)", 5+i))
				}
			}
			checkTargets(t, do(t, src, tc.body), want)
		})
	}
}

// What cannot be done is refused before anything is sent, naming what exists.
func TestActionRefusals(t *testing.T) {
	c, src := actionCluster(t)
	cases := []struct {
		name  string
		body  sources.Body
		parts []string
	}{
		{"bad topic name", sources.NSQPause{Topic: "no/such"}, []string{`pause topic no/such: "no/such" is not an NSQ topic name`}},
		{"bad channel name", sources.NSQEmpty{Topic: "orders", Channel: "a b"}, []string{`"a b" is not an NSQ channel name`}},
		{"name too long", sources.NSQCreate{Topic: strings.Repeat("x", 65)}, []string{"is not an NSQ topic name"}},
		{"unknown topic", sources.NSQPause{Topic: "nope"},
			[]string{"pause topic nope: no nsqd has topic nope (the cluster has topics events and orders); nothing was changed"}},
		{"unknown channel", sources.NSQEmpty{Topic: "orders", Channel: "nope"},
			[]string{"empty channel orders/nope: no nsqd has channel orders/nope: topic orders has channels archive and billing"}},
		{"delete unknown topic", sources.NSQDelete{Topic: "nope"}, []string{"delete topic nope: no nsqd has topic nope"}},
		{"tombstone unknown node", sources.NSQTombstone{Topic: "orders", Node: "127.0.0.1:1"},
			[]string{"nsqd 127.0.0.1:1 is not a node of this cluster (it has nodes ", c.HTTPAddr(0), c.HTTPAddr(1), c.HTTPAddr(2)}},
		{"tombstone where the topic is not", sources.NSQTombstone{Topic: "events", Node: c.HTTPAddr(2)},
			[]string{"nsqd " + c.HTTPAddr(2) + " has no topic events; nothing was changed"}},
		{"create on unknown node", sources.NSQCreate{Topic: "nope", Node: "localhost:1"}, []string{"nsqd localhost:1 is not a node of this cluster"}},
		{"describe unknown node", sources.DescribeNSQNode{Node: "127.0.0.1:1"}, []string{"describe nsqd: nsqd 127.0.0.1:1 is not a node of this cluster"}},
		{"describe unknown channel", sources.DescribeNSQChannel{Topic: "events", Channel: "nope"}, []string{"no nsqd has channel events/nope: topic events has no channels"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := do(t, src, tc.body)
			for _, p := range tc.parts {
				if !strings.Contains(res.Err, p) {
					t.Errorf("Err %q, want it to say %q", res.Err, p)
				}
			}
			if len(res.Targets) != 0 {
				t.Errorf("targets %+v, want none", res.Targets)
			}
		})
	}
	for i := range 3 {
		if c.HasTopic(i, "nope") {
			t.Errorf("node %d has a topic nope", i)
		}
		if tp, _ := nodeTopicStats(t, c, i, "orders"); tp.Paused {
			t.Errorf("node %d orders paused", i)
		}
	}
	for i := range 2 {
		if slices.Contains(lookupdTopics(t, c, i), "nope") {
			t.Errorf("lookupd %d has a topic nope", i)
		}
	}
}

// Under --read-only every action is refused before it reaches the cluster,
// and the detail requests are answered.
func TestActionsReadOnly(t *testing.T) {
	c, src := actionCluster(t)
	ro := sources.ReadOnly(src)
	mutating := []sources.Body{
		sources.NSQPause{Topic: "orders"},
		sources.NSQPause{Topic: "orders", Channel: "archive"},
		sources.NSQPause{Topic: "orders", Unpause: true},
		sources.NSQEmpty{Topic: "events"},
		sources.NSQEmpty{Topic: "orders", Channel: "archive"},
		sources.NSQDelete{Topic: "orders"},
		sources.NSQDelete{Topic: "orders", Channel: "archive"},
		sources.NSQTombstone{Topic: "orders", Node: c.HTTPAddr(1)},
		sources.NSQCreate{Topic: "fresh"},
		sources.NSQCreate{Topic: "orders", Channel: "fresh", Node: c.HTTPAddr(0)},
	}
	ctx := context.Background()
	for _, b := range mutating {
		res := ro.Do(ctx, sources.Request{Body: b})
		if res.Err != sources.ErrReadOnly.Error() || len(res.Targets) != 0 {
			t.Errorf("%s %s under read-only: %+v, want refused", b.Action(), b.Target(), res)
		}
	}
	for i := range 3 {
		tp, ok := nodeTopicStats(t, c, i, "orders")
		if !ok || tp.Paused || c.HasTopic(i, "fresh") {
			t.Errorf("node %d changed: orders %+v (there: %v), fresh there: %v", i, tp, ok, c.HasTopic(i, "fresh"))
		}
		if ch, ok := nodeChannelStats(t, c, i, "orders", "archive"); ok && (ch.Paused || ch.Depth == 0) {
			t.Errorf("node %d orders/archive changed: %+v", i, ch)
		}
	}
	for i := range 2 {
		if ts := lookupdTopics(t, c, i); !slices.Contains(ts, "orders") || slices.Contains(ts, "fresh") {
			t.Errorf("lookupd %d topics changed: %v", i, ts)
		}
		nodes, _ := c.LookupdNodes(i)
		for _, p := range nodes {
			if slices.Contains(p.Tombstones, true) {
				t.Errorf("lookupd %d: %s has a tombstone: %v %v", i, p.HTTPAddr(), p.Topics, p.Tombstones)
			}
		}
	}

	for _, b := range []sources.Body{sources.DescribeNSQNode{Node: c.HTTPAddr(0)}, sources.DescribeNSQChannel{Topic: "orders", Channel: "billing"}} {
		if res := ro.Do(ctx, sources.Request{Body: b}); res.Err != "" || res.Data == nil {
			t.Errorf("%s under read-only: %+v, want answered", b.Action(), res)
		}
	}
}

// A node or lookupd that stalls past the timeout is one failed target; the
// others are done all the same.
func TestActionStalls(t *testing.T) {
	c, _ := actionCluster(t)
	stall := stallServer(t)
	stallAddr := stall.Listener.Addr().String()
	const timeout = 750 * time.Millisecond
	cases := []struct {
		name  string
		cfg   nsq.Config
		stuck map[string]outcome
	}{
		{"nsqd", nsq.Config{Lookupds: c.LookupdURLs(), NSQDs: []string{stallAddr}},
			map[string]outcome{"nsqd " + stallAddr: failed("pause topic orders: not sent: could not ask it whether it has the topic: timed out after 750ms")}},
		{"lookupd", nsq.Config{Lookupds: []string{stall.URL, c.LookupdURLs()[1]}},
			map[string]outcome{"lookupd " + stall.URL: failed("could not ask it which nsqd have topic orders: timed out after 750ms")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.Timeout = timeout
			want := tc.stuck
			for i := range 3 {
				want[nsqdT(c, i)] = done("paused")
			}
			checkTargets(t, do(t, newSource(t, c, tc.cfg), sources.NSQPause{Topic: "orders"}), want)
			for i := range 3 {
				if tp, _ := nodeTopicStats(t, c, i, "orders"); !tp.Paused {
					t.Errorf("node %d orders not paused", i)
				}
				c.NSQD(i).Post(t, "/topic/unpause", url.Values{"topic": {"orders"}}, nil)
			}
		})
	}
}

// An action reads what the last poll published: it does not queue behind a
// poll that a slow node holds up.
func TestActionDoesNotWaitForAPoll(t *testing.T) {
	c, _ := actionCluster(t)
	entered, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	gate := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/info":
			fmt.Fprint(w, `{"version":"1.3.0","broadcast_address":"127.0.0.1","hostname":"gate","http_port":1,"tcp_port":2,"start_time":1}`)
		case r.URL.Path == "/stats" && r.URL.Query().Get("topic") != "":
			fmt.Fprint(w, `{"version":"1.3.0","health":"OK","start_time":1,"topics":[]}`)
		default: // the poll's /stats
			once.Do(func() { close(entered) })
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}
	}))
	t.Cleanup(gate.Close)
	t.Cleanup(func() { close(release) })
	src := newSource(t, c, nsq.Config{Lookupds: c.LookupdURLs(), NSQDs: []string{gate.Listener.Addr().String()}, Timeout: time.Minute})
	polled := make(chan struct{})
	go func() {
		defer close(polled)
		src.Poll(context.Background())
	}()
	<-entered
	want := map[string]outcome{}
	for i := range 3 {
		want[nsqdT(c, i)] = done("paused")
	}
	checkTargets(t, do(t, src, sources.NSQPause{Topic: "orders"}), want)
	select {
	case <-polled:
		t.Fatal("the poll ended before the gate let it: the test proves nothing")
	default:
	}
}
