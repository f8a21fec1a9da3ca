package nsq_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/sources/nsq"
)

// fakeNSQD answers /info and /stats; /stats with whatever body was set last.
type fakeNSQD struct {
	*httptest.Server
	addr  string
	mu    sync.Mutex
	stats string
}

func newFakeNSQD(t *testing.T) *fakeNSQD {
	f := &fakeNSQD{stats: `{"version":"1.3.0","health":"OK","start_time":1,"topics":null}`}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/info":
			// A distinct broadcast_address:tcp_port per fake, as real nodes have.
			fmt.Fprintf(w, `{"version":"1.3.0","broadcast_address":%q,"hostname":"fake","http_port":1,"tcp_port":2}`, f.addr)
		case "/stats":
			f.mu.Lock()
			defer f.mu.Unlock()
			fmt.Fprint(w, f.stats)
		default:
			http.NotFound(w, r)
		}
	}))
	f.addr = f.Listener.Addr().String()
	t.Cleanup(f.Close)
	return f
}

func (f *fakeNSQD) set(body string) {
	f.mu.Lock()
	f.stats = body
	f.mu.Unlock()
}

// ft and fc describe a topic and a channel in a fake /stats.
type ft struct {
	name  string
	msgs  uint64
	chans []fc
}

type fc struct {
	name  string
	msgs  uint64
	depth int64
}

func statsBody(start int64, topics ...ft) string {
	type ch struct {
		Name  string `json:"channel_name"`
		Msgs  uint64 `json:"message_count"`
		Depth int64  `json:"depth"`
	}
	type tp struct {
		Name     string `json:"topic_name"`
		Msgs     uint64 `json:"message_count"`
		Channels []ch   `json:"channels"`
	}
	body := struct {
		Version   string `json:"version"`
		Health    string `json:"health"`
		StartTime int64  `json:"start_time"`
		Topics    []tp   `json:"topics"`
	}{Version: "1.3.0", Health: "OK", StartTime: start}
	for _, t := range topics {
		x := tp{Name: t.name, Msgs: t.msgs}
		for _, c := range t.chans {
			x.Channels = append(x.Channels, ch{Name: c.name, Msgs: c.msgs, Depth: c.depth})
		}
		body.Topics = append(body.Topics, x)
	}
	b, _ := json.Marshal(body)
	return string(b)
}

// Rates follow nsq_stat: ingress Δmessage_count/s, egress (Δmessages − Δdepth)/s,
// summed over nodes; a node whose counters went back, or that restarted, has
// no rate, and then neither has the sum (it would read as a fall); a first
// sight is unknown (−1).
func TestRates(t *testing.T) {
	a, b := newFakeNSQD(t), newFakeNSQD(t)
	src := newSource(t, nil, nsq.Config{NSQDs: []string{a.addr, b.addr}})
	const unknown = -1.0
	steps := []struct {
		name string
		a, b string
		// want rates as messages over the interval, or unknown
		want map[string]float64 // "topic" or "topic/channel"
	}{
		{
			name: "first sight",
			a:    statsBody(1000, ft{"t", 100, []fc{{"c", 100, 10}}}),
			b:    statsBody(1000, ft{"t", 50, []fc{{"c", 50, 0}}}),
			want: map[string]float64{"t": unknown, "t/c": unknown},
		},
		{
			name: "both nodes moved",
			a:    statsBody(1000, ft{"t", 150, []fc{{"c", 150, 20}}}),
			b:    statsBody(1000, ft{"t", 60, []fc{{"c", 60, 0}}}),
			want: map[string]float64{"t": 50 + 10, "t/c": (50 - 10) + (10 - 0)},
		},
		{
			name: "a restarted, its counters happen to be higher",
			a:    statsBody(2000, ft{"t", 200, []fc{{"c", 200, 20}}}),
			b:    statsBody(1000, ft{"t", 70, []fc{{"c", 70, 0}}}),
			want: map[string]float64{"t": unknown, "t/c": unknown},
		},
		{
			name: "requeues raise depth more than messages came in: egress 0, not negative",
			a:    statsBody(2000, ft{"t", 210, []fc{{"c", 210, 40}}}),
			b:    statsBody(1000, ft{"t", 70, []fc{{"c", 70, 0}}}),
			want: map[string]float64{"t": 10, "t/c": 0},
		},
		{
			name: "topic recreated on a: counters went back; new topic n on b",
			a:    statsBody(2000, ft{"t", 5, []fc{{"c", 5, 5}}}),
			b:    statsBody(1000, ft{"n", 7, []fc{{"x", 7, 7}}}, ft{"t", 80, []fc{{"c", 80, 0}}}),
			want: map[string]float64{"t": unknown, "t/c": unknown, "n": unknown, "n/x": unknown},
		},
		{
			name: "n seen before; channel y new",
			a:    statsBody(2000, ft{"t", 5, []fc{{"c", 5, 5}}}),
			b:    statsBody(1000, ft{"n", 9, []fc{{"x", 9, 9}, {"y", 9, 0}}}, ft{"t", 80, []fc{{"c", 80, 0}}}),
			want: map[string]float64{"t": 0, "t/c": 0, "n": 2, "n/x": 0, "n/y": unknown},
		},
	}
	var prev *sources.NSQSnapshot
	for _, st := range steps {
		a.set(st.a)
		b.set(st.b)
		snap := poll(t, src)
		for key, want := range st.want {
			if want != unknown {
				want /= snap.Taken.Sub(prev.Taken).Seconds()
			}
			topic, channel, _ := strings.Cut(key, "/")
			tp := findTopic(t, snap, topic)
			got := tp.In
			if channel != "" {
				got = findChannel(t, tp, channel).Out
			}
			if got != want {
				t.Errorf("%s: %s rate %v, want %v", st.name, key, got, want)
			}
		}
		prev = snap
	}
}

// Requeue and timeout rates are each node's Δrequeue_count/s and
// Δtimeout_count/s within one nsqd run and one life of the channel: unknown
// on first sight, when its counter went back, when the channel was
// re-created (its message count went back) and when nsqd restarted.
func TestRedeliveryRates(t *testing.T) {
	f := newFakeNSQD(t)
	src := newSource(t, nil, nsq.Config{NSQDs: []string{f.addr}})
	body := func(start int64, chans ...[4]uint64) string { // name index, messages, requeues, timeouts
		var cs []string
		for _, c := range chans {
			cs = append(cs, fmt.Sprintf(`{"channel_name":"c%d","message_count":%d,"requeue_count":%d,"timeout_count":%d}`, c[0], c[1], c[2], c[3]))
		}
		return fmt.Sprintf(`{"version":"1.3.0","health":"OK","start_time":%d,"topics":[{"topic_name":"t","message_count":1000000,"channels":[%s]}]}`,
			start, strings.Join(cs, ","))
	}
	const unknown = -1.0
	steps := []struct {
		name                string
		body                string
		requeues, timeouts  float64 // over the interval, or unknown
		newRequeues, newTOs float64 // those of c2, when the step has it
	}{
		{"first sight", body(1000, [4]uint64{1, 100, 50, 5}), unknown, unknown, 0, 0},
		{"both counters moved", body(1000, [4]uint64{1, 200, 80, 6}), 30, 1, 0, 0},
		{"no redelivery since", body(1000, [4]uint64{1, 300, 80, 6}), 0, 0, 0, 0},
		{"the requeue counter went back alone", body(1000, [4]uint64{1, 400, 70, 9}), unknown, 3, 0, 0},
		{"the channel re-created: every counter restarted, requeues happen to be higher", body(1000, [4]uint64{1, 10, 90, 1}), unknown, unknown, 0, 0},
		{"known again", body(1000, [4]uint64{1, 20, 95, 1}, [4]uint64{2, 5, 4, 4}), 5, 0, unknown, unknown},
		{"nsqd restarted", body(2000, [4]uint64{1, 30, 99, 2}, [4]uint64{2, 6, 5, 5}), unknown, unknown, unknown, unknown},
		{"after the restart", body(2000, [4]uint64{1, 40, 101, 2}, [4]uint64{2, 7, 7, 5}), 2, 0, 2, 0},
	}
	var prev *sources.NSQSnapshot
	for _, st := range steps {
		f.set(st.body)
		snap := poll(t, src)
		n := findNode(t, snap, f.addr)
		if len(n.Topics) != 1 {
			t.Fatalf("%s: topics %+v", st.name, n.Topics)
		}
		per := func(v float64) float64 {
			if v == unknown {
				return v
			}
			return v / snap.Taken.Sub(prev.Taken).Seconds()
		}
		for i, c := range n.Topics[0].Channels {
			want := [2]float64{per(st.requeues), per(st.timeouts)}
			if i == 1 {
				want = [2]float64{per(st.newRequeues), per(st.newTOs)}
			}
			if got := [2]float64{c.RequeueRate, c.TimeoutRate}; got != want {
				t.Errorf("%s: %s requeue and timeout rates %v, want %v", st.name, c.Name, got, want)
			}
		}
		prev = snap
	}
}

// What nsqd 1.0 to 1.3 send: null arrays, missing fields, clients listed
// instead of counted, fields from newer versions.
func TestDecodeTolerance(t *testing.T) {
	cases := []struct {
		name   string
		body   string
		health string
		want   []sources.NSQTopicStats
	}{
		{
			name: "no topics", health: "OK",
			body: `{"version":"1.3.0","health":"OK","start_time":1,"topics":null,"producers":null}`,
		},
		{
			name: "null channels, missing fields",
			body: `{"topics":[{"topic_name":"t","channels":null}]}`,
			want: []sources.NSQTopicStats{{Name: "t", Channels: []sources.NSQChannelStats{}}},
		},
		{
			name: "nsqd 1.0/1.1: clients listed, no client_count", health: "OK",
			body: `{"version":"1.0.0-compat","health":"OK","start_time":1,"topics":[{"topic_name":"t","depth":1,"backend_depth":0,"message_count":3,"paused":false,
				"channels":[{"channel_name":"c","depth":2,"backend_depth":1,"in_flight_count":1,"deferred_count":1,"message_count":3,"requeue_count":4,"timeout_count":5,
				"clients":[{"client_id":"a","state":3},{"client_id":"b","state":3}],"paused":true,"e2e_processing_latency":{"count":0,"percentiles":null}}],
				"e2e_processing_latency":{"count":0,"percentiles":null}}]}`,
			want: []sources.NSQTopicStats{{Name: "t", Depth: 1, Messages: 3, Channels: []sources.NSQChannelStats{
				{Name: "c", Depth: 2, BackendDepth: 1, InFlight: 1, Deferred: 1, Messages: 3, Requeued: 4, TimedOut: 5, Clients: 2, Paused: true},
			}}},
		},
		{
			name: "client_count with an empty clients array (1.2+); unknown fields ignored",
			body: `{"topics":[{"topic_name":"t","message_bytes":10,"channels":[{"channel_name":"c","client_count":7,"clients":[],"zone_local_msg_count":1}]}],"memory":{"heap_objects":1}}`,
			want: []sources.NSQTopicStats{{Name: "t", MessageBytes: 10, Channels: []sources.NSQChannelStats{{Name: "c", Clients: 7}}}},
		},
		{
			name: "E2E percentiles: none sampled yet is none, not 0s; sorted by quantile",
			body: `{"topics":[{"topic_name":"t","e2e_processing_latency":{"count":0,"percentiles":[{"quantile":0.99,"value":0},{"quantile":0.5,"value":0}]},
				"channels":[{"channel_name":"c","e2e_processing_latency":{"count":3,"percentiles":[{"quantile":0.99,"value":2500000},{"quantile":0.5,"value":1000}]}}]}]}`,
			want: []sources.NSQTopicStats{{Name: "t", Channels: []sources.NSQChannelStats{{Name: "c",
				E2E: []sources.Percentile{{Quantile: 0.5, Value: time.Microsecond}, {Quantile: 0.99, Value: 2500 * time.Microsecond}}}}}},
		},
		{
			name: "sorted by name whatever nsqd sent",
			body: `{"topics":[{"topic_name":"b","channels":[{"channel_name":"z"},{"channel_name":"a"}]},{"topic_name":"a"}]}`,
			want: []sources.NSQTopicStats{
				{Name: "a", Channels: []sources.NSQChannelStats{}},
				{Name: "b", Channels: []sources.NSQChannelStats{{Name: "a"}, {Name: "z"}}},
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeNSQD(t)
			f.set(tc.body)
			snap := poll(t, newSource(t, nil, nsq.Config{NSQDs: []string{f.addr}}))
			n := findNode(t, snap, f.addr)
			if !n.Up || n.Health != tc.health {
				t.Fatalf("node %+v", n)
			}
			if len(n.Topics) == 0 && len(tc.want) == 0 {
				return
			}
			// A first poll knows no rate.
			for i := range tc.want {
				tc.want[i].In = -1
				for j := range tc.want[i].Channels {
					c := &tc.want[i].Channels[j]
					c.In, c.Out, c.RequeueRate, c.TimeoutRate = -1, -1, -1, -1
				}
			}
			if !reflect.DeepEqual(n.Topics, tc.want) {
				t.Errorf("topics\n got %+v\nwant %+v", n.Topics, tc.want)
			}
		})
	}
}
