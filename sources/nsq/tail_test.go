package nsq_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/sources/nsq"
	"github.com/topicat/topicat/sources/nsq/nsqtest"
)

var newest = sources.Range{Start: sources.Position{Kind: sources.PosNewest}}

// tailSource is a source that looks for a tail's nodes every 50ms, so that
// lost and returning nodes are noticed at once.
func tailSource(t testing.TB, c *nsqtest.Cluster, cfg nsq.Config) *nsq.Source {
	t.Helper()
	if cfg.Interval == 0 {
		cfg.Interval = 50 * time.Millisecond
	}
	return newSource(t, c, cfg)
}

func openTail(t testing.TB, src *nsq.Source, topic string) sources.Stream {
	t.Helper()
	st, err := src.Tail(context.Background(), sources.TailSpec{Topic: topic, Range: newest})
	if err != nil {
		t.Fatalf("Tail %s: %v", topic, err)
	}
	t.Cleanup(st.Close)
	return st
}

// tailChannels waits until nsqd i has want topicat channels on topic, each
// with its client, and returns their names.
func tailChannels(t testing.TB, c *nsqtest.Cluster, i int, topic string, want int) []string {
	t.Helper()
	var names []string
	nsqtest.WaitFor(t, fmt.Sprintf("%d tail channels on %s", want, c.HTTPAddr(i)), func() bool {
		names = nil
		for _, tp := range c.Stats(i).Topics {
			for _, ch := range tp.Channels {
				if tp.Name == topic && strings.HasPrefix(ch.Name, "topicat-") && strings.HasSuffix(ch.Name, "#ephemeral") && ch.ClientCount == 1 {
					names = append(names, ch.Name)
				}
			}
		}
		return len(names) == want
	})
	slices.Sort(names)
	return names
}

// subscribed waits until the tail's channel has its client on each node.
func subscribed(t testing.TB, c *nsqtest.Cluster, topic string, nodes ...int) string {
	t.Helper()
	var name string
	for _, i := range nodes {
		name = tailChannels(t, c, i, topic, 1)[0]
	}
	return name
}

// readRecords reads exactly n records.
func readRecords(t testing.TB, st sources.Stream, n int) []sources.Record {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), nsqtest.WaitTimeout)
	defer cancel()
	var out []sources.Record
	for len(out) < n {
		recs, err := st.Next(ctx, n-len(out))
		if err != nil {
			t.Fatalf("Next after %d of %d records: %v", len(out), n, err)
		}
		// No records and no error: the stream says its Problem changed.
		if len(recs) > n-len(out) {
			t.Fatalf("Next returned %d records, asked for at most %d", len(recs), n-len(out))
		}
		out = append(out, recs...)
	}
	return out
}

func bodies(recs []sources.Record) []string {
	var out []string
	for _, r := range recs {
		out = append(out, string(r.Value))
	}
	slices.Sort(out)
	return out
}

func findChannelStats(t testing.TB, c *nsqtest.Cluster, i int, topic, channel string) nsqtest.ChannelStats {
	t.Helper()
	ch, ok := c.NSQD(i).FindChannel(t, topic, channel)
	if !ok {
		t.Fatalf("no channel %s/%s on %s", topic, channel, c.HTTPAddr(i))
	}
	return ch
}

// The tail reads a copy of every message from every node that carries the
// topic, leaves real channels alone, creates nothing where the topic is not,
// and its channel is gone once it closes.
func TestTailModes(t *testing.T) {
	c := nsqtest.NewCluster(t, 1, 3)
	for i := range 2 {
		c.CreateChannel(i, "orders", "real")
		c.Publish(i, "orders", "before the tail")
	}
	c.WaitTopic("orders", 0, 1)

	modes := []struct {
		name string
		cfg  nsq.Config
	}{
		{"lookupd", nsq.Config{Lookupds: c.LookupdURLs()}},
		{"nsqd", nsq.Config{NSQDs: []string{c.HTTPAddr(0), c.HTTPAddr(1), c.HTTPAddr(2)}}},
		{"lookupd and one nsqd", nsq.Config{Lookupds: c.LookupdURLs(), NSQDs: []string{c.HTTPAddr(1)}}},
	}
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			var before [2]nsqtest.ChannelStats
			for i := range 2 {
				before[i] = findChannelStats(t, c, i, "orders", "real")
			}
			src := tailSource(t, c, m.cfg)
			st := openTail(t, src, "orders")
			channel := subscribed(t, c, "orders", 0, 1)
			want := "a copy of every new message via ephemeral channel " + channel +
				" on 2 nsqd; real channels are untouched; the channel vanishes when the tail closes"
			if got := st.Describe(); got != want {
				t.Errorf("Describe\n got %q\nwant %q", got, want)
			}

			published := time.Now()
			var sent []string
			for i := range 2 {
				var batch [][]byte
				for k := range 5 {
					b := fmt.Sprintf("%s from node %d #%d", m.name, i, k)
					batch = append(batch, []byte(b))
					sent = append(sent, b)
				}
				if err := c.Producer(i).MultiPublish("orders", batch); err != nil {
					t.Fatalf("publish to node %d: %v", i, err)
				}
			}
			recs := readRecords(t, st, 10)
			slices.Sort(sent)
			if got := bodies(recs); !slices.Equal(got, sent) {
				t.Fatalf("read %q\nwant %q", got, sent)
			}
			for _, r := range recs {
				node := c.TCPAddr(0)
				if strings.Contains(string(r.Value), "node 1") {
					node = c.TCPAddr(1)
				}
				if r.Topic != "orders" || r.Partition != -1 || r.Offset != -1 || r.Key != nil || r.Headers != nil ||
					len(r.ID) != 16 || r.Attempts != 1 || r.Node != node {
					t.Errorf("record %+v, want from %s, partition and offset -1, a 16-character ID, attempt 1", r, node)
				}
				if r.Timestamp.Before(published.Add(-time.Second)) || r.Timestamp.After(time.Now().Add(time.Second)) {
					t.Errorf("record timestamp %v, published at %v", r.Timestamp, published)
				}
			}
			if p := st.Problem(); p != "" {
				t.Errorf("Problem %q, want none", p)
			}

			// The real channel got its own copies, and lost none to the tail.
			for i := range 2 {
				nsqtest.WaitFor(t, "real channel to take its copies", func() bool {
					return findChannelStats(t, c, i, "orders", "real").MessageCount == before[i].MessageCount+5
				})
				after := findChannelStats(t, c, i, "orders", "real")
				if after.Depth != before[i].Depth+5 || after.InFlightCount != 0 || after.RequeueCount != before[i].RequeueCount ||
					after.TimeoutCount != before[i].TimeoutCount || after.ClientCount != 0 {
					t.Errorf("node %d real channel %+v, before the tail %+v: want 5 more in depth and nothing else changed", i, after, before[i])
				}
			}

			st.Close()
			st.Close()
			for i := range 2 {
				nsqtest.WaitFor(t, "the tail channel to vanish from "+c.HTTPAddr(i), func() bool {
					_, ok := c.NSQD(i).FindChannel(t, "orders", channel)
					return !ok
				})
			}
			if c.HasTopic(2, "orders") {
				t.Errorf("the tail created orders on node 2, which did not carry it")
			}
		})
	}
}

// A topic no node carries is an error, and the tail creates it nowhere.
func TestTailUnknownTopic(t *testing.T) {
	c := nsqtest.NewCluster(t, 1, 2)
	c.CreateTopic(0, "other")
	c.WaitTopic("other", 0)
	tests := []struct {
		name string
		cfg  nsq.Config
		want string
	}{
		{"lookupd", nsq.Config{Lookupds: c.LookupdURLs()},
			`NSQ topic "ghost" does not exist: no nsqd carries it, and topicat does not subscribe where it would create the topic`},
		{"nsqd", nsq.Config{NSQDs: []string{c.HTTPAddr(0), c.HTTPAddr(1)}},
			`NSQ topic "ghost" does not exist: no nsqd carries it, and topicat does not subscribe where it would create the topic`},
		{"one nsqd down", nsq.Config{NSQDs: []string{c.HTTPAddr(0), "127.0.0.1:1"}},
			`NSQ topic "ghost" does not exist: no nsqd carries it, and topicat does not subscribe where it would create the topic (not asked: nsqd 127.0.0.1:1: connection refused)`},
		{"nothing answers", nsq.Config{NSQDs: []string{"127.0.0.1:1"}},
			"tail ghost: no lookupd or nsqd answered: nsqd 127.0.0.1:1: connection refused"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := tailSource(t, c, tc.cfg)
			st, err := src.Tail(context.Background(), sources.TailSpec{Topic: "ghost", Range: newest})
			if err == nil {
				st.Close()
				t.Fatal("Tail of an unknown topic succeeded")
			}
			if err.Error() != tc.want {
				t.Errorf("error\n got %q\nwant %q", err, tc.want)
			}
		})
	}
	for i := range 2 {
		if c.HasTopic(i, "ghost") {
			t.Errorf("node %d carries ghost now", i)
		}
	}
	ps, err := c.LookupdNodes(0)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		if slices.Contains(p.Topics, "ghost") {
			t.Errorf("lookupd lists ghost on %s", p.HTTPAddr())
		}
	}
}

// NSQ cannot seek and has no partitions: those tails are refused before
// anything is asked, saying what NSQ can do.
func TestTailRefusals(t *testing.T) {
	src, err := nsq.New(nsq.Config{NSQDs: []string{"127.0.0.1:1"}})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	rng := func(s string) sources.Range {
		r, err := sources.ParseRange(s, now)
		if err != nil {
			t.Fatalf("ParseRange(%q): %v", s, err)
		}
		return r
	}
	const seek = `NSQ cannot seek: a tail reads messages published from now on (start "newest"); `
	tests := []struct {
		name string
		spec sources.TailSpec
		want string
	}{
		{"oldest", sources.TailSpec{Topic: "t", Range: rng("oldest")}, seek + "oldest needs a log, which nsqd does not keep"},
		{"last 10", sources.TailSpec{Topic: "t", Range: rng("-10")}, seek + "-10 needs a log, which nsqd does not keep"},
		{"offset", sources.TailSpec{Topic: "t", Range: rng("5")}, seek + "5 needs a log, which nsqd does not keep"},
		{"after start", sources.TailSpec{Topic: "t", Range: rng("+3")}, seek + "+3 needs a log, which nsqd does not keep"},
		{"time", sources.TailSpec{Topic: "t", Range: rng("@-1h")}, seek + "@2026-11-26T09:00:00Z needs a log, which nsqd does not keep"},
		{"bounded", sources.TailSpec{Topic: "t", Range: rng("newest:+10")},
			`NSQ cannot seek: a tail reads messages published from now on (start "newest") until it is closed; the end in newest:+10 needs a log, which nsqd does not keep`},
		{"zero range is oldest", sources.TailSpec{Topic: "t"}, seek + "oldest needs a log, which nsqd does not keep"},
		{"partitions", sources.TailSpec{Topic: "t", Range: newest, Partitions: []int32{0, 1, 2}},
			"NSQ topics have no partitions (asked for 0-2): a tail reads every message of the topic; leave partitions out"},
		{"bad topic", sources.TailSpec{Topic: "no spaces", Range: newest},
			`"no spaces" is not an NSQ topic name: 1 to 64 of a-z A-Z 0-9 . _ - (optionally ending in #ephemeral)`},
		{"empty topic", sources.TailSpec{Range: newest},
			`"" is not an NSQ topic name: 1 to 64 of a-z A-Z 0-9 . _ - (optionally ending in #ephemeral)`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st, err := src.Tail(context.Background(), tc.spec)
			if err == nil {
				st.Close()
				t.Fatal("Tail succeeded")
			}
			if err.Error() != tc.want {
				t.Errorf("error\n got %q\nwant %q", err, tc.want)
			}
		})
	}
}

// An nsqd that stops mid-tail is a problem while the others go on; once it
// is back the tail reads from it again and the problem clears.
func TestTailNodeStopped(t *testing.T) {
	modes := []struct {
		name string
		cfg  func(c *nsqtest.Cluster) nsq.Config
	}{
		{"lookupd", func(c *nsqtest.Cluster) nsq.Config { return nsq.Config{Lookupds: c.LookupdURLs()} }},
		{"nsqd", func(c *nsqtest.Cluster) nsq.Config { return nsq.Config{NSQDs: []string{c.HTTPAddr(0), c.HTTPAddr(1)}} }},
	}
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			c := nsqtest.NewCluster(t, 1, 2)
			c.CreateTopic(0, "orders")
			c.CreateTopic(1, "orders")
			c.WaitTopic("orders", 0, 1)
			st := openTail(t, tailSource(t, c, m.cfg(c)), "orders")
			subscribed(t, c, "orders", 0, 1)

			c.StopNSQD(1)
			nsqtest.WaitFor(t, "a problem naming node 1", func() bool {
				p := st.Problem()
				return strings.Contains(p, "nsqd "+c.TCPAddr(1)+": connection lost") || strings.Contains(p, "nsqd "+c.HTTPAddr(1)+": connection refused")
			})
			t.Logf("problem with node 1 down: %s", st.Problem())
			nsqtest.WaitFor(t, "the tail to count one node", func() bool { return strings.Contains(st.Describe(), " on 1 nsqd;") })
			if err := c.Producer(0).Publish("orders", []byte("while node 1 is down")); err != nil {
				t.Fatal(err)
			}
			if r := readRecords(t, st, 1)[0]; string(r.Value) != "while node 1 is down" || r.Node != c.TCPAddr(0) {
				t.Errorf("record %q from %s", r.Value, r.Node)
			}
			if p := st.Problem(); p == "" {
				t.Errorf("the problem cleared while node 1 is still down")
			}

			c.RestartNSQD(1)
			nsqtest.WaitFor(t, "the problem to clear", func() bool { return st.Problem() == "" })
			subscribed(t, c, "orders", 1)
			if err := c.Producer(1).Publish("orders", []byte("node 1 is back")); err != nil {
				t.Fatal(err)
			}
			if r := readRecords(t, st, 1)[0]; string(r.Value) != "node 1 is back" || r.Node != c.TCPAddr(1) {
				t.Errorf("record %q from %s", r.Value, r.Node)
			}
			if d := st.Describe(); !strings.Contains(d, " on 2 nsqd;") {
				t.Errorf("Describe %q, want 2 nsqd", d)
			}
		})
	}
}

// Tails never share a channel, within a source or across sources of one
// process: each sees every message.
func TestTailConcurrent(t *testing.T) {
	c := nsqtest.NewCluster(t, 1, 2)
	c.CreateTopic(0, "orders")
	c.CreateTopic(1, "orders")
	c.WaitTopic("orders", 0, 1)
	src := tailSource(t, c, nsq.Config{Lookupds: c.LookupdURLs()})
	other := tailSource(t, c, nsq.Config{NSQDs: []string{c.HTTPAddr(0), c.HTTPAddr(1)}})
	streams := []sources.Stream{openTail(t, src, "orders"), openTail(t, src, "orders"), openTail(t, other, "orders")}
	for i := range 2 {
		tailChannels(t, c, i, "orders", len(streams))
	}
	var sent []string
	for i := range 2 {
		var batch [][]byte
		for k := range 20 {
			b := fmt.Sprintf("node %d #%02d", i, k)
			batch = append(batch, []byte(b))
			sent = append(sent, b)
		}
		if err := c.Producer(i).MultiPublish("orders", batch); err != nil {
			t.Fatal(err)
		}
	}
	slices.Sort(sent)
	for i, st := range streams {
		if got := bodies(readRecords(t, st, len(sent))); !slices.Equal(got, sent) {
			t.Errorf("stream %d read %q\nwant %q", i, got, sent)
		}
	}
}

// Next waits for records and ends with its context or the stream.
func TestTailNextAndClose(t *testing.T) {
	c := nsqtest.NewCluster(t, 0, 1)
	c.CreateTopic(0, "orders")
	st := openTail(t, tailSource(t, c, nsq.Config{NSQDs: []string{c.HTTPAddr(0)}}), "orders")
	subscribed(t, c, "orders", 0)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := st.Next(ctx, 10); !errors.Is(err, context.Canceled) {
		t.Errorf("Next with an ended context: %v", err)
	}

	if err := c.Producer(0).MultiPublish("orders", [][]byte{[]byte("a"), []byte("b"), []byte("c")}); err != nil {
		t.Fatal(err)
	}
	// A max below one still reads one record at a time.
	var got []string
	for len(got) < 3 {
		recs, err := st.Next(context.Background(), 0)
		if err != nil || len(recs) != 1 {
			t.Fatalf("Next(0) = %d records, %v", len(recs), err)
		}
		got = append(got, string(recs[0].Value))
	}
	if !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Errorf("read %q in that order, want a b c", got)
	}

	blocked := make(chan error)
	go func() {
		_, err := st.Next(context.Background(), 10)
		blocked <- err
	}()
	st.Close()
	if err := <-blocked; !errors.Is(err, sources.ErrStreamClosed) {
		t.Errorf("blocked Next after Close: %v", err)
	}
	if _, err := st.Next(context.Background(), 10); !errors.Is(err, sources.ErrStreamClosed) {
		t.Errorf("Next after Close: %v", err)
	}
	st.Close()
	nsqtest.WaitFor(t, "the tail channel to vanish", func() bool {
		for _, tp := range c.Stats(0).Topics {
			if len(tp.Channels) > 0 {
				return false
			}
		}
		return true
	})
}

// A lookupd that stops answering is a problem; the tail reads on through
// the nodes it is connected to.
func TestTailLookupdDown(t *testing.T) {
	c := nsqtest.NewCluster(t, 2, 1)
	c.CreateTopic(0, "orders")
	c.WaitTopic("orders", 0)
	st := openTail(t, tailSource(t, c, nsq.Config{Lookupds: c.LookupdURLs()}), "orders")
	subscribed(t, c, "orders", 0)

	c.StopLookupd(1)
	want := "lookupd " + c.LookupdURLs()[1] + ": connection refused"
	nsqtest.WaitFor(t, "the problem to name lookupd 1", func() bool { return st.Problem() == want })
	if err := c.Producer(0).Publish("orders", []byte("still here")); err != nil {
		t.Fatal(err)
	}
	if r := readRecords(t, st, 1)[0]; string(r.Value) != "still here" {
		t.Errorf("record %q", r.Value)
	}
	if p := st.Problem(); p != want {
		t.Errorf("Problem %q, want %q", p, want)
	}
}

// A node that takes the topic on after the tail opened is read from too.
func TestTailNodeJoins(t *testing.T) {
	modes := []struct {
		name string
		cfg  func(c *nsqtest.Cluster) nsq.Config
	}{
		{"lookupd", func(c *nsqtest.Cluster) nsq.Config { return nsq.Config{Lookupds: c.LookupdURLs()} }},
		{"nsqd", func(c *nsqtest.Cluster) nsq.Config { return nsq.Config{NSQDs: []string{c.HTTPAddr(0), c.HTTPAddr(1)}} }},
	}
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			c := nsqtest.NewCluster(t, 1, 2)
			c.CreateTopic(0, "orders")
			c.WaitTopic("orders", 0)
			st := openTail(t, tailSource(t, c, m.cfg(c)), "orders")
			subscribed(t, c, "orders", 0)
			if d := st.Describe(); !strings.Contains(d, " on 1 nsqd;") {
				t.Errorf("Describe %q, want 1 nsqd", d)
			}

			c.CreateTopic(1, "orders")
			subscribed(t, c, "orders", 1)
			if err := c.Producer(1).Publish("orders", []byte("from the newcomer")); err != nil {
				t.Fatal(err)
			}
			if r := readRecords(t, st, 1)[0]; string(r.Value) != "from the newcomer" || r.Node != c.TCPAddr(1) {
				t.Errorf("record %q from %s", r.Value, r.Node)
			}
			if d := st.Describe(); !strings.Contains(d, " on 2 nsqd;") {
				t.Errorf("Describe %q, want 2 nsqd", d)
			}
		})
	}
}

// A topic deleted on a node mid-tail is not created again there by the
// tail; deleted everywhere, the tail says so.
func TestTailTopicDeleted(t *testing.T) {
	modes := []struct {
		name string
		// stale makes the tail ask a lookupd that lists both nodes with the
		// topic whatever happens, as one that has not heard of the deletion:
		// the node's own word must count.
		stale bool
		cfg   func(c *nsqtest.Cluster) nsq.Config
	}{
		{"lookupd", false, func(c *nsqtest.Cluster) nsq.Config { return nsq.Config{Lookupds: c.LookupdURLs()} }},
		{"nsqd", false, func(c *nsqtest.Cluster) nsq.Config { return nsq.Config{NSQDs: []string{c.HTTPAddr(0), c.HTTPAddr(1)}} }},
		{"stale lookupd", true, nil},
	}
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			c := nsqtest.NewCluster(t, 1, 2)
			c.CreateTopic(0, "orders")
			c.CreateTopic(1, "orders")
			c.WaitTopic("orders", 0, 1)
			lookups := new(atomic.Int64)
			var cfg nsq.Config
			if m.stale {
				var addr string
				addr, lookups = staleLookupd(t, c.HTTPAddr(0)+" "+c.TCPAddr(0), c.HTTPAddr(1)+" "+c.TCPAddr(1))
				cfg = nsq.Config{Lookupds: []string{addr}}
			} else {
				cfg = m.cfg(c)
			}
			st := openTail(t, tailSource(t, c, cfg), "orders")
			subscribed(t, c, "orders", 0, 1)

			c.NSQD(1).Post(t, "/topic/delete", url.Values{"topic": {"orders"}}, nil)
			nsqtest.WaitFor(t, "a problem naming node 1", func() bool { return strings.Contains(st.Problem(), "nsqd "+c.TCPAddr(1)) })
			nsqtest.WaitFor(t, "the tail to count one node", func() bool { return strings.Contains(st.Describe(), " on 1 nsqd;") })
			if m.stale {
				// Rounds in which the tail was told node 1 has the topic.
				asked := lookups.Load()
				nsqtest.WaitFor(t, "three more rounds of the tail", func() bool { return lookups.Load() >= asked+3 })
			} else {
				c.WaitLookupds("orders gone from node 1", func(ps []nsqtest.Producer) bool {
					for _, p := range ps {
						if p.HTTPAddr() == c.HTTPAddr(1) && slices.Contains(p.Topics, "orders") {
							return false
						}
					}
					return true
				})
			}
			// A read takes a few of the tail's 50ms rounds: time for it to
			// have subscribed again, had it been going to.
			if err := c.Producer(0).Publish("orders", []byte("on node 0")); err != nil {
				t.Fatal(err)
			}
			readRecords(t, st, 1)
			if c.HasTopic(1, "orders") {
				t.Fatalf("the tail created orders again on node 1")
			}
			if m.stale {
				return // the lookupd would list the topic whatever happens
			}

			c.NSQD(0).Post(t, "/topic/delete", url.Values{"topic": {"orders"}}, nil)
			nsqtest.WaitFor(t, "the tail to say the topic is gone", func() bool {
				return strings.HasPrefix(st.Problem(), `topic "orders" is on no nsqd any more; the tail goes on when it is back`)
			})
			for i := range 2 {
				if c.HasTopic(i, "orders") {
					t.Errorf("the tail created orders again on node %d", i)
				}
			}
		})
	}
}
