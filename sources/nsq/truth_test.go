package nsq_test

import (
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/sources/nsq"
	"github.com/topicat/topicat/sources/nsq/nsqtest"
)

// The faults on two lookupds and three nsqd that the other tests of
// this package do not already cover.

// A node that leaves every lookupd and then stops answering, empty (an
// operator retiring it, drained first), is gone: no error, no share of any
// total, topics not partial.
func TestNodeDecommissioned(t *testing.T) {
	c := nsqtest.NewCluster(t, 2, 3)
	for i := range 3 {
		c.CreateChannel(i, "orders", "c")
		if i != 1 {
			c.Publish(i, "orders", nsqtest.Messages(i+1)...)
		}
	}
	c.WaitTopic("orders", 0, 1, 2)
	src := newSource(t, c, nsq.Config{Lookupds: c.LookupdURLs(), ForgetAfter: time.Hour})
	poll(t, src)

	c.DecommissionNSQD(1)
	gone := c.HTTPAddr(1)
	snap2 := poll(t, src)
	snap3 := poll(t, src)
	for i, snap := range []*sources.NSQSnapshot{snap2, snap3} {
		n := findNode(t, snap, gone)
		if !n.Gone || n.GoneSince != snap2.Taken || n.Up || n.Err != "" || !n.DownSince.IsZero() || len(n.Lookupds) != 0 || n.Hostname == "" {
			t.Errorf("poll %d: decommissioned node = %+v, want gone since poll 2 with its identity, no error", i+2, n)
		}
		if len(snap.Errors) != 0 {
			t.Errorf("poll %d: errors %v, want none", i+2, snap.Errors)
		}
		orders := findTopic(t, snap, "orders")
		if orders.Partial || orders.Messages != 1+3 || slices.Contains(orders.Nodes, gone) || orders.Channels[0].Partial {
			t.Errorf("poll %d: orders = %+v, want complete with nodes 0 and 2 only", i+2, orders)
		}
	}
	// Still there with ForgetAfter to run: dropped by TestNodeForgotten's.
	if len(snap3.Nodes) != 3 {
		t.Errorf("%d nodes, want the gone one still listed", len(snap3.Nodes))
	}
}

// A node that held messages when it stopped answering is down, whatever
// the lookupds say: lookupd drops a crashed nsqd as it drops a retired one,
// and its messages are stranded. It is not forgotten while it holds them.
func TestNodeStoppedHoldingMessages(t *testing.T) {
	c := nsqtest.NewCluster(t, 2, 3)
	for i := range 3 {
		c.CreateChannel(i, "orders", "c")
		c.Publish(i, "orders", nsqtest.Messages(i+1)...)
	}
	c.WaitTopic("orders", 0, 1, 2)
	src := newSource(t, c, nsq.Config{Lookupds: c.LookupdURLs(), ForgetAfter: time.Nanosecond})
	poll(t, src)

	c.DecommissionNSQD(1)
	down := c.HTTPAddr(1)
	for i := range 3 {
		snap := poll(t, src)
		n := findNode(t, snap, down)
		if n.Gone || n.Up || n.Err == "" || n.Queued() != 2 {
			t.Errorf("poll %d: node = %+v, want down with its 2 messages", i+2, n)
		}
		if orders := findTopic(t, snap, "orders"); !orders.Partial || !orders.Channels[0].Partial {
			t.Errorf("poll %d: orders = %+v, want partial", i+2, orders)
		}
	}
}

// A node that requires TLS, and one whose broadcast address does not
// resolve here, are down with the reason in words.
func TestProtocolFaults(t *testing.T) {
	c := nsqtest.NewCluster(t, 2, 3,
		nsqtest.OnNode(1, nsqtest.BroadcastAddress("nsq-1.invalid")),
		nsqtest.OnNode(2, nsqtest.TLSRequired()))
	c.CreateTopic(0, "orders")
	src := newSource(t, c, nsq.Config{Lookupds: c.LookupdURLs(), Timeout: 5 * time.Second})
	snap := poll(t, src)

	if n := findNode(t, snap, c.HTTPAddr(0)); !n.Up {
		t.Errorf("node 0 = %+v", n)
	}
	_, httpsPort, _ := net.SplitHostPort(c.HTTPSAddr(2))
	tls := findNode(t, snap, c.HTTPAddr(2))
	if want := "nsqd " + c.HTTPAddr(2) + ": stats: HTTP 403: requires TLS (https port " + httpsPort + "); configure --nsq-tls"; tls.Up || tls.Err != want {
		t.Errorf("TLS node Err %q, want %q", tls.Err, want)
	}

	_, port, _ := net.SplitHostPort(c.HTTPAddr(1))
	addr := net.JoinHostPort("nsq-1.invalid", port)
	n := findNode(t, snap, addr)
	if strings.Contains(n.Err, "timed out") {
		t.Skipf("DNS did not answer here: %s", n.Err)
	}
	want := "nsqd " + addr + ": stats: lookupds " + strings.Join(c.LookupdURLs(), ", ") + " list nsqd at " + addr + ", which does not resolve"
	if n.Up || !strings.HasPrefix(n.Err, want) {
		t.Errorf("unresolvable node Err %q, want it to start %q", n.Err, want)
	}
	if len(snap.Errors) != 2 {
		t.Errorf("errors %v, want the two nodes'", snap.Errors)
	}
}

// Topics and channels registered in a lookupd that no node carries are
// listed as inactive, with the lookupds that list them.
func TestInactiveRegistrations(t *testing.T) {
	c := nsqtest.NewCluster(t, 2, 3)
	c.CreateChannel(0, "orders", "billing")
	c.WaitTopic("orders", 0)
	c.RegisterInLookupd(0, "ghost", "")
	c.RegisterInLookupd(0, "ghost", "c")
	c.RegisterInLookupd(1, "ghost", "")
	c.RegisterInLookupd(1, "orders", "phantom") // a channel no node has, of a topic one has
	urls := c.LookupdURLs()
	src := newSource(t, c, nsq.Config{Lookupds: urls})
	snap := poll(t, src)
	want := []sources.NSQInactive{
		{Topic: "ghost", Lookupds: urls},
		{Topic: "ghost", Channel: "c", Lookupds: urls[:1]},
		{Topic: "orders", Channel: "phantom", Lookupds: urls[1:]},
	}
	if !slices.EqualFunc(snap.Inactive, want, func(a, b sources.NSQInactive) bool {
		return a.Topic == b.Topic && a.Channel == b.Channel && slices.Equal(a.Lookupds, b.Lookupds)
	}) || snap.InactiveAt != snap.Taken {
		t.Errorf("inactive %+v at %v, want %+v at %v", snap.Inactive, snap.InactiveAt, want, snap.Taken)
	}
	if l := snap.Lookupds[0]; l.Topics != 2 || l.Nodes != 3 {
		t.Errorf("lookupd 0 = %+v, want 2 topics (orders, ghost) and 3 nodes", l)
	}
	if slices.Contains(topicNames(snap), "ghost") {
		t.Errorf("topics %v: a registration no node carries is no topic", topicNames(snap))
	}

	// Read every few polls, not every poll: the next poll carries the same list.
	c.CreateChannel(1, "orders", "phantom")
	next := poll(t, src)
	if next.InactiveAt != snap.InactiveAt || len(next.Inactive) != 3 {
		t.Errorf("next poll: inactive %+v at %v, want the reading of %v", next.Inactive, next.InactiveAt, snap.InactiveAt)
	}
}

// A channel paused on one node while messages arrive climbs and never
// drains; one whose consumer keeps up holds steady; trends fill oldest first.
func TestTrendsOnCluster(t *testing.T) {
	c := nsqtest.NewCluster(t, 2, 3)
	for i := range 3 {
		c.CreateChannel(i, "orders", "audit")
		c.CreateChannel(i, "orders", "billing")
	}
	c.PauseChannel(0, "orders", "audit")
	c.Consume("orders", "billing", nsqtest.Finish())
	src := newSource(t, c, nsq.Config{Lookupds: c.LookupdURLs()})
	var snaps []*sources.NSQSnapshot
	sent := 0
	for i := range 5 {
		// Each poll sees more: published on node 0 and copied to its channels.
		c.Publish(0, "orders", nsqtest.Messages(i+1)...)
		sent += i + 1
		nsqtest.WaitFor(t, "every message copied and billing consumed", func() bool {
			a, _ := c.NSQD(0).FindChannel(t, "orders", "audit")
			b, _ := c.NSQD(0).FindChannel(t, "orders", "billing")
			return a.Depth == int64(sent) && b.MessageCount == uint64(sent) && b.Depth == 0 && b.InFlightCount == 0
		})
		snaps = append(snaps, poll(t, src))
	}
	last := snaps[4]
	orders := findTopic(t, last, "orders")
	audit, billing := findChannel(t, orders, "audit"), findChannel(t, orders, "billing")
	if want := []int64{1, 3, 6, 10, 15}; !slices.Equal(audit.Depths, want) {
		t.Errorf("audit depths %v, want %v", audit.Depths, want)
	}
	if !audit.Climbing || audit.Drain != sources.CatchUpNever || audit.Out != 0 || audit.In <= 0 || audit.Paused || len(audit.PausedOn) != 1 {
		t.Errorf("audit = %+v, want climbing, never draining, in > 0, out 0, paused on one node", audit)
	}
	if billing.Climbing || billing.Drain != 0 || billing.Outs[0] != -1 || billing.Outs[4] <= 0 || len(billing.Outs) != 5 {
		t.Errorf("billing = %+v, want empty (drain 0), out rates known after the first poll", billing)
	}
	if len(orders.Ins) != 5 || orders.Ins[0] != -1 || orders.Ins[4] != 5/last.Taken.Sub(snaps[3].Taken).Seconds() {
		t.Errorf("orders in rates %v", orders.Ins)
	}
	// Earlier snapshots keep the trends they were published with.
	if d := findChannel(t, findTopic(t, snaps[2], "orders"), "audit").Depths; !slices.Equal(d, []int64{1, 3, 6}) {
		t.Errorf("snapshot 3's audit depths became %v", d)
	}
	if d := findChannel(t, findTopic(t, snaps[0], "orders"), "audit").Depths; len(d) != 1 {
		t.Errorf("snapshot 1's audit depths became %v", d)
	}
}
