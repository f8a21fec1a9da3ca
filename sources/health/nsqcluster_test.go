package health_test

import (
	"context"
	"errors"
	"io"
	"log"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	gonsq "github.com/nsqio/go-nsq"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/sources/health"
	"github.com/topicat/topicat/sources/nsq"
	"github.com/topicat/topicat/sources/nsq/nsqembed"
	"github.com/topicat/topicat/sources/nsq/nsqtest"
)

// The NSQ findings from real nsqd and nsqlookupd (two lookupds, three nsqd,
// in-process) read back through the NSQ source, as `topicat get health`
// does.

func newNSQSource(t *testing.T, c *nsqtest.Cluster, nsqds ...string) *nsq.Source {
	t.Helper()
	s, err := nsq.New(nsq.Config{Lookupds: c.LookupdURLs(), NSQDs: nsqds, HTTPClient: c.HTTPClient(), Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func pollNSQ(t *testing.T, s *nsq.Source) *sources.NSQSnapshot {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	snap, err := s.Poll(ctx)
	if err != nil {
		t.Fatalf("Poll: %v", err)
	}
	return snap
}

// unknownFigure is -1, what the snapshot holds for a figure not known, as
// a number of its own (not in a date).
var unknownFigure = regexp.MustCompile(`(^|[^0-9])-1([^0-9]|$)`)

func findingTitles(fs []health.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Severity.String()+" "+f.Subject+": "+f.Title)
	}
	return out
}

// inSnapshotOrder lists addresses as the snapshot orders its nodes, as the
// findings name them.
func inSnapshotOrder(snap *sources.NSQSnapshot, addrs ...string) string {
	var out []string
	for _, n := range snap.Nodes {
		if slices.Contains(addrs, n.Addr) {
			out = append(out, n.Addr)
		}
	}
	return strings.Join(out, ", ")
}

// matches tells whether text is pattern, where "…" in the pattern stands
// for any text.
func matches(text, pattern string) bool {
	parts := strings.Split(pattern, "…")
	for i, p := range parts {
		parts[i] = regexp.QuoteMeta(p)
	}
	return regexp.MustCompile("^" + strings.Join(parts, ".*") + "$").MatchString(text)
}

// waitChannel waits until a channel on nsqd i is as cond wants it.
func waitChannel(t *testing.T, c *nsqtest.Cluster, i int, topic, channel, what string, cond func(nsqtest.ChannelStats) bool) {
	t.Helper()
	n := c.NSQD(i)
	nsqtest.WaitFor(t, topic+"/"+channel+" on "+c.HTTPAddr(i)+" "+what, func() bool {
		ch, ok := n.FindChannel(t, topic, channel)
		return ok && cond(ch)
	})
}

// failing subscribes a go-nsq consumer to topic/channel on nsqd i that
// fails every message: go-nsq requeues it at once (no backoff, no delay)
// and finishes it after MaxAttempts (5).
func failing(t *testing.T, c *nsqtest.Cluster, i int, topic, channel string) {
	t.Helper()
	cfg := gonsq.NewConfig()
	cfg.MaxBackoffDuration, cfg.DefaultRequeueDelay = 0, 0
	cons, err := gonsq.NewConsumer(topic, channel, cfg)
	if err != nil {
		t.Fatal(err)
	}
	cons.SetLogger(log.New(io.Discard, "", 0), gonsq.LogLevelError)
	cons.AddHandler(gonsq.HandlerFunc(func(*gonsq.Message) error { return errors.New("cannot process") }))
	t.Cleanup(func() {
		cons.Stop()
		<-cons.StopChan
	})
	if err := cons.ConnectToNSQD(c.TCPAddr(i)); err != nil {
		t.Fatal(err)
	}
}

func TestNSQFindingsOnCluster(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []nsqtest.Option
		// before runs before the first poll; during, when set, before each
		// of the ten polls after it. The findings are the last poll's.
		before, during func(t *testing.T, c *nsqtest.Cluster)
		// severity, subject and title; "…" stands for any text
		want func(c *nsqtest.Cluster, snap *sources.NSQSnapshot) []string
		why  string // the first finding's why says this
	}{
		{
			name: "a channel paused on one node of three, unread on the other two",
			before: func(t *testing.T, c *nsqtest.Cluster) {
				for i := range 3 {
					c.CreateChannel(i, "orders", "audit")
					c.Publish(i, "orders", nsqtest.Messages(4)...)
				}
				c.PauseChannel(0, "orders", "audit")
			},
			want: func(c *nsqtest.Cluster, snap *sources.NSQSnapshot) []string {
				return []string{
					"warning channel orders/audit: depth 8 and no clients on " + inSnapshotOrder(snap, c.HTTPAddr(1), c.HTTPAddr(2)),
					"info channel orders/audit: paused with depth 4 on 1 of 3 nodes (" + c.HTTPAddr(0) + ")",
				}
			},
		},
		{
			name: "an nsqd and a lookupd stopped",
			before: func(t *testing.T, c *nsqtest.Cluster) {
				for i := range 3 {
					c.CreateChannel(i, "orders", "audit")
				}
				c.Consume("orders", "audit", nsqtest.Finish())
			},
			during: func(t *testing.T, c *nsqtest.Cluster) {
				c.StopNSQD(2)
				c.StopLookupd(1)
			},
			want: func(c *nsqtest.Cluster, snap *sources.NSQSnapshot) []string {
				return []string{
					"error nsqd " + c.HTTPAddr(2) + ": nsqd is down",
					"warning lookupd " + c.LookupdURLs()[1] + ": lookupd unreachable",
				}
			},
		},
		{
			name: "a topic nothing consumes",
			before: func(t *testing.T, c *nsqtest.Cluster) {
				for i := range 3 {
					c.CreateChannel(i, "orders", "audit")
					c.CreateChannel(i, "orders", "billing")
					c.Publish(i, "orders", nsqtest.Messages(2)...)
				}
			},
			want: func(*nsqtest.Cluster, *sources.NSQSnapshot) []string {
				return []string{
					"warning channel orders/audit: depth 6 and no clients",
					"warning channel orders/billing: depth 6 and no clients",
					"warning topic orders: no clients on any of its 2 channels, depth 12",
				}
			},
		},
		{
			name: "messages requeued by a consumer that fails them",
			before: func(t *testing.T, c *nsqtest.Cluster) {
				c.CreateChannel(0, "jobs", "work")
				c.Publish(0, "jobs", nsqtest.Messages(4)...)
				failing(t, c, 0, "jobs", "work")
				waitChannel(t, c, 0, "jobs", "work", "requeued 5 times each, then finished", func(ch nsqtest.ChannelStats) bool {
					return ch.RequeueCount == 20 && ch.Depth == 0 && ch.InFlightCount == 0 && ch.DeferredCount == 0
				})
			},
			want: func(*nsqtest.Cluster, *sources.NSQSnapshot) []string {
				return []string{"warning channel jobs/work: 20 requeues for 4 messages since nsqd started"}
			},
		},
		{
			// Its counts since nsqd started are the case above's; the polls
			// since saw no requeue, so it is over.
			name: "a requeue storm long over",
			before: func(t *testing.T, c *nsqtest.Cluster) {
				c.CreateChannel(0, "jobs", "work")
				c.Publish(0, "jobs", nsqtest.Messages(4)...)
				failing(t, c, 0, "jobs", "work")
				waitChannel(t, c, 0, "jobs", "work", "requeued 5 times each, then finished", func(ch nsqtest.ChannelStats) bool {
					return ch.RequeueCount == 20 && ch.Depth == 0 && ch.InFlightCount == 0 && ch.DeferredCount == 0
				})
			},
			during: func(*testing.T, *nsqtest.Cluster) {},
			want:   func(*nsqtest.Cluster, *sources.NSQSnapshot) []string { return nil },
		},
		{
			// Each interval between polls sees 4 messages in and out and 20
			// requeues: 5 per message delivered.
			name: "a requeue storm now",
			before: func(t *testing.T, c *nsqtest.Cluster) {
				c.CreateChannel(0, "jobs", "work")
				failing(t, c, 0, "jobs", "work")
			},
			during: func(t *testing.T, c *nsqtest.Cluster) {
				ch, _ := c.NSQD(0).FindChannel(t, "jobs", "work")
				c.Publish(0, "jobs", nsqtest.Messages(4)...)
				waitChannel(t, c, 0, "jobs", "work", "requeued 5 times each, then finished", func(now nsqtest.ChannelStats) bool {
					return now.RequeueCount == ch.RequeueCount+20 && now.Depth == 0 && now.InFlightCount == 0 && now.DeferredCount == 0
				})
			},
			want: func(*nsqtest.Cluster, *sources.NSQSnapshot) []string {
				return []string{"warning channel jobs/work: requeues …/s, 500% of deliveries"}
			},
			why: "measured between the last two polls, against …/s delivered",
		},
		{
			name: "messages timed out in a consumer that holds them",
			opts: []nsqtest.Option{nsqtest.MsgTimeout(100 * time.Millisecond)},
			before: func(t *testing.T, c *nsqtest.Cluster) {
				c.CreateChannel(0, "jobs", "work")
				c.Publish(0, "jobs", nsqtest.Messages(2)...)
				c.ConsumeOn([]int{0}, "jobs", "work", nsqtest.Hold())
				// go-nsq finishes a message itself past MaxAttempts (5).
				waitChannel(t, c, 0, "jobs", "work", "timed out 5 times each, then finished", func(ch nsqtest.ChannelStats) bool {
					return ch.TimeoutCount == 10 && ch.Depth == 0 && ch.InFlightCount == 0
				})
			},
			want: func(*nsqtest.Cluster, *sources.NSQSnapshot) []string {
				return []string{"warning channel jobs/work: 10 timeouts for 2 messages since nsqd started"}
			},
		},
		{
			// Needs the poller's depth trend (NSQChannel.Climbing, Depths, Drain).
			name: "depth climbing under a consumer that holds every message",
			before: func(t *testing.T, c *nsqtest.Cluster) {
				for i := range 3 {
					c.CreateChannel(i, "orders", "audit")
				}
				c.Consume("orders", "audit", nsqtest.Hold())
			},
			during: func(t *testing.T, c *nsqtest.Cluster) {
				for i := range 3 {
					c.Publish(i, "orders", nsqtest.Messages(3)...)
				}
			},
			want: func(*nsqtest.Cluster, *sources.NSQSnapshot) []string {
				// 90 published, one held in flight on each node.
				return []string{"warning channel orders/audit: depth climbing to 87 (+… over … polls), never drains at this pace"}
			},
		},
		{
			name: "a channel paused on one node while producers publish",
			before: func(t *testing.T, c *nsqtest.Cluster) {
				for i := range 3 {
					c.CreateChannel(i, "orders", "audit")
				}
				c.Consume("orders", "audit", nsqtest.Finish())
				c.PauseChannel(0, "orders", "audit")
			},
			during: func(t *testing.T, c *nsqtest.Cluster) {
				for i := range 3 {
					c.Publish(i, "orders", nsqtest.Messages(3)...)
				}
				// The unpaused nodes deliver it all before the poll, so that
				// only the paused one grows.
				for i := 1; i < 3; i++ {
					waitChannel(t, c, i, "orders", "audit", "delivered", func(ch nsqtest.ChannelStats) bool {
						return ch.Depth == 0 && ch.InFlightCount == 0
					})
				}
			},
			want: func(c *nsqtest.Cluster, _ *sources.NSQSnapshot) []string {
				return []string{"warning channel orders/audit: paused with depth 30, growing …/s on 1 of 3 nodes (" + c.HTTPAddr(0) + ")"}
			},
			why: "producers still publish to it",
		},
		{
			name: "an nsqd decommissioned empty: it left every lookupd, then stopped",
			before: func(t *testing.T, c *nsqtest.Cluster) {
				c.CreateChannel(2, "orders", "audit")
			},
			during: func(t *testing.T, c *nsqtest.Cluster) {
				// The lookupds drop it as it shuts down; the poll after
				// finds it gone, not down.
				c.StopNSQD(2)
				c.WaitRegistered()
			},
			want: func(c *nsqtest.Cluster, _ *sources.NSQSnapshot) []string {
				return []string{"info nsqd " + c.HTTPAddr(2) + ": left the cluster cleanly"}
			},
			why: "as they do when nsqd shuts down; it is shown for a while, then dropped (gone since …); it held no messages at its last answer",
		},
		{
			name: "an nsqd stopped holding messages: down, whatever the lookupds say",
			before: func(t *testing.T, c *nsqtest.Cluster) {
				c.CreateChannel(2, "orders", "audit")
				c.Publish(2, "orders", nsqtest.Messages(4)...)
			},
			during: func(t *testing.T, c *nsqtest.Cluster) {
				c.StopNSQD(2)
				c.WaitRegistered()
			},
			want: func(c *nsqtest.Cluster, _ *sources.NSQSnapshot) []string {
				return []string{"error nsqd " + c.HTTPAddr(2) + ": nsqd is down"}
			},
			why: "the 4 messages queued on it at its last answer are not delivered",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := nsqtest.NewCluster(t, 2, 3, tc.opts...)
			if tc.before != nil {
				tc.before(t, c)
			}
			src := newNSQSource(t, c)
			snap := pollNSQ(t, src)
			if tc.during != nil {
				// Trends and rates need several polls.
				for range 10 {
					tc.during(t, c)
					snap = pollNSQ(t, src)
				}
			}
			fs := health.NSQ(snap)
			got := findingTitles(fs)
			want := tc.want(c, snap)
			if len(got) != len(want) {
				t.Fatalf("findings %q, want %q", got, want)
			}
			for i, w := range want {
				if !matches(got[i], w) {
					t.Errorf("finding %d = %q, want %q", i, got[i], w)
				}
			}
			if tc.why != "" && !matches(fs[0].Why, "…"+tc.why+"…") {
				t.Errorf("why %q, want it to say %q", fs[0].Why, tc.why)
			}
			for _, f := range fs {
				for _, text := range []string{f.Title, f.Why, f.Fix} {
					if unknownFigure.MatchString(text) {
						t.Errorf("an unknown figure in %q: %q", f.Title, text)
					}
				}
			}
		})
	}
}

// TestNSQMessagesOnANodeNoLookupdKnows: a node given with --nsqd that
// registers with no lookupd holds messages that consumers using the
// lookupds never read.
func TestNSQMessagesOnANodeNoLookupdKnows(t *testing.T) {
	c := nsqtest.NewCluster(t, 2, 3)
	d, err := nsqembed.StartNSQD(nsqembed.NSQDOptions{ID: 9})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	alone := nsqtest.NSQD{Addr: d.HTTPAddr(), Client: c.HTTPClient()}
	alone.CreateTopic(t, "orders")
	alone.Publish(t, "orders", nsqtest.Messages(3)...)

	snap := pollNSQ(t, newNSQSource(t, c, d.HTTPAddr()))
	got := findingTitles(health.NSQ(snap))
	want := []string{
		"warning nsqd " + d.HTTPAddr() + ": 3 messages on a node no lookupd knows",
		"warning topic orders: depth 3 and no channels",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("findings %q, want %q", got, want)
	}
}

// TestNSQChannelClientsOnCluster: consumers connected to every node with
// max-in-flight 0 take nothing. The poll cannot tell (it asks for no
// clients); the channel's detail can.
func TestNSQChannelClientsOnCluster(t *testing.T) {
	c := nsqtest.NewCluster(t, 2, 3)
	for i := range 3 {
		c.CreateChannel(i, "orders", "audit")
	}
	cons := c.Consume("orders", "audit", nsqtest.Finish())
	cons.ChangeMaxInFlight(0)
	src := newNSQSource(t, c)
	describe := func() *sources.NSQChannelDetail {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		r := src.Do(ctx, sources.Request{Body: sources.DescribeNSQChannel{Topic: "orders", Channel: "audit"}})
		d, ok := r.Data.(*sources.NSQChannelDetail)
		if r.Err != "" || !ok {
			t.Fatalf("describe orders/audit: %q, data %T", r.Err, r.Data)
		}
		return d
	}
	pollNSQ(t, src) // the source finds the channel's nodes in its snapshot
	nsqtest.WaitFor(t, "every client of orders/audit at ready count 0", func() bool {
		d := describe()
		return len(d.Clients) == 3 && !slices.ContainsFunc(d.Clients, func(cl sources.NSQClient) bool { return cl.ReadyCount != 0 })
	})
	for i := range 3 {
		c.Publish(i, "orders", nsqtest.Messages(2)...)
	}
	snap := pollNSQ(t, src)

	if got := findingTitles(health.NSQ(snap)); len(got) != 0 {
		t.Errorf("the poll's findings %q, want none: every node has a client", got)
	}
	got := findingTitles(health.NSQChannelClients(snap, describe()))
	want := []string{"warning channel orders/audit: 3 clients connected, none ready (ready count 0)"}
	if !slices.Equal(got, want) {
		t.Fatalf("client findings %q, want %q", got, want)
	}
}
