package nsq_test

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/sources/nsq"
	"github.com/topicat/topicat/sources/nsq/nsqtest"
)

// Directly configured nsqd, no lookupd at all.
func TestPollNSQDOnly(t *testing.T) {
	c := nsqtest.NewCluster(t, 0, 2)
	c.CreateChannel(0, "t", "c")
	c.CreateChannel(1, "t", "c")
	c.Publish(0, "t", nsqtest.Messages(3)...)
	c.Publish(1, "t", "one")
	src := newSource(t, c, nsq.Config{NSQDs: []string{c.HTTPAddr(0), "http://" + c.HTTPAddr(1)}})
	nsqtest.WaitFor(t, "messages copied to channel c", func() bool {
		tp := findTopic(t, poll(t, src), "t")
		return len(tp.Channels) == 1 && tp.Channels[0].Messages == 4
	})
	snap := poll(t, src)
	if len(snap.Lookupds) != 0 || len(snap.Errors) != 0 || len(snap.Nodes) != 2 {
		t.Fatalf("lookupds %v errors %v nodes %d", snap.Lookupds, snap.Errors, len(snap.Nodes))
	}
	for i := range 2 {
		n := findNode(t, snap, c.HTTPAddr(i))
		// Identity comes from /info when no lookupd tells it.
		if !n.Up || n.Hostname == "" || n.BroadcastAddress != "127.0.0.1" || "127.0.0.1:"+strconv.Itoa(n.TCPPort) != c.TCPAddr(i) ||
			"127.0.0.1:"+strconv.Itoa(n.HTTPPort) != c.HTTPAddr(i) || len(n.Lookupds) != 0 || n.Version != "1.3.0" {
			t.Errorf("node %d = %+v", i, n)
		}
	}
	tp := findTopic(t, snap, "t")
	if tp.Messages != 4 || len(tp.Nodes) != 2 || tp.Channels[0].Depth != 4 || tp.In < 0 {
		t.Errorf("t = %+v", tp)
	}
}

// A node both configured and listed by a lookupd, under another name, is one node.
func TestPollConfiguredAndDiscoveredMerge(t *testing.T) {
	c := nsqtest.NewCluster(t, 1, 2)
	alias := strings.Replace(c.HTTPAddr(0), "127.0.0.1", "localhost", 1)
	src := newSource(t, c, nsq.Config{Lookupds: c.LookupdURLs(), NSQDs: []string{alias}})
	snap := poll(t, src)
	if len(snap.Nodes) != 2 {
		t.Fatalf("%d nodes, want 2: %+v", len(snap.Nodes), snap.Nodes)
	}
	n := findNode(t, snap, alias)
	if !n.Up || !slices.Equal(n.Lookupds, c.LookupdURLs()) {
		t.Errorf("configured node = %+v, want up and known to the lookupd", n)
	}
	if n := findNode(t, snap, c.HTTPAddr(1)); !n.Up || len(n.Lookupds) != 1 {
		t.Errorf("discovered node = %+v", n)
	}
}

// Run delegates to the loop: snapshots arrive on Updates until ctx ends.
func TestRunPublishesSnapshots(t *testing.T) {
	c := nsqtest.NewCluster(t, 1, 1)
	src := newSource(t, c, nsq.Config{Lookupds: c.LookupdURLs()})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { src.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })

	first := (<-src.Updates()).(*sources.NSQSnapshot)
	if first.Seq != 1 || len(first.Nodes) != 1 || !first.Nodes[0].Up {
		t.Errorf("first snapshot %+v", first)
	}
	src.Refresh()
	second := (<-src.Updates()).(*sources.NSQSnapshot)
	if second.Seq < 2 {
		t.Errorf("second snapshot Seq %d", second.Seq)
	}
}
