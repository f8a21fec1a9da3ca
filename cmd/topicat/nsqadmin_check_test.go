package main

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/topicat/topicat/sources/nsq/nsqtest"
)

// What nsqadmin's /api/topics/:t and /api/topics/:t/:c answer, per node and
// in total (internal/clusterinfo's TopicStats and ChannelStats).
type adminStats struct {
	Node         string       `json:"node"`
	Depth        int64        `json:"depth"`
	MemoryDepth  int64        `json:"memory_depth"`
	BackendDepth int64        `json:"backend_depth"`
	InFlight     int64        `json:"in_flight_count"`
	Deferred     int64        `json:"deferred_count"`
	Requeued     int64        `json:"requeue_count"`
	TimedOut     int64        `json:"timeout_count"`
	Messages     int64        `json:"message_count"`
	Clients      int          `json:"client_count"`
	Paused       bool         `json:"paused"`
	Nodes        []adminStats `json:"nodes"`
	Channels     []adminStats `json:"channels"`
	ClientList   []struct {
		Node          string `json:"node"`
		RemoteAddress string `json:"remote_address"`
		UserAgent     string `json:"user_agent"`
		Ready         int    `json:"ready_count"`
		InFlight      int    `json:"in_flight_count"`
		Finished      int64  `json:"finish_count"`
		Requeued      int64  `json:"requeue_count"`
		Messages      int64  `json:"message_count"`
	} `json:"clients"`
}

// topicat's `get … -o json` of the same pages.
type getStats struct {
	Node         string     `json:"node"`
	Name         string     `json:"name"`
	Depth        int64      `json:"depth"`
	BackendDepth int64      `json:"backend_depth"`
	InFlight     int64      `json:"in_flight"`
	Deferred     int64      `json:"deferred"`
	Requeued     int64      `json:"requeued"`
	TimedOut     int64      `json:"timed_out"`
	Messages     int64      `json:"messages"`
	Clients      int        `json:"clients"`
	Paused       bool       `json:"paused"`
	PausedOn     []string   `json:"paused_on"`
	Partial      bool       `json:"partial"`
	Channels     []getStats `json:"channels"`
}

type getClient struct {
	Node          string `json:"node"`
	RemoteAddress string `json:"remote_address"`
	UserAgent     string `json:"user_agent"`
	Ready         int    `json:"ready_count"`
	InFlight      int    `json:"in_flight"`
	Finished      int64  `json:"finished"`
	Requeued      int64  `json:"requeued"`
	Messages      int64  `json:"messages"`
}

type getPage struct {
	Topic    getStats    `json:"topic"`
	Channel  getStats    `json:"channel"`
	Nodes    []getStats  `json:"nodes"`
	Channels []getStats  `json:"channels"`
	Clients  []getClient `json:"clients"`
}

// TestGetMatchesNSQAdmin: on two lookupds and three nsqd, with a channel
// paused on one node, consumers on another and different depths per node,
// the topic and channel pages of `get -o json` (per-node rows, totals,
// client counts, each client) equal what nsqadmin serves for the cluster.
func TestGetMatchesNSQAdmin(t *testing.T) {
	c := nsqtest.NewCluster(t, 2, 3)
	for i, n := range []int{5, 7, 11} {
		c.CreateTopic(i, "orders")
		c.CreateChannel(i, "orders", "audit")
		c.CreateChannel(i, "orders", "billing")
		c.Publish(i, "orders", nsqtest.Messages(n)...)
	}
	c.PauseChannel(1, "orders", "audit")
	c.Consume("orders", "billing", nsqtest.Finish())
	nsqtest.WaitFor(t, "billing consumed on every node", func() bool {
		for i := range 3 {
			ch, ok := c.NSQD(i).FindChannel(t, "orders", "billing")
			if !ok || ch.Depth != 0 || ch.InFlightCount != 0 {
				return false
			}
		}
		return true
	})
	c.WaitRegistered()
	c.WaitTopic("orders", 0, 1, 2)
	admin := startAdmin(t, c.LookupdURLs())
	lookupds := strings.Join(c.LookupdURLs(), ",")

	get := func(args ...string) getPage {
		t.Helper()
		out, errOut, code := runCLI(t, append(args, "--lookupd", lookupds, "-o", "json")...)
		if code != 0 {
			t.Fatalf("topicat %v: exit %d: %s", args, code, errOut)
		}
		var p getPage
		if err := json.Unmarshal([]byte(out), &p); err != nil {
			t.Fatalf("topicat %v: %v\n%s", args, err, out)
		}
		return p
	}
	same := func(what string, got getStats, want adminStats, channel bool) {
		t.Helper()
		ok := got.Depth == want.Depth && got.BackendDepth == want.BackendDepth &&
			got.Depth-got.BackendDepth == want.MemoryDepth && got.Messages == want.Messages
		if channel {
			ok = ok && got.InFlight == want.InFlight && got.Deferred == want.Deferred &&
				got.Requeued == want.Requeued && got.TimedOut == want.TimedOut && got.Clients == want.Clients
		}
		if !ok {
			t.Errorf("%s: topicat %+v\nnsqadmin %+v", what, got, want)
		}
	}
	byNode := func(what string, got []getStats, want []adminStats, channel bool) {
		t.Helper()
		if len(got) != len(want) || len(want) != 3 {
			t.Fatalf("%s: topicat has %d node rows, nsqadmin %d, want 3", what, len(got), len(want))
		}
		for _, w := range want {
			i := slices.IndexFunc(got, func(g getStats) bool { return g.Node == w.Node })
			if i < 0 {
				t.Errorf("%s: no row for nsqadmin's node %s", what, w.Node)
				continue
			}
			same(what+" on "+w.Node, got[i], w, channel)
			if got[i].Paused != w.Paused {
				t.Errorf("%s on %s: paused %v, nsqadmin %v", what, w.Node, got[i].Paused, w.Paused)
			}
		}
	}

	var at adminStats
	adminJSON(t, admin+"/api/topics/orders", &at)
	tp := get("get", "nsq", "topic", "orders")
	same("topic orders", tp.Topic, at, false)
	byNode("topic orders", tp.Nodes, at.Nodes, false)
	if tp.Topic.Partial || len(tp.Channels) != 2 || len(at.Channels) != 2 {
		t.Errorf("topic orders: partial %v, %d channels (nsqadmin %d)", tp.Topic.Partial, len(tp.Channels), len(at.Channels))
	}

	for _, name := range []string{"audit", "billing"} {
		var ac adminStats
		adminJSON(t, admin+"/api/topics/orders/"+url.PathEscape(name), &ac)
		ch := get("get", "channel", "orders/"+name)
		same("channel orders/"+name, ch.Channel, ac, true)
		byNode("channel orders/"+name, ch.Nodes, ac.Nodes, true)
		// nsqadmin's merged flag means "paused somewhere"; ours names where.
		if (len(ch.Channel.PausedOn) > 0) != ac.Paused || ch.Channel.Paused {
			t.Errorf("channel orders/%s: paused %v on %v, nsqadmin paused %v", name, ch.Channel.Paused, ch.Channel.PausedOn, ac.Paused)
		}
		if want := map[string]int{"audit": 0, "billing": 3}[name]; len(ch.Clients) != want || len(ac.ClientList) != want {
			t.Fatalf("channel orders/%s: %d clients, nsqadmin %d, want %d", name, len(ch.Clients), len(ac.ClientList), want)
		}
		for _, w := range ac.ClientList {
			i := slices.IndexFunc(ch.Clients, func(g getClient) bool {
				return g.RemoteAddress == w.RemoteAddress
			})
			if i < 0 {
				t.Errorf("channel orders/%s: no client %s (nsqadmin lists it on %s)", name, w.RemoteAddress, w.Node)
				continue
			}
			g := ch.Clients[i]
			if g.Node != w.Node || g.UserAgent != w.UserAgent || g.Ready != w.Ready || g.InFlight != w.InFlight ||
				g.Finished != w.Finished || g.Requeued != w.Requeued || g.Messages != w.Messages {
				t.Errorf("channel orders/%s client %s: topicat %+v\nnsqadmin %+v", name, w.RemoteAddress, g, w)
			}
		}
	}
}
