package nsq_test

import (
	"context"
	"testing"
	"time"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/sources/nsq"
	"github.com/topicat/topicat/sources/nsq/nsqtest"
)

// scenario is a 2 lookupd × 3 nsqd cluster shaped like a small production one:
//
//	orders  on nodes 0,1,2: channels audit (paused on node 1, unread),
//	        billing (a consumer finishing everything), shipping (a consumer
//	        holding its messages in flight)
//	events  on nodes 0,1:   channel archive (unread)
//	lonely  on node 2:      paused, no channel, so its messages stay in the topic
type scenario struct {
	c *nsqtest.Cluster
	// published counts messages per node per topic.
	published [3]map[string]int
}

func newScenario(t *testing.T) *scenario {
	t.Helper()
	c := nsqtest.NewCluster(t, 2, 3, nsqtest.MemQueueSize(8))
	s := &scenario{c: c}
	for i := range 3 {
		s.published[i] = map[string]int{}
		for _, ch := range []string{"audit", "billing", "shipping"} {
			c.CreateChannel(i, "orders", ch)
		}
	}
	c.CreateChannel(0, "events", "archive")
	c.CreateChannel(1, "events", "archive")
	c.CreateTopic(2, "lonely")
	c.PauseTopic(2, "lonely")
	c.PauseChannel(1, "orders", "audit")
	c.Consume("orders", "billing", nsqtest.Finish())
	c.Consume("orders", "shipping", nsqtest.Hold())

	s.publish(0, "orders", 10)
	s.publish(1, "orders", 20)
	s.publish(2, "orders", 30)
	s.publish(0, "events", 7)
	s.publish(1, "events", 3)
	s.publish(2, "lonely", 4)
	s.settle(t)
	c.WaitTopic("orders", 0, 1, 2)
	c.WaitTopic("events", 0, 1)
	c.WaitTopic("lonely", 2)
	return s
}

func (s *scenario) publish(node int, topic string, n int) {
	s.c.Publish(node, topic, nsqtest.Messages(n)...)
	s.published[node][topic] += n
}

// settle waits until nsqd has copied every message to the channels and the
// consumers are done moving them, so that figures hold still.
func (s *scenario) settle(t *testing.T) {
	t.Helper()
	for i := range 3 {
		addr := s.c.HTTPAddr(i)
		nsqtest.WaitFor(t, "node "+addr+" to settle", func() bool {
			for _, tp := range s.c.Stats(i).Topics {
				want := uint64(s.published[i][tp.Name])
				if tp.MessageCount != want || (len(tp.Channels) > 0 && tp.Depth != 0) {
					return false
				}
				for _, ch := range tp.Channels {
					if ch.MessageCount != want {
						return false
					}
					switch ch.Name {
					case "billing":
						if ch.Depth != 0 || ch.InFlightCount != 0 {
							return false
						}
					case "shipping":
						if want > 0 && ch.InFlightCount == 0 {
							return false
						}
					}
				}
			}
			return true
		})
	}
}

// newSource makes a source polling through the cluster's client, so that
// stopping a node really cuts it off.
func newSource(t testing.TB, c *nsqtest.Cluster, cfg nsq.Config) *nsq.Source {
	t.Helper()
	if cfg.HTTPClient == nil && c != nil {
		cfg.HTTPClient = c.HTTPClient()
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	s, err := nsq.New(cfg)
	if err != nil {
		t.Fatalf("nsq.New: %v", err)
	}
	return s
}

func poll(t testing.TB, s *nsq.Source) *sources.NSQSnapshot {
	t.Helper()
	snap, err := s.Poll(context.Background())
	if err != nil {
		t.Fatalf("poll: %v", err)
	}
	if snap == nil {
		t.Fatal("poll: nil snapshot")
	}
	return snap
}

func findTopic(t testing.TB, snap *sources.NSQSnapshot, name string) sources.NSQTopic {
	t.Helper()
	for _, tp := range snap.Topics {
		if tp.Name == name {
			return tp
		}
	}
	t.Fatalf("topic %q not in snapshot (topics: %v)", name, topicNames(snap))
	return sources.NSQTopic{}
}

func findChannel(t testing.TB, tp sources.NSQTopic, name string) sources.NSQChannel {
	t.Helper()
	for _, c := range tp.Channels {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("channel %s/%s not in snapshot", tp.Name, name)
	return sources.NSQChannel{}
}

func findNode(t testing.TB, snap *sources.NSQSnapshot, addr string) sources.NSQNode {
	t.Helper()
	for _, n := range snap.Nodes {
		if n.Addr == addr {
			return n
		}
	}
	t.Fatalf("node %s not in snapshot", addr)
	return sources.NSQNode{}
}

func topicNames(snap *sources.NSQSnapshot) []string {
	var out []string
	for _, t := range snap.Topics {
		out = append(out, t.Name)
	}
	return out
}

// nodeTopic is one topic of one node in a snapshot; ok is false when absent.
func nodeTopic(n sources.NSQNode, name string) (sources.NSQTopicStats, bool) {
	for _, t := range n.Topics {
		if t.Name == name {
			return t, true
		}
	}
	return sources.NSQTopicStats{}, false
}
