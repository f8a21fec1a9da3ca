package nsq_test

import (
	"encoding/json"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/sources/nsq"
	"github.com/topicat/topicat/sources/nsq/nsqtest"
)

// wireClient is a client as nsqd's /stats and nsqadmin's /api write it.
type wireClient struct {
	Node          string `json:"node"` // nsqadmin only
	ClientID      string `json:"client_id"`
	Hostname      string `json:"hostname"`
	Version       string `json:"version"`
	RemoteAddress string `json:"remote_address"`
	State         int    `json:"state"` // nsqd only
	ReadyCount    int64  `json:"ready_count"`
	InFlight      int64  `json:"in_flight_count"`
	Messages      uint64 `json:"message_count"`
	Finished      uint64 `json:"finish_count"`
	Requeued      uint64 `json:"requeue_count"`
	ConnectTS     int64  `json:"connect_ts"`
	SampleRate    int32  `json:"sample_rate"`
	Deflate       bool   `json:"deflate"`
	Snappy        bool   `json:"snappy"`
	UserAgent     string `json:"user_agent"`
	Authed        bool   `json:"authed"`
	AuthIdentity  string `json:"auth_identity"`
	TLS           bool   `json:"tls"`
	TLSCipher     string `json:"tls_cipher_suite"`
	TLSVersion    string `json:"tls_version"`
	PubCounts     []struct {
		Topic string `json:"topic"`
		Count uint64 `json:"count"`
	} `json:"pub_counts"`
}

// sameClient reports how c differs from what nsqd or nsqadmin said of it.
func sameClient(c sources.NSQClient, w wireClient) bool {
	return c.ClientID == w.ClientID && c.Hostname == w.Hostname && c.Version == w.Version &&
		c.RemoteAddress == w.RemoteAddress && c.ReadyCount == w.ReadyCount && c.InFlight == w.InFlight &&
		c.Messages == w.Messages && c.Finished == w.Finished && c.Requeued == w.Requeued &&
		c.ConnectedAt.Equal(time.Unix(w.ConnectTS, 0)) && c.SampleRate == w.SampleRate &&
		c.Deflate == w.Deflate && c.Snappy == w.Snappy && c.UserAgent == w.UserAgent &&
		c.Authed == w.Authed && c.AuthIdentity == w.AuthIdentity &&
		c.TLS == w.TLS && c.TLSCipher == w.TLSCipher && c.TLSVersion == w.TLSVersion
}

// nsqdStats reads nsqd i's /stats with the query given.
func nsqdStats(t *testing.T, c *nsqtest.Cluster, i int, q url.Values, v any) {
	t.Helper()
	resp, err := c.HTTPClient().Get("http://" + c.HTTPAddr(i) + "/stats?" + q.Encode())
	if err != nil {
		t.Fatalf("stats of node %d: %v", i, err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("stats of node %d: %v", i, err)
	}
}

// nsqdClients are a channel's clients in nsqd i's own /stats.
func nsqdClients(t *testing.T, c *nsqtest.Cluster, i int, topic, channel string) []wireClient {
	t.Helper()
	var st struct {
		Topics []struct {
			Name     string `json:"topic_name"`
			Channels []struct {
				Name    string       `json:"channel_name"`
				Clients []wireClient `json:"clients"`
			} `json:"channels"`
		} `json:"topics"`
	}
	nsqdStats(t, c, i, url.Values{"format": {"json"}, "topic": {topic}, "channel": {channel}}, &st)
	for _, tp := range st.Topics {
		for _, ch := range tp.Channels {
			if tp.Name == topic && ch.Name == channel {
				return ch.Clients
			}
		}
	}
	return nil
}

func describeChannel(t *testing.T, src *nsq.Source, topic, channel string) (*sources.NSQChannelDetail, sources.Result) {
	t.Helper()
	res := do(t, src, sources.DescribeNSQChannel{Topic: topic, Channel: channel})
	d, ok := res.Data.(*sources.NSQChannelDetail)
	if res.Err != "" || !ok || d.Topic != topic || d.Channel != channel {
		t.Fatalf("describe %s/%s: %+v", topic, channel, res)
	}
	return d, res
}

// A channel's clients on every node, field by field as nsqd and nsqadmin
// give them; only that channel's, and a stopped node is a failed target.
func TestDescribeChannel(t *testing.T) {
	c := nsqtest.NewCluster(t, 2, 3)
	for i := range 3 {
		c.CreateChannel(i, "orders", "billing")
		c.CreateChannel(i, "orders", "audit")
	}
	c.CreateChannel(0, "events", "billing")
	// Two consumers on nodes 0 and 1, one on node 2, each connection
	// holding one message in flight; another topic's channel of the same
	// name, and another channel of the topic, have clients of their own.
	c.Consume("orders", "billing", nsqtest.Hold())
	c.ConsumeOn([]int{0, 1}, "orders", "billing", nsqtest.Hold())
	c.ConsumeOn([]int{0}, "events", "billing", nsqtest.Finish())
	c.ConsumeOn([]int{1}, "orders", "audit", nsqtest.Finish())
	clients := []int{2, 2, 1}
	for i := range 3 {
		c.Publish(i, "orders", nsqtest.Messages(4)...)
		nsqtest.WaitFor(t, "a message in flight on every client", func() bool {
			ch, _ := c.NSQD(i).FindChannel(t, "orders", "billing")
			return ch.InFlightCount == int64(clients[i])
		})
	}
	c.WaitTopic("orders", 0, 1, 2)
	src := newSource(t, c, nsq.Config{Lookupds: c.LookupdURLs()})
	admin := startNSQAdmin(t, c.LookupdURLs())

	d, res := describeChannel(t, src, "orders", "billing")
	if len(res.Targets) != 0 {
		t.Errorf("targets %+v, want none", res.Targets)
	}
	if len(d.Clients) != 5 {
		t.Fatalf("%d clients, want 5: %+v", len(d.Clients), d.Clients)
	}
	if !slices.IsSortedFunc(d.Clients, func(a, b sources.NSQClient) int {
		if n := byAddr(a.Node, b.Node); n != 0 {
			return n
		}
		return byAddr(a.RemoteAddress, b.RemoteAddress)
	}) {
		t.Errorf("clients not by node, then remote address")
	}

	t.Run("as nsqd gives them", func(t *testing.T) {
		for i := range 3 {
			ws := nsqdClients(t, c, i, "orders", "billing")
			var got []sources.NSQClient
			for _, cl := range d.Clients {
				if cl.Node == c.HTTPAddr(i) {
					got = append(got, cl)
				}
			}
			if len(got) != len(ws) || len(ws) != clients[i] {
				t.Fatalf("node %d: %d clients, nsqd says %d, want %d", i, len(got), len(ws), clients[i])
			}
			for _, w := range ws {
				j := slices.IndexFunc(got, func(cl sources.NSQClient) bool { return cl.RemoteAddress == w.RemoteAddress })
				if j < 0 || !sameClient(got[j], w) || got[j].State != w.State || got[j].InFlight != 1 || !strings.HasPrefix(got[j].UserAgent, "go-nsq/") {
					t.Errorf("node %d client %s: nsqd %+v, topicat %+v", i, w.RemoteAddress, w, got)
				}
			}
		}
	})

	t.Run("as nsqadmin gives them", func(t *testing.T) {
		var ac struct {
			ClientCount int          `json:"client_count"`
			Clients     []wireClient `json:"clients"`
			Message     string       `json:"message"`
		}
		adminGet(t, admin, "/api/topics/orders/billing", &ac)
		if ac.Message != "" || ac.ClientCount != len(d.Clients) || len(ac.Clients) != len(d.Clients) {
			t.Fatalf("nsqadmin: %d clients (client_count %d, %q), topicat %d", len(ac.Clients), ac.ClientCount, ac.Message, len(d.Clients))
		}
		for _, w := range ac.Clients {
			j := slices.IndexFunc(d.Clients, func(cl sources.NSQClient) bool {
				return cl.Node == w.Node && cl.RemoteAddress == w.RemoteAddress
			})
			if j < 0 || !sameClient(d.Clients[j], w) {
				t.Errorf("nsqadmin client %+v, topicat %+v", w, d.Clients)
			}
		}
	})

	t.Run("a channel on one node", func(t *testing.T) {
		d, _ := describeChannel(t, src, "events", "billing")
		if len(d.Clients) != 1 || d.Clients[0].Node != c.HTTPAddr(0) {
			t.Errorf("events/billing clients %+v, want one on node 0", d.Clients)
		}
	})

	t.Run("a channel without clients", func(t *testing.T) {
		c.CreateChannel(2, "orders", "idle")
		d, res := describeChannel(t, src, "orders", "idle")
		if len(d.Clients) != 0 || d.Clients == nil || len(res.Targets) != 0 {
			t.Errorf("orders/idle: %+v, want an empty list", res)
		}
		if b, _ := json.Marshal(d); !strings.Contains(string(b), `"clients":[]`) {
			t.Errorf("JSON %s, want an empty list of clients", b)
		}
	})

	t.Run("a node stopped", func(t *testing.T) {
		poll(t, src)
		c.StopNSQD(2)
		c.WaitRegistered() // known from the snapshot only
		d, res := describeChannel(t, src, "orders", "billing")
		if len(res.Targets) != 1 || res.Targets[0].Target != "nsqd "+c.HTTPAddr(2) ||
			res.Targets[0].Err != "describe channel orders/billing: connection refused" {
			t.Errorf("targets %+v, want node 2 failed", res.Targets)
		}
		if len(d.Clients) != 4 || slices.ContainsFunc(d.Clients, func(cl sources.NSQClient) bool { return cl.Node == c.HTTPAddr(2) }) {
			t.Errorf("clients %+v, want the 4 of nodes 0 and 1", d.Clients)
		}
	})
}

// A node's memory figures and its producers, without its consumers.
func TestDescribeNode(t *testing.T) {
	c := nsqtest.NewCluster(t, 2, 3)
	p := c.Producer(1)
	for range 3 {
		if err := p.Publish("orders", []byte("m")); err != nil {
			t.Fatal(err)
		}
	}
	c.Consume("orders", "billing", nsqtest.Finish())
	src := newSource(t, c, nsq.Config{Lookupds: c.LookupdURLs()})

	describe := func(node string) *sources.NSQNodeDetail {
		t.Helper()
		res := do(t, src, sources.DescribeNSQNode{Node: node})
		d, ok := res.Data.(*sources.NSQNodeDetail)
		if res.Err != "" || res.Failed() || !ok {
			t.Fatalf("describe %s: %+v", node, res)
		}
		return d
	}

	// Asked as http://host:port, answered as the snapshot names it.
	d := describe("http://" + c.HTTPAddr(1))
	if d.Node != c.HTTPAddr(1) {
		t.Errorf("node %q, want %s", d.Node, c.HTTPAddr(1))
	}
	if m := d.Memory; m == nil || m.HeapObjects == 0 || m.HeapInUseBytes == 0 || m.NextGCBytes == 0 {
		t.Errorf("memory %+v, want nsqd's figures", d.Memory)
	}
	var st struct {
		Producers []wireClient `json:"producers"`
	}
	nsqdStats(t, c, 1, url.Values{"format": {"json"}}, &st)
	if len(d.Producers) != 1 || len(st.Producers) != 1 {
		t.Fatalf("producers %+v, nsqd's %+v: want the one", d.Producers, st.Producers)
	}
	host, _ := os.Hostname()
	got, w := d.Producers[0], st.Producers[0]
	if !sameClient(got, w) || got.Node != c.HTTPAddr(1) || got.Hostname != host || !strings.HasPrefix(got.UserAgent, "go-nsq/") ||
		!slices.Equal(got.PubCounts, []sources.NSQPubCount{{Topic: "orders", Count: 3}}) {
		t.Errorf("producer %+v, nsqd says %+v", got, w)
	}

	d = describe(c.HTTPAddr(0))
	if d.Memory == nil || d.Producers == nil || len(d.Producers) != 0 {
		t.Errorf("node 0 %+v, want memory and no producers", d)
	}
	if b, _ := json.Marshal(d); !strings.Contains(string(b), `"producers":[]`) {
		t.Errorf("JSON %s, want an empty list of producers", b)
	}
}

// What older nsqd send: no memory, no producers (before 1.2), no filtering
// of /stats by topic or channel (before 1.1); and an answer that is not
// nsqd's is said in words.
func TestDescribeOlderNSQD(t *testing.T) {
	f := newFakeNSQD(t)
	src := newSource(t, nil, nsq.Config{NSQDs: []string{f.addr}})

	f.set(`{"version":"1.0.0","health":"OK","start_time":1,"topics":[
		{"topic_name":"events","channels":[{"channel_name":"billing","clients":[{"client_id":"e","remote_address":"10.0.0.9:1"}]}]},
		{"topic_name":"orders","channels":[
			{"channel_name":"audit","clients":[{"client_id":"a","remote_address":"10.0.0.8:1"}]},
			{"channel_name":"billing","clients":[
				{"client_id":"b2","remote_address":"10.0.0.2:7","connect_ts":0},
				{"client_id":"b1","remote_address":"10.0.0.2:10","connect_ts":1700000000,"ready_count":3}]}]}]}`)
	d, _ := describeChannel(t, src, "orders", "billing")
	if len(d.Clients) != 2 || d.Clients[0].ClientID != "b2" || d.Clients[1].ClientID != "b1" ||
		!d.Clients[0].ConnectedAt.IsZero() || !d.Clients[1].ConnectedAt.Equal(time.Unix(1700000000, 0)) || d.Clients[1].ReadyCount != 3 {
		t.Errorf("clients %+v, want orders/billing's two, by remote address", d.Clients)
	}

	res := do(t, src, sources.DescribeNSQNode{Node: f.addr})
	nd, ok := res.Data.(*sources.NSQNodeDetail)
	if res.Err != "" || !ok || nd.Memory != nil || nd.Producers != nil {
		t.Fatalf("describe node: %+v, want memory and producers unknown", res)
	}
	if b, _ := json.Marshal(nd); !strings.Contains(string(b), `"memory":null`) || !strings.Contains(string(b), `"producers":null`) {
		t.Errorf("JSON %s, want memory and producers null", b)
	}

	f.set(`{"version":"1.3.0","health":"OK","start_time":1,"topics":null,"producers":"none"}`)
	res = do(t, src, sources.DescribeNSQNode{Node: f.addr})
	if !strings.HasPrefix(res.Err, "describe nsqd "+f.addr+": malformed JSON from /stats") || strings.Contains(res.Err, "nsq.") || strings.Contains(res.Err, "Go ") {
		t.Errorf("Err %q, want the node and the malformed answer in words", res.Err)
	}
}
