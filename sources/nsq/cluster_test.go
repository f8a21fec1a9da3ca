package nsq_test

import (
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/sources/nsq"
	"github.com/topicat/topicat/sources/nsq/nsqtest"
)

func TestPollCluster(t *testing.T) {
	sc := newScenario(t)
	c := sc.c
	src := newSource(t, c, nsq.Config{Lookupds: c.LookupdURLs()})
	snap1 := poll(t, src)

	if len(snap1.Errors) != 0 {
		t.Fatalf("errors: %v", snap1.Errors)
	}
	if snap1.Seq != 1 || snap1.LastOK != snap1.Taken {
		t.Errorf("Seq=%d LastOK=%v Taken=%v, want 1 and LastOK=Taken", snap1.Seq, snap1.LastOK, snap1.Taken)
	}

	t.Run("lookupds", func(t *testing.T) {
		if len(snap1.Lookupds) != 2 {
			t.Fatalf("%d lookupds, want 2", len(snap1.Lookupds))
		}
		for i, l := range snap1.Lookupds {
			if l.Addr != c.LookupdURLs()[i] || !l.Up || l.Version != "1.3.0" || l.Nodes != 3 || l.Topics != 3 || l.Err != "" {
				t.Errorf("lookupd %d = %+v, want %s up, 1.3.0, 3 nodes, 3 topics", i, l, c.LookupdURLs()[i])
			}
		}
	})

	t.Run("nodes", func(t *testing.T) {
		if len(snap1.Nodes) != 3 {
			t.Fatalf("%d nodes, want 3", len(snap1.Nodes))
		}
		if !slices.IsSortedFunc(snap1.Nodes, func(a, b sources.NSQNode) int { return byAddr(a.Addr, b.Addr) }) {
			t.Errorf("nodes not sorted by address")
		}
		for i := range 3 {
			n := findNode(t, snap1, c.HTTPAddr(i))
			if !n.Up || n.Health != "OK" || n.Version != "1.3.0" || n.Hostname == "" ||
				n.BroadcastAddress != "127.0.0.1" || n.StartTime.IsZero() || !n.DownSince.IsZero() || n.Err != "" {
				t.Errorf("node %d = %+v", i, n)
			}
			if got := c.TCPAddr(i); got != "127.0.0.1:"+strconv.Itoa(n.TCPPort) {
				t.Errorf("node %d TCPPort %d, want that of %s", i, n.TCPPort, got)
			}
			if !slices.Equal(n.Lookupds, c.LookupdURLs()) {
				t.Errorf("node %d known to %v, want both lookupds %v", i, n.Lookupds, c.LookupdURLs())
			}
		}
		// Node 2 in detail.
		n := findNode(t, snap1, c.HTTPAddr(2))
		if names := topicStatNames(n); !slices.Equal(names, []string{"lonely", "orders"}) {
			t.Errorf("node 2 topics %v", names)
		}
		lonely, _ := nodeTopic(n, "lonely")
		if lonely.Messages != 4 || lonely.Depth != 4 || !lonely.Paused || len(lonely.Channels) != 0 {
			t.Errorf("node 2 lonely = %+v", lonely)
		}
		orders, _ := nodeTopic(n, "orders")
		if orders.Messages != 30 || orders.Depth != 0 || len(orders.Channels) != 3 {
			t.Errorf("node 2 orders = %+v", orders)
		}
		for _, ch := range orders.Channels {
			if ch.Messages != 30 {
				t.Errorf("node 2 orders/%s messages %d, want 30", ch.Name, ch.Messages)
			}
		}
		if ch := orders.Channels[2]; ch.Name != "shipping" || ch.Depth+ch.InFlight != 30 || ch.InFlight < 1 || ch.Clients != 1 {
			t.Errorf("node 2 orders/shipping = %+v", ch)
		}
		if ch := orders.Channels[0]; ch.Name != "audit" || ch.Depth != 30 || ch.BackendDepth == 0 || ch.Paused {
			t.Errorf("node 2 orders/audit = %+v, want depth 30 with some on disk (mem queue 8), not paused", ch)
		}
		n1 := findNode(t, snap1, c.HTTPAddr(1))
		if o, _ := nodeTopic(n1, "orders"); !o.Channels[0].Paused {
			t.Errorf("node 1 orders/audit not paused: %+v", o.Channels[0])
		}
	})

	t.Run("per-node figures are nsqd's own", func(t *testing.T) {
		for i := range 3 {
			assertNodeMatchesNSQD(t, findNode(t, snap1, c.HTTPAddr(i)), c.Stats(i))
		}
	})

	t.Run("merged", func(t *testing.T) {
		if got := topicNames(snap1); !slices.Equal(got, []string{"events", "lonely", "orders"}) {
			t.Fatalf("topics %v", got)
		}
		orders := findTopic(t, snap1, "orders")
		wantNodes := []string{c.HTTPAddr(0), c.HTTPAddr(1), c.HTTPAddr(2)}
		slices.SortFunc(wantNodes, byAddr)
		if orders.Messages != 60 || orders.Depth != 0 || orders.Paused || orders.Partial ||
			!slices.Equal(orders.Nodes, wantNodes) || orders.In != -1 {
			t.Errorf("orders = %+v", orders)
		}
		audit := findChannel(t, orders, "audit")
		if audit.Messages != 60 || audit.Depth != 60 || audit.InFlight != 0 || audit.Clients != 0 || audit.Out != -1 ||
			audit.Paused || !slices.Equal(audit.PausedOn, []string{c.HTTPAddr(1)}) {
			t.Errorf("orders/audit = %+v, want 60 messages all waiting, paused on node 1 only (not paused as a whole)", audit)
		}
		billing := findChannel(t, orders, "billing")
		if billing.Messages != 60 || billing.Depth != 0 || billing.InFlight != 0 || billing.Clients != 3 || billing.Paused {
			t.Errorf("orders/billing = %+v, want 60 messages all consumed by 3 clients", billing)
		}
		shipping := findChannel(t, orders, "shipping")
		if shipping.Messages != 60 || shipping.Depth+shipping.InFlight != 60 || shipping.InFlight < 3 || shipping.Clients != 3 {
			t.Errorf("orders/shipping = %+v, want 60 messages, held in flight on every node", shipping)
		}
		if orders.InFlight != audit.InFlight+billing.InFlight+shipping.InFlight || orders.Deferred != 0 {
			t.Errorf("orders in-flight %d deferred %d, want the channels' sum", orders.InFlight, orders.Deferred)
		}
		events := findTopic(t, snap1, "events")
		archive := findChannel(t, events, "archive")
		if events.Messages != 10 || len(events.Nodes) != 2 || archive.Messages != 10 || archive.Depth != 10 || archive.Topic != "events" {
			t.Errorf("events = %+v", events)
		}
		lonely := findTopic(t, snap1, "lonely")
		if lonely.Messages != 4 || lonely.Depth != 4 || !lonely.Paused || !slices.Equal(lonely.PausedOn, lonely.Nodes) || len(lonely.Channels) != 0 ||
			!slices.Equal(lonely.Nodes, []string{c.HTTPAddr(2)}) {
			t.Errorf("lonely = %+v", lonely)
		}
		// The merged figures are sums of the per-node ones.
		for _, tp := range snap1.Topics {
			assertSums(t, snap1, tp)
		}
	})

	t.Run("rates", func(t *testing.T) {
		sc.publish(0, "orders", 5)
		sc.publish(1, "orders", 3) // into audit, paused there
		sc.publish(2, "orders", 7)
		sc.publish(1, "events", 2)
		sc.settle(t)
		snap2 := poll(t, src)
		if snap2.Seq != 2 {
			t.Errorf("Seq %d, want 2", snap2.Seq)
		}
		dt := snap2.Taken.Sub(snap1.Taken).Seconds()
		cases := []struct {
			topic, channel string
			want           float64
		}{
			{"orders", "", float64(15) / dt},
			{"events", "", float64(2) / dt},
			{"lonely", "", 0},
			{"orders", "billing", float64(15) / dt}, // consumed as fast as published
			{"orders", "audit", 0},                  // unread, and paused on node 1: depth grew by what came in
			{"events", "archive", 0},
		}
		for _, tc := range cases {
			tp := findTopic(t, snap2, tc.topic)
			got := tp.In
			if tc.channel != "" {
				got = findChannel(t, tp, tc.channel).Out
			}
			if got != tc.want {
				t.Errorf("%s/%s rate %v, want %v", tc.topic, tc.channel, got, tc.want)
			}
		}
		if r := findTopic(t, snap2, "orders").In; r <= 0 {
			t.Errorf("orders ingress %v, want > 0", r)
		}
		// The paused channel takes messages in and lets none out.
		audit := findChannel(t, findTopic(t, snap2, "orders"), "audit")
		if want := float64(15) / dt; audit.In != want || audit.Out != 0 {
			t.Errorf("orders/audit in %v out %v, want in %v out 0", audit.In, audit.Out, want)
		}
		if a, _ := nodeChannel(findNode(t, snap2, c.HTTPAddr(1)), "orders", "audit"); !a.Paused || a.In != 3/dt || a.Out != 0 {
			t.Errorf("orders/audit on node 1 = %+v, want paused, in %v, out 0", a, 3/dt)
		}
		// The previous snapshot is as it was published.
		if o := findTopic(t, snap1, "orders"); o.In != -1 || len(o.Ins) != 1 {
			t.Errorf("snapshot 1 changed: orders = %+v", o)
		}
		// Every channel rate follows Σ(Δmessages − Δdepth)/Δt over the nodes.
		for _, tp := range snap2.Topics {
			for _, ch := range tp.Channels {
				var out int64
				for _, n := range snap2.Nodes {
					a, okA := nodeChannel(n, tp.Name, ch.Name)
					b, okB := nodeChannel(findNode(t, snap1, n.Addr), tp.Name, ch.Name)
					if okA && okB {
						held := (a.Depth + a.InFlight + a.Deferred) - (b.Depth + b.InFlight + b.Deferred)
						out += max(int64(a.Messages-b.Messages)-held, 0)
						if a.Out != float64(max(int64(a.Messages-b.Messages)-held, 0))/dt {
							t.Errorf("%s/%s on %s egress %v", tp.Name, ch.Name, n.Addr, a.Out)
						}
					}
				}
				if want := float64(out) / dt; ch.Out != want {
					t.Errorf("%s/%s egress %v, want %v", tp.Name, ch.Name, ch.Out, want)
				}
			}
		}
	})
}

// Node figures must be exactly what nsqd reports (the cluster is settled).
func assertNodeMatchesNSQD(t *testing.T, n sources.NSQNode, st nsqtest.Stats) {
	t.Helper()
	if len(n.Topics) != len(st.Topics) {
		t.Fatalf("node %s: %d topics, nsqd says %d", n.Addr, len(n.Topics), len(st.Topics))
	}
	for i, want := range st.Topics {
		got := n.Topics[i]
		if got.Name != want.Name || got.Depth != want.Depth || got.BackendDepth != want.BackendDepth ||
			got.Messages != want.MessageCount || got.Paused != want.Paused || len(got.Channels) != len(want.Channels) {
			t.Errorf("node %s topic %d = %+v, nsqd says %+v", n.Addr, i, got, want)
			continue
		}
		for j, wc := range want.Channels {
			gc := got.Channels[j]
			if gc.Name != wc.Name || gc.Depth != wc.Depth || gc.BackendDepth != wc.BackendDepth ||
				gc.InFlight != wc.InFlightCount || gc.Deferred != wc.DeferredCount || gc.Messages != wc.MessageCount ||
				gc.Requeued != wc.RequeueCount || gc.TimedOut != wc.TimeoutCount || gc.Clients != wc.ClientCount || gc.Paused != wc.Paused {
				t.Errorf("node %s %s/%s = %+v, nsqd says %+v", n.Addr, want.Name, wc.Name, gc, wc)
			}
		}
	}
}

// assertSums checks a merged topic against the sum of the per-node figures.
func assertSums(t *testing.T, snap *sources.NSQSnapshot, tp sources.NSQTopic) {
	t.Helper()
	var want sources.NSQTopic
	chans := map[string]*sources.NSQChannel{}
	for _, n := range snap.Nodes {
		nt, ok := nodeTopic(n, tp.Name)
		if !ok || !n.Up {
			continue
		}
		want.Depth += nt.Depth
		want.BackendDepth += nt.BackendDepth
		want.Messages += nt.Messages
		want.MessageBytes += nt.MessageBytes
		want.Nodes = append(want.Nodes, n.Addr)
		if nt.Paused {
			want.PausedOn = append(want.PausedOn, n.Addr)
		}
		for _, c := range nt.Channels {
			m := chans[c.Name]
			if m == nil {
				m = &sources.NSQChannel{}
				chans[c.Name] = m
			}
			m.Nodes = append(m.Nodes, n.Addr)
			if c.Paused {
				m.PausedOn = append(m.PausedOn, n.Addr)
			}
			m.Depth += c.Depth
			m.BackendDepth += c.BackendDepth
			m.InFlight += c.InFlight
			m.Deferred += c.Deferred
			m.Messages += c.Messages
			m.Requeued += c.Requeued
			m.TimedOut += c.TimedOut
			m.Clients += c.Clients
		}
	}
	// Paused as a whole only when paused on every node that carries it.
	want.Paused = len(want.PausedOn) > 0 && len(want.PausedOn) == len(want.Nodes)
	if tp.Depth != want.Depth || tp.BackendDepth != want.BackendDepth || tp.Messages != want.Messages || tp.MessageBytes != want.MessageBytes ||
		tp.Paused != want.Paused || !slices.Equal(tp.PausedOn, want.PausedOn) || !slices.Equal(tp.Nodes, want.Nodes) {
		t.Errorf("%s totals %+v, per-node sums %+v", tp.Name, tp, want)
	}
	if len(tp.Channels) != len(chans) {
		t.Errorf("%s has %d channels, nodes have %d", tp.Name, len(tp.Channels), len(chans))
	}
	for _, c := range tp.Channels {
		w := chans[c.Name]
		if w == nil {
			continue
		}
		w.Paused = len(w.PausedOn) > 0 && len(w.PausedOn) == len(w.Nodes)
		if c.Depth != w.Depth || c.BackendDepth != w.BackendDepth || c.InFlight != w.InFlight || c.Deferred != w.Deferred ||
			c.Messages != w.Messages || c.Requeued != w.Requeued || c.TimedOut != w.TimedOut || c.Clients != w.Clients ||
			c.Paused != w.Paused || !slices.Equal(c.PausedOn, w.PausedOn) || !slices.Equal(c.Nodes, w.Nodes) {
			t.Errorf("%s/%s totals %+v, per-node sums %+v", tp.Name, c.Name, c, *w)
		}
	}
}

func nodeChannel(n sources.NSQNode, topic, channel string) (sources.NSQChannelStats, bool) {
	t, ok := nodeTopic(n, topic)
	if !ok {
		return sources.NSQChannelStats{}, false
	}
	for _, c := range t.Channels {
		if c.Name == channel {
			return c, true
		}
	}
	return sources.NSQChannelStats{}, false
}

func topicStatNames(n sources.NSQNode) []string {
	var out []string
	for _, t := range n.Topics {
		out = append(out, t.Name)
	}
	return out
}

// byAddr orders host:port by host, then port as a number.
func byAddr(a, b string) int {
	ha, pa, _ := net.SplitHostPort(a)
	hb, pb, _ := net.SplitHostPort(b)
	if c := strings.Compare(ha, hb); c != 0 {
		return c
	}
	na, _ := strconv.Atoi(pa)
	nb, _ := strconv.Atoi(pb)
	return na - nb
}
