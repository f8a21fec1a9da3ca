package health

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/topicat/topicat/sources"
)

var nsqLookupdURLs = []string{"http://l1:4161", "http://l2:4161"}

// nsq3 is a healthy snapshot to build cases on: two lookupds and three nsqd
// (n1:4151, n2:4151, n3:4151) that both know, carrying nothing yet.
func nsq3() *sources.NSQSnapshot {
	s := &sources.NSQSnapshot{Meta: sources.Meta{LastOK: t0, Taken: t0}}
	for _, l := range nsqLookupdURLs {
		s.Lookupds = append(s.Lookupds, sources.Lookupd{Addr: l, Up: true, Version: "1.3.0", Nodes: 3})
	}
	for i := range 3 {
		s.Nodes = append(s.Nodes, sources.NSQNode{Addr: fmt.Sprintf("n%d:4151", i+1), Up: true, Health: "OK", Version: "1.3.0", Lookupds: nsqLookupdURLs})
	}
	return s
}

// carry puts a topic with channels on node i (0 is n1).
func carry(s *sources.NSQSnapshot, i int, topic string, chans ...sources.NSQChannelStats) *sources.NSQTopicStats {
	n := &s.Nodes[i]
	n.Topics = append(n.Topics, sources.NSQTopicStats{Name: topic, In: -1, Channels: chans})
	return &n.Topics[len(n.Topics)-1]
}

// ch is a channel on one node with its depth and clients, its rates unknown.
func ch(name string, depth int64, clients int) sources.NSQChannelStats {
	return sources.NSQChannelStats{Name: name, Depth: depth, Clients: clients, In: -1, Out: -1, RequeueRate: -1, TimeoutRate: -1}
}

// with changes a channel.
func with(c sources.NSQChannelStats, edit func(*sources.NSQChannelStats)) sources.NSQChannelStats {
	edit(&c)
	return c
}

func pause(c *sources.NSQChannelStats) { c.Paused = true }

// redeliveries sets a channel's messages and requeues since nsqd started,
// and its requeue rate, timeout rate, IN/s and OUT/s over the last poll
// interval (negative: unknown, as on a first poll).
func redeliveries(msgs, requeued uint64, requeueRate, timeoutRate, in, out float64) func(*sources.NSQChannelStats) {
	return func(c *sources.NSQChannelStats) {
		c.Messages, c.Requeued, c.RequeueRate, c.TimeoutRate, c.In, c.Out = msgs, requeued, requeueRate, timeoutRate, in, out
		if requeueRate < 0 {
			c.TimeoutRate = -1 // both come from the same two answers
		}
	}
}

func TestNSQFindings(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(s *sources.NSQSnapshot)
		want []string // severity, subject and the start of the title, worst first
		// why and fix must mention these (the first finding wanted)
		why, fix string
	}{
		{"healthy", func(s *sources.NSQSnapshot) {
			for i := range 3 {
				carry(s, i, "orders", ch("audit", 5, 1))
			}
		}, nil, "", ""},
		{"paused on one node of three, no clients on the other two", func(s *sources.NSQSnapshot) {
			carry(s, 0, "orders", with(ch("audit", 40, 0), pause))
			carry(s, 1, "orders", ch("audit", 60, 0))
			carry(s, 2, "orders", ch("audit", 60, 0))
		}, []string{
			"warning channel orders/audit: depth 120 and no clients on n2:4151, n3:4151",
			"info channel orders/audit: paused with depth 40 on 1 of 3 nodes (n1:4151)",
		}, "messages pile up unread", "start a consumer"},
		{"paused everywhere", func(s *sources.NSQSnapshot) {
			for i := range 3 {
				carry(s, i, "orders", with(ch("audit", 10, 1), pause))
			}
		}, []string{"info channel orders/audit: paused with depth 30"}, "nothing is delivered", "topicat unpause nsq orders/audit"},
		{"paused on one node while producers publish", func(s *sources.NSQSnapshot) {
			carry(s, 0, "orders", with(ch("audit", 40, 1), func(c *sources.NSQChannelStats) { c.Paused, c.In, c.Out = true, 2.5, 0 }))
			carry(s, 1, "orders", ch("audit", 0, 1))
			carry(s, 2, "orders", ch("audit", 0, 1))
		}, []string{"warning channel orders/audit: paused with depth 40, growing 2.5/s on 1 of 3 nodes (n1:4151)"},
			"not paused on the other nodes: a pause that reached only some of them is usually a mistake", "pause it on every node"},
		{"paused everywhere, its depth climbing over the polls", func(s *sources.NSQSnapshot) {
			for i := range 3 {
				carry(s, i, "orders", with(ch("audit", 10, 1), pause))
			}
			s.Topics = []sources.NSQTopic{{Name: "orders", Channels: []sources.NSQChannel{{Topic: "orders", Name: "audit", Depth: 30, Clients: 3,
				Paused: true, Climbing: true, In: -1, Out: -1, Depths: []int64{10, 20, 30}, Drain: sources.CatchUpNever}}}}
		}, []string{"warning channel orders/audit: paused with depth 30, growing"}, "the backlog grows until it is unpaused", ""},
		{"clients on two nodes, none where messages wait", func(s *sources.NSQSnapshot) {
			carry(s, 0, "orders", ch("audit", 0, 2))
			carry(s, 1, "orders", ch("audit", 70, 0))
			carry(s, 2, "orders", ch("audit", 0, 1))
		}, []string{"warning channel orders/audit: depth 70 and no clients on n2:4151"},
			"consumers are connected to n1:4151, n3:4151", "find and reach these nodes"},
		{"an ephemeral channel without clients is on its way out", func(s *sources.NSQSnapshot) {
			for i := range 3 {
				carry(s, i, "orders", ch("audit", 0, 1), ch("tail#ephemeral", 5, 0))
			}
		}, nil, "", ""},
		{"a topic with channels on two nodes and none on the third", func(s *sources.NSQSnapshot) {
			carry(s, 0, "orders", ch("audit", 0, 1))
			carry(s, 1, "orders", ch("audit", 0, 1))
			carry(s, 2, "orders").Depth = 12
		}, []string{"warning topic orders: depth 12 and no channels on n3:4151"}, "only into the channels on the node", "create the channels on these nodes"},
		{"a topic without channels", func(s *sources.NSQSnapshot) {
			carry(s, 0, "orphans").Depth = 5
		}, []string{"warning topic orphans: depth 5 and no channels"}, "nowhere to go", "create a channel"},
		{"a topic paused on one node", func(s *sources.NSQSnapshot) {
			tp := carry(s, 0, "orders", ch("audit", 0, 1))
			tp.Paused, tp.Depth = true, 5
			carry(s, 1, "orders", ch("audit", 0, 1))
			carry(s, 2, "orders", ch("audit", 0, 1))
		}, []string{"info topic orders: paused with depth 5 on 1 of 3 nodes (n1:4151)"}, "its channels get nothing", "topicat pause|unpause nsq orders acts"},
		{"a topic nothing consumes", func(s *sources.NSQSnapshot) {
			for i := range 3 {
				carry(s, i, "orders", ch("audit", 10, 0), ch("billing", 10, 0))
			}
		}, []string{
			"warning channel orders/audit: depth 30 and no clients",
			"warning channel orders/billing: depth 30 and no clients",
			"warning topic orders: no clients on any of its 2 channels, depth 60",
		}, "", ""},
		{"a topic nothing consumes, said once for its one channel", func(s *sources.NSQSnapshot) {
			for i := range 3 {
				carry(s, i, "orders", ch("audit", 10, 0), ch("tail#ephemeral", 0, 1))
			}
		}, []string{"warning channel orders/audit: depth 30 and no clients"}, "", ""},
		{"an idle topic nothing consumes", func(s *sources.NSQSnapshot) {
			for i := range 3 {
				carry(s, i, "orders", ch("audit", 0, 0))
			}
		}, []string{"info topic orders: no clients on its channel audit"}, "nothing waits yet", "start the consumers of audit"},
		{"a topic nothing consumes while messages arrive", func(s *sources.NSQSnapshot) {
			for i := range 3 {
				carry(s, i, "orders", ch("audit", 0, 0)).In = 1
			}
		}, []string{"warning topic orders: no clients on its channel audit, depth 0"}, "waits there unread", ""},
		{"depth climbing where consumers are connected", func(s *sources.NSQSnapshot) {
			rates := func(in, out float64) func(*sources.NSQChannelStats) {
				return func(c *sources.NSQChannelStats) { c.In, c.Out = in, out }
			}
			carry(s, 0, "orders", with(ch("audit", 20, 1), rates(5, 5)))
			carry(s, 1, "orders", with(ch("audit", 100, 1), rates(10, 2)))
			carry(s, 2, "orders", with(ch("audit", 0, 1), rates(3, 3)))
			s.Topics = []sources.NSQTopic{{Name: "orders", Channels: []sources.NSQChannel{{Topic: "orders", Name: "audit", Depth: 120, Clients: 3,
				In: 18, Out: 10, Climbing: true, Depths: []int64{-1, 10, 20, 50, 120}, Drain: sources.CatchUpNever}}}}
		}, []string{"warning channel orders/audit: depth climbing to 120 (+110 over 3 polls), never drains at this pace; growing on n2:4151"},
			"slower than they arrive: the backlog, and every message's wait, grow (10.0/s in, 2.0/s out there)", "add consumers"},
		{"depth climbing where consumers are connected everywhere", func(s *sources.NSQSnapshot) {
			for i := range 3 {
				carry(s, i, "orders", with(ch("audit", 40, 1), func(c *sources.NSQChannelStats) { c.In, c.Out = 6, 4 }))
			}
			s.Topics = []sources.NSQTopic{{Name: "orders", Channels: []sources.NSQChannel{{Topic: "orders", Name: "audit", Depth: 120, Clients: 3,
				In: 18, Out: 12, Climbing: true, Depths: []int64{90, 100, 110, 120}, Drain: sources.CatchUpNever}}}}
		}, []string{"warning channel orders/audit: depth climbing to 120 (+30 over 3 polls), never drains at this pace"},
			"grow (18.0/s in, 12.0/s out)", ""},
		{"depth climbing because it is paused on one node: a message in flight elsewhere is no climb", func(s *sources.NSQSnapshot) {
			carry(s, 0, "orders", with(ch("audit", 88, 1), func(c *sources.NSQChannelStats) { c.Paused, c.In, c.Out = true, 5, 0 }))
			carry(s, 1, "orders", with(ch("audit", 0, 1), func(c *sources.NSQChannelStats) { c.In, c.Out = 5, 4.5 }))
			carry(s, 2, "orders", with(ch("audit", 0, 1), func(c *sources.NSQChannelStats) { c.In, c.Out = 5, 5 }))
			s.Topics = []sources.NSQTopic{{Name: "orders", Channels: []sources.NSQChannel{{Topic: "orders", Name: "audit", Depth: 88, Clients: 3,
				In: 15, Out: 9.5, Climbing: true, Depths: []int64{58, 68, 78, 88}, Drain: sources.CatchUpNever}}}}
		}, []string{"warning channel orders/audit: paused with depth 88, growing 5.0/s on 1 of 3 nodes (n1:4151)"}, "", ""},
		{"depth climbing, the nodes' rates not known yet", func(s *sources.NSQSnapshot) {
			for i := range 3 {
				carry(s, i, "orders", ch("audit", int64(i+2), 1))
			}
			s.Topics = []sources.NSQTopic{{Name: "orders", Channels: []sources.NSQChannel{{Topic: "orders", Name: "audit", Depth: 9, Clients: 3,
				In: -1, Out: -1, Climbing: true, Depths: []int64{6, 4, 9}, Drain: 90 * time.Second}}}}
		}, []string{"warning channel orders/audit: depth climbing to 9 (+5 over 1 poll), drains in about 1m30s"}, "", ""},
		{"depth climbing where nothing consumes is said once", func(s *sources.NSQSnapshot) {
			for i := range 3 {
				carry(s, i, "orders", with(ch("audit", 10, 0), func(c *sources.NSQChannelStats) { c.In, c.Out = 1, 0 }))
			}
			s.Topics = []sources.NSQTopic{{Name: "orders", Channels: []sources.NSQChannel{{Topic: "orders", Name: "audit", Depth: 30,
				In: 3, Out: 0, Climbing: true, Depths: []int64{10, 20, 30}, Drain: sources.CatchUpNever}}}}
		}, []string{"warning channel orders/audit: depth 30 and no clients"}, "", ""},
		{"depth climbing only where it has no clients", func(s *sources.NSQSnapshot) {
			carry(s, 0, "orders", with(ch("audit", 0, 1), func(c *sources.NSQChannelStats) { c.In, c.Out = 1, 1 }))
			carry(s, 1, "orders", with(ch("audit", 30, 0), func(c *sources.NSQChannelStats) { c.In, c.Out = 1, 0 }))
			s.Topics = []sources.NSQTopic{{Name: "orders", Channels: []sources.NSQChannel{{Topic: "orders", Name: "audit", Depth: 30, Clients: 1,
				In: 2, Out: 1, Climbing: true, Depths: []int64{10, 20, 30}, Drain: sources.CatchUpNever}}}}
		}, []string{"warning channel orders/audit: depth 30 and no clients on n2:4151"}, "", ""},
		{"requeues", func(s *sources.NSQSnapshot) {
			requeued := func(n uint64) func(*sources.NSQChannelStats) {
				return func(c *sources.NSQChannelStats) { c.Messages, c.Requeued = 1000, n }
			}
			carry(s, 0, "orders", with(ch("audit", 0, 1), requeued(300)))
			carry(s, 1, "orders", with(ch("audit", 0, 1), requeued(5)))
			carry(s, 2, "orders", with(ch("audit", 0, 1), requeued(160)))
		}, []string{"warning channel orders/audit: 460 requeues for 2000 messages since nsqd started on n1:4151, n3:4151"},
			"instead of finishing them: each comes back and is processed again, and the channel's depth stays up; 23% of its messages since nsqd started", "MaxAttempts"},
		{"timeouts", func(s *sources.NSQSnapshot) {
			timedOut := func(msgs, n uint64) func(*sources.NSQChannelStats) {
				return func(c *sources.NSQChannelStats) { c.Messages, c.TimedOut = msgs, n }
			}
			carry(s, 0, "orders", with(ch("audit", 0, 1), timedOut(1000, 60)))
			carry(s, 1, "orders", with(ch("audit", 0, 1), timedOut(1000, 40)))
			carry(s, 2, "orders", with(ch("audit", 0, 1), timedOut(10, 9)))
		}, []string{"warning channel orders/audit: 60 timeouts for 1000 messages since nsqd started on n1:4151"}, "processed twice; 6% of its messages", "Touch"},
		{"a recent requeue storm on a channel with a long quiet past", func(s *sources.NSQSnapshot) {
			carry(s, 0, "orders", with(ch("audit", 0, 1), redeliveries(1e6, 100, 0, 0, 10, 10)))
			carry(s, 1, "orders", with(ch("audit", 0, 1), redeliveries(1e6, 1000, 4.2, 0, 12, 10)))
			carry(s, 2, "orders", with(ch("audit", 0, 1), redeliveries(1e6, 100, 0, 0, 10, 10)))
		}, []string{"warning channel orders/audit: requeues 4.2/s, 35% of deliveries, on n2:4151"},
			"the channel's depth stays up; measured between the last two polls, against 12.0/s delivered", "MaxAttempts"},
		{"an old requeue storm, now quiet", func(s *sources.NSQSnapshot) {
			for i := range 3 {
				carry(s, i, "orders", with(ch("audit", 0, 1), redeliveries(1000, 500, 0.05, 0, 10, 10)))
			}
		}, nil, "", ""},
		{"requeues past the minimum rate, a small share of a busy channel", func(s *sources.NSQSnapshot) {
			carry(s, 0, "orders", with(ch("audit", 0, 1), redeliveries(1000, 500, 5, 0, 40, 60)))
		}, nil, "", ""},
		{"a recent timeout storm", func(s *sources.NSQSnapshot) {
			carry(s, 0, "orders", with(ch("audit", 0, 1), func(c *sources.NSQChannelStats) {
				c.Messages, c.TimedOut, c.In, c.Out, c.RequeueRate, c.TimeoutRate = 1e6, 0, 10, 8, 0, 0.6
			}))
		}, []string{"warning channel orders/audit: timeouts 0.6/s, 6% of deliveries"}, "processed twice; measured between the last two polls", "Touch"},
		{"requeues while nothing is finished", func(s *sources.NSQSnapshot) {
			for i := range 3 {
				carry(s, i, "orders", with(ch("audit", 0, 1), redeliveries(100, 60, 2, 0, 0, 0)))
			}
		}, []string{"warning channel orders/audit: requeues 6.0/s, none finished"}, "", ""},
		{"rates known on some nodes: the others fall back to their counts since nsqd started", func(s *sources.NSQSnapshot) {
			carry(s, 0, "orders", with(ch("audit", 0, 1), redeliveries(1000, 900, 0, 0, 5, 5))) // a storm long over
			carry(s, 1, "orders", with(ch("audit", 0, 1), redeliveries(1000, 10, 3, 0, 5, 5)))  // one now
			carry(s, 2, "orders", with(ch("audit", 0, 1), redeliveries(1000, 300, -1, 0, -1, -1)))
		}, []string{
			"warning channel orders/audit: requeues 3.0/s, 60% of deliveries, on n2:4151",
			"warning channel orders/audit: 300 requeues for 1000 messages since nsqd started on n3:4151",
		}, "against 5.0/s delivered", ""},
		{"a message on disk", func(s *sources.NSQSnapshot) {
			carry(s, 0, "orders", ch("audit", 0, 1))
			carry(s, 1, "orders", with(ch("audit", 1, 1), func(c *sources.NSQChannelStats) { c.BackendDepth = 1 }))
		}, []string{"info channel orders/audit: 1 message spilled to disk on n2:4151"}, "--mem-queue-size", ""},
		{"a node down: its last figures are not judged", func(s *sources.NSQSnapshot) {
			carry(s, 0, "orders", ch("audit", 0, 1))
			carry(s, 1, "orders", ch("audit", 0, 1))
			carry(s, 2, "orders", ch("audit", 40, 0))
			carry(s, 2, "lonely").Depth = 5
			s.Nodes[2].Up, s.Nodes[2].Err, s.Nodes[2].DownSince = false, "nsqd n3:4151 stats: connection refused", t0
			s.Topics = []sources.NSQTopic{{Name: "lonely", Depth: 5, In: -1, Partial: true}}
		}, []string{"error nsqd n3:4151: nsqd is down"},
			"the totals of its 2 topics miss its share, and the 45 messages queued on it at its last answer are not delivered", "connection refused"},
		{"a node down with one message", func(s *sources.NSQSnapshot) {
			carry(s, 2, "orders", ch("audit", 1, 0))
			s.Nodes[2].Up = false
		}, []string{"error nsqd n3:4151: nsqd is down"}, "the totals of its 1 topic miss its share, and the 1 message queued on it at its last answer is not delivered", ""},
		{"an empty node that left the cluster cleanly", func(s *sources.NSQSnapshot) {
			carry(s, 2, "orders", ch("audit", 0, 0))
			n := &s.Nodes[2]
			n.Up, n.Gone, n.GoneSince, n.Lookupds, n.Version = false, true, t0, nil, "1.2.0"
		}, []string{"info nsqd n3:4151: left the cluster cleanly"},
			"then dropped (gone since 2026-01-01T12:00:00Z); it held no messages at its last answer, so it was most likely retired", "nothing, if it was retired"},
		{"a lookupd down", func(s *sources.NSQSnapshot) {
			l := &s.Lookupds[1]
			l.Up, l.Nodes, l.Topics, l.DownSince, l.Err = false, -1, -1, t0, "lookupd http://l2:4161 nodes: connection refused"
			for i := range s.Nodes {
				s.Nodes[i].Lookupds = nsqLookupdURLs[:1]
			}
		}, []string{"warning lookupd http://l2:4161: lookupd unreachable"}, "down since 2026-01-01T12:00:00Z", "connection refused"},
		{"every lookupd down", func(s *sources.NSQSnapshot) {
			for i := range s.Lookupds {
				s.Lookupds[i].Up, s.Lookupds[i].Nodes, s.Lookupds[i].Topics = false, -1, -1
			}
			for i := range s.Nodes {
				s.Nodes[i].Lookupds = nil
			}
			carry(s, 0, "orders", ch("audit", 3, 1))
		}, []string{"warning lookupd http://l1:4161: lookupd unreachable", "warning lookupd http://l2:4161: lookupd unreachable"}, "", ""},
		{"messages on a node no lookupd knows", func(s *sources.NSQSnapshot) {
			carry(s, 0, "orders", ch("audit", 0, 1))
			carry(s, 2, "orders", ch("audit", 40, 1))
			s.Nodes[2].Lookupds = nil
		}, []string{"warning nsqd n3:4151: 40 messages on a node no lookupd knows"},
			"never connect to it, so what is queued on it (topic orders 40) is never read", "--lookupd-tcp-address"},
		{"an empty node no lookupd knows", func(s *sources.NSQSnapshot) {
			s.Nodes[2].Lookupds = nil
		}, []string{"warning nsqd n3:4151: known to 0 of 2 lookupds"}, "", ""},
		{"an empty node the one lookupd up does not know", func(s *sources.NSQSnapshot) {
			s.Lookupds[1].Up, s.Lookupds[1].Nodes, s.Lookupds[1].Topics = false, -1, -1
			s.Nodes[2].Lookupds = nil
			for i := range 2 {
				s.Nodes[i].Lookupds = nsqLookupdURLs[:1]
			}
		}, []string{"warning lookupd http://l2:4161: lookupd unreachable", "warning nsqd n3:4151: known to 0 of 1 lookupd"}, "", ""},
		{"a node one lookupd misses", func(s *sources.NSQSnapshot) {
			s.Nodes[1].Lookupds = nsqLookupdURLs[1:]
		}, []string{"warning nsqd n2:4151: known to 1 of 2 lookupds"}, "", ""},
		{"unhealthy, and older", func(s *sources.NSQSnapshot) {
			s.Nodes[0].Health = "NOK - failed to write to disk"
			s.Nodes[1].Version = "1.2.1"
		}, []string{"error nsqd n1:4151: nsqd unhealthy", "info nsqd n2:4151: older version 1.2.1"}, "failed to write to disk", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := nsq3()
			tc.edit(s)
			fs := NSQ(s)
			got := titles(fs)
			if len(got) != len(tc.want) {
				t.Fatalf("findings %q, want %q", got, tc.want)
			}
			for i, w := range tc.want {
				if !strings.HasPrefix(got[i], w) {
					t.Errorf("finding %d = %q, want %q…", i, got[i], w)
				}
			}
			if len(fs) > 0 && (!strings.Contains(fs[0].Why, tc.why) || !strings.Contains(fs[0].Fix, tc.fix)) {
				t.Errorf("why %q, fix %q; want them to mention %q and %q", fs[0].Why, fs[0].Fix, tc.why, tc.fix)
			}
		})
	}
	if NSQ(nil) != nil {
		t.Error("a nil snapshot has findings")
	}
}

// TestNSQFindingsEveryOneExplained: every finding says why and what to do,
// worst first, in words: no unknown figure (-1) reaches the text.
func TestNSQFindingsEveryOneExplained(t *testing.T) {
	s := nsq3()
	s.Lookupds[1].Up, s.Lookupds[1].Nodes, s.Lookupds[1].Topics = false, -1, -1
	s.Nodes[0].Lookupds = nil
	s.Nodes[1].Version = "1.2.0"
	carry(s, 0, "orders", with(ch("audit", 40, 0), pause), with(ch("billing", 5, 1), func(c *sources.NSQChannelStats) {
		c.Messages, c.Requeued, c.TimedOut, c.BackendDepth = 100, 50, 50, 5
	}))
	carry(s, 1, "orders", ch("audit", 60, 0)).Paused = true
	carry(s, 1, "orphans").Depth = 3
	carry(s, 2, "lonely", ch("x", 1, 0))
	s.Nodes[2].Up = false
	s.Topics = []sources.NSQTopic{{Name: "orders", In: -1, Channels: []sources.NSQChannel{
		{Topic: "orders", Name: "billing", Depth: 5, Clients: 1, In: -1, Out: -1, Climbing: true, Depths: []int64{-1, 1, 5}, Drain: sources.CatchUpUnknown}}}}
	fs := NSQ(s)
	if len(fs) < 10 {
		t.Fatalf("findings %q", titles(fs))
	}
	for _, f := range fs {
		if f.Why == "" || f.Fix == "" || f.Subject == "" || f.System != sources.NSQ {
			t.Errorf("finding without its explanation: %+v", f)
		}
		for _, text := range []string{f.Title, f.Why, f.Fix} {
			if regexp.MustCompile(`(^|[^0-9])-1([^0-9]|$)`).MatchString(text) || strings.Contains(text, "(s)") {
				t.Errorf("finding %q says %q", f.Title, text)
			}
		}
	}
	if !slices.IsSortedFunc(fs, func(a, b Finding) int { return int(b.Severity) - int(a.Severity) }) {
		t.Errorf("not worst first: %q", titles(fs))
	}
}

func TestRisen(t *testing.T) {
	for _, tc := range []struct {
		depths []int64
		rise   int64
		polls  int
	}{
		{nil, 0, 0},
		{[]int64{5}, 0, 0},
		{[]int64{5, 5}, 0, 0},
		{[]int64{9, 5}, 0, 0},
		{[]int64{-1, 5}, 0, 0},
		{[]int64{3, 5}, 2, 1},
		{[]int64{9, 3, 5, 8}, 5, 2},
		{[]int64{1, 2, -1, 3, 7}, 4, 1},
	} {
		if rise, polls := risen(tc.depths); rise != tc.rise || polls != tc.polls {
			t.Errorf("risen(%v) = %d over %d, want %d over %d", tc.depths, rise, polls, tc.rise, tc.polls)
		}
	}
}

func TestNSQChannelClients(t *testing.T) {
	client := func(node string, ready int64) sources.NSQClient {
		return sources.NSQClient{Node: node, ClientID: "c", ReadyCount: ready, State: 3}
	}
	for _, tc := range []struct {
		name    string
		depths  [3]int64 // of orders/audit on n1, n2, n3
		clients []sources.NSQClient
		want    []string
	}{
		{"ready", [3]int64{5, 5, 5}, []sources.NSQClient{client("n1:4151", 1), client("n2:4151", 1), client("n3:4151", 1)}, nil},
		{"no clients: the poll says it", [3]int64{5, 5, 5}, nil, nil},
		{"every client at ready 0 while messages wait", [3]int64{5, 0, 7},
			[]sources.NSQClient{client("n1:4151", 0), client("n1:4151", 0), client("n3:4151", 0)},
			[]string{"warning channel orders/audit: 3 clients connected, none ready (ready count 0)"}},
		{"one client at ready 0, nothing waiting", [3]int64{0, 0, 0}, []sources.NSQClient{client("n2:4151", 0)},
			[]string{"info channel orders/audit: 1 client connected, none ready (ready count 0)"}},
		{"nodes taking turns: max-in-flight below the nodes", [3]int64{0, 8, 4},
			[]sources.NSQClient{client("n1:4151", 1), client("n2:4151", 0), client("n3:4151", 0)},
			[]string{"info channel orders/audit: no client ready on n2:4151, n3:4151 with depth 12"}},
		{"a node without clients is the poll's finding", [3]int64{0, 8, 0},
			[]sources.NSQClient{client("n1:4151", 1), client("n3:4151", 0)}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := nsq3()
			for i, d := range tc.depths {
				carry(s, i, "orders", ch("audit", d, 1))
			}
			fs := NSQChannelClients(s, &sources.NSQChannelDetail{Topic: "orders", Channel: "audit", Clients: tc.clients})
			if got := titles(fs); !slices.Equal(got, tc.want) {
				t.Fatalf("findings %q, want %q", got, tc.want)
			}
			for _, f := range fs {
				if f.Why == "" || f.Fix == "" || f.System != sources.NSQ {
					t.Errorf("finding without its explanation: %+v", f)
				}
			}
		})
	}
	if NSQChannelClients(nsq3(), nil) != nil || NSQChannelClients(nil, &sources.NSQChannelDetail{}) != nil {
		t.Error("findings without a detail or a snapshot")
	}
}

// BenchmarkNSQ: the findings of a snapshot at the largest size (100
// nsqd × 100 topics × 3 channels), computed on every snapshot the dashboard
// takes in.
func BenchmarkNSQ(b *testing.B) {
	s := &sources.NSQSnapshot{Meta: sources.Meta{LastOK: t0, Taken: t0}, Lookupds: []sources.Lookupd{{Addr: nsqLookupdURLs[0], Up: true}}}
	for i := range 100 {
		n := sources.NSQNode{Addr: fmt.Sprintf("10.0.%d.%d:4151", i/250, i%250), Up: true, Health: "OK", Version: "1.3.0", Lookupds: nsqLookupdURLs[:1]}
		for ti := range 100 {
			tp := sources.NSQTopicStats{Name: fmt.Sprintf("topic-%03d", ti), In: 1}
			for ci := range 3 {
				// Every tenth channel has no clients, so there are findings to write.
				tp.Channels = append(tp.Channels, sources.NSQChannelStats{Name: fmt.Sprintf("channel-%d", ci), Depth: int64(ci), Clients: min(ti%10, 1), In: 1, Out: 1})
			}
			n.Topics = append(n.Topics, tp)
		}
		s.Nodes = append(s.Nodes, n)
	}
	b.ReportAllocs()
	for b.Loop() {
		NSQ(s)
	}
}
