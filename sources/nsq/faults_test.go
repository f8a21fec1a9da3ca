package nsq_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/topicat/topicat/sources"
	"github.com/topicat/topicat/sources/nsq"
	"github.com/topicat/topicat/sources/nsq/nsqtest"
)

// One nsqd stops answering while the lookupds still list it: it is down, its
// topics are marked partial, and stay so after the lookupds drop it; it
// comes back when restarted.
func TestNodeDown(t *testing.T) {
	c := nsqtest.NewCluster(t, 2, 3)
	for i := range 3 {
		c.CreateChannel(i, "orders", "c")
		c.Publish(i, "orders", nsqtest.Messages(i+1)...)
	}
	c.CreateChannel(0, "solo", "c")
	c.CreateChannel(1, "only-on-1", "c")
	c.Publish(1, "only-on-1", nsqtest.Messages(5)...)
	c.WaitTopic("orders", 0, 1, 2)
	src := newSource(t, c, nsq.Config{Lookupds: c.LookupdURLs()})
	snap1 := poll(t, src)
	down := c.HTTPAddr(1)
	before := findNode(t, snap1, down)
	lastOnly := findTopic(t, snap1, "only-on-1")

	c.HaltNSQD(1)
	snap2 := poll(t, src)
	if n := findNode(t, snap2, down); !slices.Equal(n.Lookupds, c.LookupdURLs()) {
		t.Errorf("poll 2: the halted node is known to %v, want both lookupds", n.Lookupds)
	}
	// Then let the lookupds drop it (they do when its connection closes)
	// and poll again: the node must stay down, from the last snapshot.
	c.StopNSQD(1)
	c.WaitRegistered()
	snap3 := poll(t, src)

	for i, snap := range []*sources.NSQSnapshot{snap2, snap3} {
		n := findNode(t, snap, down)
		if n.Up || n.Gone || n.DownSince != snap2.Taken || !strings.Contains(n.Err, down) || n.Health != "" {
			t.Errorf("poll %d: stopped node = Up %v DownSince %v (want %v) Err %q Health %q",
				i+2, n.Up, n.DownSince, snap2.Taken, n.Err, n.Health)
		}
		if n.Hostname != before.Hostname || n.TCPPort != before.TCPPort || n.Version != before.Version || n.StartTime != before.StartTime {
			t.Errorf("poll %d: identity lost: %+v", i+2, n)
		}
		want := sources.EndpointError{Endpoint: "nsqd " + down, Op: "stats", Since: snap2.Taken}
		if len(snap.Errors) != 1 || snap.Errors[0].Endpoint != want.Endpoint || snap.Errors[0].Op != want.Op ||
			snap.Errors[0].Since != want.Since || snap.Errors[0].Err == "" {
			t.Errorf("poll %d: errors %+v, want one like %+v", i+2, snap.Errors, want)
		}
		orders := findTopic(t, snap, "orders")
		if !orders.Partial || !orders.Channels[0].Partial || orders.Messages != 1+3 || slices.Contains(orders.Nodes, down) {
			t.Errorf("poll %d: orders = %+v, want partial with the 4 messages of nodes 0 and 2", i+2, orders)
		}
		if solo := findTopic(t, snap, "solo"); solo.Partial {
			t.Errorf("poll %d: solo marked partial", i+2)
		}
		// A topic only the silent node carries keeps its last totals, marked partial.
		only := findTopic(t, snap, "only-on-1")
		if !only.Partial || only.In != -1 || only.Messages != lastOnly.Messages || only.Channels[0].Depth != 5 || !only.Channels[0].Partial {
			t.Errorf("poll %d: only-on-1 = %+v, want last totals (5 messages) marked partial", i+2, only)
		}
	}
	if n := findNode(t, snap3, down); len(n.Lookupds) != 0 {
		t.Errorf("after de-registration the node is known to %v, want none", n.Lookupds)
	}

	c.RestartNSQD(1)
	snap4 := poll(t, src)
	n := findNode(t, snap4, down)
	if !n.Up || !n.DownSince.IsZero() || n.Err != "" || len(snap4.Errors) != 0 || len(n.Lookupds) != 2 {
		t.Errorf("restarted node = %+v, errors %v", n, snap4.Errors)
	}
	// The restarted node's rate needs a second poll of its new run.
	orders := findTopic(t, snap4, "orders")
	if orders.Partial || len(orders.Nodes) != 3 || orders.In >= 0 {
		t.Errorf("orders after restart = %+v", orders)
	}
	if orders = findTopic(t, poll(t, src), "orders"); orders.In < 0 {
		t.Errorf("orders after restart = %+v", orders)
	}
}

// A node that left every lookupd and then stopped answering is gone, then
// dropped after ForgetAfter; so is a down node the lookupds dropped; a
// configured node stays, down, whatever the lookupds say.
func TestNodeForgotten(t *testing.T) {
	c := nsqtest.NewCluster(t, 1, 4)
	src := newSource(t, c, nsq.Config{Lookupds: c.LookupdURLs(), NSQDs: []string{c.HTTPAddr(2)}, ForgetAfter: time.Nanosecond})
	if n := len(poll(t, src).Nodes); n != 4 {
		t.Fatalf("%d nodes, want 4", n)
	}
	c.DecommissionNSQD(1)
	c.DecommissionNSQD(2)
	c.HaltNSQD(3)
	snap := poll(t, src)
	if n := findNode(t, snap, c.HTTPAddr(1)); !n.Gone || n.GoneSince != snap.Taken || n.Up || n.Err != "" || !n.DownSince.IsZero() {
		t.Errorf("decommissioned node = %+v, want gone since this poll, no error", n)
	}
	if n := findNode(t, snap, c.HTTPAddr(3)); n.Gone || n.Up || n.DownSince != snap.Taken {
		t.Errorf("halted node = %+v, want down", n)
	}
	c.StopNSQD(3)
	c.WaitRegistered()
	snap = poll(t, src)
	if len(snap.Nodes) != 2 {
		t.Fatalf("nodes %+v, want node 0 and the configured node 2", snap.Nodes)
	}
	if n := findNode(t, snap, c.HTTPAddr(2)); n.Up || n.Gone || n.Hostname == "" {
		t.Errorf("configured node = %+v, want down with its identity", n)
	}
	if len(snap.Errors) != 1 || snap.Errors[0].Endpoint != "nsqd "+c.HTTPAddr(2) {
		t.Errorf("errors %v, want one for the configured node", snap.Errors)
	}
}

// An nsqd restart zeroes its counters: its share of the rate is unknown,
// never negative, and so the merged rate until its next poll.
func TestCounterReset(t *testing.T) {
	c := nsqtest.NewCluster(t, 1, 2)
	for i := range 2 {
		c.CreateChannel(i, "t", "c")
		c.Publish(i, "t", nsqtest.Messages(5)...)
	}
	src := newSource(t, c, nsq.Config{Lookupds: c.LookupdURLs()})
	settled := func(want0, want1 uint64) {
		t.Helper()
		for i, want := range []uint64{want0, want1} {
			nsqtest.WaitFor(t, "channel c to get every message", func() bool {
				ch, ok := c.NSQD(i).FindChannel(t, "t", "c")
				return ok && ch.MessageCount == want
			})
		}
	}
	settled(5, 5)
	snap1 := poll(t, src)
	c.Publish(0, "t", nsqtest.Messages(3)...)
	settled(8, 5)
	snap2 := poll(t, src)
	if got, want := findTopic(t, snap2, "t").In, 3/snap2.Taken.Sub(snap1.Taken).Seconds(); got != want {
		t.Fatalf("rate %v, want %v", got, want)
	}

	c.RestartNSQD(0)
	c.Publish(1, "t", nsqtest.Messages(2)...)
	settled(0, 7)
	snap3 := poll(t, src)
	tp := findTopic(t, snap3, "t")
	if tp.In != -1 {
		t.Errorf("rate after restart %v, want unknown: node 0's share is", tp.In)
	}
	if ch := tp.Channels[0]; ch.Out != -1 || ch.Depth != 8+7 {
		t.Errorf("channel after restart = %+v, want egress unknown and depth 15 (node 0's kept on disk)", ch)
	}
	c.Publish(1, "t", nsqtest.Messages(4)...)
	settled(0, 11)
	snap4 := poll(t, src)
	if got, want := findTopic(t, snap4, "t").In, 4/snap4.Taken.Sub(snap3.Taken).Seconds(); got != want {
		t.Errorf("rate a poll later %v, want %v", got, want)
	}
	n0 := findNode(t, snap3, c.HTTPAddr(0))
	if ts, _ := nodeTopic(n0, "t"); ts.Messages != 0 || ts.Channels[0].Depth != 8 {
		t.Errorf("restarted node's t = %+v", ts)
	}
}

// A lookupd stops: its counts are unknown (not its old ones), and the nodes
// are known to the other lookupd only.
func TestLookupdDown(t *testing.T) {
	c := nsqtest.NewCluster(t, 2, 3)
	urls := c.LookupdURLs()
	src := newSource(t, c, nsq.Config{Lookupds: urls})
	poll(t, src)
	c.StopLookupd(0)
	snap2 := poll(t, src)
	snap3 := poll(t, src)
	for i, snap := range []*sources.NSQSnapshot{snap2, snap3} {
		l := snap.Lookupds[0]
		// What it knew before is no count of now.
		if l.Up || l.DownSince != snap2.Taken || !strings.Contains(l.Err, urls[0]) || l.Version != "1.3.0" || l.Nodes != -1 || l.Topics != -1 {
			t.Errorf("poll %d: stopped lookupd = %+v, want down, its version kept, counts unknown", i+2, l)
		}
		if l := snap.Lookupds[1]; l.Nodes != 3 {
			t.Errorf("poll %d: other lookupd knows %d nodes, want 3", i+2, l.Nodes)
		}
		if !snap.Lookupds[1].Up {
			t.Errorf("poll %d: other lookupd = %+v", i+2, snap.Lookupds[1])
		}
		if len(snap.Errors) != 1 || snap.Errors[0].Endpoint != "lookupd "+urls[0] || snap.Errors[0].Op != "nodes" {
			t.Errorf("poll %d: errors %+v", i+2, snap.Errors)
		}
		if len(snap.Nodes) != 3 {
			t.Fatalf("poll %d: %d nodes, want 3", i+2, len(snap.Nodes))
		}
		for _, n := range snap.Nodes {
			if !n.Up || !slices.Equal(n.Lookupds, urls[1:]) {
				t.Errorf("poll %d: node %+v, want up and known to the lookupd that answered", i+2, n)
			}
		}
	}

	// A source that starts while the lookupd is down knows the nodes from the other.
	fresh := newSource(t, c, nsq.Config{Lookupds: urls})
	snap := poll(t, fresh)
	if len(snap.Nodes) != 3 || !snap.Nodes[0].Up || !slices.Equal(snap.Nodes[0].Lookupds, urls[1:]) || snap.Lookupds[0].Up || snap.Lookupds[0].Nodes != -1 {
		t.Errorf("fresh source: nodes %+v lookupds %+v", snap.Nodes, snap.Lookupds)
	}
}

// stallServer answers nothing until the client gives up.
func stallServer(t *testing.T) *httptest.Server {
	stop := make(chan struct{})
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	}))
	t.Cleanup(s.Close)
	t.Cleanup(func() { close(stop) })
	return s
}

func TestStall(t *testing.T) {
	c := nsqtest.NewCluster(t, 1, 1)
	c.CreateTopic(0, "t")
	stall := stallServer(t)
	stallAddr := stall.Listener.Addr().String()
	const timeout = 750 * time.Millisecond

	t.Run("nsqd", func(t *testing.T) {
		src := newSource(t, c, nsq.Config{Lookupds: c.LookupdURLs(), NSQDs: []string{stallAddr}, Timeout: timeout})
		snap, err := src.Poll(context.Background())
		if err != nil {
			t.Fatalf("poll: %v", err)
		}
		// It waited the whole poll: the error says the timeout configured.
		n := findNode(t, snap, stallAddr)
		if want := "nsqd " + stallAddr + ": stats: timed out after 750ms"; n.Up || n.Err != want {
			t.Errorf("stalled node = %+v, want down with %q", n, want)
		}
		if n := findNode(t, snap, c.HTTPAddr(0)); !n.Up {
			t.Errorf("healthy node = %+v", n)
		}
		if len(snap.Errors) != 1 || snap.Errors[0].Endpoint != "nsqd "+stallAddr {
			t.Errorf("errors %v", snap.Errors)
		}
		findTopic(t, snap, "t")
	})
	t.Run("lookupd", func(t *testing.T) {
		// A configured node is asked while the lookupd is: it does not wait on discovery.
		src := newSource(t, c, nsq.Config{Lookupds: []string{stall.URL}, NSQDs: []string{c.HTTPAddr(0)}, Timeout: timeout})
		snap, err := src.Poll(context.Background())
		if err != nil {
			t.Fatalf("poll: %v", err)
		}
		if l, want := snap.Lookupds[0], "lookupd "+stall.URL+": nodes: timed out after 750ms"; l.Up || l.Err != want || l.Nodes != -1 {
			t.Errorf("stalled lookupd = %+v, want down with %q", l, want)
		}
		if n := findNode(t, snap, c.HTTPAddr(0)); !n.Up {
			t.Errorf("configured node = %+v", n)
		}
	})
}

func TestBadAnswers(t *testing.T) {
	cases := []struct {
		name   string
		status int
		body   string
		want   string
	}{
		{"malformed JSON", 200, `{not json`, "malformed JSON from /stats: invalid character 'n'"},
		{"truncated JSON", 200, `{"topics":[{"topic_name":"t"`, "malformed JSON from /stats: it ends early"},
		{"empty body", 200, ``, "empty answer from /stats"},
		{"wrong JSON type", 200, `{"topics":{"a":1}}`, "malformed JSON from /stats: topics is an object, want a list"},
		{"string for a list", 200, `{"topics":"none"}`, "malformed JSON from /stats: topics is a string, want a list"},
		{"wrong type deep down", 200, `{"topics":[{"topic_name":"t","channels":[{"channel_name":"c","depth":"7"}]}]}`,
			"malformed JSON from /stats: topics.channels.depth is a string, want a whole number"},
		{"negative count", 200, `{"topics":[{"topic_name":"t","message_count":-1}]}`,
			"malformed JSON from /stats: topics.message_count is -1, want a whole number, 0 or more"},
		{"unhealthy", 500, `{"message":"NOK - disk full"}`, "HTTP 500: NOK - disk full"},
		{"HTML error page", 404, `<html>not found</html>`, "HTTP 404: <html>not found</html>"},
		{"TLS required", 403, `{"message":"TLS_REQUIRED","https_port":4152}`, "HTTP 403: requires TLS (https port 4152); configure --nsq-tls"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tc.status)
				fmt.Fprint(w, tc.body)
			}))
			t.Cleanup(s.Close)
			addr := s.Listener.Addr().String()
			src := newSource(t, nil, nsq.Config{NSQDs: []string{addr}})
			snap, err := src.Poll(context.Background())
			// The only node failed: nothing answered, so the loop must back off.
			if err == nil || !strings.Contains(err.Error(), addr) {
				t.Errorf("poll error %v, want one naming %s", err, addr)
			}
			n := findNode(t, snap, addr)
			if n.Up || !strings.Contains(n.Err, addr) || !strings.Contains(n.Err, tc.want) {
				t.Errorf("node Err %q, want it to name %s and say %q", n.Err, addr, tc.want)
			}
			// Words, not the decoder's Go types.
			for _, leak := range []string{"json:", "Go struct", "[]nsq.", "statsJSON", "unmarshal", "EOF", "int64", "uint64"} {
				if strings.Contains(n.Err, leak) {
					t.Errorf("node Err %q leaks %q", n.Err, leak)
				}
			}
			if len(snap.Errors) != 1 || !strings.Contains(snap.Errors[0].Err, tc.want) || snap.Errors[0].Op != "stats" {
				t.Errorf("errors %+v", snap.Errors)
			}
		})
	}
}

// Everything down: the snapshot keeps the last picture, with errors, and the
// poll fails so that the loop backs off.
func TestAllDown(t *testing.T) {
	c := nsqtest.NewCluster(t, 1, 2)
	for i := range 2 {
		c.CreateChannel(i, "t", "c")
		c.Publish(i, "t", nsqtest.Messages(2)...)
	}
	src := newSource(t, c, nsq.Config{Lookupds: c.LookupdURLs()})
	nsqtest.WaitFor(t, "messages in channel c", func() bool {
		tp := findTopic(t, poll(t, src), "t")
		return len(tp.Channels) == 1 && tp.Channels[0].Depth == 4
	})
	snap1 := poll(t, src)
	c.StopLookupd(0)
	c.StopNSQD(0)
	c.StopNSQD(1)
	snap2, err := src.Poll(context.Background())
	if err == nil {
		t.Fatal("poll with everything down: no error")
	}
	if snap2 == nil {
		t.Fatal("nil snapshot")
	}
	if len(snap2.Errors) != 3 || snap2.LastOK != snap1.Taken {
		t.Errorf("errors %v, LastOK %v (want %v)", snap2.Errors, snap2.LastOK, snap1.Taken)
	}
	if l := snap2.Lookupds[0]; l.Up || l.Version != "1.3.0" {
		t.Errorf("lookupd %+v", l)
	}
	if len(snap2.Nodes) != 2 {
		t.Fatalf("nodes %+v", snap2.Nodes)
	}
	for _, n := range snap2.Nodes {
		if n.Up || n.Hostname == "" || len(n.Topics) != 1 {
			t.Errorf("node %+v, want down with its identity and last topics", n)
		}
	}
	tp := findTopic(t, snap2, "t")
	if !tp.Partial || tp.Messages != 4 || tp.Channels[0].Depth != 4 || tp.In != -1 {
		t.Errorf("t = %+v, want the last totals marked partial", tp)
	}
}

// fakeLookupd serves /nodes, /topics and /info as an nsqlookupd would.
func fakeLookupd(t testing.TB, producers ...map[string]any) *httptest.Server {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/nodes":
			json.NewEncoder(w).Encode(map[string]any{"producers": producers})
		case "/topics":
			topics := map[string]bool{}
			for _, p := range producers {
				for _, tp := range p["topics"].([]string) {
					topics[tp] = true
				}
			}
			json.NewEncoder(w).Encode(map[string]any{"topics": slices.Sorted(maps.Keys(topics))})
		case "/lookup":
			// The producers that list the topic, tombstoned ones left out.
			var found bool
			lookup := map[string]any{"channels": []string{}, "producers": []map[string]any{}}
			for _, p := range producers {
				for i, tp := range p["topics"].([]string) {
					if tp == r.URL.Query().Get("topic") {
						found = true
						if !p["tombstones"].([]bool)[i] {
							lookup["producers"] = append(lookup["producers"].([]map[string]any), p)
						}
					}
				}
			}
			if !found {
				w.WriteHeader(http.StatusNotFound)
				fmt.Fprint(w, `{"message":"TOPIC_NOT_FOUND"}`)
				return
			}
			json.NewEncoder(w).Encode(lookup)
		case "/info":
			fmt.Fprint(w, `{"version":"1.3.0"}`)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(s.Close)
	return s
}

func producer(host string, httpPort, tcpPort int, topics []string, tombstones []bool) map[string]any {
	return map[string]any{
		"remote_address": "127.0.0.1:50000", "hostname": "h-" + host, "broadcast_address": host,
		"tcp_port": tcpPort, "http_port": httpPort, "version": "1.3.0",
		"topics": topics, "tombstones": tombstones,
	}
}

func closedPort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port
}

// What lookupd lists for a node that does not answer marks those topics
// partial, even on the first poll; tombstones come from the parallel arrays.
func TestLookupdListsSilentNodes(t *testing.T) {
	c := nsqtest.NewCluster(t, 0, 1)
	c.CreateChannel(0, "orders", "c")
	c.CreateTopic(0, "fine")
	_, p, _ := net.SplitHostPort(c.HTTPAddr(0))
	_, tp, _ := net.SplitHostPort(c.TCPAddr(0))
	httpPort, _ := strconv.Atoi(p)
	tcpPort, _ := strconv.Atoi(tp)
	dead := closedPort(t)
	l := fakeLookupd(t,
		producer("127.0.0.1", httpPort, tcpPort, []string{"orders", "fine", "old"}, []bool{false, false, true}),
		producer("127.0.0.1", dead, dead+1, []string{"orders", "ghost"}, []bool{false, false}),
		producer("no-such-host.invalid", 4151, 4150, []string{"fine"}, []bool{true}),
	)
	src := newSource(t, c, nsq.Config{Lookupds: []string{l.URL}, Timeout: 5 * time.Second})
	snap := poll(t, src)

	live := findNode(t, snap, c.HTTPAddr(0))
	if !live.Up || !slices.Equal(live.Tombstoned, []string{"old"}) || live.Hostname != "h-127.0.0.1" {
		t.Errorf("live node = %+v", live)
	}
	if o := findTopic(t, snap, "orders"); !o.Partial || o.In != -1 || len(o.Nodes) != 1 {
		t.Errorf("orders = %+v, want partial: the dead node carries it", o)
	}
	if g := findTopic(t, snap, "ghost"); !g.Partial || g.Messages != 0 || len(g.Nodes) != 0 {
		t.Errorf("ghost = %+v, want listed as partial with nothing known", g)
	}
	// Tombstoned on the unresolvable node: not counted as carried there.
	if f := findTopic(t, snap, "fine"); f.Partial {
		t.Errorf("fine = %+v, want complete", f)
	}
	deadAddr := "127.0.0.1:" + strconv.Itoa(dead)
	if n := findNode(t, snap, deadAddr); n.Up || !strings.Contains(n.Err, "connection refused") || !strings.Contains(n.Err, deadAddr) {
		t.Errorf("dead node = %+v", n)
	}
	n := findNode(t, snap, "no-such-host.invalid:4151")
	if strings.Contains(n.Err, "timed out") {
		t.Skipf("DNS did not answer here: %s", n.Err)
	}
	if want := "lookupd " + l.URL + " lists nsqd at no-such-host.invalid:4151, which does not resolve"; n.Up || !strings.Contains(n.Err, want) {
		t.Errorf("unresolvable node Err %q, want it to say %q", n.Err, want)
	}
	if len(snap.Errors) != 2 {
		t.Errorf("errors %v, want one per silent node", snap.Errors)
	}
}

// A node that only a now unreachable lookupd listed is kept: that lookupd
// cannot say it left.
func TestNodeKeptWhileItsLookupdIsDown(t *testing.T) {
	c := nsqtest.NewCluster(t, 0, 1)
	_, p, _ := net.SplitHostPort(c.HTTPAddr(0))
	httpPort, _ := strconv.Atoi(p)
	only := fakeLookupd(t, producer("127.0.0.1", httpPort, httpPort+1, []string{}, []bool{}))
	other := fakeLookupd(t)
	src := newSource(t, nil, nsq.Config{Lookupds: []string{only.URL, other.URL}, ForgetAfter: time.Nanosecond})
	if snap := poll(t, src); len(snap.Nodes) != 1 || !slices.Equal(snap.Nodes[0].Lookupds, []string{only.URL}) {
		t.Fatalf("nodes %+v", snap.Nodes)
	}
	only.Close()
	for range 2 {
		snap := poll(t, src)
		if len(snap.Nodes) != 1 || !snap.Nodes[0].Up || len(snap.Nodes[0].Lookupds) != 0 || snap.Lookupds[0].Up {
			t.Fatalf("nodes %+v lookupds %+v", snap.Nodes, snap.Lookupds)
		}
	}
}
