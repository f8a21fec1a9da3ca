package nsq_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/topicat/topicat/sources/nsq"
	"github.com/topicat/topicat/sources/nsq/nsqtest"
)

const benchNodes, benchTopics, benchChannels = 20, 200, 3

// BenchmarkPoll is one full poll (lookupd /nodes, /stats of every node,
// merge, rates) of 20 nsqd × 200 topics × 3 channels = 12 000 channels.
//
//   - nsqd-e2e: in-process nsqd with E2E percentiles on, as nsqembed runs
//     them by default (and `topicat demo` with it); their work serving
//     /stats shares the CPUs and is counted, and is mostly the percentiles.
//   - nsqd: the same as nsqd runs by default, without E2E percentiles.
//   - recorded: topicat alone; the /stats bodies of the nsqd cluster served
//     by plain HTTP servers.
func BenchmarkPoll(b *testing.B) {
	// First, so that its cluster is gone before the next is built.
	b.Run("nsqd-e2e", func(b *testing.B) {
		c, _ := benchCluster(b)
		benchPoll(b, c, nsq.Config{Lookupds: c.LookupdURLs()})
	})
	c, bodies := benchCluster(b, nsqtest.NoE2E())
	b.Run("nsqd", func(b *testing.B) { benchPoll(b, c, nsq.Config{Lookupds: c.LookupdURLs()}) })

	var addrs []string
	for _, body := range bodies {
		s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/stats" {
				http.NotFound(w, r)
				return
			}
			w.Write(body)
		}))
		b.Cleanup(s.Close)
		addrs = append(addrs, s.Listener.Addr().String())
	}
	b.Run("recorded", func(b *testing.B) { benchPoll(b, nil, nsq.Config{NSQDs: addrs}) })
}

// benchCluster builds the cluster and returns each node's /stats body.
func benchCluster(b *testing.B, opts ...nsqtest.Option) (*nsqtest.Cluster, [][]byte) {
	start := time.Now()
	c := nsqtest.NewCluster(b, 1, benchNodes, opts...)
	c.Populate(benchTopics, benchChannels, 2)
	var bodies [][]byte
	for i := range benchNodes {
		resp, err := c.HTTPClient().Get("http://" + c.HTTPAddr(i) + "/stats?format=json&include_clients=false&include_mem=false")
		if err != nil {
			b.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			b.Fatal(err)
		}
		bodies = append(bodies, body)
	}
	b.Logf("cluster built in %s; /stats of one node is %d KiB", time.Since(start).Round(time.Millisecond), len(bodies[0])>>10)
	return c, bodies
}

func benchPoll(b *testing.B, c *nsqtest.Cluster, cfg nsq.Config) {
	cfg.Timeout = time.Minute
	src := newSource(b, c, cfg)
	snap := poll(b, src)
	if len(snap.Nodes) != benchNodes || len(snap.Topics) != benchTopics ||
		len(snap.Topics[0].Channels) != benchChannels || len(snap.Errors) != 0 {
		b.Fatalf("cluster not as built: %d nodes, %d topics, errors %v", len(snap.Nodes), len(snap.Topics), snap.Errors)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := src.Poll(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPollAtScale is one poll at the scale: 100 nsqd × 100
// topics × 3 channels (30,000 channels on the nodes), each nsqd a plain HTTP
// server on 127.0.0.1 answering /stats with what nsqd 1.3 sends for it
// (every field, E2E off as by default), behind a lookupd whose /nodes lists
// them all. Only topicat's side is measured: no nsqd shares the CPUs.
func BenchmarkPollAtScale(b *testing.B) {
	const nodes, topics, channels = 100, 100, 3
	var producers []map[string]any
	var names []string
	for ti := range topics {
		names = append(names, fmt.Sprintf("topic-%03d", ti))
	}
	for i := range nodes {
		body := scaleStats(int64(i), names, channels)
		s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/stats" {
				http.NotFound(w, r)
				return
			}
			w.Write(body)
		}))
		b.Cleanup(s.Close)
		port := s.Listener.Addr().(*net.TCPAddr).Port
		producers = append(producers, producer("127.0.0.1", port, 40000+i, names, make([]bool, topics)))
	}
	l := fakeLookupd(b, producers...)
	b.Run("100x100x3", func(b *testing.B) {
		cfg := nsq.Config{Lookupds: []string{l.URL}, Timeout: time.Minute}
		src := newSource(b, nil, cfg)
		snap := poll(b, src)
		if len(snap.Nodes) != nodes || len(snap.Topics) != topics || len(snap.Topics[0].Channels) != channels || len(snap.Errors) != 0 {
			b.Fatalf("cluster not as built: %d nodes, %d topics, errors %v", len(snap.Nodes), len(snap.Topics), snap.Errors)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := src.Poll(context.Background()); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// scaleStats is an nsqd 1.3 /stats body (include_clients=false,
// include_mem=false) for the given topics with n channels each.
func scaleStats(seed int64, topics []string, n int) []byte {
	e2e := map[string]any{"count": 0, "percentiles": nil}
	var ts []map[string]any
	for ti, name := range topics {
		msgs := 1000*seed + int64(ti)
		var cs []map[string]any
		for ci := range n {
			cs = append(cs, map[string]any{
				"channel_name": fmt.Sprintf("channel-%d", ci), "depth": msgs / 2, "backend_depth": msgs / 4,
				"in_flight_count": ci, "deferred_count": 0, "message_count": msgs, "requeue_count": 3, "timeout_count": 1,
				"client_count": ci, "clients": []any{}, "paused": false, "e2e_processing_latency": e2e,
			})
		}
		ts = append(ts, map[string]any{
			"topic_name": name, "channels": cs, "depth": 0, "backend_depth": 0, "message_count": msgs,
			"message_bytes": 100 * msgs, "paused": false, "e2e_processing_latency": e2e,
		})
	}
	b, _ := json.Marshal(map[string]any{"version": "1.3.0", "health": "OK", "start_time": 1700000000, "topics": ts, "producers": []any{}})
	return b
}
