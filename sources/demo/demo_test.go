package demo

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/sources/health"
	"github.com/topicat/topicat/sources/kafka"
	"github.com/topicat/topicat/sources/nsq"
)

// TestDemoShowsWhatItPromises starts the demo and reads it back through the
// same pollers the dashboard uses: the seeded topics, groups and channels are
// there, traffic flows, and the health findings the demo exists to show appear.
func TestDemoShowsWhatItPromises(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	c, err := Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	a := c.Addrs()
	if len(a.Brokers) != 3 || len(a.LookupdHTTP) != nsqLookupds || len(a.NSQDHTTP) != nsqNodes || len(a.NSQDTCP) != nsqNodes {
		t.Fatalf("addresses: %+v", a)
	}

	ks, err := kafka.New(kafka.Config{Brokers: a.Brokers, Interval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); ks.Close() })
	ns, err := nsq.New(nsq.Config{Lookupds: a.LookupdHTTP, Interval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	go ks.Run(ctx)
	go ns.Run(ctx)

	// Poll until the picture is complete; the bound only stops a hang.
	deadline := time.Now().Add(60 * time.Second)
	var k *sources.KafkaSnapshot
	var n *sources.NSQSnapshot
	for {
		select {
		case s := <-ks.Updates():
			k = s.(*sources.KafkaSnapshot)
		case s := <-ns.Updates():
			n = s.(*sources.NSQSnapshot)
		case <-time.After(time.Second):
		}
		if k != nil && n != nil && demoComplete(k, n) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("demo never showed everything; kafka: %+v\nnsq: %+v", k, n)
		}
	}

	want := map[string]bool{}
	for _, f := range health.All(k, n) {
		want[f.Subject+": "+f.Title] = true
	}
	for _, finding := range []string{"topic audit-log: replication factor 1", "channel notifications/push"} {
		found := false
		for got := range want {
			found = found || strings.HasPrefix(got, finding)
		}
		if !found {
			t.Errorf("health lacks %q; has %v", finding, want)
		}
	}
}

// demoComplete reports whether both snapshots show the demo's whole story.
func demoComplete(k *sources.KafkaSnapshot, n *sources.NSQSnapshot) bool {
	if len(k.Brokers) != 3 || len(n.Nodes) != nsqNodes || len(n.Lookupds) != nsqLookupds {
		return false
	}
	for _, node := range n.Nodes {
		if !node.Up || len(node.Lookupds) != nsqLookupds {
			return false
		}
	}
	topics := map[string]sources.Topic{}
	for _, t := range k.Topics {
		topics[t.Name] = t
	}
	for _, want := range kafkaTopics {
		t, ok := topics[want.name]
		if !ok || len(t.Partitions) != int(want.partitions) || t.ReplicationFactor != int(want.rf) || t.Messages == 0 || t.Rate <= 0 {
			return false
		}
	}
	groups := map[string]sources.Group{}
	for _, g := range k.Groups {
		groups[g.ID] = g
	}
	if g := groups[groupAnalytics]; g.State != "Stable" || g.Lag <= 0 {
		return false
	}
	if g := groups[groupArchiver]; g.State != "Empty" || g.Lag <= 0 {
		return false
	}
	if g := groups[groupBilling]; g.State != "Stable" || g.Members == 0 {
		return false
	}
	channels := map[string]sources.NSQChannel{}
	for _, t := range n.Topics {
		for _, c := range t.Channels {
			channels[t.Name+"/"+c.Name] = c
		}
	}
	sender, push, archive := channels["emails/sender"], channels["notifications/push"], channels["events/archive"]
	inactive := slices.ContainsFunc(n.Inactive, func(i sources.NSQInactive) bool { return i.Topic == nsqInactive })
	// sender is paused on one node of three, not on the cluster; its
	// consumer drains the other two.
	return !sender.Paused && len(sender.PausedOn) == 1 && sender.Depth > 0 && sender.Clients > 0 &&
		push.Clients == 0 && push.Depth > 0 && archive.Clients > 0 && archive.Messages > 0 && inactive
}
